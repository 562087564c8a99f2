//! `OidcClient`: the flows end to end (start sign-in, finish it from the redirect, refresh,
//! client credentials, verify, revoke, userInfo) over one HTTP client and one JWKS cache.

use std::sync::Arc;

use serde_json::{Map, Value};
use url::Url;

use crate::authorize::{AuthorizeOptions, PendingSignIns, build_authorization_request};
use crate::callback::{CallbackOutcome, parse_callback};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::ids::ProviderId;
use crate::inspect::{TokenView, Verification, decode_unverified};
use crate::jwks::JwksCache;
use crate::provider::{Endpoints, ProviderConfig};
use crate::secret::{AccessToken, CallbackUrl, ClientSecret, RefreshToken};
use crate::token::{self, ClientAuth, TokenSet, unix_now};
use crate::verify::{
    DEFAULT_LEEWAY_SECS, Expectations, TokenUse, VerifiedToken, VerifyFailure, verify_token,
};

mod device;
pub use device::DeviceSignIn;

#[derive(Debug, Clone)]
pub struct OidcClient {
    http: HttpClient,
    jwks: Arc<JwksCache>,
    pending: PendingSignIns,
}

/// A sign-in waiting for the user in the browser.
#[derive(Debug)]
pub struct StartedSignIn {
    /// Open this in the system browser.
    pub authorization_url: Url,
    /// Identifies the sign-in for [`OidcClient::cancel_sign_in`].
    pub state: String,
}

/// A finished sign-in: tokens, and what was verified about them.
#[derive(Debug)]
pub struct SignInResult {
    /// The provider as it was when the sign-in started.
    pub provider: Arc<ProviderConfig>,
    /// The issuer the ID token was verified against.
    pub issuer: String,
    pub tokens: TokenSet,
    pub id_token: Option<VerifiedToken>,
    pub access_token: Verification,
    pub requested_scopes: Vec<String>,
}

/// A refresh's token response applied to the previous tokens, not yet verified.
#[derive(Debug)]
pub struct Renewed {
    pub tokens: TokenSet,
    /// The provider issued a new refresh token; the one sent is spent.
    pub rotated: bool,
    new_id_token: bool,
    received_at: u64,
}

/// The result of a refresh: the updated token set and whether the refresh token rotated
/// (the caller must persist it before reporting success).
#[derive(Debug)]
pub struct Refreshed {
    pub tokens: TokenSet,
    pub rotated: bool,
    pub access_token: Verification,
}

impl OidcClient {
    pub fn new(http: HttpClient) -> Self {
        let jwks = Arc::new(JwksCache::new(http.clone()));
        Self {
            http,
            jwks,
            pending: PendingSignIns::default(),
        }
    }

    pub fn with_parts(http: HttpClient, jwks: Arc<JwksCache>, pending: PendingSignIns) -> Self {
        Self {
            http,
            jwks,
            pending,
        }
    }

    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The HTTP client for a provider: its own proxy and CA certificates, if it has any.
    pub fn http_for(&self, endpoints: &Endpoints) -> HttpClient {
        self.http.for_network(&endpoints.network)
    }

    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    pub fn pending(&self) -> &PendingSignIns {
        &self.pending
    }

    /// Builds the authorization URL and remembers the sign-in until its redirect arrives.
    pub fn start_sign_in(
        &self,
        provider: Arc<ProviderConfig>,
        endpoints: Arc<Endpoints>,
        redirect_uri: Url,
        client_secret: Option<ClientSecret>,
        options: &AuthorizeOptions,
    ) -> StartedSignIn {
        let (authorization_url, state, mut pending) =
            build_authorization_request(provider, endpoints, redirect_uri, options);
        pending.client_secret = client_secret;
        self.pending.insert(state.clone(), pending);
        tracing::info!("sign-in started");
        StartedSignIn {
            authorization_url,
            state,
        }
    }

    pub fn cancel_sign_in(&self, state: &str) -> bool {
        self.pending.cancel(state)
    }

    /// Cancels every sign-in started with this provider (its settings changed); returns their
    /// states.
    pub fn cancel_sign_ins_of(&self, provider_id: &ProviderId) -> Vec<String> {
        self.pending.cancel_provider(provider_id)
    }

    /// Finishes a sign-in from the redirect URL. Everything that can be refused is refused
    /// before the one network call (the code exchange, never retried).
    #[tracing::instrument(skip_all, err)]
    pub async fn complete_sign_in(&self, callback: &CallbackUrl) -> Result<SignInResult> {
        let callback = parse_callback(callback.expose_secret())?;
        let pending = self.pending.take_if(&callback.state, |p| {
            callback.check_target(&p.redirect_uri)?;
            // RFC 9207: when the provider sends or promises `iss`, it must be this provider's.
            if (p.endpoints.iss_parameter_supported || callback.iss.is_some())
                && callback.iss.as_deref() != Some(p.endpoints.issuer.as_str()) {
                    return Err(Error::bad_callback(format!(
                        "its iss {:?} is not the issuer this sign-in went to ({}); the response may come from another provider",
                        callback.iss, p.endpoints.issuer
                    )));
                }
            Ok(())
        })?;
        let code = match callback.outcome {
            CallbackOutcome::Code(code) => code,
            CallbackOutcome::Error { error, description } => {
                return Err(Error::from_oauth(
                    &error,
                    description,
                    Some(pending.redirect_uri.as_str()),
                    pending.client_secret.is_some(),
                ));
            }
        };
        let auth = ClientAuth::for_provider(
            &pending.provider,
            &pending.endpoints,
            pending.client_secret.clone(),
        )?;
        let response = token::exchange_code(
            &self.http_for(&pending.endpoints),
            &pending.endpoints.token,
            &auth,
            code,
            pending.verifier,
            &pending.redirect_uri,
        )
        .await?;
        self.verified_sign_in(
            pending.provider.clone(),
            &pending.endpoints,
            response,
            Some(&pending.nonce),
            pending.requested_scopes,
        )
        .await
    }

