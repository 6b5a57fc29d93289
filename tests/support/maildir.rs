// SPDX-License-Identifier: MIT OR Apache-2.0
//! The Postfix + Dovecot test bed (scripts/testbed): its settings and its
//! Maildirs.
//!
//! `Testbed::load` reads the `env` file that `scripts/testbed/start` writes
//! (`$SMTPC_TESTBED_DIR/env`, default `/tmp/ip-smtpc-testbed/env`) and panics
//! with a clear message when it is missing, so a test never passes without
//! the bed. Delivery is asynchronous: `wait_for` polls a mailbox until a
//! message containing a token shows up. `strip_trace` removes the header
//! lines Postfix prepends and turns the stored LF line ends back into CR LF,
//! so the rest compares byte for byte with what the client sent.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Text as the library canonicalises a body: CR LF, bare CR and bare LF
/// each become CR LF, and non-empty text ends with CR LF. (The reference
/// for these suites, kept here so they depend on no engine's sources.)
pub fn canonical(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' if text.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// How long a delivery may take before a test gives up.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// Header fields Postfix prepends on delivery (Maildir via virtual(8)).
const TRACE_FIELDS: [&str; 4] = ["return-path", "x-original-to", "delivered-to", "received"];

/// The settings of a running test bed.
#[derive(Clone, Debug)]
pub struct Testbed {
    /// Where the env file was read from.
    pub env_file: PathBuf,
    /// Every `NAME=value` of the env file.
    pub vars: HashMap<String, String>,
    pub host: String,
    pub port_plain: u16,
    pub port_clearauth: u16,
    pub port_small: u16,
    /// Like `port_clearauth`, without CHUNKING: the DATA path.
    pub port_nochunking: u16,
    /// Like `port_clearauth`, without SMTPUTF8 (`smtputf8_enable = no`).
    pub port_nosmtputf8: u16,
    pub port_submission: u16,
    pub port_smtps: u16,
    /// `$SMTPC_TB_MAILDIR`: one directory per mailbox name.
    pub maildir: PathBuf,
    pub user: String,
    pub pass: String,
    pub domain: String,
    pub size_limit_small: usize,
}

impl Testbed {
    /// The env file's path: `$SMTPC_TESTBED_DIR/env`, default `/tmp/ip-smtpc-testbed/env`.
    pub fn env_path() -> PathBuf {
        let dir =
            std::env::var_os("SMTPC_TESTBED_DIR").unwrap_or_else(|| "/tmp/ip-smtpc-testbed".into());
        PathBuf::from(dir).join("env")
    }

    /// Reads the env file; panics with instructions when the bed is not running.
    pub fn load() -> Testbed {
        let env_file = Testbed::env_path();
        let text = std::fs::read_to_string(&env_file).unwrap_or_else(|e| {
            panic!(
                "the Postfix test bed is not running: cannot read {} ({e}). \
                 Start it with `scripts/testbed/start` (as root) or run `scripts/test`; \
                 set SMTPC_TESTBED_DIR if the bed lives elsewhere.",
                env_file.display()
            )
        });
        let vars = parse_env(&text);
        let get = |name: &str| -> String {
            vars.get(name)
                .cloned()
                .unwrap_or_else(|| panic!("{} has no {name}", env_file.display()))
        };
        let port = |name: &str| -> u16 {
            get(name)
                .parse()
                .unwrap_or_else(|e| panic!("{}: {name} is not a port: {e}", env_file.display()))
        };
        Testbed {
            host: get("SMTPC_TB_HOST"),
            port_plain: port("SMTPC_TB_PORT_PLAIN"),
            port_clearauth: port("SMTPC_TB_PORT_CLEARAUTH"),
            port_small: port("SMTPC_TB_PORT_SMALL"),
            port_nochunking: port("SMTPC_TB_PORT_NOCHUNKING"),
            port_nosmtputf8: port("SMTPC_TB_PORT_NOSMTPUTF8"),
            port_submission: port("SMTPC_TB_PORT_SUBMISSION"),
            port_smtps: port("SMTPC_TB_PORT_SMTPS"),
            maildir: PathBuf::from(get("SMTPC_TB_MAILDIR")),
            user: get("SMTPC_TB_USER"),
            pass: get("SMTPC_TB_PASS"),
            domain: get("SMTPC_TB_DOMAIN"),
            size_limit_small: vars
                .get("SMTPC_TB_SIZE_LIMIT_SMALL")
                .and_then(|v| v.parse().ok())
                .unwrap_or(20000),
            vars,
            env_file,
        }
    }

    /// The Maildir of `name` (e.g. "alice"); panics when it does not exist.
    pub fn mailbox(&self, name: &str) -> Mailbox {
        let dir = self.maildir.join(name);
        assert!(
            dir.join("new").is_dir(),
            "no Maildir {} in the test bed (is the bed set up? see scripts/testbed/README.md)",
            dir.display()
        );
        Mailbox { dir }
    }
}

/// Parses `export NAME=value` / `NAME=value` lines; `#` comments, quotes stripped.
pub fn parse_env(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
            .unwrap_or(value);
        vars.insert(name.trim().to_string(), value.to_string());
    }
    vars
}

