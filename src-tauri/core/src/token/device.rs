//! The device authorization grant's two requests (RFC 8628 §3.1–3.5): ask for a user code,
//! then poll the token endpoint with the device code until the user has approved it.

use serde::Deserialize;
use url::Url;

use super::{ClientAuth, ErrorResponse, TokenResponse, number_or_string, token_request};
use crate::error::{Error, Result};
use crate::http::{Body, HttpClient, host_of, send};
use crate::provider::parse_endpoint;
use crate::secret::DeviceCode;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// §3.2: the interval when the provider names none.
const DEFAULT_INTERVAL_SECS: u64 = 5;
/// Bounds on what a provider says: a code is not waited for longer than this, and polls are
/// never closer than a second nor further apart than a minute.
const MAX_LIFETIME_SECS: u64 = 30 * 60;
const FALLBACK_LIFETIME_SECS: u64 = 5 * 60;
pub(crate) const MAX_INTERVAL_SECS: u64 = 60;
/// §3.5: what each `slow_down` adds to the interval.
pub(crate) const SLOW_DOWN_SECS: u64 = 5;
/// User codes are short by design (§6.1); anything longer is not one.
const MAX_USER_CODE_CHARS: usize = 64;

const ENDPOINT: &str = "the device authorization endpoint";

#[derive(Deserialize)]
struct RawAuthorization {
    device_code: DeviceCode,
    user_code: String,
    /// Google names it `verification_url`.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default, deserialize_with = "number_or_string")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "number_or_string")]
    interval: Option<u64>,
}

/// A device authorization response, checked: what the user is shown and what polling needs.
#[derive(Debug)]
pub struct DeviceAuthorization {
    pub device_code: DeviceCode,
    /// Visible ASCII only: it is printed on terminals and shown in the window.
    pub user_code: String,
    pub verification_uri: Url,
    /// The verification URL with the code in it, when the provider gives one that is valid.
    pub verification_uri_complete: Option<Url>,
    /// Seconds the code lasts (bounded).
    pub expires_in: u64,
    /// Seconds between polls (bounded).
    pub interval: u64,
}

impl DeviceAuthorization {
    /// Parses and checks a response body from `endpoint`; split out so it can be tested
    /// directly. A page on this machine (plain http to loopback) is accepted only from a
    /// provider on this machine.
    pub(crate) fn parse(body: &Body, endpoint: &Url) -> Result<Self> {
        let raw: RawAuthorization = body.json(ENDPOINT)?;
        let refuse = |problem: String| Error::Provider {
            error: "invalid_device_authorization".into(),
            description: Some(problem),
        };
        let code = raw.user_code.trim();
        if code.is_empty()
            || code.chars().count() > MAX_USER_CODE_CHARS
            || !code.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        {
            return Err(refuse(format!(
                "its user_code is empty, longer than {MAX_USER_CODE_CHARS} characters or holds characters other than visible ASCII"
            )));
        }
        if raw.device_code.expose_secret().is_empty() {
            return Err(refuse("its device_code is empty".into()));
        }
        let local_provider = endpoint.scheme() == "http";
        let verification_uri = parse_endpoint("verification_uri", &raw.verification_uri)
            .map_err(|e| refuse(format!("its verification_uri is not usable: {e}")))?;
        if verification_uri.scheme() == "http" && !local_provider {
            return Err(refuse(
                "its verification_uri is a plain-http page on this machine, from a provider elsewhere"
                    .into(),
            ));
        }
        // Opened and copied in place of the page shown: only if it is on the same site.
        let verification_uri_complete = raw
            .verification_uri_complete
            .as_deref()
            .and_then(|v| parse_endpoint("verification_uri_complete", v).ok())
            .filter(|complete| complete.origin() == verification_uri.origin());
        Ok(Self {
            device_code: raw.device_code,
            user_code: code.to_owned(),
            verification_uri,
            verification_uri_complete,
            expires_in: raw
                .expires_in
                .filter(|&s| s > 0)
                .unwrap_or(FALLBACK_LIFETIME_SECS)
                .min(MAX_LIFETIME_SECS),
            interval: raw
                .interval
                .unwrap_or(DEFAULT_INTERVAL_SECS)
                .clamp(1, MAX_INTERVAL_SECS),
        })
    }
}

