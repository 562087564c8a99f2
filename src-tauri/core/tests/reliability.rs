//! Misbehaving peers: the local provider is told to answer its next token or JWKS requests
//! the way proxies, load balancers and outages do (HTML pages, redirects, stalls, 503s).
//! Run under scripts/with-keyring.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::*;
use tokendeck_core::authorize::PendingSignIns;
use tokendeck_core::deck::{Deck, ProviderDraft, SignInRequest};
use tokendeck_core::http::HttpClient;
use tokendeck_core::jwks::JwksCache;
use tokendeck_core::store::{AccountStatus, ConfigStore, Vault};
use tokendeck_core::token::unix_now;
use tokendeck_core::verify::TokenUse;
use tokendeck_core::{ErrorCode, OidcClient};

async fn signed_in(fx: &Fixture, deck: &Deck, client: &str) -> tokendeck_core::ids::AccountId {
    let provider = add_provider(deck, fx.config(client), None).await;
    sign_in_account(deck, &provider, ALICE).await
}

#[tokio::test]
async fn non_json_answers_are_transient_and_keep_the_refresh_token() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let account = signed_in(&fx, &deck, NATIVE).await;
    let refresh_token = fx.stored_refresh_token(&account).await.unwrap();
    for mode in ["html502", "html403", "html200", "text200"] {
        fx.provider.fault("token", mode, 1).await;
        let err = deck.refresh(&account).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{mode}: {err}");
        assert!(err.is_transient());
        assert_eq!(
            fx.stored_refresh_token(&account).await.as_ref(),
            Some(&refresh_token),
            "{mode}"
        );
        assert_eq!(
            deck.snapshot().await.accounts[0].record.status,
            AccountStatus::Active,
            "{mode}"
        );
    }
    let err = {
        fx.provider.fault("token", "html502", 1).await;
        deck.refresh(&account).await.unwrap_err()
    };
    assert!(err.to_string().contains("HTML page"), "{err}");
    // The failure stays on the account (when, and why) until a refresh succeeds.
    let failed = deck.snapshot().await.accounts[0]
        .refresh_failure
        .clone()
        .unwrap();
    assert_eq!(failed.error.code, ErrorCode::Network);
    assert!(failed.error.message.contains("HTML page"));
    assert!(failed.at > 0);
    // And the next refresh works with the kept token.
    let view = deck.refresh(&account).await.unwrap();
    assert!(view.refresh_failure.is_none());
    assert!(deck.snapshot().await.accounts[0].refresh_failure.is_none());
}

#[tokio::test]
async fn a_redirect_from_the_token_endpoint_is_an_error_not_followed() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let account = signed_in(&fx, &deck, NATIVE).await;
    fx.provider.fault("token", "redirect302", 1).await;
    let err = deck.refresh(&account).await.unwrap_err();
    assert!(err.to_string().contains("redirect (HTTP 302)"), "{err}");
    assert!(fx.stored_refresh_token(&account).await.is_some());
}

#[tokio::test]
async fn invalid_client_pauses_refresh_and_keeps_the_token() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let account = signed_in(&fx, &deck, NATIVE).await;
    fx.provider.fault("token", "invalid_client", 1).await;
    let err = deck.refresh(&account).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient);
    let record = deck.snapshot().await.accounts.remove(0).record;
    assert!(
        matches!(record.status, AccountStatus::RefreshPaused { .. }),
        "{record:?}"
    );
    assert!(fx.stored_refresh_token(&account).await.is_some());
    // Refreshing again (settings fixed, or a transient provider fault) resumes the account.
    deck.refresh(&account).await.unwrap();
    assert_eq!(
        deck.snapshot().await.accounts[0].record.status,
        AccountStatus::Active
    );
}

#[tokio::test]
async fn a_timeout_mid_exchange_leaves_nothing_half_saved() {
    let fx = Fixture::new().await;
    let http = HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_secs(2)).unwrap();
    let oidc = OidcClient::with_parts(
        http.clone(),
        Arc::new(JwksCache::new(http)),
        PendingSignIns::default(),
    );
    let deck = Deck::open(
        oidc,
        ConfigStore::new(&fx.dir),
        Vault::new(fx.service.clone()),
    )
    .unwrap();
    let id = deck
        .save_provider(ProviderDraft {
            config: fx.config(NATIVE),
            client_secret: None,
        })
        .await
        .unwrap()
        .config
        .id;
    let started = deck
        .begin_sign_in(&id, SignInRequest::default())
        .await
        .unwrap();
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    fx.provider.fault("token", "stall", 1).await;
    let err = deck.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(
        deck.snapshot().await.accounts.is_empty(),
        "no account from a failed exchange"
    );
    let file = std::fs::read_to_string(fx.dir.join("config.json")).unwrap();
    assert!(!file.contains("\"accounts\": [\n    {"), "{file}");
    // The code exchange is never retried: the same redirect is now refused locally.
    let again = deck.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::BadCallback);
}

