//! The keyring cache of each account's access and ID tokens, so a restart or the CLI need not
//! refresh while they are valid. A keyring write costs ~20 ms on gnome-keyring, serialized in
//! its daemon, so a refresh can leave the write to run in the background: writes for one
//! account land in order, a newer write or a delete supersedes an older pending one, and
//! [`Deck::flush_session_cache`] waits for all of them (the CLI before exiting, the app on exit).

use std::sync::atomic::{AtomicU64, Ordering};

use super::{AccountView, Deck, LiveSession, SessionSummary, lock};
use crate::error::Result;
use crate::ids::AccountId;
use crate::inspect::Verification;
use crate::store::AccountRecord;
use crate::store::CachedSession;

/// Whether [`Deck::remember`] waits for the keyring write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CacheWrite {
    Wait,
    Background,
}

/// Orders one account's cache writes: `issued` counts requests; only the newest is written.
#[derive(Debug, Default)]
pub(super) struct CacheSlot {
    issued: AtomicU64,
    turn: tokio::sync::Mutex<()>,
}

impl Deck {
    /// Keeps a session in memory and caches its access/ID tokens in the keyring.
    pub(super) async fn remember(
        &self,
        account_id: &AccountId,
        live: LiveSession,
        write: CacheWrite,
    ) {
        let cached = CachedSession {
            access_token: live.tokens.access_token.expose_secret().to_owned(),
            id_token: live
                .tokens
                .id_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expires_at: live.tokens.expires_at,
            scope: live.tokens.scope.clone(),
            received_at: live.tokens.received_at,
        };
        let slot = self.with_runtime(account_id, |rt| {
            rt.session = Some(live);
            rt.keyring_tokens = None;
            rt.refresh_failure = None;
            rt.cache_slot.clone()
        });
        let ticket = slot.issued.fetch_add(1, Ordering::AcqRel) + 1;
        let vault = self.vault.clone();
        let account_id = account_id.clone();
        let job = async move {
            let _turn = slot.turn.lock().await;
            if slot.issued.load(Ordering::Acquire) != ticket {
                return; // superseded by a newer write or a delete
            }
            if let Err(e) = vault.set_session(&account_id, &cached).await {
                tracing::warn!(error = %e, "could not cache the session in the keyring");
            }
        };
        match write {
            CacheWrite::Wait => job.await,
            CacheWrite::Background => {
                let mut pending = lock(&self.cache_writes);
                pending.retain(|task| !task.is_finished());
                pending.push(tokio::spawn(job));
            }
        }
    }

    /// Keeps a session that a sign-in (or a machine token) just started: cached before this
    /// returns, and marked as a completed refresh so callers queued behind one reuse it.
    pub(super) async fn start_session(
        &self,
        record: &AccountRecord,
        live: LiveSession,
    ) -> AccountView {
        self.remember(&record.id, live, CacheWrite::Wait).await;
        self.gate(&record.id).bump();
        self.account_view(record)
    }

    /// Drops the session from memory and the keyring cache, cancelling pending writes.
    pub(super) async fn forget_session(&self, account_id: &AccountId) -> Result<()> {
        let slot = self.with_runtime(account_id, |rt| {
            rt.session = None;
            rt.keyring_tokens = None;
            rt.refresh_failure = None;
            rt.cache_slot.clone()
        });
        slot.issued.fetch_add(1, Ordering::AcqRel);
        let _turn = slot.turn.lock().await;
        self.vault.delete_session(account_id).await
    }

    /// Waits until every background cache write has landed.
    pub async fn flush_session_cache(&self) {
        let pending = std::mem::take(&mut *lock(&self.cache_writes));
        for task in pending {
            let _ = task.await;
        }
    }
}

impl LiveSession {
    /// What the sidebar and the CLI show of a session.
    pub(super) fn summary(&self) -> SessionSummary {
        let live = self;
        let granted_scopes = live
            .tokens
            .scope
            .as_deref()
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .or_else(|| {
                crate::inspect::TokenView::decode(
                    live.tokens.access_token.expose_secret(),
                    Verification::NotChecked {
                        reason: String::new(),
                    },
                    None,
                )
                .ok()
                .map(|v| v.scopes)
            })
            .unwrap_or_default();
        let id_expires_at = live.tokens.id_token.as_ref().and_then(|t| {
            crate::inspect::decode_unverified(t.expose_secret())
                .ok()
                .and_then(|(_, c)| c.get("exp").and_then(serde_json::Value::as_u64))
        });
        SessionSummary {
            origin: live.origin,
            access_expires_at: live.tokens.expires_at,
            id_expires_at,
            refreshed_at: live.tokens.received_at,
            has_refresh_token: live.tokens.refresh_token.is_some(),
            granted_scopes,
            requested_scopes: live.requested_scopes.clone(),
            // The ID token's verdict, unless it was not checked (no ID token): then the access token's.
            verification: match &live.verdicts.id {
                Verification::NotChecked { .. } => live.verdicts.access.clone(),
                checked => checked.clone(),
            },
        }
    }
}
