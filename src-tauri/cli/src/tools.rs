//! Tokens handed to other tools: `env` (export lines), `exec` (a command with them in its
//! environment), `kubectl-credential` (a Kubernetes ExecCredential); and the CLI's own
//! completions and manual page, generated from its clap definitions.

use clap::CommandFactory;
use tokendeck_core::Result;
use tokendeck_core::deck::{Deck, ScriptToken, SessionTokens, TokenChoice};
use tokendeck_core::interop::{EnvNames, ExecCredential, env_vars, export_lines};

use crate::args::{Cli, EnvArgs, EnvNameArgs, ExecArgs, KubectlCredentialArgs, MinTtl};
use crate::output;

pub async fn env(deck: &Deck, args: &EnvArgs) -> Result<()> {
    let tokens = fresh_tokens(deck, &args.account, &args.min_ttl).await?;
    print_env(&tokens, &args.names)
}

/// What `env` prints, from this process or from the agent.
pub fn print_env(tokens: &SessionTokens, names: &EnvNameArgs) -> Result<()> {
    output::text(&export_lines(&env_vars(tokens, &env_names(names))?)?);
    Ok(())
}

/// The command to run in place of `tokendeck`, its environment holding the tokens. It is run
/// once the Deck has closed (background keyring writes landed), with `exec` on Unix, so its
/// exit status and signals are its own.
pub async fn exec(deck: &Deck, args: &ExecArgs) -> Result<std::process::Command> {
    let tokens = fresh_tokens(deck, &args.account, &args.min_ttl).await?;
    exec_command(&tokens, args)
}

/// The command `exec` runs, from this process's tokens or the agent's.
pub fn exec_command(tokens: &SessionTokens, args: &ExecArgs) -> Result<std::process::Command> {
    let vars = env_vars(tokens, &env_names(&args.names))?;
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
    let account = deck.find_account(&args.account).await?;
    let choice = match args.access {
        true => TokenChoice::Access,
        false => TokenChoice::Id,
    };
    let token = deck
        .token(&account.id, choice, args.min_ttl.min_ttl.as_secs())
        .await?;
    print_exec_credential(token)
}

/// What `kubectl-credential` prints, from this process or from the agent.
pub fn print_exec_credential(token: ScriptToken) -> Result<()> {
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

/// The tokens `env` prints and `exec` sets, fresh for `min_ttl`.
async fn fresh_tokens(deck: &Deck, account: &str, min_ttl: &MinTtl) -> Result<SessionTokens> {
    let account = deck.find_account(account).await?;
    deck.session_tokens(&account.id, min_ttl.min_ttl.as_secs(), false)
        .await
}

fn env_names(args: &EnvNameArgs) -> EnvNames {
    EnvNames {
        access_token: args.access_var.clone(),
        id_token: args.id_var.clone(),
        expires_at: args.expires_var.clone(),
    }
}
