//! The agent's side: accepts connections from this user only, reads one bounded request
//! within a deadline, responds from the `Deck` (memory first, refreshing under the same
//! cross-process lock as every other Tokendeck process) and closes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use super::protocol::{
    BadRequest, Granted, MAX_REQUEST_BYTES, Op, Request, Response, encode_response, parse_request,
};
use super::socket::{AgentPaths, bind, own_uid, peer_uid, socket_inode};
use crate::deck::{Deck, TokenChoice};
use crate::error::{Error, Result};
use crate::wire::WireError;

/// How long a client has to send its request once connected.
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
/// How long serving one request may take: shorter than the client's wait, so the client
/// hears "timed out" rather than falling back to a second refresh of its own.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(80);
/// How long writing the response may take (a client that stopped reading is dropped).
const WRITE_DEADLINE: Duration = Duration::from_secs(5);
/// Requests served at once; a connection beyond that is closed at once (its client works
/// on its own) rather than queued behind slow refreshes.
const MAX_CONNECTIONS: usize = 32;
/// At most this much of an oversized request is read and dropped before closing.
const DRAIN_BYTES: u64 = 1024 * 1024;
/// On shutdown, how long requests in flight (a refresh saving a rotated token) may finish.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// A bound agent socket, ready to serve. Dropping it removes the socket file (if it is still
/// the one it bound) and releases its lock.
#[derive(Debug)]
pub struct Agent {
    listener: UnixListener,
    paths: AgentPaths,
    inode: Option<u64>,
    _lock: std::fs::File,
}

impl Agent {
    /// Binds `paths.socket` (see [`bind`]). Call inside a Tokio runtime.
    pub fn bind(paths: AgentPaths) -> Result<Self> {
        let bound = bind(&paths)?;
        let inode = socket_inode(&paths.socket);
        let listener = bound
            .listener
            .set_nonblocking(true)
            .and_then(|()| UnixListener::from_std(bound.listener))
            .map_err(|e| Error::Storage {
                action: "listen on",
                path: paths.socket.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            listener,
            paths,
            inode,
            _lock: bound.lock,
        })
    }

    pub fn paths(&self) -> &AgentPaths {
        &self.paths
    }

    /// Serves connections until `shutdown` completes, then lets requests in flight finish
    /// (bounded) so that no rotated refresh token is lost half way.
    pub async fn serve(self, deck: Arc<Deck>, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "the agent could not accept a connection");
                    // Out of descriptors and the like: don't spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                tracing::warn!("the agent is busy; a client works on its own");
                continue;
            };
            let deck = deck.clone();
            tokio::spawn(async move {
                serve_connection(&deck, stream).await;
                drop(permit);
            });
        }
        let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
        if tokio::time::timeout(DRAIN_DEADLINE, slots.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("the agent stopped with requests still in flight");
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if self.inode.is_some() && socket_inode(&self.paths.socket) == self.inode {
            let _ = std::fs::remove_file(&self.paths.socket);
        }
    }
}

async fn serve_connection(deck: &Deck, mut stream: UnixStream) {
    match peer_uid(&stream) {
        Ok(uid) if uid == own_uid() => {}
        Ok(uid) => {
            tracing::warn!(uid, "the agent refused a connection from another user");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "the agent could not tell who connected; refused");
            return;
        }
    }
    let response = match read_request(&mut stream).await {
        Ok(request) => match tokio::time::timeout(RESPONSE_DEADLINE, respond(deck, &request)).await
        {
            Ok(response) => response,
            Err(_) => Response::refusal(WireError::from(&Error::Timeout {
                what: "the agent's answer",
                seconds: RESPONSE_DEADLINE.as_secs(),
            })),
        },
        Err(bad) => Response::bad_request(&bad),
    };
    let line = encode_response(&response);
    let written = tokio::time::timeout(WRITE_DEADLINE, async {
        stream.write_all(&line).await?;
        stream.shutdown().await
    })
    .await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::debug!("an agent client went away before reading its response");
        return;
    }
    // Closing with unread input resets the connection, and the client could lose the
    // response: read what is left of an oversized request first (bounded).
    let mut rest = (&mut stream).take(DRAIN_BYTES);
    let _ = tokio::time::timeout(
        WRITE_DEADLINE,
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
}

async fn read_request(stream: &mut UnixStream) -> std::result::Result<Request, BadRequest> {
    let mut line = Vec::with_capacity(256);
    // One byte past the limit tells "too large" from "exactly at the limit".
    let mut bounded = BufReader::new(stream.take(MAX_REQUEST_BYTES as u64 + 1));
    match tokio::time::timeout(REQUEST_DEADLINE, bounded.read_until(b'\n', &mut line)).await {
        Ok(Ok(_)) => parse_request(&line),
        Ok(Err(e)) => Err(BadRequest::Malformed(e.to_string())),
        Err(_) => Err(BadRequest::Malformed(format!(
            "no complete request within {} s",
            REQUEST_DEADLINE.as_secs()
        ))),
    }
}

/// What the CLI would print for this request, computed by the Deck.
pub async fn respond(deck: &Deck, request: &Request) -> Response {
    match grant(deck, request).await {
        Ok(granted) => Response::granted(granted),
        Err(e) => Response::refusal(WireError::from(&e)),
    }
}

async fn grant(deck: &Deck, request: &Request) -> Result<Granted> {
    let account = deck.find_account(&request.account).await?.id;
    let granted = match request.op {
        Op::AccessToken => {
            let token = deck
                .token(&account, TokenChoice::Access, request.min_ttl)
                .await?;
            Granted {
                account,
                access_token: Some(token.token),
                id_token: None,
                expires_at: token.expires_at,
                id_expires_at: None,
            }
        }
        Op::IdToken => {
            let token = deck
                .token(&account, TokenChoice::Id, request.min_ttl)
                .await?;
            Granted {
                account,
                access_token: None,
                id_token: Some(token.token),
                expires_at: None,
                id_expires_at: token.expires_at,
            }
        }
        Op::SessionTokens => {
            let tokens = deck
                .session_tokens(&account, request.min_ttl, false)
                .await?;
            Granted {
                id_expires_at: tokens.id_expires_at(),
                account,
                access_token: Some(tokens.access_token.expose_secret().to_owned()),
                id_token: tokens.id_token.map(|t| t.expose_secret().to_owned()),
                expires_at: tokens.expires_at,
            }
        }
    };
    Ok(granted)
}
