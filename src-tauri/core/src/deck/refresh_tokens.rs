//! Each account's refresh token, shared with other processes (the CLI, a second app) through
//! the keyring. Every change happens under the account's file lock and writes a fresh random
//! stamp into that lock file. A process whose last seen stamp still matches knows its
//! in-memory refresh token is the stored one, and skips the keyring read (about 10 ms on
//! gnome-keyring, serialized in its daemon, so it dominated a refresh-all).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use super::{Deck, lock};
use crate::error::{Error, Result};
use crate::secret::RefreshToken;

/// The account's cross-process lock, held until dropped.
#[derive(Debug)]
pub(super) struct AccountLock {
    file: File,
}

impl AccountLock {
    /// Who last changed the stored refresh token; empty if no one stamped it yet.
    fn stamp(&mut self) -> Result<String> {
        let mut stamp = String::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_string(&mut stamp))
            .map_err(lock_error)?;
        Ok(stamp)
    }

    fn restamp(&mut self) -> Result<String> {
        let stamp = crate::pkce::random_url_safe();
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(stamp.as_bytes())
        };
        write(&mut self.file).map_err(lock_error)?;
        Ok(stamp)
    }
}

impl Deck {
    /// Serializes refresh-token use and changes of one account across processes.
    pub(super) async fn lock_account(&self, account_id: &str) -> Result<AccountLock> {
        crate::store::config::check_id("account", account_id)?;
        let file = self.store.lock_account(account_id).await?;
        Ok(AccountLock { file })
    }

    /// The stored refresh token: from memory when no process changed it since we last looked,
    /// else from the keyring.
    pub(super) async fn current_refresh_token(
        &self,
        held: &mut AccountLock,
        account_id: &str,
    ) -> Result<Option<RefreshToken>> {
        let stamp = held.stamp()?;
        let unchanged = !stamp.is_empty() && lock(&self.stamps).get(account_id) == Some(&stamp);
        if unchanged
            && let Some(rt) = lock(&self.sessions)
                .get(account_id)
                .and_then(|live| live.tokens.refresh_token.clone())
        {
            return Ok(Some(rt));
        }
        let stored = self.vault.refresh_token(account_id).await?;
        // An unstamped file (first use) gets a stamp now that we know what is stored.
        let stamp = match stamp.is_empty() {
            true => held.restamp()?,
            false => stamp,
        };
        lock(&self.stamps).insert(account_id.to_owned(), stamp);
        Ok(stored)
    }

    /// Stores (or, with `None`, deletes) the refresh token and restamps, so other processes
    /// read the keyring next time instead of trusting their copy.
    pub(super) async fn store_refresh_token(
        &self,
        held: &mut AccountLock,
        account_id: &str,
        token: Option<&RefreshToken>,
    ) -> Result<()> {
        // Forget our stamp first: if the write fails half way, we must not trust memory.
        lock(&self.stamps).remove(account_id);
        match token {
            Some(rt) => self.vault.set_refresh_token(account_id, rt).await?,
            None => self.vault.delete_refresh_token(account_id).await?,
        }
        let stamp = held.restamp()?;
        if let Some(live) = lock(&self.sessions).get_mut(account_id) {
            live.tokens.refresh_token = token.cloned();
        }
        if token.is_some() {
            lock(&self.stamps).insert(account_id.to_owned(), stamp);
        }
        Ok(())
    }
}

fn lock_error(e: impl std::fmt::Display) -> Error {
    Error::Storage {
        action: "lock",
        path: "the account lock".into(),
        reason: e.to_string(),
    }
}
