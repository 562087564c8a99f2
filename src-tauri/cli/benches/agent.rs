//! The agent path side by side with oidc-agent 4 (Debian's `oidc-agent-cli`), the reference
//! command-line token agent, against the same local provider in one run:
//! - warm `tokendeck token` through the agent vs `oidc-token` (goal <= 1.0x);
//! - forced refresh through the agent vs `oidc-token -t` (goal <= 1.5x);
//! - warm `tokendeck token` with no agent vs `secret-tool lookup` (goal <= 1.0x);
//! - peak resident memory of `tokendeck token` on the agent path (goal <= 4 MB).
//!
//! Run under scripts/with-keyring: `cargo bench -p tokendeck-cli --bench agent`
//! (oidc-agent's side is benches/oidc-agent/measure.sh).
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

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{alice_signed_in, secret_tool_lookup, time};
use support::{LocalProvider, median};
use tokendeck_core::agent::AgentPaths;

const RUNS: usize = 40;

fn runs(make: impl Fn() -> Command) -> Duration {
    for _ in 0..3 {
        time(make());
    }
    median((0..RUNS).map(|_| time(make())).collect())
}

/// Peak resident set of one run, in KiB (GNU time's %M), the median of five.
fn peak_rss_kib(make: impl Fn() -> Command) -> u64 {
    let mut peaks: Vec<u64> = (0..5)
        .map(|_| {
            let cmd = make();
            let out = Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(cmd.get_program())
                .args(cmd.get_args())
                .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
                .output()
                .expect("GNU time (apt-get install time)");
            assert!(out.status.success());
            let stderr = String::from_utf8_lossy(&out.stderr);
            stderr.lines().last().unwrap().trim().parse().unwrap()
        })
        .collect();
    peaks.sort_unstable();
    peaks[peaks.len() / 2]
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// oidc-agent's figures against `issuer` (benches/oidc-agent/measure.sh).
fn oidc_agent(issuer: &str) -> serde_json::Value {
    let out = Command::new(repo().join("benches/oidc-agent/measure.sh"))
        .arg(issuer)
        .arg(RUNS.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wait_for(socket: &Path) {
    for _ in 0..400 {
        if std::os::unix::net::UnixStream::connect(socket).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the agent did not start");
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let provider = LocalProvider::start().await;
    // Short: a socket path must fit in 108 bytes.
    let scratch = std::env::temp_dir().join(format!(
        "td-bench-{}",
        &tokendeck_core::pkce::random_url_safe()[..8]
    ));
    let dir = scratch.join("config");
    let runtime = scratch.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    // Private, as XDG_RUNTIME_DIR must be for the agent to use it.
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let account_id = alice_signed_in(&provider, &dir).await;

    let cli = |args: &[&str], agent: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tokendeck"));
        c.args(args).env("TOKENDECK_CONFIG_DIR", &dir);
        match agent {
            true => c.env("XDG_RUNTIME_DIR", &runtime),
            false => c.env_remove("XDG_RUNTIME_DIR"),
        };
        c
    };

    let alone = runs(|| cli(&["token", "alice"], false));
    let floor = runs(|| secret_tool_lookup(&account_id));

    let mut agent = cli(&["agent"], true).spawn().unwrap();
    wait_for(&AgentPaths::in_dir(runtime.join("tokendeck"), &dir).socket);
    let before = provider.counters().await.token;
    let warm = runs(|| cli(&["token", "alice"], true));
    assert_eq!(provider.counters().await.token, before, "warm: no refresh");
    let refresh = runs(|| cli(&["token", "alice", "--min-ttl", "2h"], true));
    assert_eq!(
        provider.counters().await.token,
        before + 3 + RUNS as u64,
        "every forced run refreshed"
    );
    let rss = peak_rss_kib(|| cli(&["token", "alice"], true));
    agent.kill().unwrap();
    let _ = agent.wait();

    let reference = oidc_agent(&provider.issuer);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let their_warm = reference["warm_ms_median"].as_f64().unwrap();
    let their_refresh = reference["refresh_ms_median"].as_f64().unwrap();
    let their_rss = reference["oidc_token_peak_rss_kb"].as_u64().unwrap();
    println!(
        "oidc-agent {}; medians of {RUNS} runs each",
        reference["oidc_agent_version"].as_str().unwrap_or("?")
    );
    println!(
        "warm token via agent: {:.2} ms; oidc-token: {their_warm:.2} ms; ratio {:.2}x (goal <= 1.0)",
        ms(warm),
        ms(warm) / their_warm
    );
    println!(
        "forced refresh via agent: {:.2} ms; oidc-token -t: {their_refresh:.2} ms; ratio {:.2}x (goal <= 1.5)",
        ms(refresh),
        ms(refresh) / their_refresh
    );
    println!(
        "warm token, no agent: {:.2} ms; secret-tool lookup: {:.2} ms; ratio {:.2}x (goal <= 1.0)",
        ms(alone),
        ms(floor),
        alone.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "peak RSS of tokendeck token via agent: {rss} KiB (goal <= 4096); oidc-token: {their_rss} KiB"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
