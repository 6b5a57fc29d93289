// SPDX-License-Identifier: MIT OR Apache-2.0
//! The whole session against arbitrary server bytes.
//!
//! Input: 8 configuration bytes, a body (length byte, repeat byte, bytes),
//! then what the server sends. The configuration picks the TLS policy,
//! credentials, allowed mechanisms, the insecure-AUTH opt-in, recipients,
//! attachments, buffer sizes, a failing TLS handshake or send, a clock, the
//! chunking of the server bytes, and the driver: `client::run`, or a driver
//! written here that calls `Session` directly (and, when asked, also calls
//! it out of turn, which must abort or be ignored, never panic).
//!
//! In "turns" mode the server bytes are split at `|` into turns and a
//! receive never crosses a turn (the server answers what the client said);
//! otherwise they are one stream cut at pseudo-random points.
//!
//! Checked, from what the transport saw:
//! - no panic, and the dialogue ends within a bound of transport calls;
//! - the client reports success (or a partial delivery) only when it sent
//!   the final "\r\n.\r\n" and the first reply after it was a 2xx;
//!   OUTCOME_UNKNOWN only after the final dot;
//! - at most one end of data, and only QUIT after it;
//! - no bare CR or LF, no line over 1000 octets on the wire;
//! - AUTH only over TLS unless the caller allowed it in clear; with TLS
//!   required or implicit no MAIL FROM (nor, implicit, anything) in clear;
//! - the TLS handshake only right after "STARTTLS" and a 220 that nothing
//!   followed, at most once, and EHLO again after it (or, with implicit
//!   TLS, QUIT after a refused greeting).
#![no_main]

use std::collections::VecDeque;

use ip_smtpc::auth::Mechanisms;
use ip_smtpc::client::{self, Note, Observer, Transport};
use ip_smtpc::cursor::Out;
use ip_smtpc::message::content::{Attachment, NoParts, Parts};
use ip_smtpc::message::{Kind, Mail, Party, Timestamp};
use ip_smtpc::reply::{parse_line, Status};
use ip_smtpc::session::{Config, Event, Session, TlsPolicy, Want};
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

/// Transport calls (or driver iterations) after which the dialogue is
/// considered to loop forever.
const MAX_CALLS: usize = 200_000;

const END_OF_DATA: &[u8] = b"\r\n.\r\n";

/// xorshift for chunk sizes and out-of-turn calls.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The server side, recording everything that crossed the connection.
struct Wire<'a> {
    /// Turns not yet released (turns mode) or the one stream.
    turns: VecDeque<&'a [u8]>,
    /// The released part of the current turn not yet received.
    current: &'a [u8],
    rng: Rng,
    max_chunk: usize,
    /// Every server byte handed to the client.
    delivered: Vec<u8>,
    /// Every client byte.
    sent: Vec<u8>,
    /// For every line the client started: whether TLS was up then.
    line_tls: Vec<bool>,
    /// `delivered.len()` when the end of data was sent.
    dot_at: Option<usize>,
    dots: usize,
    tls_up: bool,
    upgrade_fails: bool,
    /// `sent.len()` at each upgrade.
    upgrades: Vec<usize>,
    implicit: bool,
    /// Sends fail once this many bytes went out.
    send_limit: Option<usize>,
    /// A send failed or the driver aborted the session out of turn: the
    /// last line may be cut short.
    cut: bool,
    clock: Option<u32>,
    tick: u32,
    calls: usize,
}

impl Wire<'_> {
    fn call(&mut self) {
        self.calls += 1;
        assert!(self.calls < MAX_CALLS, "the dialogue does not end");
    }
}

