//! The app's background refresh (the keeper) and `tokendeck refresh` processes on the same
//! rotating account at the same time: they share the per-account cross-process lock, so no
//! rotated refresh token is spent twice (the local provider revokes the grant on reuse).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

#[path = "../../core/tests/support/keeper.rs"]
mod running;

mod home;

use std::sync::Arc;
use std::time::{Duration, Instant};

use home::*;
use support::*;
use tokendeck_core::deck::KeeperEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_background_refreshes_and_cli_refreshes_never_spend_the_same_rotated_token() {
    // Six-second access tokens: the keeper refreshes every few seconds.
    let provider = LocalProvider::start_with(&["--access-token-ttl", "6"]).await;
    let home = Home::new();
    home.add(local(&provider, ROTATING, "rotating")).await;
    let login = home.login("rotating", BOB).await;
    assert!(login.status.success(), "{}", stderr(&login));
    let app = Arc::new(home.app_deck());
    let bob = app.snapshot().await.accounts[0].record.id.clone();
    let requests = provider.counters().await.token;
    let mut keeper = running::start_keeper(&app);

    // Two processes at a time refresh bob now and then: their tokens are fresher than the
    // keeper's, which takes them over instead of refreshing.
    let cli_refreshes = |seconds: u64| {
        let home = &home;
        async move {
            let until = Instant::now() + Duration::from_secs(seconds);
            let mut runs = 0;
            while Instant::now() < until {
                let refresh = || home.run(&["refresh", "bob"]);
                let (a, b) = tokio::join!(refresh(), refresh());
                for run in [a, b] {
                    assert!(run.status.success(), "run {runs}: {}", stderr(&run));
                    runs += 1;
                }
                tokio::time::sleep(Duration::from_millis(2500)).await;
            }
            runs
        }
    };
    let mut runs = cli_refreshes(10).await;
    // Left alone, the keeper refreshes by itself, with the token the last process rotated.
    // (Every command-line run is one grant; the rest are the keeper's own.)
    let until = Instant::now() + Duration::from_secs(25);
    while provider.counters().await.token == requests + runs {
        assert!(
            Instant::now() < until,
            "the keeper sent no refresh of its own"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And the command line goes on with the token the keeper rotated.
    runs += cli_refreshes(8).await;

    // What the keeper did meanwhile (events wait in its channel).
    let mut refreshed = 0;
    while let Ok(event) = keeper.events.try_recv() {
        match event {
            KeeperEvent::Refreshed { account_id } => {
                assert_eq!(account_id, bob);
                refreshed += 1;
            }
            other => panic!("the keeper: {other:?}"),
        }
    }
    keeper.stop().await;
    // Each of the keeper's own grants was reported, and it took tokens over too.
    let own = provider.counters().await.token - requests - runs;
    assert!(own >= 1);
    assert!(
        refreshed > own,
        "{refreshed} events for {own} grants of its own"
    );

    // The chain of rotated tokens is intact for both.
    let again = home.run(&["refresh", "bob"]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    app.refresh(&bob).await.unwrap();
}
