//! The `tokendeck` binary run as a user would: its own config directory, the shared keyring
//! (scripts/with-keyring), and the app's Deck over the same files.
#![allow(dead_code)] // shared by test crates that each use a part

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use tokendeck_core::OidcClient;
use tokendeck_core::deck::{Deck, ProviderDraft};
use tokendeck_core::http::HttpClient;
use tokendeck_core::provider::ProviderConfig;
use tokendeck_core::store::{ConfigStore, Vault};
use tokio::io::AsyncWriteExt;

use crate::support::{LocalProvider, provider_dir};

pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tokendeck-cli-{}",
            tokendeck_core::pkce::random_url_safe()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    /// What the app opens: the same files and keyring the CLI reads.
    pub fn app_deck(&self) -> Deck {
        Deck::open(
            OidcClient::new(HttpClient::new().unwrap()),
            ConfigStore::new(&self.dir),
            Vault::default(),
        )
        .unwrap()
    }

    /// Adds a provider the way the app does.
    pub async fn add(&self, config: ProviderConfig) -> tokendeck_core::ids::ProviderId {
        self.app_deck()
            .save_provider(ProviderDraft {
                config,
                client_secret: None,
            })
            .await
            .unwrap()
            .config
            .id
    }

    pub fn browser_script(&self, user: (&str, &str)) -> PathBuf {
        let script = self.dir.join("browser.sh");
        let login = provider_dir().join("browser-login.mjs");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nexec node '{}' \"$1\" '{}' '{}' 'http://127.0.0.1:' >/dev/null 2>&1\n",
                login.display(),
                user.0,
                user.1
            ),
        )
        .unwrap();
        std::process::Command::new("chmod")
            .arg("+x")
            .arg(&script)
            .status()
            .unwrap();
        script
    }

    /// `tokendeck login PROVIDER` with `user` typing their password into the (scripted) browser.
    pub async fn login(&self, provider: &str, user: (&str, &str)) -> Output {
        let browser = self.browser_script(user);
        self.run_with(
            &["login", provider],
            None,
            &[("TOKENDECK_BROWSER", &browser)],
        )
        .await
    }

    /// `tokendeck login PROVIDER --password` with the password on standard input (Cognito SRP).
    pub async fn password_login(&self, provider: &str, username: &str, password: &str) -> Output {
        self.run_with(
            &[
                "login",
                provider,
                "--password",
                "--username",
                username,
                "--password-stdin",
            ],
            Some(&format!("{password}\n")),
            &[],
        )
        .await
    }

    /// `tokendeck --json provider list`, parsed.
    pub async fn providers(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["--json", "provider", "list"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<serde_json::Value>(&stdout(&out))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// `tokendeck --json list`, parsed.
    pub async fn list(&self) -> serde_json::Value {
        serde_json::from_str(&stdout(&self.run(&["--json", "list"]).await)).unwrap()
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None, &[]).await
    }

    pub async fn run_with(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &Path)],
    ) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"));
        cmd.args(args)
            .env("TOKENDECK_CONFIG_DIR", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).await.unwrap();
        }
        drop(input);
        child.wait_with_output().await.unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

pub fn local(provider: &LocalProvider, client: &str, name: &str) -> ProviderConfig {
    ProviderConfig {
        id: "".into(),
        name: name.into(),
        ..provider.cognito_config(client)
    }
}
