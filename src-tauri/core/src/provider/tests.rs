use super::*;
use crate::error::ErrorCode;

fn cognito(prefix: &str, region: &str, pool: &str) -> ProviderConfig {
    let source = ProviderSource::Cognito {
        domain: CognitoDomain::Prefix {
            prefix: prefix.into(),
        },
        region: region.into(),
        user_pool_id: pool.into(),
    };
    ProviderConfig {
        id: "p1".into(),
        ..ProviderConfig::new("Staging pool", source, "4h5k2l9abcde1234567890abcd")
    }
}

fn problem(config: &ProviderConfig) -> String {
    let err = config.validate().unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    err.to_string()
}

#[test]
fn derives_every_cognito_endpoint() {
    let e = cognito("myapp", "eu-west-1", "eu-west-1_AbC123")
        .cognito_endpoints()
        .unwrap()
        .unwrap();
    let base = "https://myapp.auth.eu-west-1.amazoncognito.com";
    assert_eq!(e.authorization.as_str(), format!("{base}/oauth2/authorize"));
    assert_eq!(e.token.as_str(), format!("{base}/oauth2/token"));
    assert_eq!(
        e.userinfo.unwrap().as_str(),
        format!("{base}/oauth2/userInfo")
    );
    assert_eq!(
        e.revocation.unwrap().as_str(),
        format!("{base}/oauth2/revoke")
    );
    assert_eq!(e.logout.unwrap().as_str(), format!("{base}/logout"));
    assert_eq!(
        e.issuer,
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    );
    assert_eq!(
        e.jwks_uri.as_str(),
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json"
    );
    assert!(e.cognito);
}

#[test]
fn custom_domain_and_overrides() {
    let mut c = cognito("x", "us-east-1", "us-east-1_Z9");
    c.source = ProviderSource::Cognito {
        domain: CognitoDomain::Custom {
            url: "https://auth.example.com/".into(),
        },
        region: "us-east-1".into(),
        user_pool_id: "us-east-1_Z9".into(),
    };
    c.overrides.token = Some("http://127.0.0.1:9000/token".into());
    c.overrides.issuer = Some("http://127.0.0.1:9000".into());
    let e = c.cognito_endpoints().unwrap().unwrap();
    assert_eq!(
        e.authorization.as_str(),
        "https://auth.example.com/oauth2/authorize"
    );
    assert_eq!(e.token.as_str(), "http://127.0.0.1:9000/token");
    assert_eq!(e.issuer, "http://127.0.0.1:9000");
}

#[test]
fn pool_in_another_region_says_which_region_to_set() {
    let msg = problem(&cognito("myapp", "us-east-1", "eu-west-1_AbC123"));
    assert!(msg.contains("set the region to eu-west-1"), "{msg}");
}

#[test]
fn full_domain_in_prefix_field_is_explained() {
    let msg = problem(&cognito(
        "myapp.auth.eu-west-1.amazoncognito.com",
        "eu-west-1",
        "eu-west-1_A",
    ));
    assert!(msg.contains("enter only the first label"), "{msg}");
}

#[test]
fn rejects_bad_region_pool_and_client() {
    assert!(problem(&cognito("a", "europe", "europe_A")).contains("region"));
    assert!(problem(&cognito("a", "eu-west-1", "eu-west-1")).contains("user pool id"));
    let mut c = cognito("a", "eu-west-1", "eu-west-1_A");
    c.client_id = "has space".into();
    assert!(problem(&c).contains("client id"));
}

#[test]
fn plain_http_only_on_loopback() {
    assert!(parse_endpoint("token endpoint", "http://127.0.0.1:8080/t").is_ok());
    assert!(parse_endpoint("token endpoint", "http://localhost/t").is_ok());
    assert!(parse_endpoint("token endpoint", "http://[::1]/t").is_ok());
    let err = parse_endpoint("token endpoint", "http://auth.example.com/t").unwrap_err();
    assert!(err.to_string().contains("use https"), "{err}");
    assert!(parse_endpoint("token endpoint", "https://u:p@example.com").is_err());
    assert!(parse_endpoint("token endpoint", "ftp://example.com").is_err());
}

