//! Starting and finishing sign-ins (deep link or loopback) and machine tokens.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::session_cache::CacheWrite;
use super::{Deck, LiveSession, SessionOrigin, lock, new_id, views::*};
use crate::authorize::{AuthorizeOptions, PENDING_TTL};
use crate::client::SignInResult;
use crate::error::{Error, Result};
use crate::inspect::Verification;
use crate::loopback::LoopbackListener;
use crate::provider::Redirect;
use crate::secret::CallbackUrl;
use crate::store::{AccountKind, AccountRecord, AccountStatus, SignInMethod};
use crate::token::{ClientAuth, unix_now};

/// A started sign-in: open `authorization_url` in the system browser; with a loopback
/// redirect, hand `loopback` to [`Deck::finish_loopback`].
#[derive(Debug)]
pub struct SignInStarted {
    pub view: SignInStartedView,
    pub authorization_url: url::Url,
    pub loopback: Option<LoopbackListener>,
}

impl Deck {
    pub async fn begin_sign_in(
        &self,
        provider_id: &str,
        request: SignInRequest,
    ) -> Result<SignInStarted> {
        let provider = self.provider(provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = match (
            provider.confidential,
            self.client_secret_of(&provider).await?,
        ) {
            (true, None) => {
                return Err(Error::config(
                    "client secret",
                    "this provider is marked as having a client secret, but the keyring has none: enter it again in the provider settings",
                ));
            }
            (_, secret) => secret,
        };
        let has_users = {
            let config = self.config.lock().await;
            config
                .accounts
                .iter()
                .any(|a| a.provider_id == provider.id && a.kind == AccountKind::User)
        };
        let mut options: AuthorizeOptions = request.options.unwrap_or_default();
        if request.force_login.unwrap_or(has_users) {
            options.prompt = Some("login".into());
        }
        if request.login_hint.is_some() {
            options.login_hint = request.login_hint;
        }
        let redirect = match request.loopback.unwrap_or(false) {
            true => provider.redirect()?.as_loopback()?,
            false => provider.redirect()?,
        };
        let (redirect_uri, loopback) = match redirect {
            Redirect::CustomScheme(url) => (url, None),
            Redirect::Loopback { url, fixed_port } => {
                let listener = LoopbackListener::bind(&url, fixed_port).await?;
                (listener.redirect_uri().clone(), Some(listener))
            }
        };
        let provider = Arc::new(provider);
        let started =
            self.oidc
                .start_sign_in(provider.clone(), endpoints, redirect_uri, secret, &options);
        let loopback = loopback.map(|mut listener| {
            listener.expect_state(&started.state);
            lock(&self.loopback_cancels).insert(started.state.clone(), listener.canceller());
            listener
        });
        Ok(SignInStarted {
            view: SignInStartedView {
                state: started.state,
                provider_id: provider.id.clone(),
                expires_in: PENDING_TTL.as_secs(),
                via_loopback: loopback.is_some(),
            },
            authorization_url: started.authorization_url,
            loopback,
        })
    }

    /// Waits for the browser on the loopback listener, then finishes the sign-in.
    pub async fn finish_loopback(&self, listener: LoopbackListener) -> Result<AccountView> {
        self.finish_loopback_within(listener, PENDING_TTL).await
    }

    pub async fn finish_loopback_within(
        &self,
        listener: LoopbackListener,
        timeout: Duration,
    ) -> Result<AccountView> {
        let canceller = listener.canceller();
        let waited = listener.wait(timeout).await;
        lock(&self.loopback_cancels).retain(|_, c| !Arc::ptr_eq(c, &canceller));
        self.complete_sign_in(&waited?).await
    }

    /// Forgets a started sign-in; a loopback listener waiting for it closes its port at once.
    pub fn cancel_sign_in(&self, state: &str) -> bool {
        if let Some(listener) = lock(&self.loopback_cancels).remove(state) {
            listener.notify_one();
        }
        self.oidc.cancel_sign_in(state)
    }

    /// Finishes a sign-in from its redirect (deep link or loopback). The refresh token is in
    /// the keyring before the account is written to the settings file.
    pub async fn complete_sign_in(&self, callback: &CallbackUrl) -> Result<AccountView> {
        let result = self.oidc.complete_sign_in(callback).await?;
        self.store_sign_in(result).await
    }

    async fn store_sign_in(&self, result: SignInResult) -> Result<AccountView> {
        crate::faults::crash_point("sign-in:after-token-response");
        let claims = result
            .id_token
            .as_ref()
            .map(|t| t.claims.clone())
            .unwrap_or_default();
        let record = self
            .save_user_account(
                &result.provider_id,
                &claims,
                result.tokens.refresh_token.as_ref(),
                SignInMethod::Browser,
            )
            .await?;
        let id = record.id.clone();
        let id_verification = match &result.id_token {
            Some(_) => Verification::Verified {
                issuer: result.issuer.clone(),
            },
            None => Verification::NotChecked {
                reason: "no ID token (the openid scope was not requested)".into(),
            },
        };
        self.remember(
            &id,
            LiveSession {
                origin: SessionOrigin::SignIn,
                tokens: result.tokens,
                id_verification,
                access_verification: result.access_token,
                requested_scopes: result.requested_scopes,
            },
            CacheWrite::Wait,
        )
        .await;
        self.gate(&id).bump();
        tracing::info!(account = %id, "account signed in");
        Ok(self.account_view(&record))
    }

    /// Writes a signed-in user's account. The same provider and subject update the existing
    /// account (same id, label and creation time). The refresh token is in the keyring before
    /// the record is in the settings file.
    pub(super) async fn save_user_account(
        &self,
        provider_id: &str,
        claims: &crate::inspect::JsonObject,
        refresh_token: Option<&crate::secret::RefreshToken>,
        sign_in: SignInMethod,
    ) -> Result<AccountRecord> {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let subject = text("sub");
        let username = text("cognito:username").or_else(|| text("preferred_username"));
        let email = text("email");
        let existing = {
            let config = self.config.lock().await;
            config
                .accounts
                .iter()
                .find(|a| a.provider_id == provider_id && subject.is_some() && a.subject == subject)
                .cloned()
        };
        let id = existing.as_ref().map_or_else(new_id, |a| a.id.clone());
        let mut held = self.lock_account(&id).await?;
        self.store_refresh_token(&mut held, &id, refresh_token)
            .await?;
        drop(held);
        crate::faults::crash_point("sign-in:after-refresh-token-saved");
        let record = AccountRecord {
            id,
            provider_id: provider_id.to_owned(),
            label: existing
                .as_ref()
                .map(|a| a.label.clone())
                .or_else(|| username.clone())
                .or_else(|| email.clone())
                .or_else(|| subject.clone())
                .unwrap_or_else(|| "account".into()),
            kind: AccountKind::User,
            subject,
            username,
            email,
            created_at: existing.as_ref().map_or_else(unix_now, |a| a.created_at),
            status: AccountStatus::Active,
            sign_in,
        };
        let saved = record.clone();
        self.update_config(|file| {
            match file.accounts.iter_mut().find(|a| a.id == saved.id) {
                Some(slot) => *slot = saved.clone(),
                None => file.accounts.push(saved.clone()),
            }
            Ok(())
        })
        .await?;
        Ok(record)
    }

    /// Runs the client-credentials grant for a provider with a secret and shows the token as
    /// the provider's machine account (kept in memory; nothing to store).
    pub async fn machine_token(&self, provider_id: &str) -> Result<AccountView> {
        let provider = self.provider(provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = self.vault.client_secret(&provider.id).await?.ok_or(Error::Unsupported {
            what: "a machine token",
            hint: "the client-credentials grant needs the app client's secret: add it in the provider settings",
        })?;
        let auth = ClientAuth {
            client_id: provider.client_id.clone(),
            secret: Some(secret),
        };
        let scopes: Vec<String> = provider
            .scopes
            .iter()
            .filter(|s| *s != "openid")
            .cloned()
            .collect();
        let (tokens, verdict) = self
            .oidc
            .client_credentials(&endpoints, &auth, &scopes)
            .await?;
        let existing = {
            let config = self.config.lock().await;
            config
                .accounts
                .iter()
                .find(|a| a.provider_id == provider.id && a.kind == AccountKind::Machine)
                .cloned()
        };
        let record = existing.unwrap_or_else(|| AccountRecord {
            id: new_id(),
            provider_id: provider.id.clone(),
            label: format!("{} (client credentials)", provider.client_id),
            kind: AccountKind::Machine,
            subject: None,
            username: None,
            email: None,
            created_at: unix_now(),
            status: AccountStatus::Active,
            sign_in: SignInMethod::Browser,
        });
        let saved = record.clone();
        self.update_config(|file| {
            if !file.accounts.iter().any(|a| a.id == saved.id) {
                file.accounts.push(saved.clone());
            }
            Ok(())
        })
        .await?;
        self.remember(
            &record.id,
            LiveSession {
                origin: SessionOrigin::SignIn,
                tokens,
                id_verification: Verification::NotChecked {
                    reason: "machine tokens have no ID token".into(),
                },
                access_verification: verdict,
                requested_scopes: scopes,
            },
            CacheWrite::Wait,
        )
        .await;
        self.gate(&record.id).bump();
        Ok(self.account_view(&record))
    }
}
