//! Postman collections (v2.1, https://schema.getpostman.com/json/collection/v2.1.0/): OAuth 2.0
//! settings on the collection, its folders and its requests.

use serde_json::Value;

use super::oauth::OAuthSettings;

pub(super) fn is_collection(value: &Value) -> bool {
    value
        .pointer("/info/schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains("getpostman.com/json/collection/v2"))
}

pub(super) fn settings(value: &Value) -> Vec<OAuthSettings> {
    let collection = value
        .pointer("/info/name")
        .and_then(Value::as_str)
        .unwrap_or("collection")
        .to_owned();
    let mut found = Vec::new();
    visit(
        value,
        &collection,
        &format!("the Postman collection \"{collection}\""),
        &mut found,
    );
    found
}

fn visit(node: &Value, name: &str, from: &str, found: &mut Vec<OAuthSettings>) {
    for auth in [node.get("auth"), node.pointer("/request/auth")]
        .into_iter()
        .flatten()
    {
        if auth.get("type").and_then(Value::as_str) == Some("oauth2") {
            found.push(read(auth, name, from));
        }
    }
    for item in node
        .get("item")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let item_name = item.get("name").and_then(Value::as_str).unwrap_or("item");
        visit(item, item_name, &format!("{from}, \"{item_name}\""), found);
    }
}

/// `auth.oauth2` is a list of `{key, value}` pairs.
fn read(auth: &Value, name: &str, from: &str) -> OAuthSettings {
    let field = |key: &str| {
        auth.get("oauth2")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|kv| kv.get("key").and_then(Value::as_str) == Some(key))
            .and_then(|kv| kv.get("value"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    OAuthSettings {
        from: from.to_owned(),
        name: field("tokenName").unwrap_or_else(|| name.to_owned()),
        grant_type: field("grant_type").or(Some("authorization_code".into())),
        auth_url: field("authUrl"),
        token_url: field("accessTokenUrl"),
        client_id: field("clientId"),
        client_secret: field("clientSecret"),
        scope: field("scope"),
        redirect_uri: field("redirect_uri"),
        client_auth: field("client_authentication")
            .map(|place| super::oauth::secret_in_body(place == "body"))
            .unwrap_or_default(),
    }
}
