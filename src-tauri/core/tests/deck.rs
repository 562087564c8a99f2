//! The application service end to end: real local provider, real Secret Service (run under
//! scripts/with-keyring), real files. No desktop needed: this is what every Tauri command runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{CopyKind, InspectRequest, SignInRequest};
use tokendeck_core::http::HttpClient;
use tokendeck_core::inspect::Verification;
use tokendeck_core::store::AccountStatus;
use tokendeck_core::token::{self, ClientAuth};

#[tokio::test]
async fn sign_in_persists_account_and_keyring_and_survives_a_restart() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;

    let view = deck.snapshot().await;
    let account = view
        .accounts
        .iter()
        .find(|a| a.record.id == account_id)
        .unwrap();
    assert_eq!(account.record.username.as_deref(), Some("alice"));
    assert_eq!(account.record.label, "alice");
    let session = account.session.as_ref().unwrap();
    assert!(session.has_refresh_token);
    assert!(matches!(
        session.verification,
        Verification::Verified { .. }
    ));
    assert!(session.granted_scopes.contains(&"openid".to_owned()));

    let refresh_token = fx.stored_refresh_token(&account_id).await.unwrap();
    let file = std::fs::read_to_string(fx.dir.join("config.json")).unwrap();
    assert!(file.contains(account_id.as_str()));
    assert!(
        !file.contains(refresh_token.expose_secret()),
        "no refresh token in the settings file"
    );
    let detail = deck.account_detail(&account_id).await.unwrap();
    let access = detail.raw_access_token.clone().unwrap();
    assert!(
        !file.contains(&access),
        "no access token in the settings file"
    );
    let serialized = serde_json::to_string(&detail).unwrap();
    assert!(
        !serialized.contains(refresh_token.expose_secret()),
        "no refresh token crosses to the UI"
    );

    drop(deck);
    // Restart: the still-valid session comes back from the keyring cache, with no refresh.
    let restarted = fx.open();
    assert!(restarted.snapshot().await.accounts[0].session.is_none());
    let requests = fx.provider.counters().await.token;
    let outcomes = restarted.restore_sessions().await;
    assert!(outcomes.is_empty(), "{outcomes:?}");
    assert_eq!(
        fx.provider.counters().await.token,
        requests,
        "no token request"
    );
    let restored = restarted.account_detail(&account_id).await.unwrap();
    assert_eq!(
        restored.id_token.unwrap().claims["cognito:username"],
        "alice"
    );
    assert!(matches!(
        restored.account.session.unwrap().verification,
        Verification::Verified { .. }
    ));
    assert_eq!(restored.raw_access_token.unwrap(), access);

    // Without the cache (or once expired), restoring refreshes from the refresh token.
    fx.vault().delete_session(&account_id).await.unwrap();
    let restarted = fx.open();
    let outcomes = restarted.restore_sessions().await;
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].error.is_none(), "{outcomes:?}");
    let refreshed = restarted.account_detail(&account_id).await.unwrap();
    assert_ne!(refreshed.raw_access_token.unwrap(), access);
}

