//! The client's side, blocking and small (it runs before the CLI builds a runtime): connect,
//! check the agent runs as this user, send one request, read one bounded response.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::protocol::{MAX_RESPONSE_BYTES, PROTOCOL_VERSION, Request, Response};
use super::socket::{AgentPaths, is_private_dir, own_uid, peer_uid};
use crate::wire::WireError;

/// Sending the request: the agent reads it at once.
const SEND_DEADLINE: Duration = Duration::from_secs(5);
/// Waiting for the answer: a refresh goes to the provider, whose requests time out sooner.
const ANSWER_DEADLINE: Duration = Duration::from_secs(90);

/// What the agent said.
#[derive(Debug)]
pub enum Reply {
    Granted(super::protocol::Granted),
    /// The agent's error: the same one the CLI would have met on its own.
    Refused(WireError),
}

/// Why there is no reply: the caller does the work itself.
#[derive(Debug, thiserror::Error)]
pub enum NoReply {
    /// No agent runs (no socket, or nobody listening on it).
    #[error("no agent is running")]
    Absent,
    /// Something answers on the socket as another user: never trusted with a request.
    #[error("the agent socket is served by uid {uid}, not by you; it is ignored")]
    OtherUser { uid: u32 },
    /// The agent's directory is not private to this user: nothing there is trusted.
    #[error(
        "the agent's directory is not private to you (0700, yours, not a symlink); it is ignored"
    )]
    Unsafe,
    /// The agent went away or broke the protocol mid-request. (Fixed texts: an error from
    /// the JSON parser could quote a token.)
    #[error("the agent did not answer ({0})")]
    Broken(&'static str),
}

/// Asks the agent at `paths` once.
pub fn ask(paths: &AgentPaths, request: &Request) -> Result<Reply, NoReply> {
    // One look at the directory in the common case (it is there, and private).
    if !is_private_dir(&paths.dir) {
        return Err(match paths.dir.exists() {
            true => NoReply::Unsafe,
            false => NoReply::Absent,
        });
    }
    let mut stream = UnixStream::connect(&paths.socket).map_err(|_| NoReply::Absent)?;
    match peer_uid(&stream) {
        Ok(uid) if uid == own_uid() => {}
        Ok(uid) => return Err(NoReply::OtherUser { uid }),
        Err(_) => return Err(NoReply::Broken("its user cannot be told")),
    }
    let mut line = serde_json::to_vec(request)
        .map_err(|_| NoReply::Broken("the request cannot be encoded"))?;
    line.push(b'\n');
    let io = |_| NoReply::Broken("the connection failed");
    stream
        .set_write_timeout(Some(SEND_DEADLINE))
        .and_then(|()| stream.set_read_timeout(Some(ANSWER_DEADLINE)))
        .map_err(io)?;
    stream.write_all(&line).map_err(io)?;
    let mut reply = Vec::with_capacity(4096);
    BufReader::new((&stream).take(MAX_RESPONSE_BYTES as u64 + 1))
        .read_until(b'\n', &mut reply)
        .map_err(io)?;
    if reply.last() != Some(&b'\n') {
        return Err(NoReply::Broken(match reply.len() > MAX_RESPONSE_BYTES {
            true => "the response is too large",
            false => "the connection closed before the response ended",
        }));
    }
    let response: Response = serde_json::from_slice(&reply)
        .map_err(|_| NoReply::Broken("the response is not protocol version 1"))?;
    match response {
        Response {
            v: PROTOCOL_VERSION,
            ok: Some(granted),
            error: None,
            bad_request: false,
        } => Ok(Reply::Granted(granted)),
        Response {
            v: PROTOCOL_VERSION,
            ok: None,
            error: Some(error),
            bad_request: false,
        } => Ok(Reply::Refused(error)),
        Response {
            bad_request: true, ..
        } => Err(NoReply::Broken("it did not understand the request")),
        _ => Err(NoReply::Broken("the response is not protocol version 1")),
    }
}
