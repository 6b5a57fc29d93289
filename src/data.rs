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

/// Each input byte makes at most this many output bytes.
pub(crate) const MAX_EXPANSION: usize = 2;

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

    /// Encodes as much of `input` as fits in `out`; returns (bytes consumed,
    /// bytes written). Progress is guaranteed when `out` holds at least
    /// `MAX_EXPANSION` bytes.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let mut consumed = 0;
        let mut written = 0;
        for &b in input {
            // Stop while the worst case still fits, so a byte is never
            // half-processed.
            if out.len().saturating_sub(written) < MAX_EXPANSION {
                break;
            }
            let mut pair = [0u8; 2];
            let n = self.step(b, &mut pair);
            let room = out.get_mut(written..).unwrap_or_default();
            written += crate::bytes::copy(room, pair.get(..n).unwrap_or_default());
            consumed += 1;
        }
        (consumed, written)
    }

    /// One input byte; writes 0, 1 or 2 bytes into `pair`.
    fn step(&mut self, b: u8, pair: &mut [u8; 2]) -> usize {
        match b {
            b'\n' if self.after_cr => {
                self.after_cr = false;
                0
            }
            b'\r' | b'\n' => {
                *pair = *b"\r\n";
                self.after_cr = b == b'\r';
                self.at_line_start = true;
                2
            }
            _ => {
                let stuff = self.at_line_start && b == b'.';
                self.after_cr = false;
                self.at_line_start = false;
                *pair = [b'.', b];
                if stuff {
                    2
                } else {
                    pair[0] = b;
                    1
                }
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_in_pieces(body: &[u8], cuts: &[usize], out_size: usize) -> Vec<u8> {
        let mut enc = DotStuffer::new();
        let mut wire = Vec::new();
        let mut start = 0;
        let mut bounds: Vec<usize> = cuts.iter().copied().filter(|&c| c <= body.len()).collect();
        bounds.sort();
        bounds.push(body.len());
        for end in bounds {
            let mut piece = &body[start.min(end)..end];
            while !piece.is_empty() {
                let mut out = vec![0u8; out_size];
                let (used, n) = enc.encode(piece, &mut out);
                assert!(used > 0, "no progress");
                wire.extend_from_slice(&out[..n]);
                piece = &piece[used..];
            }
            start = start.max(end);
        }
        wire.extend_from_slice(enc.finish());
        wire
    }

    fn encode(body: &[u8]) -> Vec<u8> {
        encode_in_pieces(body, &[], 64)
    }

    /// What a receiver does (RFC 5321 §4.5.2): strip the end-of-data line
    /// and one leading dot from each line.
    fn destuff(wire: &[u8]) -> Vec<u8> {
        assert!(wire.ends_with(b"\r\n.\r\n") || wire == b".\r\n", "{wire:?}");
        let body = &wire[..wire.len() - 3];
        let mut out = Vec::new();
        for line in body.split_inclusive(|&b| b == b'\n') {
            out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        }
        out
    }

    /// The body as the encoder should canonicalise it.
    fn canonical(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < body.len() {
            match body[i] {
                b'\r' if body.get(i + 1) == Some(&b'\n') => {
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

    fn assert_clean(wire: &[u8]) {
        for (i, &b) in wire.iter().enumerate() {
            if b == b'\r' {
                assert_eq!(wire.get(i + 1), Some(&b'\n'), "bare CR at {i}");
            }
            if b == b'\n' {
                assert!(i > 0 && wire[i - 1] == b'\r', "bare LF at {i}");
            }
        }
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
        assert_eq!(encode_in_pieces(b"a\r\n.b", &[2], 64), b"a\r\n..b\r\n.\r\n");
        assert_eq!(
            encode_in_pieces(b"a\r\n.b", &[1, 2, 3, 4], 2),
            b"a\r\n..b\r\n.\r\n"
        );
    }

    #[test]
    fn full_buffer_stops_without_losing_state() {
        let mut enc = DotStuffer::new();
        let mut out = [0u8; 1];
        // "." needs two bytes: nothing consumed, nothing written.
        assert_eq!(enc.encode(b".", &mut out), (0, 0));
        assert_eq!(enc, DotStuffer::new());
    }

    /// Property: for random bodies split at random points and random output
    /// sizes, the de-stuffed wire equals the canonical body and no bare CR or
    /// LF appears.
    #[test]
    fn property_random_bodies_and_splits() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"..\r\n\r\nab \x00\xff";
        for _ in 0..3000 {
            let len = (next() % 64) as usize;
            let body: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let cuts: Vec<usize> = (0..(next() % 5))
                .map(|_| (next() % (len as u64 + 1)) as usize)
                .collect();
            let out_size = 2 + (next() % 8) as usize;
            let wire = encode_in_pieces(&body, &cuts, out_size);
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
