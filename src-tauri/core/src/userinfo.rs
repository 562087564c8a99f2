//! The userInfo endpoint (OIDC Core §5.3).

use reqwest::StatusCode;
use serde_json::{Map, Value};
use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::secret::AccessToken;

/// Fetches the claims. When `expected_sub` is given, the answer must be about that user
/// (§5.3.2: a mismatched `sub` must not be used).
pub async fn fetch_userinfo(
    http: &HttpClient,
    userinfo_url: &Url,
    access_token: &AccessToken,
    expected_sub: Option<&str>,
) -> Result<Map<String, Value>> {
    let host = host_of(userinfo_url);
    let request = http
        .client()?
        .get(userinfo_url.clone())
        .bearer_auth(access_token.expose_secret())
        .header("Accept", "application/json");
    let response = send(request, &host, "the userInfo endpoint").await?;
    let challenge = response
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = Body::read(response, &host, "the userInfo endpoint").await?;
    if body.status == StatusCode::UNAUTHORIZED {
        return Err(Error::Provider {
            error: "invalid_token".into(),
            description: Some(format!(
                "the userInfo endpoint refused the access token{}; refresh or sign in again",
                challenge.map(|c| format!(" ({c})")).unwrap_or_default()
            )),
        });
    }
    if !body.status.is_success() {
        return Err(Error::UnexpectedResponse {
            endpoint: "the userInfo endpoint",
            status: body.status.as_u16(),
            body_kind: body.describe(None),
        });
    }
    let claims: Map<String, Value> = body.json("the userInfo endpoint")?;
    if let Some(expected) = expected_sub {
        let sub = claims.get("sub").and_then(Value::as_str);
        if sub != Some(expected) {
            return Err(Error::Provider {
                error: "sub_mismatch".into(),
                description: Some(
                    "userInfo answered for a different user than the ID token".into(),
                ),
            });
        }
    }
    Ok(claims)
}
