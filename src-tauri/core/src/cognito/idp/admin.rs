//! Cognito's server-side flow: the Admin operations signed with the user's AWS credentials
//! ([`AdminAuth`]), where they may go, and what AWS's refusals mean.

use secrecy::SecretString;
use serde_json::json;
use url::Url;

use super::{AuthStep, CognitoIdp, put};
use crate::cognito::aws_identity::AwsIdentity;
use crate::cognito::aws_json::AwsError;
use crate::error::{Error, Result};

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

impl CognitoIdp<'_> {
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
}

/// Requests signed with the user's AWS credentials go to AWS's Cognito endpoint for the pool's
/// region, or to an emulator on this machine, never elsewhere: an endpoint override from a
/// shared provider file must not collect a signed request, the access key id and the session
/// token.
pub(super) fn signable_endpoint(endpoint: &Url, region: &str) -> Result<()> {
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
pub(super) fn admin_error(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cognito::idp::errors::{Call, api_error};

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
