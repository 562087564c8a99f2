//! OpenID Connect Discovery 1.0: fetch `/.well-known/openid-configuration` and insist that the
//! document's `issuer` is exactly the one asked for (§4.3), so a look-alike document cannot
//! redirect verification to another issuer.

use serde::Deserialize;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::provider::{Endpoints, ProviderConfig, ProviderSource, parse_endpoint};
use crate::verify::JwsAlgorithm;

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// RFC 8628: where a device sign-in starts.
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
}

/// The discovery URL for an issuer: one trailing `/` removed, then the well-known path.
pub fn discovery_url(issuer: &str) -> Result<Url> {
    let base = parse_endpoint("issuer URL", issuer)?;
    if base.query().is_some() {
        return Err(Error::config("issuer URL", "must not contain a query"));
    }
    let mut url = base.clone();
    url.set_path(&format!(
        "{}/.well-known/openid-configuration",
        base.path().strip_suffix('/').unwrap_or(base.path())
    ));
    Ok(url)
}

pub async fn fetch_metadata(http: &HttpClient, issuer: &str) -> Result<ProviderMetadata> {
    let url = discovery_url(issuer)?;
    let host = host_of(&url);
    let response = send(http.client()?.get(url.clone()), &host, "discovery").await?;
    let body = Body::read(response, &host, "discovery").await?;
    if !body.status.is_success() {
        return Err(Error::Discovery {
            url: url.to_string(),
            reason: format!(
                "HTTP {} ({}). Check the issuer URL: it is the URL before /.well-known/openid-configuration",
                body.status.as_u16(),
                body.describe(None)
            ),
        });
    }
    parse_metadata(&body.bytes, issuer, &url)
}

/// Parses and checks a discovery document. Split out so it can be fuzzed and tested directly.
pub fn parse_metadata(bytes: &[u8], issuer: &str, url: &Url) -> Result<ProviderMetadata> {
    let metadata: ProviderMetadata =
        serde_json::from_slice(bytes).map_err(|e| Error::Discovery {
            url: url.to_string(),
            reason: format!("the document is not valid provider metadata ({e})"),
        })?;
    if metadata.issuer != issuer {
        return Err(Error::IssuerMismatch {
            url: url.to_string(),
            expected: issuer.to_owned(),
            found: metadata.issuer,
        });
    }
    if let Some(methods) = &metadata.code_challenge_methods_supported
        && !methods.iter().any(|m| m == "S256")
    {
        return Err(Error::Discovery {
            url: url.to_string(),
            reason: "the provider does not support PKCE with S256, which Tokendeck requires".into(),
        });
    }
    if let Some(algs) = &metadata.id_token_signing_alg_values_supported
        && metadata.id_token_algorithms().is_empty()
    {
        return Err(Error::Discovery {
            url: url.to_string(),
            reason: format!(
                "the provider signs ID tokens with {} only; Tokendeck verifies {}",
                algs.join(", "),
                JwsAlgorithm::ACCEPTED
            ),
        });
    }
    Ok(metadata)
}

impl ProviderMetadata {
    /// The advertised ID-token algorithms we verify (`none` and HMAC dropped); RS256, the
    /// OpenID default, when the document lists none.
    pub fn id_token_algorithms(&self) -> Vec<JwsAlgorithm> {
        match &self.id_token_signing_alg_values_supported {
            Some(names) => names
                .iter()
                .filter_map(|name| JwsAlgorithm::from_name(name))
                .collect(),
            None => vec![JwsAlgorithm::RS256],
        }
    }

