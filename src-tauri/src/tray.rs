//! The tray icon: every account with its state, and per account "Copy access token", "Copy
//! Authorization header" and "Refresh"; then "Refresh all", "Open Tokendeck" and "Quit".
//! Menu items carry a [`TrayAction`] in their id; a click runs [`act`], the same calls the
//! window makes (copies are cleared after the same delay). The menu is rebuilt when accounts
//! change and once a minute, for the times left.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::menu::{Menu, MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tokendeck_core::deck::{AccountView, CopyKind, DeckView};
use tokendeck_core::ids::AccountId;
use tokendeck_core::store::{AccountKind, AccountStatus};
use tokendeck_core::token::unix_now;

use crate::{AppState, events, notifications};

const TRAY_ID: &str = "tokendeck";

/// What a tray menu item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    Copy(AccountId, CopyKind),
    Refresh(AccountId),
    /// The window, on this account.
    Show(AccountId),
    RefreshAll,
    Open,
    Quit,
}

impl TrayAction {
    /// The menu item id that carries this action.
    pub fn id(&self) -> String {
        match self {
            Self::Copy(account, CopyKind::AccessToken) => format!("copy-access:{account}"),
            Self::Copy(account, CopyKind::AuthorizationHeader) => format!("copy-header:{account}"),
            Self::Copy(account, CopyKind::IdToken) => format!("copy-id:{account}"),
            Self::Copy(account, CopyKind::Curl) => format!("copy-curl:{account}"),
            Self::Refresh(account) => format!("refresh:{account}"),
            Self::Show(account) => format!("show:{account}"),
            Self::RefreshAll => "refresh-all".into(),
            Self::Open => "open".into(),
            Self::Quit => "quit".into(),
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        let fixed = match id {
            "refresh-all" => Some(Self::RefreshAll),
            "open" => Some(Self::Open),
            "quit" => Some(Self::Quit),
            _ => None,
        };
        if fixed.is_some() {
            return fixed;
        }
        let (verb, account) = id.split_once(':')?;
        let account = AccountId::from(account);
        Some(match verb {
            "copy-access" => Self::Copy(account, CopyKind::AccessToken),
            "copy-header" => Self::Copy(account, CopyKind::AuthorizationHeader),
            "copy-id" => Self::Copy(account, CopyKind::IdToken),
            "copy-curl" => Self::Copy(account, CopyKind::Curl),
            "refresh" => Self::Refresh(account),
            "show" => Self::Show(account),
            _ => return None,
        })
    }
}

/// Whether the tray icon is up, and whether closing the window hides it there (the setting,
/// mirrored here because a window event cannot wait for the settings file).
#[derive(Debug, Default)]
pub struct TrayState {
    shown: AtomicBool,
    close_to_tray: AtomicBool,
}

impl TrayState {
    pub fn is_shown(&self) -> bool {
        self.shown.load(Ordering::Acquire)
    }

    pub fn set_close_to_tray(&self, on: bool) {
        self.close_to_tray.store(on, Ordering::Release);
    }
}

/// Closing the window hides it when the setting says so and the icon is there to bring it
/// back; otherwise the app quits as before.
pub fn on_window_event(window: &tauri::Window, event: &tauri::WindowEvent) {
    let tauri::WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let Some(state) = window.try_state::<AppState>() else {
        return;
    };
    let (tray_shown, close_to_tray) = (
        state.tray.is_shown(),
        state.tray.close_to_tray.load(Ordering::Acquire),
    );
    tracing::debug!(tray_shown, close_to_tray, "window close requested");
    if tray_shown && close_to_tray {
        api.prevent_close();
        match window.hide() {
            Ok(()) => tracing::debug!("window hidden to the tray"),
            Err(e) => tracing::warn!(error = %e, "could not hide the window"),
        }
    }
}

/// Puts the icon in the tray and keeps its menu current. Without a tray (some desktops have
/// none) the app works as before; closing the window then quits.
pub fn install(app: &AppHandle) {
    let Some(icon) = app.default_window_icon().cloned() else {
        tracing::warn!("no icon for the tray");
        return;
    };
    let menu = match fixed_items(app, MenuBuilder::new(app)).build() {
        Ok(menu) => menu,
        Err(e) => {
            tracing::warn!(error = %e, "could not build the tray menu");
            return;
        }
    };
    let built = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip("Tokendeck")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| {
            if let Some(action) = TrayAction::parse(event.id().as_ref()) {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { act(&app, action).await });
            }
        })
        .build(app);
    match built {
        Ok(_) => {
            if let Some(state) = app.try_state::<AppState>() {
                state.tray.shown.store(true, Ordering::Release);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon");
            return;
        }
    }
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            minute.tick().await;
            update(&handle);
        }
    });
}

