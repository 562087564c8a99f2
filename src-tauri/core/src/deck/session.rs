//! Refreshing (one at a time per account, across processes) and signing out.

use std::sync::Arc;

use super::refresh_tokens::AccountLock;
use super::session_cache::CacheWrite;
use super::{Deck, LiveSession, SessionOrigin, lock, views::*};
use crate::error::{Error, ErrorCode, Result};
use crate::inspect::Verification;
use crate::provider::ProviderConfig;
use crate::secret::{ClientSecret, RefreshToken};
use crate::store::{AccountKind, AccountRecord, AccountStatus, SignInMethod};
use crate::token::{ClientAuth, TokenSet};
use crate::verify::VerifyFailure;
use crate::wire::WireError;

/// A verified refresh; any rotated refresh token is already stored.
#[derive(Debug)]
pub(super) struct Renewal {
    pub(super) tokens: TokenSet,
    pub(super) id_verification: Verification,
    pub(super) access_verification: Verification,
}

/// A refreshed ID token about another user, from another issuer or for another client (OIDC
/// Core §12.2): the session no longer belongs to this account.
fn is_identity_change(e: &Error) -> bool {
    matches!(
        e,
        Error::TokenRejected {
            token: "ID token",
            failure: VerifyFailure::SubjectChanged
                | VerifyFailure::IssuerMismatch { .. }
                | VerifyFailure::AudienceMismatch { .. }
                | VerifyFailure::AzpMismatch { .. },
        }
    )
}

impl Deck {
    /// Refreshes one account. Concurrent calls for the same account share one request: those
    /// that waited behind a refresh get its result. A rotated refresh token is in the keyring
    /// before this returns.
    pub async fn refresh(&self, account_id: &str) -> Result<AccountView> {
        let gate = self.gate(account_id);
        let seen = gate.generation();
        let _turn = gate.lock.lock().await;
        if gate.generation() != seen {
            let record = self.account(account_id).await?;
            return Ok(self.account_view(&record));
        }
        let result = self.refresh_now(account_id).await;
        match &result {
            Ok(_) => {
                gate.bump();
                lock(&self.refresh_failures).remove(account_id);
            }
            Err(e) => {
                let failure = RefreshFailure {
                    at: crate::token::unix_now(),
                    error: WireError::from(e),
                };
                lock(&self.refresh_failures).insert(account_id.to_owned(), failure);
            }
        }
        // The view of a success says the failure is gone.
        match result {
            Ok(_) => {
                let record = self.account(account_id).await?;
                Ok(self.account_view(&record))
            }
            Err(e) => Err(e),
        }
    }

    async fn refresh_now(&self, account_id: &str) -> Result<AccountView> {
        let record = self.account(account_id).await?;
        if record.kind == AccountKind::Machine {
            return self.machine_token(&record.provider_id).await;
        }
        // One refresh at a time per account across processes (app and CLI); the keyring is
        // read again under the lock, since another process may have rotated the token.
        let mut held = self.lock_account(account_id).await?;
        let Some(refresh_token) = self.current_refresh_token(&mut held, account_id).await? else {
            let reason = "no refresh token is stored for this account".to_owned();
            self.set_status(
                account_id,
                AccountStatus::SignInAgain {
                    reason: reason.clone(),
                },
            )
            .await?;
            return Err(Error::InvalidGrant { detail: reason });
        };
        let provider = self.provider(&record.provider_id).await?;
        let secret = self.client_secret_of(&provider).await?;
        let previous = lock(&self.sessions).get(account_id).cloned();
        let requested_scopes = previous
            .as_ref()
            .map_or_else(|| provider.scopes.clone(), |l| l.requested_scopes.clone());
        let outcome = match record.sign_in {
            SignInMethod::Browser => {
                let previous = previous.map(|l| l.tokens);
                self.refresh_browser(
                    &mut held,
                    &record,
                    &provider,
                    secret,
                    refresh_token,
                    previous,
                )
                .await
            }
            SignInMethod::CognitoApi => {
                self.refresh_cognito_api(&record, &provider, secret, &refresh_token)
                    .await
            }
        };
        match outcome {
            Ok(renewal) => {
                crate::faults::crash_point("refresh:after-refresh-token-saved");
                self.remember(
                    account_id,
                    LiveSession {
                        origin: SessionOrigin::Refresh,
                        tokens: renewal.tokens,
                        id_verification: renewal.id_verification,
                        access_verification: renewal.access_verification,
                        requested_scopes,
                    },
                    CacheWrite::Background,
                )
                .await;
                if record.status != AccountStatus::Active {
                    self.set_status(account_id, AccountStatus::Active).await?;
                }
                let record = self.account(account_id).await?;
                Ok(self.account_view(&record))
            }
            Err(e) => {
                if e.code() == ErrorCode::SignInAgain || is_identity_change(&e) {
                    self.forget_session(account_id).await?;
                    self.store_refresh_token(&mut held, account_id, None)
                        .await?;
                    self.set_status(
                        account_id,
                        AccountStatus::SignInAgain {
                            reason: e.to_string(),
                        },
                    )
                    .await?;
                } else if e.code() == ErrorCode::InvalidClient {
                    self.set_status(
                        account_id,
                        AccountStatus::RefreshPaused {
                            reason: e.to_string(),
                        },
                    )
                    .await?;
                }
                Err(e)
            }
        }
    }

