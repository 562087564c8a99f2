//! Signing in through Cognito's own API (username + password: SRP by default, the password
//! itself, or the server-side admin flow with the user's AWS credentials), answering the
//! challenges it asks (new password, MFA code) on the way.

use std::collections::HashMap;
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

use secrecy::SecretString;

use super::{Deck, LiveSession, SessionOrigin, lock, views::*};
use crate::cognito::aws_identity::AwsIdentity;
use crate::cognito::idp::{AdminAuth, AuthStep, Challenge, ChallengeName, CognitoIdp};
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
    /// Answered through AdminRespondToAuthChallenge (the sign-in used the admin flow).
    admin: bool,
    asked_at: Instant,
    /// An answer is on its way to Cognito (or its tokens are being checked): a second answer
    /// is refused meanwhile.
    answering: bool,
}

/// Cognito's challenge sessions last at most 15 minutes (the app client's
/// AuthSessionValidity); an unanswered challenge is forgotten after that.
const CHALLENGE_KEPT_FOR: Duration = Duration::from_secs(15 * 60);

/// Why an answer brought no next step.
enum NotAnswered {
    /// It never reached Cognito (a locked keyring, AWS credentials to renew): the challenge
    /// and its session are intact.
    Unsent(Error),
    /// Cognito refused it.
    Refused(Error),
    /// The provider changed since the sign-in started: nothing goes to it.
    Stale(Error),
}

impl NotAnswered {
    /// Whether the same challenge can be answered again: one never sent, a wrong code, or a
    /// new password the pool's policy refuses. Not after a timeout: Cognito may have spent
    /// the session by then.
    fn may_answer_again(&self) -> bool {
        match self {
            Self::Unsent(_) => true,
            Self::Refused(e) => {
                matches!(e, Error::WrongAnswer { .. })
                    || matches!(e, Error::Provider { error, .. } if error == "invalid_password")
            }
            Self::Stale(_) => false,
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Unsent(e) | Self::Refused(e) | Self::Stale(e) => e,
        }
    }
}

