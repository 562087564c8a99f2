//! Refreshing (one at a time per account, across processes) and signing out.

use std::sync::Arc;

use super::refresh_tokens::AccountLock;
use super::session_cache::CacheWrite;
use super::{Deck, LiveSession, SessionOrigin, Verdicts, views::*};
use crate::error::{Error, ErrorCode, Result};
use crate::ids::AccountId;
use crate::inspect::Verification;
use crate::provider::{Endpoints, ProviderConfig};
use crate::secret::RefreshToken;
use crate::store::{AccountKind, AccountRecord, AccountStatus, SignInMethod};
use crate::token::{ClientAuth, TokenSet};
use crate::verify::VerifyFailure;
use crate::wire::WireError;

/// A verified refresh; any rotated refresh token is already stored.
#[derive(Debug)]
pub(super) struct Renewal {
    pub(super) tokens: TokenSet,
    pub(super) verdicts: Verdicts,
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
    pub async fn refresh(&self, account_id: &AccountId) -> Result<AccountView> {
        let gate = self.gate(account_id);
        let seen = gate.generation();
        let _turn = gate.lock.lock().await;
        if gate.generation() == seen {
            let result = self.refresh_now(account_id).await;
            let failure = result.as_ref().err().map(|e| RefreshFailure {
                at: crate::token::unix_now(),
                error: WireError::from(e),
            });
            if result.is_ok() {
                gate.bump();
            }
            // Kept on the account until a refresh succeeds; the view of a success says it is gone.
            self.with_runtime(account_id, |rt| rt.refresh_failure = failure);
            result?;
        }
        let record = self.account(account_id).await?;
        Ok(self.account_view(&record))
    }

    async fn refresh_now(&self, account_id: &AccountId) -> Result<()> {
        let known = self.account(account_id).await?;
        if known.kind == AccountKind::Machine {
            return self.machine_token(&known.provider_id).await.map(|_| ());
        }
        // One refresh at a time per account across processes (app and CLI); the settings and
        // the keyring are read again under the lock, since another process may have rotated
        // the token, ended the session or removed the account.
        let mut held = self.lock_account(account_id).await?;
        let record = self.account_as_on_disk(account_id).await?;
        // Its session ended (dead token, or the provider re-pointed): whatever refresh token
        // may be left must not be sent anywhere. Only a sign-in makes it active again.
        if let AccountStatus::SignInAgain { reason } = &record.status {
            self.with_runtime(account_id, |rt| rt.unsaved_refresh_token = None);
            return Err(Error::InvalidGrant {
                detail: reason.clone(),
            });
        }
        let refresh_token = self.stored_refresh_token_or_end(&mut held, &record).await?;
        let provider = self.provider(&record.provider_id).await?;
        let previous = self.live(account_id);
        let requested_scopes = previous
            .as_ref()
            .map_or_else(|| provider.scopes.clone(), |l| l.requested_scopes.clone());
        let previous_tokens = previous.map(|l| l.tokens);
        let renewed = match record.sign_in {
            SignInMethod::Browser => {
                self.refresh_browser(
                    &mut held,
                    &record,
                    &provider,
                    refresh_token,
                    previous_tokens,
                )
                .await
            }
            SignInMethod::CognitoApi | SignInMethod::CognitoAdmin => {
                let secret = self.client_secret_of(&provider).await?;
                self.refresh_cognito_api(&record, &provider, secret, &refresh_token)
                    .await
            }
        };
        match renewed {
            Ok(renewal) => self.keep_renewal(&record, renewal, requested_scopes).await,
            Err(e) => {
                self.settle_failed_refresh(&mut held, &record, &e).await?;
                Err(e)
            }
        }
    }

    /// The stored refresh token; without one the account must sign in again.
    async fn stored_refresh_token_or_end(
        &self,
        held: &mut AccountLock,
        record: &AccountRecord,
    ) -> Result<RefreshToken> {
        if let Some(refresh_token) = self.current_refresh_token(held, &record.id).await? {
            return Ok(refresh_token);
        }
        let reason = "no refresh token is stored for this account".to_owned();
        self.set_status(
            &record.id,
            AccountStatus::SignInAgain {
                reason: reason.clone(),
            },
        )
        .await?;
        Err(Error::InvalidGrant { detail: reason })
    }

