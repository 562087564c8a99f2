//! Claim rules on hand-built claim sets (no signature involved here; signatures are tested
//! against the real provider in tests/flows.rs).
use super::*;
use serde_json::json;

const NOW: u64 = 1_700_000_000;

fn expect(token_use: TokenUse, cognito: bool) -> Expectations<'static> {
    Expectations {
        issuer: "https://issuer.example",
        client_id: "client-a",
        token_use,
        id_token_algorithms: &[JwsAlgorithm::RS256],
        nonce: Some("n-1"),
        cognito,
        now: NOW,
        leeway: 60,
    }
}

fn id_claims() -> Map<String, Value> {
    json!({
        "iss": "https://issuer.example", "sub": "user-1", "aud": "client-a",
        "exp": NOW + 600, "iat": NOW - 5, "nonce": "n-1", "token_use": "id"
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn with(mut claims: Map<String, Value>, key: &str, value: Value) -> Map<String, Value> {
    if value.is_null() {
        claims.remove(key);
    } else {
        claims.insert(key.into(), value);
    }
    claims
}

fn failure(claims: &Map<String, Value>, e: &Expectations<'_>) -> VerifyFailure {
    check_claims(claims, e).unwrap_err()
}

#[test]
fn a_good_id_token_passes() {
    check_claims(&id_claims(), &expect(TokenUse::Id, true)).unwrap();
}

#[test]
fn issuer_audience_and_azp_rules() {
    let e = expect(TokenUse::Id, false);
    assert!(matches!(
        failure(&with(id_claims(), "iss", json!("https://evil")), &e),
        VerifyFailure::IssuerMismatch { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "aud", json!("client-b")), &e),
        VerifyFailure::AudienceMismatch { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "aud", Value::Null), &e),
        VerifyFailure::MissingClaim { .. }
    ));
    assert!(matches!(
        failure(
            &with(id_claims(), "aud", json!(["client-a", "untrusted"])),
            &e
        ),
        VerifyFailure::AudienceMismatch { .. }
    ));
    check_claims(&with(id_claims(), "aud", json!(["client-a"])), &e).unwrap();
    assert!(matches!(
        failure(&with(id_claims(), "azp", json!("client-b")), &e),
        VerifyFailure::AzpMismatch { .. }
    ));
    check_claims(&with(id_claims(), "azp", json!("client-a")), &e).unwrap();
}

#[test]
fn time_rules_with_leeway() {
    let e = expect(TokenUse::Id, false);
    check_claims(&with(id_claims(), "exp", json!(NOW - 30)), &e).unwrap();
    assert!(matches!(
        failure(&with(id_claims(), "exp", json!(NOW - 61)), &e),
        VerifyFailure::Expired { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "iat", json!(NOW + 3600)), &e),
        VerifyFailure::IssuedInFuture { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "iat", Value::Null), &e),
        VerifyFailure::MissingClaim { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "nbf", json!(NOW + 3600)), &e),
        VerifyFailure::NotYetValid { .. }
    ));
    assert!(matches!(
        failure(&with(id_claims(), "exp", json!("soon")), &e),
        VerifyFailure::MissingClaim { .. }
    ));
}

#[test]
fn sub_and_nonce_required() {
    let e = expect(TokenUse::Id, false);
    assert!(matches!(
        failure(&with(id_claims(), "sub", Value::Null), &e),
        VerifyFailure::MissingClaim { .. }
    ));
    assert_eq!(
        failure(&with(id_claims(), "nonce", json!("other")), &e),
        VerifyFailure::NonceMismatch
    );
    assert_eq!(
        failure(&with(id_claims(), "nonce", Value::Null), &e),
        VerifyFailure::NonceMismatch
    );
    let no_nonce = Expectations { nonce: None, ..e };
    check_claims(&with(id_claims(), "nonce", Value::Null), &no_nonce).unwrap();
}

#[test]
fn cognito_token_use_and_client_id() {
    let access = json!({
        "iss": "https://issuer.example", "sub": "user-1", "client_id": "client-a",
        "exp": NOW + 600, "iat": NOW, "token_use": "access", "scope": "openid"
    })
    .as_object()
    .cloned()
    .unwrap();
    let e = Expectations {
        nonce: None,
        ..expect(TokenUse::Access, true)
    };
    check_claims(&access, &e).unwrap();
    assert!(matches!(
        failure(&with(access.clone(), "client_id", json!("client-b")), &e),
        VerifyFailure::ClientIdMismatch { .. }
    ));
    assert!(matches!(
        failure(&with(access.clone(), "token_use", Value::Null), &e),
        VerifyFailure::MissingClaim { .. }
    ));
    // An access token offered where an ID token is expected, and vice versa.
    let as_id = expect(TokenUse::Id, true);
    assert!(matches!(
        failure(&access, &as_id),
        VerifyFailure::WrongTokenUse { .. }
    ));
    assert!(matches!(
        failure(&id_claims(), &e),
        VerifyFailure::WrongTokenUse { .. }
    ));
}

