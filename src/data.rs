// SPDX-License-Identifier: MIT OR Apache-2.0
//! DATA stream encoder (RFC 5321 §4.5.2 and §2.3.8).
//!
//! Turns arbitrary body bytes into a clean DATA stream:
//! - every CR LF, bare CR and bare LF becomes CR LF (no bare CR or LF ever
//!   reaches the wire: SMTP smuggling needs them);
//! - a line starting with "." gets a second "." (the first line included);
//! - [`DotStuffer::finish`] adds a final CR LF when the body does not end
//!   with one, then the end-of-data line ".".
//!
//! State is carried across calls, so the body may arrive in pieces split at
//! any byte, including between CR and LF.

use crate::cursor::Out;

/// The streaming encoder's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DotStuffer {
    at_line_start: bool,
    after_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        DotStuffer::new()
    }
}

/// The end-of-data sequence after a body that ends in CR LF.
pub(crate) const END_OF_DATA: &[u8] = b".\r\n";

impl DotStuffer {
    /// An encoder at the start of the body.
    pub const fn new() -> Self {
        DotStuffer {
            at_line_start: true,
            after_cr: false,
        }
    }

    /// Encodes `input` into `out`. Runs of ordinary bytes are passed on as
    /// one slice; only line breaks and line-leading dots are handled one by one.
    pub fn feed(&mut self, input: &[u8], out: &mut dyn Out) {
        let mut rest = input;
        while let Some((&b, tail)) = rest.split_first() {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    out.put(b"\r\n");
                    self.after_cr = b == b'\r';
                    self.at_line_start = true;
                }
                _ => {
                    if self.at_line_start && b == b'.' {
                        out.byte(b'.');
                    }
                    // The run up to the next line break goes out unchanged.
                    let run = rest
                        .iter()
                        .position(|&c| c == b'\r' || c == b'\n')
                        .unwrap_or(rest.len());
                    let (plain, after) = rest.split_at_checked(run).unwrap_or((rest, &[]));
                    out.put(plain);
                    self.after_cr = false;
                    self.at_line_start = false;
                    rest = after;
                    continue;
                }
            }
            rest = tail;
        }
    }

    /// The bytes that end the DATA stream: CR LF if the last line is
    /// unterminated, then ".\r\n".
    pub fn finish(&self) -> &'static [u8] {
        if self.at_line_start {
            END_OF_DATA
        } else {
            b"\r\n.\r\n"
        }
    }

    /// `true` when the output so far ends with a line break (or is empty).
    pub fn at_line_start(&self) -> bool {
        self.at_line_start
    }
}

/// An [`Out`] that dot-stuffs and canonicalises everything written through it.
pub struct Stuffed<'o> {
    /// Where the DATA stream goes.
    pub out: &'o mut dyn Out,
    /// The encoder's state.
    pub state: DotStuffer,
}

impl Out for Stuffed<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.state.feed(bytes, self.out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_clean, canonical, destuff, Rng};

    fn encode_in_pieces(body: &[u8], cuts: &[usize]) -> Vec<u8> {
        let mut enc = DotStuffer::new();
        let mut wire = Vec::new();
        let mut start = 0;
        let mut bounds: Vec<usize> = cuts.iter().copied().filter(|&c| c <= body.len()).collect();
        bounds.sort();
        bounds.push(body.len());
        for end in bounds {
            enc.feed(&body[start.min(end)..end], &mut wire);
            start = start.max(end);
        }
        wire.extend_from_slice(enc.finish());
        wire
    }

    fn encode(body: &[u8]) -> Vec<u8> {
        encode_in_pieces(body, &[])
    }

    #[test]
    fn golden_cases() {
        for (body, wire) in [
            (&b""[..], &b".\r\n"[..]),
            (b".", b"..\r\n.\r\n"),
            (b"a\r\n.\r\nb", b"a\r\n..\r\nb\r\n.\r\n"),
            (b"\n.\n", b"\r\n..\r\n.\r\n"),
            (b"x\r\r\ny", b"x\r\n\r\ny\r\n.\r\n"),
            (b"bare\rcr", b"bare\r\ncr\r\n.\r\n"),
            (b".leading\n..two\n", b"..leading\r\n...two\r\n.\r\n"),
            (b"no newline", b"no newline\r\n.\r\n"),
            (b"mid.dot\r\n", b"mid.dot\r\n.\r\n"),
        ] {
            assert_eq!(encode(body), wire, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn crlf_split_across_pieces_stays_one_line_break() {
        assert_eq!(encode_in_pieces(b"a\r\n.b", &[2]), b"a\r\n..b\r\n.\r\n");
        assert_eq!(
            encode_in_pieces(b"a\r\n.b", &[1, 2, 3, 4]),
            b"a\r\n..b\r\n.\r\n"
        );
    }

    /// Property: for random bodies split at random points, the de-stuffed wire equals the canonical body and no bare CR or
    /// LF appears.
    #[test]
    fn property_random_bodies_and_splits() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut next = move || rng.next();
        let alphabet = b"..\r\n\r\nab \x00\xff";
        for _ in 0..3000 {
            let len = (next() % 64) as usize;
            let body: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let cuts: Vec<usize> = (0..(next() % 5))
                .map(|_| (next() % (len as u64 + 1)) as usize)
                .collect();
            let wire = encode_in_pieces(&body, &cuts);
            assert_clean(&wire);
            assert_eq!(
                destuff(&wire),
                canonical(&body),
                "body {body:?} cuts {cuts:?}"
            );
            assert_eq!(wire, encode(&body), "split-independent");
        }
    }
}
