//! The providers' signing keys (JWKS), cached per JWKS URL. An unknown `kid` triggers one
//! refetch (key rotation), rate limited so a flood of forged tokens cannot hammer the
//! provider. When the endpoint is down, keys already cached keep working.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::verify::VerifyFailure;

const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(5);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60 * 60);

#[derive(Clone)]
struct UsableKey {
    kid: Option<String>,
    key: DecodingKey,
}

struct CachedSet {
    keys: Arc<[UsableKey]>,
    fetched_at: Instant,
}

pub struct JwksCache {
    http: HttpClient,
    sets: Mutex<HashMap<Url, CachedSet>>,
    min_refetch: Duration,
    max_age: Duration,
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

impl JwksCache {
    pub fn new(http: HttpClient) -> Self {
        Self {
            http,
            sets: Mutex::default(),
            min_refetch: DEFAULT_MIN_REFETCH,
            max_age: DEFAULT_MAX_AGE,
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

    /// How many times a JWKS was fetched over the network.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Fetches (or refetches) a set now and caches it; returns how many usable keys it has.
    pub async fn fetch_now(&self, jwks_uri: &Url) -> Result<usize> {
        let keys = self.fetch(jwks_uri).await?;
        let count = keys.len();
        let entry = CachedSet {
            keys,
            fetched_at: Instant::now(),
        };
        self.sets.lock().await.insert(jwks_uri.clone(), entry);
        Ok(count)
    }

    /// Finds the key for a token's `kid`. The outer error is the JWKS being unreachable; the
    /// inner one is a verification failure (unknown or ambiguous key).
    pub async fn key_for(
        &self,
        jwks_uri: &Url,
        kid: Option<&str>,
    ) -> Result<std::result::Result<DecodingKey, VerifyFailure>> {
        let mut sets = self.sets.lock().await;
        let stale = sets
            .get(jwks_uri)
            .is_none_or(|s| s.fetched_at.elapsed() >= self.max_age);
        if stale {
            match self.fetch(jwks_uri).await {
                Ok(keys) => {
                    sets.insert(
                        jwks_uri.clone(),
                        CachedSet {
                            keys,
                            fetched_at: Instant::now(),
                        },
                    );
                }
                Err(e) if !sets.contains_key(jwks_uri) => return Err(e),
                Err(e) => tracing::warn!(error = %e, "JWKS refresh failed; using cached keys"),
            }
        }
        let Some(cached) = sets.get(jwks_uri) else {
            return Err(Error::JwksUnavailable {
                url: jwks_uri.to_string(),
                reason: "no keys".into(),
            });
        };
        let found = select(&cached.keys, kid);
        if !matches!(found, Err(VerifyFailure::UnknownKey { .. })) {
            return Ok(found);
        }
        if cached.fetched_at.elapsed() < self.min_refetch {
            return Ok(found);
        }
        tracing::debug!(kid, "unknown kid: refetching JWKS once");
        match self.fetch(jwks_uri).await {
            Ok(keys) => {
                let found = select(&keys, kid);
                sets.insert(
                    jwks_uri.clone(),
                    CachedSet {
                        keys,
                        fetched_at: Instant::now(),
                    },
                );
                Ok(found)
            }
            Err(e) => {
                tracing::warn!(error = %e, "JWKS refetch for an unknown kid failed");
                Ok(found)
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
            self.http.client().get(jwks_uri.clone()),
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
