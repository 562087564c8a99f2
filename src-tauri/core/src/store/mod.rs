//! Persistence: non-secret settings as a JSON file written atomically, secrets in the OS
//! keyring only.

pub mod config;
pub mod vault;

pub use config::{
    AccountKind, AccountRecord, AccountStatus, ConfigFile, ConfigStore, Settings, SignInMethod,
};
pub use vault::{CachedSession, Vault};

/// Where the app and the CLI keep `config.json`: `$TOKENDECK_CONFIG_DIR`, else the platform's
/// config directory plus the app identifier (what Tauri's `app_config_dir` gives).
pub fn default_config_dir() -> crate::Result<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("TOKENDECK_CONFIG_DIR") {
        return Ok(dir.into());
    }
    dirs::config_dir()
        .map(|d| d.join(crate::store::vault::SERVICE))
        .ok_or_else(|| crate::Error::Storage {
            action: "find",
            path: "the configuration directory".into(),
            reason: "no home directory is set".into(),
        })
}

/// How a lock file is used: whether its holder writes its pid into it (the config lock does;
/// an account lock's content is its stamp, so it cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LockFile {
    RecordsHolder,
    Stamped,
}

/// Opens `path` (creating it, private, and its directory) and locks it exclusively against
/// other processes, waiting off the async workers for at most `timeout`. The lock lasts as
/// long as the returned file.
pub(crate) async fn lock_file(
    path: std::path::PathBuf,
    what: &'static str,
    kind: LockFile,
    timeout: std::time::Duration,
) -> crate::Result<std::fs::File> {
    use std::io::{Seek, Write};
    let shown = path.display().to_string();
    let locking = tokio::task::spawn_blocking(move || -> std::io::Result<Option<std::fs::File>> {
        if let Some(dir) = path.parent() {
            private::create_dir(dir)?;
        }
        let mut file = private::open_options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
        }
        if kind == LockFile::RecordsHolder {
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(std::process::id().to_string().as_bytes())?;
        }
        Ok(Some(file))
    });
    let failed = |reason: String| crate::Error::Storage {
        action: "lock",
        path: shown.clone(),
        reason,
    };
    match locking.await {
        Ok(Ok(Some(file))) => Ok(file),
        Ok(Ok(None)) => {
            let holder = match kind {
                LockFile::RecordsHolder => std::fs::read_to_string(&shown)
                    .ok()
                    .and_then(|t| t.trim().parse::<u32>().ok())
                    .map(|pid| format!(" (pid {pid})"))
                    .unwrap_or_default(),
                LockFile::Stamped => String::new(),
            };
            Err(crate::Error::Busy {
                what,
                holder,
                seconds: timeout.as_secs().max(1),
            })
        }
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Files and directories only this user can read: the config directory is 0700, its files
/// 0600, from the moment they are created (on Unix; elsewhere the profile directory's ACLs).
pub(crate) mod private {
    use std::fs::{DirBuilder, OpenOptions};
    use std::io;
    use std::path::Path;

    /// Creates `dir` (and its parents) as 0700, and narrows an existing one to 0700.
    pub fn create_dir(dir: &Path) -> io::Result<()> {
        let mut builder = DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
            builder.mode(0o700);
            builder.create(dir)?;
            let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode != 0o700 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
            Ok(())
        }
        #[cfg(not(unix))]
        builder.create(dir)
    }

    /// Options whose `create` makes a 0600 file.
    pub fn open_options() -> OpenOptions {
        let mut options = OpenOptions::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options
    }
}
