//! Cognito's challenges: what it asks before issuing tokens (SRP's password verifier, a new
//! password, an MFA code, a custom challenge, a choice of sign-in method, a one-time code), and
//! the answers Tokendeck sends.

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
    /// CUSTOM_AUTH: a question from the pool's Lambda triggers, answered with text.
    CustomChallenge,
    /// USER_AUTH: which way to sign in (`Challenge::available`).
    SelectChallenge,
    /// A one-time code sent by email or SMS (USER_AUTH).
    EmailOtp,
    SmsOtp,
    /// Ours, not Cognito's: the password after PASSWORD or PASSWORD_SRP was chosen.
    ChosenPassword {
        srp: bool,
    },
    Other(String),
}

impl ChallengeName {
    pub fn parse(name: &str) -> Self {
        match name {
            "PASSWORD_VERIFIER" => Self::PasswordVerifier,
            "NEW_PASSWORD_REQUIRED" => Self::NewPasswordRequired,
            "SOFTWARE_TOKEN_MFA" => Self::SoftwareTokenMfa,
            "SMS_MFA" => Self::SmsMfa,
            "CUSTOM_CHALLENGE" => Self::CustomChallenge,
            "SELECT_CHALLENGE" => Self::SelectChallenge,
            "EMAIL_OTP" => Self::EmailOtp,
            "SMS_OTP" => Self::SmsOtp,
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
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
            Self::SelectChallenge => "SELECT_CHALLENGE",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SmsOtp => "SMS_OTP",
            Self::ChosenPassword { .. } => "PASSWORD",
            Self::Other(name) => name,
        }
    }

    /// What the user is asked.
    pub fn prompt(&self) -> String {
        match self {
            Self::NewPasswordRequired => "Choose a new password".into(),
            Self::SoftwareTokenMfa => "Enter the code from your authenticator app".into(),
            Self::SmsMfa => "Enter the code sent by SMS".into(),
            Self::CustomChallenge => "Answer the user pool's challenge".into(),
            Self::SelectChallenge => "Choose how to sign in".into(),
            Self::EmailOtp => "Enter the code sent by email".into(),
            Self::SmsOtp => "Enter the code sent by text message".into(),
            Self::ChosenPassword { .. } => "Password".into(),
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
            Self::ChosenPassword { .. } => ChallengeAnswer::Password(SecretString::from(text)),
            Self::CustomChallenge | Self::SelectChallenge => {
                ChallengeAnswer::Text(SecretString::from(text.trim().to_owned()))
            }
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
    /// SELECT_CHALLENGE: the ways Cognito offers (`AvailableChallenges`).
    pub available: Vec<String>,
}

impl Challenge {
    /// What the user is asked, with what Cognito said about it.
    pub fn prompt(&self) -> String {
        let said = |key: &str| {
            self.parameters
                .get(key)
                .map(|v| crate::error::printable(v, 80))
        };
        match &self.name {
            ChallengeName::SelectChallenge => format!(
                "Choose how to sign in ({})",
                self.available
                    .iter()
                    .map(|c| crate::error::printable(c, 40))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ChallengeName::EmailOtp | ChallengeName::SmsOtp => {
                match said("CODE_DELIVERY_DESTINATION") {
                    Some(to) => format!("{} to {to}", self.name.prompt()),
                    None => self.name.prompt(),
                }
            }
            name => name.prompt(),
        }
    }

    /// A custom challenge's public parameters (the pool's question, hints), to show beside
    /// the prompt: bounded and printable, as they come from the pool's Lambda.
    pub fn details(&self) -> Vec<(String, String)> {
        if self.name != ChallengeName::CustomChallenge {
            return Vec::new();
        }
        let mut details: Vec<(String, String)> = self
            .parameters
            .iter()
            .filter(|(key, _)| key.as_str() != "USERNAME")
            .take(20)
            .map(|(key, value)| {
                (
                    crate::error::printable(key, 60),
                    crate::error::printable(value, 300),
                )
            })
            .collect();
        details.sort();
        details
    }
}

/// What an answer to a challenge carries.
#[derive(Debug)]
pub enum ChallengeAnswer {
    NewPassword(SecretString),
    /// The password for a chosen PASSWORD or PASSWORD_SRP.
    Password(SecretString),
    MfaCode(MfaCode),
    /// A custom challenge's answer, or the way chosen at SELECT_CHALLENGE.
    Text(SecretString),
}
