//! The keeper: while the app runs, it refreshes each account that keeps fresh a little before
//! its access token expires, and says when a refresh token's deadline comes near.
//!
//! - Refreshes go through [`Deck::refresh`]: the same per-account cross-process lock and
//!   stamps as a click or the CLI, so no two processes spend the same rotated token. Tokens
//!   another process already refreshed (found in the keyring cache) are adopted instead.
//! - Times are spread per account (see `schedule`); at most [`PARALLEL`] refreshes run at
//!   once; a failure backs off; an ended session (dead refresh token) is not tried again.
//! - Due times are wall-clock times (token expiry is), checked at least every [`TICK`], so a
//!   machine waking from sleep refreshes what expired meanwhile, spread over up to a minute.

mod refresh;
mod schedule;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::Deck;
use crate::error::Result;
use crate::ids::AccountId;
use crate::store::{AccountRecord, AccountStatus, Settings};
use crate::token::unix_now;
use crate::wire::WireError;
use schedule::{Jitter, due_at, retry_delay, wake_delay, woke_or_jumped};

/// The longest the keeper sleeps between looks (settings changes and wakes are noticed).
const TICK: Duration = Duration::from_secs(15);
/// Refreshes running at once.
const PARALLEL: usize = 4;
/// The least time between two background refreshes of one account, whatever the tokens say
/// (a provider issuing tokens that expire at once must not make the keeper spin).
const MIN_INTERVAL: Duration = Duration::from_secs(10);
/// How long refreshes in flight may finish after the keeper is told to stop: longer than an
/// HTTP request may take (30 s) plus lock waits and the keyring write, so a grant already
/// sent is never dropped with its rotated refresh token.
pub const DRAIN: Duration = Duration::from_secs(70);
/// Tokens living shorter than this are not kept fresh: refreshing them would be all the
/// keeper does (and a clock far off the provider's looks the same).
const SHORTEST_KEPT: u64 = 5;

/// The wall clock the keeper reads (Unix seconds). [`unix_now`] in the app; a test moves it
/// ahead to stand for a sleep or a clock jump, which no test can cause for real.
pub type WallClock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// What the keeper tells the app (which updates the window and shows notifications).
#[derive(Debug, Clone)]
pub enum KeeperEvent {
    /// The account's tokens were refreshed in the background (or adopted from another process).
    Refreshed { account_id: AccountId },
    /// A background refresh failed; `failures` counts failures in a row (1 = the first).
    RefreshFailed {
        account_id: AccountId,
        label: String,
        error: WireError,
        failures: u32,
        next: AfterFailure,
    },
    /// The account's refresh token expires at `expires_at` (Unix seconds), within the warning
    /// window of the settings. Once per account and deadline in a run.
    DeadlineNear {
        account_id: AccountId,
        label: String,
        expires_at: u64,
    },
}

/// What happens after a failed background refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Tried again then (the network, the provider having a bad minute, a locked keyring).
    RetryIn(Duration),
    /// The session is over (the refresh token is dead): only a sign-in helps; not tried again.
    SignInAgain,
    /// The provider refused the app client: refreshing is paused until its settings change.
    FixClient,
}

/// What the keeper remembers about one account between looks.
#[derive(Debug)]
struct Watch {
    jitter: Jitter,
    /// The expiry `jitter` was drawn for: each new token draws again.
    drawn_for: Option<u64>,
    failures: u32,
    /// Not tried again before this (after a failure, or spread out after a wake).
    not_before: Option<Instant>,
    warned_deadline: Option<u64>,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            jitter: Jitter::draw(),
            drawn_for: None,
            failures: 0,
            not_before: None,
            warned_deadline: None,
        }
    }
}

/// One look at the accounts: what to refresh now, and when to look again.
#[derive(Debug)]
struct Look {
    start: Vec<AccountId>,
    next: Instant,
}

/// The keeper's state across looks.
struct Keeper {
    deck: Arc<Deck>,
    wall: WallClock,
    watches: HashMap<AccountId, Watch>,
    in_flight: HashSet<AccountId>,
    last_wall: u64,
    last_monotonic: Instant,
}

