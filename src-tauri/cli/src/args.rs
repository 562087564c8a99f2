//! Command-line arguments.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "EXIT CODES:
  0  success (exec: the command's own exit status)
  1  internal error
  2  usage error
  3  sign in again (refresh token dead, sign-in refused or cancelled)
  4  network or provider unavailable (retry later)
  5  configuration: unknown account/provider, settings, app client
  6  token rejected by verification
  7  no OS keyring (Secret Service) available
  126, 127  exec: the command could not be run (not executable, not found)

ACCOUNT is an account id, its label, or PROVIDER/LABEL when labels repeat.";

#[derive(Debug, Parser)]
#[command(name = "tokendeck", version, about = "Tokens of your OAuth/OIDC and Cognito accounts, for scripts", after_help = EXIT_CODES)]
pub struct Cli {
    /// Print machine-readable JSON (errors as {"error": {"code", "message"}} on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Do the work in this process even when an agent runs (see `tokendeck agent`).
    #[arg(long, global = true)]
    pub no_agent: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List providers and accounts.
    List,
    /// Print a valid token, refreshing first if it expires within --min-ttl.
    Token(TokenArgs),
    /// Sign in: through the browser (loopback redirect), or with a password (Cognito SRP).
    Login(LoginArgs),
    /// Refresh an account's tokens now.
    Refresh(AccountArg),
    /// Ask the provider about the account's user (its userInfo endpoint; Cognito's GetUser
    /// for API sign-ins) and print the claims as JSON.
    Userinfo(AccountArg),
    /// Decode a JWT and, with --verify, check it against a provider's keys (offline jwt.io).
    Inspect(InspectArgs),
    /// Temporary AWS credentials from the provider's identity pool.
    AwsCredentials(AwsCredentialsArgs),
    /// Revoke the refresh token and forget the account.
    Logout(LogoutArgs),
    /// Print `export` lines for a shell: eval "$(tokendeck env ACCOUNT)".
    Env(EnvArgs),
    /// Run a command with the account's tokens in its environment (refreshed first if they
    /// expire within --min-ttl); exits with the command's status.
    Exec(ExecArgs),
    /// Print a Kubernetes ExecCredential (client.authentication.k8s.io/v1) for a kubeconfig
    /// `exec` user: the ID token by default, as OIDC-configured clusters expect.
    KubectlCredential(KubectlCredentialArgs),
    /// Run the agent without the app: keeps sessions in memory and answers `token`, `env`,
    /// `exec` and `kubectl-credential` over a socket in $XDG_RUNTIME_DIR/tokendeck/, so they
    /// skip the keyring. The app is an agent too while it runs.
    Agent,
    /// Add, edit, remove, list, check, export and import providers.
    #[command(subcommand)]
    Provider(Box<ProviderCommand>),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), for `man -l -`.
    #[command(hide = true)]
    Man,
}

pub const DEFAULT_MIN_TTL: &str = "60s";
pub const DEFAULT_ACCESS_VAR: &str = "TOKENDECK_ACCESS_TOKEN";
pub const DEFAULT_ID_VAR: &str = "TOKENDECK_ID_TOKEN";
pub const DEFAULT_EXPIRES_VAR: &str = "TOKENDECK_EXPIRES_AT";

/// How long a token must still be valid, else it is refreshed first.
#[derive(Debug, Args)]
pub struct MinTtl {
    /// Refresh if the token expires sooner than this (e.g. 30s, 5m, 1h).
    #[arg(long, value_parser = humantime::parse_duration, default_value = DEFAULT_MIN_TTL)]
    pub min_ttl: Duration,
}

