//! Cognito's user-pool API (`AWSCognitoIdentityProviderService`), unsigned JSON calls as the
//! Amplify libraries make them: InitiateAuth (USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! REFRESH_TOKEN_AUTH), RespondToAuthChallenge (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED,
//! SOFTWARE_TOKEN_MFA, SMS_MFA), RevokeToken and GetUser (`user`). Passwords are never stored.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

mod user;

use super::aws_json::{self, AwsError, AwsService};
pub use super::challenge::{Challenge, ChallengeAnswer, ChallengeName};
use super::srp::{SrpClient, secret_hash};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::secret::{AccessToken, ChallengeSession, ClientSecret, IdToken, RefreshToken};
use crate::token::{TokenResponse, TokenSet, unix_now};

const USER_POOL_API: AwsService = AwsService {
    target: "AWSCognitoIdentityProviderService",
    name: "the Cognito API",
};

/// One app client of one user pool, as the API sees it.
#[derive(Debug, Clone)]
pub struct PoolClient {
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
    pub client_secret: Option<ClientSecret>,
    /// `https://cognito-idp.<region>.amazonaws.com/` unless overridden (local emulators).
    pub endpoint: Url,
}

impl PoolClient {
    pub fn default_endpoint(region: &str) -> Result<Url> {
        crate::provider::parse_endpoint(
            "Cognito API endpoint",
            &format!("https://cognito-idp.{region}.amazonaws.com/"),
        )
    }

    fn secret_hash(&self, username: &str) -> Result<Option<String>> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash(username, &self.client_id, s.expose_secret()))
            .transpose()
    }
}

#[derive(Debug)]
pub enum AuthStep {
    Tokens(TokenSet),
    Challenge(Challenge),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthResponse {
    #[serde(default)]
    challenge_name: Option<String>,
    #[serde(default)]
    session: Option<ChallengeSession>,
    #[serde(default)]
    challenge_parameters: HashMap<String, Value>,
    #[serde(default)]
    authentication_result: Option<AuthResult>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthResult {
    access_token: AccessToken,
    #[serde(default)]
    id_token: Option<IdToken>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    token_type: Option<String>,
}

impl AuthResult {
    fn into_tokens(self) -> Result<TokenSet> {
        let response = TokenResponse {
            access_token: self.access_token,
            token_type: self.token_type.unwrap_or_else(|| "Bearer".into()),
            expires_in: self.expires_in,
            refresh_token: self.refresh_token,
            id_token: self.id_token,
            scope: None,
            refresh_expires_in: None,
        };
        response.check_characters()?;
        Ok(TokenSet::from_response(response, unix_now()))
    }
}

/// Which call an error came from decides what it means (a NotAuthorizedException is a wrong
/// password at sign-in but a dead refresh token on refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    SignIn,
    Refresh,
    Other,
}

pub struct CognitoIdp<'a> {
    http: &'a HttpClient,
    pool: &'a PoolClient,
}

impl std::fmt::Debug for CognitoIdp<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoIdp")
            .field("client_id", &self.pool.client_id)
            .finish_non_exhaustive()
    }
}

impl<'a> CognitoIdp<'a> {
    pub fn new(http: &'a HttpClient, pool: &'a PoolClient) -> Self {
        Self { http, pool }
    }

