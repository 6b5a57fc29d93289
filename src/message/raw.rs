// SPDX-License-Identifier: MIT OR Apache-2.0
//! A complete RFC 5322 message given by the caller
//! (`IP_SMTPC_OPTIONS.RawMessage`): sent as it is, without a generated
//! header block or MIME structure.
//!
//! The library still dot-stuffs it and makes its line ends CR LF (the DATA
//! encoder does both), declares `BODY=8BITMIME` when it carries 8-bit bytes
//! and the server offers the extension, and refuses it when it cannot go
//! out intact:
//! - a line over 998 octets (RFC 5322 §2.1.1; a leading dot counts twice,
//!   as it does on the wire): `Error::InvalidBody`, before connecting for a
//!   static message, before the final dot for a streamed one;
//! - 8-bit bytes to a server that does not offer 8BITMIME:
//!   `Error::EightBitUnsupported`, before MAIL FROM for a static message,
//!   before the final dot for a streamed one. Nothing is converted:
//!   re-encoding would change the message the caller signed or archived.
//!
//! SMTPUTF8 (RFC 6531: UTF-8 addresses and header fields) is not in the
//! library: a message whose header carries raw UTF-8 goes out as 8-bit
//! data under 8BITMIME, which a server may refuse.

use super::content::Parts;
use crate::cursor::Out;
use crate::error::Error;

/// RFC 5322 §2.1.1: at most 998 octets per line, CR LF excluded.
pub const MAX_LINE: usize = 998;

/// What a scan of the message found so far; fed in pieces split anywhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Octets of the current line, as sent (a leading dot counts twice).
    line: usize,
    /// An octet of 0x80 or more was seen.
    pub eight_bit: bool,
    /// A line was longer than [`MAX_LINE`].
    pub too_long: bool,
}

impl Scan {
    /// Scans `bytes`, the continuation of what was fed before.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\r' || b == b'\n' {
                self.line = 0;
                continue;
            }
            self.line += if self.line == 0 && b == b'.' { 2 } else { 1 };
            self.too_long |= self.line > MAX_LINE;
            self.eight_bit |= b >= 0x80;
        }
    }
}

/// Checks a static message before connecting: `Ok(true)` when it has 8-bit
/// bytes, `Err(InvalidBody)` when a line is over 998 octets.
pub fn check(message: &[u8]) -> Result<bool, Error> {
    let mut scan = Scan::default();
    scan.feed(message);
    if scan.too_long {
        return Err(Error::InvalidBody);
    }
    Ok(scan.eight_bit)
}

/// An [`Out`] that passes a streamed message on while it is fit to send,
/// and drops everything from the first piece that is not.
struct Checked<'o> {
    out: &'o mut dyn Out,
    scan: Scan,
    eight_bit_allowed: bool,
    error: Option<Error>,
}

impl Checked<'_> {
    fn verdict(&self) -> Option<Error> {
        if self.scan.too_long {
            Some(Error::InvalidBody)
        } else if self.scan.eight_bit && !self.eight_bit_allowed {
            Some(Error::EightBitUnsupported)
        } else {
            None
        }
    }
}

impl Out for Checked<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        self.scan.feed(bytes);
        self.error = self.verdict();
        if self.error.is_none() {
            self.out.put(bytes);
        }
    }
}

/// Writes the message into `out` (which dot-stuffs it): `body`, or the
/// caller's stream when `parts` has one. A streamed message that turns out
/// unfit (see the module) is cut off with its error, so the session sends
/// no end-of-data line and nothing is delivered.
pub fn put(
    out: &mut dyn Out,
    body: &[u8],
    parts: &mut dyn Parts,
    eight_bit_allowed: bool,
) -> Result<(), Error> {
    if !parts.has_body_stream() {
        out.put(body);
        return Ok(());
    }
    let mut checked = Checked {
        out,
        scan: Scan::default(),
        eight_bit_allowed,
        error: None,
    };
    parts.stream_body(&mut checked)?;
    checked.error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::content::{Attachment, NoParts};

    struct Stream(Vec<u8>, usize);

    impl Parts for Stream {
        fn count(&self) -> usize {
            0
        }
        fn attachment(&self, _index: usize) -> Option<Attachment<'_>> {
            None
        }
        fn stream(&mut self, _index: usize, _out: &mut dyn Out) -> Result<(), Error> {
            Ok(())
        }
        fn has_body_stream(&self) -> bool {
            true
        }
        fn stream_body(&mut self, out: &mut dyn Out) -> Result<(), Error> {
            for chunk in self.0.chunks(self.1) {
                out.put(chunk);
            }
            Ok(())
        }
    }

    #[test]
    fn line_limit_is_998_octets_as_sent() {
        let mut line = vec![b'x'; 998];
        assert_eq!(check(&line), Ok(false));
        line.push(b'x');
        assert_eq!(check(&line), Err(Error::InvalidBody));
        let mut dotted = vec![b'.'];
        dotted.extend_from_slice(&[b'x'; 997]);
        assert_eq!(check(&dotted), Err(Error::InvalidBody));
        let mut broken = vec![b'x'; 998];
        broken.extend_from_slice(b"\r\n");
        broken.extend_from_slice(&[b'y'; 998]);
        broken.push(b'\n');
        broken.extend_from_slice(&[b'z'; 998]);
        assert_eq!(check(&broken), Ok(false));
        assert_eq!(check("Subject: caf\u{e9}\r\n".as_bytes()), Ok(true));
    }

    #[test]
    fn scan_is_split_independent() {
        let text = [&[b'a'; 600][..], &[b'b'; 399]].concat();
        for cut in [0, 1, 599, 600, 998] {
            let mut scan = Scan::default();
            scan.feed(&text[..cut]);
            scan.feed(&text[cut..]);
            assert!(scan.too_long, "cut at {cut}");
        }
    }

    #[test]
    fn static_message_goes_out_as_given() {
        let mut out = Vec::new();
        let message = b"From: a@x.test\r\nSubject: hi\r\n\r\nbody\n";
        assert_eq!(put(&mut out, message, &mut NoParts, false), Ok(()));
        assert_eq!(out, message);
    }

    #[test]
    fn streamed_message_is_cut_off_when_unfit() {
        let good = b"From: a@x.test\r\n\r\nhello\r\n".to_vec();
        let mut out = Vec::new();
        assert_eq!(
            put(&mut out, b"", &mut Stream(good.clone(), 3), false),
            Ok(())
        );
        assert_eq!(out, good);

        let eight = "Subject: \u{e9}\r\n\r\nx\r\n".as_bytes().to_vec();
        let mut out = Vec::new();
        let r = put(&mut out, b"", &mut Stream(eight.clone(), 4), false);
        assert_eq!(r, Err(Error::EightBitUnsupported));
        assert_eq!(out, b"Subject:");
        let mut out = Vec::new();
        assert_eq!(
            put(&mut out, b"", &mut Stream(eight.clone(), 4), true),
            Ok(())
        );
        assert_eq!(out, eight);

        let long = [&b"X: y\r\n\r\n"[..], &[b'a'; 999], b"\r\n"].concat();
        let mut out = Vec::new();
        let r = put(&mut out, b"", &mut Stream(long, 100), true);
        assert_eq!(r, Err(Error::InvalidBody));
        assert!(out.len() < 8 + 999, "the long line never goes out whole");
    }
}
