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

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::provider::NetworkSettings;
use crate::verify::VerifyFailure;
use crate::verify::algorithm::{JwsAlgorithm, KeyKind};

const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(5);
const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60 * 60);
const DEFAULT_FAILURE_BACKOFF: Duration = Duration::from_secs(1);
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(60);
/// RFC 7518 §3.3: RSA keys for RS* and PS* are at least 2048 bits.
const MIN_RSA_BITS: usize = 2048;

#[derive(Clone)]
struct UsableKey {
    kid: Option<String>,
    kind: KeyKind,
    /// The key's own `alg`, when it names one: then it verifies that algorithm only.
    alg: Option<JwsAlgorithm>,
    key: DecodingKey,
}

impl UsableKey {
    fn verifies(&self, alg: JwsAlgorithm) -> bool {
        self.kind == alg.key_kind() && self.alg.is_none_or(|own| own.same_as(alg))
    }

    fn describe(&self) -> String {
        match self.alg {
            Some(alg) => format!("{} for {alg}", self.kind.describe()),
            None => self.kind.describe().to_owned(),
        }
    }
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

/// A set is cached per URL and per network settings it was fetched over: keys fetched through
/// one provider's proxy or trusted CA never verify another provider's tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SetKey {
    url: Url,
    network: NetworkSettings,
}

pub struct JwksCache {
    http: HttpClient,
    sets: Mutex<HashMap<SetKey, Arc<SetState>>>,
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
    keys: Vec<Value>,
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
    pub async fn fetch_now(&self, jwks_uri: &Url, network: &NetworkSettings) -> Result<usize> {
        let state = self.state(jwks_uri, network);
        let _turn = state.fetching.lock().await;
        let keys = self.fetch_into(&state, jwks_uri, network).await?;
        Ok(keys.keys.len())
    }

