//! A bare Tauri window that reports when its page has loaded, like Tokendeck does.
use std::time::Instant;

use tauri::webview::PageLoadEvent;

fn main() {
    let started = Instant::now();
    tauri::Builder::default()
        .on_page_load(move |_, payload| {
            if payload.event() == PageLoadEvent::Finished {
                eprintln!("page loaded after {} ms", started.elapsed().as_millis());
            }
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| panic!("{e}"));
}
