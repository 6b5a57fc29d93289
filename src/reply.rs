// SPDX-License-Identifier: MIT OR Apache-2.0
//! Incremental SMTP reply parser (RFC 5321 §4.2).
//!
//! ```text
//! Reply-line     = *( Reply-code "-" [ textstring ] CRLF )
//!                     Reply-code [ SP textstring ] CRLF
//! Reply-code     = %x32-35 %x30-35 %x30-39
//! ```
//!
//! [`parse_line`] looks at buffered input and returns
//! [`Status::Complete`] with the bytes used and the line, or
//! [`Status::Partial`] when the line has not fully arrived. It never copies.
//! [`Assembler`] joins lines into a reply, checks that every line carries the
//! same code, bounds the line count and extracts the RFC 3463 enhanced status
//! code of the first line.
//!
//! Leniency: a line ended by a bare LF is accepted (RFC 5321 §4.1.1.4 asks
//! receivers not to rely on it, but servers behind broken proxies send it);
//! the CR, if present, is not part of the text.

/// Result of an incremental parse: done, or feed me more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// A complete item and what it consumed.
    Complete(T),
    /// More input is needed.
    Partial,
}

/// Why a reply is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// The code is not three digits in range, or the separator is neither
    /// space, hyphen nor end of line.
    Syntax,
    /// A continuation line carries a different code from the first line.
    CodeMismatch,
    /// More lines than `MAX_REPLY_LINES`.
    TooManyLines,
}

/// One reply line, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The three-digit reply code.
    pub code: u16,
    /// `true` for the last line of a reply (space or end of line after the code).
    pub last: bool,
    /// The text after the separator, without CR LF.
    pub text: &'a [u8],
}

/// RFC 3463 enhanced status code `class.subject.detail`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enhanced {
    /// 2, 4 or 5.
    pub class: u8,
    /// 0..=999.
    pub subject: u16,
    /// 0..=999.
    pub detail: u16,
}

/// A complete reply: its code and enhanced code. The text stays in the
/// caller's buffer and is seen line by line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The enhanced status code of the first line, when present and of the same class.
    pub enhanced: Option<Enhanced>,
}

impl Reply {
    /// 2yz: positive completion.
    pub fn is_positive(&self) -> bool {
        self.code / 100 == 2
    }
    /// 3yz: positive intermediate (354, 334).
    pub fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }
    /// 4yz: transient negative.
    pub fn is_transient(&self) -> bool {
        self.code / 100 == 4
    }
}

/// Parses one line at the start of `input`.
///
/// Returns `Complete((consumed, line))`, `Partial` when no line end has
/// arrived yet, or an error for a malformed line. A partial line is checked as
/// far as it goes, so garbage is reported without waiting for a line end.
pub fn parse_line(input: &[u8]) -> Result<Status<(usize, Line<'_>)>, ReplyError> {
    let end = input.iter().position(|&b| b == b'\n');
    let content = match end {
        Some(lf) => input.get(..lf).unwrap_or_default(),
        None => input,
    };
    let content = match (end, content.split_last()) {
        (Some(_), Some((b'\r', rest))) => rest,
        _ => content,
    };
    // Check the code digits that are present, so garbage fails early.
    let ranges: [(u8, u8); 3] = [(b'2', b'5'), (b'0', b'5'), (b'0', b'9')];
    for (b, (lo, hi)) in content.iter().zip(ranges.iter()) {
        if b < lo || b > hi {
            return Err(ReplyError::Syntax);
        }
    }
    let Some(lf) = end else {
        if content.len() > 3 && !matches!(content.get(3), Some(b' ' | b'-' | b'\r')) {
            return Err(ReplyError::Syntax);
        }
        return Ok(Status::Partial);
    };
    let Some((digits, rest)) = content.split_first_chunk::<3>() else {
        return Err(ReplyError::Syntax);
    };
    let code = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    let (last, text) = match rest.split_first() {
        None => (true, rest),
        Some((b' ', text)) => (true, text),
        Some((b'-', text)) => (false, text),
        Some(_) => return Err(ReplyError::Syntax),
    };
    Ok(Status::Complete((lf + 1, Line { code, last, text })))
}

