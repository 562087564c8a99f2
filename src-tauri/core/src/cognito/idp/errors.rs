//! What Cognito's API refusals mean for the user: which call failed decides it (a
//! NotAuthorizedException is a wrong password at sign-in, a dead refresh token on refresh, a
//! wrong client secret either way).

use crate::cognito::aws_json::AwsError;
use crate::error::Error;

/// Which call an error came from decides what it means (a NotAuthorizedException is a wrong
/// password at sign-in but a dead refresh token on refresh).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    SignIn,
    Refresh,
    Other,
}

/// Maps an AWS JSON error (`{"__type": "...Exception", "message": "..."}`) to what to do.
pub fn api_error(e: AwsError, call: Call) -> Error {
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
        | "ExpiredCodeException" => Error::AccessDenied { detail },
        // The session stays valid: Cognito counts wrong codes toward its lockout, not this one.
        "CodeMismatchException" => Error::WrongAnswer { detail },
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
