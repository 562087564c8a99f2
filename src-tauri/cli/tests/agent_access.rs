//! Who may talk to the agent, and how it stands up to bad input: another Unix user is refused
//! by the peer check, a stale socket is replaced, a live agent is left alone, loose
//! directories are refused, bad requests are answered and the agent goes on. Run under
//! scripts/with-keyring.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::indexing_slicing
)]

#[path = "../../core/tests/support/mod.rs"]
mod support;

mod agent_support;
mod home;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;

use agent_support::*;
use home::*;
use support::*;

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
        assert_eq!(reply["error"]["code"], "internal", "{reply}");
        assert_eq!(reply["badRequest"], true, "{reply}");
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
    // So is a runtime directory others may enter (XDG_RUNTIME_DIR=/tmp, say).
    std::fs::set_permissions(&loose.dir, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let refused = agent_command(&home, &loose).output().await.unwrap();
    assert_eq!(refused.status.code(), Some(5));
    assert!(
        stderr(&refused).contains("mode 0700"),
        "{}",
        stderr(&refused)
    );
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
    std::fs::set_permissions(&runtime.dir, std::fs::Permissions::from_mode(0o711)).unwrap();
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
