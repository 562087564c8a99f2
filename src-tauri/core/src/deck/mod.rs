//! `Deck`: the application service behind every Tauri command and CLI subcommand. It owns the
//! OIDC client, the settings file and the keyring vault, and keeps live sessions in memory.
//! Each public method is one user action.

mod api_sign_in;
mod check;
mod orphans;
mod providers;
mod refresh_tokens;
mod session;
mod session_cache;
mod sign_in;
mod tokens;
pub mod views;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::client::OidcClient;
use crate::error::{Error, Result};
use crate::inspect::Verification;
use crate::provider::{Endpoints, ProviderConfig};
use crate::store::config::OnDisk;
use crate::store::{AccountRecord, ConfigFile, ConfigStore, Vault};
use crate::token::TokenSet;
pub use providers::DEMO_PROVIDER_ID;
pub use sign_in::SignInStarted;
pub use tokens::TokenChoice;
pub use views::*;

/// The tokens of one account in this run (refresh token included, in memory only).
#[derive(Debug, Clone)]
struct LiveSession {
    tokens: TokenSet,
    /// How these tokens were obtained, for "Signed in" / "Refreshed" in the window.
    origin: SessionOrigin,
    id_verification: Verification,
    access_verification: Verification,
    requested_scopes: Vec<String>,
}

/// Serializes refreshes of one account; `generation` counts completed refreshes so callers who
/// waited behind another refresh reuse its result instead of sending their own request.
#[derive(Debug, Default)]
struct RefreshGate {
    lock: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

/// Whether the settings file matches our copy after [`Deck::pick_up_other_writers`].
#[derive(Debug, PartialEq, Eq)]
enum Disk {
    InStep,
    NeedsRewrite,
}

#[derive(Debug)]
pub struct Deck {
    oidc: OidcClient,
    vault: Vault,
    store: ConfigStore,
    /// Our copy of `config.json`, re-read before each change and each snapshot so that
    /// writes by another process (the CLI) are kept. Held across the file write.
    config: tokio::sync::Mutex<ConfigFile>,
    sessions: Mutex<HashMap<String, LiveSession>>,
    endpoints: tokio::sync::Mutex<HashMap<String, Arc<Endpoints>>>,
    gates: Mutex<HashMap<String, Arc<RefreshGate>>>,
    cache_slots: Mutex<HashMap<String, Arc<session_cache::CacheSlot>>>,
    /// Background keyring writes of the session cache (see `flush_session_cache`).
    cache_writes: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Per account, the lock-file stamp at which our in-memory refresh token was current.
    stamps: Mutex<HashMap<String, String>>,
    challenges: Mutex<HashMap<String, api_sign_in::PendingChallenge>>,
    /// Per account, the last refresh's failure until a refresh succeeds (shown on the account).
    refresh_failures: Mutex<HashMap<String, RefreshFailure>>,
    /// Per started loopback sign-in (by `state`), how to stop its listener.
    loopback_cancels: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    notices: Mutex<Vec<String>>,
}

impl Deck {
    /// Loads the settings (moving a bad file aside with a notice) and starts with no sessions;
    /// call [`Deck::restore_sessions`] to bring signed-in accounts back from the keyring.
    pub fn open(oidc: OidcClient, store: ConfigStore, vault: Vault) -> Result<Self> {
        let loaded = store.load()?;
        Ok(Self {
            oidc,
            vault,
            store,
            config: tokio::sync::Mutex::new(loaded.config),
            sessions: Mutex::default(),
            endpoints: tokio::sync::Mutex::default(),
            gates: Mutex::default(),
            cache_slots: Mutex::default(),
            cache_writes: Mutex::default(),
            stamps: Mutex::default(),
            challenges: Mutex::default(),
            loopback_cancels: Mutex::default(),
            refresh_failures: Mutex::default(),
            notices: Mutex::new(loaded.notice.into_iter().collect()),
        })
    }

    pub fn oidc(&self) -> &OidcClient {
        &self.oidc
    }

    /// Everything the sidebar shows.
    pub async fn snapshot(&self) -> DeckView {
        let mut config = self.config.lock().await;
        match self.pick_up_other_writers(&mut config).await {
            Ok(Disk::InStep) => {}
            Ok(Disk::NeedsRewrite) => {
                let written = match self.store.lock().await {
                    Ok(_held) => self.store.save(&config),
                    Err(e) => Err(e),
                };
                if let Err(e) = written {
                    tracing::warn!(error = %e, "could not write the settings back");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not re-read the settings file"),
        }
        let providers = config
            .providers
            .iter()
            .map(|p| providers::provider_view(p, &config.providers))
            .collect();
        let accounts = config
            .accounts
            .iter()
            .map(|a| self.account_view(a))
            .collect();
        DeckView {
            providers,
            accounts,
            settings: config.settings.clone(),
            notices: lock(&self.notices).clone(),
        }
    }

    pub fn dismiss_notices(&self) {
        lock(&self.notices).clear();
    }

    /// The notices not yet shown, for a caller that shows each once (the CLI).
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.notices))
    }

