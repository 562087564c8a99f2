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
    #[cfg(unix)]
    if let Err(why) = trusted_sibling(&program) {
        output::note(&format!(
            "tokendeck: refusing to run {}: {why}",
            program.display()
        ));
        return ExitCode::from(126);
    }
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

/// `tokendeck-direct` runs with the user's keyring: no one may have put or changed it who
/// could not change `tokendeck` itself. So: a regular file owned by `tokendeck`'s owner (or
/// root), writable by no one else (by its group only when `tokendeck` is too, with the same
/// group), in a directory others cannot write to (unless sticky, like /tmp, where they cannot
/// replace what is not theirs).
#[cfg(unix)]
fn trusted_sibling(program: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;

    let me = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map_err(|e| format!("cannot inspect tokendeck itself ({e})"))?;
    let file = std::fs::symlink_metadata(program).map_err(|e| e.to_string())?;
    let dir = program
        .parent()
        .map(std::fs::metadata)
        .ok_or("it has no directory")?
        .map_err(|e| e.to_string())?;
    let group_may_write = file.mode() & 0o020 != 0;
    let group_as_mine = me.mode() & 0o020 != 0 && me.gid() == file.gid();
    let safe_file = file.is_file()
        && (file.uid() == me.uid() || file.uid() == 0)
        && file.mode() & 0o002 == 0
        && (!group_may_write || group_as_mine);
    if !safe_file {
        return Err(
            "it must be a regular file owned by tokendeck's owner (or root) that no one else may \
             change; reinstall Tokendeck"
                .into(),
        );
    }
    let sticky = dir.mode() & 0o1000 != 0;
    if dir.mode() & 0o002 != 0 && !sticky {
        return Err("its directory is writable by everyone; install Tokendeck elsewhere".into());
    }
    Ok(())
}
