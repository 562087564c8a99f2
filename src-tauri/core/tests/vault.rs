//! The keyring vault against a real Secret Service (run under scripts/with-keyring).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use tokendeck_core::ErrorCode;
use tokendeck_core::ids::{AccountId, ProviderId};
use tokendeck_core::secret::{ClientSecret, RefreshToken};
use tokendeck_core::store::Vault;

fn secret_tool_lookup(service: &str, user: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", service, "username", user])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

fn service() -> String {
    format!(
        "io.github.tokendeck.test-{}",
        tokendeck_core::pkce::random_url_safe()
    )
}

#[tokio::test]
async fn refresh_tokens_live_in_the_real_secret_service() {
    let service = service();
    let vault = Vault::new(service.clone());
    assert!(
        vault
            .refresh_token(&AccountId::from("acct-1"))
            .await
            .unwrap()
            .is_none()
    );
    vault
        .set_refresh_token(&AccountId::from("acct-1"), &RefreshToken::new("rt-value-1"))
        .await
        .unwrap();
    assert_eq!(
        vault
            .refresh_token(&AccountId::from("acct-1"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "rt-value-1"
    );
    // Another process (secret-tool) sees it: it is in the Secret Service, not in memory.
    assert_eq!(
        secret_tool_lookup(&service, "refresh-token:acct-1").as_deref(),
        Some("rt-value-1")
    );

    vault
        .set_refresh_token(&AccountId::from("acct-1"), &RefreshToken::new("rt-value-2"))
        .await
        .unwrap();
    assert_eq!(
        vault
            .refresh_token(&AccountId::from("acct-1"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "rt-value-2"
    );
    vault
        .delete_refresh_token(&AccountId::from("acct-1"))
        .await
        .unwrap();
    assert!(
        vault
            .refresh_token(&AccountId::from("acct-1"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(secret_tool_lookup(&service, "refresh-token:acct-1").is_none());
    vault
        .delete_refresh_token(&AccountId::from("acct-1"))
        .await
        .unwrap(); // deleting twice is fine
}

#[tokio::test]
async fn client_secrets_are_kept_per_provider() {
    let vault = Vault::new(service());
    vault
        .set_client_secret(&ProviderId::from("p1"), &ClientSecret::new("s1"))
        .await
        .unwrap();
    vault
        .set_client_secret(&ProviderId::from("p2"), &ClientSecret::new("s2"))
        .await
        .unwrap();
    assert_eq!(
        vault
            .client_secret(&ProviderId::from("p1"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "s1"
    );
    vault
        .delete_client_secret(&ProviderId::from("p1"))
        .await
        .unwrap();
    assert!(
        vault
            .client_secret(&ProviderId::from("p1"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        vault
            .client_secret(&ProviderId::from("p2"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "s2"
    );
}

#[tokio::test]
async fn no_secret_service_is_a_clear_error_not_a_plaintext_fallback() {
    // A bus address where nothing listens: what a desktop without a Secret Service looks like.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "probe_without_bus", "--ignored", "--nocapture"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("PROBE keyring_unavailable"), "{text}");
}

/// Run only by the test above, in a child process with a dead bus address.
#[tokio::test]
#[ignore = "helper for no_secret_service_is_a_clear_error_not_a_plaintext_fallback"]
async fn probe_without_bus() {
    let err = Vault::new(service())
        .set_refresh_token(&AccountId::from("x"), &RefreshToken::new("v"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyringUnavailable);
    assert!(err.to_string().contains("Secret Service"), "{err}");
    println!("PROBE keyring_unavailable");
}

/// A refresh token longer than one Windows Credential Manager entry holds (2,560 bytes of
/// UTF-16) is split over several entries and read back whole; shrinking or deleting it leaves
/// no part behind. Exercised here with Windows' limit on the real Secret Service.
#[tokio::test]
async fn long_values_are_split_over_entries_and_leave_nothing_behind() {
    let service = service();
    let vault = Vault::new(service.clone()).with_max_entry(2560 / 2);
    let long: String = (0..4000)
        .map(|i| char::from(b'A' + u8::try_from(i % 26).unwrap()))
        .collect();
    vault
        .set_refresh_token(&AccountId::from("acct"), &RefreshToken::new(long.clone()))
        .await
        .unwrap();
    assert_eq!(
        vault
            .refresh_token(&AccountId::from("acct"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        long
    );
    for n in 1..=4 {
        let part = secret_tool_lookup(&service, &format!("refresh-token:acct#{n}")).unwrap();
        assert!(part.encode_utf16().count() * 2 <= 2560, "part {n}");
    }
    assert!(secret_tool_lookup(&service, "refresh-token:acct#5").is_none());

    vault
        .set_refresh_token(&AccountId::from("acct"), &RefreshToken::new("short"))
        .await
        .unwrap();
    assert_eq!(
        vault
            .refresh_token(&AccountId::from("acct"))
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "short"
    );
    assert!(secret_tool_lookup(&service, "refresh-token:acct#1").is_none());

    vault
        .set_refresh_token(&AccountId::from("acct"), &RefreshToken::new(long.clone()))
        .await
        .unwrap();
    vault
        .delete_refresh_token(&AccountId::from("acct"))
        .await
        .unwrap();
    assert!(
        vault
            .refresh_token(&AccountId::from("acct"))
            .await
            .unwrap()
            .is_none()
    );
    for n in 1..=4 {
        assert!(secret_tool_lookup(&service, &format!("refresh-token:acct#{n}")).is_none());
    }
}