    /// Finds the key for a token's `kid` and `alg`. The outer error is the JWKS being
    /// unreachable; the inner one is a verification failure (unknown, unfit or ambiguous key).
    pub async fn key_for(
        &self,
        jwks_uri: &Url,
        network: &NetworkSettings,
        kid: Option<&str>,
        alg: JwsAlgorithm,
    ) -> Result<std::result::Result<DecodingKey, VerifyFailure>> {
        let state = self.state(jwks_uri, network);
        let seen = lock(&state.cached).clone();
        let fresh = seen
            .as_ref()
            .filter(|s| s.fetched_at.elapsed() < self.max_age);
        if let Some(set) = fresh {
            let found = select(&set.keys, kid, alg);
            let unknown = matches!(
                found,
                Err(VerifyFailure::UnknownKey { .. } | VerifyFailure::NoKeyForAlgorithm { .. })
            );
            if !unknown || set.fetched_at.elapsed() < self.min_refetch {
                return Ok(found);
            }
            tracing::debug!(kid, %alg, "no key for the token: refetching JWKS once");
        }
        if let Some(wait) = self.backing_off(&state) {
            return match seen {
                Some(set) => Ok(select(&set.keys, kid, alg)),
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
            return Ok(select(&set.keys, kid, alg));
        }
        // A fetch that failed while we waited for the turn: back off like everyone else.
        if let Some(wait) = self.backing_off(&state) {
            return match now_cached {
                Some(set) => Ok(select(&set.keys, kid, alg)),
                None => Err(unavailable(jwks_uri, wait)),
            };
        }
        match self.fetch_into(&state, jwks_uri, network).await {
            Ok(set) => Ok(select(&set.keys, kid, alg)),
            Err(e) => match now_cached {
                Some(set) => {
                    tracing::warn!(error = %e, "JWKS fetch failed; using cached keys");
                    Ok(select(&set.keys, kid, alg))
                }
                None => Err(e),
            },
        }
    }

    fn state(&self, jwks_uri: &Url, network: &NetworkSettings) -> Arc<SetState> {
        let key = SetKey {
            url: jwks_uri.clone(),
            network: network.clone(),
        };
        lock(&self.sets).entry(key).or_default().clone()
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
    async fn fetch_into(
        &self,
        state: &SetState,
        jwks_uri: &Url,
        network: &NetworkSettings,
    ) -> Result<CachedSet> {
        match self.fetch(jwks_uri, network).await {
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

    async fn fetch(&self, jwks_uri: &Url, network: &NetworkSettings) -> Result<Arc<[UsableKey]>> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let host = host_of(jwks_uri);
        let unavailable = |reason: String| Error::JwksUnavailable {
            url: jwks_uri.to_string(),
            reason,
        };
        let response = send(
            self.http
                .for_network(network)
                .client()?
                .get(jwks_uri.clone()),
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

/// Keeps the signature keys Tokendeck can verify with; anything else in the set is skipped
/// rather than failing the whole set.
fn parse_jwks(bytes: &[u8]) -> std::result::Result<Vec<UsableKey>, String> {
    let raw: RawJwkSet =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWK set ({e})"))?;
    let keys: Vec<UsableKey> = raw.keys.into_iter().filter_map(usable_key).collect();
    if keys.is_empty() {
        return Err(format!(
            "the set has no signing key Tokendeck can use (it verifies {})",
            JwsAlgorithm::ACCEPTED
        ));
    }
    Ok(keys)
}

/// A signing key, or `None` for an encryption or symmetric key, an algorithm or curve we do
/// not verify, an RSA key under 2048 bits, a point of the wrong size, or a key whose own
/// `alg` does not fit its type.
fn usable_key(mut value: Value) -> Option<UsableKey> {
    let object = value.as_object_mut()?;
    if object.get("use").is_some_and(|u| u != "sig") {
        return None;
    }
    // Read here rather than by jsonwebtoken, which does not know RFC 9864's names.
    let alg = match object.remove("alg") {
        None => None,
        Some(Value::String(name)) => Some(JwsAlgorithm::from_name(&name)?),
        Some(_) => return None,
    };
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    let decoded_len = |b64: &str| URL_SAFE_NO_PAD.decode(b64).ok().map(|bytes| bytes.len());
    let kind = match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => {
            let modulus = URL_SAFE_NO_PAD.decode(&rsa.n).ok()?;
            let mut bytes = modulus.iter().skip_while(|b| **b == 0);
            let bits = bytes.next().map_or(0, |top| {
                8 * bytes.count() + (8 - top.leading_zeros() as usize)
            });
            (bits >= MIN_RSA_BITS).then_some(KeyKind::Rsa)?
        }
        AlgorithmParameters::EllipticCurve(ec) => {
            let (kind, size) = match ec.curve {
                EllipticCurve::P256 => (KeyKind::P256, 32),
                EllipticCurve::P384 => (KeyKind::P384, 48),
                _ => return None,
            };
            let fits = decoded_len(&ec.x) == Some(size) && decoded_len(&ec.y) == Some(size);
            fits.then_some(kind)?
        }
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            (decoded_len(&okp.x) == Some(32)).then_some(KeyKind::Ed25519)?
        }
        _ => return None,
    };
    if alg.is_some_and(|alg| alg.key_kind() != kind) {
        return None;
    }
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(UsableKey {
        kid: jwk.common.key_id,
        kind,
        alg,
        key,
    })
}

/// The key for a token: the one its `kid` names, which must fit its `alg`; without a `kid`,
/// the only key that fits.
fn select(
    keys: &[UsableKey],
    kid: Option<&str>,
    alg: JwsAlgorithm,
) -> std::result::Result<DecodingKey, VerifyFailure> {
    match kid {
        Some(kid) => {
            let named: Vec<&UsableKey> = keys
                .iter()
                .filter(|k| k.kid.as_deref() == Some(kid))
                .collect();
            let Some(first) = named.first() else {
                return Err(VerifyFailure::UnknownKey {
                    kid: kid.to_owned(),
                });
            };
            named
                .iter()
                .find(|k| k.verifies(alg))
                .map(|k| k.key.clone())
                .ok_or_else(|| VerifyFailure::KeyDoesNotFit {
                    kid: kid.to_owned(),
                    alg: alg.name().to_owned(),
                    key: first.describe(),
                })
        }
        None => {
            let fitting: Vec<&UsableKey> = keys.iter().filter(|k| k.verifies(alg)).collect();
            match fitting.as_slice() {
                [only] => Ok(only.key.clone()),
                [] => Err(VerifyFailure::NoKeyForAlgorithm {
                    alg: alg.name().to_owned(),
                }),
                several => Err(VerifyFailure::KidRequired {
                    keys: several.len(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests;
