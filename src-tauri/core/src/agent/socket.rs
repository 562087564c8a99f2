//! Where the agent listens, and the checks on both ends: the socket lives in a directory only
//! its user can enter (`$XDG_RUNTIME_DIR/tokendeck/`, 0700), is itself 0600, and every
//! connection's peer must run as the same user (SO_PEERCRED), checked by the agent and by the
//! client alike.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The agent's directory and socket. One agent serves one settings directory: the socket's
/// name comes from that directory, so a CLI run with another `TOKENDECK_CONFIG_DIR` never
/// gets its answers from an agent holding other accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPaths {
    pub dir: PathBuf,
    pub socket: PathBuf,
    /// Held (flock) by the agent for its lifetime: one agent per socket, race-free.
    pub lock: PathBuf,
}

impl AgentPaths {
    /// `$XDG_RUNTIME_DIR/tokendeck/agent-<settings directory digest>.sock`; `None` when the
    /// session has no runtime directory, or one that is not private to this user as the XDG
    /// specification requires (then there is no agent, and the CLI works alone).
    pub fn from_env(config_dir: &Path) -> Option<Self> {
        let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty())?;
        let runtime = PathBuf::from(runtime);
        // A relative or shared runtime directory (say, /tmp) is no place for the socket.
        let private = std::fs::metadata(&runtime).is_ok_and(|m| private_dir(&m));
        (runtime.is_absolute() && private)
            .then(|| Self::in_dir(runtime.join("tokendeck"), config_dir))
    }

    pub fn in_dir(dir: PathBuf, config_dir: &Path) -> Self {
        let config_dir = std::path::absolute(config_dir).unwrap_or_else(|_| config_dir.into());
        let digest = Sha256::digest(config_dir.as_os_str().as_encoded_bytes());
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self {
            socket: dir.join(format!("agent-{name}.sock")),
            lock: dir.join(format!("agent-{name}.lock")),
            dir,
        }
    }
}

/// The effective uid of this process: the only peer either end talks to.
pub fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// The uid at the other end of a connected socket.
pub fn peer_uid(stream: &impl std::os::fd::AsFd) -> std::io::Result<u32> {
    Ok(rustix::net::sockopt::socket_peercred(stream)?.uid.as_raw())
}

/// Whether `dir` is a real directory (not a symlink), owned by this user, that nobody else may
/// enter: checked by the agent before it listens and by the client before it connects.
pub fn is_private_dir(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| private_dir(&m))
}

/// A directory of this user's that no one else may enter.
fn private_dir(meta: &std::fs::Metadata) -> bool {
    meta.is_dir() && meta.uid() == own_uid() && meta.mode() & 0o077 == 0
}

/// Creates the agent's directory (0700), or checks an existing one (see [`is_private_dir`]).
pub fn prepare_dir(dir: &Path) -> Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        Err(e) => return Err(storage("create", dir, &e)),
    }
    if !is_private_dir(dir) {
        return Err(Error::config(
            "agent",
            format!(
                "{} must be a directory owned by you that only you can open (mode 0700); \
                 remove it or run `chmod 700` on it, then start the agent again",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// A bound socket and the lock that makes it this agent's.
#[derive(Debug)]
pub struct Bound {
    pub listener: UnixListener,
    /// Released when dropped (or when the process dies, however it dies).
    pub lock: File,
}

/// Binds the agent's socket (0600) while holding its lock file. The lock held by a running
/// agent means one answers already; with the lock ours, a socket file is a dead agent's and is
/// replaced.
pub fn bind(paths: &AgentPaths) -> Result<Bound> {
    prepare_dir(&paths.dir)?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&paths.lock)
        .map_err(|e| storage("open", &paths.lock, &e))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(Error::config(
                "agent",
                format!(
                    "a Tokendeck agent already answers on {} (the app, or `tokendeck agent`)",
                    paths.socket.display()
                ),
            ));
        }
        Err(TryLockError::Error(e)) => return Err(storage("lock", &paths.lock, &e)),
    }
    match std::fs::symlink_metadata(&paths.socket) {
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(storage("inspect", &paths.socket, &e)),
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(Error::config(
                "agent",
                format!(
                    "{} is not a socket; remove it, then start the agent again",
                    paths.socket.display()
                ),
            ));
        }
        Ok(_) => {
            tracing::info!(socket = %paths.socket.display(), "replacing a stale agent socket");
            std::fs::remove_file(&paths.socket)
                .map_err(|e| storage("remove the stale socket", &paths.socket, &e))?;
        }
    }
    let listener =
        UnixListener::bind(&paths.socket).map_err(|e| storage("listen on", &paths.socket, &e))?;
    std::fs::set_permissions(&paths.socket, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| storage("restrict", &paths.socket, &e))?;
    Ok(Bound { listener, lock })
}

/// The socket file's identity, so that an agent removes its own socket on the way out and
/// never one a newer agent bound in its place.
pub fn socket_inode(path: &Path) -> Option<u64> {
    std::fs::symlink_metadata(path).ok().map(|m| m.ino())
}

fn storage(action: &'static str, path: &Path, e: &std::io::Error) -> Error {
    Error::Storage {
        action,
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}
