//! `tokendeck login POOL --custom-auth` and `--choice` with the real binary, answering each
//! challenge on standard input. Against the hand-made Cognito stand-in
//! (tests/provider/cognito-flows.mjs): no emulator implements CUSTOM_AUTH or USER_AUTH.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

#[path = "../../core/tests/support/stand_in.rs"]
mod stand_in;

use std::process::Stdio;

use home::*;
use tokendeck_core::provider::ProviderConfig;
use tokio::io::AsyncWriteExt;

async fn login(home: &Home, flag: &str, answers: &str) -> std::process::Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"))
        .args([
            "login",
            "Flows pool",
            flag,
            "--username",
            "carol",
            "--password-stdin",
        ])
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(answers.as_bytes()).await.unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

#[tokio::test]
async fn custom_challenges_and_a_chosen_password_from_the_command_line() {
    let stand_in = stand_in::StandIn::start().await;
    let home = Home::new();
    home.add(ProviderConfig {
        name: "Flows pool".into(),
        ..stand_in.config()
    })
    .await;

    // The pool's questions are shown before each answer is read.
    let out = login(&home, "--custom-auth", "42\nblue\n").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("question: What is 6 x 7?"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("question: Which colour is the sky?"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("signed in: carol"),
        "{}",
        stderr(&out)
    );

    // USER_AUTH: choose the password, then give it.
    let out = login(&home, "--choice", "password\nCarol-Passw0rd!\n").await;
    assert!(out.status.success(), "{}", stderr(&out));

    // A wrong answer exits as a refused sign-in.
    let out = login(&home, "--custom-auth", "41\n").await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[tokio::test]
async fn a_wrong_code_is_asked_for_again() {
    let stand_in = stand_in::StandIn::start().await;
    let home = Home::new();
    home.add(ProviderConfig {
        name: "Flows pool".into(),
        ..stand_in.config()
    })
    .await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"))
        .args([
            "login",
            "Flows pool",
            "--choice",
            "--username",
            "carol",
            "--password-stdin",
        ])
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"EMAIL_OTP\n000000\n").await.unwrap();
    // The right code is known once the stand-in has "sent" it.
    let mut code = serde_json::Value::Null;
    for _ in 0..100 {
        code = stand_in.get("__test/last-code").await["code"].clone();
        if code.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let code = code.as_str().expect("no code was sent");
    input
        .write_all(format!("{code}\n").as_bytes())
        .await
        .unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("that answer was not accepted"), "{err}");
    assert_eq!(err.matches("not accepted").count(), 1, "{err}");
    assert!(err.contains("signed in: carol"), "{err}");
}
