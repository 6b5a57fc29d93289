//! The resumable sans-IO engine: one SMTP transaction for one mail.
//!
//! The driver asks [`Engine::next`] what to do and does it: send bytes and
//! report how many went ([`Engine::sent`]), receive into the room it is
//! given and report how many came ([`Engine::received`]), pass an event to
//! the application, or stop with the result. A transport failure is told
//! with [`Engine::failed`]. The engine holds every protocol rule itself:
//! replies are matched to commands by count (one in flight for now); nothing
//! may follow a reply that hands the turn to the client; bytes arriving while
//! the message is being sent make its outcome unknown; a 421 closes at any
//! step; success only after the 2xx to the final dot. It never calls a hook,
//! reads a clock, allocates or panics.

use crate::body::Body;
use crate::check::Checked;
use crate::error::{auth_error, Error};
use crate::mail::{own_domain, Mail};
use crate::reply::parse_line;
use crate::steps::*;
use crate::writer::Writer;

/// Most lines accepted in one reply.
pub const MAX_LINES: u8 = 100;

/// The server offers AUTH PLAIN.
const CAP_PLAIN: u8 = 1;
/// The server offers AUTH LOGIN.
const CAP_LOGIN: u8 = 2;
/// The server offers 8BITMIME.
const CAP_8BIT: u8 = 4;

/// What an [`Event`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The dialogue entered a new step.
    Step,
    /// A recipient was accepted.
    Accepted,
    /// A recipient was rejected.
    Rejected,
}

/// Something the application may want to hear about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event<'e> {
    /// What happened.
    pub kind: EventKind,
    /// `IP_SMTPC_STEP_*` of the step.
    pub step: u8,
    /// The reply code behind the event, 0 for none.
    pub code: u16,
    /// Address-table index of the recipient, 0 when not about one.
    pub index: usize,
    /// Text of the reply's last line (no code, no CR LF); empty for none.
    pub text: &'e [u8],
}

/// What the driver must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Action<'e> {
    /// Send these bytes, then call [`Engine::sent`].
    Send(&'e [u8]),
    /// Receive into this room, then call [`Engine::received`].
    Receive(&'e mut [u8]),
    /// Tell the application; then ask again.
    Event(Event<'e>),
    /// Finished: close the connection; the transaction's result.
    Done(Result<(), Error>),
}

/// Whose turn it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// The current step's command (or content) is to be rendered and sent.
    Send,
    /// Waiting for the reply to the step's command.
    Wait,
    /// Finished.
    Closed,
}

/// One transaction, in the caller's memory (`tx` and `rx` are its buffers).
pub struct Engine<'b> {
    tx: &'b mut [u8],
    tx_len: usize,
    tx_pos: usize,
    rx: &'b mut [u8],
    rx_len: usize,
    rx_pos: usize,
    checked: Checked,
    time: Option<u32>,
    step: u8,
    phase: Phase,
    reported: u8,
    /// Bytes of the current unit (command, header block) already rendered.
    unit_sent: usize,
    header_done: bool,
    body: Body,
    rcpt: usize,
    accepted: u16,
    rejected: u16,
    /// Code of the reply being read (0 before its first line), and its lines.
    code: u16,
    lines: u8,
    caps: u8,
    /// The result, once decided.
    outcome: Option<Result<(), Error>>,
    /// A recipient event waiting to be handed out: kind, code, index and
    /// the text's range in `rx`.
    pending: Option<(EventKind, u16, usize, usize, usize)>,
}

impl<'b> Engine<'b> {
    /// An engine for a mail that passed [`crate::check::check`], with out
    /// and in buffers (at least 8 bytes each; a reply line must fit `rx`).
    /// `time` is the packed time the check saw. It starts waiting for the greeting.
    pub fn new(tx: &'b mut [u8], rx: &'b mut [u8], checked: Checked, time: Option<u32>) -> Self {
        Engine {
            tx,
            tx_len: 0,
            tx_pos: 0,
            rx,
            rx_len: 0,
            rx_pos: 0,
            checked,
            time,
            step: GREETING,
            phase: Phase::Wait,
            reported: 0,
            unit_sent: 0,
            header_done: false,
            body: Body::default(),
            rcpt: 0,
            accepted: 0,
            rejected: 0,
            code: 0,
            lines: 0,
            caps: 0,
            outcome: None,
            pending: None,
        }
    }

