//! The agent's wire protocol, version 1 (documented in `docs/agent.md`): per connection, one
//! request and one response, each a single line of JSON. Requests are small and bounded;
//! responses carry only what `tokendeck token|env` print (never a refresh token or a secret).

use serde::{Deserialize, Serialize};

use crate::deck::{ScriptToken, SessionTokens};
use crate::ids::AccountId;
use crate::secret::{AccessToken, IdToken};
use crate::wire::WireError;

pub const PROTOCOL_VERSION: u32 = 1;
/// The largest request accepted, newline included.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024;
/// The largest response read (tokens with many claims run to tens of KiB).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
pub const MAX_ACCOUNT_QUERY: usize = 512;
/// Ten years: no token lives that long, so a client clamps a longer wish to this (it still
/// means "refresh first").
pub const MAX_MIN_TTL: u64 = 10 * 365 * 24 * 3600;

/// What a client asks for: the tokens of one account (named as on the command line: id,
/// label or PROVIDER/LABEL), valid for at least `min_ttl` more seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub v: u32,
    pub op: Op,
    pub account: String,
    #[serde(default)]
    pub min_ttl: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// `tokendeck token` (and `kubectl-credential --access`).
    AccessToken,
    /// `tokendeck token --id` (and `kubectl-credential`).
    IdToken,
    /// `tokendeck env` and `exec`: the access token and the ID token when there is one.
    SessionTokens,
}

/// The one response: `ok` or `error`, never both. `badRequest` marks an error about the
/// request itself (another protocol version, say): the client then works on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<Granted>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bad_request: bool,
}

/// The tokens asked for, with the id of the account the query named.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Granted {
    pub account: AccountId,
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    /// The access token's expiry (Unix seconds), when known.
    pub expires_at: Option<u64>,
    /// The ID token's `exp`, when there is an ID token.
    pub id_expires_at: Option<u64>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("account", &self.account)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .field("id_expires_at", &self.id_expires_at)
            .finish()
    }
}

impl Response {
    pub fn granted(granted: Granted) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            ok: Some(granted),
            error: None,
            bad_request: false,
        }
    }

    pub fn refusal(error: WireError) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            ok: None,
            error: Some(error),
            bad_request: false,
        }
    }

    pub fn bad_request(why: &BadRequest) -> Self {
        Self {
            bad_request: true,
            ..Self::refusal(WireError {
                code: crate::error::ErrorCode::Internal,
                message: format!("the agent did not understand the request: {why}"),
            })
        }
    }
}

impl Granted {
    /// The token `op` asked for, as `Deck::token` returns it; `None` if the answer lacks it.
    pub fn into_script_token(self, op: Op) -> Option<ScriptToken> {
        match op {
            Op::AccessToken => Some(ScriptToken {
                token: self.access_token?,
                expires_at: self.expires_at,
            }),
            Op::IdToken => Some(ScriptToken {
                token: self.id_token?,
                expires_at: self.id_expires_at,
            }),
            Op::SessionTokens => None,
        }
    }

    /// The session's tokens, as `Deck::session_tokens` returns them.
    pub fn into_session_tokens(self) -> Option<SessionTokens> {
        Some(SessionTokens {
            access_token: AccessToken::new(self.access_token?),
            id_token: self.id_token.map(IdToken::new),
            expires_at: self.expires_at,
        })
    }
}

/// Why a request was not understood; sent back as an `internal` error marked `badRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("the request is larger than {MAX_REQUEST_BYTES} bytes")]
    TooLarge,
    #[error("the request is not valid JSON for protocol version 1: {0}")]
    Malformed(String),
    #[error("this agent speaks protocol version {PROTOCOL_VERSION}, the request version {0}")]
    Version(u32),
    #[error("the account name is empty or longer than {MAX_ACCOUNT_QUERY} bytes")]
    Account,
    #[error("minTtl is longer than ten years")]
    MinTtl,
}

/// Parses one request line (the trailing newline optional) and checks its bounds.
pub fn parse_request(bytes: &[u8]) -> Result<Request, BadRequest> {
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(BadRequest::TooLarge);
    }
    let line = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let request: Request = serde_json::from_slice(line).map_err(|e| {
        // serde_json's messages quote no input beyond a token name; still keep them short.
        BadRequest::Malformed(crate::error::printable(&e.to_string(), 160))
    })?;
    if request.v != PROTOCOL_VERSION {
        return Err(BadRequest::Version(request.v));
    }
    if request.account.is_empty() || request.account.len() > MAX_ACCOUNT_QUERY {
        return Err(BadRequest::Account);
    }
    if request.min_ttl > MAX_MIN_TTL {
        return Err(BadRequest::MinTtl);
    }
    Ok(request)
}

/// One response line, newline included.
pub fn encode_response(response: &Response) -> Vec<u8> {
    let mut line = serde_json::to_vec(response).unwrap_or_else(|_| {
        br#"{"v":1,"error":{"code":"internal","message":"the agent could not encode its response"}}"#
            .to_vec()
    });
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_its_bounds_hold() {
        let request = Request {
            v: 1,
            op: Op::SessionTokens,
            account: "pool/alice".into(),
            min_ttl: 60,
        };
        let line = serde_json::to_vec(&request).unwrap();
        assert_eq!(parse_request(&line).unwrap(), request);
        assert_eq!(
            parse_request(br#"{"v":2,"op":"accessToken","account":"a"}"#),
            Err(BadRequest::Version(2))
        );
        assert_eq!(
            parse_request(br#"{"v":1,"op":"accessToken","account":""}"#),
            Err(BadRequest::Account)
        );
        assert!(matches!(
            parse_request(br#"{"v":1,"op":"refreshToken","account":"a"}"#),
            Err(BadRequest::Malformed(_))
        ));
        assert!(matches!(
            parse_request(br#"{"v":1,"op":"accessToken","account":"a","extra":1}"#),
            Err(BadRequest::Malformed(_))
        ));
        assert_eq!(
            parse_request(&vec![b' '; MAX_REQUEST_BYTES + 1]),
            Err(BadRequest::TooLarge)
        );
    }

    #[test]
    fn an_answer_never_prints_its_tokens() {
        let answer = Granted {
            account: AccountId::from("acc"),
            access_token: Some("eyJ.secret.token".into()),
            id_token: None,
            expires_at: Some(1),
            id_expires_at: None,
        };
        assert!(!format!("{answer:?}").contains("secret"));
    }
}
