//! OAuth 2.0 settings as API clients store them (an authorization URL, a token URL, a client
//! id and secret, scopes, PKCE): what becomes a Tokendeck provider, and what cannot.

use url::Url;

use super::Found;
use crate::deck::SharedProvider;
use crate::provider::{ClientAuthMethod, EndpointOverrides, ProviderSource};
use crate::secret::ClientSecret;

/// One OAuth 2.0 configuration found in an API client's file.
#[derive(Default)]
pub(super) struct OAuthSettings {
    /// Where it was found, e.g. `the Postman collection "Acme", request "Get me"`.
    pub from: String,
    pub name: String,
    pub grant_type: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
    pub redirect_uri: Option<String>,
    /// Where the tool sends the secret: a Basic header or the body (`client_secret_post`).
    pub client_auth: ClientAuthMethod,
}

/// The method a tool's "credentials in the body" setting means.
pub(super) fn secret_in_body(in_body: bool) -> ClientAuthMethod {
    match in_body {
        true => ClientAuthMethod::ClientSecretPost,
        false => ClientAuthMethod::ClientSecretBasic,
    }
}

/// What became of one configuration.
pub(super) enum Outcome {
    Provider(Box<Found>),
    Skipped(String),
}

impl OAuthSettings {
    /// The same settings (found on many requests) count once.
    pub fn key(&self) -> (Option<String>, Option<String>) {
        (self.auth_url.clone(), self.client_id.clone())
    }

    pub fn into_outcome(self) -> Outcome {
        let skip = |why: String| Outcome::Skipped(format!("{}: {why}", self.from));
        if let Some(variable) = [
            &self.auth_url,
            &self.token_url,
            &self.client_id,
            &self.client_secret,
        ]
        .into_iter()
        .flatten()
        .find(|v| v.contains("{{"))
        {
            return skip(format!(
                "it uses a variable ({variable}), and Tokendeck does not read the tool's environments: resolve it, or add the provider by hand"
            ));
        }
        let grant = self
            .grant_type
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let machine = grant.contains("client_credentials") || grant.contains("client credentials");
        if !machine
            && !grant.is_empty()
            && !grant.contains("authorization_code")
            && !grant.contains("authorization code")
        {
            return skip(format!(
                "its grant type is {grant}: Tokendeck signs in with the authorization code grant and PKCE (and the client-credentials grant for machines)"
            ));
        }
        let (Some(auth_url), Some(token_url), Some(client_id)) = (
            self.auth_url.clone().filter(|u| !u.trim().is_empty()),
            self.token_url.clone().filter(|u| !u.trim().is_empty()),
            self.client_id.clone().filter(|c| !c.trim().is_empty()),
        ) else {
            if machine && self.token_url.is_some() && self.client_id.is_some() {
                return skip("a client-credentials setup names only a token endpoint, which does not say which issuer signs its tokens: add the provider by hand (tokendeck provider add NAME --issuer URL --client-id ID --client-secret)".into());
            }
            return skip("it lacks the authorization URL, the token URL or the client id".into());
        };
        let Ok(url) = Url::parse(auth_url.trim()) else {
            return skip(format!("its authorization URL ({auth_url}) is not a URL"));
        };
        if url
            .host_str()
            .is_some_and(|h| h.ends_with(".amazoncognito.com"))
        {
            return skip(format!(
                "it signs in at a Cognito hosted UI ({}), which does not say which user pool it serves: add it with tokendeck provider add NAME --region REGION --pool-id POOL --domain-prefix PREFIX --client-id {client_id}",
                url.host_str().unwrap_or_default()
            ));
        }
        let issuer = issuer_from(&url);
        let mut notes = vec![format!(
            "the issuer {issuer} was worked out from the authorization URL: check it (tokendeck provider check)"
        )];
        if machine {
            notes.push("a machine client (client credentials): use Get machine token".into());
        }
        if let Some(redirect) = &self.redirect_uri {
            notes.push(format!("its redirect URI ({redirect}) is the API client's: register the one shown on the provider's page with the app client"));
        }
        let secret = self
            .client_secret
            .filter(|s| !s.trim().is_empty())
            .map(|s| ClientSecret::new(s.trim()));
        let scopes: Vec<String> = self
            .scope
            .unwrap_or_default()
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Outcome::Provider(Box::new(Found {
            provider: SharedProvider {
                name: self.name,
                source: ProviderSource::Oidc { issuer },
                client_id: client_id.trim().to_owned(),
                needs_client_secret: secret.is_some(),
                scopes: match scopes.is_empty() {
                    true => crate::provider::default_scopes(),
                    false => scopes,
                },
                redirect_uri: None,
                overrides: EndpointOverrides {
                    authorization: Some(auth_url.trim().to_owned()),
                    token: Some(token_url.trim().to_owned()),
                    ..EndpointOverrides::default()
                },
                identity_pool_id: None,
                refresh_token_lifetime: None,
                sign_in_options: Default::default(),
                client_auth: self.client_auth,
                client_key_id: None,
            },
            client_secret: secret,
            from: self.from,
            notes,
        }))
    }
}

/// The issuer an authorization endpoint belongs to, by where providers put that endpoint
/// under their issuer: Keycloak (`/realms/R/protocol/openid-connect/auth`), Entra ID
/// (`/TENANT/oauth2/v2.0/authorize`), Okta (`/oauth2/AS/v1/authorize`; the org server's
/// `/oauth2/v1/authorize`), Duende (`/connect/authorize`), Dex (`/dex/auth`), Auth0 and
/// Cognito-shaped providers (`/authorize`, `/oauth2/authorize`), and Google by name.
fn issuer_from(url: &Url) -> String {
    let origin = url.origin().ascii_serialization();
    if url.host_str() == Some("accounts.google.com") {
        return origin;
    }
    let path = url.path().trim_end_matches('/');
    let layouts: [(&str, &str); 8] = [
        ("/protocol/openid-connect/auth", ""),
        ("/oauth2/v2.0/authorize", "/v2.0"),
        ("/oauth2/v1/authorize", ""),
        ("/v1/authorize", ""),
        ("/oauth2/authorize", ""),
        ("/connect/authorize", ""),
        ("/authorize", ""),
        ("/auth", ""),
    ];
    layouts
        .iter()
        .find_map(|(endpoint, suffix)| {
            path.strip_suffix(endpoint)
                .map(|base| format!("{origin}{base}{suffix}"))
        })
        .unwrap_or(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_follow_each_providers_layout() {
        let cases = [
            (
                "https://sso.example.com/realms/dev/protocol/openid-connect/auth",
                "https://sso.example.com/realms/dev",
            ),
            (
                "https://acme.okta.com/oauth2/default/v1/authorize",
                "https://acme.okta.com/oauth2/default",
            ),
            (
                "https://acme.okta.com/oauth2/v1/authorize",
                "https://acme.okta.com",
            ),
            (
                "https://login.microsoftonline.com/8a1b/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/8a1b/v2.0",
            ),
            (
                "https://acme.eu.auth0.com/authorize",
                "https://acme.eu.auth0.com",
            ),
            (
                "http://127.0.0.1:5556/dex/auth",
                "http://127.0.0.1:5556/dex",
            ),
            (
                "https://id.example.com/connect/authorize",
                "https://id.example.com",
            ),
            (
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://accounts.google.com",
            ),
            (
                "http://127.0.0.1:4000/oauth2/authorize",
                "http://127.0.0.1:4000",
            ),
        ];
        for (auth, issuer) in cases {
            assert_eq!(issuer_from(&Url::parse(auth).unwrap()), issuer, "{auth}");
        }
    }
}
