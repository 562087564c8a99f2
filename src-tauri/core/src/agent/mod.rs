//! The agent: a long-running Tokendeck (the app, or the headless `tokendeck agent`) answers
//! `tokendeck token|env|exec|kubectl-credential` over a Unix socket from the sessions it holds,
//! so scripts skip the keyring read and the start-up of a full client. The CLI asks the agent
//! first and does the work itself when none answers; output and exit codes are the same.
//!
//! - `protocol`: one JSON request and one JSON response per connection (`docs/agent.md`);
//! - `socket` (Linux): where the socket lives and who may talk to it (same uid, both ways);
//! - `server`: the agent's side; `client`: the CLI's side.

pub mod protocol;

#[cfg(target_os = "linux")]
mod client;
#[cfg(target_os = "linux")]
mod server;
#[cfg(target_os = "linux")]
mod socket;

#[cfg(target_os = "linux")]
pub use client::{NoReply, Reply, ask};
#[cfg(target_os = "linux")]
pub use server::{Agent, respond};
#[cfg(target_os = "linux")]
pub use socket::{AgentPaths, is_private_dir, own_uid, peer_uid, prepare_dir};
