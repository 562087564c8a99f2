//! Strict parsing of the redirect that ends a sign-in (custom scheme or loopback). Anything
//! unexpected is refused before any network call; error messages show the redirect's target,
//! never its query (which carries the code).

use url::Url;

use crate::error::{Error, Result};
use crate::secret::AuthorizationCode;

/// Longer redirects are refused outright (real ones are well under 2 KB).
pub const MAX_CALLBACK_LEN: usize = 8 * 1024;

/// The parameters we act on; each may appear at most once.
const SINGLE_PARAMS: [&str; 5] = ["code", "state", "iss", "error", "error_description"];

#[derive(Debug)]
pub enum CallbackOutcome {
    Code(AuthorizationCode),
    Error {
        error: String,
        description: Option<String>,
    },
}

#[derive(Debug)]
pub struct Callback {
    pub state: String,
    /// RFC 9207 `iss`, when the provider sent it.
    pub iss: Option<String>,
    pub outcome: CallbackOutcome,
    target: Url,
}

impl Callback {
    /// Scheme, host, port and path must equal the redirect URI the sign-in was started with.
    pub fn check_target(&self, redirect_uri: &Url) -> Result<()> {
        let same = self.target.scheme() == redirect_uri.scheme()
            && self.target.host() == redirect_uri.host()
            && self.target.port_or_known_default() == redirect_uri.port_or_known_default()
            && self.target.path() == redirect_uri.path();
        if same {
            Ok(())
        } else {
            Err(Error::bad_callback(format!(
                "it goes to {}, but the sign-in expects {redirect_uri}",
                self.target
            )))
        }
    }
}

/// The browser coming back from the provider's sign-out page (Cognito's `/logout` with
/// `logout_uri`): our redirect URI with no query at all. Not a sign-in response, and not an
/// error; the caller just shows the window.
pub fn is_sign_out_return(raw: &str) -> bool {
    Url::parse(raw.trim()).is_ok_and(|u| {
        u.query().is_none_or(str::is_empty) && u.fragment().is_none_or(str::is_empty)
    })
}

/// The `state` a redirect carries, to tell the window which sign-in a provider's error ended.
/// Only for reporting: a sign-in is matched by [`parse_callback`] and the pending sign-ins.
pub fn state_of(raw: &str) -> Option<String> {
    parse_callback(raw).ok().map(|c| c.state)
}

