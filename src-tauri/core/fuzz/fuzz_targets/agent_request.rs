#![no_main]
//! The agent's request line: parsed within its bounds, or refused with a reason; a parsed
//! request reads back the same after encoding.
use libfuzzer_sys::fuzz_target;
use tokendeck_core::agent::protocol::{MAX_REQUEST_BYTES, parse_request};

fuzz_target!(|data: &[u8]| {
    match parse_request(data) {
        Ok(request) => {
            assert!(data.len() <= MAX_REQUEST_BYTES);
            assert!(!request.account.is_empty());
            let line = serde_json::to_vec(&request).unwrap();
            assert_eq!(parse_request(&line).unwrap(), request);
        }
        Err(refused) => {
            let _ = refused.to_string();
        }
    }
});
