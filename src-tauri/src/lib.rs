//! The Tauri shell: plugins, state, commands, events. Everything else lives in
//! `tokendeck-core`; a command here unpacks its arguments and makes one core call.

mod agent;
mod clipboard;
mod commands;
mod deep_link;
mod events;
mod keeper;
mod notifications;
mod sign_in;
mod tray;

use std::sync::Arc;

use tauri::Manager;
use tokendeck_core::OidcClient;
use tokendeck_core::deck::Deck;
use tokendeck_core::http::HttpClient;
use tokendeck_core::store::{ConfigStore, Vault};

#[derive(Debug)]
pub struct AppState {
    pub deck: Arc<Deck>,
    pub clipboard: clipboard::ClipboardGuard,
    pub agent: agent::AgentSwitch,
    pub keeper: keeper::Background,
    pub tray: tray::TrayState,
    pub background_changes: events::Coalesced,
}

pub fn run() {
    init_tracing();
    let started = std::time::Instant::now();
    let result = tauri::Builder::default()
        // First, so a second launch (the OS delivering a deep link) is handed to this one.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            deep_link::focus_main_window(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .on_page_load(move |_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                tracing::info!(after_ms = started.elapsed().as_millis(), "page loaded");
            }
        })
        .setup(setup)
        .on_window_event(tray::on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::snapshot,
            commands::dismiss_notices,
            commands::save_provider,
            commands::remove_provider,
            commands::check_provider,
            commands::begin_sign_in,
            commands::copy_sign_in_url,
            commands::begin_device_sign_in,
            commands::open_device_sign_in_page,
            commands::cancel_sign_in,
            commands::refresh,
            commands::refresh_all,
            commands::account_detail,
            commands::copy,
            commands::copy_plain_text,
            commands::sign_out,
            commands::machine_token,
            commands::inspect,
            commands::set_clipboard_clear_seconds,
            commands::set_app_answers_command_line,
            commands::set_keep_fresh,
            commands::set_account_keep_fresh,
            commands::set_deadline_warning_hours,
            commands::set_close_to_tray,
            commands::userinfo,
            commands::sign_in_with_password,
            commands::answer_challenge,
            commands::aws_credentials,
            commands::export_providers,
            commands::import_providers,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(on_run_event),
        Err(e) => {
            tracing::error!(error = %e, "Tokendeck failed to start");
            std::process::exit(1);
        }
    }
}

/// Opens the accounts, listens for deep links, and brings sessions back in the background.
fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let state = open_state()?;
    let deck = state.deck.clone();
    app.manage(state);
    deep_link::install(app.handle());
    tray::install(app.handle());
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        if let Ok(issuer) = std::env::var("TOKENDECK_DEMO_ISSUER")
            && let Err(e) = deck.ensure_demo_provider(&issuer).await
        {
            tracing::warn!(error = %e, "could not add the demo provider");
        }
        if let Some(state) = handle.try_state::<AppState>() {
            state
                .agent
                .apply(deck.app_answers_command_line().await, &deck);
            state.tray.set_close_to_tray(deck.close_to_tray().await);
        }
        events::accounts_changed(&handle);
        deck.restore_sessions().await;
        events::accounts_changed(&handle);
        if let Some(state) = handle.try_state::<AppState>() {
            state.keeper.start(&handle, deck);
        }
    });
    Ok(())
}

/// On exit: clear a copied token from the clipboard, let background refreshes finish and
/// cached sessions land.
fn on_run_event(handle: &tauri::AppHandle, event: tauri::RunEvent) {
    if let tauri::RunEvent::Exit = event
        && let Some(state) = handle.try_state::<AppState>()
    {
        state.clipboard.clear_on_exit();
        state.keeper.stop_and_wait();
        tauri::async_runtime::block_on(async {
            let lost = state.deck.store_unsaved_refresh_tokens().await;
            if lost > 0 {
                tracing::error!(
                    accounts = lost,
                    "the keyring refused rotated refresh tokens; those accounts must sign in again"
                );
            }
            state.deck.flush_session_cache().await;
        });
    }
}

fn open_state() -> Result<AppState, Box<dyn std::error::Error>> {
    // The same directory the `tokendeck` CLI uses (Tauri's app_config_dir on every platform).
    let dir = tokendeck_core::store::default_config_dir()?;
    let oidc = OidcClient::new(HttpClient::new()?);
    let deck = Deck::open(oidc, ConfigStore::new(dir), Vault::default())?;
    Ok(AppState {
        deck: Arc::new(deck),
        clipboard: clipboard::ClipboardGuard::default(),
        agent: agent::AgentSwitch::default(),
        keeper: keeper::Background::default(),
        tray: tray::TrayState::default(),
        background_changes: events::Coalesced::default(),
    })
}

fn init_tracing() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("TOKENDECK_LOG").unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("info,aws_config=error,aws_sigv4=off")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
