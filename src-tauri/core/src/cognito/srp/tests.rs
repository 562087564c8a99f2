//! Against vectors produced by pycognito (an independent implementation); see tests/srp.
use super::*;

#[derive(serde::Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    pool_id: String,
    client_id: String,
    client_secret: Option<String>,
    username: String,
    password: String,
    small_a_hex: String,
    srp_a_hex: String,
    salt_hex: String,
    srp_b_hex: String,
    secret_block: String,
    unix_time: u64,
    timestamp: String,
    hkdf_hex: String,
    signature: String,
    secret_hash: Option<String>,
}

fn vectors() -> Vec<Case> {
    let text = include_str!("../../../../../tests/srp/vectors.json");
    serde_json::from_str::<Vectors>(text).unwrap().cases
}

#[test]
fn matches_the_independent_implementation() {
    let cases = vectors();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let client =
            SrpClient::with_private(BigUint::parse_bytes(c.small_a_hex.as_bytes(), 16).unwrap())
                .unwrap();
        assert_eq!(client.public_a_hex(), c.srp_a_hex, "{}: A", c.name);
        let password = SecretString::from(c.password.clone());
        let key = client
            .authentication_key(
                &c.pool_id,
                &c.username,
                &password,
                &c.srp_b_hex,
                &c.salt_hex,
            )
            .unwrap();
        let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(key_hex, c.hkdf_hex, "{}: HKDF key", c.name);
        let claim = client
            .password_claim(
                &c.pool_id,
                &c.username,
                &password,
                &c.srp_b_hex,
                &c.salt_hex,
                &c.secret_block,
                c.unix_time,
            )
            .unwrap();
        assert_eq!(claim.timestamp, c.timestamp, "{}: timestamp", c.name);
        assert_eq!(claim.signature, c.signature, "{}: signature", c.name);
        if let (Some(secret), Some(expected)) = (&c.client_secret, &c.secret_hash) {
            assert_eq!(
                &secret_hash(&c.username, &c.client_id, secret).unwrap(),
                expected,
                "{}: SECRET_HASH",
                c.name
            );
        }
    }
}

#[test]
fn vectors_cover_the_padding_and_timestamp_quirks() {
    let cases = vectors();
    assert!(cases.iter().any(|c| {
        c.srp_a_hex
            .starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f'])
    }));
    assert!(cases.iter().any(|c| {
        !c.srp_a_hex
            .starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f'])
    }));
    assert!(cases.iter().any(|c| {
        c.salt_hex
            .starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f'])
    }));
    assert!(
        cases
            .iter()
            .any(|c| c.timestamp.split(' ').nth(2).is_some_and(|d| d.len() == 1))
    );
}

#[test]
fn pad_hex_rules() {
    assert_eq!(pad_hex("abc"), "0abc");
    assert_eq!(pad_hex("8a"), "008a");
    assert_eq!(pad_hex("7a"), "7a");
}

#[test]
fn timestamps() {
    assert_eq!(cognito_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
    assert_eq!(
        cognito_timestamp(951_782_400),
        "Tue Feb 29 00:00:00 UTC 2000"
    );
    assert_eq!(
        cognito_timestamp(1_795_328_893),
        "Sun Nov 22 06:28:13 UTC 2026"
    );
}
