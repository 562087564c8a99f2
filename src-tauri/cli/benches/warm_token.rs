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

mod common;

use std::process::Command;
use std::time::Duration;

use common::{alice_signed_in, secret_tool_lookup, time};
use support::{LocalProvider, median};

const RUNS: usize = 30;

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
    let account_id = alice_signed_in(&provider, &dir).await;

    let cli = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokendeck"));
        c.args(args).env("TOKENDECK_CONFIG_DIR", &dir);
        c
    };
    let lookup = || secret_tool_lookup(&account_id);
    let token = || cli(&["token", "alice"]);
    let env = || cli(&["env", "alice"]);
    // `true` costs about nothing: what is measured is tokendeck's part of `exec`.
    let exec = || cli(&["exec", "alice", "--", "true"]);
    for warm_up in [token(), env(), exec(), lookup()] {
        time(warm_up);
    }
    let before = provider.counters().await.token;
    let mut runs: [Vec<Duration>; 4] = Default::default();
    for _ in 0..RUNS {
        for (i, cmd) in [token(), env(), exec(), lookup()].into_iter().enumerate() {
            runs[i].push(time(cmd));
        }
    }
    assert_eq!(
        provider.counters().await.token,
        before,
        "the warm path must not refresh"
    );
    let [token, env, exec, floor] = runs.map(median);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "tokendeck token (fresh): median {:.1} ms; secret-tool lookup: median {:.1} ms; ratio {:.2}x (target <= 2), {RUNS} runs each",
        ms(token),
        ms(floor),
        token.as_secs_f64() / floor.as_secs_f64()
    );
    for (name, d) in [("env", env), ("exec -- true", exec)] {
        println!(
            "tokendeck {name} (fresh): median {:.1} ms; {:.2}x tokendeck token (target <= 1.2)",
            ms(d),
            d.as_secs_f64() / token.as_secs_f64()
        );
    }
}
