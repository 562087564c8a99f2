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
