//! Provider and account ids: distinct types, so an account's id cannot be passed where a
//! provider's is expected (they name keyring entries and lock files). On the wire and in
//! `config.json` both are plain strings (serde writes a newtype struct as what it wraps).

use std::borrow::Borrow;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        pub struct $name(String);

        impl $name {
            /// A fresh id: 128 random bits, base64url.
            pub fn generate() -> Self {
                let mut bytes = [0u8; 16];
                rand::rng().fill_bytes(&mut bytes);
                Self(URL_SAFE_NO_PAD.encode(bytes))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A provider's id in `config.json` (the demo provider's is `local-demo`).
    ProviderId
);
id_type!(
    /// An account's id in `config.json`; also names its keyring entries and lock file.
    AccountId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = AccountId::from("abc_1");
        assert_eq!(serde_json::to_string(&id).unwrap_or_default(), "\"abc_1\"");
        let back: ProviderId =
            serde_json::from_str("\"local-demo\"").unwrap_or_else(|_| "x".into());
        assert_eq!(back, "local-demo");
    }

    #[test]
    fn generated_ids_are_distinct_and_url_safe() {
        let a = AccountId::generate();
        let b = AccountId::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 22);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }
}
