//! `tokendeck` becomes `tokendeck-direct` (installed beside it) for everything the agent does
//! not answer, and runs it only when no one else could have put or changed it there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of the two binaries in a directory of their own.
fn install(dir_mode: u32, direct_mode: Option<u32>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tokendeck-front-{}",
        &tokendeck_core::pkce::random_url_safe()[..10]
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_tokendeck"), dir.join("tokendeck")).unwrap();
    if let Some(mode) = direct_mode {
        let direct = dir.join("tokendeck-direct");
        std::fs::copy(env!("CARGO_BIN_EXE_tokendeck-direct"), &direct).unwrap();
        std::fs::set_permissions(&direct, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(dir.join("tokendeck"))
        .args(args)
        .env("TOKENDECK_CONFIG_DIR", dir.join("config"))
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_proper_install_runs_the_direct_binary_under_the_name_tokendeck() {
    let dir = install(0o755, Some(0o755));
    let out = run(&dir, &["--version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "tokendeck 0.1.0"
    );
    // Usage errors name `tokendeck`, not the binary it became.
    let out = run(&dir, &["token"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Usage: tokendeck token"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_direct_binary_others_could_change_is_not_run() {
    let dir = install(0o755, Some(0o777));
    let out = run(&dir, &["list"]);
    assert_eq!(out.status.code(), Some(126));
    assert!(stderr(&out).contains("refusing to run"), "{}", stderr(&out));
    // Nor from a directory anyone may write to (without the sticky bit).
    let dir = install(0o777, Some(0o755));
    let out = run(&dir, &["list"]);
    assert_eq!(out.status.code(), Some(126));
    assert!(
        stderr(&out).contains("writable by everyone"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_direct_binary_is_reported() {
    let dir = install(0o755, None);
    let out = run(&dir, &["list"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tokendeck-direct"),
        "{}",
        stderr(&out)
    );
}
