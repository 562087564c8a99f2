//! Sharing provider definitions: a versioned JSON file with everything a teammate needs to
//! sign in (names, sources, client ids, scopes, redirect, overrides, identity pool) and no
//! secret. Importing (that file, or another tool's configuration: `crate::imports`) matches
//! existing providers by issuer and client id, so importing twice adds nothing; a file with
//! any problem is refused whole, naming what and where.

use serde::{Deserialize, Serialize};

use super::Deck;
use super::providers::planned_redirect_uri;
use crate::authorize::AuthorizeOptions;
use crate::error::{Error, Result};
use crate::ids::ProviderId;
use crate::provider::{ClientAuthMethod, EndpointOverrides, ProviderConfig, ProviderSource};

/// The `format` of a provider file.
pub const PROVIDER_FILE_FORMAT: &str = "tokendeck-providers";
/// The newest version this Tokendeck reads and the one it writes.
pub const PROVIDER_FILE_VERSION: u32 = 1;

/// A provider file (see `docs/provider-file.md`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProviderFile {
    pub format: String,
    pub version: u32,
    pub providers: Vec<SharedProvider>,
}

/// One provider as shared: no id (each machine has its own), no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharedProvider {
    pub name: String,
    pub source: ProviderSource,
    pub client_id: String,
    /// The app client has a secret: each user enters it (it is never in the file).
    #[serde(default)]
    pub needs_client_secret: bool,
    #[serde(default = "crate::provider::default_scopes")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub overrides: EndpointOverrides,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_pool_id: Option<String>,
    /// Seconds (see `ProviderConfig::refresh_token_lifetime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_lifetime: Option<u64>,
    /// Federation and other sign-in defaults. The browser command is not shared: a file
    /// from someone else must never choose what runs on this machine. Nor is the login hint:
    /// it names one user (the exporter), and is dropped from files read.
    #[serde(default, skip_serializing_if = "is_default_options")]
    pub sign_in_options: AuthorizeOptions,
    /// How the app client authenticates (its secret or private key is never in the file).
    #[serde(default, skip_serializing_if = "is_auto")]
    pub client_auth: ClientAuthMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_id: Option<String>,
}

fn is_auto(method: &ClientAuthMethod) -> bool {
    *method == ClientAuthMethod::Auto
}

fn is_default(o: &EndpointOverrides) -> bool {
    *o == EndpointOverrides::default()
}

fn is_default_options(o: &AuthorizeOptions) -> bool {
    *o == AuthorizeOptions::default()
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub added: Vec<ImportedProvider>,
    /// Already present (same issuer and client id): left as they are.
    pub skipped: Vec<ImportedProvider>,
    /// What the file held that Tokendeck did not use, and why ("NAME: why").
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportedProvider {
    pub name: String,
    pub id: ProviderId,
    /// Needs its client secret entered before signing in.
    pub needs_client_secret: bool,
}

impl SharedProvider {
    fn of(config: &ProviderConfig) -> Self {
        Self {
            name: config.name.clone(),
            source: config.source.clone(),
            client_id: config.client_id.clone(),
            needs_client_secret: config.confidential,
            scopes: config.scopes.clone(),
            redirect_uri: config.redirect_uri.clone(),
            overrides: config.overrides.clone(),
            identity_pool_id: config.identity_pool_id.clone(),
            refresh_token_lifetime: config.refresh_token_lifetime,
            sign_in_options: AuthorizeOptions {
                login_hint: None,
                ..config.sign_in_options.clone()
            },
            client_auth: config.client_auth,
            client_key_id: config.client_key_id.clone(),
        }
    }

    pub(crate) fn into_config(self) -> ProviderConfig {
        ProviderConfig {
            id: ProviderId::generate(),
            name: self.name.trim().to_owned(),
            source: self.source,
            client_id: self.client_id.trim().to_owned(),
            // Only once its secret is in this machine's keyring.
            confidential: false,
            scopes: self.scopes,
            redirect_uri: self.redirect_uri.filter(|r| !r.trim().is_empty()),
            overrides: self.overrides,
            identity_pool_id: self.identity_pool_id,
            refresh_token_lifetime: self.refresh_token_lifetime,
            sign_in_options: AuthorizeOptions {
                login_hint: None,
                ..self.sign_in_options
            },
            browser_command: None,
            client_auth: self.client_auth,
            client_key_id: self.client_key_id,
            // Never from a file: see `NetworkSettings`.
            network: Default::default(),
            aws_profile: None,
        }
    }
}

/// The issuer and client a provider's tokens come from: what makes two definitions the same.
fn identity_of(config: &ProviderConfig) -> (String, String) {
    (
        config.expected_issuer().trim_end_matches('/').to_owned(),
        config.client_id.clone(),
    )
}

impl ProviderFile {
    /// Reads a provider file strictly: unknown fields, another format or a newer version are
    /// refused with where the problem is.
    pub fn parse(text: &str) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file: Self = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            Error::config(
                "provider file",
                format!(
                    "at {} (line {}, column {}): {}",
                    if path == "." {
                        "the top level".into()
                    } else {
                        path
                    },
                    inner.line(),
                    inner.column(),
                    crate::error::printable(&inner.to_string(), 200)
                ),
            )
        })?;
        if file.format != PROVIDER_FILE_FORMAT {
            return Err(Error::config(
                "provider file",
                format!(
                    "its format is \"{}\", not \"{PROVIDER_FILE_FORMAT}\": is this a Tokendeck provider file?",
                    crate::error::printable(&file.format, 60)
                ),
            ));
        }
        if file.version == 0 || file.version > PROVIDER_FILE_VERSION {
            return Err(Error::config(
                "provider file",
                format!(
                    "it has version {}, which this Tokendeck does not read (it reads version {PROVIDER_FILE_VERSION}): update Tokendeck",
                    file.version
                ),
            ));
        }
        Ok(file)
    }
}

