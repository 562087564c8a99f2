//! The token endpoint (RFC 6749 §3.2): authorization code with PKCE, refresh, client
//! credentials; plus the token set a sign-in keeps and how a refresh updates it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer};
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::pkce::PkceVerifier;
use crate::secret::{AccessToken, AuthorizationCode, IdToken, RefreshToken};

pub mod client_auth;
pub mod device;
pub use client_auth::{ClientAuth, ClientCredential};

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: AccessToken,
    pub token_type: String,
    #[serde(default, deserialize_with = "number_or_string")]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
    #[serde(default)]
    pub id_token: Option<IdToken>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Seconds the refresh token lasts (Keycloak and others; not in RFC 6749). Keycloak sends
    /// 0 for an offline token that does not expire.
    #[serde(default, deserialize_with = "number_or_string")]
    pub refresh_expires_in: Option<u64>,
}

impl TokenResponse {
    /// Tokens are visible ASCII (RFC 6749 Appendix A: `1*VSCHAR`; a JWT is narrower still).
    /// Anything else, a control character above all, is refused: tokens end up in headers,
    /// on terminals and in text pasted into shells, where an escape sequence or a newline in
    /// a token a provider made up could act.
    pub fn check_characters(&self) -> Result<()> {
        let fields = [
            ("access_token", Some(self.access_token.expose_secret())),
            (
                "refresh_token",
                self.refresh_token.as_ref().map(RefreshToken::expose_secret),
            ),
            (
                "id_token",
                self.id_token.as_ref().map(IdToken::expose_secret),
            ),
        ];
        for (name, value) in fields {
            if let Some(value) = value
                && (value.is_empty() || !value.bytes().all(|b| (0x20..=0x7e).contains(&b)))
            {
                return Err(Error::Provider {
                    error: "invalid_token_response".into(),
                    description: Some(format!(
                        "its {name} is empty or holds characters a token cannot have (only visible ASCII is allowed)"
                    )),
                });
            }
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
struct ErrorResponse {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        Some(Raw::Number(n)) => Some(n),
        Some(Raw::Text(s)) => s.trim().parse().ok(),
        None => None,
    })
}

/// The tokens one account holds, with absolute expiry.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub id_token: Option<IdToken>,
    pub refresh_token: Option<RefreshToken>,
    /// Unix seconds, from `expires_in` at receipt.
    pub expires_at: Option<u64>,
    /// Granted scopes as the token response stated them (space separated).
    pub scope: Option<String>,
    pub received_at: u64,
    /// When the refresh token stops working, if the provider said (`refresh_expires_in`).
    pub refresh_expires_at: Option<u64>,
}

impl TokenSet {
    pub fn from_response(response: TokenResponse, now: u64) -> Self {
        Self {
            expires_at: response.expires_in.map(|s| now.saturating_add(s)),
            access_token: response.access_token,
            id_token: response.id_token,
            refresh_token: response.refresh_token,
            scope: response.scope,
            received_at: now,
            refresh_expires_at: response
                .refresh_expires_in
                .filter(|&s| s > 0)
                .map(|s| now.saturating_add(s)),
        }
    }

    /// Completes the tokens of a refresh response with what it left out: the refresh token
    /// that was sent when none came back (Cognito never rotates), and the previous ID token
    /// and scope. Returns whether the refresh token rotated (the one sent is then spent).
    pub fn keep_missing_from(&mut self, sent: &RefreshToken, previous: Option<&TokenSet>) -> bool {
        let rotated = self.refresh_token.as_ref().is_some_and(|new| new != sent);
        self.refresh_token.get_or_insert_with(|| sent.clone());
        if let Some(previous) = previous {
            self.id_token = self.id_token.take().or_else(|| previous.id_token.clone());
            self.scope = self.scope.take().or_else(|| previous.scope.clone());
        }
        rotated
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Exchanges an authorization code. Never retried: a code is single-use, and a replay makes
/// the provider revoke everything issued from it.
pub async fn exchange_code(
    http: &HttpClient,
    token_url: &Url,
    auth: &ClientAuth,
    code: AuthorizationCode,
    verifier: PkceVerifier,
    redirect_uri: &Url,
) -> Result<TokenResponse> {
    let form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.expose_secret().to_owned()),
        ("redirect_uri", redirect_uri.to_string()),
        ("code_verifier", verifier.expose_secret().to_owned()),
    ];
    token_request(http, token_url, auth, form, Some(redirect_uri.as_str())).await
}

pub async fn refresh(
    http: &HttpClient,
    token_url: &Url,
    auth: &ClientAuth,
    refresh_token: &RefreshToken,
) -> Result<TokenResponse> {
    let form = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("refresh_token", refresh_token.expose_secret().to_owned()),
    ];
    token_request(http, token_url, auth, form, None).await
}

/// Machine-to-machine grant; needs a confidential client.
pub async fn client_credentials(
    http: &HttpClient,
    token_url: &Url,
    auth: &ClientAuth,
    scopes: &[String],
) -> Result<TokenResponse> {
    if !auth.is_confidential() {
        return Err(Error::Unsupported {
            what: "the client-credentials grant",
            hint: "it needs an app client with a secret; add the client secret to this provider",
        });
    }
    let mut form = vec![("grant_type", "client_credentials".to_owned())];
    if !scopes.is_empty() {
        form.push(("scope", scopes.join(" ")));
    }
    token_request(http, token_url, auth, form, None).await
}

async fn token_request(
    http: &HttpClient,
    token_url: &Url,
    auth: &ClientAuth,
    mut form: Vec<(&'static str, String)>,
    redirect_uri: Option<&str>,
) -> Result<TokenResponse> {
    let host = host_of(token_url);
    let request = http
        .client()?
        .post(token_url.clone())
        .header("Accept", "application/json");
    let request = auth.apply(request, token_url, &mut form)?;
    let response = send(request.form(&form), &host, "the token endpoint").await?;
    drop(form);
    let body = Body::read(response, &host, "the token endpoint").await?;
    if body.status.is_success() {
        let tokens: TokenResponse = body.json("the token endpoint")?;
        tokens.check_characters()?;
        if !tokens.token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::Provider {
                error: "unsupported_token_type".into(),
                description: Some(format!(
                    "token_type \"{}\" is not Bearer",
                    crate::error::printable(&tokens.token_type, 32)
                )),
            });
        }
        return Ok(tokens);
    }
    Err(oauth_error(
        &body,
        "the token endpoint",
        redirect_uri,
        auth.is_confidential(),
    ))
}

/// An error body per RFC 6749 §5.2, or a transient error when the body is not one.
pub(crate) fn oauth_error(
    body: &Body,
    endpoint: &'static str,
    redirect_uri: Option<&str>,
    has_secret: bool,
) -> Error {
    match serde_json::from_slice::<ErrorResponse>(&body.bytes) {
        Ok(e) if body.status.is_client_error() => {
            Error::from_oauth(&e.error, e.error_description, redirect_uri, has_secret)
        }
        _ => Error::UnexpectedResponse {
            endpoint,
            status: body.status.as_u16(),
            body_kind: body.describe(None),
        },
    }
}

#[cfg(test)]
mod tests;
