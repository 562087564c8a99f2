//! Desktop notifications: a refresh deadline coming near, a background refresh that failed.
//! Clicking one shows that account. The keeper's notes wait until none has come for [`QUIET`]:
//! the same news for several accounts (after a sleep, with the network not back yet, as the
//! keeper spreads overdue refreshes over up to a minute) is one notification naming them.
//!
//! Tauri's notification plugin reports no clicks on the desktop
//! (tauri-apps/plugins-workspace#2150), so this drives notify-rust (what the plugin uses
//! underneath) and, where the desktop reports clicks (freedesktop servers), waits for the
//! "default" action on a blocking thread.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use tauri::AppHandle;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{AfterFailure, KeeperEvent};
use tokendeck_core::ids::AccountId;

/// The keeper's notes are shown once no other has come for this long.
const QUIET: Duration = Duration::from_secs(2);
/// The longest a note waits for others, however long they keep coming (longer than the
/// keeper's spread of overdue refreshes after a sleep).
const LONGEST_WAIT: Duration = Duration::from_secs(65);
/// Accounts a gathered note names; the rest are counted.
const NAMED: usize = 3;

/// One notification, about one account or a few gathered ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The account a click shows; `None` just brings the window up.
    pub account_id: Option<AccountId>,
    /// Whom it is about: the account's label (markup escaped), or "Tokendeck".
    label: String,
    /// What happened, in the same words for every account ("background refresh failed").
    what: &'static str,
    pub body: String,
}

impl Note {
    /// What to tell the user about a keeper event, if anything: a deadline, the first failure
    /// of a streak (not every retry), and a session that ended or paused. The text is fixed
    /// wording plus the account's label: what the provider said stays in the window (a
    /// notification server renders markup and links, so provider text must not reach it).
    pub fn of(event: &KeeperEvent, now: u64) -> Option<Self> {
        let (account_id, label, summary, body) = match event {
            KeeperEvent::Refreshed { .. } => return None,
            KeeperEvent::DeadlineNear {
                account_id,
                label,
                expires_at,
            } => (
                account_id,
                label,
                "sign in again soon",
                format!(
                    "Its refresh token expires {}; after that only a new sign-in gets tokens.",
                    time_left(expires_at.saturating_sub(now))
                ),
            ),
            KeeperEvent::RefreshFailed {
                account_id,
                label,
                error,
                failures,
                next,
            } => {
                let (summary, then) = match next {
                    AfterFailure::SignInAgain => (
                        "sign in again",
                        "Sign in again to get tokens.".to_owned(),
                    ),
                    AfterFailure::FixClient => (
                        "refresh paused",
                        "The provider refused the app client: check its secret in the provider's settings.".to_owned(),
                    ),
                    AfterFailure::RetryIn(_) if *failures > 1 => return None,
                    AfterFailure::RetryIn(wait) => (
                        "background refresh failed",
                        format!("Tokendeck tries again in {} s.", wait.as_secs()),
                    ),
                };
                (
                    account_id,
                    label,
                    summary,
                    format!("{} {then}", reason(error.code)),
                )
            }
        };
        Some(Self::about(Some(account_id), label, summary, body))
    }

    /// A note about `label` (escaped here: a notification server renders markup). `body` is
    /// fixed wording, never provider text.
    pub fn about(
        account_id: Option<&AccountId>,
        label: &str,
        what: &'static str,
        body: impl Into<String>,
    ) -> Self {
        Self {
            account_id: account_id.cloned(),
            label: plain(label),
            what,
            body: body.into(),
        }
    }

    pub fn summary(&self) -> String {
        format!("{}: {}", self.label, self.what)
    }

