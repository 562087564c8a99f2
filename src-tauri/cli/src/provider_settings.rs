//! Provider settings from `provider add` and `provider edit` options: where tokens come from,
//! scopes, redirect, overrides, and the client secret (from a prompt or standard input only).

use tokendeck_core::provider::{ClientAuthMethod, CognitoDomain, ProviderConfig, ProviderSource};
use tokendeck_core::{Error, Result};

use crate::args::{ProviderSettingsArgs, SourceArgs};

/// The source the options describe, if any.
pub fn source_of(args: &SourceArgs) -> Result<Option<ProviderSource>> {
    if let Some(issuer) = &args.issuer {
        return Ok(Some(ProviderSource::Oidc {
            issuer: issuer.clone(),
        }));
    }
    let (Some(region), Some(pool)) = (&args.region, &args.pool_id) else {
        if args.domain_prefix.is_some() || args.custom_domain.is_some() || args.no_domain {
            return Err(Error::config(
                "provider",
                "a Cognito domain needs the pool too: --region and --pool-id",
            ));
        }
        return Ok(None);
    };
    Ok(Some(ProviderSource::Cognito {
        domain: domain_of(args).ok_or_else(|| {
            Error::config(
                "provider",
                "say how users sign in to the pool: --domain-prefix, --custom-domain or --no-domain",
            )
        })?,
        region: region.clone(),
        user_pool_id: pool.clone(),
    }))
}

fn domain_of(args: &SourceArgs) -> Option<CognitoDomain> {
    if let Some(prefix) = &args.domain_prefix {
        return Some(CognitoDomain::Prefix {
            prefix: prefix.clone(),
        });
    }
    if let Some(url) = &args.custom_domain {
        return Some(CognitoDomain::Custom { url: url.clone() });
    }
    args.no_domain.then_some(CognitoDomain::None)
}

/// `edit`: a new source, or only a new domain (or region, pool) for a Cognito one.
pub fn edited_source(
    current: &ProviderSource,
    args: &SourceArgs,
) -> Result<Option<ProviderSource>> {
    if let Some(source) = source_of(args)? {
        return Ok(Some(source));
    }
    match (current, domain_of(args)) {
        (
            ProviderSource::Cognito {
                region,
                user_pool_id,
                ..
            },
            Some(domain),
        ) => Ok(Some(ProviderSource::Cognito {
            domain,
            region: region.clone(),
            user_pool_id: user_pool_id.clone(),
        })),
        (ProviderSource::Oidc { .. }, Some(_)) => Err(Error::config(
            "provider",
            "this provider is an OpenID Connect issuer: a Cognito domain needs --region and --pool-id too",
        )),
        (_, None) => Ok(None),
    }
}

pub fn apply_settings(config: &mut ProviderConfig, args: &ProviderSettingsArgs) -> Result<()> {
    if let Some(scopes) = &args.scopes {
        config.scopes = scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(redirect) = &args.redirect_uri {
        config.redirect_uri = Some(redirect.clone());
    }
    if let Some(pool) = &args.identity_pool_id {
        config.identity_pool_id = Some(pool.clone()).filter(|p| !p.is_empty());
    }
    let clearable = |value: &Option<String>, slot: &mut Option<String>| {
        if let Some(v) = value {
            *slot = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        }
    };
    let defaults = &mut config.sign_in_options;
    clearable(
        &args.default_identity_provider,
        &mut defaults.identity_provider,
    );
    clearable(&args.default_idp_identifier, &mut defaults.idp_identifier);
    clearable(&args.default_login_hint, &mut defaults.login_hint);
    clearable(&args.default_lang, &mut defaults.lang);
    clearable(&args.default_prompt, &mut defaults.prompt);
    clearable(&args.browser_command, &mut config.browser_command);
    clearable(&args.client_key_id, &mut config.client_key_id);
    clearable(&args.proxy, &mut config.network.proxy);
    clearable(&args.aws_profile, &mut config.aws_profile);
    if let Some(path) = &args.extra_ca_file {
        config.network.extra_ca = match path.as_os_str().is_empty() {
            true => None,
            false => Some(read_bounded(path)?),
        };
    }
    if args.client_key_file.is_some() && args.client_auth.is_none() {
        config.client_auth = ClientAuthMethod::PrivateKeyJwt;
    }
    if let Some(name) = &args.client_auth {
        config.client_auth = ClientAuthMethod::from_name(name).ok_or_else(|| {
            Error::config(
                "client authentication",
                format!("\"{name}\" is not one of auto, client_secret_basic, client_secret_post, private_key_jwt"),
            )
        })?;
    }
    if let Some(lifetime) = &args.refresh_token_lifetime {
        config.refresh_token_lifetime = match lifetime.trim() {
            "" | "default" => None,
            text => Some(
                humantime::parse_duration(text)
                    .map_err(|e| {
                        Error::config(
                            "--refresh-token-lifetime",
                            format!("\"{text}\" is not a duration ({e}); write it like 30days, 12h or 90min, or \"default\""),
                        )
                    })?
                    .as_secs(),
            ),
        };
    }
    for entry in &args.overrides {
        let (name, url) = entry
            .split_once('=')
            .ok_or_else(|| Error::config("override", format!("\"{entry}\" is not NAME=URL")))?;
        let value = Some(url.trim().to_owned()).filter(|u| !u.is_empty());
        let o = &mut config.overrides;
        let slot = match name.trim() {
            "issuer" => &mut o.issuer,
            "authorization" => &mut o.authorization,
            "token" => &mut o.token,
            "userinfo" => &mut o.userinfo,
            "revocation" => &mut o.revocation,
            "logout" => &mut o.logout,
            "jwks-uri" => &mut o.jwks_uri,
            "cognito-idp" => &mut o.cognito_idp,
            "cognito-identity" => &mut o.cognito_identity,
            other => {
                return Err(Error::config(
                    "override",
                    format!(
                        "\"{other}\" is not an endpoint (issuer, authorization, token, userinfo, revocation, logout, jwks-uri, cognito-idp, cognito-identity)"
                    ),
                ));
            }
        };
        *slot = value;
    }
    Ok(())
}

/// The client secret, from a prompt or standard input; never from an argument.
pub fn read_client_secret(args: &ProviderSettingsArgs) -> Result<Option<String>> {
    if let Some(path) = &args.client_key_file {
        let pem = std::fs::read_to_string(path).map_err(|e| {
            Error::config(
                "client private key",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        return Ok(Some(pem));
    }
    let secret = match (args.client_secret, args.client_secret_stdin) {
        (_, true) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                Error::config("client secret", format!("cannot read standard input: {e}"))
            })?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
        (true, false) => rpassword::prompt_password("Client secret: ").map_err(|e| {
            Error::config(
                "client secret",
                format!("cannot prompt (no terminal?): {e}; use --client-secret-stdin"),
            )
        })?,
        (false, false) => return Ok(None),
    };
    match secret.trim().is_empty() {
        true => Err(Error::config(
            "client secret",
            "it is empty; to remove a stored secret use --no-client-secret",
        )),
        false => Ok(Some(secret)),
    }
}

/// A CA file, read up to just past the size the settings accept (the check then says so).
fn read_bounded(path: &std::path::Path) -> Result<String> {
    use std::io::Read;
    let problem = |e: std::io::Error| {
        Error::config(
            "--extra-ca-file",
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(problem)?
        .take(256 * 1024 + 1)
        .read_to_string(&mut text)
        .map_err(problem)?;
    Ok(text)
}
