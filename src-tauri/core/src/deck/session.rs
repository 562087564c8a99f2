//! Refreshing (one at a time per account, across processes) and signing out.

use std::sync::Arc;

use super::session_cache::CacheWrite;
use super::{Deck, LiveSession, lock, views::*};
use crate::error::{Error, ErrorCode, Result};
use crate::inspect::Verification;
use crate::secret::AccessToken;
use crate::store::{AccountKind, AccountStatus, SignInMethod};
use crate::token::{ClientAuth, TokenSet};
use crate::wire::WireError;

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
        if result.is_ok() {
            gate.bump();
        }
        result
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
        let secret = match provider.confidential {
            true => self.vault.client_secret(&provider.id).await?,
            false => None,
        };
        let previous = lock(&self.sessions).get(account_id).cloned();
        let requested_scopes = previous
            .as_ref()
            .map_or_else(|| provider.scopes.clone(), |l| l.requested_scopes.clone());
        let outcome = match record.sign_in {
            SignInMethod::Browser => {
                self.refresh_browser(
                    &provider,
                    secret,
                    refresh_token,
                    previous,
                    record.subject.as_deref(),
                )
                .await
            }
            SignInMethod::CognitoApi => {
                self.refresh_cognito_api(&record, &provider, secret, &refresh_token)
                    .await
            }
        };
        match outcome {
            Ok((tokens, rotated, id_verification, access_verification)) => {
                crate::faults::crash_point("refresh:after-token-response");
                if rotated && let Some(rt) = &tokens.refresh_token {
                    self.store_refresh_token(&mut held, account_id, Some(rt))
                        .await?;
                }
                crate::faults::crash_point("refresh:after-refresh-token-saved");
                self.remember(
                    account_id,
                    LiveSession {
                        tokens,
                        id_verification,
                        access_verification,
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
                match e.code() {
                    ErrorCode::SignInAgain => {
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
                    }
                    ErrorCode::InvalidClient => {
                        self.set_status(
                            account_id,
                            AccountStatus::RefreshPaused {
                                reason: e.to_string(),
                            },
                        )
                        .await?;
                    }
                    _ => {}
                }
                Err(e)
            }
        }
    }

    async fn refresh_browser(
        &self,
        provider: &crate::provider::ProviderConfig,
        secret: Option<crate::secret::ClientSecret>,
        refresh_token: crate::secret::RefreshToken,
        previous: Option<LiveSession>,
        subject: Option<&str>,
    ) -> Result<(TokenSet, bool, Verification, Verification)> {
        let endpoints = self.endpoints_for(provider).await?;
        let auth = ClientAuth {
            client_id: provider.client_id.clone(),
            secret,
        };
        let mut current = previous.map(|l| l.tokens).unwrap_or(TokenSet {
            access_token: AccessToken::new(""),
            id_token: None,
            refresh_token: None,
            expires_at: None,
            scope: None,
            received_at: 0,
        });
        current.refresh_token = Some(refresh_token);
        let refreshed = self
            .oidc
            .refresh(&endpoints, &auth, &current, subject)
            .await?;
        let id_verification = match &refreshed.tokens.id_token {
            Some(_) => Verification::Verified {
                issuer: endpoints.issuer.clone(),
            },
            None => Verification::NotChecked {
                reason: "no ID token".into(),
            },
        };
        Ok((
            refreshed.tokens,
            refreshed.rotated,
            id_verification,
            refreshed.access_token,
        ))
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
        let endpoints = match record.sign_in {
            SignInMethod::Browser => self.endpoints_for(&provider).await.ok(),
            SignInMethod::CognitoApi => None,
        };
        // Under the account lock, so no other process rotates the token we revoke.
        let mut held = self.lock_account(account_id).await?;
        let refresh_token = self.current_refresh_token(&mut held, account_id).await?;
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
            let secret = match provider.confidential {
                true => self.vault.client_secret(&provider.id).await?,
                false => None,
            };
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
