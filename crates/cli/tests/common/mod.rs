//! Runs the `quorumscope` binary on standard input, for the CLI's tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// `quorumscope ARGS` with `input` on standard input: (exit code, stdout, stderr).
#[allow(dead_code)] // each test file uses one of the two
pub fn quorumscope(args: &[&str], input: &str) -> (i32, String, String) {
    quorumscope_bytes(args, input.as_bytes())
}

/// The same with any bytes on standard input (text that is not UTF-8, say).
pub fn quorumscope_bytes(args: &[&str], input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quorumscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}
