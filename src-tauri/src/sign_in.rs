//! Browser sign-ins from the window: opening the sign-in page (or copying its URL), then
//! waiting for the sign-in to end in the background.

use std::sync::Arc;

use tauri::{AppHandle, Manager};
use tauri_plugin_opener::OpenerExt;
use tokendeck_core::deck::{Deck, SignInEnd, SignInRequest, SignInStarted, SignInStartedView};
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
        match deck.await_sign_in(started.wait).await {
            Ok(SignInEnd::SignedIn(account)) => events::auth_completed(&app, &account),
            Ok(SignInEnd::Elsewhere) => return,
            Err(e) => events::auth_failed(&app, Some(sign_in_state), WireError::from(&e)),
        }
        events::accounts_changed(&app);
    });
    view
}
