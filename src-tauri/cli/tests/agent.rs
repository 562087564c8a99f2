//! The agent (`tokendeck agent`; the app runs the same code): what scripts get through it is
//! exactly what they get without it, it answers only its own user, and when it is gone or dies
//! mid-request the CLI does the work itself. Run under scripts/with-keyring.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod home;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use home::*;
use support::*;
use tokendeck_core::agent::AgentPaths;
use tokendeck_core::ids::AccountId;
use tokendeck_core::store::Vault;

/// A session's runtime directory, as `XDG_RUNTIME_DIR` names it.
struct Runtime {
    dir: PathBuf,
}

impl Runtime {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!(
            "tokendeck-run-{}",
            tokendeck_core::pkce::random_url_safe()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn paths(&self, home: &Home) -> AgentPaths {
        AgentPaths::in_dir(self.dir.join("tokendeck"), &home.dir)
    }
}

/// `tokendeck agent` for `home`, once its socket answers.
struct RunningAgent {
    child: tokio::process::Child,
}

impl RunningAgent {
    async fn start(home: &Home, runtime: &Runtime) -> Self {
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

    fn kill(&mut self) {
        self.child.start_kill().unwrap();
    }
}

fn agent_command(home: &Home, runtime: &Runtime) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokendeck"));
    cmd.arg("agent")
        .env("TOKENDECK_CONFIG_DIR", &home.dir)
        .env("XDG_RUNTIME_DIR", &runtime.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    cmd
}

async fn via(home: &Home, runtime: &Runtime, args: &[&str]) -> Output {
    home.run_with(args, None, &[("XDG_RUNTIME_DIR", &runtime.dir)])
        .await
}

/// Only the agent can answer: this process cannot reach the keyring.
async fn via_agent_only(home: &Home, runtime: &Runtime, args: &[&str]) -> Output {
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

async fn signed_in(provider: &LocalProvider, client: &str) -> (Home, AccountId) {
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
fn exchange(socket: &Path, request: &[u8]) -> String {
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

#[tokio::test]
async fn answers_through_the_agent_equal_answers_without_it() {
    let provider = LocalProvider::start().await;
    let (home, account) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let cases: &[&[&str]] = &[
        &["token", "alice"],
        &["token", "local/alice", "--id"],
        &["token", "alice", "--header"],
        &["--json", "token", "alice"],
        &["env", "alice", "--access-var", "API"],
        &["kubectl-credential", "alice"],
        &["kubectl-credential", account.as_str(), "--access"],
        &[
            "exec",
            "alice",
            "--",
            "sh",
            "-c",
            "echo \"$TOKENDECK_ID_TOKEN\"; exit 3",
        ],
        // Errors: the same message and exit code.
        &["token", "nobody"],
        &["--json", "env", "nobody"],
    ];
    let mut without = Vec::new();
    for args in cases {
        without.push(home.run(args).await);
    }
    let _agent = RunningAgent::start(&home, &runtime).await;
    let before = provider.counters().await.token;
    for (args, alone) in cases.iter().zip(&without) {
        let through = via_agent_only(&home, &runtime, args).await;
        assert_eq!(
            (through.status.code(), stdout(&through), stderr(&through)),
            (alone.status.code(), stdout(alone), stderr(alone)),
            "tokendeck {args:?}"
        );
    }
    assert_eq!(provider.counters().await.token, before, "all warm");
    // The same command with --no-agent really is on its own (no keyring here: exit 7).
    let alone = via_agent_only(&home, &runtime, &["--no-agent", "token", "alice"]).await;
    assert_eq!(alone.status.code(), Some(7), "{}", stderr(&alone));
}

#[tokio::test]
async fn the_agent_refreshes_saves_the_rotated_token_and_never_hands_it_out() {
    let provider = LocalProvider::start().await;
    let (home, account) = signed_in(&provider, ROTATING).await;
    let runtime = Runtime::new();
    let _agent = RunningAgent::start(&home, &runtime).await;
    let warm = stdout(&via_agent_only(&home, &runtime, &["token", "alice"]).await);
    let before = provider.counters().await.token;
    // The local provider's tokens live an hour: asking for two forces a refresh.
    let forced = via_agent_only(&home, &runtime, &["token", "alice", "--min-ttl", "2h"]).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(provider.counters().await.token, before + 1);
    assert_ne!(stdout(&forced), warm, "refreshed");
    // Years are clamped to what the protocol carries, which still means "refresh".
    let years = via_agent_only(&home, &runtime, &["token", "alice", "--min-ttl", "20years"]).await;
    assert!(years.status.success(), "{}", stderr(&years));
    assert_eq!(provider.counters().await.token, before + 2);

    // The rotated refresh token was saved before the answer: a process on its own can use it.
    let stored = Vault::default()
        .refresh_token(&account)
        .await
        .unwrap()
        .unwrap();
    let alone = home.run(&["--no-agent", "refresh", "alice"]).await;
    assert!(alone.status.success(), "{}", stderr(&alone));

    // Raw protocol: every answer carries the asked-for tokens and nothing else.
    let socket = runtime.paths(&home).socket;
    for op in ["accessToken", "idToken", "sessionTokens"] {
        let reply = exchange(
            &socket,
            format!("{{\"v\":1,\"op\":\"{op}\",\"account\":\"alice\"}}\n").as_bytes(),
        );
        assert!(!reply.contains(stored.expose_secret()), "{op}");
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
        let keys: Vec<&String> = reply["ok"].as_object().unwrap().keys().collect();
        for key in keys {
            assert!(
                [
                    "account",
                    "accessToken",
                    "idToken",
                    "expiresAt",
                    "idExpiresAt"
                ]
                .contains(&key.as_str()),
                "{op}: {key}"
            );
        }
    }
}

#[tokio::test]
async fn bad_requests_get_an_error_and_the_agent_keeps_answering() {
    let provider = LocalProvider::start().await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let _agent = RunningAgent::start(&home, &runtime).await;
    let socket = runtime.paths(&home).socket;
    for (request, expected) in [
        (b"not json\n".to_vec(), "not valid JSON"),
        (
            br#"{"v":2,"op":"accessToken","account":"alice"}"#.to_vec(),
            "protocol version 1",
        ),
        (
            br#"{"v":1,"op":"refreshToken","account":"alice"}"#.to_vec(),
            "not valid JSON",
        ),
        (vec![b'x'; 64 * 1024], "larger than"),
    ] {
        let reply: serde_json::Value = serde_json::from_str(&exchange(&socket, &request)).unwrap();
        assert_eq!(reply["error"]["code"], "invalid_config", "{reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    // A client that connects and says nothing is dropped after the deadline; others go on.
    let _silent = UnixStream::connect(&socket).unwrap();
    let out = via_agent_only(&home, &runtime, &["token", "alice"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn a_stale_socket_is_replaced_and_a_live_agent_is_left_alone() {
    let provider = LocalProvider::start().await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let paths = runtime.paths(&home);
    // What a crashed agent leaves: a socket file nobody listens on.
    tokendeck_core::agent::prepare_dir(&paths.dir).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&paths.socket).unwrap());
    let out = via(&home, &runtime, &["token", "alice"]).await;
    assert!(
        out.status.success(),
        "no agent: on its own, quietly: {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");

    let _agent = RunningAgent::start(&home, &runtime).await;
    let mode = std::fs::metadata(&paths.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(&paths.dir).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o777, 0o700);

    let second = agent_command(&home, &runtime).output().await.unwrap();
    assert_eq!(second.status.code(), Some(5));
    assert!(
        stderr(&second).contains("already answers"),
        "{}",
        stderr(&second)
    );
    let out = via_agent_only(&home, &runtime, &["token", "alice"]).await;
    assert!(
        out.status.success(),
        "the first agent still answers: {}",
        stderr(&out)
    );

    // A directory others may enter is refused, with what to do about it.
    let loose = Runtime::new();
    std::fs::create_dir(loose.dir.join("tokendeck")).unwrap();
    std::fs::set_permissions(
        loose.dir.join("tokendeck"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let refused = agent_command(&home, &loose).output().await.unwrap();
    assert_eq!(refused.status.code(), Some(5));
    assert!(
        stderr(&refused).contains("chmod 700"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn a_killed_agent_leaves_the_cli_working_alone() {
    // Slow token responses, so the agent is mid-refresh when it dies.
    let provider = LocalProvider::start_with(&["--token-latency-ms", "1500"]).await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let mut agent = RunningAgent::start(&home, &runtime).await;
    let asking = via(&home, &runtime, &["token", "alice", "--min-ttl", "2h"]);
    let killing = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        agent.kill();
    };
    let (out, ()) = tokio::join!(asking, killing);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("working without the agent"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("eyJ"));
}

#[tokio::test]
async fn another_user_is_refused_even_when_the_files_let_them_in() {
    if tokendeck_core::agent::own_uid() != 0 {
        eprintln!("skipped: creating a second user needs root (CI runs as root)");
        return;
    }
    let other = "tokendeck-agent-peer";
    let exists = std::process::Command::new("id")
        .arg(other)
        .output()
        .unwrap();
    if !exists.status.success() {
        let made = std::process::Command::new("useradd")
            .args(["--no-create-home", "--shell", "/usr/sbin/nologin", other])
            .status()
            .unwrap();
        assert!(made.success(), "useradd failed");
    }
    let provider = LocalProvider::start().await;
    let (home, _) = signed_in(&provider, NATIVE).await;
    let runtime = Runtime::new();
    let _agent = RunningAgent::start(&home, &runtime).await;
    let paths = runtime.paths(&home);
    // Loosen what the agent made, so only the peer-credential check stands in the way.
    std::fs::set_permissions(&paths.dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&paths.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let client = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
data = b''
try:
    s.sendall(b'{"v":1,"op":"accessToken","account":"alice"}\n')
    s.shutdown(socket.SHUT_WR)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except OSError:
    pass  # the agent hung up on us: also a refusal
print('connected; reply bytes:', len(data))
"#;
    let out = std::process::Command::new("runuser")
        .args(["-u", other, "--", "python3", "-c", client])
        .arg(&paths.socket)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(said.trim(), "connected; reply bytes: 0");
    // The same request from this user is answered.
    let reply = exchange(
        &paths.socket,
        br#"{"v":1,"op":"accessToken","account":"alice"}"#,
    );
    assert!(reply.contains("accessToken"), "{reply}");
}
