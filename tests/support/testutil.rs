// SPDX-License-Identifier: MIT OR Apache-2.0
//! Helpers shared by the unit tests.

/// A xorshift generator: deterministic random test data without a crate.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Text as the DATA and quoted-printable encoders canonicalise it: CR LF,
/// bare CR and bare LF become CR LF, and non-empty text ends with CR LF.
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

/// What a receiver does: lines up to the one that is just ".", each with
/// one leading dot removed. Panics unless that line is the last one and
/// every line ends in CR LF.
pub fn destuff(wire: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut lines = wire.split_inclusive(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let text = line
            .strip_suffix(b"\r\n")
            .unwrap_or_else(|| panic!("line without CR LF: {line:?}"));
        if text == b"." {
            assert!(
                lines.peek().is_none(),
                "end of data before the end: {wire:?}"
            );
            return body;
        }
        body.extend_from_slice(text.strip_prefix(b".").unwrap_or(text));
        body.extend_from_slice(b"\r\n");
    }
    panic!("no end of data: {wire:?}");
}

/// Panics on a bare CR or LF anywhere in `wire`.
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
