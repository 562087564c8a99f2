//! Password (SRP) sign-in through the Deck against moto, with a real Secret Service: the
//! account is labelled as an API sign-in, refreshes through REFRESH_TOKEN_AUTH, answers a
//! NEW_PASSWORD_REQUIRED challenge, and gets identity-pool AWS credentials.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/moto.rs"]
mod moto;

use std::sync::Arc;

use moto::Moto;
use secrecy::SecretString;
use tokendeck_core::OidcClient;
use tokendeck_core::deck::{Deck, PasswordFlow, PasswordSignIn, ProviderDraft, TokenChoice};
use tokendeck_core::http::HttpClient;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::{ConfigStore, SignInMethod, Vault};

fn deck() -> Arc<Deck> {
    let tag = tokendeck_core::pkce::random_url_safe();
    let dir = std::env::temp_dir().join(format!("tokendeck-api-{tag}"));
    let vault = Vault::new(format!("io.github.tokendeck.test-{tag}"));
    Arc::new(
        Deck::open(
            OidcClient::new(HttpClient::new().unwrap()),
            ConfigStore::new(dir),
            vault,
        )
        .unwrap(),
    )
}

fn config(moto: &Moto, pool: &moto::Pool, identity_pool: Option<String>) -> ProviderConfig {
    moto.provider_config(pool, "API pool", identity_pool)
}

fn pw(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

#[tokio::test]
async fn srp_account_refreshes_through_the_api_and_gets_aws_credentials() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "alice", "Alice-Passw0rd!", true).await;
    let identity_pool = moto.identity_pool(&pool).await;
    let deck = deck();
    let provider = deck
        .save_provider(ProviderDraft {
            config: config(&moto, &pool, Some(identity_pool)),
            client_secret: None,
        })
        .await
        .unwrap()
        .config
        .id;
    // No hosted UI: the browser flow explains itself.
    let err = deck
        .begin_sign_in(&provider, Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("username and password"), "{err}");

    let PasswordSignIn::SignedIn(account) = deck
        .sign_in_with_password(&provider, "alice", pw("Alice-Passw0rd!"), PasswordFlow::Srp)
        .await
        .unwrap()
    else {
        panic!("expected tokens")
    };
    assert_eq!(account.record.sign_in, SignInMethod::CognitoApi);
    assert_eq!(account.record.label, "alice");
    let id = account.record.id.clone();
    let before = deck.token(&id, TokenChoice::Access, 0).await.unwrap().token;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    deck.refresh(&id).await.unwrap();
    let after = deck.token(&id, TokenChoice::Access, 0).await.unwrap().token;
    assert_ne!(before, after);
    // A token that must live longer than the session forces a refresh.
    let expires = deck
        .token(&id, TokenChoice::Id, 3000)
        .await
        .unwrap()
        .expires_at;
    assert!(expires.unwrap() > tokendeck_core::token::unix_now() + 3000);

    let creds = deck.aws_credentials(&id).await.unwrap();
    assert!(creds.identity_id.starts_with("us-east-1:"));

    // userInfo for an API sign-in: Cognito's GetUser with the account's access token.
    let info = deck.userinfo(&id).await.unwrap();
    assert_eq!(info.source, "Cognito's GetUser API");
    assert_eq!(info.claims["username"], "alice");
    assert_eq!(
        info.claims.get("sub").and_then(|s| s.as_str()),
        account.record.subject.as_deref()
    );
}

#[tokio::test]
async fn new_password_challenge_through_the_deck() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "newbie", "Temp-Passw0rd!", false).await;
    let deck = deck();
    let provider = deck
        .save_provider(ProviderDraft {
            config: config(&moto, &pool, None),
            client_secret: None,
        })
        .await
        .unwrap()
        .config
        .id;
    let PasswordSignIn::Challenge(challenge) = deck
        .sign_in_with_password(
            &provider,
            "newbie",
            pw("Temp-Passw0rd!"),
            PasswordFlow::Password,
        )
        .await
        .unwrap()
    else {
        panic!("expected a challenge")
    };
    assert_eq!(challenge.name, "NEW_PASSWORD_REQUIRED");
    let PasswordSignIn::SignedIn(account) = deck
        .answer_challenge(&challenge.id, "Brand-New-Passw0rd!".into())
        .await
        .unwrap()
    else {
        panic!("expected tokens")
    };
    assert_eq!(account.record.username.as_deref(), Some("newbie"));
    // A challenge is answered once.
    assert!(
        deck.answer_challenge(&challenge.id, "x".into())
            .await
            .is_err()
    );
}
