//! Adding, editing and removing providers (checking them is in `check`); inspecting pasted
//! tokens.

use std::collections::HashMap;

use super::{Deck, views::*};
use crate::error::Result;
use crate::ids::{AccountId, ProviderId};
use crate::inspect::TokenView;
use crate::provider::{ProviderConfig, Redirect, per_provider_redirect_uri, slug};
use crate::secret::ClientSecret;
use crate::store::AccountStatus;
use crate::verify::TokenUse;

pub const DEMO_PROVIDER_ID: &str = "local-demo";
/// The demo pool's redirect: `io.github.tokendeck://callback/local-demo`.
const DEMO_REDIRECT_SLUG: &str = "local-demo";

impl Deck {
    /// Whether each provider whose discovery document was read offers device sign-in. Not
    /// waited for: a discovery in flight holds the cache (its providers count as unknown).
    pub(super) fn device_sign_in_seen(&self) -> HashMap<ProviderId, bool> {
        self.endpoints
            .try_lock()
            .map(|cache| {
                cache
                    .iter()
                    .map(|(id, e)| (id.clone(), e.device_authorization.is_some()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Creates (empty id) or replaces a provider. A new provider gets its own redirect URI
    /// unless one is given. The client secret goes to the keyring first, so the settings never
    /// claim a secret the keyring does not have.
    ///
    /// Editing what a provider's sessions are bound to (issuer, endpoints, client id, redirect)
    /// must not send them to the new place: the accounts are told to sign in again, their
    /// tokens are deleted, and the client secret is dropped unless it is entered again.
    pub async fn save_provider(&self, draft: ProviderDraft) -> Result<ProviderView> {
        let mut config = draft.config;
        config.name = config.name.trim().to_owned();
        config.client_id = config.client_id.trim().to_owned();
        if config
            .redirect_uri
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            config.redirect_uri = None;
        }
        let existing = match config.id.as_str().is_empty() {
            true => None,
            false => self.provider(&config.id).await.ok(),
        };
        if existing.is_none() && config.redirect_uri.is_none() {
            let others = self.config.lock().await.providers.clone();
            config.redirect_uri = Some(planned_redirect_uri(&config, &others));
        }
        if config.id.as_str().is_empty() {
            config.id = ProviderId::generate();
        }
        config.validate()?;
        let rebound = existing
            .as_ref()
            .is_some_and(|old| SessionBinding::of(old) != SessionBinding::of(&config));
        match draft.client_secret.as_deref().map(str::trim) {
            Some("") => {
                self.vault.delete_client_secret(&config.id).await?;
                config.confidential = false;
            }
            Some(secret) => {
                crate::token::client_auth::check_credential(config.client_auth, secret)?;
                self.vault
                    .set_client_secret(&config.id, &ClientSecret::new(secret))
                    .await?;
                config.confidential = true;
            }
            None if rebound => {
                self.vault.delete_client_secret(&config.id).await?;
                config.confidential = false;
            }
            None => {
                config.confidential = existing.as_ref().is_some_and(|p| p.confidential);
                // A new method must suit what the keyring already holds: a private key must
                // never go out as a client secret.
                let method_changed = existing
                    .as_ref()
                    .is_some_and(|p| p.client_auth != config.client_auth);
                if config.confidential
                    && method_changed
                    && let Some(stored) = self.vault.client_secret(&config.id).await?
                {
                    crate::token::client_auth::check_credential(
                        config.client_auth,
                        stored.expose_secret(),
                    )?;
                }
            }
        }
        if rebound {
            self.unbind_sessions(&config).await?;
        } else {
            let saved = config.clone();
            self.update_config(|file| {
                file.upsert_provider(saved);
                Ok(())
            })
            .await?;
        }
        self.forget_endpoints(&config.id).await;
        let providers = self.config.lock().await.providers.clone();
        Ok(provider_view(&config, &providers, None))
    }

    /// Saves `config` (whose sessions are bound to settings that changed) and ends its
    /// accounts' sessions. Every account lock is held from before the settings change until
    /// the tokens are gone, so no process (the CLI, a second app) can refresh in between.
    async fn unbind_sessions(&self, config: &ProviderConfig) -> Result<()> {
        self.cancel_sign_ins_of(&config.id);
        self.forget_endpoints(&config.id).await;
        let account_ids = self.account_ids_of(&config.id).await;
        let mut held = Vec::with_capacity(account_ids.len());
        for id in &account_ids {
            held.push(self.lock_account(id).await?);
        }
        let reason = format!(
            "the provider \"{}\" now points at a different issuer, endpoint, client or redirect URI; its tokens were deleted so they are not sent there. Sign in again.",
            config.name
        );
        let saved = config.clone();
        self.update_config(|file| {
            for account in file
                .accounts
                .iter_mut()
                .filter(|a| a.provider_id == saved.id)
            {
                account.status = AccountStatus::SignInAgain {
                    reason: reason.clone(),
                };
            }
            file.upsert_provider(saved);
            Ok(())
        })
        .await?;
        // Every account's tokens go, even when one deletion fails; a refresh never sends what
        // is left (the accounts say "sign in again"), and the first error is reported.
        let mut first_error = None;
        for (id, lock) in account_ids.iter().zip(held.iter_mut()) {
            let token = self.store_refresh_token(lock, id, None).await;
            let session = self.forget_session(id).await;
            if let Err(e) = token.and(session) {
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if !account_ids.is_empty() {
            tracing::info!(
                accounts = account_ids.len(),
                "provider re-pointed: its sessions were ended"
            );
        }
        Ok(())
    }

    /// A provider's accounts as the settings file lists them now (another process may have
    /// added one since we last looked).
    async fn account_ids_of(&self, provider_id: &ProviderId) -> Vec<AccountId> {
        let mut config = self.config.lock().await;
        if let Err(e) = self.pick_up_other_writers(&mut config).await {
            tracing::warn!(error = %e, "could not re-read the settings file");
        }
        config
            .accounts_of(provider_id)
            .map(|a| a.id.clone())
            .collect()
    }

    /// Adds (or points at a new address) the bundled local demo pool, so a newcomer can sign
    /// in with no AWS account. Used when the app is started with `TOKENDECK_DEMO_ISSUER`.
    pub async fn ensure_demo_provider(&self, issuer: &str) -> Result<()> {
        let issuer = issuer.trim_end_matches('/');
        let source = crate::provider::ProviderSource::Cognito {
            domain: crate::provider::CognitoDomain::Custom {
                url: issuer.to_owned(),
            },
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_TokendeckDemo".into(),
        };
        let config = ProviderConfig {
            id: DEMO_PROVIDER_ID.into(),
            redirect_uri: Some(per_provider_redirect_uri(DEMO_REDIRECT_SLUG)),
            overrides: crate::provider::EndpointOverrides {
                issuer: Some(issuer.to_owned()),
                jwks_uri: Some(format!("{issuer}/.well-known/jwks.json")),
                ..Default::default()
            },
            ..ProviderConfig::new("Local demo pool (no AWS)", source, "tokendeck-native")
        };
        if self.provider(&config.id).await.ok().as_ref() == Some(&config) {
            return Ok(());
        }
        self.save_provider(ProviderDraft {
            config,
            client_secret: None,
        })
        .await
        .map(|_| ())
    }

    /// Removes a provider, its accounts and their keyring entries. Tokens are not revoked
    /// here; the UI offers signing out first.
    pub async fn remove_provider(&self, provider_id: &ProviderId) -> Result<()> {
        let provider = self.provider(provider_id).await?;
        self.cancel_sign_ins_of(&provider.id);
        let removed = self
            .update_config(|file| {
                file.providers.retain(|p| p.id != provider.id);
                Ok(file.remove_accounts(|a| a.provider_id == provider.id))
            })
            .await?;
        self.finish_removal(&removed).await?;
        self.vault.delete_client_secret(&provider.id).await?;
        self.forget_endpoints(&provider.id).await;
        Ok(())
    }

    /// Decodes a pasted JWT and, with a provider, verifies it against that provider's keys.
    pub async fn inspect(&self, request: InspectRequest) -> Result<TokenView> {
        let token = crate::inspect::pasted_token(&request.token);
        let Some(provider_id) = request.provider_id else {
            return self.oidc.inspect(token, None, None).await;
        };
        let provider = self.provider(&provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let token_use = request.token_use.unwrap_or_else(|| guess_token_use(token));
        self.oidc
            .inspect(
                token,
                Some((&endpoints, &provider.client_id, token_use)),
                None,
            )
            .await
    }
}

/// `token_use` (Cognito) or the presence of `nonce`/`aud` without `scope` suggest an ID token.
fn guess_token_use(token: &str) -> TokenUse {
    let Ok((_, claims)) = crate::inspect::decode_unverified(token) else {
        return TokenUse::Id;
    };
    match claims.get("token_use").and_then(serde_json::Value::as_str) {
        Some("access") => TokenUse::Access,
        Some(_) => TokenUse::Id,
        None if claims.contains_key("scope") || claims.contains_key("client_id") => {
            TokenUse::Access
        }
        None => TokenUse::Id,
    }
}

/// What a provider's sessions and secret are bound to. Changing any of it would send existing
/// refresh tokens, or the client secret, somewhere they were not issued for.
#[derive(PartialEq)]
pub(super) struct SessionBinding<'a> {
    source: &'a crate::provider::ProviderSource,
    client_id: &'a str,
    redirect: Option<String>,
    overrides: &'a crate::provider::EndpointOverrides,
    /// CA certificates trusted for the provider: whoever holds a newly trusted CA can read
    /// what is sent, so a change ends sessions like a new endpoint. (A proxy alone cannot.)
    extra_ca: Option<&'a str>,
}

impl<'a> SessionBinding<'a> {
    pub(super) fn of(p: &'a ProviderConfig) -> Self {
        Self {
            source: &p.source,
            client_id: &p.client_id,
            redirect: p.redirect().ok().map(|r| r.url().to_string()),
            overrides: &p.overrides,
            extra_ca: p.network.extra_ca.as_deref(),
        }
    }
}

/// The redirect URI a provider without one gets: `io.github.tokendeck://callback/<slug>`, with
/// a slug from its name that no other provider's redirect uses (in either form, deep link or
/// loopback).
pub(super) fn planned_redirect_uri(config: &ProviderConfig, others: &[ProviderConfig]) -> String {
    let taken: Vec<String> = others
        .iter()
        .filter(|p| p.id != config.id)
        .filter_map(|p| p.redirect().ok())
        .flat_map(|r| {
            let loopback = r.as_loopback().ok().map(|l| l.target());
            std::iter::once(r.target()).chain(loopback)
        })
        .collect();
    let base = slug(&config.name);
    let mut n = 1;
    loop {
        let candidate = match n {
            1 => per_provider_redirect_uri(&base),
            _ => per_provider_redirect_uri(&format!("{base}-{n}")),
        };
        let clashes = Redirect::parse(&candidate).is_ok_and(|r| {
            let loopback = r.as_loopback().map(|l| l.target()).unwrap_or_default();
            taken.contains(&r.target()) || taken.contains(&loopback)
        });
        if !clashes {
            return candidate;
        }
        n += 1;
    }
}

/// What the provider page shows about the redirect: the exact URIs to register, and whether
/// responses arriving there can only be this provider's.
/// `offers_device` is what the provider's discovery document said, once it was read.
pub(super) fn provider_view(
    config: &ProviderConfig,
    all: &[ProviderConfig],
    offers_device: Option<bool>,
) -> ProviderView {
    ProviderView {
        config: config.clone(),
        has_client_secret: config.confidential,
        redirect: redirect_view(config, all),
        password_sign_in: config.offers_password_sign_in(),
        device_sign_in: matches!(config.source, crate::provider::ProviderSource::Oidc { .. })
            && offers_device.unwrap_or(true),
    }
}

fn redirect_view(config: &ProviderConfig, all: &[ProviderConfig]) -> RedirectView {
    let Ok(redirect) = config.redirect() else {
        let uri = config.redirect_uri.clone().unwrap_or_default();
        return RedirectView {
            loopback_uri: uri.clone(),
            uri,
            mix_up_protected: false,
            advice: Some("the redirect URI is not valid: edit the provider".into()),
        };
    };
    let loopback = redirect.as_loopback().unwrap_or_else(|_| redirect.clone());
    let targets = [redirect.target(), loopback.target()];
    let shared_with = all.iter().filter(|p| p.id != config.id).find(|p| {
        p.redirect().is_ok_and(|r| {
            let theirs = r.as_loopback().map(|l| l.target()).unwrap_or_default();
            targets.contains(&r.target()) || targets.contains(&theirs)
        })
    });
    let suggestion = planned_redirect_uri(config, all);
    let suggestion_loopback = Redirect::parse(&suggestion)
        .and_then(|r| r.as_loopback())
        .map(|r| r.url().to_string())
        .unwrap_or_default();
    let advice = if redirect.is_shared_default() {
        Some(format!(
            "{} is the redirect URI every provider used before Tokendeck gave each its own, so a sign-in response arriving there does not show which provider sent it (a malicious provider could pass another's response off as its own). Register {suggestion} (and {suggestion_loopback} for the tokendeck command) with this app client, then set it as this provider's redirect URI.",
            redirect.url()
        ))
    } else {
        shared_with.map(|other| {
            format!(
                "the provider \"{}\" uses the same redirect URI, so a sign-in response arriving there does not show which of the two sent it. Give this provider its own: register {suggestion} with the app client and set it here.",
                other.name
            )
        })
    };
    RedirectView {
        uri: redirect.url().to_string(),
        loopback_uri: loopback.url().to_string(),
        mix_up_protected: advice.is_none(),
        advice,
    }
}
