//! Tokendeck's OAuth 2.0 / OpenID Connect core: provider model, PKCE sign-in, token endpoint,
//! JWKS-backed verification and token inspection. No Tauri here, so the app, the CLI and the
//! tests all drive the same code.

pub mod agent;
pub mod authorize;
pub mod browser;
pub mod callback;
pub mod client;
pub mod cognito;
pub mod deck;
pub mod discovery;
pub mod error;
#[doc(hidden)]
pub mod faults;
pub mod http;
pub mod ids;
pub mod imports;
pub mod inspect;
pub mod interop;
pub mod ipc;
pub mod jwks;
pub mod loopback;
pub mod pkce;
pub mod provider;
pub mod revoke;
pub mod secret;
pub mod shell;
pub mod store;
pub mod token;
pub mod userinfo;
pub mod verify;
pub mod wire;

pub use client::{OidcClient, SignInResult};
pub use error::{Error, ErrorCode, Result};
