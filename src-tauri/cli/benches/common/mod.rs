//! Shared by the CLI benchmarks: alice signed in through the app's Deck, a whole process
//! timed, and `secret-tool lookup` (the floor for reading one keyring secret).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tokendeck_core::OidcClient;
use tokendeck_core::deck::Deck;
use tokendeck_core::http::HttpClient;
use tokendeck_core::ids::AccountId;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::{ConfigStore, Vault};

use crate::support::{ALICE, LocalProvider, NATIVE, add_provider, sign_in_account};

/// Adds the local pool to the settings in `dir` and signs alice in, as the app would.
pub async fn alice_signed_in(provider: &LocalProvider, dir: &Path) -> AccountId {
    let deck = Deck::open(
        OidcClient::new(HttpClient::new().unwrap()),
        ConfigStore::new(dir),
        Vault::default(),
    )
    .unwrap();
    let config = ProviderConfig {
        id: "".into(),
        name: "bench-pool".into(),
        ..provider.cognito_config(NATIVE)
    };
    let id = add_provider(&deck, config, None).await;
    sign_in_account(&deck, &id, ALICE).await
}

/// How long `cmd` takes as a whole process; it must succeed.
pub fn time(mut cmd: Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().unwrap();
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// `secret-tool lookup` of the account's refresh token.
pub fn secret_tool_lookup(account_id: &AccountId) -> Command {
    let mut c = Command::new("secret-tool");
    c.args([
        "lookup",
        "service",
        "io.github.tokendeck",
        "username",
        &format!("refresh-token:{account_id}"),
    ]);
    c
}
