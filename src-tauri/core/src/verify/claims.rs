//! The claim rules of OIDC Core §3.1.3.7 and Cognito, on a token whose signature passed.

use serde_json::{Map, Value};

use super::{Expectations, MAX_ID_TOKEN_AGE_SECS, TokenUse, VerifyFailure};

pub fn check_claims(
    claims: &Map<String, Value>,
    expect: &Expectations<'_>,
) -> std::result::Result<(), VerifyFailure> {
    let missing = |claim: &str| VerifyFailure::MissingClaim {
        claim: claim.to_owned(),
    };
    let string = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_u64);

    let iss = string("iss").ok_or_else(|| missing("iss"))?;
    if iss != expect.issuer {
        return Err(VerifyFailure::IssuerMismatch {
            expected: expect.issuer.to_owned(),
            found: iss.to_owned(),
        });
    }
    if string("sub").is_none_or(str::is_empty) {
        return Err(missing("sub"));
    }

    let (now, leeway) = (expect.now, expect.leeway);
    let exp = number("exp").ok_or_else(|| missing("exp"))?;
    if now > exp.saturating_add(leeway) {
        return Err(VerifyFailure::Expired { exp, now, leeway });
    }
    if let Some(nbf) = number("nbf")
        && nbf > now.saturating_add(leeway)
    {
        return Err(VerifyFailure::NotYetValid { nbf, now });
    }
    match number("iat") {
        Some(iat) if iat > now.saturating_add(leeway) => {
            return Err(VerifyFailure::IssuedInFuture { iat, now });
        }
        Some(iat)
            if expect.token_use == TokenUse::Id
                && iat.saturating_add(MAX_ID_TOKEN_AGE_SECS) < now =>
        {
            return Err(VerifyFailure::IssuedLongAgo { iat, now });
        }
        None if expect.token_use == TokenUse::Id => return Err(missing("iat")),
        _ => {}
    }

    match (string("token_use"), expect.cognito) {
        (Some(found), _) if found != expect.token_use.claim_value() => {
            return Err(VerifyFailure::WrongTokenUse {
                expected: expect.token_use.claim_value().to_owned(),
                found: found.to_owned(),
            });
        }
        (None, true) => return Err(missing("token_use")),
        _ => {}
    }

    match expect.token_use {
        TokenUse::Id => check_id_audience(claims, expect)?,
        TokenUse::Access => {
            let client_id = string("client_id");
            if (expect.cognito || client_id.is_some()) && client_id != Some(expect.client_id) {
                return Err(VerifyFailure::ClientIdMismatch {
                    expected: expect.client_id.to_owned(),
                    found: client_id.map(str::to_owned),
                });
            }
        }
    }

    if let Some(expected_nonce) = expect.nonce
        && string("nonce") != Some(expected_nonce)
    {
        return Err(VerifyFailure::NonceMismatch);
    }
    Ok(())
}

/// `aud` must be exactly this client (extra audiences are untrusted), and `azp`, when
/// present, must name it.
fn check_id_audience(
    claims: &Map<String, Value>,
    expect: &Expectations<'_>,
) -> std::result::Result<(), VerifyFailure> {
    let audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    if audiences.is_empty() {
        return Err(VerifyFailure::MissingClaim {
            claim: "aud".into(),
        });
    }
    if audiences.iter().any(|a| a != expect.client_id) {
        return Err(VerifyFailure::AudienceMismatch {
            expected: expect.client_id.to_owned(),
            found: audiences,
        });
    }
    if let Some(azp) = claims.get("azp")
        && azp.as_str() != Some(expect.client_id)
    {
        return Err(VerifyFailure::AzpMismatch {
            expected: expect.client_id.to_owned(),
            found: azp.as_str().map(str::to_owned),
        });
    }
    Ok(())
}