    pub fn endpoints(&self) -> Result<Endpoints> {
        let opt =
            |field, v: &Option<String>| v.as_deref().map(|v| parse_endpoint(field, v)).transpose();
        Ok(Endpoints {
            issuer: self.issuer.clone(),
            authorization: parse_endpoint("authorization_endpoint", &self.authorization_endpoint)?,
            token: parse_endpoint("token_endpoint", &self.token_endpoint)?,
            jwks_uri: parse_endpoint("jwks_uri", &self.jwks_uri)?,
            userinfo: opt("userinfo_endpoint", &self.userinfo_endpoint)?,
            revocation: opt("revocation_endpoint", &self.revocation_endpoint)?,
            logout: opt("end_session_endpoint", &self.end_session_endpoint)?,
            network: Default::default(),
            device_authorization: opt(
                "device_authorization_endpoint",
                &self.device_authorization_endpoint,
            )?,
            iss_parameter_supported: self.authorization_response_iss_parameter_supported,
            cognito: false,
            id_token_algorithms: self.id_token_algorithms(),
            token_auth_methods: self.token_endpoint_auth_methods_supported.clone(),
        })
    }
}

/// Endpoints for any provider: derived for Cognito, discovered for OIDC; overrides applied.
pub async fn resolve_endpoints(http: &HttpClient, config: &ProviderConfig) -> Result<Endpoints> {
    config.validate()?;
    match &config.source {
        ProviderSource::Cognito { .. } => config
            .cognito_endpoints()?
            .ok_or_else(|| Error::config("provider", "not a Cognito provider")),
        ProviderSource::Oidc { issuer } => {
            let metadata = fetch_metadata(&http.for_network(&config.network), issuer).await?;
            config.apply_overrides(metadata.endpoints()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_strips_one_trailing_slash() {
        assert_eq!(
            discovery_url("https://id.example.com/tenant/")
                .unwrap()
                .as_str(),
            "https://id.example.com/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://id.example.com").unwrap().as_str(),
            "https://id.example.com/.well-known/openid-configuration"
        );
    }

    fn doc(issuer: &str) -> Vec<u8> {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": "https://id.example.com/auth",
            "token_endpoint": "https://id.example.com/token",
            "jwks_uri": "https://id.example.com/jwks",
            "code_challenge_methods_supported": ["S256"]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn issuer_must_match_exactly_trailing_slash_included() {
        let url = discovery_url("https://id.example.com").unwrap();
        assert!(
            parse_metadata(
                &doc("https://id.example.com"),
                "https://id.example.com",
                &url
            )
            .is_ok()
        );
        let err = parse_metadata(
            &doc("https://id.example.com/"),
            "https://id.example.com",
            &url,
        )
        .unwrap_err();
        assert!(matches!(err, Error::IssuerMismatch { .. }), "{err}");
        assert!(err.to_string().contains("trailing slash"));
    }

    #[test]
    fn rejects_provider_without_s256() {
        let url = discovery_url("https://id.example.com").unwrap();
        let mut v: serde_json::Value =
            serde_json::from_slice(&doc("https://id.example.com")).unwrap();
        v["code_challenge_methods_supported"] = serde_json::json!(["plain"]);
        let err =
            parse_metadata(v.to_string().as_bytes(), "https://id.example.com", &url).unwrap_err();
        assert!(err.to_string().contains("S256"));
    }

    #[test]
    fn id_token_algorithms_are_the_advertised_ones_we_verify() {
        let url = discovery_url("https://id.example.com").unwrap();
        let with_algs = |algs: serde_json::Value| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&doc("https://id.example.com")).unwrap();
            v["id_token_signing_alg_values_supported"] = algs;
            parse_metadata(v.to_string().as_bytes(), "https://id.example.com", &url)
        };
        let mixed = with_algs(serde_json::json!(["none", "HS256", "ES256", "PS384"])).unwrap();
        assert_eq!(
            mixed.id_token_algorithms(),
            [JwsAlgorithm::ES256, JwsAlgorithm::PS384]
        );
        let err = with_algs(serde_json::json!(["HS256", "none"])).unwrap_err();
        assert!(err.to_string().contains("HS256, none only"), "{err}");
        let unlisted = parse_metadata(
            &doc("https://id.example.com"),
            "https://id.example.com",
            &url,
        )
        .unwrap();
        assert_eq!(unlisted.id_token_algorithms(), [JwsAlgorithm::RS256]);
    }
}
