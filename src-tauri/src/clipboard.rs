//! Copying happens in Rust (the webview never holds a refresh token, and needs no clipboard
//! permission). A copied value is cleared after the configured delay if the clipboard still
//! holds it; only its hash is kept meanwhile.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;
use tokendeck_core::Error;
use tokendeck_core::secret::AccessToken;

use crate::events;

#[derive(Debug, Default)]
pub struct ClipboardGuard {
    copies: AtomicU64,
    last: Mutex<Option<[u8; 32]>>,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl ClipboardGuard {
    pub fn copy(&self, app: &AppHandle, text: &AccessToken, clear_after: u32) -> Result<(), Error> {
        app.clipboard()
            .write_text(text.expose_secret())
            .map_err(|e| Error::Storage {
                action: "write",
                path: "the clipboard".into(),
                reason: e.to_string(),
            })?;
        let copy = self.copies.fetch_add(1, Ordering::AcqRel) + 1;
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(digest(text.expose_secret()));
        if clear_after > 0 {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(Duration::from_secs(u64::from(clear_after))).await;
                use tauri::Manager;
                app.state::<crate::AppState>()
                    .clipboard
                    .clear_if_ours(&app, copy);
            });
        }
        Ok(())
    }

    fn clear_if_ours(&self, app: &AppHandle, copy: u64) {
        if self.copies.load(Ordering::Acquire) != copy {
            return; // a later copy owns the clipboard and its own timer
        }
        let ours = *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = app.clipboard().read_text().ok().map(|t| digest(&t));
        if ours.is_some() && current == ours && app.clipboard().write_text(String::new()).is_ok() {
            events::clipboard_cleared(app);
        }
    }
}
