//! One background refresh: tokens another process already refreshed are taken over, else
//! the same refresh as a click.

use super::schedule::{Jitter, due_at};
use crate::deck::Deck;
use crate::error::Result;
use crate::ids::AccountId;
use crate::store::AccountRecord;
use crate::token::unix_now;

impl Deck {
    /// Refreshes, unless another process already did: then its tokens (from the keyring
    /// cache) become this process's session.
    ///
    /// No one may be at the screen: the keyring is read first, so a locked keyring (which
    /// could not store a rotated refresh token) means trying later, not spending the token.
    pub(super) async fn refresh_in_background(&self, account_id: &AccountId) -> Result<()> {
        let record = self.account_as_on_disk(account_id).await?;
        {
            // Under the refresh gate: a refresh finishing meanwhile is not undone.
            let gate = self.gate(account_id);
            let _turn = gate.lock.lock().await;
            if self.adopt_newer_cached(&record).await {
                gate.bump();
                return Ok(());
            }
        }
        self.vault.refresh_token(account_id).await?;
        self.refresh(account_id).await.map(|_| ())
    }

    /// Takes tokens another process refreshed since this one last looked (the account's lock
    /// file was restamped), when they are newer than ours and not yet due themselves.
    async fn adopt_newer_cached(&self, record: &AccountRecord) -> bool {
        let stamp = self.store.account_stamp(&record.id);
        let (ours_stamp, ours_received) = self.with_runtime(&record.id, |rt| {
            (
                rt.stamp.clone(),
                rt.session.as_ref().map_or(0, |l| l.tokens.received_at),
            )
        });
        if !stamp.is_empty() && ours_stamp.as_deref() == Some(stamp.as_str()) {
            return false;
        }
        let Ok(Some(cached)) = self.vault.session(&record.id).await else {
            return false;
        };
        let fresher = cached.received_at > ours_received
            && cached
                .expires_at
                .is_some_and(|e| due_at(cached.received_at, e, Jitter::NONE) > unix_now());
        if !fresher {
            return false;
        }
        self.with_runtime(&record.id, |rt| rt.session = None);
        self.live_session(record).await.is_some()
    }
}
