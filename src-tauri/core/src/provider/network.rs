//! How one provider is reached: its own proxy and extra CA certificates, over what the
//! environment sets (`HTTPS_PROXY`…, `TOKENDECK_CA_FILE`) for every provider. Every request
//! for a provider (discovery, keys, token, revocation, userInfo, device, Cognito's API) goes
//! through a client built from its settings (`HttpClient::for_network`), never routed by host:
//! Cognito pools share regional hosts. Never shared in provider files: a file from someone
//! else must not choose where this machine's tokens go or whom it trusts.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};

/// The proxy value that means "no proxy, whatever the environment says".
pub const DIRECT: &str = "direct";
/// Bounds a pasted CA bundle (a few certificates are a few KiB).
const MAX_EXTRA_CA_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkSettings {
    /// `None`: the environment's proxy (`HTTPS_PROXY`, `NO_PROXY`…); `"direct"`: none; else
    /// the proxy's URL (`http://`, `https://`, `socks5://`, `socks5h://`), for every request
    /// to this provider.
    pub proxy: Option<String>,
    /// PEM CA certificates trusted for this provider besides the OS's (a private CA).
    pub extra_ca: Option<String>,
}

impl NetworkSettings {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub fn validate(&self) -> Result<()> {
        self.proxy()?;
        if let Some(pem) = &self.extra_ca {
            extra_ca_certificates(pem)?;
        }
        Ok(())
    }

    /// What the client for these settings uses: no proxy, one proxy, or the environment's.
    pub(crate) fn proxy(&self) -> Result<ProxyChoice> {
        Ok(match self.proxy.as_deref() {
            None => ProxyChoice::Environment,
            Some(p) if p.trim() == DIRECT => ProxyChoice::Direct,
            Some(p) => ProxyChoice::Url(proxy_url(p)?),
        })
    }

    pub(crate) fn extra_roots(&self) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
        self.extra_ca
            .as_deref()
            .map_or(Ok(Vec::new()), extra_ca_certificates)
    }
}

pub(crate) enum ProxyChoice {
    Environment,
    Direct,
    Url(Url),
}

fn proxy_url(value: &str) -> Result<Url> {
    let problem = |what: &str| {
        Error::config(
            "proxy",
            format!(
                "{what}; give a URL such as http://proxy.example.com:3128, \"{DIRECT}\" for none, or leave it empty for the environment's (HTTPS_PROXY)"
            ),
        )
    };
    let url = Url::parse(value.trim()).map_err(|_| problem("it is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(problem("its scheme must be http, https, socks5 or socks5h"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(problem("it names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Settings are a plain file; credentials belong in the environment's variable.
        return Err(Error::config(
            "proxy",
            "a proxy user name or password cannot be kept in the provider's settings (a plain file): set HTTPS_PROXY with them where Tokendeck starts, and leave this empty",
        ));
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err(problem("it must be only scheme, host and port"));
    }
    Ok(url)
}

fn extra_ca_certificates(pem: &str) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    let problem = |what: String| Error::config("extra CA certificates", what);
    if pem.len() > MAX_EXTRA_CA_BYTES {
        return Err(problem(format!(
            "over {} KiB: paste only the CA certificates to trust",
            MAX_EXTRA_CA_BYTES / 1024
        )));
    }
    if pem.contains("PRIVATE KEY") {
        return Err(problem(
            "this holds a private key: paste only the CA's certificate (-----BEGIN CERTIFICATE-----), and keep the key secret".into(),
        ));
    }
    crate::http::tls::pem_certificates(pem.as_bytes(), "extra CA certificates", "what was pasted")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_proxy(proxy: &str) -> NetworkSettings {
        NetworkSettings {
            proxy: Some(proxy.into()),
            extra_ca: None,
        }
    }

    #[test]
    fn proxies_are_urls_without_credentials() {
        for ok in [
            "http://proxy.corp:3128",
            "https://proxy.corp",
            "socks5h://127.0.0.1:1080",
            DIRECT,
        ] {
            with_proxy(ok).validate().unwrap();
        }
        for (bad, says) in [
            ("proxy.corp:3128", "scheme"),
            ("ftp://proxy.corp", "scheme"),
            ("http://user:pw@proxy.corp:3128", "HTTPS_PROXY"),
            ("http://proxy.corp:3128/path", "only scheme"),
            ("not a url", "not a URL"),
        ] {
            let err = with_proxy(bad).validate().unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn extra_ca_must_be_certificates_only() {
        let ca = |pem: &str| NetworkSettings {
            proxy: None,
            extra_ca: Some(pem.into()),
        };
        let err = ca("hello").validate().unwrap_err().to_string();
        assert!(err.contains("no certificate"), "{err}");
        let err = ca(
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n",
        )
        .validate()
        .unwrap_err()
        .to_string();
        assert!(err.contains("private key"), "{err}");
        let err = ca(&"A".repeat(MAX_EXTRA_CA_BYTES + 1))
            .validate()
            .unwrap_err()
            .to_string();
        assert!(err.contains("KiB"), "{err}");
    }
}
