// SPDX-License-Identifier: MIT OR Apache-2.0
//! The whole transaction (`engine::Engine`) against arbitrary server bytes.
//!
//! Input: 8 configuration bytes, a body (length byte, repeat byte, bytes),
//! then what the server sends. The configuration picks the TLS mode,
//! credentials, allowed AUTH mechanisms, the insecure-AUTH opt-in,
//! recipients (To/Cc/Bcc, 1-3, or 130-193 to pass PIPELINING's window of
//! 128 outstanding commands), the null sender, multipart items or a
//! streamed body (and whether the stream fails), a clock and a deadline,
//! a bearer token instead of the password (XOAUTH2 and OAUTHBEARER allowed
//! then, a 720-byte token when the seed says so: AUTH and its response in
//! two lines), the in/out buffer sizes, a failing TLS handshake or send, the seed of the
//! chunk sizes and of the short sends, and out-of-turn calls the API allows
//! at any time (`failed`, unasked bytes through `room`, `upgraded`,
//! `streamed`, `push`, `sent(0)`, `tick`), which must end the transaction
//! or be ignored.
//!
//! In "turns" mode the server bytes are split at `|` into turns and a
//! receive never crosses a turn (the server answers what the client said);
//! otherwise they are one stream cut at pseudo-random points.
//!
//! Checked, from what crossed the connection:
//! - the engine ends within a bound of actions and of bytes sent, its
//!   `Done` is final, and a send or receive is never empty;
//! - success (or a partial delivery) only when the final "\r\n.\r\n" was
//!   sent and the first reply after it was a 2xx, or (CHUNKING, RFC 3030)
//!   the whole `BDAT <n> LAST` chunk was sent and the reply after those to
//!   MAIL (a 2xx) and each RCPT was a 2xx that came after the chunk; after
//!   every recipient was tried, with the events and the report agreeing;
//!   OUTCOME_UNKNOWN only once DATA or a whole chunk was sent; the report's
//!   step is DONE only after a success;
//! - once the engine has decided the outcome it sends at most "QUIT\r\n";
//!   after a 421 it sends nothing;
//! - at most one end of the message (end-of-data line or a chunk's last
//!   octet), and only QUIT after it; one chunk at most, LAST, its octets
//!   and the QUIT after it sent without reading a reply; SIZE= is the
//!   size of the message as it goes (the chunk, or DATA's content without
//!   the end-of-data line);
//! - no bare CR or LF (the last line may be cut short when the transaction
//!   was ended mid-send), no line over 1000 octets, no command over 512;
//! - AUTH only with credentials, with an allowed mechanism, and over TLS
//!   unless the caller allowed it in clear; with a token only XOAUTH2 or
//!   OAUTHBEARER, without one never; with TLS required or implicit no
//!   AUTH or MAIL FROM (nor, implicit, anything) in clear;
//! - the TLS handshake only right after "STARTTLS" and a 220 that nothing
//!   followed (implicit: before anything), at most once, and EHLO again
//!   after it (implicit: after the greeting);
//! - recipient events one per recipient in order, accepted with a 2xx,
//!   rejected with anything else; items asked for in order, each once;
//! - the message (DATA content de-stuffed, a chunk as it is): no Bcc in
//!   the header, without items the text as given or quoted-printable.
//!
//! With `FUZZ_TRACE` set in the environment each run prints its result and
//! both sides of the wire (to see what a seed or an artifact does).
#![no_main]

use std::collections::VecDeque;

use ip_smtpc::check::check;
use ip_smtpc::engine::{Action, Engine, EventKind, TlsMode, AUTH_OAUTHBEARER, AUTH_XOAUTH2};
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::ends::{assert_shape, message_accepted, Ends};
use common::{canonical, qp_decode, FuzzMail, Rng};

/// Engine actions after which the transaction is considered to loop forever.
const MAX_ACTIONS: usize = 200_000;

/// `IP_SMTPC_STEP_DONE`: the report's step unless an error was decided.
const STEP_DONE: u8 = 11;

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
    /// Where messages start and end.
    ends: Ends,
    tls_up: bool,
    /// `sent.len()` at each handshake.
    upgrades: Vec<usize>,
    /// Sends fail once this many bytes went out.
    send_limit: Option<usize>,
    /// The last thing that crossed was from the server.
    server_last: bool,
    /// A bound on what the client may send for this mail (commands, header,
    /// the text quoted-printable, the items in base64).
    max_sent: usize,
}

