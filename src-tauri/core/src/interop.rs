//! What other tools read: environment variables (for `tokendeck env`, `tokendeck exec` and a
//! shell's `eval`), and Kubernetes' `ExecCredential` (for a kubeconfig's `exec` user).

use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use crate::deck::SessionTokens;
use crate::error::{Error, Result};

/// The variable names `env` and `exec` set; an empty name leaves that variable out.
#[derive(Debug, Clone)]
pub struct EnvNames {
    pub access_token: String,
    pub id_token: String,
    pub expires_at: String,
}

impl Default for EnvNames {
    fn default() -> Self {
        Self {
            access_token: "TOKENDECK_ACCESS_TOKEN".into(),
            id_token: "TOKENDECK_ID_TOKEN".into(),
            expires_at: "TOKENDECK_EXPIRES_AT".into(),
        }
    }
}

/// One variable to set; the value can be a token (not printed by `Debug`).
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

impl std::fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvVar")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The variables for a session: access token, ID token (when the session has one) and the
/// access token's expiry in Unix seconds. Names are checked to be plain shell names.
pub fn env_vars(tokens: &SessionTokens, names: &EnvNames) -> Result<Vec<EnvVar>> {
    let values = [
        (
            &names.access_token,
            Some(tokens.access_token.expose_secret().to_owned()),
        ),
        (
            &names.id_token,
            tokens
                .id_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
        ),
        (&names.expires_at, tokens.expires_at.map(|e| e.to_string())),
    ];
    let mut vars = Vec::new();
    for (name, value) in values {
        if name.is_empty() {
            continue;
        }
        check_name(name)?;
        if let Some(value) = value {
            vars.push(EnvVar {
                name: name.clone(),
                value,
            });
        }
    }
    Ok(vars)
}

/// `export NAME='value'` lines, each value quoted for a POSIX shell.
pub fn export_lines(vars: &[EnvVar]) -> Result<String> {
    let pairs: Vec<(&str, &str)> = vars
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    crate::shell::export_lines(&pairs)
}

fn check_name(name: &str) -> Result<()> {
    let plain = !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    match plain {
        true => Ok(()),
        false => Err(Error::config(
            "variable name",
            format!(
                "\"{name}\" is not a shell variable name (letters, digits and _, not starting with a digit)"
            ),
        )),
    }
}

/// A `client.authentication.k8s.io/v1` ExecCredential: what a kubeconfig `exec` user prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecCredential {
    api_version: &'static str,
    kind: &'static str,
    status: ExecCredentialStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    token: String,
    /// RFC 3339; clients run the command again once it has passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_timestamp: Option<String>,
}

impl std::fmt::Debug for ExecCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecCredential")
            .field("expiration", &self.status.expiration_timestamp)
            .finish_non_exhaustive()
    }
}

impl ExecCredential {
    pub fn new(token: String, expires_at: Option<u64>) -> Self {
        Self {
            api_version: "client.authentication.k8s.io/v1",
            kind: "ExecCredential",
            status: ExecCredentialStatus {
                token,
                expiration_timestamp: expires_at.map(rfc3339),
            },
        }
    }
}

fn rfc3339(unix: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{AccessToken, IdToken};

    fn tokens() -> SessionTokens {
        SessionTokens {
            access_token: AccessToken::new("acc'ess"),
            id_token: Some(IdToken::new("id.tok.en")),
            expires_at: Some(1_800_000_000),
        }
    }

    #[test]
    fn env_lines_quote_values_and_skip_empty_names() {
        let names = EnvNames {
            id_token: String::new(),
            ..EnvNames::default()
        };
        let text = export_lines(&env_vars(&tokens(), &names).unwrap()).unwrap();
        assert_eq!(
            text,
            "export TOKENDECK_ACCESS_TOKEN=\"acc'ess\"\nexport TOKENDECK_EXPIRES_AT=1800000000\n"
        );
        let bad = EnvNames {
            access_token: "X;rm".into(),
            ..EnvNames::default()
        };
        assert!(env_vars(&tokens(), &bad).is_err());
    }

    #[test]
    fn exec_credential_has_the_v1_shape() {
        let json = serde_json::to_value(ExecCredential::new("t".into(), Some(1_800_000_000)))
            .unwrap_or_default();
        assert_eq!(json["apiVersion"], "client.authentication.k8s.io/v1");
        assert_eq!(json["kind"], "ExecCredential");
        assert_eq!(json["status"]["token"], "t");
        assert_eq!(
            json["status"]["expirationTimestamp"],
            "2027-01-15T08:00:00Z"
        );
    }
}
