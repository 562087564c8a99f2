//! Events to the webview, named `domain:happened`.

use serde::Serialize;
use tauri::{AppHandle, Emitter};
use tokendeck_core::deck::AccountView;
use tokendeck_core::wire::WireError;

pub const ACCOUNTS_CHANGED: &str = "accounts:changed";
pub const AUTH_COMPLETED: &str = "auth:completed";
pub const AUTH_FAILED: &str = "auth:failed";
pub const CLIPBOARD_CLEARED: &str = "clipboard:cleared";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthFailed {
    /// The sign-in this concerns, when known (loopback and timeouts); a deep link that matched
    /// no sign-in has none.
    pub state: Option<String>,
    pub error: WireError,
}

pub fn accounts_changed(app: &AppHandle) {
    emit(app, ACCOUNTS_CHANGED, ());
}

pub fn auth_completed(app: &AppHandle, account: &AccountView) {
    emit(app, AUTH_COMPLETED, account);
}

pub fn auth_failed(app: &AppHandle, state: Option<String>, error: WireError) {
    emit(app, AUTH_FAILED, AuthFailed { state, error });
}

pub fn clipboard_cleared(app: &AppHandle) {
    emit(app, CLIPBOARD_CLEARED, ());
}

fn emit<T: Serialize + Clone>(app: &AppHandle, event: &str, payload: T) {
    if let Err(e) = app.emit(event, payload) {
        tracing::warn!(event, error = %e, "could not emit event");
    }
}
