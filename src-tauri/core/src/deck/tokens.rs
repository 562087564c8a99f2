//! Tokens of signed-in accounts: sessions restored from the keyring cache, the detail view,
//! the token for scripts, and copying.

use std::sync::Arc;

use super::{Deck, LiveSession, SessionOrigin, lock, views::*};
use crate::error::{Error, Result};
use crate::inspect::TokenView;
use crate::secret::{AccessToken, IdToken};
use crate::store::{AccountRecord, AccountStatus};
use crate::token::{TokenSet, unix_now};

/// Which token `Deck::token` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenChoice {
    Access,
    Id,
}

impl Deck {
    /// The session from memory, else from the keyring cache (re-verified before use).
    pub(super) async fn live_session(&self, record: &AccountRecord) -> Option<LiveSession> {
        if let Some(live) = lock(&self.sessions).get(&record.id).cloned() {
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
        };
        let (id_verification, access_verification) = self.verify_cached(record, &tokens).await;
        let provider_scopes = self
            .provider(&record.provider_id)
            .await
            .map(|p| p.scopes)
            .unwrap_or_default();
        let live = LiveSession {
            origin: SessionOrigin::Restored,
            tokens,
            id_verification,
            access_verification,
            requested_scopes: provider_scopes,
        };
        lock(&self.sessions).insert(record.id.clone(), live.clone());
        Some(live)
    }

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

    /// A token for scripts: the cached one while it has at least `min_ttl` seconds left,
    /// otherwise a refreshed one (the rotated refresh token is saved before returning).
    pub async fn token(
        &self,
        account_id: &str,
        choice: TokenChoice,
        min_ttl: u64,
    ) -> Result<(String, Option<u64>)> {
        let record = self.account(account_id).await?;
        let now = unix_now();
        let fresh =
            |expires_at: Option<u64>| expires_at.is_some_and(|e| e >= now.saturating_add(min_ttl));
        // Warm path (scripts call this often): the keyring cache alone, one read. Its tokens
        // were verified when they were stored.
        let in_memory = lock(&self.sessions)
            .get(account_id)
            .map(|l| l.tokens.clone());
        let cached = match in_memory {
            Some(tokens) => Some((
                tokens.access_token.expose_secret().to_owned(),
                tokens.id_token.map(|t| t.expose_secret().to_owned()),
                tokens.expires_at,
            )),
            None => self
                .vault
                .session(&record.id)
                .await?
                .map(|c| (c.access_token, c.id_token, c.expires_at)),
        };
        if let Some((access, id, expires_at)) = cached
            && fresh(expires_at)
        {
            match (choice, id) {
                (TokenChoice::Access, _) => return Ok((access, expires_at)),
                (TokenChoice::Id, Some(id)) => return Ok((id, expires_at)),
                (TokenChoice::Id, None) => {}
            }
        }
        self.refresh(account_id).await?;
        let live = lock(&self.sessions)
            .get(account_id)
            .cloned()
            .ok_or(Error::InvalidGrant {
                detail: "the refresh returned no session".into(),
            })?;
        let token = match choice {
            TokenChoice::Access => live.tokens.access_token.expose_secret().to_owned(),
            TokenChoice::Id => live
                .tokens
                .id_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned())
                .ok_or(Error::Unsupported {
                    what: "the ID token",
                    hint: "this session has no ID token (request the openid scope)",
                })?,
        };
        Ok((token, live.tokens.expires_at))
    }

    pub async fn account_detail(&self, account_id: &str) -> Result<AccountDetail> {
        let record = self.account(account_id).await?;
        let live = self.live_session(&record).await;
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
        let live = self.live_session(&record).await.ok_or(Error::Unsupported {
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
                crate::shell::curl_line(access, &target)?
            }
        };
        Ok(AccessToken::new(text))
    }
}
