//! The loopback redirect (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that accepts
//! exactly one request to its path, answers with a page that echoes nothing, and closes.
//! Requests to any other path get a 404 and the listener keeps waiting.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::error::{Error, Result};
use crate::secret::CallbackUrl;

const MAX_REQUEST_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tokendeck</title></head><body style=\"font-family:system-ui;margin:3em\"><h1>Signed in</h1><p>You can close this tab and return to Tokendeck.</p></body></html>";
const NOT_FOUND_PAGE: &str = "Not found";

#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    redirect_uri: Url,
}

impl LoopbackListener {
    /// Binds 127.0.0.1 on the configured redirect's port, or any free port when it has none.
    pub async fn bind(configured: &Url, fixed_port: bool) -> Result<Self> {
        let port = if fixed_port {
            configured.port().unwrap_or(0)
        } else {
            0
        };
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| Error::Loopback {
                reason: format!("cannot listen on 127.0.0.1:{port} ({e}); if the port is taken, choose another in the redirect URI or remove the port"),
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
        })
    }

    /// The exact redirect URI to send in the authorization and token requests.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Waits for the browser's redirect. Returns the full callback URL (secret: it holds the
    /// code) and drops the listener, closing the port.
    pub async fn wait(self, timeout: Duration) -> Result<CallbackUrl> {
        let path = self.redirect_uri.path().to_owned();
        let work = async {
            loop {
                let (stream, _) = self.listener.accept().await.map_err(|e| Error::Loopback {
                    reason: e.to_string(),
                })?;
                if let Some(target) = serve_one(stream, &path).await {
                    let mut url = self.redirect_uri.clone();
                    url.set_query(target.split_once('?').map(|(_, q)| q));
                    return Ok(CallbackUrl::new(url.to_string()));
                }
            }
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| Error::Timeout {
                what: "the browser to return",
                seconds: timeout.as_secs(),
            })?
    }
}

/// Answers one connection. Returns the request target when it was a GET to `path`.
async fn serve_one(mut stream: TcpStream, path: &str) -> Option<String> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .ok()??;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    let parsed = request.parse(&head).ok()?;
    let target = match (parsed.is_complete(), request.method, request.path) {
        (true, Some("GET"), Some(target)) if target.split('?').next() == Some(path) => {
            Some(target.to_owned())
        }
        _ => None,
    };
    let (status, body) = match target {
        Some(_) => ("200 OK", DONE_PAGE),
        None => ("404 Not Found", NOT_FOUND_PAGE),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // The callback is already in hand; a browser that hung up early changes nothing.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    target
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
