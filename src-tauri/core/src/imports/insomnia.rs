//! Insomnia exports (format 4, https://docs.insomnia.rest/insomnia/import-export-data): OAuth
//! 2.0 settings on requests and request groups.

use serde_json::Value;

use super::oauth::OAuthSettings;

pub(super) fn is_export(value: &Value) -> bool {
    value.get("_type").and_then(Value::as_str) == Some("export")
        && value.get("__export_format").and_then(Value::as_u64) == Some(4)
}

pub(super) fn settings(value: &Value) -> Vec<OAuthSettings> {
    value
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.pointer("/authentication/type").and_then(Value::as_str) == Some("oauth2"))
        .map(|resource| {
            let auth = &resource["authentication"];
            let field = |key: &str| auth.get(key).and_then(Value::as_str).map(str::to_owned);
            let name = resource
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("request")
                .to_owned();
            OAuthSettings {
                from: format!("the Insomnia request \"{name}\""),
                name,
                grant_type: field("grantType"),
                auth_url: field("authorizationUrl"),
                token_url: field("accessTokenUrl"),
                client_id: field("clientId"),
                client_secret: field("clientSecret"),
                scope: field("scope"),
                redirect_uri: field("redirectUrl"),
                client_auth: auth
                    .get("credentialsInBody")
                    .and_then(Value::as_bool)
                    .map(super::oauth::secret_in_body)
                    .unwrap_or_default(),
            }
        })
        .collect()
}
