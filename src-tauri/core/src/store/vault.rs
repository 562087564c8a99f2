//! Secrets in the OS keyring (Secret Service, Keychain, Credential Manager) and nowhere else.
//! There is deliberately no fallback: without a keyring, saving a secret is an error.

use keyring::Entry;

use crate::error::{Error, Result};
use crate::ids::{AccountId, ProviderId};
use crate::secret::{ClientSecret, RefreshToken};

pub const SERVICE: &str = "io.github.tokendeck";

/// The longest value one keyring entry takes, in UTF-16 code units: Windows Credential Manager
/// caps a secret at 2,560 bytes of UTF-16, and Cognito refresh tokens are about 1,800
/// characters. Longer values are split over several entries (see [`split`]).
#[cfg(windows)]
pub const PLATFORM_MAX_ENTRY: usize = 2560 / 2;
/// Secret Service and Keychain take values far longer than any token.
#[cfg(not(windows))]
pub const PLATFORM_MAX_ENTRY: usize = usize::MAX;

/// A split value's first entry: this prefix and the number of parts, stored under the value's
/// own name; the parts are under `<name>#1` … `<name>#N`. No token or secret starts with it.
const CHUNKED: &str = "tokendeck-chunked:v1:";
/// Bound on parts, so a damaged head cannot make us read thousands of entries.
const MAX_PARTS: usize = 64;

/// Access and ID tokens cached in the keyring (never in a file). `Debug` is redacted.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct CachedSession {
    pub access_token: String,
    pub id_token: Option<String>,
    pub expires_at: Option<u64>,
    pub scope: Option<String>,
    pub received_at: u64,
}

impl std::fmt::Debug for CachedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSession")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
    max_entry: usize,
}

