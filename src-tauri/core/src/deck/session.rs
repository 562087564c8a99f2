//! Living with a signed-in account: refresh (one at a time per account), restore after a
//! restart, the detail view, copying, and signing out.

use std::sync::Arc;

use super::{Deck, LiveSession, lock, views::*};
use crate::error::{Error, ErrorCode, Result};
use crate::inspect::{TokenView, Verification};
use crate::secret::AccessToken;
use crate::store::{AccountKind, AccountStatus};
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
        let provider = self.provider(&record.provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = match provider.confidential {
            true => self.vault.client_secret(&provider.id).await?,
            false => None,
        };
        let auth = ClientAuth {
            client_id: provider.client_id.clone(),
            secret,
        };
        let live = lock(&self.sessions).get(account_id).cloned();
        let (current, requested_scopes) = match live {
            Some(live) => (live.tokens, live.requested_scopes),
            None => {
                let Some(refresh_token) = self.vault.refresh_token(account_id).await? else {
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
                let restored = TokenSet {
                    access_token: AccessToken::new(""),
                    id_token: None,
                    refresh_token: Some(refresh_token),
                    expires_at: None,
                    scope: None,
                    received_at: 0,
                };
                (restored, provider.scopes.clone())
            }
        };

        match self
            .oidc
            .refresh(&endpoints, &auth, &current, record.subject.as_deref())
            .await
        {
            Ok(refreshed) => {
                if refreshed.rotated
                    && let Some(rt) = &refreshed.tokens.refresh_token
                {
                    self.vault.set_refresh_token(account_id, rt).await?;
                }
                let id_verification = match &refreshed.tokens.id_token {
                    Some(_) => Verification::Verified {
                        issuer: endpoints.issuer.clone(),
                    },
                    None => Verification::NotChecked {
                        reason: "no ID token".into(),
                    },
                };
                lock(&self.sessions).insert(
                    account_id.to_owned(),
                    LiveSession {
                        tokens: refreshed.tokens,
                        id_verification,
                        access_verification: refreshed.access_token,
                        requested_scopes,
                    },
                );
                if record.status != AccountStatus::Active {
                    self.set_status(account_id, AccountStatus::Active).await?;
                }
                let record = self.account(account_id).await?;
                Ok(self.account_view(&record))
            }
            Err(e) => {
                match e.code() {
                    ErrorCode::SignInAgain => {
                        lock(&self.sessions).remove(account_id);
                        self.vault.delete_refresh_token(account_id).await?;
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

    /// After a restart: bring active accounts back from their keyring refresh tokens.
    pub async fn restore_sessions(self: &Arc<Self>) -> Vec<RefreshOutcome> {
        self.refresh_all().await
    }

    pub async fn account_detail(&self, account_id: &str) -> Result<AccountDetail> {
        let record = self.account(account_id).await?;
        let live = lock(&self.sessions).get(account_id).cloned();
        let account = self.account_view(&record);
        let Some(live) = live else {
            return Ok(AccountDetail {
                account,
                id_token: None,
                access_token: None,
                raw_id_token: None,
                raw_access_token: None,
            });
        };
        let id_raw = live
            .tokens
            .id_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned());
        let id_token = id_raw
            .as_deref()
            .and_then(|t| TokenView::decode(t, live.id_verification.clone(), None).ok());
        let access_raw = live.tokens.access_token.expose_secret().to_owned();
        let access_token = TokenView::decode(
            &access_raw,
            live.access_verification.clone(),
            live.tokens.scope.as_deref(),
        )
        .ok();
        Ok(AccountDetail {
            account,
            id_token,
            access_token,
            raw_id_token: id_raw,
            raw_access_token: Some(access_raw),
        })
    }

    /// The text to put on the clipboard. Built here so refresh tokens never reach the UI.
    pub async fn copy_text(&self, account_id: &str, kind: CopyKind) -> Result<AccessToken> {
        let record = self.account(account_id).await?;
        let live = lock(&self.sessions)
            .get(account_id)
            .cloned()
            .ok_or(Error::Unsupported {
                what: "copying",
                hint: "this account has no live session: refresh it or sign in again",
            })?;
        let access = live.tokens.access_token.expose_secret();
        let text = match kind {
            CopyKind::AccessToken => access.to_owned(),
            CopyKind::AuthorizationHeader => format!("Authorization: Bearer {access}"),
            CopyKind::IdToken => live
                .tokens
                .id_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned())
                .ok_or(Error::Unsupported {
                    what: "copying the ID token",
                    hint: "this session has no ID token",
                })?,
            CopyKind::Curl => {
                let provider = self.provider(&record.provider_id).await?;
                let endpoints = self.endpoints_for(&provider).await?;
                let target = endpoints.userinfo.as_ref().map_or_else(
                    || "https://api.example.com/".to_owned(),
                    ToString::to_string,
                );
                format!("curl -H 'Authorization: Bearer {access}' '{target}'")
            }
        };
        Ok(AccessToken::new(text))
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
        let endpoints = self.endpoints_for(&provider).await.ok();
        let live_token = lock(&self.sessions)
            .get(account_id)
            .and_then(|s| s.tokens.refresh_token.clone());
        let refresh_token = match live_token {
            Some(rt) => Some(rt),
            None => self.vault.refresh_token(account_id).await?,
        };
        let mut revoked = false;
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
        self.vault.delete_refresh_token(account_id).await?;
        self.update_config(|file| {
            file.accounts.retain(|a| a.id != account_id);
            Ok(())
        })
        .await?;
        lock(&self.sessions).remove(account_id);
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
