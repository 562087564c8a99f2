//! What must be refused, against the real local provider wherever it can produce the case.
//! Two tokens are forged by hand because no honest provider emits them: `alg: none` and an
//! HS256 token keyed with the provider's RSA public key (the classic key-confusion attack).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use support::*;
use tokendeck_core::authorize::{AuthorizeOptions, PendingSignIns};
use tokendeck_core::http::HttpClient;
use tokendeck_core::jwks::JwksCache;
use tokendeck_core::provider::Endpoints;
use tokendeck_core::secret::CallbackUrl;
use tokendeck_core::token::unix_now;
use tokendeck_core::verify::{TokenUse, VerifyFailure};
use tokendeck_core::{Error, ErrorCode, OidcClient, SignInResult};
use url::Url;

fn start(provider: &LocalProvider, oidc: &OidcClient) -> tokendeck_core::client::StartedSignIn {
    let (config, endpoints) = provider.endpoints(NATIVE);
    oidc.start_sign_in(
        config,
        endpoints,
        deep_link(),
        None,
        &AuthorizeOptions::default(),
    )
}

async fn signed_in(provider: &LocalProvider, oidc: &OidcClient) -> SignInResult {
    let started = start(provider, oidc);
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    oidc.complete_sign_in(&callback).await.unwrap()
}

fn failure(err: Error) -> VerifyFailure {
    match err {
        Error::TokenRejected { failure, .. } => failure,
        other => panic!("expected a token rejection, got {other:?}"),
    }
}

fn replace_param(url: &CallbackUrl, name: &str, value: &str) -> CallbackUrl {
    let mut parsed = Url::parse(url.expose_secret()).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            if k == name {
                (k.into_owned(), value.to_owned())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    CallbackUrl::new(parsed.to_string())
}

fn id_token(result: &SignInResult) -> String {
    result
        .tokens
        .id_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned()
}

async fn verify_id(
    oidc: &OidcClient,
    endpoints: &Endpoints,
    token: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: u64,
) -> Result<(), VerifyFailure> {
    oidc.verify(endpoints, client_id, token, TokenUse::Id, nonce, now)
        .await
        .map(|_| ())
        .map_err(failure)
}

// ---- the redirect -----------------------------------------------------------------------------

#[tokio::test]
async fn callback_with_unknown_state_is_refused_without_a_network_call() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let started = start(&provider, &oidc);
    let forged = CallbackUrl::new(format!(
        "io.github.tokendeck://callback?code=abc&state=forged&iss={}",
        provider.issuer
    ));
    let err = oidc.complete_sign_in(&forged).await.unwrap_err();
    assert!(matches!(err, Error::UnknownState));
    assert_eq!(err.code(), ErrorCode::BadCallback);
    assert_eq!(provider.counters().await.token, 0);
    // The real sign-in is undisturbed.
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    oidc.complete_sign_in(&callback).await.unwrap();
}

#[tokio::test]
async fn replayed_callback_is_refused_locally() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let started = start(&provider, &oidc);
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    oidc.complete_sign_in(&callback).await.unwrap();
    let err = oidc.complete_sign_in(&callback).await.unwrap_err();
    assert!(matches!(err, Error::UnknownState), "{err}");
    assert_eq!(provider.counters().await.token, 1, "no second exchange");
}

#[tokio::test]
async fn expired_sign_in_is_refused_without_exchange() {
    let provider = LocalProvider::start().await;
    let http = HttpClient::new().unwrap();
    let oidc = OidcClient::with_parts(
        http.clone(),
        Arc::new(JwksCache::new(http)),
        PendingSignIns::with_ttl(Duration::from_millis(50)),
    );
    let started = start(&provider, &oidc);
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    let err = oidc.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInExpired, "{err}");
    assert_eq!(provider.counters().await.token, 0);
}

#[tokio::test]
async fn cancelled_login_surfaces_access_denied() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let started = start(&provider, &oidc);
    let callback = cancel_over_http(&started.authorization_url).await;
    assert!(callback.expose_secret().contains("error=access_denied"));
    let err = oidc.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert_eq!(provider.counters().await.token, 0);
}

#[tokio::test]
async fn look_alike_redirect_and_foreign_iss_leave_the_real_sign_in_pending() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let started = start(&provider, &oidc);
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let look_alike = CallbackUrl::new(callback.expose_secret().replacen(
        "io.github.tokendeck://callback",
        "io.github.tokendeck://callbacks",
        1,
    ));
    assert_eq!(
        oidc.complete_sign_in(&look_alike).await.unwrap_err().code(),
        ErrorCode::BadCallback
    );
    let mix_up = replace_param(&callback, "iss", "https://attacker.example");
    let err = oidc.complete_sign_in(&mix_up).await.unwrap_err();
    assert!(err.to_string().contains("another provider"), "{err}");
    assert_eq!(provider.counters().await.token, 0);
    oidc.complete_sign_in(&callback).await.unwrap();
}

