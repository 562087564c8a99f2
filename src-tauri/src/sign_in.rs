//! Sign-ins from the window: opening the sign-in page (or copying its URL), or showing a code
//! to enter elsewhere (device sign-in), then waiting for the sign-in to end in the background.

use std::sync::Arc;

use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tokendeck_core::deck::{
    Deck, DeviceSignInView, SignInEnd, SignInRequest, SignInStarted, SignInStartedView,
};
use tokendeck_core::ids::ProviderId;
use tokendeck_core::secret::AccessToken;
use tokendeck_core::wire::WireError;

use crate::{AppState, events};

/// Starts a sign-in, hands its URL over with `deliver` (open a browser, copy it), and waits
/// for its end in the background. A sign-in whose URL could not be delivered is cancelled.
pub async fn start(
    app: &AppHandle,
    deck: &Arc<Deck>,
    provider_id: &ProviderId,
    request: SignInRequest,
    deliver: fn(&AppHandle, &SignInStarted) -> Result<(), WireError>,
) -> Result<SignInStartedView, WireError> {
    let started = deck.begin_sign_in(provider_id, request).await?;
    if let Err(e) = deliver(app, &started) {
        deck.cancel_sign_in(&started.view.state);
        return Err(e);
    }
    Ok(wait_in_background(app, deck.clone(), started))
}

/// Opens the sign-in page with the provider's browser command, else the system browser.
pub fn open_page(app: &AppHandle, started: &SignInStarted) -> Result<(), WireError> {
    let url = started.authorization_url.as_str();
    if let Some(browser) = &started.browser {
        return Ok(browser.open(url)?);
    }
    open_url(app, url)
}

pub fn open_url(app: &AppHandle, url: &str) -> Result<(), WireError> {
    app.opener().open_url(url, None::<&str>).map_err(|e| {
        WireError::from(tokendeck_core::Error::Unsupported {
            what: "opening the system browser",
            hint: "no default browser is configured; set one (xdg-settings set default-web-browser), or set a browser command in the provider's settings, and try again",
        })
        .with_detail(&e.to_string())
    })
}

/// Puts the sign-in URL on the clipboard. It holds no secret (the PKCE verifier stays here),
/// but whoever pastes it first can sign in there until it expires: so it is kept out of
/// clipboard history and cleared once the sign-in can no longer be finished.
pub fn copy_url(app: &AppHandle, started: &SignInStarted) -> Result<(), WireError> {
    let Some(state) = app.try_state::<AppState>() else {
        return Ok(());
    };
    let url = AccessToken::new(started.authorization_url.to_string());
    let lifetime = u32::try_from(started.view.expires_in).unwrap_or(u32::MAX);
    Ok(state.clipboard.copy(app, &url, lifetime)?)
}

/// Starts a sign-in with a code and polls for its end in the background.
pub async fn start_device(
    app: &AppHandle,
    deck: &Arc<Deck>,
    provider_id: &ProviderId,
) -> Result<DeviceSignInView, WireError> {
    let started = deck.begin_device_sign_in(provider_id, None).await?;
    let view = started.view.clone();
    let id = view.id.clone();
    let (app, deck) = (app.clone(), deck.clone());
    tauri::async_runtime::spawn(async move {
        let end = deck.await_device_sign_in(started.wait).await;
        report_end(&app, id, end);
    });
    Ok(view)
}

/// Tells the window how a sign-in ended (`auth:completed`/`auth:failed`); a sign-in cancelled
/// or finished elsewhere was already reported.
fn report_end(app: &AppHandle, sign_in_id: String, end: tokendeck_core::Result<SignInEnd>) {
    match end {
        Ok(SignInEnd::SignedIn(account)) => events::auth_completed(app, &account),
        Ok(SignInEnd::Elsewhere) => return,
        Err(e) => events::auth_failed(app, Some(sign_in_id), WireError::from(&e)),
    }
    events::accounts_changed(app);
}

/// Waits for the sign-in to end, then tells the window (`auth:completed`/`auth:failed`).
fn wait_in_background(
    app: &AppHandle,
    deck: Arc<Deck>,
    started: SignInStarted,
) -> SignInStartedView {
    let view = started.view.clone();
    let sign_in_state = view.state.clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let end = deck.await_sign_in(started.wait).await;
        report_end(&app, sign_in_state, end);
    });
    view
}