    /// The same news for several accounts becomes one note naming the first few ("alice,
    /// bob, carol and 2 more"), whose click brings the window up; the rest stay as they are.
    pub fn gathered(notes: Vec<Self>) -> Vec<Self> {
        let mut groups: Vec<Vec<Self>> = Vec::new();
        for note in notes {
            match groups
                .iter_mut()
                .find(|group| group.first().is_some_and(|first| first.what == note.what))
            {
                Some(group) => group.push(note),
                None => groups.push(vec![note]),
            }
        }
        groups
            .into_iter()
            .filter_map(|mut group| match group.len() {
                1 => group.pop(),
                count => {
                    let what = group.first()?.what;
                    let mut names = group
                        .iter()
                        .take(NAMED)
                        .map(|note| note.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    if count > NAMED {
                        names.push_str(&format!(" and {} more", count - NAMED));
                    }
                    Some(Self::about(
                        None,
                        &format!("{count} accounts"),
                        what,
                        format!("{names}. Open Tokendeck to see each one."),
                    ))
                }
            })
            .collect()
    }
}

/// When notes that began to wait at `first` are shown, the last having come at `last`.
fn shown_at(first: Instant, last: Instant) -> Instant {
    (last + QUIET).min(first + LONGEST_WAIT)
}

/// Holds notes until none has come for [`QUIET`] (at most [`LONGEST_WAIT`]), then shows them
/// gathered.
#[derive(Debug, Default)]
pub struct Gatherer {
    waiting: Mutex<Waiting>,
}

#[derive(Debug, Default)]
struct Waiting {
    notes: Vec<Note>,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Gatherer {
    pub fn show(self: &Arc<Self>, app: &AppHandle, note: Note) {
        let now = Instant::now();
        let mut waiting = self.lock();
        waiting.notes.push(note);
        waiting.last = Some(now);
        if waiting.first.is_some() {
            return;
        }
        waiting.first = Some(now);
        let (gatherer, app) = (self.clone(), app.clone());
        tauri::async_runtime::spawn(async move {
            loop {
                let at = {
                    let waiting = gatherer.lock();
                    match (waiting.first, waiting.last) {
                        (Some(first), Some(last)) => shown_at(first, last),
                        _ => return,
                    }
                };
                if Instant::now() >= at {
                    break;
                }
                tokio::time::sleep_until(at).await;
            }
            let notes = std::mem::take(&mut *gatherer.lock()).notes;
            for note in Note::gathered(notes) {
                show(&app, note);
            }
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why a refresh failed, in fixed words (details are on the account's page).
fn reason(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Network => "The provider could not be reached.",
        ErrorCode::SignInAgain => "The provider no longer accepts the refresh token.",
        ErrorCode::InvalidClient => "The provider refused the app client.",
        ErrorCode::KeyringUnavailable => "The keyring is locked or unavailable.",
        ErrorCode::TokenRejected => "The new tokens failed verification.",
        _ => "The refresh did not succeed.",
    }
}

/// Text a notification server shows as it is: markup characters escaped (freedesktop
/// servers render a subset of HTML in bodies, some in summaries too).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !c.is_control()) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn time_left(seconds: u64) -> String {
    match seconds {
        0 => "now".into(),
        s if s < 3600 => format!("in {} minutes", s.div_ceil(60)),
        s if s < 48 * 3600 => format!("in {} hours", s / 3600),
        s => format!("in {} days", s / 86_400),
    }
}

/// Shows `note`; a click on it brings the window up on its account.
pub fn show(app: &AppHandle, note: Note) {
    let app = app.clone();
    // notify-rust blocks on D-Bus, and waiting for a click blocks until the notification
    // closes: a blocking thread, not the async runtime.
    tauri::async_runtime::spawn_blocking(move || {
        let shown = notify_rust::Notification::new()
            .appname("Tokendeck")
            .summary(&note.summary())
            .body(&note.body)
            .action("default", "Open")
            .show();
        match shown {
            Ok(handle) => wait_for_click(&app, handle, note.account_id.as_ref()),
            Err(e) => tracing::warn!(error = %e, "could not show a desktop notification"),
        }
    });
}

#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(
    app: &AppHandle,
    handle: notify_rust::NotificationHandle,
    account: Option<&AccountId>,
) {
    handle.wait_for_action(|action| {
        if action == "default" {
            crate::deep_link::focus_main_window(app);
            if let Some(account) = account {
                crate::events::open_account(app, account);
            }
        }
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click(_: &AppHandle, _: notify_rust::NotificationHandle, _: Option<&AccountId>) {}

#[cfg(test)]
mod tests;
