//! Every signing algorithm Tokendeck verifies, against the local provider signing with it
//! (`--signing-alg`): a full sign-in through discovery, then the RP-certification cases that
//! depend on the algorithm (signature, kid handling, algorithm confusion) with tokens the
//! provider itself signed. Hand-forged tokens are marked: no provider issues them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use support::*;
use tokendeck_core::authorize::AuthorizeOptions;
use tokendeck_core::inspect::Verification;
use tokendeck_core::provider::Endpoints;
use tokendeck_core::token::unix_now;
use tokendeck_core::verify::{JwsAlgorithm, TokenUse, VerifyFailure, check_at_hash};
use tokendeck_core::{Error, OidcClient};

async fn outcome(
    oidc: &OidcClient,
    endpoints: &Endpoints,
    token: &str,
    token_use: TokenUse,
) -> Result<(), VerifyFailure> {
    match oidc
        .verify(endpoints, NATIVE, token, token_use, None, unix_now())
        .await
    {
        Ok(_) => Ok(()),
        Err(Error::TokenRejected { failure, .. }) => Err(failure),
        Err(other) => panic!("unexpected {other}"),
    }
}

fn parts(token: &str) -> (Value, String, String) {
    let mut it = token.split('.');
    let header = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    (
        serde_json::from_slice(&header).unwrap(),
        it.next().unwrap().to_owned(),
        it.next().unwrap().to_owned(),
    )
}

/// Hand-forged: the same payload and signature under another header.
fn relabel(token: &str, header: &Value) -> String {
    let (_, payload, signature) = parts(token);
    format!(
        "{}.{payload}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string())
    )
}

fn with_claim(claims: &Value, name: &str, value: Value) -> Value {
    let mut claims = claims.clone();
    claims.as_object_mut().unwrap().insert(name.into(), value);
    claims
}

