//! `tokendeck`: Tokendeck's accounts from the command line, sharing the app's settings and
//! keyring. Output is for scripts: the token alone on stdout, or `--json`; errors on stderr
//! with a stable exit code (see `EXIT CODES` in `--help`).

mod args;
mod commands;
mod inspect;
mod login;
mod output;
mod resolve;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOKENDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return output::fail(
                cli.json,
                &tokendeck_core::Error::Loopback {
                    reason: e.to_string(),
                },
            );
        }
    };
    match runtime.block_on(commands::run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => output::fail(cli.json, &e),
    }
}
