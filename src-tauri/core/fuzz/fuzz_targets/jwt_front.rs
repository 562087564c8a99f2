#![no_main]
//! The JWT front: decoding for display and the claim rules on whatever decodes.
use libfuzzer_sys::fuzz_target;
use tokendeck_core::inspect::{TokenView, Verification, decode_unverified};
use tokendeck_core::verify::{Expectations, TokenUse, check_claims};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = TokenView::decode(text, Verification::NotChecked { reason: String::new() }, Some("openid email"));
    if let Ok((_, claims)) = decode_unverified(text) {
        for (token_use, cognito) in [(TokenUse::Id, true), (TokenUse::Access, true), (TokenUse::Id, false)] {
            let expect = Expectations {
                issuer: "https://issuer.example",
                client_id: "client",
                token_use,
                id_token_algorithms: &[tokendeck_core::verify::JwsAlgorithm::RS256],
                nonce: Some("n"),
                cognito,
                now: 1_700_000_000,
                leeway: 60,
            };
            let _ = check_claims(&claims, &expect);
        }
    }
});
