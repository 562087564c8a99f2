//! `tokendeck provider …`: the same provider settings, validation and Check as the app's
//! provider form, and sharing definitions as a file (no secrets).

use std::io::Read;

use serde_json::json;
use tokendeck_core::deck::{CheckReport, Deck, DeckView, ProviderDraft, ProviderView};
use tokendeck_core::provider::{ClientAuthMethod, ProviderConfig};
use tokendeck_core::{Error, Result};

use crate::args::{
    ProviderAddArgs, ProviderCommand, ProviderEditArgs, ProviderExportArgs, ProviderImportArgs,
    ProviderRef, ProviderRemoveArgs,
};
use crate::output;
use crate::provider_settings::{apply_settings, edited_source, read_client_secret, source_of};

pub async fn run(deck: &Deck, json: bool, command: &ProviderCommand) -> Result<()> {
    match command {
        ProviderCommand::List => list(deck, json).await,
        ProviderCommand::Add(args) => add(deck, json, args).await,
        ProviderCommand::Edit(args) => edit(deck, json, args).await,
        ProviderCommand::Remove(args) => remove(deck, args).await,
        ProviderCommand::Check(args) => check(deck, json, args).await,
        ProviderCommand::Export(args) => export(deck, args).await,
        ProviderCommand::Import(args) => import(deck, json, args).await,
    }
}

async fn list(deck: &Deck, json: bool) -> Result<()> {
    let view = deck.snapshot().await;
    if json {
        output::json(&json!(
            view.providers.iter().map(describe).collect::<Vec<_>>()
        ));
        return Ok(());
    }
    for p in &view.providers {
        print_provider(p, &view);
    }
    Ok(())
}

async fn add(deck: &Deck, json: bool, args: &ProviderAddArgs) -> Result<()> {
    let source = source_of(&args.source)?.ok_or_else(|| {
        Error::config(
            "provider",
            "say where tokens come from: --issuer URL, or --region and --pool-id (with --domain-prefix, --custom-domain or --no-domain)",
        )
    })?;
    let mut config = ProviderConfig::new(&args.name, source, &args.client_id);
    apply_settings(&mut config, &args.settings)?;
    let client_secret = read_client_secret(&args.settings)?;
    let saved = deck
        .save_provider(ProviderDraft {
            config,
            client_secret,
        })
        .await?;
    report_saved(deck, json, &saved, "added").await;
    if args.check {
        return check(
            deck,
            json,
            &ProviderRef {
                provider: saved.config.id.to_string(),
            },
        )
        .await;
    }
    Ok(())
}

async fn edit(deck: &Deck, json: bool, args: &ProviderEditArgs) -> Result<()> {
    let mut config = deck.find_provider(&args.provider).await?;
    let view = deck.snapshot().await;
    let id = config.id.clone();
    if let Some(name) = &args.name {
        config.name = name.clone();
    }
    if let Some(client_id) = &args.client_id {
        config.client_id = client_id.clone();
    }
    if let Some(source) = edited_source(&config.source, &args.source)? {
        config.source = source;
    }
    apply_settings(&mut config, &args.settings)?;
    let client_secret = match args.no_client_secret {
        true => Some(String::new()),
        false => read_client_secret(&args.settings)?,
    };
    let active_before = active_accounts(&view, &id);
    let saved = deck
        .save_provider(ProviderDraft {
            config,
            client_secret,
        })
        .await?;
    report_saved(deck, json, &saved, "saved").await;
    let after = deck.snapshot().await;
    if active_accounts(&after, &id) < active_before {
        output::note(
            "its accounts must sign in again: the provider now points elsewhere (issuer, endpoints, client or redirect), so their tokens were deleted rather than sent there",
        );
    }
    Ok(())
}

async fn remove(deck: &Deck, args: &ProviderRemoveArgs) -> Result<()> {
    let id = deck.find_provider(&args.provider).await?.id;
    let view = deck.snapshot().await;
    let accounts: Vec<&str> = view
        .accounts
        .iter()
        .filter(|a| a.record.provider_id == id)
        .map(|a| a.record.label.as_str())
        .collect();
    if !accounts.is_empty() && !args.force {
        return Err(Error::config(
            "provider",
            format!(
                "it has accounts ({}): sign them out first to revoke their tokens (tokendeck logout ACCOUNT), or pass --force to delete them without revoking",
                accounts.join(", ")
            ),
        ));
    }
    deck.remove_provider(&id).await?;
    output::note(&format!("removed {}", args.provider));
    Ok(())
}

async fn check(deck: &Deck, json: bool, args: &ProviderRef) -> Result<()> {
    let provider = deck.find_provider(&args.provider).await?;
    let name = provider.name.clone();
    let report = deck.check_provider(provider).await;
    print_report(json, &report);
    match report.ok {
        true => Ok(()),
        false => Err(Error::config(
            "provider",
            format!("the check of \"{name}\" found problems (above)"),
        )),
    }
}

