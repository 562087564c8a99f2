//! Checking a provider's settings field by field, each problem phrased as what to fix.

use super::{
    ClientAuthMethod, CognitoDomain, ProviderConfig, ProviderSource, cognito_domain_base,
    parse_endpoint,
};
use crate::error::{Error, Result};

/// Bounds on the refresh token lifetime setting: Cognito allows 60 minutes to 10 years.
const REFRESH_TOKEN_LIFETIME_RANGE: std::ops::RangeInclusive<u64> = 60..=3650 * 24 * 3600;

impl ProviderConfig {
    /// Checks every field and returns the first problem, phrased as what to fix.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::config("name", "give the provider a name"));
        }
        validate_client_id(&self.client_id)?;
        check_scopes(&self.scopes)?;
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
        self.network.validate()?;
        if let Some(profile) = &self.aws_profile {
            let ok = !profile.is_empty()
                && profile.len() <= 64
                && profile.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b'+')
                });
            if !ok {
                return Err(Error::config(
                    "AWS profile",
                    "give the name of a profile in ~/.aws/config (letters, digits, - _ . @ +), or leave it empty for the default credentials",
                ));
            }
        }
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
        if let Some(kid) = &self.client_key_id
            && (kid.trim().is_empty() || kid.len() > 256 || kid.chars().any(char::is_control))
        {
            return Err(Error::config(
                "client key id",
                "give the kid the provider registered for the client's key (up to 256 characters), or leave it empty",
            ));
        }
        if self.client_auth == ClientAuthMethod::PrivateKeyJwt
            && matches!(self.source, ProviderSource::Cognito { .. })
        {
            return Err(Error::config(
                "client authentication",
                "Cognito app clients authenticate with a client secret: choose automatic or client_secret_basic",
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

/// Scopes are space-separated tokens (RFC 6749 §3.3): none may be empty or hold a space.
pub(crate) fn check_scopes(scopes: &[String]) -> Result<()> {
    match scopes
        .iter()
        .find(|s| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        Some(bad) => Err(Error::config(
            "scopes",
            format!("\"{bad}\" is not a valid scope; list scopes separated by spaces"),
        )),
        None => Ok(()),
    }
}
