//! What crosses a process boundary (IPC to the webview, the CLI's `--json`): a code from a
//! closed set and a human message. Never a token, code, verifier or secret.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
}

impl WireError {
    /// Appends a technical detail (never a secret) to the message.
    #[must_use]
    pub fn with_detail(mut self, detail: &str) -> Self {
        self.message = format!("{} ({detail})", self.message);
        self
    }
}

impl From<&Error> for WireError {
    fn from(e: &Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<Error> for WireError {
    fn from(e: Error) -> Self {
        Self::from(&e)
    }
}
