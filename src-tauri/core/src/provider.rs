//! Provider settings as the user enters them, validated, and the endpoints derived from them.
//! Nothing in here is secret: a client secret is only flagged (`confidential`) and lives in
//! the keyring.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};
use crate::ids::ProviderId;
use crate::verify::JwsAlgorithm;

mod network;
mod redirect;
mod validate;
pub(crate) use network::ProxyChoice;
pub use network::{DIRECT, NetworkSettings};
pub use redirect::{
    DEFAULT_REDIRECT_URI, Redirect, SHARED_LOOPBACK_REDIRECT_URI, per_provider_redirect_uri, slug,
};
pub(crate) use validate::check_scopes;

pub const DEFAULT_SCOPES: [&str; 3] = ["openid", "email", "profile"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
pub enum ProviderSource {
    /// An Amazon Cognito user pool with a hosted UI (managed login) domain.
    Cognito {
        domain: CognitoDomain,
        region: String,
        user_pool_id: String,
    },
    /// Any OpenID Connect provider, configured through discovery from its issuer URL.
    Oidc { issuer: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum CognitoDomain {
    /// `https://<prefix>.auth.<region>.amazoncognito.com`
    Prefix { prefix: String },
    /// A custom domain, e.g. `https://auth.example.com`.
    Custom { url: String },
    /// No hosted UI: sign in through Cognito's API (username + password, SRP) only.
    None,
}

/// Per-endpoint overrides, applied after derivation or discovery (used for local providers and
/// proxies). `issuer` and `jwksUri` can be set apart: some emulators sign with an issuer they
/// do not serve.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct EndpointOverrides {
    pub issuer: Option<String>,
    pub authorization: Option<String>,
    pub token: Option<String>,
    pub userinfo: Option<String>,
    pub revocation: Option<String>,
    pub logout: Option<String>,
    pub jwks_uri: Option<String>,
    /// Cognito user-pool API (`https://cognito-idp.<region>.amazonaws.com/`).
    pub cognito_idp: Option<String>,
    /// Cognito identity API (`https://cognito-identity.<region>.amazonaws.com/`).
    pub cognito_identity: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// Empty in a draft for a new provider; `Deck::save_provider` assigns one.
    pub id: ProviderId,
    pub name: String,
    pub source: ProviderSource,
    pub client_id: String,
    /// The app client has a secret (kept in the keyring, never here).
    #[serde(default)]
    pub confidential: bool,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// `None` means the shared [`DEFAULT_REDIRECT_URI`] (providers saved before per-provider
    /// redirects). A new provider gets its own (see [`per_provider_redirect_uri`]) when saved.
    #[serde(default)]
    pub redirect_uri: Option<String>,
    #[serde(default)]
    pub overrides: EndpointOverrides,
    /// Cognito identity pool (`<region>:<uuid>`) for temporary AWS credentials.
    #[serde(default)]
    pub identity_pool_id: Option<String>,
    /// Seconds a refresh token lasts after sign-in (Cognito's app-client "refresh token
    /// expiration"). `None`: Cognito's default of 30 days, and unknown for other issuers
    /// unless their token responses say (`refresh_expires_in`).
    #[serde(default)]
    pub refresh_token_lifetime: Option<u64>,
    /// Authorization parameters every sign-in sends unless it sets its own: Cognito
    /// federation (`identity_provider`, `idp_identifier`), `lang`, `prompt`, `login_hint`.
    /// Their `scopes` is unused (the provider's `scopes` apply).
    #[serde(default)]
    pub sign_in_options: crate::authorize::AuthorizeOptions,
    /// A command that opens the sign-in page instead of the system browser, e.g.
    /// `firefox -P work --private-window`; `{url}` marks where the URL goes (else it is the
    /// last argument). Run directly, never through a shell. Never shared in provider files.
    #[serde(default)]
    pub browser_command: Option<String>,
    /// How the app client authenticates at the token and revocation endpoints.
    #[serde(default)]
    pub client_auth: ClientAuthMethod,
    /// The `kid` of the private key signing `private_key_jwt` assertions, when the provider
    /// holds several keys for the client.
    #[serde(default)]
    pub client_key_id: Option<String>,
    /// Cognito: the AWS profile whose credentials sign admin sign-ins (ADMIN_USER_PASSWORD_AUTH);
    /// `None` is the default chain (AWS_PROFILE, then `default`). Never in provider files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_profile: Option<String>,
    /// This provider's own proxy and CA certificates (never in provider files).
    #[serde(default, skip_serializing_if = "NetworkSettings::is_default")]
    pub network: NetworkSettings,
}

/// How the app client proves itself; what it proves itself with (a secret or a PEM private
/// key) lives in the keyring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// A private key signs JWTs (`private_key_jwt`); a secret goes in a Basic header, or in
    /// the form when the provider's discovery lists only `client_secret_post`.
    #[default]
    Auto,
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
}

impl ClientAuthMethod {
    pub const ALL: [Self; 4] = [
        Self::Auto,
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// Cognito signs ID and access tokens with RS256 only: nothing else is accepted from a pool.
pub const COGNITO_ID_TOKEN_ALGORITHMS: &[JwsAlgorithm] = &[JwsAlgorithm::RS256];

/// Cognito's default app-client refresh token expiration.
pub const COGNITO_DEFAULT_REFRESH_TOKEN_LIFETIME: u64 = 30 * 24 * 3600;

pub(crate) fn default_scopes() -> Vec<String> {
    DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
}

/// A user pool's own API, and what its tokens are verified against.
#[derive(Debug)]
pub struct CognitoApi {
    pub pool: crate::cognito::idp::PoolClient,
    /// The exact `iss` of the pool's tokens.
    pub issuer: String,
    pub jwks_uri: Url,
}

/// `https://cognito-idp.<region>.amazonaws.com/<pool id>`: a user pool's issuer.
pub fn cognito_issuer(region: &str, user_pool_id: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool_id}")
}

/// The URLs a sign-in needs, after derivation/discovery and overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Exact expected `iss` of tokens from this provider.
    pub issuer: String,
    pub authorization: Url,
    pub token: Url,
    pub userinfo: Option<Url>,
    pub revocation: Option<Url>,
    pub logout: Option<Url>,
    /// How the provider is reached (its settings' `network`).
    pub network: NetworkSettings,
    /// RFC 8628's device authorization endpoint, when discovery lists one.
    pub device_authorization: Option<Url>,
    pub jwks_uri: Url,
    /// RFC 9207: the provider says it adds `iss` to authorization responses.
    pub iss_parameter_supported: bool,
    /// Cognito token rules apply (`token_use`, access tokens carry `client_id`, no `aud`).
    pub cognito: bool,
    /// Discovery's `token_endpoint_auth_methods_supported` (`None`: not listed, or Cognito).
    pub token_auth_methods: Option<Vec<String>>,
    /// What ID tokens may be signed with: those of discovery's list that we verify (RS256
    /// when the document has no list), RS256 for Cognito.
    pub id_token_algorithms: Vec<JwsAlgorithm>,
}

impl ProviderConfig {
    /// A provider with every other setting at its default (as a provider file naming only
    /// these is read): the default scopes, no secret, overrides or sign-in options, and no id
    /// until `Deck::save_provider` assigns one.
    pub fn new(
        name: impl Into<String>,
        source: ProviderSource,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            id: "".into(),
            name: name.into(),
            source,
            client_id: client_id.into(),
            confidential: false,
            scopes: default_scopes(),
            redirect_uri: None,
            overrides: EndpointOverrides::default(),
            identity_pool_id: None,
            refresh_token_lifetime: None,
            sign_in_options: Default::default(),
            browser_command: None,
            client_auth: ClientAuthMethod::default(),
            client_key_id: None,
            aws_profile: None,
            network: NetworkSettings::default(),
        }
    }

    /// The `iss` its tokens carry, from the settings alone (no discovery): the issuer
    /// override, else the pool's issuer or the OIDC issuer.
    pub fn expected_issuer(&self) -> String {
        if let Some(issuer) = &self.overrides.issuer {
            return issuer.clone();
        }
        match &self.source {
            ProviderSource::Cognito {
                region,
                user_pool_id,
                ..
            } => cognito_issuer(region, user_pool_id),
            ProviderSource::Oidc { issuer } => issuer.clone(),
        }
    }

    /// How long a refresh token lasts after sign-in, as far as the settings tell: the setting,
    /// else Cognito's default; `None` (unknown) for other issuers.
    pub fn refresh_token_lifetime(&self) -> Option<u64> {
        match (&self.source, self.refresh_token_lifetime) {
            (_, Some(seconds)) => Some(seconds),
            (ProviderSource::Cognito { .. }, None) => Some(COGNITO_DEFAULT_REFRESH_TOKEN_LIFETIME),
            (ProviderSource::Oidc { .. }, None) => None,
        }
    }

    /// Whether Cognito's own API (password sign-in) can serve this pool: a real pool, a pool
    /// with no hosted UI, or one whose API endpoint is set. A pool whose hosted UI or issuer
    /// is a local stand-in (a loopback address) is unknown to the real API.
    pub fn offers_password_sign_in(&self) -> bool {
        let ProviderSource::Cognito { domain, .. } = &self.source else {
            return false;
        };
        if self.overrides.cognito_idp.is_some() || *domain == CognitoDomain::None {
            return true;
        }
        let on_loopback = |url: &str| Url::parse(url).is_ok_and(|u| is_loopback_host(&u));
        let local_domain = matches!(domain, CognitoDomain::Custom { url } if on_loopback(url));
        let local_issuer = self.overrides.issuer.as_deref().is_some_and(on_loopback);
        !(local_domain || local_issuer)
    }

    pub fn redirect(&self) -> Result<Redirect> {
        Redirect::parse(self.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT_URI))
    }

    /// Endpoints known without network access: all of a Cognito pool's, none of an OIDC
    /// provider's (those need [`crate::discovery`]).
    pub fn cognito_endpoints(&self) -> Result<Option<Endpoints>> {
        let ProviderSource::Cognito {
            domain,
            region,
            user_pool_id,
        } = &self.source
        else {
            return Ok(None);
        };
        self.validate()?;
        if *domain == CognitoDomain::None {
            return Err(Error::Unsupported {
                what: "browser sign-in",
                hint: "this pool has no hosted UI domain: sign in with username and password, or add the pool's domain",
            });
        }
        let base = cognito_domain_base(domain, region)?;
        let join = |path: &str| join_path(&base, path);
        let issuer = cognito_issuer(region, user_pool_id);
        let derived = Endpoints {
            jwks_uri: parse_endpoint("issuer", &format!("{issuer}/.well-known/jwks.json"))?,
            issuer,
            authorization: join("oauth2/authorize")?,
            token: join("oauth2/token")?,
            userinfo: Some(join("oauth2/userInfo")?),
            revocation: Some(join("oauth2/revoke")?),
            logout: Some(join("logout")?),
            network: NetworkSettings::default(),
            device_authorization: None,
            iss_parameter_supported: false,
            cognito: true,
            id_token_algorithms: COGNITO_ID_TOKEN_ALGORITHMS.to_vec(),
            token_auth_methods: None,
        };
        self.apply_overrides(derived).map(Some)
    }

    /// For Cognito's own API: the pool's app client, and the issuer and keys its tokens are
    /// verified against (no hosted UI domain needed).
    /// The region of a Cognito pool.
    pub fn cognito_region(&self) -> Result<String> {
        match &self.source {
            ProviderSource::Cognito { region, .. } => Ok(region.clone()),
            ProviderSource::Oidc { .. } => Err(Error::Unsupported {
                what: "admin sign-in",
                hint: "it is available for Cognito user pools only",
            }),
        }
    }

    pub fn cognito_api(
        &self,
        client_secret: Option<crate::secret::ClientSecret>,
    ) -> Result<CognitoApi> {
        let ProviderSource::Cognito {
            region,
            user_pool_id,
            ..
        } = &self.source
        else {
            return Err(Error::Unsupported {
                what: "password sign-in",
                hint: "it is available for Cognito user pools only",
            });
        };
        self.validate()?;
        let endpoint = match &self.overrides.cognito_idp {
            Some(url) => parse_endpoint("Cognito API endpoint", url)?,
            None => crate::cognito::idp::PoolClient::default_endpoint(region)?,
        };
        let pool_issuer = cognito_issuer(region, user_pool_id);
        let jwks_uri = match &self.overrides.jwks_uri {
            Some(url) => parse_endpoint("JWKS URI", url)?,
            None => parse_endpoint("JWKS URI", &format!("{pool_issuer}/.well-known/jwks.json"))?,
        };
        let issuer = self.overrides.issuer.clone().unwrap_or(pool_issuer);
        let pool = crate::cognito::idp::PoolClient {
            region: region.clone(),
            user_pool_id: user_pool_id.clone(),
            client_id: self.client_id.clone(),
            client_secret,
            endpoint,
        };
        Ok(CognitoApi {
            pool,
            issuer,
            jwks_uri,
        })
    }

    pub(crate) fn apply_overrides(&self, mut e: Endpoints) -> Result<Endpoints> {
        let o = &self.overrides;
        let pick = |field, value: &Option<String>, current: Url| match value {
            Some(v) => parse_endpoint(field, v),
            None => Ok(current),
        };
        let pick_opt = |field, value: &Option<String>, current: Option<Url>| match value {
            Some(v) => parse_endpoint(field, v).map(Some),
            None => Ok(current),
        };
        e.authorization = pick("authorization endpoint", &o.authorization, e.authorization)?;
        e.token = pick("token endpoint", &o.token, e.token)?;
        e.jwks_uri = pick("JWKS URI", &o.jwks_uri, e.jwks_uri)?;
        e.userinfo = pick_opt("userInfo endpoint", &o.userinfo, e.userinfo)?;
        e.revocation = pick_opt("revocation endpoint", &o.revocation, e.revocation)?;
        e.logout = pick_opt("logout endpoint", &o.logout, e.logout)?;
        if let Some(issuer) = &o.issuer {
            e.issuer.clone_from(issuer);
        }
        e.network = self.network.clone();
        Ok(e)
    }
}