    /// The refresh-token grant, then verification. A rotated refresh token is stored as soon
    /// as the response arrives: the old one is spent, so a verification failure after it (keys
    /// unreachable, say) must not leave the account holding a dead token.
    async fn refresh_browser(
        &self,
        held: &mut AccountLock,
        record: &AccountRecord,
        provider: &ProviderConfig,
        refresh_token: RefreshToken,
        previous: Option<TokenSet>,
    ) -> Result<Renewal> {
        let endpoints = self.endpoints_for(provider).await?;
        let auth =
            ClientAuth::for_provider(provider, &endpoints, self.client_secret_of(provider).await?)?;
        let renewed = self
            .oidc
            .refresh_grant(&endpoints, &auth, &refresh_token, previous.as_ref())
            .await?;
        crate::faults::crash_point("refresh:after-token-response");
        if renewed.rotated
            && let Some(rt) = &renewed.tokens.refresh_token
            && let Err(e) = self.store_refresh_token(held, &record.id, Some(rt)).await
        {
            // The token sent is spent; losing this one would end the session.
            self.keep_unsaved(held, &record.id, rt);
            return Err(e);
        }
        let access = self
            .oidc
            .verify_renewed(
                &endpoints,
                &auth.client_id,
                &renewed,
                record.subject.as_deref(),
            )
            .await?;
        let id = match &renewed.tokens.id_token {
            Some(_) => Verification::Verified {
                issuer: endpoints.issuer.clone(),
            },
            None => Verification::NotChecked {
                reason: "no ID token".into(),
            },
        };
        Ok(Renewal {
            tokens: renewed.tokens,
            verdicts: Verdicts { id, access },
        })
    }