    /// The refresh-token grant, then verification. A rotated refresh token is stored as soon
    /// as the response arrives: the old one is spent, so a verification failure after it (keys
    /// unreachable, say) must not leave the account holding a dead token.
    async fn refresh_browser(
        &self,
        held: &mut AccountLock,
        record: &AccountRecord,
        provider: &ProviderConfig,
        secret: Option<ClientSecret>,
        refresh_token: RefreshToken,
        previous: Option<TokenSet>,
    ) -> Result<Renewal> {
        let endpoints = self.endpoints_for(provider).await?;
        let auth = ClientAuth {
            client_id: provider.client_id.clone(),
            secret,
        };
        let renewed = self
            .oidc
            .refresh_grant(&endpoints, &auth, &refresh_token, previous.as_ref())
            .await?;
        crate::faults::crash_point("refresh:after-token-response");
        if renewed.rotated
            && let Some(rt) = &renewed.tokens.refresh_token
        {
            self.store_refresh_token(held, &record.id, Some(rt)).await?;
        }
        let access_verification = self
            .oidc
            .verify_renewed(
                &endpoints,
                &auth.client_id,
                &renewed,
                record.subject.as_deref(),
            )
            .await?;
        let id_verification = match &renewed.tokens.id_token {
            Some(_) => Verification::Verified {
                issuer: endpoints.issuer.clone(),
            },
            None => Verification::NotChecked {
                reason: "no ID token".into(),
            },
        };
        Ok(Renewal {
            tokens: renewed.tokens,
            id_verification,
            access_verification,
        })
    }

    async fn set_status(&self, account_id: &str, status: AccountStatus) -> Result<()> {
        self.update_config(|file| {
            if let Some(a) = file.accounts.iter_mut().find(|a| a.id == account_id) {
                a.status = status;
            }
            Ok(())
        })
        .await
    }

    /// Refreshes every active user account concurrently (the time of the slowest, not the sum).
    pub async fn refresh_all(self: &Arc<Self>) -> Vec<RefreshOutcome> {
        let ids: Vec<String> = {
            let config = self.config.lock().await;
            config
                .accounts
                .iter()
                .filter(|a| a.kind == AccountKind::User && a.status == AccountStatus::Active)
                .map(|a| a.id.clone())
                .collect()
        };
        self.refresh_these(ids).await
    }

    pub(super) async fn refresh_these(self: &Arc<Self>, ids: Vec<String>) -> Vec<RefreshOutcome> {
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let deck = self.clone();
            tasks.spawn(async move {
                let error = deck.refresh(&id).await.err().map(WireError::from);
                RefreshOutcome {
                    account_id: id,
                    error,
                }
            });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok(outcome) = joined {
                outcomes.push(outcome);
            }
        }
        outcomes
    }

    /// Signs out: revokes the refresh token at the provider, deletes it from the keyring and
    /// removes the account. If revocation fails the account is kept unless `force` is set.
    pub async fn sign_out(
        &self,
        account_id: &str,
        hosted_logout: bool,
        force: bool,
    ) -> Result<SignOutView> {
        let record = self.account(account_id).await?;
        let provider = self.provider(&record.provider_id).await?;
        // Under the account lock, so no other process rotates the token we revoke.
        let mut held = self.lock_account(account_id).await?;
        let refresh_token = self.current_refresh_token(&mut held, account_id).await?;
        // Revocation is never skipped silently: a provider we cannot reach is an error unless
        // the user chose to remove the account without revoking.
        let endpoints = match (record.sign_in, &refresh_token) {
            (SignInMethod::CognitoApi, _) => None,
            (SignInMethod::Browser, _) => match self.endpoints_for(&provider).await {
                Ok(e) => Some(e),
                Err(e) if !force && refresh_token.is_some() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "provider unreachable; removing the account without revoking");
                    None
                }
            },
        };
        let mut revoked = false;
        if let (Some(rt), SignInMethod::CognitoApi) = (&refresh_token, record.sign_in) {
            match self.revoke_cognito_api(&provider, rt).await {
                Ok(()) => revoked = true,
                Err(e) if !force => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "revocation failed; removing the account anyway")
                }
            }
        }
        if let (Some(rt), Some(endpoints)) = (&refresh_token, &endpoints) {
            let secret = self.client_secret_of(&provider).await?;
            let auth = ClientAuth {
                client_id: provider.client_id.clone(),
                secret,
            };
            match self.oidc.revoke(endpoints, &auth, rt).await {
                Ok(()) => revoked = true,
                Err(e) if !force => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "revocation failed; removing the account anyway")
                }
            }
        }
        self.store_refresh_token(&mut held, account_id, None)
            .await?;
        drop(held);
        self.forget_session(account_id).await?;
        self.update_config(|file| {
            file.accounts.retain(|a| a.id != account_id);
            Ok(())
        })
        .await?;
        let logout_url = match (
            hosted_logout,
            endpoints.as_ref().and_then(|e| e.logout.clone()),
        ) {
            (true, Some(mut url)) => {
                let redirect = provider.redirect()?.url().to_string();
                url.query_pairs_mut()
                    .append_pair("client_id", &provider.client_id)
                    .append_pair("logout_uri", &redirect);
                Some(url.to_string())
            }
            _ => None,
        };
        Ok(SignOutView {
            revoked,
            logout_url,
        })
    }
}
