//! End-to-end flows against the real local OpenID provider (tests/provider).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;
use tokendeck_core::authorize::AuthorizeOptions;
use tokendeck_core::discovery::resolve_endpoints;
use tokendeck_core::http::HttpClient;
use tokendeck_core::inspect::Verification;
use tokendeck_core::loopback::LoopbackListener;
use tokendeck_core::provider::{ProviderConfig, ProviderSource};
use tokendeck_core::secret::{CallbackUrl, ClientSecret};
use tokendeck_core::token::ClientAuth;
use tokendeck_core::{Error, ErrorCode, OidcClient};

async fn sign_in(
    provider: &LocalProvider,
    oidc: &OidcClient,
    client_id: &str,
    secret: Option<&str>,
    user: (&str, &str),
) -> tokendeck_core::SignInResult {
    let (config, endpoints) = provider.endpoints(client_id);
    let started = oidc.start_sign_in(
        config,
        endpoints,
        deep_link(),
        secret.map(ClientSecret::new),
        &AuthorizeOptions::default(),
    );
    let callback = login_over_http(&started.authorization_url, user).await;
    oidc.complete_sign_in(&callback).await.unwrap()
}

#[tokio::test]
async fn full_sign_in_through_the_custom_scheme_yields_verified_tokens() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = sign_in(&provider, &oidc, NATIVE, None, ALICE).await;

    let id = result.id_token.expect("verified ID token");
    assert_eq!(id.claims["cognito:username"], "alice");
    assert_eq!(
        id.claims["cognito:groups"],
        serde_json::json!(["admins", "qa"])
    );
    assert_eq!(id.claims["token_use"], "id");
    assert_eq!(id.claims["aud"], NATIVE);
    assert_eq!(id.claims["email"], "alice@example.com");
    assert_eq!(id.header["alg"], "RS256");
    assert!(id.header["kid"].is_string());
    assert!(matches!(result.access_token, Verification::Verified { .. }));
    assert!(result.tokens.refresh_token.is_some());
    assert!(result.tokens.expires_at.unwrap() > result.tokens.received_at);
    assert_eq!(result.provider.id, format!("local-{NATIVE}").as_str());

    let view = oidc
        .inspect(result.tokens.access_token.expose_secret(), None, None)
        .await
        .unwrap();
    assert_eq!(view.claims["client_id"], NATIVE);
    assert_eq!(view.claims["token_use"], "access");
    assert!(
        view.scopes.contains(&"openid".to_owned()),
        "{:?}",
        view.scopes
    );
    assert!(oidc.pending().is_empty(), "the pending sign-in is consumed");
}

#[tokio::test]
async fn sign_in_through_the_loopback_redirect() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let (mut config, endpoints) = (
        provider.cognito_config(NATIVE),
        provider.endpoints(NATIVE).1,
    );
    config.redirect_uri = Some("http://127.0.0.1/callback".into());
    let tokendeck_core::provider::Redirect::Loopback { url, fixed_port } =
        config.redirect().unwrap()
    else {
        panic!("loopback expected")
    };
    let listener = LoopbackListener::bind(&url, fixed_port).await.unwrap();
    let redirect_uri = listener.redirect_uri().clone();
    let waiting = tokio::spawn(listener.wait(Duration::from_secs(20)));
    let started = oidc.start_sign_in(
        Arc::new(config),
        endpoints,
        redirect_uri,
        None,
        &AuthorizeOptions::default(),
    );
    login_over_http(&started.authorization_url, BOB).await;
    let received = waiting.await.unwrap().unwrap();
    let result = oidc.complete_sign_in(&received).await.unwrap();
    assert_eq!(result.id_token.unwrap().claims["cognito:username"], "bob");
}

#[tokio::test]
async fn sign_in_with_headless_chromium_as_the_system_browser() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let (config, endpoints) = provider.endpoints(NATIVE);
    let started = oidc.start_sign_in(
        config,
        endpoints,
        deep_link(),
        None,
        &AuthorizeOptions::default(),
    );
    let out = tokio::process::Command::new("node")
        .arg(provider_dir().join("browser-login.mjs"))
        .arg(started.authorization_url.as_str())
        .args([ALICE.0, ALICE.1])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "chromium login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let callback = String::from_utf8(out.stdout).unwrap();
    let result = oidc
        .complete_sign_in(&CallbackUrl::new(callback.trim()))
        .await
        .unwrap();
    assert_eq!(result.id_token.unwrap().claims["cognito:username"], "alice");
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_refresh_token() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let signed_in = sign_in(&provider, &oidc, NATIVE, None, ALICE).await;
    let (_, endpoints) = provider.endpoints(NATIVE);
    tokio::time::sleep(Duration::from_millis(1100)).await; // a new iat, so a new token
    let refreshed = oidc
        .refresh(
            &endpoints,
            &ClientAuth::public(NATIVE),
            &signed_in.tokens,
            None,
        )
        .await
        .unwrap();
    assert!(!refreshed.rotated);
    assert_ne!(refreshed.tokens.access_token, signed_in.tokens.access_token);
    assert_eq!(
        refreshed.tokens.refresh_token,
        signed_in.tokens.refresh_token
    );
    assert!(matches!(
        refreshed.access_token,
        Verification::Verified { .. }
    ));
    // The same refresh token keeps working.
    oidc.refresh(
        &endpoints,
        &ClientAuth::public(NATIVE),
        &refreshed.tokens,
        None,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn refresh_with_rotation_replaces_the_refresh_token() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let signed_in = sign_in(&provider, &oidc, ROTATING, None, ALICE).await;
    let (_, endpoints) = provider.endpoints(ROTATING);
    let auth = ClientAuth::public(ROTATING);
    let refreshed = oidc
        .refresh(&endpoints, &auth, &signed_in.tokens, None)
        .await
        .unwrap();
    assert!(refreshed.rotated);
    assert_ne!(
        refreshed.tokens.refresh_token,
        signed_in.tokens.refresh_token
    );
    // The rotated token works; the old one is spent.
    let again = oidc
        .refresh(&endpoints, &auth, &refreshed.tokens, None)
        .await
        .unwrap();
    assert!(again.rotated);
}

