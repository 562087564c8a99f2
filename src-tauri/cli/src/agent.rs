//! The agent from the CLI's side: `token`, `env`, `exec` and `kubectl-credential` ask a running
//! agent first (the app, or `tokendeck agent`) and print its answer exactly as they print their
//! own; with no agent, or one that fails mid-request, they do the work themselves. And
//! `tokendeck agent`: the agent without the app.

use std::sync::Arc;

use tokendeck_core::agent::protocol::{
    MAX_ACCOUNT_QUERY, MAX_MIN_TTL, Op, PROTOCOL_VERSION, Request,
};
use tokendeck_core::deck::Deck;
use tokendeck_core::store::default_config_dir;
use tokendeck_core::wire::WireError;
use tokendeck_core::{Error, Result};

use crate::args::{Cli, Command};
use crate::commands::{Finish, print_token};
use crate::{output, tools};

/// The request for `cli`'s command, when the agent can answer it.
fn request_for(cli: &Cli) -> Option<Request> {
    let (op, account, min_ttl) = match &cli.command {
        Command::Token(args) => (
            if args.id {
                Op::IdToken
            } else {
                Op::AccessToken
            },
            &args.account,
            &args.min_ttl,
        ),
        Command::Env(args) => (Op::SessionTokens, &args.account, &args.min_ttl),
        Command::Exec(args) => (Op::SessionTokens, &args.account, &args.min_ttl),
        Command::KubectlCredential(args) => (
            if args.access {
                Op::AccessToken
            } else {
                Op::IdToken
            },
            &args.account,
            &args.min_ttl,
        ),
        _ => return None,
    };
    // Names the agent would refuse as a bad request: the command reports them itself.
    if account.is_empty() || account.len() > MAX_ACCOUNT_QUERY {
        return None;
    }
    Some(Request {
        v: PROTOCOL_VERSION,
        op,
        account: account.clone(),
        min_ttl: min_ttl.min_ttl.as_secs().min(MAX_MIN_TTL),
    })
}

/// The command's outcome through the agent; `None` when the CLI should do the work itself.
#[cfg(target_os = "linux")]
pub fn through_agent(cli: &Cli) -> Option<std::result::Result<Finish, WireError>> {
    use tokendeck_core::agent::{AgentPaths, NoReply, Reply, ask};

    if cli.no_agent {
        return None;
    }
    let request = request_for(cli)?;
    let paths = AgentPaths::from_env(&default_config_dir().ok()?)?;
    let granted = match ask(&paths, &request) {
        Ok(Reply::Granted(granted)) => granted,
        Ok(Reply::Refused(error)) => return Some(Err(error)),
        Err(NoReply::Absent) => return None,
        Err(why) => {
            output::note(&format!(
                "tokendeck: {why}; working without the agent ({})",
                paths.socket.display()
            ));
            return None;
        }
    };
    let account = granted.account.clone();
    let printed = match &cli.command {
        Command::Token(args) => granted
            .into_script_token(request.op)
            .map(|token| print_token(cli.json, args, &account, &token).map(|()| Finish::Done)),
        Command::KubectlCredential(_) => granted
            .into_script_token(request.op)
            .map(|token| tools::print_exec_credential(token).map(|()| Finish::Done)),
        Command::Env(args) => granted
            .into_session_tokens()
            .map(|tokens| tools::print_env(&tokens, &args.names).map(|()| Finish::Done)),
        Command::Exec(args) => granted
            .into_session_tokens()
            .map(|tokens| tools::exec_command(&tokens, args).map(Finish::Exec)),
        _ => None,
    };
    match printed {
        Some(outcome) => Some(outcome.map_err(|e| WireError::from(&e))),
        None => {
            output::note(
                "tokendeck: the agent's response lacks a token; working without the agent",
            );
            None
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn through_agent(_cli: &Cli) -> Option<std::result::Result<Finish, WireError>> {
    None
}

/// `tokendeck agent`: answers on the socket until SIGINT or SIGTERM.
#[cfg(target_os = "linux")]
pub async fn serve(deck: Arc<Deck>) -> Result<()> {
    use tokendeck_core::agent::{Agent, AgentPaths};

    let paths = AgentPaths::from_env(&default_config_dir()?).ok_or_else(|| {
        Error::config(
            "agent",
            "XDG_RUNTIME_DIR is not set, or is not a directory only you can open (mode 0700): \
             the agent listens in the session's runtime directory (e.g. \
             XDG_RUNTIME_DIR=/run/user/$(id -u), for the agent and the commands alike)",
        )
    })?;
    let agent = Agent::bind(paths)?;
    // It holds refresh tokens for hours: no core dumps, no same-user debugger attaching.
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        tracing::warn!(error = %e, "the agent could not make itself non-dumpable");
    }
    output::note(&format!(
        "tokendeck agent: answering on {} (stop with Ctrl-C)",
        agent.paths().socket.display()
    ));
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| Error::config("agent", format!("cannot watch for SIGTERM: {e}")))?;
    let stop = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    };
    agent.serve(deck, stop).await;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub async fn serve(_deck: Arc<Deck>) -> Result<()> {
    Err(Error::Unsupported {
        what: "the agent",
        hint: "it runs on Linux only for now; the other commands work without it",
    })
}
