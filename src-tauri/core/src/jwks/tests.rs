use super::*;
use serde_json::json;

const N: &str = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw";
// A real P-256 public point and a real Ed25519 public key (any valid encoding will do:
// these tests never verify a signature).
const P256_X: &str = "mBHjfnXJFT2GgM4lw6pZmHBQJ3-loyJ30-UFBm3ShuE";
const P256_Y: &str = "FqiR-qF9NZnDRylFuoJ8igO8r8Md1ES2ECGmhrWKd1Y";
const ED_X: &str = "bsDJ4QNlome8oPUgaZ5lWuzki8vxpd2QcgMPEjHXev4";

fn with(mut key: Value, extra: Value) -> Value {
    if let (Some(obj), Some(extra)) = (key.as_object_mut(), extra.as_object()) {
        obj.extend(extra.clone());
    }
    key
}

fn rsa(kid: &str, extra: Value) -> Value {
    with(
        json!({"kty": "RSA", "kid": kid, "n": N, "e": "AQAB"}),
        extra,
    )
}

fn ec(kid: &str, extra: Value) -> Value {
    with(
        json!({"kty": "EC", "kid": kid, "crv": "P-256", "x": P256_X, "y": P256_Y}),
        extra,
    )
}

fn ed(kid: &str, extra: Value) -> Value {
    with(
        json!({"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": ED_X}),
        extra,
    )
}

fn parse(keys: Vec<Value>) -> Vec<UsableKey> {
    parse_jwks(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
}

fn kids(keys: &[UsableKey]) -> Vec<&str> {
    keys.iter().filter_map(|k| k.kid.as_deref()).collect()
}

#[test]
fn unusable_keys_are_skipped_not_fatal() {
    let short_n = &N[..200];
    let keys = parse(vec![
        rsa("enc", json!({"use": "enc"})),
        rsa("oaep", json!({"alg": "RSA-OAEP"})),
        rsa("hmac-named", json!({"alg": "HS256"})),
        json!({"kty": "oct", "kid": "oct", "k": "c2VjcmV0"}),
        rsa("short", json!({"n": short_n})),
        ec("p521", json!({"crv": "P-521"})),
        ec("bad-point", json!({"x": "eA"})),
        ec("ec-named-rs", json!({"alg": "RS256"})),
        ed("ed448", json!({"crv": "Ed448"})),
        json!({"kty": "weird", "kid": "w"}),
        rsa("rs", json!({"use": "sig", "alg": "RS256"})),
        rsa("ps", json!({"alg": "PS256"})),
        ec("es", json!({"alg": "ES256"})),
        ed("ed", json!({"alg": "Ed25519"})),
    ]);
    assert_eq!(kids(&keys), ["rs", "ps", "es", "ed"]);
}

#[test]
fn a_token_gets_only_a_key_of_its_own_kind() {
    let keys = parse(vec![
        rsa("rsa", json!({})),
        ec("ec", json!({"alg": "ES256"})),
        ed("ed", json!({"alg": "EdDSA"})),
    ]);
    // Any RSA algorithm with an RSA key that names none; the EC key only for ES256.
    assert!(select(&keys, Some("rsa"), JwsAlgorithm::PS512).is_ok());
    assert!(select(&keys, Some("ec"), JwsAlgorithm::ES256).is_ok());
    assert!(select(&keys, Some("ed"), JwsAlgorithm::Ed25519).is_ok());
    let confused = select(&keys, Some("ec"), JwsAlgorithm::RS256);
    assert!(
        matches!(&confused, Err(VerifyFailure::KeyDoesNotFit { kid, alg, key })
            if kid == "ec" && alg == "RS256" && key == "an EC P-256 key for ES256"),
        "{:?}",
        confused.err()
    );
    assert!(matches!(
        select(&keys, Some("ec"), JwsAlgorithm::ES384),
        Err(VerifyFailure::KeyDoesNotFit { .. })
    ));
    assert!(matches!(
        select(&keys, Some("rsa"), JwsAlgorithm::EdDSA),
        Err(VerifyFailure::KeyDoesNotFit { .. })
    ));
    // A key that names its algorithm verifies only that one.
    let named = parse(vec![rsa("rs", json!({"alg": "RS256"}))]);
    assert!(matches!(
        select(&named, Some("rs"), JwsAlgorithm::PS256),
        Err(VerifyFailure::KeyDoesNotFit { .. })
    ));
}

#[test]
fn without_a_kid_the_only_fitting_key_is_used() {
    let keys = parse(vec![rsa("a", json!({})), ec("b", json!({}))]);
    assert!(select(&keys, None, JwsAlgorithm::RS256).is_ok());
    assert!(select(&keys, None, JwsAlgorithm::ES256).is_ok());
    assert!(matches!(
        select(&keys, None, JwsAlgorithm::EdDSA),
        Err(VerifyFailure::NoKeyForAlgorithm { .. })
    ));
    let two = parse(vec![rsa("a", json!({})), rsa("b", json!({}))]);
    assert!(matches!(
        select(&two, None, JwsAlgorithm::RS256),
        Err(VerifyFailure::KidRequired { keys: 2 })
    ));
    assert!(select(&two, Some("b"), JwsAlgorithm::RS256).is_ok());
    assert!(matches!(
        select(&two, Some("c"), JwsAlgorithm::RS256),
        Err(VerifyFailure::UnknownKey { .. })
    ));
}

#[test]
fn empty_or_garbage_sets_are_errors() {
    assert!(parse_jwks(b"{\"keys\": []}").is_err());
    assert!(parse_jwks(b"<html>").is_err());
    let only_hmac = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"}]});
    assert!(parse_jwks(only_hmac.to_string().as_bytes()).is_err());
}
