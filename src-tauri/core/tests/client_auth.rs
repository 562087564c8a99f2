//! Client authentication against the local provider with a client registered for each
//! method: `private_key_jwt` (RFC 7523) with each key type Tokendeck signs with, and
//! `client_secret_post`; Basic is covered by the confidential and machine clients elsewhere.
//! The private keys come from the provider (`/__test/client-keys`), as a developer copies the
//! key they registered; Tokendeck keeps them in the (real) keyring.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use support::*;
use tokendeck_core::inspect::decode_unverified;
use tokendeck_core::provider::{ClientAuthMethod, ProviderConfig};
use tokendeck_core::secret::ClientSecret;
use tokendeck_core::token::ClientAuth;
use tokendeck_core::token::client_auth::{ClientKey, client_assertion};
use tokendeck_core::{Error, ErrorCode};

const PRIVATE_KEY_JWT: &str = "tokendeck-private-key-jwt";
const SECRET_POST: &str = "tokendeck-secret-post";
const POST_SECRET: &str = "post-secret-0123456789abcdef";

fn oidc_provider(fx: &Fixture, client_id: &str, method: ClientAuthMethod) -> ProviderConfig {
    ProviderConfig {
        id: "".into(),
        client_auth: method,
        ..fx.provider.oidc_config(client_id)
    }
}

#[tokio::test]
async fn private_key_jwt_signs_in_refreshes_gets_machine_tokens_and_revokes() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let key = fx.provider.client_key("rsa").await;
    let config = ProviderConfig {
        client_key_id: Some(key.kid.clone()),
        ..oidc_provider(&fx, PRIVATE_KEY_JWT, ClientAuthMethod::PrivateKeyJwt)
    };
    let provider_id = add_provider(&deck, config, Some(&key.pem)).await;
    // The key is in the keyring, never in the settings file.
    let settings = std::fs::read_to_string(fx.dir.join("config.json")).unwrap();
    assert!(!settings.contains("PRIVATE KEY"), "{settings}");
    assert_eq!(
        fx.vault()
            .client_secret(&provider_id)
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        key.pem
    );

    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    deck.refresh(&account_id).await.unwrap();
    let machine = deck.machine_token(&provider_id).await.unwrap();
    assert!(machine.session.is_some());
    let before = fx.provider.counters().await.revoke;
    let out = deck.sign_out(&account_id, false, false).await.unwrap();
    assert!(out.revoked, "{out:?}");
    assert_eq!(fx.provider.counters().await.revoke, before + 1);
}

