//! ID- and access-token verification against the provider's JWKS: an asymmetric algorithm
//! from our own list, checked with a key of the type it needs (`algorithm`), then the claim
//! rules of OIDC Core §3.1.3.7 and Cognito.

pub mod algorithm;
mod claims;

use jsonwebtoken::errors::ErrorKind;
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, Result};
use crate::inspect::decode_unverified;
use crate::jwks::JwksCache;
pub use algorithm::JwsAlgorithm;
pub use claims::check_claims;

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;
/// An ID token issued longer ago than this is refused even if its `exp` is later: no provider
/// we know issues ID tokens living a week (Cognito's maximum is one day).
pub const MAX_ID_TOKEN_AGE_SECS: u64 = 7 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum TokenUse {
    Id,
    Access,
}

impl TokenUse {
    pub fn label(self) -> &'static str {
        match self {
            Self::Id => "ID token",
            Self::Access => "access token",
        }
    }

    fn claim_value(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }
}

/// What a token must satisfy to be accepted.
#[derive(Debug, Clone)]
pub struct Expectations<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub token_use: TokenUse,
    /// The algorithms the provider signs ID tokens with: discovery's
    /// `id_token_signing_alg_values_supported` (those we verify), or RS256 for Cognito.
    /// Access tokens are not held to it (the list is about ID tokens), only to the key.
    pub id_token_algorithms: &'a [JwsAlgorithm],
    /// The nonce of the sign-in that produced the ID token; `None` skips the check (refreshed
    /// ID tokens and pasted tokens carry no nonce of ours).
    pub nonce: Option<&'a str>,
    /// Apply Cognito's rules: `token_use` required, access tokens carry `client_id`, no `aud`.
    pub cognito: bool,
    /// Unix seconds; injected so tests and benchmarks are deterministic.
    pub now: u64,
    pub leeway: u64,
}

/// Why a token was refused. Messages say what is wrong in terms a developer can check in the
/// token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum VerifyFailure {
    #[error("it is not a well-formed JWT ({detail})")]
    Malformed { detail: String },
    #[error(
        "it is signed with \"{alg}\"; Tokendeck verifies {}",
        JwsAlgorithm::ACCEPTED
    )]
    UnsupportedAlgorithm { alg: String },
    #[error(
        "it is signed with \"{alg}\", which the provider does not list for ID tokens ({})",
        advertised.join(", ")
    )]
    AlgorithmNotAdvertised {
        alg: String,
        advertised: Vec<String>,
    },
    #[error("the provider's JWKS has no key with kid \"{kid}\", even after fetching it again")]
    UnknownKey { kid: String },
    #[error(
        "it is signed with \"{alg}\", but the provider's key \"{kid}\" is {key}, which cannot verify it (refused: a mismatch like this is how algorithm-confusion forgeries work)"
    )]
    KeyDoesNotFit {
        kid: String,
        alg: String,
        key: String,
    },
    #[error(
        "it names no key (kid) and the provider's JWKS has no key for \"{alg}\", even after fetching it again"
    )]
    NoKeyForAlgorithm { alg: String },
    #[error("it names no key (kid) and the provider publishes {keys} keys that could verify it")]
    KidRequired { keys: usize },
    #[error(
        "the signature does not match the provider's key (the token was altered or signed by someone else)"
    )]
    BadSignature,
    #[error("its issuer is \"{found}\", expected \"{expected}\"")]
    IssuerMismatch { expected: String, found: String },
    #[error("its audience {found:?} is not exactly this app client ({expected})")]
    AudienceMismatch {
        expected: String,
        found: Vec<String>,
    },
    #[error("its authorized party (azp) is {found:?}, expected \"{expected}\"")]
    AzpMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error("it was issued to client_id {found:?}, not this app client ({expected})")]
    ClientIdMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error(
        "signature valid, but it expired {} ago (exp {}; {leeway} s of clock skew allowed)",
        human_span(*now, *exp),
        utc(*exp)
    )]
    Expired { exp: u64, now: u64, leeway: u64 },
    #[error(
        "signature valid, but it is not valid for another {} (nbf {})",
        human_span(*nbf, *now),
        utc(*nbf)
    )]
    NotYetValid { nbf: u64, now: u64 },
    #[error(
        "signature valid, but it claims to be issued {} in the future (iat {}); check this computer's clock",
        human_span(*iat, *now),
        utc(*iat)
    )]
    IssuedInFuture { iat: u64, now: u64 },
    #[error(
        "signature valid, but it was issued {} ago (iat {}), more than a week",
        human_span(*now, *iat),
        utc(*iat)
    )]
    IssuedLongAgo { iat: u64, now: u64 },
    #[error("the claim `{claim}` is missing or has the wrong type")]
    MissingClaim { claim: String },
    #[error("its nonce does not match the sign-in that requested it")]
    NonceMismatch,
    #[error("it is about a different user (sub) than the account it refreshes")]
    SubjectChanged,
    #[error("its at_hash does not match the access token issued with it")]
    AccessTokenHashMismatch,
    #[error("it is an \"{found}\" token (token_use), expected \"{expected}\"")]
    WrongTokenUse { expected: String, found: String },
}

