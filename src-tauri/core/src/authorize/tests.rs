use super::*;
use crate::provider::{CognitoDomain, ProviderSource};

fn provider() -> (Arc<ProviderConfig>, Arc<Endpoints>) {
    let source = ProviderSource::Cognito {
        domain: CognitoDomain::Prefix {
            prefix: "myapp".into(),
        },
        region: "eu-west-1".into(),
        user_pool_id: "eu-west-1_A1".into(),
    };
    let config = ProviderConfig {
        id: "p".into(),
        scopes: vec!["openid".into(), "email".into()],
        ..ProviderConfig::new("Pool", source, "client123")
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

#[test]
fn a_plain_oauth_request_carries_no_nonce() {
    let (p, e) = provider();
    let options = AuthorizeOptions {
        scopes: Some(vec!["email".into(), "profile".into()]),
        ..AuthorizeOptions::default()
    };
    let (url, _, _) = build_authorization_request(p, e, redirect(), &options);
    let q = query(&url);
    assert_eq!(q["scope"], "email profile");
    assert!(!q.contains_key("nonce"), "{url}");
}

#[test]
fn a_sign_in_fills_what_it_leaves_unset_from_the_provider_defaults() {
    let defaults = AuthorizeOptions {
        identity_provider: Some("Google".into()),
        lang: Some("fr".into()),
        prompt: Some("select_account".into()),
        ..AuthorizeOptions::default()
    };
    let mine = AuthorizeOptions {
        lang: Some("de".into()),
        login_hint: Some("bob@example.com".into()),
        // Empty fields from a form do not hide the defaults.
        prompt: Some(String::new()),
        ..AuthorizeOptions::default()
    };
    let merged = mine.or(&defaults);
    assert_eq!(merged.identity_provider.as_deref(), Some("Google"));
    assert_eq!(merged.lang.as_deref(), Some("de"));
    assert_eq!(merged.prompt.as_deref(), Some("select_account"));
    assert_eq!(merged.login_hint.as_deref(), Some("bob@example.com"));
}

#[test]
fn options_that_would_break_the_url_are_refused_with_the_field() {
    let bad = [
        AuthorizeOptions {
            prompt: Some("login please".into()),
            ..AuthorizeOptions::default()
        },
        AuthorizeOptions {
            lang: Some("en;drop".into()),
            ..AuthorizeOptions::default()
        },
        AuthorizeOptions {
            login_hint: Some("alice\r\nX-Injected: 1".into()),
            ..AuthorizeOptions::default()
        },
        AuthorizeOptions {
            scopes: Some(vec!["openid email".into()]),
            ..AuthorizeOptions::default()
        },
    ];
    for options in bad {
        assert!(options.validate().is_err(), "{options:?}");
    }
    let good = AuthorizeOptions {
        prompt: Some("login consent".into()),
        lang: Some("pt-BR".into()),
        identity_provider: Some("COGNITO".into()),
        ..AuthorizeOptions::default()
    };
    good.validate().unwrap();
}
