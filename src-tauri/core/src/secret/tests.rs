use super::*;

#[test]
fn debug_never_shows_the_value() {
    let canary = "rt-canary-4f1d2c";
    let shown = format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        RefreshToken::new(canary),
        AccessToken::new(canary),
        IdToken::new(canary),
        ClientSecret::new(canary),
        AuthorizationCode::new(canary),
        CallbackUrl::new(canary),
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
