//! Redirects delivered by the OS: the custom-scheme URL arrives on a cold start (read in
//! setup) or through the running instance (`on_open_url`, fed by single-instance).

use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use tokendeck_core::ErrorCode;
use tokendeck_core::secret::CallbackUrl;
use tokendeck_core::wire::WireError;
use url::Url;

use crate::{AppState, events};

pub const SCHEME: &str = "io.github.tokendeck";

pub fn install(app: &AppHandle) {
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    if let Err(e) = app.deep_link().register_all() {
        tracing::warn!(error = %e, "could not register the io.github.tokendeck:// handler");
    }
    let handle = app.clone();
    app.deep_link()
        .on_open_url(move |event| deliver(&handle, event.urls()));
    match app.deep_link().get_current() {
        Ok(Some(urls)) => deliver(app, urls),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the launch URL"),
    }
}

fn deliver(app: &AppHandle, urls: Vec<Url>) {
    for url in urls.into_iter().filter(|u| u.scheme() == SCHEME) {
        focus_main_window(app);
        if tokendeck_core::callback::is_sign_out_return(url.as_str()) {
            tracing::info!("back from the provider's sign-out page");
            continue;
        }
        let app = app.clone();
        let callback = CallbackUrl::new(String::from(url));
        tauri::async_runtime::spawn(async move {
            let deck = app.state::<AppState>().deck.clone();
            match deck.complete_sign_in(&callback).await {
                Ok(account) => events::auth_completed(&app, &account),
                Err(e) => {
                    tracing::warn!(code = ?e.code(), "sign-in redirect refused");
                    // A refused redirect leaves its sign-in (if any) pending: no state then. A
                    // provider's error (the user cancelled, access denied) ended the sign-in
                    // it names: the window closes that sign-in's dialog.
                    let state = (e.code() != ErrorCode::BadCallback)
                        .then(|| tokendeck_core::callback::state_of(callback.expose_secret()))
                        .flatten();
                    events::auth_failed(&app, state, WireError::from(&e));
                }
            }
            events::accounts_changed(&app);
        });
    }
}

pub fn focus_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        // Hidden when closed to the tray.
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}
