// SPDX-License-Identifier: MIT OR Apache-2.0
//! Base64 (RFC 4648 §4): the one encoder of the library.
//!
//! [`encode_group`] is the core; [`put_concatenated`] writes a SASL response
//! (no line breaks) and [`Base64Lines`] streams MIME content in 76-character
//! lines with its state carried across calls. The `base64` crate was measured
//! at about 1.3 KB of Cortex-M4 code for its encoder alone (see the README's
//! dependency table).

use crate::cursor::Out;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Renders the base64 encoding of the concatenation of `parts`, with padding
/// and without line breaks.
pub fn put_concatenated(cursor: &mut dyn Out, parts: &[&[u8]]) {
    let mut group = [0u8; 3];
    let mut filled = 0usize;
    for &b in parts.iter().flat_map(|p| p.iter()) {
        if let Some(slot) = group.get_mut(filled) {
            *slot = b;
        }
        filled += 1;
        if filled == 3 {
            cursor.put(&encode_group(group, 3));
            filled = 0;
        }
    }
    if filled > 0 {
        cursor.put(&encode_group(group, filled));
    }
}

/// Encodes the first `len` (1..=3) bytes of `group` as four characters,
/// padded with "="; the bytes after the first `len` are ignored.
pub fn encode_group(group: [u8; 3], len: usize) -> [u8; 4] {
    let byte = |i: usize| match group.get(i) {
        Some(&b) if i < len => u32::from(b),
        _ => 0,
    };
    let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    let mut chars = [b'='; 4];
    for (i, c) in chars.iter_mut().enumerate().take(len + 1) {
        let index = (n >> (18 - 6 * i)) & 63;
        *c = ALPHABET.get(index as usize).copied().unwrap_or(b'=');
    }
    chars
}

/// Streaming MIME base64 (RFC 2045 §6.8): 76-character lines separated by
/// CR LF, any input split, no line break after the last line.
pub struct Base64Lines<'o> {
    out: &'o mut dyn Out,
    group: [u8; 3],
    filled: usize,
    column: usize,
}

impl<'o> Base64Lines<'o> {
    /// Characters per line.
    pub const LINE: usize = 76;

    /// An encoder writing to `out`.
    pub fn new(out: &'o mut dyn Out) -> Self {
        Base64Lines {
            out,
            group: [0; 3],
            filled: 0,
            column: 0,
        }
    }

    fn emit(&mut self, len: usize) {
        if self.column == Self::LINE {
            self.out.put(b"\r\n");
            self.column = 0;
        }
        self.out.put(&encode_group(self.group, len));
        self.column += 4;
    }

    /// Writes the last, padded group.
    pub fn finish(mut self) {
        if self.filled > 0 {
            self.emit(self.filled);
        }
    }
}

impl Out for Base64Lines<'_> {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.group.get_mut(self.filled) {
                *slot = b;
            }
            self.filled += 1;
            if self.filled == 3 {
                self.emit(3);
                self.filled = 0;
            }
        }
    }
}

/// Length of the encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::cursor::Cursor;
    use crate::testutil::Rng;

    fn encode(parts: &[&[u8]]) -> String {
        let mut out = vec![0u8; 256];
        let mut c = Cursor::new(&mut out, 0);
        put_concatenated(&mut c, parts);
        assert!(c.is_complete());
        let n = c.written();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn rfc4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(&[input.as_bytes()]), expected);
            assert_eq!(encoded_len(input.len()), expected.len());
        }
    }

    #[test]
    fn concatenation_matches_the_joined_input() {
        // RFC 4616 example: "\0tim\0tanstaaftanstaaf".
        assert_eq!(
            encode(&[b"\0", b"tim", b"\0", b"tanstaaftanstaaf"]),
            "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"
        );
        assert_eq!(encode(&[b"fo", b"", b"ob", b"ar"]), "Zm9vYmFy");
        assert_eq!(encode(&[&[0xff, 0xfe, 0xfd]]), "//79");
    }

    /// Reference decoder for the property test.
    fn decode(text: &[u8]) -> Vec<u8> {
        let value = |c: u8| ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
        let clean: Vec<u8> = text
            .iter()
            .copied()
            .filter(|&c| c != b'\r' && c != b'\n')
            .collect();
        let mut out = Vec::new();
        for quad in clean.chunks(4) {
            let pad = quad.iter().filter(|&&c| c == b'=').count();
            let n = quad.iter().fold(0u32, |acc, &c| {
                (acc << 6) | if c == b'=' { 0 } else { value(c) }
            });
            out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
        }
        out
    }

    /// Property: random data in random chunks decodes back; no line over 76.
    #[test]
    fn streaming_lines_round_trip() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next();
        for _ in 0..500 {
            let len = (next() % 700) as usize;
            let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let mut text: Vec<u8> = Vec::new();
            let mut enc = Base64Lines::new(&mut text);
            let mut rest = &data[..];
            while !rest.is_empty() {
                let n = 1 + (next() % 100) as usize;
                let (chunk, tail) = rest.split_at(n.min(rest.len()));
                enc.put(chunk);
                rest = tail;
            }
            enc.finish();
            assert_eq!(decode(&text), data);
            for line in text.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                assert!(
                    line.len() <= 76 && (line.len() % 4 == 0),
                    "line {}",
                    line.len()
                );
            }
            assert!(!text.ends_with(b"\n"));
            assert_eq!(
                text.len(),
                encoded_len(len) + 2 * ((encoded_len(len).max(1) - 1) / 76)
            );
        }
    }
}
