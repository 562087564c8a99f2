//! Emitting [`AppEvent`]s to the webview (named and typed in `tokendeck_core::ipc`).

use tauri::{AppHandle, Emitter};
use tokendeck_core::deck::AccountView;
use tokendeck_core::ids::AccountId;
use tokendeck_core::ipc::{AppEvent, AuthFailed};
use tokendeck_core::wire::WireError;

/// Accounts or providers changed: the window reloads, the tray menu is rebuilt.
pub fn accounts_changed(app: &AppHandle) {
    emit(app, AppEvent::AccountsChanged);
    crate::tray::update(app);
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