    /// A sign-in's token response, verified: the ID token (with `nonce` when the request had
    /// one) is required when `openid` was asked for, and the access token gets its verdict.
    async fn verified_sign_in(
        &self,
        provider: Arc<ProviderConfig>,
        endpoints: &Endpoints,
        response: token::TokenResponse,
        nonce: Option<&str>,
        requested_scopes: Vec<String>,
    ) -> Result<SignInResult> {
        let now = unix_now();
        let tokens = TokenSet::from_response(response, now);
        let client_id = &provider.client_id;
        let id_token = match &tokens.id_token {
            Some(id) => Some(
                self.verify_id_token(endpoints, client_id, id, &tokens.access_token, nonce, now)
                    .await?,
            ),
            None if requested_scopes.iter().any(|s| s == "openid") => {
                return Err(Error::Provider {
                    error: "missing_id_token".into(),
                    description: Some(
                        "the openid scope was granted but no ID token came back".into(),
                    ),
                });
            }
            None => None,
        };
        let access_token = self
            .check_access_token(endpoints, client_id, &tokens.access_token, now)
            .await?;
        tracing::info!("sign-in completed");
        Ok(SignInResult {
            issuer: endpoints.issuer.clone(),
            provider,
            tokens,
            id_token,
            access_token,
            requested_scopes,
        })
    }

    /// Refreshes a token set and verifies the result ([`Self::refresh_grant`] then
    /// [`Self::verify_renewed`]). Callers that store refresh tokens call the two steps
    /// themselves, persisting a rotated refresh token in between.
    #[tracing::instrument(skip_all, err)]
    pub async fn refresh(
        &self,
        endpoints: &Endpoints,
        auth: &ClientAuth,
        current: &TokenSet,
        expected_sub: Option<&str>,
    ) -> Result<Refreshed> {
        let refresh_token: &RefreshToken =
            current.refresh_token.as_ref().ok_or(Error::InvalidGrant {
                detail: "this account has no refresh token".into(),
            })?;
        let renewed = self
            .refresh_grant(endpoints, auth, refresh_token, Some(current))
            .await?;
        let access_token = self
            .verify_renewed(endpoints, &auth.client_id, &renewed, expected_sub)
            .await?;
        Ok(Refreshed {
            tokens: renewed.tokens,
            rotated: renewed.rotated,
            access_token,
        })
    }

    /// The refresh-token grant alone: the new tokens, not yet verified. When `rotated`, the
    /// old refresh token is spent: persist the new one before anything else can fail.
    #[tracing::instrument(skip_all, err)]
    pub async fn refresh_grant(
        &self,
        endpoints: &Endpoints,
        auth: &ClientAuth,
        refresh_token: &RefreshToken,
        previous: Option<&TokenSet>,
    ) -> Result<Renewed> {
        let response = token::refresh(
            &self.http_for(endpoints),
            &endpoints.token,
            auth,
            refresh_token,
        )
        .await?;
        let now = unix_now();
        let new_id_token = response.id_token.is_some();
        let mut tokens = TokenSet::from_response(response, now);
        let rotated = tokens.keep_missing_from(refresh_token, previous);
        Ok(Renewed {
            tokens,
            rotated,
            new_id_token,
            received_at: now,
        })
    }

    /// Verifies what a refresh returned. A new ID token must verify and be about the same
    /// user, from the same issuer, for the same client (OIDC Core §12.2); without one the
    /// previous ID token is kept. Returns the access token's verdict.
    pub async fn verify_renewed(
        &self,
        endpoints: &Endpoints,
        client_id: &str,
        renewed: &Renewed,
        expected_sub: Option<&str>,
    ) -> Result<Verification> {
        let now = renewed.received_at;
        if let (true, Some(id)) = (renewed.new_id_token, &renewed.tokens.id_token) {
            let access = &renewed.tokens.access_token;
            let verified = self
                .verify_id_token(endpoints, client_id, id, access, None, now)
                .await?;
            if expected_sub.is_some() && expected_sub != verified.sub() {
                return Err(Error::TokenRejected {
                    token: "ID token",
                    failure: VerifyFailure::SubjectChanged,
                });
            }
        }
        self.check_access_token(endpoints, client_id, &renewed.tokens.access_token, now)
            .await
    }