/// The variable names `env` and `exec` set; an empty name leaves that variable out.
#[derive(Debug, Args)]
pub struct EnvNameArgs {
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ACCESS_VAR)]
    pub access_var: String,
    #[arg(long, value_name = "NAME", default_value = DEFAULT_ID_VAR)]
    pub id_var: String,
    /// The access token's expiry, in Unix seconds.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_EXPIRES_VAR)]
    pub expires_var: String,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    pub account: String,
    #[command(flatten)]
    pub min_ttl: MinTtl,
    #[command(flatten)]
    pub names: EnvNameArgs,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    pub account: String,
    #[command(flatten)]
    pub min_ttl: MinTtl,
    #[command(flatten)]
    pub names: EnvNameArgs,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct KubectlCredentialArgs {
    pub account: String,
    /// The access token instead of the ID token.
    #[arg(long)]
    pub access: bool,
    #[command(flatten)]
    pub min_ttl: MinTtl,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct AccountArg {
    pub account: String,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    pub account: String,
    /// The ID token instead of the access token.
    #[arg(long, conflicts_with = "access")]
    pub id: bool,
    /// The access token (the default).
    #[arg(long)]
    pub access: bool,
    /// Print `Authorization: Bearer <token>`.
    #[arg(long)]
    pub header: bool,
    #[command(flatten)]
    pub min_ttl: MinTtl,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("password_flow").args(["password", "admin", "custom_auth", "choice"]).multiple(true)))]
pub struct LoginArgs {
    /// A provider (id or name) or an existing account to sign in again.
    pub target: String,
    /// Sign in with username and password through Cognito's API (SRP); prompts for it.
    #[arg(long)]
    pub password: bool,
    /// The username (defaults to the account's when signing an account in again).
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password (and the answers to challenges, a line each) from standard input
    /// instead of prompting.
    #[arg(long, requires = "password_flow")]
    pub password_stdin: bool,
    /// Send the password itself (USER_PASSWORD_AUTH) instead of an SRP proof.
    #[arg(long, requires = "password")]
    pub no_srp: bool,
    /// Cognito's server-side flow (ADMIN_USER_PASSWORD_AUTH), signed with your AWS credentials:
    /// the provider's AWS profile (--aws-profile on `provider edit`), else the default chain.
    /// Prompts for the password.
    #[arg(long, conflicts_with_all = ["no_srp", "device", "no_browser"])]
    pub admin: bool,
    /// Cognito's CUSTOM_AUTH: answer the pool's own challenges (from its Lambda triggers) one
    /// by one; no password up front.
    #[arg(long, conflicts_with_all = ["no_srp", "device", "no_browser", "admin", "choice"])]
    pub custom_auth: bool,
    /// Cognito's choice-based sign-in (USER_AUTH): choose among the ways the pool offers (a
    /// code by email or SMS, the password); no password up front.
    #[arg(long, conflicts_with_all = ["no_srp", "device", "no_browser", "admin"])]
    pub choice: bool,
    /// Print the sign-in URL and wait, without opening a browser: finish the sign-in in
    /// any browser or profile on this machine.
    #[arg(long, conflicts_with = "password")]
    pub no_browser: bool,
    /// Sign in with a code (RFC 8628's device flow): prints a URL and a code to enter in a
    /// browser on any device, then waits; for machines with no usable browser. The provider
    /// must offer it (a device_authorization_endpoint in its discovery document).
    #[arg(long, conflicts_with_all = ["password", "no_browser", "identity_provider", "idp_identifier", "login_hint", "lang", "prompt"])]
    pub device: bool,
    #[command(flatten)]
    pub options: SignInOptionArgs,
}

/// Authorization parameters for one browser sign-in (over the provider's defaults).
#[derive(Debug, Args, Default)]
pub struct SignInOptionArgs {
    /// Cognito: go straight to this federated identity provider (e.g. Google, or a SAML
    /// provider's name), skipping the hosted UI.
    #[arg(long, value_name = "NAME", conflicts_with = "password")]
    pub identity_provider: Option<String>,
    /// Cognito: pick the federated provider by one of its identifiers (e.g. an email domain).
    #[arg(long, value_name = "ID", conflicts_with = "password")]
    pub idp_identifier: Option<String>,
    /// Prefill the login page's username.
    #[arg(long, value_name = "USER", conflicts_with = "password")]
    pub login_hint: Option<String>,
    /// The login page's language, e.g. fr or pt-BR.
    #[arg(long, value_name = "TAG", conflicts_with = "password")]
    pub lang: Option<String>,
    /// login, consent, select_account or none (space separated for several).
    #[arg(long, value_name = "PROMPT", conflicts_with = "password")]
    pub prompt: Option<String>,
    /// A scope to request besides the provider's; repeatable.
    #[arg(long = "scope", value_name = "SCOPE", conflicts_with = "password")]
    pub extra_scopes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The token, or `-` to read it from standard input.
    pub jwt: String,
    /// Provider (id or name) whose keys and rules to verify against.
    #[arg(long)]
    pub verify: Option<String>,
    /// Verify as this kind of token (detected by default).
    #[arg(long = "as", value_enum)]
    pub token_use: Option<TokenKind>,
}

