//! Starting and finishing sign-ins (deep link or loopback) and machine tokens.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::providers::SessionBinding;
use super::{Deck, LiveSession, SessionOrigin, Verdicts, lock, views::*};
use crate::authorize::{AuthorizeOptions, PENDING_TTL};
use crate::browser::BrowserCommand;
use crate::client::SignInResult;
use crate::error::{Error, Result};
use crate::ids::{AccountId, ProviderId};
use crate::inspect::Verification;
use crate::loopback::LoopbackListener;
use crate::provider::{ProviderConfig, Redirect};
use crate::secret::CallbackUrl;
use crate::store::{AccountKind, AccountRecord, AccountStatus, SignInMethod};
use crate::token::{TokenSet, unix_now};

/// A started sign-in: open `authorization_url` (with the provider's `browser`, else the
/// system browser), then hand `wait` to [`Deck::await_sign_in`].
#[derive(Debug)]
pub struct SignInStarted {
    pub view: SignInStartedView,
    pub authorization_url: url::Url,
    /// The provider's own browser command, when it has one.
    pub browser: Option<BrowserCommand>,
    pub wait: SignInWait,
}

/// What [`Deck::await_sign_in`] waits on: the loopback listener, or (deep link) the sign-in's
/// lifetime while the OS delivers the redirect to [`Deck::complete_sign_in`].
#[derive(Debug)]
pub struct SignInWait {
    state: String,
    loopback: Option<LoopbackListener>,
}

/// How a sign-in ended, for the task that waited on it.
#[derive(Debug)]
pub enum SignInEnd {
    SignedIn(Box<AccountView>),
    /// Finished or cancelled elsewhere: a deep link completed it (and said so), or the user
    /// cancelled it.
    Elsewhere,
}

