//! Sign-in with a code (RFC 8628) against the local provider with its device flow on: a
//! person in headless Chromium enters the code, confirms and signs in while the Deck polls.
//! The provider answers a poll sooner than the interval with `slow_down`, as §3.5 has it, and
//! a test control can force one; denial, expiry, cancelling and the client rules too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use support::*;
use tokendeck_core::deck::{Deck, DeviceSignInView, DeviceWait, SignInEnd};
use tokendeck_core::ids::ProviderId;
use tokendeck_core::inspect::Verification;
use tokendeck_core::provider::{ClientAuthMethod, ProviderConfig};
use tokendeck_core::{Error, ErrorCode};

const DEVICE: &str = "tokendeck-device";
const PRIVATE_KEY_JWT: &str = "tokendeck-private-key-jwt";

#[derive(Debug, serde::Deserialize)]
struct Poll {
    at: u64,
    answer: String,
}

async fn fixture(extra: &[&str]) -> Fixture {
    let mut args = vec!["--device-flow", "--device-interval", "1"];
    args.extend_from_slice(extra);
    Fixture::with_provider(LocalProvider::start_with(&args).await)
}

async fn add(fx: &Fixture, deck: &Deck, client_id: &str) -> ProviderId {
    let config = ProviderConfig {
        id: "".into(),
        ..fx.provider.oidc_config(client_id)
    };
    add_provider(deck, config, None).await
}

/// The person: opens the verification page, enters the code, confirms, signs in (or aborts).
async fn enter_code(view: &DeviceSignInView, user: Option<(&str, &str)>) -> String {
    let mut command = tokio::process::Command::new("node");
    command
        .arg(provider_dir().join("device-login.mjs"))
        .arg(&view.verification_uri)
        .arg(&view.user_code);
    match user {
        Some((name, password)) => command.args([name, password]),
        None => command.arg("--deny"),
    };
    let out = command.output().await.unwrap();
    assert!(
        out.status.success(),
        "the browser part failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The Deck polling for a started device sign-in, while the test plays the person.
fn wait_in_background(
    deck: &std::sync::Arc<Deck>,
    wait: DeviceWait,
) -> tokio::task::JoinHandle<tokendeck_core::Result<SignInEnd>> {
    let deck = deck.clone();
    tokio::spawn(async move { deck.await_device_sign_in(wait).await })
}

async fn polls(provider: &LocalProvider) -> Vec<Poll> {
    reqwest::get(provider.url("/__test/device-polls"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_code_entered_in_a_browser_signs_the_account_in_at_the_pace_the_provider_sets() {
    let fx = fixture(&[]).await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, DEVICE).await;
    let started = deck.begin_device_sign_in(&provider_id, None).await.unwrap();
    let view = started.view.clone();
    assert!(view.verification_uri.starts_with(&fx.provider.issuer));
    assert!(
        view.verification_uri_complete
            .as_deref()
            .is_some_and(|u| u.contains(&view.user_code)),
        "{view:?}"
    );
    // The next pending poll is told to slow down: every poll after it waits 5 s more.
    reqwest::Client::new()
        .post(fx.provider.url("/__test/device-slow-down"))
        .json(&serde_json::json!({ "count": 1 }))
        .send()
        .await
        .unwrap();
    let waiting = wait_in_background(&deck, started.wait);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(enter_code(&view, Some(ALICE)).await, "done");
    let SignInEnd::SignedIn(account) = waiting.await.unwrap().unwrap() else {
        panic!("the sign-in did not end with an account");
    };

    // Stored as a browser sign-in is: the refresh token in the keyring, the ID token verified.
    assert_eq!(account.record.label, "alice");
    assert!(fx.stored_refresh_token(&account.record.id).await.is_some());
    let session = account.session.as_ref().unwrap();
    assert!(
        matches!(session.verification, Verification::Verified { .. }),
        "{session:?}"
    );
    deck.refresh(&account.record.id).await.unwrap();

    // Polled no faster than asked: the only slow_down is the forced one, and after it the
    // polls are 6 s apart.
    let polls = polls(&fx.provider).await;
    let slowed = polls.iter().position(|p| p.answer == "slow_down").unwrap();
    assert_eq!(
        polls.iter().filter(|p| p.answer == "slow_down").count(),
        1,
        "{polls:?}"
    );
    assert_eq!(polls.last().unwrap().answer, "tokens", "{polls:?}");
    for pair in polls.windows(2) {
        let gap = pair[1].at - pair[0].at;
        let after_slow_down = pair[0].answer == "slow_down" || pair[0].at > polls[slowed].at;
        let least = if after_slow_down { 5900 } else { 900 };
        assert!(gap >= least, "polls {gap} ms apart: {polls:?}");
    }
}

#[tokio::test]
async fn a_code_the_person_refuses_ends_the_sign_in_and_stores_nothing() {
    let fx = fixture(&[]).await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, DEVICE).await;
    let started = deck.begin_device_sign_in(&provider_id, None).await.unwrap();
    let view = started.view.clone();
    let waiting = wait_in_background(&deck, started.wait);
    assert_eq!(enter_code(&view, None).await, "denied");
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
    assert!(deck.snapshot().await.accounts.is_empty());
}

#[tokio::test]
async fn a_code_nobody_enters_expires() {
    let fx = fixture(&["--device-code-ttl", "3"]).await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, DEVICE).await;
    let started = deck.begin_device_sign_in(&provider_id, None).await.unwrap();
    assert_eq!(started.view.expires_in, 3);
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        deck.await_device_sign_in(started.wait),
    )
    .await
    .expect("the wait ends when the code expires")
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInExpired, "{err}");
    assert!(err.to_string().contains("Start it again"), "{err}");
    assert!(deck.snapshot().await.accounts.is_empty());
}

