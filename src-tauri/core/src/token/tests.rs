use super::*;

fn response(json: serde_json::Value) -> TokenResponse {
    serde_json::from_value(json).unwrap()
}

#[test]
fn refresh_without_new_refresh_token_keeps_the_old_one() {
    let before = TokenSet::from_response(
        response(serde_json::json!({
            "access_token": "a1", "token_type": "Bearer", "expires_in": 3600,
            "refresh_token": "r1", "id_token": "i1", "scope": "openid email"
        })),
        1000,
    );
    assert_eq!(before.expires_at, Some(4600));
    let mut set = TokenSet::from_response(
        response(
            serde_json::json!({"access_token": "a2", "token_type": "Bearer", "expires_in": "60"}),
        ),
        2000,
    );
    let rotated = set.keep_missing_from(before.refresh_token.as_ref().unwrap(), Some(&before));
    assert!(!rotated);
    assert_eq!(set.access_token.expose_secret(), "a2");
    assert_eq!(set.refresh_token.as_ref().unwrap().expose_secret(), "r1");
    assert_eq!(set.id_token.as_ref().unwrap().expose_secret(), "i1");
    assert_eq!(set.scope.as_deref(), Some("openid email"));
    assert_eq!(set.expires_at, Some(2060));
}

#[test]
fn rotated_refresh_token_replaces_the_old_one() {
    let mut set = TokenSet::from_response(
        response(
            serde_json::json!({"access_token": "a2", "token_type": "bearer", "refresh_token": "r2"}),
        ),
        1,
    );
    let rotated = set.keep_missing_from(&RefreshToken::new("r1"), None);
    assert!(rotated);
    assert_eq!(set.refresh_token.unwrap().expose_secret(), "r2");
}

#[test]
fn a_refresh_token_lifetime_the_provider_states_becomes_a_deadline() {
    let with = |extra: serde_json::Value| {
        let mut json = serde_json::json!({"access_token": "a", "token_type": "Bearer"});
        json.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        TokenSet::from_response(response(json), 1000).refresh_expires_at
    };
    // Keycloak's field, as a number or a string.
    assert_eq!(
        with(serde_json::json!({"refresh_expires_in": 1800})),
        Some(2800)
    );
    assert_eq!(
        with(serde_json::json!({"refresh_expires_in": "60"})),
        Some(1060)
    );
    // Keycloak's offline tokens say 0: they do not expire.
    assert_eq!(with(serde_json::json!({"refresh_expires_in": 0})), None);
    assert_eq!(with(serde_json::json!({})), None);
}
