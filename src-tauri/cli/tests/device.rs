//! `tokendeck login PROVIDER --device` with the real binary: it prints where to go and the
//! code, a person in headless Chromium enters it, the account is signed in. Ctrl-C (a real
//! SIGINT) stops the wait and stores nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use std::process::Stdio;
use std::time::Duration;

use home::*;
use support::*;
use tokendeck_core::provider::{ProviderConfig, ProviderSource};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStderr};

const DEVICE: &str = "tokendeck-device";

fn device_provider(provider: &LocalProvider) -> ProviderConfig {
    ProviderConfig {
        source: ProviderSource::Oidc {
            issuer: provider.issuer.clone(),
        },
        overrides: Default::default(),
        ..local(provider, DEVICE, "Device pool")
    }
}

fn start_login(home: &Home) -> Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"))
        .args(["--json", "login", "Device pool", "--device"])
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// What the command prints before it waits: the page, the code, the page with the code.
struct Printed {
    page: String,
    code: String,
    complete: String,
    text: String,
}

async fn read_instructions(stderr: &mut BufReader<ChildStderr>) -> Printed {
    let mut lines = Vec::new();
    while !lines
        .last()
        .is_some_and(|l: &String| l.contains("Ctrl-C cancels"))
    {
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(15), stderr.read_line(&mut line))
            .await
            .expect("the instructions come at once")
            .unwrap();
        assert!(read > 0, "ended before waiting: {lines:?}");
        lines.push(line.trim_end().to_owned());
    }
    let after = |marker: &str| {
        let at = lines.iter().position(|l| l.contains(marker)).unwrap();
        lines[at + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .unwrap()
            .trim()
            .to_owned()
    };
    Printed {
        page: after("open this page in a browser"),
        code: after("enter the code"),
        complete: after("which has the code in it"),
        text: lines.join("\n"),
    }
}

#[tokio::test]
async fn login_with_a_code_prints_it_and_signs_in_once_it_is_entered() {
    let provider = LocalProvider::start_with(&["--device-flow", "--device-interval", "1"]).await;
    let home = Home::new();
    home.add(device_provider(&provider)).await;
    let mut child = start_login(&home);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let printed = read_instructions(&mut stderr).await;
    assert_eq!(printed.page, provider.url("/device"), "{}", printed.text);
    assert!(
        printed
            .complete
            .ends_with(&format!("user_code={}", printed.code)),
        "{}",
        printed.text
    );
    assert!(
        printed.text.contains("expires in 10 minutes"),
        "{}",
        printed.text
    );

    let out = tokio::process::Command::new("node")
        .arg(provider_dir().join("device-login.mjs"))
        .args([&printed.page, &printed.code, ALICE.0, ALICE.1])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the command ends once the code is entered")
        .unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).await.unwrap();
    let mut answer = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut answer)
        .await
        .unwrap();
    assert!(status.success(), "{rest}");
    let account: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(account["label"], "alice", "{answer}");
    // The account works like any other: a token for scripts.
    let token = home.run(&["token", "alice"]).await;
    assert!(token.status.success(), "{}", home::stderr(&token));
    assert!(stdout(&token).trim().len() > 100);
}

#[tokio::test]
async fn ctrl_c_stops_waiting_and_stores_nothing() {
    let provider = LocalProvider::start_with(&["--device-flow", "--device-interval", "1"]).await;
    let home = Home::new();
    home.add(device_provider(&provider)).await;
    let mut child = start_login(&home);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    read_instructions(&mut stderr).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("Ctrl-C ends the command at once")
        .unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).await.unwrap();
    assert_eq!(status.code(), Some(3), "{rest}");
    assert!(rest.contains("cancelled with Ctrl-C"), "{rest}");
    assert_eq!(home.list().await["accounts"].as_array().unwrap().len(), 0);
}
