// SPDX-License-Identifier: MIT OR Apache-2.0
//! The sans-IO SMTP session (RFC 5321 §3, §4.1).
//!
//! A [`Session`] is told what arrived ([`Session::on_line`]) and asked what to
//! send ([`Session::write`]); [`Session::want`] says which of the two comes
//! next. It never performs I/O, reads a clock, allocates or panics, so the
//! same state machine runs blocking ([`crate::client`]), polled from a
//! superloop, or under a fuzzer.
//!
//! The dialogue: greeting → EHLO (HELO when EHLO gets 5xx) → STARTTLS and
//! EHLO again (when the policy asks for TLS) → AUTH PLAIN or LOGIN → MAIL
//! FROM → RCPT TO for every recipient → DATA → header block, body, final dot
//! → QUIT. A 421 at any step closes without another command. Success is
//! reported only after a 2xx to the final dot.

use crate::auth::{Mechanism, Mechanisms};
use crate::base64;
use crate::cursor::Cursor;
use crate::cursor::{digits, Counter, Out};
use crate::data::{DotStuffer, Stuffed};
use crate::ehlo::{Capabilities, Extension};
use crate::error::Error;
use crate::message::content::{self, NoParts, Parts, TextEncoding};
use crate::message::{Mail, Recipients};
use crate::reply::{Assembler, Enhanced, Line, Reply, ReplyError};

/// When to use TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Never: no STARTTLS even when offered (no TLS hooks).
    Never,
    /// STARTTLS when the server offers it; otherwise continue in clear.
    Opportunistic,
    /// STARTTLS or abort before AUTH and MAIL (emNet SECURE_ONLY).
    Required,
    /// TLS from the first byte (RFC 8314): the transport is upgraded before the greeting.
    Implicit,
}

/// How the session behaves, apart from the mail itself.
#[derive(Clone, Copy, Debug)]
pub struct Config<'a> {
    /// User name; empty means no authentication.
    pub user: &'a [u8],
    /// Password.
    pub password: &'a [u8],
    /// Mechanisms the caller allows.
    pub mechanisms: Mechanisms,
    /// Permit AUTH on a connection without TLS.
    pub allow_insecure_auth: bool,
    /// TLS policy.
    pub tls: TlsPolicy,
    /// Per-reply deadline in milliseconds; 0 means RFC 5321 §4.5.3.2 values.
    pub timeout_ms: u32,
    /// `true` when attachments or a streamed body make the size unknown in
    /// advance (no `SIZE=` parameter, no local size check).
    pub streamed_content: bool,
    /// `true` when the body is a complete message, sent as given
    /// ([`crate::message::raw`]).
    #[cfg(feature = "raw")]
    pub raw_message: bool,
}

impl Config<'static> {
    /// No credentials, every mechanism allowed (for when credentials are
    /// added), no AUTH in clear, no TLS, content of known size, and the given
    /// per-reply deadline (0: RFC 5321 §4.5.3.2 values).
    pub const fn anonymous(timeout_ms: u32) -> Self {
        Config {
            user: b"",
            password: b"",
            mechanisms: Mechanisms::ALL,
            allow_insecure_auth: false,
            tls: TlsPolicy::Never,
            timeout_ms,
            streamed_content: false,
            #[cfg(feature = "raw")]
            raw_message: false,
        }
    }
}

impl Config<'_> {
    /// Checks the credentials the same way as every other field.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |s: &[u8]| {
            s.len() > crate::limits::MAX_FIELD_LEN
                || s.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n')
        };
        if bad(self.user) || bad(self.password) {
            return Err(Error::InvalidCredentials);
        }
        Ok(())
    }
}

/// The protocol step, as reported to the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Step {
    /// Checking the caller's input, before connecting.
    Input = 0,
    /// Opening the connection.
    Connect = 1,
    /// Waiting for the server's greeting.
    Greeting = 2,
    /// EHLO or HELO.
    Ehlo = 3,
    /// STARTTLS and the TLS handshake.
    StartTls = 4,
    /// AUTH.
    Auth = 5,
    /// MAIL FROM.
    Mail = 6,
    /// RCPT TO.
    Rcpt = 7,
    /// DATA.
    Data = 8,
    /// Sending the message and waiting for the reply to the final dot.
    EndOfData = 9,
    /// QUIT.
    Quit = 10,
    /// The connection is finished.
    Done = 11,
}

impl Step {
    /// Lower-case name as printed by `smtpc`.
    pub fn name(self) -> &'static str {
        match self {
            Step::Input => "input",
            Step::Connect => "connect",
            Step::Greeting => "greeting",
            Step::Ehlo => "ehlo",
            Step::StartTls => "starttls",
            Step::Auth => "auth",
            Step::Mail => "mail",
            Step::Rcpt => "rcpt",
            Step::Data => "data",
            Step::EndOfData => "end-of-data",
            Step::Quit => "quit",
            Step::Done => "done",
        }
    }
}

/// What the session needs next from its driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Call [`Session::write`] and send the bytes.
    Send,
    /// Receive bytes and feed complete lines to [`Session::on_line`].
    Receive,
    /// Send the message through [`Session::write_content`], then call
    /// [`Session::content_sent`].
    Content,
    /// Start TLS on the connection, then call [`Session::on_upgraded`].
    Upgrade,
    /// Close the connection; [`Session::outcome`] is final.
    Close,
}

