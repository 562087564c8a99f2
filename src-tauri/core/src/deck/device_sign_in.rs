//! Sign-ins with a code (RFC 8628's device authorization grant): the user enters the code
//! in a browser anywhere while this process polls; the account is then stored exactly as
//! after a browser sign-in.

use std::sync::Arc;

use tokio::sync::Notify;

use super::{Deck, DeviceSignInView, SignInEnd, lock};
use crate::client::DeviceSignIn;
use crate::error::Result;
use crate::ids::ProviderId;
use crate::pkce::random_url_safe;

/// A started device sign-in: show `view`, then hand `wait` to [`Deck::await_device_sign_in`].
#[derive(Debug)]
pub struct DeviceSignInStarted {
    pub view: DeviceSignInView,
    pub wait: DeviceWait,
}

#[derive(Debug)]
pub struct DeviceWait {
    id: String,
    sign_in: DeviceSignIn,
    cancel: Arc<Notify>,
}

/// How to stop a device sign-in being polled, and whose it is.
#[derive(Debug)]
pub(super) struct WaitingDevice {
    provider_id: ProviderId,
    /// Where the user enters the code (with it filled in when the provider gave that page).
    page: url::Url,
    cancel: Arc<Notify>,
}

impl Deck {
    /// Asks the provider for a user code, with the provider's scopes unless `scopes` are given.
    pub async fn begin_device_sign_in(
        &self,
        provider_id: &ProviderId,
        scopes: Option<Vec<String>>,
    ) -> Result<DeviceSignInStarted> {
        let provider = self.provider(provider_id).await?;
        let endpoints = self.endpoints_for(&provider).await?;
        let secret = self.sign_in_secret(&provider).await?;
        let scopes = scopes.unwrap_or_else(|| provider.scopes.clone());
        crate::provider::check_scopes(&scopes)?;
        let provider = Arc::new(provider);
        let sign_in = self
            .oidc
            .start_device_sign_in(provider.clone(), endpoints, secret, scopes)
            .await?;
        let id = random_url_safe();
        let cancel = Arc::new(Notify::new());
        let code = &sign_in.authorization;
        lock(&self.device_sign_ins).insert(
            id.clone(),
            WaitingDevice {
                provider_id: provider_id.clone(),
                page: code
                    .verification_uri_complete
                    .clone()
                    .unwrap_or_else(|| code.verification_uri.clone()),
                cancel: cancel.clone(),
            },
        );
        // The provider may have been edited or removed during the request, before there was
        // anything to cancel: its tokens would be refused at the end; stop now instead.
        if let Err(e) = self.ensure_still_bound(&provider).await {
            lock(&self.device_sign_ins).remove(&id);
            return Err(e);
        }
        let view = DeviceSignInView {
            id: id.clone(),
            provider_id: provider_id.clone(),
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.to_string(),
            verification_uri_complete: code
                .verification_uri_complete
                .as_ref()
                .map(ToString::to_string),
            expires_in: code.expires_in,
        };
        Ok(DeviceSignInStarted {
            view,
            wait: DeviceWait {
                id,
                sign_in,
                cancel,
            },
        })
    }

    /// Polls until the user approves (the account is stored and returned), refuses or lets
    /// the code expire (errors), or the sign-in is cancelled ([`SignInEnd::Elsewhere`]).
    pub async fn await_device_sign_in(&self, wait: DeviceWait) -> Result<SignInEnd> {
        let DeviceWait {
            id,
            sign_in,
            cancel,
        } = wait;
        let finished = tokio::select! {
            result = self.oidc.finish_device_sign_in(sign_in) => Some(result),
            () = cancel.notified() => None,
        };
        // Cancelled while the last poll was answered: the window was told so, keep nothing.
        let still_wanted = lock(&self.device_sign_ins).remove(&id).is_some();
        match finished {
            None => Ok(SignInEnd::Elsewhere),
            Some(_) if !still_wanted => Ok(SignInEnd::Elsewhere),
            Some(result) => {
                let account = self.store_sign_in(result?).await?;
                Ok(SignInEnd::SignedIn(Box::new(account)))
            }
        }
    }

    /// The page where the user of a device sign-in being polled enters its code: opened on
    /// request by its id, so the window never names a URL to open.
    pub fn device_sign_in_page(&self, id: &str) -> Result<url::Url> {
        lock(&self.device_sign_ins)
            .get(id)
            .map(|waiting| waiting.page.clone())
            .ok_or_else(|| crate::Error::NotFound {
                what: "sign-in with a code",
                id: id.to_owned(),
            })
    }

    pub(super) fn cancel_device_sign_in(&self, id: &str) -> bool {
        match lock(&self.device_sign_ins).remove(id) {
            Some(waiting) => {
                waiting.cancel.notify_one();
                true
            }
            None => false,
        }
    }

    pub(super) fn cancel_device_sign_ins_of(&self, provider_id: &ProviderId) {
        lock(&self.device_sign_ins).retain(|_, waiting| {
            let keep = waiting.provider_id != *provider_id;
            if !keep {
                waiting.cancel.notify_one();
            }
            keep
        });
    }
}
