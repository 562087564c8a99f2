//! Follow-ups of the independent security review of the Trust work: sessions are never lost
//! to a guess (the keyring sweep), never revived under a provider that now points elsewhere,
//! and tokens a provider made up never reach a terminal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{ProviderDraft, SignInRequest};
use tokendeck_core::store::AccountStatus;

fn config_json(fx: &Fixture) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fx.dir.join("config.json")).unwrap()).unwrap()
}

fn write_config_json(fx: &Fixture, value: &serde_json::Value) {
    std::fs::write(fx.dir.join("config.json"), value.to_string()).unwrap();
}

/// A settings file that could not be read is moved aside and the app starts afresh; the next
/// write creates a valid file with no accounts. Nothing may read that as "every account was
/// removed": the keyring keeps every session, and restoring the old file brings them back.
#[tokio::test]
async fn a_settings_file_started_afresh_never_sweeps_the_keyring() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    drop(deck);
    fx.age_lock_file(&account);
    let path = fx.dir.join("config.json");
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, b"{ not json").unwrap();

    let afresh = fx.open();
    afresh.set_clipboard_clear_seconds(10).await.unwrap();
    assert!(config_json(&fx)["accounts"].as_array().unwrap().is_empty());
    drop(afresh);
    let restarted = fx.open();
    assert_eq!(restarted.sweep_orphans().await.unwrap(), 0);
    restarted.restore_sessions().await;
    assert!(fx.stored_refresh_token(&account).await.is_some());
    drop(restarted);

    std::fs::write(&path, good).unwrap();
    fx.open().refresh(&account).await.unwrap();
}

/// A removal interrupted between the settings write and the keyring deletes (a crash, a
/// keyring error) is finished at the next start, for the listed account only: an account
/// merely missing from the file (a backup restored, a hand edit) keeps its entries.
#[tokio::test]
async fn an_interrupted_removal_is_finished_at_start_and_nothing_else_is_swept() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let kept = sign_in_account(&deck, &id, ALICE).await;
    let removed = sign_in_account(&deck, &id, BOB).await;
    let missing = sign_in_account(&deck, &id, ("user01", "bench-password")).await;
    drop(deck);
    // What a crash right after the settings write of a sign-out leaves behind.
    let mut file = config_json(&fx);
    file["accounts"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["id"] == kept.as_str());
    file["removedAccounts"] = serde_json::json!([removed.as_str()]);
    write_config_json(&fx, &file);

    let restarted = fx.open();
    restarted.restore_sessions().await;
    let vault = fx.vault();
    assert!(vault.refresh_token(&removed).await.unwrap().is_none());
    assert!(vault.session(&removed).await.unwrap().is_none());
    assert!(!fx.dir.join(format!("locks/{removed}.lock")).exists());
    assert!(
        vault.refresh_token(&missing).await.unwrap().is_some(),
        "an id merely absent from the file proves nothing"
    );
    assert!(vault.refresh_token(&kept).await.unwrap().is_some());
    assert!(
        config_json(&fx).get("removedAccounts").is_none(),
        "the list is settled"
    );

    // A normal sign-out leaves nothing listed either.
    restarted.sign_out(&kept, false, false).await.unwrap();
    assert!(config_json(&fx).get("removedAccounts").is_none());
    assert!(vault.refresh_token(&kept).await.unwrap().is_none());
}

/// A sign-in started before its provider was re-pointed (another token endpoint) and finished
/// after: in the same process the sign-in is cancelled; from another process (the CLI edits the
/// provider) its tokens are refused, so nothing would later be refreshed at the new endpoint.
#[tokio::test]
async fn a_sign_in_that_outlived_a_re_pointing_of_its_provider_is_not_kept() {
    let fx = Fixture::new().await;
    let elsewhere = LocalProvider::start().await;
    let app = fx.open();
    let id = add_provider(&app, fx.config(NATIVE), None).await;
    let moved = |deck_view: tokendeck_core::deck::DeckView| {
        let mut config = deck_view.providers[0].config.clone();
        config.overrides.token = Some(elsewhere.url("/oauth2/token"));
        ProviderDraft {
            config,
            client_secret: None,
        }
    };

    // Same process: re-pointing cancels the pending sign-in.
    let started = app
        .begin_sign_in(&id, SignInRequest::default())
        .await
        .unwrap();
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    app.save_provider(moved(app.snapshot().await))
        .await
        .unwrap();
    let err = app.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCallback, "{err}");
    assert!(app.snapshot().await.accounts.is_empty());

    // Another process re-points it while the browser is away.
    let fx2 = Fixture::new().await;
    let app = fx2.open();
    let id = add_provider(&app, fx2.config(NATIVE), None).await;
    let started = app
        .begin_sign_in(&id, SignInRequest::default())
        .await
        .unwrap();
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let cli = fx2.open();
    cli.save_provider(moved(cli.snapshot().await))
        .await
        .unwrap();
    let err = app.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig, "{err}");
    assert!(
        err.to_string().contains("while you were signing in"),
        "{err}"
    );
    assert!(app.snapshot().await.accounts.is_empty());
    assert_eq!(
        elsewhere.counters().await.token,
        0,
        "nothing reached the new endpoint"
    );
}