type Finished = (AccountId, Result<()>);

impl Deck {
    /// Runs the keeper until `shutdown` completes, then waits (up to [`DRAIN`]) for refreshes
    /// in flight. `report` is called for each [`KeeperEvent`].
    pub async fn keep_fresh(
        self: Arc<Self>,
        shutdown: impl Future<Output = ()>,
        report: impl Fn(KeeperEvent) + Send + Sync + 'static,
    ) {
        self.keep_fresh_by(Arc::new(unix_now), shutdown, report)
            .await;
    }

    /// [`Deck::keep_fresh`] reading the wall clock `wall` (for tests).
    #[doc(hidden)]
    pub async fn keep_fresh_by(
        self: Arc<Self>,
        wall: WallClock,
        shutdown: impl Future<Output = ()>,
        report: impl Fn(KeeperEvent) + Send + Sync + 'static,
    ) {
        let mut keeper = Keeper {
            deck: self,
            last_wall: wall(),
            wall,
            watches: HashMap::new(),
            in_flight: HashSet::new(),
            last_monotonic: Instant::now(),
        };
        let mut running: JoinSet<Finished> = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let look = keeper.look(&report).await;
            for account_id in look.start {
                keeper.in_flight.insert(account_id.clone());
                let deck = keeper.deck.clone();
                running.spawn(async move {
                    let outcome = deck.refresh_in_background(&account_id).await;
                    (account_id, outcome)
                });
            }
            tokio::select! {
                () = &mut shutdown => break,
                Some(joined) = running.join_next(), if !running.is_empty() => {
                    if let Ok(finished) = joined {
                        keeper.settle(finished, &report).await;
                    }
                }
                () = tokio::time::sleep_until(look.next) => {}
            }
        }
        let drained = tokio::time::timeout(DRAIN, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("background refreshes still running at shutdown were abandoned");
        }
    }

    /// The settings and accounts as the file says now (the CLI may have changed them).
    async fn settings_and_accounts(&self) -> (Settings, Vec<AccountRecord>) {
        let mut config = self.config.lock().await;
        if let Err(e) = self.pick_up_other_writers(&mut config).await {
            tracing::warn!(error = %e, "the keeper could not re-read the settings");
        }
        (config.settings.clone(), config.accounts.clone())
    }

    /// When the account's access token was received and expires (Unix seconds), from memory
    /// or the keyring cache; `None` when it holds no tokens, `Some((_, None))` when their
    /// expiry is unknown.
    async fn token_times(&self, record: &AccountRecord) -> Option<(u64, Option<u64>)> {
        let live = self.live_session(record).await?;
        let expires_at = live
            .tokens
            .expires_at
            .or_else(|| jwt_exp(live.tokens.access_token.expose_secret()));
        Some((live.tokens.received_at, expires_at))
    }
}

