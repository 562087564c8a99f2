//! Printing results and errors, and the exit codes scripts rely on.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use tokendeck_core::ErrorCode;
use tokendeck_core::wire::WireError;

pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::SignInAgain
        | ErrorCode::AccessDenied
        | ErrorCode::SignInExpired
        | ErrorCode::BadCallback => 3,
        ErrorCode::Network => 4,
        ErrorCode::InvalidConfig
        | ErrorCode::NotFound
        | ErrorCode::Unsupported
        | ErrorCode::Discovery
        | ErrorCode::InvalidClient
        | ErrorCode::RedirectMismatch
        | ErrorCode::ProviderError => 5,
        ErrorCode::TokenRejected => 6,
        ErrorCode::KeyringUnavailable => 7,
        ErrorCode::Internal => 1,
    }
}

/// Reports an error (its message never holds a secret) and returns its exit code.
pub fn fail(json: bool, wire: &WireError) -> ExitCode {
    if json {
        eprintln!("{}", serde_json::json!({ "error": wire }));
    } else {
        eprintln!("tokendeck: {}", wire.message);
    }
    ExitCode::from(exit_code(wire.code))
}

pub fn line(text: &str) {
    println!("{text}");
}

/// Text printed as it is (it ends with its own newline).
pub fn text(text: &str) {
    print!("{text}");
}

pub fn json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("tokendeck: cannot print JSON: {e}"),
    }
}

pub fn note(text: &str) {
    eprintln!("{text}");
}

/// A command `exec` could not start: 127 when it does not exist, 126 otherwise (as shells do).
pub fn cannot_run(command: &std::process::Command, error: &std::io::Error) -> ExitCode {
    eprintln!(
        "tokendeck: cannot run {}: {error}",
        command.get_program().to_string_lossy()
    );
    match error.kind() {
        std::io::ErrorKind::NotFound => ExitCode::from(127),
        _ => ExitCode::from(126),
    }
}
