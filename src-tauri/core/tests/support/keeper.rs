//! A keeper running in a test: its events, and how to stop it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokendeck_core::deck::{Deck, KeeperEvent};
use tokio::sync::{Notify, mpsc};

/// A running keeper: its events, and how to stop it.
pub struct Running {
    pub events: mpsc::UnboundedReceiver<KeeperEvent>,
    stop: Arc<Notify>,
    done: tokio::task::JoinHandle<()>,
}

pub fn start_keeper(deck: &Arc<Deck>) -> Running {
    start_keeper_at(deck, Arc::new(AtomicU64::new(0)))
}

/// A keeper whose wall clock runs `ahead` seconds ahead of the real one (a test moves it to
/// stand for a sleep or a clock jump).
pub fn start_keeper_at(deck: &Arc<Deck>, ahead: Arc<AtomicU64>) -> Running {
    let (sender, events) = mpsc::unbounded_channel();
    let stop = Arc::new(Notify::new());
    let stopped = stop.clone();
    let wall = move || tokendeck_core::token::unix_now() + ahead.load(Ordering::SeqCst);
    let done = tokio::spawn(deck.clone().keep_fresh_by(
        Arc::new(wall),
        async move { stopped.notified().await },
        move |event| {
            let _ = sender.send(event);
        },
    ));
    Running { events, stop, done }
}

impl Running {
    /// The next event, within `secs`.
    pub async fn next(&mut self, secs: u64) -> KeeperEvent {
        tokio::time::timeout(Duration::from_secs(secs), self.events.recv())
            .await
            .expect("the keeper reported nothing in time")
            .expect("the keeper stopped")
    }

    pub async fn stop(self) {
        self.stop.notify_one();
        tokio::time::timeout(
            tokendeck_core::deck::DRAIN + Duration::from_secs(5),
            self.done,
        )
        .await
        .expect("the keeper stops")
        .unwrap();
    }
}
