// SPDX-License-Identifier: MIT OR Apache-2.0
//! Blocking driver: pumps bytes between a [`Session`] and a [`Transport`].
//!
//! The driver owns no memory: the reply buffer and the output buffer are the
//! caller's (the C API puts them on its stack, sized by
//! `SMTPC_IN_BUFFER_SIZE` / `SMTPC_OUT_BUFFER_SIZE`). With the transport's
//! clock, when it has one, it bounds every transport call by a deadline of
//! [`Session::reply_timeout_ms`]:
//!
//! - a receive: from the time the wait for the current reply began, so a
//!   server that trickles one byte at a time cannot stretch a reply;
//! - the TLS handshake ([`Transport::upgrade`]): from its start;
//! - a send: from its start.
//!
//! Before each call the transport is told what is left
//! ([`Transport::set_timeout`]), so that a call that blocks inside the
//! transport (a TLS record or handshake arriving byte by byte) can end in
//! time; after each call the clock is read again, and a deadline that has
//! passed ends the session with [`Error::Timeout`], whatever the call
//! returned: nothing more is sent.

use crate::cursor::Out;
use crate::error::Error;
use crate::message::content::Parts;
use crate::message::Recipients;
use crate::reply::{parse_line, Enhanced, Status};
use crate::session::{Event, Session, Step, Want};

/// The connection, as the session sees it.
pub trait Transport {
    /// Sends all of `data`.
    fn send(&mut self, data: &[u8]) -> Result<(), Error>;
    /// Receives at least one byte into `buf`; returns how many.
    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error>;
    /// Starts TLS on the connection (STARTTLS or implicit TLS).
    fn upgrade(&mut self) -> Result<(), Error>;
    /// Milliseconds from any fixed point, wrapping; `None` without a clock.
    fn now_ms(&mut self) -> Option<u32> {
        None
    }
    /// The calls that follow, up to the next `set_timeout`, must return
    /// within `remaining_ms` milliseconds (at least 1). Called before every
    /// send, receive and upgrade when there is a clock; by default ignored
    /// (the transport bounds itself).
    fn set_timeout(&mut self, _remaining_ms: u32) {}
}

/// What the driver tells the application as the dialogue goes on.
#[derive(Clone, Copy, Debug)]
pub struct Note<'t> {
    /// The step the session is in (for a reply: the step it answered).
    pub step: Step,
    /// The event, when the note is about a recipient.
    pub event: Option<Event>,
    /// Code of the reply that caused the note, 0 when none.
    pub code: u16,
    /// Enhanced status code of that reply, when it had one.
    pub enhanced: Option<Enhanced>,
    /// Text of the reply's last line (without code and CR LF), empty when none.
    pub text: &'t [u8],
}

/// Receives [`Note`]s; the C API forwards them to `pfCallback`.
pub trait Observer {
    /// Called for every step change and every recipient result.
    fn note(&mut self, note: &Note<'_>);
    /// Called with every complete reply (`event` is `None`), e.g. to keep
    /// the last reply for an error message.
    fn reply(&mut self, _note: &Note<'_>) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn note(&mut self, _note: &Note<'_>) {}
}

/// The DATA stream: fills the output buffer and sends it when full. The
/// first send error is kept and everything after it is dropped.
struct DataSink<'b, T: Transport> {
    transport: &'b mut T,
    buf: &'b mut [u8],
    filled: usize,
    error: Option<Error>,
    /// Deadline of each send.
    limit_ms: u32,
}

impl<T: Transport> DataSink<'_, T> {
    fn flush(&mut self) {
        if self.error.is_none() && self.filled > 0 {
            let data = self.buf.get(..self.filled).unwrap_or_default();
            if let Err(e) = send_bounded(self.transport, data, self.limit_ms) {
                self.error = Some(e);
            }
        }
        self.filled = 0;
    }
}

