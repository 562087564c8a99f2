//! Cognito's own API on loopback: `moto` server (tests/.venv, from tests/requirements.txt).
//! It speaks Cognito's real wire format but does not check SRP proofs, so it proves the flow,
//! never the math (that is tested against pycognito's vectors).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub struct Moto {
    _child: Child,
    pub url: String,
}

/// An IAM user's access key.
pub struct AccessKey {
    pub id: String,
    pub secret: String,
}

pub struct Pool {
    pub id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl Moto {
    pub async fn start() -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let bin = std::env::var("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("tests/.venv/bin/moto_server"));
        assert!(
            bin.exists(),
            "moto is not installed: run scripts/setup (it creates tests/.venv)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/");
        for _ in 0..100 {
            if reqwest::get(format!("{url}moto-api/")).await.is_ok() {
                return Self { _child: child, url };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start");
    }

    pub async fn call(&self, service: &str, action: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .post(&self.url)
            .header("X-Amz-Target", format!("{service}.{action}"))
            .header("Content-Type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let v: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{action}: {status} {v}");
        v
    }

    async fn idp(&self, action: &str, body: Value) -> Value {
        self.call("AWSCognitoIdentityProviderService", action, body)
            .await
    }

    /// A pool with one app client (SRP, password and refresh flows) and confirmed users.
    pub async fn pool(&self, with_secret: bool) -> Pool {
        let pool = self
            .idp("CreateUserPool", json!({"PoolName": "tokendeck-test"}))
            .await;
        let id = pool["UserPool"]["Id"].as_str().unwrap().to_owned();
        let client = self
            .idp(
                "CreateUserPoolClient",
                json!({
                    "UserPoolId": id, "ClientName": "tokendeck", "GenerateSecret": with_secret,
                    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                }),
            )
            .await;
        let client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_owned();
        let client_secret = client["UserPoolClient"]["ClientSecret"]
            .as_str()
            .map(str::to_owned);
        Pool {
            id,
            client_id,
            client_secret,
        }
    }

    pub async fn user(&self, pool: &Pool, username: &str, password: &str, permanent: bool) {
        self.idp("AdminCreateUser", json!({"UserPoolId": pool.id, "Username": username, "TemporaryPassword": password, "MessageAction": "SUPPRESS"}))
            .await;
        if permanent {
            self.idp("AdminSetUserPassword", json!({"UserPoolId": pool.id, "Username": username, "Password": password, "Permanent": true}))
                .await;
        }
    }

    pub async fn identity_pool(&self, pool: &Pool) -> String {
        let v = self
            .call(
                "AWSCognitoIdentityService",
                "CreateIdentityPool",
                json!({
                    "IdentityPoolName": "tokendeck", "AllowUnauthenticatedIdentities": false,
                    "CognitoIdentityProviders": [{"ProviderName": format!("cognito-idp.us-east-1.amazonaws.com/{}", pool.id), "ClientId": pool.client_id}]
                }),
            )
            .await;
        v["IdentityPoolId"].as_str().unwrap().to_owned()
    }

    /// A Tokendeck provider for this pool: no hosted UI, API and identity calls to moto.
    pub fn provider_config(
        &self,
        pool: &Pool,
        name: &str,
        identity_pool_id: Option<String>,
    ) -> tokendeck_core::provider::ProviderConfig {
        use tokendeck_core::provider::{
            CognitoDomain, EndpointOverrides, ProviderConfig, ProviderSource,
        };
        let source = ProviderSource::Cognito {
            domain: CognitoDomain::None,
            region: "us-east-1".into(),
            user_pool_id: pool.id.clone(),
        };
        ProviderConfig {
            scopes: vec![],
            overrides: EndpointOverrides {
                cognito_idp: Some(self.url.clone()),
                cognito_identity: Some(self.url.clone()),
                jwks_uri: Some(self.jwks_uri(pool)),
                ..Default::default()
            },
            identity_pool_id,
            ..ProviderConfig::new(name, source, &pool.client_id)
        }
    }

    /// An IAM user allowed `actions` (none: a user with no policy), and its access key. Made
    /// before [`Moto::enforce_aws_auth`]: the IAM call only says which service it is for.
    pub async fn iam_user(&self, name: &str, actions: &[&str]) -> AccessKey {
        self.iam(&[("Action", "CreateUser"), ("UserName", name)])
            .await;
        if !actions.is_empty() {
            let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}).to_string();
            self.iam(&[
                ("Action", "PutUserPolicy"),
                ("UserName", name),
                ("PolicyName", "tokendeck"),
                ("PolicyDocument", &policy),
            ])
            .await;
        }
        let created = self
            .iam(&[("Action", "CreateAccessKey"), ("UserName", name)])
            .await;
        let field = |tag: &str| {
            let start = created.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
            let end = created.find(&format!("</{tag}>")).unwrap();
            created[start..end].to_owned()
        };
        AccessKey {
            id: field("AccessKeyId"),
            secret: field("SecretAccessKey"),
        }
    }

    async fn iam(&self, params: &[(&str, &str)]) -> String {
        let mut form = vec![("Version", "2010-05-08")];
        form.extend_from_slice(params);
        let response = reqwest::Client::new()
            .post(&self.url)
            // Unchecked until auth is enforced; it names the service (moto routes by it).
            .header("Authorization", "AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "IAM {params:?}: {status} {text}");
        text
    }

    /// From now on every call must be signed by a known IAM user's key (moto checks the SigV4
    /// signature) and allowed by its policies, as AWS does. Public sign-in operations stay open.
    pub async fn enforce_aws_auth(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}moto-api/reset-auth", self.url))
            .header("Content-Type", "text/plain")
            .body("0")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// Turns authenticator-app MFA on for a user (moto accepts any code).
    pub async fn enable_totp(&self, pool: &Pool, username: &str, password: &str) {
        let mut params = json!({"USERNAME": username, "PASSWORD": password});
        if let Some(secret) = &pool.client_secret {
            params["SECRET_HASH"] = json!(
                tokendeck_core::cognito::srp::secret_hash(username, &pool.client_id, secret)
                    .unwrap()
            );
        }
        let signed_in = self
            .idp("AdminInitiateAuth", json!({"UserPoolId": pool.id, "ClientId": pool.client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": params}))
            .await;
        let access = signed_in["AuthenticationResult"]["AccessToken"].clone();
        self.idp("AssociateSoftwareToken", json!({"AccessToken": access}))
            .await;
        self.idp(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": "123456"}),
        )
        .await;
        self.idp("AdminSetUserMFAPreference", json!({"UserPoolId": pool.id, "Username": username, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}))
            .await;
    }

    pub fn jwks_uri(&self, pool: &Pool) -> String {
        format!("{}{}/.well-known/jwks.json", self.url, pool.id)
    }
}
