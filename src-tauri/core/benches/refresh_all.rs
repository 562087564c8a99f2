//! Refresh-all with 1, 10 and 50 signed-in accounts against the real local provider, beside a
//! single refresh: concurrent refreshes should cost close to one, not N. Prints figures.
//! Run under scripts/with-keyring: `cargo bench -p tokendeck-core --bench refresh_all`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use support::{LocalProvider, NATIVE, add_provider, median, sign_in_account};
use tokendeck_core::OidcClient;
use tokendeck_core::deck::Deck;
use tokendeck_core::http::HttpClient;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::{ConfigStore, Vault};

const RUNS: usize = 7;

async fn deck_with_accounts(provider: &LocalProvider, n: usize) -> Arc<Deck> {
    let tag = tokendeck_core::pkce::random_url_safe();
    let dir = std::env::temp_dir().join(format!("tokendeck-bench-{tag}"));
    let vault = Vault::new(format!("io.github.tokendeck.bench-{tag}"));
    let oidc = OidcClient::new(HttpClient::new().unwrap());
    let deck = Arc::new(Deck::open(oidc, ConfigStore::new(dir), vault).unwrap());
    let config = ProviderConfig {
        id: "".into(),
        ..provider.cognito_config(NATIVE)
    };
    let id = add_provider(&deck, config, None).await;
    for i in 1..=n {
        sign_in_account(&deck, &id, (&format!("user{i:02}"), "bench-password")).await;
    }
    deck
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` compatibility
    }
    println!(
        "-- local provider on loopback (bound by its single Node thread signing 2 JWTs per refresh)"
    );
    run(&LocalProvider::start().await).await;
    println!("-- the same with 100 ms added to each token response (a remote pool's round trip)");
    run(&LocalProvider::start_with(&["--token-latency-ms", "100"]).await).await;
}

async fn run(provider: &LocalProvider) {
    let single = deck_with_accounts(provider, 1).await;
    let account = single.snapshot().await.accounts[0].record.id.clone();
    let mut one = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        single.refresh(&account).await.unwrap();
        one.push(t.elapsed());
        single.flush_session_cache().await;
    }
    let one = median(one);
    println!(
        "refresh (one account): median {:.1} ms over {RUNS} runs",
        one.as_secs_f64() * 1e3
    );
    for n in [1usize, 10, 50] {
        let deck = deck_with_accounts(provider, n).await;
        let mut times = Vec::new();
        let mut landed = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let outcomes = deck.refresh_all().await;
            times.push(t.elapsed());
            assert_eq!(outcomes.len(), n);
            assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
            deck.flush_session_cache().await;
            landed.push(t.elapsed());
        }
        // The first run after opening reads each refresh token from the keyring; later runs
        // know (from the lock-file stamps) that no other process changed them.
        let first = times[0];
        let m = median(times);
        println!(
            "refresh-all ({n:>2} accounts): median {:.1} ms = {:.1}x one refresh (sequential would be {n}x); first run {:.1} ms; keyring cache written after {:.1} ms",
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() / one.as_secs_f64(),
            first.as_secs_f64() * 1e3,
            median(landed).as_secs_f64() * 1e3
        );
        if n == 50 {
            // The sidebar's snapshot re-reads config.json to pick up the CLI's writes.
            let mut snapshots = Vec::new();
            for _ in 0..200 {
                let t = Instant::now();
                assert_eq!(deck.snapshot().await.accounts.len(), n);
                snapshots.push(t.elapsed());
            }
            println!(
                "snapshot ({n} accounts, file re-read): median {:.0} µs",
                median(snapshots).as_secs_f64() * 1e6
            );
        }
    }
}
