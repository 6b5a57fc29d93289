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
        if !self.text(w, body) || w.room() < end.len() + 2 {
            return false;
        }
        if !self.bol {
            w.put(b"\r\n");
        }
        w.put(end);
        true
    }

    /// Writes as much of `body` as fits (two bytes of room a byte), CR LF
    /// line ends and dot-stuffed; `true` once all of it is written.
    #[inline(always)]
    pub fn text(&mut self, w: &mut Writer<'_>, body: &[u8]) -> bool {
        while let Some(&b) = body.get(self.pos) {
            if w.room() < 2 {
                return false;
            }
            let run = run(body.get(self.pos..).unwrap_or_default(), self.bol, false);
            if !run.is_empty() {
                let run = run.get(..w.room()).unwrap_or(run);
                w.copy(run);
                self.pos += run.len();
                self.bol = false;
                continue;
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
        true
    }
}

/// The bytes at the start of `rest` that go out unchanged, to be taken at
/// once: up to the next CR or LF (with `high`, also the next byte above
/// 127); none when `rest` starts a line (`bol`) with a dot. Hosted builds
/// (64-bit targets) only, eight bytes at a time: firmware builds get an
/// empty run and take every byte through the byte path, which costs less
/// ROM.
#[cfg(target_pointer_width = "64")]
pub fn run(rest: &[u8], bol: bool, high: bool) -> &[u8] {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    if bol && rest.first() == Some(&b'.') {
        return &[];
    }
    let stop = if high { TOPS } else { 0 };
    // A zero byte in x: (x - ONES) & !x & TOPS is not 0.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & TOPS;
    let mut i = 0;
    for chunk in rest.chunks_exact(8) {
        let v = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        if zero(v ^ (ONES * 0x0d)) | zero(v ^ (ONES * 0x0a)) | (v & stop) != 0 {
            break;
        }
        i += 8;
    }
    let tail = rest.get(i..).unwrap_or_default();
    let end = |&b: &u8| b == b'\r' || b == b'\n' || (high && b > 127);
    let n = tail.iter().position(end).unwrap_or(tail.len());
    rest.get(..i + n).unwrap_or_default()
}

/// Firmware builds: no run, every byte goes through the byte path.
#[cfg(not(target_pointer_width = "64"))]
#[inline(always)]
pub fn run(_: &[u8], _: bool, _: bool) -> &'static [u8] {
    &[]
}

/// Bytes [`Body::put`] writes for `body` without the end-of-data line
/// ".\r\n": the message size SIZE counts (RFC 1870 §3), with the header;
/// without the stuffing dots when not `stuffed` (a BDAT chunk).
#[cfg(feature = "size")]
pub fn wire_len(body: &[u8], stuffed: bool) -> usize {
    let (mut n, mut bol, mut i) = (0, true, 0);
    while let Some(&b) = body.get(i) {
        let run = run(body.get(i..).unwrap_or_default(), bol, false).len();
        if run > 0 {
            (n, i, bol) = (n + run, i + run, false);
            continue;
        }
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

/// A xorshift generator for the tests: `next(n)` is a number below `n`.
#[cfg(test)]
pub fn rng(mut seed: u32) -> impl FnMut(u32) -> u32 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed % n
    }
}

/// Up to `most` of `pieces`, picked by `next`, one after the other (tests).
#[cfg(test)]
pub fn mix(next: &mut impl FnMut(u32) -> u32, pieces: &[&[u8]], most: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..next(most) {
        out.extend_from_slice(pieces[next(pieces.len() as u32) as usize]);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The wire for `body` through buffers of `size` bytes.
    pub(crate) fn wire(body: &[u8], size: usize) -> Vec<u8> {
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

    /// Runs taken at once (hosted builds) give the wire of a plain
    /// byte-by-byte stuffer, and `wire_len` counts it, for bodies of long
    /// and short lines, leading dots, bare CRs and LFs, 8-bit bytes.
    #[test]
    fn runs_give_the_bytes_of_the_byte_path() {
        // The wire by another route: line breaks unified as text, then
        // every line stuffed and closed with CR LF.
        let reference = |body: &[u8]| {
            let text: String = body.iter().map(|&b| char::from(b)).collect();
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut lines: Vec<&str> = text.split('\n').collect();
            if lines.last() == Some(&"") {
                lines.pop();
            }
            let mut wire = String::new();
            for line in lines {
                if line.starts_with('.') {
                    wire.push('.');
                }
                wire.push_str(line);
                wire.push_str("\r\n");
            }
            wire.push_str(".\r\n");
            wire.chars().map(|c| c as u8).collect::<Vec<u8>>()
        };
        let mut next = rng(0x2545_f491);
        let pieces: [&[u8]; 8] = [
            b"text",
            b".",
            b"\r\n",
            b"\n",
            b"\r",
            b"\xe4\x00 ",
            b"0123456789abcdefghij",
            b"..",
        ];
        for _ in 0..300 {
            let body = mix(&mut next, &pieces, 50);
            let expected = reference(&body);
            assert_eq!(wire(&body, 5 + next(40) as usize), expected, "{body:?}");
            #[cfg(feature = "size")]
            assert_eq!(wire_len(&body, true) + 3, expected.len(), "{body:?}");
        }
    }
}