#[test]
fn at_hash_binds_the_id_token_to_its_access_token() {
    // OIDC Core §3.1.3.6: left half of SHA-256 of the access token, base64url. The value below
    // is computed independently (`printf %s token | openssl dgst -sha256 -binary | head -c 16 |
    // basenc --base64url | tr -d =`).
    let claims = with(id_claims(), "at_hash", "uby9Z8Gb_H_x4fPjwNzguw".into());
    check_at_hash(&claims, "the-access-token", JwsAlgorithm::RS256).unwrap();
    assert!(matches!(
        check_at_hash(&claims, "another-access-token", JwsAlgorithm::RS256),
        Err(VerifyFailure::AccessTokenHashMismatch)
    ));
    check_at_hash(&id_claims(), "anything", JwsAlgorithm::ES256).unwrap();
    assert!(
        check_at_hash(
            &with(id_claims(), "at_hash", 5.into()),
            "x",
            JwsAlgorithm::RS256
        )
        .is_err()
    );
    // The hash follows the ID token's algorithm (same openssl recipe with -sha384 / -sha512,
    // 24 and 32 bytes).
    let sha384 = with(
        id_claims(),
        "at_hash",
        "9gqw8f3voYDv2u5y8ObTDrn9GOrdAzTZ".into(),
    );
    for alg in [
        JwsAlgorithm::RS384,
        JwsAlgorithm::PS384,
        JwsAlgorithm::ES384,
    ] {
        check_at_hash(&sha384, "the-access-token", alg).unwrap();
    }
    assert!(check_at_hash(&sha384, "the-access-token", JwsAlgorithm::RS256).is_err());
    let sha512 = with(
        id_claims(),
        "at_hash",
        "B7p8o12G5vm-9CEZGSanwzMw-leqyauPjU1ebdjBHYw".into(),
    );
    for alg in [
        JwsAlgorithm::RS512,
        JwsAlgorithm::PS512,
        JwsAlgorithm::EdDSA,
        JwsAlgorithm::Ed25519,
    ] {
        check_at_hash(&sha512, "the-access-token", alg).unwrap();
    }
}

#[test]
fn time_failures_read_as_a_person_would_say_them() {
    let expired = VerifyFailure::Expired {
        exp: 1_795_360_000,
        now: 1_795_363_725,
        leeway: 60,
    };
    assert_eq!(
        expired.to_string(),
        "signature valid, but it expired 1h 2m ago (exp 2026-11-22 15:06:40 UTC; 60 s of clock skew allowed)"
    );
    let future = VerifyFailure::IssuedInFuture {
        iat: 1_000_090,
        now: 1_000_000,
    };
    assert!(
        future.to_string().contains("1m 30s in the future"),
        "{future}"
    );
}

#[test]
fn the_header_picks_only_an_advertised_algorithm_we_verify() {
    let header = |v: Value| v.as_object().cloned().unwrap();
    let id = expect(TokenUse::Id, false);
    let es = Expectations {
        id_token_algorithms: &[JwsAlgorithm::ES256, JwsAlgorithm::EdDSA],
        ..id.clone()
    };
    assert_eq!(
        token_algorithm(&header(json!({"alg": "ES256"})), &es),
        Ok(JwsAlgorithm::ES256)
    );
    // RFC 9864's name for the same algorithm as an advertised EdDSA.
    assert_eq!(
        token_algorithm(&header(json!({"alg": "Ed25519"})), &es),
        Ok(JwsAlgorithm::Ed25519)
    );
    assert!(matches!(
        token_algorithm(&header(json!({"alg": "RS256"})), &es),
        Err(VerifyFailure::AlgorithmNotAdvertised { .. })
    ));
    // Access tokens are held to the key only.
    let access = Expectations {
        token_use: TokenUse::Access,
        ..es.clone()
    };
    assert_eq!(
        token_algorithm(&header(json!({"alg": "RS256"})), &access),
        Ok(JwsAlgorithm::RS256)
    );
    for refused in [json!({"alg": "none"}), json!({"alg": "HS256"}), json!({})] {
        assert!(matches!(
            token_algorithm(&header(refused), &id),
            Err(VerifyFailure::UnsupportedAlgorithm { .. })
        ));
    }
    assert!(matches!(
        token_algorithm(&header(json!({"alg": "RS256", "crit": ["exp"]})), &id),
        Err(VerifyFailure::Malformed { .. })
    ));
}
