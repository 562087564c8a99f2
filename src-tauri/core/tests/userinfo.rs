//! userInfo through the Deck against the local provider (its userInfo route verifies the JWT
//! access tokens, like Cognito's): the claims about the account's user, and what is said
//! when a Cognito-shaped provider's access token lacks the openid scope.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::wire::WireError;

#[tokio::test]
async fn userinfo_answers_about_the_account_user() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider = add_provider(&deck, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&deck, &provider, ALICE).await;
    let subject = deck.find_account(alice.as_str()).await.unwrap().subject;

    let info = deck.userinfo(&alice).await.unwrap();
    assert_eq!(info.source, fx.provider.url("/oauth2/userInfo"));
    assert_eq!(info.claims["sub"].as_str(), subject.as_deref());
    assert_eq!(info.claims["email"], "alice@example.com");
    assert_eq!(info.claims["username"], "alice");
}

#[tokio::test]
async fn cognito_userinfo_without_the_openid_scope_says_which_scope_is_missing() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let config = ProviderConfig {
        scopes: vec!["email".into(), "profile".into()],
        ..fx.config(NATIVE)
    };
    let provider = add_provider(&deck, config, None).await;
    let alice = sign_in_account(&deck, &provider, ALICE).await;

    let e = WireError::from(&deck.userinfo(&alice).await.unwrap_err());
    assert_eq!(e.code, ErrorCode::ProviderError);
    assert!(
        e.message
            .contains("only access tokens with the openid scope"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("this one has: email profile"),
        "{}",
        e.message
    );
}
