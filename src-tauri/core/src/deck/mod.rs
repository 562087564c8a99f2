//! `Deck`: the application service behind every Tauri command and CLI subcommand. It owns the
//! OIDC client, the settings file and the keyring vault, and keeps live sessions in memory.
//! Each public method is one user action.
//!
//! - `sign_in`: browser sign-ins (deep link or loopback), start to finish; `device_sign_in`:
//!   sign-ins with a code entered in a browser elsewhere (RFC 8628);
//!   `password_sign_in`: Cognito's own API (SRP, challenges); `machine`: client credentials.
//! - `session`: refreshing and signing out; `cognito_session`: the same for API sign-ins.
//! - `refresh_tokens`: each account's refresh token and its cross-process lock and stamp;
//!   `session_cache`: the keyring cache of access/ID tokens; `restore`: sessions after a start.
//! - `keeper`: refreshing in the background while the app runs, and deadline warnings.
//! - `lookup`: accounts and providers by id or name.
//! - `tokens`: the detail view, the token for scripts, copying; `aws`: identity-pool credentials;
//!   `userinfo`: what the provider says about the user.
//! - `providers` and `check`: adding, editing, removing and checking providers; `exchange`:
//!   provider files (export, import); `orphans`:
//!   finishing interrupted removals; `views`: what the window and the CLI are sent.
//! - `settings`: the app-wide settings and per-account overrides.
//! - Per account, what this process holds lives in one [`AccountRuntime`].

mod aws;
mod check;
mod cognito_session;
mod device_sign_in;
mod exchange;
mod keeper;
mod lookup;
mod machine;
mod orphans;
mod password_sign_in;
mod providers;
mod refresh_tokens;
mod restore;
mod session;
mod session_cache;
mod settings;
mod sign_in;
mod tokens;
mod userinfo;
pub mod views;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::client::OidcClient;
use crate::error::{Error, Result};
use crate::ids::{AccountId, ProviderId};
use crate::inspect::Verification;
use crate::provider::{Endpoints, ProviderConfig};
use crate::secret::ClientSecret;
use crate::store::config::OnDisk;
use crate::store::{AccountRecord, AccountStatus, ConfigFile, ConfigStore, Vault};
use crate::token::TokenSet;
pub use aws::AwsCredentialsText;
pub use device_sign_in::{DeviceSignInStarted, DeviceWait};
pub use exchange::{
    ImportReport, ImportedProvider, PROVIDER_FILE_FORMAT, PROVIDER_FILE_VERSION, ProviderFile,
    SharedProvider,
};
pub use keeper::{AfterFailure, DRAIN, KeeperEvent, WallClock};
pub use providers::DEMO_PROVIDER_ID;
pub use sign_in::{SignInEnd, SignInStarted, SignInWait};
pub use tokens::{ScriptToken, SessionTokens, TokenChoice};
pub use userinfo::UserInfoView;
pub use views::*;

/// The tokens of one account in this run (refresh token included, in memory only).
#[derive(Debug, Clone)]
struct LiveSession {
    tokens: TokenSet,
    /// How these tokens were obtained, for "Signed in" / "Refreshed" in the window.
    origin: SessionOrigin,
    verdicts: Verdicts,
    requested_scopes: Vec<String>,
}

/// What verification concluded about a session's ID token and access token.
#[derive(Debug, Clone)]
struct Verdicts {
    id: Verification,
    access: Verification,
}

/// Serializes refreshes of one account; `generation` counts completed refreshes so callers who
/// waited behind another refresh reuse its result instead of sending their own request.
#[derive(Debug, Default)]
struct RefreshGate {
    lock: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

/// What this process holds about one account while it runs. Signing out (or removing) an
/// account drops all of it: [`Deck::forget_session`] then [`Deck::drop_runtime`].
#[derive(Debug, Default)]
struct AccountRuntime {
    session: Option<LiveSession>,
    /// The tokens `session_tokens` last read from the keyring cache while there was no
    /// `session`, and the lock-file stamp before that read: a long-running process (the
    /// agent) reads the keyring once, not per request, until another process changes the
    /// account (see `tokens`).
    keyring_tokens: Option<(String, SessionTokens)>,
    /// The lock-file stamp at which `session`'s refresh token was the stored one (see
    /// `refresh_tokens`); `None` means read the keyring before using it.
    stamp: Option<String>,
    /// A rotated refresh token the keyring refused to store. The one in the keyring is spent,
    /// so this is the only live one: used (and saved) before the keyring is read, as long as
    /// no other process has changed the stored token since (see `refresh_tokens`).
    unsaved_refresh_token: Option<refresh_tokens::Unsaved>,
    /// The last refresh's failure, until a refresh succeeds (shown on the account).
    refresh_failure: Option<RefreshFailure>,
    gate: Arc<RefreshGate>,
    /// Orders this account's background keyring writes of the session cache.
    cache_slot: Arc<session_cache::CacheSlot>,
}

/// Which AWS credentials an admin sign-in uses: a profile (or the default chain) in a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AwsIdentityKey {
    profile: Option<String>,
    region: String,
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
    accounts: Mutex<HashMap<AccountId, AccountRuntime>>,
    endpoints: tokio::sync::Mutex<HashMap<ProviderId, Arc<Endpoints>>>,
    /// Background keyring writes of the session cache (see `flush_session_cache`).
    cache_writes: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Cognito challenges awaiting an answer, by challenge id.
    challenges: Mutex<HashMap<String, password_sign_in::PendingChallenge>>,
    /// Per started loopback sign-in (by `state`), how to stop its listener.
    loopback_cancels: Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    /// AWS identities for admin sign-ins, by profile and region (credentials in memory only).
    aws_identities:
        tokio::sync::Mutex<HashMap<AwsIdentityKey, crate::cognito::aws_identity::AwsIdentity>>,
    /// Device sign-ins being polled, by id.
    device_sign_ins: Mutex<HashMap<String, device_sign_in::WaitingDevice>>,
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
            accounts: Mutex::default(),
            endpoints: tokio::sync::Mutex::default(),
            cache_writes: Mutex::default(),
            challenges: Mutex::default(),
            loopback_cancels: Mutex::default(),
            device_sign_ins: Mutex::default(),
            aws_identities: tokio::sync::Mutex::default(),
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
        let offers_device = self.device_sign_in_seen();
        let providers = config
            .providers
            .iter()
            .map(|p| {
                providers::provider_view(p, &config.providers, offers_device.get(&p.id).copied())
            })
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

