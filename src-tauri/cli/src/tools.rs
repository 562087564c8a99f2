//! Tokens handed to other tools: `env` (export lines), `exec` (a command with them in its
//! environment), `kubectl-credential` (a Kubernetes ExecCredential); and the CLI's own
//! completions and manual page, generated from its clap definitions.

use clap::CommandFactory;
use tokendeck_core::Result;
use tokendeck_core::deck::{Deck, TokenChoice};
use tokendeck_core::interop::{EnvNames, EnvVar, ExecCredential, env_vars, export_lines};

use crate::args::{Cli, EnvArgs, EnvNameArgs, ExecArgs, KubectlCredentialArgs, MinTtl};
use crate::output;
use crate::resolve::find_account;

pub async fn env(deck: &Deck, args: &EnvArgs) -> Result<()> {
    let vars = session_vars(deck, &args.account, &args.min_ttl, &args.names).await?;
    output::text(&export_lines(&vars)?);
    Ok(())
}

/// The command to run in place of `tokendeck`, its environment holding the tokens. It is run
/// once the Deck has closed (background keyring writes landed), with `exec` on Unix, so its
/// exit status and signals are its own.
pub async fn exec(deck: &Deck, args: &ExecArgs) -> Result<std::process::Command> {
    let vars = session_vars(deck, &args.account, &args.min_ttl, &args.names).await?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| tokendeck_core::Error::config("command", "give a command after --"))?;
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for var in vars {
        command.env(var.name, var.value);
    }
    Ok(command)
}

pub async fn kubectl_credential(deck: &Deck, args: &KubectlCredentialArgs) -> Result<()> {
    let account = find_account(deck, &args.account).await?;
    let choice = match args.access {
        true => TokenChoice::Access,
        false => TokenChoice::Id,
    };
    let token = deck
        .token(&account.record.id, choice, args.min_ttl.min_ttl.as_secs())
        .await?;
    output::json(&ExecCredential::new(token.token, token.expires_at));
    Ok(())
}

pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "tokendeck", &mut std::io::stdout());
}

pub fn man() -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())
}

/// The variables `env` prints and `exec` sets: the session's tokens, fresh for `min_ttl`.
async fn session_vars(
    deck: &Deck,
    account: &str,
    min_ttl: &MinTtl,
    names: &EnvNameArgs,
) -> Result<Vec<EnvVar>> {
    let account = find_account(deck, account).await?;
    let tokens = deck
        .session_tokens(&account.record.id, min_ttl.min_ttl.as_secs(), false)
        .await?;
    env_vars(&tokens, &env_names(names))
}

fn env_names(args: &EnvNameArgs) -> EnvNames {
    EnvNames {
        access_token: args.access_var.clone(),
        id_token: args.id_var.clone(),
        expires_at: args.expires_var.clone(),
    }
}