/// Rebuilds the menu from the accounts as they are now (in the background).
pub fn update(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(state) = app.try_state::<AppState>() else {
            return;
        };
        if !state.tray.is_shown() {
            return;
        }
        let view = state.deck.snapshot().await;
        let Some(tray) = app.tray_by_id(TRAY_ID) else {
            return;
        };
        match menu_of(&app, &view) {
            Ok(menu) => {
                if let Err(e) = tray.set_menu(Some(menu)) {
                    tracing::warn!(error = %e, "could not update the tray menu");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not build the tray menu"),
        }
    });
}

fn menu_of(app: &AppHandle, view: &DeckView) -> tauri::Result<Menu<Wry>> {
    let now = unix_now();
    let warn_within = u64::from(view.settings.deadline_warning_hours) * 3600;
    let mut menu = MenuBuilder::new(app);
    let mut any = false;
    for provider in &view.providers {
        let accounts: Vec<&AccountView> = view
            .accounts
            .iter()
            .filter(|a| a.record.kind == AccountKind::User)
            .filter(|a| a.record.provider_id == provider.config.id)
            .collect();
        if accounts.is_empty() {
            continue;
        }
        any = true;
        // A heading: the provider's name, not clickable.
        menu = menu.item(
            &MenuItemBuilder::new(&provider.config.name)
                .enabled(false)
                .build(app)?,
        );
        for account in accounts {
            let mut label = format!("{}: {}", account.record.label, state_of(account, now));
            if let Some(at) = account.record.refresh_expires_at
                && account.record.status == AccountStatus::Active
                && warn_within > 0
                && at <= now.saturating_add(warn_within)
            {
                label.push_str(&match at.checked_sub(now).filter(|left| *left > 0) {
                    Some(left) => format!(" · sign in ≤{}", short_duration(left)),
                    None => " · sign in now".to_owned(),
                });
            }
            menu = menu.item(&account_menu(app, account, label)?);
        }
    }
    if any {
        menu = menu.separator();
    }
    fixed_items(app, menu).build()
}

/// One account's submenu: copies and refresh while its session works, and always a way to
/// open it in the window (to sign in again, say).
fn account_menu(
    app: &AppHandle,
    account: &AccountView,
    label: String,
) -> tauri::Result<tauri::menu::Submenu<Wry>> {
    let usable = account.record.status == AccountStatus::Active;
    let id = &account.record.id;
    let item = |action: TrayAction, text: &str, enabled: bool| {
        MenuItemBuilder::with_id(action.id(), text)
            .enabled(enabled)
            .build(app)
    };
    SubmenuBuilder::new(app, label)
        .item(&item(
            TrayAction::Copy(id.clone(), CopyKind::AccessToken),
            "Copy access token",
            usable,
        )?)
        .item(&item(
            TrayAction::Copy(id.clone(), CopyKind::AuthorizationHeader),
            "Copy Authorization header",
            usable,
        )?)
        .item(&item(TrayAction::Refresh(id.clone()), "Refresh", usable)?)
        .item(&item(
            TrayAction::Show(id.clone()),
            "Open in Tokendeck",
            true,
        )?)
        .build()
}