impl Keeper {
    async fn look(&mut self, report: &impl Fn(KeeperEvent)) -> Look {
        let (settings, accounts) = self.deck.settings_and_accounts().await;
        let now = (self.wall)();
        let monotonic = Instant::now();
        let woke = woke_or_jumped(
            now.saturating_sub(self.last_wall),
            monotonic.saturating_duration_since(self.last_monotonic),
        );
        (self.last_wall, self.last_monotonic) = (now, monotonic);
        self.watches.retain(|id, _| {
            accounts
                .iter()
                .any(|a| a.id == *id && a.status == AccountStatus::Active)
        });

        let mut next = monotonic + TICK;
        let mut due_now = Vec::new();
        for record in &accounts {
            if record.status != AccountStatus::Active {
                continue;
            }
            self.warn_of_deadline(record, &settings, now, report);
            if !record.keeps_fresh(&settings) || self.in_flight.contains(&record.id) {
                continue;
            }
            // Backing off: not even the keyring is read (a locked one may prompt).
            if let Some(not_before) = self
                .watches
                .get(&record.id)
                .and_then(|w| w.not_before)
                .filter(|t| *t > monotonic)
            {
                next = next.min(not_before);
                continue;
            }
            let times = self.deck.token_times(record).await;
            let watch = self.watches.entry(record.id.clone()).or_default();
            let due = match times {
                // Nothing held: a refresh gets tokens (or ends a session without any).
                None => now,
                Some((_, None)) => continue,
                Some((received_at, Some(expires_at)))
                    if expires_at.saturating_sub(received_at) < SHORTEST_KEPT =>
                {
                    continue;
                }
                Some((received_at, Some(expires_at))) => {
                    if watch.drawn_for != Some(expires_at) {
                        watch.jitter = Jitter::draw();
                        watch.drawn_for = Some(expires_at);
                    }
                    due_at(received_at, expires_at, watch.jitter)
                }
            };
            match due.checked_sub(now) {
                Some(wait) if wait > 0 => next = next.min(monotonic + Duration::from_secs(wait)),
                _ => due_now.push(record.id.clone()),
            }
        }
        if woke && due_now.len() > 1 {
            // After a sleep everything is due at once: spread it instead of storming.
            let overdue = due_now.len();
            for id in std::mem::take(&mut due_now) {
                let watch = self.watches.entry(id).or_default();
                let at = monotonic + wake_delay(overdue, watch.jitter);
                watch.not_before = Some(at);
                next = next.min(at);
            }
        }
        let room = PARALLEL.saturating_sub(self.in_flight.len());
        if due_now.len() > room {
            // The rest go when a running refresh finishes (which wakes the loop).
            due_now.truncate(room);
        }
        Look {
            start: due_now,
            next,
        }
    }

    fn warn_of_deadline(
        &mut self,
        record: &AccountRecord,
        settings: &Settings,
        now: u64,
        report: &impl Fn(KeeperEvent),
    ) {
        let window = u64::from(settings.deadline_warning_hours) * 3600;
        let Some(expires_at) = record.refresh_expires_at else {
            return;
        };
        if window == 0 || expires_at > now.saturating_add(window) {
            return;
        }
        let watch = self.watches.entry(record.id.clone()).or_default();
        if watch.warned_deadline == Some(expires_at) {
            return;
        }
        watch.warned_deadline = Some(expires_at);
        report(KeeperEvent::DeadlineNear {
            account_id: record.id.clone(),
            label: record.label.clone(),
            expires_at,
        });
    }

    async fn settle(&mut self, (account_id, outcome): Finished, report: &impl Fn(KeeperEvent)) {
        self.in_flight.remove(&account_id);
        let Err(e) = outcome else {
            let watch = self.watches.entry(account_id.clone()).or_default();
            watch.failures = 0;
            watch.not_before = Some(Instant::now() + MIN_INTERVAL);
            report(KeeperEvent::Refreshed { account_id });
            return;
        };
        let record = self.deck.account(&account_id).await.ok();
        let watch = self.watches.entry(account_id.clone()).or_default();
        watch.failures = watch.failures.saturating_add(1);
        let next = match record.as_ref().map(|r| &r.status) {
            Some(AccountStatus::Active) => {
                AfterFailure::RetryIn(retry_delay(watch.failures, Jitter::draw()))
            }
            Some(AccountStatus::RefreshPaused { .. }) => AfterFailure::FixClient,
            Some(AccountStatus::SignInAgain { .. }) | None => AfterFailure::SignInAgain,
        };
        watch.not_before = match next {
            AfterFailure::RetryIn(wait) => Some(Instant::now() + wait),
            AfterFailure::SignInAgain | AfterFailure::FixClient => None,
        };
        tracing::warn!(account = %account_id, error = %e, ?next, "background refresh failed");
        report(KeeperEvent::RefreshFailed {
            account_id,
            label: record.map(|r| r.label).unwrap_or_default(),
            error: WireError::from(&e),
            failures: watch.failures,
            next,
        });
    }
}

fn jwt_exp(token: &str) -> Option<u64> {
    let (_, claims) = crate::inspect::decode_unverified(token).ok()?;
    claims.get("exp").and_then(serde_json::Value::as_u64)
}
