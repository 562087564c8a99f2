//! `tokendeck provider …`: the same provider settings, validation and Check as the app's
//! provider form, and sharing definitions as a file (no secrets).

use std::io::Read;

use serde_json::json;
use tokendeck_core::deck::{CheckReport, Deck, DeckView, ProviderDraft, ProviderView};
use tokendeck_core::provider::{
    CognitoDomain, DEFAULT_SCOPES, EndpointOverrides, ProviderConfig, ProviderSource,
};
use tokendeck_core::{Error, Result};

use crate::args::{
    ProviderAddArgs, ProviderCommand, ProviderEditArgs, ProviderExportArgs, ProviderImportArgs,
    ProviderRef, ProviderRemoveArgs, ProviderSettingsArgs, SourceArgs,
};
use crate::output;
use crate::resolve::resolve_provider;

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
    let mut config = ProviderConfig {
        id: "".into(),
        name: args.name.clone(),
        source,
        client_id: args.client_id.clone(),
        confidential: false,
        scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        redirect_uri: None,
        overrides: EndpointOverrides::default(),
        identity_pool_id: None,
    };
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
    let view = deck.snapshot().await;
    let id = resolve_provider(&view, &args.provider)?;
    let Some(current) = view.providers.iter().find(|p| p.config.id == id) else {
        return Err(Error::NotFound {
            what: "provider",
            id: args.provider.clone(),
        });
    };
    let mut config = current.config.clone();
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
    let view = deck.snapshot().await;
    let id = resolve_provider(&view, &args.provider)?;
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
    let view = deck.snapshot().await;
    let id = resolve_provider(&view, &args.provider)?;
    let Some(provider) = view.providers.iter().find(|p| p.config.id == id) else {
        return Err(Error::NotFound {
            what: "provider",
            id: args.provider.clone(),
        });
    };
    let report = deck.check_provider(provider.config.clone()).await;
    print_report(json, &report);
    match report.ok {
        true => Ok(()),
        false => Err(Error::config(
            "provider",
            format!(
                "the check of \"{}\" found problems (above)",
                provider.config.name
            ),
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

/// The source the options describe, if any.
fn source_of(args: &SourceArgs) -> Result<Option<ProviderSource>> {
    if let Some(issuer) = &args.issuer {
        return Ok(Some(ProviderSource::Oidc {
            issuer: issuer.clone(),
        }));
    }
    let (Some(region), Some(pool)) = (&args.region, &args.pool_id) else {
        if args.domain_prefix.is_some() || args.custom_domain.is_some() || args.no_domain {
            return Err(Error::config(
                "provider",
                "a Cognito domain needs the pool too: --region and --pool-id",
            ));
        }
        return Ok(None);
    };
    Ok(Some(ProviderSource::Cognito {
        domain: domain_of(args).ok_or_else(|| {
            Error::config(
                "provider",
                "say how users sign in to the pool: --domain-prefix, --custom-domain or --no-domain",
            )
        })?,
        region: region.clone(),
        user_pool_id: pool.clone(),
    }))
}

fn domain_of(args: &SourceArgs) -> Option<CognitoDomain> {
    if let Some(prefix) = &args.domain_prefix {
        return Some(CognitoDomain::Prefix {
            prefix: prefix.clone(),
        });
    }
    if let Some(url) = &args.custom_domain {
        return Some(CognitoDomain::Custom { url: url.clone() });
    }
    args.no_domain.then_some(CognitoDomain::None)
}

/// `edit`: a new source, or only a new domain (or region, pool) for a Cognito one.
fn edited_source(current: &ProviderSource, args: &SourceArgs) -> Result<Option<ProviderSource>> {
    if let Some(source) = source_of(args)? {
        return Ok(Some(source));
    }
    match (current, domain_of(args)) {
        (
            ProviderSource::Cognito {
                region,
                user_pool_id,
                ..
            },
            Some(domain),
        ) => Ok(Some(ProviderSource::Cognito {
            domain,
            region: region.clone(),
            user_pool_id: user_pool_id.clone(),
        })),
        (ProviderSource::Oidc { .. }, Some(_)) => Err(Error::config(
            "provider",
            "this provider is an OpenID Connect issuer: a Cognito domain needs --region and --pool-id too",
        )),
        (_, None) => Ok(None),
    }
}

fn apply_settings(config: &mut ProviderConfig, args: &ProviderSettingsArgs) -> Result<()> {
    if let Some(scopes) = &args.scopes {
        config.scopes = scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(redirect) = &args.redirect_uri {
        config.redirect_uri = Some(redirect.clone());
    }
    if let Some(pool) = &args.identity_pool_id {
        config.identity_pool_id = Some(pool.clone()).filter(|p| !p.is_empty());
    }
    for entry in &args.overrides {
        let (name, url) = entry
            .split_once('=')
            .ok_or_else(|| Error::config("override", format!("\"{entry}\" is not NAME=URL")))?;
        let value = Some(url.trim().to_owned()).filter(|u| !u.is_empty());
        let o = &mut config.overrides;
        let slot = match name.trim() {
            "issuer" => &mut o.issuer,
            "authorization" => &mut o.authorization,
            "token" => &mut o.token,
            "userinfo" => &mut o.userinfo,
            "revocation" => &mut o.revocation,
            "logout" => &mut o.logout,
            "jwks-uri" => &mut o.jwks_uri,
            "cognito-idp" => &mut o.cognito_idp,
            "cognito-identity" => &mut o.cognito_identity,
            other => {
                return Err(Error::config(
                    "override",
                    format!(
                        "\"{other}\" is not an endpoint (issuer, authorization, token, userinfo, revocation, logout, jwks-uri, cognito-idp, cognito-identity)"
                    ),
                ));
            }
        };
        *slot = value;
    }
    Ok(())
}

/// The client secret, from a prompt or standard input; never from an argument.
fn read_client_secret(args: &ProviderSettingsArgs) -> Result<Option<String>> {
    let secret = match (args.client_secret, args.client_secret_stdin) {
        (_, true) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                Error::config("client secret", format!("cannot read standard input: {e}"))
            })?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
        (true, false) => rpassword::prompt_password("Client secret: ").map_err(|e| {
            Error::config(
                "client secret",
                format!("cannot prompt (no terminal?): {e}; use --client-secret-stdin"),
            )
        })?,
        (false, false) => return Ok(None),
    };
    match secret.trim().is_empty() {
        true => Err(Error::config(
            "client secret",
            "it is empty; to remove a stored secret use --no-client-secret",
        )),
        false => Ok(Some(secret)),
    }
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
        "scopes": p.config.scopes,
        "redirectUri": p.redirect.uri,
        "loopbackRedirectUri": p.redirect.loopback_uri,
        "mixUpProtected": p.redirect.mix_up_protected,
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
    output::line(&format!(
        "  client        {}{}",
        p.config.client_id,
        if p.has_client_secret {
            " (with secret)"
        } else {
            ""
        }
    ));
    output::line(&format!(
        "  redirect URIs {} and {}",
        p.redirect.uri, p.redirect.loopback_uri
    ));
    if let Some(advice) = &p.redirect.advice {
        output::line(&format!("  warning       {advice}"));
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