/// A unique token for one test message: process, time and a counter.
pub fn token(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{label}-{:x}-{:x}-{n}", std::process::id(), nanos)
}

/// One Maildir.
#[derive(Clone, Debug)]
pub struct Mailbox {
    pub dir: PathBuf,
}

impl Mailbox {
    /// Every delivered message (new/ and cur/) that contains `token`, right now.
    pub fn find(&self, token: &str) -> Vec<Vec<u8>> {
        let mut seen = HashSet::new();
        self.scan(token.as_bytes(), &mut seen)
    }

    /// Polls until a message containing `token` arrives (up to
    /// [`DELIVERY_TIMEOUT`]); returns the raw file. Panics on timeout or
    /// when more than one message matches.
    pub fn wait_for(&self, token: &str) -> Vec<u8> {
        let mut found = self.wait_for_all(token, DELIVERY_TIMEOUT);
        assert_eq!(
            found.len(),
            1,
            "{} messages with {token:?} in {}",
            found.len(),
            self.dir.display()
        );
        found.remove(0)
    }

    /// Polls until at least one message containing `token` arrived; returns all of them.
    pub fn wait_for_all(&self, token: &str, timeout: Duration) -> Vec<Vec<u8>> {
        let start = Instant::now();
        // Maildir files are written in tmp/ and renamed into new/, so a file
        // once read is complete and never changes: read each name once.
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        loop {
            found.extend(self.scan(token.as_bytes(), &mut seen));
            if !found.is_empty() {
                // A second look catches copies renamed in the same instant.
                found.extend(self.scan(token.as_bytes(), &mut seen));
                return found;
            }
            if start.elapsed() > timeout {
                panic!(
                    "no message containing {token:?} arrived in {} within {:?} (see the test bed's log/postfix.log)",
                    self.dir.display(),
                    timeout
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    fn scan(&self, token: &[u8], seen: &mut HashSet<PathBuf>) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                // Files moved from new/ to cur/ get a new name (":2,..."), so
                // key on the unique part before the colon.
                let name = entry.file_name();
                let key = name
                    .to_string_lossy()
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                if !seen.insert(PathBuf::from(key)) {
                    continue;
                }
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    if contains(&bytes, token) {
                        found.push(bytes);
                    }
                }
            }
        }
        found
    }
}

/// `true` when `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// Position of the first `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Removes the header lines Postfix put at the top of a delivered message
/// (Return-Path, X-Original-To, Delivered-To, Received, with their folded
/// continuation lines) and turns every LF into CR LF.
pub fn strip_trace(raw: &[u8]) -> Vec<u8> {
    lf_to_crlf(&raw[trace_len(raw)..])
}

/// The trace header lines Postfix prepended, as stored (LF line ends).
pub fn trace_part(raw: &[u8]) -> &[u8] {
    &raw[..trace_len(raw)]
}

/// Length of the leading trace fields in a stored message.
fn trace_len(raw: &[u8]) -> usize {
    let mut pos = 0;
    loop {
        let rest = &raw[pos..];
        let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let Some(colon) = rest[..line_end].iter().position(|&b| b == b':') else {
            return pos;
        };
        let name = String::from_utf8_lossy(&rest[..colon]).to_ascii_lowercase();
        if !TRACE_FIELDS.contains(&name.as_str()) {
            return pos;
        }
        // The field and its continuation lines (starting with SP or TAB).
        let mut end = line_end;
        while matches!(rest.get(end + 1), Some(b' ' | b'\t')) {
            end = rest[end + 1..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |p| end + 1 + p);
        }
        pos = (pos + end + 1).min(raw.len());
    }
}

/// Every LF becomes CR LF (the Maildir stores lines with LF only).
pub fn lf_to_crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 32);
    for &b in text {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Splits a CR LF message into its header block (with the final CR LF of
/// the last field, without the empty line) and its body.
pub fn split_message(message: &[u8]) -> (&[u8], &[u8]) {
    match find(message, b"\r\n\r\n") {
        Some(p) => (&message[..p + 2], &message[p + 4..]),
        None => (message, &[]),
    }
}

/// The unfolded header fields of a CR LF header block, as (name, value).
pub fn header_fields(header: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(header);
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = fields.last_mut() {
                last.1.push_str(line);
            }
            continue;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        fields.push((name.to_string(), value.trim_start().to_string()));
    }
    fields
}

// ---------------------------------------------------------------------------
// Helpers for tests that send many messages (tests/load.rs, tests/faults.rs).

/// The key a Maildir file keeps when it moves from new/ to cur/ (the part
/// of its name before ":").
fn maildir_key(name: &std::ffi::OsStr) -> PathBuf {
    PathBuf::from(name.to_string_lossy().split(':').next().unwrap_or_default())
}

impl Mailbox {
    /// The keys of every message in new/ and cur/ right now (to skip them
    /// later with [`Mailbox::scan_new`]).
    pub fn snapshot(&self) -> HashSet<PathBuf> {
        let mut keys = HashSet::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                keys.extend(entries.flatten().map(|e| maildir_key(&e.file_name())));
            }
        }
        keys
    }

    /// Messages not in `seen` yet that contain `token`, with their paths;
    /// every file looked at (matching or not) is added to `seen`.
    pub fn scan_new(&self, token: &[u8], seen: &mut HashSet<PathBuf>) -> Vec<(PathBuf, Vec<u8>)> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                if !seen.insert(maildir_key(&entry.file_name())) {
                    continue;
                }
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    if contains(&bytes, token) {
                        found.push((entry.path(), bytes));
                    }
                }
            }
        }
        found
    }
}

