//! The remaining flows an app client can allow: CUSTOM_AUTH (challenges the pool's Lambda
//! triggers define, answered with text) and choice-based USER_AUTH (SELECT_CHALLENGE, then a
//! one-time code by email or SMS, or the password, plain or as an SRP proof). Passkeys
//! (WEB_AUTHN) need a browser and are refused with a message saying so.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{AuthStep, CognitoIdp, put};
use crate::cognito::challenge::{Challenge, ChallengeName};
use crate::cognito::srp::SrpClient;
use crate::error::{Error, Result};

impl CognitoIdp<'_> {
    /// CUSTOM_AUTH: the username only; then each CUSTOM_CHALLENGE until the pool is satisfied.
    pub async fn sign_in_custom(&self, username: &str) -> Result<AuthStep> {
        let response = self
            .initiate("CUSTOM_AUTH", self.username_only(username)?)
            .await?;
        self.step(response, username)
    }

    /// USER_AUTH: Cognito offers the ways this user and app client allow (SELECT_CHALLENGE).
    pub async fn sign_in_choice(&self, username: &str) -> Result<AuthStep> {
        let response = self
            .initiate("USER_AUTH", self.username_only(username)?)
            .await?;
        self.step(response, username)
    }

    fn username_only(&self, username: &str) -> Result<serde_json::Value> {
        let mut params = json!({"USERNAME": username});
        if let Some(hash) = self.pool.secret_hash(username)? {
            put(&mut params, "SECRET_HASH", json!(hash));
        }
        Ok(params)
    }

    /// The way chosen at SELECT_CHALLENGE. A code is sent at once; a password is asked for
    /// first (a step of ours: nothing is sent until it is given).
    pub(super) async fn choose(&self, challenge: Challenge, choice: &str) -> Result<AuthStep> {
        let choice = choice.trim().to_ascii_uppercase();
        if !challenge.available.contains(&choice) {
            return Err(Error::config(
                "sign-in method",
                format!(
                    "\"{}\" is not offered; answer one of {}",
                    crate::error::printable(&choice, 40),
                    challenge.available.join(", ")
                ),
            ));
        }
        match choice.as_str() {
            "EMAIL_OTP" | "SMS_OTP" => {
                let responses = json!({"USERNAME": challenge.username, "ANSWER": choice});
                self.respond_to(&challenge, "SELECT_CHALLENGE", responses)
                    .await
            }
            "PASSWORD" | "PASSWORD_SRP" => Ok(AuthStep::Challenge(Challenge {
                name: ChallengeName::ChosenPassword {
                    srp: choice == "PASSWORD_SRP",
                },
                ..challenge
            })),
            "WEB_AUTHN" => Err(Error::Unsupported {
                what: "a passkey (WEB_AUTHN)",
                hint: "a passkey needs a browser: sign in through the hosted UI, or choose another way",
            }),
            _ => Err(Error::Unsupported {
                what: "this sign-in method",
                hint: "choose a code (EMAIL_OTP, SMS_OTP) or a password (PASSWORD, PASSWORD_SRP)",
            }),
        }
    }

    /// The password for a chosen PASSWORD or PASSWORD_SRP: sent with SELECT_CHALLENGE, or
    /// proved through SRP's PASSWORD_VERIFIER.
    pub(super) async fn chosen_password(
        &self,
        challenge: Challenge,
        srp: bool,
        password: &SecretString,
    ) -> Result<AuthStep> {
        if !srp {
            let responses = json!({"USERNAME": challenge.username, "ANSWER": "PASSWORD", "PASSWORD": password.expose_secret()});
            return self
                .respond_to(&challenge, "SELECT_CHALLENGE", responses)
                .await;
        }
        let client = SrpClient::new()?;
        let responses = json!({"USERNAME": challenge.username, "ANSWER": "PASSWORD_SRP", "SRP_A": client.public_a_hex()});
        let step = self
            .respond_to(&challenge, "SELECT_CHALLENGE", responses)
            .await?;
        match step {
            AuthStep::Challenge(next) if next.name == ChallengeName::PasswordVerifier => {
                self.answer_password_verifier(&client, next, password).await
            }
            other => Ok(other),
        }
    }
}
