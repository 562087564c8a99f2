//! While the app runs it is also the agent: `tokendeck token|env|exec|kubectl-credential` get
//! their answers from the sessions it holds (see `tokendeck_core::agent`).

use std::sync::Arc;

use tokendeck_core::deck::Deck;

#[cfg(target_os = "linux")]
pub fn start(deck: Arc<Deck>) {
    use tokendeck_core::agent::{Agent, AgentPaths};

    let Some(paths) = tokendeck_core::store::default_config_dir()
        .ok()
        .and_then(|dir| AgentPaths::from_env(&dir))
    else {
        tracing::info!("no XDG_RUNTIME_DIR: the command line works without the app's agent");
        return;
    };
    tauri::async_runtime::spawn(async move {
        match Agent::bind(paths) {
            Ok(agent) => {
                tracing::info!(socket = %agent.paths().socket.display(), "agent listening");
                agent.serve(deck, std::future::pending()).await;
            }
            // Another agent (`tokendeck agent`) already serves these accounts: the command
            // line keeps working through it.
            Err(e) => tracing::warn!(error = %e, "the app's agent did not start"),
        }
    });
}

#[cfg(not(target_os = "linux"))]
pub fn start(_deck: Arc<Deck>) {}
