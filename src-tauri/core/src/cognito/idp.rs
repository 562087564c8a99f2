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

mod more_flows;
mod user;

use super::aws_identity::AwsIdentity;
use super::aws_json::{self, AwsError, AwsService, Signing};
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

/// Which call an error came from decides what it means (a NotAuthorizedException is a wrong
/// password at sign-in but a dead refresh token on refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    SignIn,
    Refresh,
    Other,
}

#[derive(Clone)]
pub struct CognitoIdp<'a> {
    http: &'a HttpClient,
    pool: &'a PoolClient,
    admin: Option<AdminAuth>,
}

/// The AWS identity the admin operations are signed as, and its current credentials.
#[derive(Clone)]
pub struct AdminAuth {
    pub identity: AwsIdentity,
    pub credentials: aws_credential_types::Credentials,
}

impl std::fmt::Debug for AdminAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminAuth")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
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

    /// The server-side flow: sign-in, challenges and refresh through the Admin operations,
    /// signed with these AWS credentials.
    pub fn with_admin(mut self, admin: AdminAuth) -> Self {
        self.admin = Some(admin);
        self
    }

    /// ADMIN_USER_PASSWORD_AUTH: the password goes to Cognito over TLS in a request signed
    /// with the user's AWS credentials (the app client must allow the flow).
    pub async fn sign_in_admin(&self, username: &str, password: &SecretString) -> Result<AuthStep> {
        use secrecy::ExposeSecret;
        if self.admin.is_none() {
            return Err(Error::Unsupported {
                what: "admin sign-in",
                hint: "it needs AWS credentials",
            });
        }
        let mut params = json!({"USERNAME": username, "PASSWORD": password.expose_secret()});
        if let Some(hash) = self.pool.secret_hash(username)? {
            put(&mut params, "SECRET_HASH", json!(hash));
        }
        let response = self.initiate("ADMIN_USER_PASSWORD_AUTH", params).await?;
        self.step(response, username)
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

/// Requests signed with the user's AWS credentials go to AWS's Cognito endpoint for the pool's
/// region, or to an emulator on this machine, never elsewhere: an endpoint override from a
/// shared provider file must not collect a signed request, the access key id and the session
/// token.
fn signable_endpoint(endpoint: &Url, region: &str) -> Result<()> {
    let host = endpoint.host_str().unwrap_or_default();
    let aws = [
        format!("cognito-idp.{region}.amazonaws.com"),
        format!("cognito-idp-fips.{region}.amazonaws.com"),
        format!("cognito-idp.{region}.amazonaws.com.cn"),
    ];
    let on_aws = endpoint.scheme() == "https" && aws.iter().any(|h| h == host);
    if on_aws || crate::provider::is_loopback_host(endpoint) {
        return Ok(());
    }
    Err(Error::config(
        "Cognito API endpoint",
        format!(
            "admin sign-in signs requests with your AWS credentials, so it goes only to cognito-idp.{region}.amazonaws.com (or an emulator on this machine), not {}: remove the provider's Cognito API endpoint override",
            crate::error::printable(host, 80)
        ),
    ))
}

/// What only a signed (admin) call can be refused for: the AWS identity's permissions or
/// credentials, or an app client that does not allow the admin flow. Anything else is left to
/// [`api_error`].
fn admin_error(
    e: AwsError,
    action: &str,
    who: &str,
    profile: Option<&str>,
) -> Result<Error, AwsError> {
    let detail = format!("{}: {}", e.kind, e.message);
    Ok(match e.kind.as_str() {
        "AccessDeniedException" | "AccessDenied" => Error::config(
            "AWS permissions",
            format!(
                "{who} may not call cognito-idp:{action} ({detail}). Allow cognito-idp:AdminInitiateAuth and cognito-idp:AdminRespondToAuthChallenge on this user pool in its IAM policy, or choose another AWS profile"
            ),
        ),
        "ResourceNotFoundException" => Error::config(
            "AWS credentials",
            format!(
                "Cognito has no such user pool or app client for {who} ({detail}). Check that this AWS profile is for the AWS account that holds the pool, and the pool's region"
            ),
        ),
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "MissingAuthenticationTokenException"
        | "SignatureDoesNotMatch"
        | "ExpiredTokenException"
        | "ExpiredToken" => Error::config(
            "AWS credentials",
            format!(
                "AWS refused the credentials of {who} ({detail}). Check its access key and secret, or renew them (for SSO: aws sso login{}); a wrong clock also causes this",
                profile
                    .map(|p| format!(" --profile {p}"))
                    .unwrap_or_default()
            ),
        ),
        "InvalidParameterException"
            if e.message.contains("not enabled") && action == "AdminInitiateAuth" =>
        {
            Error::InvalidClient {
                detail,
                hint: "Enable ALLOW_ADMIN_USER_PASSWORD_AUTH (and ALLOW_REFRESH_TOKEN_AUTH) in the app client's authentication flows (Cognito console: App client, Edit, Authentication flows).",
            }
        }
        _ => return Err(e),
    })
}

/// Maps an AWS JSON error (`{"__type": "...Exception", "message": "..."}`) to what to do.
fn api_error(e: AwsError, call: Call) -> Error {
    let kind = e.kind;
    let detail = format!("{kind}: {}", e.message);
    match kind.as_str() {
        // Before the refresh arm: a wrong or rotated client secret must not end every session.
        "NotAuthorizedException"
            if e.message.contains("SECRET_HASH") || e.message.contains("secret") =>
        {
            Error::InvalidClient {
                detail,
                hint: "Check the client secret: this app client needs its secret (or has none).",
            }
        }
        "NotAuthorizedException" if call == Call::Refresh => Error::InvalidGrant { detail },
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

#[cfg(test)]
mod admin_tests {
    use super::*;

    #[test]
    fn signed_requests_go_only_to_aws_or_this_machine() {
        let ok = |u: &str| signable_endpoint(&Url::parse(u).unwrap(), "eu-west-1").is_ok();
        assert!(ok("https://cognito-idp.eu-west-1.amazonaws.com/"));
        assert!(ok("https://cognito-idp-fips.eu-west-1.amazonaws.com/"));
        assert!(ok("http://127.0.0.1:5000/"));
        assert!(!ok(
            "https://cognito-idp.eu-west-1.amazonaws.com.evil.example/"
        ));
        assert!(
            !ok("https://cognito-idp.us-east-1.amazonaws.com/"),
            "another region"
        );
        assert!(
            !ok("http://cognito-idp.eu-west-1.amazonaws.com/"),
            "plain http"
        );
        assert!(!ok("https://auth.example.com/"));
    }

    #[test]
    fn a_refused_client_secret_on_refresh_keeps_the_session() {
        let e = AwsError {
            kind: "NotAuthorizedException".into(),
            message: "Unable to verify secret hash for client 1a2b".into(),
            status: 400,
        };
        assert_eq!(
            api_error(e, Call::Refresh).code(),
            crate::ErrorCode::InvalidClient
        );
    }

    /// Cognito's own words for these refusals, from its API reference.
    fn refusal(kind: &str, message: &str) -> Error {
        let e = AwsError {
            kind: kind.into(),
            message: message.into(),
            status: 400,
        };
        admin_error(e, "AdminInitiateAuth", "AWS profile qa", Some("qa"))
            .unwrap_or_else(|e| api_error(e, Call::SignIn))
    }

    #[test]
    fn admin_refusals_name_the_fix() {
        let wrong_account = refusal(
            "ResourceNotFoundException",
            "User pool client 1a2b does not exist.",
        )
        .to_string();
        assert!(
            wrong_account.contains("AWS account that holds the pool"),
            "{wrong_account}"
        );
        let denied = refusal(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/qa is not authorized to perform: cognito-idp:AdminInitiateAuth on resource: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X",
        )
        .to_string();
        assert!(
            denied.contains("AWS profile qa may not call cognito-idp:AdminInitiateAuth"),
            "{denied}"
        );
        assert!(denied.contains("IAM policy"), "{denied}");
        let flow = refusal(
            "InvalidParameterException",
            "Auth flow not enabled for this client",
        );
        assert_eq!(flow.code(), crate::ErrorCode::InvalidClient);
        assert!(
            flow.to_string().contains("ALLOW_ADMIN_USER_PASSWORD_AUTH"),
            "{flow}"
        );
        let expired = refusal(
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
        .to_string();
        assert!(expired.contains("aws sso login --profile qa"), "{expired}");
        // Not about AWS: the usual meaning.
        let wrong = refusal("NotAuthorizedException", "Incorrect username or password.");
        assert_eq!(wrong.code(), crate::ErrorCode::AccessDenied);
    }
}
