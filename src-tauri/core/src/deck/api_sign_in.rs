//! Accounts signed in through Cognito's own API (username + password, SRP), their refresh and
//! revocation, and identity-pool AWS credentials.

use secrecy::SecretString;

use super::session_cache::CacheWrite;
use super::{Deck, LiveSession, SessionOrigin, lock, new_id, views::*};
use crate::cognito::identity::{self, AwsCredentials};
use crate::cognito::idp::{AuthStep, Challenge, ChallengeAnswer, CognitoIdp};
use crate::error::{Error, Result};
use crate::inspect::Verification;
use crate::provider::{ProviderConfig, ProviderSource};
use crate::secret::{ClientSecret, RefreshToken};
use crate::store::{AccountRecord, SignInMethod};
use crate::token::{TokenSet, unix_now};
use crate::verify::{DEFAULT_LEEWAY_SECS, Expectations, TokenUse, verify_token};

/// A challenge kept in memory between the password and the answer (new password, MFA code).
#[derive(Debug)]
pub(super) struct PendingChallenge {
    provider_id: String,
    challenge: Challenge,
}

impl Deck {
    /// Signs in with username and password through Cognito's API (SRP by default: the password
    /// never leaves this process). The password is not stored.
    pub async fn sign_in_with_password(
        &self,
        provider_id: &str,
        username: &str,
        password: SecretString,
        srp: bool,
    ) -> Result<PasswordSignIn> {
        let provider = self.provider(provider_id).await?;
        let secret = self.client_secret_of(&provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        let idp = CognitoIdp::new(self.oidc.http(), &pool);
        let step = if srp {
            idp.sign_in_srp(username.trim(), &password).await?
        } else {
            idp.sign_in_password(username.trim(), &password).await?
        };
        self.after_step(&provider, step).await
    }

    pub async fn answer_challenge(
        &self,
        challenge_id: &str,
        answer: String,
    ) -> Result<PasswordSignIn> {
        let pending = lock(&self.challenges)
            .remove(challenge_id)
            .ok_or(Error::ExpiredState { minutes: 3 })?;
        let provider = self.provider(&pending.provider_id).await?;
        let secret = self.client_secret_of(&provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        let answer = match pending.challenge.name.as_str() {
            "NEW_PASSWORD_REQUIRED" => ChallengeAnswer::NewPassword(SecretString::from(answer)),
            _ => ChallengeAnswer::MfaCode(crate::secret::MfaCode::new(answer.trim())),
        };
        let step = CognitoIdp::new(self.oidc.http(), &pool)
            .answer(pending.challenge, answer)
            .await?;
        self.after_step(&provider, step).await
    }

    async fn after_step(
        &self,
        provider: &ProviderConfig,
        step: AuthStep,
    ) -> Result<PasswordSignIn> {
        match step {
            AuthStep::Challenge(challenge) => {
                let id = new_id();
                let view = ChallengeView {
                    id: id.clone(),
                    name: challenge.name.clone(),
                    prompt: match challenge.name.as_str() {
                        "NEW_PASSWORD_REQUIRED" => "Choose a new password".into(),
                        "SOFTWARE_TOKEN_MFA" => "Enter the code from your authenticator app".into(),
                        "SMS_MFA" => "Enter the code sent by SMS".into(),
                        other => {
                            format!("Cognito asks for {other}, which Tokendeck does not support")
                        }
                    },
                };
                lock(&self.challenges).insert(
                    id,
                    PendingChallenge {
                        provider_id: provider.id.clone(),
                        challenge,
                    },
                );
                Ok(PasswordSignIn::Challenge(view))
            }
            AuthStep::Tokens(tokens) => Ok(PasswordSignIn::SignedIn(Box::new(
                self.store_api_sign_in(provider, tokens).await?,
            ))),
        }
    }

    async fn store_api_sign_in(
        &self,
        provider: &ProviderConfig,
        tokens: TokenSet,
    ) -> Result<AccountView> {
        let (id_verification, access_verification) =
            self.verify_api_tokens(provider, &tokens, None).await?;
        let claims = tokens
            .id_token
            .as_ref()
            .and_then(|t| crate::inspect::decode_unverified(t.expose_secret()).ok())
            .map(|(_, c)| c)
            .unwrap_or_default();
        let record = self
            .save_user_account(
                &provider.id,
                &claims,
                tokens.refresh_token.as_ref(),
                SignInMethod::CognitoApi,
            )
            .await?;
        let id = record.id.clone();
        self.remember(
            &id,
            LiveSession {
                origin: SessionOrigin::SignIn,
                tokens,
                id_verification,
                access_verification,
                requested_scopes: Vec::new(),
            },
            CacheWrite::Wait,
        )
        .await;
        self.gate(&id).bump();
        Ok(self.account_view(&record))
    }

    /// Verifies API-issued tokens against the pool's keys (Cognito rules: `token_use`,
    /// `client_id`); a refreshed ID token must be about `expected_sub`.
    pub(super) async fn verify_api_tokens(
        &self,
        provider: &ProviderConfig,
        tokens: &TokenSet,
        expected_sub: Option<&str>,
    ) -> Result<(Verification, Verification)> {
        let crate::provider::CognitoApi {
            issuer, jwks_uri, ..
        } = provider.cognito_api(None)?;
        let now = unix_now();
        let expect = |token_use| Expectations {
            issuer: &issuer,
            client_id: &provider.client_id,
            token_use,
            nonce: None,
            cognito: true,
            now,
            leeway: DEFAULT_LEEWAY_SECS,
        };
        let jwks = self.oidc.jwks();
        verify_token(
            jwks,
            &jwks_uri,
            tokens.access_token.expose_secret(),
            &expect(TokenUse::Access),
        )
        .await?;
        let id_verification = match &tokens.id_token {
            Some(id) => {
                let verified =
                    verify_token(jwks, &jwks_uri, id.expose_secret(), &expect(TokenUse::Id))
                        .await?;
                if expected_sub.is_some() && verified.sub() != expected_sub {
                    return Err(Error::TokenRejected {
                        token: "ID token",
                        failure: crate::verify::VerifyFailure::SubjectChanged,
                    });
                }
                Verification::Verified {
                    issuer: issuer.clone(),
                }
            }
            None => Verification::NotChecked {
                reason: "no ID token".into(),
            },
        };
        Ok((id_verification, Verification::Verified { issuer }))
    }

    pub(super) async fn refresh_cognito_api(
        &self,
        record: &AccountRecord,
        provider: &ProviderConfig,
        secret: Option<ClientSecret>,
        refresh_token: &RefreshToken,
    ) -> Result<super::session::Renewal> {
        let pool = provider.cognito_api(secret)?.pool;
        let username = record
            .username
            .as_deref()
            .or(record.subject.as_deref())
            .unwrap_or_default();
        let tokens = CognitoIdp::new(self.oidc.http(), &pool)
            .refresh(refresh_token, username)
            .await?;
        let (id_v, access_v) = self
            .verify_api_tokens(provider, &tokens, record.subject.as_deref())
            .await?;
        // REFRESH_TOKEN_AUTH never rotates the refresh token: nothing to store first.
        Ok(super::session::Renewal {
            tokens,
            id_verification: id_v,
            access_verification: access_v,
        })
    }

    pub(super) async fn revoke_cognito_api(
        &self,
        provider: &ProviderConfig,
        refresh_token: &RefreshToken,
    ) -> Result<()> {
        let secret = self.client_secret_of(provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        CognitoIdp::new(self.oidc.http(), &pool)
            .revoke(refresh_token)
            .await
    }

    /// Verifies tokens restored from the keyring cache; a failure is shown, not hidden.
    pub(super) async fn verify_cached(
        &self,
        record: &AccountRecord,
        tokens: &TokenSet,
    ) -> (Verification, Verification) {
        let failed = |e: Error| Verification::Failed {
            reason: e.to_string(),
            failure: None,
        };
        let Ok(provider) = self.provider(&record.provider_id).await else {
            return (
                failed(Error::NotFound {
                    what: "provider",
                    id: record.provider_id.clone(),
                }),
                Verification::NotChecked {
                    reason: String::new(),
                },
            );
        };
        match record.sign_in {
            SignInMethod::CognitoApi => match self
                .verify_api_tokens(&provider, tokens, record.subject.as_deref())
                .await
            {
                Ok(v) => v,
                Err(e) => (
                    Verification::of::<()>(&Err(e), ""),
                    Verification::NotChecked {
                        reason: "restored from the keyring".into(),
                    },
                ),
            },
            SignInMethod::Browser => {
                let endpoints = match self.endpoints_for(&provider).await {
                    Ok(e) => e,
                    Err(e) => {
                        let unreachable = Verification::Unverifiable {
                            reason: e.to_string(),
                        };
                        return (unreachable.clone(), unreachable);
                    }
                };
                let now = unix_now();
                let id = match &tokens.id_token {
                    Some(t) => {
                        let outcome = self
                            .oidc
                            .verify(
                                &endpoints,
                                &provider.client_id,
                                t.expose_secret(),
                                TokenUse::Id,
                                None,
                                now,
                            )
                            .await;
                        Verification::of(&outcome, &endpoints.issuer)
                    }
                    None => Verification::NotChecked {
                        reason: "no ID token".into(),
                    },
                };
                let access = match self
                    .oidc
                    .check_access_token(&endpoints, &provider.client_id, &tokens.access_token, now)
                    .await
                {
                    Ok(verdict) => verdict,
                    Err(e) => Verification::of::<()>(&Err(e), &endpoints.issuer),
                };
                (id, access)
            }
        }
    }

    /// Temporary AWS credentials from the provider's identity pool for this account's ID token.
    pub async fn aws_credentials(&self, account_id: &str) -> Result<AwsCredentials> {
        let record = self.account(account_id).await?;
        let provider = self.provider(&record.provider_id).await?;
        let ProviderSource::Cognito {
            region,
            user_pool_id,
            ..
        } = &provider.source
        else {
            return Err(Error::Unsupported {
                what: "AWS credentials",
                hint: "they come from a Cognito identity pool",
            });
        };
        let identity_pool = provider
            .identity_pool_id
            .clone()
            .ok_or(Error::Unsupported {
                what: "AWS credentials",
                hint: "set the identity pool id in the provider settings",
            })?;
        let (id_token, _) = self.token(account_id, super::TokenChoice::Id, 60).await?;
        let endpoint = match &provider.overrides.cognito_identity {
            Some(url) => crate::provider::parse_endpoint("Cognito identity endpoint", url)?,
            None => identity::default_endpoint(region)?,
        };
        identity::credentials_for(
            self.oidc.http(),
            &endpoint,
            &identity_pool,
            region,
            user_pool_id,
            &crate::secret::IdToken::new(id_token),
        )
        .await
    }

    /// The credentials as text for the clipboard, and what may be shown of them.
    pub async fn aws_credentials_text(
        &self,
        account_id: &str,
        format: AwsCredentialFormat,
    ) -> Result<(crate::secret::AccessToken, AwsCredentialsView)> {
        let creds = self.aws_credentials(account_id).await?;
        let text = match format {
            AwsCredentialFormat::Env => creds.as_env()?,
            AwsCredentialFormat::CredentialProcess => creds.as_credential_process(),
        };
        let view = AwsCredentialsView {
            identity_id: creds.identity_id.clone(),
            access_key_id: creds.access_key_id.clone(),
            expiration: creds.expiration,
        };
        Ok((crate::secret::AccessToken::new(text), view))
    }

    /// The client secret a confidential provider's requests carry (`None` for a public client).
    pub(super) async fn client_secret_of(
        &self,
        provider: &ProviderConfig,
    ) -> Result<Option<ClientSecret>> {
        if provider.confidential {
            self.vault.client_secret(&provider.id).await
        } else {
            Ok(None)
        }
    }
}
