//! Lints of the shipped Tauri configuration: a strict CSP, no remote origins, and the window
//! granted exactly Tokendeck's own commands plus event listening.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use serde_json::Value;

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The commands registered in build.rs (the app manifest).
fn manifest_commands() -> BTreeSet<String> {
    let build = include_str!("../build.rs");
    let list = build
        .split("const COMMANDS")
        .nth(1)
        .unwrap()
        .split("];")
        .next()
        .unwrap();
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn csp_is_strict_and_local() {
    let conf = json("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"]
        .as_object()
        .expect("a CSP must be set");
    for (directive, value) in csp {
        let value = value.as_str().unwrap();
        for banned in ["http:", "https:", "*", "'unsafe-eval'"] {
            assert!(
                !value
                    .split_whitespace()
                    .any(|s| s == banned || s.starts_with("https://")),
                "{directive} allows {banned}"
            );
        }
    }
    let scripts = csp["script-src"].as_str().unwrap();
    assert_eq!(
        scripts, "'self'",
        "scripts only from the app bundle (no data:, blob:, inline)"
    );
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(conf["app"]["withGlobalTauri"], false);
}

#[test]
fn the_window_gets_only_our_commands_and_events() {
    let cap = json("capabilities/default.json");
    assert!(cap.get("remote").is_none(), "no remote origin may use IPC");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let mut expected: BTreeSet<String> = manifest_commands()
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(
        granted, expected,
        "capabilities must grant exactly the app's commands and event listening"
    );
}

#[test]
fn every_registered_command_is_in_the_manifest() {
    let lib = include_str!("../src/lib.rs");
    let handlers = lib
        .split("generate_handler![")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    let registered: BTreeSet<String> = handlers
        .split(',')
        .map(|h| h.trim().trim_start_matches("commands::").to_owned())
        .filter(|h| !h.is_empty())
        .collect();
    assert_eq!(registered, manifest_commands());
}

#[test]
fn no_command_returns_a_refresh_token_or_secret() {
    let commands = include_str!("../src/commands.rs");
    for banned in ["RefreshToken", "ClientSecret", "expose_secret"] {
        assert!(!commands.contains(banned), "commands.rs mentions {banned}");
    }
}
