//! Tokens and secrets go only to the provider they belong to, and no failure loses a working
//! session (issue: Trust). Two local providers stand for an honest and a malicious one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::ErrorCode;
use tokendeck_core::deck::{ProviderDraft, SignInEnd, SignInRequest};
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::secret::CallbackUrl;
use tokendeck_core::store::AccountStatus;
use url::Url;

fn named(provider: &LocalProvider, name: &str) -> ProviderConfig {
    ProviderConfig {
        id: "".into(),
        name: name.into(),
        ..provider.cognito_config(NATIVE)
    }
}

/// The callback without RFC 9207 `iss`: Cognito never sends it, so the redirect URI is all
/// that tells providers apart.
fn without_iss(callback: &CallbackUrl) -> CallbackUrl {
    let mut url = Url::parse(callback.expose_secret()).unwrap();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "iss")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept);
    CallbackUrl::new(url.to_string())
}

#[tokio::test]
async fn new_providers_get_their_own_redirect_uri_and_legacy_ones_are_flagged() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let a = add_provider(&deck, named(&fx.provider, "Provider A"), None).await;
    let b = add_provider(&deck, named(&fx.provider, "Provider A"), None).await;
    let mut legacy = named(&fx.provider, "Old pool");
    legacy.redirect_uri = None;
    legacy.id = "legacy-pool".into();
    // Saved before per-provider redirects existed: written straight to the file.
    let view = deck.snapshot().await;
    assert_eq!(view.providers.len(), 2);
    let by_id = |id: &str| {
        view.providers
            .iter()
            .find(|p| p.config.id == id)
            .unwrap()
            .clone()
    };
    let (va, vb) = (by_id(a.as_str()), by_id(b.as_str()));
    assert_eq!(va.redirect.uri, "io.github.tokendeck://callback/provider-a");
    assert_eq!(
        va.redirect.loopback_uri,
        "http://127.0.0.1/callback/provider-a"
    );
    assert_eq!(
        vb.redirect.uri,
        "io.github.tokendeck://callback/provider-a-2"
    );
    assert!(va.redirect.mix_up_protected && vb.redirect.mix_up_protected);

    let path = fx.dir.join("config.json");
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    file["providers"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::to_value(&legacy).unwrap());
    std::fs::write(&path, file.to_string()).unwrap();
    let view = deck.snapshot().await;
    let old = view
        .providers
        .iter()
        .find(|p| p.config.id == "legacy-pool")
        .unwrap();
    assert_eq!(old.redirect.uri, "io.github.tokendeck://callback");
    assert!(!old.redirect.mix_up_protected);
    let advice = old.redirect.advice.clone().unwrap();
    assert!(
        advice.contains("io.github.tokendeck://callback/old-pool")
            && advice.contains("http://127.0.0.1/callback/old-pool"),
        "{advice}"
    );
}

/// RFC 9700 §4.4: the user starts a sign-in at A; A sends the browser to B with A's `state`.
/// B's code comes back on B's own redirect URI, which is not where A's sign-in waits: refused
/// before any token request, so neither provider's token endpoint hears of it.
#[tokio::test]
async fn a_code_from_another_provider_is_refused_before_any_token_request() {
    let fx = Fixture::new().await;
    let other = LocalProvider::start().await;
    let deck = fx.open();
    let a = add_provider(&deck, named(&fx.provider, "Provider A"), None).await;
    add_provider(&deck, named(&other, "Provider B"), None).await;

    let started = deck
        .begin_sign_in(&a, SignInRequest::default())
        .await
        .unwrap();
    let params: Vec<(String, String)> = started
        .authorization_url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    // The malicious A forwards the request to B, keeping its state, nonce and PKCE challenge
    // but naming B's registered redirect URI (B would refuse any other).
    let mut at_b = Url::parse(&other.url("/oauth2/authorize")).unwrap();
    at_b.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| {
            let v = match k.as_str() {
                "redirect_uri" => "io.github.tokendeck://callback/provider-b",
                _ => v.as_str(),
            };
            (k.as_str(), v)
        }));
    let callback = without_iss(&login_over_http(&at_b, ALICE).await);
    assert!(
        callback
            .expose_secret()
            .starts_with("io.github.tokendeck://callback/provider-b?")
    );

    let before_a = fx.provider.counters().await.token;
    let before_b = other.counters().await.token;
    let err = deck.complete_sign_in(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCallback, "{err}");
    assert!(err.to_string().contains("callback/provider-a"), "{err}");
    assert_eq!(
        fx.provider.counters().await.token,
        before_a,
        "A's token endpoint got nothing"
    );
    assert_eq!(
        other.counters().await.token,
        before_b,
        "B's token endpoint got nothing"
    );

    // The refused response did not cancel A's real sign-in.
    let real = login_over_http(&started.authorization_url, ALICE).await;
    deck.complete_sign_in(&real).await.unwrap();
}