/// A token whose signature and claims passed.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub header: Map<String, Value>,
    /// The algorithm its signature was checked with.
    pub alg: JwsAlgorithm,
    pub claims: Map<String, Value>,
}

impl VerifiedToken {
    pub fn sub(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
}

pub async fn verify_token(
    jwks: &JwksCache,
    jwks_uri: &Url,
    network: &crate::provider::NetworkSettings,
    token: &str,
    expect: &Expectations<'_>,
) -> Result<VerifiedToken> {
    let reject = |failure| Error::TokenRejected {
        token: expect.token_use.label(),
        failure,
    };
    let (header, claims) = decode_unverified(token).map_err(reject)?;
    let alg = token_algorithm(&header, expect).map_err(reject)?;
    let kid = header.get("kid").and_then(Value::as_str);
    let key = jwks
        .key_for(jwks_uri, network, kid, alg)
        .await?
        .map_err(reject)?;
    check_signature(token, alg, &key).map_err(reject)?;
    let verified = VerifiedToken {
        header,
        claims,
        alg,
    };
    check_claims(&verified.claims, expect).map_err(reject)?;
    Ok(verified)
}

/// The algorithm the header names, if we verify it and the provider signs ID tokens with it.
fn token_algorithm(
    header: &Map<String, Value>,
    expect: &Expectations<'_>,
) -> std::result::Result<JwsAlgorithm, VerifyFailure> {
    let named = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("(none)");
    let alg =
        JwsAlgorithm::from_name(named).ok_or_else(|| VerifyFailure::UnsupportedAlgorithm {
            alg: named.to_owned(),
        })?;
    // RFC 7515 §4.1.11: extensions marked critical must be understood; we implement none.
    if header.contains_key("crit") {
        return Err(VerifyFailure::Malformed {
            detail:
                "its header marks extensions as critical (crit), which Tokendeck does not implement"
                    .into(),
        });
    }
    if expect.token_use == TokenUse::Id
        && !expect.id_token_algorithms.iter().any(|a| a.same_as(alg))
    {
        return Err(VerifyFailure::AlgorithmNotAdvertised {
            alg: alg.name().to_owned(),
            advertised: expect
                .id_token_algorithms
                .iter()
                .map(|a| a.name().to_owned())
                .collect(),
        });
    }
    Ok(alg)
}

/// "1h 2m" from `earlier` to `later` (whole seconds, at most two units).
fn human_span(later: u64, earlier: u64) -> String {
    let secs = later.saturating_sub(earlier);
    let (d, h, m, s) = (
        secs / 86400,
        secs % 86400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// A Unix time as `2026-11-22 15:04:05 UTC`.
fn utc(unix: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    humantime::format_rfc3339_seconds(time)
        .to_string()
        .replacen('T', " ", 1)
        .replace('Z', " UTC")
}

/// OIDC Core §3.1.3.8: when an ID token carries `at_hash`, it must be the left half of the
/// hash of the access token issued with it (base64url), binding the two together. The hash is
/// the one of the ID token's `alg` (SHA-384 for *384, SHA-512 for *512 and for EdDSA).
pub fn check_at_hash(
    claims: &Map<String, Value>,
    access_token: &str,
    alg: JwsAlgorithm,
) -> Result<(), VerifyFailure> {
    use base64::Engine;
    use sha2::{Digest, Sha256, Sha384, Sha512};
    let Some(claimed) = claims.get("at_hash") else {
        return Ok(());
    };
    let bytes = access_token.as_bytes();
    let digest: Vec<u8> = match alg.hash_bits() {
        384 => Sha384::digest(bytes).to_vec(),
        512 => Sha512::digest(bytes).to_vec(),
        _ => Sha256::digest(bytes).to_vec(),
    };
    let left = digest.get(..digest.len() / 2).unwrap_or_default();
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(left);
    match claimed.as_str() {
        Some(claimed) if claimed == expected => Ok(()),
        Some(_) => Err(VerifyFailure::AccessTokenHashMismatch),
        None => Err(VerifyFailure::MissingClaim {
            claim: "at_hash".into(),
        }),
    }
}

/// The signature over `header.payload`, with the one algorithm the key was chosen for.
fn check_signature(
    token: &str,
    alg: JwsAlgorithm,
    key: &jsonwebtoken::DecodingKey,
) -> std::result::Result<(), VerifyFailure> {
    let (message, signature) =
        token
            .trim()
            .rsplit_once('.')
            .ok_or_else(|| VerifyFailure::Malformed {
                detail: "expected three dot-separated parts".into(),
            })?;
    match jsonwebtoken::crypto::verify(signature, message.as_bytes(), key, alg.jsonwebtoken()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(VerifyFailure::BadSignature),
        Err(e) => Err(match e.kind() {
            ErrorKind::Base64(_) => VerifyFailure::Malformed {
                detail: "the signature is not base64url".into(),
            },
            _ => VerifyFailure::BadSignature,
        }),
    }
}

#[cfg(test)]
mod tests;
