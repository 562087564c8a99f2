//! AWS Amplify's client configuration: Gen 2's `amplify_outputs.json`, Gen 1's
//! `amplifyconfiguration.json` and `aws-exports.js`. What they say about signing in becomes a
//! Cognito provider (pool, app client, hosted-UI domain, scopes, identity pool); what
//! Tokendeck cannot use is listed with why.

use serde_json::Value;

use super::Found;
use crate::deck::SharedProvider;
use crate::error::{Error, Result};
use crate::provider::{CognitoDomain, EndpointOverrides, ProviderSource};

/// The sign-in settings of one Amplify configuration, whatever its generation.
struct AmplifyAuth {
    region: String,
    user_pool_id: String,
    client_id: String,
    identity_pool_id: Option<String>,
    domain: Option<String>,
    scopes: Vec<String>,
    redirects: Vec<String>,
    response_type: Option<String>,
}

/// Recognises an Amplify configuration: `Ok(None)` when `value` is not one.
pub(super) fn read(value: &Value, source: &str) -> Result<Option<Found>> {
    let auth = if let Some(auth) = value
        .get("auth")
        .filter(|a| a.get("user_pool_id").is_some())
    {
        gen2(auth)?
    } else if let Some(plugin) = value.pointer("/auth/plugins/awsCognitoAuthPlugin") {
        gen1_json(plugin)?
    } else if value.get("aws_user_pools_id").is_some() {
        gen1_exports(value)?
    } else {
        return Ok(None);
    };
    Ok(Some(into_found(auth, source)))
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn texts(value: &Value, pointer: &str) -> Vec<String> {
    match value.pointer(pointer) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        // aws-exports.js joins several redirect URIs with commas.
        Some(Value::String(joined)) => joined
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn required(value: &Value, pointer: &str, what: &str) -> Result<String> {
    text(value, pointer).ok_or_else(|| {
        Error::config(
            "Amplify configuration",
            format!("it has no {what} (at {pointer})"),
        )
    })
}

/// `amplify_outputs.json` (Gen 2): snake_case keys under `auth`.
fn gen2(auth: &Value) -> Result<AmplifyAuth> {
    Ok(AmplifyAuth {
        region: required(auth, "/aws_region", "region")?,
        user_pool_id: required(auth, "/user_pool_id", "user pool id")?,
        client_id: required(auth, "/user_pool_client_id", "app client id")?,
        identity_pool_id: text(auth, "/identity_pool_id"),
        domain: text(auth, "/oauth/domain"),
        scopes: texts(auth, "/oauth/scopes"),
        redirects: texts(auth, "/oauth/redirect_sign_in_uri"),
        response_type: text(auth, "/oauth/response_type"),
    })
}

/// `amplifyconfiguration.json` (Gen 1): the Cognito auth plugin's sections.
fn gen1_json(plugin: &Value) -> Result<AmplifyAuth> {
    Ok(AmplifyAuth {
        region: required(plugin, "/CognitoUserPool/Default/Region", "region")?,
        user_pool_id: required(plugin, "/CognitoUserPool/Default/PoolId", "user pool id")?,
        client_id: required(
            plugin,
            "/CognitoUserPool/Default/AppClientId",
            "app client id",
        )?,
        identity_pool_id: text(
            plugin,
            "/CredentialsProvider/CognitoIdentity/Default/PoolId",
        ),
        domain: text(plugin, "/Auth/Default/OAuth/WebDomain"),
        scopes: texts(plugin, "/Auth/Default/OAuth/Scopes"),
        redirects: texts(plugin, "/Auth/Default/OAuth/SignInRedirectURI"),
        response_type: None,
    })
}

/// `aws-exports.js` (Gen 1): flat `aws_*` keys and an `oauth` object.
fn gen1_exports(exports: &Value) -> Result<AmplifyAuth> {
    let region = text(exports, "/aws_cognito_region")
        .or_else(|| text(exports, "/aws_project_region"))
        .ok_or_else(|| Error::config("Amplify configuration", "it has no aws_cognito_region"))?;
    Ok(AmplifyAuth {
        region,
        user_pool_id: required(exports, "/aws_user_pools_id", "user pool id")?,
        client_id: required(exports, "/aws_user_pools_web_client_id", "app client id")?,
        identity_pool_id: text(exports, "/aws_cognito_identity_pool_id"),
        domain: text(exports, "/oauth/domain"),
        scopes: texts(exports, "/oauth/scope"),
        redirects: texts(exports, "/oauth/redirectSignIn"),
        response_type: text(exports, "/oauth/responseType"),
    })
}

fn into_found(auth: AmplifyAuth, source: &str) -> Found {
    let mut notes = Vec::new();
    let domain = match &auth.domain {
        None => {
            notes.push("no hosted UI (oauth) is configured: the provider signs in with a password through Cognito's API only".to_owned());
            CognitoDomain::None
        }
        Some(domain) => {
            let host = domain
                .trim_start_matches("https://")
                .trim_end_matches('/')
                .to_owned();
            let suffix = format!(".auth.{}.amazoncognito.com", auth.region);
            match host.strip_suffix(&suffix) {
                Some(prefix) if !prefix.contains('.') => CognitoDomain::Prefix {
                    prefix: prefix.to_owned(),
                },
                _ => CognitoDomain::Custom {
                    url: format!("https://{host}"),
                },
            }
        }
    };
    if auth.response_type.as_deref() == Some("token") {
        notes.push("the app signs in with the implicit grant (responseType token): Tokendeck uses the authorization code grant with PKCE, so allow the code grant on the app client".to_owned());
    }
    // The web or mobile app's own redirect URIs are not Tokendeck's; one already registered
    // for Tokendeck is kept.
    let redirect_uri = auth
        .redirects
        .iter()
        .find(|r| r.starts_with("io.github.tokendeck://"))
        .cloned();
    if redirect_uri.is_none() && !matches!(domain, CognitoDomain::None) {
        let theirs = match auth.redirects.is_empty() {
            true => "none".to_owned(),
            false => auth.redirects.join(", "),
        };
        notes.push(format!("its redirect URIs ({theirs}) are the app's own: register the redirect URI shown on the provider's page with the app client"));
    }
    let scopes = match auth.scopes.is_empty() {
        true => crate::provider::default_scopes(),
        false => auth.scopes,
    };
    Found {
        provider: SharedProvider {
            name: format!("Amplify {}", auth.user_pool_id),
            source: ProviderSource::Cognito {
                domain,
                region: auth.region,
                user_pool_id: auth.user_pool_id,
            },
            client_id: auth.client_id,
            needs_client_secret: false,
            scopes,
            redirect_uri,
            overrides: EndpointOverrides::default(),
            identity_pool_id: auth.identity_pool_id,
            refresh_token_lifetime: None,
            sign_in_options: Default::default(),
            client_auth: Default::default(),
            client_key_id: None,
        },
        client_secret: None,
        from: source.to_owned(),
        notes,
    }
}