    /// What to do next.
    pub fn next<M: Mail>(&mut self, m: &M) -> Action<'_> {
        loop {
            if let Some((kind, code, index, start, end)) = self.pending.take() {
                let text = self.rx.get(start..end).unwrap_or_default();
                let event = Event { kind, step: Row::of(RCPT).report, code, index, text };
                return Action::Event(event);
            }
            let report = Row::of(self.step).report;
            if report != self.reported {
                self.reported = report;
                return Action::Event(Event { kind: EventKind::Step, step: report, code: 0, index: 0, text: b"" });
            }
            if self.tx_pos < self.tx_len {
                return Action::Send(self.tx.get(self.tx_pos..self.tx_len).unwrap_or_default());
            }
            match self.phase {
                Phase::Closed => {
                    return Action::Done(self.outcome.unwrap_or(Err(Error::Receive)));
                }
                Phase::Send => self.fill(m),
                Phase::Wait => {
                    let unread = self.rx.get(self.rx_pos..self.rx_len).unwrap_or_default();
                    match parse_line(unread) {
                        Err(e) => self.abort(e),
                        Ok(Some(line)) => {
                            let start = self.rx_pos;
                            self.rx_pos += line.len;
                            self.on_line(m, line.code, line.last, start + 4, self.rx_pos.saturating_sub(2));
                        }
                        Ok(None) => {
                            if self.room_for_more() {
                                return Action::Receive(self.rx.get_mut(self.rx_len..).unwrap_or_default());
                            }
                            self.abort(Error::ReplyTooLong);
                        }
                    }
                }
            }
        }
    }

    /// Makes room at the end of `rx`; `false` when a line fills all of it.
    fn room_for_more(&mut self) -> bool {
        if self.rx_pos == self.rx_len {
            self.rx_pos = 0;
            self.rx_len = 0;
        }
        if self.rx_len < self.rx.len() {
            return true;
        }
        if self.rx_pos == 0 {
            return false;
        }
        // A partial line after complete ones: move it to the front.
        let mut to = 0;
        while let Some(&b) = self.rx.get(self.rx_pos + to) {
            if self.rx_pos + to >= self.rx_len {
                break;
            }
            if let Some(slot) = self.rx.get_mut(to) {
                *slot = b;
            }
            to += 1;
        }
        self.rx_len = to;
        self.rx_pos = 0;
        true
    }

    /// `n` bytes of the last [`Action::Send`] went out.
    pub fn sent(&mut self, n: usize) {
        self.tx_pos = self.tx_len.min(self.tx_pos + n);
    }

    /// `n` bytes arrived in the room of the last [`Action::Receive`] (or of
    /// [`Engine::room`]). Bytes nobody asked for end the transaction: while the
    /// message is being sent its outcome becomes unknown.
    pub fn received(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        self.rx_len = self.rx.len().min(self.rx_len + n);
        if self.phase == Phase::Send {
            self.abort(Error::UnexpectedReply);
        }
    }

    /// Room for bytes that arrived unasked (a non-blocking driver reading
    /// whenever the socket is readable); report them with [`Engine::received`].
    pub fn room(&mut self) -> &mut [u8] {
        if !self.room_for_more() {
            return &mut [];
        }
        self.rx.get_mut(self.rx_len..).unwrap_or_default()
    }

    /// The transport failed (`Send`, `Receive`, `Timeout`): nothing more can
    /// be sent. After the final dot went out the outcome is unknown.
    pub fn failed(&mut self, e: Error) {
        self.abort(e);
    }

    /// Renders the current step's command or content into `tx`.
    fn fill<M: Mail>(&mut self, m: &M) {
        let tx = core::mem::take(&mut self.tx);
        let mut w = Writer::new(tx, self.unit_sent);
        let done = if self.step == DOT {
            if !self.header_done {
                crate::header::put(&mut w, m, &self.checked, self.time);
                self.header_done = !w.is_full();
            }
            // The header block is complete: the body needs no skip.
            self.header_done && self.body.put(&mut w, m.body())
        } else {
            self.command(m, &mut w);
            !w.is_full()
        };
        self.tx_len = w.len();
        self.tx_pos = 0;
        self.tx = tx;
        let restart = done || (self.step == DOT && self.header_done);
        self.unit_sent = if restart { 0 } else { self.unit_sent + self.tx_len };
        if done {
            self.phase = Phase::Wait;
        }
    }

    /// Renders the current step's command.
    fn command<M: Mail>(&self, m: &M, w: &mut Writer<'_>) {
        let row = Row::of(self.step);
        w.put(row.text());
        match row.arg {
            Arg::Domain => w.put(own_domain(m)),
            Arg::Plain => crate::base64::put(w, &[b"\0", m.user(), b"\0", m.password()]),
            Arg::User => crate::base64::put(w, &[m.user()]),
            Arg::Pass => crate::base64::put(w, &[m.password()]),
            Arg::Sender | Arg::Rcpt => {
                let i = if row.arg == Arg::Sender { 0 } else { self.rcpt };
                w.put(m.entry(i).addr.unwrap_or_default());
                w.byte(b'>');
                if row.arg == Arg::Sender && self.checked.eight_bit && self.caps & CAP_8BIT != 0 {
                    w.put(b" BODY=8BITMIME");
                }
            }
            Arg::None | Arg::Content => {}
        }
        w.put(b"\r\n");
    }

    /// One complete reply line; its text is `rx[start..end]`.
    fn on_line<M: Mail>(&mut self, m: &M, code: u16, last: bool, start: usize, end: usize) {
        if self.code != 0 && code != self.code {
            return self.abort(Error::ReplySyntax);
        }
        self.code = code;
        self.lines += 1;
        if self.lines > MAX_LINES {
            return self.abort(Error::ReplyTooManyLines);
        }
        if self.step == EHLO && self.lines > 1 && code / 100 == 2 {
            self.caps |= capabilities(self.rx.get(start..end).unwrap_or_default());
        }
        if !last {
            return;
        }
        self.code = 0;
        self.lines = 0;
        self.on_reply(m, code, start, end);
        // Nothing may follow a reply that hands the turn to the client.
        if self.phase != Phase::Closed && self.rx_pos < self.rx_len {
            self.abort(Error::UnexpectedReply);
        }
    }

    /// One complete reply to the current step.
    fn on_reply<M: Mail>(&mut self, m: &M, code: u16, start: usize, end: usize) {
        let row = Row::of(self.step);
        if code == 421 && self.step != QUIT {
            // RFC 5321 §3.8: the server is closing; send nothing more.
            self.decide(Error::ServiceClosing);
            return self.close();
        }
        let ok = row.accepts(code);
        let next = match self.step {
            EHLO if !ok && code >= 500 => HELO,
            PLAIN | LOGIN_PASS if code == 334 => CANCEL,
            PLAIN | LOGIN | LOGIN_USER | LOGIN_PASS if !ok => self.quit(auth_error(code)),
            RCPT => {
                let kind = if ok { EventKind::Accepted } else { EventKind::Rejected };
                self.pending = Some((kind, code, self.rcpt, start, end));
                if ok {
                    self.accepted += 1;
                } else {
                    self.rejected += 1;
                }
                if self.rcpt + 1 < m.count() {
                    self.rcpt += 1;
                    RCPT
                } else if self.accepted == 0 {
                    self.quit(Error::AllRecipientsRejected)
                } else {
                    DATA
                }
            }
            MAIL | DATA | DOT if code == 552 => self.quit(Error::MessageTooBig),
            DOT if (400..500).contains(&code) => self.quit(Error::MessageTemporaryFailure),
            QUIT => {
                // A success not confirmed by 221 is not a success.
                if !ok && self.outcome == Some(Ok(())) {
                    self.outcome = Some(Err(Error::OutcomeUnknown));
                }
                return self.close();
            }
            _ if !ok => self.quit(row.error),
            GREETING => EHLO,
            EHLO | HELO => self.after_hello(m),
            PLAIN | LOGIN_PASS => MAIL,
            LOGIN | LOGIN_USER => self.step + 1,
            MAIL => {
                self.rcpt = 1;
                RCPT
            }
            DATA => DOT,
            _ => {
                // The 2xx to the final dot: the only success.
                self.outcome = Some(if self.rejected > 0 { Err(Error::PartialDelivery) } else { Ok(()) });
                QUIT
            }
        };
        self.step = next;
        self.phase = Phase::Send;
        self.unit_sent = 0;
    }

    /// After EHLO or HELO: AUTH or MAIL.
    fn after_hello<M: Mail>(&mut self, m: &M) -> u8 {
        if m.user().is_empty() {
            MAIL
        } else if self.caps & CAP_PLAIN != 0 {
            PLAIN
        } else if self.caps & CAP_LOGIN != 0 {
            LOGIN
        } else {
            self.quit(Error::AuthNotSupported)
        }
    }

    /// Records `e` unless the outcome is decided.
    fn decide(&mut self, e: Error) {
        if self.outcome.is_none() {
            self.outcome = Some(Err(e));
        }
    }

    /// Records `e` and moves to QUIT.
    fn quit(&mut self, e: Error) -> u8 {
        self.decide(e);
        QUIT
    }

    /// The transaction cannot go on.
    fn abort(&mut self, e: Error) {
        // The final dot may have gone out (or the server answered early).
        let unknown = self.step == DOT && (self.phase == Phase::Wait || e == Error::UnexpectedReply);
        self.decide(if unknown { Error::OutcomeUnknown } else { e });
        self.close();
    }

    /// Finished; nothing more is sent.
    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.step = DONE;
        self.tx_len = 0;
        self.tx_pos = 0;
    }
}

/// Capability bits from one EHLO line (`AUTH PLAIN LOGIN`, `8BITMIME`).
fn capabilities(text: &[u8]) -> u8 {
    let mut words = text.split(|&b| b == b' ');
    let keyword = words.next().unwrap_or_default();
    if keyword.eq_ignore_ascii_case(b"8BITMIME") {
        return CAP_8BIT;
    }
    if !keyword.eq_ignore_ascii_case(b"AUTH") {
        return 0;
    }
    words.fold(0, |caps, w| {
        caps | if w.eq_ignore_ascii_case(b"PLAIN") {
            CAP_PLAIN
        } else if w.eq_ignore_ascii_case(b"LOGIN") {
            CAP_LOGIN
        } else {
            0
        }
    })
}

