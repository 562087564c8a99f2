//! The one HTTP client: built once, timeouts on, redirects off (following a redirect from an
//! OAuth endpoint would resend credentials to wherever it points), bounded response bodies.
//! TLS trusts the OS's certificate store plus the CA certificates in `TOKENDECK_CA_FILE`;
//! `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured (reqwest's system
//! proxy settings). A provider with its own proxy or CA certificates gets a client of its own
//! ([`HttpClient::for_network`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use reqwest::{Response, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::provider::{NetworkSettings, ProxyChoice};

pub(crate) mod tls;

/// Names a PEM file of CA certificates to trust besides the OS's (a private CA).
pub const CA_FILE_VAR: &str = "TOKENDECK_CA_FILE";

/// Cap for any body we read from a provider (discovery, JWKS, token responses are a few KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Cheap to create and to clone: the underlying client (and with it the OS's CA certificates,
/// about 140 files) is built at the first request, so commands that make none (a warm
/// `tokendeck token`, `list`) never pay for TLS setup.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: Arc<OnceLock<reqwest::Client>>,
    connect: Duration,
    total: Duration,
    network: NetworkSettings,
    /// The client for the environment's settings, shared by every variant.
    default_inner: Arc<OnceLock<reqwest::Client>>,
    /// The clients for providers' own settings, shared by every clone (built lazily too).
    variants: Arc<Mutex<HashMap<NetworkSettings, HttpClient>>>,
}

/// Distinct settings kept at once; more (a user trying proxies in the form) start afresh.
const MAX_VARIANTS: usize = 16;

impl HttpClient {
    pub fn new() -> Result<Self> {
        Self::with_timeouts(Duration::from_secs(10), Duration::from_secs(30))
    }

    pub fn with_timeouts(connect: Duration, total: Duration) -> Result<Self> {
        let inner: Arc<OnceLock<reqwest::Client>> = Arc::default();
        Ok(Self {
            default_inner: inner.clone(),
            inner,
            connect,
            total,
            network: NetworkSettings::default(),
            variants: Arc::default(),
        })
    }

    /// The client for a provider's network settings: this one when it has none of its own.
    pub fn for_network(&self, network: &NetworkSettings) -> HttpClient {
        if *network == self.network {
            return self.clone();
        }
        if network.is_default() {
            return HttpClient {
                inner: self.default_inner.clone(),
                network: NetworkSettings::default(),
                ..self.clone()
            };
        }
        let mut variants = self.variants.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = variants.get(network) {
            return client.clone();
        }
        if variants.len() >= MAX_VARIANTS {
            variants.clear();
        }
        let client = HttpClient {
            inner: Arc::default(),
            network: network.clone(),
            ..self.clone()
        };
        variants.insert(network.clone(), client.clone());
        client
    }

    /// The settings this client was built for.
    pub fn network(&self) -> &NetworkSettings {
        &self.network
    }

    /// Whether the client has been built (for tests of the lazy path).
    pub fn is_built(&self) -> bool {
        self.inner.get().is_some()
    }

    pub(crate) fn client(&self) -> Result<&reqwest::Client> {
        if let Some(client) = self.inner.get() {
            return Ok(client);
        }
        let mut roots = extra_roots()?;
        roots.extend(self.network.extra_roots()?);
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect)
            .timeout(self.total)
            .user_agent(concat!("Tokendeck/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls::client_config(roots)?);
        let builder = match self.network.proxy()? {
            ProxyChoice::Environment => builder,
            ProxyChoice::Direct => builder.no_proxy(),
            // Set for this provider: every request to it goes there, NO_PROXY or not.
            ProxyChoice::Url(url) => builder.proxy(reqwest::Proxy::all(url).map_err(|e| {
                Error::config("proxy", format!("cannot use it ({})", e.without_url()))
            })?),
        };
        let built = builder.build().map_err(|e| Error::Network {
            host: "-".into(),
            reason: e.without_url().to_string(),
        })?;
        // Two first requests at once may both build one; either is the same client.
        let _ = self.inner.set(built);
        self.inner.get().ok_or(Error::Network {
            host: "-".into(),
            reason: "the HTTP client could not be set up".into(),
        })
    }
}

/// The certificates of `TOKENDECK_CA_FILE`, if set.
fn extra_roots() -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    let Some(path) = std::env::var_os(CA_FILE_VAR).filter(|p| !p.is_empty()) else {
        return Ok(Vec::new());
    };
    let path = std::path::PathBuf::from(path);
    let pem = std::fs::read(&path)
        .map_err(|e| Error::config(CA_FILE_VAR, format!("cannot read {}: {e}", path.display())))?;
    tls::pem_certificates(&pem, CA_FILE_VAR, &path.display().to_string())
}

/// Sends a request and maps transport failures without echoing the URL's query.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    host: &str,
    endpoint: &'static str,
) -> Result<Response> {
    request
        .send()
        .await
        .map_err(|e| transport_error(e, host, endpoint))
}