#[tokio::test]
async fn revoke_then_refresh_says_sign_in_again() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let signed_in = sign_in(&provider, &oidc, NATIVE, None, ALICE).await;
    let (_, endpoints) = provider.endpoints(NATIVE);
    let auth = ClientAuth::public(NATIVE);
    oidc.revoke(
        &endpoints,
        &auth,
        signed_in.tokens.refresh_token.as_ref().unwrap(),
    )
    .await
    .unwrap();
    let err = oidc
        .refresh(&endpoints, &auth, &signed_in.tokens, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");
    assert!(err.to_string().contains("Sign in again"));
}

#[tokio::test]
async fn userinfo_answers_for_the_signed_in_user() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let signed_in = sign_in(&provider, &oidc, NATIVE, None, BOB).await;
    let (_, endpoints) = provider.endpoints(NATIVE);
    let sub = signed_in
        .id_token
        .as_ref()
        .unwrap()
        .sub()
        .unwrap()
        .to_owned();
    let info = oidc
        .userinfo(&endpoints, &signed_in.tokens.access_token, Some(&sub))
        .await
        .unwrap();
    assert_eq!(info["email"], "bob@example.com");
    assert_eq!(info["sub"], sub.as_str());
    let err = oidc
        .userinfo(
            &endpoints,
            &signed_in.tokens.access_token,
            Some("someone-else"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError);
}

#[tokio::test]
async fn client_credentials_for_a_machine_client() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let (_, endpoints) = provider.endpoints(M2M);
    let auth = ClientAuth::basic(M2M, ClientSecret::new(M2M_SECRET));
    let (tokens, verdict) = oidc
        .client_credentials(&endpoints, &auth, &["demo-api/read".to_owned()])
        .await
        .unwrap();
    assert!(
        matches!(verdict, Verification::Verified { .. }),
        "{verdict:?}"
    );
    assert!(tokens.refresh_token.is_none() && tokens.id_token.is_none());
    let view = oidc
        .inspect(tokens.access_token.expose_secret(), None, None)
        .await
        .unwrap();
    assert_eq!(view.scopes, ["demo-api/read"]);
    assert_eq!(view.claims["client_id"], M2M);

    let wrong = ClientAuth::basic(M2M, ClientSecret::new("wrong"));
    let err = oidc
        .client_credentials(&endpoints, &wrong, &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    assert!(!err.to_string().contains("wrong"));
}

#[tokio::test]
async fn confidential_client_signs_in_with_client_secret_basic() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = sign_in(
        &provider,
        &oidc,
        CONFIDENTIAL,
        Some(CONFIDENTIAL_SECRET),
        ALICE,
    )
    .await;
    assert_eq!(result.id_token.unwrap().claims["aud"], CONFIDENTIAL);
}

#[tokio::test]
async fn public_client_sent_a_secret_gets_an_actionable_invalid_client() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let (config, endpoints) = provider.endpoints(NATIVE);
    let started = oidc.start_sign_in(
        config,
        endpoints,
        deep_link(),
        Some(ClientSecret::new("not-a-real-secret")),
        &AuthorizeOptions::default(),
    );
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let err = oidc.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    assert!(err.to_string().contains("remove the secret"), "{err}");
}

#[tokio::test]
async fn discovery_resolves_a_generic_oidc_provider() {
    let provider = LocalProvider::start().await;
    let http = HttpClient::new().unwrap();
    let config = ProviderConfig {
        source: ProviderSource::Oidc {
            issuer: provider.issuer.clone(),
        },
        overrides: Default::default(),
        ..provider.cognito_config(NATIVE)
    };
    let endpoints = resolve_endpoints(&http, &config).await.unwrap();
    assert_eq!(endpoints.issuer, provider.issuer);
    assert_eq!(endpoints.token.as_str(), provider.url("/oauth2/token"));
    assert_eq!(
        endpoints.jwks_uri.as_str(),
        provider.url("/.well-known/jwks.json")
    );
    assert!(endpoints.iss_parameter_supported);
    assert!(!endpoints.cognito);

    // A full sign-in through the discovered endpoints.
    let oidc = client();
    let started = oidc.start_sign_in(
        Arc::new(config.clone()),
        Arc::new(endpoints),
        deep_link(),
        None,
        &AuthorizeOptions::default(),
    );
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    assert!(
        oidc.complete_sign_in(&callback)
            .await
            .unwrap()
            .id_token
            .is_some()
    );

    // The issuer asked for must be the one the document names (a trailing slash counts).
    let slash = ProviderConfig {
        source: ProviderSource::Oidc {
            issuer: format!("{}/", provider.issuer),
        },
        ..config
    };
    let err = resolve_endpoints(&http, &slash).await.unwrap_err();
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err}");
}
