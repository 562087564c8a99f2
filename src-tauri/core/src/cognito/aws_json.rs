//! The AWS JSON 1.1 protocol both Cognito APIs speak: a POST whose `X-Amz-Target` names the
//! operation, and `{"__type": "...Exception", "message": "..."}` on failure. Calls are
//! unsigned, as Cognito's public sign-in and identity operations take them.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::error::{Error, Result, printable};
use crate::http::{Body, HttpClient, host_of, send};

/// One AWS API: its target prefix and how errors name it.
#[derive(Debug, Clone, Copy)]
pub(super) struct AwsService {
    /// `AWSCognitoIdentityProviderService`, `AWSCognitoIdentityService`.
    pub target: &'static str,
    /// "the Cognito API": how messages refer to it.
    pub name: &'static str,
}

/// An AWS error body, its type without the namespace (`NotAuthorizedException`).
#[derive(Debug)]
pub(super) struct AwsError {
    pub kind: String,
    pub message: String,
    pub status: u16,
}

#[derive(Debug, Deserialize)]
struct RawError {
    #[serde(rename = "__type", default)]
    kind: String,
    #[serde(alias = "Message", default)]
    message: String,
}

/// Calls `action`; a success is decoded as `T`, a failure handed to `on_error` (an AWS error
/// body) or reported as an unexpected response (anything else).
pub(super) async fn call<T: DeserializeOwned>(
    http: &HttpClient,
    url: &Url,
    service: AwsService,
    action: &str,
    body: &Value,
    on_error: impl FnOnce(AwsError) -> Error,
) -> Result<T> {
    let host = host_of(url);
    let request = http
        .client()?
        .post(url.clone())
        .header("X-Amz-Target", format!("{}.{action}", service.target))
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string());
    let response = send(request, &host, service.name).await?;
    let body = Body::read(response, &host, service.name).await?;
    if body.status.is_success() {
        return body.json(service.name);
    }
    match serde_json::from_slice::<RawError>(&body.bytes) {
        Ok(raw) if !raw.kind.is_empty() => Err(on_error(AwsError {
            kind: printable(raw.kind.rsplit('#').next().unwrap_or_default(), 64),
            message: printable(&raw.message, 300),
            status: body.status.as_u16(),
        })),
        _ => Err(Error::UnexpectedResponse {
            endpoint: service.name,
            status: body.status.as_u16(),
            body_kind: body.describe(None),
        }),
    }
}
