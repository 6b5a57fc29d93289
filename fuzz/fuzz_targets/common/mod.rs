// SPDX-License-Identifier: MIT OR Apache-2.0
//! What the targets share: a [`Mail`] over owned fields, a small
//! deterministic generator, and the wire checks (canonical line breaks,
//! de-stuffing) the unit tests of the engine use too; `ends` finds the
//! message on the wire (DATA or a BDAT chunk); `base64` is a reference
//! decoder; `capi` fills and calls the C API.
#![allow(dead_code)]

pub mod base64;
pub mod capi;
pub mod ends;

use ip_smtpc::check::MAX_HEADER;
use ip_smtpc::mail::{Entry, Mail};

/// A mail over owned bytes (the engine's view of the caller's input).
#[derive(Clone, Debug, Default)]
pub struct FuzzMail {
    /// (display name, address, kind); entry 0 is the sender.
    pub entries: Vec<(Vec<u8>, Option<Vec<u8>>, i32)>,
    pub subject: Vec<u8>,
    pub body: Vec<u8>,
    pub user: Vec<u8>,
    pub password: Vec<u8>,
    pub domain: Vec<u8>,
    pub timezone: Vec<u8>,
    pub reply_to: Vec<u8>,
    pub headers: Vec<Vec<u8>>,
    /// (file name, content type) of each multipart item.
    pub items: Vec<(Vec<u8>, Vec<u8>)>,
    pub boundary: Vec<u8>,
    pub streamed: bool,
    /// The bearer token (`IP_SMTPC_OPTIONS.sOAuthToken`), empty = none.
    pub token: Vec<u8>,
}

impl Mail for FuzzMail {
    fn count(&self) -> usize {
        self.entries.len()
    }
    fn entry(&self, i: usize) -> Entry<'_> {
        self.entries
            .get(i)
            .map(|(n, a, k)| Entry {
                name: n,
                addr: a.as_deref().unwrap_or_default(),
                null: a.is_none(),
                kind: *k,
            })
            .unwrap_or_default()
    }
    fn subject(&self) -> &[u8] {
        &self.subject
    }
    fn body(&self) -> &[u8] {
        &self.body
    }
    fn user(&self) -> &[u8] {
        &self.user
    }
    fn password(&self) -> &[u8] {
        &self.password
    }
    fn domain(&self) -> &[u8] {
        &self.domain
    }
    fn timezone(&self) -> &[u8] {
        &self.timezone
    }
    fn reply_to(&self) -> &[u8] {
        &self.reply_to
    }
    fn headers(&self) -> usize {
        self.headers.len()
    }
    fn header(&self, i: usize) -> Option<&[u8]> {
        // As `capi::view`: a line over IP_SMTPC_MAX_HEADER_LEN reads as none.
        self.headers
            .get(i)
            .map(Vec::as_slice)
            .filter(|h| h.len() <= MAX_HEADER)
    }
    fn items(&self) -> usize {
        self.items.len()
    }
    // The targets' oracles know the generated header only; complete messages
    // (`raw`) are covered by the engine's and tests/capi_raw.rs's cases.
    fn raw(&self) -> bool {
        false
    }
    fn item(&self, i: usize) -> (&[u8], &[u8]) {
        self.items
            .get(i)
            .map_or((&b""[..], &b""[..]), |(n, t)| (n.as_slice(), t.as_slice()))
    }
    fn item_unstreamable(&self, _i: usize) -> bool {
        false
    }
    fn boundary(&self) -> &[u8] {
        &self.boundary
    }
    fn streamed_body(&self) -> bool {
        self.streamed
    }
    // No delivery status notifications: the targets' oracles do not know
    // the DSN parameters (the engine's and tests/capi_ex.rs's cases do).
    fn dsn(&self) -> ip_smtpc::dsn::Dsn<'_> {
        ip_smtpc::dsn::Dsn::default()
    }
    fn token(&self) -> &[u8] {
        &self.token
    }
}

