//! The crate's one error type. Every variant maps to a stable [`ErrorCode`] the UI and CLI
//! switch on, and its message says what to do about it. No message contains a token, code,
//! verifier, client secret or full callback URL.

use crate::verify::VerifyFailure;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}: {problem}")]
    InvalidConfig {
        field: &'static str,
        problem: String,
    },

    #[error("could not reach {host}: {reason}. Check the URL and your network connection.")]
    Network { host: String, reason: String },

    #[error(
        "{endpoint} answered HTTP {status} with {body_kind}; expected JSON. If it persists, check that the URL of {endpoint} is the provider's, not a web page."
    )]
    UnexpectedResponse {
        endpoint: &'static str,
        status: u16,
        body_kind: String,
    },

    #[error(
        "{endpoint} answered with a redirect (HTTP {status}). Tokendeck does not follow redirects from OAuth endpoints: set the endpoint to the URL it redirects to."
    )]
    Redirected { endpoint: &'static str, status: u16 },

    #[error("discovery at {url} failed: {reason}")]
    Discovery { url: String, reason: String },

    #[error(
        "the discovery document at {url} names issuer \"{found}\", but the provider was configured with \"{expected}\". Use exactly the issuer the provider publishes (a trailing slash counts)."
    )]
    IssuerMismatch {
        url: String,
        expected: String,
        found: String,
    },

    #[error("the refresh token was rejected ({detail}). Sign in again.")]
    InvalidGrant { detail: String },

    #[error("the provider rejected the app client ({detail}). {hint}")]
    InvalidClient { detail: String, hint: &'static str },

    #[error(
        "the provider rejected the redirect URI {redirect_uri} ({detail}). Add {redirect_uri} to the app client's allowed callback URLs."
    )]
    RedirectMismatch {
        redirect_uri: String,
        detail: String,
    },

    #[error("sign-in was cancelled or refused at the provider ({detail}).")]
    AccessDenied { detail: String },

    /// A challenge's answer (an MFA or one-time code) was wrong; the same challenge may be
    /// answered again.
    #[error("that answer was not accepted ({detail}). Check it and try again.")]
    WrongAnswer { detail: String },

    #[error("the provider answered {error}{}", detail_suffix(.description))]
    Provider {
        error: String,
        description: Option<String>,
    },

    #[error(
        "this sign-in link does not belong to a sign-in started here (it was already used, or came from elsewhere). Start the sign-in again from Tokendeck."
    )]
    UnknownState,

    #[error("this sign-in expired after {minutes} minutes. Start it again.")]
    ExpiredState { minutes: u64 },

    #[error("the sign-in redirect was refused: {reason}")]
    BadCallback { reason: String },

    #[error("the {token} was rejected: {failure}")]
    TokenRejected {
        token: &'static str,
        failure: VerifyFailure,
    },

    #[error("the provider's signing keys could not be fetched from {url}: {reason}")]
    JwksUnavailable { url: String, reason: String },

    #[error("the local redirect listener failed: {reason}")]
    Loopback { reason: String },

    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout { what: &'static str, seconds: u64 },

    #[error("{what} is not available for this provider: {hint}")]
    Unsupported {
        what: &'static str,
        hint: &'static str,
    },

    #[error(
        "the system keyring is not available ({reason}). Tokendeck keeps refresh tokens and client secrets only in the OS keyring: {} and try again.",
        KEYRING_HINT
    )]
    Keyring { reason: String },

    #[error(
        "another Tokendeck process{holder} has been using {what} for over {seconds} s. Wait for it to finish (or quit it), then try again."
    )]
    Busy {
        what: &'static str,
        /// " (pid N)" when known.
        holder: String,
        seconds: u64,
    },

    #[error("could not {action} {path}: {reason}")]
    Storage {
        action: &'static str,
        path: String,
        reason: String,
    },

    #[error("no {what} with id {id}; it may have been removed")]
    NotFound { what: &'static str, id: String },
}

#[cfg(target_os = "linux")]
const KEYRING_HINT: &str = "install and unlock a Secret Service (gnome-keyring or KWallet)";
#[cfg(target_os = "macos")]
const KEYRING_HINT: &str = "unlock the login keychain";
#[cfg(windows)]
const KEYRING_HINT: &str = "check that Windows Credential Manager is available";
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
const KEYRING_HINT: &str = "make the platform's keyring service available";

