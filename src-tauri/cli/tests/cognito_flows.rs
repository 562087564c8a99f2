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

/// The stand-in, and a home with its pool added as "Flows pool".
async fn flows_pool() -> (stand_in::StandIn, Home) {
    let stand_in = stand_in::StandIn::start().await;
    let home = Home::new();
    home.add(ProviderConfig {
        name: "Flows pool".into(),
        ..stand_in.config()
    })
    .await;
    (stand_in, home)
}

#[tokio::test]
async fn custom_challenges_and_a_chosen_password_from_the_command_line() {
    let (_stand_in, home) = flows_pool().await;

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
async fn a_wrong_code_from_standard_input_ends_the_sign_in_and_so_does_missing_input() {
    let (stand_in, home) = flows_pool().await;
    // Answers on standard input come in order: a refused one is not followed by the next line.
    let out = login(&home, "--choice", "EMAIL_OTP\n000000\n123456\n").await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("that answer was not accepted"), "{err}");
    assert!(
        err.contains("read from standard input are not tried again"),
        "{err}"
    );
    let requests = stand_in.get("__test/requests").await;
    assert_eq!(
        requests.as_array().unwrap().len(),
        3,
        "the third line was not sent"
    );

    // Input that ends early is an error, not an empty answer.
    let out = login(&home, "--choice", "EMAIL_OTP\n").await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("standard input ended"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stand_in.request_count().await, 5);
}
