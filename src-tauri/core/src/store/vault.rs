//! Secrets in the OS keyring (Secret Service, Keychain, Credential Manager) and nowhere else.
//! There is deliberately no fallback: without a keyring, saving a secret is an error.

use keyring::Entry;

use crate::error::{Error, Result};
use crate::secret::{ClientSecret, RefreshToken};

pub const SERVICE: &str = "io.github.tokendeck";
/// Windows Credential Manager caps a secret at 2,560 bytes.
#[cfg(windows)]
const MAX_SECRET_BYTES: usize = 2560;

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
        }
    }

    pub async fn refresh_token(&self, account_id: &str) -> Result<Option<RefreshToken>> {
        Ok(self
            .get(format!("refresh-token:{account_id}"))
            .await?
            .map(RefreshToken::new))
    }

    pub async fn set_refresh_token(&self, account_id: &str, token: &RefreshToken) -> Result<()> {
        self.set(
            format!("refresh-token:{account_id}"),
            token.expose_secret().to_owned(),
        )
        .await
    }

    pub async fn delete_refresh_token(&self, account_id: &str) -> Result<()> {
        self.delete(format!("refresh-token:{account_id}")).await
    }

    /// The last access/ID tokens of an account, so a restart or another process (the CLI)
    /// need not refresh while they are valid. Best effort: a keyring that refuses the size
    /// (Windows) just means no cache.
    pub async fn session(&self, account_id: &str) -> Result<Option<CachedSession>> {
        let raw = self.get(format!("session:{account_id}")).await?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    pub async fn set_session(&self, account_id: &str, session: &CachedSession) -> Result<()> {
        let json = serde_json::to_string(session).map_err(|e| Error::Keyring {
            reason: format!("cannot encode the session: {e}"),
        })?;
        self.set(format!("session:{account_id}"), json).await
    }

    pub async fn delete_session(&self, account_id: &str) -> Result<()> {
        self.delete(format!("session:{account_id}")).await
    }

    pub async fn client_secret(&self, provider_id: &str) -> Result<Option<ClientSecret>> {
        Ok(self
            .get(format!("client-secret:{provider_id}"))
            .await?
            .map(ClientSecret::new))
    }

    pub async fn set_client_secret(&self, provider_id: &str, secret: &ClientSecret) -> Result<()> {
        self.set(
            format!("client-secret:{provider_id}"),
            secret.expose_secret().to_owned(),
        )
        .await
    }

    pub async fn delete_client_secret(&self, provider_id: &str) -> Result<()> {
        self.delete(format!("client-secret:{provider_id}")).await
    }

    async fn get(&self, user: String) -> Result<Option<String>> {
        let service = self.service.clone();
        blocking(move || match Entry::new(&service, &user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn set(&self, user: String, value: String) -> Result<()> {
        #[cfg(windows)]
        if value.len() > MAX_SECRET_BYTES {
            return Err(Error::Keyring {
                reason: format!(
                    "the secret is {} bytes; Windows Credential Manager stores at most {MAX_SECRET_BYTES}",
                    value.len()
                ),
            });
        }
        let service = self.service.clone();
        blocking(move || Entry::new(&service, &user)?.set_password(&value)).await
    }

    async fn delete(&self, user: String) -> Result<()> {
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