impl Deck {
    pub async fn begin_sign_in(
        &self,
        provider_id: &ProviderId,
        request: SignInRequest,
    ) -> Result<SignInStarted> {
        let provider = self.provider(provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = self.sign_in_secret(&provider).await?;
        let has_users = {
            let config = self.config.lock().await;
            config
                .accounts_of(&provider.id)
                .any(|a| a.kind == AccountKind::User)
        };
        let mut options: AuthorizeOptions = request
            .options
            .unwrap_or_default()
            .or(&provider.sign_in_options);
        let browser = provider
            .browser_command
            .as_deref()
            .map(BrowserCommand::parse)
            .transpose()?;
        // A second user on the pool gets the login page, unless a prompt was chosen.
        let force_login = request
            .force_login
            .unwrap_or(has_users && options.prompt.is_none());
        if force_login {
            options.prompt = Some("login".into());
        }
        if request.login_hint.is_some() {
            options.login_hint = request.login_hint;
        }
        options.validate()?;
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
                state: started.state.clone(),
                provider_id: provider.id.clone(),
                expires_in: PENDING_TTL.as_secs(),
                via_loopback: loopback.is_some(),
            },
            authorization_url: started.authorization_url,
            browser,
            wait: SignInWait {
                state: started.state,
                loopback,
            },
        })
    }

    /// Waits out a started sign-in, for as long as it stays valid ([`PENDING_TTL`]). With a
    /// loopback redirect it finishes the sign-in itself; with a deep link it only reports the
    /// expiry, since the redirect arrives through [`Deck::complete_sign_in`].
    pub async fn await_sign_in(&self, wait: SignInWait) -> Result<SignInEnd> {
        self.await_sign_in_within(wait, PENDING_TTL).await
    }

    /// [`Deck::await_sign_in`] with a shorter wait (tests).
    pub async fn await_sign_in_within(
        &self,
        wait: SignInWait,
        lifetime: Duration,
    ) -> Result<SignInEnd> {
        let expired = || Error::ExpiredState {
            minutes: lifetime.as_secs().div_ceil(60),
        };
        let Some(listener) = wait.loopback else {
            tokio::time::sleep(lifetime).await;
            return match self.cancel_sign_in(&wait.state) {
                true => Err(expired()),
                false => Ok(SignInEnd::Elsewhere),
            };
        };
        let canceller = listener.canceller();
        let waited = listener.wait(lifetime).await;
        lock(&self.loopback_cancels).retain(|_, c| !Arc::ptr_eq(c, &canceller));
        let callback = match waited {
            Ok(callback) => callback,
            // Already gone: the user cancelled it (or its provider changed), nothing to report.
            Err(_) if !self.cancel_sign_in(&wait.state) => return Ok(SignInEnd::Elsewhere),
            Err(Error::Timeout { .. }) => return Err(expired()),
            Err(e) => return Err(e),
        };
        let account = self.complete_sign_in(&callback).await?;
        Ok(SignInEnd::SignedIn(Box::new(account)))
    }

    /// The client secret (or private key) a sign-in authenticates with; a provider marked
    /// confidential whose keyring entry is gone is refused before anything is sent.
    pub(super) async fn sign_in_secret(
        &self,
        provider: &ProviderConfig,
    ) -> Result<Option<crate::secret::ClientSecret>> {
        match (
            provider.confidential,
            self.client_secret_of(provider).await?,
        ) {
            (true, None) => Err(Error::config(
                "client secret",
                "this provider is marked as having a client secret, but the keyring has none: enter it again in the provider settings",
            )),
            (_, secret) => Ok(secret),
        }
    }

    /// Forgets a started sign-in (browser, device, or a Cognito challenge by its id); a
    /// loopback listener waiting for it closes its port at once, a device sign-in stops polling.
    pub fn cancel_sign_in(&self, state: &str) -> bool {
        if self.cancel_device_sign_in(state) || self.cancel_challenge(state) {
            return true;
        }
        if let Some(listener) = lock(&self.loopback_cancels).remove(state) {
            listener.notify_one();
        }
        self.oidc.cancel_sign_in(state)
    }

    /// Cancels the sign-ins started with a provider whose settings changed under them.
    pub(super) fn cancel_sign_ins_of(&self, provider_id: &ProviderId) {
        self.drop_challenges_of(provider_id);
        self.cancel_device_sign_ins_of(provider_id);
        for state in self.oidc.cancel_sign_ins_of(provider_id) {
            if let Some(listener) = lock(&self.loopback_cancels).remove(&state) {
                listener.notify_one();
            }
        }
    }

    /// Refuses the tokens of a sign-in whose provider was re-pointed (another issuer,
    /// endpoint, client or redirect) while the browser was away, here or in another process:
    /// kept, they would be refreshed at wherever the provider points now.
    pub(super) async fn ensure_still_bound(&self, started_with: &ProviderConfig) -> Result<()> {
        let current = {
            let mut config = self.config.lock().await;
            self.pick_up_other_writers(&mut config).await?;
            config.provider(&started_with.id).cloned()
        };
        match current {
            Some(now) if SessionBinding::of(&now) == SessionBinding::of(started_with) => Ok(()),
            _ => Err(provider_changed(started_with)),
        }
    }

    /// Finishes a sign-in from its redirect (deep link or loopback). The refresh token is in
    /// the keyring before the account is written to the settings file.
    pub async fn complete_sign_in(&self, callback: &CallbackUrl) -> Result<AccountView> {
        let result = self.oidc.complete_sign_in(callback).await?;
        self.store_sign_in(result).await
    }

    pub(super) async fn store_sign_in(&self, result: SignInResult) -> Result<AccountView> {
        crate::faults::crash_point("sign-in:after-token-response");
        self.ensure_still_bound(&result.provider).await?;
        let claims = result
            .id_token
            .as_ref()
            .map(|t| t.claims.clone())
            .unwrap_or_default();
        let record = self
            .save_user_account(
                &result.provider,
                &claims,
                &result.tokens,
                SignInMethod::Browser,
            )
            .await?;
        let id = match &result.id_token {
            Some(_) => Verification::Verified {
                issuer: result.issuer.clone(),
            },
            None => Verification::NotChecked {
                reason: "no ID token (the openid scope was not requested)".into(),
            },
        };
        let live = LiveSession {
            origin: SessionOrigin::SignIn,
            tokens: result.tokens,
            verdicts: Verdicts {
                id,
                access: result.access_token,
            },
            requested_scopes: result.requested_scopes,
        };
        let view = self.start_session(&record, live).await;
        tracing::info!(account = %record.id, "account signed in");
        Ok(view)
    }

    /// Writes a signed-in user's account. The same provider and subject update the existing
    /// account (same id, label and creation time). The refresh token is in the keyring before
    /// the record is in the settings file.
    pub(super) async fn save_user_account(
        &self,
        started_with: &ProviderConfig,
        claims: &crate::inspect::JsonObject,
        tokens: &TokenSet,
        sign_in: SignInMethod,
    ) -> Result<AccountRecord> {
        let refresh_token = tokens.refresh_token.as_ref();
        let provider_id = &started_with.id;
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        let subject = text("sub");
        let username = text("cognito:username").or_else(|| text("preferred_username"));
        let email = text("email");
        let existing = {
            let config = self.config.lock().await;
            config
                .accounts_of(provider_id)
                .find(|a| subject.is_some() && a.subject == subject)
                .cloned()
        };
        let id = existing
            .as_ref()
            .map_or_else(AccountId::generate, |a| a.id.clone());
        // A sign-in that brought no refresh token (some providers issue one only at first
        // consent) leaves a working stored one alone: it is this same user's. One left from an
        // ended session (dead, or from where the provider pointed before) goes.
        let ended = existing
            .as_ref()
            .is_some_and(|a| matches!(a.status, AccountStatus::SignInAgain { .. }));
        let stores_token = refresh_token.is_some() || ended;
        let refresh_expires_at = match (refresh_token, &existing) {
            (Some(_), _) => tokens.refresh_expires_at.or_else(|| {
                started_with
                    .refresh_token_lifetime()
                    .map(|lifetime| tokens.received_at.saturating_add(lifetime))
            }),
            // The working refresh token kept (see above) keeps its deadline.
            (None, Some(existing)) if !ended => existing.refresh_expires_at,
            (None, _) => None,
        };
        // Held until the account is written: what the keyring held for it is put back if the
        // write fails (a failed save must not cost a working session), and no other process
        // can change or remove the account in between.
        let mut held = match stores_token {
            true => Some(self.lock_account(&id).await?),
            false => None,
        };
        let mut previous_token = None;
        if let Some(held) = held.as_mut() {
            if existing.is_some() {
                previous_token = self.current_refresh_token(held, &id).await?;
            }
            self.store_refresh_token(held, &id, refresh_token).await?;
        }
        crate::faults::crash_point("sign-in:after-refresh-token-saved");
        let record = AccountRecord {
            id,
            provider_id: provider_id.clone(),
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
            refresh_expires_at,
            keep_fresh: existing.as_ref().and_then(|a| a.keep_fresh),
        };
        let saved = record.clone();
        // Checked again in the same write as the account: a provider re-pointed since the
        // check before the code exchange must not get an active account bound to it.
        let written = self
            .update_config(|file| {
                match file.provider(provider_id) {
                    Some(now) if SessionBinding::of(now) == SessionBinding::of(started_with) => {}
                    _ => return Err(provider_changed(started_with)),
                }
                file.removed_accounts.retain(|removed| *removed != saved.id);
                file.upsert_account(saved);
                Ok(())
            })
            .await;
        if let Err(e) = written {
            // A provider re-pointed meanwhile had its accounts' tokens deleted: nothing goes
            // back then. A write that failed (storage, a busy lock) puts the old one back.
            let restore = match &e {
                Error::InvalidConfig { .. } => None,
                _ => previous_token.as_ref(),
            };
            if let Some(held) = held.as_mut() {
                let _ = self.store_refresh_token(held, &record.id, restore).await;
            }
            return Err(e);
        }
        Ok(record)
    }
}

fn provider_changed(started_with: &ProviderConfig) -> Error {
    Error::config(
        "provider",
        format!(
            "the provider \"{}\" was changed or removed while you were signing in, so the tokens of that sign-in were not kept: sign in again",
            started_with.name
        ),
    )
}
