//! Decoding a JWT for display: header, claims, times and scopes, plus the verification verdict.
//! Decoding never implies trust; the view always carries how (or whether) it was verified.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::verify::VerifyFailure;

/// Tokens larger than this are not decoded (real ones are a few KiB).
pub const MAX_JWT_LEN: usize = 64 * 1024;

/// A JSON object: a JWT header or claim set.
pub type JsonObject = Map<String, Value>;

/// The token in what users paste: surrounding whitespace and quotes, a `Bearer ` prefix, or a
/// whole `Authorization: Bearer …` header line are taken off (case-insensitively).
pub fn pasted_token(text: &str) -> &str {
    let mut t = text.trim();
    loop {
        let before = t;
        for quote in ['"', '\'', '`'] {
            if t.len() >= 2 && t.starts_with(quote) && t.ends_with(quote) {
                t = t.get(1..t.len() - 1).unwrap_or(t).trim();
            }
        }
        for prefix in ["authorization:", "bearer "] {
            if t.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
            {
                t = t.get(prefix.len()..).unwrap_or(t).trim();
            }
        }
        if t == before {
            return t;
        }
    }
}

/// Splits a compact JWS and decodes header and claims as JSON objects, without verifying.
pub fn decode_unverified(
    token: &str,
) -> std::result::Result<(JsonObject, JsonObject), VerifyFailure> {
    let malformed = |detail: &str| VerifyFailure::Malformed {
        detail: detail.to_owned(),
    };
    let token = token.trim();
    if token.len() > MAX_JWT_LEN {
        return Err(malformed("longer than 64 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "expected three dot-separated parts (an encrypted JWE is not supported)",
        ));
    };
    let object =
        |part: &str, what: &str| -> std::result::Result<Map<String, Value>, VerifyFailure> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| malformed(&format!("the {what} is not base64url")))?;
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(malformed(&format!("the {what} is not a JSON object"))),
            }
        };
    Ok((object(header, "header")?, object(claims, "payload")?))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "status"
)]
pub enum Verification {
    /// Signature and claims checked against the named issuer's keys.
    Verified { issuer: String },
    Failed {
        reason: String,
        failure: Option<VerifyFailure>,
    },
    /// Shown decoded only (e.g. an opaque or foreign token, or no provider chosen).
    NotChecked { reason: String },
    /// The check could not be made: the provider's keys are unreachable, or the key the
    /// token names is no longer published. Neither valid nor invalid.
    Unverifiable { reason: String },
}

impl Verification {
    /// The verdict of a verification attempt against `issuer`, keeping the precise failure.
    pub fn of<T>(outcome: &crate::Result<T>, issuer: &str) -> Self {
        match outcome {
            Ok(_) => Self::Verified {
                issuer: issuer.to_owned(),
            },
            Err(crate::Error::TokenRejected {
                failure: failure @ VerifyFailure::UnknownKey { .. },
                ..
            }) => Self::Unverifiable {
                reason: format!(
                    "{failure}: the provider no longer publishes the key it was signed with (rotated away), so it can be neither verified nor refuted"
                ),
            },
            Err(crate::Error::TokenRejected { failure, .. }) => Self::Failed {
                reason: failure.to_string(),
                failure: Some(failure.clone()),
            },
            Err(e) if e.is_transient() => Self::Unverifiable {
                reason: e.to_string(),
            },
            Err(e) => Self::Failed {
                reason: e.to_string(),
                failure: None,
            },
        }
    }
}

/// What the UI and `tokendeck inspect` show for one token.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    #[ts(type = "Record<string, unknown>")]
    pub header: Map<String, Value>,
    #[ts(type = "Record<string, unknown>")]
    pub claims: Map<String, Value>,
    pub issued_at: Option<u64>,
    pub expires_at: Option<u64>,
    /// Scopes from the token's `scope`/`scp` claim, else from the token response.
    pub scopes: Vec<String>,
    pub groups: Vec<String>,
    pub verification: Verification,
}

impl TokenView {
    pub fn decode(
        token: &str,
        verification: Verification,
        response_scope: Option<&str>,
    ) -> std::result::Result<Self, VerifyFailure> {
        let (header, claims) = decode_unverified(token)?;
        let strings = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut scopes = strings(claims.get("scope").or_else(|| claims.get("scp")));
        if scopes.is_empty() {
            scopes = strings(response_scope.map(|s| Value::String(s.to_owned())).as_ref());
        }
        Ok(Self {
            issued_at: claims.get("iat").and_then(Value::as_u64),
            expires_at: claims.get("exp").and_then(Value::as_u64),
            groups: strings(claims.get("cognito:groups")),
            scopes,
            header,
            claims,
            verification,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_token_out_of_what_users_paste() {
        for pasted in [
            "eyJa.b.c",
            "  eyJa.b.c\n",
            "Bearer eyJa.b.c",
            "bearer   eyJa.b.c",
            "Authorization: Bearer eyJa.b.c",
            "authorization:bearer eyJa.b.c",
            "\"Bearer eyJa.b.c\"",
            "'eyJa.b.c'",
            "\"Authorization: Bearer 'eyJa.b.c'\"",
        ] {
            assert_eq!(pasted_token(pasted), "eyJa.b.c", "{pasted:?}");
        }
        assert_eq!(pasted_token("\""), "\"");
        assert_eq!(pasted_token(""), "");
    }

    fn jwt(header: &Value, claims: &Value) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    #[test]
    fn view_shows_times_scopes_and_groups() {
        let token = jwt(
            &serde_json::json!({"alg": "RS256", "kid": "k1"}),
            &serde_json::json!({"iat": 10, "exp": 20, "scope": "openid email", "cognito:groups": ["admin", "qa"]}),
        );
        let view = TokenView::decode(
            &token,
            Verification::NotChecked {
                reason: "test".into(),
            },
            None,
        )
        .unwrap();
        assert_eq!(view.header["kid"], "k1");
        assert_eq!((view.issued_at, view.expires_at), (Some(10), Some(20)));
        assert_eq!(view.scopes, ["openid", "email"]);
        assert_eq!(view.groups, ["admin", "qa"]);
    }

    #[test]
    fn scopes_fall_back_to_the_token_response() {
        let token = jwt(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"sub": "x"}),
        );
        let view = TokenView::decode(
            &token,
            Verification::NotChecked {
                reason: String::new(),
            },
            Some("a b"),
        )
        .unwrap();
        assert_eq!(view.scopes, ["a", "b"]);
    }

    #[test]
    fn malformed_tokens_say_why() {
        for (token, why) in [
            ("abc", "three"),
            ("a.b.c.d.e", "three"),
            ("!!!.e30.x", "base64url"),
            (
                &jwt(&serde_json::json!([1]), &serde_json::json!({})) as &str,
                "header is not a JSON object",
            ),
        ] {
            match decode_unverified(token) {
                Err(VerifyFailure::Malformed { detail }) => {
                    assert!(detail.contains(why), "{detail}")
                }
                other => panic!("{token}: {other:?}"),
            }
        }
    }
}