/// Something the application may want to hear about, from one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// RCPT TO for recipient `index` was accepted.
    RecipientAccepted(usize),
    /// RCPT TO for recipient `index` was rejected with the reply just read.
    RecipientRejected(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LoginStage {
    Command,
    User,
    Password,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    Upgrading,
    AuthPlain,
    AuthLogin(LoginStage),
    AuthCancel(Error),
    Mail,
    Rcpt(usize),
    Data,
    /// The message is being sent.
    Content,
    /// Waiting for the reply to the final dot.
    EndOfData,
    Quit,
    Closed,
}

/// Counts kept for the result report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Recipients accepted at RCPT.
    pub accepted: u16,
    /// Recipients rejected at RCPT.
    pub rejected: u16,
    /// `true` when TLS was active when the message was sent.
    pub secure: bool,
    /// Code of the last complete reply (0 before the first).
    pub last_code: u16,
    /// Enhanced code of the last complete reply.
    pub last_enhanced: Option<Enhanced>,
    /// The step that failed, or [`Step::Done`].
    pub failed_step: Option<Step>,
}

/// One SMTP session for one mail.
pub struct Session<'m, R: Recipients + ?Sized> {
    mail: &'m Mail<'m, R>,
    config: Config<'m>,
    state: State,
    /// Output of the current state still to be written.
    sending: bool,
    /// Bytes of the current output already written (or body bytes consumed).
    sent: usize,
    assembler: Assembler,
    lines_in_reply: u16,
    caps: Capabilities,
    esmtp: bool,
    tls_active: bool,
    greeted: bool,
    message_size: u32,
    text_encoding: TextEncoding,
    tally: Tally,
    outcome: Option<Result<(), Error>>,
}

impl<'m, R: Recipients + ?Sized> Session<'m, R> {
    /// A session for `mail`. Validate the mail and config first: the session
    /// assumes every field is clean.
    pub fn new(mail: &'m Mail<'m, R>, config: Config<'m>) -> Self {
        let implicit = config.tls == TlsPolicy::Implicit;
        Session {
            mail,
            config,
            state: if implicit {
                State::Upgrading
            } else {
                State::Greeting
            },
            sending: false,
            sent: 0,
            assembler: Assembler::default(),
            lines_in_reply: 0,
            caps: Capabilities::default(),
            esmtp: false,
            tls_active: false,
            greeted: false,
            message_size: 0,
            text_encoding: TextEncoding::SevenBit,
            tally: Tally::default(),
            outcome: None,
        }
    }

    /// What the driver must do next.
    pub fn want(&self) -> Want {
        match self.state {
            State::Closed => Want::Close,
            State::Upgrading => Want::Upgrade,
            State::Content => Want::Content,
            _ if self.sending => Want::Send,
            _ => Want::Receive,
        }
    }

    /// The step the session is in.
    pub fn step(&self) -> Step {
        match self.state {
            State::Greeting => Step::Greeting,
            State::Ehlo | State::Helo => Step::Ehlo,
            State::StartTls | State::Upgrading => Step::StartTls,
            State::AuthPlain | State::AuthLogin(_) | State::AuthCancel(_) => Step::Auth,
            State::Mail => Step::Mail,
            State::Rcpt(_) => Step::Rcpt,
            State::Data => Step::Data,
            State::Content | State::EndOfData => Step::EndOfData,
            State::Quit => Step::Quit,
            State::Closed => Step::Done,
        }
    }

    /// Capabilities from the last EHLO.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Counts and last reply, for the report.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The per-reply deadline for the current step (RFC 5321 §4.5.3.2).
    pub fn reply_timeout_ms(&self) -> u32 {
        if self.config.timeout_ms != 0 {
            return self.config.timeout_ms;
        }
        const MINUTE: u32 = 60_000;
        match self.state {
            State::Data => 2 * MINUTE,
            State::Content | State::EndOfData => 10 * MINUTE,
            _ => 5 * MINUTE,
        }
    }

    /// The final result once [`Want::Close`]: `Ok` only after a 2xx to the
    /// final dot with every recipient accepted.
    pub fn outcome(&self) -> Result<(), Error> {
        self.outcome.unwrap_or(Err(Error::Receive))
    }

    /// Writes the next bytes of the current command into `out`; returns how
    /// many. Call while [`Self::want`] is [`Want::Send`]; commands longer than
    /// `out` come out over several calls.
    pub fn write(&mut self, out: &mut [u8]) -> usize {
        if !self.sending {
            return 0;
        }
        let mut cursor = Cursor::new(out, self.sent);
        self.render_command(&mut cursor);
        let written = cursor.written();
        self.sent += written;
        if cursor.is_complete() {
            self.sending = false;
            self.sent = 0;
        }
        written
    }

    fn render_command(&self, c: &mut Cursor<'_>) {
        let user = self.config.user;
        let password = self.config.password;
        match self.state {
            State::Ehlo | State::Helo => {
                c.put(if self.state == State::Ehlo {
                    b"EHLO "
                } else {
                    b"HELO "
                });
                c.put(self.mail.own_domain());
            }
            State::StartTls => c.put(b"STARTTLS"),
            State::AuthPlain => {
                c.put(b"AUTH PLAIN ");
                base64::put_concatenated(c, &[b"\0", user, b"\0", password]);
            }
            State::AuthLogin(LoginStage::Command) => c.put(b"AUTH LOGIN"),
            State::AuthLogin(LoginStage::User) => base64::put_concatenated(c, &[user]),
            State::AuthLogin(LoginStage::Password) => base64::put_concatenated(c, &[password]),
            State::AuthCancel(_) => c.byte(b'*'),
            State::Mail => {
                c.put(b"MAIL FROM:<");
                c.put(self.mail.sender.address);
                c.byte(b'>');
                if self.esmtp && self.caps.has(Extension::Size) && !self.config.streamed_content {
                    c.put(b" SIZE=");
                    c.put(digits(self.message_size, 1).as_slice());
                }
                if self.esmtp
                    && self.caps.has(Extension::EightBitMime)
                    && self.text_encoding == TextEncoding::EightBit
                {
                    c.put(b" BODY=8BITMIME");
                }
            }
            State::Rcpt(i) => {
                c.put(b"RCPT TO:<");
                if let Some(r) = self.mail.recipients.get(i) {
                    c.put(r.address);
                }
                c.byte(b'>');
            }
            State::Data => c.put(b"DATA"),
            State::Quit => c.put(b"QUIT"),
            State::Greeting
            | State::Upgrading
            | State::Content
            | State::EndOfData
            | State::Closed => return,
        }
        c.put(b"\r\n");
    }

