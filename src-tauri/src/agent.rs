//! While the app runs it is also the agent, unless the user turned that off in Settings:
//! `tokendeck token|env|exec|kubectl-credential` get their answers from the sessions it holds
//! (see `tokendeck_core::agent`).

use std::sync::{Arc, Mutex, PoisonError};

use tokendeck_core::deck::Deck;

/// The app's agent, started and stopped as the setting says.
#[derive(Debug, Default)]
pub struct AgentSwitch {
    /// Set while an agent runs: notifying it stops it (its socket goes with it).
    running: Mutex<Option<Arc<tokio::sync::Notify>>>,
}

impl AgentSwitch {
    /// Starts the agent if `on` and none runs; stops the running one if not `on`.
    pub fn apply(&self, on: bool, deck: &Arc<Deck>) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        match (on, running.take()) {
            (true, None) => *running = start(deck.clone()),
            (true, Some(stop)) => *running = Some(stop),
            (false, Some(stop)) => stop.notify_one(),
            (false, None) => {}
        }
    }
}

#[cfg(target_os = "linux")]
fn start(deck: Arc<Deck>) -> Option<Arc<tokio::sync::Notify>> {
    use tokendeck_core::agent::{Agent, AgentPaths};

    let Some(paths) = tokendeck_core::store::default_config_dir()
        .ok()
        .and_then(|dir| AgentPaths::from_env(&dir))
    else {
        tracing::info!("no private XDG_RUNTIME_DIR: the command line works without the app");
        return None;
    };
    let stop = Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    tauri::async_runtime::spawn(async move {
        match Agent::bind(paths) {
            Ok(agent) => {
                tracing::info!(socket = %agent.paths().socket.display(), "agent listening");
                agent.serve(deck, stopped.notified()).await;
                tracing::info!("agent stopped");
            }
            // Another agent (`tokendeck agent`) already serves these accounts: the command
            // line keeps working through it.
            Err(e) => tracing::warn!(error = %e, "the app's agent did not start"),
        }
    });
    Some(stop)
}

#[cfg(not(target_os = "linux"))]
fn start(_deck: Arc<Deck>) -> Option<Arc<tokio::sync::Notify>> {
    None
}