impl Transport for Wire<'_> {
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.call();
        assert!(!data.is_empty(), "empty send");
        if matches!(self.send_limit, Some(limit) if self.sent.len() + data.len() > limit) {
            self.cut = true;
            return Err(Error::Send);
        }
        let old = self.sent.len();
        for &b in data {
            if matches!(self.sent.last(), None | Some(b'\n')) {
                self.line_tls.push(self.tls_up);
            }
            self.sent.push(b);
        }
        let from = old.saturating_sub(END_OF_DATA.len() - 1);
        let found = self.sent[from..]
            .windows(END_OF_DATA.len())
            .filter(|w| *w == END_OF_DATA)
            .count();
        if found > 0 && self.dot_at.is_none() {
            self.dot_at = Some(self.delivered.len());
        }
        self.dots += found;
        Ok(())
    }

    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.call();
        assert!(!buf.is_empty(), "receive into an empty buffer");
        if self.current.is_empty() {
            match self.turns.pop_front() {
                Some(turn) if !turn.is_empty() => self.current = turn,
                _ => return Err(Error::Receive),
            }
        }
        let want = 1 + (self.rng.next() as usize) % self.max_chunk;
        let n = want.min(buf.len()).min(self.current.len());
        let (chunk, rest) = self.current.split_at(n);
        buf[..n].copy_from_slice(chunk);
        self.delivered.extend_from_slice(chunk);
        self.current = rest;
        Ok(n)
    }

    fn upgrade(&mut self) -> Result<(), Error> {
        self.call();
        assert!(!self.tls_up, "TLS started twice");
        if self.implicit {
            assert!(self.sent.is_empty() && self.delivered.is_empty());
        } else {
            // Right after "STARTTLS" and a complete 220 that nothing followed.
            assert!(
                self.sent.ends_with(b"\r\nSTARTTLS\r\n"),
                "handshake out of turn"
            );
            assert!(self.delivered.ends_with(b"\n"));
            let body = &self.delivered[..self.delivered.len() - 1];
            let last = &body[body.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)..];
            assert!(
                last.starts_with(b"220") && matches!(last.get(3), None | Some(b' ' | b'\r')),
                "handshake without 220: {:?}",
                String::from_utf8_lossy(last)
            );
        }
        if self.upgrade_fails {
            return Err(Error::TlsHandshake);
        }
        self.upgrades.push(self.sent.len());
        self.tls_up = true;
        Ok(())
    }

    fn now_ms(&mut self) -> Option<u32> {
        let now = self.clock?;
        self.clock = Some(now.wrapping_add(self.tick));
        Some(now)
    }
}

/// Attachments and a streamed body pushed in pieces; may fail half way.
struct FuzzParts<'a> {
    attachments: usize,
    body_stream: bool,
    content: &'a [u8],
    fail: bool,
}

impl FuzzParts<'_> {
    fn push(&self, out: &mut dyn Out) -> Result<(), Error> {
        for piece in self.content.chunks(7) {
            out.put(piece);
        }
        if self.fail {
            return Err(Error::ApplicationAbort);
        }
        Ok(())
    }
}

impl Parts for FuzzParts<'_> {
    fn count(&self) -> usize {
        self.attachments
    }
    fn attachment(&self, index: usize) -> Option<Attachment<'_>> {
        (index < self.attachments).then_some(Attachment {
            filename: if index == 0 {
                b"log.csv"
            } else {
                b"\xc3\xa4 \"x\".bin"
            },
            content_type: b"application/octet-stream",
        })
    }
    fn stream(&mut self, _index: usize, out: &mut dyn Out) -> Result<(), Error> {
        self.push(out)
    }
    fn has_body_stream(&self) -> bool {
        self.body_stream
    }
    fn stream_body(&mut self, out: &mut dyn Out) -> Result<(), Error> {
        self.push(out)
    }
}

/// Checks every note the driver gives the application.
struct Checker {
    recipients: usize,
}

impl Observer for Checker {
    fn note(&mut self, note: &Note<'_>) {
        match note.event {
            Some(Event::RecipientAccepted(i)) => {
                assert!(i < self.recipients);
                assert_eq!(note.code / 100, 2, "accepted with {}", note.code);
            }
            Some(Event::RecipientRejected(i)) => {
                assert!(i < self.recipients);
                assert_ne!(note.code / 100, 2, "rejected with {}", note.code);
            }
            None => {}
        }
    }
}

/// A Vec as the DATA sink of the hand-written driver.
struct Collect(Vec<u8>);

