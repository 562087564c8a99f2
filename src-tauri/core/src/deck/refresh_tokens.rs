//! Each account's refresh token, shared with other processes (the CLI, a second app) through
//! the keyring. Every change happens under the account's file lock and writes a fresh random
//! stamp into that lock file. A process whose last seen stamp still matches knows its
//! in-memory refresh token is the stored one, and skips the keyring read (about 10 ms on
//! gnome-keyring, serialized in its daemon, so it dominated a refresh-all).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use super::Deck;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::secret::RefreshToken;

/// A rotated refresh token the keyring refused, and the lock-file stamp when it did: it is
/// only used while the stamp is unchanged (no other process stored a token since).
#[derive(Debug, Clone)]
pub(super) struct Unsaved {
    token: RefreshToken,
    stamp: String,
}

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
    pub(super) async fn lock_account(&self, account_id: &AccountId) -> Result<AccountLock> {
        let file = self.store.lock_account(account_id).await?;
        Ok(AccountLock { file })
    }

    /// The stored refresh token: from memory when no process changed it since we last looked,
    /// else from the keyring. A rotated token the keyring refused earlier is saved first.
    pub(super) async fn current_refresh_token(
        &self,
        held: &mut AccountLock,
        account_id: &AccountId,
    ) -> Result<Option<RefreshToken>> {
        let stamp = held.stamp()?;
        let unsaved = self.with_runtime(account_id, |rt| rt.unsaved_refresh_token.take());
        if let Some(unsaved) = unsaved.filter(|u| u.stamp == stamp) {
            if let Err(e) = self
                .store_refresh_token(held, account_id, Some(&unsaved.token))
                .await
            {
                self.with_runtime(account_id, |rt| rt.unsaved_refresh_token = Some(unsaved));
                return Err(e);
            }
            return Ok(Some(unsaved.token));
        }
        let in_memory = self.with_runtime(account_id, |rt| {
            let unchanged = !stamp.is_empty() && rt.stamp.as_ref() == Some(&stamp);
            rt.session
                .as_ref()
                .and_then(|live| live.tokens.refresh_token.clone())
                .filter(|_| unchanged)
        });
        if let Some(refresh_token) = in_memory {
            return Ok(Some(refresh_token));
        }
        let stored = self.vault.refresh_token(account_id).await?;
        // An unstamped file (first use) gets a stamp now that we know what is stored.
        let stamp = match stamp.is_empty() {
            true => held.restamp()?,
            false => stamp,
        };
        self.with_runtime(account_id, |rt| rt.stamp = Some(stamp));
        Ok(stored)
    }

    /// Tries once more to store the rotated refresh tokens the keyring refused (on quit:
    /// after that they are gone). Returns how many still could not be stored.
    pub async fn store_unsaved_refresh_tokens(&self) -> usize {
        let waiting: Vec<AccountId> = super::lock(&self.accounts)
            .iter()
            .filter(|(_, rt)| rt.unsaved_refresh_token.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        let mut left = 0;
        for account_id in waiting {
            // Reading the current token stores a waiting one first (when no other process
            // stored a newer token since).
            let stored = match self.lock_account(&account_id).await {
                Ok(mut held) => self
                    .current_refresh_token(&mut held, &account_id)
                    .await
                    .is_ok(),
                Err(_) => false,
            };
            if !stored {
                left += 1;
            }
        }
        left
    }

    /// Keeps a rotated refresh token the keyring just refused (the one sent is spent).
    pub(super) fn keep_unsaved(
        &self,
        held: &mut AccountLock,
        account_id: &AccountId,
        token: &RefreshToken,
    ) {
        let stamp = held.stamp().unwrap_or_default();
        self.with_runtime(account_id, |rt| {
            rt.unsaved_refresh_token = Some(Unsaved {
                token: token.clone(),
                stamp,
            });
        });
    }

    /// Stores (or, with `None`, deletes) the refresh token and restamps, so other processes
    /// read the keyring next time instead of trusting their copy.
    pub(super) async fn store_refresh_token(
        &self,
        held: &mut AccountLock,
        account_id: &AccountId,
        token: Option<&RefreshToken>,
    ) -> Result<()> {
        // Forget our stamp first: if the write fails half way, we must not trust memory.
        self.with_runtime(account_id, |rt| rt.stamp = None);
        match token {
            Some(rt) => self.vault.set_refresh_token(account_id, rt).await?,
            None => self.vault.delete_refresh_token(account_id).await?,
        }
        let stamp = held.restamp()?;
        self.with_runtime(account_id, |rt| {
            if let Some(live) = &mut rt.session {
                live.tokens.refresh_token = token.cloned();
            }
            rt.stamp = token.is_some().then_some(stamp);
            rt.unsaved_refresh_token = None;
        });
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
