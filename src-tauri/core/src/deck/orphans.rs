//! Keyring entries of removed accounts. Removing an account lists it in the settings'
//! `removed_accounts` in the same write that drops it, then deletes its entries; if the
//! process stops in between (a crash, a keyring error), the next start finishes the job.
//!
//! Only listed ids are ever deleted. An id merely absent from the settings proves nothing: the
//! file may have been moved aside and started afresh, or restored from an older backup, and
//! deleting what such a file does not mention would lose working sessions.

use super::Deck;
use crate::error::Result;
use crate::ids::AccountId;

impl Deck {
    /// Deletes the refresh token, cached session and lock file of every account listed as
    /// removed, then takes it off the list. Returns how many were swept.
    pub async fn sweep_orphans(&self) -> Result<usize> {
        let listed: Vec<AccountId> = {
            let mut config = self.config.lock().await;
            self.pick_up_other_writers(&mut config).await?;
            // An id both listed and present (never written so, but cheap to respect) is kept.
            config
                .removed_accounts
                .iter()
                .filter(|id| config.account(id).is_none())
                .cloned()
                .collect()
        };
        let mut swept = Vec::new();
        for id in listed {
            match self.delete_account_secrets(&id).await {
                Ok(()) => swept.push(id),
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete a removed account's keyring entries");
                }
            }
        }
        if !swept.is_empty() {
            self.settle_removed(&swept).await?;
            tracing::info!(
                swept = swept.len(),
                "deleted the keyring entries of removed accounts"
            );
        }
        Ok(swept.len())
    }

    /// Deletes what the keyring and this process hold for an account that is gone.
    pub(super) async fn delete_account_secrets(&self, id: &AccountId) -> Result<()> {
        let mut held = self.lock_account(id).await?;
        self.store_refresh_token(&mut held, id, None).await?;
        self.forget_session(id).await?;
        drop(held);
        self.drop_runtime(id);
        self.store.remove_account_lock(id);
        Ok(())
    }

    /// Takes accounts whose keyring entries are deleted off the removed list.
    pub(super) async fn settle_removed(&self, done: &[AccountId]) -> Result<()> {
        self.update_config(|file| {
            file.removed_accounts.retain(|id| !done.contains(id));
            Ok(())
        })
        .await
    }

    /// Deletes the secrets of accounts just removed from the settings; whatever fails stays
    /// listed for the next start's sweep, and the first failure is returned.
    pub(super) async fn finish_removal(&self, ids: &[AccountId]) -> Result<()> {
        let mut done = Vec::new();
        let mut first_error = None;
        for id in ids {
            match self.delete_account_secrets(id).await {
                Ok(()) => done.push(id.clone()),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if !done.is_empty() {
            self.settle_removed(&done).await?;
        }
        first_error.map_or(Ok(()), Err)
    }
}
