//! The providers' signing keys (JWKS), cached per JWKS URL. An unknown `kid` triggers one
//! refetch (key rotation), rate limited so a flood of forged tokens cannot hammer the
//! provider. When the endpoint is down, keys already cached keep working.
//!
//! No lock is held across a fetch except that URL's own: one provider whose JWKS endpoint
//! hangs delays only verifications against that provider. After a failed fetch, the next
//! one waits (1 s, doubling to 60 s); meanwhile cached keys are used, or the failure is
//! reported at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::verify::VerifyFailure;

const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(5);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60 * 60);
const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(1);
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct UsableKey {
    kid: Option<String>,
    key: DecodingKey,
}

#[derive(Clone)]
struct CachedSet {
    keys: Arc<[UsableKey]>,
    fetched_at: Instant,
}

/// The last failed fetch of a set, and how many failed in a row.
#[derive(Clone)]
struct Failure {
    at: Instant,
    in_a_row: u32,
    reason: String,
}

/// One JWKS URL: its keys, its last failure, and the lock that lets one fetch run at a time.
#[derive(Default)]
struct SetState {
    cached: Mutex<Option<CachedSet>>,
    failure: Mutex<Option<Failure>>,
    fetching: tokio::sync::Mutex<()>,
}

pub struct JwksCache {
    http: HttpClient,
    sets: Mutex<HashMap<Url, Arc<SetState>>>,
    min_refetch: Duration,
    max_age: Duration,
    failure_backoff: Duration,
    fetches: AtomicU64,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("min_refetch", &self.min_refetch)
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl JwksCache {
    pub fn new(http: HttpClient) -> Self {
        Self {
            http,
            sets: Mutex::default(),
            min_refetch: DEFAULT_MIN_REFETCH,
            max_age: DEFAULT_MAX_AGE,
            failure_backoff: DEFAULT_FAILURE_BACKOFF,
            fetches: AtomicU64::new(0),
        }
    }

    /// Minimum time between two fetches of one set caused by an unknown `kid`.
    pub fn with_min_refetch(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }

    /// How long a fetched set is used before it is fetched again (stale keys are still used
    /// when that fetch fails).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The wait after a first failed fetch before the next try (it doubles, up to 60 s).
    pub fn with_failure_backoff(mut self, backoff: Duration) -> Self {
        self.failure_backoff = backoff;
        self
    }

    /// How many times a JWKS was fetched over the network.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Fetches (or refetches) a set now and caches it; returns how many usable keys it has.
    pub async fn fetch_now(&self, jwks_uri: &Url) -> Result<usize> {
        let state = self.state(jwks_uri);
        let _turn = state.fetching.lock().await;
        let keys = self.fetch_into(&state, jwks_uri).await?;
        Ok(keys.keys.len())
    }

    /// Finds the key for a token's `kid`. The outer error is the JWKS being unreachable; the
    /// inner one is a verification failure (unknown or ambiguous key).
    pub async fn key_for(
        &self,
        jwks_uri: &Url,
        kid: Option<&str>,
    ) -> Result<std::result::Result<DecodingKey, VerifyFailure>> {
        let state = self.state(jwks_uri);
        let seen = lock(&state.cached).clone();
        let fresh = seen
            .as_ref()
            .filter(|s| s.fetched_at.elapsed() < self.max_age);
        if let Some(set) = fresh {
            let found = select(&set.keys, kid);
            let unknown = matches!(found, Err(VerifyFailure::UnknownKey { .. }));
            if !unknown || set.fetched_at.elapsed() < self.min_refetch {
                return Ok(found);
            }
            tracing::debug!(kid, "unknown kid: refetching JWKS once");
        }
        if let Some(wait) = self.backing_off(&state) {
            return match seen {
                Some(set) => Ok(select(&set.keys, kid)),
                None => Err(unavailable(jwks_uri, wait)),
            };
        }
        let _turn = state.fetching.lock().await;
        // Another caller may have fetched while we waited for the turn.
        let now_cached = lock(&state.cached).clone();
        let fetched_meanwhile = match (&now_cached, &seen) {
            (Some(now), Some(before)) => now.fetched_at > before.fetched_at,
            (Some(_), None) => true,
            _ => false,
        };
        if let (true, Some(set)) = (fetched_meanwhile, &now_cached) {
            return Ok(select(&set.keys, kid));
        }
        // A fetch that failed while we waited for the turn: back off like everyone else.
        if let Some(wait) = self.backing_off(&state) {
            return match now_cached {
                Some(set) => Ok(select(&set.keys, kid)),
                None => Err(unavailable(jwks_uri, wait)),
            };
        }
        match self.fetch_into(&state, jwks_uri).await {
            Ok(set) => Ok(select(&set.keys, kid)),
            Err(e) => match now_cached {
                Some(set) => {
                    tracing::warn!(error = %e, "JWKS fetch failed; using cached keys");
                    Ok(select(&set.keys, kid))
                }
                None => Err(e),
            },
        }
    }

    fn state(&self, jwks_uri: &Url) -> Arc<SetState> {
        lock(&self.sets)
            .entry(jwks_uri.clone())
            .or_default()
            .clone()
    }

    /// The last failure, while its backoff lasts.
    fn backing_off(&self, state: &SetState) -> Option<Failure> {
        let failure = lock(&state.failure).clone()?;
        let doubling = 2u32.saturating_pow(failure.in_a_row.saturating_sub(1).min(16));
        let backoff = self
            .failure_backoff
            .saturating_mul(doubling)
            .min(MAX_FAILURE_BACKOFF);
        (failure.at.elapsed() < backoff).then_some(failure)
    }

    /// Fetches the set and records the outcome (keys, or the failure for backoff).
    async fn fetch_into(&self, state: &SetState, jwks_uri: &Url) -> Result<CachedSet> {
        match self.fetch(jwks_uri).await {
            Ok(keys) => {
                let set = CachedSet {
                    keys,
                    fetched_at: Instant::now(),
                };
                *lock(&state.cached) = Some(set.clone());
                *lock(&state.failure) = None;
                Ok(set)
            }
            Err(e) => {
                let mut failure = lock(&state.failure);
                let in_a_row = failure.as_ref().map_or(0, |f| f.in_a_row) + 1;
                let reason = match &e {
                    Error::JwksUnavailable { reason, .. } => reason.clone(),
                    other => other.to_string(),
                };
                *failure = Some(Failure {
                    at: Instant::now(),
                    in_a_row,
                    reason,
                });
                Err(e)
            }
        }
    }

    async fn fetch(&self, jwks_uri: &Url) -> Result<Arc<[UsableKey]>> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let host = host_of(jwks_uri);
        let unavailable = |reason: String| Error::JwksUnavailable {
            url: jwks_uri.to_string(),
            reason,
        };
        let response = send(
            self.http.client()?.get(jwks_uri.clone()),
            &host,
            "the JWKS endpoint",
        )
        .await
        .map_err(|e| unavailable(e.to_string()))?;
        let body = Body::read(response, &host, "the JWKS endpoint")
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        if !body.status.is_success() {
            return Err(unavailable(format!(
                "HTTP {} with {}",
                body.status.as_u16(),
                body.describe(None)
            )));
        }
        let keys = parse_jwks(&body.bytes).map_err(unavailable)?;
        Ok(keys.into())
    }
}

