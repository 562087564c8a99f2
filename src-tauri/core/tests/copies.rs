//! What a copy hands out (the window's Copy and the tray's): a token that still lasts,
//! refreshed first when about to expire, as `tokendeck token` does. Against the real local
//! provider.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{CopyKind, Deck};
use tokendeck_core::ids::AccountId;

async fn copied(deck: &Deck, account: &AccountId) -> tokendeck_core::Result<String> {
    deck.copy_text(account, CopyKind::AccessToken)
        .await
        .map(|text| text.expose_secret().to_owned())
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_it_is_copied() {
    // Ten-second tokens: under the 15 s a copy must still have.
    let fx = Fixture::with_provider(LocalProvider::start_with(&["--access-token-ttl", "10"]).await);
    let deck = fx.open();
    let provider = add_provider(&deck, fx.config(ROTATING), None).await;
    let alice = sign_in_account(&deck, &provider, ALICE).await;
    let before = shown_access_token(&deck, &alice).await;
    let requests = fx.provider.counters().await.token;

    let copy = copied(&deck, &alice).await.unwrap();
    assert_ne!(copy, before);
    assert_eq!(
        fx.provider.counters().await.token,
        requests + 1,
        "one refresh"
    );
    assert_eq!(
        shown_access_token(&deck, &alice).await,
        copy,
        "the account shows the copied token"
    );
    // The rotated refresh token was kept: another process refreshes with it.
    fx.open().refresh(&alice).await.unwrap();
}

#[tokio::test]
async fn offline_a_token_that_still_works_is_copied_and_an_expired_one_is_not() {
    let fx = Fixture::with_provider(LocalProvider::start_with(&["--access-token-ttl", "8"]).await);
    let deck = fx.open();
    let provider = add_provider(&deck, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&deck, &provider, ALICE).await;
    let before = shown_access_token(&deck, &alice).await;

    // The token endpoint answers with a load balancer's error page.
    fx.provider.fault("token", "html502", 1).await;
    assert_eq!(copied(&deck, &alice).await.unwrap(), before);

    tokio::time::sleep(std::time::Duration::from_millis(8500)).await;
    fx.provider.fault("token", "html502", 1).await;
    let err = copied(&deck, &alice).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    // Back online, the copy is a fresh token.
    let fresh = copied(&deck, &alice).await.unwrap();
    assert_ne!(fresh, before);
}

#[tokio::test]
async fn a_token_that_lasts_is_copied_as_it_is() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider = add_provider(&deck, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&deck, &provider, ALICE).await;
    let requests = fx.provider.counters().await.token;
    let before = shown_access_token(&deck, &alice).await;
    assert_eq!(copied(&deck, &alice).await.unwrap(), before);
    let id = deck.copy_text(&alice, CopyKind::IdToken).await.unwrap();
    assert!(id.expose_secret().starts_with("eyJ"));
    assert_eq!(fx.provider.counters().await.token, requests, "no refresh");
}
