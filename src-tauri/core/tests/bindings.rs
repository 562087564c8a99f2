//! The TypeScript types in ui/src/lib/bindings are generated from these Rust types (ts-rs).
//! This test fails when they drift; `TOKENDECK_UPDATE_BINDINGS=1 cargo test -p tokendeck-core
//! --test bindings` rewrites them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use tokendeck_core::deck::{
    AccountDetail, AwsCredentialFormat, AwsCredentialsView, CheckReport, CopyKind, DeckView,
    DeviceSignInView, ImportReport, InspectRequest, PasswordFlow, PasswordSignIn, ProviderDraft,
    RefreshOutcome, SignInRequest, SignInStartedView, SignOutView, UserInfoView,
};
use tokendeck_core::inspect::TokenView;
use tokendeck_core::ipc::AppEvent;
use tokendeck_core::wire::WireError;
use ts_rs::{Config, TS};

mod ipc;

fn export_all(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    DeckView::export_all(&cfg).unwrap();
    AccountDetail::export_all(&cfg).unwrap();
    CheckReport::export_all(&cfg).unwrap();
    CopyKind::export_all(&cfg).unwrap();
    InspectRequest::export_all(&cfg).unwrap();
    ProviderDraft::export_all(&cfg).unwrap();
    RefreshOutcome::export_all(&cfg).unwrap();
    SignInRequest::export_all(&cfg).unwrap();
    SignInStartedView::export_all(&cfg).unwrap();
    DeviceSignInView::export_all(&cfg).unwrap();
    SignOutView::export_all(&cfg).unwrap();
    TokenView::export_all(&cfg).unwrap();
    WireError::export_all(&cfg).unwrap();
    PasswordSignIn::export_all(&cfg).unwrap();
    PasswordFlow::export_all(&cfg).unwrap();
    AwsCredentialFormat::export_all(&cfg).unwrap();
    AwsCredentialsView::export_all(&cfg).unwrap();
    AppEvent::export_all(&cfg).unwrap();
    ImportReport::export_all(&cfg).unwrap();
    UserInfoView::export_all(&cfg).unwrap();
    ipc::write_commands_ts(dir);
}

/// The commands the window may call, the ones the shell registers and the ones `build.rs`
/// declares (and so capabilities can grant) are the same set.
#[test]
fn every_command_is_registered_and_declared() {
    let defined: std::collections::BTreeSet<String> =
        ipc::read_commands().into_iter().map(|c| c.name).collect();
    assert!(defined.contains("snapshot"), "{defined:?}");
    assert_eq!(
        defined,
        ipc::registered_commands(),
        "commands.rs vs generate_handler! in lib.rs"
    );
    assert_eq!(
        defined,
        ipc::declared_commands(),
        "commands.rs vs COMMANDS in build.rs"
    );
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ts") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.insert(name, fs::read_to_string(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings");
    let fresh = std::env::temp_dir().join(format!("tokendeck-bindings-{}", std::process::id()));
    let _ = fs::remove_dir_all(&fresh);
    export_all(&fresh);
    let generated = read_dir(&fresh);
    assert!(generated.contains_key("DeckView.ts"));
    if std::env::var("TOKENDECK_UPDATE_BINDINGS").as_deref() == Ok("1") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI checks the committed bindings; it never rewrites them"
        );
        let _ = fs::remove_dir_all(&committed);
        export_all(&committed);
        return;
    }
    let existing = read_dir(&committed);
    let stale: Vec<&String> = generated
        .iter()
        .filter(|(name, text)| existing.get(*name) != Some(text))
        .map(|(name, _)| name)
        .chain(
            existing
                .keys()
                .filter(|name| !generated.contains_key(*name)),
        )
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/lib/bindings is out of date ({stale:?}); run: TOKENDECK_UPDATE_BINDINGS=1 cargo test -p tokendeck-core --test bindings"
    );
}
