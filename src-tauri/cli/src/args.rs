//! Command-line arguments.

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "EXIT CODES:
  0  success
  1  internal error
  2  usage error
  3  sign in again (refresh token dead, sign-in refused or cancelled)
  4  network or provider unavailable (retry later)
  5  configuration: unknown account/provider, settings, app client
  6  token rejected by verification
  7  no OS keyring (Secret Service) available

ACCOUNT is an account id, its label, or PROVIDER/LABEL when labels repeat.";

#[derive(Debug, Parser)]
#[command(name = "tokendeck", version, about = "Tokens of your OAuth/OIDC and Cognito accounts, for scripts", after_help = EXIT_CODES)]
pub struct Cli {
    /// Print machine-readable JSON (errors as {"error": {"code", "message"}} on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List providers and accounts.
    List,
    /// Print a valid token, refreshing first if it expires within --min-ttl.
    Token {
        account: String,
        /// The ID token instead of the access token.
        #[arg(long, conflicts_with = "access")]
        id: bool,
        /// The access token (the default).
        #[arg(long)]
        access: bool,
        /// Print `Authorization: Bearer <token>`.
        #[arg(long)]
        header: bool,
        /// Refresh if the token expires sooner than this (e.g. 30s, 5m, 1h).
        #[arg(long, value_parser = humantime::parse_duration, default_value = "60s")]
        min_ttl: Duration,
    },
    /// Sign in: through the browser (loopback redirect), or with a password (Cognito SRP).
    Login {
        /// A provider (id or name) or an existing account to sign in again.
        target: String,
        /// Sign in with username and password through Cognito's API (SRP); prompts for it.
        #[arg(long)]
        password: bool,
        /// The username (defaults to the account's when signing an account in again).
        #[arg(long)]
        username: Option<String>,
        /// Read the password from standard input instead of prompting.
        #[arg(long, requires = "password")]
        password_stdin: bool,
        /// Send the password itself (USER_PASSWORD_AUTH) instead of an SRP proof.
        #[arg(long, requires = "password")]
        no_srp: bool,
    },
    /// Refresh an account's tokens now.
    Refresh { account: String },
    /// Decode a JWT and, with --verify, check it against a provider's keys (offline jwt.io).
    Inspect {
        /// The token, or `-` to read it from standard input.
        jwt: String,
        /// Provider (id or name) whose keys and rules to verify against.
        #[arg(long)]
        verify: Option<String>,
        /// Verify as this kind of token (detected by default).
        #[arg(long = "as", value_enum)]
        token_use: Option<TokenKind>,
    },
    /// Temporary AWS credentials from the provider's identity pool.
    AwsCredentials {
        account: String,
        #[arg(long, value_enum, default_value = "env")]
        format: CredentialFormat,
    },
    /// Revoke the refresh token and forget the account.
    Logout {
        account: String,
        /// Forget the account even if the provider cannot revoke.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TokenKind {
    Id,
    Access,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CredentialFormat {
    /// `export AWS_ACCESS_KEY_ID=...` lines
    Env,
    /// JSON for the AWS CLI's `credential_process`
    CredentialProcess,
}
