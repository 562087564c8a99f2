//! Cognito's user-pool API (`AWSCognitoIdentityProviderService`), unsigned JSON calls as the
//! Amplify libraries make them: InitiateAuth (USER_SRP_AUTH, USER_PASSWORD_AUTH,
//! REFRESH_TOKEN_AUTH), RespondToAuthChallenge (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED,
//! SOFTWARE_TOKEN_MFA, SMS_MFA), RevokeToken and GetUser (`user`). With the user's AWS
//! credentials ([`AdminAuth`]), the server-side flow: AdminInitiateAuth
//! (ADMIN_USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH) and AdminRespondToAuthChallenge, signed with
//! SigV4. Passwords are never stored.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

mod admin;
mod errors;
mod more_flows;
mod user;

pub use admin::AdminAuth;
use admin::{admin_error, signable_endpoint};
use errors::{Call, api_error};

use super::aws_json::{self, AwsService, Signing};
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
    /// USER_AUTH's SELECT_CHALLENGE: the ways offered.
    #[serde(default)]
    available_challenges: Vec<String>,
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

#[derive(Clone)]
pub struct CognitoIdp<'a> {
    http: &'a HttpClient,
    pool: &'a PoolClient,
    admin: Option<AdminAuth>,
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
        Self {
            http,
            pool,
            admin: None,
        }
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
        self.answer_password_verifier(&srp, challenge, password)
            .await
    }

    /// SRP's second step: the proof that the password behind `srp`'s A is the user's.
    async fn answer_password_verifier(
        &self,
        srp: &SrpClient,
        challenge: Challenge,
        password: &SecretString,
    ) -> Result<AuthStep> {
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
        let responses = json!({
            "USERNAME": challenge.username,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": claim.signature,
            "TIMESTAMP": claim.timestamp,
        });
        self.respond_to(&challenge, "PASSWORD_VERIFIER", responses)
            .await
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
            (ChallengeName::SelectChallenge, ChallengeAnswer::Text(choice)) => {
                let choice = choice.expose_secret().to_owned();
                return self.choose(challenge, &choice).await;
            }
            (ChallengeName::ChosenPassword { srp }, ChallengeAnswer::Password(password)) => {
                let srp = *srp;
                return self.chosen_password(challenge, srp, &password).await;
            }
            (ChallengeName::CustomChallenge, ChallengeAnswer::Text(text)) => {
                put(&mut responses, "ANSWER", json!(text.expose_secret()));
            }
            (ChallengeName::EmailOtp, ChallengeAnswer::MfaCode(code)) => {
                put(
                    &mut responses,
                    "EMAIL_OTP_CODE",
                    json!(code.expose_secret()),
                );
            }
            (ChallengeName::SmsOtp, ChallengeAnswer::MfaCode(code)) => {
                put(&mut responses, "SMS_OTP_CODE", json!(code.expose_secret()));
            }
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
        self.respond_to(&challenge, challenge.name.as_str(), responses)
            .await
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

    /// Answers `challenge` as `name` (SECRET_HASH added when the client has a secret).
    async fn respond_to(
        &self,
        challenge: &Challenge,
        name: &str,
        mut responses: serde_json::Value,
    ) -> Result<AuthStep> {
        if let Some(hash) = self.pool.secret_hash(&challenge.username)? {
            put(&mut responses, "SECRET_HASH", json!(hash));
        }
        let response = self
            .respond_raw(
                name,
                challenge
                    .session
                    .as_ref()
                    .map(ChallengeSession::expose_secret),
                responses,
            )
            .await?;
        self.step(response, &challenge.username)
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
            available: response.available_challenges,
        }))
    }

    /// One operation. With AWS credentials, InitiateAuth and RespondToAuthChallenge become
    /// their Admin forms (the same body plus the pool id), signed.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        action: &str,
        mut body: Value,
        call: Call,
    ) -> Result<T> {
        let admin = self
            .admin
            .as_ref()
            .filter(|_| matches!(action, "InitiateAuth" | "RespondToAuthChallenge"));
        let Some(admin) = admin else {
            return aws_json::call(
                self.http,
                &self.pool.endpoint,
                USER_POOL_API,
                action,
                &body,
                None,
                |e| api_error(e, call),
            )
            .await;
        };
        signable_endpoint(&self.pool.endpoint, &self.pool.region)?;
        let action = format!("Admin{action}");
        put(&mut body, "UserPoolId", json!(self.pool.user_pool_id));
        let signing = Signing {
            identity: &admin.identity,
            credentials: &admin.credentials,
        };
        aws_json::call(
            self.http,
            &self.pool.endpoint,
            USER_POOL_API,
            &action,
            &body,
            Some(signing),
            |e| {
                admin_error(e, &action, &admin.identity.name(), admin.identity.profile())
                    .unwrap_or_else(|e| api_error(e, call))
            },
        )
        .await
    }
}

/// Sets a field of a JSON object built with `json!({...})`.
fn put(target: &mut Value, key: &str, value: Value) {
    if let Some(object) = target.as_object_mut() {
        object.insert(key.to_owned(), value);
    }
}
