//! Tokens handed to the tools that use them, each proven by the real program that reads the
//! format: a POSIX shell for `env` and `exec`, the official Kubernetes client for
//! `kubectl-credential`, and the AWS CLI for `aws-credentials --format credential-process`.
//! Run under scripts/with-keyring; the Python tools come from tests/.venv (scripts/setup).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/moto.rs"]
mod moto;
#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use std::path::{Path, PathBuf};

use home::*;
use support::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn venv_bin(name: &str) -> PathBuf {
    let bin = repo().join("tests/.venv/bin").join(name);
    assert!(bin.exists(), "{name} is missing: run scripts/setup");
    bin
}

/// Runs `sh -c script` with the CLI's config directory, returning (status code, stdout).
fn sh(home: &Home, script: &str) -> (Option<i32>, String) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .env("TOKENDECK", env!("CARGO_BIN_EXE_tokendeck"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

async fn signed_in(provider: &LocalProvider) -> Home {
    let home = Home::new();
    home.add(local(provider, NATIVE, "local")).await;
    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    home
}

#[tokio::test]
async fn env_lines_work_in_a_real_shell_and_exec_passes_the_status_through() {
    let provider = LocalProvider::start().await;
    let home = signed_in(&provider).await;
    let access = stdout(&home.run(&["token", "alice"]).await)
        .trim()
        .to_owned();
    let id = stdout(&home.run(&["token", "alice", "--id"]).await)
        .trim()
        .to_owned();

    // eval "$(tokendeck env alice)" sets exactly the tokens `token` prints.
    let before = provider.counters().await.token;
    let (code, out) = sh(
        &home,
        r#"eval "$("$TOKENDECK" env alice)" && printf '%s\n%s\n%s\n' "$TOKENDECK_ACCESS_TOKEN" "$TOKENDECK_ID_TOKEN" "$TOKENDECK_EXPIRES_AT""#,
    );
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], access);
    assert_eq!(lines[1], id);
    assert!(lines[2].parse::<u64>().unwrap() > tokendeck_core::token::unix_now());
    assert_eq!(
        provider.counters().await.token,
        before,
        "a fresh token needs no request"
    );

    // Names are configurable; an empty name leaves the variable out.
    let (code, out) = sh(
        &home,
        r#"eval "$("$TOKENDECK" env alice --access-var API_TOKEN --id-var '')" && printf '%s|%s' "$API_TOKEN" "${TOKENDECK_ID_TOKEN-unset}""#,
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out, format!("{access}|unset"));
    let bad = home.run(&["env", "alice", "--access-var", "A;B"]).await;
    assert_eq!(bad.status.code(), Some(5), "{}", stderr(&bad));

    // exec: the command sees the token and its exit status is the command's own.
    let check = format!(r#"test "$TOKENDECK_ACCESS_TOKEN" = "{access}" && exit 42"#);
    let ran = home.run(&["exec", "alice", "--", "sh", "-c", &check]).await;
    assert_eq!(ran.status.code(), Some(42), "{}", stderr(&ran));
    let missing = home
        .run(&["exec", "alice", "--", "/nonexistent/tool"])
        .await;
    assert_eq!(missing.status.code(), Some(127), "{}", stderr(&missing));

    // --min-ttl beyond the token's lifetime refreshes before running the command.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let fresh = home
        .run(&[
            "exec",
            "alice",
            "--min-ttl",
            "2h",
            "--",
            "sh",
            "-c",
            r#"printf %s "$TOKENDECK_ACCESS_TOKEN""#,
        ])
        .await;
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert_ne!(stdout(&fresh), access);
    assert_eq!(provider.counters().await.token, before + 1);
    assert_eq!(
        stdout(&home.run(&["token", "alice"]).await).trim(),
        stdout(&fresh)
    );
}

#[tokio::test]
async fn kubectl_credential_is_read_by_the_real_kubernetes_client() {
    let provider = LocalProvider::start().await;
    let home = signed_in(&provider).await;
    let id = stdout(&home.run(&["token", "alice", "--id"]).await)
        .trim()
        .to_owned();
    let credential: serde_json::Value =
        serde_json::from_str(&stdout(&home.run(&["kubectl-credential", "alice"]).await)).unwrap();
    assert_eq!(credential["status"]["token"], id.as_str());
    assert!(
        credential["status"]["expirationTimestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let out = std::process::Command::new(venv_bin("python"))
        .arg(repo().join("tests/interop/kube_client.py"))
        .arg(env!("CARGO_BIN_EXE_tokendeck"))
        .arg("alice")
        .arg(&id)
        .arg(&home.dir)
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert_eq!(text.trim(), "default tokendeck-ok");

    // The access token is refused by that endpoint: the client really sent what we printed.
    let access = stdout(&home.run(&["token", "alice"]).await)
        .trim()
        .to_owned();
    let refused = std::process::Command::new(venv_bin("python"))
        .arg(repo().join("tests/interop/kube_client.py"))
        .arg(env!("CARGO_BIN_EXE_tokendeck"))
        .arg("alice")
        .arg(&access)
        .arg(&home.dir)
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

#[tokio::test]
async fn the_real_aws_cli_signs_with_credentials_from_credential_process() {
    let moto = moto::Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "dora", "Dora-Passw0rd!", true).await;
    let identity_pool = moto.identity_pool(&pool).await;
    let home = Home::new();
    home.add(moto.provider_config(&pool, "api", Some(identity_pool)))
        .await;
    let login = home.password_login("api", "dora", "Dora-Passw0rd!").await;
    assert!(login.status.success(), "{}", stderr(&login));

    // The profile's credential_process records what it handed the AWS CLI.
    let issued = home.dir.join("issued.json");
    let config = home.dir.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile tokendeck]\nregion = us-east-1\ncredential_process = sh -c '\"{}\" aws-credentials dora --format credential-process | tee \"{}\"'\n",
            env!("CARGO_BIN_EXE_tokendeck"),
            issued.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(venv_bin("aws"))
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "tokendeck",
            "--endpoint-url",
            moto.url.trim_end_matches('/'),
            "--debug",
        ])
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", Path::new("/dev/null"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let debug = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{debug}");
    let identity: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(identity["Account"].is_string(), "{identity}");
    let issued: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&issued).unwrap()).unwrap();
    let key = issued["AccessKeyId"].as_str().unwrap();
    assert!(
        debug.contains(&format!("Credential={key}/")),
        "the request was signed with the key credential_process returned"
    );
}