    /// Writes the whole message (header block, text, attachments streamed
    /// by `parts`) and the end-of-data line into `out`, dot-stuffed and with
    /// CR LF line ends. Call once when [`Self::want`] is [`Want::Content`].
    /// When a stream fails, the end-of-data line is not written.
    pub fn write_content(&self, out: &mut dyn Out, parts: &mut dyn Parts) -> Result<(), Error> {
        let mut stuffed = Stuffed {
            out: &mut *out,
            state: DotStuffer::new(),
        };
        self.render(&mut stuffed, parts)?;
        let end = stuffed.state.finish();
        out.put(end);
        Ok(())
    }

    /// The message before dot-stuffing: the generated header block and
    /// content, or the caller's complete message.
    fn render(&self, out: &mut dyn Out, parts: &mut dyn Parts) -> Result<(), Error> {
        #[cfg(feature = "raw")]
        if self.config.raw_message {
            let eight_bit_mime = self.esmtp && self.caps.has(Extension::EightBitMime);
            return crate::message::raw::put(out, self.mail.body, parts, eight_bit_mime);
        }
        content::put(out, self.mail, self.text_encoding, parts)
    }

    /// The message went out completely (`Ok`) or not: a failed stream or send
    /// abandons the mail without an end-of-data line, so nothing is delivered.
    pub fn content_sent(&mut self, result: Result<(), Error>) {
        if self.state != State::Content {
            return;
        }
        match result {
            Ok(()) => self.state = State::EndOfData,
            Err(e) => self.abort(e),
        }
    }

    /// Feeds one reply line. Returns an event when the line completed a reply
    /// that the application should hear about.
    pub fn on_line(&mut self, line: &Line<'_>) -> Option<Event> {
        if self.want() != Want::Receive {
            self.abort(Error::UnexpectedReply);
            return None;
        }
        let reply = match self.assembler.push(line) {
            Ok(reply) => reply,
            Err(ReplyError::TooManyLines) => return self.abort_none(Error::ReplyTooManyLines),
            Err(_) => return self.abort_none(Error::ReplySyntax),
        };
        self.lines_in_reply += 1;
        if self.state == State::Ehlo && self.lines_in_reply > 1 && line.code / 100 == 2 {
            self.caps.add_line(line.text);
        }
        let reply = reply?;
        self.lines_in_reply = 0;
        // QUIT's reply decides nothing; the report keeps the one that did.
        if self.state != State::Quit {
            self.tally.last_code = reply.code;
            self.tally.last_enhanced = reply.enhanced;
        }
        self.on_reply(reply)
    }

    fn abort_none(&mut self, error: Error) -> Option<Event> {
        self.abort(error);
        None
    }

    fn on_reply(&mut self, reply: Reply) -> Option<Event> {
        if reply.code == 421 && self.state != State::Quit {
            // RFC 5321 §3.8: the server is closing; send nothing more.
            let error = match self.state {
                State::StartTls if self.config.tls == TlsPolicy::Required => Error::TlsRefused,
                _ => Error::ServiceClosing,
            };
            self.fail(error);
            self.state = State::Closed;
            return None;
        }
        let mut event = None;
        let next = match self.state {
            State::Greeting => {
                self.greeted = true;
                if reply.code == 220 {
                    State::Ehlo
                } else {
                    self.fail_quit(Error::GreetingRefused)
                }
            }
            State::Ehlo if reply.code / 100 == 5 => {
                self.caps = Capabilities::default();
                State::Helo
            }
            State::Ehlo | State::Helo if !reply.is_positive() => {
                self.fail_quit(Error::HeloRejected)
            }
            State::Ehlo | State::Helo => {
                self.esmtp = self.state == State::Ehlo;
                if !self.esmtp {
                    self.caps = Capabilities::default();
                }
                self.after_hello()
            }
            State::StartTls if reply.code == 220 => State::Upgrading,
            State::StartTls if self.config.tls == TlsPolicy::Required => {
                self.fail_quit(Error::TlsRefused)
            }
            State::StartTls => self.after_tls_decision(),
            State::AuthPlain | State::AuthLogin(LoginStage::Password) if reply.code == 235 => {
                self.before_mail()
            }
            State::AuthPlain | State::AuthLogin(LoginStage::Password)
                if reply.is_intermediate() =>
            {
                State::AuthCancel(Error::AuthProtocol)
            }
            State::AuthLogin(LoginStage::Command) if reply.code == 334 => {
                State::AuthLogin(LoginStage::User)
            }
            State::AuthLogin(LoginStage::User) if reply.code == 334 => {
                State::AuthLogin(LoginStage::Password)
            }
            State::AuthPlain | State::AuthLogin(_) => self.fail_quit(auth_error(reply.code)),
            State::AuthCancel(error) => self.fail_quit(error),
            State::Mail if reply.is_positive() => State::Rcpt(0),
            State::Mail if reply.code == 552 => self.fail_quit(Error::MessageTooBig),
            State::Mail => self.fail_quit(Error::SenderRejected),
            State::Rcpt(i) => {
                if reply.is_positive() {
                    self.tally.accepted = self.tally.accepted.saturating_add(1);
                    event = Some(Event::RecipientAccepted(i));
                } else {
                    self.tally.rejected = self.tally.rejected.saturating_add(1);
                    event = Some(Event::RecipientRejected(i));
                }
                if i + 1 < self.mail.recipients.count() {
                    State::Rcpt(i + 1)
                } else if self.tally.accepted == 0 {
                    self.fail_quit(Error::AllRecipientsRejected)
                } else {
                    State::Data
                }
            }
            State::Data if reply.code == 354 => {
                self.tally.secure = self.tls_active;
                State::Content
            }
            State::Data if reply.code == 552 => self.fail_quit(Error::MessageTooBig),
            State::Data => self.fail_quit(Error::DataRejected),
            State::EndOfData => {
                let result = match reply.code {
                    200..=299 if self.tally.rejected > 0 => Err(Error::PartialDelivery),
                    200..=299 => Ok(()),
                    552 => Err(Error::MessageTooBig),
                    400..=499 => Err(Error::MessageTemporaryFailure),
                    _ => Err(Error::MessageRejected),
                };
                self.tally.failed_step = match result {
                    Err(Error::PartialDelivery) => Some(Step::Rcpt),
                    Err(_) => Some(Step::EndOfData),
                    Ok(()) => None,
                };
                self.outcome = Some(result);
                State::Quit
            }
            State::Quit => {
                // RFC 5321 §4.1.1.10: QUIT is answered with 221. Anything
                // else after a "success" means replies and commands were
                // out of step, so the 2xx may not have been the dot's.
                if reply.code != 221 {
                    self.doubt_success();
                }
                State::Closed
            }
            State::Upgrading | State::Content | State::Closed => State::Closed,
        };
        self.enter(next);
        event
    }

