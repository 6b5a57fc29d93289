// SPDX-License-Identifier: MIT OR Apache-2.0
//! Shared test support: the scripted server process. Driving the library
//! over TCP is tests/support/suites_capi.rs (through the C API).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `tests/scripted_server.py`.
pub struct ScriptedServer {
    child: Child,
    pub port: u16,
    transcript: PathBuf,
    dir: PathBuf,
}

impl ScriptedServer {
    /// Starts the server with `script` (the script syntax of scripted_server.py).
    pub fn start(script: &str) -> ScriptedServer {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("ip-smtpc-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script_path = dir.join("script.smtp");
        std::fs::write(&script_path, script).unwrap();
        let transcript = dir.join("transcript.bin");
        let mut child = Command::new("python3")
            .arg(root().join("tests/scripted_server.py"))
            .args([
                "--script",
                script_path.to_str().unwrap(),
                "--timeout",
                "20",
                "--step-timeout",
                "5",
            ])
            .args(["--transcript", transcript.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 tests/scripted_server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("no PORT line: {line:?}"))
            .parse()
            .unwrap();
        ScriptedServer {
            child,
            port,
            transcript,
            dir,
        }
    }

    /// Waits for the server; returns (exit code, transcript, stderr log).
    pub fn finish(mut self) -> (i32, Vec<u8>, String) {
        let status = self.child.wait().unwrap();
        let log = take_stderr(&mut self.child);
        let transcript = std::fs::read(&self.transcript).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&self.dir);
        (status.code().unwrap_or(-1), transcript, log)
    }
}

/// Everything a finished child wrote to its piped standard error.
pub fn take_stderr(child: &mut Child) -> String {
    let mut log = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut log).unwrap();
    }
    log
}

/// Buffer sizes and a transport's read timeout, for tests that tune them.
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Reply buffer (`SMTPC_IN_BUFFER_SIZE`).
    pub in_size: usize,
    /// Output buffer (`SMTPC_OUT_BUFFER_SIZE`).
    pub out_size: usize,
    /// How long one `receive` may block (what a port's socket timeout does).
    pub read_timeout_ms: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            in_size: 256,
            out_size: 256,
            read_timeout_ms: 10_000,
        }
    }
}
