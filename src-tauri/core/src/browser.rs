//! A provider's own browser command (a profile, a private window) for the sign-in page,
//! instead of the system default. Split like a shell would split it, but run directly: no
//! shell ever sees the URL.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// Where the URL goes in a browser command; without it, the URL is the last argument.
const URL_MARK: &str = "{url}";
/// Programs that read an argument as code.
const SHELLS: [&str; 10] = [
    "sh",
    "bash",
    "dash",
    "zsh",
    "ksh",
    "fish",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
];

/// A parsed browser command: the program and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserCommand {
    program: String,
    args: Vec<String>,
}

impl BrowserCommand {
    pub fn parse(text: &str) -> Result<Self> {
        let words = shlex::split(text).ok_or_else(|| {
            Error::config(
                "browser command",
                "its quotes do not match; write it as you would in a shell, e.g. firefox -P work --private-window",
            )
        })?;
        let mut words = words.into_iter();
        let program = words.next().filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::config(
                "browser command",
                "name a program, e.g. firefox -P work --private-window, or leave it empty for the system browser",
            )
        })?;
        if program.contains(URL_MARK) {
            return Err(Error::config(
                "browser command",
                "start with the program to run; {url} goes among its arguments",
            ));
        }
        let args: Vec<String> = words.collect();
        let shell = Path::new(&program)
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| SHELLS.contains(&n));
        if shell && args.iter().any(|a| a.contains(URL_MARK) && a != URL_MARK) {
            return Err(Error::config(
                "browser command",
                "a shell script must not have {url} inside it (the shell would read the URL as code): pass it as an argument, e.g. sh -c 'exec firefox \"$1\"' sh {url}",
            ));
        }
        Ok(Self { program, args })
    }

    /// The program and arguments that open `url`. Characters a shell would act on are
    /// percent-encoded first: a command such as `sh -c "browser {url}"` must not run what an
    /// authorization endpoint's address holds (the URL means the same either way).
    pub fn argv(&self, url: &str) -> Vec<String> {
        let url = &shell_safe(url);
        let mut argv = vec![self.program.clone()];
        let marked = self.args.iter().any(|a| a.contains(URL_MARK));
        argv.extend(self.args.iter().map(|a| a.replace(URL_MARK, url)));
        if !marked {
            argv.push(url.to_owned());
        }
        argv
    }

    /// Starts the browser on `url` and leaves it running.
    pub fn open(&self, url: &str) -> Result<()> {
        let argv = self.argv(url);
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| Error::config("browser command", "name a program to run"))?;
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|mut child| {
                // Reaped when it exits (a launcher handing the URL to a running browser
                // exits at once), so no zombie is left per sign-in.
                std::thread::spawn(move || child.wait());
            })
            .map_err(|e| {
                Error::config(
                    "browser command",
                    format!(
                        "\"{}\" could not start ({e}); fix the command in the provider's settings, or clear it to use the system browser",
                        crate::error::printable(program, 80)
                    ),
                )
            })
    }
}

fn shell_safe(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '$' | '`' | '(' | ')' | ';' | '|' | '<' | '>' | '\'' | '"' | '\\' | ' ' | '!' | '*'
            | '{' | '}' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_goes_last_or_where_marked() {
        let url = "https://id.example.com/authorize?a=1&b=2";
        let plain = BrowserCommand::parse("firefox -P 'work profile' --private-window").unwrap();
        assert_eq!(
            plain.argv(url),
            ["firefox", "-P", "work profile", "--private-window", url]
        );
        let marked = BrowserCommand::parse("chromium --app={url} --incognito").unwrap();
        assert_eq!(
            marked.argv(url),
            ["chromium", &format!("--app={url}"), "--incognito"]
        );
    }

    #[test]
    fn a_url_is_one_argument_with_nothing_a_shell_would_act_on() {
        // An authorization endpoint whose address holds shell syntax.
        let url = "https://x.example/$(touch /tmp/pwned);`id`/authorize?a=1&b=%20";
        let argv = BrowserCommand::parse("firefox --new-window")
            .unwrap()
            .argv(url);
        let [program, flag, given] = argv.as_slice() else {
            panic!("{argv:?}")
        };
        assert_eq!(
            (program.as_str(), flag.as_str()),
            ("firefox", "--new-window")
        );
        assert_eq!(
            given,
            "https://x.example/%24%28touch%20/tmp/pwned%29%3B%60id%60/authorize?a=1&b=%20"
        );
    }

    #[test]
    fn a_shell_script_with_the_url_inside_is_refused() {
        let e = BrowserCommand::parse("sh -c 'firefox {url}'")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"$1\""), "{e}");
        // The safe form: the URL as the script's own argument.
        BrowserCommand::parse("sh -c 'exec firefox -P work \"$1\"' sh {url}").unwrap();
    }

    #[test]
    fn broken_commands_say_what_to_fix() {
        for bad in ["", "   ", "firefox 'unclosed", "{url}"] {
            let e = BrowserCommand::parse(bad).unwrap_err().to_string();
            assert!(e.contains("browser command"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_missing_program_is_reported_not_panicked() {
        let e = BrowserCommand::parse("/nonexistent/browser-xyz")
            .unwrap()
            .open("https://example.com")
            .unwrap_err()
            .to_string();
        assert!(e.contains("could not start"), "{e}");
    }
}