/// xorshift, for chunk sizes and out-of-turn calls.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cuts `input` into pieces whose lengths are the bytes of `lengths`
/// (the rest is the last piece).
pub fn pieces<'a>(input: &'a [u8], lengths: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut left = input;
    for &len in lengths {
        let (piece, tail) = left.split_at(usize::from(len).min(left.len()));
        out.push(piece);
        left = tail;
    }
    out.push(left);
    out
}

/// Every line break of `text` (CR LF, bare CR, bare LF) as CR LF, and a
/// last line without one closed: what the body encoders must carry.
pub fn canonical(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        if b == b'\r' || b == b'\n' {
            if b == b'\r' && text.get(i) == Some(&b'\n') {
                i += 1;
            }
            out.extend_from_slice(b"\r\n");
        } else {
            out.push(b);
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Panics at a CR not followed by LF or a LF not preceded by CR.
pub fn assert_clean(wire: &[u8]) {
    for (i, &b) in wire.iter().enumerate() {
        if b == b'\r' {
            assert_eq!(wire.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
        if b == b'\n' {
            assert!(i > 0 && wire[i - 1] == b'\r', "bare LF at {i}");
        }
    }
}

/// The lines of a clean `wire` (CR LF removed; a last unterminated part too).
pub fn lines(wire: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        match rest.windows(2).position(|w| w == b"\r\n") {
            Some(p) => {
                out.push(&rest[..p]);
                rest = &rest[p + 2..];
            }
            None => {
                out.push(rest);
                rest = b"";
            }
        }
    }
    out
}

/// What a receiver keeps of DATA content `wire` (RFC 5321 §4.5.2): the
/// lines up to the lone ".", each without one leading dot; panics when the
/// end-of-data line is missing or anything follows it.
pub fn destuff(wire: &[u8]) -> Vec<u8> {
    let all = lines(wire);
    assert!(wire.ends_with(b"\r\n"), "content not ended by CR LF");
    let end = all
        .iter()
        .position(|l| *l == b".")
        .expect("no end-of-data line");
    assert_eq!(end + 1, all.len(), "lines after the end of data");
    let mut out = Vec::new();
    for line in &all[..end] {
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Quoted-printable (RFC 2045 §6.7) of a de-stuffed text back to bytes;
/// panics on anything the encoder must not write.
pub fn qp_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines(text) {
        assert!(line.len() <= 76, "quoted-printable line of {}", line.len());
        assert!(line.first() != Some(&b'-'), "a line starting with '-'");
        assert!(
            !matches!(line.last(), Some(b' ' | b'\t')),
            "white space at a line's end"
        );
        let (line, soft) = match line.strip_suffix(b"=") {
            Some(l) => (l, true),
            None => (line, false),
        };
        let mut i = 0;
        while i < line.len() {
            let b = line[i];
            assert!(
                b == b'\t' || (b' '..=b'~').contains(&b),
                "byte {b:#x} written as it is"
            );
            if b == b'=' {
                let hi = line.get(i + 1).copied().and_then(hex).expect("bad escape");
                let lo = line.get(i + 2).copied().and_then(hex).expect("bad escape");
                out.push(hi << 4 | lo);
                i += 3;
            } else {
                out.push(b);
                i += 1;
            }
        }
        if !soft {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// Asserts that a STARTTLS handshake comes in turn: the client's last
/// command was STARTTLS and the server's last bytes were a complete 220
/// reply, nothing after it.
pub fn assert_starttls_turn(sent: &[u8], delivered: &[u8]) {
    assert!(sent.ends_with(b"\r\nSTARTTLS\r\n"), "handshake out of turn");
    assert!(delivered.ends_with(b"\r\n"), "handshake mid-line");
    let body = &delivered[..delivered.len() - 2];
    let last = &body[body.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)..];
    assert!(
        last.starts_with(b"220") && matches!(last.get(3), None | Some(b' ')),
        "handshake without 220: {:?}",
        String::from_utf8_lossy(last)
    );
}
