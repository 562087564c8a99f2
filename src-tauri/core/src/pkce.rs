//! PKCE (RFC 7636, S256 only) and the random `state` / `nonce` values.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// 32 random bytes, base64url without padding: 256 bits, 43 characters.
pub fn random_url_safe() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The code verifier. Not `Clone`: it is created for one sign-in and consumed by one exchange.
pub struct PkceVerifier(SecretString);

impl PkceVerifier {
    pub fn generate() -> Self {
        Self(SecretString::from(random_url_safe()))
    }

    /// `BASE64URL(SHA256(ASCII(code_verifier)))`.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.expose_secret().as_bytes()))
    }

    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    #[cfg(test)]
    pub(crate) fn from_known(value: &str) -> Self {
        Self(SecretString::from(value.to_owned()))
    }
}

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}

pub const CHALLENGE_METHOD: &str = "S256";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = PkceVerifier::from_known("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifier_is_43_unreserved_chars_and_unique() {
        let a = PkceVerifier::generate();
        let b = PkceVerifier::generate();
        assert_eq!(a.expose_secret().len(), 43);
        assert!(
            a.expose_secret()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(!format!("{a:?}").contains(a.expose_secret()));
    }

    #[test]
    fn state_and_nonce_carry_256_bits() {
        let s = random_url_safe();
        assert_eq!(URL_SAFE_NO_PAD.decode(&s).unwrap().len(), 32);
    }
}
