// SPDX-License-Identifier: MIT OR Apache-2.0
//! The reply-line parser (`reply::parse_line`) and the engine's handling of
//! a reply, on arbitrary server bytes.
//!
//! Input: byte 0 = number of cut points (low 4 bits; bits 4-7 pick the
//! engine's in-buffer size, 8 + 16 * n bytes, 256 for 15), then one byte
//! per cut (the length of the chunk before it); the rest is what the server
//! sends.
//!
//! Parser: the bytes are parsed three ways, as a driver does (append a
//! receive to a buffer, take complete lines off its front): all at once, at
//! the chosen cut points, and one byte at a time. All three must give the
//! same lines, error and leftover; every answer must equal a reference
//! parser written from RFC 5321 §4.2 with the engine's strict CR LF (a
//! partial line is never refused, a complete one is refused exactly when
//! the reference refuses it, its code, last-line flag, length and text are
//! the reference's).
//!
//! Engine: the same bytes, in the same chunks, are the reply to the greeting
//! of an `Engine` (in-buffer of the chosen size). Its first reply event (or
//! its end) must be what a reference assembler predicts: the code and text
//! of the reply's last line and the RFC 3463 code of its first line, or
//! REPLY_SYNTAX (malformed line, code differing from the first line's),
//! REPLY_TOO_MANY_LINES (over `engine::MAX_LINES`), REPLY_TOO_LONG (a line
//! longer than the in-buffer) or RECEIVE (the bytes end mid-reply), the
//! same for every chunking.
#![no_main]

use ip_smtpc::check::check;
use ip_smtpc::engine::{Action, Engine, EventKind, MAX_LINES};
use ip_smtpc::reply::{parse_line, Line};
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::{pieces, FuzzMail};

#[derive(Debug, PartialEq, Eq)]
enum Parsed {
    Line {
        code: u16,
        last: bool,
        text: Vec<u8>,
    },
    Error,
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    parsed: Vec<Parsed>,
    /// Unconsumed bytes when the input ended without an error.
    leftover: Option<Vec<u8>>,
}

/// RFC 5321 §4.2 for one complete line (`line` through its LF), strict CR
/// LF: (code, last, text), or `None` when malformed.
fn reference_line(line: &[u8]) -> Option<(u16, bool, &[u8])> {
    let body = line.strip_suffix(b"\r\n")?;
    let ok = body.len() >= 3
        && (b'2'..=b'5').contains(&body[0])
        && (b'0'..=b'5').contains(&body[1])
        && body[2].is_ascii_digit();
    if !ok {
        return None;
    }
    let code = body[..3]
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match body.get(3) {
        None => Some((code, true, &body[3..])),
        Some(b' ') => Some((code, true, &body[4..])),
        Some(b'-') => Some((code, false, &body[4..])),
        Some(_) => None,
    }
}

/// RFC 3463 §2 as the engine reads it: `class "." subject "." detail`,
/// class one digit equal to the reply's class (2, 4 or 5), subject and
/// detail 1-3 digits, then a space or the end; zeros otherwise.
fn reference_enhanced(text: &[u8], code: u16) -> [u16; 3] {
    let end = text.iter().position(|&b| b == b' ').unwrap_or(text.len());
    let parts: Vec<&[u8]> = text[..end].split(|&b| b == b'.').collect();
    let number = |p: &[u8]| -> Option<u16> {
        ((1..=3).contains(&p.len()) && p.iter().all(u8::is_ascii_digit))
            .then(|| p.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0')))
    };
    if parts.len() != 3 || parts[0].len() != 1 || !matches!(parts[0][0], b'2' | b'4' | b'5') {
        return [0; 3];
    }
    let class = u16::from(parts[0][0] - b'0');
    match (number(parts[1]), number(parts[2])) {
        (Some(s), Some(d)) if class == code / 100 => [class, s, d],
        _ => [0; 3],
    }
}

/// Checks one `parse_line` answer on `buf` against the reference.
fn check_line(buf: &[u8], result: &Result<Option<Line>, Error>) {
    match (buf.iter().position(|&b| b == b'\n'), result) {
        (None, Ok(None)) => {}
        (None, other) => panic!("{other:?} without a LF: {buf:?}"),
        (Some(_), Ok(None)) => panic!("partial although a LF arrived: {buf:?}"),
        (Some(lf), Ok(Some(line))) => {
            assert_eq!(line.len, lf + 1, "a line is consumed through its LF");
            let expected = reference_line(&buf[..=lf]);
            assert_eq!(
                expected,
                Some((line.code, line.last, line.text(buf))),
                "{buf:?}"
            );
        }
        (Some(lf), Err(e)) => {
            assert_eq!(*e, Error::ReplySyntax);
            assert!(
                reference_line(&buf[..=lf]).is_none(),
                "good line refused: {buf:?}"
            );
        }
    }
}

/// Feeds `chunks` one after another into a growing buffer, taking complete
/// lines off its front after each.
fn run<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> Outcome {
    let mut buf: Vec<u8> = Vec::new();
    let mut parsed = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let result = parse_line(&buf);
            check_line(&buf, &result);
            match result {
                Err(_) => {
                    parsed.push(Parsed::Error);
                    return Outcome {
                        parsed,
                        leftover: None,
                    };
                }
                Ok(None) => break,
                Ok(Some(line)) => {
                    parsed.push(Parsed::Line {
                        code: line.code,
                        last: line.last,
                        text: line.text(&buf).to_vec(),
                    });
                    buf.drain(..line.len);
                }
            }
        }
    }
    Outcome {
        parsed,
        leftover: Some(buf),
    }
}

