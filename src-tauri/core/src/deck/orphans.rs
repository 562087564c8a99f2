//! Keyring entries of accounts that no longer exist (a crash between removing an account and
//! deleting its tokens, or a settings file restored from a backup) are deleted at start. Every
//! account that ever stored a token has a lock file, so the lock directory lists candidates.

use std::time::{Duration, SystemTime};

use super::Deck;
use crate::error::Result;

/// A lock file this recent may belong to a sign-in another process is finishing (its
/// refresh token is stored just before its account is written to the settings).
const GRACE: Duration = Duration::from_secs(10 * 60);

impl Deck {
    /// Deletes the refresh token, cached session and lock file of every account id that has a
    /// lock file but no account. Returns how many were swept.
    pub async fn sweep_orphans(&self) -> Result<usize> {
        // Only against the settings as they are on disk now, and only when they are readable: a
        // missing or broken file (moved aside) must never make every account look orphaned.
        let known: Vec<String> = match self.store.read()? {
            crate::store::config::OnDisk::Valid(config) => {
                config.accounts.iter().map(|a| a.id.clone()).collect()
            }
            _ => return Ok(0),
        };
        let dir = self.store.dir().join("locks");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(0);
        };
        let now = SystemTime::now();
        let mut swept = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".lock") else {
                continue;
            };
            let settled = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age >= GRACE));
            if known.iter().any(|k| k == id)
                || !settled
                || crate::store::config::check_id("account", id).is_err()
            {
                continue;
            }
            let mut held = self.lock_account(id).await?;
            self.store_refresh_token(&mut held, id, None).await?;
            self.forget_session(id).await?;
            drop(held);
            let _ = std::fs::remove_file(entry.path());
            swept += 1;
        }
        if swept > 0 {
            tracing::info!(swept, "deleted the keyring entries of removed accounts");
        }
        Ok(swept)
    }
}
