//! Cognito's challenges: what it asks before issuing tokens (SRP's password verifier, a new
//! password, an MFA code), and the answers Tokendeck sends.

use std::collections::HashMap;

use secrecy::SecretString;

use crate::secret::{ChallengeSession, MfaCode};

/// The challenges Cognito sends that Tokendeck answers; any other is kept by name and
/// refused with a message naming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeName {
    /// SRP's second step, answered by [`CognitoIdp::sign_in_srp`] itself.
    PasswordVerifier,
    NewPasswordRequired,
    SoftwareTokenMfa,
    SmsMfa,
    Other(String),
}

impl ChallengeName {
    pub fn parse(name: &str) -> Self {
        match name {
            "PASSWORD_VERIFIER" => Self::PasswordVerifier,
            "NEW_PASSWORD_REQUIRED" => Self::NewPasswordRequired,
            "SOFTWARE_TOKEN_MFA" => Self::SoftwareTokenMfa,
            "SMS_MFA" => Self::SmsMfa,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The name on the wire (`ChallengeName`).
    pub fn as_str(&self) -> &str {
        match self {
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Self::SmsMfa => "SMS_MFA",
            Self::Other(name) => name,
        }
    }

    /// What the user is asked.
    pub fn prompt(&self) -> String {
        match self {
            Self::NewPasswordRequired => "Choose a new password".into(),
            Self::SoftwareTokenMfa => "Enter the code from your authenticator app".into(),
            Self::SmsMfa => "Enter the code sent by SMS".into(),
            other => format!(
                "Cognito asks for {}, which Tokendeck does not support",
                other.as_str()
            ),
        }
    }

    /// Wraps the user's text in the answer this challenge takes.
    pub fn answer_with(&self, text: String) -> ChallengeAnswer {
        match self {
            Self::NewPasswordRequired => ChallengeAnswer::NewPassword(SecretString::from(text)),
            _ => ChallengeAnswer::MfaCode(MfaCode::new(text.trim())),
        }
    }
}

/// A challenge the user must answer before tokens are issued.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub name: ChallengeName,
    /// The username Cognito refers to the user by (SRP's internal name).
    pub username: String,
    pub(super) session: Option<ChallengeSession>,
    pub parameters: HashMap<String, String>,
}

/// What an answer to a challenge carries.
#[derive(Debug)]
pub enum ChallengeAnswer {
    NewPassword(SecretString),
    MfaCode(MfaCode),
}
