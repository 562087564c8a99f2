//! The hand-made Cognito stand-in for CUSTOM_AUTH and USER_AUTH (tests/provider/cognito-flows.mjs),
//! which no emulator implements: started on a free port, and a provider for its pool.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Stdio;

use serde_json::Value;
use tokendeck_core::provider::{CognitoDomain, EndpointOverrides, ProviderConfig, ProviderSource};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn provider_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/provider")
}

pub struct StandIn {
    _child: Child,
    pub url: String,
    pub issuer: String,
    pub pool_id: String,
    pub client_id: String,
}

impl StandIn {
    pub async fn start() -> Self {
        let mut child = Command::new("node")
            .arg(provider_dir().join("cognito-flows.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .await
            .unwrap();
        let ready: Value = serde_json::from_str(&line).unwrap();
        let text = |k: &str| ready[k].as_str().unwrap().to_owned();
        Self {
            url: text("url"),
            issuer: text("issuer"),
            pool_id: text("poolId"),
            client_id: text("clientId"),
            _child: child,
        }
    }

    /// A provider for the stand-in's pool: no hosted UI, its API, issuer and keys.
    pub fn config(&self) -> ProviderConfig {
        let source = ProviderSource::Cognito {
            domain: CognitoDomain::None,
            region: "us-east-1".into(),
            user_pool_id: self.pool_id.clone(),
        };
        ProviderConfig {
            scopes: vec![],
            overrides: EndpointOverrides {
                issuer: Some(self.issuer.clone()),
                jwks_uri: Some(format!("{}/.well-known/jwks.json", self.issuer)),
                cognito_idp: Some(self.url.clone()),
                ..Default::default()
            },
            ..ProviderConfig::new("Flows pool", source, &self.client_id)
        }
    }

    /// How many API requests the stand-in has answered.
    pub async fn request_count(&self) -> usize {
        self.get("__test/requests").await.as_array().unwrap().len()
    }

    /// The last one-time code the stand-in "sent".
    pub async fn last_code(&self) -> String {
        self.get("__test/last-code").await["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Answers to challenges take `ms` milliseconds from now on.
    pub async fn delay_answers(&self, ms: u64) {
        reqwest::Client::new()
            .post(format!("{}__test/answer-delay", self.url))
            .json(&serde_json::json!({ "ms": ms }))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    pub async fn get(&self, path: &str) -> Value {
        reqwest::get(format!("{}{path}", self.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}
