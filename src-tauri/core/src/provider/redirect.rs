//! Redirect URIs: where the browser sends the user back (a deep link or a loopback listener),
//! and each provider's own URI, which tells providers apart (mix-up defence).

use url::Url;

use super::is_loopback_host;
use crate::error::{Error, Result};

/// The redirect URI shared by every provider saved before per-provider redirects existed (their
/// `redirect_uri` is `None`). Shared redirects cannot tell providers apart (mix-up, RFC 9700
/// §4.4), so new providers get [`per_provider_redirect_uri`] instead.
pub const DEFAULT_REDIRECT_URI: &str = "io.github.tokendeck://callback";
/// The loopback form of the shared redirect.
pub const SHARED_LOOPBACK_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// Where the browser sends the user back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redirect {
    /// A private-use URI scheme delivered to the app as a deep link (RFC 8252 §7.1).
    CustomScheme(Url),
    /// `http://127.0.0.1[:port]/path` served by a one-shot local listener (RFC 8252 §7.3).
    /// With no port in the setting, any free port is used.
    Loopback { url: Url, fixed_port: bool },
}

impl Redirect {
    pub fn parse(value: &str) -> Result<Self> {
        let field = "redirect URI";
        let url = Url::parse(value).map_err(|e| {
            Error::config(field, format!("\"{value}\" is not a URL ({e}). Use {DEFAULT_REDIRECT_URI} or http://127.0.0.1/callback"))
        })?;
        if url.fragment().is_some() || url.query().is_some() {
            return Err(Error::config(field, "must not contain a query or fragment"));
        }
        match url.scheme() {
            "https" => Err(Error::config(
                field,
                "an https redirect would go to a web server, not to Tokendeck. Use io.github.tokendeck://callback or http://127.0.0.1/callback",
            )),
            "http" => {
                if !is_loopback_host(&url) {
                    return Err(Error::config(
                        field,
                        "http redirects must use the loopback address 127.0.0.1 (or localhost)",
                    ));
                }
                let fixed_port = url.port().is_some();
                Ok(Self::Loopback { url, fixed_port })
            }
            scheme if scheme.contains('.') => Ok(Self::CustomScheme(url)),
            scheme => Err(Error::config(
                field,
                format!(
                    "the custom scheme \"{scheme}\" must be a reverse domain name such as io.github.tokendeck (RFC 8252)"
                ),
            )),
        }
    }

    pub fn url(&self) -> &Url {
        match self {
            Self::CustomScheme(url) | Self::Loopback { url, .. } => url,
        }
    }

    /// The loopback redirect to use when a deep link cannot be (the CLI): a custom-scheme
    /// `io.github.tokendeck://callback/<slug>` becomes `http://127.0.0.1/callback/<slug>`, so
    /// it names the same provider. A loopback redirect stays as it is.
    pub fn as_loopback(&self) -> Result<Self> {
        match self {
            Self::Loopback { .. } => Ok(self.clone()),
            Self::CustomScheme(url) => {
                let host = url.host_str().unwrap_or_default();
                let path = url.path().trim_end_matches('/');
                let joined = format!("/{host}{path}");
                let joined = match joined.as_str() {
                    "/" => "/callback",
                    other => other,
                };
                Self::parse(&format!("http://127.0.0.1{joined}"))
            }
        }
    }

    /// What identifies this redirect when the browser comes back: two providers with the
    /// same target cannot be told apart by where their responses arrive. The port of a
    /// loopback redirect does not count (any free port is used).
    pub fn target(&self) -> String {
        match self {
            Self::CustomScheme(url) => format!(
                "{}://{}{}",
                url.scheme(),
                url.host_str().unwrap_or_default(),
                url.path().trim_end_matches('/')
            ),
            Self::Loopback { url, .. } => format!(
                "http://{}{}",
                url.host_str().unwrap_or_default(),
                url.path().trim_end_matches('/')
            ),
        }
    }

    /// True for the redirects every provider shared before per-provider redirects: a
    /// response arriving there does not say which provider sent it.
    pub fn is_shared_default(&self) -> bool {
        let target = self.target();
        [
            DEFAULT_REDIRECT_URI,
            SHARED_LOOPBACK_REDIRECT_URI,
            "http://localhost/callback",
        ]
        .iter()
        .any(|shared| target == *shared)
            || matches!(self, Self::Loopback { url, .. } if url.path().trim_end_matches('/').is_empty())
    }
}

/// A new provider's own redirect URI, `io.github.tokendeck://callback/<slug>`: a redirect then
/// names the provider its sign-in was started for, so a response from one provider cannot
/// be taken for another's (mix-up, RFC 9700 §4.4.2).
pub fn per_provider_redirect_uri(slug: &str) -> String {
    format!("{DEFAULT_REDIRECT_URI}/{slug}")
}

/// A URL path segment from a provider name: lowercase ASCII letters and digits joined by
/// single hyphens, at most 40 characters ("Staging pool (EU)" → "staging-pool-eu").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "provider".to_owned()
    } else {
        trimmed.to_owned()
    }
}