/// What the engine must make of `input` as the reply to its greeting:
/// the reply (code, last line's text, first line's enhanced code) or the error.
fn reference_reply(input: &[u8], rx: usize) -> Result<(u16, Vec<u8>, [u16; 3]), Error> {
    let mut rest = input;
    let mut first: Option<(u16, [u16; 3])> = None;
    let mut count = 0usize;
    loop {
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            // The bytes end mid-line: the in-buffer fills first, or the
            // driver reports the end of the connection.
            return Err(if rest.len() >= rx {
                Error::ReplyTooLong
            } else {
                Error::Receive
            });
        };
        let (line, tail) = rest.split_at(lf + 1);
        if line.len() > rx {
            return Err(Error::ReplyTooLong);
        }
        let (code, last, text) = reference_line(line).ok_or(Error::ReplySyntax)?;
        let (first_code, enhanced) = *first.get_or_insert((code, reference_enhanced(text, code)));
        if code != first_code {
            return Err(Error::ReplySyntax);
        }
        count += 1;
        if count > usize::from(MAX_LINES) {
            return Err(Error::ReplyTooManyLines);
        }
        if last {
            return Ok((code, text.to_vec(), enhanced));
        }
        rest = tail;
    }
}

/// The engine's first reply (or end) with `chunks` as the greeting.
fn engine_reply(
    m: &FuzzMail,
    chunks: &[&[u8]],
    rx: usize,
) -> Result<(u16, Vec<u8>, [u16; 3]), Error> {
    let checked = check(m, None, 0).expect("the mail is valid");
    let (mut out, mut input) = (vec![0u8; 64], vec![0u8; rx]);
    let mut e = Engine::new(&mut out, &mut input, &checked);
    let mut chunks = chunks.iter().copied().filter(|c| !c.is_empty());
    let mut pending: &[u8] = b"";
    for _ in 0..1_000_000 {
        match e.next(m) {
            Action::Receive(room) => {
                assert!(!room.is_empty(), "receive into no room");
                if pending.is_empty() {
                    match chunks.next() {
                        Some(c) => pending = c,
                        None => {
                            e.failed(Error::Receive);
                            continue;
                        }
                    }
                }
                let n = room.len().min(pending.len());
                room[..n].copy_from_slice(&pending[..n]);
                pending = &pending[n..];
                e.received(n);
            }
            Action::Event(ev) if ev.kind == EventKind::Step => {}
            Action::Event(ev) => {
                assert_eq!(ev.kind, EventKind::Reply, "{ev:?}");
                return Ok((ev.code, ev.text.to_vec(), e.enhanced()));
            }
            Action::Done(r) => return Err(r.expect_err("success at the greeting")),
            other => panic!("{other:?} before the greeting's reply"),
        }
    }
    panic!("the engine does not end");
}

fn mail() -> FuzzMail {
    FuzzMail {
        entries: vec![
            (b"".to_vec(), Some(b"dev@example.test".to_vec()), 4),
            (b"".to_vec(), Some(b"ops@example.test".to_vec()), 1),
        ],
        body: b"hi".to_vec(),
        ..FuzzMail::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let cuts = usize::from(head & 0x0f).min(rest.len());
    let rx = match head >> 4 {
        15 => 256,
        n => 8 + 16 * usize::from(n),
    };
    let (lengths, input) = rest.split_at(cuts);
    let chunks = pieces(input, lengths);

    let whole = run(std::iter::once(input));
    let split = run(chunks.iter().copied());
    assert_eq!(split, whole, "cut at {lengths:?}");
    let bytewise = run(input.chunks(1));
    assert_eq!(bytewise, whole, "byte at a time");

    let m = mail();
    let expected = reference_reply(input, rx);
    let mut runs = vec![("whole", engine_reply(&m, &[input], rx))];
    runs.push(("cut", engine_reply(&m, &chunks, rx)));
    if input.len() <= 600 {
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        runs.push(("byte at a time", engine_reply(&m, &bytes, rx)));
    }
    for (how, got) in runs {
        assert_eq!(got, expected, "{how} (cut at {lengths:?})");
    }
});