impl<T: Transport> Out for DataSink<'_, T> {
    fn put(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.error.is_none() {
            let room = self.buf.get_mut(self.filled..).unwrap_or_default();
            let n = crate::bytes::copy(room, bytes);
            self.filled += n;
            bytes = bytes.get(n..).unwrap_or_default();
            if self.filled == self.buf.len() {
                self.flush();
            }
        }
    }
}

/// Runs `session` to its end over `transport`. `inbuf` bounds the longest
/// reply line; `outbuf` is what is handed to [`Transport::send`] at once;
/// `parts` streams attachments and a streamed body.
pub fn run<R, T, O>(
    session: &mut Session<'_, R>,
    transport: &mut T,
    inbuf: &mut [u8],
    outbuf: &mut [u8],
    observer: &mut O,
    parts: &mut dyn Parts,
) -> Result<(), Error>
where
    R: Recipients + ?Sized,
    T: Transport,
    O: Observer,
{
    let mut filled = 0usize;
    let mut reply_started: Option<u32> = None;
    let mut step = session.step();
    observer.note(&Note {
        step,
        event: None,
        code: 0,
        enhanced: None,
        text: b"",
    });
    loop {
        match session.want() {
            Want::Close => break,
            Want::Send => {
                let n = session.write(outbuf);
                if let Some(bytes) = outbuf.get(..n).filter(|b| !b.is_empty()) {
                    if let Err(e) = send_bounded(transport, bytes, session.reply_timeout_ms()) {
                        session.abort(e);
                    }
                }
            }
            Want::Content => {
                let mut sink = DataSink {
                    transport: &mut *transport,
                    buf: &mut *outbuf,
                    filled: 0,
                    error: None,
                    limit_ms: session.reply_timeout_ms(),
                };
                let written = session.write_content(&mut sink, parts);
                sink.flush();
                let sent = match (written, sink.error) {
                    (Err(e), _) | (Ok(()), Some(e)) => Err(e),
                    (Ok(()), None) => Ok(()),
                };
                session.content_sent(sent);
            }
            Want::Upgrade => {
                // RFC 3207 §4.2 / CVE-2021-22947: nothing may arrive between
                // "220 ready" and the handshake.
                let result = if filled > 0 {
                    Err(Error::TlsInjection)
                } else {
                    let start = transport.now_ms();
                    bounded(transport, start, session.reply_timeout_ms(), T::upgrade)
                };
                session.on_upgraded(result);
            }
            Want::Receive => {
                let buffered = inbuf.get(..filled).unwrap_or_default();
                match parse_line(buffered) {
                    Err(_) => session.abort(Error::ReplySyntax),
                    Ok(Status::Complete((used, line))) => {
                        let answered = session.step();
                        let event = session.on_line(&line);
                        let note = Note {
                            step: answered,
                            event,
                            code: line.code,
                            enhanced: session.tally().last_enhanced,
                            text: line.text,
                        };
                        if line.last {
                            reply_started = None;
                            observer.reply(&Note {
                                event: None,
                                ..note
                            });
                        }
                        if event.is_some() {
                            observer.note(&note);
                        }
                        let last = line.last;
                        filled = crate::bytes::shift_down(inbuf, used, filled);
                        // Without pipelining, nothing may follow a reply that
                        // asks us to speak next.
                        if last
                            && filled > 0
                            && matches!(session.want(), Want::Send | Want::Content)
                        {
                            session.unexpected_bytes();
                        }
                    }
                    Ok(Status::Partial) => {
                        filled =
                            receive_more(session, transport, inbuf, filled, &mut reply_started);
                    }
                }
            }
        }
        if session.step() != step {
            step = session.step();
            let tally = session.tally();
            observer.note(&Note {
                step,
                event: None,
                code: tally.last_code,
                enhanced: tally.last_enhanced,
                text: b"",
            });
        }
    }
    session.outcome()
}

