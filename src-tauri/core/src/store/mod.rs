//! Persistence: non-secret settings as a JSON file written atomically, secrets in the OS
//! keyring only.

pub mod config;
pub mod vault;

pub use config::{
    AccountKind, AccountRecord, AccountStatus, ConfigFile, ConfigStore, Settings, SignInMethod,
};
pub use vault::{CachedSession, Vault};
