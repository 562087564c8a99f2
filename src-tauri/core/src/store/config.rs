//! `config.json`: providers, accounts (no tokens) and settings. Written atomically (temp file,
//! fsync, rename); a file that cannot be read is moved aside with a message, never dropped.
//! The app and the CLI share the file: changes are read-modify-write under `config.lock`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AccountId, ProviderId};
use crate::provider::ProviderConfig;

pub const CONFIG_VERSION: u32 = 1;
const FILE_NAME: &str = "config.json";
const LOCK_FILE_NAME: &str = "config.lock";

mod records;
pub use records::{AccountKind, AccountRecord, AccountStatus, Settings, SignInMethod};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigFile {
    pub version: u32,
    #[serde(default)]
    pub providers: Vec<ProviderConfig>,
    #[serde(default)]
    pub accounts: Vec<AccountRecord>,
    #[serde(default)]
    pub settings: Settings,
    /// Accounts removed from `accounts` whose keyring entries may not be deleted yet (the
    /// process could stop in between). `Deck::sweep_orphans` finishes the job at start; only
    /// ids listed here are ever swept, never ids merely absent from `accounts`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_accounts: Vec<AccountId>,
}

impl Default for ConfigFile {
    fn default() -> Self {
        Self {
            version: CONFIG_VERSION,
            providers: Vec::new(),
            accounts: Vec::new(),
            settings: Settings::default(),
            removed_accounts: Vec::new(),
        }
    }
}

impl ConfigFile {
    pub fn provider(&self, id: &ProviderId) -> Option<&ProviderConfig> {
        self.providers.iter().find(|p| p.id == *id)
    }

    pub fn account(&self, id: &AccountId) -> Option<&AccountRecord> {
        self.accounts.iter().find(|a| a.id == *id)
    }

    pub fn account_mut(&mut self, id: &AccountId) -> Option<&mut AccountRecord> {
        self.accounts.iter_mut().find(|a| a.id == *id)
    }

    /// The accounts of one provider.
    pub fn accounts_of<'a>(
        &'a self,
        provider_id: &'a ProviderId,
    ) -> impl Iterator<Item = &'a AccountRecord> + 'a {
        self.accounts
            .iter()
            .filter(move |a| a.provider_id == *provider_id)
    }

    /// Signed-in people (not machine accounts) whose sessions are worth refreshing.
    pub fn active_user_accounts(&self) -> impl Iterator<Item = &AccountRecord> {
        self.accounts
            .iter()
            .filter(|a| a.kind == AccountKind::User && a.status == AccountStatus::Active)
    }

    /// Removes the accounts `remove` picks, listing them in `removed_accounts` until their
    /// keyring entries are gone. Returns their ids.
    pub fn remove_accounts(&mut self, remove: impl Fn(&AccountRecord) -> bool) -> Vec<AccountId> {
        let (gone, kept) = std::mem::take(&mut self.accounts)
            .into_iter()
            .partition::<Vec<_>, _>(|a| remove(a));
        self.accounts = kept;
        let ids: Vec<AccountId> = gone.into_iter().map(|a| a.id).collect();
        for id in &ids {
            if !self.removed_accounts.contains(id) {
                self.removed_accounts.push(id.clone());
            }
        }
        ids
    }

    /// Replaces the provider with the same id, or adds it.
    pub fn upsert_provider(&mut self, provider: ProviderConfig) {
        match self.providers.iter_mut().find(|p| p.id == provider.id) {
            Some(slot) => *slot = provider,
            None => self.providers.push(provider),
        }
    }

    /// Replaces the account with the same id, or adds it.
    pub fn upsert_account(&mut self, account: AccountRecord) {
        match self.account_mut(&account.id) {
            Some(slot) => *slot = account,
            None => self.accounts.push(account),
        }
    }

    /// Ids end up in file names (lock files) and keyring entries: one edited into the file by
    /// hand, or by someone else, must not reach either.
    fn check_ids(&self) -> std::result::Result<(), String> {
        let bad = |what: &str, name: &str, id: &str| {
            format!(
                "the {what} \"{name}\" has the id \"{id}\", which is not a Tokendeck id ({ID_RULE})"
            )
        };
        for p in &self.providers {
            if check_id("provider", p.id.as_str()).is_err() {
                return Err(bad("provider", &p.name, p.id.as_str()));
            }
        }
        if let Some(bad) = self
            .removed_accounts
            .iter()
            .find(|id| check_id("account", id.as_str()).is_err())
        {
            return Err(format!(
                "the list of removed accounts holds \"{bad}\", which is not a Tokendeck id ({ID_RULE})"
            ));
        }
        for a in &self.accounts {
            if check_id("account", a.id.as_str()).is_err() {
                return Err(bad("account", &a.label, a.id.as_str()));
            }
            if check_id("provider", a.provider_id.as_str()).is_err() {
                return Err(bad("account's provider", &a.label, a.provider_id.as_str()));
            }
        }
        Ok(())
    }
}

const ID_RULE: &str = "1 to 64 letters, digits, - or _";

/// Provider and account ids: what Tokendeck generates (base64url) and nothing that could be a
/// path (`/`, `..`) or anything else.
pub(crate) fn check_id(what: &'static str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            what,
            format!("\"{id}\" is not a valid id ({ID_RULE})"),
        ))
    }
}

/// What loading found: the config, and a message when a bad file was moved aside.
#[derive(Debug)]
pub struct Loaded {
    pub config: ConfigFile,
    pub notice: Option<String>,
}

/// What the file holds right now.
#[derive(Debug)]
pub enum OnDisk {
    Missing,
    Valid(ConfigFile),
    /// The file could not be used and was moved aside; the message says where.
    MovedAside {
        notice: String,
    },
}

