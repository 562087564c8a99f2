//! Tokens of signed-in accounts: the detail view, the token for scripts, and copying.

use super::{Deck, views::*};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::inspect::TokenView;
use crate::secret::AccessToken;
use crate::token::unix_now;

/// Which token `Deck::token` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenChoice {
    Access,
    Id,
}

/// A token for a script, and when it expires (Unix seconds, when known).
pub struct ScriptToken {
    pub token: String,
    pub expires_at: Option<u64>,
}

impl std::fmt::Debug for ScriptToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Deck {
    /// A token for scripts: the cached one while it has at least `min_ttl` seconds left,
    /// otherwise a refreshed one (the rotated refresh token is saved before returning).
    pub async fn token(
        &self,
        account_id: &AccountId,
        choice: TokenChoice,
        min_ttl: u64,
    ) -> Result<ScriptToken> {
        let record = self.account(account_id).await?;
        let now = unix_now();
        let fresh =
            |expires_at: Option<u64>| expires_at.is_some_and(|e| e >= now.saturating_add(min_ttl));
        // Warm path (scripts call this often): the keyring cache alone, one read. Its tokens
        // were verified when they were stored.
        let in_memory = self.live(account_id).map(|l| l.tokens);
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
                (TokenChoice::Access, _) => {
                    return Ok(ScriptToken {
                        token: access,
                        expires_at,
                    });
                }
                (TokenChoice::Id, Some(id)) => {
                    return Ok(ScriptToken {
                        token: id,
                        expires_at,
                    });
                }
                (TokenChoice::Id, None) => {}
            }
        }
        self.refresh(account_id).await?;
        let live = self.live(account_id).ok_or(Error::InvalidGrant {
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
        Ok(ScriptToken {
            token,
            expires_at: live.tokens.expires_at,
        })
    }

    pub async fn account_detail(&self, account_id: &AccountId) -> Result<AccountDetail> {
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
            .and_then(|t| TokenView::decode(t, live.verdicts.id.clone(), None).ok());
        let access_raw = live.tokens.access_token.expose_secret().to_owned();
        let access_token = TokenView::decode(
            &access_raw,
            live.verdicts.access.clone(),
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
    pub async fn copy_text(&self, account_id: &AccountId, kind: CopyKind) -> Result<AccessToken> {
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
