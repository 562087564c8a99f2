//! Identity pools: an ID token from a user pool exchanged for temporary AWS credentials
//! (`GetId`, then `GetCredentialsForIdentity`, both unsigned).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use super::aws_json::{self, AwsError, AwsService};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::secret::IdToken;

const IDENTITY_API: AwsService = AwsService {
    target: "AWSCognitoIdentityService",
    name: "the Cognito identity API",
};

/// Temporary AWS credentials. `Debug` hides the secret parts.
#[derive(Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsCredentials {
    pub identity_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Unix seconds.
    pub expiration: u64,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("identity_id", &self.identity_id)
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl AwsCredentials {
    /// `export AWS_ACCESS_KEY_ID=…` lines for a shell, each value quoted.
    pub fn as_env(&self) -> Result<String> {
        crate::shell::export_lines(&[
            ("AWS_ACCESS_KEY_ID", &self.access_key_id),
            ("AWS_SECRET_ACCESS_KEY", &self.secret_access_key),
            ("AWS_SESSION_TOKEN", &self.session_token),
        ])
    }

    /// The JSON an AWS CLI/SDK `credential_process` must print.
    pub fn as_credential_process(&self) -> String {
        json!({
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": rfc3339(self.expiration),
        })
        .to_string()
    }
}

fn rfc3339(unix: u64) -> String {
    let stamp = super::srp::cognito_timestamp(unix); // "Thu Mar 5 07:04:09 UTC 2026"
    let parts: Vec<&str> = stamp.split(' ').collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(m) == parts.get(1))
    .unwrap_or(0)
        + 1;
    let day: u32 = parts.get(2).and_then(|d| d.parse().ok()).unwrap_or(1);
    format!(
        "{}-{month:02}-{day:02}T{}Z",
        parts.get(5).copied().unwrap_or("1970"),
        parts.get(3).copied().unwrap_or("00:00:00")
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetIdResponse {
    identity_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsResponse {
    identity_id: String,
    credentials: RawCredentials,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawCredentials {
    access_key_id: String,
    secret_key: String,
    session_token: String,
    expiration: f64,
}

/// `https://cognito-identity.<region>.amazonaws.com/` unless overridden.
pub fn default_endpoint(region: &str) -> Result<Url> {
    crate::provider::parse_endpoint(
        "Cognito identity endpoint",
        &format!("https://cognito-identity.{region}.amazonaws.com/"),
    )
}

/// Exchanges a verified user-pool ID token for AWS credentials.
pub async fn credentials_for(
    http: &HttpClient,
    endpoint: &Url,
    identity_pool_id: &str,
    region: &str,
    user_pool_id: &str,
    id_token: &IdToken,
) -> Result<AwsCredentials> {
    // The logins map names the pool by its issuer without the scheme.
    let issuer = crate::provider::cognito_issuer(region, user_pool_id);
    let login_key = issuer.trim_start_matches("https://");
    let logins = json!({ login_key: id_token.expose_secret() });
    let id: GetIdResponse = call(
        http,
        endpoint,
        "GetId",
        json!({"IdentityPoolId": identity_pool_id, "Logins": logins}),
    )
    .await?;
    let creds: CredentialsResponse = call(
        http,
        endpoint,
        "GetCredentialsForIdentity",
        json!({"IdentityId": id.identity_id, "Logins": logins}),
    )
    .await?;
    Ok(AwsCredentials {
        identity_id: creds.identity_id,
        access_key_id: creds.credentials.access_key_id,
        secret_access_key: creds.credentials.secret_key,
        session_token: creds.credentials.session_token,
        expiration: creds.credentials.expiration.max(0.0) as u64,
    })
}

async fn call<T: serde::de::DeserializeOwned>(
    http: &HttpClient,
    url: &Url,
    action: &str,
    body: Value,
) -> Result<T> {
    aws_json::call(http, url, IDENTITY_API, action, &body, None, identity_error).await
}

fn identity_error(e: AwsError) -> Error {
    let AwsError { kind, message, .. } = e;
    match kind.as_str() {
        "NotAuthorizedException" => Error::AccessDenied {
            detail: format!(
                "{kind}: {message}. Check that the identity pool trusts this user pool and app client"
            ),
        },
        "ResourceNotFoundException" => Error::config(
            "identity pool id",
            format!("{message}; check the identity pool id and region"),
        ),
        _ => Error::Provider {
            error: kind,
            description: Some(message),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_process_format() {
        let c = AwsCredentials {
            identity_id: "us-east-1:x".into(),
            access_key_id: "AKIA".into(),
            secret_access_key: "SECRET".into(),
            session_token: "TOKEN".into(),
            expiration: 1_795_328_893,
        };
        let v: Value = serde_json::from_str(&c.as_credential_process()).unwrap();
        assert_eq!(v["Version"], 1);
        assert_eq!(v["Expiration"], "2026-11-22T06:28:13Z");
        assert!(
            c.as_env()
                .unwrap()
                .contains("export AWS_SESSION_TOKEN=TOKEN\n")
        );
        assert!(!format!("{c:?}").contains("SECRET"));
    }
}
