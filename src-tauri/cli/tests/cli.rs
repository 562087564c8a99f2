//! The real `tokendeck` binary against the local provider and moto, with a real Secret Service
//! (run under scripts/with-keyring). Each test has its own config directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/moto.rs"]
mod moto;
#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use std::path::PathBuf;
use std::process::Output;

use home::*;
use support::*;

#[tokio::test]
async fn browser_login_then_tokens_refresh_inspect_and_logout() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    home.add(local(&provider, NATIVE, "local")).await;

    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    assert!(
        stderr(&login).contains("signed in: alice"),
        "{}",
        stderr(&login)
    );

    let list = home.list().await;
    assert_eq!(list["accounts"][0]["label"], "alice");

    // A fresh token comes from the keyring cache: no request to the provider.
    let before = provider.counters().await.token;
    let token = home.run(&["token", "alice"]).await;
    assert!(token.status.success(), "{}", stderr(&token));
    let access = stdout(&token).trim().to_owned();
    assert!(access.starts_with("eyJ"));
    assert_eq!(provider.counters().await.token, before);
    let header = stdout(&home.run(&["token", "alice", "--header"]).await);
    assert_eq!(header.trim(), format!("Authorization: Bearer {access}"));
    let id = stdout(&home.run(&["token", "alice", "--id"]).await);
    assert_ne!(id.trim(), access);

    // Demanding more lifetime than is left refreshes first.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let fresh = home.run(&["token", "alice", "--min-ttl", "2h"]).await;
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert_eq!(provider.counters().await.token, before + 1);
    assert_ne!(stdout(&fresh).trim(), access);

    // Offline jwt.io: decode and verify against the provider.
    let inspected = home
        .run(&["--json", "inspect", id.trim(), "--verify", "local"])
        .await;
    assert!(inspected.status.success(), "{}", stderr(&inspected));
    let view: serde_json::Value = serde_json::from_str(&stdout(&inspected)).unwrap();
    assert_eq!(view["verification"]["status"], "verified");
    assert_eq!(view["claims"]["cognito:username"], "alice");
    let mut tampered = id.trim().to_owned();
    tampered.pop();
    tampered.push(if id.trim().ends_with('A') { 'B' } else { 'A' });
    let rejected = home
        .run(&["inspect", &tampered, "--verify", "local", "--as", "id"])
        .await;
    assert_eq!(rejected.status.code(), Some(6), "{}", stderr(&rejected));

    let refreshed = home.run(&["refresh", "alice"]).await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));

    let logout = home.run(&["logout", "alice"]).await;
    assert!(logout.status.success(), "{}", stderr(&logout));
    assert!(stderr(&logout).contains("revoked"));
    let gone = home.run(&["--json", "token", "alice"]).await;
    assert_eq!(gone.status.code(), Some(5));
    let error: serde_json::Value = serde_json::from_str(stderr(&gone).trim()).unwrap();
    assert_eq!(error["error"]["code"], "not_found");
}

#[tokio::test]
async fn concurrent_refreshes_across_processes_keep_a_working_rotated_token() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    home.add(local(&provider, ROTATING, "rotating")).await;
    let login = home.login("rotating", BOB).await;
    assert!(login.status.success(), "{}", stderr(&login));
    // Four processes refresh at once. Without the cross-process lock they would all spend the
    // same rotated refresh token, and the provider revokes the grant on reuse.
    let runs = futures_join(&home, 4).await;
    for r in &runs {
        assert!(r.status.success(), "{}", stderr(r));
    }
    let again = home.run(&["refresh", "bob"]).await;
    assert!(again.status.success(), "{}", stderr(&again));
}

