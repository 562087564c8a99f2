//! The authorization request (RFC 6749 §4.1.1 + PKCE + OIDC nonce) and the pending sign-ins it
//! leaves behind, each redeemable once by the redirect that carries its `state`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};
use crate::ids::ProviderId;
use crate::pkce::{CHALLENGE_METHOD, PkceVerifier, random_url_safe};
use crate::provider::{Endpoints, ProviderConfig};
use crate::secret::ClientSecret;

/// How long a started sign-in waits for its redirect.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);
/// Bound on concurrently pending sign-ins; the oldest is dropped past it.
const MAX_PENDING: usize = 32;

/// Optional authorization parameters (Cognito names them the same way).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthorizeOptions {
    /// `login` forces the login page even when the browser has a session (another user).
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// Cognito: skip the hosted UI and go straight to a federated IdP.
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub lang: Option<String>,
    /// Replaces the provider's configured scopes for this sign-in.
    pub scopes: Option<Vec<String>>,
}

/// The `prompt` values OIDC Core §3.1.2.1 defines (a request may list several).
const PROMPTS: [&str; 4] = ["none", "login", "consent", "select_account"];

impl AuthorizeOptions {
    /// Fills what this sign-in leaves unset from the provider's defaults.
    pub fn or(self, defaults: &Self) -> Self {
        let pick = |mine: Option<String>, theirs: &Option<String>| {
            mine.filter(|v| !v.is_empty()).or_else(|| theirs.clone())
        };
        Self {
            prompt: pick(self.prompt, &defaults.prompt),
            login_hint: pick(self.login_hint, &defaults.login_hint),
            identity_provider: pick(self.identity_provider, &defaults.identity_provider),
            idp_identifier: pick(self.idp_identifier, &defaults.idp_identifier),
            lang: pick(self.lang, &defaults.lang),
            scopes: self.scopes,
        }
    }

    /// Each optional parameter: its name in the URL, how messages call it, and its value.
    fn parameters(&self) -> [(&'static str, &'static str, &Option<String>); 5] {
        [
            ("prompt", "prompt", &self.prompt),
            ("login_hint", "login hint", &self.login_hint),
            (
                "identity_provider",
                "identity provider",
                &self.identity_provider,
            ),
            ("idp_identifier", "IdP identifier", &self.idp_identifier),
            ("lang", "language", &self.lang),
        ]
    }

    /// Each value goes into the authorization URL: printable, of a sane length, and a
    /// `prompt` the spec knows.
    pub fn validate(&self) -> Result<()> {
        for (_, field, value) in self.parameters() {
            if let Some(v) = value
                && (v.len() > 256 || v.chars().any(char::is_control))
            {
                return Err(Error::config(
                    field,
                    "keep it under 256 characters, without line breaks or control characters",
                ));
            }
        }
        if let Some(prompt) = &self.prompt
            && let Some(unknown) = prompt.split_whitespace().find(|p| !PROMPTS.contains(p))
        {
            return Err(Error::config(
                "prompt",
                format!(
                    "\"{unknown}\" is not a prompt value; use login, consent, select_account or none"
                ),
            ));
        }
        if let Some(lang) = &self.lang
            && !lang
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::config(
                "language",
                "a language tag such as en, fr or pt-BR",
            ));
        }
        crate::provider::check_scopes(self.scopes.as_deref().unwrap_or_default())
    }
}

/// Everything needed to finish one sign-in, kept in memory only.
#[derive(Debug)]
pub struct PendingSignIn {
    pub provider: Arc<ProviderConfig>,
    pub endpoints: Arc<Endpoints>,
    pub redirect_uri: Url,
    pub nonce: String,
    pub verifier: PkceVerifier,
    pub requested_scopes: Vec<String>,
    /// Set by the caller for a confidential client; held in memory until the exchange.
    pub client_secret: Option<ClientSecret>,
    created: Instant,
}

/// Builds the authorization URL and the pending sign-in that will accept its redirect.
pub fn build_authorization_request(
    provider: Arc<ProviderConfig>,
    endpoints: Arc<Endpoints>,
    redirect_uri: Url,
    options: &AuthorizeOptions,
) -> (Url, String, PendingSignIn) {
    let state = random_url_safe();
    let nonce = random_url_safe();
    let verifier = PkceVerifier::generate();
    let scopes = options
        .scopes
        .clone()
        .unwrap_or_else(|| provider.scopes.clone());

    let mut url = endpoints.authorization.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", redirect_uri.as_str())
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge", &verifier.challenge())
            .append_pair("code_challenge_method", CHALLENGE_METHOD);
        // A nonce binds the ID token, which only an OpenID request gets; plain OAuth
        // providers refuse a nonce without the openid scope.
        if scopes.iter().any(|s| s == "openid") {
            q.append_pair("nonce", &nonce);
        }
        for (name, _, value) in options.parameters() {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                q.append_pair(name, v);
            }
        }
    }
    let pending = PendingSignIn {
        provider,
        endpoints,
        redirect_uri,
        nonce,
        verifier,
        requested_scopes: scopes,
        client_secret: None,
        created: Instant::now(),
    };
    (url, state, pending)
}

/// Sign-ins waiting for their redirect, keyed by `state`. Each is taken at most once.
#[derive(Debug, Clone)]
pub struct PendingSignIns {
    inner: Arc<Mutex<HashMap<String, PendingSignIn>>>,
    ttl: Duration,
}

impl Default for PendingSignIns {
    fn default() -> Self {
        Self::with_ttl(PENDING_TTL)
    }
}

impl PendingSignIns {
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            inner: Arc::default(),
            ttl,
        }
    }

    pub fn insert(&self, state: String, pending: PendingSignIn) {
        let mut map = self.lock();
        map.retain(|_, p| p.created.elapsed() < self.ttl);
        if map.len() >= MAX_PENDING
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(state, pending);
    }

    /// Removes and returns the sign-in for `state` if `accept` agrees. A rejected candidate
    /// stays pending, so a forged or look-alike redirect cannot cancel a real sign-in.
    pub fn take_if(
        &self,
        state: &str,
        accept: impl FnOnce(&PendingSignIn) -> Result<()>,
    ) -> Result<PendingSignIn> {
        let mut map = self.lock();
        let Some(pending) = map.get(state) else {
            return Err(Error::UnknownState);
        };
        if pending.created.elapsed() >= self.ttl {
            map.remove(state);
            return Err(Error::ExpiredState {
                minutes: self.ttl.as_secs() / 60,
            });
        }
        accept(pending)?;
        map.remove(state).ok_or(Error::UnknownState)
    }

    /// Drops a sign-in the user cancelled.
    pub fn cancel(&self, state: &str) -> bool {
        self.lock().remove(state).is_some()
    }

    /// Drops every sign-in started with this provider; returns their states.
    pub fn cancel_provider(&self, provider_id: &ProviderId) -> Vec<String> {
        let mut map = self.lock();
        let states: Vec<String> = map
            .iter()
            .filter(|(_, p)| p.provider.id == *provider_id)
            .map(|(state, _)| state.clone())
            .collect();
        for state in &states {
            map.remove(state);
        }
        states
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PendingSignIn>> {
        // A poisoned map only means another thread panicked mid-insert; the data is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