#[tokio::test]
async fn a_used_code_injected_into_another_sign_in_is_rejected_by_the_provider() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let first = start(&provider, &oidc);
    let first_callback = login_over_http(&first.authorization_url, ALICE).await;
    oidc.complete_sign_in(&first_callback).await.unwrap();

    // Replay the spent code under a fresh, legitimately pending state.
    let second = start(&provider, &oidc);
    let injected = replace_param(&first_callback, "state", &second.state);
    let err = oidc.complete_sign_in(&injected).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");
}

// ---- the tokens -------------------------------------------------------------------------------

#[tokio::test]
async fn tampered_payload_fails_the_signature() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let token = id_token(&result);
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["cognito:groups"] = serde_json::json!(["admins", "superusers"]);
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let (_, endpoints) = provider.endpoints(NATIVE);
    let got = verify_id(
        &oidc,
        &endpoints,
        &parts.join("."),
        NATIVE,
        None,
        unix_now(),
    )
    .await;
    assert_eq!(got, Err(VerifyFailure::BadSignature));
}

#[tokio::test]
async fn wrong_issuer_audience_expiry_and_nonce_are_rejected() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let token = id_token(&result);
    let (_, endpoints) = provider.endpoints(NATIVE);
    let now = unix_now();
    let nonce = result.id_token.as_ref().unwrap().claims["nonce"]
        .as_str()
        .unwrap()
        .to_owned();
    verify_id(&oidc, &endpoints, &token, NATIVE, Some(&nonce), now)
        .await
        .unwrap();

    let other_issuer = Endpoints {
        issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other".into(),
        ..(*endpoints).clone()
    };
    assert!(matches!(
        verify_id(&oidc, &other_issuer, &token, NATIVE, None, now).await,
        Err(VerifyFailure::IssuerMismatch { .. })
    ));
    assert!(matches!(
        verify_id(&oidc, &endpoints, &token, ROTATING, None, now).await,
        Err(VerifyFailure::AudienceMismatch { .. })
    ));
    let exp = result.id_token.as_ref().unwrap().claims["exp"]
        .as_u64()
        .unwrap();
    verify_id(&oidc, &endpoints, &token, NATIVE, None, exp + 59)
        .await
        .unwrap();
    assert!(matches!(
        verify_id(&oidc, &endpoints, &token, NATIVE, None, exp + 61).await,
        Err(VerifyFailure::Expired { .. })
    ));
    assert_eq!(
        verify_id(
            &oidc,
            &endpoints,
            &token,
            NATIVE,
            Some("another-nonce"),
            now
        )
        .await,
        Err(VerifyFailure::NonceMismatch)
    );
}

#[tokio::test]
async fn access_token_offered_as_id_token_is_rejected() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let (_, endpoints) = provider.endpoints(NATIVE);
    let access = result.tokens.access_token.expose_secret();
    let got = verify_id(&oidc, &endpoints, access, NATIVE, None, unix_now()).await;
    assert!(
        matches!(got, Err(VerifyFailure::WrongTokenUse { .. })),
        "{got:?}"
    );
    // And an access token issued to another client is refused as ours.
    let as_other = oidc
        .verify(
            &endpoints,
            ROTATING,
            access,
            TokenUse::Access,
            None,
            unix_now(),
        )
        .await;
    assert!(matches!(
        as_other.map_err(failure),
        Err(VerifyFailure::ClientIdMismatch { .. })
    ));
}

fn forge(header: serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let claims = serde_json::Value::Object(result.id_token.unwrap().claims);
    // Hand-forged: no provider emits an unsigned ID token.
    let token = forge(
        serde_json::json!({"alg": "none", "typ": "JWT"}),
        &claims,
        "",
    );
    let (_, endpoints) = provider.endpoints(NATIVE);
    let got = verify_id(&oidc, &endpoints, &token, NATIVE, None, unix_now()).await;
    assert!(
        matches!(got, Err(VerifyFailure::UnsupportedAlgorithm { ref alg }) if alg == "none"),
        "{got:?}"
    );
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let verified = result.id_token.unwrap();
    // Hand-forged key confusion: HMAC keyed with the provider's real public key (PEM).
    let pem = provider.public_pem().await;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = verified.header["kid"].as_str().map(str::to_owned);
    let token = jsonwebtoken::encode(
        &header,
        &verified.claims,
        &jsonwebtoken::EncodingKey::from_secret(pem.as_bytes()),
    )
    .unwrap();
    let (_, endpoints) = provider.endpoints(NATIVE);
    let got = verify_id(&oidc, &endpoints, &token, NATIVE, None, unix_now()).await;
    assert!(
        matches!(got, Err(VerifyFailure::UnsupportedAlgorithm { ref alg }) if alg == "HS256"),
        "{got:?}"
    );
}

