//! Signing in through Cognito's own API (username + password, SRP by default), answering the
//! challenges it asks (new password, MFA code) on the way.

use secrecy::SecretString;

use super::{Deck, LiveSession, SessionOrigin, lock, views::*};
use crate::cognito::idp::{AuthStep, Challenge, CognitoIdp};
use crate::error::{Error, Result};
use crate::ids::ProviderId;
use crate::provider::ProviderConfig;
use crate::store::SignInMethod;
use crate::token::TokenSet;

/// A challenge kept in memory between the password and the answer (new password, MFA code).
#[derive(Debug)]
pub(super) struct PendingChallenge {
    /// The provider as it was when the sign-in started.
    provider: ProviderConfig,
    challenge: Challenge,
}

impl Deck {
    /// Signs in with username and password through Cognito's API (SRP by default: the password
    /// never leaves this process). The password is not stored.
    pub async fn sign_in_with_password(
        &self,
        provider_id: &ProviderId,
        username: &str,
        password: SecretString,
        srp: bool,
    ) -> Result<PasswordSignIn> {
        let provider = self.provider(provider_id).await?;
        let secret = self.client_secret_of(&provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        let http = self.http_for(&provider);
        let idp = CognitoIdp::new(&http, &pool);
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
        // The answer (a new password, a code) goes only where the sign-in started.
        let provider = pending.provider;
        self.ensure_still_bound(&provider).await?;
        let secret = self.client_secret_of(&provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        let answer = pending.challenge.name.answer_with(answer);
        let step = CognitoIdp::new(&self.http_for(&provider), &pool)
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
                let id = crate::pkce::random_url_safe();
                let view = ChallengeView {
                    id: id.clone(),
                    name: challenge.name.as_str().to_owned(),
                    prompt: challenge.name.prompt(),
                };
                lock(&self.challenges).insert(
                    id,
                    PendingChallenge {
                        provider: provider.clone(),
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
        self.ensure_still_bound(provider).await?;
        let verdicts = self.verify_api_tokens(provider, &tokens, None).await?;
        let claims = tokens
            .id_token
            .as_ref()
            .and_then(|t| crate::inspect::decode_unverified(t.expose_secret()).ok())
            .map(|(_, c)| c)
            .unwrap_or_default();
        let record = self
            .save_user_account(provider, &claims, &tokens, SignInMethod::CognitoApi)
            .await?;
        let live = LiveSession {
            origin: SessionOrigin::SignIn,
            tokens,
            verdicts,
            requested_scopes: Vec::new(),
        };
        Ok(self.start_session(&record, live).await)
    }
}

impl Deck {
    /// Forgets the challenges of sign-ins started with a provider whose settings changed.
    pub(super) fn drop_challenges_of(&self, provider_id: &ProviderId) {
        lock(&self.challenges).retain(|_, pending| pending.provider.id != *provider_id);
    }
}