#[test]
fn redirect_kinds() {
    assert!(matches!(
        Redirect::parse(DEFAULT_REDIRECT_URI).unwrap(),
        Redirect::CustomScheme(_)
    ));
    assert!(matches!(
        Redirect::parse("http://127.0.0.1/callback").unwrap(),
        Redirect::Loopback {
            fixed_port: false,
            ..
        }
    ));
    assert!(matches!(
        Redirect::parse("http://localhost:8765/cb").unwrap(),
        Redirect::Loopback {
            fixed_port: true,
            ..
        }
    ));
    assert!(Redirect::parse("https://example.com/cb").is_err());
    assert!(
        Redirect::parse("myapp://callback")
            .unwrap_err()
            .to_string()
            .contains("reverse domain")
    );
    assert!(Redirect::parse("http://192.168.1.2/cb").is_err());
}

#[test]
fn config_json_round_trips_in_camel_case() {
    let c = cognito("myapp", "eu-west-1", "eu-west-1_AbC123");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["source"]["kind"], "cognito");
    assert_eq!(json["source"]["userPoolId"], "eu-west-1_AbC123");
    assert_eq!(json["source"]["domain"]["type"], "prefix");
    assert_eq!(serde_json::from_value::<ProviderConfig>(json).unwrap(), c);
}

#[test]
fn slugs_are_path_segments_made_from_names() {
    assert_eq!(slug("Staging pool (EU)"), "staging-pool-eu");
    assert_eq!(slug("  Ünïcode — only!! "), "n-code-only");
    assert_eq!(slug("../../etc"), "etc");
    assert_eq!(slug("???"), "provider");
    assert_eq!(slug(&"x".repeat(100)).len(), 40);
    assert_eq!(
        per_provider_redirect_uri("staging"),
        "io.github.tokendeck://callback/staging"
    );
}

#[test]
fn a_per_provider_redirect_keeps_its_name_on_loopback() {
    let own = Redirect::parse("io.github.tokendeck://callback/staging").unwrap();
    assert_eq!(
        own.as_loopback().unwrap().url().as_str(),
        "http://127.0.0.1/callback/staging"
    );
    assert!(!own.is_shared_default());
    let shared = Redirect::parse(DEFAULT_REDIRECT_URI).unwrap();
    assert_eq!(
        shared.as_loopback().unwrap().url().as_str(),
        "http://127.0.0.1/callback"
    );
    assert!(shared.is_shared_default());
    assert!(shared.as_loopback().unwrap().is_shared_default());
    let fixed = Redirect::parse("http://localhost:8765/callback/x").unwrap();
    assert_eq!(fixed.as_loopback().unwrap(), fixed);
    assert_eq!(fixed.target(), "http://localhost/callback/x");
    assert!(!fixed.is_shared_default());
}

#[test]
fn password_sign_in_is_offered_where_cognitos_api_can_serve_the_pool() {
    let real = cognito("myapp", "eu-west-1", "eu-west-1_AbC123");
    assert!(real.offers_password_sign_in());
    let mut api_only = real.clone();
    api_only.source = ProviderSource::Cognito {
        domain: CognitoDomain::None,
        region: "eu-west-1".into(),
        user_pool_id: "eu-west-1_AbC123".into(),
    };
    assert!(api_only.offers_password_sign_in());
    // The bundled demo: a local provider standing in for the hosted UI; AWS knows no such pool.
    let mut local = real.clone();
    local.source = ProviderSource::Cognito {
        domain: CognitoDomain::Custom {
            url: "http://127.0.0.1:9780".into(),
        },
        region: "us-east-1".into(),
        user_pool_id: "us-east-1_TokendeckDemo".into(),
    };
    assert!(!local.offers_password_sign_in());
    local.overrides.cognito_idp = Some("http://127.0.0.1:5000/".into());
    assert!(
        local.offers_password_sign_in(),
        "an emulator's API endpoint (moto)"
    );
    let mut oidc = real;
    oidc.source = ProviderSource::Oidc {
        issuer: "https://id.example.com".into(),
    };
    assert!(!oidc.offers_password_sign_in());
}