/// One receive into the free end of `inbuf`; enforces the reply deadline.
fn receive_more<R, T>(
    session: &mut Session<'_, R>,
    transport: &mut T,
    inbuf: &mut [u8],
    filled: usize,
    reply_started: &mut Option<u32>,
) -> usize
where
    R: Recipients + ?Sized,
    T: Transport,
{
    let Some(free) = inbuf.get_mut(filled..).filter(|f| !f.is_empty()) else {
        session.abort(Error::ReplyTooLong);
        return filled;
    };
    if reply_started.is_none() {
        *reply_started = transport.now_ms();
    }
    let received = bounded(
        transport,
        *reply_started,
        session.reply_timeout_ms(),
        |t| match t.receive(free) {
            Ok(0) => Err(Error::Receive),
            other => other,
        },
    );
    match received {
        Ok(n) => filled + n.min(free.len()),
        Err(e) => {
            session.abort(e);
            filled
        }
    }
}

/// Milliseconds left (at least 1) of a deadline of `limit_ms` that began at
/// `start`; `Ok(None)` without a clock, [`Error::Timeout`] once more than
/// `limit_ms` have passed.
fn left(start: Option<u32>, now: Option<u32>, limit_ms: u32) -> Result<Option<u32>, Error> {
    let (Some(start), Some(now)) = (start, now) else {
        return Ok(None);
    };
    let elapsed = now.wrapping_sub(start);
    if elapsed > limit_ms {
        return Err(Error::Timeout);
    }
    Ok(Some((limit_ms - elapsed).max(1)))
}

/// Runs one transport call under the deadline of `limit_ms` that began at
/// `start`: tells the transport what is left before the call (none left:
/// the call is not made), and reports [`Error::Timeout`] instead of the
/// call's result when the deadline passed meanwhile.
fn bounded<T, R>(
    transport: &mut T,
    start: Option<u32>,
    limit_ms: u32,
    call: impl FnOnce(&mut T) -> Result<R, Error>,
) -> Result<R, Error>
where
    T: Transport,
{
    let now = transport.now_ms();
    if let Some(remaining) = left(start, now, limit_ms)? {
        transport.set_timeout(remaining);
    }
    let result = call(transport);
    let now = transport.now_ms();
    left(start, now, limit_ms)?;
    result
}