impl Deck {
    /// Signs in with username and password through Cognito's API (SRP by default: the password
    /// never leaves this process). The password is not stored.
    pub async fn sign_in_with_password(
        &self,
        provider_id: &ProviderId,
        username: &str,
        password: SecretString,
        flow: PasswordFlow,
    ) -> Result<PasswordSignIn> {
        let provider = self.provider(provider_id).await?;
        let secret = self.client_secret_of(&provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        let http = self.http_for(&provider);
        let idp = CognitoIdp::new(&http, &pool);
        let username = username.trim();
        let step = match flow {
            PasswordFlow::Srp => idp.sign_in_srp(username, &password).await?,
            PasswordFlow::Password => idp.sign_in_password(username, &password).await?,
            PasswordFlow::Admin => {
                let signed_in = idp
                    .with_admin(self.admin_auth(&provider).await?)
                    .sign_in_admin(username, &password)
                    .await;
                self.after_signed_call(&provider, signed_in).await?
            }
            PasswordFlow::Custom => idp.sign_in_custom(username).await?,
            PasswordFlow::Choice => idp.sign_in_choice(username).await?,
        };
        self.after_step(&provider, step, flow == PasswordFlow::Admin, None)
            .await
    }

    /// The AWS credentials of the provider's AWS profile (or the default chain), loaded once
    /// per profile and region and kept in memory only.
    pub(super) async fn admin_auth(&self, provider: &ProviderConfig) -> Result<AdminAuth> {
        let region = provider.cognito_region()?;
        let profile = provider.aws_profile.clone();
        let identity = {
            let mut identities = self.aws_identities.lock().await;
            let key = super::AwsIdentityKey {
                profile: profile.clone(),
                region: region.clone(),
            };
            match identities.get(&key) {
                Some(identity) => identity.clone(),
                None => {
                    let identity = AwsIdentity::load(profile.as_deref(), &region).await?;
                    identities.insert(key, identity.clone());
                    identity
                }
            }
        };
        let credentials = match identity.credentials().await {
            Ok(credentials) => credentials,
            Err(e) => {
                self.forget_aws_identity(provider).await;
                return Err(e);
            }
        };
        Ok(AdminAuth {
            identity,
            credentials,
        })
    }

    /// After AWS refused credentials (or found none), the next attempt reads the profile
    /// files and the credential sources again: the user has been told to fix them.
    pub(super) async fn forget_aws_identity(&self, provider: &ProviderConfig) {
        if let Ok(region) = provider.cognito_region() {
            self.aws_identities
                .lock()
                .await
                .remove(&super::AwsIdentityKey {
                    profile: provider.aws_profile.clone(),
                    region,
                });
        }
    }

    /// The outcome of a call signed with the provider's AWS identity. When AWS refused it (or
    /// its credentials), the identity is forgotten: the next attempt reads the profile files
    /// and credential sources again, which the user was told to fix.
    pub(super) async fn after_signed_call<T>(
        &self,
        provider: &ProviderConfig,
        outcome: Result<T>,
    ) -> Result<T> {
        if matches!(&outcome, Err(Error::InvalidConfig { .. })) {
            self.forget_aws_identity(provider).await;
        }
        outcome
    }

    /// Answers a challenge. A wrong code (or a refused new password) comes back as the same
    /// challenge with the reason, to be answered again. A challenge cancelled before the
    /// account is saved stays cancelled: tokens its answer brought are not kept. (A cancelled,
    /// answered or forgotten challenge is "expired" to a later answer.)
    pub async fn answer_challenge(
        &self,
        challenge_id: &str,
        answer: String,
    ) -> Result<PasswordSignIn> {
        let (provider, challenge, admin) = {
            let mut challenges = self.live_challenges();
            let pending = challenges
                .get_mut(challenge_id)
                .ok_or(Error::ExpiredState { minutes: 15 })?;
            if pending.answering {
                return Err(Error::AccessDenied {
                    detail: "this challenge is already being answered".into(),
                });
            }
            pending.answering = true;
            (
                pending.provider.clone(),
                pending.challenge.clone(),
                pending.admin,
            )
        };
        let answered = self.send_answer(&provider, &challenge, admin, answer).await;
        let again = answered
            .as_ref()
            .err()
            .is_some_and(NotAnswered::may_answer_again);
        // Tokens: still asked (and cancellable) until the account is saved.
        let brought_tokens = matches!(answered, Ok(AuthStep::Tokens(_)));
        let still_asked = {
            let mut challenges = lock(&self.challenges);
            match challenges.get_mut(challenge_id) {
                Some(pending) if again => {
                    pending.answering = false;
                    true
                }
                Some(_) if brought_tokens => true,
                Some(_) => challenges.remove(challenge_id).is_some(),
                None => false,
            }
        };
        if !still_asked {
            return Err(cancelled_here());
        }
        match answered {
            Ok(step) => {
                let stored = self
                    .after_step(&provider, step, admin, Some(challenge_id))
                    .await;
                if stored.is_err() {
                    self.cancel_challenge(challenge_id);
                }
                stored
            }
            // The dialog stays open with the reason; the user answers the same challenge again.
            Err(not) if again => Ok(PasswordSignIn::Challenge(challenge_view(
                challenge_id.to_owned(),
                &challenge,
                Some(&not.into_error()),
            ))),
            Err(not) => Err(not.into_error()),
        }
    }

    /// Sends the answer (a new password, a code) only where the sign-in started.
    async fn send_answer(
        &self,
        provider: &ProviderConfig,
        challenge: &Challenge,
        admin: bool,
        answer: String,
    ) -> Result<AuthStep, NotAnswered> {
        self.ensure_still_bound(provider)
            .await
            .map_err(|e| match e {
                Error::InvalidConfig {
                    field: "provider", ..
                } => NotAnswered::Stale(e),
                // The settings could not be read just now: the challenge is intact.
                e => NotAnswered::Unsent(e),
            })?;
        let secret = self
            .client_secret_of(provider)
            .await
            .map_err(NotAnswered::Unsent)?;
        let pool = provider
            .cognito_api(secret)
            .map_err(NotAnswered::Stale)?
            .pool;
        let answer = challenge.name.answer_with(answer);
        let http = self.http_for(provider);
        let mut idp = CognitoIdp::new(&http, &pool);
        if admin {
            let auth = self
                .admin_auth(provider)
                .await
                .map_err(NotAnswered::Unsent)?;
            idp = idp.with_admin(auth);
        }
        let answered = idp.answer(challenge.clone(), answer).await;
        let answered = match admin {
            true => self.after_signed_call(provider, answered).await,
            false => answered,
        };
        answered.map_err(NotAnswered::Refused)
    }

    /// `answered`: the challenge whose answer brought `step`, taken when its tokens are saved.
    async fn after_step(
        &self,
        provider: &ProviderConfig,
        step: AuthStep,
        admin: bool,
        answered: Option<&str>,
    ) -> Result<PasswordSignIn> {
        match step {
            AuthStep::Challenge(challenge) => {
                let id = crate::pkce::random_url_safe();
                let view = challenge_view(id.clone(), &challenge, None);
                self.live_challenges().insert(
                    id,
                    PendingChallenge {
                        provider: provider.clone(),
                        challenge,
                        admin,
                        asked_at: Instant::now(),
                        answering: false,
                    },
                );
                Ok(PasswordSignIn::Challenge(view))
            }
            AuthStep::Tokens(tokens) => {
                let method = match admin {
                    true => SignInMethod::CognitoAdmin,
                    false => SignInMethod::CognitoApi,
                };
                Ok(PasswordSignIn::SignedIn(Box::new(
                    self.store_api_sign_in(provider, tokens, method, answered)
                        .await?,
                )))
            }
        }
    }

    async fn store_api_sign_in(
        &self,
        provider: &ProviderConfig,
        tokens: TokenSet,
        method: SignInMethod,
        answered: Option<&str>,
    ) -> Result<AccountView> {
        self.ensure_still_bound(provider).await?;
        let verdicts = self.verify_api_tokens(provider, &tokens, None).await?;
        // The last moment a Cancel wins: after this the account is saved.
        if let Some(challenge_id) = answered
            && !self.cancel_challenge(challenge_id)
        {
            return Err(cancelled_here());
        }
        let claims = tokens
            .id_token
            .as_ref()
            .and_then(|t| crate::inspect::decode_unverified(t.expose_secret()).ok())
            .map(|(_, c)| c)
            .unwrap_or_default();
        let record = self
            .save_user_account(provider, &claims, &tokens, method)
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

fn cancelled_here() -> Error {
    Error::AccessDenied {
        detail: "the sign-in was cancelled here".into(),
    }
}

fn challenge_view(id: String, challenge: &Challenge, refused: Option<&Error>) -> ChallengeView {
    ChallengeView {
        id,
        name: challenge.name.as_str().to_owned(),
        prompt: challenge.prompt(),
        details: challenge
            .details()
            .into_iter()
            .map(|(name, value)| ChallengeDetail { name, value })
            .collect(),
        choices: match challenge.name {
            ChallengeName::SelectChallenge => challenge
                .available
                .iter()
                .map(|c| crate::error::printable(c, 40))
                .collect(),
            _ => Vec::new(),
        },
        refused: refused.map(|e| crate::error::printable(&e.to_string(), 400)),
    }
}

impl Deck {
    /// The pending challenges, those older than Cognito's longest session forgotten.
    fn live_challenges(&self) -> MutexGuard<'_, HashMap<String, PendingChallenge>> {
        let mut challenges = lock(&self.challenges);
        challenges.retain(|_, pending| pending.asked_at.elapsed() < CHALLENGE_KEPT_FOR);
        challenges
    }

    /// Forgets a challenge the user walked away from (the sign-in's Cancel).
    pub(super) fn cancel_challenge(&self, challenge_id: &str) -> bool {
        lock(&self.challenges).remove(challenge_id).is_some()
    }

    /// Forgets the challenges of sign-ins started with a provider whose settings changed.
    pub(super) fn drop_challenges_of(&self, provider_id: &ProviderId) {
        lock(&self.challenges).retain(|_, pending| pending.provider.id != *provider_id);
    }
}