/// §3.1: asks for a device code and user code for `scopes`. A confidential client
/// authenticates here as at the token endpoint.
pub async fn request_device_authorization(
    http: &HttpClient,
    url: &Url,
    auth: &ClientAuth,
    scopes: &[String],
) -> Result<DeviceAuthorization> {
    let host = host_of(url);
    let mut form = vec![("scope", scopes.join(" "))];
    let request = http
        .client()?
        .post(url.clone())
        .header("Accept", "application/json");
    let request = auth.apply(request, url, &mut form)?;
    let response = send(request.form(&form), &host, ENDPOINT).await?;
    drop(form);
    let body = Body::read(response, &host, ENDPOINT).await?;
    if body.status.is_success() {
        return DeviceAuthorization::parse(&body, url);
    }
    match serde_json::from_slice::<ErrorResponse>(&body.bytes) {
        // What providers answer when the app client may not use the grant (oidc-provider
        // says invalid_request, "... is not allowed for this client").
        Ok(e) if body.status.is_client_error() && grant_not_allowed(&e) => {
            Err(Error::InvalidClient {
                detail: crate::error::printable(
                    &format!("{}: {}", e.error, e.error_description.unwrap_or_default()),
                    300,
                ),
                hint: "Allow the device authorization grant (device code) for this app client at the provider.",
            })
        }
        _ => Err(super::oauth_error(
            &body,
            ENDPOINT,
            None,
            auth.is_confidential(),
        )),
    }
}

fn grant_not_allowed(e: &ErrorResponse) -> bool {
    let says_not_allowed = e
        .error_description
        .as_deref()
        .is_some_and(|d| d.to_ascii_lowercase().contains("not allowed"));
    e.error == "unauthorized_client" || (e.error == "invalid_request" && says_not_allowed)
}

/// What one poll of the token endpoint said (§3.5).
#[derive(Debug)]
pub enum DevicePoll {
    Tokens(Box<TokenResponse>),
    /// The user has not finished yet: poll again after the interval.
    Pending,
    /// Polling too fast: add 5 s to the interval, for good.
    SlowDown,
    /// The device code expired before the user finished.
    Expired,
}

