//! Desktop notifications: a refresh deadline coming near, a background refresh that failed.
//! Clicking one shows that account. Tauri's notification plugin reports no clicks on the
//! desktop (tauri-apps/plugins-workspace#2150), so this drives notify-rust (what the plugin
//! uses underneath) and, where the desktop reports clicks (freedesktop servers), waits for
//! the "default" action on a blocking thread.

use tauri::AppHandle;
use tokendeck_core::deck::KeeperEvent;
use tokendeck_core::ids::AccountId;

/// One notification about one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The account a click shows; `None` just brings the window up.
    pub account_id: Option<AccountId>,
    pub summary: String,
    pub body: String,
}

impl Note {
    /// What to tell the user about a keeper event, if anything: a deadline, the first failure
    /// of a streak (not every retry), and a session that ended.
    pub fn of(event: &KeeperEvent, now: u64) -> Option<Self> {
        match event {
            KeeperEvent::Refreshed { .. } => None,
            KeeperEvent::DeadlineNear {
                account_id,
                label,
                expires_at,
            } => Some(Self {
                account_id: Some(account_id.clone()),
                summary: format!("{label}: sign in again soon"),
                body: format!(
                    "Its refresh token expires {}; after that only a new sign-in gets tokens.",
                    time_left(expires_at.saturating_sub(now))
                ),
            }),
            KeeperEvent::RefreshFailed {
                account_id,
                label,
                error,
                ended: true,
                ..
            } => Some(Self {
                account_id: Some(account_id.clone()),
                summary: format!("{label}: signed out"),
                body: format!("Sign in again. {}", error.message),
            }),
            KeeperEvent::RefreshFailed {
                account_id,
                label,
                error,
                failures: 1,
                retry_in,
                ..
            } => Some(Self {
                account_id: Some(account_id.clone()),
                summary: format!("{label}: background refresh failed"),
                body: format!(
                    "{} Tokendeck tries again{}.",
                    error.message,
                    retry_in
                        .map(|d| format!(" in {} s", d.as_secs()))
                        .unwrap_or_default()
                ),
            }),
            KeeperEvent::RefreshFailed { .. } => None,
        }
    }
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
            .summary(&note.summary)
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
mod tests {
    use std::time::Duration;

    use super::*;
    use tokendeck_core::wire::WireError;

    fn failed(ended: bool, failures: u32) -> KeeperEvent {
        KeeperEvent::RefreshFailed {
            account_id: "a1".into(),
            label: "alice".into(),
            error: WireError::from(&tokendeck_core::Error::InvalidGrant {
                detail: "revoked".into(),
            }),
            ended,
            failures,
            retry_in: (!ended).then(|| Duration::from_secs(15)),
        }
    }

    #[test]
    fn a_failure_streak_notifies_once_and_an_ended_session_always() {
        let first = Note::of(&failed(false, 1), 0).unwrap();
        assert_eq!(first.summary, "alice: background refresh failed");
        assert!(
            first.body.ends_with("Tokendeck tries again in 15 s."),
            "{}",
            first.body
        );
        assert_eq!(Note::of(&failed(false, 2), 0), None);
        let ended = Note::of(&failed(true, 3), 0).unwrap();
        assert_eq!(ended.summary, "alice: signed out");
        assert_eq!(
            Note::of(
                &KeeperEvent::Refreshed {
                    account_id: "a1".into()
                },
                0
            ),
            None
        );
    }

    #[test]
    fn a_deadline_says_how_long_is_left() {
        let near = |left: u64| {
            Note::of(
                &KeeperEvent::DeadlineNear {
                    account_id: "a1".into(),
                    label: "alice".into(),
                    expires_at: 1000 + left,
                },
                1000,
            )
            .unwrap()
            .body
        };
        assert!(near(90).contains("expires in 2 minutes"));
        assert!(near(5 * 3600).contains("expires in 5 hours"));
        assert!(near(3 * 86_400).contains("expires in 3 days"));
        assert!(near(0).contains("expires now"));
    }
}
