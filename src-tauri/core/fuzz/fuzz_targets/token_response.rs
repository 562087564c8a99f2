#![no_main]
//! Token responses: deserialized into redacting types, then completed as a refresh.
use libfuzzer_sys::fuzz_target;
use tokendeck_core::secret::RefreshToken;
use tokendeck_core::token::{TokenResponse, TokenSet};

fuzz_target!(|data: &[u8]| {
    if let Ok(first) = serde_json::from_slice::<TokenResponse>(data) {
        let previous = TokenSet::from_response(first, u64::MAX - 5);
        if let Ok(again) = serde_json::from_slice::<TokenResponse>(data) {
            let mut set = TokenSet::from_response(again, u64::MAX);
            set.keep_missing_from(&RefreshToken::new("sent"), Some(&previous));
        }
    }
});
