//! Sessions signed in through Cognito's own API: verifying their tokens against the pool's
//! keys, refreshing (REFRESH_TOKEN_AUTH) and revoking (RevokeToken).

use super::session::Renewal;
use super::{Deck, Verdicts};
use crate::cognito::idp::CognitoIdp;
use crate::error::{Error, Result};
use crate::inspect::Verification;
use crate::provider::{COGNITO_ID_TOKEN_ALGORITHMS, CognitoApi, ProviderConfig};
use crate::secret::{ClientSecret, RefreshToken};
use crate::store::{AccountRecord, SignInMethod};
use crate::token::{TokenSet, unix_now};
use crate::verify::{DEFAULT_LEEWAY_SECS, Expectations, TokenUse, VerifyFailure, verify_token};

impl Deck {
    /// Verifies API-issued tokens against the pool's keys (Cognito rules: `token_use`,
    /// `client_id`); a refreshed ID token must be about `expected_sub`.
    pub(super) async fn verify_api_tokens(
        &self,
        provider: &ProviderConfig,
        tokens: &TokenSet,
        expected_sub: Option<&str>,
    ) -> Result<Verdicts> {
        let CognitoApi {
            issuer, jwks_uri, ..
        } = provider.cognito_api(None)?;
        let now = unix_now();
        let expect = |token_use| Expectations {
            issuer: &issuer,
            client_id: &provider.client_id,
            token_use,
            id_token_algorithms: COGNITO_ID_TOKEN_ALGORITHMS,
            nonce: None,
            cognito: true,
            now,
            leeway: DEFAULT_LEEWAY_SECS,
        };
        let jwks = self.oidc.jwks();
        verify_token(
            jwks,
            &jwks_uri,
            &provider.network,
            tokens.access_token.expose_secret(),
            &expect(TokenUse::Access),
        )
        .await?;
        let id = match &tokens.id_token {
            Some(id) => {
                let verified = verify_token(
                    jwks,
                    &jwks_uri,
                    &provider.network,
                    id.expose_secret(),
                    &expect(TokenUse::Id),
                )
                .await?;
                if expected_sub.is_some() && verified.sub() != expected_sub {
                    return Err(Error::TokenRejected {
                        token: "ID token",
                        failure: VerifyFailure::SubjectChanged,
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
        Ok(Verdicts {
            id,
            access: Verification::Verified { issuer },
        })
    }

    /// REFRESH_TOKEN_AUTH never rotates the refresh token: nothing to store before verifying.
    pub(super) async fn refresh_cognito_api(
        &self,
        record: &AccountRecord,
        provider: &ProviderConfig,
        secret: Option<ClientSecret>,
        refresh_token: &RefreshToken,
    ) -> Result<Renewal> {
        let pool = provider.cognito_api(secret)?.pool;
        // SECRET_HASH needs a username; Cognito accepts the `sub` there.
        let username = record
            .username
            .as_deref()
            .or(record.subject.as_deref())
            .unwrap_or_default();
        let http = self.http_for(provider);
        let public = CognitoIdp::new(&http, &pool);
        let tokens = match record.sign_in {
            // The admin flow, as the account signed in. When the AWS side fails (an expired SSO
            // session, changed keys, another process's default chain), the refresh token still
            // works through the public call: the session is not lost to it.
            SignInMethod::CognitoAdmin => match self
                .admin_refresh(provider, &public, refresh_token, username)
                .await
            {
                Err(Error::InvalidConfig { field, .. }) if field.starts_with("AWS") => {
                    tracing::info!(
                        "admin refresh refused on the AWS side; refreshing through the public call"
                    );
                    public.refresh(refresh_token, username).await?
                }
                other => other?,
            },
            _ => public.refresh(refresh_token, username).await?,
        };
        let verdicts = self
            .verify_api_tokens(provider, &tokens, record.subject.as_deref())
            .await?;
        Ok(Renewal { tokens, verdicts })
    }

    async fn admin_refresh(
        &self,
        provider: &ProviderConfig,
        public: &CognitoIdp<'_>,
        refresh_token: &RefreshToken,
        username: &str,
    ) -> Result<TokenSet> {
        let admin = self.admin_auth(provider).await?;
        let refreshed = public
            .clone()
            .with_admin(admin)
            .refresh(refresh_token, username)
            .await;
        self.after_signed_call(provider, refreshed).await
    }

    pub(super) async fn revoke_cognito_api(
        &self,
        provider: &ProviderConfig,
        refresh_token: &RefreshToken,
    ) -> Result<()> {
        let secret = self.client_secret_of(provider).await?;
        let pool = provider.cognito_api(secret)?.pool;
        CognitoIdp::new(&self.http_for(provider), &pool)
            .revoke(refresh_token)
            .await
    }
}
