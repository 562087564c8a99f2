//! SRP-6a as Cognito's USER_SRP_AUTH does it: the RFC 5054 3072-bit group, `k = H(N | g)` over
//! Cognito's padded hex, `x = H(salt | H(poolName | user ":" password))`, the session key
//! through HKDF-SHA256 ("Caldera Derived Key", 16 bytes), and the PASSWORD_VERIFIER signature
//! over `poolName | userIdForSrp | secretBlock | timestamp`.
//!
//! The hex quirks matter: values are hashed as Cognito's `padHex` strings (a leading "00" when
//! the first hex digit is 8-f, a leading "0" for odd length), and the timestamp's day is not
//! zero-padded. Tested against vectors from an independent implementation (tests/srp).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);
const G_HEX: &str = "2";
const INFO: &[u8] = b"Caldera Derived Key";

fn n() -> BigUint {
    // The constant is valid hex; an empty fallback would make every proof fail loudly.
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap_or_default()
}

fn hex_of(v: &BigUint) -> String {
    v.to_str_radix(16)
}

/// Cognito's `padHex`: even length, and a leading "00" when the number would look negative.
fn pad_hex(hex: &str) -> String {
    if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else if hex.starts_with([
        '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F',
    ]) {
        format!("00{hex}")
    } else {
        hex.to_owned()
    }
}

fn decode_hex(hex: &str) -> Result<Vec<u8>> {
    let bad = || Error::Provider {
        error: "invalid_challenge".into(),
        description: Some("the SRP challenge holds a value that is not hex".into()),
    };
    if hex.len() % 2 == 1 {
        return Err(bad());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

/// SHA-256 of the bytes a hex string stands for, as 64 hex digits.
fn hex_hash(hex: &str) -> Result<String> {
    Ok(format!("{:x}", Sha256::digest(decode_hex(hex)?)))
}

fn parse_hex(hex: &str) -> Result<BigUint> {
    BigUint::parse_bytes(hex.as_bytes(), 16).ok_or_else(|| Error::Provider {
        error: "invalid_challenge".into(),
        description: Some("the SRP challenge holds a value that is not hex".into()),
    })
}

/// The client side of one SRP exchange. The private value never leaves this struct.
pub struct SrpClient {
    small_a: BigUint,
    large_a: BigUint,
}

impl std::fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SrpClient(<redacted>)")
    }
}

/// The answer to a PASSWORD_VERIFIER challenge.
#[derive(Debug)]
pub struct PasswordClaim {
    pub timestamp: String,
    pub signature: String,
}

impl SrpClient {
    pub fn new() -> Result<Self> {
        let mut bytes = [0u8; 128];
        rand::rng().fill_bytes(&mut bytes);
        Self::with_private(BigUint::from_bytes_be(&bytes))
    }

    /// For test vectors: a fixed private value.
    pub fn with_private(a: BigUint) -> Result<Self> {
        let n = n();
        let small_a = a % &n;
        let large_a = BigUint::from(2u8).modpow(&small_a, &n);
        if large_a == BigUint::default() {
            return Err(Error::Provider {
                error: "srp".into(),
                description: Some("A is zero".into()),
            });
        }
        Ok(Self { small_a, large_a })
    }

    /// `SRP_A` for InitiateAuth.
    pub fn public_a_hex(&self) -> String {
        hex_of(&self.large_a)
    }