    /// USER_SRP_AUTH: the password never leaves this process, only a proof of it.
    pub async fn sign_in_srp(&self, username: &str, password: &SecretString) -> Result<AuthStep> {
        let srp = SrpClient::new()?;
        let mut params = json!({"USERNAME": username, "SRP_A": srp.public_a_hex()});
        if let Some(hash) = self.pool.secret_hash(username)? {
            put(&mut params, "SECRET_HASH", json!(hash));
        }
        let response = self.initiate("USER_SRP_AUTH", params).await?;
        let step = self.step(response, username)?;
        let AuthStep::Challenge(challenge) = step else {
            return Ok(step);
        };
        if challenge.name != ChallengeName::PasswordVerifier {
            return Ok(AuthStep::Challenge(challenge));
        }
        let param = |name: &str| {
            challenge
                .parameters
                .get(name)
                .cloned()
                .ok_or_else(|| Error::Provider {
                    error: "invalid_challenge".into(),
                    description: Some(format!("PASSWORD_VERIFIER without {name}")),
                })
        };
        let user_id = param("USER_ID_FOR_SRP")?;
        let secret_block = param("SECRET_BLOCK")?;
        let claim = srp.password_claim(
            &self.pool.user_pool_id,
            &user_id,
            password,
            &param("SRP_B")?,
            &param("SALT")?,
            &secret_block,
            unix_now(),
        )?;
        let mut responses = json!({
            "USERNAME": challenge.username,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": claim.signature,
            "TIMESTAMP": claim.timestamp,
        });
        if let Some(hash) = self.pool.secret_hash(&challenge.username)? {
            put(&mut responses, "SECRET_HASH", json!(hash));
        }
        let response = self
            .respond_raw(
                "PASSWORD_VERIFIER",
                challenge
                    .session
                    .as_ref()
                    .map(ChallengeSession::expose_secret),
                responses,
            )
            .await?;
        self.step(response, &challenge.username)
    }

    /// USER_PASSWORD_AUTH: the password goes to Cognito over TLS (the app client must allow it).
    pub async fn sign_in_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<AuthStep> {
        use secrecy::ExposeSecret;
        let mut params = json!({"USERNAME": username, "PASSWORD": password.expose_secret()});
        if let Some(hash) = self.pool.secret_hash(username)? {
            put(&mut params, "SECRET_HASH", json!(hash));
        }
        let response = self.initiate("USER_PASSWORD_AUTH", params).await?;
        self.step(response, username)
    }

    pub async fn answer(&self, challenge: Challenge, answer: ChallengeAnswer) -> Result<AuthStep> {
        use secrecy::ExposeSecret;
        let mut responses = json!({"USERNAME": challenge.username});
        match (&challenge.name, answer) {
            (ChallengeName::NewPasswordRequired, ChallengeAnswer::NewPassword(p)) => {
                put(&mut responses, "NEW_PASSWORD", json!(p.expose_secret()));
            }
            (ChallengeName::SoftwareTokenMfa, ChallengeAnswer::MfaCode(code)) => {
                put(
                    &mut responses,
                    "SOFTWARE_TOKEN_MFA_CODE",
                    json!(code.expose_secret()),
                );
            }
            (ChallengeName::SmsMfa, ChallengeAnswer::MfaCode(code)) => {
                put(&mut responses, "SMS_MFA_CODE", json!(code.expose_secret()));
            }
            (name, _) => {
                return Err(Error::Unsupported {
                    what: "this answer",
                    hint: if *name == ChallengeName::NewPasswordRequired {
                        "a new password is required"
                    } else {
                        "a code is required"
                    },
                });
            }
        }
        if let Some(hash) = self.pool.secret_hash(&challenge.username)? {
            put(&mut responses, "SECRET_HASH", json!(hash));
        }
        let response = self
            .respond_raw(
                challenge.name.as_str(),
                challenge
                    .session
                    .as_ref()
                    .map(ChallengeSession::expose_secret),
                responses,
            )
            .await?;
        self.step(response, &challenge.username)
    }

    /// REFRESH_TOKEN_AUTH. Cognito returns no new refresh token; the old one is kept.
    /// `username` is needed only for SECRET_HASH (Cognito accepts the `sub` there).
    pub async fn refresh(&self, refresh_token: &RefreshToken, username: &str) -> Result<TokenSet> {
        let mut params = json!({"REFRESH_TOKEN": refresh_token.expose_secret()});
        if let Some(hash) = self.pool.secret_hash(username)? {
            put(&mut params, "SECRET_HASH", json!(hash));
        }
        let body = json!({"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": self.pool.client_id, "AuthParameters": params});
        let response: AuthResponse = self.call("InitiateAuth", body, Call::Refresh).await?;
        let mut tokens = response
            .authentication_result
            .ok_or_else(|| Error::InvalidGrant {
                detail: "Cognito answered a refresh with a challenge".into(),
            })?
            .into_tokens()?;
        tokens.refresh_token = tokens.refresh_token.or_else(|| Some(refresh_token.clone()));
        Ok(tokens)
    }

