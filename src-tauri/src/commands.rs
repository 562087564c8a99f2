//! Tauri commands: unpack arguments, make one core call, map the error to `{code, message}`.

use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use tokendeck_core::deck::{
    AccountDetail, AccountView, AwsCredentialFormat, AwsCredentialsView, CheckReport, CopyKind,
    DeckView, DeviceSignInView, ImportReport, InspectRequest, PasswordFlow, PasswordSignIn,
    ProviderDraft, ProviderView, RefreshOutcome, SignInRequest, SignInStartedView, SignOutView,
    UserInfoView,
};
use tokendeck_core::ids::{AccountId, ProviderId};
use tokendeck_core::inspect::TokenView;
use tokendeck_core::wire::WireError;

use crate::{AppState, sign_in};

type Reply<T> = Result<T, WireError>;

#[tauri::command]
pub async fn snapshot(state: State<'_, AppState>) -> Reply<DeckView> {
    Ok(state.deck.snapshot().await)
}

#[tauri::command]
pub fn dismiss_notices(state: State<'_, AppState>) {
    state.deck.dismiss_notices();
}

#[tauri::command]
pub async fn save_provider(
    state: State<'_, AppState>,
    draft: ProviderDraft,
) -> Reply<ProviderView> {
    Ok(state.deck.save_provider(draft).await?)
}

#[tauri::command]
pub async fn remove_provider(state: State<'_, AppState>, provider_id: ProviderId) -> Reply<()> {
    Ok(state.deck.remove_provider(&provider_id).await?)
}

#[tauri::command]
pub async fn check_provider(
    state: State<'_, AppState>,
    draft: ProviderDraft,
) -> Reply<CheckReport> {
    Ok(state.deck.check_provider_draft(draft).await)
}

/// Starts a sign-in and opens the sign-in page (the provider's browser command, else the
/// system browser); the sign-in ends in the background (see `sign_in`) or through a deep link.
#[tauri::command]
pub async fn begin_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    provider_id: ProviderId,
    request: SignInRequest,
) -> Reply<SignInStartedView> {
    sign_in::start(&app, &state.deck, &provider_id, request, sign_in::open_page).await
}

/// Starts a sign-in and copies its URL instead of opening a browser, to finish it in another
/// browser or profile; the sign-in then ends as `begin_sign_in`'s does.
#[tauri::command]
pub async fn copy_sign_in_url(
    app: AppHandle,
    state: State<'_, AppState>,
    provider_id: ProviderId,
    request: SignInRequest,
) -> Reply<SignInStartedView> {
    sign_in::start(&app, &state.deck, &provider_id, request, sign_in::copy_url).await
}

/// Starts a sign-in with a code (RFC 8628) for the window to show; it ends in the background
/// like a browser sign-in (`auth:completed`/`auth:failed` naming its id).
#[tauri::command]
pub async fn begin_device_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    provider_id: ProviderId,
) -> Reply<DeviceSignInView> {
    sign_in::start_device(&app, &state.deck, &provider_id).await
}

/// Opens the page where a device sign-in's code is entered, in the system browser.
#[tauri::command]
pub fn open_device_sign_in_page(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Reply<()> {
    let page = state.deck.device_sign_in_page(&id)?;
    sign_in::open_url(&app, page.as_str())
}

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>, sign_in_state: String) -> bool {
    state.deck.cancel_sign_in(&sign_in_state)
}

#[tauri::command]
pub async fn refresh(state: State<'_, AppState>, account_id: AccountId) -> Reply<AccountView> {
    Ok(state.deck.refresh(&account_id).await?)
}

#[tauri::command]
pub async fn refresh_all(state: State<'_, AppState>) -> Reply<Vec<RefreshOutcome>> {
    Ok(state.deck.refresh_all().await)
}

#[tauri::command]
pub async fn account_detail(
    state: State<'_, AppState>,
    account_id: AccountId,
) -> Reply<AccountDetail> {
    Ok(state.deck.account_detail(&account_id).await?)
}

/// Copies in Rust and returns after how many seconds the clipboard will be cleared.
#[tauri::command]
pub async fn copy(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: AccountId,
    kind: CopyKind,
) -> Reply<u32> {
    let text = state.deck.copy_text(&account_id, kind).await?;
    let clear_after = state.deck.clipboard_clear_seconds().await;
    state.clipboard.copy(&app, &text, clear_after)?;
    Ok(clear_after)
}

/// Copies text that is not a secret (a redirect URI to register); it is not cleared.
#[tauri::command]
pub fn copy_plain_text(app: AppHandle, text: String) -> Reply<()> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    app.clipboard().write_text(text).map_err(|e| {
        WireError::from(tokendeck_core::Error::Storage {
            action: "write",
            path: "the clipboard".into(),
            reason: e.to_string(),
        })
    })
}

