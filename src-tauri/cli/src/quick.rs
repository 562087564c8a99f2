//! The agent path's argument reading. Building clap's whole command (every subcommand, its
//! help text) and running its parser costs more memory than the rest of an agent round trip,
//! so `token`, `env`, `exec` and `kubectl-credential` in their plain forms are read here with
//! `lexopt` into the same `Cli` value clap would produce. Anything else, or anything unusual
//! (short options, repeats, conflicts, values that start with `-`, `--help`), yields `None`
//! and clap reads the command line as always. The tests hold this to clap's reading.

use std::ffi::OsString;
use std::time::Duration;

use crate::args::{
    Cli, Command, DEFAULT_ACCESS_VAR, DEFAULT_EXPIRES_VAR, DEFAULT_ID_VAR, DEFAULT_MIN_TTL,
    EnvArgs, EnvNameArgs, ExecArgs, KubectlCredentialArgs, MinTtl, TokenArgs,
};

/// `argv` (program name first) as clap would read it, when it is one of the plain forms.
pub fn parse(argv: impl IntoIterator<Item = OsString>) -> Option<Cli> {
    let mut head: Vec<OsString> = argv.into_iter().collect();
    // What follows `--` is `exec`'s command, taken as it is; no other form here has a `--`.
    let after_dashes = head
        .iter()
        .position(|a| a == "--")
        .map(|at| head.split_off(at).split_off(1));
    let mut reading = Reading {
        parser: lexopt::Parser::from_iter(head),
        json: false,
    };
    let subcommand = loop {
        match reading.next()?? {
            Word::Long(name) if name == "json" => reading.flag_json()?,
            Word::Value(name) => break name.into_string().ok()?,
            Word::Long(_) => return None,
        }
    };
    let has_dashes = after_dashes.is_some();
    let command = match subcommand.as_str() {
        "token" => Command::Token(reading.token()?),
        "env" => Command::Env(reading.env()?),
        "exec" => Command::Exec(reading.exec(after_dashes?)?),
        "kubectl-credential" => Command::KubectlCredential(reading.kubectl()?),
        _ => return None,
    };
    if has_dashes && !matches!(command, Command::Exec(_)) {
        return None;
    }
    Some(Cli {
        json: reading.json,
        no_agent: false,
        command,
    })
}

struct Reading {
    parser: lexopt::Parser,
    json: bool,
}

/// One argument, owned (lexopt's borrow the parser). Short options are not plain forms.
enum Word {
    Long(String),
    Value(OsString),
}

/// What the options common to the four commands collect.
#[derive(Default)]
struct Common {
    account: Option<String>,
    min_ttl: Option<Duration>,
    access_var: Option<String>,
    id_var: Option<String>,
    expires_var: Option<String>,
}

impl Reading {
    /// The next argument: `Some(None)` at the end, `None` for one left to clap.
    fn next(&mut self) -> Option<Option<Word>> {
        match self.parser.next().ok()? {
            None => Some(None),
            Some(lexopt::Arg::Long(name)) => Some(Some(Word::Long(name.to_owned()))),
            Some(lexopt::Arg::Value(value)) => Some(Some(Word::Value(value))),
            Some(lexopt::Arg::Short(_)) => None,
        }
    }

    fn flag_json(&mut self) -> Option<()> {
        set_flag(&mut self.json)
    }

    fn value(&mut self) -> Option<String> {
        let value = self.parser.value().ok()?.into_string().ok()?;
        // clap refuses a value that looks like an option; leave that case (and its error) to it.
        (!value.starts_with('-')).then_some(value)
    }

    /// One argument shared by the four commands; `None` if it is not one of them.
    fn common(&mut self, word: Word, into: &mut Common, env_names: bool) -> Option<()> {
        let name = match word {
            Word::Value(account) => {
                let account = account.into_string().ok()?;
                return set_once(&mut into.account, account);
            }
            Word::Long(name) => name,
        };
        match name.as_str() {
            "json" => self.flag_json(),
            "min-ttl" => {
                let ttl = humantime::parse_duration(&self.value()?).ok()?;
                set_once(&mut into.min_ttl, ttl)
            }
            "access-var" if env_names => {
                let v = self.value()?;
                set_once(&mut into.access_var, v)
            }
            "id-var" if env_names => {
                let v = self.value()?;
                set_once(&mut into.id_var, v)
            }
            "expires-var" if env_names => {
                let v = self.value()?;
                set_once(&mut into.expires_var, v)
            }
            _ => None,
        }
    }

    fn token(&mut self) -> Option<TokenArgs> {
        let (mut common, mut id, mut access, mut header) = (Common::default(), false, false, false);
        while let Some(word) = self.next()? {
            match word {
                Word::Long(name) if name == "id" => set_flag(&mut id)?,
                Word::Long(name) if name == "access" => set_flag(&mut access)?,
                Word::Long(name) if name == "header" => set_flag(&mut header)?,
                other => self.common(other, &mut common, false)?,
            }
        }
        if id && access {
            return None;
        }
        Some(TokenArgs {
            account: common.account?,
            id,
            access,
            header,
            min_ttl: min_ttl(common.min_ttl)?,
        })
    }

