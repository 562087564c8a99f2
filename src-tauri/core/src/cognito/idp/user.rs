//! GetUser: a user's attributes as Cognito's API sees them, for accounts signed in through
//! the API (their access tokens carry `aws.cognito.signin.user.admin`, which the hosted
//! userInfo endpoint does not accept).

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Call, CognitoIdp};
use crate::error::Result;
use crate::secret::AccessToken;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetUserResponse {
    username: String,
    #[serde(default)]
    user_attributes: Vec<Attribute>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Attribute {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

impl CognitoIdp<'_> {
    /// The user's attributes by name (`sub`, `email`, custom ones), plus `username`, in the
    /// shape of userInfo claims.
    pub async fn get_user(&self, access_token: &AccessToken) -> Result<Map<String, Value>> {
        let body = json!({"AccessToken": access_token.expose_secret()});
        let response: GetUserResponse = self.call("GetUser", body, Call::Other).await?;
        let mut claims: Map<String, Value> = response
            .user_attributes
            .into_iter()
            .map(|a| (a.name, a.value.map_or(Value::Null, Value::String)))
            .collect();
        claims.insert("username".into(), Value::String(response.username));
        Ok(claims)
    }
}
