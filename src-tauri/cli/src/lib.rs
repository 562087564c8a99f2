//! `tokendeck`: Tokendeck's accounts from the command line, sharing the app's settings and
//! keyring. Output is for scripts: the token alone on stdout, or `--json`; errors on stderr
//! with a stable exit code (see `EXIT CODES` in `--help`).
//!
//! Two binaries share this library. `tokendeck` (front.rs) is small: it answers the plain
//! forms of `token`, `env`, `exec` and `kubectl-credential` from a running agent and
//! otherwise becomes `tokendeck-direct` (direct.rs), which parses with clap and does the work
//! itself. A small first binary keeps the agent path near a C client's cost in time and memory.

pub mod agent;
pub mod args;
pub mod commands;
pub mod inspect;
pub mod login;
pub mod output;
pub mod provider_settings;
pub mod providers;
pub mod quick;
pub mod tools;

use std::process::ExitCode;

use tokendeck_core::wire::WireError;

/// Exits as the command's outcome says: success, running `exec`'s command, or an error.
pub fn finish(json: bool, outcome: Result<commands::Finish, WireError>) -> ExitCode {
    match outcome {
        Ok(commands::Finish::Done) => ExitCode::SUCCESS,
        Ok(commands::Finish::Exec(command)) => run_in_place(command),
        Err(error) => output::fail(json, &error),
    }
}

/// `tokendeck exec`: becomes the command (Unix), or runs it and passes its status on.
pub fn run_in_place(mut command: std::process::Command) -> ExitCode {
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