/// A provider whose discovery promises RFC 9207 `iss` must send it.
#[tokio::test]
async fn a_callback_without_iss_is_refused_when_the_provider_promises_it() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let discovery: serde_json::Value =
        reqwest::get(fx.provider.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        discovery["authorization_response_iss_parameter_supported"],
        true
    );
    let config = ProviderConfig {
        id: "".into(),
        name: "Local pool".into(),
        source: tokendeck_core::provider::ProviderSource::Oidc {
            issuer: fx.provider.issuer.clone(),
        },
        overrides: Default::default(),
        ..fx.provider.cognito_config(NATIVE)
    };
    let id = add_provider(&deck, config, None).await;
    let started = deck
        .begin_sign_in(&id, SignInRequest::default())
        .await
        .unwrap();
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    assert!(callback.expose_secret().contains("iss="));
    let before = fx.provider.counters().await.token;
    let err = deck
        .complete_sign_in(&without_iss(&callback))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCallback, "{err}");
    assert!(err.to_string().contains("iss"), "{err}");
    assert_eq!(fx.provider.counters().await.token, before);
    deck.complete_sign_in(&callback).await.unwrap();
}

#[tokio::test]
async fn re_pointing_a_provider_ends_its_sessions_and_drops_the_secret() {
    let fx = Fixture::new().await;
    let elsewhere = LocalProvider::start().await;
    let deck = fx.open();
    let mut config = fx.config(CONFIDENTIAL);
    config.name = "Local pool".into();
    let id = add_provider(&deck, config, Some(CONFIDENTIAL_SECRET)).await;
    let account = sign_in_account(&deck, &id, ALICE).await;

    // A harmless edit (name, scopes) keeps everything.
    let mut saved = deck.snapshot().await.providers[0].config.clone();
    saved.name = "Renamed pool".into();
    saved.scopes.push("phone".into());
    let view = deck
        .save_provider(ProviderDraft {
            config: saved.clone(),
            client_secret: None,
        })
        .await
        .unwrap();
    assert!(view.has_client_secret);
    assert!(fx.stored_refresh_token(&account).await.is_some());
    deck.refresh(&account).await.unwrap();

    // Pointing the token endpoint elsewhere must not take the refresh token or secret there.
    saved.overrides.token = Some(elsewhere.url("/oauth2/token"));
    let view = deck
        .save_provider(ProviderDraft {
            config: saved,
            client_secret: None,
        })
        .await
        .unwrap();
    assert!(
        !view.has_client_secret,
        "the secret is not kept for the new endpoint"
    );
    assert!(fx.vault().client_secret(&id).await.unwrap().is_none());
    assert!(fx.stored_refresh_token(&account).await.is_none());
    assert!(fx.vault().session(&account).await.unwrap().is_none());
    let record = deck.snapshot().await.accounts[0].clone();
    assert!(
        matches!(record.record.status, AccountStatus::SignInAgain { .. }),
        "{:?}",
        record.record.status
    );
    assert!(record.session.is_none());
    let err = deck.refresh(&account).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");
    assert!(deck.machine_token(&id).await.is_err());
    assert_eq!(
        elsewhere.counters().await.token,
        0,
        "nothing reached the new endpoint"
    );
}

/// A refresh that rotates the refresh token, then cannot verify (keys unreachable): the new
/// refresh token is already stored, so the next refresh works.
#[tokio::test]
async fn a_rotated_refresh_token_survives_a_jwks_outage() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(ROTATING), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    let first = fx.stored_refresh_token(&account).await.unwrap();
    drop(deck);

    // A restarted app has no keys cached; the JWKS endpoint is down for its first fetch.
    let restarted = fx.open();
    fx.provider.fault("jwks", "down", 1).await;
    let err = restarted.refresh(&account).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    let second = fx.stored_refresh_token(&account).await.unwrap();
    assert_ne!(
        first, second,
        "the rotated token was stored before verification"
    );
    assert!(matches!(
        restarted.snapshot().await.accounts[0].record.status,
        AccountStatus::Active
    ));

    // The keys are fetched again once the failure's backoff (1 s) has passed.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    restarted.refresh(&account).await.unwrap();
    let restarted_again = fx.open();
    restarted_again.refresh(&account).await.unwrap();
}