#[derive(Debug, Args)]
pub struct AwsCredentialsArgs {
    pub account: String,
    #[arg(long, value_enum, default_value = "env")]
    pub format: CredentialFormat,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    pub account: String,
    /// Forget the account even if the provider cannot revoke.
    #[arg(long)]
    pub force: bool,
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

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// List providers: id, issuer, client id and the redirect URIs to register.
    List,
    /// Add a provider: a Cognito user pool (--region and --pool-id, with --domain-prefix,
    /// --custom-domain or --no-domain) or any OpenID Connect issuer (--issuer).
    Add(ProviderAddArgs),
    /// Change a provider's settings; only the options given change.
    Edit(ProviderEditArgs),
    /// Remove a provider and its accounts' keyring entries (sign its accounts out first to
    /// revoke their tokens, or pass --force).
    Remove(ProviderRemoveArgs),
    /// Check a provider: discovery, endpoints, keys, client and redirect, as the app's Check.
    Check(ProviderRef),
    /// Write providers (all, or those named) as a shareable JSON file, with no secrets.
    Export(ProviderExportArgs),
    /// Add the providers of a file written by `provider export` (or the app's Export), or of
    /// AWS Amplify's amplify_outputs.json, amplifyconfiguration.json or aws-exports.js; ones
    /// already here (same issuer and client id) are left as they are.
    Import(ProviderImportArgs),
}

#[derive(Debug, Args)]
pub struct ProviderRef {
    /// The provider's name or id.
    pub provider: String,
}

/// Where a provider's tokens come from.
#[derive(Debug, Args)]
#[group(id = "source", multiple = true)]
pub struct SourceArgs {
    /// An OpenID Connect issuer (discovery at ISSUER/.well-known/openid-configuration).
    #[arg(long, value_name = "URL", conflicts_with_all = ["region", "pool_id", "domain_prefix", "custom_domain", "no_domain"])]
    pub issuer: Option<String>,
    /// The Cognito user pool's region, e.g. eu-west-1.
    #[arg(long, requires = "pool_id")]
    pub region: Option<String>,
    /// The Cognito user pool id, e.g. eu-west-1_AbCdEf123.
    #[arg(long, requires = "region")]
    pub pool_id: Option<String>,
    /// The hosted UI's domain prefix (https://PREFIX.auth.REGION.amazoncognito.com).
    #[arg(long, value_name = "PREFIX", conflicts_with_all = ["custom_domain", "no_domain"])]
    pub domain_prefix: Option<String>,
    /// The hosted UI's custom domain, e.g. https://auth.example.com.
    #[arg(long, value_name = "URL", conflicts_with = "no_domain")]
    pub custom_domain: Option<String>,
    /// No hosted UI: sign in with a password through Cognito's API only.
    #[arg(long)]
    pub no_domain: bool,
}