/// The error for a set that failed recently and has no cached keys to fall back on.
fn unavailable(jwks_uri: &Url, failure: Failure) -> Error {
    Error::JwksUnavailable {
        url: jwks_uri.to_string(),
        reason: format!(
            "{} ({} failed attempt(s) in a row; trying again shortly)",
            failure.reason, failure.in_a_row
        ),
    }
}

/// Keeps the RSA signature keys usable with RS256; any other key (encryption, EC, broken) is
/// skipped rather than failing the whole set.
fn parse_jwks(bytes: &[u8]) -> std::result::Result<Vec<UsableKey>, String> {
    let raw: RawJwkSet =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWK set ({e})"))?;
    let keys: Vec<UsableKey> = raw
        .keys
        .into_iter()
        .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
        .filter(|jwk| matches!(jwk.algorithm, AlgorithmParameters::RSA(_)))
        .filter(|jwk| {
            jwk.common
                .public_key_use
                .as_ref()
                .is_none_or(|u| *u == PublicKeyUse::Signature)
        })
        .filter(|jwk| {
            jwk.common
                .key_algorithm
                .is_none_or(|a| a == KeyAlgorithm::RS256)
        })
        .filter_map(|jwk| {
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some(UsableKey {
                kid: jwk.common.key_id,
                key,
            })
        })
        .collect();
    if keys.is_empty() {
        return Err("the set has no RSA signing key".into());
    }
    Ok(keys)
}

fn select(
    keys: &[UsableKey],
    kid: Option<&str>,
) -> std::result::Result<DecodingKey, VerifyFailure> {
    match kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid))
            .map(|k| k.key.clone())
            .ok_or_else(|| VerifyFailure::UnknownKey {
                kid: kid.to_owned(),
            }),
        None => match keys {
            [only] => Ok(only.key.clone()),
            _ => Err(VerifyFailure::KidRequired { keys: keys.len() }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: &str = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw";

    fn rsa(kid: &str, extra: serde_json::Value) -> serde_json::Value {
        let mut v = serde_json::json!({"kty": "RSA", "kid": kid, "n": N, "e": "AQAB"});
        if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            obj.extend(extra.clone());
        }
        v
    }

    #[test]
    fn unusable_keys_are_skipped_not_fatal() {
        let set = serde_json::json!({"keys": [
            rsa("enc", serde_json::json!({"use": "enc"})),
            rsa("ps", serde_json::json!({"alg": "PS256"})),
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "x", "y": "y"},
            {"kty": "weird", "kid": "w"},
            rsa("good", serde_json::json!({"use": "sig", "alg": "RS256"})),
        ]});
        let keys = parse_jwks(set.to_string().as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys.first().unwrap().kid.as_deref(), Some("good"));
    }

    #[test]
    fn kid_absent_accepts_a_single_key_only() {
        let one = parse_jwks(
            serde_json::json!({"keys": [rsa("a", serde_json::json!({}))]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(select(&one, None).is_ok());
        let two = parse_jwks(
            serde_json::json!({"keys": [rsa("a", serde_json::json!({})), rsa("b", serde_json::json!({}))]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(matches!(
            select(&two, None),
            Err(VerifyFailure::KidRequired { keys: 2 })
        ));
        assert!(select(&two, Some("b")).is_ok());
        assert!(matches!(
            select(&two, Some("c")),
            Err(VerifyFailure::UnknownKey { .. })
        ));
    }

    #[test]
    fn empty_or_garbage_sets_are_errors() {
        assert!(parse_jwks(b"{\"keys\": []}").is_err());
        assert!(parse_jwks(b"<html>").is_err());
    }
}
