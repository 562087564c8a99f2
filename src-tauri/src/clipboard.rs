//! Copying happens in Rust (the webview never holds a refresh token, and needs no clipboard
//! permission). A copied value is marked for clipboard managers not to keep in their history,
//! and cleared after the configured delay, or when Tokendeck exits, if the clipboard still
//! holds it; only its hash is kept meanwhile.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tauri::{AppHandle, Manager};
use tokendeck_core::Error;
use tokendeck_core::secret::AccessToken;

use crate::events;

/// The last copy: which one it was, and the hash of what it put on the clipboard. Copying and
/// recording it happen under one lock, so a timer never sees a copy half done.
#[derive(Default)]
struct LastCopy {
    clipboard: Option<arboard::Clipboard>,
    number: u64,
    digest: Option<[u8; 32]>,
}

#[derive(Default)]
pub struct ClipboardGuard {
    last: Mutex<LastCopy>,
}

impl std::fmt::Debug for ClipboardGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipboardGuard").finish_non_exhaustive()
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn clipboard_error(e: impl std::fmt::Display) -> Error {
    Error::Storage {
        action: "write",
        path: "the clipboard".into(),
        reason: e.to_string(),
    }
}

impl LastCopy {
    fn clipboard(&mut self) -> Result<&mut arboard::Clipboard, Error> {
        if self.clipboard.is_none() {
            self.clipboard = Some(arboard::Clipboard::new().map_err(clipboard_error)?);
        }
        self.clipboard
            .as_mut()
            .ok_or_else(|| clipboard_error("no clipboard"))
    }

    /// Clears the clipboard if it still holds what we put there.
    fn clear_if_ours(&mut self) -> bool {
        let Some(ours) = self.digest else {
            return false;
        };
        let Ok(clipboard) = self.clipboard() else {
            return false;
        };
        let current = clipboard.get_text().ok().map(|t| digest(&t));
        let cleared = current == Some(ours) && clipboard.set_text(String::new()).is_ok();
        self.digest = None;
        cleared
    }
}

impl ClipboardGuard {
    fn lock(&self) -> MutexGuard<'_, LastCopy> {
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn copy(&self, app: &AppHandle, text: &AccessToken, clear_after: u32) -> Result<(), Error> {
        let mut last = self.lock();
        let set = last.clipboard()?.set();
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
        ))]
        let set = arboard::SetExtLinux::exclude_from_history(set);
        #[cfg(windows)]
        let set = arboard::SetExtWindows::exclude_from_history(set);
        #[cfg(target_os = "macos")]
        let set = arboard::SetExtApple::exclude_from_history(set);
        set.text(text.expose_secret()).map_err(clipboard_error)?;
        last.number += 1;
        last.digest = Some(digest(text.expose_secret()));
        let copy = last.number;
        drop(last);
        if clear_after > 0 {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(Duration::from_secs(u64::from(clear_after))).await;
                app.state::<crate::AppState>()
                    .clipboard
                    .clear_after_delay(&app, copy);
            });
        }
        Ok(())
    }

    /// A copy's timer: a later copy owns the clipboard and its own timer.
    fn clear_after_delay(&self, app: &AppHandle, copy: u64) {
        let mut last = self.lock();
        if last.number == copy && last.clear_if_ours() {
            drop(last);
            events::clipboard_cleared(app);
        }
    }

    /// On exit: a token we copied does not outlive Tokendeck on the clipboard.
    pub fn clear_on_exit(&self) {
        if self.lock().clear_if_ours() {
            tracing::info!("cleared the clipboard on exit");
        }
    }
}
