//! Provider settings as the user enters them, validated, and the endpoints derived from them.
//! Nothing in here is secret: a client secret is only flagged (`confidential`) and lives in
//! the keyring.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};
use crate::ids::ProviderId;

mod redirect;
pub use redirect::{
    DEFAULT_REDIRECT_URI, Redirect, SHARED_LOOPBACK_REDIRECT_URI, per_provider_redirect_uri, slug,
};

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
}

/// Cognito's default app-client refresh token expiration.
pub const COGNITO_DEFAULT_REFRESH_TOKEN_LIFETIME: u64 = 30 * 24 * 3600;
/// Bounds on the refresh token lifetime setting: Cognito allows 60 minutes to 10 years.
const REFRESH_TOKEN_LIFETIME_RANGE: std::ops::RangeInclusive<u64> = 60..=3650 * 24 * 3600;

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
    pub jwks_uri: Url,
    /// RFC 9207: the provider says it adds `iss` to authorization responses.
    pub iss_parameter_supported: bool,
    /// Cognito token rules apply (`token_use`, access tokens carry `client_id`, no `aud`).
    pub cognito: bool,
}

impl ProviderConfig {
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

    /// Checks every field and returns the first problem, phrased as what to fix.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::config("name", "give the provider a name"));
        }
        validate_client_id(&self.client_id)?;
        for scope in &self.scopes {
            if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::config(
                    "scopes",
                    format!("\"{scope}\" is not a valid scope; list scopes separated by spaces"),
                ));
            }
        }
        self.redirect()?;
        if let Some(pool) = &self.identity_pool_id {
            let ok = pool.split_once(':').is_some_and(|(region, id)| {
                validate_region(region).is_ok()
                    && id.len() == 36
                    && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            });
            if !ok {
                return Err(Error::config(
                    "identity pool id",
                    format!(
                        "\"{pool}\" is not an identity pool id; it looks like eu-west-1:1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
                    ),
                ));
            }
        }
        self.sign_in_options.validate()?;
        if let Some(command) = &self.browser_command {
            crate::browser::BrowserCommand::parse(command)?;
        }
        if let Some(seconds) = self.refresh_token_lifetime
            && !REFRESH_TOKEN_LIFETIME_RANGE.contains(&seconds)
        {
            return Err(Error::config(
                "refresh token lifetime",
                "set it between 1 minute and 3650 days (Cognito allows 60 minutes to 10 years), or leave it empty for the provider's default",
            ));
        }
        match &self.source {
            ProviderSource::Cognito {
                domain,
                region,
                user_pool_id,
            } => {
                validate_region(region)?;
                validate_pool_id(user_pool_id, region)?;
                if *domain != CognitoDomain::None {
                    cognito_domain_base(domain, region)?;
                }
            }
            ProviderSource::Oidc { issuer } => {
                parse_endpoint("issuer URL", issuer)?;
            }
        }
        let o = &self.overrides;
        for (field, value) in [
            ("authorization endpoint", &o.authorization),
            ("token endpoint", &o.token),
            ("userInfo endpoint", &o.userinfo),
            ("revocation endpoint", &o.revocation),
            ("logout endpoint", &o.logout),
            ("JWKS URI", &o.jwks_uri),
            ("issuer", &o.issuer),
            ("Cognito API endpoint", &o.cognito_idp),
            ("Cognito identity endpoint", &o.cognito_identity),
        ] {
            if let Some(v) = value {
                parse_endpoint(field, v)?;
            }
        }
        Ok(())
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
            iss_parameter_supported: false,
            cognito: true,
        };
        self.apply_overrides(derived).map(Some)
    }

    /// For Cognito's own API: the pool's app client, and the issuer and keys its tokens are
    /// verified against (no hosted UI domain needed).
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
        Ok(e)
    }
}

fn validate_client_id(client_id: &str) -> Result<()> {
    let ok = !client_id.is_empty()
        && client_id.len() <= 128
        && client_id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            "client id",
            "paste the app client id from the user pool's App clients page (letters and digits, no spaces)",
        ))
    }
}

fn validate_region(region: &str) -> Result<()> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            "region",
            format!("\"{region}\" is not an AWS region such as eu-west-1"),
        ))
    }
}

fn validate_pool_id(pool_id: &str, region: &str) -> Result<()> {
    let Some((pool_region, suffix)) = pool_id.split_once('_') else {
        return Err(Error::config(
            "user pool id",
            format!("\"{pool_id}\" is not a user pool id; it looks like {region}_AbC123xyz"),
        ));
    };
    if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::config(
            "user pool id",
            format!("\"{pool_id}\" is not a user pool id; it looks like {region}_AbC123xyz"),
        ));
    }
    if pool_region != region {
        return Err(Error::config(
            "user pool id",
            format!(
                "the pool {pool_id} is in {pool_region}, but the region is set to {region}; set the region to {pool_region}"
            ),
        ));
    }
    Ok(())
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
    let url = Url::parse(value.trim())
        .map_err(|e| Error::config(field, format!("\"{value}\" is not a URL ({e})")))?;
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
                "{value} uses plain http; use https (plain http is allowed only for 127.0.0.1 and localhost)"
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