/// Parses an RFC 3463 enhanced status code at the start of `text`:
/// `class "." subject "." detail` followed by space or end; the class is one
/// digit, subject and detail one to three.
pub fn parse_enhanced(text: &[u8]) -> Option<Enhanced> {
    let mut parts = [0u16; 3];
    let mut index = 0usize;
    let mut digits = 0usize;
    for &b in text {
        match b {
            b'0'..=b'9' if digits < 3 && (index > 0 || digits == 0) => {
                let part = parts.get_mut(index)?;
                *part = *part * 10 + u16::from(b - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && index < 2 => {
                index += 1;
                digits = 0;
            }
            b' ' if digits > 0 && index == 2 => break,
            _ => return None,
        }
    }
    let [class, subject, detail] = parts;
    if index != 2 || digits == 0 || !matches!(class, 2 | 4 | 5) {
        return None;
    }
    Some(Enhanced {
        class: class as u8,
        subject,
        detail,
    })
}

/// Joins reply lines into replies.
#[derive(Clone, Copy, Debug, Default)]
pub struct Assembler {
    code: u16,
    lines: u16,
    enhanced: Option<Enhanced>,
}

impl Assembler {
    /// Adds one line; returns the reply when `line` was its last line.
    pub fn push(&mut self, line: &Line<'_>) -> Result<Option<Reply>, ReplyError> {
        if self.lines == 0 {
            self.code = line.code;
            self.enhanced =
                parse_enhanced(line.text).filter(|e| u16::from(e.class) == line.code / 100);
        } else if line.code != self.code {
            return Err(ReplyError::CodeMismatch);
        }
        self.lines += 1;
        if self.lines > crate::limits::MAX_REPLY_LINES {
            return Err(ReplyError::TooManyLines);
        }
        if !line.last {
            return Ok(None);
        }
        let reply = Reply {
            code: self.code,
            enhanced: self.enhanced,
        };
        *self = Assembler::default();
        Ok(Some(reply))
    }

    /// `true` when no line of a reply has been seen yet.
    pub fn is_idle(&self) -> bool {
        self.lines == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(input: &[u8]) -> (usize, Line<'_>) {
        match parse_line(input) {
            Ok(Status::Complete(x)) => x,
            other => panic!("{:?} -> {other:?}", String::from_utf8_lossy(input)),
        }
    }

    #[test]
    fn single_line() {
        let (n, line) = complete(b"250 OK\r\nrest");
        assert_eq!(n, 8);
        assert_eq!(
            line,
            Line {
                code: 250,
                last: true,
                text: b"OK"
            }
        );
    }

    #[test]
    fn continuation_and_code_only_lines() {
        assert_eq!(
            complete(b"250-PIPELINING\r\n").1,
            Line {
                code: 250,
                last: false,
                text: b"PIPELINING"
            }
        );
        assert_eq!(
            complete(b"250\r\n"),
            (
                5,
                Line {
                    code: 250,
                    last: true,
                    text: b""
                }
            )
        );
        assert_eq!(complete(b"354 \r\n").1.text, b"");
        assert_eq!(
            complete(b"221 bye\n"),
            (
                8,
                Line {
                    code: 221,
                    last: true,
                    text: b"bye"
                }
            )
        );
    }

    #[test]
    fn every_prefix_is_partial() {
        let input = b"250-mx.example.test Hello\r\n";
        for cut in 0..input.len() {
            assert_eq!(
                parse_line(&input[..cut]),
                Ok(Status::Partial),
                "cut at {cut}"
            );
        }
        assert_eq!(complete(input).0, input.len());
    }

    #[test]
    fn invalid_codes_are_errors() {
        for bad in [
            &b"abc OK\r\n"[..],
            b"25\r\n",
            b"600 no\r\n",
            b"199 no\r\n",
            b"260 no\r\n",
            b"2500 no\r\n",
            b"250+no\r\n",
            b"\r\n",
            b" 250 x\r\n",
        ] {
            assert_eq!(
                parse_line(bad),
                Err(ReplyError::Syntax),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Garbage is recognised before the line end arrives.
        assert_eq!(parse_line(b"HTTP/1.1"), Err(ReplyError::Syntax));
        assert_eq!(parse_line(b"2x"), Err(ReplyError::Syntax));
        assert_eq!(parse_line(b"250x"), Err(ReplyError::Syntax));
    }

    #[test]
    fn enhanced_codes() {
        assert_eq!(
            parse_enhanced(b"5.1.1 no such user"),
            Some(Enhanced {
                class: 5,
                subject: 1,
                detail: 1
            })
        );
        assert_eq!(
            parse_enhanced(b"2.0.0"),
            Some(Enhanced {
                class: 2,
                subject: 0,
                detail: 0
            })
        );
        assert_eq!(
            parse_enhanced(b"4.7.999 x"),
            Some(Enhanced {
                class: 4,
                subject: 7,
                detail: 999
            })
        );
        for bad in [
            &b"OK"[..],
            b"5.1",
            b"5.1.",
            b"3.1.1 x",
            b"5.1.1x",
            b"5..1 x",
            b"5.1.1000",
            b"",
            // Found by fuzz/fuzz_targets/reply_parser.rs: a class with a
            // leading zero was read as that class.
            b"02.1.0 sender ok",
            b"005.1.1",
        ] {
            assert_eq!(
                parse_enhanced(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    fn assemble(input: &[u8]) -> Result<Vec<Reply>, ReplyError> {
        let mut asm = Assembler::default();
        let mut out = Vec::new();
        let mut rest = input;
        while let Status::Complete((n, line)) = parse_line(rest)? {
            if let Some(r) = asm.push(&line)? {
                out.push(r);
            }
            rest = &rest[n..];
        }
        Ok(out)
    }

    #[test]
    fn multi_line_reply_with_enhanced_code() {
        let replies = assemble(
            b"550-5.1.1 The email account\r\n550-5.1.1 does not exist\r\n550 5.1.1 bye\r\n",
        )
        .unwrap();
        assert_eq!(
            replies,
            vec![Reply {
                code: 550,
                enhanced: Some(Enhanced {
                    class: 5,
                    subject: 1,
                    detail: 1
                })
            }]
        );
    }

    #[test]
    fn mismatched_codes_are_rejected() {
        assert_eq!(
            assemble(b"250-a\r\n251 b\r\n"),
            Err(ReplyError::CodeMismatch)
        );
    }

    #[test]
    fn enhanced_code_of_other_class_is_ignored() {
        let replies = assemble(b"250 5.1.1 odd\r\n").unwrap();
        assert_eq!(replies[0].enhanced, None);
    }

    #[test]
    fn endless_multi_line_is_bounded() {
        let mut input = Vec::new();
        for _ in 0..=crate::limits::MAX_REPLY_LINES {
            input.extend_from_slice(b"250-x\r\n");
        }
        assert_eq!(assemble(&input), Err(ReplyError::TooManyLines));
    }

    #[test]
    fn every_split_point_gives_the_same_replies() {
        let input: &[u8] = b"220-mx.example.test ESMTP\r\n220 ready\r\n250-mx\r\n250-SIZE 100\r\n250 8BITMIME\r\n354 go\r\n";
        let whole = assemble(input).unwrap();
        assert_eq!(whole.len(), 3);
        for cut in 0..=input.len() {
            // Feed the first `cut` bytes, then the rest appended: what a
            // receive split at `cut` produces in the reader's buffer.
            let mut buf = Vec::new();
            let mut asm = Assembler::default();
            let mut got = Vec::new();
            for chunk in [&input[..cut], &input[cut..]] {
                buf.extend_from_slice(chunk);
                while let Status::Complete((n, line)) = parse_line(&buf).unwrap() {
                    if let Some(r) = asm.push(&line).unwrap() {
                        got.push(r);
                    }
                    buf.drain(..n);
                }
            }
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn byte_by_byte_gives_the_same_replies() {
        let input: &[u8] = b"250-a\r\n250-b\r\n250 c\r\n221 bye\r\n";
        let mut buf = Vec::new();
        let mut asm = Assembler::default();
        let mut got = Vec::new();
        for &b in input {
            buf.push(b);
            if let Status::Complete((n, line)) = parse_line(&buf).unwrap() {
                if let Some(r) = asm.push(&line).unwrap() {
                    got.push(r.code);
                }
                buf.drain(..n);
            }
        }
        assert_eq!(got, vec![250, 221]);
        assert!(buf.is_empty());
    }
}
