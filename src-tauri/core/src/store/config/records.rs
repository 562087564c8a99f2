//! What `config.json` says about each account, and the app-wide settings.

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ProviderId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum AccountKind {
    /// A person signed in through the browser.
    User,
    /// An app client's own token (client credentials).
    Machine,
}

/// How the account signed in, which decides how it refreshes and signs out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    /// Authorization code + PKCE through the browser (OAuth scopes apply).
    #[default]
    Browser,
    /// Cognito's own API with username and password (SRP); no OAuth scopes.
    CognitoApi,
    /// Cognito's server-side flow (ADMIN_USER_PASSWORD_AUTH) signed with the user's AWS
    /// credentials (the provider's AWS profile); refreshed the same way.
    CognitoAdmin,
}

impl SignInMethod {
    /// Signed in through Cognito's API (public or admin flow), not OAuth.
    pub fn is_cognito_api(self) -> bool {
        matches!(self, Self::CognitoApi | Self::CognitoAdmin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "state"
)]
pub enum AccountStatus {
    Active,
    /// The refresh token is dead (or missing); only a new sign-in helps.
    SignInAgain {
        reason: String,
    },
    /// The provider refused the client itself; refreshing is paused until settings change.
    RefreshPaused {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountRecord {
    pub id: AccountId,
    pub provider_id: ProviderId,
    pub label: String,
    pub kind: AccountKind,
    pub subject: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub created_at: u64,
    pub status: AccountStatus,
    #[serde(default)]
    pub sign_in: SignInMethod,
    /// When the refresh token stops working and only a sign-in helps (Unix seconds): from
    /// the provider's `refresh_expires_in`, else the sign-in time plus the provider's refresh
    /// token lifetime; `None` when neither is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<u64>,
    /// Overrides [`Settings::keep_fresh`] for this account; `None` follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_fresh: Option<bool>,
}

impl AccountRecord {
    /// Whether the app refreshes this account in the background (see `deck::keeper`).
    pub fn keeps_fresh(&self, settings: &Settings) -> bool {
        self.kind == AccountKind::User
            && self.status == AccountStatus::Active
            && self.keep_fresh.unwrap_or(settings.keep_fresh)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Clear the clipboard this many seconds after a copy if it still holds our value; 0 = never.
    pub clipboard_clear_seconds: u32,
    /// While the app runs, it answers `tokendeck token|env|exec|kubectl-credential` (the
    /// agent, see `crate::agent`). Off: the command line reads the keyring itself.
    pub app_answers_command_line: bool,
    /// While the app runs, it refreshes active accounts shortly before their access tokens
    /// expire (each account can override this).
    pub keep_fresh: bool,
    /// Warn (a flag on the account, a desktop notification) this many hours before an
    /// account's refresh token expires; 0 = never.
    pub deadline_warning_hours: u32,
    /// Closing the window keeps Tokendeck running in the tray (where there is one).
    pub close_to_tray: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_seconds: 30,
            app_answers_command_line: true,
            keep_fresh: true,
            deadline_warning_hours: 24,
            close_to_tray: false,
        }
    }
}
