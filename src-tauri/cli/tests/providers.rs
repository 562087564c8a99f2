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
    let list = home.providers().await;
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
    assert_eq!(home.providers().await.len(), 1);

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
    let listed = home.providers().await;
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
    assert!(home.providers().await.iter().all(|p| p["name"] != "local"));
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
        "--default-login-hint",
        "lead@example.com",
        "--default-lang",
        "fr",
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
    // Sign-in defaults are shared, but not the one that names the exporter.
    assert_eq!(shared["providers"][0]["signInOptions"]["lang"], "fr");
    assert!(!text.contains("lead@example.com"), "{text}");

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
    let listed = mate.providers().await;
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
            fresh.providers().await.is_empty(),
            "{says}: nothing imported"
        );
    }
    let garbage = fresh
        .run_with(&["provider", "import", "-"], Some("{ not json"), &[])
        .await;
    assert_eq!(garbage.status.code(), Some(5));
    assert!(stderr(&garbage).contains("line 1"), "{}", stderr(&garbage));
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

#[tokio::test]
async fn a_providers_browser_command_sign_in_defaults_and_deadline_are_used_by_login() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    home.add(local(&provider, NATIVE, "local")).await;
    // A "browser" that notes the URL it was given, then signs alice in.
    let signs_in = home.browser_script(ALICE);
    let seen = home.dir.join("url-seen");
    let browser = home.dir.join("noting-browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s' \"$2\" > '{}'\nexec '{}' \"$2\"\n",
            seen.display(),
            signs_in.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&browser)
        .status()
        .unwrap();

    let edited = home
        .run(&[
            "provider",
            "edit",
            "local",
            "--browser-command",
            &format!("'{}' --url {{url}}", browser.display()),
            "--default-lang",
            "fr",
            "--default-login-hint",
            "bob@example.com",
            "--refresh-token-lifetime",
            "12h",
        ])
        .await;
    assert!(edited.status.success(), "{}", stderr(&edited));
    let saved = home.app_deck().snapshot().await.providers;
    assert_eq!(
        saved[0].config.sign_in_options.login_hint.as_deref(),
        Some("bob@example.com")
    );
    let bad = home
        .run(&["provider", "edit", "local", "--default-prompt", "please"])
        .await;
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("not a prompt value"),
        "{}",
        stderr(&bad)
    );

    // No TOKENDECK_BROWSER: only the provider's own command can sign alice in.
    let started = tokendeck_core::token::unix_now();
    let login = home
        .run(&[
            "login",
            "local",
            "--login-hint",
            "alice",
            "--scope",
            "demo-api/read",
        ])
        .await;
    assert!(login.status.success(), "{}", stderr(&login));
    let url = url::Url::parse(&std::fs::read_to_string(&seen).unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["lang"], "fr", "the provider's default");
    assert_eq!(
        query["login_hint"], "alice",
        "this sign-in's option, over the default"
    );
    assert_eq!(query["scope"], "openid email profile demo-api/read");

    let list = home.list().await;
    let deadline = list["accounts"][0]["refreshExpiresAt"].as_u64().unwrap();
    assert!((started + 12 * 3600..started + 12 * 3600 + 60).contains(&deadline));
    let text = stdout(&home.run(&["list"]).await);
    assert!(text.contains("sign in again by "), "{text}");

    let info = home.run(&["userinfo", "alice"]).await;
    assert!(info.status.success(), "{}", stderr(&info));
    let claims: serde_json::Value = serde_json::from_str(&stdout(&info)).unwrap();
    assert_eq!(claims["email"], "alice@example.com");
}

#[tokio::test]
async fn a_private_key_jwt_client_is_set_up_from_a_key_file_and_signs_in() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    let key = provider.client_key("p256").await;
    let key_file = home.dir.join("client.pem");
    std::fs::write(&key_file, &key.pem).unwrap();
    let key_file = key_file.to_str().unwrap();

    let added = home
        .run(&[
            "provider",
            "add",
            "pool",
            "--issuer",
            &provider.issuer,
            "--client-id",
            "tokendeck-private-key-jwt",
            "--client-auth",
            "private_key_jwt",
            "--client-key-file",
            key_file,
            "--client-key-id",
            "client-p256",
            "--check",
        ])
        .await;
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(!stdout(&added).contains("FAIL"), "{}", stdout(&added));
    assert!(
        stdout(&added).contains("accepted the client id and private key"),
        "{}",
        stdout(&added)
    );
    let listed = &home.providers().await[0];
    assert_eq!(listed["clientAuth"], "private_key_jwt");
    assert_eq!(listed["clientKeyId"], "client-p256");
    assert!(
        !std::fs::read_to_string(home.dir.join("config.json"))
            .unwrap()
            .contains("PRIVATE KEY")
    );

    let login = home.login("pool", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    let refreshed = home.run(&["refresh", "alice"]).await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));

    // A file that holds no private key is refused, naming the setting, and nothing changes.
    let not_a_key = home.dir.join("not-a-key.pem");
    std::fs::write(&not_a_key, "hunter2").unwrap();
    let bad = home
        .run(&[
            "provider",
            "edit",
            "pool",
            "--client-key-file",
            not_a_key.to_str().unwrap(),
        ])
        .await;
    assert_eq!(bad.status.code(), Some(5), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("client private key"),
        "{}",
        stderr(&bad)
    );
    assert!(!stderr(&bad).contains("hunter2"), "{}", stderr(&bad));
    let refreshed = home.run(&["refresh", "alice"]).await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));
}
