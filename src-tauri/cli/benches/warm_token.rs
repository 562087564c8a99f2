//! `tokendeck token ACCOUNT` with a still-fresh token, as a whole process, beside
//! `secret-tool lookup` of one secret in the same run (the floor for reading a keyring
//! secret). Target: <= 2x. Run under scripts/with-keyring:
//! `cargo bench -p tokendeck-cli --bench warm_token`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::{ALICE, LocalProvider, NATIVE, add_provider, median, sign_in_account};
use tokendeck_core::OidcClient;
use tokendeck_core::deck::Deck;
use tokendeck_core::http::HttpClient;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::{ConfigStore, Vault};

const RUNS: usize = 30;

fn time(mut cmd: Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let provider = LocalProvider::start().await;
    let dir = std::env::temp_dir().join(format!(
        "tokendeck-bench-cli-{}",
        tokendeck_core::pkce::random_url_safe()
    ));
    let deck = Deck::open(
        OidcClient::new(HttpClient::new().unwrap()),
        ConfigStore::new(&dir),
        Vault::default(),
    )
    .unwrap();
    let config = ProviderConfig {
        id: "".into(),
        ..provider.cognito_config(NATIVE)
    };
    let id = add_provider(&deck, config, None).await;
    let account_id = sign_in_account(&deck, &id, ALICE).await;

    let tokendeck = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokendeck"));
        c.args(["token", "alice"]).env("TOKENDECK_CONFIG_DIR", &dir);
        c
    };
    let lookup = || {
        let mut c = Command::new("secret-tool");
        c.args([
            "lookup",
            "service",
            "io.github.tokendeck",
            "username",
            &format!("refresh-token:{account_id}"),
        ]);
        c
    };
    time(tokendeck());
    time(lookup());
    let before = provider.counters().await.token;
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours.push(time(tokendeck()));
        floor.push(time(lookup()));
    }
    assert_eq!(
        provider.counters().await.token,
        before,
        "the warm path must not refresh"
    );
    let (ours, floor) = (median(ours), median(floor));
    println!(
        "tokendeck token (fresh): median {:.1} ms; secret-tool lookup: median {:.1} ms; ratio {:.2}x (target <= 2), {RUNS} runs each",
        ours.as_secs_f64() * 1e3,
        floor.as_secs_f64() * 1e3,
        ours.as_secs_f64() / floor.as_secs_f64()
    );
}
