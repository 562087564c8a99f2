//! The agent (`tokendeck agent`; the app runs the same code): what scripts get through it is
//! exactly what they get without it, and when it dies mid-request the CLI does the work
//! itself. Who may talk to it: `agent_access.rs`. Run under scripts/with-keyring.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod agent_support;
mod home;

use std::time::Duration;

use agent_support::*;
use home::*;
use support::*;
use tokendeck_core::store::Vault;

#[tokio::test]
async fn answers_through_the_agent_equal_answers_without_it() {
    let provider = LocalProvider::start().await;
    let (home, account) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let cases: &[&[&str]] = &[
        &["token", "alice"],
        &["token", "local/alice", "--id"],
        &["token", "alice", "--header"],
        &["--json", "token", "alice"],
        &["env", "alice", "--access-var", "API"],
        &["kubectl-credential", "alice"],
        &["kubectl-credential", account.as_str(), "--access"],
        &[
            "exec",
            "alice",
            "--",
            "sh",
            "-c",
            "echo \"$TOKENDECK_ID_TOKEN\"; exit 3",
        ],
        // Errors: the same message and exit code.
        &["token", "nobody"],
        &["--json", "env", "nobody"],
    ];
    let mut without = Vec::new();
    for args in cases {
        without.push(home.run(args).await);
    }
    let _agent = RunningAgent::start(&home, &runtime).await;
    let before = provider.counters().await.token;
    for (args, alone) in cases.iter().zip(&without) {
        let through = via_agent_only(&home, &runtime, args).await;
        assert_eq!(
            (through.status.code(), stdout(&through), stderr(&through)),
            (alone.status.code(), stdout(alone), stderr(alone)),
            "tokendeck {args:?}"
        );
    }
    assert_eq!(provider.counters().await.token, before, "all warm");
    // The same command with --no-agent really is on its own (no keyring here: exit 7).
    let alone = via_agent_only(&home, &runtime, &["--no-agent", "token", "alice"]).await;
    assert_eq!(alone.status.code(), Some(7), "{}", stderr(&alone));
}

#[tokio::test]
async fn the_agent_refreshes_saves_the_rotated_token_and_never_hands_it_out() {
    let provider = LocalProvider::start().await;
    let (home, account) = signed_in(&provider, ROTATING).await;
    let runtime = Runtime::new();
    let _agent = RunningAgent::start(&home, &runtime).await;
    let warm = stdout(&via_agent_only(&home, &runtime, &["token", "alice"]).await);
    let before = provider.counters().await.token;
    // The local provider's tokens live an hour: asking for two forces a refresh.
    let forced = via_agent_only(&home, &runtime, &["token", "alice", "--min-ttl", "2h"]).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(provider.counters().await.token, before + 1);
    assert_ne!(stdout(&forced), warm, "refreshed");
    // Years are clamped to what the protocol carries, which still means "refresh".
    let years = via_agent_only(&home, &runtime, &["token", "alice", "--min-ttl", "20years"]).await;
    assert!(years.status.success(), "{}", stderr(&years));
    assert_eq!(provider.counters().await.token, before + 2);

    // The rotated refresh token was saved before the answer: a process on its own can use it.
    let stored = Vault::default()
        .refresh_token(&account)
        .await
        .unwrap()
        .unwrap();
    let alone = home.run(&["--no-agent", "refresh", "alice"]).await;
    assert!(alone.status.success(), "{}", stderr(&alone));

    // Another process changed the account: the agent's tokens from before are not served.
    let direct = home.run(&["--no-agent", "token", "alice"]).await;
    let through = via_agent_only(&home, &runtime, &["token", "alice"]).await;
    assert_eq!(stdout(&through), stdout(&direct));
    assert_ne!(stdout(&through), stdout(&forced));

    // Raw protocol: every answer carries the asked-for tokens and nothing else.
    let socket = runtime.paths(&home).socket;
    for op in ["accessToken", "idToken", "sessionTokens"] {
        let reply = exchange(
            &socket,
            format!("{{\"v\":1,\"op\":\"{op}\",\"account\":\"alice\"}}\n").as_bytes(),
        );
        assert!(!reply.contains(stored.expose_secret()), "{op}");
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let keys: Vec<&String> = reply["ok"].as_object().unwrap().keys().collect();
        for key in keys {
            assert!(
                [
                    "account",
                    "accessToken",
                    "idToken",
                    "expiresAt",
                    "idExpiresAt"
                ]
                .contains(&key.as_str()),
                "{op}: {key}"
            );
        }
    }
}

#[tokio::test]
async fn a_killed_agent_leaves_the_cli_working_alone() {
    // Slow token responses, so the agent is mid-refresh when it dies.
    let provider = LocalProvider::start_with(&["--token-latency-ms", "1500"]).await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let mut agent = RunningAgent::start(&home, &runtime).await;
    let asking = via(&home, &runtime, &["token", "alice", "--min-ttl", "2h"]);
    let killing = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        agent.kill();
    };
    let (out, ()) = tokio::join!(asking, killing);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("working without the agent"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("eyJ"));
}

#[tokio::test]
async fn with_the_settings_file_gone_the_agent_knows_no_account_either() {
    let provider = LocalProvider::start().await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let _agent = RunningAgent::start(&home, &runtime).await;
    assert!(
        via_agent_only(&home, &runtime, &["token", "alice"])
            .await
            .status
            .success()
    );
    std::fs::remove_file(home.dir.join("config.json")).unwrap();
    let through = via_agent_only(&home, &runtime, &["token", "alice"]).await;
    let alone = home.run(&["--no-agent", "token", "alice"]).await;
    assert_eq!(
        (through.status.code(), stderr(&through)),
        (alone.status.code(), stderr(&alone))
    );
    assert_eq!(alone.status.code(), Some(5));
}