/// OIDC Core §12.2: a refreshed ID token about someone else ends the session.
#[tokio::test]
async fn a_refreshed_id_token_about_another_user_ends_the_session() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    // The account is recorded as bob (as if the provider had reassigned the grant).
    let path = fx.dir.join("config.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let alice_sub = "6f1c9a2e-8d44-4b4e-9c1a-0a11ce000001";
    assert!(text.contains(alice_sub));
    std::fs::write(&path, text.replace(alice_sub, "someone-else")).unwrap();
    deck.snapshot().await;

    let err = deck.refresh(&account).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenRejected, "{err}");
    assert!(fx.stored_refresh_token(&account).await.is_none());
    let view = deck.snapshot().await;
    assert!(matches!(
        view.accounts[0].record.status,
        AccountStatus::SignInAgain { .. }
    ));
    assert!(view.accounts[0].session.is_none());
}

/// A provider that cannot be reached is not a reason to skip revocation quietly: the user is
/// told, and only an explicit "remove without revoking" forgets the account.
#[tokio::test]
async fn sign_out_does_not_skip_revocation_silently() {
    let fx = Fixture::new().await;
    let gone = LocalProvider::start().await;
    let deck = fx.open();
    let config = ProviderConfig {
        source: tokendeck_core::provider::ProviderSource::Oidc {
            issuer: gone.issuer.clone(),
        },
        overrides: Default::default(),
        ..named(&gone, "Local pool")
    };
    let id = add_provider(&deck, config, None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    drop(deck);
    drop(gone);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let restarted = fx.open();
    let err = restarted
        .sign_out(&account, false, false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert_eq!(restarted.snapshot().await.accounts.len(), 1, "kept");
    assert!(fx.stored_refresh_token(&account).await.is_some());

    let out = restarted.sign_out(&account, false, true).await.unwrap();
    assert!(!out.revoked, "the view says it was not revoked");
    assert!(restarted.snapshot().await.accounts.is_empty());
    assert!(fx.stored_refresh_token(&account).await.is_none());
}

#[tokio::test]
async fn removing_a_provider_deletes_every_keyring_entry_of_its_accounts() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(CONFIDENTIAL), Some(CONFIDENTIAL_SECRET)).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    assert!(fx.vault().session(&account).await.unwrap().is_some());
    deck.remove_provider(&id).await.unwrap();
    let vault = fx.vault();
    assert!(vault.refresh_token(&account).await.unwrap().is_none());
    assert!(vault.session(&account).await.unwrap().is_none());
    assert!(vault.client_secret(&id).await.unwrap().is_none());
}

/// An access token's verdict does not depend on when it is asked: right after the sign-in,
/// after a restart (tokens from the keyring cache) and when pasted into the inspector, one rule
/// decides, for a provider whose JWT access tokens are meant for an API (not Cognito's rules).
#[tokio::test]
async fn an_access_tokens_verdict_is_the_same_after_a_restart() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let config = ProviderConfig {
        source: tokendeck_core::provider::ProviderSource::Oidc {
            issuer: fx.provider.issuer.clone(),
        },
        overrides: Default::default(),
        ..named(&fx.provider, "Local pool")
    };
    let id = add_provider(&deck, config, None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    let verdict = |d: &tokendeck_core::deck::AccountDetail| {
        serde_json::to_value(&d.access_token.as_ref().unwrap().verification).unwrap()
    };
    let before = deck.account_detail(&account).await.unwrap();
    drop(deck);
    let after = fx.open().account_detail(&account).await.unwrap();
    assert_eq!(verdict(&before), verdict(&after));

    // A JWT access token from another issuer, signed with this provider's key (as an
    // Entra ID v1 token names sts.windows.net): refused the same way on restore as on paste.
    let foreign = fx
        .provider
        .sign(
            &serde_json::json!({
                "iss": "https://sts.example.net/", "sub": "x", "client_id": NATIVE,
                "exp": tokendeck_core::token::unix_now() + 600,
                "iat": tokendeck_core::token::unix_now(), "scope": "openid"
            }),
            Some(&fx.provider.current_kid().await),
        )
        .await;
    let mut cached = fx.vault().session(&account).await.unwrap().unwrap();
    cached.access_token = foreign.clone();
    fx.vault().set_session(&account, &cached).await.unwrap();
    let restarted = fx.open();
    let restored = restarted.account_detail(&account).await.unwrap();
    let pasted = restarted
        .inspect(tokendeck_core::deck::InspectRequest {
            token: foreign,
            provider_id: Some(id),
            token_use: Some(tokendeck_core::verify::TokenUse::Access),
        })
        .await
        .unwrap();
    assert_eq!(
        verdict(&restored),
        serde_json::to_value(&pasted.verification).unwrap()
    );
    assert_eq!(
        verdict(&restored)["status"],
        "failed",
        "{}",
        verdict(&restored)
    );
}