#[tokio::test]
async fn a_second_user_on_the_same_pool_is_forced_to_the_login_page() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let first = deck
        .begin_sign_in(&provider_id, SignInRequest::default())
        .await
        .unwrap();
    assert!(
        !first
            .authorization_url
            .query()
            .unwrap()
            .contains("prompt=login")
    );
    let callback = login_over_http(&first.authorization_url, ALICE).await;
    deck.complete_sign_in(&callback).await.unwrap();
    let second = deck
        .begin_sign_in(&provider_id, SignInRequest::default())
        .await
        .unwrap();
    assert!(
        second
            .authorization_url
            .query()
            .unwrap()
            .contains("prompt=login")
    );
    let callback = login_over_http(&second.authorization_url, BOB).await;
    deck.complete_sign_in(&callback).await.unwrap();
    let labels: Vec<String> = deck
        .snapshot()
        .await
        .accounts
        .into_iter()
        .map(|a| a.record.label)
        .collect();
    assert_eq!(labels, ["alice", "bob"]);
    // Signing alice in again updates her account instead of adding a third.
    sign_in_account(&deck, &provider_id, ALICE).await;
    assert_eq!(deck.snapshot().await.accounts.len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_refreshes_send_one_request() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let before = fx.provider.counters().await.token;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (deck, id) = (deck.clone(), account_id.clone());
        tasks.spawn(async move { deck.refresh(&id).await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(fx.provider.counters().await.token - before, 1);
}

#[tokio::test]
async fn rotated_refresh_token_is_in_the_keyring_when_refresh_returns() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(ROTATING), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let first = fx.stored_refresh_token(&account_id).await.unwrap();
    deck.refresh(&account_id).await.unwrap();
    let second = fx.stored_refresh_token(&account_id).await.unwrap();
    assert_ne!(first, second);
    // A restart works from the stored (rotated) token.
    let restarted = fx.open();
    restarted.refresh(&account_id).await.unwrap();
}

#[tokio::test]
async fn sign_out_revokes_at_the_provider_and_forgets_everything() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let refresh_token = fx.stored_refresh_token(&account_id).await.unwrap();
    let out = deck.sign_out(&account_id, true, false).await.unwrap();
    assert!(out.revoked);
    let logout = out.logout_url.unwrap();
    assert!(
        logout.starts_with(
            &fx.provider
                .url("/logout?client_id=tokendeck-native&logout_uri=")
        ),
        "{logout}"
    );
    assert!(fx.stored_refresh_token(&account_id).await.is_none());
    assert!(deck.snapshot().await.accounts.is_empty());
    let token_url = url::Url::parse(&fx.provider.url("/oauth2/token")).unwrap();
    let err = token::refresh(
        &HttpClient::new().unwrap(),
        &token_url,
        &ClientAuth::public(NATIVE),
        &refresh_token,
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::SignInAgain,
        "the provider rejects the old refresh token"
    );
}

#[tokio::test]
async fn a_dead_refresh_token_marks_the_account_sign_in_again() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let refresh_token = fx.stored_refresh_token(&account_id).await.unwrap();
    // Revoked behind the app's back (e.g. an admin signed the user out everywhere).
    let (_, endpoints) = fx.provider.endpoints(NATIVE);
    deck.oidc()
        .revoke(&endpoints, &ClientAuth::public(NATIVE), &refresh_token)
        .await
        .unwrap();
    let err = deck.refresh(&account_id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain);
    let account = deck.snapshot().await.accounts.remove(0);
    assert!(matches!(
        account.record.status,
        AccountStatus::SignInAgain { .. }
    ));
    assert!(account.session.is_none());
    assert!(fx.stored_refresh_token(&account_id).await.is_none());
    // Signing in again brings it back to active under the same id.
    assert_eq!(
        sign_in_account(&deck, &provider_id, ALICE).await,
        account_id
    );
}

#[tokio::test]
async fn copy_texts_are_built_in_rust() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let access = deck
        .account_detail(&account_id)
        .await
        .unwrap()
        .raw_access_token
        .unwrap();
    let text = |kind| {
        let deck = deck.clone();
        let id = account_id.clone();
        async move {
            deck.copy_text(&id, kind)
                .await
                .unwrap()
                .expose_secret()
                .to_owned()
        }
    };
    assert_eq!(text(CopyKind::AccessToken).await, access);
    assert_eq!(
        text(CopyKind::AuthorizationHeader).await,
        format!("Authorization: Bearer {access}")
    );
    assert!(text(CopyKind::IdToken).await.starts_with("eyJ"));
    let curl = text(CopyKind::Curl).await;
    assert_eq!(
        curl,
        format!(
            "curl -H 'Authorization: Bearer {access}' {}",
            fx.provider.url("/oauth2/userInfo")
        )
    );
}

