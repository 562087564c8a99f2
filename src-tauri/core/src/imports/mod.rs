//! Provider settings read from files other tools write: AWS Amplify's client configuration,
//! and the OAuth 2.0 settings of Postman, Insomnia and Bruno. Each provider found comes with
//! notes on what Tokendeck did not use, and anything it could not import is listed with why.

mod amplify;
mod bruno;
mod insomnia;
mod oauth;
mod postman;

use serde_json::Value;

use crate::deck::SharedProvider;
use crate::error::Result;
use crate::secret::ClientSecret;

/// One provider found in another tool's file.
#[derive(Debug)]
pub struct Found {
    pub provider: SharedProvider,
    /// A secret the file held: it goes to the keyring, never to the settings.
    pub client_secret: Option<ClientSecret>,
    /// Where in the file it came from (for messages).
    pub from: String,
    pub notes: Vec<String>,
}

/// What a file yielded.
#[derive(Debug, Default)]
pub struct Read {
    pub found: Vec<Found>,
    /// What could not become a provider, and why.
    pub skipped: Vec<String>,
}

/// The formats [`read`] knows, for messages.
pub const KNOWN_FORMATS: &str = "a Tokendeck provider file, AWS Amplify's amplify_outputs.json, amplifyconfiguration.json or aws-exports.js, a Postman collection (v2.1), an Insomnia export (v4) or a Bruno request (.bru)";

/// Reads `text` as one of the formats other tools write; `Ok(None)` when it is none of them.
pub fn read(text: &str) -> Result<Option<Read>> {
    if bruno::is_bru(text) && !text.trim_start().starts_with('{') {
        return Ok(Some(from_oauth(bruno::settings(text))));
    }
    let Some(value) = json_or_js_object(text) else {
        return Ok(None);
    };
    if let Some(found) = amplify::read(&value, "the Amplify configuration")? {
        return Ok(Some(Read {
            found: vec![found],
            skipped: Vec::new(),
        }));
    }
    if postman::is_collection(&value) {
        return Ok(Some(from_oauth(postman::settings(&value))));
    }
    if insomnia::is_export(&value) {
        return Ok(Some(from_oauth(insomnia::settings(&value))));
    }
    Ok(None)
}

/// Each distinct OAuth configuration (by authorization URL and client id) once.
fn from_oauth(settings: Vec<oauth::OAuthSettings>) -> Read {
    let mut seen = Vec::new();
    let mut read = Read::default();
    for setting in settings {
        let key = setting.key();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        match setting.into_outcome() {
            oauth::Outcome::Provider(found) => read.found.push(*found),
            oauth::Outcome::Skipped(why) => read.skipped.push(why),
        }
    }
    read
}

/// JSON, or the object literal of a generated JavaScript module (`aws-exports.js`:
/// `const awsmobile = {…}; export default awsmobile;`, whose object is written as JSON).
fn json_or_js_object(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    serde_json::from_str(text.get(start..=end)?).ok()
}
