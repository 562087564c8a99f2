//! Token revocation (RFC 7009). Cognito revokes refresh tokens (and the access tokens issued
//! from them); revoking is what makes "sign out" real.

use url::Url;

use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::secret::RefreshToken;
use crate::token::{ClientAuth, oauth_error};

pub async fn revoke_refresh_token(
    http: &HttpClient,
    revocation_url: &Url,
    auth: &ClientAuth,
    token: &RefreshToken,
) -> Result<()> {
    let host = host_of(revocation_url);
    let mut form = vec![
        ("token", token.expose_secret().to_owned()),
        ("token_type_hint", "refresh_token".to_owned()),
    ];
    let request = auth.apply(
        http.client()?.post(revocation_url.clone()),
        revocation_url,
        &mut form,
    )?;
    let response = send(request.form(&form), &host, "the revocation endpoint").await?;
    drop(form);
    let body = Body::read(response, &host, "the revocation endpoint").await?;
    if body.status.is_success() {
        return Ok(());
    }
    match oauth_error(
        &body,
        "the revocation endpoint",
        None,
        auth.is_confidential(),
    ) {
        // RFC 7009 §2.2: an already invalid token counts as revoked.
        Error::InvalidGrant { .. } => Ok(()),
        other => Err(other),
    }
}