impl Default for Vault {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl Vault {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            max_entry: PLATFORM_MAX_ENTRY,
        }
    }

    /// Splits values longer than `max` UTF-16 code units over several entries, as on Windows
    /// (tests use it to exercise the split on any platform).
    pub fn with_max_entry(mut self, max: usize) -> Self {
        self.max_entry = max.max(1);
        self
    }

    pub async fn refresh_token(&self, account_id: &AccountId) -> Result<Option<RefreshToken>> {
        Ok(self
            .get(format!("refresh-token:{account_id}"))
            .await?
            .map(RefreshToken::new))
    }

    pub async fn set_refresh_token(
        &self,
        account_id: &AccountId,
        token: &RefreshToken,
    ) -> Result<()> {
        self.set(
            format!("refresh-token:{account_id}"),
            token.expose_secret().to_owned(),
        )
        .await
    }

    pub async fn delete_refresh_token(&self, account_id: &AccountId) -> Result<()> {
        self.delete(format!("refresh-token:{account_id}")).await
    }

    /// The last access/ID tokens of an account, so a restart or another process (the CLI)
    /// need not refresh while they are valid. Best effort: a keyring that refuses the size
    /// (Windows) just means no cache.
    pub async fn session(&self, account_id: &AccountId) -> Result<Option<CachedSession>> {
        let raw = self.get(format!("session:{account_id}")).await?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    pub async fn set_session(&self, account_id: &AccountId, session: &CachedSession) -> Result<()> {
        let json = serde_json::to_string(session).map_err(|e| Error::Keyring {
            reason: format!("cannot encode the session: {e}"),
        })?;
        self.set(format!("session:{account_id}"), json).await
    }

    pub async fn delete_session(&self, account_id: &AccountId) -> Result<()> {
        self.delete(format!("session:{account_id}")).await
    }

    pub async fn client_secret(&self, provider_id: &ProviderId) -> Result<Option<ClientSecret>> {
        Ok(self
            .get(format!("client-secret:{provider_id}"))
            .await?
            .map(ClientSecret::new))
    }

    pub async fn set_client_secret(
        &self,
        provider_id: &ProviderId,
        secret: &ClientSecret,
    ) -> Result<()> {
        self.set(
            format!("client-secret:{provider_id}"),
            secret.expose_secret().to_owned(),
        )
        .await
    }

    pub async fn delete_client_secret(&self, provider_id: &ProviderId) -> Result<()> {
        self.delete(format!("client-secret:{provider_id}")).await
    }

    async fn get(&self, user: String) -> Result<Option<String>> {
        let Some(head) = self.get_entry(user.clone()).await? else {
            return Ok(None);
        };
        let Some(parts) = chunk_count(&head) else {
            return Ok(Some(head));
        };
        let mut value = String::new();
        for n in 1..=parts {
            let part = self.get_entry(part_name(&user, n)).await?;
            value.push_str(&part.ok_or_else(|| Error::Keyring {
                reason: format!(
                    "part {n} of {parts} of a stored value is missing (an interrupted write); sign in again"
                ),
            })?);
        }
        Ok(Some(value))
    }

    /// Writes the parts first and the head last, so a reader sees the old value or the whole
    /// new one. Parts a longer previous value left behind are deleted after.
    async fn set(&self, user: String, value: String) -> Result<()> {
        let previous_parts = match self.max_entry {
            usize::MAX => 0,
            _ => self.stored_parts(&user).await?,
        };
        let parts = split(&value, self.max_entry);
        let head = match parts.as_slice() {
            [_] => value,
            _ => {
                if parts.len() > MAX_PARTS {
                    return Err(Error::Keyring {
                        reason: format!(
                            "the value is {} characters, more than this keyring stores",
                            value.len()
                        ),
                    });
                }
                for (n, part) in parts.iter().enumerate() {
                    self.set_entry(part_name(&user, n + 1), part.clone())
                        .await?;
                }
                format!("{CHUNKED}{}", parts.len())
            }
        };
        let written = if parts.len() == 1 { 0 } else { parts.len() };
        self.set_entry(user.clone(), head).await?;
        for n in written + 1..=previous_parts {
            self.delete_entry(part_name(&user, n)).await?;
        }
        Ok(())
    }

    async fn delete(&self, user: String) -> Result<()> {
        let parts = self.stored_parts(&user).await?;
        self.delete_entry(user.clone()).await?;
        for n in 1..=parts {
            self.delete_entry(part_name(&user, n)).await?;
        }
        Ok(())
    }

    /// How many parts the value stored under `user` is split into (0 if not split).
    async fn stored_parts(&self, user: &str) -> Result<usize> {
        Ok(self
            .get_entry(user.to_owned())
            .await?
            .as_deref()
            .and_then(chunk_count)
            .unwrap_or(0))
    }

    async fn get_entry(&self, user: String) -> Result<Option<String>> {
        let service = self.service.clone();
        blocking(move || match Entry::new(&service, &user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn set_entry(&self, user: String, value: String) -> Result<()> {
        let service = self.service.clone();
        blocking(move || Entry::new(&service, &user)?.set_password(&value)).await
    }

    async fn delete_entry(&self, user: String) -> Result<()> {
        let service = self.service.clone();
        blocking(
            move || match Entry::new(&service, &user)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            },
        )
        .await
    }
}

fn part_name(user: &str, n: usize) -> String {
    format!("{user}#{n}")
}

fn chunk_count(head: &str) -> Option<usize> {
    head.strip_prefix(CHUNKED)?
        .parse()
        .ok()
        .filter(|n| (1..=MAX_PARTS).contains(n))
}

/// Splits `value` into parts of at most `max` UTF-16 code units each, never inside a
/// character. A value that fits is one part.
pub fn split(value: &str, max: usize) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut units = 0;
    for c in value.chars() {
        let len = c.len_utf16();
        if units + len > max
            && let Some(last) = parts.last()
            && !last.is_empty()
        {
            parts.push(String::new());
            units = 0;
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
        units += len;
    }
    parts
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> keyring::Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Keyring {
            reason: format!("keyring task failed: {e}"),
        })?
        .map_err(|e| Error::Keyring {
            reason: describe(&e),
        })
}

/// Keyring errors can quote the attribute values but never the secret; keep the first line.
fn describe(e: &keyring::Error) -> String {
    let text = e.to_string();
    text.lines()
        .next()
        .unwrap_or("unknown keyring error")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_fits_is_one_part() {
        assert_eq!(split("abc", 3), ["abc"]);
        assert_eq!(split("", 3), [""]);
        let cognito_sized = "x".repeat(1800);
        assert_eq!(split(&cognito_sized, 1800).len(), 1);
        assert_eq!(split(&cognito_sized, 1799).len(), 2);
    }

    #[test]
    fn windows_sized_parts_hold_a_4000_character_token() {
        let token: String = (0..4000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let parts = split(&token, 2560 / 2);
        assert_eq!(parts.len(), 4);
        assert!(parts.iter().all(|p| p.encode_utf16().count() * 2 <= 2560));
        assert_eq!(parts.concat(), token);
    }

    #[test]
    fn parts_never_cut_a_character_and_count_utf16_units() {
        let value = "a😀b😀c"; // 😀 is two UTF-16 units
        let parts = split(value, 2);
        assert_eq!(parts, ["a", "😀", "b", "😀", "c"]);
        assert!(parts.iter().all(|p| p.encode_utf16().count() <= 2));
        assert_eq!(parts.concat(), value);
    }

    #[test]
    fn only_a_well_formed_head_means_parts() {
        assert_eq!(chunk_count("tokendeck-chunked:v1:3"), Some(3));
        assert_eq!(chunk_count("tokendeck-chunked:v1:0"), None);
        assert_eq!(chunk_count("tokendeck-chunked:v1:99999"), None);
        assert_eq!(chunk_count("eyJhbGciOi"), None);
    }
}
