//! Redacting newtypes for every value that must never reach a log, an error message or the
//! webview. `Debug` prints `<redacted>`, there is no `Display` and no `Serialize`; reading the
//! value takes an explicit `expose_secret()`.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Deserialize)]
        #[serde(transparent)]
        pub struct $name(SecretString);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The raw value. Call only where it leaves for its one legitimate destination
            /// (an HTTP body, the keyring, the clipboard).
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.expose_secret() == other.expose_secret()
            }
        }
    };
}

secret_string!(
    /// An OAuth refresh token. Lives in the keyring and in the token request body, nowhere else.
    RefreshToken
);
secret_string!(
    /// A bearer access token. Shown in the UI on purpose, never logged.
    AccessToken
);
secret_string!(
    /// An OpenID Connect ID token (a JWT).
    IdToken
);
secret_string!(
    /// A confidential app client's secret.
    ClientSecret
);
secret_string!(
    /// The one-time authorization code from the redirect.
    AuthorizationCode
);
secret_string!(
    /// A full redirect URL as received from the browser: it carries the authorization code.
    CallbackUrl
);
secret_string!(
    /// Cognito's `Session` between an auth call and the answer to its challenge: whoever holds
    /// it can answer in the user's place.
    ChallengeSession
);
secret_string!(
    /// RFC 8628's device code: whoever holds it collects the tokens once the user approves.
    DeviceCode
);
secret_string!(
    /// A one-time MFA code (TOTP or SMS).
    MfaCode
);

#[cfg(test)]
mod tests;
