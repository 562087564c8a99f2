//! Provider settings read from files other tools write. Each provider found comes with notes
//! on what in the file Tokendeck did not use, and why.

mod amplify;

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

/// The formats [`read`] knows, for messages.
pub const KNOWN_FORMATS: &str = "a Tokendeck provider file, or AWS Amplify's amplify_outputs.json, amplifyconfiguration.json or aws-exports.js";

/// Reads `text` as one of the formats other tools write; `Ok(None)` when it is none of them.
pub fn read(text: &str) -> Result<Option<Vec<Found>>> {
    let Some(value) = json_or_js_object(text) else {
        return Ok(None);
    };
    if let Some(found) = amplify::read(&value, "the Amplify configuration")? {
        return Ok(Some(vec![found]));
    }
    Ok(None)
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
