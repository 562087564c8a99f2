/// App commands are declared here so capabilities must grant each one by name
/// (capabilities/default.json); a command the UI does not use stays unreachable.
const COMMANDS: &[&str] = &[
    "snapshot",
    "dismiss_notices",
    "save_provider",
    "remove_provider",
    "check_provider",
    "begin_sign_in",
    "copy_sign_in_url",
    "begin_device_sign_in",
    "open_device_sign_in_page",
    "cancel_sign_in",
    "refresh",
    "refresh_all",
    "account_detail",
    "copy",
    "copy_plain_text",
    "sign_out",
    "machine_token",
    "inspect",
    "set_clipboard_clear_seconds",
    "set_app_answers_command_line",
    "set_keep_fresh",
    "set_account_keep_fresh",
    "set_deadline_warning_hours",
    "set_close_to_tray",
    "userinfo",
    "sign_in_with_password",
    "answer_challenge",
    "aws_credentials",
    "export_providers",
    "import_providers",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes)?;
    Ok(())
}