#[tokio::test]
async fn unknown_kid_refetches_once_and_accepts_the_rotated_key() {
    let provider = LocalProvider::start().await;
    let http = HttpClient::new().unwrap();
    let jwks = Arc::new(JwksCache::new(http.clone()).with_min_refetch(Duration::ZERO));
    let oidc = OidcClient::with_parts(http, jwks.clone(), PendingSignIns::default());
    let before = signed_in(&provider, &oidc).await;
    assert_eq!(jwks.fetch_count(), 1);

    let new_kid = provider.rotate_keys().await;
    let after = signed_in(&provider, &oidc).await;
    assert_eq!(
        after.id_token.unwrap().header["kid"].as_str(),
        Some(new_kid.as_str())
    );
    assert_eq!(jwks.fetch_count(), 2, "exactly one refetch for the new kid");
    // Tokens signed with the old key still verify (it stays published after rotation).
    let (_, endpoints) = provider.endpoints(NATIVE);
    verify_id(
        &oidc,
        &endpoints,
        &id_token(&before),
        NATIVE,
        None,
        unix_now(),
    )
    .await
    .unwrap();
    assert_eq!(jwks.fetch_count(), 2);
}

#[tokio::test]
async fn unknown_kid_refetches_are_rate_limited() {
    let provider = LocalProvider::start().await;
    let oidc = client(); // default: at most one unknown-kid refetch per 5 s
    let result = signed_in(&provider, &oidc).await;
    let claims = serde_json::Value::Object(result.id_token.unwrap().claims);
    let (_, endpoints) = provider.endpoints(NATIVE);
    for i in 0..5 {
        // Hand-forged: a kid the provider never published.
        let token = forge(
            serde_json::json!({"alg": "RS256", "kid": format!("ghost-{i}")}),
            &claims,
            "c2ln",
        );
        let got = verify_id(&oidc, &endpoints, &token, NATIVE, None, unix_now()).await;
        assert!(
            matches!(got, Err(VerifyFailure::UnknownKey { .. })),
            "{got:?}"
        );
    }
    assert_eq!(oidc.jwks().fetch_count(), 1);
    assert_eq!(provider.counters().await.jwks, 1);
}

#[tokio::test]
async fn malformed_redirects_are_refused_offline_and_the_real_sign_in_survives() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let started = start(&provider, &oidc);
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let real = callback.expose_secret().to_owned();
    let query = real.split_once('?').unwrap().1.to_owned();
    let attacks = [
        format!("{real}&code=second"),                     // duplicated code
        format!("{real}&state={}", started.state),         // duplicated state
        format!("io.github.tokendeck://callback#{query}"), // fragment
        format!("io.github.tokendeck.evil://callback?{query}"), // look-alike scheme
        format!("io.github.tokendeck://callback.evil?{query}"), // look-alike host
        format!("io.github.tokendeck://callback/x?{query}"), // look-alike path
        format!("{real}&pad={}", "a".repeat(9000)),        // oversize
        format!(
            "io.github.tokendeck://callback?code=c&state={}&iss=https%3A%2F%2Fevil",
            started.state
        ),
    ];
    for attack in &attacks {
        let err = oidc
            .complete_sign_in(&CallbackUrl::new(attack.clone()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BadCallback, "{err}");
    }
    assert_eq!(
        provider.counters().await.token,
        0,
        "no network call for any of them"
    );
    assert_eq!(oidc.pending().len(), 1, "the real sign-in is still pending");
    oidc.complete_sign_in(&callback).await.unwrap();
}

#[tokio::test]
async fn a_refreshed_id_token_about_another_user_is_rejected() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let result = signed_in(&provider, &oidc).await;
    let (_, endpoints) = provider.endpoints(NATIVE);
    let auth = tokendeck_core::token::ClientAuth::public(NATIVE);
    let err = oidc
        .refresh(&endpoints, &auth, &result.tokens, Some("a-different-sub"))
        .await
        .unwrap_err();
    assert_eq!(failure(err), VerifyFailure::SubjectChanged);
    let sub = result.id_token.as_ref().unwrap().sub().unwrap().to_owned();
    oidc.refresh(&endpoints, &auth, &result.tokens, Some(&sub))
        .await
        .unwrap();
}
