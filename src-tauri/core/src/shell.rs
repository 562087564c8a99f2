//! Text meant to be pasted into a POSIX shell (sh, bash, zsh). Every value from outside (a
//! token, a discovered URL, AWS credentials) is quoted as one word, so it can carry `'`, `;` or
//! `$(…)` and still run nothing. A value with a control character is refused.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// `value` as one shell word. Control characters are refused, not quoted: quoting makes
/// them inert for `sh -c`, but text pasted into an interactive terminal can still act on an
/// escape sequence (ending bracketed paste) or a newline.
pub fn quote(value: &str) -> Result<Cow<'_, str>> {
    if value.chars().any(char::is_control) {
        return Err(Error::Unsupported {
            what: "text for a shell",
            hint: "a value holds a control character (a newline, an escape sequence or a NUL byte), which Tokendeck does not put into text meant for a terminal",
        });
    }
    shlex::try_quote(value).map_err(|_| Error::Unsupported {
        what: "text for a shell",
        hint: "a value contains a NUL byte, which no shell command can carry",
    })
}

/// `curl -H 'Authorization: Bearer …' 'URL'`.
pub fn curl_line(access_token: &str, url: &str) -> Result<String> {
    let header = format!("Authorization: Bearer {access_token}");
    Ok(format!("curl -H {} {}", quote(&header)?, quote(url)?))
}

/// `export NAME=value` lines, one per pair; `NAME` must be a plain variable name.
pub fn export_lines(pairs: &[(&str, &str)]) -> Result<String> {
    let mut out = String::new();
    for (name, value) in pairs {
        let plain = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plain {
            return Err(Error::config(
                "variable name",
                format!("\"{name}\" is not a shell variable name (letters, digits and _)"),
            ));
        }
        out.push_str(&format!("export {name}={}\n", quote(value)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