#[tokio::test]
async fn machine_token_with_the_secret_from_the_keyring() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let mut config = fx.config(M2M);
    config.scopes = vec!["demo-api/read".into()];
    let provider_id = add_provider(&deck, config, Some(M2M_SECRET)).await;
    let view = deck.snapshot().await;
    assert!(view.providers[0].has_client_secret);
    assert!(
        !std::fs::read_to_string(fx.dir.join("config.json"))
            .unwrap()
            .contains(M2M_SECRET)
    );
    assert_eq!(
        fx.vault()
            .client_secret(&provider_id)
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        M2M_SECRET
    );
    let account = deck.machine_token(&provider_id).await.unwrap();
    let session = account.session.unwrap();
    assert_eq!(session.granted_scopes, ["demo-api/read"]);
    assert!(!session.has_refresh_token);
    // After a restart the machine session comes back like a user's, with no new request.
    deck.flush_session_cache().await;
    let requests = fx.provider.counters().await.token;
    let restarted = fx.open();
    let outcomes = restarted.restore_sessions().await;
    assert!(outcomes.is_empty(), "{outcomes:?}");
    let restored = restarted.snapshot().await.accounts[0]
        .session
        .clone()
        .unwrap();
    assert_eq!(restored.access_expires_at, session.access_expires_at);
    assert_eq!(fx.provider.counters().await.token, requests);
    // Removing the provider removes the secret from the keyring too.
    deck.remove_provider(&provider_id).await.unwrap();
    assert!(
        fx.vault()
            .client_secret(&provider_id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn check_explains_an_unregistered_redirect_and_an_unknown_client() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let good = deck.check_provider(fx.config(NATIVE)).await;
    assert!(good.ok, "{good:?}");

    let mut bad_redirect = fx.config(NATIVE);
    bad_redirect.redirect_uri = Some("io.github.other://callback".into());
    let report = deck.check_provider(bad_redirect).await;
    assert!(!report.ok);
    let item = report.items.iter().find(|i| !i.ok).unwrap();
    assert!(
        item.detail
            .contains("add io.github.other://callback to the app client's allowed callback URLs"),
        "{item:?}"
    );

    let report = deck.check_provider(fx.config("no-such-client")).await;
    assert!(!report.ok, "{report:?}");

    let mut wrong_jwks = fx.config(NATIVE);
    wrong_jwks.overrides.jwks_uri = Some(fx.provider.url("/nope.json"));
    let report = deck.check_provider(wrong_jwks).await;
    let keys = report
        .items
        .iter()
        .find(|i| i.name == "signing keys")
        .unwrap();
    assert!(!keys.ok && keys.detail.contains("HTTP 404"), "{keys:?}");
}

#[tokio::test]
async fn pasted_tokens_are_decoded_and_verified_against_a_chosen_provider() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    let detail = deck.account_detail(&account_id).await.unwrap();
    let id_token = detail.raw_id_token.unwrap();
    let view = deck
        .inspect(InspectRequest {
            token: id_token.clone(),
            provider_id: Some(provider_id.clone()),
            token_use: None,
        })
        .await
        .unwrap();
    assert!(
        matches!(view.verification, Verification::Verified { .. }),
        "{:?}",
        view.verification
    );
    assert_eq!(view.groups, ["admins", "qa"]);
    let decoded_only = deck
        .inspect(InspectRequest {
            token: id_token.clone(),
            provider_id: None,
            token_use: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        decoded_only.verification,
        Verification::NotChecked { .. }
    ));
    // A token for another client fails with the reason.
    let other = add_provider(&deck, fx.config(ROTATING), None).await;
    let view = deck
        .inspect(InspectRequest {
            token: id_token,
            provider_id: Some(other),
            token_use: None,
        })
        .await
        .unwrap();
    match view.verification {
        Verification::Failed { reason, .. } => assert!(reason.contains("audience"), "{reason}"),
        v => panic!("{v:?}"),
    }
}

/// Three outcomes, not two: with the provider's keys unreachable, a restored session is "could
/// not verify" (amber), not "invalid".
#[tokio::test]
async fn a_session_whose_keys_cannot_be_fetched_is_unverifiable_not_invalid() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    drop(deck);
    fx.provider.fault("jwks", "down", 5).await;
    let restarted = fx.open();
    let detail = restarted.account_detail(&account_id).await.unwrap();
    let id = detail.id_token.unwrap().verification;
    assert!(
        matches!(&id, Verification::Unverifiable { reason } if reason.contains("signing keys")),
        "{id:?}"
    );
    let summary = detail.account.session.unwrap().verification;
    assert!(
        matches!(summary, Verification::Unverifiable { .. }),
        "{summary:?}"
    );
}