fn cognito_domain_base(domain: &CognitoDomain, region: &str) -> Result<Url> {
    match domain {
        CognitoDomain::Prefix { prefix } => {
            let ok = !prefix.is_empty()
                && prefix.len() <= 63
                && !prefix.starts_with('-')
                && !prefix.ends_with('-')
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(Error::config(
                    "domain prefix",
                    format!(
                        "\"{prefix}\" is not a Cognito domain prefix: enter only the first label of <prefix>.auth.{region}.amazoncognito.com (lowercase letters, digits, hyphens), or choose a custom domain"
                    ),
                ));
            }
            parse_endpoint(
                "domain prefix",
                &format!("https://{prefix}.auth.{region}.amazoncognito.com"),
            )
        }
        CognitoDomain::None => Err(Error::config("domain", "this pool has no hosted UI domain")),
        CognitoDomain::Custom { url } => {
            let parsed = parse_endpoint("custom domain", url)?;
            if parsed.query().is_some() {
                return Err(Error::config(
                    "custom domain",
                    "enter only the domain, without a query",
                ));
            }
            Ok(parsed)
        }
    }
}

/// Appends `path` to a base URL whether or not the base ends with `/`.
fn join_path(base: &Url, path: &str) -> Result<Url> {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    Ok(url)
}

/// Parses an endpoint URL: https, or http only to a loopback address (local providers).
pub fn parse_endpoint(field: &'static str, value: &str) -> Result<Url> {
    // The value may come from a provider (discovery, a device authorization response): only
    // its printable part goes into a message that reaches terminals and logs.
    let shown = crate::error::printable(value, 200);
    let url = Url::parse(value.trim())
        .map_err(|e| Error::config(field, format!("\"{shown}\" is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            field,
            "must not contain a user name or password",
        ));
    }
    if url.fragment().is_some() {
        return Err(Error::config(field, "must not contain a #fragment"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&url) => Ok(url),
        "http" => Err(Error::config(
            field,
            format!(
                "{shown} uses plain http; use https (plain http is allowed only for 127.0.0.1 and localhost)"
            ),
        )),
        other => Err(Error::config(
            field,
            format!("the scheme \"{other}\" is not supported; use https"),
        )),
    }
}

pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests;
