//! Shared by the agent's test suites: a private runtime directory, `tokendeck agent` running
//! for a home, and the command run through it.
#![allow(dead_code)] // each suite uses a part

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use tokendeck_core::agent::AgentPaths;
use tokendeck_core::ids::AccountId;

use crate::home::*;
use crate::support::*;

/// A session's runtime directory, as `XDG_RUNTIME_DIR` names it.
pub struct Runtime {
    pub dir: PathBuf,
}

impl Runtime {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tokendeck-run-{}",
            tokendeck_core::pkce::random_url_safe()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        // Private, as the XDG specification has it (a shared one means no agent).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        Self { dir }
    }

    pub fn paths(&self, home: &Home) -> AgentPaths {
        AgentPaths::in_dir(self.dir.join("tokendeck"), &home.dir)
    }
}

/// `tokendeck agent` for `home`, once its socket answers.
pub struct RunningAgent {
    child: tokio::process::Child,
}

impl RunningAgent {
    pub async fn start(home: &Home, runtime: &Runtime) -> Self {
        let child = agent_command(home, runtime).spawn().unwrap();
        let socket = runtime.paths(home).socket;
        for _ in 0..200 {
            if UnixStream::connect(&socket).is_ok() {
                return Self { child };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the agent did not start listening on {}", socket.display());
    }

    pub fn kill(&mut self) {
        self.child.start_kill().unwrap();
    }
}

pub fn agent_command(home: &Home, runtime: &Runtime) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"));
    cmd.arg("agent")
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .env("XDG_RUNTIME_DIR", &runtime.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

pub async fn via(home: &Home, runtime: &Runtime, args: &[&str]) -> Output {
    home.run_with(args, None, &[("XDG_RUNTIME_DIR", &runtime.dir)])
        .await
}

/// Only the agent can answer: this process cannot reach the keyring.
pub async fn via_agent_only(home: &Home, runtime: &Runtime, args: &[&str]) -> Output {
    home.run_with(
        args,
        None,
        &[
            ("XDG_RUNTIME_DIR", &runtime.dir),
            (
                "DBUS_SESSION_BUS_ADDRESS",
                Path::new("unix:path=/nonexistent"),
            ),
        ],
    )
    .await
}

pub async fn signed_in(provider: &LocalProvider, client: &str) -> (Home, AccountId) {
    let home = Home::new();
    home.add(local(provider, client, "local")).await;
    let login = home.login("local", ALICE).await;
    assert!(login.status.success(), "{}", stderr(&login));
    let id = home.list().await["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .into();
    (home, id)
}

/// One raw exchange on the socket: the request line, then everything the agent sends back.
pub fn exchange(socket: &Path, request: &[u8]) -> String {
    let mut stream = UnixStream::connect(socket).unwrap();
    // An agent that stops reading (a request over the limit) answers and closes: the rest of
    // the write fails, the answer is still there to read.
    let _ = stream
        .write_all(request)
        .and_then(|()| stream.shutdown(std::net::Shutdown::Write));
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}
