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

/// Opens `path` (creating it and its directory) and locks it exclusively against other
/// processes, waiting off the async workers. The lock lasts as long as the returned file.
pub async fn lock_file(path: std::path::PathBuf) -> crate::Result<std::fs::File> {
    let shown = path.display().to_string();
    let locking = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok(file)
    });
    let failed = |reason: String| crate::Error::Storage {
        action: "lock",
        path: shown,
        reason,
    };
    match locking.await {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(e)) => Err(failed(e.to_string())),
        Err(e) => Err(failed(e.to_string())),
    }
}
