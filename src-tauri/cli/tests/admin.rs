//! Cognito's server-side flow with the real binary: `tokendeck login POOL --admin` signs a test
//! user in with ADMIN_USER_PASSWORD_AUTH, signed with an AWS profile's credentials from
//! AWS config files, against moto with AWS authentication enforced. moto then checks each
//! request's SigV4 signature against the IAM user's secret key and its policies, as AWS does
//! (it answers refusals in XML, where AWS answers JSON: both are read). What moto does not
//! emulate, the app client's list of allowed flows, is covered by the core's unit tests with
//! Cognito's recorded answers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

#[path = "../../core/tests/support/moto.rs"]
mod moto;

mod home;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use home::*;
use tokendeck_core::deck::ProviderDraft;
use tokio::io::AsyncWriteExt;

const PASSWORD: &str = "Alice-Passw0rd!";

/// AWS config files with profiles `qa` (allowed the admin calls), `nobody` (no policy) and
/// `forged` (qa's key id with a wrong secret); no default profile.
fn aws_files(dir: &Path, qa: &moto::AccessKey, nobody: &moto::AccessKey) -> (PathBuf, PathBuf) {
    let credentials = dir.join("aws-credentials");
    std::fs::write(
        &credentials,
        format!(
            "[qa]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[nobody]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[forged]\naws_access_key_id = {}\naws_secret_access_key = not-the-secret\n",
            qa.id, qa.secret, nobody.id, nobody.secret, qa.id
        ),
    )
    .unwrap();
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        "[profile qa]\nregion = us-east-1\n\n[profile nobody]\nregion = us-east-1\n\n[profile forged]\nregion = us-east-1\n",
    )
    .unwrap();
    (config, credentials)
}

/// `tokendeck [--json] login Pool --admin --username U --password-stdin`, with `answers` (the
/// password, then each challenge's answer) on standard input and only the AWS files given.
async fn admin_login(
    home: &Home,
    files: &(PathBuf, PathBuf),
    username: &str,
    answers: &[&str],
) -> std::process::Output {
    admin_login_with(home, files, username, answers, &[]).await
}

async fn admin_login_with(
    home: &Home,
    files: &(PathBuf, PathBuf),
    username: &str,
    answers: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"))
        .args([
            "--json",
            "login",
            "Pool",
            "--admin",
            "--username",
            username,
            "--password-stdin",
        ])
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .env("AWS_CONFIG_FILE", &files.0)
        .env("AWS_SHARED_CREDENTIALS_FILE", &files.1)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(format!("{}\n", answers.join("\n")).as_bytes())
        .await
        .unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

/// The environment a refresh runs with: only these AWS files, no instance metadata.
fn aws_env(files: &(PathBuf, PathBuf)) -> [(&'static str, &Path); 3] {
    [
        ("AWS_CONFIG_FILE", files.0.as_path()),
        ("AWS_SHARED_CREDENTIALS_FILE", files.1.as_path()),
        ("AWS_EC2_METADATA_DISABLED", Path::new("true")),
    ]
}

async fn set_profile(home: &Home, profile: &str) {
    let out = home
        .run(&["provider", "edit", "Pool", "--aws-profile", profile])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn admin_sign_in_with_an_aws_profile() {
    let moto = moto::Moto::start().await;
    let pool = moto.pool(true).await;
    moto.user(&pool, "alice", PASSWORD, true).await;
    moto.user(&pool, "newbie", "Temp-Passw0rd!", false).await;
    moto.user(&pool, "mfa-user", PASSWORD, true).await;
    moto.enable_totp(&pool, "mfa-user", PASSWORD).await;
    let qa = moto
        .iam_user(
            "qa",
            &[
                "cognito-idp:AdminInitiateAuth",
                "cognito-idp:AdminRespondToAuthChallenge",
            ],
        )
        .await;
    let nobody = moto.iam_user("nobody", &[]).await;

    let home = Home::new();
    let files = aws_files(&home.dir, &qa, &nobody);
    let config = tokendeck_core::provider::ProviderConfig {
        confidential: true,
        aws_profile: Some("qa".into()),
        ..moto.provider_config(&pool, "Pool", None)
    };
    home.app_deck()
        .save_provider(ProviderDraft {
            config,
            client_secret: pool.client_secret.clone(),
        })
        .await
        .unwrap();
    moto.enforce_aws_auth().await;

    // Signed with profile qa's keys: moto checks the signature and qa's policy.
    let out = admin_login(&home, &files, "alice", &[PASSWORD]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let account: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(account["label"], "alice", "{}", stdout(&out));
    let listed = home.list().await;
    let alice = &listed["accounts"][0];
    assert_eq!(alice["signIn"], "cognitoAdmin", "{listed}");
    let shown = home.run(&["list"]).await;
    assert!(
        stdout(&shown).contains("admin sign-in (AWS profile qa)"),
        "{}",
        stdout(&shown)
    );

    // Refreshed through the admin flow with the same credentials.
    let refreshed = home
        .run_with(&["refresh", "alice"], None, &aws_env(&files))
        .await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));

    // Challenges through AdminRespondToAuthChallenge: a new password, then an MFA code.
    let out = admin_login(
        &home,
        &files,
        "newbie",
        &["Temp-Passw0rd!", "New-Passw0rd!42"],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = admin_login(&home, &files, "mfa-user", &[PASSWORD, "123456"]).await;
    assert!(out.status.success(), "{}", stderr(&out));

    // A profile whose policy lacks the action: AWS's refusal names it and the fix.
    set_profile(&home, "nobody").await;
    let out = admin_login(&home, &files, "alice", &[PASSWORD]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains("AWS profile nobody may not call cognito-idp:AdminInitiateAuth"),
        "{said}"
    );
    assert!(said.contains("IAM policy"), "{said}");

    // A wrong secret key: the signature does not match.
    set_profile(&home, "forged").await;
    let out = admin_login(&home, &files, "alice", &[PASSWORD]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AWS refused the credentials of AWS profile forged"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("not-the-secret"), "{}", stderr(&out));

    // A profile that is nowhere: which one, and what to run.
    set_profile(&home, "ghost").await;
    let out = admin_login(&home, &files, "alice", &[PASSWORD]).await;
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let said: serde_json::Value = serde_json::from_str(&stderr(&out)).unwrap();
    let said = said["error"]["message"].as_str().unwrap();
    assert!(
        said.contains("no AWS credentials found for AWS profile \"ghost\""),
        "{said}"
    );
    assert!(said.contains("aws configure --profile ghost"), "{said}");

    // Refreshing when the AWS side fails (here: no credentials at all) goes through the
    // public call: the session is not lost to an expired SSO login.
    let refreshed = home
        .run_with(&["refresh", "alice"], None, &aws_env(&files))
        .await;
    assert!(refreshed.status.success(), "{}", stderr(&refreshed));

    // No profile set: the default chain, here the environment's keys.
    set_profile(&home, "").await;
    let out = admin_login_with(
        &home,
        &files,
        "alice",
        &[PASSWORD],
        &[
            ("AWS_ACCESS_KEY_ID", &qa.id),
            ("AWS_SECRET_ACCESS_KEY", &qa.secret),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));

    // The credentials are never written anywhere Tokendeck keeps things.
    for entry in std::fs::read_dir(&home.dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && !path.starts_with(&files.1) && path != files.1 && path != files.0 {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(!text.contains(&qa.secret), "{}", path.display());
        }
    }
}
