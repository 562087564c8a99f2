//! Test support: the real local OpenID provider (tests/provider, oidc-provider shaped like a
//! Cognito pool) started on a free loopback port, and a "user" who signs in over HTTP.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use std::sync::Arc as SharedArc;

use tokendeck_core::OidcClient;
use tokendeck_core::deck::{Deck, ProviderDraft, SignInRequest};
use tokendeck_core::http::HttpClient;
use tokendeck_core::ids::{AccountId, ProviderId};
use tokendeck_core::provider::{
    CognitoDomain, EndpointOverrides, Endpoints, ProviderConfig, ProviderSource,
};
use tokendeck_core::secret::{CallbackUrl, RefreshToken};
use tokendeck_core::store::{ConfigStore, Vault};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

pub const NATIVE: &str = "tokendeck-native";
pub const ROTATING: &str = "tokendeck-rotating";
pub const CONFIDENTIAL: &str = "tokendeck-confidential";
pub const CONFIDENTIAL_SECRET: &str = "confidential-secret-0123456789";
pub const M2M: &str = "tokendeck-m2m";
pub const M2M_SECRET: &str = "m2m-secret-0123456789abcdef";
pub const ALICE: (&str, &str) = ("alice", "alice-password");
pub const BOB: (&str, &str) = ("bob", "bob-password");

pub fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/provider")
}

