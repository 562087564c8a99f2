//! Cognito's sign-in API and identity pools against `moto` (Cognito's wire format on
//! loopback). moto does not check SRP proofs: the SRP math is proven by the pycognito vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/moto.rs"]
mod moto;

use moto::{Moto, Pool};
use secrecy::SecretString;
use tokendeck_core::ErrorCode;
use tokendeck_core::cognito::identity;
use tokendeck_core::cognito::idp::{
    AuthStep, ChallengeAnswer, ChallengeName, CognitoIdp, PoolClient,
};
use tokendeck_core::http::HttpClient;
use tokendeck_core::jwks::JwksCache;
use tokendeck_core::secret::ClientSecret;
use tokendeck_core::token::{TokenSet, unix_now};
use tokendeck_core::verify::{DEFAULT_LEEWAY_SECS, Expectations, TokenUse, verify_token};
use url::Url;

fn client(moto: &Moto, pool: &Pool) -> PoolClient {
    PoolClient {
        region: "us-east-1".into(),
        user_pool_id: pool.id.clone(),
        client_id: pool.client_id.clone(),
        client_secret: pool.client_secret.clone().map(ClientSecret::new),
        endpoint: Url::parse(&moto.url).unwrap(),
    }
}

fn tokens(step: AuthStep) -> TokenSet {
    match step {
        AuthStep::Tokens(t) => t,
        AuthStep::Challenge(c) => panic!("unexpected challenge {}", c.name.as_str()),
    }
}

async fn verified(moto: &Moto, pool: &Pool, tokens: &TokenSet) {
    let http = HttpClient::new().unwrap();
    let jwks = JwksCache::new(http);
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{}", pool.id);
    let jwks_uri = Url::parse(&moto.jwks_uri(pool)).unwrap();
    for (token, token_use) in [
        (
            tokens.id_token.as_ref().unwrap().expose_secret(),
            TokenUse::Id,
        ),
        (tokens.access_token.expose_secret(), TokenUse::Access),
    ] {
        let expect = Expectations {
            issuer: &issuer,
            client_id: &pool.client_id,
            token_use,
            id_token_algorithms: &[tokendeck_core::verify::JwsAlgorithm::RS256],
            nonce: None,
            cognito: true,
            now: unix_now(),
            leeway: DEFAULT_LEEWAY_SECS,
        };
        verify_token(&jwks, &jwks_uri, &Default::default(), token, &expect)
            .await
            .unwrap();
    }
}

fn password(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

#[tokio::test]
async fn srp_sign_in_then_refresh_keeps_the_refresh_token() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "alice", "Alice-Passw0rd!", true).await;
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let idp = CognitoIdp::new(&http, &pc);
    let signed_in = tokens(
        idp.sign_in_srp("alice", &password("Alice-Passw0rd!"))
            .await
            .unwrap(),
    );
    verified(&moto, &pool, &signed_in).await;
    let rt = signed_in.refresh_token.clone().unwrap();
    let refreshed = idp.refresh(&rt, "alice").await.unwrap();
    assert_eq!(
        refreshed.refresh_token.as_ref(),
        Some(&rt),
        "Cognito does not rotate; the old one is kept"
    );
    verified(&moto, &pool, &refreshed).await;
}

#[tokio::test]
async fn srp_with_a_client_secret_sends_secret_hash() {
    let moto = Moto::start().await;
    let pool = moto.pool(true).await;
    moto.user(&pool, "carol", "Carol-Passw0rd!", true).await;
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let signed_in = tokens(
        CognitoIdp::new(&http, &pc)
            .sign_in_srp("carol", &password("Carol-Passw0rd!"))
            .await
            .unwrap(),
    );
    verified(&moto, &pool, &signed_in).await;
    // moto checks SECRET_HASH on refresh: a wrong secret is refused.
    let mut wrong = client(&moto, &pool);
    wrong.client_secret = Some(ClientSecret::new("not-the-secret"));
    let err = CognitoIdp::new(&http, &wrong)
        .refresh(signed_in.refresh_token.as_ref().unwrap(), "carol")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SignInAgain, "{err}");
}