/// An account whose session ended ("sign in again": a dead token, or its provider re-pointed)
/// is never refreshed, even if a refresh token is still in the keyring (a deletion that
/// failed): only a sign-in makes it active again.
#[tokio::test]
async fn an_ended_session_is_never_refreshed_with_a_left_over_token() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    let mut file = config_json(&fx);
    file["accounts"][0]["status"] =
        serde_json::json!({"state": "signInAgain", "reason": "ended elsewhere"});
    write_config_json(&fx, &file);
    let before = fx.provider.counters().await.token;
    let err = deck.refresh(&account).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");
    assert_eq!(
        fx.provider.counters().await.token,
        before,
        "no token request"
    );

    // Nor is any token handed out (scripts, copies), even one still cached.
    let err = deck
        .token(&account, tokendeck_core::deck::TokenChoice::Access, 0)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");

    // Signing in again makes it active and refreshable.
    sign_in_account(&deck, &id, ALICE).await;
    deck.refresh(&account).await.unwrap();
}

/// Signing out an account whose session ended (here: its provider was re-pointed and a
/// deletion failed, leaving its refresh token) deletes the token without sending it anywhere
/// to be revoked: the provider's revocation endpoint now points elsewhere.
#[tokio::test]
async fn signing_out_an_ended_session_sends_its_token_nowhere() {
    let fx = Fixture::new().await;
    let elsewhere = LocalProvider::start().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    let mut file = config_json(&fx);
    file["providers"][0]["overrides"]["revocation"] =
        serde_json::json!(elsewhere.url("/oauth2/revoke"));
    file["accounts"][0]["status"] =
        serde_json::json!({"state": "signInAgain", "reason": "re-pointed"});
    write_config_json(&fx, &file);
    assert!(fx.stored_refresh_token(&account).await.is_some());

    let out = deck.sign_out(&account, false, false).await.unwrap();
    assert!(!out.revoked);
    assert_eq!(elsewhere.counters().await.revoke, 0, "nothing was sent");
    assert_eq!(fx.provider.counters().await.revoke, 0);
    assert!(fx.stored_refresh_token(&account).await.is_none());
    assert!(deck.snapshot().await.accounts.is_empty());
}

/// Some providers issue a refresh token only at first consent: signing the same user in again
/// without one keeps the stored, working refresh token.
#[tokio::test]
async fn signing_in_again_without_a_refresh_token_keeps_the_working_one() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    let stored = fx.stored_refresh_token(&account).await.unwrap();

    fx.provider.issue_refresh_tokens(false).await;
    let again = sign_in_account(&deck, &id, ALICE).await;
    assert_eq!(again, account, "the same user is the same account");
    assert_eq!(
        fx.stored_refresh_token(&account).await.as_ref(),
        Some(&stored)
    );
    fx.provider.issue_refresh_tokens(true).await;
    let view = deck.refresh(&account).await.unwrap();
    assert_eq!(view.record.status, AccountStatus::Active);
}

/// A token with a control character (an escape sequence, a newline) is refused when it
/// arrives, so it never reaches a terminal, a header or a copied shell line.
#[tokio::test]
async fn tokens_with_control_characters_are_refused_on_arrival() {
    use tokendeck_core::token::{TokenResponse, TokenSet};
    let response: TokenResponse = serde_json::from_value(serde_json::json!({
        "access_token": "abc\u{1b}[201~\ntouch /tmp/pwned\n",
        "token_type": "Bearer",
    }))
    .unwrap();
    let err = response.check_characters().unwrap_err();
    assert!(err.to_string().contains("access_token"), "{err}");
    let fine: TokenResponse = serde_json::from_value(serde_json::json!({
        "access_token": "opaque-token_value.~+/=",
        "token_type": "Bearer",
        "refresh_token": "rt with spaces is still VSCHAR",
    }))
    .unwrap();
    fine.check_characters().unwrap();
    let _ = TokenSet::from_response(fine, 0);

    // And text for a shell refuses them outright, whatever their source.
    let err =
        tokendeck_core::shell::curl_line("a\u{1b}[201~b", "https://api.example.com/").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported);
}
