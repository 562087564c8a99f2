//! `tokendeck`: Tokendeck's accounts from the command line, sharing the app's settings and
//! keyring. Output is for scripts: the token alone on stdout, or `--json`; errors on stderr
//! with a stable exit code (see `EXIT CODES` in `--help`).

mod args;
mod commands;
mod inspect;
mod login;
mod output;
mod provider_settings;
mod providers;
mod resolve;
mod tools;

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
                &tokendeck_core::Error::Loopback {
                    reason: e.to_string(),
                },
            );
        }
    };
    match runtime.block_on(commands::run(&cli)) {
        Ok(commands::Finish::Done) => ExitCode::SUCCESS,
        Ok(commands::Finish::Exec(command)) => {
            drop(runtime);
            run_in_place(command)
        }
        Err(e) => output::fail(cli.json, &e),
    }
}

/// `tokendeck exec`: becomes the command (Unix), or runs it and passes its status on.
fn run_in_place(mut command: std::process::Command) -> ExitCode {
    #[cfg(unix)]
    let error = {
        use std::os::unix::process::CommandExt;
        command.exec()
    };
    #[cfg(not(unix))]
    let error = match command.status() {
        Ok(status) => {
            return ExitCode::from(
                status
                    .code()
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(1),
            );
        }
        Err(e) => e,
    };
    output::cannot_run(&command, &error)
}