#[tokio::test]
async fn password_sign_in_wrong_password_and_new_password_required() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "bob", "Bob-Passw0rd!", true).await;
    moto.user(&pool, "newbie", "Temp-Passw0rd!", false).await;
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let idp = CognitoIdp::new(&http, &pc);
    verified(
        &moto,
        &pool,
        &tokens(
            idp.sign_in_password("bob", &password("Bob-Passw0rd!"))
                .await
                .unwrap(),
        ),
    )
    .await;

    let err = idp
        .sign_in_password("bob", &password("wrong"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AccessDenied, "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "the password is never echoed"
    );

    let AuthStep::Challenge(challenge) = idp
        .sign_in_password("newbie", &password("Temp-Passw0rd!"))
        .await
        .unwrap()
    else {
        panic!("expected NEW_PASSWORD_REQUIRED");
    };
    assert_eq!(challenge.name, ChallengeName::NewPasswordRequired);
    let done = idp
        .answer(
            challenge,
            ChallengeAnswer::NewPassword(password("Brand-New-Passw0rd!")),
        )
        .await
        .unwrap();
    verified(&moto, &pool, &tokens(done)).await;
    // And the new password works from now on.
    tokens(
        idp.sign_in_password("newbie", &password("Brand-New-Passw0rd!"))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn unknown_client_is_explained() {
    let moto = Moto::start().await;
    let mut pool = moto.pool(false).await;
    pool.client_id = "no-such-client".into();
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let err = CognitoIdp::new(&http, &pc)
        .sign_in_srp("x", &password("y"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidClient, "{err}");
    assert!(err.to_string().contains("app client id"), "{err}");
}

#[tokio::test]
async fn identity_pool_turns_the_id_token_into_aws_credentials() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "alice", "Alice-Passw0rd!", true).await;
    let identity_pool = moto.identity_pool(&pool).await;
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let signed_in = tokens(
        CognitoIdp::new(&http, &pc)
            .sign_in_srp("alice", &password("Alice-Passw0rd!"))
            .await
            .unwrap(),
    );
    let creds = identity::credentials_for(
        &http,
        &Url::parse(&moto.url).unwrap(),
        &identity_pool,
        "us-east-1",
        &pool.id,
        signed_in.id_token.as_ref().unwrap(),
    )
    .await
    .unwrap();
    assert!(creds.identity_id.starts_with("us-east-1:"), "{creds:?}");
    assert!(!creds.access_key_id.is_empty() && !creds.session_token.is_empty());
    assert!(creds.expiration > unix_now());
    let process: serde_json::Value = serde_json::from_str(&creds.as_credential_process()).unwrap();
    assert_eq!(process["AccessKeyId"], creds.access_key_id.as_str());
}

#[tokio::test]
async fn mfa_challenges_are_answered_through_respond_to_auth_challenge() {
    let moto = Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "erin", "Erin-Passw0rd!", true).await;
    moto.user(&pool, "finn", "Finn-Passw0rd!", true).await;
    let http = HttpClient::new().unwrap();
    let pc = client(&moto, &pool);
    let idp = CognitoIdp::new(&http, &pc);
    let api = |action: &'static str, body: serde_json::Value| {
        moto.call("AWSCognitoIdentityProviderService", action, body)
    };

    // erin: TOTP (moto accepts any code unless MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP is set).
    let first = tokens(
        idp.sign_in_password("erin", &password("Erin-Passw0rd!"))
            .await
            .unwrap(),
    );
    let access = first.access_token.expose_secret().to_owned();
    api(
        "AssociateSoftwareToken",
        serde_json::json!({"AccessToken": access}),
    )
    .await;
    api(
        "VerifySoftwareToken",
        serde_json::json!({"AccessToken": access, "UserCode": "123456"}),
    )
    .await;
    api(
        "AdminSetUserMFAPreference",
        serde_json::json!({"UserPoolId": pool.id, "Username": "erin", "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let AuthStep::Challenge(totp) = idp
        .sign_in_password("erin", &password("Erin-Passw0rd!"))
        .await
        .unwrap()
    else {
        panic!("expected SOFTWARE_TOKEN_MFA")
    };
    assert_eq!(totp.name, ChallengeName::SoftwareTokenMfa);
    // The wrong kind of answer is refused locally.
    let err = idp
        .answer(totp.clone(), ChallengeAnswer::NewPassword(password("x")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported);
    verified(
        &moto,
        &pool,
        &tokens(
            idp.answer(
                totp,
                ChallengeAnswer::MfaCode(tokendeck_core::secret::MfaCode::new("123456")),
            )
            .await
            .unwrap(),
        ),
    )
    .await;

    // finn: SMS.
    api(
        "AdminSetUserMFAPreference",
        serde_json::json!({"UserPoolId": pool.id, "Username": "finn", "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let AuthStep::Challenge(sms) = idp
        .sign_in_password("finn", &password("Finn-Passw0rd!"))
        .await
        .unwrap()
    else {
        panic!("expected SMS_MFA")
    };
    assert_eq!(sms.name, ChallengeName::SmsMfa);
    verified(
        &moto,
        &pool,
        &tokens(
            idp.answer(
                sms,
                ChallengeAnswer::MfaCode(tokendeck_core::secret::MfaCode::new("654321")),
            )
            .await
            .unwrap(),
        ),
    )
    .await;
}
