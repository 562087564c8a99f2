//! The agent's side: accepts connections from this user only, reads one bounded request
//! within a deadline, answers it from the `Deck` (memory first, refreshing under the same
//! cross-process lock as every other Tokendeck process) and closes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use super::protocol::{
    Answer, BadRequest, MAX_REQUEST_BYTES, Op, Request, Response, encode_response, parse_request,
};
use super::socket::{AgentPaths, bind, own_uid, peer_uid, socket_inode};
use crate::deck::{Deck, TokenChoice};
use crate::error::{Error, Result};
use crate::wire::WireError;

/// How long a client has to send its request once connected.
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
/// How long writing the answer may take (a client that stopped reading is dropped).
const WRITE_DEADLINE: Duration = Duration::from_secs(5);
/// Connections answered at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 32;

/// A bound agent socket, ready to serve. Dropping it removes the socket file (if it is still
/// the one it bound).
#[derive(Debug)]
pub struct Agent {
    listener: UnixListener,
    paths: AgentPaths,
    inode: Option<u64>,
}

impl Agent {
    /// Binds `paths.socket` (see [`bind`]). Call inside a Tokio runtime.
    pub fn bind(paths: AgentPaths) -> Result<Self> {
        let listener = bind(&paths)?;
        let inode = socket_inode(&paths.socket);
        let listener = listener
            .set_nonblocking(true)
            .and_then(|()| UnixListener::from_std(listener))
            .map_err(|e| Error::Storage {
                action: "listen on",
                path: paths.socket.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            listener,
            paths,
            inode,
        })
    }

    pub fn paths(&self) -> &AgentPaths {
        &self.paths
    }

    /// Answers connections until `shutdown` completes.
    pub async fn serve(self, deck: Arc<Deck>, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        tokio::pin!(shutdown);
        loop {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                return;
            };
            let accepted = tokio::select! {
                () = &mut shutdown => return,
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
            let deck = deck.clone();
            tokio::spawn(async move {
                answer_connection(&deck, stream).await;
                drop(permit);
            });
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

async fn answer_connection(deck: &Deck, mut stream: UnixStream) {
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
        Ok(request) => answer(deck, &request).await,
        Err(bad) => Response::refusal(WireError::from(&Error::config(
            "agent request",
            bad.to_string(),
        ))),
    };
    let line = encode_response(&response);
    let written = tokio::time::timeout(WRITE_DEADLINE, async {
        stream.write_all(&line).await?;
        stream.shutdown().await
    })
    .await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::debug!("an agent client went away before reading its answer");
    }
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
pub async fn answer(deck: &Deck, request: &Request) -> Response {
    match tokens_for(deck, request).await {
        Ok(answer) => Response::answer(answer),
        Err(e) => Response::refusal(WireError::from(&e)),
    }
}

async fn tokens_for(deck: &Deck, request: &Request) -> Result<Answer> {
    let account = deck.find_account(&request.account).await?.id;
    let answer = match request.op {
        Op::AccessToken => {
            let token = deck
                .token(&account, TokenChoice::Access, request.min_ttl)
                .await?;
            Answer {
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
            Answer {
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
            Answer {
                id_expires_at: tokens.id_expires_at(),
                account,
                access_token: Some(tokens.access_token.expose_secret().to_owned()),
                id_token: tokens.id_token.map(|t| t.expose_secret().to_owned()),
                expires_at: tokens.expires_at,
            }
        }
    };
    Ok(answer)
}