/// Undoes dot-stuffing: a line starting with ".." starts with "." instead.
pub fn unstuff(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut at_line_start = true;
    let mut i = 0;
    while i < data.len() {
        if at_line_start && data[i] == b'.' && data.get(i + 1) == Some(&b'.') {
            i += 1;
        }
        out.push(data[i]);
        at_line_start = data[i] == b'\n' && i > 0 && data[i - 1] == b'\r';
        i += 1;
    }
    out
}

/// The message a client sent as the server takes it: the chunk of its
/// `BDAT <n> LAST` command (RFC 3030: not dot-stuffed), or its DATA
/// content with the dot-stuffing undone, without the end-of-data line;
/// `None` when it did not go out completely.
pub fn sent_message(sent: &[u8]) -> Option<Vec<u8>> {
    match bdat_chunk(sent) {
        Some(chunk) => chunk,
        None => data_content(sent).map(|stuffed| unstuff(&stuffed)),
    }
}

/// The chunk after the first `BDAT <n> LAST` command line: `None` without
/// BDAT, `Some(None)` when fewer than `n` octets followed it.
pub fn bdat_chunk(sent: &[u8]) -> Option<Option<Vec<u8>>> {
    let at = if sent.starts_with(b"BDAT ") {
        0
    } else {
        find(sent, b"\r\nBDAT ")? + 2
    };
    let line_end = at + find(&sent[at..], b"\r\n")? + 2;
    let line = std::str::from_utf8(&sent[at..line_end]).ok()?;
    let size: usize = line
        .strip_prefix("BDAT ")?
        .strip_suffix(" LAST\r\n")?
        .parse()
        .ok()?;
    Some(sent.get(line_end..line_end + size).map(<[u8]>::to_vec))
}

/// The DATA content a client sent, as on the wire (still dot-stuffed,
/// without the final ".\r\n"), found after the first "DATA" command line;
/// `None` when the content did not go out completely.
pub fn data_content(sent: &[u8]) -> Option<Vec<u8>> {
    let start = find(sent, b"\r\nDATA\r\n")? + b"\r\nDATA\r\n".len();
    let content = &sent[start..];
    if content.starts_with(b".\r\n") {
        return Some(Vec::new());
    }
    let end = find(content, b"\r\n.\r\n")? + 2;
    Some(content[..end].to_vec())
}

/// The body decoded by its Content-Transfer-Encoding (absent = 7bit);
/// returns the encoding's name (lower case) and the decoded octets.
pub fn decode_body(header: &[u8], body: &[u8]) -> (String, Vec<u8>) {
    let encoding = header_fields(header)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map_or_else(
            || "7bit".to_string(),
            |(_, v)| v.trim().to_ascii_lowercase(),
        );
    let decoded = match encoding.as_str() {
        "7bit" | "8bit" | "binary" => body.to_vec(),
        "quoted-printable" => decode_qp(body),
        other => panic!("unexpected Content-Transfer-Encoding {other:?}"),
    };
    (encoding, decoded)
}

/// RFC 2045 §6.7 quoted-printable decoding of CR LF text.
pub fn decode_qp(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let (line, hard_break) = match find(rest, b"\r\n") {
            Some(p) => (&rest[..p], true),
            None => (rest, false),
        };
        rest = &rest[(line.len() + 2).min(rest.len())..];
        // Transport padding (trailing white space) is not part of the text.
        let end = line
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |p| p + 1);
        let line = &line[..end];
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(l) => (l, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            if line[i] == b'=' {
                let (Some(hi), Some(lo)) = (
                    line.get(i + 1).and_then(|&b| hex(b)),
                    line.get(i + 2).and_then(|&b| hex(b)),
                ) else {
                    panic!(
                        "malformed quoted-printable: {:?}",
                        String::from_utf8_lossy(line)
                    );
                };
                out.push(hi << 4 | lo);
                i += 3;
            } else {
                out.push(line[i]);
                i += 1;
            }
        }
        if hard_break && !soft {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}
