//! The loopback redirect (RFC 8252 §7.3): an HTTP listener on the loopback address that waits
//! for the one request to its path carrying the expected `state`, answers with a page that
//! echoes nothing, and closes. Requests to any other path get a 404; a request to the path with
//! another (or no) `state` gets an error page, and the listener keeps waiting for the real
//! redirect, up to [`MAX_STRAY_REDIRECTS`] times. Connections are served concurrently, each
//! with its own read timeout, so a client that connects and says nothing delays no one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use url::Url;

use crate::error::{Error, Result};
use crate::secret::CallbackUrl;

const MAX_REQUEST_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Redirects with a wrong or missing `state` tolerated before the sign-in is given up.
pub const MAX_STRAY_REDIRECTS: usize = 5;

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tokendeck</title></head><body style=\"font-family:system-ui;margin:3em\"><h1>Signed in</h1><p>You can close this tab and return to Tokendeck.</p></body></html>";
const STRAY_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tokendeck</title></head><body style=\"font-family:system-ui;margin:3em\"><h1>Not the sign-in Tokendeck is waiting for</h1><p>This response does not belong to the sign-in Tokendeck started, so it was ignored. Finish the sign-in in the tab Tokendeck opened, or start it again from Tokendeck.</p></body></html>";
const NOT_FOUND_PAGE: &str = "Not found";

#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    redirect_uri: Url,
    expected_state: Option<String>,
    cancel: Arc<Notify>,
}

/// What one connection turned out to be.
enum Served {
    /// The redirect for our sign-in: the request target (path and query).
    Callback(String),
    /// A request to our path with another or no `state`.
    Stray,
    /// Another path, a broken request, or a client that said nothing in time.
    Other,
}

impl LoopbackListener {
    /// Binds the loopback address of the configured redirect (127.0.0.1, or [::1] when the
    /// redirect names it) on its port, or on any free port when it has none.
    pub async fn bind(configured: &Url, fixed_port: bool) -> Result<Self> {
        let port = if fixed_port {
            configured.port().unwrap_or(0)
        } else {
            0
        };
        let ip = match configured.host() {
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => IpAddr::V6(ip),
            _ => IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        let listener = TcpListener::bind(SocketAddr::from((ip, port)))
            .await
            .map_err(|e| Error::Loopback {
                reason: format!("cannot listen on {ip}:{port} ({e}); if the port is taken, choose another in the redirect URI or remove the port"),
            })?;
        let local = listener.local_addr().map_err(|e| Error::Loopback {
            reason: e.to_string(),
        })?;
        let mut redirect_uri = configured.clone();
        redirect_uri
            .set_port(Some(local.port()))
            .map_err(|()| Error::Loopback {
                reason: "cannot set the port".into(),
            })?;
        Ok(Self {
            listener,
            redirect_uri,
            expected_state: None,
            cancel: Arc::default(),
        })
    }

    /// The exact redirect URI to send in the authorization and token requests.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Only a redirect carrying this `state` ends the wait; others get an error page.
    pub fn expect_state(&mut self, state: &str) {
        self.expected_state = Some(state.to_owned());
    }

    /// Notified to stop waiting at once (the user cancelled the sign-in).
    pub fn canceller(&self) -> Arc<Notify> {
        self.cancel.clone()
    }

    /// Waits for the browser's redirect. Returns the full callback URL (secret: it holds the
    /// code) and drops the listener, closing the port; so do a timeout and a cancel.
    pub async fn wait(self, timeout: Duration) -> Result<CallbackUrl> {
        let path = self.redirect_uri.path().to_owned();
        let cancel = self.cancel.clone();
        let work = async {
            let mut connections = JoinSet::new();
            let mut strays = 0;
            loop {
                tokio::select! {
                    accepted = self.listener.accept() => {
                        let (stream, _) = accepted.map_err(|e| Error::Loopback {
                            reason: e.to_string(),
                        })?;
                        let path = path.clone();
                        let expected = self.expected_state.clone();
                        connections.spawn(serve_one(stream, path, expected));
                    }
                    Some(joined) = connections.join_next() => match joined {
                        Ok(Served::Callback(target)) => {
                            let mut url = self.redirect_uri.clone();
                            url.set_query(target.split_once('?').map(|(_, q)| q));
                            return Ok(CallbackUrl::new(url.to_string()));
                        }
                        Ok(Served::Stray) => {
                            strays += 1;
                            tracing::warn!(strays, "a redirect for another sign-in reached the loopback listener");
                            if strays >= MAX_STRAY_REDIRECTS {
                                return Err(Error::bad_callback(format!(
                                    "{strays} redirects with the wrong state reached the local listener; start the sign-in again"
                                )));
                            }
                        }
                        Ok(Served::Other) | Err(_) => {}
                    },
                }
            }
        };
        tokio::select! {
            outcome = tokio::time::timeout(timeout, work) => outcome.map_err(|_| Error::Timeout {
                what: "the browser to return",
                seconds: timeout.as_secs(),
            })?,
            () = cancel.notified() => Err(Error::AccessDenied {
                detail: "the sign-in was cancelled in Tokendeck".into(),
            }),
        }
    }
}

/// Answers one connection and says what it was.
async fn serve_one(mut stream: TcpStream, path: String, expected_state: Option<String>) -> Served {
    let Ok(Some(head)) = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await else {
        return Served::Other;
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let served = match (request.parse(&head), request.method, request.path) {
        (Ok(status), Some("GET"), Some(target))
            if status.is_complete() && target.split('?').next() == Some(path.as_str()) =>
        {
            let state = Url::parse(&format!("http://127.0.0.1{target}"))
                .ok()
                .and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "state")
                        .map(|(_, v)| v.into_owned())
                });
            match (&expected_state, state) {
                (None, _) => Served::Callback(target.to_owned()),
                (Some(expected), Some(state)) if *expected == state => {
                    Served::Callback(target.to_owned())
                }
                _ => Served::Stray,
            }
        }
        _ => Served::Other,
    };
    let (status, body) = match served {
        Served::Callback(_) => ("200 OK", DONE_PAGE),
        Served::Stray => ("400 Bad Request", STRAY_PAGE),
        Served::Other => ("404 Not Found", NOT_FOUND_PAGE),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The callback is already in hand; a browser that hung up early changes nothing.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    served
}

async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(buf.get(..n)?);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(head);
        }
        if head.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
}

#[cfg(test)]
mod tests;