/// A domain that does not resolve is said as such, not as "endpoints ✓" and a raw error chain.
#[tokio::test]
async fn check_says_when_a_host_does_not_resolve() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let mut config = fx.config(NATIVE);
    // `.invalid` never resolves (RFC 6761).
    config.source = tokendeck_core::provider::ProviderSource::Cognito {
        domain: tokendeck_core::provider::CognitoDomain::Custom {
            url: "https://auth.tokendeck.invalid".into(),
        },
        region: "us-east-1".into(),
        user_pool_id: "us-east-1_LocalPool".into(),
    };
    config.overrides = Default::default();
    let report = deck.check_provider(config).await;
    assert!(!report.ok);
    let endpoints = report.items.iter().find(|i| i.name == "endpoints").unwrap();
    assert!(endpoints.detail.contains("derived"), "{}", endpoints.detail);
    let probe = report
        .items
        .iter()
        .find(|i| i.name == "app client and redirect URI")
        .unwrap();
    assert!(!probe.ok);
    assert!(
        probe.detail.contains("could not resolve the host name")
            && probe.detail.contains("auth.tokendeck.invalid"),
        "{}",
        probe.detail
    );
}

/// Check tests the client secret with a client-credentials request, says when it is wrong, skips
/// redirect advice for a machine client, and never sends a stored secret to a changed endpoint.
#[tokio::test]
async fn check_tests_the_client_secret_where_it_belongs() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let item = |report: &tokendeck_core::deck::CheckReport, name: &str| {
        report.items.iter().find(|i| i.name == name).cloned()
    };
    let draft = |config, secret: &str| tokendeck_core::deck::ProviderDraft {
        config,
        client_secret: Some(secret.into()),
    };

    let mut m2m = fx.config(M2M);
    m2m.scopes = vec!["demo-api/read".into()];
    let report = deck
        .check_provider_draft(draft(m2m.clone(), M2M_SECRET))
        .await;
    assert!(report.ok, "{report:?}");
    assert!(
        item(&report, "client secret")
            .unwrap()
            .detail
            .contains("accepted the client id and secret")
    );
    assert!(
        item(&report, "app client and redirect URI")
            .unwrap()
            .detail
            .contains("machine client")
    );

    let report = deck
        .check_provider_draft(draft(m2m, "not-the-secret"))
        .await;
    assert!(!report.ok);
    let secret = item(&report, "client secret").unwrap();
    assert!(
        !secret.ok && secret.detail.contains("refused the client id and secret"),
        "{secret:?}"
    );

    // A code-flow client with a secret: the secret is accepted, the sign-in page is checked.
    let report = deck
        .check_provider_draft(draft(fx.config(CONFIDENTIAL), CONFIDENTIAL_SECRET))
        .await;
    assert!(report.ok, "{report:?}");
    assert!(item(&report, "client secret").unwrap().ok);
    assert!(
        item(&report, "app client and redirect URI")
            .unwrap()
            .detail
            .contains("sign-in page opens")
    );

    // The stored secret is used for the settings it was stored with, never for a changed
    // token endpoint.
    let id = add_provider(&deck, fx.config(CONFIDENTIAL), Some(CONFIDENTIAL_SECRET)).await;
    let saved = deck.snapshot().await.providers[0].config.clone();
    let report = deck.check_provider(saved.clone()).await;
    assert!(item(&report, "client secret").unwrap().ok, "{report:?}");
    let elsewhere = LocalProvider::start().await;
    let mut moved = saved;
    moved.overrides.token = Some(elsewhere.url("/oauth2/token"));
    let report = deck.check_provider(moved).await;
    assert!(item(&report, "client secret").is_none(), "{report:?}");
    assert_eq!(elsewhere.counters().await.token, 0);
    assert!(!id.as_str().is_empty());
}

/// A warm token (still valid, in the keyring cache) needs no network: a fresh process never
/// even sets up TLS (the OS's CA certificates are read at the first request).
#[tokio::test]
async fn a_warm_token_sets_up_no_http_client() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider_id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    deck.flush_session_cache().await;
    let fresh = fx.open();
    let token = fresh
        .token(&account_id, tokendeck_core::deck::TokenChoice::Access, 60)
        .await
        .unwrap();
    assert!(token.token.starts_with("eyJ"));
    assert!(
        !fresh.oidc().http().is_built(),
        "no HTTP client for a warm token"
    );
    fresh.refresh(&account_id).await.unwrap();
    assert!(fresh.oidc().http().is_built());
}