fn detail_suffix(description: &Option<String>) -> String {
    description
        .as_deref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// The closed set of error codes that cross into the UI and the CLI's `--json` output.
/// Add one only when a caller acts on it differently from the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Fix the provider settings (the message names the field).
    InvalidConfig,
    /// Transient: network, timeouts, non-JSON answers. Retry.
    Network,
    /// The provider's discovery/issuer setup is wrong.
    Discovery,
    /// The refresh token is dead: sign in again.
    SignInAgain,
    /// The app client id/secret is wrong or the client is not allowed this grant.
    InvalidClient,
    /// The redirect URI is not registered with the app client.
    RedirectMismatch,
    /// The user cancelled or the provider refused the sign-in.
    AccessDenied,
    /// Another OAuth error from the provider.
    ProviderError,
    /// A redirect that matches no pending sign-in, or a malformed one: refused, nothing changed.
    BadCallback,
    /// The pending sign-in expired: start again.
    SignInExpired,
    /// A token failed verification.
    TokenRejected,
    /// Something that does not apply to this provider.
    Unsupported,
    /// No usable OS keyring (Secret Service, Keychain, Credential Manager).
    KeyringUnavailable,
    /// The provider or account no longer exists.
    NotFound,
    /// A local failure (listener, storage).
    Internal,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidConfig { .. } => ErrorCode::InvalidConfig,
            Self::Network { .. }
            | Self::UnexpectedResponse { .. }
            | Self::Timeout { .. }
            | Self::JwksUnavailable { .. } => ErrorCode::Network,
            Self::Redirected { .. } | Self::Discovery { .. } | Self::IssuerMismatch { .. } => {
                ErrorCode::Discovery
            }
            Self::InvalidGrant { .. } => ErrorCode::SignInAgain,
            Self::InvalidClient { .. } => ErrorCode::InvalidClient,
            Self::RedirectMismatch { .. } => ErrorCode::RedirectMismatch,
            Self::AccessDenied { .. } | Self::WrongAnswer { .. } => ErrorCode::AccessDenied,
            Self::Provider { .. } => ErrorCode::ProviderError,
            Self::UnknownState | Self::BadCallback { .. } => ErrorCode::BadCallback,
            Self::ExpiredState { .. } => ErrorCode::SignInExpired,
            Self::TokenRejected { .. } => ErrorCode::TokenRejected,
            Self::Unsupported { .. } => ErrorCode::Unsupported,
            Self::Keyring { .. } => ErrorCode::KeyringUnavailable,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Loopback { .. } | Self::Storage { .. } | Self::Busy { .. } => ErrorCode::Internal,
        }
    }

    /// True when retrying the same request later may succeed (and stored tokens must be kept).
    pub fn is_transient(&self) -> bool {
        self.code() == ErrorCode::Network
    }

    pub fn config(field: &'static str, problem: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field,
            problem: problem.into(),
        }
    }

    pub(crate) fn bad_callback(reason: impl Into<String>) -> Self {
        Self::BadCallback {
            reason: reason.into(),
        }
    }

    /// Maps an OAuth error response (RFC 6749 §5.2 / §4.1.2.1) to a variant that says what to do.
    pub(crate) fn from_oauth(
        error: &str,
        description: Option<String>,
        redirect_uri: Option<&str>,
        has_client_secret: bool,
    ) -> Self {
        // Provider text is shown, logged and kept as an account's status reason: bounded, and
        // with no control characters (RFC 6749 §5.2 allows neither in these fields).
        let error = &printable(error, 64);
        let description = description.map(|d| printable(&d, 300));
        let detail = match &description {
            Some(d) => format!("{error}: {d}"),
            None => error.to_owned(),
        };
        let mentions_redirect = description
            .as_deref()
            .is_some_and(|d| d.to_ascii_lowercase().contains("redirect"));
        match error.as_str() {
            "invalid_grant" if mentions_redirect => Self::RedirectMismatch {
                redirect_uri: redirect_uri.unwrap_or("the redirect URI").to_owned(),
                detail,
            },
            "redirect_mismatch" => Self::RedirectMismatch {
                redirect_uri: redirect_uri.unwrap_or("the redirect URI").to_owned(),
                detail,
            },
            "invalid_grant" => Self::InvalidGrant { detail },
            "invalid_client" | "unauthorized_client" => Self::InvalidClient {
                detail,
                hint: if has_client_secret {
                    "Check the client id and secret; if the app client has no secret in Cognito, remove the secret here."
                } else {
                    "Check the client id; if the app client was created with a secret, add the secret here."
                },
            },
            "access_denied" | "login_required" | "consent_required" | "interaction_required" => {
                Self::AccessDenied { detail }
            }
            _ => Self::Provider {
                error: error.to_owned(),
                description,
            },
        }
    }
}

/// At most `max` characters of `text`, control characters dropped, `…` when cut: text from
/// outside (a provider's error) before it is shown, logged or kept.
pub(crate) fn printable(text: &str, max: usize) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    if text.chars().filter(|c| !c.is_control()).nth(max).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_error_text_is_bounded_and_printable() {
        let long = format!("bad\u{1b}[31m\n{}", "x".repeat(1000));
        let e = Error::from_oauth("server_error\n", Some(long), None, false);
        let text = e.to_string();
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.chars().count() < 450, "{}", text.len());
        assert!(text.contains('…'));
    }
}
