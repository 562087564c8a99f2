//! Tokens of signed-in accounts: the detail view, the token for scripts, and copying.

use super::{Deck, views::*};
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::inspect::TokenView;
use crate::secret::{AccessToken, IdToken};
use crate::store::{AccountRecord, AccountStatus};
use crate::token::{TokenSet, unix_now};

/// A copy hands out tokens that last at least this long, refreshing first otherwise: time to
/// paste one and send a request.
const COPY_MIN_TTL: u64 = 15;

/// Which token `Deck::token` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenChoice {
    Access,
    Id,
}

/// A session's tokens for scripts and other tools (no refresh token).
#[derive(Debug, Clone)]
pub struct SessionTokens {
    pub access_token: AccessToken,
    pub id_token: Option<IdToken>,
    /// When the access token expires (Unix seconds), when known.
    pub expires_at: Option<u64>,
}

impl SessionTokens {
    /// The ID token's `exp` (its own lifetime can differ from the access token's).
    pub fn id_expires_at(&self) -> Option<u64> {
        let id = self.id_token.as_ref()?;
        let (_, claims) = crate::inspect::decode_unverified(id.expose_secret()).ok()?;
        claims.get("exp").and_then(serde_json::Value::as_u64)
    }
}

impl From<TokenSet> for SessionTokens {
    fn from(tokens: TokenSet) -> Self {
        Self {
            access_token: tokens.access_token,
            id_token: tokens.id_token,
            expires_at: tokens.expires_at,
        }
    }
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
        let needs_id = choice == TokenChoice::Id;
        let tokens = self.session_tokens(account_id, min_ttl, needs_id).await?;
        let token = match choice {
            TokenChoice::Access => tokens.access_token.expose_secret().to_owned(),
            TokenChoice::Id => tokens
                .id_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned())
                .ok_or(Error::Unsupported {
                    what: "the ID token",
                    hint: "this session has no ID token (request the openid scope)",
                })?,
        };
        let expires_at = match choice {
            TokenChoice::Access => tokens.expires_at,
            TokenChoice::Id => tokens.id_expires_at(),
        };
        Ok(ScriptToken { token, expires_at })
    }

    /// The session's access and ID tokens, valid for at least `min_ttl` more seconds (the ID
    /// token too when `needs_id`): from memory or the keyring cache (one read, no network)
    /// while they are, else refreshed first.
    pub async fn session_tokens(
        &self,
        account_id: &AccountId,
        min_ttl: u64,
        needs_id: bool,
    ) -> Result<SessionTokens> {
        let record = self.account_as_on_disk(account_id).await?;
        ensure_not_ended(&record)?;
        // Warm path (scripts call this often). Cached tokens were verified when stored.
        // Tokens held in memory are served only while no process has changed the account
        // since they were obtained (every sign-in, refresh and end restamps its lock file):
        // else another process may have ended this session, or started another one.
        let stamp = self.store.account_stamp(account_id);
        let held = self.with_runtime(account_id, |rt| {
            let unchanged = |seen: &str| !stamp.is_empty() && seen == stamp;
            match (&rt.session, &rt.keyring_tokens) {
                (Some(live), _) if rt.stamp.as_deref().is_some_and(unchanged) => {
                    Some(SessionTokens::from(live.tokens.clone()))
                }
                // Read after `session` was kept (keeping one clears these), so not older.
                (_, Some((seen, tokens))) if unchanged(seen) => Some(tokens.clone()),
                _ => None,
            }
        });
        let warm = match held {
            Some(tokens) => Some(tokens),
            None => {
                let read = self
                    .vault
                    .session(&record.id)
                    .await?
                    .map(|cached| SessionTokens {
                        access_token: AccessToken::new(cached.access_token),
                        id_token: cached.id_token.map(IdToken::new),
                        expires_at: cached.expires_at,
                    });
                self.with_runtime(account_id, |rt| {
                    rt.keyring_tokens = read.clone().map(|tokens| (stamp.clone(), tokens));
                });
                read
            }
        };
        let deadline = unix_now().saturating_add(min_ttl);
        let lasts = |tokens: &SessionTokens| {
            tokens.expires_at.is_some_and(|e| e >= deadline)
                && (!needs_id || tokens.id_expires_at().is_some_and(|e| e >= deadline))
        };
        if let Some(tokens) = warm.filter(lasts) {
            return Ok(tokens);
        }
        self.refresh(account_id).await?;
        let live = self.live(account_id).ok_or(Error::InvalidGrant {
            detail: "the refresh returned no session".into(),
        })?;
        Ok(SessionTokens::from(live.tokens))
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
        let record = self.account_as_on_disk(account_id).await?;
        ensure_not_ended(&record)?;
        let tokens = self
            .tokens_to_copy(&record, kind == CopyKind::IdToken)
            .await?;
        let access = tokens.access_token.expose_secret();
        let text = match kind {
            CopyKind::AccessToken => access.to_owned(),
            CopyKind::AuthorizationHeader => format!("Authorization: Bearer {access}"),
            CopyKind::IdToken => tokens
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

    /// The tokens a copy hands out: refreshed first when about to expire (just after a sleep,
    /// or while background refresh is off or backing off). Offline, a token that still works
    /// is handed out rather than none; the account's page shows how long it lasts.
    async fn tokens_to_copy(
        &self,
        record: &AccountRecord,
        needs_id: bool,
    ) -> Result<SessionTokens> {
        let Some(live) = self.live_session(record).await else {
            return self
                .session_tokens(&record.id, COPY_MIN_TTL, needs_id)
                .await;
        };
        let held = SessionTokens::from(live.tokens);
        // An unknown expiry counts as lasting: it would otherwise refresh at every copy.
        let lasts_until = |when: u64| {
            held.expires_at.is_none_or(|e| e >= when)
                && (!needs_id || held.id_expires_at().is_none_or(|e| e >= when))
        };
        if lasts_until(unix_now().saturating_add(COPY_MIN_TTL)) {
            return Ok(held);
        }
        match self
            .session_tokens(&record.id, COPY_MIN_TTL, needs_id)
            .await
        {
            // A provider may renew the access token only, leaving the old ID token.
            Ok(fresh) if needs_id && fresh.id_expires_at().is_some_and(|e| e <= unix_now()) => {
                Err(Error::Unsupported {
                    what: "a fresh ID token",
                    hint: "the provider's refresh did not renew the ID token: sign in again for a new one",
                })
            }
            Ok(fresh) => Ok(fresh),
            Err(e) if e.is_transient() && lasts_until(unix_now().saturating_add(1)) => Ok(held),
            Err(e) => Err(e),
        }
    }
}

/// An ended session ("sign in again") hands out no token, even one still cached: it may have
/// been issued by where the provider pointed before, or for a user the provider dropped.
fn ensure_not_ended(record: &AccountRecord) -> Result<()> {
    match &record.status {
        AccountStatus::SignInAgain { reason } => Err(Error::InvalidGrant {
            detail: reason.clone(),
        }),
        _ => Ok(()),
    }
}
