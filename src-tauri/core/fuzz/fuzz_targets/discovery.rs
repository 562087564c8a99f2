#![no_main]
//! Discovery documents: parsed and checked, or refused with a reason.
use libfuzzer_sys::fuzz_target;
use tokendeck_core::discovery::parse_metadata;

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://id.example.com/.well-known/openid-configuration").unwrap();
    if let Ok(metadata) = parse_metadata(data, "https://id.example.com", &url) {
        let _ = metadata.endpoints();
    }
});