    async fn keep_renewal(
        &self,
        record: &AccountRecord,
        renewal: Renewal,
        requested_scopes: Vec<String>,
    ) -> Result<()> {
        crate::faults::crash_point("refresh:after-refresh-token-saved");
        // A provider that says how long the refresh token lasts (`refresh_expires_in`) moves
        // the deadline; otherwise it stays where the sign-in set it.
        let deadline = renewal
            .tokens
            .refresh_expires_at
            .filter(|d| record.refresh_expires_at != Some(*d));
        self.remember(
            &record.id,
            LiveSession {
                origin: SessionOrigin::Refresh,
                tokens: renewal.tokens,
                verdicts: renewal.verdicts,
                requested_scopes,
            },
            CacheWrite::Background,
        )
        .await;
        if record.status != AccountStatus::Active || deadline.is_some() {
            self.update_config(|file| {
                if let Some(account) = file.account_mut(&record.id) {
                    account.status = AccountStatus::Active;
                    if deadline.is_some() {
                        account.refresh_expires_at = deadline;
                    }
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// What a failed refresh leaves behind: a dead refresh token or a session that changed
    /// hands ends the session; a refused client pauses refreshing; anything else (the network)
    /// changes nothing, so the next try can succeed.
    async fn settle_failed_refresh(
        &self,
        held: &mut AccountLock,
        record: &AccountRecord,
        e: &Error,
    ) -> Result<()> {
        let reason = e.to_string();
        if e.code() == ErrorCode::SignInAgain || is_identity_change(e) {
            self.forget_session(&record.id).await?;
            self.store_refresh_token(held, &record.id, None).await?;
            self.set_status(&record.id, AccountStatus::SignInAgain { reason })
                .await
        } else if e.code() == ErrorCode::InvalidClient {
            self.set_status(&record.id, AccountStatus::RefreshPaused { reason })
                .await
        } else {
            Ok(())
        }
    }

    async fn set_status(&self, account_id: &AccountId, status: AccountStatus) -> Result<()> {
        self.update_config(|file| {
            if let Some(account) = file.account_mut(account_id) {
                account.status = status;
            }
            Ok(())
        })
        .await
    }

    /// Refreshes every active user account concurrently (the time of the slowest, not the sum).
    pub async fn refresh_all(self: &Arc<Self>) -> Vec<RefreshOutcome> {
        let ids: Vec<AccountId> = {
            let config = self.config.lock().await;
            config
                .active_user_accounts()
                .map(|a| a.id.clone())
                .collect()
        };
        self.refresh_these(ids).await
    }

    pub(super) async fn refresh_these(
        self: &Arc<Self>,
        ids: Vec<AccountId>,
    ) -> Vec<RefreshOutcome> {
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
        account_id: &AccountId,
        hosted_logout: bool,
        force: bool,
    ) -> Result<SignOutView> {
        let provider = self
            .provider(&self.account(account_id).await?.provider_id)
            .await?;
        // Under the account lock, so no other process rotates the token we revoke.
        let mut held = self.lock_account(account_id).await?;
        let record = self.account_as_on_disk(account_id).await?;
        // An ended session's token (left by a deletion that failed) may belong to where the
        // provider pointed before: it is deleted, never sent anywhere to be revoked.
        let refresh_token = match record.status {
            AccountStatus::SignInAgain { .. } => None,
            _ => self.current_refresh_token(&mut held, account_id).await?,
        };
        let endpoints = match record.sign_in {
            SignInMethod::CognitoApi | SignInMethod::CognitoAdmin => None,
            SignInMethod::Browser => match self.endpoints_for(&provider).await {
                Ok(e) => Some(e),
                // Revocation is never skipped silently: a provider we cannot reach is an
                // error unless the user chose to remove the account without revoking.
                Err(e) if !force && refresh_token.is_some() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "provider unreachable; removing the account without revoking");
                    None
                }
            },
        };
        let revoked = match &refresh_token {
            Some(rt) => match self
                .revoke(&record, &provider, endpoints.as_deref(), rt)
                .await
            {
                Ok(revoked) => revoked,
                Err(e) if !force => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "revocation failed; removing the account anyway");
                    false
                }
            },
            None => false,
        };
        drop(held);
        let removed = self
            .update_config(|file| Ok(file.remove_accounts(|a| a.id == *account_id)))
            .await?;
        self.finish_removal(&removed).await?;
        let logout_url = match hosted_logout {
            true => hosted_logout_url(&provider, endpoints.as_deref())?,
            false => None,
        };
        Ok(SignOutView {
            revoked,
            logout_url,
        })
    }

    /// Revokes at the provider: through Cognito's API for accounts signed in there, else at
    /// the revocation endpoint (`Ok(false)` when the provider has none).
    async fn revoke(
        &self,
        record: &AccountRecord,
        provider: &ProviderConfig,
        endpoints: Option<&Endpoints>,
        refresh_token: &RefreshToken,
    ) -> Result<bool> {
        match (record.sign_in, endpoints) {
            (SignInMethod::CognitoApi | SignInMethod::CognitoAdmin, _) => {
                self.revoke_cognito_api(provider, refresh_token).await?;
                Ok(true)
            }
            (SignInMethod::Browser, Some(endpoints)) => {
                let auth = ClientAuth::for_provider(
                    provider,
                    endpoints,
                    self.client_secret_of(provider).await?,
                )?;
                self.oidc.revoke(endpoints, &auth, refresh_token).await?;
                Ok(true)
            }
            (SignInMethod::Browser, None) => Ok(false),
        }
    }
}

/// The provider's logout page (Cognito's `/logout`), returning to this provider's redirect URI.
fn hosted_logout_url(
    provider: &ProviderConfig,
    endpoints: Option<&Endpoints>,
) -> Result<Option<String>> {
    let Some(mut url) = endpoints.and_then(|e| e.logout.clone()) else {
        return Ok(None);
    };
    let redirect = provider.redirect()?.url().to_string();
    url.query_pairs_mut()
        .append_pair("client_id", &provider.client_id)
        .append_pair("logout_uri", &redirect);
    Ok(Some(url.to_string()))
}
