// SPDX-License-Identifier: MIT OR Apache-2.0
//! A complete RFC 5322 message given by the caller
//! (`IP_SMTPC_OPTIONS.RawMessage`, feature `raw`), as `src/message/raw.rs`
//! sends it: without a generated header block or MIME structure.
//!
//! The message still goes out dot-stuffed with CR LF line ends (a static
//! message through [`crate::body::Body`], a streamed one through
//! [`Stream`]), declared `BODY=8BITMIME` when it has 8-bit bytes (a
//! streamed one: always) and the server offers 8BITMIME, and is refused
//! when it cannot go out intact:
//! - a line over 998 octets (RFC 5322 §2.1.1; a leading dot counts twice,
//!   as it does on the wire): `InvalidBody`, before connecting for a static
//!   message (`src/check.rs`), before the final dot for a streamed one;
//! - 8-bit bytes to a server without 8BITMIME: `EightBitUnsupported`,
//!   before MAIL FROM for a static message, before the final dot for a
//!   streamed one (at its first 8-bit byte). Nothing is converted:
//!   re-encoding would change the message the caller signed or archived.
//!
//! A message that is cut off leaves without its end-of-data line, so nothing
//! is delivered. SMTPUTF8 (RFC 6531) is not in the library: raw UTF-8 in
//! the header goes out as 8-bit data under 8BITMIME.

use crate::check::MAX_LINE;
use crate::error::Error;
use crate::writer::Writer;

/// Where a streamed message stands between the pieces the application
/// pushes, which may split it anywhere (a CR LF included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    /// Octets of the current line as sent (0: the next byte starts a line).
    line: usize,
    /// The last byte was a CR: an LF right after it ends no second line.
    cr: bool,
}

impl Stream {
    /// Writes `b` into `w` (which has room for 2 bytes): a CR, an LF or a
    /// CR LF becomes CR LF, a leading dot is doubled. `eight_bit` tells
    /// whether the server takes 8-bit data. The byte that would make the
    /// message unfit is refused (nothing written): `InvalidBody` for a line
    /// over 998 octets, else `EightBitUnsupported`.
    #[inline(always)]
    pub fn put(&mut self, w: &mut Writer<'_>, b: u8, eight_bit: bool) -> Result<(), Error> {
        let after_cr = core::mem::replace(&mut self.cr, b == b'\r');
        if b == b'\r' || b == b'\n' {
            if !after_cr || b == b'\r' {
                w.put(b"\r\n");
            }
            self.line = 0;
            return Ok(());
        }
        // A leading dot goes out doubled and counts twice.
        let dot = self.line == 0 && b == b'.';
        self.line += 1 + usize::from(dot);
        if self.line > MAX_LINE {
            return Err(Error::InvalidBody);
        }
        if b >= 0x80 && !eight_bit {
            return Err(Error::EightBitUnsupported);
        }
        w.put([b'.', b].get(usize::from(!dot)..).unwrap_or_default());
        Ok(())
    }

    /// Puts as much of `data` as `w` takes (two bytes of room a byte):
    /// runs of bytes that go out unchanged at once ([`crate::body::run`]:
    /// hosted builds), the others through [`Stream::put`]. Returns how
    /// many bytes it took, or the error of the byte that makes the message
    /// unfit (what came before it is written).
    #[inline(always)]
    pub fn take(
        &mut self,
        w: &mut Writer<'_>,
        data: &[u8],
        eight_bit: bool,
    ) -> Result<usize, Error> {
        let mut n = 0;
        while let Some(&b) = data.get(n) {
            if w.room() < 2 {
                break;
            }
            let run = crate::body::run(
                data.get(n..).unwrap_or_default(),
                self.line == 0,
                !eight_bit,
            );
            // Within the room and the line limit (the byte after goes on).
            let run = run
                .get(..w.room().min(MAX_LINE.saturating_sub(self.line)))
                .unwrap_or(run);
            if !run.is_empty() {
                w.copy(run);
                n += run.len();
                self.line += run.len();
                self.cr = false;
                continue;
            }
            self.put(w, b, eight_bit)?;
            n += 1;
        }
        Ok(n)
    }