    /// After EHLO/HELO: STARTTLS, AUTH or MAIL.
    fn after_hello(&mut self) -> State {
        let wants_tls = matches!(
            self.config.tls,
            TlsPolicy::Opportunistic | TlsPolicy::Required
        );
        if wants_tls && !self.tls_active {
            if self.esmtp && self.caps.has(Extension::StartTls) {
                return State::StartTls;
            }
            if self.config.tls == TlsPolicy::Required {
                return self.fail_local(Step::StartTls, Error::TlsUnavailable);
            }
        }
        self.after_tls_decision()
    }

    /// TLS settled (on, or off and allowed): AUTH or MAIL.
    fn after_tls_decision(&mut self) -> State {
        if self.config.user.is_empty() {
            return self.before_mail();
        }
        let offered = if self.esmtp && self.caps.has(Extension::Auth) {
            self.caps.auth
        } else {
            Mechanisms::NONE
        };
        let Some(mechanism) = offered.choose(self.config.mechanisms) else {
            return self.fail_local(Step::Auth, Error::AuthNotSupported);
        };
        if !self.tls_active && !self.config.allow_insecure_auth {
            return self.fail_local(Step::Auth, Error::AuthInsecure);
        }
        match mechanism {
            Mechanism::Plain => State::AuthPlain,
            Mechanism::Login => State::AuthLogin(LoginStage::Command),
        }
    }

    /// Chooses the text encoding, measures the message (without its
    /// end-of-data line, RFC 1870 §3) and refuses it locally when it exceeds SIZE.
    fn before_mail(&mut self) -> State {
        let eight_bit_mime = self.esmtp && self.caps.has(Extension::EightBitMime);
        self.text_encoding = TextEncoding::choose(self.mail.body, eight_bit_mime);
        #[cfg(feature = "raw")]
        if self.config.raw_message {
            // Sent as given: 8-bit data needs 8BITMIME. A streamed message
            // is unknown in advance, so it is declared 8-bit wherever the
            // server allows that, and cut off at its first 8-bit byte
            // where it does not.
            let eight_bit = self.config.streamed_content
                || crate::message::raw::check(self.mail.body).unwrap_or(true);
            if eight_bit && !eight_bit_mime && !self.config.streamed_content {
                return self.fail_local(Step::Mail, Error::EightBitUnsupported);
            }
            self.text_encoding = if eight_bit && eight_bit_mime {
                TextEncoding::EightBit
            } else {
                TextEncoding::SevenBit
            };
        }
        if self.config.streamed_content {
            return State::Mail;
        }
        let mut counter = Counter::default();
        let mut stuffed = Stuffed {
            out: &mut counter,
            state: DotStuffer::new(),
        };
        let _ = self.render(&mut stuffed, &mut NoParts);
        let unterminated = stuffed.state.finish().len() - crate::data::END_OF_DATA.len();
        self.message_size = u32::try_from(counter.0 + unterminated).unwrap_or(u32::MAX);
        if matches!(self.caps.size_limit, Some(limit) if self.esmtp && self.message_size > limit) {
            return self.fail_local(Step::Mail, Error::MessageTooBig);
        }
        State::Mail
    }

    fn enter(&mut self, next: State) {
        self.state = next;
        self.sent = 0;
        self.sending = !matches!(
            next,
            State::Greeting | State::Upgrading | State::Content | State::EndOfData | State::Closed
        );
    }

    /// Records the first error.
    fn fail(&mut self, error: Error) {
        if self.outcome.is_none() {
            self.outcome = Some(Err(error));
            self.tally.failed_step = Some(self.step());
        }
    }

    /// An error decided here, not by a reply: the report names `step` and no reply.
    fn fail_local(&mut self, step: Step, error: Error) -> State {
        if self.outcome.is_none() {
            self.outcome = Some(Err(error));
            self.tally.failed_step = Some(step);
            self.tally.last_code = 0;
            self.tally.last_enhanced = None;
        }
        State::Quit
    }

    fn fail_quit(&mut self, error: Error) -> State {
        self.fail(error);
        State::Quit
    }

    /// The result of STARTTLS's handshake (or of the implicit TLS handshake).
    pub fn on_upgraded(&mut self, result: Result<(), Error>) {
        if self.state != State::Upgrading {
            return self.abort(Error::UnexpectedReply);
        }
        match result {
            Ok(()) => {
                self.tls_active = true;
                // RFC 3207 §4.2: forget everything learned before TLS.
                self.caps = Capabilities::default();
                self.esmtp = false;
                self.enter(if self.greeted {
                    State::Ehlo
                } else {
                    State::Greeting
                });
            }
            Err(e) => self.abort(e),
        }
    }

