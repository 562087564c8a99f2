//! One function per subcommand, each a thin layer over `tokendeck_core::deck::Deck`.

use std::io::Read;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use tokendeck_core::deck::{
    AccountView, Deck, DeckView, InspectRequest, PasswordSignIn, SignInRequest, TokenChoice,
};
use tokendeck_core::http::HttpClient;
use tokendeck_core::store::{ConfigStore, Vault, default_config_dir};
use tokendeck_core::verify::TokenUse;
use tokendeck_core::{Error, OidcClient, Result};

use crate::args::{Cli, Command, CredentialFormat, TokenKind};
use crate::output;

pub async fn run(cli: &Cli) -> Result<()> {
    let deck = Deck::open(
        OidcClient::new(HttpClient::new()?),
        ConfigStore::new(default_config_dir()?),
        Vault::default(),
    )?;
    for notice in deck.take_notices() {
        output::note(&format!("tokendeck: {notice}"));
    }
    let result = execute(cli, &deck).await;
    // Tokens cached in the background (after a refresh) must land before the process ends.
    deck.flush_session_cache().await;
    result
}

async fn execute(cli: &Cli, deck: &Deck) -> Result<()> {
    let json = cli.json;
    match &cli.command {
        Command::List => list(deck, json).await,
        Command::Token {
            account,
            id,
            access: _,
            header,
            min_ttl,
        } => {
            let account = find_account(deck, account).await?;
            let choice = if *id {
                TokenChoice::Id
            } else {
                TokenChoice::Access
            };
            let (token, expires_at) = deck
                .token(&account.record.id, choice, min_ttl.as_secs())
                .await?;
            if json {
                output::json(
                    &json!({"token": token, "expiresAt": expires_at, "account": account.record.id}),
                );
            } else if *header {
                output::line(&format!("Authorization: Bearer {token}"));
            } else {
                output::line(&token);
            }
            Ok(())
        }
        Command::Login {
            target,
            password,
            username,
            password_stdin,
            no_srp,
        } => {
            login(
                deck,
                json,
                target,
                *password,
                username.as_deref(),
                *password_stdin,
                !*no_srp,
            )
            .await
        }
        Command::Refresh { account } => {
            let account = find_account(deck, account).await?;
            let view = deck.refresh(&account.record.id).await?;
            report_account(json, &view, "refreshed");
            Ok(())
        }
        Command::Inspect {
            jwt,
            verify,
            token_use,
        } => inspect(deck, json, jwt, verify.as_deref(), *token_use).await,
        Command::AwsCredentials { account, format } => {
            let account = find_account(deck, account).await?;
            let creds = deck.aws_credentials(&account.record.id).await?;
            match format {
                CredentialFormat::Env => output::line(creds.as_env()?.trim_end()),
                CredentialFormat::CredentialProcess => output::line(&creds.as_credential_process()),
            }
            Ok(())
        }
        Command::Logout { account, force } => {
            let account = find_account(deck, account).await?;
            let out = deck.sign_out(&account.record.id, false, *force).await?;
            if json {
                output::json(&out);
            } else {
                output::note(&format!(
                    "signed out {}{}",
                    account.record.label,
                    if out.revoked {
                        "; the refresh token was revoked"
                    } else {
                        ""
                    }
                ));
            }
            Ok(())
        }
    }
}

async fn list(deck: &Deck, json: bool) -> Result<()> {
    let view = deck.snapshot().await;
    if json {
        let accounts: Vec<_> = view
            .accounts
            .iter()
            .map(|a| {
                json!({
                    "id": a.record.id, "label": a.record.label, "provider": a.record.provider_id,
                    "kind": a.record.kind, "signIn": a.record.sign_in, "status": a.record.status,
                })
            })
            .collect();
        let providers: Vec<_> = view
            .providers
            .iter()
            .map(|p| json!({"id": p.config.id, "name": p.config.name}))
            .collect();
        output::json(&json!({"providers": providers, "accounts": accounts}));
        return Ok(());
    }
    for provider in &view.providers {
        output::line(&format!(
            "{}  ({})",
            provider.config.name, provider.config.id
        ));
        for a in view
            .accounts
            .iter()
            .filter(|a| a.record.provider_id == provider.config.id)
        {
            let status = match &a.record.status {
                tokendeck_core::store::AccountStatus::Active => "active",
                tokendeck_core::store::AccountStatus::SignInAgain { .. } => "sign in again",
                tokendeck_core::store::AccountStatus::RefreshPaused { .. } => "refresh paused",
            };
            output::line(&format!(
                "  {:<24} {:<14} {}",
                a.record.label, status, a.record.id
            ));
        }
    }
    Ok(())
}

