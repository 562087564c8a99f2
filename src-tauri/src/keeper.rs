//! The app keeps tokens fresh in the background (`Deck::keep_fresh`): each event updates the
//! window, and deadlines and failures become desktop notifications.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tauri::AppHandle;
use tokendeck_core::deck::{DRAIN, Deck, KeeperEvent};

use crate::{events, notifications};

/// The running keeper, and how to stop it.
#[derive(Debug, Default)]
pub struct Background {
    running: Mutex<Option<Running>>,
}

#[derive(Debug)]
struct Running {
    stop: Arc<tokio::sync::Notify>,
    done: tauri::async_runtime::JoinHandle<()>,
}

impl Background {
    pub fn start(&self, app: &AppHandle, deck: Arc<Deck>) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.is_some() {
            return;
        }
        let stop = Arc::new(tokio::sync::Notify::new());
        let stopped = stop.clone();
        let app = app.clone();
        let notes = Arc::new(notifications::Gatherer::default());
        let done = tauri::async_runtime::spawn(
            deck.keep_fresh(async move { stopped.notified().await }, move |event| {
                report(&app, &notes, &event)
            }),
        );
        *running = Some(Running { stop, done });
    }

    /// On exit: stops looking and waits (briefly) for refreshes in flight, so a rotated
    /// refresh token reaches the keyring.
    pub fn stop_and_wait(&self) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(Running { stop, done }) = running {
            stop.notify_one();
            let _ = tauri::async_runtime::block_on(async {
                tokio::time::timeout(DRAIN + Duration::from_secs(5), done).await
            });
        }
    }
}

fn report(app: &AppHandle, notes: &Arc<notifications::Gatherer>, event: &KeeperEvent) {
    if let Some(note) = notifications::Note::of(event, tokendeck_core::token::unix_now()) {
        notes.show(app, note);
    }
    match event {
        KeeperEvent::Refreshed { .. } => events::accounts_changed_soon(app),
        KeeperEvent::RefreshFailed { .. } => events::accounts_changed(app),
        KeeperEvent::DeadlineNear { .. } => {}
    }
}