/// Sends all of `data` within `limit_ms` from now.
fn send_bounded<T: Transport>(transport: &mut T, data: &[u8], limit_ms: u32) -> Result<(), Error> {
    let start = transport.now_ms();
    bounded(transport, start, limit_ms, |t| t.send(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::content::NoParts;
    use crate::message::{Kind, Mail, Party, NO_HEADERS};
    use crate::session::{Config, TlsPolicy};

    /// A transport replaying server text in given chunk sizes. The text is
    /// split at `|` into turns; a turn is released when the client sends,
    /// as a real server would answer.
    struct Scripted {
        turns: std::collections::VecDeque<Vec<u8>>,
        incoming: Vec<u8>,
        chunk: usize,
        sent: Vec<u8>,
        clock: Option<u32>,
        tick: u32,
        upgrades: usize,
        /// The last turn released was a 354: the message is being sent.
        in_message: bool,
        /// Milliseconds the handshake takes on the clock.
        upgrade_ms: u32,
        /// The calls in order: `t` (set_timeout, with its value), `s`, `r`, `u`.
        calls: Vec<(char, u32)>,
    }

    impl Scripted {
        fn new(server: &str, chunk: usize, clock: Option<u32>, tick: u32) -> Self {
            let mut turns: std::collections::VecDeque<Vec<u8>> =
                server.split('|').map(|t| t.as_bytes().to_vec()).collect();
            let incoming = turns.pop_front().unwrap_or_default();
            Scripted {
                turns,
                incoming,
                chunk,
                sent: Vec::new(),
                clock,
                tick,
                upgrades: 0,
                in_message: false,
                upgrade_ms: 0,
                calls: Vec::new(),
            }
        }
    }

    impl Transport for Scripted {
        fn send(&mut self, data: &[u8]) -> Result<(), Error> {
            self.calls.push(('s', 0));
            self.sent.extend_from_slice(data);
            // Inside the message only the final dot ends the client's turn.
            let turn_ends = if self.in_message {
                self.sent.ends_with(b"\r\n.\r\n")
            } else {
                data.ends_with(b"\r\n")
            };
            if turn_ends {
                if let Some(turn) = self.turns.pop_front() {
                    self.in_message = turn.starts_with(b"354");
                    self.incoming.extend_from_slice(&turn);
                }
            }
            Ok(())
        }
        fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
            self.calls.push(('r', 0));
            if self.incoming.is_empty() {
                return Err(Error::Receive);
            }
            let n = self.chunk.min(buf.len()).min(self.incoming.len());
            buf[..n].copy_from_slice(&self.incoming[..n]);
            self.incoming.drain(..n);
            Ok(n)
        }
        fn upgrade(&mut self) -> Result<(), Error> {
            self.calls.push(('u', 0));
            self.upgrades += 1;
            self.clock = self.clock.map(|c| c.wrapping_add(self.upgrade_ms));
            Ok(())
        }
        fn now_ms(&mut self) -> Option<u32> {
            let now = self.clock?;
            self.clock = Some(now.wrapping_add(self.tick));
            Some(now)
        }
        fn set_timeout(&mut self, remaining_ms: u32) {
            self.calls.push(('t', remaining_ms));
        }
    }

    #[derive(Default)]
    struct Recorder {
        steps: Vec<Step>,
        rejected: Vec<(usize, u16, Vec<u8>)>,
    }

    impl Observer for Recorder {
        fn note(&mut self, note: &Note<'_>) {
            match note.event {
                Some(Event::RecipientRejected(i)) => {
                    self.rejected.push((i, note.code, note.text.to_vec()))
                }
                Some(Event::RecipientAccepted(_)) => {}
                None => self.steps.push(note.step),
            }
        }
    }

    const RCPTS: [Party<'static>; 2] = [
        Party {
            address: b"alice@example.test",
            name: b"",
            kind: Kind::To,
        },
        Party {
            address: b"bob@example.test",
            name: b"",
            kind: Kind::To,
        },
    ];

    fn mail() -> Mail<'static, [Party<'static>]> {
        Mail {
            sender: Party {
                address: b"dev@example.test",
                name: b"",
                kind: Kind::To,
            },
            recipients: &RCPTS,
            subject: b"s",
            body: b"b\r\n",
            date: None,
            timezone: b"",
            domain: b"",
            unique: 0,
            reply_to: b"",
            extra_headers: &NO_HEADERS,
            boundary: b"",
        }
    }

    fn config() -> Config<'static> {
        Config::anonymous(0)
    }

    const SERVER: &str =
        "220-mx ESMTP\r\n220 ready\r\n|250-mx\r\n250 PIPELINING\r\n|250 ok\r\n|250 ok\r\n|\
                          550 5.1.1 no such user\r\n|354 go\r\n|250 queued\r\n|221 bye\r\n";

    fn drive(
        server: &str,
        chunk: usize,
        inbuf: usize,
        recorder: &mut Recorder,
    ) -> (Result<(), Error>, Vec<u8>) {
        let m = mail();
        let mut session = Session::new(&m, config());
        let mut t = Scripted::new(server, chunk, None, 0);
        let mut inb = vec![0u8; inbuf];
        let mut outb = vec![0u8; 32];
        let r = run(
            &mut session,
            &mut t,
            &mut inb,
            &mut outb,
            recorder,
            &mut NoParts,
        );
        (r, t.sent)
    }

    #[test]
    fn any_chunking_gives_the_same_dialogue() {
        let (reference, wire) = drive(SERVER, 4096, 256, &mut Recorder::default());
        assert_eq!(reference, Err(Error::PartialDelivery));
        for chunk in [1, 2, 3, 5, 7, 13, 64] {
            let mut rec = Recorder::default();
            let (r, sent) = drive(SERVER, chunk, 256, &mut rec);
            assert_eq!((r, &sent), (reference, &wire), "chunk {chunk}");
            assert_eq!(rec.rejected, vec![(1, 550, b"5.1.1 no such user".to_vec())]);
            assert_eq!(
                rec.steps,
                vec![
                    Step::Greeting,
                    Step::Ehlo,
                    Step::Mail,
                    Step::Rcpt,
                    Step::Data,
                    Step::EndOfData,
                    Step::Quit,
                    Step::Done
                ]
            );
        }
    }

    #[test]
    fn reply_line_longer_than_the_buffer() {
        let long = format!("220 {}\r\n", "x".repeat(100));
        let (r, sent) = drive(&long, 7, 64, &mut Recorder::default());
        assert_eq!(r, Err(Error::ReplyTooLong));
        assert!(sent.is_empty());
    }

    #[test]
    fn eof_at_every_step_is_an_error_never_success() {
        for cut in 0..SERVER.len() {
            let (r, _) = drive(&SERVER[..cut], 3, 256, &mut Recorder::default());
            let go_end = SERVER.find("354 go\r\n").unwrap() + 8;
            let queued_end = SERVER.find("250 queued\r\n").unwrap() + 12;
            if (go_end..queued_end).contains(&cut) {
                assert_eq!(r, Err(Error::OutcomeUnknown), "cut {cut}");
            } else if cut >= queued_end {
                // The message was accepted; QUIT's reply does not matter.
                assert_eq!(r, Err(Error::PartialDelivery), "cut {cut}");
            } else {
                assert_eq!(r, Err(Error::Receive), "cut {cut}");
            }
        }
    }

    #[test]
    fn data_after_a_reply_outside_pipelining_is_refused() {
        let (r, _) = drive(
            "220 hi\r\n250 extra\r\n|250 mx\r\n",
            4096,
            256,
            &mut Recorder::default(),
        );
        assert_eq!(r, Err(Error::UnexpectedReply));
        // Also when the surplus follows the 354 that invites the message.
        let server =
            "220 hi\r\n|250 mx\r\n|250 ok\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n250 early\r\n";
        let (r, sent) = drive(server, 4096, 256, &mut Recorder::default());
        assert_eq!(r, Err(Error::UnexpectedReply));
        assert!(sent.ends_with(b"DATA\r\n"), "no message after the surplus");
    }

    #[test]
    fn deadline_is_per_reply_not_per_read() {
        let m = mail();
        let cfg = Config {
            timeout_ms: 1000,
            ..config()
        };
        let mut session = Session::new(&m, cfg);
        // One byte per read, 100 ms per clock reading: the 14-byte greeting
        // takes well over a second.
        let mut t = Scripted::new("220 slow server\r\n", 1, Some(0), 100);
        let (mut inb, mut outb) = ([0u8; 64], [0u8; 32]);
        assert_eq!(
            run(
                &mut session,
                &mut t,
                &mut inb,
                &mut outb,
                &mut Silent,
                &mut NoParts
            ),
            Err(Error::Timeout)
        );
        assert!(t.sent.is_empty());
    }

    #[test]
    fn bytes_before_the_tls_handshake_are_refused() {
        let m = mail();
        let cfg = Config {
            tls: TlsPolicy::Required,
            ..config()
        };
        let mut session = Session::new(&m, cfg);
        let server = "220 hi\r\n|250-mx\r\n250 STARTTLS\r\n|220 go ahead\r\n250 injected\r\n";
        let mut t = Scripted::new(server, 4096, None, 0);
        let (mut inb, mut outb) = ([0u8; 256], [0u8; 32]);
        assert_eq!(
            run(
                &mut session,
                &mut t,
                &mut inb,
                &mut outb,
                &mut Silent,
                &mut NoParts
            ),
            Err(Error::TlsInjection)
        );
        assert_eq!(t.upgrades, 0);
        assert_eq!(t.sent, b"EHLO example.test\r\nSTARTTLS\r\n");
    }

    /// A STARTTLS dialogue, then EHLO and a mail to both recipients.
    const STARTTLS_SERVER: &str = "220 hi\r\n|250-mx\r\n250 STARTTLS\r\n|220 go ahead\r\n|\
                                   250 mx\r\n|250 ok\r\n|250 ok\r\n|250 ok\r\n|354 go\r\n|250 queued\r\n|221 bye\r\n";

    /// Runs a STARTTLS session with a `timeout_ms` deadline over `t`.
    fn run_tls(t: &mut Scripted, timeout_ms: u32) -> Result<(), Error> {
        let m = mail();
        let cfg = Config {
            tls: TlsPolicy::Required,
            timeout_ms,
            ..config()
        };
        let mut session = Session::new(&m, cfg);
        let (mut inb, mut outb) = ([0u8; 256], [0u8; 32]);
        run(
            &mut session,
            t,
            &mut inb,
            &mut outb,
            &mut Silent,
            &mut NoParts,
        )
    }

    #[test]
    fn every_call_is_told_the_time_left_first() {
        // A stopped clock: every send and the handshake get the whole
        // deadline, every receive what is left of its reply's (all of it).
        let mut t = Scripted::new(STARTTLS_SERVER, 3, Some(500), 0);
        assert_eq!(run_tls(&mut t, 3000), Ok(()));
        assert_eq!(t.upgrades, 1);
        let mut told = None;
        for &(call, ms) in &t.calls {
            match call {
                't' => told = Some(ms),
                _ => assert_eq!(told.take(), Some(3000), "{call} without set_timeout first"),
            }
        }
    }

    #[test]
    fn a_trickled_reply_is_told_less_and_less() {
        // 100 ms per clock reading, 3 bytes per receive: the greeting's
        // receives are told 1000 ms minus what its wait has used.
        let mut t = Scripted::new("220 slow server\r\n", 3, Some(0), 100);
        assert_eq!(run_tls(&mut t, 1000), Err(Error::Timeout));
        let told: Vec<u32> = t.calls.iter().filter(|c| c.0 == 't').map(|c| c.1).collect();
        assert!(told.len() >= 2, "{told:?}");
        assert!(told.windows(2).all(|w| w[1] < w[0]), "{told:?}");
        assert!(told.iter().all(|&ms| (1..=1000).contains(&ms)), "{told:?}");
        assert!(t.sent.is_empty());
    }

    #[test]
    fn a_handshake_over_the_deadline_is_a_timeout_and_nothing_follows() {
        let mut t = Scripted::new(STARTTLS_SERVER, 4096, Some(0), 0);
        t.upgrade_ms = 3001;
        assert_eq!(run_tls(&mut t, 3000), Err(Error::Timeout));
        assert_eq!(t.upgrades, 1);
        assert_eq!(
            t.calls.last(),
            Some(&('u', 0)),
            "no call after the handshake"
        );
        assert_eq!(t.sent, b"EHLO example.test\r\nSTARTTLS\r\n");
        // Just in time is in time.
        let mut t = Scripted::new(STARTTLS_SERVER, 4096, Some(0), 0);
        t.upgrade_ms = 3000;
        assert_eq!(run_tls(&mut t, 3000), Ok(()));
    }

    #[test]
    fn without_a_clock_the_transport_is_never_bounded() {
        let mut t = Scripted::new(STARTTLS_SERVER, 5, None, 0);
        assert_eq!(run_tls(&mut t, 0), Ok(()));
        assert!(t.calls.iter().all(|c| c.0 != 't'));
    }

    #[test]
    fn time_left_is_at_least_one_and_none_after_the_deadline() {
        assert_eq!(left(None, Some(5), 10), Ok(None));
        assert_eq!(left(Some(5), None, 10), Ok(None));
        assert_eq!(left(Some(0), Some(4), 10), Ok(Some(6)));
        assert_eq!(left(Some(0), Some(10), 10), Ok(Some(1)));
        assert_eq!(left(Some(0), Some(11), 10), Err(Error::Timeout));
        // The clock wraps.
        assert_eq!(left(Some(u32::MAX - 1), Some(3), 10), Ok(Some(5)));
    }
}