async fn login(
    deck: &Deck,
    json: bool,
    target: &str,
    with_password: bool,
    username: Option<&str>,
    password_stdin: bool,
    srp: bool,
) -> Result<()> {
    let view = deck.snapshot().await;
    let (provider_id, known_user) = match resolve_account(&view, target) {
        Ok(a) => (a.record.provider_id.clone(), a.record.username.clone()),
        Err(_) => (resolve_provider(&view, target)?, None),
    };
    if with_password {
        let username = username.map(str::to_owned).or(known_user).ok_or_else(|| {
            Error::config("username", "pass --username to sign in with a password")
        })?;
        let password = read_secret(password_stdin, &format!("Password for {username}: "))?;
        let mut step = deck
            .sign_in_with_password(&provider_id, &username, password, srp)
            .await?;
        loop {
            match step {
                PasswordSignIn::SignedIn(account) => {
                    report_account(json, &account, "signed in");
                    return Ok(());
                }
                PasswordSignIn::Challenge(challenge) => {
                    let answer = read_secret(password_stdin, &format!("{}: ", challenge.prompt))?;
                    use secrecy::ExposeSecret;
                    step = deck
                        .answer_challenge(&challenge.id, answer.expose_secret().to_owned())
                        .await?;
                }
            }
        }
    }
    let request = SignInRequest {
        loopback: Some(true),
        force_login: Some(true),
        login_hint: known_user,
        ..Default::default()
    };
    let started = deck.begin_sign_in(&provider_id, request).await?;
    let listener = started.loopback.ok_or(Error::Unsupported {
        what: "browser sign-in",
        hint: "no loopback redirect",
    })?;
    output::note(&format!(
        "Opening your browser to sign in. If it does not open, visit:\n  {}",
        started.authorization_url
    ));
    open_browser(started.authorization_url.as_str());
    let account = deck
        .finish_loopback_within(listener, Duration::from_secs(300))
        .await?;
    report_account(json, &account, "signed in");
    Ok(())
}

/// `$TOKENDECK_BROWSER <url>` when set (headless machines, tests), else the system browser.
fn open_browser(url: &str) {
    let result = match std::env::var("TOKENDECK_BROWSER") {
        Ok(cmd) if !cmd.is_empty() => std::process::Command::new(cmd).arg(url).spawn().map(|_| ()),
        _ => open::that_detached(url),
    };
    if let Err(e) = result {
        output::note(&format!(
            "could not open a browser ({e}); open the URL above yourself"
        ));
    }
}

fn read_secret(from_stdin: bool, prompt: &str) -> Result<SecretString> {
    let text = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| Error::config("password", format!("cannot read standard input: {e}")))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        rpassword::prompt_password(prompt).map_err(|e| {
            Error::config(
                "password",
                format!("cannot prompt (no terminal?): {e}; use --password-stdin"),
            )
        })?
    };
    Ok(SecretString::from(text))
}

async fn inspect(
    deck: &Deck,
    json: bool,
    jwt: &str,
    verify: Option<&str>,
    token_use: Option<TokenKind>,
) -> Result<()> {
    let token = if jwt == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::config("token", format!("cannot read standard input: {e}")))?;
        text
    } else {
        jwt.to_owned()
    };
    let provider_id = match verify {
        Some(p) => Some(resolve_provider(&deck.snapshot().await, p)?),
        None => None,
    };
    let request = InspectRequest {
        token: token.trim().to_owned(),
        provider_id,
        token_use: token_use.map(|t| match t {
            TokenKind::Id => TokenUse::Id,
            TokenKind::Access => TokenUse::Access,
        }),
    };
    let view = deck.inspect(request).await?;
    if json {
        output::json(&view);
    } else {
        output::line(&format!(
            "header  {}",
            serde_json::Value::Object(view.header.clone())
        ));
        let claims = serde_json::to_string_pretty(&view.claims).unwrap_or_default();
        output::line(&format!("claims  {claims}"));
        output::line(&format!(
            "verification  {}",
            serde_json::to_string(&view.verification).unwrap_or_default()
        ));
    }
    if let tokendeck_core::inspect::Verification::Failed { reason, failure } = &view.verification {
        return Err(match failure {
            Some(failure) => Error::TokenRejected {
                token: "token",
                failure: failure.clone(),
            },
            None => Error::Provider {
                error: "verification_failed".into(),
                description: Some(reason.clone()),
            },
        });
    }
    Ok(())
}

fn report_account(json: bool, account: &AccountView, what: &str) {
    if json {
        output::json(
            &json!({"id": account.record.id, "label": account.record.label, "provider": account.record.provider_id}),
        );
    } else {
        output::note(&format!(
            "{what}: {} ({})",
            account.record.label, account.record.id
        ));
    }
}

async fn find_account(deck: &Deck, query: &str) -> Result<AccountView> {
    resolve_account(&deck.snapshot().await, query).cloned()
}

fn resolve_account<'a>(view: &'a DeckView, query: &str) -> Result<&'a AccountView> {
    if let Some(a) = view.accounts.iter().find(|a| a.record.id == query) {
        return Ok(a);
    }
    let (provider, label) = match query.split_once('/') {
        Some((p, l)) => (Some(resolve_provider(view, p)?), l),
        None => (None, query),
    };
    let matches: Vec<&AccountView> = view
        .accounts
        .iter()
        .filter(|a| a.record.label.eq_ignore_ascii_case(label))
        .filter(|a| provider.as_ref().is_none_or(|p| &a.record.provider_id == p))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NotFound {
            what: "account",
            id: query.to_owned(),
        }),
        _ => Err(Error::config(
            "account",
            format!(
                "\"{query}\" matches several accounts; use PROVIDER/LABEL or the account id (tokendeck list)"
            ),
        )),
    }
}

fn resolve_provider(view: &DeckView, query: &str) -> Result<String> {
    view.providers
        .iter()
        .find(|p| p.config.id == query || p.config.name.eq_ignore_ascii_case(query))
        .map(|p| p.config.id.clone())
        .ok_or_else(|| Error::NotFound {
            what: "provider or account",
            id: query.to_owned(),
        })
}