/// Settings both `add` and `edit` take.
#[derive(Debug, Args)]
pub struct ProviderSettingsArgs {
    /// Scopes, separated by spaces or commas (default: openid email profile).
    #[arg(long)]
    pub scopes: Option<String>,
    /// The redirect URI registered with the app client (default: one of its own,
    /// io.github.tokendeck://callback/<name>).
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// A Cognito identity pool, for temporary AWS credentials.
    #[arg(long, value_name = "ID")]
    pub identity_pool_id: Option<String>,
    /// How long the app client's refresh tokens last after sign-in (Cognito's "refresh token
    /// expiration"), e.g. 30days or 12h; "default" for the provider's default (Cognito: 30
    /// days). Accounts then show when they must sign in again.
    #[arg(long, value_name = "DURATION")]
    pub refresh_token_lifetime: Option<String>,
    /// Sign-in default: Cognito's federated identity provider to go straight to ("" clears).
    #[arg(long, value_name = "NAME")]
    pub default_identity_provider: Option<String>,
    /// Sign-in default: Cognito's idp_identifier ("" clears).
    #[arg(long, value_name = "ID")]
    pub default_idp_identifier: Option<String>,
    /// Sign-in default: the username or email the login page starts with ("" clears).
    #[arg(long, value_name = "USER")]
    pub default_login_hint: Option<String>,
    /// Sign-in default: the login page's language ("" clears).
    #[arg(long, value_name = "TAG")]
    pub default_lang: Option<String>,
    /// Sign-in default: prompt (login, consent, select_account, none; "" clears).
    #[arg(long, value_name = "PROMPT")]
    pub default_prompt: Option<String>,
    /// Open this provider's sign-in pages with this command instead of the system browser,
    /// e.g. "firefox -P work --private-window" ({url} marks where the URL goes; "" clears).
    #[arg(long, value_name = "COMMAND")]
    pub browser_command: Option<String>,
    /// An endpoint override, NAME=URL (issuer, authorization, token, userinfo, revocation,
    /// logout, jwks-uri, cognito-idp, cognito-identity); NAME= removes one. Repeatable.
    #[arg(long = "override", value_name = "NAME=URL")]
    pub overrides: Vec<String>,
    /// Prompt for the app client's secret (it goes to the keyring, never to a file).
    #[arg(long, conflicts_with_all = ["client_secret_stdin", "client_key_file"])]
    pub client_secret: bool,
    /// Read the app client's secret from standard input.
    #[arg(long, conflicts_with = "client_key_file")]
    pub client_secret_stdin: bool,
    /// How the app client authenticates at the token endpoint: auto (a private key signs
    /// JWTs; a secret goes in a Basic header, or in the form if the provider lists only
    /// that), client_secret_basic, client_secret_post or private_key_jwt.
    #[arg(long, value_name = "METHOD", value_parser = ["auto", "client_secret_basic", "client_secret_post", "private_key_jwt"])]
    pub client_auth: Option<String>,
    /// A PEM file with the client's private key (RSA, EC P-256/P-384 or Ed25519) for
    /// private_key_jwt (implied unless --client-auth says otherwise). It is read once and kept
    /// in the keyring, like a secret.
    #[arg(long, value_name = "PATH")]
    pub client_key_file: Option<std::path::PathBuf>,
    /// For private_key_jwt: the kid the provider registered for that key ("" clears).
    #[arg(long, value_name = "KID")]
    pub client_key_id: Option<String>,
    /// Cognito: the AWS profile (in ~/.aws/config) whose credentials sign admin sign-ins
    /// (`login --admin`); "" for the default chain (AWS_PROFILE, then default).
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// This provider's proxy, e.g. http://proxy.corp:3128 or socks5h://127.0.0.1:1080, for
    /// every request to it; "direct" for none; "" for the environment's (HTTPS_PROXY…).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// A PEM file of CA certificates to trust for this provider (a private CA); its
    /// certificates are kept in the settings. "" clears them.
    #[arg(long, value_name = "PATH")]
    pub extra_ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProviderAddArgs {
    /// A name for the provider (how you refer to it, e.g. "Staging pool").
    pub name: String,
    #[command(flatten)]
    pub source: SourceArgs,
    /// The app client id.
    #[arg(long)]
    pub client_id: String,
    #[command(flatten)]
    pub settings: ProviderSettingsArgs,
    /// Run the Check once the provider is saved.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct ProviderEditArgs {
    /// The provider's name or id.
    pub provider: String,
    /// A new name.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(long)]
    pub client_id: Option<String>,
    #[command(flatten)]
    pub settings: ProviderSettingsArgs,
    /// Remove the stored client secret (the app client has none).
    #[arg(long, conflicts_with_all = ["client_secret", "client_secret_stdin"])]
    pub no_client_secret: bool,
}

#[derive(Debug, Args)]
pub struct ProviderRemoveArgs {
    /// The provider's name or id.
    pub provider: String,
    /// Remove it even though it has accounts (their tokens are deleted, not revoked).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ProviderExportArgs {
    /// Providers to export (names or ids); all when none is given.
    pub providers: Vec<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProviderImportArgs {
    /// The file, or `-` for standard input.
    pub file: std::path::PathBuf,
}