impl Wire<'_> {
    /// Sends `data` (all of it); `false` when the transport fails.
    fn send(&mut self, data: &[u8]) -> bool {
        assert!(!data.is_empty(), "empty send");
        if matches!(self.send_limit, Some(limit) if self.sent.len() + data.len() > limit) {
            return false;
        }
        let old = self.sent.len();
        assert!(
            old + data.len() <= self.max_sent,
            "output beyond {}",
            self.max_sent
        );
        for &b in data {
            if matches!(self.sent.last(), None | Some(b'\n')) {
                self.line_tls.push(self.tls_up);
            }
            self.sent.push(b);
        }
        self.ends.feed(&self.sent, old, self.delivered.len());
        self.server_last = false;
        true
    }

    /// Up to `room` server bytes (never crossing a turn); `None` at the end.
    fn receive(&mut self, room: usize) -> Option<&[u8]> {
        assert!(room > 0, "receive into no room");
        if self.current.is_empty() {
            match self.turns.pop_front() {
                Some(turn) if !turn.is_empty() => self.current = turn,
                _ => return None,
            }
        }
        let want = 1 + self.rng.below(self.max_chunk);
        let n = want.min(room).min(self.current.len());
        let (chunk, rest) = self.current.split_at(n);
        self.current = rest;
        self.delivered.extend_from_slice(chunk);
        self.server_last = true;
        Some(chunk)
    }
}

const SENDER: &[u8] = b"dev@example.test";