fn fixed_items<'a>(
    _app: &'a AppHandle,
    menu: MenuBuilder<'a, Wry, AppHandle>,
) -> MenuBuilder<'a, Wry, AppHandle> {
    menu.text(TrayAction::RefreshAll.id(), "Refresh all")
        .text(TrayAction::Open.id(), "Open Tokendeck")
        .separator()
        .text(TrayAction::Quit.id(), "Quit")
}

/// The account's state in a few words, as the sidebar shows it.
fn state_of(account: &AccountView, now: u64) -> String {
    match &account.record.status {
        AccountStatus::SignInAgain { .. } => return "sign in again".into(),
        AccountStatus::RefreshPaused { .. } => return "refresh paused".into(),
        AccountStatus::Active => {}
    }
    if account.refresh_failure.is_some() {
        return "refresh failed".into();
    }
    match account.session.as_ref().and_then(|s| s.access_expires_at) {
        Some(at) if at > now => format!("{} left", short_duration(at - now)),
        Some(_) => "expired".into(),
        None if account.session.is_some() => "active".into(),
        None => "not loaded".into(),
    }
}

fn short_duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Runs a tray action; failures become notifications (the window may be hidden).
pub async fn act(app: &AppHandle, action: TrayAction) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    // Fixed words (provider text stays out of notifications); a click opens the account.
    let failed = |account: &AccountId, what: &'static str, body: &str| {
        notifications::show(
            app,
            notifications::Note::about(Some(account), "Tokendeck", what, body),
        );
    };
    tracing::debug!(?action, "tray menu item chosen");
    match action {
        TrayAction::Copy(account, kind) => {
            let copied = async {
                let text = state.deck.copy_text(&account, kind).await?;
                let clear_after = state.deck.clipboard_clear_seconds().await;
                state.clipboard.copy(app, &text, clear_after)
            };
            let copied = copied.await;
            // A copy may have refreshed a token about to expire.
            events::accounts_changed_soon(app);
            if copied.is_err() {
                failed(
                    &account,
                    "copying failed",
                    "Open Tokendeck and copy from the account's page, which says what is wrong.",
                );
            }
        }
        TrayAction::Refresh(account) => {
            if state.deck.refresh(&account).await.is_err() {
                failed(
                    &account,
                    "refreshing failed",
                    "The account's page in Tokendeck says why.",
                );
            }
            events::accounts_changed(app);
        }
        TrayAction::RefreshAll => {
            let outcomes = state.deck.refresh_all().await;
            let failures = outcomes.iter().filter(|o| o.error.is_some()).count();
            if failures > 0 {
                notifications::show(
                    app,
                    notifications::Note::about(
                        None,
                        "Tokendeck",
                        "refresh all",
                        format!(
                            "{failures} of {} accounts could not be refreshed; open Tokendeck to see why.",
                            outcomes.len()
                        ),
                    ),
                );
            }
            events::accounts_changed(app);
        }
        TrayAction::Show(account) => {
            crate::deep_link::focus_main_window(app);
            events::open_account(app, &account);
        }
        TrayAction::Open => crate::deep_link::focus_main_window(app),
        TrayAction::Quit => app.exit(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_survives_its_menu_id() {
        let account = AccountId::from("a-1b2c");
        let actions = [
            TrayAction::Copy(account.clone(), CopyKind::AccessToken),
            TrayAction::Copy(account.clone(), CopyKind::AuthorizationHeader),
            TrayAction::Copy(account.clone(), CopyKind::IdToken),
            TrayAction::Copy(account.clone(), CopyKind::Curl),
            TrayAction::Refresh(account.clone()),
            TrayAction::Show(account),
            TrayAction::RefreshAll,
            TrayAction::Open,
            TrayAction::Quit,
        ];
        for action in actions {
            assert_eq!(TrayAction::parse(&action.id()), Some(action));
        }
        assert_eq!(TrayAction::parse("copy-secret:a1"), None);
        assert_eq!(TrayAction::parse("nonsense"), None);
    }

    #[test]
    fn times_left_are_short() {
        assert_eq!(
            [59, 3599, 7200, 3 * 86_400].map(short_duration),
            ["59s", "59m", "2h", "3d"]
        );
    }
}
