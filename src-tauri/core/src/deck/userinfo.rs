//! userInfo: what the provider says about an account's user, shown next to its ID token.
//! Browser sign-ins ask the userInfo endpoint (OIDC Core §5.3); Cognito API sign-ins, whose
//! access tokens that endpoint refuses, ask Cognito's GetUser API.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Deck;
use crate::cognito::idp::CognitoIdp;
use crate::error::{Error, Result};
use crate::ids::AccountId;
use crate::store::AccountKind;

/// The provider's answer about the user.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UserInfoView {
    /// Claims by name.
    #[ts(type = "Record<string, unknown>")]
    pub claims: Map<String, Value>,
    /// Where the answer came from: the userInfo endpoint's URL, or Cognito's GetUser API.
    pub source: String,
}

impl Deck {
    /// Asks the provider about the account's user with its access token (refreshed first if
    /// it is about to expire). An answer about another user (`sub`) is refused.
    pub async fn userinfo(&self, account_id: &AccountId) -> Result<UserInfoView> {
        let record = self.account_as_on_disk(account_id).await?;
        if record.kind == AccountKind::Machine {
            return Err(Error::Unsupported {
                what: "userInfo",
                hint: "a machine token (client credentials) belongs to no user",
            });
        }
        let tokens = self.session_tokens(account_id, 10, false).await?;
        let provider = self.provider(&record.provider_id).await?;
        if record.sign_in.is_cognito_api() {
            let pool = provider.cognito_api(None)?.pool;
            let claims = CognitoIdp::new(&self.http_for(&provider), &pool)
                .get_user(&tokens.access_token)
                .await?;
            ensure_same_user(&claims, record.subject.as_deref())?;
            return Ok(UserInfoView {
                claims,
                source: "Cognito's GetUser API".into(),
            });
        }
        let endpoints = self.endpoints_for(&provider).await?;
        let source = endpoints
            .userinfo
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let scopes = granted_scopes(tokens.access_token.expose_secret(), self.live(account_id));
        if endpoints.cognito
            && scopes
                .as_ref()
                .is_some_and(|s| !s.iter().any(|s| s == "openid"))
        {
            return Err(cognito_needs_openid(scopes.unwrap_or_default()));
        }
        let claims = self
            .oidc
            .userinfo(&endpoints, &tokens.access_token, record.subject.as_deref())
            .await
            .map_err(|e| match e {
                Error::Provider { error, .. } if endpoints.cognito && error == "invalid_token" => {
                    cognito_needs_openid(scopes.unwrap_or_default())
                }
                other => other,
            })?;
        Ok(UserInfoView { claims, source })
    }
}

/// The scopes the access token was granted: the token response's `scope`, else the JWT's.
fn granted_scopes(access_token: &str, live: Option<super::LiveSession>) -> Option<Vec<String>> {
    let stated = live.and_then(|l| l.tokens.scope).or_else(|| {
        let (_, claims) = crate::inspect::decode_unverified(access_token).ok()?;
        claims
            .get("scope")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })?;
    Some(stated.split_whitespace().map(str::to_owned).collect())
}

fn cognito_needs_openid(granted: Vec<String>) -> Error {
    let had = match granted.is_empty() {
        true => "none".to_owned(),
        false => granted.join(" "),
    };
    Error::Provider {
        error: "insufficient_scope".into(),
        description: Some(format!(
            "Cognito's userInfo endpoint answers only access tokens with the openid scope (this one has: {had}). Add openid to the provider's scopes, allow it on the app client, and sign in again"
        )),
    }
}

fn ensure_same_user(claims: &Map<String, Value>, subject: Option<&str>) -> Result<()> {
    match (subject, claims.get("sub").and_then(Value::as_str)) {
        (Some(expected), sub) if sub != Some(expected) => Err(Error::Provider {
            error: "sub_mismatch".into(),
            description: Some("Cognito answered for a different user than the account's".into()),
        }),
        _ => Ok(()),
    }
}
