//! Machine accounts: the client-credentials grant of a provider with a client secret, its
//! token kept in memory and in the keyring cache (there is no refresh token to store).

use super::{Deck, LiveSession, SessionOrigin, Verdicts, views::*};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ProviderId};
use crate::inspect::Verification;
use crate::store::{AccountKind, AccountRecord, AccountStatus, SignInMethod};
use crate::token::{ClientAuth, unix_now};

impl Deck {
    /// Runs the client-credentials grant for a provider with a secret and shows the token as
    /// the provider's machine account (kept in memory; nothing to store).
    pub async fn machine_token(&self, provider_id: &ProviderId) -> Result<AccountView> {
        let provider = self.provider(provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = self.client_secret_of(&provider).await?.ok_or(Error::Unsupported {
            what: "a machine token",
            hint: "the client-credentials grant needs the app client's secret: add it in the provider settings",
        })?;
        let auth = ClientAuth::for_provider(&provider, &endpoints, Some(secret))?;
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
                .accounts_of(&provider.id)
                .find(|a| a.kind == AccountKind::Machine)
                .cloned()
        };
        let record = existing.unwrap_or_else(|| AccountRecord {
            id: AccountId::generate(),
            provider_id: provider.id.clone(),
            label: format!("{} (client credentials)", provider.client_id),
            kind: AccountKind::Machine,
            subject: None,
            username: None,
            email: None,
            created_at: unix_now(),
            status: AccountStatus::Active,
            sign_in: SignInMethod::Browser,
            refresh_expires_at: None,
            keep_fresh: None,
        });
        let saved = record.clone();
        self.update_config(|file| {
            if file.account(&saved.id).is_none() {
                file.accounts.push(saved.clone());
            }
            Ok(())
        })
        .await?;
        let live = LiveSession {
            origin: SessionOrigin::SignIn,
            tokens,
            verdicts: Verdicts {
                id: Verification::NotChecked {
                    reason: "machine tokens have no ID token".into(),
                },
                access: verdict,
            },
            requested_scopes: scopes,
        };
        Ok(self.start_session(&record, live).await)
    }
}
