//! When the keeper refreshes: spread out after the machine wakes (or the clock jumps), and
//! per account against the app-wide setting. Against the real local provider.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

#[path = "support/keeper.rs"]
mod running;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use running::{start_keeper, start_keeper_at};
use support::*;
use tokendeck_core::deck::KeeperEvent;
use tokendeck_core::ids::AccountId;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_sleep_overdue_accounts_are_refreshed_spread_out_not_at_once() {
    // Hour-long tokens: nothing is due until the clock moves.
    let fx = Fixture::new().await;
    let app = fx.open();
    let provider = add_provider(&app, fx.config(NATIVE), None).await;
    let mut accounts = Vec::new();
    for n in 1..=10 {
        let user = format!("user{n:02}");
        accounts.push(sign_in_account(&app, &provider, (&user, "bench-password")).await);
    }
    let ahead = Arc::new(AtomicU64::new(0));
    let mut keeper = start_keeper_at(&app, ahead.clone());
    assert!(
        tokio::time::timeout(Duration::from_secs(2), keeper.events.recv())
            .await
            .is_err(),
        "nothing is due yet"
    );
    let requests = fx.provider.counters().await.token;

    // The wall clock moves 70 minutes while the monotonic clock does not: a sleep, as the
    // keeper sees one. Every access token is now overdue.
    ahead.store(70 * 60, Ordering::SeqCst);
    let mut refreshed: HashMap<AccountId, Instant> = HashMap::new();
    while refreshed.len() < accounts.len() {
        match keeper.next(40).await {
            KeeperEvent::Refreshed { account_id } => {
                refreshed.entry(account_id).or_insert_with(Instant::now);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    keeper.stop().await;
    assert!(fx.provider.counters().await.token >= requests + 10);
    // Spread over up to a second per account (10 s here). The control: the same ten
    // refreshes started at once on this machine, four at a time as the keeper runs them.
    let first = refreshed.values().min().unwrap();
    let last = refreshed.values().max().unwrap();
    let at_once = Instant::now();
    for four in accounts.chunks(4) {
        let mut running = tokio::task::JoinSet::new();
        for id in four {
            let (app, id) = (app.clone(), id.clone());
            running.spawn(async move { app.refresh(&id).await.map(|_| ()) });
        }
        while let Some(done) = running.join_next().await {
            done.unwrap().unwrap();
        }
    }
    let at_once = at_once.elapsed();
    assert!(
        last.duration_since(*first) >= at_once + Duration::from_secs(1),
        "ten refreshes took {:?} after the wake, {at_once:?} at once",
        last.duration_since(*first)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_set_to_keep_fresh_is_refreshed_while_the_app_wide_setting_is_off() {
    let fx = Fixture::with_provider(LocalProvider::start_with(&["--access-token-ttl", "6"]).await);
    let app = fx.open();
    let provider = add_provider(&app, fx.config(NATIVE), None).await;
    let alice = sign_in_account(&app, &provider, ALICE).await;
    let bob = sign_in_account(&app, &provider, BOB).await;
    app.set_keep_fresh(false).await.unwrap();
    app.set_account_keep_fresh(&alice, Some(true))
        .await
        .unwrap();
    let bob_before = shown_access_token(&app, &bob).await;

    let mut keeper = start_keeper(&app);
    for _ in 0..2 {
        match keeper.next(25).await {
            KeeperEvent::Refreshed { account_id } => assert_eq!(account_id, alice),
            other => panic!("unexpected {other:?}"),
        }
    }
    keeper.stop().await;
    assert_eq!(
        shown_access_token(&app, &bob).await,
        bob_before,
        "bob follows the app-wide setting"
    );
}
