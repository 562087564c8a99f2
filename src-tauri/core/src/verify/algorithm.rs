//! The JWS algorithms Tokendeck verifies, and the one kind of key each can be checked with.
//!
//! Only asymmetric algorithms: never `none`, and never HMAC, whose "secret" would be the
//! provider's public key (the classic algorithm-confusion forgery). A token's `alg` picks
//! the algorithm only from this list, and only a key of the matching type and curve (and,
//! when the key names one, the same `alg`) may verify it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwsAlgorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    /// EdDSA over Ed25519 (Ed448 keys are not accepted).
    EdDSA,
    /// RFC 9864's fully specified name for EdDSA over Ed25519.
    Ed25519,
}

/// The kind of public key a JWK holds, as far as verification cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl KeyKind {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Rsa => "an RSA key",
            Self::P256 => "an EC P-256 key",
            Self::P384 => "an EC P-384 key",
            Self::Ed25519 => "an Ed25519 key",
        }
    }
}

impl JwsAlgorithm {
    pub const ALL: [Self; 10] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
        Self::Ed25519,
    ];

    /// The human list for messages.
    pub const ACCEPTED: &'static str =
        "RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 and EdDSA/Ed25519";

    /// The algorithm a JOSE `alg` names, if it is one Tokendeck verifies.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
            Self::Ed25519 => "Ed25519",
        }
    }

    /// The only kind of key that can verify this algorithm.
    pub fn key_kind(self) -> KeyKind {
        match self {
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512 => {
                KeyKind::Rsa
            }
            Self::ES256 => KeyKind::P256,
            Self::ES384 => KeyKind::P384,
            Self::EdDSA | Self::Ed25519 => KeyKind::Ed25519,
        }
    }

    /// The size of the SHA-2 hash the algorithm uses, which `at_hash` uses too (OpenID
    /// reads EdDSA over Ed25519 as SHA-512).
    pub fn hash_bits(self) -> u16 {
        match self {
            Self::RS256 | Self::PS256 | Self::ES256 => 256,
            Self::RS384 | Self::PS384 | Self::ES384 => 384,
            Self::RS512 | Self::PS512 | Self::EdDSA | Self::Ed25519 => 512,
        }
    }

    /// Two names for one algorithm: `EdDSA` with an Ed25519 key is `Ed25519`.
    pub fn same_as(self, other: Self) -> bool {
        self == other
            || (self.key_kind() == KeyKind::Ed25519 && other.key_kind() == KeyKind::Ed25519)
    }

    pub(crate) fn jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Self::RS256 => A::RS256,
            Self::RS384 => A::RS384,
            Self::RS512 => A::RS512,
            Self::PS256 => A::PS256,
            Self::PS384 => A::PS384,
            Self::PS512 => A::PS512,
            Self::ES256 => A::ES256,
            Self::ES384 => A::ES384,
            Self::EdDSA | Self::Ed25519 => A::EdDSA,
        }
    }
}

impl std::fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_nothing_symmetric_or_unsigned_is_known() {
        for alg in JwsAlgorithm::ALL {
            assert_eq!(JwsAlgorithm::from_name(alg.name()), Some(alg));
        }
        for refused in [
            "none", "None", "HS256", "HS384", "HS512", "ES512", "rs256", "", "ES256K",
        ] {
            assert_eq!(JwsAlgorithm::from_name(refused), None, "{refused}");
        }
    }

    #[test]
    fn each_algorithm_needs_its_own_kind_of_key() {
        assert_eq!(JwsAlgorithm::PS512.key_kind(), KeyKind::Rsa);
        assert_eq!(JwsAlgorithm::ES256.key_kind(), KeyKind::P256);
        assert_eq!(JwsAlgorithm::ES384.key_kind(), KeyKind::P384);
        assert!(JwsAlgorithm::EdDSA.same_as(JwsAlgorithm::Ed25519));
        assert!(!JwsAlgorithm::RS256.same_as(JwsAlgorithm::PS256));
    }
}
