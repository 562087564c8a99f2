use super::*;
use crate::provider::{CognitoDomain, EndpointOverrides, ProviderSource};

fn provider() -> (Arc<ProviderConfig>, Arc<Endpoints>) {
    let config = ProviderConfig {
        id: "p".into(),
        name: "Pool".into(),
        source: ProviderSource::Cognito {
            domain: CognitoDomain::Prefix {
                prefix: "myapp".into(),
            },
            region: "eu-west-1".into(),
            user_pool_id: "eu-west-1_A1".into(),
        },
        client_id: "client123".into(),
        confidential: false,
        scopes: vec!["openid".into(), "email".into()],
        redirect_uri: None,
        overrides: EndpointOverrides::default(),
        identity_pool_id: None,
        refresh_token_lifetime: None,
    };
    let endpoints = config.cognito_endpoints().unwrap().unwrap();
    (Arc::new(config), Arc::new(endpoints))
}

fn redirect() -> Url {
    Url::parse("io.github.tokendeck://callback").unwrap()
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

#[test]
fn authorization_url_carries_every_parameter() {
    let (p, e) = provider();
    let options = AuthorizeOptions {
        prompt: Some("login".into()),
        login_hint: Some("alice@example.com".into()),
        identity_provider: Some("Google".into()),
        idp_identifier: None,
        lang: Some("fr".into()),
        scopes: None,
    };
    let (url, state, pending) = build_authorization_request(p, e, redirect(), &options);
    assert!(
        url.as_str()
            .starts_with("https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/authorize?")
    );
    let q = query(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "client123");
    assert_eq!(q["redirect_uri"], "io.github.tokendeck://callback");
    assert_eq!(q["scope"], "openid email");
    assert_eq!(q["state"], state);
    assert_eq!(q["nonce"], pending.nonce);
    assert_eq!(q["code_challenge"], pending.verifier.challenge());
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["prompt"], "login");
    assert_eq!(q["login_hint"], "alice@example.com");
    assert_eq!(q["identity_provider"], "Google");
    assert_eq!(q["lang"], "fr");
    assert!(!q.contains_key("idp_identifier"));
    assert!(
        !url.as_str().contains(pending.verifier.expose_secret()),
        "verifier must not leave"
    );
}

#[test]
fn state_and_nonce_differ_per_request() {
    let (p, e) = provider();
    let (_, s1, p1) =
        build_authorization_request(p.clone(), e.clone(), redirect(), &Default::default());
    let (_, s2, p2) = build_authorization_request(p, e, redirect(), &Default::default());
    assert_ne!(s1, s2);
    assert_ne!(p1.nonce, p2.nonce);
    assert_ne!(s1, p1.nonce);
}

#[test]
fn pending_sign_in_is_single_use() {
    let (p, e) = provider();
    let pending = PendingSignIns::default();
    let (_, state, sign_in) = build_authorization_request(p, e, redirect(), &Default::default());
    pending.insert(state.clone(), sign_in);
    assert!(pending.take_if(&state, |_| Ok(())).is_ok());
    assert!(matches!(
        pending.take_if(&state, |_| Ok(())),
        Err(Error::UnknownState)
    ));
    assert!(matches!(
        pending.take_if("never-issued", |_| Ok(())),
        Err(Error::UnknownState)
    ));
}

#[test]
fn rejected_candidate_stays_pending() {
    let (p, e) = provider();
    let pending = PendingSignIns::default();
    let (_, state, sign_in) = build_authorization_request(p, e, redirect(), &Default::default());
    pending.insert(state.clone(), sign_in);
    let refused = pending.take_if(&state, |_| Err(Error::bad_callback("look-alike")));
    assert!(matches!(refused, Err(Error::BadCallback { .. })));
    assert!(pending.take_if(&state, |_| Ok(())).is_ok());
}

#[test]
fn expired_sign_in_is_refused_and_dropped() {
    let (p, e) = provider();
    let pending = PendingSignIns::with_ttl(Duration::from_millis(5));
    let (_, state, sign_in) = build_authorization_request(p, e, redirect(), &Default::default());
    pending.insert(state.clone(), sign_in);
    std::thread::sleep(Duration::from_millis(20));
    assert!(matches!(
        pending.take_if(&state, |_| Ok(())),
        Err(Error::ExpiredState { .. })
    ));
    assert!(pending.is_empty());
}

#[test]
fn pending_map_is_bounded() {
    let (p, e) = provider();
    let pending = PendingSignIns::default();
    for _ in 0..(MAX_PENDING + 5) {
        let (_, state, sign_in) =
            build_authorization_request(p.clone(), e.clone(), redirect(), &Default::default());
        pending.insert(state, sign_in);
    }
    assert_eq!(pending.len(), MAX_PENDING);
}