async fn export(deck: &Deck, args: &ProviderExportArgs) -> Result<()> {
    let file = deck.export_providers(&args.providers).await?;
    let text = serde_json::to_string_pretty(&file).map_err(|e| Error::Storage {
        action: "write",
        path: "the provider file".into(),
        reason: e.to_string(),
    })? + "\n";
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::Storage {
            action: "write",
            path: path.display().to_string(),
            reason: e.to_string(),
        })?,
        None => output::text(&text),
    }
    Ok(())
}

async fn import(deck: &Deck, json: bool, args: &ProviderImportArgs) -> Result<()> {
    let text = match args.file.as_os_str() == "-" {
        true => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                Error::config("provider file", format!("cannot read standard input: {e}"))
            })?;
            text
        }
        false => std::fs::read_to_string(&args.file).map_err(|e| {
            Error::config(
                "provider file",
                format!("cannot read {}: {e}", args.file.display()),
            )
        })?,
    };
    let report = deck.import_providers(&text).await?;
    if json {
        output::json(&report);
        return Ok(());
    }
    for p in &report.added {
        let secret = match p.needs_client_secret {
            true => format!(
                "; enter its client secret: tokendeck provider edit '{}' --client-secret",
                p.name
            ),
            false => String::new(),
        };
        output::note(&format!("added {} ({}){secret}", p.name, p.id));
    }
    for p in &report.skipped {
        output::note(&format!("already here: {} ({})", p.name, p.id));
    }
    for note in &report.notes {
        output::note(&format!("not used: {note}"));
    }
    Ok(())
}

async fn report_saved(deck: &Deck, json: bool, saved: &ProviderView, what: &str) {
    if json {
        output::json(&describe(saved));
        return;
    }
    output::note(&format!(
        "{what} {} ({})",
        saved.config.name, saved.config.id
    ));
    print_provider(saved, &deck.snapshot().await);
}

fn describe(p: &ProviderView) -> serde_json::Value {
    json!({
        "id": p.config.id,
        "name": p.config.name,
        "issuer": p.config.expected_issuer(),
        "clientId": p.config.client_id,
        "hasClientSecret": p.has_client_secret,
        "clientAuth": p.config.client_auth.name(),
        "clientKeyId": p.config.client_key_id,
        "scopes": p.config.scopes,
        "redirectUri": p.redirect.uri,
        "loopbackRedirectUri": p.redirect.loopback_uri,
        "mixUpProtected": p.redirect.mix_up_protected,
        "refreshTokenLifetime": p.config.refresh_token_lifetime(),
    })
}

fn print_provider(p: &ProviderView, view: &DeckView) {
    let accounts = view
        .accounts
        .iter()
        .filter(|a| a.record.provider_id == p.config.id)
        .count();
    output::line(&format!("{}  ({})", p.config.name, p.config.id));
    output::line(&format!("  issuer        {}", p.config.expected_issuer()));
    let credential = match (p.has_client_secret, p.config.client_auth) {
        (false, _) => String::new(),
        (true, ClientAuthMethod::Auto) => " (with secret)".into(),
        (true, ClientAuthMethod::PrivateKeyJwt) => " (with private key, private_key_jwt)".into(),
        (true, method) => format!(" (with secret, {})", method.name()),
    };
    output::line(&format!(
        "  client        {}{credential}{}",
        p.config.client_id,
        p.config
            .client_key_id
            .as_deref()
            .map(|kid| format!(", key id {kid}"))
            .unwrap_or_default()
    ));
    output::line(&format!(
        "  redirect URIs {} and {}",
        p.redirect.uri, p.redirect.loopback_uri
    ));
    if let Some(advice) = &p.redirect.advice {
        output::line(&format!("  warning       {advice}"));
    }
    if let Some(seconds) = p.config.refresh_token_lifetime() {
        output::line(&format!(
            "  refresh token lasts {}{}",
            humantime::format_duration(std::time::Duration::from_secs(seconds)),
            if p.config.refresh_token_lifetime.is_none() {
                " (Cognito's default)"
            } else {
                ""
            }
        ));
    }
    output::line(&format!("  accounts      {accounts}"));
}

fn print_report(json: bool, report: &CheckReport) {
    if json {
        output::json(report);
        return;
    }
    for item in &report.items {
        let mark = if item.ok { "ok  " } else { "FAIL" };
        output::line(&format!("{mark} {}: {}", item.name, item.detail));
    }
}

fn active_accounts(view: &DeckView, id: &tokendeck_core::ids::ProviderId) -> usize {
    view.accounts
        .iter()
        .filter(|a| {
            a.record.provider_id == *id
                && a.record.status == tokendeck_core::store::AccountStatus::Active
        })
        .count()
}
