//! Bruno request files (`.bru`, https://docs.usebruno.com/bru-lang/overview): the
//! `auth:oauth2 { … }` block, one `key: value` per line.

use super::oauth::OAuthSettings;

pub(super) fn is_bru(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().starts_with("auth:oauth2"))
}

pub(super) fn settings(text: &str) -> Vec<OAuthSettings> {
    let block = |name: &str| -> Vec<(String, String)> {
        let mut lines = text
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(name));
        if lines.next().is_none() {
            return Vec::new();
        }
        lines
            .take_while(|l| l.trim() != "}")
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect()
    };
    let auth = block("auth:oauth2");
    let field = |key: &str| {
        auth.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let name = block("meta")
        .into_iter()
        .find(|(k, _)| k == "name")
        .map_or_else(|| "Bruno request".to_owned(), |(_, v)| v);
    vec![OAuthSettings {
        from: format!("the Bruno request \"{name}\""),
        name,
        grant_type: field("grant_type"),
        auth_url: field("authorization_url"),
        token_url: field("access_token_url"),
        client_id: field("client_id"),
        client_secret: field("client_secret"),
        scope: field("scope"),
        redirect_uri: field("callback_url"),
        client_auth: field("credentials_placement")
            .map(|place| super::oauth::secret_in_body(place == "body"))
            .unwrap_or_default(),
    }]
}
