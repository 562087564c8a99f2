//! `tokendeck-direct`: the whole command line, parsed by clap, doing the work in this process
//! (after asking the agent, for the forms `tokendeck` leaves to it). `tokendeck` becomes this
//! binary for everything it does not answer itself; see the library's documentation.

use std::process::ExitCode;

use clap::Parser;
use tokendeck_cli::{agent, args, commands, finish, output, tools};
use tokendeck_core::wire::WireError;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // `tokendeck` asked the agent already for the plain forms (and passes --no-agent then).
    if let Some(outcome) = agent::through_agent(&cli) {
        return finish(cli.json, outcome);
    }
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOKENDECK_LOG")
        // The AWS SDK logs each credential source it tries; our errors say what matters.
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new("warn,aws_config=error,aws_sigv4=off")
        });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match &cli.command {
        args::Command::Completions(args) => {
            tools::completions(args.shell);
            return ExitCode::SUCCESS;
        }
        args::Command::Man => {
            return match tools::man() {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            };
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return output::fail(
                cli.json,
                &WireError::from(&tokendeck_core::Error::Loopback {
                    reason: e.to_string(),
                }),
            );
        }
    };
    let outcome = runtime
        .block_on(commands::run(&cli))
        .map_err(|e| WireError::from(&e));
    drop(runtime);
    finish(cli.json, outcome)
}
