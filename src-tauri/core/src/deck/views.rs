//! What the UI and the CLI are shown. These types are exported to TypeScript (ts-rs) and
//! contain no refresh token and no client secret by construction.

use serde::{Deserialize, Serialize};

use crate::authorize::AuthorizeOptions;
use crate::ids::{AccountId, ProviderId};
use crate::inspect::{TokenView, Verification};
use crate::provider::ProviderConfig;
use crate::store::{AccountRecord, Settings};

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeckView {
    pub providers: Vec<ProviderView>,
    pub accounts: Vec<AccountView>,
    pub settings: Settings,
    /// One-off messages for the user (e.g. a settings file that was moved aside).
    pub notices: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub config: ProviderConfig,
    /// Whether a client secret is stored in the keyring (the secret itself never leaves Rust).
    pub has_client_secret: bool,
    pub redirect: RedirectView,
    /// Cognito's own API can sign users in (see `ProviderConfig::offers_password_sign_in`).
    pub password_sign_in: bool,
    /// Sign-in with a code (RFC 8628) may be offered: an OpenID issuer whose discovery
    /// document lists a device endpoint, or was not read yet. Never Cognito, which has no
    /// device flow.
    pub device_sign_in: bool,
}

/// The redirect URIs to register with the provider's app client, and whether a response
/// arriving there can only come from this provider (mix-up defence, RFC 9700 §4.4).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RedirectView {
    /// Where the app's sign-ins return (deep link or loopback).
    pub uri: String,
    /// Where the `tokendeck` command's sign-ins return (always loopback, any port).
    pub loopback_uri: String,
    /// False when the redirect is shared with other providers.
    pub mix_up_protected: bool,
    /// What to register and set instead, when not protected.
    pub advice: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub record: AccountRecord,
    /// `None` until the session is signed in or restored in this run.
    pub session: Option<SessionSummary>,
    /// The last refresh in this run failed (and none succeeded since): when, and why.
    pub refresh_failure: Option<RefreshFailure>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RefreshFailure {
    /// Unix seconds.
    pub at: u64,
    pub error: crate::wire::WireError,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// Whether these tokens came from a sign-in, a refresh, or the keyring after a restart.
    pub origin: SessionOrigin,
    pub access_expires_at: Option<u64>,
    pub id_expires_at: Option<u64>,
    pub refreshed_at: u64,
    pub has_refresh_token: bool,
    pub granted_scopes: Vec<String>,
    pub requested_scopes: Vec<String>,
    pub verification: Verification,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum SessionOrigin {
    SignIn,
    Refresh,
    /// Brought back from the keyring cache (after a restart, or written by the CLI).
    Restored,
}

/// Everything the account view shows: decoded tokens with their verdicts and the raw JWTs
/// (access and ID tokens are what the user came to copy; refresh tokens never appear).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountDetail {
    pub account: AccountView,
    pub id_token: Option<TokenView>,
    pub access_token: Option<TokenView>,
    pub raw_id_token: Option<String>,
    pub raw_access_token: Option<String>,
}

/// A provider as submitted by the add/edit form. `client_secret`: `None` keeps the stored one,
/// `Some("")` removes it, anything else replaces it. `Debug` hides the secret.
#[derive(Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderDraft {
    pub config: ProviderConfig,
    #[ts(optional)]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ProviderDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderDraft")
            .field("config", &self.config)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SignInRequest {
    /// Force the login page even if the browser has a session (another user on this pool).
    /// Defaults to true when the provider already has a signed-in user.
    #[ts(optional)]
    pub force_login: Option<bool>,
    #[ts(optional)]
    pub login_hint: Option<String>,
    #[ts(optional)]
    pub options: Option<AuthorizeOptions>,
    /// Use a loopback redirect (`http://127.0.0.1/callback`, any port) even if the provider's
    /// redirect is the custom scheme: for the CLI, which has no deep link.
    #[ts(optional)]
    pub loopback: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInStartedView {
    pub state: String,
    pub provider_id: ProviderId,
    /// Seconds until the sign-in expires if the browser never comes back.
    pub expires_in: u64,
    pub via_loopback: bool,
}

/// A device sign-in waiting for the user to enter `user_code` at `verification_uri`.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSignInView {
    /// Identifies the sign-in for `cancel_sign_in`.
    pub id: String,
    pub provider_id: ProviderId,
    pub user_code: String,
    pub verification_uri: String,
    /// The same page with the code filled in, when the provider gives one.
    pub verification_uri_complete: Option<String>,
    /// Seconds until the code expires.
    pub expires_in: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum CopyKind {
    AccessToken,
    IdToken,
    AuthorizationHeader,
    Curl,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SignOutView {
    /// The provider revoked the refresh token.
    pub revoked: bool,
    /// Opened in the browser when the user asked to end the hosted-UI session too.
    pub logout_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckItem {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    pub ok: bool,
    pub items: Vec<CheckItem>,
}

/// Outcome of one account in a refresh-all.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RefreshOutcome {
    pub account_id: AccountId,
    pub error: Option<crate::wire::WireError>,
}

#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct InspectRequest {
    pub token: String,
    /// Verify against this provider's keys; `None` decodes only.
    #[ts(optional)]
    pub provider_id: Option<ProviderId>,
    #[ts(optional)]
    pub token_use: Option<crate::verify::TokenUse>,
}

/// A question Cognito asks before issuing tokens (new password, MFA code).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeView {
    pub id: String,
    pub name: String,
    pub prompt: String,
    /// A custom challenge's parameters from the pool (its question, hints), to show.
    pub details: Vec<ChallengeDetail>,
    /// SELECT_CHALLENGE: the ways Cognito offers; the answer is one of them.
    pub choices: Vec<String>,
    /// Why the previous answer to this same challenge was refused (a wrong code); it may be
    /// answered again.
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeDetail {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "outcome"
)]
pub enum PasswordSignIn {
    SignedIn(Box<AccountView>),
    Challenge(ChallengeView),
}

/// How a username and password sign in through Cognito's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum PasswordFlow {
    /// USER_SRP_AUTH: a proof of the password, never the password.
    Srp,
    /// USER_PASSWORD_AUTH: the password over TLS.
    Password,
    /// ADMIN_USER_PASSWORD_AUTH, signed with the provider's AWS profile's credentials.
    Admin,
    /// CUSTOM_AUTH: the pool's own challenges, answered one by one (no password up front).
    Custom,
    /// USER_AUTH: Cognito offers the ways this user may sign in (a code by email or SMS, the
    /// password); no password up front.
    Choice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum AwsCredentialFormat {
    /// `export AWS_ACCESS_KEY_ID=...` lines.
    Env,
    /// JSON for the AWS CLI's `credential_process`.
    CredentialProcess,
}

/// What the UI shows of temporary AWS credentials; the secret parts go only to the clipboard.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AwsCredentialsView {
    pub identity_id: String,
    pub access_key_id: String,
    pub expiration: u64,
}
