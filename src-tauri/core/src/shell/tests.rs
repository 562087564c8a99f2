//! Runs the text through a real `sh`, with a stand-in `curl` on PATH that records its
//! arguments byte for byte (a real curl would need a server; what matters is what it is given).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use super::*;

const HOSTILE_TOKEN: &str = "eyJ'abc\"$(touch pwned-token)`touch pwned-tick`;touch pwned-semi";
const HOSTILE_URL: &str = "http://127.0.0.1:9/u';touch pwned-url;'$(touch pwned-sub)?a=1&b=${HOME}";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tokendeck-shell-{}",
        crate::pkce::random_url_safe()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let curl = dir.join("curl");
    std::fs::write(
        &curl,
        "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$ARGS_OUT\"\n",
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&curl).status().unwrap();
    dir
}

/// Runs `script` with `sh -c` in `dir`; returns the NUL-separated words written to ARGS_OUT.
fn run(dir: &PathBuf, script: &str) -> Vec<String> {
    let out = dir.join("args");
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap());
    let status = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path)
        .env("ARGS_OUT", &out)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&out).unwrap();
    let mut words: Vec<String> = bytes
        .split(|b| *b == 0)
        .map(|w| String::from_utf8(w.to_vec()).unwrap())
        .collect();
    assert_eq!(words.pop().as_deref(), Some(""), "the list ends with a NUL");
    words
}

fn nothing_else_ran(dir: &PathBuf) {
    let stray: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("pwned"))
        .collect();
    assert!(stray.is_empty(), "commands ran: {stray:?}");
}

#[test]
fn curl_line_passes_one_header_and_one_url_and_runs_nothing_else() {
    let dir = scratch();
    let line = curl_line(HOSTILE_TOKEN, HOSTILE_URL).unwrap();
    let args = run(&dir, &line);
    assert_eq!(
        args,
        [
            "-H".to_owned(),
            format!("Authorization: Bearer {HOSTILE_TOKEN}"),
            HOSTILE_URL.to_owned()
        ]
    );
    nothing_else_ran(&dir);
}

#[test]
fn export_lines_set_each_value_exactly() {
    let dir = scratch();
    let lines = export_lines(&[
        ("A_KEY", "AKIA'x"),
        ("B_SECRET", HOSTILE_TOKEN),
        ("C_URL", HOSTILE_URL),
    ])
    .unwrap();
    let args = run(
        &dir,
        &format!("{lines}curl \"$A_KEY\" \"$B_SECRET\" \"$C_URL\""),
    );
    assert_eq!(args, ["AKIA'x", HOSTILE_TOKEN, HOSTILE_URL]);
    nothing_else_ran(&dir);
}

#[test]
fn values_no_shell_can_hold_and_bad_names_are_refused() {
    assert!(curl_line("a\0b", "http://x").is_err());
    assert!(export_lines(&[("X", "a\0b")]).is_err());
    for name in ["", "1X", "X;rm", "X Y", "$X"] {
        assert!(export_lines(&[(name, "v")]).is_err(), "{name}");
    }
}
