// SPDX-License-Identifier: MIT OR Apache-2.0
//! Incremental SMTP reply-line parser (RFC 5321 §4.2), httparse-shaped.
//!
//! ```text
//! Reply-line = Reply-code [ SP / "-" textstring ] CRLF
//! Reply-code = %x32-35 %x30-35 %x30-39
//! ```
//! [`parse_line`] looks at the bytes received so far and answers
//! `Ok(None)` (partial: feed me more), `Ok(Some(line))` or `Err`. Strict:
//! a line must end in CR LF; a bare LF is an error. Matching the code of
//! every line of a multi-line reply is the engine's job (it keeps the first).

use crate::error::Error;

/// One complete reply line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Bytes the line takes, CR LF included.
    pub len: usize,
    /// The three-digit reply code.
    pub code: u16,
    /// `true` for the last line of a reply (`SP` or no text after the code).
    pub last: bool,
}

impl Line {
    /// The line's text (after the code and separator, without CR LF) in `buf`,
    /// the buffer the line was parsed from.
    pub fn text<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(4..self.len.saturating_sub(2)).unwrap_or_default()
    }
}

/// Parses the first line of `buf`.
pub fn parse_line(buf: &[u8]) -> Result<Option<Line>, Error> {
    let Some(lf) = buf.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    // Every well-formed line has a code and a separator (or CR) before the
    // LF, and a CR right before it.
    let line = buf.get(..lf).unwrap_or_default();
    let (Some(&[a, b, c, sep]), Some(&cr)) = (line.first_chunk::<4>(), line.last()) else {
        return Err(Error::ReplySyntax);
    };
    let digit = |d: u8, min: u8, max: u8| (min..=max).contains(&d);
    // " " or "-" after the code, or CR LF right after it.
    if !(digit(a, b'2', b'5') && digit(b, b'0', b'5') && digit(c, b'0', b'9'))
        || !(sep == b' ' || sep == b'-' || lf == 4)
        || cr != b'\r'
    {
        return Err(Error::ReplySyntax);
    }
    // The digits as they are, less "000" (48 * 111) once.
    let code = (u16::from(a) * 100 + u16::from(b) * 10 + u16::from(c)).wrapping_sub(5328);
    let last = sep != b'-';
    Ok(Some(Line {
        len: lf + 1,
        code,
        last,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            parse_line(b"250 OK\r\n"),
            Ok(Some(Line {
                len: 8,
                code: 250,
                last: true
            }))
        );
        assert_eq!(
            parse_line(b"250-PIPELINING\r\n250 OK\r\n"),
            Ok(Some(Line {
                len: 16,
                code: 250,
                last: false
            }))
        );
        assert_eq!(
            parse_line(b"354\r\n"),
            Ok(Some(Line {
                len: 5,
                code: 354,
                last: true
            }))
        );
        let l = parse_line(b"550 5.1.1 no\r\nrest").unwrap().unwrap();
        assert_eq!(l.text(b"550 5.1.1 no\r\nrest"), b"5.1.1 no");
    }

    #[test]
    fn every_prefix_is_partial() {
        for reply in [&b"250 OK\r\n"[..], b"220-mx ESMTP\r\n", b"354\r\n"] {
            for n in 0..reply.len() {
                assert_eq!(parse_line(&reply[..n]), Ok(None), "{:?}", &reply[..n]);
            }
        }
    }

    #[test]
    fn malformed() {
        for bad in [
            &b"25 OK\r\n"[..],
            b"250 OK\n",
            b"650 x\r\n",
            b"2x0 x\r\n",
            b"250+x\r\n",
            b"\r\n",
            b"250\n",
            b"260 x\r\n",
            b"\n",
        ] {
            assert_eq!(parse_line(bad), Err(Error::ReplySyntax), "{bad:?}");
        }
    }
}
