// SPDX-License-Identifier: MIT OR Apache-2.0
//! The incremental reply parser (`reply::parse_line`) and `reply::Assembler`
//! on arbitrary server bytes.
//!
//! Input: byte 0 = number of cut points (low 4 bits), then one byte per cut
//! (the length of the chunk before it); the rest is what the server sends.
//! The bytes are parsed three ways, as the driver does (append a receive to
//! a buffer, take complete lines off its front): all at once, at the chosen
//! cut points, and one byte at a time. All three must give the same lines,
//! replies, error and leftover. Every complete line is also checked against
//! a reference parser written from RFC 5321 §4.2, every reply against a
//! reference assembler, and every early rejection of a partial line must be
//! final (no completion of that line would have been accepted).
#![no_main]

use ip_smtpc::reply::{parse_line, Assembler, Enhanced, Line, Reply, ReplyError, Status};
use libfuzzer_sys::fuzz_target;

/// `MAX_REPLY_LINES` of src/limits.rs (crate-private there).
const MAX_REPLY_LINES: usize = 100;

#[derive(Debug, PartialEq, Eq)]
enum Event {
    Line {
        code: u16,
        last: bool,
        text: Vec<u8>,
    },
    Reply(Reply),
    LineError(ReplyError),
    ReplyError(ReplyError),
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    events: Vec<Event>,
    /// Unconsumed bytes when the input ended without an error.
    leftover: Option<Vec<u8>>,
}

/// RFC 5321 §4.2 for one complete line (`line` without its LF).
fn reference_line(line: &[u8]) -> Result<(u16, bool, &[u8]), ReplyError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let ok = line.len() >= 3
        && (b'2'..=b'5').contains(&line[0])
        && (b'0'..=b'5').contains(&line[1])
        && line[2].is_ascii_digit();
    if !ok {
        return Err(ReplyError::Syntax);
    }
    let code = line[..3]
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match line.get(3) {
        None => Ok((code, true, &line[3..])),
        Some(b' ') => Ok((code, true, &line[4..])),
        Some(b'-') => Ok((code, false, &line[4..])),
        Some(_) => Err(ReplyError::Syntax),
    }
}

/// RFC 3463 §2: `class "." subject "." detail`, class one of 2, 4, 5 (one
/// digit), subject and detail 1-3 digits, then a space or the end.
fn reference_enhanced(text: &[u8]) -> Option<Enhanced> {
    let end = text.iter().position(|&b| b == b' ').unwrap_or(text.len());
    let mut parts = text[..end].split(|&b| b == b'.');
    let (class, subject, detail) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    if class.len() != 1 || !matches!(class[0], b'2' | b'4' | b'5') {
        return None;
    }
    let number = |p: &[u8]| -> Option<u16> {
        if (1..=3).contains(&p.len()) && p.iter().all(u8::is_ascii_digit) {
            Some(p.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0')))
        } else {
            None
        }
    };
    Some(Enhanced {
        class: class[0] - b'0',
        subject: number(subject)?,
        detail: number(detail)?,
    })
}

/// Reference assembler state: the lines of the reply so far.
#[derive(Default)]
struct RefAssembler {
    first: Option<(u16, Option<Enhanced>)>,
    lines: usize,
}

impl RefAssembler {
    fn push(&mut self, line: &Line<'_>) -> Result<Option<Reply>, ReplyError> {
        let (code, enhanced) = *self.first.get_or_insert_with(|| {
            let e = reference_enhanced(line.text).filter(|e| u16::from(e.class) == line.code / 100);
            (line.code, e)
        });
        if line.code != code {
            return Err(ReplyError::CodeMismatch);
        }
        self.lines += 1;
        if self.lines > MAX_REPLY_LINES {
            return Err(ReplyError::TooManyLines);
        }
        if !line.last {
            return Ok(None);
        }
        *self = RefAssembler::default();
        Ok(Some(Reply { code, enhanced }))
    }
}

/// Checks one `parse_line` result on `buf` against the reference.
fn check_line(buf: &[u8], result: &Result<Status<(usize, Line<'_>)>, ReplyError>) {
    let lf = buf.iter().position(|&b| b == b'\n');
    match (lf, result) {
        (Some(lf), Ok(Status::Complete((used, line)))) => {
            assert_eq!(*used, lf + 1, "a line is consumed through its LF");
            let expected = reference_line(&buf[..lf]);
            assert_eq!(expected, Ok((line.code, line.last, line.text)), "{buf:?}");
        }
        (Some(lf), Err(e)) => {
            // Either the complete line is bad, or the code was already bad
            // (both are syntax errors).
            assert_eq!(*e, ReplyError::Syntax);
            assert!(
                reference_line(&buf[..lf]).is_err(),
                "good line refused: {buf:?}"
            );
        }
        (Some(_), Ok(Status::Partial)) => panic!("partial although a LF arrived: {buf:?}"),
        (None, Ok(Status::Complete(_))) => panic!("complete line without LF: {buf:?}"),
        (None, Ok(Status::Partial)) => {}
        (None, Err(e)) => {
            // Refused before its end: every completion must be refused.
            assert_eq!(*e, ReplyError::Syntax);
            for end in [&b"\n"[..], b"\r\n", b" x\r\n", b"-x\r\n"] {
                let mut whole = buf.to_vec();
                whole.extend_from_slice(end);
                assert!(
                    reference_line(&whole[..whole.len() - 1]).is_err(),
                    "partial line refused early but {whole:?} is good"
                );
            }
        }
    }
}

/// Feeds `chunks` one after another into a growing buffer, taking complete
/// lines off its front after each, as `client::run` does.
fn run<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> Outcome {
    let mut buf: Vec<u8> = Vec::new();
    let mut asm = Assembler::default();
    let mut reference = RefAssembler::default();
    let mut events = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let result = parse_line(&buf);
            check_line(&buf, &result);
            match result {
                Err(e) => {
                    events.push(Event::LineError(e));
                    return Outcome {
                        events,
                        leftover: None,
                    };
                }
                Ok(Status::Partial) => break,
                Ok(Status::Complete((used, line))) => {
                    events.push(Event::Line {
                        code: line.code,
                        last: line.last,
                        text: line.text.to_vec(),
                    });
                    let idle_before = asm.is_idle();
                    assert_eq!(idle_before, reference.first.is_none());
                    let got = asm.push(&line);
                    assert_eq!(got, reference.push(&line), "assembler vs reference");
                    match got {
                        Err(e) => {
                            events.push(Event::ReplyError(e));
                            return Outcome {
                                events,
                                leftover: None,
                            };
                        }
                        Ok(Some(reply)) => {
                            assert!(asm.is_idle());
                            events.push(Event::Reply(reply));
                        }
                        Ok(None) => assert!(!asm.is_idle()),
                    }
                    buf.drain(..used);
                }
            }
        }
    }
    Outcome {
        events,
        leftover: Some(buf),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let cuts = usize::from(head & 0x0f).min(rest.len());
    let (lengths, input) = rest.split_at(cuts);

    let whole = run(std::iter::once(input));

    let mut pieces = Vec::new();
    let mut left = input;
    for &len in lengths {
        let (piece, tail) = left.split_at(usize::from(len).min(left.len()));
        pieces.push(piece);
        left = tail;
    }
    pieces.push(left);
    let split = run(pieces.into_iter());
    assert_eq!(split, whole, "cut at {lengths:?}");

    let bytewise = run(input.chunks(1));
    assert_eq!(bytewise, whole, "byte at a time");
});