    fn account_view(&self, record: &AccountRecord) -> AccountView {
        let (session, refresh_failure) = self.with_runtime(&record.id, |rt| {
            (
                rt.session.as_ref().map(LiveSession::summary),
                rt.refresh_failure.clone(),
            )
        });
        AccountView {
            record: record.clone(),
            session,
            refresh_failure,
        }
    }

    /// Runs `f` on the account's runtime state (created empty on first use), under its lock:
    /// keep `f` short and never await inside it.
    fn with_runtime<R>(
        &self,
        account_id: &AccountId,
        f: impl FnOnce(&mut AccountRuntime) -> R,
    ) -> R {
        f(lock(&self.accounts).entry(account_id.clone()).or_default())
    }

    /// Forgets everything held about an account that no longer exists.
    fn drop_runtime(&self, account_id: &AccountId) {
        lock(&self.accounts).remove(account_id);
    }

    fn live(&self, account_id: &AccountId) -> Option<LiveSession> {
        self.with_runtime(account_id, |rt| rt.session.clone())
    }

    async fn provider(&self, provider_id: &ProviderId) -> Result<ProviderConfig> {
        let config = self.config.lock().await;
        config
            .provider(provider_id)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "provider",
                id: provider_id.to_string(),
            })
    }

    async fn account(&self, account_id: &AccountId) -> Result<AccountRecord> {
        account_in(&*self.config.lock().await, account_id)
    }

    /// The account as the settings file says now (another process may have signed it in or
    /// ended its session since we last looked).
    async fn account_as_on_disk(&self, account_id: &AccountId) -> Result<AccountRecord> {
        let mut config = self.config.lock().await;
        self.pick_up_other_writers(&mut config).await?;
        account_in(&config, account_id)
    }

    /// The client secret a confidential provider's requests carry (`None` for a public client).
    async fn client_secret_of(&self, provider: &ProviderConfig) -> Result<Option<ClientSecret>> {
        if provider.confidential {
            self.vault.client_secret(&provider.id).await
        } else {
            Ok(None)
        }
    }

    /// Endpoints for a provider, resolved once per run (discovery for OIDC issuers).
    /// The HTTP client for a provider's requests outside the OIDC client (Cognito's API).
    fn http_for(&self, provider: &ProviderConfig) -> crate::http::HttpClient {
        self.oidc.http().for_network(&provider.network)
    }

    async fn endpoints_for(&self, provider: &ProviderConfig) -> Result<Arc<Endpoints>> {
        let mut cache = self.endpoints.lock().await;
        // Built from older settings by a caller that raced a save: not reused.
        if let Some(e) = cache
            .get(&provider.id)
            .filter(|e| e.network == provider.network)
        {
            return Ok(e.clone());
        }
        let resolved =
            Arc::new(crate::discovery::resolve_endpoints(self.oidc.http(), provider).await?);
        cache.insert(provider.id.clone(), resolved.clone());
        Ok(resolved)
    }

    async fn forget_endpoints(&self, provider_id: &ProviderId) {
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
                    self.forget_ended_sessions(config, &on_disk);
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

    /// Another process removed accounts or ended their sessions: their tokens held here are
    /// not served any more.
    fn forget_ended_sessions(&self, before: &ConfigFile, now: &ConfigFile) {
        let mut runtimes = lock(&self.accounts);
        for account in &before.accounts {
            match now.account(&account.id).map(|a| &a.status) {
                None => {
                    runtimes.remove(&account.id);
                }
                Some(AccountStatus::SignInAgain { .. }) => {
                    if let Some(rt) = runtimes.get_mut(&account.id) {
                        rt.session = None;
                        rt.keyring_tokens = None;
                        rt.unsaved_refresh_token = None;
                    }
                }
                Some(_) => {}
            }
        }
    }

    fn gate(&self, account_id: &AccountId) -> Arc<RefreshGate> {
        self.with_runtime(account_id, |rt| rt.gate.clone())
    }
}

fn account_in(config: &ConfigFile, account_id: &AccountId) -> Result<AccountRecord> {
    config
        .account(account_id)
        .cloned()
        .ok_or_else(|| Error::NotFound {
            what: "account",
            id: account_id.to_string(),
        })
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RefreshGate {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}