    /// RevokeToken: ends the refresh token and the access tokens issued from it.
    pub async fn revoke(&self, refresh_token: &RefreshToken) -> Result<()> {
        let mut body =
            json!({"Token": refresh_token.expose_secret(), "ClientId": self.pool.client_id});
        if let Some(secret) = &self.pool.client_secret {
            put(&mut body, "ClientSecret", json!(secret.expose_secret()));
        }
        let _: Value = self.call("RevokeToken", body, Call::Other).await?;
        Ok(())
    }

    async fn initiate(&self, flow: &str, params: Value) -> Result<AuthResponse> {
        let body =
            json!({"AuthFlow": flow, "ClientId": self.pool.client_id, "AuthParameters": params});
        self.call("InitiateAuth", body, Call::SignIn).await
    }

    async fn respond_raw(
        &self,
        name: &str,
        session: Option<&str>,
        responses: Value,
    ) -> Result<AuthResponse> {
        let mut body = json!({"ChallengeName": name, "ClientId": self.pool.client_id, "ChallengeResponses": responses});
        if let Some(session) = session {
            put(&mut body, "Session", json!(session));
        }
        self.call("RespondToAuthChallenge", body, Call::SignIn)
            .await
    }

    fn step(&self, response: AuthResponse, username: &str) -> Result<AuthStep> {
        if let Some(result) = response.authentication_result {
            return Ok(AuthStep::Tokens(result.into_tokens()?));
        }
        let name = response
            .challenge_name
            .as_deref()
            .map(ChallengeName::parse)
            .ok_or_else(|| Error::Provider {
                error: "invalid_response".into(),
                description: Some("Cognito answered with neither tokens nor a challenge".into()),
            })?;
        let parameters: HashMap<String, String> = response
            .challenge_parameters
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        let username = parameters
            .get("USERNAME")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        Ok(AuthStep::Challenge(Challenge {
            name,
            username,
            session: response.session,
            parameters,
        }))
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        action: &str,
        body: Value,
        call: Call,
    ) -> Result<T> {
        aws_json::call(
            self.http,
            &self.pool.endpoint,
            USER_POOL_API,
            action,
            &body,
            |e| api_error(e, call),
        )
        .await
    }
}

/// Maps an AWS JSON error (`{"__type": "...Exception", "message": "..."}`) to what to do.
fn api_error(e: AwsError, call: Call) -> Error {
    let kind = e.kind;
    let detail = format!("{kind}: {}", e.message);
    match kind.as_str() {
        "NotAuthorizedException" if call == Call::Refresh => Error::InvalidGrant { detail },
        "NotAuthorizedException"
            if e.message.contains("SECRET_HASH") || e.message.contains("secret") =>
        {
            Error::InvalidClient {
                detail,
                hint: "Check the client secret: this app client needs its secret (or has none).",
            }
        }
        "NotAuthorizedException"
        | "UserNotFoundException"
        | "PasswordResetRequiredException"
        | "UserNotConfirmedException"
        | "CodeMismatchException"
        | "ExpiredCodeException" => Error::AccessDenied { detail },
        "ResourceNotFoundException" => Error::InvalidClient {
            detail,
            hint: "Check the app client id and the user pool's region.",
        },
        "InvalidParameterException" if e.message.contains("not enabled") => Error::InvalidClient {
            detail,
            hint: "Enable this authentication flow (ALLOW_USER_SRP_AUTH / ALLOW_USER_PASSWORD_AUTH / ALLOW_REFRESH_TOKEN_AUTH) on the app client.",
        },
        "InvalidPasswordException" => Error::Provider {
            error: "invalid_password".into(),
            description: Some(e.message),
        },
        "TooManyRequestsException" | "InternalErrorException" | "LimitExceededException" => {
            Error::UnexpectedResponse {
                endpoint: "the Cognito API",
                status: e.status,
                body_kind: detail,
            }
        }
        _ => Error::Provider {
            error: kind,
            description: Some(e.message),
        },
    }
}

/// Sets a field of a JSON object built with `json!({...})`.
fn put(target: &mut Value, key: &str, value: Value) {
    if let Some(object) = target.as_object_mut() {
        object.insert(key.to_owned(), value);
    }
}
