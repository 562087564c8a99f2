//! The AWS JSON 1.1 protocol both Cognito APIs speak: a POST whose `X-Amz-Target` names the
//! operation, and `{"__type": "...Exception", "message": "..."}` on failure. Public sign-in and
//! identity operations are unsigned; the admin operations are signed with the user's AWS
//! credentials (SigV4).

use aws_credential_types::Credentials;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use super::aws_identity::AwsIdentity;
use crate::error::{Error, Result, printable};
use crate::http::{Body, HttpClient, host_of, send};

/// The AWS identity and credentials that sign an admin call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Signing<'a> {
    pub identity: &'a AwsIdentity,
    pub credentials: &'a Credentials,
}

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
    signing: Option<Signing<'_>>,
    on_error: impl FnOnce(AwsError) -> Error,
) -> Result<T> {
    let host = host_of(url);
    let target = format!("{}.{action}", service.target);
    let body = body.to_string();
    let headers = [
        ("x-amz-target", target.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    let mut request = http.client()?.post(url.clone());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    if let Some(signing) = signing {
        let signed = signing
            .identity
            .sign(signing.credentials, url, &headers, body.as_bytes())?;
        for (name, value) in signed {
            request = request.header(name, value);
        }
    }
    let response = send(request.body(body), &host, service.name).await?;
    let body = Body::read(response, &host, service.name).await?;
    if body.status.is_success() {
        return body.json(service.name);
    }
    let raw = serde_json::from_slice::<RawError>(&body.bytes)
        .ok()
        .filter(|raw| !raw.kind.is_empty())
        .or_else(|| xml_error(&body.bytes));
    match raw {
        Some(raw) => Err(on_error(AwsError {
            kind: printable(raw.kind.rsplit('#').next().unwrap_or_default(), 64),
            // AWS's signature errors quote the canonical request, session token included.
            message: printable(
                raw.message
                    .split("The Canonical String")
                    .next()
                    .unwrap_or_default()
                    .trim_end(),
                300,
            ),
            status: body.status.as_u16(),
        })),
        _ => Err(Error::UnexpectedResponse {
            endpoint: service.name,
            status: body.status.as_u16(),
            body_kind: body.describe(None),
        }),
    }
}

/// An `<ErrorResponse>` in XML, as AWS's authorization layer answers some signed requests
/// (and moto's does): its `<Code>` and `<Message>`.
fn xml_error(bytes: &[u8]) -> Option<RawError> {
    let text = std::str::from_utf8(bytes).ok()?;
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text.get(start..)?.find(&format!("</{name}>"))?;
        text.get(start..end).map(str::to_owned)
    };
    Some(RawError {
        kind: element("Code")?,
        message: element("Message").unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xml_error_gives_its_code_and_message() {
        let xml = br#"<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/qa is not authorized to perform: cognito-idp:AdminInitiateAuth</Message></Error></Errors></ErrorResponse>"#;
        let raw = xml_error(xml).unwrap();
        assert_eq!(raw.kind, "AccessDenied");
        assert!(raw.message.contains("cognito-idp:AdminInitiateAuth"));
        assert!(xml_error(b"<html>502</html>").is_none());
    }
}