    pub async fn set_clipboard_clear_seconds(&self, seconds: u32) -> Result<()> {
        self.update_config(|file| {
            file.settings.clipboard_clear_seconds = seconds.min(3600);
            Ok(())
        })
        .await
    }

    pub async fn clipboard_clear_seconds(&self) -> u32 {
        self.config.lock().await.settings.clipboard_clear_seconds
    }

    fn account_view(&self, record: &AccountRecord) -> AccountView {
        let session = lock(&self.sessions).get(&record.id).map(summary);
        AccountView {
            record: record.clone(),
            session,
            refresh_failure: lock(&self.refresh_failures).get(&record.id).cloned(),
        }
    }

    async fn provider(&self, provider_id: &str) -> Result<ProviderConfig> {
        let config = self.config.lock().await;
        config
            .providers
            .iter()
            .find(|p| p.id == provider_id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "provider",
                id: provider_id.to_owned(),
            })
    }

    async fn account(&self, account_id: &str) -> Result<AccountRecord> {
        let config = self.config.lock().await;
        config
            .accounts
            .iter()
            .find(|a| a.id == account_id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "account",
                id: account_id.to_owned(),
            })
    }

    /// Endpoints for a provider, resolved once per run (discovery for OIDC issuers).
    async fn endpoints_for(&self, provider: &ProviderConfig) -> Result<Arc<Endpoints>> {
        let mut cache = self.endpoints.lock().await;
        if let Some(e) = cache.get(&provider.id) {
            return Ok(e.clone());
        }
        let resolved =
            Arc::new(crate::discovery::resolve_endpoints(self.oidc.http(), provider).await?);
        cache.insert(provider.id.clone(), resolved.clone());
        Ok(resolved)
    }

    async fn forget_endpoints(&self, provider_id: &str) {
        self.endpoints.lock().await.remove(provider_id);
    }

    /// Applies `change` to the settings as they are on disk now (under the cross-process lock)
    /// and writes them; the in-memory copy changes only if the write succeeded.
    async fn update_config<T>(
        &self,
        change: impl FnOnce(&mut ConfigFile) -> Result<T>,
    ) -> Result<T> {
        let mut config = self.config.lock().await;
        let _cross_process = self.store.lock().await?;
        self.pick_up_other_writers(&mut config).await?;
        let mut next = config.clone();
        let out = change(&mut next)?;
        self.store.save(&next)?;
        *config = next;
        Ok(out)
    }

    /// Adopts what another process wrote since we last looked. When the file is missing or
    /// unusable (moved aside), our copy stays and should be written back, so nothing is lost.
    async fn pick_up_other_writers(&self, config: &mut ConfigFile) -> Result<Disk> {
        match self.store.read()? {
            OnDisk::Valid(on_disk) => {
                if on_disk != *config {
                    let mut endpoints = self.endpoints.lock().await;
                    for stale in config
                        .providers
                        .iter()
                        .filter(|p| !on_disk.providers.contains(p))
                    {
                        endpoints.remove(&stale.id);
                    }
                    *config = on_disk;
                }
                Ok(Disk::InStep)
            }
            OnDisk::Missing if *config == ConfigFile::default() => Ok(Disk::InStep),
            OnDisk::Missing => Ok(Disk::NeedsRewrite),
            OnDisk::MovedAside { notice } => {
                lock(&self.notices).push(format!(
                    "{notice} Tokendeck kept the settings it had loaded."
                ));
                Ok(Disk::NeedsRewrite)
            }
        }
    }

    fn gate(&self, account_id: &str) -> Arc<RefreshGate> {
        lock(&self.gates)
            .entry(account_id.to_owned())
            .or_default()
            .clone()
    }
}

fn summary(live: &LiveSession) -> SessionSummary {
    let granted_scopes = live
        .tokens
        .scope
        .as_deref()
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .or_else(|| {
            crate::inspect::TokenView::decode(
                live.tokens.access_token.expose_secret(),
                Verification::NotChecked {
                    reason: String::new(),
                },
                None,
            )
            .ok()
            .map(|v| v.scopes)
        })
        .unwrap_or_default();
    let id_expires_at = live.tokens.id_token.as_ref().and_then(|t| {
        crate::inspect::decode_unverified(t.expose_secret())
            .ok()
            .and_then(|(_, c)| c.get("exp").and_then(serde_json::Value::as_u64))
    });
    SessionSummary {
        origin: live.origin,
        access_expires_at: live.tokens.expires_at,
        id_expires_at,
        refreshed_at: live.tokens.received_at,
        has_refresh_token: live.tokens.refresh_token.is_some(),
        granted_scopes,
        requested_scopes: live.requested_scopes.clone(),
        // The ID token's verdict, unless it was not checked (no ID token): then the access token's.
        verification: match &live.id_verification {
            Verification::NotChecked { .. } => live.access_verification.clone(),
            checked => checked.clone(),
        },
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 128 random bits, base64url: ids for providers and accounts.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl RefreshGate {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}