/// OIDC Core §3.1.3.8, computed here independently of the code under test.
fn at_hash(alg: JwsAlgorithm, access_token: &str) -> String {
    use sha2::Digest;
    let digest = match alg.name() {
        "RS384" | "PS384" | "ES384" => sha2::Sha384::digest(access_token).to_vec(),
        "RS512" | "PS512" | "EdDSA" | "Ed25519" => sha2::Sha512::digest(access_token).to_vec(),
        _ => sha2::Sha256::digest(access_token).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// An algorithm of another key type (for the confusion case).
fn foreign(alg: JwsAlgorithm) -> &'static str {
    match alg.name() {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => "ES256",
        _ => "RS256",
    }
}

async fn run_cases(alg: JwsAlgorithm) {
    let name = alg.name();
    let provider = LocalProvider::start_with(&["--signing-alg", name]).await;
    let (config, endpoints) = provider.discovered(NATIVE).await;
    assert_eq!(endpoints.id_token_algorithms, [alg], "{name}: discovery");

    // A real sign-in: ID and access token signed with `alg`, verified and accepted.
    let oidc = client();
    let started = oidc.start_sign_in(
        config,
        endpoints.clone(),
        deep_link(),
        None,
        &AuthorizeOptions::default(),
    );
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let result = oidc.complete_sign_in(&callback).await.unwrap();
    let id = result.id_token.expect("verified ID token");
    assert_eq!(id.header["alg"], name);
    assert!(
        matches!(result.access_token, Verification::Verified { .. }),
        "{name}: access token {:?}",
        result.access_token
    );

    let now = unix_now();
    let claims = json!({"iss": provider.issuer, "sub": "user-1", "aud": NATIVE, "exp": now + 600, "iat": now});
    let kid = provider.current_kid().await;
    let good = provider.sign(&claims, Some(&kid)).await;
    let check = |token: String, token_use| {
        let (oidc, endpoints) = (&oidc, &endpoints);
        async move { outcome(oidc, endpoints, &token, token_use).await }
    };
    assert_eq!(check(good.clone(), TokenUse::Id).await, Ok(()), "{name}");

    // at_hash with the algorithm's own hash binds an ID token to its access token.
    let bound = with_claim(&claims, "at_hash", json!(at_hash(alg, "at-example")));
    let bound = provider.sign(&bound, Some(&kid)).await;
    let verified = oidc
        .verify(&endpoints, NATIVE, &bound, TokenUse::Id, None, unix_now())
        .await
        .unwrap();
    assert_eq!(verified.alg, alg);
    check_at_hash(&verified.claims, "at-example", verified.alg).unwrap();
    assert_eq!(
        check_at_hash(&verified.claims, "another", verified.alg),
        Err(VerifyFailure::AccessTokenHashMismatch),
        "{name}"
    );
    // EdDSA and Ed25519 name one algorithm: a token signed under either name verifies with a
    // key labelled with the other.
    if alg.key_kind() == JwsAlgorithm::EdDSA.key_kind() {
        let other = if name == "EdDSA" { "Ed25519" } else { "EdDSA" };
        let renamed = provider.sign_as(&claims, &kid, other).await;
        assert_eq!(
            check(renamed.clone(), TokenUse::Id).await,
            Ok(()),
            "{name} as {other}"
        );
        assert_eq!(
            check(renamed, TokenUse::Access).await,
            Ok(()),
            "{name} as {other}"
        );
    }

    // Signature: another payload under the real signature; a real signature by another
    // provider's key of the same algorithm, under this provider's kid.
    let (header, _, signature) = parts(&good);
    let altered = format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(json!({"iss": provider.issuer, "sub": "mallory", "aud": NATIVE, "exp": now + 600, "iat": now}).to_string()),
    );
    assert_eq!(
        check(altered, TokenUse::Id).await,
        Err(VerifyFailure::BadSignature),
        "{name}: altered payload"
    );
    let impostor = LocalProvider::start_with(&["--signing-alg", name]).await;
    let forged = impostor.sign(&claims, Some(&kid)).await;
    assert_eq!(
        check(forged, TokenUse::Id).await,
        Err(VerifyFailure::BadSignature),
        "{name}: another key under our kid"
    );

    // Kid handling: unknown (after one refetch), absent with one key, absent with two.
    let unknown = provider.sign(&claims, Some("not-published")).await;
    assert!(
        matches!(check(unknown, TokenUse::Id).await, Err(VerifyFailure::UnknownKey { ref kid }) if kid == "not-published"),
        "{name}: unknown kid"
    );
    let no_kid = provider.sign(&claims, None).await;
    assert_eq!(
        check(no_kid, TokenUse::Id).await,
        Ok(()),
        "{name}: no kid, one key"
    );

    // Algorithm confusion (hand-forged headers over the real signature): another key type's
    // algorithm, and for RSA a sibling algorithm the key does not name.
    let confused = relabel(&good, &json!({"alg": foreign(alg), "kid": kid}));
    assert!(
        matches!(check(confused.clone(), TokenUse::Id).await, Err(VerifyFailure::AlgorithmNotAdvertised { ref advertised, .. }) if advertised == &[name]),
        "{name}: unadvertised alg on an ID token"
    );
    let got = check(confused, TokenUse::Access).await;
    let other = foreign(alg);
    assert!(
        matches!(got, Err(VerifyFailure::KeyDoesNotFit { alg: ref relabelled, .. }) if relabelled == other),
        "{name}: key type mismatch: {got:?}"
    );
    if alg.key_kind() == JwsAlgorithm::RS256.key_kind() {
        let sibling = if name == "PS256" { "RS256" } else { "PS256" };
        let got = check(
            relabel(&good, &json!({"alg": sibling, "kid": kid})),
            TokenUse::Access,
        )
        .await;
        assert!(
            matches!(got, Err(VerifyFailure::KeyDoesNotFit { .. })),
            "{name}: a key for {name} verifying {sibling}: {got:?}"
        );
    }
    for refused in ["none", "HS256"] {
        let got = check(
            relabel(&good, &json!({"alg": refused, "kid": kid})),
            TokenUse::Id,
        )
        .await;
        assert!(
            matches!(got, Err(VerifyFailure::UnsupportedAlgorithm { ref alg }) if alg == refused),
            "{name}: {refused}: {got:?}"
        );
    }
    // HMAC keyed with the provider's real public key: a valid HS256 signature, still refused.
    let pem = provider.public_pem().await;
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    let hs = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(pem.as_bytes()),
    )
    .unwrap();
    assert!(matches!(
        check(hs, TokenUse::Id).await,
        Err(VerifyFailure::UnsupportedAlgorithm { .. })
    ));

    // After a key rotation two keys fit: a token without kid is ambiguous; the new kid works.
    let new_kid = provider.rotate_keys().await;
    let fresh = client();
    let no_kid = provider.sign(&claims, None).await;
    assert_eq!(
        outcome(&fresh, &endpoints, &no_kid, TokenUse::Id).await,
        Err(VerifyFailure::KidRequired { keys: 2 }),
        "{name}"
    );
    let rotated = provider.sign(&claims, Some(&new_kid)).await;
    assert_eq!(
        outcome(&fresh, &endpoints, &rotated, TokenUse::Id).await,
        Ok(()),
        "{name}: rotated key"
    );
}

macro_rules! per_algorithm {
    ($($test:ident => $alg:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $test() {
            run_cases(JwsAlgorithm::$alg).await;
        }
    )*};
}

per_algorithm! {
    rs256 => RS256,
    rs384 => RS384,
    rs512 => RS512,
    ps256 => PS256,
    ps384 => PS384,
    ps512 => PS512,
    es256 => ES256,
    es384 => ES384,
    eddsa => EdDSA,
    ed25519 => Ed25519,
}
