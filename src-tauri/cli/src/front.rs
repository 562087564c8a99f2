//! `tokendeck`: answers the plain forms of `token`, `env`, `exec` and `kubectl-credential`
//! from a running agent, and otherwise becomes `tokendeck-direct` (installed beside it), which
//! does everything. Kept small on purpose: see the library's documentation.

use std::ffi::OsString;
use std::process::ExitCode;

use tokendeck_cli::{agent, finish, output, quick, run_in_place};

const DIRECT: &str = "tokendeck-direct";

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let mut rest: Vec<OsString> = argv.iter().skip(1).cloned().collect();
    if let Some(cli) = quick::parse(argv.iter().cloned()) {
        if let Some(outcome) = agent::through_agent(&cli) {
            return finish(cli.json, outcome);
        }
        // Asked already (no agent, or one that failed): the direct binary need not ask again.
        rest.insert(0, OsString::from("--no-agent"));
    }
    become_direct(argv.first(), rest)
}

/// Runs `tokendeck-direct` in place of this process, under this process's name (so usage and
/// errors say `tokendeck`).
fn become_direct(name: Option<&OsString>, args: Vec<OsString>) -> ExitCode {
    let program = match std::env::current_exe() {
        Ok(me) => me.with_file_name(format!("{DIRECT}{}", std::env::consts::EXE_SUFFIX)),
        Err(e) => {
            output::note(&format!(
                "tokendeck: cannot find where tokendeck is installed ({e}), so not {DIRECT} beside it either"
            ));
            return ExitCode::from(127);
        }
    };
    let mut command = std::process::Command::new(program);
    command.args(args);
    #[cfg(unix)]
    if let Some(name) = name {
        use std::os::unix::process::CommandExt;
        command.arg0(name);
    }
    #[cfg(not(unix))]
    let _ = name;
    run_in_place(command)
}
