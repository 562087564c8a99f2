//! One function per subcommand, each a thin layer over `tokendeck_core::deck::Deck`.

use std::sync::Arc;

use serde_json::json;
use tokendeck_core::cognito::aws_identity::AwsIdentity;
use tokendeck_core::deck::{AccountView, Deck, ScriptToken, TokenChoice};
use tokendeck_core::http::HttpClient;
use tokendeck_core::ids::AccountId;
use tokendeck_core::store::{AccountStatus, ConfigStore, SignInMethod, Vault, default_config_dir};
use tokendeck_core::{OidcClient, Result};

use crate::args::{
    AccountArg, AwsCredentialsArgs, Cli, Command, CredentialFormat, LogoutArgs, TokenArgs,
};
use crate::{agent, inspect, login, output, providers, tools};

/// What is left to do once the Deck is closed.
#[derive(Debug)]
pub enum Finish {
    Done,
    /// `tokendeck exec`: run this in place of the process.
    Exec(std::process::Command),
}

pub async fn run(cli: &Cli) -> Result<Finish> {
    let deck = Arc::new(Deck::open(
        OidcClient::new(HttpClient::new()?),
        ConfigStore::new(default_config_dir()?),
        Vault::default(),
    )?);
    for notice in deck.take_notices() {
        output::note(&format!("tokendeck: {notice}"));
    }
    let result = execute(cli, &deck).await;
    // Tokens cached in the background (after a refresh) must land before the process ends.
    deck.flush_session_cache().await;
    result
}

async fn execute(cli: &Cli, deck: &Arc<Deck>) -> Result<Finish> {
    let json = cli.json;
    let done = match &cli.command {
        Command::List => list(deck, json).await,
        Command::Token(args) => token(deck, json, args).await,
        Command::Login(args) => login::login(deck, json, args).await,
        Command::Refresh(args) => refresh(deck, json, args).await,
        Command::Userinfo(args) => userinfo(deck, json, args).await,
        Command::Inspect(args) => inspect::inspect(deck, json, args).await,
        Command::AwsCredentials(args) => aws_credentials(deck, args).await,
        Command::Logout(args) => logout(deck, json, args).await,
        Command::Env(args) => tools::env(deck, args).await,
        Command::Exec(args) => return tools::exec(deck, args).await.map(Finish::Exec),
        Command::KubectlCredential(args) => tools::kubectl_credential(deck, args).await,
        Command::Provider(command) => providers::run(deck, json, command).await,
        Command::Agent => agent::serve(deck.clone()).await,
        // Answered in `main` before a Deck is opened.
        Command::Completions(_) | Command::Man => Ok(()),
    };
    done.map(|()| Finish::Done)
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
                    "refreshExpiresAt": a.record.refresh_expires_at,
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
                AccountStatus::Active => "active",
                AccountStatus::SignInAgain { .. } => "sign in again",
                AccountStatus::RefreshPaused { .. } => "refresh paused",
            };
            let deadline = match (&a.record.status, a.record.refresh_expires_at) {
                (AccountStatus::Active, Some(at)) => format!(
                    "  sign in again by {}",
                    humantime::format_rfc3339_seconds(
                        std::time::UNIX_EPOCH + std::time::Duration::from_secs(at)
                    )
                ),
                _ => String::new(),
            };
            let how = match a.record.sign_in {
                SignInMethod::CognitoAdmin => format!(
                    "  admin sign-in ({})",
                    AwsIdentity::describe(provider.config.aws_profile.as_deref())
                ),
                _ => String::new(),
            };
            output::line(&format!(
                "  {:<24} {:<14} {}{deadline}{how}",
                a.record.label, status, a.record.id
            ));
        }
    }
    Ok(())
}

async fn token(deck: &Deck, json: bool, args: &TokenArgs) -> Result<()> {
    let account = deck.find_account(&args.account).await?;
    let choice = match args.id {
        true => TokenChoice::Id,
        false => TokenChoice::Access,
    };
    let token = deck
        .token(&account.id, choice, args.min_ttl.min_ttl.as_secs())
        .await?;
    print_token(json, args, &account.id, &token)
}

/// What `token` prints, from this process or from the agent.
pub fn print_token(
    json: bool,
    args: &TokenArgs,
    account: &AccountId,
    token: &ScriptToken,
) -> Result<()> {
    if json {
        output::json(&json!({
            "token": token.token,
            "expiresAt": token.expires_at,
            "account": account,
        }));
    } else if args.header {
        output::line(&format!("Authorization: Bearer {}", token.token));
    } else {
        output::line(&token.token);
    }
    Ok(())
}

async fn refresh(deck: &Deck, json: bool, args: &AccountArg) -> Result<()> {
    let account = deck.find_account(&args.account).await?;
    let view = deck.refresh(&account.id).await?;
    report_account(json, &view, "refreshed");
    Ok(())
}

/// The claims as JSON (escaped: a provider's text never reaches the terminal raw); with
/// --json, together with where they came from.
async fn userinfo(deck: &Deck, json: bool, args: &AccountArg) -> Result<()> {
    let account = deck.find_account(&args.account).await?;
    let info = deck.userinfo(&account.id).await?;
    match json {
        true => output::json(&json!({"source": info.source, "claims": info.claims})),
        false => output::json(&info.claims),
    }
    Ok(())
}

async fn aws_credentials(deck: &Deck, args: &AwsCredentialsArgs) -> Result<()> {
    let account = deck.find_account(&args.account).await?;
    let creds = deck.aws_credentials(&account.id).await?;
    match args.format {
        CredentialFormat::Env => output::line(creds.as_env()?.trim_end()),
        CredentialFormat::CredentialProcess => output::line(&creds.as_credential_process()),
    }
    Ok(())
}

async fn logout(deck: &Deck, json: bool, args: &LogoutArgs) -> Result<()> {
    let account = deck.find_account(&args.account).await?;
    let out = deck.sign_out(&account.id, false, args.force).await?;
    if json {
        output::json(&out);
    } else {
        let revoked = match out.revoked {
            true => "; the refresh token was revoked",
            false => "",
        };
        output::note(&format!("signed out {}{revoked}", account.label));
    }
    Ok(())
}

pub fn report_account(json: bool, account: &AccountView, what: &str) {
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
