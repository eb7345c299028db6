//! Runs the `quorumscope` binary on standard input, for the CLI's tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// `quorumscope ARGS` with `input` on standard input: (exit code, stdout, stderr).
pub fn quorumscope(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quorumscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}
