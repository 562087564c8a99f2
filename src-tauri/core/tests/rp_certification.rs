//! The OpenID RP certification cases that apply to a code-flow client, as real signed tokens:
//! the local provider signs test-chosen claims with its own current key, so only the claim
//! rules can refuse them (a correct provider would never issue these).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::{Value, json};
use support::*;
use tokendeck_core::http::HttpClient;
use tokendeck_core::token::unix_now;
use tokendeck_core::verify::{TokenUse, VerifyFailure};
use tokendeck_core::{Error, OidcClient};

fn id_claims(issuer: &str, now: u64) -> Value {
    json!({"iss": issuer, "sub": "user-1", "aud": NATIVE, "exp": now + 600, "iat": now, "nonce": "n-1", "token_use": "id"})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    let obj = claims.as_object_mut().unwrap();
    if value.is_null() {
        obj.remove(key);
    } else {
        obj.insert(key.into(), value);
    }
    claims
}

async fn outcome(
    oidc: &OidcClient,
    provider: &LocalProvider,
    token: &str,
    use_: TokenUse,
    nonce: Option<&str>,
) -> Result<(), VerifyFailure> {
    let (_, endpoints) = provider.endpoints(NATIVE);
    match oidc
        .verify(&endpoints, NATIVE, token, use_, nonce, unix_now())
        .await
    {
        Ok(_) => Ok(()),
        Err(Error::TokenRejected { failure, .. }) => Err(failure),
        Err(other) => panic!("unexpected {other}"),
    }
}

/// A case: its name, the claims, the nonce expected, and which failure must result.
type Case = (
    &'static str,
    Value,
    Option<&'static str>,
    fn(&VerifyFailure) -> bool,
);

#[tokio::test]
async fn id_token_claim_cases() {
    let provider = LocalProvider::start().await;
    let oidc = OidcClient::new(HttpClient::new().unwrap());
    let now = unix_now();
    let good = id_claims(&provider.issuer, now);
    let sign = |claims: Value| {
        let provider = &provider;
        async move {
            provider
                .sign(&claims, Some(&provider.current_kid().await))
                .await
        }
    };
    let check = |token: String, nonce: Option<&'static str>| {
        let (oidc, provider) = (&oidc, &provider);
        async move { outcome(oidc, provider, &token, TokenUse::Id, nonce).await }
    };

    assert_eq!(
        check(sign(good.clone()).await, Some("n-1")).await,
        Ok(()),
        "control: a correct token passes"
    );
    let cases: Vec<Case> = vec![
        (
            "aud missing",
            with(good.clone(), "aud", Value::Null),
            None,
            |f| matches!(f, VerifyFailure::MissingClaim { claim } if claim == "aud"),
        ),
        (
            "aud wrong",
            with(good.clone(), "aud", json!("someone-else")),
            None,
            |f| matches!(f, VerifyFailure::AudienceMismatch { .. }),
        ),
        (
            "aud with an untrusted extra",
            with(good.clone(), "aud", json!([NATIVE, "untrusted"])),
            None,
            |f| matches!(f, VerifyFailure::AudienceMismatch { .. }),
        ),
        (
            "azp mismatch",
            with(good.clone(), "azp", json!("someone-else")),
            None,
            |f| matches!(f, VerifyFailure::AzpMismatch { .. }),
        ),
        (
            "iss mismatch",
            with(good.clone(), "iss", json!("https://evil.example")),
            None,
            |f| matches!(f, VerifyFailure::IssuerMismatch { .. }),
        ),
        (
            "expired beyond leeway",
            with(good.clone(), "exp", json!(now - 120)),
            None,
            |f| matches!(f, VerifyFailure::Expired { .. }),
        ),
        (
            "iat far in the future",
            with(good.clone(), "iat", json!(now + 7200)),
            None,
            |f| matches!(f, VerifyFailure::IssuedInFuture { .. }),
        ),
        (
            "iat far in the past",
            with(good.clone(), "iat", json!(now - 30 * 86400)),
            None,
            |f| matches!(f, VerifyFailure::IssuedLongAgo { .. }),
        ),
        (
            "sub missing",
            with(good.clone(), "sub", Value::Null),
            None,
            |f| matches!(f, VerifyFailure::MissingClaim { claim } if claim == "sub"),
        ),
        (
            "nonce missing",
            with(good.clone(), "nonce", Value::Null),
            Some("n-1"),
            |f| *f == VerifyFailure::NonceMismatch,
        ),
        (
            "nonce wrong",
            with(good.clone(), "nonce", json!("n-2")),
            Some("n-1"),
            |f| *f == VerifyFailure::NonceMismatch,
        ),
        (
            "access token offered as ID token",
            with(good.clone(), "token_use", json!("access")),
            None,
            |f| matches!(f, VerifyFailure::WrongTokenUse { .. }),
        ),
    ];
    for (name, claims, nonce, expected) in cases {
        let got = check(sign(claims).await, nonce).await;
        assert!(got.as_ref().is_err_and(expected), "{name}: {got:?}");
    }
    // Expired, but within the 60 s leeway: accepted.
    assert_eq!(
        check(sign(with(good.clone(), "exp", json!(now - 30))).await, None).await,
        Ok(())
    );
    // A matching azp is fine.
    assert_eq!(
        check(sign(with(good, "azp", json!(NATIVE))).await, None).await,
        Ok(())
    );
}

#[tokio::test]
async fn kid_absent_is_accepted_with_one_key_and_refused_with_several() {
    let provider = LocalProvider::start().await;
    let oidc = OidcClient::new(HttpClient::new().unwrap());
    let claims = id_claims(&provider.issuer, unix_now());
    let no_kid = provider.sign(&claims, None).await;
    assert_eq!(
        outcome(&oidc, &provider, &no_kid, TokenUse::Id, None).await,
        Ok(())
    );

    provider.rotate_keys().await; // now two keys are published
    let fresh = OidcClient::new(HttpClient::new().unwrap());
    let no_kid = provider.sign(&claims, None).await;
    assert_eq!(
        outcome(&fresh, &provider, &no_kid, TokenUse::Id, None).await,
        Err(VerifyFailure::KidRequired { keys: 2 })
    );
}

#[tokio::test]
async fn cognito_access_token_for_another_client_is_refused() {
    let provider = LocalProvider::start().await;
    let oidc = OidcClient::new(HttpClient::new().unwrap());
    let now = unix_now();
    let access = json!({"iss": provider.issuer, "sub": "user-1", "client_id": NATIVE, "exp": now + 600, "iat": now, "token_use": "access", "scope": "openid"});
    let kid = provider.current_kid().await;
    let good = provider.sign(&access, Some(&kid)).await;
    assert_eq!(
        outcome(&oidc, &provider, &good, TokenUse::Access, None).await,
        Ok(())
    );
    let other = provider
        .sign(
            &with(access, "client_id", json!("another-client")),
            Some(&kid),
        )
        .await;
    assert!(matches!(
        outcome(&oidc, &provider, &other, TokenUse::Access, None).await,
        Err(VerifyFailure::ClientIdMismatch { .. })
    ));
}