fn recipient(i: usize, shape: u8) -> (Vec<u8>, Option<Vec<u8>>, i32) {
    const ADDRESSES: [&[u8]; 3] = [
        b"alice@example.test",
        b"bob.q@[192.0.2.1]",
        b"carol@sub.example.test",
    ];
    if i >= ADDRESSES.len() {
        return (
            Vec::new(),
            Some(format!("r{i}@example.test").into_bytes()),
            1,
        );
    }
    let name: &[u8] =
        [&b""[..], b"Alice Example", b"J\xc3\xb6rg, \"x\""][(usize::from(shape) + i) % 3];
    let kind = [1, 2, 3][(usize::from(shape >> (2 * i))) % 3];
    (name.to_vec(), Some(ADDRESSES[i].to_vec()), kind)
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
        TlsMode::Off,
        TlsMode::Optional,
        TlsMode::Required,
        TlsMode::Implicit,
    ][usize::from(flags & 3)];
    let auth = flags & 4 != 0;
    let insecure_auth = flags & 8 != 0;
    // A bearer token (seed bit 0x40) in place of the password: the OAuth
    // mechanisms are allowed too, the password ones stay as the flags say.
    let oauth = auth && seed_hi & 0x40 != 0;
    let mechanisms = (flags >> 4) & 3
        | if oauth {
            AUTH_XOAUTH2 | AUTH_OAUTHBEARER
        } else {
            0
        };
    let misuse = flags & 0x40 != 0;
    let turns_mode = flags & 0x80 != 0;

    // 3: more recipients than the engine's PIPELINING window (128 replies
    // owed), so that it refills the group while replies come.
    let count = match shape & 3 {
        3 => 130 + usize::from(seed_hi & 0x3f),
        n => 1 + usize::from(n),
    };
    let null_sender = shape & 4 != 0;
    let items = usize::from((shape >> 3) & 3) % 3;
    let streamed = shape & 0x20 != 0;
    let stream_fails = shape & 0x40 != 0;
    let dated = shape & 0x80 != 0;

    let mut entries = vec![(
        b"Device".to_vec(),
        Some(if null_sender {
            Vec::new()
        } else {
            SENDER.to_vec()
        }),
        4,
    )];
    entries.extend((0..count).map(|i| recipient(i, shape)));
    let mail = FuzzMail {
        entries,
        subject: "Fuzz \u{2713}".as_bytes().to_vec(),
        body: body.clone(),
        user: if auth {
            b"user@example.test".to_vec()
        } else {
            Vec::new()
        },
        password: if auth {
            b"p\xc3\xa4ss word".to_vec()
        } else {
            Vec::new()
        },
        domain: if null_sender {
            Vec::new()
        } else {
            b"dev.example.test".to_vec()
        },
        timezone: if dated { b"+0100".to_vec() } else { Vec::new() },
        reply_to: if dated {
            b"desk@example.test".to_vec()
        } else {
            Vec::new()
        },
        headers: vec!["X-Fuzz: \u{e9}t\u{e9} value".as_bytes().to_vec()],
        items: (0..items)
            .map(|i| {
                if i == 0 {
                    (b"log.csv".to_vec(), b"text/csv".to_vec())
                } else {
                    ("\u{e4} \"x\".bin".as_bytes().to_vec(), Vec::new())
                }
            })
            .collect(),
        boundary: if items == 2 {
            b"b'()+_,-./:=? x".to_vec()
        } else {
            Vec::new()
        },
        streamed,
        token: if !oauth {
            Vec::new()
        } else if seed_lo & 1 != 0 {
            b"ya29.".repeat(144)
        } else {
            b"ya29.a0AfH6SMBx-token_value/with+base64=".to_vec()
        },
    };
    // 2026-02-28 23:59:58 (FAT).
    let time = dated.then_some((46 << 25) | (2 << 21) | (28 << 16) | (23 << 11) | (59 << 5) | 29);
    let checked = check(&mail, time, usize::from(seed_lo)).expect("the mail is valid");

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
        ends: Ends::default(),
        tls_up: false,
        upgrades: Vec::new(),
        send_limit: (faults & 0x20 != 0).then_some(usize::from(faults & 0x0f) * 40),
        server_last: false,
        max_sent: 8192 + 80 * count + 4 * body.len() + 3 * body_piece.len() * (items + 1),
    };
    let upgrade_fails = faults & 0x10 != 0;
    let deadline = faults & 0x40 != 0;
    let clocked = faults & 0x80 != 0;
    let mut rng = Rng(seed ^ 0x5555);

    // The engine's buffers: at least 8 bytes in (its documented minimum)
    // and 16 out: with `mime`, an out buffer under `mime::ROOM` (12) makes
    // `Engine::next` loop forever once the text goes quoted-printable
    // (found while writing this target; 8 is the documented minimum).
    let (mut out, mut input) = (
        vec![0xAAu8; 16 + usize::from(out_size)],
        vec![0xAAu8; 8 + usize::from(in_size)],
    );
    let mut e = Engine::new(&mut out, &mut input, &checked);
    e.set_tls(tls);
    e.set_auth(mechanisms, insecure_auth);
    let mut now: u32 = u32::MAX - 1000;
    let step_ms = u32::from(chunk) * 7;
    if deadline {
        e.set_timeout(u32::from(faults & 0x0f) * 100, now);
    }

    // What the driver saw.
    let mut cut = false; // the transaction may have ended mid-send
    let mut rcpt_events: Vec<(usize, bool)> = Vec::new();
    let mut asked_items: Vec<usize> = Vec::new();
    let mut decided_at: Option<usize> = None;
    let mut handshakes = 0;
    let mut actions = 0;
    let result = loop {
        actions += 1;
        assert!(actions < MAX_ACTIONS, "the engine does not end");
        if decided_at.is_none() && e.report().0 != STEP_DONE {
            decided_at = Some(wire.sent.len());
        }
        if clocked {
            now = now.wrapping_add(step_ms);
            e.tick(now);
            cut |= deadline;
        }
        if misuse && rng.below(16) == 0 {
            // Any of these may end the transaction mid-send (or, in turn,
            // are legitimate), so the last line may be cut short after.
            cut = true;
            match rng.below(7) {
                0 => e.failed([Error::Send, Error::Receive, Error::Timeout][rng.below(3)]),
                1 => {
                    // Bytes nobody asked for (a non-blocking driver).
                    let room = e.room().len();
                    if room > 0 {
                        if let Some(chunk) = wire.receive(room) {
                            let n = chunk.len();
                            e.room()[..n].copy_from_slice(chunk);
                            e.received(n);
                        }
                    }
                }
                // A failed handshake (a successful one in turn would be
                // a handshake this driver did not do).
                2 => e.upgraded(false),
                3 => e.streamed::<FuzzMail>(rng.below(2) == 0),
                // Between the send of an item's fields and `Action::Item`
                // the engine already streams: then these are in turn.
                4 => {
                    e.push::<FuzzMail>(b"out of turn");
                }
                5 => e.sent(0),
                _ => e.received(0),
            }
            continue;
        }
        match e.next(&mail) {
            Action::Send(b) => {
                assert!(!b.is_empty(), "empty send");
                let n = 1 + rng.below(b.len());
                let part = b[..n].to_vec();
                if wire.send(&part) {
                    e.sent(n);
                } else {
                    e.failed(Error::Send);
                    cut = true;
                }
            }
            Action::Receive(room) => {
                let room_len = room.len();
                match wire.receive(room_len) {
                    Some(chunk) => {
                        let n = chunk.len();
                        room[..n].copy_from_slice(chunk);
                        e.received(n);
                    }
                    None => e.failed(Error::Receive),
                }
            }
            Action::Event(ev) => match ev.kind {
                EventKind::Accepted | EventKind::Rejected => {
                    let accepted = ev.kind == EventKind::Accepted;
                    assert_eq!(ev.code / 100 == 2, accepted, "{ev:?}");
                    assert_eq!(ev.index, rcpt_events.len() + 1, "recipient out of order");
                    assert!(ev.index <= count);
                    rcpt_events.push((ev.index, accepted));
                }
                EventKind::Step | EventKind::Reply => {}
            },
            Action::Done(r) => break r,
            Action::Upgrade => {
                handshakes += 1;
                assert_eq!(handshakes, 1, "TLS started twice");
                if tls == TlsMode::Implicit {
                    assert!(wire.sent.is_empty() && wire.delivered.is_empty());
                } else {
                    assert_ne!(tls, TlsMode::Off, "TLS without TLS");
                    // Right after "STARTTLS" and a complete 220 nothing followed.
                    common::assert_starttls_turn(&wire.sent, &wire.delivered);
                }
                if upgrade_fails {
                    e.upgraded(false);
                } else {
                    wire.upgrades.push(wire.sent.len());
                    wire.tls_up = true;
                    e.upgraded(true);
                }
            }
            Action::Item(i) => {
                let expected = if asked_items.is_empty() && streamed {
                    usize::MAX
                } else {
                    asked_items.iter().filter(|&&i| i != usize::MAX).count()
                };
                assert!(i == usize::MAX || i < items);
                if misuse {
                    // An early `streamed` may have ended an item unasked.
                    let done = asked_items.iter().filter(|&&i| i != usize::MAX).count();
                    let first = asked_items.is_empty();
                    assert!(
                        if i == usize::MAX {
                            first && streamed
                        } else {
                            i >= done
                        },
                        "item out of order"
                    );
                } else {
                    assert_eq!(i, expected, "item out of order");
                }
                asked_items.push(i);
                'stream: for piece in body_piece.chunks(7) {
                    let mut d = piece;
                    while !d.is_empty() {
                        let n = e.push::<FuzzMail>(d);
                        d = &d[n..];
                        if !d.is_empty() {
                            let p = e.pending().to_vec();
                            assert!(!p.is_empty(), "push takes nothing, nothing to send");
                            if !wire.send(&p) {
                                e.failed(Error::Send);
                                cut = true;
                                break 'stream;
                            }
                            e.sent(p.len());
                        }
                    }
                }
                e.streamed::<FuzzMail>(!stream_fails);
                cut |= stream_fails;
            }
        }
    };
    // Done is final.
    for _ in 0..3 {
        assert_eq!(e.next(&mail), Action::Done(result), "Done is not final");
    }
    let (step, _code, accepted, rejected, secure) = e.report();

    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!(
            "{result:?} report ({step}, {accepted}, {rejected}, {secure})\nC: {:?}\nS: {:?}",
            String::from_utf8_lossy(&wire.sent),
            String::from_utf8_lossy(&wire.delivered)
        );
    }
    let sent = &wire.sent;
    let ends = &wire.ends;
    // One end of the message, QUIT after it; BDAT's size and SIZE=.
    assert_shape(ends, sent, !misuse);
    let ended = ends.ended();
    let dot_end = ended.and_then(|c| c.end).map(|(end, _)| end);
    let sent_lines: Vec<&[u8]> = sent.split_inclusive(|&b| b == b'\n').collect();

    // Never a false success; the report agrees.
    assert_eq!(
        usize::from(accepted),
        rcpt_events.iter().filter(|e| e.1).count()
    );
    assert_eq!(
        usize::from(rejected),
        rcpt_events.iter().filter(|e| !e.1).count()
    );
    match result {
        Ok(()) | Err(Error::PartialDelivery) => {
            // Also when the driver hands over bytes while the final dot is
            // unsent (seed-crash-reply-before-the-dot-went-out, once a false
            // success) or the chunk is.
            if let Err(why) = message_accepted(ends, sent, &wire.delivered) {
                panic!("{result:?} {why}");
            }
            assert_eq!(rcpt_events.len(), count, "not every recipient was tried");
            if result.is_ok() {
                assert_eq!(usize::from(accepted), count);
                assert_eq!(step, STEP_DONE);
            } else {
                assert!(accepted > 0 && rejected > 0);
                assert_ne!(step, STEP_DONE);
            }
            assert_eq!(secure, wire.tls_up);
        }
        Err(Error::OutcomeUnknown) => {
            assert!(
                ends.message_may_be_taken(),
                "outcome unknown before DATA or a whole chunk"
            );
            assert_ne!(step, STEP_DONE);
        }
        Err(_) => assert_ne!(step, STEP_DONE),
    }
    // After an error was decided: QUIT at most. Under PIPELINING, when
    // DATA went out in the group before the envelope failed, a 354 to it
    // gets the end of data alone first (RFC 2920 §3.1).
    if let Some(at) = decided_at {
        let after = &sent[at..];
        let after = if sent[..at].ends_with(b"DATA\r\n") {
            after.strip_prefix(b".\r\n").unwrap_or(after)
        } else {
            after
        };
        assert!(
            b"QUIT\r\n".starts_with(after),
            "sent after the decision: {:?}",
            String::from_utf8_lossy(&sent[at..])
        );
    }
    if matches!(result, Err(Error::ServiceClosing)) && !cut {
        assert!(wire.server_last, "sent after 421");
    }

    // A clean wire.
    let complete = sent.len() - sent.iter().rev().take_while(|&&b| b != b'\n').count();
    if complete < sent.len() {
        assert!(
            cut,
            "unterminated last line: {:?}",
            String::from_utf8_lossy(&sent[complete..])
        );
    }
    for (i, &b) in sent.iter().enumerate() {
        if i + 1 == sent.len() && b == b'\r' && cut {
            break;
        }
        if b == b'\r' {
            assert_eq!(sent.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
        if b == b'\n' {
            assert!(i > 0 && sent[i - 1] == b'\r', "bare LF at {i}");
        }
    }
    assert_eq!(sent_lines.len(), wire.line_tls.len());
    let mut at = 0;
    // A SASL response after an AUTH that had none (RFC 4954 §4: up to
    // 12,288 octets; a 720-byte token's is about 1,000) is not held to the
    // command and text line limits.
    let mut sasl_response = false;
    for (line, &tls_up) in sent_lines.iter().zip(&wire.line_tls) {
        let start = at;
        at += line.len();
        let response = sasl_response;
        let text = line.strip_suffix(b"\r\n").unwrap_or(line);
        sasl_response = text.starts_with(b"AUTH ") && !text[5..].contains(&b' ');
        assert!(
            line.len() <= if response { 12_290 } else { 1000 },
            "line of {} octets",
            line.len()
        );
        if tls == TlsMode::Implicit {
            assert!(tls_up, "a line in clear with implicit TLS");
        }
        if ends.in_message(start) {
            continue;
        }
        assert!(
            response || line.len() <= 512,
            "command line of {}",
            line.len()
        );
        if line.starts_with(b"AUTH ") {
            assert!(tls_up || insecure_auth, "AUTH in clear");
            assert!(auth, "AUTH without credentials");
            let mechanism = [
                (&b"AUTH PLAIN"[..], 1),
                (b"AUTH LOGIN", 2),
                (b"AUTH XOAUTH2", AUTH_XOAUTH2),
                (b"AUTH OAUTHBEARER", AUTH_OAUTHBEARER),
            ]
            .into_iter()
            .find(|(name, _)| {
                line.starts_with(name) && matches!(line.get(name.len()), Some(b' ' | b'\r'))
            });
            let Some((_, bit)) = mechanism else {
                panic!("AUTH with an unknown mechanism: {line:?}");
            };
            assert!(mechanisms & bit != 0, "AUTH with a mechanism not allowed");
            assert_eq!(
                oauth,
                bit & (AUTH_XOAUTH2 | AUTH_OAUTHBEARER) != 0,
                "a password mechanism with a token, or OAuth without one"
            );
        }
        if matches!(tls, TlsMode::Required | TlsMode::Implicit)
            && (line.starts_with(b"MAIL ") || line.starts_with(b"AUTH "))
        {
            assert!(
                tls_up,
                "MAIL FROM or AUTH in clear although TLS is required"
            );
        }
        if *line == b"DATA\r\n" || line.starts_with(b"BDAT ") {
            assert!(
                dot_end.is_none_or(|end| end > start),
                "DATA or BDAT after the end of the message"
            );
        }
    }
    for &at in &wire.upgrades {
        let next = &sent[at..];
        let first = &next[..next
            .iter()
            .position(|&b| b == b'\n')
            .map_or(next.len(), |p| p + 1)];
        let cut_short = cut && !first.ends_with(b"\n");
        let fits = |expected: &[u8]| {
            first.starts_with(expected) || (cut_short && expected.starts_with(first))
        };
        assert!(
            // Nothing (the connection ended), EHLO, or QUIT after a
            // greeting refused over implicit TLS.
            first.is_empty() || fits(b"EHLO ") || (tls == TlsMode::Implicit && fits(b"QUIT\r\n")),
            "after the handshake: {:?}",
            String::from_utf8_lossy(first)
        );
    }
    // The message as the server keeps it (DATA content de-stuffed, a
    // chunk as it is): no Bcc in its header; without items, the text as it
    // was given (canonical line breaks), as it is or quoted-printable,
    // 8bit only when the server took BODY=8BITMIME.
    // The end of data alone (a 354 to a pipelined DATA after the envelope
    // failed, RFC 2920 §3.1): no message went out, and nothing succeeded.
    let kept = ends.kept(sent);
    if ended.is_some() && kept.is_none() {
        assert!(result.is_err(), "{result:?} after the end of data alone");
    }
    if let (Some(message), false) = (kept, misuse) {
        assert!(message.ends_with(b"\r\n"), "a message not ended by CR LF");
        let split = message
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("no end of the header block");
        let (header, text) = (&message[..split + 2], &message[split + 4..]);
        assert!(!header.starts_with(b"Bcc") && !header.windows(5).any(|w| w == b"\nBcc:"));
        for (_, addr, kind) in &mail.entries[1..] {
            let addr = addr.as_deref().unwrap();
            if *kind == 3 {
                assert!(
                    !header.windows(addr.len()).any(|w| w == addr),
                    "a Bcc address in the header"
                );
            }
        }
        if items == 0 {
            let cte = b"Content-Transfer-Encoding: ";
            let at = header
                .windows(cte.len())
                .position(|w| w == cte)
                .expect("no Content-Transfer-Encoding")
                + cte.len();
            let cte = &header[at..at + header[at..].iter().position(|&b| b == b'\r').unwrap()];
            let source = if streamed { body_piece } else { &body[..] };
            let eight = sent_lines
                .iter()
                .any(|l| l.starts_with(b"MAIL FROM:<") && l.ends_with(b" BODY=8BITMIME\r\n"));
            match cte {
                b"quoted-printable" => assert_eq!(qp_decode(text), canonical(source)),
                b"7bit" | b"8bit" => {
                    assert!(!streamed, "a streamed text as it is");
                    assert_eq!(text, canonical(source), "the text as it is");
                    assert_eq!(cte == b"8bit", eight, "8bit without BODY=8BITMIME");
                    assert_eq!(eight, source.iter().any(|&b| b >= 0x80));
                }
                _ => panic!(
                    "Content-Transfer-Encoding: {}",
                    String::from_utf8_lossy(cte)
                ),
            }
        }
    }
    // Items: in order, each once (the text first when it is streamed).
    let mut expected_items: Vec<usize> = Vec::new();
    if streamed {
        expected_items.push(usize::MAX);
    }
    expected_items.extend(0..items);
    if !misuse {
        assert!(expected_items.starts_with(&asked_items), "{asked_items:?}");
    }
});