/// Cancelling a loopback sign-in in the app closes its port at once, not after ten minutes.
#[tokio::test]
async fn cancelling_a_loopback_sign_in_closes_its_port_at_once() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let started = deck
        .begin_sign_in(
            &id,
            SignInRequest {
                loopback: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let redirect = started
        .authorization_url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| Url::parse(&v).unwrap())
        .unwrap();
    assert_eq!(redirect.path(), "/callback/local-pool");
    let port = redirect.port().unwrap();
    let state = started.view.state.clone();
    let waiting = {
        let deck = deck.clone();
        tokio::spawn(async move { deck.await_sign_in(started.wait).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(deck.cancel_sign_in(&state));
    // The user cancelled: the wait ends at once, with nothing to report as a failure.
    let end = tokio::time::timeout(std::time::Duration::from_secs(2), waiting)
        .await
        .expect("the wait ends at once")
        .unwrap()
        .unwrap();
    assert!(matches!(end, SignInEnd::Elsewhere), "{end:?}");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
}

/// A settings file that cannot be read (moved aside) makes no account look orphaned: the sweep
/// deletes nothing, and the sessions are there once the file is restored.
#[tokio::test]
async fn an_unreadable_settings_file_never_sweeps_the_keyring() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let id = add_provider(&deck, fx.config(NATIVE), None).await;
    let account = sign_in_account(&deck, &id, ALICE).await;
    drop(deck);
    fx.age_lock_file(&account);
    let path = fx.dir.join("config.json");
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, b"{ not json").unwrap();

    let restarted = fx.open();
    assert_eq!(restarted.sweep_orphans().await.unwrap(), 0);
    restarted.restore_sessions().await;
    assert!(fx.stored_refresh_token(&account).await.is_some());
    assert!(fx.vault().session(&account).await.unwrap().is_some());
    drop(restarted);
    std::fs::write(&path, good).unwrap();
    assert!(
        fx.open()
            .account_detail(&account)
            .await
            .unwrap()
            .account
            .session
            .is_some()
    );
}

/// Keys fetched over one provider's network settings (its proxy, the CAs it trusts) are not
/// used for a provider reached another way, even at the same JWKS URL.
#[tokio::test]
async fn signing_keys_are_cached_per_network_settings() {
    use tokendeck_core::http::HttpClient;
    use tokendeck_core::jwks::JwksCache;
    use tokendeck_core::provider::{DIRECT, NetworkSettings};

    let provider = LocalProvider::start().await;
    let jwks = JwksCache::new(HttpClient::new().unwrap());
    let url = Url::parse(&provider.url("/.well-known/jwks.json")).unwrap();
    let direct = NetworkSettings {
        proxy: Some(DIRECT.into()),
        extra_ca: None,
    };
    assert_eq!(
        jwks.fetch_now(&url, &NetworkSettings::default())
            .await
            .unwrap(),
        1
    );
    let kid = provider.current_kid().await;
    let alg = tokendeck_core::verify::JwsAlgorithm::RS256;
    let env = NetworkSettings::default();
    let same = jwks.key_for(&url, &env, Some(&kid), alg).await;
    assert!(same.unwrap().is_ok());
    assert_eq!(jwks.fetch_count(), 1, "served from the cache");
    let other = jwks.key_for(&url, &direct, Some(&kid), alg).await;
    assert!(other.unwrap().is_ok());
    assert_eq!(
        jwks.fetch_count(),
        2,
        "fetched again over the other settings"
    );
}