    /// Bytes arrived that no command asked for (a reply followed by more
    /// text while the client has the turn). The connection is given up; see
    /// [`Self::abort`] for what that does to an accepted message.
    pub fn unexpected_bytes(&mut self) {
        self.abort(Error::UnexpectedReply);
    }

    /// After the reply to the final dot: an accepted message whose reply
    /// turned out to be out of step is reported as of unknown outcome.
    fn doubt_success(&mut self) {
        if matches!(self.outcome, Some(Ok(()) | Err(Error::PartialDelivery))) {
            self.outcome = Some(Err(Error::OutcomeUnknown));
            self.tally.failed_step = Some(Step::EndOfData);
        }
    }

    /// The connection failed (transport error, timeout, malformed data): no
    /// further command can be sent. Waiting for the reply to the final dot,
    /// the outcome becomes [`Error::OutcomeUnknown`].
    /// No reply decided this: the report keeps no reply code.
    ///
    /// After the reply to the final dot (waiting to send QUIT or for its
    /// reply), only the connection ending or falling silent leaves a success
    /// standing: surplus or malformed bytes mean the replies were out of step
    /// with the commands, and the outcome becomes [`Error::OutcomeUnknown`].
    pub fn abort(&mut self, error: Error) {
        if self.state == State::Quit
            && !matches!(error, Error::Receive | Error::Send | Error::Timeout)
        {
            self.doubt_success();
        }
        if self.state == State::EndOfData {
            self.fail_local(Step::EndOfData, Error::OutcomeUnknown);
        } else if self.state != State::Quit {
            self.fail_local(self.step(), error);
        }
        self.state = State::Closed;
        self.sending = false;
    }
}

