//! Printing results and errors, and the exit codes scripts rely on.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use tokendeck_core::wire::WireError;
use tokendeck_core::{Error, ErrorCode};

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
pub fn fail(json: bool, error: &Error) -> ExitCode {
    let wire = WireError::from(error);
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

pub fn json(value: &impl serde::Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("tokendeck: cannot print JSON: {e}"),
    }
}

pub fn note(text: &str) {
    eprintln!("{text}");
}
