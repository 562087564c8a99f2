//! The app-wide settings (`Settings`) and per-account overrides of them.

use super::Deck;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::store::{AccountKind, Settings};

impl Deck {
    pub async fn set_clipboard_clear_seconds(&self, seconds: u32) -> Result<()> {
        self.update_settings(|settings| settings.clipboard_clear_seconds = seconds.min(3600))
            .await
    }

    pub async fn set_app_answers_command_line(&self, enabled: bool) -> Result<()> {
        self.update_settings(|settings| settings.app_answers_command_line = enabled)
            .await
    }

    pub async fn app_answers_command_line(&self) -> bool {
        self.config.lock().await.settings.app_answers_command_line
    }

    pub async fn clipboard_clear_seconds(&self) -> u32 {
        self.config.lock().await.settings.clipboard_clear_seconds
    }

    /// Turns background refreshing on or off for all accounts that do not override it.
    pub async fn set_keep_fresh(&self, enabled: bool) -> Result<()> {
        self.update_settings(|settings| settings.keep_fresh = enabled)
            .await
    }

    /// Overrides background refreshing for one account; `None` follows the app-wide setting.
    pub async fn set_account_keep_fresh(
        &self,
        account_id: &AccountId,
        keep_fresh: Option<bool>,
    ) -> Result<()> {
        self.update_config(|file| {
            let account = file.account_mut(account_id).ok_or_else(|| Error::NotFound {
                what: "account",
                id: account_id.to_string(),
            })?;
            if account.kind == AccountKind::Machine && keep_fresh == Some(true) {
                return Err(Error::Unsupported {
                    what: "keeping a machine token fresh",
                    hint: "machine tokens are fetched again when needed; there is no session to keep",
                });
            }
            account.keep_fresh = keep_fresh;
            Ok(())
        })
        .await
    }

    /// How many hours before a refresh token expires to warn; 0 = never (capped at 90 days).
    pub async fn set_deadline_warning_hours(&self, hours: u32) -> Result<()> {
        self.update_settings(|settings| settings.deadline_warning_hours = hours.min(90 * 24))
            .await
    }

    pub async fn set_close_to_tray(&self, enabled: bool) -> Result<()> {
        self.update_settings(|settings| settings.close_to_tray = enabled)
            .await
    }

    pub async fn close_to_tray(&self) -> bool {
        self.config.lock().await.settings.close_to_tray
    }

    /// Changes the app-wide settings as they are on disk now (see `update_config`).
    async fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<()> {
        self.update_config(|file| {
            change(&mut file.settings);
            Ok(())
        })
        .await
    }
}