#[tokio::test]
async fn each_key_type_signs_an_assertion_the_provider_accepts() {
    let provider = LocalProvider::start().await;
    let oidc = client();
    let (config, endpoints) = provider.discovered(PRIVATE_KEY_JWT).await;
    for (kind, alg) in [
        ("rsa", "RS256"),
        ("p256", "ES256"),
        ("p384", "ES384"),
        ("ed25519", "EdDSA"),
    ] {
        let key = provider.client_key(kind).await;
        let signing = ClientKey::parse(&key.pem).unwrap();
        let audience = endpoints.token.as_str();
        let sign = || client_assertion(PRIVATE_KEY_JWT, &signing, Some(&key.kid), audience, 1000);
        let (first, second) = (sign().unwrap(), sign().unwrap());
        let (header, claims) = decode_unverified(&first).unwrap();
        assert_eq!(
            (header["alg"].as_str(), header["kid"].as_str()),
            (Some(alg), Some(key.kid.as_str()))
        );
        assert_eq!(claims["iss"], PRIVATE_KEY_JWT);
        assert_eq!(claims["sub"], PRIVATE_KEY_JWT);
        assert_eq!(claims["aud"], audience);
        assert_eq!(
            (claims["iat"].as_u64(), claims["exp"].as_u64()),
            (Some(1000), Some(1060))
        );
        let (_, again) = decode_unverified(&second).unwrap();
        assert_ne!(claims["jti"], again["jti"], "a fresh jti each time");

        // Automatic: a stored private key means private_key_jwt.
        let config = ProviderConfig {
            client_key_id: Some(key.kid.clone()),
            ..(*config).clone()
        };
        let auth = ClientAuth::for_provider(&config, &endpoints, Some(ClientSecret::new(&key.pem)))
            .unwrap();
        let result = oidc.client_credentials(&endpoints, &auth, &[]).await;
        assert!(result.is_ok(), "{kind}: {:?}", result.err());
    }
    // A key the provider does not hold for this client (the P-256 key under the RSA kid).
    let p256 = provider.client_key("p256").await;
    let rsa = provider.client_key("rsa").await;
    let wrong = ProviderConfig {
        client_key_id: Some(rsa.kid),
        ..(*config).clone()
    };
    let auth =
        ClientAuth::for_provider(&wrong, &endpoints, Some(ClientSecret::new(&p256.pem))).unwrap();
    let err = oidc
        .client_credentials(&endpoints, &auth, &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    let key_body = p256.pem.lines().nth(1).unwrap();
    assert!(!err.to_string().contains(key_body), "{err}");
}

#[tokio::test]
async fn client_secret_post_is_used_when_chosen_or_when_the_provider_lists_only_it() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let chosen = oidc_provider(&fx, SECRET_POST, ClientAuthMethod::ClientSecretPost);
    let provider_id = add_provider(&deck, chosen, Some(POST_SECRET)).await;
    let account_id = sign_in_account(&deck, &provider_id, ALICE).await;
    deck.refresh(&account_id).await.unwrap();

    // A provider that accepts secrets only in the body (its discovery lists
    // client_secret_post, not Basic): automatic sends it there, and Basic is refused.
    let post_only = LocalProvider::start_with(&[
        "--client-auth-methods",
        "client_secret_post,private_key_jwt,none",
    ])
    .await;
    let (config, endpoints) = post_only.discovered(SECRET_POST).await;
    assert_eq!(config.client_auth, ClientAuthMethod::Auto);
    let basic = ProviderConfig {
        client_auth: ClientAuthMethod::ClientSecretBasic,
        ..(*config).clone()
    };
    let auth =
        ClientAuth::for_provider(&basic, &endpoints, Some(ClientSecret::new(POST_SECRET))).unwrap();
    let err = client()
        .client_credentials(&endpoints, &auth, &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    let auth = ClientAuth::for_provider(&config, &endpoints, Some(ClientSecret::new(POST_SECRET)))
        .unwrap();
    client()
        .client_credentials(&endpoints, &auth, &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_credential_that_cannot_work_with_the_method_is_refused_before_it_is_stored() {
    let fx = Fixture::new().await;
    let deck = fx.open();
    let key = fx.provider.client_key("rsa").await;
    let save = |config: ProviderConfig, secret: &str| {
        let deck = &deck;
        let secret = secret.to_owned();
        async move {
            deck.save_provider(tokendeck_core::deck::ProviderDraft {
                config,
                client_secret: Some(secret),
            })
            .await
        }
    };
    let not_a_key = save(
        oidc_provider(&fx, PRIVATE_KEY_JWT, ClientAuthMethod::PrivateKeyJwt),
        "just-a-secret",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            not_a_key,
            Error::InvalidConfig {
                field: "client private key",
                ..
            }
        ),
        "{not_a_key}"
    );
    let key_as_secret = save(
        oidc_provider(&fx, SECRET_POST, ClientAuthMethod::ClientSecretPost),
        &key.pem,
    )
    .await
    .unwrap_err();
    assert!(
        key_as_secret.to_string().contains("private_key_jwt"),
        "{key_as_secret}"
    );
    let cognito = ProviderConfig {
        client_auth: ClientAuthMethod::PrivateKeyJwt,
        ..fx.config(CONFIDENTIAL)
    };
    let err = save(cognito, &key.pem).await.unwrap_err();
    assert!(err.to_string().contains("Cognito"), "{err}");
    assert!(deck.snapshot().await.providers.is_empty());

    // A key already in the keyring is never sent as a secret: switching the method to a
    // secret one without entering a secret is refused, and so is a request built that way.
    let saved = save(
        oidc_provider(&fx, PRIVATE_KEY_JWT, ClientAuthMethod::Auto),
        &key.pem,
    )
    .await
    .unwrap();
    let as_secret = ProviderConfig {
        client_auth: ClientAuthMethod::ClientSecretPost,
        ..saved.config.clone()
    };
    let switched = deck
        .save_provider(tokendeck_core::deck::ProviderDraft {
            config: as_secret.clone(),
            client_secret: None,
        })
        .await
        .unwrap_err();
    assert!(
        switched.to_string().contains("private_key_jwt"),
        "{switched}"
    );
    let (_, endpoints) = fx.provider.discovered(PRIVATE_KEY_JWT).await;
    let refused =
        ClientAuth::for_provider(&as_secret, &endpoints, Some(ClientSecret::new(&key.pem)));
    assert!(refused.is_err());
    assert_eq!(
        deck.snapshot().await.providers[0].config.client_auth,
        ClientAuthMethod::Auto
    );
}