/// Holds the cross-process config lock until dropped.
#[derive(Debug)]
pub struct ConfigLock {
    _file: fs::File,
}

/// How long to wait for another process's lock before saying so: the settings lock is held
/// for one read and one write; an account lock for a whole refresh (network included).
const SETTINGS_LOCK_TIMEOUT: Duration = Duration::from_secs(15);
const ACCOUNT_LOCK_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    settings_lock_timeout: Duration,
    account_lock_timeout: Duration,
}

impl ConfigStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            settings_lock_timeout: SETTINGS_LOCK_TIMEOUT,
            account_lock_timeout: ACCOUNT_LOCK_TIMEOUT,
        }
    }

    /// Waits at most `timeout` for any lock another process holds (tests use a short one).
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.settings_lock_timeout = timeout;
        self.account_lock_timeout = timeout;
        self
    }

    /// Locks one account's refresh token across processes (see `deck::refresh_tokens`).
    pub(crate) async fn lock_account(&self, account_id: &AccountId) -> Result<fs::File> {
        // The id names a file: never one edited into the settings by hand.
        check_id("account", account_id.as_str())?;
        let path = self.dir.join("locks").join(format!("{account_id}.lock"));
        super::lock_file(
            path,
            "this account",
            super::LockFile::Stamped,
            self.account_lock_timeout,
        )
        .await
    }

    /// The account's lock-file stamp as it is now, read without taking the lock (empty when
    /// there is none yet, or while a writer is mid-write: callers then trust nothing held).
    pub(crate) fn account_stamp(&self, account_id: &AccountId) -> String {
        match check_id("account", account_id.as_str()) {
            Ok(()) => fs::read_to_string(self.dir.join("locks").join(format!("{account_id}.lock")))
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Deletes a removed account's lock file (best effort: a leftover one is harmless).
    pub(crate) fn remove_account_lock(&self, account_id: &AccountId) {
        if check_id("account", account_id.as_str()).is_ok() {
            let _ = fs::remove_file(self.dir.join("locks").join(format!("{account_id}.lock")));
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The settings to start with: empty when there is no file or it was moved aside.
    pub fn load(&self) -> Result<Loaded> {
        Ok(match self.read()? {
            OnDisk::Missing => Loaded {
                config: ConfigFile::default(),
                notice: None,
            },
            OnDisk::Valid(config) => Loaded {
                config,
                notice: None,
            },
            OnDisk::MovedAside { notice } => Loaded {
                config: ConfigFile::default(),
                notice: Some(format!("{notice} Tokendeck started with empty settings.")),
            },
        })
    }

    /// Reads the file as it is now. Needs no lock: writes replace the file atomically.
    pub fn read(&self) -> Result<OnDisk> {
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
            Err(e) => return Err(storage("read", &path, e)),
        };
        let problem = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Err(e) => format!("it is not valid JSON ({e})"),
            Ok(value) => match value.get("version").and_then(serde_json::Value::as_u64) {
                Some(v) if v == u64::from(CONFIG_VERSION) => {
                    match serde_json::from_value::<ConfigFile>(value) {
                        Ok(config) => match config.check_ids() {
                            Ok(()) => return Ok(OnDisk::Valid(config)),
                            Err(problem) => problem,
                        },
                        Err(e) => format!("it does not match the expected layout ({e})"),
                    }
                }
                Some(v) => format!(
                    "it has version {v}, which this Tokendeck does not know (it writes version {CONFIG_VERSION})"
                ),
                None => "it has no version".to_owned(),
            },
        };
        let aside = self.move_aside(&path)?;
        let notice = format!(
            "The settings file could not be used: {problem}. It was moved to {}; your keyring entries were not touched.",
            aside.display()
        );
        tracing::warn!(%notice);
        Ok(OnDisk::MovedAside { notice })
    }

    /// Takes the lock that serializes read-modify-write of the file across processes.
    /// Holders keep it only for one read and one write of a small file.
    pub async fn lock(&self) -> Result<ConfigLock> {
        let file = super::lock_file(
            self.dir.join(LOCK_FILE_NAME),
            "the settings file",
            super::LockFile::RecordsHolder,
            self.settings_lock_timeout,
        )
        .await?;
        Ok(ConfigLock { _file: file })
    }

    fn move_aside(&self, path: &Path) -> Result<PathBuf> {
        let stamp = crate::token::unix_now();
        let mut aside = self.dir.join(format!("{FILE_NAME}.unreadable-{stamp}"));
        let mut n = 1;
        while aside.exists() {
            aside = self.dir.join(format!("{FILE_NAME}.unreadable-{stamp}-{n}"));
            n += 1;
        }
        fs::rename(path, &aside).map_err(|e| storage("move aside", path, e))?;
        Ok(aside)
    }

    /// Writes the whole file atomically: readers see the old or the new file, never a mix.
    pub fn save(&self, config: &ConfigFile) -> Result<()> {
        super::private::create_dir(&self.dir).map_err(|e| storage("create", &self.dir, e))?;
        let path = self.path();
        let tmp = self
            .dir
            .join(format!(".{FILE_NAME}.tmp-{}", std::process::id()));
        let json = serde_json::to_vec_pretty(config).map_err(|e| storage("encode", &path, e))?;
        let write = || -> std::io::Result<()> {
            // A stale temp file (a crash) may predate private modes: start afresh.
            let _ = fs::remove_file(&tmp);
            let mut file = super::private::open_options()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&tmp, &path)?;
            // Make the rename itself durable.
            if let Ok(dir) = fs::File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            storage("write", &path, e)
        })
    }
}

fn storage(action: &'static str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Storage {
        action,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests;
