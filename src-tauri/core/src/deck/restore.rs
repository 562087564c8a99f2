//! Sessions brought back after a restart (or in another process, the CLI): the keyring cache
//! of each account's access and ID tokens, re-verified before use, and refreshed when stale.

use std::sync::Arc;

use super::{Deck, LiveSession, SessionOrigin, Verdicts, views::*};
use crate::error::Error;
use crate::inspect::Verification;
use crate::provider::ProviderConfig;
use crate::secret::{AccessToken, IdToken};
use crate::store::{AccountRecord, AccountStatus, SignInMethod};
use crate::token::{TokenSet, unix_now};
use crate::verify::TokenUse;

impl Deck {
    /// After a restart: sessions come back from the keyring cache when still valid, and are
    /// refreshed (concurrently) otherwise.
    pub async fn restore_sessions(self: &Arc<Self>) -> Vec<RefreshOutcome> {
        if let Err(e) = self.sweep_orphans().await {
            tracing::warn!(error = %e, "could not delete the keyring entries of removed accounts");
        }
        let records: Vec<AccountRecord> = {
            let config = self.config.lock().await;
            config
                .accounts
                .iter()
                .filter(|a| a.status == AccountStatus::Active)
                .cloned()
                .collect()
        };
        let mut stale = Vec::new();
        for record in records {
            let fresh = self
                .live_session(&record)
                .await
                .is_some_and(|l| l.tokens.expires_at.is_some_and(|e| e > unix_now() + 60));
            if !fresh {
                stale.push(record.id);
            }
        }
        self.refresh_these(stale).await
    }

    /// The session from memory, else from the keyring cache (re-verified before use).
    pub(super) async fn live_session(&self, record: &AccountRecord) -> Option<LiveSession> {
        if let Some(live) = self.live(&record.id) {
            return Some(live);
        }
        let cached = self.vault.session(&record.id).await.ok().flatten()?;
        let refresh_token = self.vault.refresh_token(&record.id).await.ok().flatten();
        let tokens = TokenSet {
            access_token: AccessToken::new(cached.access_token),
            id_token: cached.id_token.map(IdToken::new),
            refresh_token,
            expires_at: cached.expires_at,
            scope: cached.scope,
            received_at: cached.received_at,
            refresh_expires_at: None,
        };
        let verdicts = self.verify_cached(record, &tokens).await;
        let provider_scopes = self
            .provider(&record.provider_id)
            .await
            .map(|p| p.scopes)
            .unwrap_or_default();
        let live = LiveSession {
            origin: SessionOrigin::Restored,
            tokens,
            verdicts,
            requested_scopes: provider_scopes,
        };
        self.with_runtime(&record.id, |rt| rt.session = Some(live.clone()));
        Some(live)
    }

    /// Verifies tokens restored from the keyring cache; a failure is shown, not hidden.
    async fn verify_cached(&self, record: &AccountRecord, tokens: &TokenSet) -> Verdicts {
        let provider = match self.provider(&record.provider_id).await {
            Ok(provider) => provider,
            Err(e) => {
                return Verdicts {
                    id: Verification::Failed {
                        reason: e.to_string(),
                        failure: None,
                    },
                    access: Verification::NotChecked {
                        reason: String::new(),
                    },
                };
            }
        };
        match record.sign_in {
            SignInMethod::CognitoApi | SignInMethod::CognitoAdmin => match self
                .verify_api_tokens(&provider, tokens, record.subject.as_deref())
                .await
            {
                Ok(verdicts) => verdicts,
                Err(e) => Verdicts {
                    id: Verification::of::<()>(&Err(e), ""),
                    access: Verification::NotChecked {
                        reason: "restored from the keyring".into(),
                    },
                },
            },
            SignInMethod::Browser => self.verify_cached_browser(&provider, tokens).await,
        }
    }

    async fn verify_cached_browser(
        &self,
        provider: &ProviderConfig,
        tokens: &TokenSet,
    ) -> Verdicts {
        let endpoints = match self.endpoints_for(provider).await {
            Ok(e) => e,
            Err(e) => {
                let unreachable = Verification::Unverifiable {
                    reason: e.to_string(),
                };
                return Verdicts {
                    id: unreachable.clone(),
                    access: unreachable,
                };
            }
        };
        let now = unix_now();
        let id = match &tokens.id_token {
            Some(t) => {
                let outcome = self
                    .oidc
                    .verify(
                        &endpoints,
                        &provider.client_id,
                        t.expose_secret(),
                        TokenUse::Id,
                        None,
                        now,
                    )
                    .await;
                Verification::of(&outcome, &endpoints.issuer)
            }
            None => Verification::NotChecked {
                reason: "no ID token".into(),
            },
        };
        let access = self
            .oidc
            .check_access_token(&endpoints, &provider.client_id, &tokens.access_token, now)
            .await
            .unwrap_or_else(|e: Error| Verification::of::<()>(&Err(e), &endpoints.issuer));
        Verdicts { id, access }
    }
}