#[tokio::test]
async fn an_open_app_and_the_cli_keep_each_others_accounts() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    let provider_id = home.add(local(&provider, NATIVE, "pool")).await;
    // The app loaded the settings before the CLI wrote, and stays open throughout.
    let app = home.app_deck();
    let login = home.login("pool", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));

    // The app's next change starts from the file, not from its stale copy: alice stays.
    sign_in_account(&app, &provider_id, BOB).await;
    let list = home.list().await;
    let mut labels: Vec<_> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["label"].as_str().unwrap().to_owned())
        .collect();
    labels.sort();
    assert_eq!(labels, ["alice", "bob"]);

    // The CLI's sign-out shows up in the open app without a restart.
    let logout = home.run(&["logout", "alice"]).await;
    assert!(logout.status.success(), "{}", stderr(&logout));
    let shown: Vec<_> = app
        .snapshot()
        .await
        .accounts
        .into_iter()
        .map(|a| a.record.label)
        .collect();
    assert_eq!(shown, ["bob"]);
}

/// Starts `n` `tokendeck refresh` processes at the same time and waits for all.
async fn futures_join(home: &Home, n: usize) -> Vec<Output> {
    assert_eq!(n, 4);
    let (a, b, c, d) = tokio::join!(
        home.run(&["refresh", "bob"]),
        home.run(&["refresh", "bob"]),
        home.run(&["refresh", "bob"]),
        home.run(&["refresh", "bob"])
    );
    vec![a, b, c, d]
}

#[tokio::test]
async fn errors_have_stable_exit_codes_and_no_secrets() {
    let home = Home::new();
    let missing = home.run(&["token", "nobody"]).await;
    assert_eq!(missing.status.code(), Some(5));
    assert!(stderr(&missing).contains("no account with id nobody"));
    let usage = home.run(&["token"]).await;
    assert_eq!(usage.status.code(), Some(2));
    let garbage = home.run(&["inspect", "not-a-jwt"]).await;
    assert_eq!(garbage.status.code(), Some(6), "{}", stderr(&garbage));
}

#[tokio::test]
async fn password_login_with_srp_and_aws_credentials_against_moto() {
    let moto = moto::Moto::start().await;
    let pool = moto.pool(false).await;
    moto.user(&pool, "dora", "Dora-Passw0rd!", true).await;
    let identity_pool = moto.identity_pool(&pool).await;
    let home = Home::new();
    home.add(moto.provider_config(&pool, "api", Some(identity_pool)))
        .await;
    let login = home.password_login("api", "dora", "Dora-Passw0rd!").await;
    assert!(login.status.success(), "{}", stderr(&login));
    assert!(!stderr(&login).contains("Dora-Passw0rd!"));
    let token = home.run(&["token", "dora"]).await;
    assert!(stdout(&token).starts_with("eyJ"), "{}", stderr(&token));

    let env = home
        .run(&["aws-credentials", "dora", "--format", "env"])
        .await;
    assert!(env.status.success(), "{}", stderr(&env));
    assert!(stdout(&env).contains("export AWS_SESSION_TOKEN="));
    let process = home
        .run(&["aws-credentials", "dora", "--format", "credential-process"])
        .await;
    let v: serde_json::Value = serde_json::from_str(&stdout(&process)).unwrap();
    assert_eq!(v["Version"], 1);

    let wrong = home
        .run_with(
            &[
                "login",
                "api",
                "--password",
                "--username",
                "dora",
                "--password-stdin",
                "--no-srp",
            ],
            Some("nope\n"),
            &[],
        )
        .await;
    assert_eq!(wrong.status.code(), Some(3), "{}", stderr(&wrong));
}

