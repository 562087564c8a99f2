use super::*;

#[test]
fn debug_never_shows_the_value() {
    let canary = "rt-canary-4f1d2c";
    let shown = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        RefreshToken::new(canary),
        AccessToken::new(canary),
        IdToken::new(canary),
        ClientSecret::new(canary),
        AuthorizationCode::new(canary),
        CallbackUrl::new(canary),
        ChallengeSession::new(canary),
        MfaCode::new(canary),
    );
    assert!(!shown.contains(canary), "{shown}");
    assert!(shown.contains("RefreshToken(<redacted>)"));
}

#[test]
fn deserializes_transparently_and_exposes_on_request() {
    let token: RefreshToken = serde_json::from_str("\"abc\"").unwrap();
    assert_eq!(token.expose_secret(), "abc");
}

/// Serialization must not compile; this asserts it at the type level (at compile time).
#[test]
fn secrets_do_not_implement_serialize() {
    trait NotSerialize {
        const SERIALIZE: bool = false;
    }
    impl<T> NotSerialize for T {}
    struct Probe<T>(std::marker::PhantomData<T>);
    #[allow(dead_code)]
    impl<T: serde::Serialize> Probe<T> {
        const SERIALIZE: bool = true;
    }
    // Control: the probe does detect a serializable type.
    const { assert!(<Probe<String>>::SERIALIZE) };
    const { assert!(!<Probe<RefreshToken>>::SERIALIZE) };
    const { assert!(!<Probe<ClientSecret>>::SERIALIZE) };
    const { assert!(!<Probe<AuthorizationCode>>::SERIALIZE) };
    const { assert!(!<Probe<CallbackUrl>>::SERIALIZE) };
}

/// Every structure that carries a secret among other fields prints the others, not the secret.
#[test]
fn structures_holding_secrets_redact_them() {
    let canary = "sk-canary-9a8b7c";
    let draft = crate::deck::ProviderDraft {
        config: serde_json::from_value(serde_json::json!({
            "id": "p1", "name": "Pool", "clientId": "c",
            "source": {"kind": "oidc", "issuer": "https://id.example.com"}
        }))
        .unwrap(),
        client_secret: Some(canary.into()),
    };
    let aws = crate::cognito::identity::AwsCredentials {
        identity_id: "eu-west-1:id".into(),
        access_key_id: "AKIA".into(),
        secret_access_key: canary.into(),
        session_token: canary.into(),
        expiration: 0,
    };
    let answers = [
        crate::cognito::idp::ChallengeAnswer::MfaCode(MfaCode::new(canary)),
        crate::cognito::idp::ChallengeAnswer::NewPassword(secrecy::SecretString::from(canary)),
    ];
    let cached = crate::store::CachedSession {
        access_token: canary.into(),
        id_token: Some(canary.into()),
        expires_at: None,
        scope: None,
        received_at: 0,
    };
    let shown = format!("{draft:?} {aws:?} {answers:?} {cached:?}");
    assert!(!shown.contains(canary), "{shown}");
    assert!(shown.contains("Pool") && shown.contains("AKIA"), "{shown}");
}
