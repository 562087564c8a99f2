//! `tokendeck provider …` with the real binary: providers set up, checked and used from the
//! command line, and shared between machines as a file (each "machine" is its own config
//! directory; the keyring is the real Secret Service of scripts/with-keyring).
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

async fn providers(home: &Home) -> Vec<serde_json::Value> {
    let out = home.run(&["--json", "provider", "list"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn providers_are_set_up_checked_and_used_from_the_command_line() {
    let provider = LocalProvider::start().await;
    let elsewhere = LocalProvider::start().await;
    let home = Home::new();

    let added = home
        .run(&[
            "provider",
            "add",
            "local",
            "--issuer",
            &provider.issuer,
            "--client-id",
            NATIVE,
            "--check",
        ])
        .await;
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("io.github.tokendeck://callback/local"));
    assert!(!stdout(&added).contains("FAIL"), "{}", stdout(&added));
    let list = providers(&home).await;
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["redirectUri"],
        "io.github.tokendeck://callback/local"
    );
    assert_eq!(
        list[0]["loopbackRedirectUri"],
        "http://127.0.0.1/callback/local"
    );
    assert_eq!(list[0]["issuer"], provider.issuer.as_str());

    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    assert!(home.run(&["token", "alice"]).await.status.success());

    // Bad settings are refused with what to fix, and nothing is added.
    let bad = home
        .run(&[
            "provider",
            "add",
            "bad pool",
            "--region",
            "eu-west-1",
            "--pool-id",
            "us-east-1_Abc",
            "--no-domain",
            "--client-id",
            "abc",
        ])
        .await;
    assert_eq!(bad.status.code(), Some(5), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("pool"), "{}", stderr(&bad));
    let half = home
        .run(&[
            "provider",
            "add",
            "x",
            "--domain-prefix",
            "p",
            "--client-id",
            "c",
        ])
        .await;
    assert_eq!(half.status.code(), Some(5), "{}", stderr(&half));
    assert_eq!(providers(&home).await.len(), 1);

    // A client secret comes from standard input and goes to the keyring only.
    let secret = home
        .run_with(
            &[
                "provider",
                "add",
                "pool",
                "--issuer",
                &provider.issuer,
                "--client-id",
                CONFIDENTIAL,
                "--client-secret-stdin",
                "--check",
            ],
            Some(&format!("{CONFIDENTIAL_SECRET}\n")),
            &[],
        )
        .await;
    assert!(
        secret.status.success(),
        "{}{}",
        stdout(&secret),
        stderr(&secret)
    );
    let config = std::fs::read_to_string(home.dir.join("config.json")).unwrap();
    assert!(!config.contains(CONFIDENTIAL_SECRET));
    let listed = providers(&home).await;
    let confidential = listed.iter().find(|p| p["name"] == "pool").unwrap();
    assert_eq!(confidential["hasClientSecret"], true);
    let id = confidential["id"].as_str().unwrap().into();
    let stored = Vault::default().client_secret(&id).await.unwrap().unwrap();
    assert_eq!(stored.expose_secret(), CONFIDENTIAL_SECRET);

    // A failing check says what failed and exits 5.
    home.run(&[
        "provider",
        "add",
        "nowhere",
        "--issuer",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
    ])
    .await;
    let check = home.run(&["provider", "check", "nowhere"]).await;
    assert_eq!(check.status.code(), Some(5));
    assert!(stdout(&check).contains("FAIL"), "{}", stdout(&check));

    // Re-pointing the token endpoint ends the sessions instead of sending tokens there.
    let edited = home
        .run(&[
            "provider",
            "edit",
            "local",
            "--override",
            &format!("token={}", elsewhere.url("/oauth2/token")),
        ])
        .await;
    assert!(edited.status.success(), "{}", stderr(&edited));
    assert!(
        stderr(&edited).contains("must sign in again"),
        "{}",
        stderr(&edited)
    );
    let token = home.run(&["token", "alice", "--min-ttl", "2h"]).await;
    assert_eq!(token.status.code(), Some(3), "{}", stderr(&token));
    assert_eq!(elsewhere.counters().await.token, 0);

    // Removing a provider with accounts asks for sign-out first, or --force.
    let refused = home.run(&["provider", "remove", "local"]).await;
    assert_eq!(refused.status.code(), Some(5));
    assert!(stderr(&refused).contains("alice"), "{}", stderr(&refused));
    let removed = home.run(&["provider", "remove", "local", "--force"]).await;
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(providers(&home).await.iter().all(|p| p["name"] != "local"));
}

#[tokio::test]
async fn an_exported_file_is_imported_once_and_a_bad_one_not_at_all() {
    let provider = LocalProvider::start().await;
    let lead = Home::new();
    lead.run(&[
        "provider",
        "add",
        "local",
        "--issuer",
        &provider.issuer,
        "--client-id",
        NATIVE,
    ])
    .await;
    let with_secret = lead
        .run_with(
            &[
                "provider",
                "add",
                "confidential",
                "--issuer",
                &provider.issuer,
                "--client-id",
                CONFIDENTIAL,
                "--client-secret-stdin",
                "--scopes",
                "openid,email",
            ],
            Some(&format!("{CONFIDENTIAL_SECRET}\n")),
            &[],
        )
        .await;
    assert!(with_secret.status.success(), "{}", stderr(&with_secret));
    let file = lead.dir.join("team.json");
    let export = lead
        .run(&["provider", "export", "--output", file.to_str().unwrap()])
        .await;
    assert!(export.status.success(), "{}", stderr(&export));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(CONFIDENTIAL_SECRET), "no secret in the file");
    let shared: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(shared["format"], "tokendeck-providers");
    assert_eq!(shared["version"], 1);
    assert_eq!(shared["providers"][1]["needsClientSecret"], true);

    // A teammate's machine: imported once, the second time nothing is added.
    let mate = Home::new();
    let first = mate
        .run(&["provider", "import", file.to_str().unwrap()])
        .await;
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("enter its client secret"),
        "{}",
        stderr(&first)
    );
    let again = mate
        .run(&["--json", "provider", "import", file.to_str().unwrap()])
        .await;
    let report: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(report["added"].as_array().unwrap().len(), 0);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 2);
    let listed = providers(&mate).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0]["redirectUri"],
        "io.github.tokendeck://callback/local"
    );
    assert_eq!(listed[1]["scopes"], serde_json::json!(["openid", "email"]));
    let login = mate.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));

    // Refused whole, saying what and where: nothing of it is imported.
    let fresh = Home::new();
    let cases = [
        (
            serde_json::json!({"format": "tokendeck-providers", "version": 99, "providers": []}),
            "version 99",
        ),
        (
            serde_json::json!({"format": "something-else", "version": 1, "providers": []}),
            "format",
        ),
        (
            serde_json::json!({"format": "tokendeck-providers", "version": 1, "providers": [
                {"name": "a", "source": {"kind": "oidc", "issuer": provider.issuer}, "clientId": "x", "colour": "red"}
            ]}),
            "providers[0]",
        ),
        (
            serde_json::json!({"format": "tokendeck-providers", "version": 1, "providers": [
                {"name": "good", "source": {"kind": "oidc", "issuer": provider.issuer}, "clientId": "x"},
                {"name": "bad", "source": {"kind": "cognito", "domain": {"type": "none"}, "region": "eu-west-1", "userPoolId": "nope"}, "clientId": "y"}
            ]}),
            "provider 2 (\"bad\")",
        ),
    ];
    for (content, says) in cases {
        let path = fresh.dir.join("bad.json");
        std::fs::write(&path, content.to_string()).unwrap();
        let out = fresh
            .run(&["provider", "import", path.to_str().unwrap()])
            .await;
        assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{says}: {}", stderr(&out));
        assert!(
            providers(&fresh).await.is_empty(),
            "{says}: nothing imported"
        );
    }
    let garbage = fresh
        .run_with(&["provider", "import", "-"], Some("{ not json"), &[])
        .await;
    assert_eq!(garbage.status.code(), Some(5));
    assert!(stderr(&garbage).contains("line 1"), "{}", stderr(&garbage));
}

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
    let listed = providers(&home).await;
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
    let pool = providers(&home)
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
    let keycloak = providers(&home)
        .await
        .into_iter()
        .find(|p| p["name"] == "Keycloak dev")
        .unwrap();
    assert_eq!(keycloak["issuer"], "https://sso.example.com/realms/dev");
    assert_eq!(keycloak["hasClientSecret"], false);
}