    fn env(&mut self) -> Option<EnvArgs> {
        let mut common = Common::default();
        while let Some(word) = self.next()? {
            self.common(word, &mut common, true)?;
        }
        Some(EnvArgs {
            min_ttl: min_ttl(common.min_ttl)?,
            names: names(&mut common),
            account: common.account?,
        })
    }

    fn exec(&mut self, command: Vec<OsString>) -> Option<ExecArgs> {
        let mut common = Common::default();
        while let Some(word) = self.next()? {
            self.common(word, &mut common, true)?;
        }
        if command.is_empty() {
            return None;
        }
        Some(ExecArgs {
            min_ttl: min_ttl(common.min_ttl)?,
            names: names(&mut common),
            account: common.account?,
            command,
        })
    }

    fn kubectl(&mut self) -> Option<KubectlCredentialArgs> {
        let (mut common, mut access) = (Common::default(), false);
        while let Some(word) = self.next()? {
            match word {
                Word::Long(name) if name == "access" => set_flag(&mut access)?,
                other => self.common(other, &mut common, false)?,
            }
        }
        Some(KubectlCredentialArgs {
            account: common.account?,
            access,
            min_ttl: min_ttl(common.min_ttl)?,
        })
    }
}

fn set_flag(flag: &mut bool) -> Option<()> {
    (!std::mem::replace(flag, true)).then_some(())
}

fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

fn min_ttl(given: Option<Duration>) -> Option<MinTtl> {
    let min_ttl = match given {
        Some(ttl) => ttl,
        None => humantime::parse_duration(DEFAULT_MIN_TTL).ok()?,
    };
    Some(MinTtl { min_ttl })
}

fn names(common: &mut Common) -> EnvNameArgs {
    EnvNameArgs {
        access_var: common
            .access_var
            .take()
            .unwrap_or_else(|| DEFAULT_ACCESS_VAR.into()),
        id_var: common
            .id_var
            .take()
            .unwrap_or_else(|| DEFAULT_ID_VAR.into()),
        expires_var: common
            .expires_var
            .take()
            .unwrap_or_else(|| DEFAULT_EXPIRES_VAR.into()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn argv(line: &[&str]) -> Vec<OsString> {
        std::iter::once("tokendeck")
            .chain(line.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// Read here, the line is exactly what clap reads (compared through `Debug`, which shows
    /// every field).
    #[test]
    fn plain_forms_read_here_as_clap_reads_them() {
        let plain: &[&[&str]] = &[
            &["token", "alice"],
            &["--json", "token", "alice"],
            &["token", "alice", "--json"],
            &["token", "pool/alice", "--id", "--min-ttl", "5m"],
            &["token", "--min-ttl=90s", "alice", "--header", "--access"],
            &["token", "-"],
            &["env", "alice"],
            &[
                "env",
                "alice",
                "--access-var",
                "API",
                "--id-var",
                "",
                "--expires-var=EXP",
            ],
            &["exec", "alice", "--", "sh", "-c", "echo $X", "--json"],
            &[
                "exec",
                "--min-ttl",
                "2h",
                "alice",
                "--access-var",
                "T",
                "--",
                "true",
            ],
            &["kubectl-credential", "alice"],
            &[
                "kubectl-credential",
                "--access",
                "acc-123",
                "--min-ttl",
                "1h 30m",
            ],
        ];
        for line in plain {
            let quick = parse(argv(line)).unwrap_or_else(|| panic!("{line:?} is a plain form"));
            let clap = Cli::try_parse_from(argv(line)).unwrap();
            assert_eq!(format!("{quick:?}"), format!("{clap:?}"), "{line:?}");
        }
    }

    /// Everything else goes to clap: other commands, help, typos, repeats, conflicts.
    #[test]
    fn other_forms_are_left_to_clap() {
        let others: &[&[&str]] = &[
            &[],
            &["list"],
            &["--no-agent", "token", "alice"],
            &["token", "alice", "--no-agent"],
            &["token", "--help"],
            &["token", "-h"],
            &["token"],
            &["token", "alice", "bob"],
            &["token", "alice", "--id", "--access"],
            &["token", "alice", "--json", "--json"],
            &["--json", "token", "alice", "--json"],
            &["token", "alice", "--min-ttl", "5m", "--min-ttl", "6m"],
            &["token", "alice", "--min-ttl", "soon"],
            &["token", "alice", "--min-ttl"],
            &["token", "alice", "--min"],
            &["token", "alice", "--access-var", "X"],
            &["token", "--", "alice"],
            &["env", "alice", "--id-var", "-x"],
            &["env", "alice", "--", "true"],
            &["exec", "alice", "true"],
            &["exec", "alice", "--"],
            &["exec", "alice", "bob", "--", "true"],
            &["kubectl-credential", "alice", "--id"],
            &["tokenx", "alice"],
        ];
        for line in others {
            assert!(parse(argv(line)).is_none(), "{line:?} is for clap");
        }
    }
}
