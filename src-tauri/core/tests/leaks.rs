//! With TRACE logging on (every crate: ours, reqwest, hyper, the keyring), a canary refresh
//! token, authorization code, PKCE verifier, client secret and callback URL must appear in no
//! log line, no error message and no payload that crosses into the UI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use support::*;
use tokendeck_core::deck::{ProviderDraft, SignInRequest};
use tokendeck_core::secret::CallbackUrl;
use tokendeck_core::wire::WireError;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn no_secret_reaches_logs_errors_or_ui_payloads() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fx = Fixture::new().await;
    let deck = fx.open();
    let provider = deck
        .save_provider(ProviderDraft {
            config: fx.config(CONFIDENTIAL),
            client_secret: Some(CONFIDENTIAL_SECRET.into()),
        })
        .await
        .unwrap()
        .config
        .id;
    let started = deck
        .begin_sign_in(&provider, SignInRequest::default())
        .await
        .unwrap();
    let challenge = param(started.authorization_url.as_str(), "code_challenge");
    let callback = login_over_http(&started.authorization_url, ALICE).await;
    let code = param(callback.expose_secret(), "code");
    let account = deck.complete_sign_in(&callback).await.unwrap();
    let id = account.record.id.clone();
    let refresh_token = fx
        .stored_refresh_token(&id)
        .await
        .unwrap()
        .expose_secret()
        .to_owned();

    let mut payloads = Vec::new();
    payloads.push(serde_json::to_string(&account).unwrap());
    payloads.push(serde_json::to_string(&deck.refresh(&id).await.unwrap()).unwrap());
    payloads.push(serde_json::to_string(&deck.account_detail(&id).await.unwrap()).unwrap());
    payloads.push(serde_json::to_string(&deck.snapshot().await).unwrap());
    // Errors that carry the code or refer to the callback.
    let replay = deck.complete_sign_in(&callback).await.unwrap_err();
    let forged = deck
        .complete_sign_in(&CallbackUrl::new(format!(
            "io.github.tokendeck://evil?code={code}&state=x&iss=y"
        )))
        .await
        .unwrap_err();
    payloads.push(serde_json::to_string(&WireError::from(&replay)).unwrap());
    payloads.push(serde_json::to_string(&WireError::from(&forged)).unwrap());
    payloads.push(format!("{replay:?} {forged:?}"));
    payloads.push(serde_json::to_string(&deck.sign_out(&id, true, false).await.unwrap()).unwrap());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.lines().count() > 20,
        "TRACE logging must actually be on:\n{logs}"
    );
    assert!(
        logs.contains("sign-in started") && logs.contains("hyper_util"),
        "our logs and the HTTP stack's are captured"
    );

    let all = format!("{logs}\n{}", payloads.join("\n"));
    for (name, canary) in [
        ("refresh token", refresh_token.as_str()),
        ("authorization code", code.as_str()),
        ("client secret", CONFIDENTIAL_SECRET),
        ("callback URL", callback.expose_secret()),
    ] {
        assert!(
            !all.contains(canary),
            "the {name} leaked:\n{}",
            all.lines().find(|l| l.contains(canary)).unwrap_or("")
        );
    }
    // The verifier is never seen by the test; any 43-character token whose hash is the
    // challenge would be it.
    for word in all.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
        if word.len() == 43 {
            assert_ne!(
                URL_SAFE_NO_PAD.encode(Sha256::digest(word.as_bytes())),
                challenge,
                "the PKCE verifier leaked"
            );
        }
    }
}