#[tokio::test]
async fn cancelling_stops_the_polling() {
    let fx = fixture(&[]).await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, DEVICE).await;
    let started = deck.begin_device_sign_in(&provider_id, None).await.unwrap();
    let id = started.view.id.clone();
    let waiting = wait_in_background(&deck, started.wait);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(deck.cancel_sign_in(&id));
    let end = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("cancelling ends the wait at once")
        .unwrap()
        .unwrap();
    assert!(matches!(end, SignInEnd::Elsewhere), "{end:?}");
    let count = polls(&fx.provider).await.len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        polls(&fx.provider).await.len(),
        count,
        "no poll after cancelling"
    );
    assert!(!deck.cancel_sign_in(&id), "already gone");
}

#[tokio::test]
async fn a_confidential_client_authenticates_at_the_device_endpoint_too() {
    let fx = fixture(&[]).await;
    let deck = fx.open();
    let key = fx.provider.client_key("p256").await;
    let config = ProviderConfig {
        id: "".into(),
        client_auth: ClientAuthMethod::PrivateKeyJwt,
        client_key_id: Some(key.kid.clone()),
        ..fx.provider.oidc_config(PRIVATE_KEY_JWT)
    };
    let provider_id = add_provider(&deck, config, Some(&key.pem)).await;
    let started = deck.begin_device_sign_in(&provider_id, None).await.unwrap();
    let view = started.view.clone();
    let waiting = wait_in_background(&deck, started.wait);
    assert_eq!(enter_code(&view, Some(BOB)).await, "done");
    let end = waiting.await.unwrap().unwrap();
    assert!(matches!(end, SignInEnd::SignedIn(a) if a.record.label == "bob"));
}

#[tokio::test]
async fn a_provider_or_client_without_the_device_flow_is_explained() {
    // No device_authorization_endpoint in discovery.
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, NATIVE).await;
    let offered = |deck: std::sync::Arc<Deck>| async move {
        deck.snapshot().await.providers[0].device_sign_in
    };
    assert!(offered(deck.clone()).await, "offered until discovery says");
    let err = deck
        .begin_device_sign_in(&provider_id, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(
        err.to_string().contains("device_authorization_endpoint"),
        "{err}"
    );
    assert!(
        !offered(deck.clone()).await,
        "no longer offered once discovery was read"
    );

    // The endpoint is there, but this app client may not use the grant.
    let fx = fixture(&[]).await;
    let deck = fx.open();
    let provider_id = add(&fx, &deck, NATIVE).await;
    let err = deck
        .begin_device_sign_in(&provider_id, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    assert!(
        err.to_string().contains("device authorization grant"),
        "{err}"
    );
    assert!(
        offered(deck.clone()).await,
        "the provider offers it: another client may use it"
    );
}