/// The completions and manual page come from the clap definitions, so they know every
/// subcommand; bash itself loads the completion script and completes from it.
#[tokio::test]
async fn bash_completes_subcommands_from_the_generated_script() {
    let home = Home::new();
    let script = home.dir.join("tokendeck.bash");
    let out = home.run(&["completions", "bash"]).await;
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    let completed = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            r#"source '{}' && complete -p tokendeck && COMP_WORDS=(tokendeck kub) COMP_CWORD=1 COMP_LINE='tokendeck kub' COMP_POINT=13 && _tokendeck tokendeck kub tokendeck && printf '%s\n' "${{COMPREPLY[@]}}""#,
            script.display()
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&completed.stdout);
    assert!(
        completed.status.success(),
        "{}",
        String::from_utf8_lossy(&completed.stderr)
    );
    assert!(text.lines().any(|l| l == "kubectl-credential"), "{text}");

    let man = home.run(&["man"]).await;
    // roff writes a hyphen as `\-`.
    let page = String::from_utf8_lossy(&man.stdout).replace("\\-", "-");
    assert!(
        page.starts_with(".ie") || page.contains(".TH tokendeck 1"),
        "{page}"
    );
    for subcommand in ["kubectl-credential", "provider", "exec", "env"] {
        assert!(page.contains(subcommand), "{subcommand}");
    }
}
