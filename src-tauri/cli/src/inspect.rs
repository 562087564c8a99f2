//! `tokendeck inspect`: decode a JWT, and verify it against a provider's keys with --verify.

use std::io::Read;

use tokendeck_core::deck::{Deck, InspectRequest};
use tokendeck_core::inspect::Verification;
use tokendeck_core::verify::TokenUse;
use tokendeck_core::{Error, Result};

use crate::args::{InspectArgs, TokenKind};
use crate::output;

pub async fn inspect(deck: &Deck, json: bool, args: &InspectArgs) -> Result<()> {
    let token = match args.jwt.as_str() {
        "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::config("token", format!("cannot read standard input: {e}")))?;
            text
        }
        jwt => jwt.to_owned(),
    };
    let provider_id = match &args.verify {
        Some(p) => Some(deck.find_provider(p).await?.id),
        None => None,
    };
    let request = InspectRequest {
        token: token.trim().to_owned(),
        provider_id,
        token_use: args.token_use.map(|t| match t {
            TokenKind::Id => TokenUse::Id,
            TokenKind::Access => TokenUse::Access,
        }),
    };
    let view = deck.inspect(request).await?;
    if json {
        output::json(&view);
    } else {
        output::line(&format!(
            "header  {}",
            serde_json::Value::Object(view.header.clone())
        ));
        let claims = serde_json::to_string_pretty(&view.claims).unwrap_or_default();
        output::line(&format!("claims  {claims}"));
        output::line(&format!(
            "verification  {}",
            serde_json::to_string(&view.verification).unwrap_or_default()
        ));
    }
    // A token that fails verification fails the command (exit code 6), after showing why.
    match &view.verification {
        Verification::Failed {
            failure: Some(failure),
            ..
        } => Err(Error::TokenRejected {
            token: "token",
            failure: failure.clone(),
        }),
        Verification::Failed {
            reason,
            failure: None,
        } => Err(Error::Provider {
            error: "verification_failed".into(),
            description: Some(reason.clone()),
        }),
        _ => Ok(()),
    }
}