impl Out for Collect {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// `true` when the first complete reply in `after` (which starts at a line
/// start) is a well-formed 2xx reply.
fn first_reply_is_positive(after: &[u8]) -> bool {
    let mut code = None;
    for line in after.split_inclusive(|&b| b == b'\n') {
        let Some(line) = line.strip_suffix(b"\n") else {
            return false; // incomplete
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let good = line.len() >= 3
            && (b'2'..=b'5').contains(&line[0])
            && (b'0'..=b'5').contains(&line[1])
            && line[2].is_ascii_digit();
        if !good || code.is_some_and(|c: &[u8]| c != &line[..3]) {
            return false;
        }
        code = Some(&line[..3]);
        match line.get(3) {
            None | Some(b' ') => return line[0] == b'2',
            Some(b'-') => {}
            Some(_) => return false,
        }
    }
    false
}

/// The driver written here: `client::run`'s job with an unbounded reply
/// buffer, plus out-of-turn calls when `misuse`.
fn drive_by_hand(
    session: &mut Session<'_, [Party<'_>]>,
    wire: &mut Wire<'_>,
    out_size: usize,
    parts: &mut dyn Parts,
    misuse: bool,
    rng: &mut Rng,
) {
    let mut inbuf: Vec<u8> = Vec::new();
    let mut out = vec![0u8; out_size];
    for _ in 0..MAX_CALLS {
        let want = session.want();
        if misuse && rng.next().is_multiple_of(16) {
            match rng.next() % 3 {
                0 if want != Want::Upgrade => {
                    session.on_upgraded(Ok(()));
                    wire.cut = true;
                    assert_eq!(
                        session.want(),
                        Want::Close,
                        "handshake out of turn accepted"
                    );
                }
                1 if want != Want::Content => {
                    session.content_sent(Ok(()));
                    assert_eq!(
                        session.want(),
                        want,
                        "content_sent out of turn changed state"
                    );
                }
                2 if want != Want::Send => {
                    assert_eq!(session.write(&mut out), 0, "write out of turn");
                    assert_eq!(session.want(), want);
                }
                _ => {}
            }
            continue;
        }
        match want {
            Want::Close => return,
            Want::Send => {
                let n = session.write(&mut out);
                assert!(n > 0, "Want::Send but nothing written");
                if let Err(e) = wire.send(&out[..n]) {
                    session.abort(e);
                }
            }
            Want::Content => {
                let mut sink = Collect(Vec::new());
                let written = session.write_content(&mut sink, parts);
                let mut sent = written;
                for piece in sink.0.chunks(out_size) {
                    if sent.is_ok() {
                        sent = wire.send(piece);
                    }
                }
                session.content_sent(sent);
            }
            Want::Upgrade => {
                let result = if inbuf.is_empty() {
                    wire.upgrade()
                } else {
                    Err(Error::TlsInjection)
                };
                session.on_upgraded(result);
            }
            Want::Receive => match parse_line(&inbuf) {
                Err(_) => session.abort(Error::ReplySyntax),
                Ok(Status::Complete((used, line))) => {
                    let last = line.last;
                    session.on_line(&line);
                    inbuf.drain(..used);
                    if last
                        && !inbuf.is_empty()
                        && matches!(session.want(), Want::Send | Want::Content)
                    {
                        session.unexpected_bytes();
                    }
                }
                Ok(Status::Partial) => {
                    let mut buf = [0u8; 512];
                    match wire.receive(&mut buf) {
                        Ok(n) => inbuf.extend_from_slice(&buf[..n]),
                        Err(e) => session.abort(e),
                    }
                }
            },
        }
    }
    panic!("the session does not end");
}

const SENDER: &[u8] = b"dev@example.test";

fn party(i: usize, kinds: u8) -> Party<'static> {
    const ADDRESSES: [&[u8]; 3] = [
        b"alice@example.test",
        b"\"bob q\"@[192.0.2.1]",
        b"carol@sub.example.test",
    ];
    Party {
        address: ADDRESSES[i],
        name: [&b""[..], b"Alice Example", b"J\xc3\xb6rg, \"x\""][(usize::from(kinds) + i) % 3],
        kind: [Kind::To, Kind::Cc, Kind::Bcc][(usize::from(kinds >> (2 * i))) % 3],
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 10 {
        return;
    }
    let (head, rest) = data.split_at(8);
    let [flags, shape, in_size, out_size, faults, seed_lo, seed_hi, chunk] =
        <[u8; 8]>::try_from(head).unwrap();
    let (body_len, repeat) = (usize::from(rest[0]), rest[1]);
    let rest = &rest[2..];
    let (body_piece, server) = rest.split_at(body_len.min(rest.len()));
    let body = body_piece.repeat(if repeat & 0x80 != 0 {
        usize::from(repeat & 0x3f) + 1
    } else {
        1
    });

    let tls = [
        TlsPolicy::Never,
        TlsPolicy::Opportunistic,
        TlsPolicy::Required,
        TlsPolicy::Implicit,
    ][usize::from(flags & 3)];
    let auth = flags & 4 != 0;
    let allow_insecure_auth = flags & 8 != 0;
    let mechanisms = Mechanisms::from_mask(u32::from((flags >> 4) & 3));
    let by_hand = flags & 0x40 != 0;
    let turns_mode = flags & 0x80 != 0;

    let count = 1 + usize::from(shape & 3) % 3;
    let recipients: Vec<Party<'static>> = (0..count).map(|i| party(i, shape)).collect();
    let null_sender = shape & 4 != 0;
    let attachments = usize::from((shape >> 3) & 3) % 3;
    let body_stream = shape & 0x20 != 0;
    let parts_fail = shape & 0x40 != 0;
    let dated = shape & 0x80 != 0;
    let headers: [&[u8]; 1] = [b"X-Fuzz: \xc3\xa9t\xc3\xa9 value"];

    let mail = Mail {
        sender: Party {
            address: if null_sender { b"" } else { SENDER },
            name: b"Device",
            kind: Kind::To,
        },
        recipients: recipients.as_slice(),
        subject: b"Fuzz \xe2\x9c\x93",
        body: &body,
        date: dated.then_some(Timestamp {
            year: 2026,
            month: 2,
            day: 28,
            hour: 23,
            minute: 59,
            second: 58,
        }),
        timezone: if dated { b"+0100" } else { b"" },
        domain: if null_sender {
            b""
        } else {
            b"dev.example.test"
        },
        unique: u64::from(seed_lo),
        reply_to: if dated { b"desk@example.test" } else { b"" },
        extra_headers: &headers,
        boundary: if attachments == 2 {
            b"b'()+_,-./:=? x"
        } else {
            b""
        },
    };
    assert_eq!(mail.validate(), Ok(()));
    let streamed = attachments > 0 || body_stream;
    let config = Config {
        user: if auth { b"user@example.test" } else { b"" },
        password: if auth { b"p\xc3\xa4ss word" } else { b"" },
        mechanisms,
        allow_insecure_auth,
        tls,
        timeout_ms: if faults & 0x40 != 0 {
            u32::from(faults & 0x0f) * 100
        } else {
            0
        },
        streamed_content: streamed,
        // The raw path (RawMessage) is not fuzzed here yet.
        raw_message: false,
    };
    assert_eq!(config.validate(), Ok(()));
    let mut parts = FuzzParts {
        attachments,
        body_stream,
        content: body_piece,
        fail: parts_fail,
    };
    let no_parts = &mut NoParts;
    let parts: &mut dyn Parts = if streamed { &mut parts } else { no_parts };

    let turns: VecDeque<&[u8]> = if turns_mode {
        server.split(|&b| b == b'|').collect()
    } else {
        VecDeque::from([server])
    };
    let seed = u64::from(u16::from_le_bytes([seed_lo, seed_hi])) | 0x9e37_79b9_0000_0000;
    let mut wire = Wire {
        turns,
        current: b"",
        rng: Rng(seed),
        max_chunk: usize::from(chunk) + 1,
        delivered: Vec::new(),
        sent: Vec::new(),
        line_tls: Vec::new(),
        dot_at: None,
        dots: 0,
        tls_up: false,
        upgrade_fails: faults & 0x10 != 0,
        upgrades: Vec::new(),
        implicit: tls == TlsPolicy::Implicit,
        send_limit: (faults & 0x20 != 0).then_some(usize::from(faults & 0x0f) * 40),
        cut: false,
        clock: (faults & 0x80 != 0).then_some(u32::MAX - 1000),
        tick: u32::from(chunk) * 7,
        calls: 0,
    };
    let out_size = 1 + usize::from(out_size);
    let mut session = Session::new(&mail, config);
    let result = if by_hand {
        let mut rng = Rng(seed ^ 0x5555);
        drive_by_hand(
            &mut session,
            &mut wire,
            out_size,
            parts,
            faults & 0x40 != 0,
            &mut rng,
        );
        session.outcome()
    } else {
        let mut inbuf = vec![0u8; 4 + usize::from(in_size)];
        let mut outbuf = vec![0u8; out_size];
        let mut checker = Checker { recipients: count };
        client::run(
            &mut session,
            &mut wire,
            &mut inbuf,
            &mut outbuf,
            &mut checker,
            parts,
        )
    };
    assert_eq!(session.want(), Want::Close);
    assert_eq!(result, session.outcome());

    // Never a false success.
    let sent = &wire.sent;
    assert!(wire.dots <= 1, "end of data sent {} times", wire.dots);
    let dot_end = wire.dot_at.map(|_| {
        sent.windows(END_OF_DATA.len())
            .position(|w| w == END_OF_DATA)
            .unwrap()
            + END_OF_DATA.len()
    });
    match result {
        Ok(()) | Err(Error::PartialDelivery) => {
            let at = wire.dot_at.expect("success without the final dot");
            let mut after = &wire.delivered[at..];
            if at > 0 && wire.delivered[at - 1] != b'\n' {
                // Bytes before the dot were still mid-line: skip that line.
                let lf = after
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(after.len(), |p| p + 1);
                after = &after[lf..];
            }
            assert!(
                first_reply_is_positive(after),
                "{result:?} without a 2xx to the final dot; server said {:?}",
                String::from_utf8_lossy(after)
            );
            assert!(sent.starts_with(b"EHLO ") || sent.starts_with(b"HELO "));
            let rcpts = sent
                .split(|&b| b == b'\n')
                .filter(|l| l.starts_with(b"RCPT TO:<"))
                .count();
            assert_eq!(rcpts, count, "not every recipient was tried");
            if result.is_ok() {
                assert_eq!(usize::from(session.tally().accepted), count);
            }
        }
        Err(Error::OutcomeUnknown) => {
            assert!(
                wire.dot_at.is_some(),
                "outcome unknown before the final dot"
            );
        }
        Err(_) => {}
    }
    if let Some(end) = dot_end {
        assert!(
            b"QUIT\r\n".starts_with(&sent[end..]),
            "after the end of data: {:?}",
            String::from_utf8_lossy(&sent[end..])
        );
    }

    // A clean wire: no bare CR or LF (the last line may be cut short when
    // the connection failed or was aborted, or an application stream failed
    // and the message was abandoned).
    let may_cut = wire.cut || (wire.dot_at.is_none() && result == Err(Error::ApplicationAbort));
    let complete = sent.len() - sent.iter().rev().take_while(|&&b| b != b'\n').count();
    if complete < sent.len() {
        assert!(
            may_cut,
            "unterminated last line: {:?}",
            String::from_utf8_lossy(&sent[complete..])
        );
    }
    for (i, &b) in sent.iter().enumerate() {
        if i + 1 == sent.len() && b == b'\r' && may_cut {
            break;
        }
        if b == b'\r' {
            assert_eq!(sent.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
        if b == b'\n' {
            assert!(i > 0 && sent[i - 1] == b'\r', "bare LF at {i}");
        }
    }
    // The message itself: from after the DATA command to the end of data.
    let mut in_message = false;
    let mut at = 0;
    for (line, &tls_up) in sent.split_inclusive(|&b| b == b'\n').zip(&wire.line_tls) {
        let start = at;
        at += line.len();
        assert!(line.len() <= 1000, "line of {} octets", line.len());
        if tls == TlsPolicy::Implicit {
            assert!(tls_up, "a line in clear with implicit TLS");
        }
        if in_message {
            in_message = dot_end.is_none_or(|end| at < end);
            continue;
        }
        assert!(
            line.len() <= 512 || line.starts_with(b"AUTH "),
            "command line of {}",
            line.len()
        );
        if line.starts_with(b"AUTH ") {
            assert!(tls_up || allow_insecure_auth, "AUTH in clear");
            assert!(auth, "AUTH without credentials");
        }
        if matches!(tls, TlsPolicy::Required | TlsPolicy::Implicit) && line.starts_with(b"MAIL ") {
            assert!(tls_up, "MAIL FROM in clear although TLS is required");
        }
        if line == b"DATA\r\n" {
            assert!(
                dot_end.is_none_or(|end| end > start),
                "DATA after the end of data"
            );
            in_message = true;
        }
    }
    assert_eq!(
        sent.split_inclusive(|&b| b == b'\n').count(),
        wire.line_tls.len()
    );
    for &at in &wire.upgrades {
        let next = &sent[at..];
        let first = &next[..next
            .iter()
            .position(|&b| b == b'\n')
            .map_or(next.len(), |p| p + 1)];
        // A line cut short by a failed send or an abort is a prefix.
        let cut_short = wire.cut && !first.ends_with(b"\n");
        let fits = |expected: &[u8]| {
            first.starts_with(expected) || (cut_short && expected.starts_with(first))
        };
        assert!(
            // Nothing (the connection ended), EHLO, or QUIT after a
            // greeting refused over implicit TLS.
            first.is_empty() || fits(b"EHLO ") || (wire.implicit && fits(b"QUIT\r\n")),
            "after the handshake: {:?}",
            String::from_utf8_lossy(first)
        );
    }
});