/// Kills the process (abort) between the token response and each write that follows, then
/// checks what a restart sees: no lost or duplicated account, and a usable way forward.
#[tokio::test]
async fn crashes_between_token_response_and_writes_leave_a_consistent_state() {
    let provider = LocalProvider::start().await;
    for point in [
        "sign-in:after-token-response",
        "sign-in:after-refresh-token-saved",
    ] {
        let home = Home::new();
        home.add(local(&provider, ROTATING, "pool")).await;
        let browser = home.browser_script(ALICE);
        let crash = PathBuf::from(point);
        let crashed = home
            .run_with(
                &["login", "pool"],
                None,
                &[
                    ("TOKENDECK_BROWSER", &browser),
                    ("TOKENDECK_CRASH_AT", &crash),
                ],
            )
            .await;
        assert!(
            !crashed.status.success(),
            "{point}: the process must have been killed"
        );
        let list = home.list().await;
        assert!(
            list["accounts"].as_array().unwrap().is_empty(),
            "{point}: no half-written account"
        );
        let login = home.login("pool", ALICE).await;
        assert!(login.status.success(), "{point}: {}", stderr(&login));
        let list = home.list().await;
        assert_eq!(
            list["accounts"].as_array().unwrap().len(),
            1,
            "{point}: exactly one account"
        );
        assert!(
            home.run(&["token", "alice"]).await.status.success(),
            "{point}"
        );
    }

    let home = Home::new();
    home.add(local(&provider, ROTATING, "pool")).await;
    assert!(home.login("pool", ALICE).await.status.success());
    // Rotated at the provider, killed before the new refresh token was saved: the old one is
    // spent, so the account must say "sign in again" rather than break or vanish.
    let crash = PathBuf::from("refresh:after-token-response");
    assert!(
        !home
            .run_with(
                &["refresh", "alice"],
                None,
                &[("TOKENDECK_CRASH_AT", &crash)]
            )
            .await
            .status
            .success()
    );
    let after = home.run(&["refresh", "alice"]).await;
    assert!(
        matches!(after.status.code(), Some(0 | 3)),
        "{}",
        stderr(&after)
    );
    let list = home.list().await;
    assert_eq!(list["accounts"].as_array().unwrap().len(), 1);
    // Killed just after the rotated token was saved: the next refresh simply works.
    let relogin = home.login("pool", ALICE).await;
    assert!(relogin.status.success(), "{}", stderr(&relogin));
    let crash = PathBuf::from("refresh:after-refresh-token-saved");
    assert!(
        !home
            .run_with(
                &["refresh", "alice"],
                None,
                &[("TOKENDECK_CRASH_AT", &crash)]
            )
            .await
            .status
            .success()
    );
    let ok = home.run(&["refresh", "alice"]).await;
    assert!(ok.status.success(), "{}", stderr(&ok));
}

/// An id edited into config.json (by hand or by someone else) never becomes a path: the file is
/// set aside with a message naming the id, and nothing outside the config directory is touched.
#[tokio::test]
async fn a_tampered_account_id_is_refused_and_never_used_in_a_path() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    home.add(local(&provider, NATIVE, "local")).await;
    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    let account = home.list().await["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // `locks/../../x.lock` would be the directory's parent's `x.lock`.
    let victim = home.dir.parent().unwrap().join("x.lock");
    let _ = std::fs::remove_file(&victim);
    let path = home.dir.join("config.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace(&account, "../../x")).unwrap();

    let out = home.run(&["refresh", "../../x"]).await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("\"../../x\", which is not a Tokendeck id") && err.contains("moved to"),
        "{err}"
    );
    assert!(!victim.exists(), "a path was built from the tampered id");
    let aside: Vec<_> = std::fs::read_dir(&home.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("config.json.unreadable-"))
        .collect();
    assert_eq!(aside.len(), 1, "the file is kept for the user to fix");
}

#[tokio::test]
async fn userinfo_refused_for_want_of_the_openid_scope_says_so_and_exits_5() {
    let provider = LocalProvider::start().await;
    let home = Home::new();
    home.add(tokendeck_core::provider::ProviderConfig {
        scopes: vec!["email".into(), "profile".into()],
        ..local(&provider, NATIVE, "pool")
    })
    .await;
    let login = home.login("pool", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    // No ID token without openid: the account is known by its id.
    let list = home.list().await;
    let id = list["accounts"][0]["id"].as_str().unwrap().to_owned();
    let info = home.run(&["userinfo", &id]).await;
    assert_eq!(info.status.code(), Some(5), "{}", stderr(&info));
    assert!(
        stderr(&info).contains("only access tokens with the openid scope"),
        "{}",
        stderr(&info)
    );
    assert!(stdout(&info).is_empty(), "no claims printed");
}
