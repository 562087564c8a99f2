//! The client's side, blocking and small (it runs before the CLI builds a runtime): connect,
//! check the agent runs as this user, send one request, read one bounded response.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::protocol::{MAX_RESPONSE_BYTES, PROTOCOL_VERSION, Request, Response};
use super::socket::{AgentPaths, own_uid, peer_uid};
use crate::wire::WireError;

/// Sending the request: the agent reads it at once.
const SEND_DEADLINE: Duration = Duration::from_secs(5);
/// Waiting for the answer: a refresh goes to the provider, whose requests time out sooner.
const ANSWER_DEADLINE: Duration = Duration::from_secs(90);

/// What the agent said.
#[derive(Debug)]
pub enum Reply {
    Answer(super::protocol::Answer),
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
    /// The agent went away or broke the protocol mid-request.
    #[error("the agent did not answer: {0}")]
    Broken(String),
}

/// Asks the agent at `paths` once.
pub fn ask(paths: &AgentPaths, request: &Request) -> Result<Reply, NoReply> {
    let mut stream = UnixStream::connect(&paths.socket).map_err(|_| NoReply::Absent)?;
    match peer_uid(&stream) {
        Ok(uid) if uid == own_uid() => {}
        Ok(uid) => return Err(NoReply::OtherUser { uid }),
        Err(e) => return Err(NoReply::Broken(e.to_string())),
    }
    let broken = |e: std::io::Error| NoReply::Broken(e.to_string());
    let mut line = serde_json::to_vec(request).map_err(|e| NoReply::Broken(e.to_string()))?;
    line.push(b'\n');
    stream
        .set_write_timeout(Some(SEND_DEADLINE))
        .and_then(|()| stream.set_read_timeout(Some(ANSWER_DEADLINE)))
        .map_err(broken)?;
    stream.write_all(&line).map_err(broken)?;
    let mut reply = Vec::with_capacity(4096);
    BufReader::new((&stream).take(MAX_RESPONSE_BYTES as u64 + 1))
        .read_until(b'\n', &mut reply)
        .map_err(broken)?;
    if reply.last() != Some(&b'\n') {
        return Err(NoReply::Broken(match reply.len() > MAX_RESPONSE_BYTES {
            true => "the answer is too large".into(),
            false => "the connection closed before the answer ended".into(),
        }));
    }
    let response: Response =
        serde_json::from_slice(&reply).map_err(|e| NoReply::Broken(e.to_string()))?;
    match response {
        Response {
            v: PROTOCOL_VERSION,
            ok: Some(answer),
            error: None,
        } => Ok(Reply::Answer(answer)),
        Response {
            v: PROTOCOL_VERSION,
            ok: None,
            error: Some(error),
        } => Ok(Reply::Refused(error)),
        _ => Err(NoReply::Broken(
            "the answer is not a version 1 response".into(),
        )),
    }
}