fn transport_error(e: reqwest::Error, host: &str, endpoint: &'static str) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            what: endpoint,
            seconds: 30,
        };
    }
    let e = e.without_url();
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    // Say the common cases as a person would.
    let lower = reason.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        reason =
            "could not resolve the host name (no such domain, or no network): check the domain"
                .into();
    } else if lower.contains("connection refused") {
        reason = "nothing is listening there (connection refused): check the host and port".into();
    } else if let Some(advice) = certificate_advice(&lower) {
        let which = tls::refused_certificate(host)
            .map(|cert| format!("; the certificate: {cert}"))
            .unwrap_or_default();
        reason = format!(
            "the TLS certificate {host} presented {advice} ({}{which})",
            certificate_detail(&reason)
        );
    }
    Error::Network {
        host: host.to_owned(),
        reason,
    }
}

/// What to do about a certificate error, from rustls's words for it.
fn certificate_advice(lower: &str) -> Option<String> {
    if !lower.contains("certificate") {
        return None;
    }
    let private_ca = format!(
        "if your network uses a private certificate authority (an in-house provider, or a proxy that inspects TLS), add that CA to the system's trust store, or set {CA_FILE_VAR} to a PEM file holding it"
    );
    Some(
        if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
            format!(
                "is signed by an authority this computer does not trust: {private_ca}. If you expect no such CA, something may be intercepting the connection: do not trust it"
            )
        } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
            "is for another host name: check the host in the URL (the certificate must name it)"
                .into()
        } else if lower.contains("expired") || lower.contains("notvalidyet") {
            "has expired or is not valid yet: check this computer's clock, or tell the provider's operator".into()
        } else if lower.contains("invalid peer certificate")
            || lower.contains("self-signed")
            || lower.contains("self signed")
        {
            format!("was refused: {private_ca}")
        } else {
            return None;
        },
    )
}

/// rustls's own reason, the part after "invalid peer certificate".
fn certificate_detail(reason: &str) -> &str {
    reason
        .find("invalid peer certificate")
        .and_then(|at| reason.get(at..))
        .unwrap_or(reason)
}

/// A response body read fully (up to [`MAX_BODY_BYTES`]) with its status and content type.
#[derive(Debug)]
pub(crate) struct Body {
    pub status: StatusCode,
    pub is_json: bool,
    pub bytes: Vec<u8>,
}

impl Body {
    pub async fn read(mut response: Response, host: &str, endpoint: &'static str) -> Result<Self> {
        let status = response.status();
        if status.is_redirection() {
            return Err(Error::Redirected {
                endpoint,
                status: status.as_u16(),
            });
        }
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(e, host, endpoint))?
        {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Error::UnexpectedResponse {
                    endpoint,
                    status: status.as_u16(),
                    body_kind: format!("a body over {MAX_BODY_BYTES} bytes"),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Self {
            status,
            is_json,
            bytes,
        })
    }

    /// Parses the body as JSON, or explains what came back instead.
    pub fn json<T: DeserializeOwned>(&self, endpoint: &'static str) -> Result<T> {
        serde_json::from_slice(&self.bytes).map_err(|e| Error::UnexpectedResponse {
            endpoint,
            status: self.status.as_u16(),
            body_kind: self.describe(Some(e)),
        })
    }

    pub fn describe(&self, parse_error: Option<serde_json::Error>) -> String {
        let head = self.bytes.iter().take(64).copied().collect::<Vec<u8>>();
        let text = String::from_utf8_lossy(&head)
            .trim_start()
            .to_ascii_lowercase();
        if text.starts_with("<!doctype html") || text.starts_with("<html") || text.starts_with('<')
        {
            "an HTML page".into()
        } else if self.bytes.is_empty() {
            "an empty body".into()
        } else if let Some(e) = parse_error.filter(|_| self.is_json) {
            format!("JSON that does not fit ({})", parse_problem(&e))
        } else {
            "a body that is not JSON".into()
        }
    }
}

/// Where and how a body failed to parse, without serde's own message past a missing field's
/// name: that message quotes the offending value, which can be a token.
fn parse_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.strip_prefix("missing field ") {
        Some(rest) => format!(
            "missing field {}",
            rest.split(" at line").next().unwrap_or_default()
        ),
        None => format!(
            "{} at line {}, column {}",
            match e.classify() {
                serde_json::error::Category::Syntax => "malformed",
                serde_json::error::Category::Eof => "cut short",
                serde_json::error::Category::Data | serde_json::error::Category::Io => {
                    "an unexpected value"
                }
            },
            e.line(),
            e.column()
        ),
    }
}

/// Host (and port) of a URL for error messages: never the path or query.
pub(crate) fn host_of(url: &url::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => url.scheme().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token endpoint answering a bare JSON string (or a token where a number belongs) must
    /// not have that value repeated in the error, which reaches the window and the logs.
    #[test]
    fn parse_errors_never_quote_the_body() {
        let body = Body {
            status: reqwest::StatusCode::OK,
            is_json: true,
            bytes: br#"{"access_token": 5, "expires_in": "eyJhbGciOi.secret-value"}"#.to_vec(),
        };
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Shape {
            expires_in: u64,
        }
        let err = body.json::<Shape>("the token endpoint").unwrap_err();
        assert!(!err.to_string().contains("secret-value"), "{err}");
        assert!(err.to_string().contains("line 1"), "{err}");
        let missing = Body {
            bytes: b"{}".to_vec(),
            ..body
        };
        let err = missing.json::<Shape>("the token endpoint").unwrap_err();
        assert!(
            err.to_string().contains("missing field `expires_in`"),
            "{err}"
        );
    }
}