#[tauri::command]
pub async fn sign_out(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: AccountId,
    hosted_logout: bool,
    force: bool,
) -> Reply<SignOutView> {
    let out = state
        .deck
        .sign_out(&account_id, hosted_logout, force)
        .await?;
    if let Some(url) = &out.logout_url {
        let _ = app.opener().open_url(url, None::<&str>);
    }
    Ok(out)
}

#[tauri::command]
pub async fn machine_token(
    state: State<'_, AppState>,
    provider_id: ProviderId,
) -> Reply<AccountView> {
    Ok(state.deck.machine_token(&provider_id).await?)
}

#[tauri::command]
pub async fn inspect(state: State<'_, AppState>, request: InspectRequest) -> Reply<TokenView> {
    Ok(state.deck.inspect(request).await?)
}

#[tauri::command]
pub async fn set_clipboard_clear_seconds(state: State<'_, AppState>, seconds: u32) -> Reply<()> {
    Ok(state.deck.set_clipboard_clear_seconds(seconds).await?)
}

/// Whether the running app answers the command line (the agent); applied at once.
#[tauri::command]
pub async fn set_app_answers_command_line(state: State<'_, AppState>, enabled: bool) -> Reply<()> {
    state.deck.set_app_answers_command_line(enabled).await?;
    state.agent.apply(enabled, &state.deck);
    Ok(())
}

/// Background refreshing for every account that does not override it; the keeper reads
/// the setting on its next look (within seconds).
#[tauri::command]
pub async fn set_keep_fresh(state: State<'_, AppState>, enabled: bool) -> Reply<()> {
    Ok(state.deck.set_keep_fresh(enabled).await?)
}

/// One account's override of background refreshing; `None` follows the app-wide setting.
#[tauri::command]
pub async fn set_account_keep_fresh(
    state: State<'_, AppState>,
    account_id: AccountId,
    keep_fresh: Option<bool>,
) -> Reply<()> {
    Ok(state
        .deck
        .set_account_keep_fresh(&account_id, keep_fresh)
        .await?)
}

#[tauri::command]
pub async fn set_deadline_warning_hours(state: State<'_, AppState>, hours: u32) -> Reply<()> {
    Ok(state.deck.set_deadline_warning_hours(hours).await?)
}

/// What the provider says about the account's user (its userInfo endpoint, or Cognito's
/// GetUser for API sign-ins).
#[tauri::command]
pub async fn userinfo(state: State<'_, AppState>, account_id: AccountId) -> Reply<UserInfoView> {
    Ok(state.deck.userinfo(&account_id).await?)
}

/// Whether closing the window keeps Tokendeck running in the tray; applied at once.
#[tauri::command]
pub async fn set_close_to_tray(state: State<'_, AppState>, enabled: bool) -> Reply<()> {
    state.deck.set_close_to_tray(enabled).await?;
    state.tray.set_close_to_tray(enabled);
    Ok(())
}

/// Cognito API sign-in (SRP unless `srp` is false). The password is used once, never stored.
#[tauri::command]
pub async fn sign_in_with_password(
    state: State<'_, AppState>,
    provider_id: ProviderId,
    username: String,
    password: String,
    flow: PasswordFlow,
) -> Reply<PasswordSignIn> {
    let password = secrecy::SecretString::from(password);
    Ok(state
        .deck
        .sign_in_with_password(&provider_id, &username, password, flow)
        .await?)
}

#[tauri::command]
pub async fn answer_challenge(
    state: State<'_, AppState>,
    challenge_id: String,
    answer: String,
) -> Reply<PasswordSignIn> {
    Ok(state.deck.answer_challenge(&challenge_id, answer).await?)
}

/// Gets identity-pool credentials and copies them (env lines or credential_process JSON);
/// the webview sees only the identity, key id and expiry.
#[tauri::command]
pub async fn aws_credentials(
    app: AppHandle,
    state: State<'_, AppState>,
    account_id: AccountId,
    format: AwsCredentialFormat,
) -> Reply<AwsCredentialsView> {
    let credentials = state.deck.aws_credentials_text(&account_id, format).await?;
    let clear_after = state.deck.clipboard_clear_seconds().await;
    state.clipboard.copy(&app, &credentials.text, clear_after)?;
    Ok(credentials.view)
}

/// The providers as a shareable file (JSON text, no secrets).
#[tauri::command]
pub async fn export_providers(state: State<'_, AppState>) -> Reply<String> {
    let file = state.deck.export_providers(&[]).await?;
    serde_json::to_string_pretty(&file).map_err(|e| {
        WireError::from(tokendeck_core::Error::Storage {
            action: "write",
            path: "the provider file".into(),
            reason: e.to_string(),
        })
    })
}

/// Adds the providers of a file that are not here yet; a bad file is refused whole.
#[tauri::command]
pub async fn import_providers(state: State<'_, AppState>, text: String) -> Reply<ImportReport> {
    Ok(state.deck.import_providers(&text).await?)
}