/// §3.4: one token request with the device code. A refusal (`access_denied`) and every other
/// error come back as errors.
pub async fn poll_device_token(
    http: &HttpClient,
    token_url: &Url,
    auth: &ClientAuth,
    device_code: &DeviceCode,
) -> Result<DevicePoll> {
    let form = vec![
        ("grant_type", DEVICE_CODE_GRANT.to_owned()),
        ("device_code", device_code.expose_secret().to_owned()),
    ];
    match token_request(http, token_url, auth, form, None).await {
        Ok(tokens) => Ok(DevicePoll::Tokens(Box::new(tokens))),
        // A success that is not a token response must not be polled again: the device code
        // may be spent (as a code exchange is never retried).
        Err(Error::UnexpectedResponse {
            status, body_kind, ..
        }) if (200..300).contains(&status) => Err(Error::Provider {
            error: "invalid_token_response".into(),
            description: Some(format!(
                "the token endpoint approved the code but answered with {body_kind}; start the sign-in again"
            )),
        }),
        Err(Error::InvalidGrant { detail }) => Err(Error::Provider {
            error: "invalid_grant".into(),
            description: Some(format!(
                "the device code was refused ({detail}); start the sign-in again"
            )),
        }),
        Err(Error::Provider { error, .. }) if error == "authorization_pending" => {
            Ok(DevicePoll::Pending)
        }
        Err(Error::Provider { error, .. }) if error == "slow_down" => Ok(DevicePoll::SlowDown),
        Err(Error::Provider { error, .. }) if error == "expired_token" => Ok(DevicePoll::Expired),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<DeviceAuthorization> {
        parse_from(json, "https://example.com/device/auth")
    }

    fn parse_from(json: serde_json::Value, endpoint: &str) -> Result<DeviceAuthorization> {
        let body = Body {
            status: reqwest::StatusCode::OK,
            is_json: true,
            bytes: json.to_string().into_bytes(),
        };
        DeviceAuthorization::parse(&body, &Url::parse(endpoint).unwrap())
    }

    fn response() -> serde_json::Value {
        serde_json::json!({
            "device_code": "dc-123",
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://example.com/device",
            "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
            "expires_in": 1800,
            "interval": 5
        })
    }

    #[test]
    fn a_standard_response_is_taken_as_given() {
        let a = parse(response()).unwrap();
        assert_eq!(a.user_code, "WDJB-MJHT");
        assert_eq!(a.verification_uri.as_str(), "https://example.com/device");
        assert!(a.verification_uri_complete.is_some());
        assert_eq!((a.expires_in, a.interval), (1800, 5));
        assert!(
            !format!("{a:?}").contains("dc-123"),
            "the device code is redacted"
        );
    }

    #[test]
    fn googles_field_name_and_string_numbers_are_understood() {
        let a = parse(serde_json::json!({
            "device_code": "dc", "user_code": "ABC-DEF-GHI",
            "verification_url": "https://www.google.com/device",
            "expires_in": "1800"
        }))
        .unwrap();
        assert_eq!(a.verification_uri.as_str(), "https://www.google.com/device");
        assert_eq!((a.expires_in, a.interval), (1800, DEFAULT_INTERVAL_SECS));
    }

    #[test]
    fn what_a_provider_says_is_bounded() {
        let mut r = response();
        r["expires_in"] = serde_json::json!(10_000_000);
        r["interval"] = serde_json::json!(0);
        let a = parse(r).unwrap();
        assert_eq!((a.expires_in, a.interval), (MAX_LIFETIME_SECS, 1));
        let mut r = response();
        r["interval"] = serde_json::json!(3600);
        r.as_object_mut().unwrap().remove("expires_in");
        let a = parse(r).unwrap();
        assert_eq!(
            (a.expires_in, a.interval),
            (FALLBACK_LIFETIME_SECS, MAX_INTERVAL_SECS)
        );
    }

    #[test]
    fn codes_and_urls_that_could_mislead_a_terminal_are_refused() {
        for code in ["", "AB\u{1b}[2J", "ABC\nDEF", &"A".repeat(65)] {
            let mut r = response();
            r["user_code"] = serde_json::json!(code);
            let err = parse(r).unwrap_err();
            assert!(err.to_string().contains("user_code"), "{code:?}: {err}");
        }
        for url in [
            "http://example.com/device",
            "javascript:alert(1)",
            "not a url",
        ] {
            let mut r = response();
            r["verification_uri"] = serde_json::json!(url);
            let err = parse(r).unwrap_err();
            assert!(err.to_string().contains("verification_uri"), "{url}: {err}");
        }
        for url in ["\u{1b}]52;c;aGk=\u{7}", "http://ex\u{1b}[2Jample.com/"] {
            let mut r = response();
            r["verification_uri"] = serde_json::json!(url);
            let err = parse(r).unwrap_err().to_string();
            assert!(!err.chars().any(char::is_control), "{err:?}");
        }
        // The page with the code must be on the page's own site.
        for complete in [
            "http://example.com/device?c=1",
            "https://elsewhere.example/device?c=1",
        ] {
            let mut r = response();
            r["verification_uri_complete"] = serde_json::json!(complete);
            assert!(
                parse(r).unwrap().verification_uri_complete.is_none(),
                "{complete}"
            );
        }
        // A page on this machine only from a provider on this machine.
        let mut r = response();
        r["verification_uri"] = serde_json::json!("http://127.0.0.1:8080/device");
        r.as_object_mut()
            .unwrap()
            .remove("verification_uri_complete");
        let err = parse(r.clone()).unwrap_err().to_string();
        assert!(err.contains("this machine"), "{err}");
        parse_from(r, "http://127.0.0.1:8080/device/auth").unwrap();
    }
}
