//! Emitting [`AppEvent`]s to the webview (named and typed in `tokendeck_core::ipc`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};
use tokendeck_core::deck::AccountView;
use tokendeck_core::ids::AccountId;
use tokendeck_core::ipc::{AppEvent, AuthFailed};
use tokendeck_core::wire::WireError;

use crate::AppState;

/// Accounts or providers changed: the window reloads, the tray menu is rebuilt.
pub fn accounts_changed(app: &AppHandle) {
    emit(app, AppEvent::AccountsChanged);
    crate::tray::update(app);
}

/// Changes made in the background (the keeper refreshing fifty accounts) reach the window and
/// the tray at most every 2 seconds: each reload costs far more than the refresh itself.
#[derive(Debug, Default)]
pub struct Coalesced {
    pending: AtomicBool,
}

pub fn accounts_changed_soon(app: &AppHandle) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    if state
        .background_changes
        .pending
        .swap(true, Ordering::AcqRel)
    {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        if let Some(state) = app.try_state::<AppState>() {
            state
                .background_changes
                .pending
                .store(false, Ordering::Release);
        }
        accounts_changed(&app);
    });
}

pub fn auth_completed(app: &AppHandle, account: &AccountView) {
    emit(app, AppEvent::AuthCompleted(Box::new(account.clone())));
}

pub fn auth_failed(app: &AppHandle, state: Option<String>, error: WireError) {
    emit(app, AppEvent::AuthFailed(AuthFailed { state, error }));
}

pub fn open_account(app: &AppHandle, account_id: &AccountId) {
    emit(app, AppEvent::OpenAccount(account_id.clone()));
}

pub fn clipboard_cleared(app: &AppHandle) {
    emit(app, AppEvent::ClipboardCleared);
}

fn emit(app: &AppHandle, event: AppEvent) {
    if let Err(e) = app.emit(event.name(), event.payload()) {
        tracing::warn!(event = event.name(), error = %e, "could not emit event");
    }
}