pub struct LocalProvider {
    _child: Child,
    pub issuer: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct Counters {
    pub token: u64,
    pub jwks: u64,
    pub revoke: u64,
}

/// A client's PEM private key and the kid the provider knows it by.
pub struct ClientKey {
    pub pem: String,
    pub kid: String,
}

impl LocalProvider {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// With extra server flags, e.g. `["--token-latency-ms", "100"]`.
    pub async fn start_with(extra: &[&str]) -> Self {
        let dir = provider_dir();
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "the local provider is not installed: run `npm ci --prefix tests/provider`"
        );
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .arg("--test-controls")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node must be installed to run the local provider");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.unwrap();
        let ready: serde_json::Value = serde_json::from_str(&line).expect("provider ready line");
        Self {
            _child: child,
            issuer: ready["issuer"].as_str().unwrap().to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// The local provider configured the way a user configures a Cognito pool: custom domain
    /// plus issuer/JWKS overrides (a real pool's issuer is cognito-idp.<region>.amazonaws.com).
    pub fn cognito_config(&self, client_id: &str) -> ProviderConfig {
        let source = ProviderSource::Cognito {
            domain: CognitoDomain::Custom {
                url: self.issuer.clone(),
            },
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_LocalPool".into(),
        };
        ProviderConfig {
            id: format!("local-{client_id}").into(),
            overrides: EndpointOverrides {
                issuer: Some(self.issuer.clone()),
                jwks_uri: Some(self.url("/.well-known/jwks.json")),
                ..Default::default()
            },
            ..ProviderConfig::new("Local pool", source, client_id)
        }
    }

    pub fn endpoints(&self, client_id: &str) -> (Arc<ProviderConfig>, Arc<Endpoints>) {
        let config = self.cognito_config(client_id);
        let endpoints = config.cognito_endpoints().unwrap().unwrap();
        (Arc::new(config), Arc::new(endpoints))
    }

    /// The provider as a generic OpenID issuer (discovery, no Cognito rules).
    pub fn oidc_config(&self, client_id: &str) -> ProviderConfig {
        ProviderConfig {
            source: ProviderSource::Oidc {
                issuer: self.issuer.clone(),
            },
            overrides: Default::default(),
            ..self.cognito_config(client_id)
        }
    }

    /// `oidc_config` and the endpoints its discovery document gives.
    pub async fn discovered(&self, client_id: &str) -> (Arc<ProviderConfig>, Arc<Endpoints>) {
        let config = self.oidc_config(client_id);
        let http = HttpClient::new().unwrap();
        let endpoints = tokendeck_core::discovery::resolve_endpoints(&http, &config)
            .await
            .unwrap();
        (Arc::new(config), Arc::new(endpoints))
    }

    /// POSTs `body` to one of the provider's `/__test/*` controls; returns its JSON answer.
    async fn control(&self, name: &str, body: serde_json::Value) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(self.url(&format!("/__test/{name}")))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{name}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn rotate_keys(&self) -> String {
        let v = self.control("rotate-keys", serde_json::Value::Null).await;
        v["kid"].as_str().unwrap().to_owned()
    }

    pub async fn public_pem(&self) -> String {
        reqwest::get(self.url("/__test/public-pem"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The next `count` responses of `target` ("token" or "jwks") misbehave as `mode`
    /// (html502, html403, html200, text200, redirect302, invalid_client, stall, down).
    pub async fn fault(&self, target: &str, mode: &str, count: u32) {
        let body = serde_json::json!({"target": target, "mode": mode, "count": count});
        self.control("fault", body).await;
    }

    /// Whether sign-ins get a refresh token (off: like providers that issue one only at
    /// first consent).
    pub async fn issue_refresh_tokens(&self, on: bool) {
        self.control("issue-refresh-tokens", serde_json::json!({ "on": on }))
            .await;
    }

    /// A JWT with these claims signed by the provider's current key (`kid: None` omits it).
    pub async fn sign(&self, claims: &serde_json::Value, kid: Option<&str>) -> String {
        let kid = match kid {
            Some(k) => serde_json::json!(k),
            None => serde_json::Value::Null,
        };
        let body = serde_json::json!({"claims": claims, "kid": kid});
        let v = self.control("sign", body).await;
        v["jwt"].as_str().unwrap().to_owned()
    }

    /// The same, with `alg` in the header instead of the key's own label.
    pub async fn sign_as(&self, claims: &serde_json::Value, kid: &str, alg: &str) -> String {
        let body = serde_json::json!({"claims": claims, "kid": kid, "alg": alg});
        let v = self.control("sign", body).await;
        v["jwt"].as_str().unwrap().to_owned()
    }

    /// A private key the provider holds for its private_key_jwt client (`kind`: rsa, p256,
    /// p384 or ed25519), as the developer who registered it would paste it.
    pub async fn client_key(&self, kind: &str) -> ClientKey {
        let keys: serde_json::Value = reqwest::get(self.url("/__test/client-keys"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ClientKey {
            pem: keys[kind]["pem"].as_str().unwrap().to_owned(),
            kid: keys[kind]["kid"].as_str().unwrap().to_owned(),
        }
    }

    /// The provider's current signing key id.
    pub async fn current_kid(&self) -> String {
        let jwks: serde_json::Value = reqwest::get(self.url("/.well-known/jwks.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
    }

    pub async fn counters(&self) -> Counters {
        reqwest::get(self.url("/__test/counters"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A user in a browser, over plain HTTP with a cookie jar: opens the authorization URL, posts
/// the login form, follows the provider's redirects and returns where it finally sends the
/// browser (the redirect URI with the code). A loopback redirect is really requested, so a
/// listening `LoopbackListener` receives it.
pub async fn login_over_http(authorization_url: &Url, user: (&str, &str)) -> CallbackUrl {
    browse(authorization_url, Some(user)).await
}

/// The user presses Cancel on the login page.
pub async fn cancel_over_http(authorization_url: &Url) -> CallbackUrl {
    browse(authorization_url, None).await
}

async fn browse(authorization_url: &Url, user: Option<(&str, &str)>) -> CallbackUrl {
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect_uri = authorization_url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let mut next = authorization_url.clone();
    let mut posted = false;
    for _ in 0..12 {
        if next.as_str().starts_with(&redirect_uri) {
            if next.scheme() == "http" {
                let _ = browser.get(next.clone()).send().await;
            }
            return CallbackUrl::new(next.to_string());
        }
        let response = browser.get(next.clone()).send().await.unwrap();
        let response = if response.status().is_success() && !posted {
            let page = response.text().await.unwrap();
            assert!(
                page.contains("name=\"password\""),
                "expected the login page, got: {page}"
            );
            posted = true;
            let base = next.as_str().split('?').next().unwrap().to_owned();
            let request = match user {
                Some((user, password)) => browser
                    .post(format!("{base}/login"))
                    .form(&[("username", user), ("password", password)]),
                None => browser.post(format!("{base}/abort")),
            };
            request.send().await.unwrap()
        } else {
            response
        };
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .unwrap_or_else(|| panic!("expected a redirect, got {status}"))
            .to_str()
            .unwrap()
            .to_owned();
        next = next.join(&location).unwrap();
    }
    panic!("too many redirects")
}

/// A Deck over its own files and keyring service, against a fresh local provider.
pub struct Fixture {
    pub provider: LocalProvider,
    pub dir: PathBuf,
    pub service: String,
}

impl Fixture {
    pub async fn new() -> Self {
        Self::with_provider(LocalProvider::start().await)
    }

    pub fn with_provider(provider: LocalProvider) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tokendeck-deck-{}",
            tokendeck_core::pkce::random_url_safe()
        ));
        let service = format!(
            "io.github.tokendeck.test-{}",
            tokendeck_core::pkce::random_url_safe()
        );
        Self {
            provider,
            dir,
            service,
        }
    }

    /// The refresh token the keyring holds for an account now.
    pub async fn stored_refresh_token(&self, account: &AccountId) -> Option<RefreshToken> {
        self.vault().refresh_token(account).await.unwrap()
    }

    /// Makes an account's lock file an hour old: long settled, so no "a sign-in may still be
    /// finishing" grace can explain keeping its entries.
    pub fn age_lock_file(&self, account: &AccountId) {
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(self.dir.join(format!("locks/{account}.lock")))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }

    /// A fresh Deck over the same files and keyring: what an app restart sees.
    pub fn open(&self) -> SharedArc<Deck> {
        let oidc = OidcClient::new(HttpClient::new().unwrap());
        SharedArc::new(
            Deck::open(
                oidc,
                ConfigStore::new(&self.dir),
                Vault::new(self.service.clone()),
            )
            .unwrap(),
        )
    }

    pub fn vault(&self) -> Vault {
        Vault::new(self.service.clone())
    }

    pub fn config(&self, client_id: &str) -> ProviderConfig {
        ProviderConfig {
            id: "".into(),
            ..self.provider.cognito_config(client_id)
        }
    }
}

/// An OIDC client with its own HTTP client and caches, as a fresh process has.
pub fn client() -> OidcClient {
    OidcClient::new(HttpClient::new().unwrap())
}

/// The shared deep-link redirect URI the provider's test clients register.
pub fn deep_link() -> Url {
    Url::parse("io.github.tokendeck://callback").unwrap()
}

/// The middle value of some timings (benchmarks).
pub fn median(mut timings: Vec<std::time::Duration>) -> std::time::Duration {
    timings.sort();
    timings[timings.len() / 2]
}

/// Saves a provider the way the app's form does; returns its id.
pub async fn add_provider(deck: &Deck, config: ProviderConfig, secret: Option<&str>) -> ProviderId {
    let draft = ProviderDraft {
        config,
        client_secret: secret.map(str::to_owned),
    };
    deck.save_provider(draft).await.unwrap().config.id
}

/// The account as the app's snapshot shows it.
pub async fn account_record(
    deck: &Deck,
    account: &AccountId,
) -> tokendeck_core::store::AccountRecord {
    deck.snapshot()
        .await
        .accounts
        .into_iter()
        .find(|a| a.record.id == *account)
        .unwrap()
        .record
}

/// The access token the account's page shows (the detail view never refreshes by itself).
pub async fn shown_access_token(deck: &Deck, account: &AccountId) -> String {
    deck.account_detail(account)
        .await
        .unwrap()
        .raw_access_token
        .unwrap()
}

/// Signs `user` in through the Deck (browser flow, HTTP "user"); returns the account id.
pub async fn sign_in_account(
    deck: &Deck,
    provider_id: &ProviderId,
    user: (&str, &str),
) -> AccountId {
    let request = SignInRequest {
        force_login: Some(true),
        ..Default::default()
    };
    let started = deck.begin_sign_in(provider_id, request).await.unwrap();
    let callback = login_over_http(&started.authorization_url, user).await;
    deck.complete_sign_in(&callback).await.unwrap().record.id
}
