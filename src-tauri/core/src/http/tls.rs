//! The HTTP client's TLS: the OS's trust store (rustls-platform-verifier, as reqwest uses it)
//! plus extra CA certificates, behind a verifier that notes the certificate a server presented
//! when it is refused, so the error can say which certificate it was, not only which host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::error::{Error, Result, printable};

/// Refusals remembered at once (by host); more start afresh.
const MAX_NOTED: usize = 64;

/// A rustls configuration for reqwest: HTTP/1.1, TLS 1.2 and 1.3, the platform's verifier.
pub(crate) fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
) -> Result<rustls::ClientConfig> {
    let setup = |e: &dyn std::fmt::Display| Error::Network {
        host: "-".into(),
        reason: format!("TLS could not be set up ({e})"),
    };
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let platform = match extra_roots.is_empty() {
        true => rustls_platform_verifier::Verifier::new(provider.clone()),
        false => {
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
        }
    }
    .map_err(|e| setup(&e))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup(&e))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NotingVerifier {
            inner: Arc::new(platform),
        }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificates of a PEM bundle; `what` names the setting in errors.
pub(crate) fn pem_certificates(
    pem: &[u8],
    what: &'static str,
    source: &str,
) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::config(
                what,
                format!("{source} is not a PEM file of certificates ({e})"),
            )
        })?;
    if certs.is_empty() {
        return Err(Error::config(
            what,
            format!(
                "{source} holds no certificate: it should contain -----BEGIN CERTIFICATE----- blocks"
            ),
        ));
    }
    Ok(certs)
}

/// The certificate a refused server presented, described, taken once.
pub(crate) fn refused_certificate(host_and_port: &str) -> Option<String> {
    let host = host_and_port
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host_and_port, |(host, _)| host)
        .trim_matches(['[', ']']);
    lock(noted()).remove(host)
}

/// Delegates every decision to the platform's verifier; only watches its refusals.
#[derive(Debug)]
struct NotingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for NotingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        if verdict.is_err() {
            note(server_name, end_entity);
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

fn noted() -> &'static Mutex<HashMap<String, String>> {
    static NOTED: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    NOTED.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn note(server_name: &ServerName<'_>, cert: &CertificateDer<'_>) {
    let host = match server_name {
        ServerName::DnsName(name) => name.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => return,
    };
    let Some(described) = describe(cert) else {
        return;
    };
    let mut noted = lock(noted());
    if noted.len() >= MAX_NOTED {
        noted.clear();
    }
    noted.insert(host, described);
}

/// "subject CN=…, issued by CN=…, valid from … to …": the certificate's own words, bounded
/// and printable (they come from whoever answered).
pub(crate) fn describe(cert: &[u8]) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    let date = |t: &x509_parser::time::ASN1Time| {
        let secs = u64::try_from(t.timestamp()).unwrap_or(0);
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        humantime::format_rfc3339_seconds(when)
            .to_string()
            .get(..10)
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let validity = parsed.validity();
    Some(format!(
        "subject {}, issued by {}, valid {} to {}",
        printable(&parsed.subject().to_string(), 120),
        printable(&parsed.issuer().to_string(), 120),
        date(&validity.not_before),
        date(&validity.not_after),
    ))
}