    /// The 16-byte key both sides derive (`getPasswordAuthenticationKey`).
    pub fn authentication_key(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &SecretString,
        srp_b_hex: &str,
        salt_hex: &str,
    ) -> Result<[u8; 16]> {
        let n = n();
        let big_b = parse_hex(srp_b_hex)?;
        if &big_b % &n == BigUint::default() {
            return Err(Error::Provider {
                error: "invalid_challenge".into(),
                description: Some("the server's SRP_B is zero mod N".into()),
            });
        }
        // B and the salt are hashed by their value, as Amazon's own clients do (they parse
        // both into integers first): a challenge value sent with leading zeros ("00ab…")
        // hashes as "ab…" padded, not as sent.
        let u = parse_hex(&hex_hash(&format!(
            "{}{}",
            pad_hex(&hex_of(&self.large_a)),
            pad_hex(&hex_of(&big_b))
        ))?)?;
        if u == BigUint::default() {
            return Err(Error::Provider {
                error: "invalid_challenge".into(),
                description: Some("u is zero".into()),
            });
        }
        let pool_name = pool_id.split_once('_').map_or(pool_id, |(_, name)| name);
        let identity = format!("{pool_name}{user_id_for_srp}:{}", password.expose_secret());
        let identity_hash = format!("{:x}", Sha256::digest(identity.as_bytes()));
        let salt = hex_of(&parse_hex(salt_hex)?);
        let x = parse_hex(&hex_hash(&format!("{}{identity_hash}", pad_hex(&salt)))?)?;
        let k = parse_hex(&hex_hash(&format!("00{N_HEX}0{G_HEX}"))?)?;
        let g = BigUint::from(2u8);
        // (B - k·g^x) mod N, kept non-negative.
        let kgx = (k * g.modpow(&x, &n)) % &n;
        let base = ((&big_b % &n) + &n - kgx) % &n;
        let s = base.modpow(&(&self.small_a + u.clone() * x), &n);
        let ikm = decode_hex(&pad_hex(&hex_of(&s)))?;
        let salt = decode_hex(&pad_hex(&hex_of(&u)))?;
        let mut key = [0u8; 16];
        hkdf::Hkdf::<Sha256>::new(Some(&salt), &ikm)
            .expand(INFO, &mut key)
            .map_err(|_| Error::Provider {
                error: "srp".into(),
                description: Some("HKDF failed".into()),
            })?;
        Ok(key)
    }

    /// Signs the PASSWORD_VERIFIER challenge.
    #[allow(clippy::too_many_arguments)]
    pub fn password_claim(
        &self,
        pool_id: &str,
        user_id_for_srp: &str,
        password: &SecretString,
        srp_b_hex: &str,
        salt_hex: &str,
        secret_block: &str,
        unix_time: u64,
    ) -> Result<PasswordClaim> {
        let key =
            self.authentication_key(pool_id, user_id_for_srp, password, srp_b_hex, salt_hex)?;
        let timestamp = cognito_timestamp(unix_time);
        // Real Cognito sends the block base64-encoded; an emulator that sends raw text gets it
        // signed as is (its proofs are not checked anyway).
        let block = STANDARD
            .decode(secret_block)
            .unwrap_or_else(|_| secret_block.as_bytes().to_vec());
        let pool_name = pool_id.split_once('_').map_or(pool_id, |(_, name)| name);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).map_err(|_| Error::Provider {
            error: "srp".into(),
            description: Some("bad key".into()),
        })?;
        mac.update(pool_name.as_bytes());
        mac.update(user_id_for_srp.as_bytes());
        mac.update(&block);
        mac.update(timestamp.as_bytes());
        Ok(PasswordClaim {
            timestamp,
            signature: STANDARD.encode(mac.finalize().into_bytes()),
        })
    }
}

/// `SECRET_HASH = Base64(HMAC-SHA256(client_secret, username + client_id))`.
pub fn secret_hash(username: &str, client_id: &str, client_secret: &str) -> Result<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(client_secret.as_bytes())
        .map_err(|_| Error::config("client secret", "cannot be used as an HMAC key"))?;
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    Ok(STANDARD.encode(mac.finalize().into_bytes()))
}

/// "Thu Mar 5 07:04:09 UTC 2026": English names, day of month not zero-padded, UTC.
pub fn cognito_timestamp(unix_time: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_time / 86_400;
    let secs = unix_time % 86_400;
    let weekday = DAYS.get((days % 7) as usize).copied().unwrap_or("Thu");
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let month_name = MONTHS.get((month - 1) as usize).copied().unwrap_or("Jan");
    format!(
        "{weekday} {month_name} {day} {:02}:{:02}:{:02} UTC {year}",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests;
