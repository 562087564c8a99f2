//! Device sign-ins (RFC 8628) on the [`OidcClient`]: ask for a user code, then poll until
//! the user approves it in a browser anywhere. The tokens are verified like a browser
//! sign-in's, without a nonce (the grant has none).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::{OidcClient, SignInResult};
use crate::error::{Error, Result};
use crate::provider::{Endpoints, ProviderConfig};
use crate::secret::ClientSecret;
use crate::token::ClientAuth;
use crate::token::device::{
    DeviceAuthorization, DevicePoll, MAX_INTERVAL_SECS, SLOW_DOWN_SECS, poll_device_token,
    request_device_authorization,
};

/// A device sign-in waiting for the user: show `authorization`'s code and URL, then hand it
/// to [`OidcClient::finish_device_sign_in`].
#[derive(Debug)]
pub struct DeviceSignIn {
    pub authorization: DeviceAuthorization,
    provider: Arc<ProviderConfig>,
    endpoints: Arc<Endpoints>,
    auth: ClientAuth,
    requested_scopes: Vec<String>,
    started: Instant,
}

impl DeviceSignIn {
    pub fn provider(&self) -> &ProviderConfig {
        &self.provider
    }
}

impl OidcClient {
    pub async fn start_device_sign_in(
        &self,
        provider: Arc<ProviderConfig>,
        endpoints: Arc<Endpoints>,
        client_secret: Option<ClientSecret>,
        scopes: Vec<String>,
    ) -> Result<DeviceSignIn> {
        let url = endpoints
            .device_authorization
            .clone()
            .ok_or(Error::Unsupported {
                what: "sign-in with a code",
                hint: "the provider's discovery document names no device_authorization_endpoint; sign in through the browser instead",
            })?;
        let auth = ClientAuth::for_provider(&provider, &endpoints, client_secret)?;
        let started = Instant::now();
        let authorization =
            request_device_authorization(&self.http_for(&endpoints), &url, &auth, &scopes).await?;
        tracing::info!("device sign-in started");
        Ok(DeviceSignIn {
            authorization,
            provider,
            endpoints,
            auth,
            requested_scopes: scopes,
            started,
        })
    }

    /// Polls the token endpoint at the provider's interval until the user approves, refuses,
    /// or the code expires; `slow_down` lengthens the interval for good, a failed connection
    /// for the next poll. Dropping the future stops polling.
    pub async fn finish_device_sign_in(&self, sign_in: DeviceSignIn) -> Result<SignInResult> {
        let code = &sign_in.authorization;
        let deadline = sign_in.started + Duration::from_secs(code.expires_in);
        let expired = || Error::ExpiredState {
            minutes: code.expires_in.div_ceil(60),
        };
        let max = Duration::from_secs(MAX_INTERVAL_SECS);
        let http = self.http_for(&sign_in.endpoints);
        let mut interval = Duration::from_secs(code.interval);
        let mut wait = interval;
        let response = loop {
            if Instant::now() + wait >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(expired());
            }
            tokio::time::sleep(wait).await;
            let poll = poll_device_token(
                &http,
                &sign_in.endpoints.token,
                &sign_in.auth,
                &code.device_code,
            )
            .await;
            match poll {
                Ok(DevicePoll::Tokens(response)) => break *response,
                Ok(DevicePoll::Pending) => wait = interval,
                // §3.5: every slow_down adds 5 s for good (the code's lifetime bounds it).
                Ok(DevicePoll::SlowDown) => {
                    interval += Duration::from_secs(SLOW_DOWN_SECS);
                    wait = interval;
                }
                Ok(DevicePoll::Expired) => return Err(expired()),
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "polling for the device sign-in failed; trying again");
                    wait = (wait * 2).min(max).max(interval);
                }
                Err(e) => return Err(e),
            }
        };
        self.verified_sign_in(
            sign_in.provider,
            &sign_in.endpoints,
            response,
            None,
            sign_in.requested_scopes,
        )
        .await
    }
}
