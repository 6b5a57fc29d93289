// SPDX-License-Identifier: MIT OR Apache-2.0
//! The body on the wire: CR LF canonicalisation and dot-stuffing (RFC 5321
//! §4.5.2), then the end-of-data line. Chunk-safe: it stops before a token
//! that does not fit and resumes from [`Body`] on the next call.
//!
//! CR LF, a bare CR and a bare LF each become CR LF, so no bare CR or LF
//! ever reaches the wire; a line starting with "." gets a second one.

use crate::writer::Writer;

/// Where the body stands between calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Body {
    /// Body bytes consumed.
    pub pos: usize,
    /// The next byte starts a line.
    pub bol: bool,
}

impl Default for Body {
    fn default() -> Self {
        Body { pos: 0, bol: true }
    }
}

impl Body {
    /// Writes as much of `body` and then `end` (the end-of-data line, and
    /// QUIT after it under PIPELINING) as fits; `true` when `end` is
    /// written. The writer must have no skip.
    #[inline(always)]
    pub fn put(&mut self, w: &mut Writer<'_>, body: &[u8], end: &[u8]) -> bool {
        while let Some(&b) = body.get(self.pos) {
            if w.room() < 2 {
                return false;
            }
            self.pos += 1;
            if b == b'\r' || b == b'\n' {
                if b == b'\r' && body.get(self.pos) == Some(&b'\n') {
                    self.pos += 1;
                }
                w.put(b"\r\n");
                self.bol = true;
            } else {
                if self.bol && b == b'.' {
                    w.stuff();
                }
                w.byte(b);
                self.bol = false;
            }
        }
        if w.room() < end.len() + 2 {
            return false;
        }
        if !self.bol {
            w.put(b"\r\n");
        }
        w.put(end);
        true
    }
}

/// Bytes [`Body::put`] writes for `body` without the end-of-data line
/// ".\r\n": the message size SIZE counts (RFC 1870 §3), with the header;
/// without the stuffing dots when not `stuffed` (a BDAT chunk).
#[cfg(feature = "size")]
pub fn wire_len(body: &[u8], stuffed: bool) -> usize {
    let (mut n, mut bol, mut i) = (0, true, 0);
    while let Some(&b) = body.get(i) {
        i += 1;
        if b == b'\r' || b == b'\n' {
            if b == b'\r' && body.get(i) == Some(&b'\n') {
                i += 1;
            }
            n += 2;
            bol = true;
        } else {
            n += 1 + usize::from(stuffed && bol && b == b'.');
            bol = false;
        }
    }
    n + if bol { 0 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire for `body` through buffers of `size` bytes.
    fn wire(body: &[u8], size: usize) -> Vec<u8> {
        let mut state = Body::default();
        let mut out = Vec::new();
        loop {
            let mut buf = vec![0xAA; size];
            let mut w = Writer::new(&mut buf, 0);
            let done = state.put(&mut w, body, b".\r\n");
            let n = w.len();
            out.extend_from_slice(&buf[..n]);
            if done {
                return out;
            }
        }
    }

    #[test]
    fn canonical_and_stuffed_at_every_size() {
        let cases: [(&[u8], &[u8]); 7] = [
            (b"", b".\r\n"),
            (b"a", b"a\r\n.\r\n"),
            (b"a\r\n", b"a\r\n.\r\n"),
            (b".\n..x\r\n.", b"..\r\n...x\r\n..\r\n.\r\n"),
            (b"a\rb\nc\r\n\r\nd", b"a\r\nb\r\nc\r\n\r\nd\r\n.\r\n"),
            (b"\n\r", b"\r\n\r\n.\r\n"),
            (b"x.y\r\n.\r\n", b"x.y\r\n..\r\n.\r\n"),
        ];
        for (body, expected) in cases {
            for size in 5..24 {
                assert_eq!(wire(body, size), expected, "{body:?} at {size}");
            }
        }
    }

    #[cfg(feature = "size")]
    #[test]
    fn wire_len_is_what_put_writes_before_the_dot() {
        for body in [
            &b""[..],
            b"a",
            b".",
            b"a\r\n",
            b"a\rb\nc\r\n.d\n..\n",
            b"\r\r\n\n.",
        ] {
            assert_eq!(wire_len(body, true) + 3, wire(body, 64).len(), "{body:?}");
        }
    }

    #[test]
    fn no_bare_cr_or_lf_ever() {
        let body: Vec<u8> = (0..600u32)
            .map(|i| [b'\r', b'\n', b'.', b'a'][(i * 7 % 11 % 4) as usize])
            .collect();
        let out = wire(&body, 7);
        for (i, &b) in out.iter().enumerate() {
            if b == b'\r' {
                assert_eq!(out.get(i + 1), Some(&b'\n'));
            }
            if b == b'\n' {
                assert_eq!(out[i - 1], b'\r');
            }
        }
        assert!(out.ends_with(b"\r\n.\r\n"));
    }
}
