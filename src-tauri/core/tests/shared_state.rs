//! What several processes (the app, CLI runs, a second app) share: `config.json` and each
//! account's refresh token. Each Deck here opens its own file descriptors, so the
//! cross-process locks (flock, per open file) behave exactly as between processes;
//! `tokendeck-cli`'s tests repeat the main cases with real processes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::ConfigFile;
use tokendeck_core::token::{self, ClientAuth};

fn named(fx: &Fixture, name: &str) -> ProviderConfig {
    ProviderConfig {
        name: name.into(),
        ..fx.config(NATIVE)
    }
}

fn on_disk(fx: &Fixture) -> ConfigFile {
    serde_json::from_slice(&std::fs::read(fx.dir.join("config.json")).unwrap()).unwrap()
}

fn provider_names(config: &ConfigFile) -> Vec<String> {
    let mut names: Vec<_> = config.providers.iter().map(|p| p.name.clone()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_stale_writer_keeps_what_another_wrote() {
    let fx = Fixture::new().await;
    let app = fx.open();
    let cli = fx.open();
    add_provider(&cli, named(&fx, "written by the cli"), None).await;
    cli.set_clipboard_clear_seconds(7).await.unwrap();

    // The app never saw those writes; its own change must not undo them.
    add_provider(&app, named(&fx, "written by the app"), None).await;
    assert_eq!(
        provider_names(&on_disk(&fx)),
        ["written by the app", "written by the cli"]
    );
    assert_eq!(on_disk(&fx).settings.clipboard_clear_seconds, 7);

    // And the other writer sees the app's provider on its next look.
    let seen = cli.snapshot().await;
    assert_eq!(seen.providers.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_simultaneous_writers_lose_nothing() {
    let fx = Fixture::new().await;
    // All open (and so load) before anyone writes, like processes started together.
    let decks: Vec<_> = (0..12).map(|_| fx.open()).collect();
    let mut tasks = Vec::new();
    for (i, deck) in decks.into_iter().enumerate() {
        let config = named(&fx, &format!("provider {i:02}"));
        tasks.push(tokio::spawn(async move {
            add_provider(&deck, config, None).await;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let names = provider_names(&on_disk(&fx));
    let expected: Vec<_> = (0..12).map(|i| format!("provider {i:02}")).collect();
    assert_eq!(names, expected);
}

#[tokio::test]
async fn a_file_broken_while_running_is_moved_aside_and_rewritten_from_memory() {
    let fx = Fixture::new().await;
    let app = fx.open();
    add_provider(&app, named(&fx, "kept"), None).await;
    std::fs::write(fx.dir.join("config.json"), b"{ half a file").unwrap();

    let view = app.snapshot().await;
    assert_eq!(view.providers.len(), 1, "the app's copy is kept");
    let notice = view.notices.join("\n");
    assert!(notice.contains("not valid JSON"), "{notice}");
    assert!(notice.contains("kept the settings"), "{notice}");
    assert_eq!(provider_names(&on_disk(&fx)), ["kept"], "written back");
    let aside: Vec<_> = std::fs::read_dir(&fx.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("config.json.unreadable-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(fx.dir.join(&aside[0])).unwrap(),
        b"{ half a file",
        "the broken file is kept as it was"
    );
}

#[tokio::test]
async fn a_deleted_file_is_written_again_from_memory() {
    let fx = Fixture::new().await;
    let app = fx.open();
    add_provider(&app, named(&fx, "kept"), None).await;
    std::fs::remove_file(fx.dir.join("config.json")).unwrap();

    assert_eq!(app.snapshot().await.providers.len(), 1);
    assert_eq!(provider_names(&on_disk(&fx)), ["kept"]);
}

#[tokio::test]
async fn a_token_rotated_by_another_process_is_picked_up_not_reused() {
    let fx = Fixture::new().await;
    let app = fx.open();
    let provider_id = add_provider(&app, fx.config(ROTATING), None).await;
    let account = sign_in_account(&app, &provider_id, BOB).await;
    app.refresh(&account).await.unwrap();

    // Another process rotates the token the app holds in memory.
    let cli = fx.open();
    cli.refresh(&account).await.unwrap();
    let rotated = fx.stored_refresh_token(&account).await.unwrap();

    // The provider revokes the whole grant if a rotated-away token is reused, so this
    // succeeds only if the app noticed the change and used the stored token.
    app.refresh(&account).await.unwrap();
    let latest = fx.stored_refresh_token(&account).await.unwrap();
    assert_ne!(latest.expose_secret(), rotated.expose_secret());
    let token_url = url::Url::parse(&fx.provider.url("/oauth2/token")).unwrap();
    let response = token::refresh(
        &tokendeck_core::http::HttpClient::new().unwrap(),
        &token_url,
        &ClientAuth::public(ROTATING),
        &latest,
    )
    .await;
    assert!(response.is_ok(), "the grant is still alive: {response:?}");
}

#[tokio::test]
async fn when_no_process_changed_the_token_the_keyring_is_not_read_again() {
    let fx = Fixture::new().await;
    let app = fx.open();
    let provider_id = add_provider(&app, fx.config(NATIVE), None).await;
    let account = sign_in_account(&app, &provider_id, ALICE).await;
    app.refresh(&account).await.unwrap();

    // Test-only tampering: remove the entry behind the Deck's back, without the account lock
    // and stamp that every Tokendeck write goes through. Refreshing still works, which shows
    // the in-memory token was used instead of a keyring read (~10 ms each on gnome-keyring).
    let saved = fx.stored_refresh_token(&account).await.unwrap();
    fx.vault().delete_refresh_token(&account).await.unwrap();
    app.refresh(&account).await.unwrap();

    // A change through the lock (here another process signing the account out) is seen.
    fx.vault()
        .set_refresh_token(&account, &saved)
        .await
        .unwrap();
    let cli = fx.open();
    cli.sign_out(&account, false, false).await.unwrap();
    assert!(app.refresh(&account).await.is_err());
}

#[tokio::test]
async fn refreshed_tokens_reach_the_keyring_cache_and_a_sign_out_is_never_undone() {
    let fx = Fixture::new().await;
    let app = fx.open();
    let provider_id = add_provider(&app, fx.config(NATIVE), None).await;
    let account = sign_in_account(&app, &provider_id, ALICE).await;
    let cached_access = || async {
        fx.vault()
            .session(&account)
            .await
            .unwrap()
            .map(|s| s.access_token)
    };

    // Refreshes leave the cache write to the background; back to back, the last one wins.
    for _ in 0..3 {
        app.refresh(&account).await.unwrap();
    }
    app.flush_session_cache().await;
    let latest = app.account_detail(&account).await.unwrap().raw_access_token;
    assert!(latest.is_some());
    assert_eq!(cached_access().await, latest);

    // Another process starting now gets that token from the cache, with no token request.
    let requests = fx.provider.counters().await.token;
    let cli = fx.open();
    let token = cli
        .token(&account, tokendeck_core::deck::TokenChoice::Access, 0)
        .await
        .unwrap()
        .token;
    assert_eq!(Some(token), latest);
    assert_eq!(fx.provider.counters().await.token, requests);

    // A sign-out right after a refresh: the pending write must not bring the tokens back.
    app.refresh(&account).await.unwrap();
    app.sign_out(&account, false, false).await.unwrap();
    app.flush_session_cache().await;
    assert_eq!(cached_access().await, None);
}