/// RFC 4954 §6 reply codes to errors. Only a negative reply the server
/// chose for the credentials is `AuthFailed`: a syntax or command error
/// (500, 501, 502) or a positive reply at the wrong stage (235 before the
/// password) is the exchange going wrong, 504 an advertised mechanism the
/// server does not support after all.
fn auth_error(code: u16) -> Error {
    match code {
        454 => Error::AuthTemporary,
        504 => Error::AuthNotSupported,
        530 => Error::AuthRequired,
        534 => Error::AuthMechanismTooWeak,
        538 => Error::AuthEncryptionRequired,
        500..=502 | 200..=399 => Error::AuthProtocol,
        _ => Error::AuthFailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::content::NoParts;
    use crate::message::{Kind, Party, Timestamp, NO_HEADERS};
    use crate::reply::{parse_line, Status};

    /// A scripted exchange: feed server text, collect client bytes.
    struct Exchange<'m> {
        session: Session<'m, [Party<'m>]>,
        wire: Vec<u8>,
        events: Vec<Event>,
        out_size: usize,
    }

    impl<'m> Exchange<'m> {
        fn new(mail: &'m Mail<'m, [Party<'m>]>, config: Config<'m>) -> Self {
            Exchange {
                session: Session::new(mail, config),
                wire: Vec::new(),
                events: Vec::new(),
                out_size: 64,
            }
        }

        /// Drains everything the client wants to send.
        fn client_sends(&mut self) -> String {
            let start = self.wire.len();
            loop {
                match self.session.want() {
                    Want::Send => {
                        let mut out = vec![0xAA; self.out_size];
                        let n = self.session.write(&mut out);
                        self.wire.extend_from_slice(&out[..n]);
                    }
                    Want::Content => {
                        let result = self.session.write_content(&mut self.wire, &mut NoParts);
                        self.session.content_sent(result);
                    }
                    _ => break,
                }
            }
            String::from_utf8_lossy(&self.wire[start..]).into_owned()
        }

        fn server(&mut self, text: &str) {
            let mut rest = text.as_bytes();
            while !rest.is_empty() {
                match parse_line(rest) {
                    Ok(Status::Complete((n, line))) => {
                        if let Some(e) = self.session.on_line(&line) {
                            self.events.push(e);
                        }
                        rest = &rest[n..];
                    }
                    other => panic!("bad script {other:?}"),
                }
            }
        }

        /// Server says `reply`, client answers with exactly `expected`.
        fn step(&mut self, reply: &str, expected: &str) {
            self.server(reply);
            assert_eq!(self.client_sends(), expected, "after {reply:?}");
        }

        /// A plain dialogue with one recipient through the 354 to DATA.
        fn through_354(&mut self) {
            for r in [
                "220 hi\r\n",
                "250 mx\r\n",
                "250 ok\r\n",
                "250 ok\r\n",
                "354 go\r\n",
            ] {
                self.server(r);
                self.client_sends();
            }
        }
    }

    fn config() -> Config<'static> {
        Config::anonymous(0)
    }

    const RCPTS: [Party<'static>; 3] = [
        Party {
            address: b"alice@example.test",
            name: b"Alice",
            kind: Kind::To,
        },
        Party {
            address: b"bob@example.test",
            name: b"",
            kind: Kind::Cc,
        },
        Party {
            address: b"carol@example.test",
            name: b"",
            kind: Kind::Bcc,
        },
    ];

    fn mail<'a>(recipients: &'a [Party<'a>], body: &'a [u8]) -> Mail<'a, [Party<'a>]> {
        Mail {
            sender: Party {
                address: b"dev@example.test",
                name: b"",
                kind: Kind::To,
            },
            recipients,
            subject: b"Hi",
            body,
            date: Some(Timestamp {
                year: 2026,
                month: 11,
                day: 28,
                hour: 12,
                minute: 0,
                second: 0,
            }),
            timezone: b"+0000",
            domain: b"dev.example.test",
            unique: 1,
            reply_to: b"",
            extra_headers: &NO_HEADERS,
            boundary: b"",
        }
    }

    const HEADER: &str = "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nFrom: <dev@example.test>\r\n\
        To: Alice <alice@example.test>\r\nCc: <bob@example.test>\r\nSubject: Hi\r\n\
        Message-ID: <20261128120000.0000000000000001@dev.example.test>\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";

    #[test]
    fn happy_path_with_multi_line_replies() {
        let m = mail(&RCPTS, b"Hello\n.\nbye");
        let mut x = Exchange::new(&m, config());
        assert_eq!(x.session.want(), Want::Receive);
        x.step(
            "220-mx.example.test ESMTP\r\n220 ready\r\n",
            "EHLO dev.example.test\r\n",
        );
        // SIZE counts header and stuffed body, not the final dot line.
        let size = HEADER.len() + "Hello\r\n..\r\nbye\r\n".len();
        x.step(
            "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 8BITMIME\r\n",
            &format!("MAIL FROM:<dev@example.test> SIZE={size}\r\n"),
        );
        x.step("250 2.1.0 Ok\r\n", "RCPT TO:<alice@example.test>\r\n");
        x.step("250 2.1.5 Ok\r\n", "RCPT TO:<bob@example.test>\r\n");
        x.step("250 2.1.5 Ok\r\n", "RCPT TO:<carol@example.test>\r\n");
        x.step("250 2.1.5 Ok\r\n", "DATA\r\n");
        x.step(
            "354 End data with <CR><LF>.<CR><LF>\r\n",
            &format!("{HEADER}Hello\r\n..\r\nbye\r\n.\r\n"),
        );
        assert_eq!(x.session.step(), Step::EndOfData);
        x.step("250 2.0.0 Ok: queued as 1234\r\n", "QUIT\r\n");
        assert_eq!(x.session.want(), Want::Receive);
        x.server("221 2.0.0 Bye\r\n");
        assert_eq!(x.session.want(), Want::Close);
        assert_eq!(x.session.outcome(), Ok(()));
        assert_eq!(
            x.events,
            vec![
                Event::RecipientAccepted(0),
                Event::RecipientAccepted(1),
                Event::RecipientAccepted(2)
            ]
        );
        assert!(
            !String::from_utf8_lossy(&x.wire).contains("Carol"),
            "Bcc not in the header"
        );
    }

    #[test]
    fn tiny_output_buffer_gives_the_same_wire() {
        let body = b"x".repeat(500);
        let m = mail(&RCPTS[..1], &body);
        let run = |out_size: usize| {
            let mut x = Exchange::new(&m, config());
            x.out_size = out_size;
            for reply in [
                "220 hi\r\n",
                "250 mx\r\n",
                "250 ok\r\n",
                "250 ok\r\n",
                "354 go\r\n",
                "250 ok\r\n",
                "221 bye\r\n",
            ] {
                x.server(reply);
                x.client_sends();
            }
            assert_eq!(x.session.outcome(), Ok(()));
            x.wire
        };
        let reference = run(4096);
        for size in [2, 3, 7, 64, 255] {
            assert_eq!(run(size), reference, "out buffer {size}");
        }
    }

    #[test]
    fn helo_fallback_sends_no_esmtp_parameters() {
        let m = mail(&RCPTS[..1], "Gr\u{fc}\u{df}e".as_bytes());
        let mut x = Exchange::new(&m, config());
        x.step("220 old server\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "502 5.5.2 command not recognized\r\n",
            "HELO dev.example.test\r\n",
        );
        x.step("250 hello\r\n", "MAIL FROM:<dev@example.test>\r\n");
    }

    #[test]
    fn eight_bit_body_declares_8bitmime_when_offered() {
        let m = mail(&RCPTS[..1], "Gr\u{fc}\u{df}e".as_bytes());
        let mut x = Exchange::new(&m, config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.server("250-mx\r\n250 8BITMIME\r\n");
        assert_eq!(
            x.client_sends(),
            "MAIL FROM:<dev@example.test> BODY=8BITMIME\r\n"
        );
    }

    #[test]
    fn auth_plain_and_login() {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            user: b"tim",
            password: b"tanstaaftanstaaf",
            allow_insecure_auth: true,
            ..config()
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "250-mx\r\n250 AUTH LOGIN PLAIN\r\n",
            "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n",
        );
        x.step("235 2.7.0 ok\r\n", "MAIL FROM:<dev@example.test>\r\n");

        let cfg = Config {
            mechanisms: Mechanisms::NONE.with(Mechanism::Login),
            ..cfg
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 AUTH=LOGIN PLAIN\r\n", "AUTH LOGIN\r\n");
        x.step("334 VXNlcm5hbWU6\r\n", "dGlt\r\n");
        x.step("334 UGFzc3dvcmQ6\r\n", "dGFuc3RhYWZ0YW5zdGFhZg==\r\n");
        x.step("235 ok\r\n", "MAIL FROM:<dev@example.test>\r\n");
    }

    fn auth_outcome(reply: &str) -> Result<(), Error> {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            user: b"u",
            password: b"p",
            allow_insecure_auth: true,
            ..config()
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 AUTH PLAIN\r\n", "AUTH PLAIN AHUAcA==\r\n");
        x.server(reply);
        let after = x.client_sends();
        if reply.starts_with("334") {
            assert_eq!(after, "*\r\n");
            x.step("501 cancelled\r\n", "QUIT\r\n");
        } else {
            assert_eq!(after, "QUIT\r\n");
        }
        x.server("221 bye\r\n");
        assert_eq!(x.session.tally().failed_step, Some(Step::Auth));
        x.session.outcome()
    }

    #[test]
    fn auth_failures_are_distinct() {
        assert_eq!(
            auth_outcome("535 5.7.8 bad credentials\r\n"),
            Err(Error::AuthFailed)
        );
        assert_eq!(
            auth_outcome("534 5.7.9 too weak\r\n"),
            Err(Error::AuthMechanismTooWeak)
        );
        assert_eq!(
            auth_outcome("538 5.7.11 encrypt\r\n"),
            Err(Error::AuthEncryptionRequired)
        );
        assert_eq!(
            auth_outcome("454 4.7.0 temp\r\n"),
            Err(Error::AuthTemporary)
        );
        assert_eq!(
            auth_outcome("530 5.7.0 required\r\n"),
            Err(Error::AuthRequired)
        );
        assert_eq!(auth_outcome("334 more?\r\n"), Err(Error::AuthProtocol));
    }

    #[test]
    fn auth_refused_in_clear_without_opt_in_and_without_offer() {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            user: b"u",
            password: b"secret",
            ..config()
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::AuthInsecure));
        assert!(!String::from_utf8_lossy(&x.wire).contains("AUTH"));

        let cfg = Config {
            allow_insecure_auth: true,
            ..cfg
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 PIPELINING\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::AuthNotSupported));
    }

    #[test]
    fn partial_and_total_recipient_rejection() {
        let m = mail(&RCPTS[..2], b"x");
        let mut x = Exchange::new(&m, config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250 mx\r\n", "MAIL FROM:<dev@example.test>\r\n");
        x.step("250 ok\r\n", "RCPT TO:<alice@example.test>\r\n");
        x.step(
            "550 5.1.1 no such user\r\n",
            "RCPT TO:<bob@example.test>\r\n",
        );
        x.step("250 ok\r\n", "DATA\r\n");
        x.server("354 go\r\n");
        x.client_sends();
        x.step("250 queued\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::PartialDelivery));
        assert_eq!(
            x.events,
            vec![Event::RecipientRejected(0), Event::RecipientAccepted(1)]
        );
        assert_eq!(
            (x.session.tally().accepted, x.session.tally().rejected),
            (1, 1)
        );

        let mut x = Exchange::new(&m, config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250 mx\r\n", "MAIL FROM:<dev@example.test>\r\n");
        x.step("250 ok\r\n", "RCPT TO:<alice@example.test>\r\n");
        x.step("550 no\r\n", "RCPT TO:<bob@example.test>\r\n");
        x.step("450 4.2.0 later\r\n", "QUIT\r\n");
        assert!(!String::from_utf8_lossy(&x.wire).contains("DATA"));
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::AllRecipientsRejected));
    }

    #[test]
    fn service_closing_at_any_step_sends_nothing_more() {
        let replies = [
            "220 hi\r\n",
            "250 mx\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
        ];
        for cut in 0..=replies.len() {
            let m = mail(&RCPTS[..1], b"x");
            let mut x = Exchange::new(&m, config());
            for r in &replies[..cut] {
                x.server(r);
                x.client_sends();
            }
            x.server("421 4.3.2 shutting down\r\n");
            assert_eq!(x.client_sends(), "", "after 421 at reply {cut}");
            assert_eq!(x.session.want(), Want::Close);
            assert_eq!(x.session.outcome(), Err(Error::ServiceClosing));
        }
    }

    #[test]
    fn size_limit_is_enforced_before_mail() {
        let body = b"y".repeat(2000);
        let m = mail(&RCPTS[..1], &body);
        let mut x = Exchange::new(&m, config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 SIZE 1000\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::MessageTooBig));
    }

    #[test]
    fn lost_connection_after_the_dot_is_unknown_but_before_is_failure() {
        let m = mail(&RCPTS[..1], b"x");
        let mut x = Exchange::new(&m, config());
        for r in ["220 hi\r\n", "250 mx\r\n", "250 ok\r\n", "250 ok\r\n"] {
            x.server(r);
            x.client_sends();
        }
        x.server("354 go\r\n");
        // Connection drops while the message is still being written.
        let mut out = [0u8; 16];
        x.session.write(&mut out);
        x.session.abort(Error::Send);
        assert_eq!(x.session.outcome(), Err(Error::Send));

        let mut x = Exchange::new(&m, config());
        for r in [
            "220 hi\r\n",
            "250 mx\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
        ] {
            x.server(r);
            x.client_sends();
        }
        x.session.abort(Error::Timeout);
        assert_eq!(x.session.outcome(), Err(Error::OutcomeUnknown));
        assert_eq!(x.session.tally().failed_step, Some(Step::EndOfData));
    }

    #[test]
    fn only_221_or_silence_after_quit_keeps_a_success() {
        type After = dyn Fn(&mut Exchange<'_>);
        // (what follows the dot's 250, outcome)
        let cases: [(&After, Result<(), Error>); 6] = [
            (&|x| x.server("221 bye\r\n"), Ok(())),
            (&|x| x.session.abort(Error::Receive), Ok(())),
            (&|x| x.session.abort(Error::Timeout), Ok(())),
            (
                &|x| x.server("550 5.7.1 spam\r\n"),
                Err(Error::OutcomeUnknown),
            ),
            (&|x| x.server("250 ok\r\n"), Err(Error::OutcomeUnknown)),
            (
                &|x| x.session.unexpected_bytes(),
                Err(Error::OutcomeUnknown),
            ),
        ];
        for (i, (after, outcome)) in cases.iter().enumerate() {
            let m = mail(&RCPTS[..1], b"x");
            let mut x = Exchange::new(&m, config());
            x.through_354();
            x.step("250 queued\r\n", "QUIT\r\n");
            after(&mut x);
            assert_eq!(x.session.outcome(), *outcome, "case {i}");
        }
    }

    #[test]
    fn message_rejection_after_dot() {
        for (reply, error) in [
            ("554 5.7.1 spam\r\n", Error::MessageRejected),
            ("451 4.3.0 later\r\n", Error::MessageTemporaryFailure),
            ("552 5.3.4 too big\r\n", Error::MessageTooBig),
        ] {
            let m = mail(&RCPTS[..1], b"x");
            let mut x = Exchange::new(&m, config());
            x.through_354();
            x.step(reply, "QUIT\r\n");
            x.server("221 bye\r\n");
            assert_eq!(x.session.outcome(), Err(error));
        }
    }

    #[test]
    fn greeting_refused_and_malformed_replies() {
        let m = mail(&RCPTS[..1], b"x");
        let mut x = Exchange::new(&m, config());
        x.step("554 5.3.2 go away\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::GreetingRefused));

        let mut x = Exchange::new(&m, config());
        x.server("220-a\r\n");
        x.server("250 b\r\n");
        assert_eq!(x.session.want(), Want::Close);
        assert_eq!(x.session.outcome(), Err(Error::ReplySyntax));
    }

    #[test]
    fn starttls_required_and_opportunistic() {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            tls: TlsPolicy::Required,
            user: b"u",
            password: b"p",
            ..config()
        };
        // Not offered: abort before AUTH or MAIL.
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 AUTH PLAIN\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::TlsUnavailable));
        // Offered but refused.
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n");
        x.step("454 4.7.0 TLS not available\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::TlsRefused));
        // Offered and done: capabilities are learned again.
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "250-mx\r\n250-AUTH LOGIN\r\n250 STARTTLS\r\n",
            "STARTTLS\r\n",
        );
        x.server("220 2.0.0 Ready to start TLS\r\n");
        assert_eq!(x.session.want(), Want::Upgrade);
        x.session.on_upgraded(Ok(()));
        assert_eq!(x.client_sends(), "EHLO dev.example.test\r\n");
        assert!(!x.session.capabilities().has(Extension::Auth));
        x.step("250-mx\r\n250 AUTH PLAIN\r\n", "AUTH PLAIN AHUAcA==\r\n");
        // Opportunistic without offer: continue in clear, no AUTH without opt-in.
        let cfg = Config {
            tls: TlsPolicy::Opportunistic,
            ..cfg
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 AUTH PLAIN\r\n", "QUIT\r\n");
        x.server("221 bye\r\n");
        assert_eq!(x.session.outcome(), Err(Error::AuthInsecure));
    }

    #[test]
    fn handshake_failure_closes_without_quit() {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            tls: TlsPolicy::Required,
            ..config()
        };
        let mut x = Exchange::new(&m, cfg);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250-mx\r\n250 STARTTLS\r\n", "STARTTLS\r\n");
        x.server("220 go\r\n");
        x.session.on_upgraded(Err(Error::TlsHandshake));
        assert_eq!(x.session.want(), Want::Close);
        assert_eq!(x.session.outcome(), Err(Error::TlsHandshake));
        // The 220 did not decide the failure: the report names no reply.
        let tally = x.session.tally();
        assert_eq!(tally.last_code, 0);
        assert_eq!(tally.last_enhanced, None);
        assert_eq!(tally.failed_step, Some(Step::StartTls));
    }

    #[test]
    fn implicit_tls_upgrades_before_the_greeting() {
        let m = mail(&RCPTS[..1], b"x");
        let cfg = Config {
            tls: TlsPolicy::Implicit,
            ..config()
        };
        let mut x = Exchange::new(&m, cfg);
        assert_eq!(x.session.want(), Want::Upgrade);
        x.session.on_upgraded(Ok(()));
        assert_eq!(x.session.want(), Want::Receive);
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250 mx\r\n", "MAIL FROM:<dev@example.test>\r\n");
    }

    #[cfg(feature = "raw")]
    fn raw_config() -> Config<'static> {
        Config {
            raw_message: true,
            ..config()
        }
    }

    /// A complete message goes out as given: no generated header, dot-stuffed,
    /// CR LF line ends, SIZE measured on the wire form.
    #[cfg(feature = "raw")]
    #[test]
    fn raw_message_goes_out_as_given() {
        let message = b"From: a@x.test\nBcc-Like: kept\r\n\r\n.dot\nend";
        let m = Mail {
            subject: b"",
            ..mail(&RCPTS, message)
        };
        let mut x = Exchange::new(&m, raw_config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "250-mx\r\n250 SIZE 1000\r\n",
            "MAIL FROM:<dev@example.test> SIZE=46\r\n",
        );
        x.step("250 ok\r\n", "RCPT TO:<alice@example.test>\r\n");
        x.step("250 ok\r\n", "RCPT TO:<bob@example.test>\r\n");
        x.step("250 ok\r\n", "RCPT TO:<carol@example.test>\r\n");
        x.step("250 ok\r\n", "DATA\r\n");
        x.step(
            "354 go\r\n",
            "From: a@x.test\r\nBcc-Like: kept\r\n\r\n..dot\r\nend\r\n.\r\n",
        );
        assert_eq!(
            46,
            "From: a@x.test\r\nBcc-Like: kept\r\n\r\n..dot\r\nend\r\n".len()
        );
    }

    #[cfg(feature = "raw")]
    #[test]
    fn raw_eight_bit_needs_8bitmime() {
        let message = "Subject: Gr\u{fc}\u{df}e\r\n\r\nx\r\n".as_bytes();
        let m = Mail {
            subject: b"",
            ..mail(&RCPTS[..1], message)
        };
        let mut x = Exchange::new(&m, raw_config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "250-mx\r\n250 8BITMIME\r\n",
            "MAIL FROM:<dev@example.test> BODY=8BITMIME\r\n",
        );
        let mut x = Exchange::new(&m, raw_config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step("250 mx\r\n", "QUIT\r\n");
        assert_eq!(x.session.outcome(), Err(Error::EightBitUnsupported));
        assert_eq!(x.session.tally().failed_step, Some(Step::Mail));
        // 7-bit: no BODY parameter even where 8BITMIME is offered.
        let m = Mail {
            subject: b"",
            ..mail(&RCPTS[..1], b"Subject: plain\r\n\r\nx\r\n")
        };
        let mut x = Exchange::new(&m, raw_config());
        x.step("220 hi\r\n", "EHLO dev.example.test\r\n");
        x.step(
            "250-mx\r\n250 8BITMIME\r\n",
            "MAIL FROM:<dev@example.test>\r\n",
        );
    }
}
