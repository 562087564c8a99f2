//! When a session's refresh token runs out (the "sign in again by" deadline): what the
//! provider says (`refresh_expires_in`, as Keycloak sends), else the provider's setting, else
//! Cognito's default; unknown for an issuer that says nothing. Against the real local provider.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use support::*;
use tokendeck_core::deck::Deck;
use tokendeck_core::ids::AccountId;
use tokendeck_core::token::unix_now;

async fn deadline(deck: &Deck, account: &AccountId) -> Option<u64> {
    account_record(deck, account).await.refresh_expires_at
}

#[tokio::test]
async fn a_provider_that_says_refresh_expires_in_sets_the_deadline_and_each_refresh_moves_it() {
    let fx =
        Fixture::with_provider(LocalProvider::start_with(&["--refresh-expires-in", "1800"]).await);
    let app = fx.open();
    // A generic issuer, with a refresh-token lifetime set that the provider's word overrides.
    let config = tokendeck_core::provider::ProviderConfig {
        refresh_token_lifetime: Some(7 * 86_400),
        ..fx.provider.oidc_config(ROTATING)
    };
    let provider = add_provider(&app, config, None).await;
    let signed_in_at = unix_now();
    let alice = sign_in_account(&app, &provider, ALICE).await;
    let first = deadline(&app, &alice).await.unwrap();
    assert!(
        (signed_in_at + 1800..=signed_in_at + 1805).contains(&first),
        "{first}"
    );

    // Keycloak-style sliding sessions: a refresh counts the lifetime again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.refresh(&alice).await.unwrap();
    let moved = deadline(&app, &alice).await.unwrap();
    assert!(moved >= first + 2, "{first} -> {moved}");
    // Another process sees the same deadline (it is in the settings file, not in memory).
    assert_eq!(deadline(&fx.open(), &alice).await, Some(moved));
}

#[tokio::test]
async fn without_the_providers_word_cognito_pools_default_to_30_days_and_other_issuers_are_unknown()
{
    let fx = Fixture::new().await;
    let app = fx.open();
    let pool = add_provider(&app, fx.config(NATIVE), None).await;
    let issuer = add_provider(&app, fx.provider.oidc_config(ROTATING), None).await;
    let signed_in_at = unix_now();
    let alice = sign_in_account(&app, &pool, ALICE).await;
    let bob = sign_in_account(&app, &issuer, BOB).await;
    let thirty_days = 30 * 86_400;
    let cognito = deadline(&app, &alice).await.unwrap();
    assert!(
        (signed_in_at + thirty_days..=signed_in_at + thirty_days + 5).contains(&cognito),
        "{cognito}"
    );
    assert_eq!(deadline(&app, &bob).await, None);
    // A refresh does not move a deadline the provider never said.
    app.refresh(&alice).await.unwrap();
    assert_eq!(deadline(&app, &alice).await, Some(cognito));
}
