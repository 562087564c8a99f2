//! `tokendeck provider import` of files other tools write (AWS Amplify, Postman, Insomnia,
//! Bruno), with the real binary; each fixture is written as its tool documents it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use home::*;
use support::*;
use tokendeck_core::store::Vault;

fn fixture(name: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/imports")
        .join(name)
        .display()
        .to_string()
}

/// AWS Amplify's client configurations, written as each documents it:
/// - `amplify_outputs.json`, Gen 2: https://docs.amplify.aws/react/reference/amplify_outputs/
///   (its JSON schema, `schema_v1.4.json` in aws-amplify/amplify-backend);
/// - `amplifyconfiguration.json`, Gen 1 (Android, iOS, Flutter):
///   https://docs.amplify.aws/gen1/android/build-a-backend/auth/set-up-auth/ ("Configure");
/// - `aws-exports.js`, Gen 1 (JavaScript), as `amplify push` generates it.
///
/// Each becomes a Cognito provider with what it says (pool, region, app client, hosted-UI
/// domain, scopes, identity pool), and what it holds that Tokendeck does not use is listed.
#[tokio::test]
async fn amplify_configurations_are_read_faithfully() {
    let home = Home::new();
    async fn import(home: &Home, file: &str) -> serde_json::Value {
        let out = home
            .run(&["--json", "provider", "import", &fixture(file)])
            .await;
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    }
    let config = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(home.dir.join("config.json")).unwrap())
            .unwrap()
    };

    let gen2 = import(&home, "amplify_outputs.json").await;
    assert_eq!(gen2["added"][0]["name"], "Amplify eu-west-1_Gen2Pool1");
    let p = &config()["providers"][0];
    assert_eq!(
        p["source"],
        serde_json::json!({"kind": "cognito", "domain": {"type": "prefix", "prefix": "acme-team"},
            "region": "eu-west-1", "userPoolId": "eu-west-1_Gen2Pool1"})
    );
    assert_eq!(p["clientId"], "6a7b8c9d0e1f2g3h4i5j6k7l8m");
    assert_eq!(
        p["identityPoolId"],
        "eu-west-1:5b1c9a4e-2f0d-4c1b-9e7a-3d2f1a0b9c8d"
    );
    assert_eq!(
        p["scopes"],
        serde_json::json!([
            "phone",
            "email",
            "openid",
            "profile",
            "aws.cognito.signin.user.admin"
        ])
    );
    assert_eq!(
        p["redirectUri"], "io.github.tokendeck://callback/team-app",
        "a redirect URI registered for Tokendeck is kept"
    );
    assert!(gen2["notes"].as_array().unwrap().is_empty(), "{gen2}");

    let gen1 = import(&home, "amplifyconfiguration.json").await;
    let p = &config()["providers"][1];
    assert_eq!(
        p["source"]["domain"],
        serde_json::json!({"type": "custom", "url": "https://auth.acme.example"})
    );
    assert_eq!(p["source"]["userPoolId"], "us-east-2_Gen1Pool9");
    assert_eq!(p["scopes"], serde_json::json!(["email", "openid"]));
    let notes = gen1["notes"].to_string();
    assert!(
        notes.contains("myapp://signin/") && notes.contains("register"),
        "{notes}"
    );
    assert!(
        p["redirectUri"]
            .as_str()
            .unwrap()
            .starts_with("io.github.tokendeck://callback/"),
        "it gets one of its own"
    );

    let exports = import(&home, "aws-exports.js").await;
    let p = &config()["providers"][2];
    assert_eq!(p["source"]["domain"], serde_json::json!({"type": "none"}));
    assert_eq!(p["source"]["region"], "ap-southeast-2");
    assert_eq!(
        p["identityPoolId"],
        "ap-southeast-2:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    );
    assert!(
        exports["notes"].to_string().contains("no hosted UI"),
        "{exports}"
    );

    // The same configuration again adds nothing.
    let again = import(&home, "amplify_outputs.json").await;
    assert_eq!(again["added"].as_array().unwrap().len(), 0);
    assert_eq!(again["skipped"][0]["name"], "Amplify eu-west-1_Gen2Pool1");
    assert_eq!(config()["providers"].as_array().unwrap().len(), 3);

    // Something else entirely is refused, naming the formats that are read.
    let other = home.dir.join("other.json");
    std::fs::write(&other, r#"{"hello": "world"}"#).unwrap();
    let out = home
        .run(&["provider", "import", other.to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("amplify_outputs.json"),
        "{}",
        stderr(&out)
    );
}

/// OAuth 2.0 settings of API clients, each file written as its tool documents it:
/// - Postman collection v2.1: https://schema.getpostman.com/json/collection/v2.1.0/collection.json
///   (the `auth` object with `type: oauth2` and its `oauth2` key/value list);
/// - Insomnia export format 4: https://docs.insomnia.rest/insomnia/import-export-data (a
///   request's `authentication` with `type: oauth2`);
/// - Bruno `.bru`: https://docs.usebruno.com/bru-lang/overview and the `auth:oauth2` block of
///   https://docs.usebruno.com/auth/oauth2/overview.
///
/// ISSUER in the fixtures is replaced by the local provider's address, so an imported provider
/// is really signed in to.
#[tokio::test]
async fn api_client_collections_import_their_oauth_settings() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    let prepared = |name: &str| {
        let text = std::fs::read_to_string(fixture(name))
            .unwrap()
            .replace("ISSUER", &provider.issuer);
        let path = home.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let import = |path: String| {
        let home = &home;
        async move {
            let out = home.run(&["--json", "provider", "import", &path]).await;
            assert!(out.status.success(), "{path}: {}", stderr(&out));
            serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
        }
    };

    // Postman: the collection's settings once (the request repeats them); a request using
    // variables and one using the implicit grant are listed as skipped, with why.
    let postman = import(prepared("postman_collection.json")).await;
    assert_eq!(postman["added"].as_array().unwrap().len(), 1, "{postman}");
    let notes = postman["notes"].to_string();
    assert!(
        notes.contains("{{authUrl}}") && notes.contains("variable"),
        "{notes}"
    );
    assert!(notes.contains("implicit"), "{notes}");
    let listed = home.providers().await;
    assert_eq!(listed[0]["name"], "local");
    assert_eq!(listed[0]["issuer"], provider.issuer.as_str());
    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    assert!(home.run(&["token", "alice"]).await.status.success());

    // Insomnia: its client secret goes to the keyring, never to config.json.
    let insomnia = import(prepared("insomnia_export.json")).await;
    assert_eq!(insomnia["added"][0]["name"], "pool");
    let config = std::fs::read_to_string(home.dir.join("config.json")).unwrap();
    assert!(!config.contains(CONFIDENTIAL_SECRET));
    let pool = home
        .providers()
        .await
        .into_iter()
        .find(|p| p["name"] == "pool")
        .unwrap();
    assert_eq!(pool["hasClientSecret"], true);
    let id = pool["id"].as_str().unwrap().into();
    let stored = Vault::default().client_secret(&id).await.unwrap().unwrap();
    assert_eq!(stored.expose_secret(), CONFIDENTIAL_SECRET);

    // Bruno: a Keycloak realm's issuer is worked out from its authorization URL.
    let bruno = import(fixture("keycloak.bru")).await;
    assert_eq!(bruno["added"][0]["name"], "Keycloak dev");
    let keycloak = home
        .providers()
        .await
        .into_iter()
        .find(|p| p["name"] == "Keycloak dev")
        .unwrap();
    assert_eq!(keycloak["issuer"], "https://sso.example.com/realms/dev");
    assert_eq!(keycloak["hasClientSecret"], false);
    // Its "credentials in the body" setting becomes client_secret_post.
    assert_eq!(keycloak["clientAuth"], "client_secret_post");
}