    /// `true` when the stream ended at a line's start (no CR LF is due
    /// before the end-of-data line).
    pub fn at_line_start(&self) -> bool {
        self.line == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::check::fits;

    /// `message` streamed in pieces of `piece` bytes through `Stream`, then
    /// the end-of-data line as the engine writes it; or the error and what
    /// was written before the refused byte.
    fn streamed(message: &[u8], piece: usize, eight_bit: bool) -> (Vec<u8>, Result<(), Error>) {
        let mut s = Stream::default();
        let mut out = Vec::new();
        for chunk in message.chunks(piece.max(1)) {
            let mut at = 0;
            while at < chunk.len() {
                // Out buffers of 2 to 9 bytes, as the piece size gives.
                let mut buf = vec![0u8; 2 + piece % 8];
                let mut w = Writer::new(&mut buf, 0);
                let r = s.take(&mut w, &chunk[at..], eight_bit);
                let n = w.len();
                out.extend_from_slice(&buf[..n]);
                match r {
                    Ok(taken) => at += taken,
                    Err(e) => return (out, Err(e)),
                }
            }
        }
        let mut end = Body {
            pos: 0,
            bol: s.at_line_start(),
        };
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf, 0);
        assert!(end.put(&mut w, b"", b".\r\n"));
        let n = w.len();
        out.extend_from_slice(&buf[..n]);
        (out, Ok(()))
    }

    /// `message` as a static body goes out (`Body::put`).
    fn static_wire(message: &[u8]) -> Vec<u8> {
        crate::body::tests::wire(message, 16)
    }

    #[test]
    fn line_limit_is_998_octets_as_sent() {
        let mut line = vec![b'x'; 998];
        assert!(fits(&line));
        line.push(b'x');
        assert!(!fits(&line));
        let dotted = [&b"."[..], &[b'x'; 997]].concat();
        assert!(!fits(&dotted), "a leading dot counts twice");
        let dotted = [&b"."[..], &[b'x'; 996]].concat();
        assert!(fits(&dotted));
        let inner = [&[b'x'; 997][..], b"."].concat();
        assert!(fits(&inner), "only a leading dot is doubled");
        let mut broken = vec![b'x'; 998];
        broken.extend_from_slice(b"\r\n");
        broken.extend_from_slice(&[b'y'; 998]);
        broken.push(b'\n');
        broken.extend_from_slice(&[b'z'; 998]);
        broken.push(b'\r');
        broken.extend_from_slice(&[b'w'; 998]);
        assert!(fits(&broken));
        assert!(fits(b""));
    }

    #[test]
    fn a_stream_goes_out_as_a_static_message_does_at_every_split() {
        let messages: [&[u8]; 6] = [
            b"From: a@x.test\nBcc-Like: kept\r\n\r\n.dot\nend",
            b"Subject: x\r\n\r\n.\r\n..\r\n.lead\ra\n\rz\r\n",
            b"X: y\r\r\n\n\r\n",
            b"",
            b".",
            "Subject: Gr\u{fc}\u{df}e\r\n\r\nK\u{e4}se\r\n".as_bytes(),
        ];
        for message in messages {
            let expected = static_wire(message);
            for piece in 1..=message.len().max(1) {
                assert_eq!(
                    streamed(message, piece, true),
                    (expected.clone(), Ok(())),
                    "{message:?} in pieces of {piece}"
                );
            }
        }
        assert_eq!(
            static_wire(b"From: a@x.test\nBcc-Like: kept\r\n\r\n.dot\nend"),
            b"From: a@x.test\r\nBcc-Like: kept\r\n\r\n..dot\r\nend\r\n.\r\n"
        );
    }