impl Deck {
    /// The providers named (by name or id; all when `names` is empty) as a shareable file.
    pub async fn export_providers(&self, names: &[String]) -> Result<ProviderFile> {
        let config = self.config.lock().await;
        let mut providers = Vec::new();
        for name in names {
            let found = config
                .providers
                .iter()
                .find(|p| p.id == name.as_str() || p.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::NotFound {
                    what: "provider",
                    id: name.clone(),
                })?;
            providers.push(SharedProvider::of(found));
        }
        if names.is_empty() {
            providers = config.providers.iter().map(SharedProvider::of).collect();
        }
        Ok(ProviderFile {
            format: PROVIDER_FILE_FORMAT.into(),
            version: PROVIDER_FILE_VERSION,
            providers,
        })
    }

    /// Adds the providers of a provider file, or of another tool's configuration (see
    /// [`crate::imports`]), that are not here yet (by issuer and client id), all in one settings
    /// write: every one is validated first, and any problem refuses the whole file. Secrets a
    /// file held go to the keyring.
    pub async fn import_providers(&self, text: &str) -> Result<ImportReport> {
        let read = read_any(text)?;
        let found = read.found;
        let mut notes = read.skipped;
        let mut incoming = Vec::with_capacity(found.len());
        for (n, found) in found.into_iter().enumerate() {
            let needs_client_secret =
                found.provider.needs_client_secret && found.client_secret.is_none();
            let config = found.provider.into_config();
            config.validate().map_err(|e| {
                Error::config(
                    "provider file",
                    format!("provider {} (\"{}\"): {e}", n + 1, config.name),
                )
            })?;
            notes.extend(
                found
                    .notes
                    .into_iter()
                    .map(|note| format!("{}: {note}", config.name)),
            );
            incoming.push((config, needs_client_secret, found.client_secret));
        }
        let (mut report, secrets) = self
            .update_config(|file| {
                let mut report = ImportReport::default();
                let mut secrets = Vec::new();
                for (mut config, needs_client_secret, secret) in incoming {
                    let same = file
                        .providers
                        .iter()
                        .find(|p| identity_of(p) == identity_of(&config));
                    if let Some(existing) = same {
                        report.skipped.push(ImportedProvider {
                            name: existing.name.clone(),
                            id: existing.id.clone(),
                            needs_client_secret: needs_client_secret && !existing.confidential,
                        });
                        continue;
                    }
                    if config.redirect_uri.is_none() {
                        config.redirect_uri = Some(planned_redirect_uri(&config, &file.providers));
                    }
                    report.added.push(ImportedProvider {
                        name: config.name.clone(),
                        id: config.id.clone(),
                        needs_client_secret,
                    });
                    if let Some(secret) = secret {
                        secrets.push((config.id.clone(), secret));
                    }
                    file.providers.push(config);
                }
                Ok((report, secrets))
            })
            .await?;
        // Secrets the file held: into the keyring first, then the providers say they have one.
        let mut stored = Vec::with_capacity(secrets.len());
        let mut failed = None;
        for (id, secret) in secrets {
            match self.vault.set_client_secret(&id, &secret).await {
                Ok(()) => stored.push(id),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if !stored.is_empty() {
            self.update_config(|file| {
                for p in file.providers.iter_mut().filter(|p| stored.contains(&p.id)) {
                    p.confidential = true;
                }
                Ok(())
            })
            .await?;
        }
        if let Some(e) = failed {
            return Err(e);
        }
        report.notes = notes;
        Ok(report)
    }
}

/// A provider file (refused whole when anything in it is wrong), or another tool's file.
fn read_any(text: &str) -> Result<crate::imports::Read> {
    let unknown = || {
        Error::config(
            "provider file",
            format!(
                "Tokendeck does not recognise it: it reads {}",
                crate::imports::KNOWN_FORMATS
            ),
        )
    };
    let is_provider_file = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value.get("format").is_some(),
        Err(_) => match crate::imports::read(text)? {
            Some(read) => return Ok(read),
            // Broken JSON gets the provider file's error: where it breaks.
            None => text.trim_start().starts_with('{'),
        },
    };
    if !is_provider_file {
        return crate::imports::read(text)?.ok_or_else(unknown);
    }
    let file = ProviderFile::parse(text)?;
    Ok(crate::imports::Read {
        found: file
            .providers
            .into_iter()
            .map(|provider| crate::imports::Found {
                provider,
                client_secret: None,
                from: "the provider file".into(),
                notes: Vec::new(),
            })
            .collect(),
        skipped: Vec::new(),
    })
}
