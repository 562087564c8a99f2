//! The keeper (background refresh and deadline warnings) against the real local provider
//! issuing 6-second access tokens, so a background refresh happens within seconds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "support/keeper.rs"]
mod running;

use std::time::Duration;

use running::start_keeper;
use support::*;
use tokendeck_core::deck::{AfterFailure, KeeperEvent};
use tokendeck_core::error::ErrorCode;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::secret::RefreshToken;
use tokendeck_core::store::AccountStatus;
use tokendeck_core::token::ClientAuth;

const TTL: &str = "6";

async fn short_lived() -> Fixture {
    Fixture::with_provider(LocalProvider::start_with(&["--access-token-ttl", TTL]).await)
}

/// Revokes a refresh token at the provider, behind the app's back.
async fn revoke_at_provider(fx: &Fixture, token: &RefreshToken) {
    let url = url::Url::parse(&fx.provider.url("/oauth2/revoke")).unwrap();
    tokendeck_core::revoke::revoke_refresh_token(
        &tokendeck_core::http::HttpClient::new().unwrap(),
        &url,
        &ClientAuth::public(NATIVE),
        token,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_refreshed_in_the_background_before_their_tokens_expire() {
    let fx = short_lived().await;
    let app = fx.open();
    let plain = add_provider(&app, fx.config(NATIVE), None).await;
    let rotating = add_provider(&app, fx.config(ROTATING), None).await;
    let alice = sign_in_account(&app, &plain, ALICE).await;
    let bob = sign_in_account(&app, &rotating, BOB).await;
    let before = [
        shown_access_token(&app, &alice).await,
        shown_access_token(&app, &bob).await,
    ];
    let requests_before = fx.provider.counters().await.token;

    let mut keeper = start_keeper(&app);
    let mut refreshed = std::collections::HashSet::new();
    while refreshed.len() < 2 {
        match keeper.next(20).await {
            KeeperEvent::Refreshed { account_id } => {
                refreshed.insert(account_id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let after = [
        shown_access_token(&app, &alice).await,
        shown_access_token(&app, &bob).await,
    ];
    assert_ne!(before[0], after[0], "alice's token changed with no call");
    assert_ne!(before[1], after[1], "bob's token changed with no call");
    assert!(fx.provider.counters().await.token >= requests_before + 2);

    // Each refresh comes before expiry: the tokens served were never expired.
    let detail = app.account_detail(&alice).await.unwrap();
    let expires_at = detail.account.session.unwrap().access_expires_at.unwrap();
    assert!(expires_at > tokendeck_core::token::unix_now());
    keeper.stop().await;

    // Bob's rotated refresh token was saved: a new process refreshes with it.
    let other = fx.open();
    other.refresh(&bob).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_turned_off_is_left_alone_while_others_are_refreshed() {
    let fx = short_lived().await;
    let app = fx.open();
    let provider = add_provider(&app, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&app, &provider, ALICE).await;
    let bob = sign_in_account(&app, &provider, BOB).await;
    app.set_account_keep_fresh(&bob, Some(false)).await.unwrap();
    let bob_before = shown_access_token(&app, &bob).await;

    let mut keeper = start_keeper(&app);
    // Two rounds of alice's refreshes: bob's token expired in between and was not touched.
    for _ in 0..2 {
        match keeper.next(20).await {
            KeeperEvent::Refreshed { account_id } => assert_eq!(account_id, alice),
            other => panic!("unexpected {other:?}"),
        }
    }
    keeper.stop().await;
    assert_eq!(shown_access_token(&app, &bob).await, bob_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_backs_off_and_a_dead_token_ends_the_session() {
    let fx = short_lived().await;
    let app = fx.open();
    let provider = add_provider(&app, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&app, &provider, ALICE).await;

    // The provider answers the first refresh with a load balancer's error page.
    fx.provider.fault("token", "html502", 1).await;
    let mut keeper = start_keeper(&app);
    let wait = match keeper.next(20).await {
        KeeperEvent::RefreshFailed {
            account_id,
            failures,
            next: AfterFailure::RetryIn(wait),
            ..
        } => {
            assert_eq!(account_id, alice);
            assert_eq!(failures, 1);
            assert!(
                (Duration::from_secs(11)..=Duration::from_secs(19)).contains(&wait),
                "{wait:?}"
            );
            wait
        }
        other => panic!("unexpected {other:?}"),
    };
    // The retry comes after the wait it announced (the token expired meanwhile), and works.
    let failed_at = std::time::Instant::now();
    let requests = fx.provider.counters().await.token;
    match keeper.next(30).await {
        KeeperEvent::Refreshed { account_id } => assert_eq!(account_id, alice),
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        failed_at.elapsed() + Duration::from_millis(500) >= wait,
        "retried after {:?} of {wait:?}",
        failed_at.elapsed()
    );
    assert_eq!(fx.provider.counters().await.token, requests + 1);
    keeper.stop().await;
    assert_eq!(
        account_record(&app, &alice).await.status,
        AccountStatus::Active,
        "a 502 ends nothing"
    );

    // The refresh token is revoked at the provider: the next background refresh ends the
    // session, says so, and the account is not tried again.
    let token = fx.stored_refresh_token(&alice).await.unwrap();
    revoke_at_provider(&fx, &token).await;
    let mut keeper = start_keeper(&app);
    match keeper.next(20).await {
        KeeperEvent::RefreshFailed {
            account_id,
            error,
            next,
            label,
            ..
        } => {
            assert_eq!(account_id, alice);
            assert_eq!(next, AfterFailure::SignInAgain);
            assert_eq!(error.code, ErrorCode::SignInAgain);
            assert_eq!(label, "alice");
        }
        other => panic!("unexpected {other:?}"),
    }
    let requests = fx.provider.counters().await.token;
    assert!(matches!(
        account_record(&app, &alice).await.status,
        AccountStatus::SignInAgain { .. }
    ));
    // Two more ticks' worth of time: nothing is sent for an ended session.
    assert!(
        tokio::time::timeout(Duration::from_secs(8), keeper.events.recv())
            .await
            .is_err()
    );
    assert_eq!(fx.provider.counters().await.token, requests);
    keeper.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_deadline_inside_the_window_is_reported_once() {
    let fx = short_lived().await;
    let app = fx.open();
    // The app client's refresh tokens last 2 hours; warnings start 24 hours ahead.
    let config = ProviderConfig {
        refresh_token_lifetime: Some(7200),
        ..fx.config(NATIVE)
    };
    let provider = add_provider(&app, config, None).await;
    let signed_in_at = tokendeck_core::token::unix_now();
    let alice = sign_in_account(&app, &provider, ALICE).await;
    let deadline = account_record(&app, &alice)
        .await
        .refresh_expires_at
        .unwrap();
    assert!((signed_in_at + 7200..=signed_in_at + 7210).contains(&deadline));
    // Turned off, so the only events are deadline warnings.
    app.set_keep_fresh(false).await.unwrap();

    let mut keeper = start_keeper(&app);
    match keeper.next(5).await {
        KeeperEvent::DeadlineNear {
            account_id,
            expires_at,
            label,
        } => {
            assert_eq!(account_id, alice);
            assert_eq!(expires_at, deadline);
            assert_eq!(label, "alice");
        }
        other => panic!("unexpected {other:?}"),
    }
    // A refresh does not move Cognito's deadline (it counts from the sign-in).
    app.refresh(&alice).await.unwrap();
    assert_eq!(
        account_record(&app, &alice).await.refresh_expires_at,
        Some(deadline)
    );
    assert!(
        tokio::time::timeout(Duration::from_secs(3), keeper.events.recv())
            .await
            .is_err(),
        "warned once"
    );
    keeper.stop().await;

    // A window shorter than the time left: no warning.
    app.set_deadline_warning_hours(1).await.unwrap();
    let mut keeper = start_keeper(&app);
    assert!(
        tokio::time::timeout(Duration::from_secs(3), keeper.events.recv())
            .await
            .is_err()
    );
    keeper.stop().await;
}