pub fn parse_callback(raw: &str) -> Result<Callback> {
    if raw.len() > MAX_CALLBACK_LEN {
        return Err(Error::bad_callback(format!(
            "it is {} bytes long; redirects over {MAX_CALLBACK_LEN} bytes are refused",
            raw.len()
        )));
    }
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::bad_callback(format!("it is not a valid URL ({e})")))?;
    if url.fragment().is_some_and(|f| !f.is_empty()) {
        return Err(Error::bad_callback(
            "it carries parameters in the #fragment; only query parameters are accepted (response_mode=query)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::bad_callback("it contains user credentials"));
    }

    let mut found: [Option<String>; SINGLE_PARAMS.len()] = Default::default();
    for (name, value) in url.query_pairs() {
        if let Some(i) = SINGLE_PARAMS.iter().position(|p| *p == name) {
            let Some(slot) = found.get_mut(i) else {
                continue;
            };
            if slot.is_some() {
                return Err(Error::bad_callback(format!(
                    "the parameter `{name}` appears twice"
                )));
            }
            *slot = Some(value.into_owned());
        }
    }
    let [code, state, iss, error, error_description] = found;

    let state = state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::bad_callback("it has no `state` parameter"))?;
    let outcome = match (code, error) {
        (Some(_), Some(_)) => {
            return Err(Error::bad_callback("it carries both a code and an error"));
        }
        (None, Some(error)) => CallbackOutcome::Error {
            error,
            description: error_description,
        },
        (Some(code), None) if !code.is_empty() => {
            CallbackOutcome::Code(AuthorizationCode::new(code))
        }
        _ => return Err(Error::bad_callback("it has no authorization code")),
    };

    let mut target = url;
    target.set_query(None);
    target.set_fragment(None);
    Ok(Callback {
        state,
        iss,
        outcome,
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(raw: &str) -> String {
        match parse_callback(raw) {
            Err(Error::BadCallback { reason }) => reason,
            other => panic!("expected BadCallback, got {other:?}"),
        }
    }

    #[test]
    fn parses_custom_scheme_code() {
        let cb =
            parse_callback("io.github.tokendeck://callback?code=abc&state=s1&iss=https%3A%2F%2Fi")
                .unwrap();
        assert_eq!(cb.state, "s1");
        assert_eq!(cb.iss.as_deref(), Some("https://i"));
        assert!(matches!(&cb.outcome, CallbackOutcome::Code(c) if c.expose_secret() == "abc"));
        cb.check_target(&Url::parse("io.github.tokendeck://callback").unwrap())
            .unwrap();
    }

    #[test]
    fn a_bare_redirect_is_the_return_from_sign_out() {
        assert!(is_sign_out_return(
            "io.github.tokendeck://callback/local-pool"
        ));
        assert!(is_sign_out_return("io.github.tokendeck://callback?"));
        assert!(!is_sign_out_return(
            "io.github.tokendeck://callback?state=s"
        ));
        assert!(!is_sign_out_return("io.github.tokendeck://callback#code=c"));
    }

    #[test]
    fn provider_error_is_surfaced() {
        let cb = parse_callback(
            "io.github.tokendeck://callback?error=access_denied&error_description=User+cancelled&state=s",
        )
        .unwrap();
        assert!(
            matches!(cb.outcome, CallbackOutcome::Error { ref error, ref description }
            if error == "access_denied" && description.as_deref() == Some("User cancelled"))
        );
    }

    #[test]
    fn look_alike_targets_do_not_match() {
        let expected = Url::parse("io.github.tokendeck://callback").unwrap();
        for raw in [
            "io.github.tokendeck.evil://callback?code=a&state=s",
            "io.github.tokendeck://callbacks?code=a&state=s",
            "io.github.tokendeck://callback/x?code=a&state=s",
            "io.github.tokendeck://evil?code=a&state=s",
        ] {
            let cb = parse_callback(raw).unwrap();
            assert!(cb.check_target(&expected).is_err(), "{raw}");
        }
        let loopback = Url::parse("http://127.0.0.1:4711/callback").unwrap();
        for raw in [
            "http://127.0.0.1:4712/callback?code=a&state=s",
            "http://localhost:4711/callback?code=a&state=s",
            "http://127.0.0.1:4711/callback/?code=a&state=s",
        ] {
            assert!(
                parse_callback(raw)
                    .unwrap()
                    .check_target(&loopback)
                    .is_err(),
                "{raw}"
            );
        }
    }

    #[test]
    fn refusals_explain_themselves_without_echoing_the_code() {
        assert!(reason("io.github.tokendeck://callback?code=a&code=b&state=s").contains("twice"));
        assert!(reason("io.github.tokendeck://callback?code=a&state=s&state=t").contains("twice"));
        assert!(reason("io.github.tokendeck://callback#code=a&state=s").contains("fragment"));
        assert!(reason("io.github.tokendeck://callback?code=secretcode").contains("state"));
        assert!(reason("io.github.tokendeck://callback?state=s").contains("no authorization code"));
        assert!(
            reason("io.github.tokendeck://callback?code=&state=s")
                .contains("no authorization code")
        );
        assert!(reason("io.github.tokendeck://callback?code=a&error=x&state=s").contains("both"));
        assert!(reason("not a url").contains("not a valid URL"));
        let long = format!(
            "io.github.tokendeck://callback?state=s&code={}",
            "a".repeat(9000)
        );
        assert!(reason(&long).contains("8192"));
        let msg = parse_callback("io.github.tokendeck://x?code=secretcode&state=s")
            .unwrap()
            .check_target(&Url::parse("io.github.tokendeck://callback").unwrap())
            .unwrap_err()
            .to_string();
        assert!(!msg.contains("secretcode"), "{msg}");
    }
}
