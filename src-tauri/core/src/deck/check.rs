//! Checking a provider's settings against the provider itself, before or after saving.

use std::sync::Arc;

use reqwest::StatusCode;

use super::providers::{SessionBinding, planned_redirect_uri};
use super::{Deck, views::*};
use crate::authorize::{AuthorizeOptions, build_authorization_request};
use crate::http::{Body, host_of, send};
use crate::provider::ProviderConfig;
use crate::secret::ClientSecret;

impl Deck {
    /// Checks settings without a client secret (see [`Deck::check_provider_draft`]).
    pub async fn check_provider(&self, config: ProviderConfig) -> CheckReport {
        self.check_provider_draft(ProviderDraft {
            config,
            client_secret: None,
        })
        .await
    }

    /// Fetches what a sign-in will need and explains each problem found: endpoints
    /// (discovery), signing keys, the client secret (a client-credentials request), and
    /// whether the authorization endpoint accepts this client and redirect URI.
    pub async fn check_provider_draft(&self, draft: ProviderDraft) -> CheckReport {
        let config = draft.config;
        let mut items = Vec::new();
        let mut push = |name: &str, outcome: std::result::Result<String, String>| {
            let (ok, detail) = match outcome {
                Ok(d) => (true, d),
                Err(d) => (false, d),
            };
            items.push(CheckItem {
                name: name.to_owned(),
                ok,
                detail,
            });
        };
        let mut config = config;
        if config.redirect_uri.is_none() && self.provider(&config.id).await.is_err() {
            let others = self.config.lock().await.providers.clone();
            config.redirect_uri = Some(planned_redirect_uri(&config, &others));
        }
        if let Err(e) = config.validate() {
            push("settings", Err(e.to_string()));
            return CheckReport { ok: false, items };
        }
        push("settings", Ok("all fields are valid".into()));
        let endpoints = match crate::discovery::resolve_endpoints(self.oidc.http(), &config).await {
            Ok(e) => {
                let how = match config.source {
                    crate::provider::ProviderSource::Cognito { .. } => {
                        "derived from the domain and pool (reachability: see below)"
                    }
                    crate::provider::ProviderSource::Oidc { .. } => "discovered",
                };
                push(
                    "endpoints",
                    Ok(format!("{how}; token endpoint {}", e.token)),
                );
                Arc::new(e)
            }
            Err(e) => {
                push("endpoints", Err(e.to_string()));
                return CheckReport { ok: false, items };
            }
        };
        push(
            "signing keys",
            match self
                .oidc
                .jwks()
                .fetch_now(&endpoints.jwks_uri, &endpoints.network)
                .await
            {
                Ok(n) => Ok(format!(
                    "{n} usable signing key(s) at {}; ID tokens accepted when signed with {}",
                    endpoints.jwks_uri,
                    endpoints
                        .id_token_algorithms
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(e) => Err(e.to_string()),
            },
        );
        let secret = self.secret_to_check(&config, draft.client_secret).await;
        let machine_client = !config.scopes.iter().any(|s| s == "openid");
        let mut secret_works = false;
        if let Some(secret) = secret {
            let outcome = self.probe_secret(&config, &endpoints, secret).await;
            secret_works = outcome.is_ok();
            push("client secret", outcome);
        }
        if secret_works && machine_client {
            push(
                "app client and redirect URI",
                Ok("not checked: a machine client (no openid scope) signs in without a browser or redirect".into()),
            );
            let ok = items.iter().all(|i| i.ok);
            return CheckReport { ok, items };
        }
        let redirect = config.redirect().map(|r| r.url().clone());
        let authorize = match redirect {
            Ok(redirect) => {
                self.probe_authorize(Arc::new(config), endpoints, redirect)
                    .await
            }
            Err(e) => Err(e.to_string()),
        };
        push("app client and redirect URI", authorize);
        let ok = items.iter().all(|i| i.ok);
        CheckReport { ok, items }
    }

    /// Asks the authorization endpoint for a sign-in page without signing in. Cognito and
    /// most providers answer a bad client id or an unregistered redirect URI with an error
    /// right away, which is the most common setup mistake.
    async fn probe_authorize(
        &self,
        config: Arc<ProviderConfig>,
        endpoints: Arc<crate::provider::Endpoints>,
        redirect: url::Url,
    ) -> std::result::Result<String, String> {
        let redirect_text = redirect.to_string();
        let client_id = config.client_id.clone();
        let http = self.oidc.http_for(&endpoints);
        let (url, _, _) =
            build_authorization_request(config, endpoints, redirect, &AuthorizeOptions::default());
        let host = host_of(&url);
        let client = http;
        let client = client.client().map_err(|e| e.to_string())?;
        let response = send(client.get(url), &host, "the authorization endpoint")
            .await
            .map_err(|e| e.to_string())?;
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default();
        let status = response.status();
        let body = if status.is_redirection() {
            String::new()
        } else {
            Body::read(response, &host, "the authorization endpoint")
                .await
                .map(|b| String::from_utf8_lossy(&b.bytes).into_owned())
                .unwrap_or_default()
        };
        let text = format!("{location} {body}").to_ascii_lowercase();
        let redirect_problem = text.contains("redirect_mismatch")
            || text.contains("invalid_redirect_uri")
            || (text.contains("redirect_uri") && !status.is_redirection());
        if redirect_problem {
            return Err(format!(
                "the provider refused the redirect URI: add {redirect_text} to the app client's allowed callback URLs"
            ));
        }
        if text.contains("invalid_client")
            || text.contains("client_id") && status == StatusCode::BAD_REQUEST
        {
            return Err(format!(
                "the provider does not know the app client {client_id}: check the client id"
            ));
        }
        if status.is_redirection() || status.is_success() {
            Ok(format!(
                "the sign-in page opens for this client and the redirect URI {redirect_text}"
            ))
        } else {
            Err(format!(
                "the authorization endpoint answered HTTP {}",
                status.as_u16()
            ))
        }
    }

    /// The secret a check may send: one typed into the form, or the stored one if the
    /// settings still point where it was stored for (never to a changed token endpoint).
    async fn secret_to_check(
        &self,
        config: &ProviderConfig,
        typed: Option<String>,
    ) -> Option<ClientSecret> {
        if let Some(typed) = typed.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
            return Some(ClientSecret::new(typed));
        }
        let saved = self.provider(&config.id).await.ok()?;
        let same_place = SessionBinding::of(&saved) == SessionBinding::of(config);
        match saved.confidential && same_place {
            true => self.vault.client_secret(&saved.id).await.ok().flatten(),
            false => None,
        }
    }

    /// A client-credentials request with the secret: the provider says whether it knows the
    /// client id and secret, whatever it thinks of the grant or scopes.
    async fn probe_secret(
        &self,
        config: &ProviderConfig,
        endpoints: &crate::provider::Endpoints,
        secret: ClientSecret,
    ) -> std::result::Result<String, String> {
        let auth = crate::token::ClientAuth::for_provider(config, endpoints, Some(secret))
            .map_err(|e| e.to_string())?;
        let what = auth.credential_name();
        let scopes: Vec<String> = config
            .scopes
            .iter()
            .filter(|s| *s != "openid")
            .cloned()
            .collect();
        match self
            .oidc
            .client_credentials(endpoints, &auth, &scopes)
            .await
        {
            Ok(_) => Ok(format!(
                "the provider accepted the client id and {what} (client-credentials grant)"
            )),
            Err(crate::Error::InvalidClient { detail, .. })
                if detail.starts_with("invalid_client") =>
            {
                Err(format!(
                    "the provider refused the client id and {what} ({detail}): copy the {what} again from the app client, and check the client authentication method"
                ))
            }
            Err(e) if e.is_transient() => Err(e.to_string()),
            Err(e) => Ok(format!(
                "the {what} was accepted; this client may not use the client-credentials grant ({e})"
            )),
        }
    }
}
