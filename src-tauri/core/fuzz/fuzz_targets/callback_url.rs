#![no_main]
//! The redirect parser: any input is refused or parsed, never a panic.
use libfuzzer_sys::fuzz_target;
use tokendeck_core::callback::parse_callback;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(callback) = parse_callback(text) {
        for expected in ["io.github.tokendeck://callback", "http://127.0.0.1:4711/callback"] {
            let _ = callback.check_target(&url::Url::parse(expected).unwrap());
        }
        assert!(!callback.state.is_empty());
    }
});