    /// The client-credentials grant (machine-to-machine); the access token is verified like
    /// any other.
    pub async fn client_credentials(
        &self,
        endpoints: &Endpoints,
        auth: &ClientAuth,
        scopes: &[String],
    ) -> Result<(TokenSet, Verification)> {
        let response =
            token::client_credentials(&self.http_for(endpoints), &endpoints.token, auth, scopes)
                .await?;
        let now = unix_now();
        let tokens = TokenSet::from_response(response, now);
        let verdict = self
            .check_access_token(endpoints, &auth.client_id, &tokens.access_token, now)
            .await?;
        Ok((tokens, verdict))
    }

    pub async fn verify(
        &self,
        endpoints: &Endpoints,
        client_id: &str,
        token: &str,
        token_use: TokenUse,
        nonce: Option<&str>,
        now: u64,
    ) -> Result<VerifiedToken> {
        let expect = Expectations {
            issuer: &endpoints.issuer,
            client_id,
            token_use,
            id_token_algorithms: &endpoints.id_token_algorithms,
            nonce,
            cognito: endpoints.cognito,
            now,
            leeway: DEFAULT_LEEWAY_SECS,
        };
        verify_token(
            &self.jwks,
            &endpoints.jwks_uri,
            &endpoints.network,
            token,
            &expect,
        )
        .await
    }

    /// Cognito access tokens are JWTs and must verify. Elsewhere an access token is meant for
    /// an API, not for us: a JWT is checked and the verdict shown, an opaque one is reported.
    /// The one rule for an access token's verdict: after a sign-in, a refresh, or a restart.
    pub(crate) async fn check_access_token(
        &self,
        endpoints: &Endpoints,
        client_id: &str,
        token: &AccessToken,
        now: u64,
    ) -> Result<Verification> {
        let looks_like_jwt = decode_unverified(token.expose_secret()).is_ok();
        if !looks_like_jwt && !endpoints.cognito {
            return Ok(Verification::NotChecked {
                reason: "opaque access token (not a JWT)".into(),
            });
        }
        match self
            .verify(
                endpoints,
                client_id,
                token.expose_secret(),
                TokenUse::Access,
                None,
                now,
            )
            .await
        {
            Ok(_) => Ok(Verification::Verified {
                issuer: endpoints.issuer.clone(),
            }),
            Err(e) if endpoints.cognito => Err(e),
            Err(e @ Error::TokenRejected { .. }) => {
                Ok(Verification::of::<()>(&Err(e), &endpoints.issuer))
            }
            Err(e) => Err(e),
        }
    }

    /// Decodes any JWT for display and, when a provider is given, verifies it as `token_use`.
    pub async fn inspect(
        &self,
        token: &str,
        against: Option<(&Endpoints, &str, TokenUse)>,
        response_scope: Option<&str>,
    ) -> Result<TokenView> {
        let verification = match against {
            None => Verification::NotChecked {
                reason: "no provider chosen to verify against".into(),
            },
            Some((endpoints, client_id, token_use)) => {
                let outcome = self
                    .verify(endpoints, client_id, token, token_use, None, unix_now())
                    .await;
                Verification::of(&outcome, &endpoints.issuer)
            }
        };
        TokenView::decode(token, verification, response_scope).map_err(|failure| {
            Error::TokenRejected {
                token: "token",
                failure,
            }
        })
    }

    pub async fn revoke(
        &self,
        endpoints: &Endpoints,
        auth: &ClientAuth,
        token: &RefreshToken,
    ) -> Result<()> {
        let url = endpoints.revocation.as_ref().ok_or(Error::Unsupported {
            what: "revocation",
            hint: "the provider publishes no revocation endpoint; set one under endpoint overrides",
        })?;
        crate::revoke::revoke_refresh_token(&self.http_for(endpoints), url, auth, token).await
    }

    pub async fn userinfo(
        &self,
        endpoints: &Endpoints,
        access_token: &AccessToken,
        expected_sub: Option<&str>,
    ) -> Result<Map<String, Value>> {
        let url = endpoints.userinfo.as_ref().ok_or(Error::Unsupported {
            what: "userInfo",
            hint: "the provider publishes no userInfo endpoint",
        })?;
        crate::userinfo::fetch_userinfo(&self.http_for(endpoints), url, access_token, expected_sub)
            .await
    }
}

impl OidcClient {
    /// An ID token from the token endpoint: signature and claims, and its `at_hash`, when
    /// present, must match the access token it came with.
    async fn verify_id_token(
        &self,
        endpoints: &Endpoints,
        client_id: &str,
        id_token: &crate::secret::IdToken,
        access_token: &AccessToken,
        nonce: Option<&str>,
        now: u64,
    ) -> Result<VerifiedToken> {
        let verified = self
            .verify(
                endpoints,
                client_id,
                id_token.expose_secret(),
                TokenUse::Id,
                nonce,
                now,
            )
            .await?;
        crate::verify::check_at_hash(&verified.claims, access_token.expose_secret(), verified.alg)
            .map_err(|failure| Error::TokenRejected {
                token: "ID token",
                failure,
            })?;
        Ok(verified)
    }
}