#[tokio::test]
async fn jwks_down_uses_cached_keys_otherwise_fails_clearly() {
    let provider = LocalProvider::start().await;
    let http = HttpClient::new().unwrap();
    // max_age zero: every verification tries to refetch the keys.
    let jwks = Arc::new(JwksCache::new(http.clone()).with_max_age(Duration::ZERO));
    let oidc = OidcClient::with_parts(http.clone(), jwks, PendingSignIns::default());
    let (config, endpoints) = provider.endpoints(NATIVE);
    let started = oidc.start_sign_in(
        config,
        endpoints.clone(),
        url::Url::parse("io.github.tokendeck://callback").unwrap(),
        None,
        &Default::default(),
    );
    let result = oidc
        .complete_sign_in(&login_over_http(&started.authorization_url, ALICE).await)
        .await
        .unwrap();
    let id = result.tokens.id_token.unwrap();

    provider.fault("jwks", "down", 5).await;
    oidc.verify(
        &endpoints,
        NATIVE,
        id.expose_secret(),
        TokenUse::Id,
        None,
        unix_now(),
    )
    .await
    .unwrap();

    // A fresh client with nothing cached cannot verify, and says why.
    let cold = OidcClient::new(HttpClient::new().unwrap());
    let err = cold
        .verify(
            &endpoints,
            NATIVE,
            id.expose_secret(),
            TokenUse::Id,
            None,
            unix_now(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(
        err.to_string()
            .contains("signing keys could not be fetched"),
        "{err}"
    );
}

/// One provider whose JWKS endpoint hangs must not hold up verification against another:
/// only that URL's fetch waits. A failed fetch is not retried until its backoff has passed.
#[tokio::test]
async fn a_stalled_jwks_delays_only_its_own_provider_and_failures_back_off() {
    let stalled = LocalProvider::start().await;
    let healthy = LocalProvider::start().await;
    let signer = OidcClient::new(HttpClient::new().unwrap());
    let id_token = |p: &LocalProvider| {
        let (config, endpoints) = p.endpoints(NATIVE);
        let started = signer.start_sign_in(
            config,
            endpoints,
            url::Url::parse("io.github.tokendeck://callback").unwrap(),
            None,
            &Default::default(),
        );
        let signer = signer.clone();
        async move {
            let callback = login_over_http(&started.authorization_url, ALICE).await;
            let result = signer.complete_sign_in(&callback).await.unwrap();
            result.tokens.id_token.unwrap()
        }
    };
    let slow_token = id_token(&stalled).await;
    let fast_token = id_token(&healthy).await;

    let http = HttpClient::new().unwrap();
    let jwks =
        Arc::new(JwksCache::new(http.clone()).with_failure_backoff(Duration::from_millis(300)));
    let cold = OidcClient::with_parts(http, jwks.clone(), PendingSignIns::default());
    stalled.fault("jwks", "stall", 1).await;
    let (_, slow_endpoints) = stalled.endpoints(NATIVE);
    let (_, fast_endpoints) = healthy.endpoints(NATIVE);
    let slow = {
        let cold = cold.clone();
        let token = slow_token.expose_secret().to_owned();
        tokio::spawn(async move {
            cold.verify(
                &slow_endpoints,
                NATIVE,
                &token,
                TokenUse::Id,
                None,
                unix_now(),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    cold.verify(
        &fast_endpoints,
        NATIVE,
        fast_token.expose_secret(),
        TokenUse::Id,
        None,
        unix_now(),
    )
    .await
    .unwrap();
    assert!(
        !slow.is_finished(),
        "the healthy provider's token verified while the stalled fetch was still running"
    );
    let err = slow.await.unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");

    // Right after the failure: no new fetch, the failure is reported at once.
    let (_, slow_endpoints) = stalled.endpoints(NATIVE);
    let fetches = jwks.fetch_count();
    let again = cold
        .verify(
            &slow_endpoints,
            NATIVE,
            slow_token.expose_secret(),
            TokenUse::Id,
            None,
            unix_now(),
        )
        .await
        .unwrap_err();
    assert!(
        again.to_string().contains("trying again shortly"),
        "{again}"
    );
    assert_eq!(jwks.fetch_count(), fetches, "backing off: no request");
    tokio::time::sleep(Duration::from_millis(400)).await;
    cold.verify(
        &slow_endpoints,
        NATIVE,
        slow_token.expose_secret(),
        TokenUse::Id,
        None,
        unix_now(),
    )
    .await
    .unwrap();
    assert_eq!(jwks.fetch_count(), fetches + 1);
}