    #[test]
    fn an_unfit_stream_is_refused_at_the_byte_that_makes_it_so() {
        let eight = "Subject: caf\u{e9}\r\n\r\nx\r\n".as_bytes();
        let (out, r) = streamed(eight, 4, false);
        assert_eq!(r, Err(Error::EightBitUnsupported));
        assert_eq!(out, b"Subject: caf");
        let long = [&b"X: y\r\n\r\n"[..], &[b'a'; 999], b"\r\n"].concat();
        let (out, r) = streamed(&long, 100, true);
        assert_eq!(r, Err(Error::InvalidBody));
        assert_eq!(out, [&b"X: y\r\n\r\n"[..], &[b'a'; 998]].concat());
        // A leading dot counts twice: 997 more octets are one too many.
        let dotted = [&b"\r\n."[..], &[b'b'; 997]].concat();
        let (out, r) = streamed(&dotted, 7, true);
        assert_eq!(r, Err(Error::InvalidBody));
        assert_eq!(out, [&b"\r\n.."[..], &[b'b'; 996]].concat());
        // An 8-bit byte that is also the 999th octet: the line decides first.
        let both = [&[b'a'; 998][..], &[0xe9]].concat();
        assert_eq!(streamed(&both, 998, false).1, Err(Error::InvalidBody));
        // A line of exactly 998 octets before CR LF split across pieces is fine.
        let edge = [&[b'c'; 998][..], b"\r\n.d"].concat();
        assert_eq!(
            streamed(&edge, 999, false),
            ([&[b'c'; 998][..], b"\r\n..d\r\n.\r\n"].concat(), Ok(()))
        );
    }

    #[test]
    fn the_check_refuses_a_static_message_with_a_long_line() {
        use crate::check::check;
        use crate::mail::test::TestMail;
        let raw = |body: Vec<u8>, streamed: Option<Vec<u8>>| {
            let mut m = TestMail::sample();
            m.subject = "";
            m.raw = true;
            m.body = body;
            m.streamed = streamed;
            check(&m, None, 0)
        };
        let long = [&b"X: y\r\n\r\n"[..], &[b'a'; 999]].concat();
        assert_eq!(raw(long.clone(), None), Err(Error::InvalidBody));
        let dotted = [&b"X: y\r\n\r\n."[..], &[b'a'; 997]].concat();
        assert_eq!(raw(dotted, None), Err(Error::InvalidBody));
        let fine = [&b"X: y\r\n\r\n."[..], &[b'a'; 996]].concat();
        let c = raw(fine, None).unwrap();
        assert!(c.raw && !c.eight_bit);
        assert!(raw("S: \u{e9}\r\n\r\n".into(), None).unwrap().eight_bit);
        // Streamed: sBody is not used, and the stream may be 8-bit.
        let c = raw(long, Some(b"X: y\r\n\r\n".to_vec())).unwrap();
        assert!(c.raw && c.eight_bit);
        // Without RawMessage nothing changes.
        let mut m = TestMail::sample();
        m.body = b"a\r\n.b".to_vec();
        let c = check(&m, None, 0).unwrap();
        assert!(!c.raw && !c.eight_bit);
    }

    /// The static check and the stream's agree on every message: built
    /// from lines around the limit, with and without leading dots, CR LF
    /// pairs and bare CRs or LFs.
    #[test]
    fn fits_and_the_stream_agree() {
        let mut next = crate::body::rng(0x2545_f491);
        let (mut fit, mut unfit) = (0, 0);
        for _ in 0..400 {
            let mut m = Vec::new();
            for _ in 0..1 + next(4) {
                if next(2) == 0 {
                    m.push(b'.');
                }
                m.extend_from_slice(&vec![b'x'; 995 + next(5) as usize]);
                m.extend_from_slice([&b"\r\n"[..], b"\r", b"\n", b""][next(4) as usize]);
            }
            let expected = fits(&m);
            assert_eq!(
                streamed(&m, 1 + next(50) as usize, true).1.is_ok(),
                expected
            );
            if expected {
                fit += 1;
            } else {
                unfit += 1;
            }
        }
        assert!(fit > 20 && unfit > 20, "{fit} {unfit}");
    }
}
