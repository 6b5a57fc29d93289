// SPDX-License-Identifier: MIT OR Apache-2.0
//! The resumable sans-IO engine: one SMTP transaction for one mail.
//!
//! The driver asks [`Engine::next`] what to do and does it: send bytes and
//! report how many went ([`Engine::sent`]), receive into the room it is
//! given and report how many came ([`Engine::received`]), pass an event to
//! the application, or stop with the result. A transport failure is told
//! with [`Engine::failed`]. The engine holds every protocol rule itself:
//! one command is in flight and its reply is the next complete reply
//! (with `pipelining`, when the server offers PIPELINING: MAIL, every RCPT
//! and DATA go as one group and their replies are matched by count); nothing
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
const CAP_PLAIN: u32 = 1;
/// The server offers AUTH LOGIN.
const CAP_LOGIN: u32 = 2;
/// The server offers 8BITMIME.
const CAP_8BIT: u32 = 4;
/// The line's keyword is AUTH.
const CAP_AUTH: u32 = 8;
/// The server offers STARTTLS.
const CAP_STARTTLS: u32 = 16;
/// The server offers AUTH CRAM-MD5 (`cram-md5`; bit 5 is its word's in [`WORDS`]).
#[cfg(feature = "cram-md5")]
const CAP_CRAM: u32 = 32;
/// The AUTH mechanisms built in: the parameters of AUTH that count.
#[cfg(feature = "cram-md5")]
const MECHS: u32 = CAP_PLAIN | CAP_LOGIN | CAP_CRAM;
/// The AUTH mechanisms built in: the parameters of AUTH that count.
#[cfg(not(feature = "cram-md5"))]
const MECHS: u32 = CAP_PLAIN | CAP_LOGIN;
/// XOAUTH2 and OAUTHBEARER in `Engine::mechs` (bits 6 and 7; `oauth`).
#[cfg(feature = "oauth")]
const MECHS_OAUTH: u8 = 0xc0;
/// XOAUTH2 and OAUTHBEARER in `Engine::mechs`: none without `oauth`.
#[cfg(all(feature = "ex", not(feature = "oauth")))]
const MECHS_OAUTH: u8 = 0;
/// `IP_SMTPC_AUTH_CRAM_MD5`, the bit [`Engine::set_auth`] takes for CRAM-MD5 (`cram-md5`).
#[cfg(feature = "cram-md5")]
pub const AUTH_CRAM_MD5: u8 = 4;
/// `IP_SMTPC_AUTH_XOAUTH2`, a bit [`Engine::set_auth`] takes (`oauth`).
#[cfg(feature = "oauth")]
pub const AUTH_XOAUTH2: u8 = 8;
/// `IP_SMTPC_AUTH_OAUTHBEARER`, a bit [`Engine::set_auth`] takes (`oauth`).
#[cfg(feature = "oauth")]
pub const AUTH_OAUTHBEARER: u8 = 16;
/// The server offers SIZE.
#[cfg(feature = "size")]
const CAP_SIZE: u32 = 1 << 10;
/// The server offers PIPELINING (RFC 2920).
#[cfg(feature = "pipelining")]
const CAP_PIPE: u32 = 64;
/// The server offers CHUNKING (RFC 3030).
#[cfg(feature = "chunking")]
const CAP_CHUNKING: u32 = 128;
/// This mail goes as one `BDAT <size> LAST` chunk after the envelope
/// (chosen before MAIL: PIPELINING and CHUNKING offered, the size known).
#[cfg(feature = "chunking")]
const CAP_BDAT: u32 = 1 << 13;
/// Milliseconds the reply to QUIT is waited for once the outcome is
/// decided, when the driver has a clock (`deadline`): the 221 decides
/// nothing, so a server slow to send it (or one that never does) costs at
/// most this much.
#[cfg(feature = "deadline")]
pub const QUIT_GRACE_MS: u32 = 1_000;
/// The server offers DSN (RFC 3461).
#[cfg(feature = "dsn")]
const CAP_DSN: u32 = 256;
/// `BDAT <size> LAST` is written: the chunk follows (`chunking`).
#[cfg(feature = "chunking")]
const CAP_IN_CHUNK: u32 = 1 << 14;
/// The server offers SMTPUTF8 (RFC 6531).
#[cfg(feature = "smtputf8")]
const CAP_SMTPUTF8: u32 = 512;
/// Another mail follows on this connection (`batch`): no QUIT after this one.
#[cfg(feature = "batch")]
const CAP_MORE: u32 = 1 << 15;
/// This mail ended without QUIT and the connection can carry the next one
/// (`batch`).
#[cfg(feature = "batch")]
const CAP_REUSABLE: u32 = 1 << 11;
/// ... and the next one starts with RSET: a transaction may be open.
#[cfg(feature = "batch")]
const CAP_RSET: u32 = 1 << 12;

/// What the next mail of a batch takes over from the connection (`batch`):
/// the capabilities, the server's SIZE limit, TLS and whether RSET comes
/// first. From [`Engine::carry`], for [`Engine::follow`].
#[cfg(feature = "batch")]
#[derive(Clone, Copy, Debug)]
pub struct Carry {
    caps: u32,
    #[cfg(feature = "size")]
    limit: u32,
    #[cfg(feature = "tls")]
    tls: TlsMode,
    #[cfg(feature = "tls")]
    secure: bool,
}
/// Most pipelined commands whose replies may be outstanding (RFC 2920
/// §3.2: the client must not fill the server's output while it does not
/// read it). Replies are short (Postfix: 14–90 bytes), so 128 of them fit
/// the socket buffers of both ends even when they are a few KB; 128 also
/// lets MAIL, 100 RCPT and DATA go in one round trip.
#[cfg(feature = "pipelining")]
const PIPE_WINDOW: u32 = 128;
/// `Engine::section` once a BDAT chunk and the QUIT after it are written
/// (`chunking`).
#[cfg(feature = "chunking")]
const CHUNK_WRITTEN: u8 = 7;

/// How the engine uses TLS (`tls` feature).
#[cfg(feature = "tls")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Never (no TLS hooks).
    Off,
    /// STARTTLS when the server offers it; clear text otherwise (emNet ALLOW_INSECURE).
    Optional,
    /// STARTTLS or nothing: no AUTH, MAIL or message in clear (emNet SECURE_ONLY).
    Required,
    /// TLS from the first byte (RFC 8314): the handshake comes before the greeting.
    #[cfg(feature = "ex")]
    Implicit,
}

/// What an [`Event`] reports. The values are the C API's
/// `IP_SMTPC_STAT_*` (checked in `capi::send`), so the driver passes them on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EventKind {
    /// The dialogue entered a new step.
    Step = 1,
    /// A recipient was accepted.
    Accepted = 2,
    /// A recipient was rejected.
    Rejected = 3,
    /// A complete reply other than RCPT's and QUIT's, for the report
    /// (`index` 0 for MAIL's, `usize::MAX` for the others); not a
    /// `pfCallback` status.
    #[cfg(feature = "ex")]
    Reply,
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
    /// Address-table index of the recipient; `usize::MAX` for a step
    /// (`-1` as the C API's `RecipientIndex`).
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
    /// Start TLS on the connection (the handshake), then call [`Engine::upgraded`].
    #[cfg(feature = "tls")]
    Upgrade,
    /// Stream multipart item `n` (`usize::MAX`: the streamed text body, or
    /// with `raw` the streamed complete message) through [`Engine::push`],
    /// sending [`Engine::pending`] whenever it takes no more; then call
    /// [`Engine::streamed`] (`mime`, `raw`).
    #[cfg(any(feature = "mime", feature = "raw"))]
    Item(usize),
}

/// Whose turn it is (a word: Thumb-2 loads a word from the stack in 16 bits, a byte in 32).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum Phase {
    /// Waiting for the reply to the step's command (0: where a new engine starts).
    Wait,
    /// The current step's command (or content) is to be rendered and sent.
    Send,
    /// Waiting for the driver's TLS handshake.
    #[cfg(feature = "tls")]
    Upgrade,
    /// The driver streams an item's content through `push`.
    #[cfg(any(feature = "mime", feature = "raw"))]
    Stream,
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
    checked: &'b Checked,
    step: Step,
    phase: Phase,
    reported: u32,
    /// Bytes of the current unit (command, header block) already rendered;
    /// 0 again once the unit is whole (`fill`, `group`, `content`), so
    /// always 0 when a reply comes: only a command with no reply
    /// outstanding is cut short, and replies are read once it went out.
    unit_sent: usize,
    /// At DOT: the header block is complete. Before DOT, under PIPELINING
    /// (`pipelining`): the commands written whose replies have not come
    /// (the next one to write is that many past the one whose reply is
    /// awaited); 0 again once DATA is answered. (The session's storage has
    /// no word to spare for a field of its own.) At DOT with the result
    /// decided, the end of data goes alone: 354 after a failed envelope.
    header_done: u32,
    body: Body,
    /// Address-table index of the current MAIL or RCPT entry: 0, the
    /// sender, until MAIL is accepted. After an OAuth error challenge
    /// (`oauth`), which ends the transaction before MAIL: its status (the
    /// session's storage has no word to spare for a field of its own).
    rcpt: usize,
    accepted: usize,
    #[cfg(feature = "ex")]
    rejected: u16,
    /// Code of the reply being read (set by its first line), and its lines
    /// so far (0 before the first).
    code: u32,
    lines: u8,
    caps: u32,
    #[cfg(feature = "tls")]
    tls: TlsMode,
    #[cfg(feature = "tls")]
    secure: bool,
    /// The result, once decided.
    outcome: Option<Result<(), Error>>,
    /// Milliseconds a step may take, 0 = no deadline.
    #[cfg(feature = "deadline")]
    timeout: u32,
    /// The driver's clock at its last `tick`, and when the current step began.
    #[cfg(feature = "deadline")]
    now: u32,
    #[cfg(feature = "deadline")]
    since: u32,
    /// The report (`ex`): allowed AUTH mechanisms ([`MECHS`] bits), AUTH allowed in clear, the code of the reply that decided
    /// the outcome (0 when the engine decided alone), the enhanced code of
    /// the reply being read, the step that failed, TLS when DATA was accepted.
    #[cfg(feature = "ex")]
    mechs: u8,
    #[cfg(feature = "ex")]
    insecure_auth: bool,
    #[cfg(feature = "ex")]
    kept: u16,
    #[cfg(feature = "ex")]
    enhanced: [u16; 3],
    #[cfg(feature = "ex")]
    failed: u8,
    #[cfg(feature = "ex")]
    secure_data: bool,
    /// The parser of an OAuth error challenge's status (`oauth`), which
    /// [`Engine::set_auth`] installs with an OAuth mechanism: called only
    /// through this field, it is linked only where a driver can allow one
    /// (not by `IP_SMTPC_Send`, which has no token to give).
    #[cfg(feature = "oauth")]
    oauth_parser: Option<fn(&[u8]) -> u16>,
    /// SIZE (`size`): the server's limit (0 = none) and the message size.
    #[cfg(feature = "size")]
    limit: u32,
    #[cfg(feature = "size")]
    size: u32,
    /// MIME (`mime`): the content section, the item, the encoder, the
    /// text's transfer encoding.
    #[cfg(feature = "mime")]
    section: u8,
    #[cfg(any(feature = "mime", feature = "raw"))]
    item: usize,
    #[cfg(feature = "mime")]
    enc: crate::mime::Enc,
    #[cfg(feature = "mime")]
    tenc: u8,
    /// A streamed complete message between pushes (`raw`).
    #[cfg(feature = "raw")]
    stream: crate::raw::Stream,
}

impl<'b> Engine<'b> {
    /// An engine for a mail that passed [`crate::check::check`], with out
    /// and in buffers (at least 16 bytes each, as `build.rs` enforces for
    /// the C API: with `mime` the encoders need 12 bytes of room to make
    /// progress; a reply line must fit `rx`).
    /// It starts waiting for the greeting.
    #[cfg_attr(feature = "nb", inline(never))]
    pub fn new(tx: &'b mut [u8], rx: &'b mut [u8], checked: &'b Checked) -> Self {
        Engine {
            tx,
            tx_len: 0,
            tx_pos: 0,
            rx,
            rx_len: 0,
            rx_pos: 0,
            checked,
            step: GREETING,
            phase: Phase::Wait,
            reported: 0,
            unit_sent: 0,
            header_done: 0,
            body: Body::default(),
            rcpt: 0,
            accepted: 0,
            #[cfg(feature = "ex")]
            rejected: 0,
            code: 0,
            lines: 0,
            caps: 0,
            #[cfg(feature = "tls")]
            tls: TlsMode::Off,
            #[cfg(feature = "tls")]
            secure: false,
            outcome: None,
            #[cfg(feature = "deadline")]
            timeout: 0,
            #[cfg(feature = "deadline")]
            now: 0,
            #[cfg(feature = "deadline")]
            since: 0,
            #[cfg(feature = "ex")]
            mechs: MECHS as u8 | MECHS_OAUTH,
            #[cfg(feature = "ex")]
            insecure_auth: true,
            #[cfg(feature = "ex")]
            kept: 0,
            #[cfg(feature = "ex")]
            enhanced: [0; 3],
            #[cfg(feature = "ex")]
            failed: 0,
            #[cfg(feature = "ex")]
            secure_data: false,
            #[cfg(feature = "oauth")]
            oauth_parser: None,
            #[cfg(feature = "size")]
            limit: 0,
            #[cfg(feature = "size")]
            size: 0,
            #[cfg(feature = "mime")]
            section: 0,
            #[cfg(any(feature = "mime", feature = "raw"))]
            item: 0,
            #[cfg(feature = "mime")]
            enc: crate::mime::Enc::default(),
            #[cfg(feature = "mime")]
            tenc: 0,
            #[cfg(feature = "raw")]
            stream: crate::raw::Stream::default(),
        }
    }

    /// Gives every step (a command, its reply; the message and the reply to
    /// the dot; the TLS handshake) at most `ms` milliseconds from now on;
    /// 0 = none. Time comes from [`Engine::tick`].
    #[cfg(feature = "deadline")]
    pub fn set_timeout(&mut self, ms: u32, now_ms: u32) {
        self.timeout = ms;
        self.now = now_ms;
        self.since = now_ms;
    }

    /// The driver's millisecond clock (wrapping). Past the current step's
    /// deadline the transaction ends with `Timeout` (after the final dot:
    /// `OutcomeUnknown`); call [`Engine::next`] then.
    #[cfg(feature = "deadline")]
    pub fn tick(&mut self, now_ms: u32) {
        self.now = now_ms;
        if self.phase != Phase::Closed
            && self.timeout != 0
            && now_ms.wrapping_sub(self.since) >= self.timeout
        {
            self.abort(Error::Timeout);
        }
    }

    /// When the driver must call [`Engine::tick`] at the latest (its
    /// receive or send must not block longer); `None` without a deadline.
    #[cfg(feature = "deadline")]
    pub fn poll_at(&self) -> Option<u32> {
        (self.timeout != 0 && self.phase != Phase::Closed)
            .then(|| self.since.wrapping_add(self.timeout))
    }

    /// Changes the current step's allowance to `ms` (0 = none) without
    /// restarting it (a driver whose limit depends on the step).
    #[cfg(feature = "deadline")]
    pub fn set_limit(&mut self, ms: u32) {
        self.timeout = ms;
    }

    /// Hands the engine its buffers and the check result again, unchanged
    /// in place and content (the non-blocking driver derives them afresh
    /// from the caller's session at every call); nothing else changes.
    #[cfg(feature = "nb")]
    pub fn rebind(&mut self, tx: &'b mut [u8], rx: &'b mut [u8], checked: &'b Checked) {
        self.tx = tx;
        self.rx = rx;
        self.checked = checked;
    }

    /// The application abandons the transaction (`IP_SMTPC_Abort`): it ends
    /// with `ApplicationAbort`, or `OutcomeUnknown` once the final dot may
    /// have gone out; at QUIT the decided result stays (a message the
    /// server accepted stays accepted). Nothing more is sent.
    #[cfg(feature = "nb")]
    pub fn abandon(&mut self) {
        if self.phase == Phase::Closed {
            return;
        }
        if self.step == QUIT {
            return self.close();
        }
        self.abort(Error::ApplicationAbort);
    }

    /// What to do next.
    #[inline(always)]
    pub fn next<M: Mail>(&mut self, m: &M) -> Action<'_> {
        loop {
            let report = u32::from(Row::of(self.step).report);
            if report != self.reported {
                self.reported = report;
                // With the report (`ex`): the code of the reply behind the
                // step change, as `src/` tells `pfCallback`.
                #[cfg(feature = "ex")]
                let code = self.kept;
                #[cfg(not(feature = "ex"))]
                let code = 0;
                return Action::Event(Event {
                    kind: EventKind::Step,
                    step: report as u8,
                    code,
                    index: usize::MAX,
                    text: b"",
                });
            }
            if self.tx_pos < self.tx_len {
                return Action::Send(self.tx.get(self.tx_pos..self.tx_len).unwrap_or_default());
            }
            match self.phase {
                Phase::Closed => {
                    return Action::Done(self.outcome.unwrap_or(Err(Error::Receive)));
                }
                Phase::Send => self.fill(m),
                #[cfg(feature = "tls")]
                Phase::Upgrade => return Action::Upgrade,
                #[cfg(any(feature = "mime", feature = "raw"))]
                Phase::Stream => return Action::Item(self.item),
                Phase::Wait => {
                    let unread = self.rx.get(self.rx_pos..self.rx_len).unwrap_or_default();
                    match parse_line(unread) {
                        Err(e) => self.abort(e),
                        Ok(Some(line)) => {
                            let start = self.rx_pos + 4;
                            self.rx_pos += line.len;
                            let end = self.rx_pos.saturating_sub(2);
                            if let Some((kind, index)) =
                                self.on_line(m, line.code, line.last, start, end)
                            {
                                let text = self.rx.get(start..end).unwrap_or_default();
                                let step = Row::of(RCPT).report;
                                return Action::Event(Event {
                                    kind,
                                    step,
                                    code: line.code,
                                    index,
                                    text,
                                });
                            }
                        }
                        Ok(None) => {
                            if self.room_for_more() {
                                return Action::Receive(
                                    self.rx.get_mut(self.rx_len..).unwrap_or_default(),
                                );
                            }
                            self.abort(Error::ReplyTooLong);
                        }
                    }
                }
            }
        }
    }

    /// Makes room at the end of `rx`; `false` when a line fills all of it.
    #[inline(always)]
    fn room_for_more(&mut self) -> bool {
        // What is left unread (a partial line, or nothing) moves to the front.
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
        to < self.rx.len()
    }

    /// `n` bytes of the last [`Action::Send`] went out.
    #[inline(always)]
    pub fn sent(&mut self, n: usize) {
        self.tx_pos = self.tx_len.min(self.tx_pos + n);
    }

    /// `n` bytes arrived in the room of the last [`Action::Receive`] (or of
    /// [`Engine::room`]). Bytes nobody asked for end the transaction: while the
    /// message is being sent its outcome becomes unknown.
    #[inline(always)]
    pub fn received(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        self.rx_len = self.rx.len().min(self.rx_len + n);
        // Bytes while ours still wait to go out are out of turn (a driver
        // that reads whenever it can): they cannot answer what the server
        // has not seen, least of all a final dot not sent yet.
        // So are bytes while the engine renders or streams its own.
        #[cfg(any(feature = "mime", feature = "raw"))]
        let streaming = self.phase == Phase::Stream;
        #[cfg(not(any(feature = "mime", feature = "raw")))]
        let streaming = false;
        // Under PIPELINING, replies to commands already written may come
        // while more of ours wait to go out.
        #[cfg(feature = "pipelining")]
        let awaited = self.owed();
        #[cfg(not(feature = "pipelining"))]
        let awaited = false;
        // While a BDAT chunk goes out (`chunking`) no reply is taken: one
        // could not be told from the chunk's own, which is due only after
        // the chunk's last byte.
        #[cfg(feature = "chunking")]
        let awaited = awaited && !self.chunk_in_flight();
        if (self.tx_pos < self.tx_len || self.phase == Phase::Send || streaming) && !awaited {
            self.abort(Error::UnexpectedReply);
        }
        #[cfg(feature = "tls")]
        if self.phase == Phase::Upgrade {
            // Plaintext after "220 ready to start TLS" (RFC 3207 §6 injection).
            self.abort(Error::TlsInjection);
        }
    }

    /// Room for bytes that arrived unasked (a non-blocking driver reading
    /// whenever the socket is readable); report them with [`Engine::received`].
    pub fn room(&mut self) -> &mut [u8] {
        #[cfg(feature = "chunking")]
        if self.chunk_in_flight() {
            return &mut [];
        }
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
    // A hint in the seed set (measured: -12 B; full +36 B).
    #[cfg_attr(not(feature = "ex"), inline)]
    #[cfg_attr(feature = "ex", inline(always))]
    fn fill<M: Mail>(&mut self, m: &M) {
        #[cfg(feature = "pipelining")]
        if self.piped() {
            return self.group(m);
        }
        let tx = core::mem::take(&mut self.tx);
        let mut w = Writer::new(tx, self.unit_sent);
        let dot = self.step == DOT;
        // 354 although no recipient was accepted (PIPELINING): the end of
        // data alone, no message (RFC 2920 §3.1).
        #[cfg(feature = "pipelining")]
        let alone = dot && self.outcome.is_some();
        #[cfg(not(feature = "pipelining"))]
        let alone = false;
        // A complete message that turned out unfit (`raw`).
        #[cfg(all(feature = "raw", not(feature = "mime")))]
        let mut unfit = None;
        let done = if alone {
            w.put(self.end_of_data());
            !w.is_full()
        } else if dot {
            // A complete message (`raw`): no header block, no MIME. (With
            // `mime`, `content` renders it.)
            #[cfg(all(feature = "raw", not(feature = "mime")))]
            if self.raw::<M>() {
                let r = self.raw_fill(m, &mut w);
                unfit = r.err();
                r == Ok(true)
            } else {
                self.message(m, &mut w)
            }
            #[cfg(feature = "mime")]
            {
                self.header_block(m, &mut w) && self.content(m, &mut w)
            }
            #[cfg(not(any(feature = "raw", feature = "mime")))]
            self.message(m, &mut w)
        } else {
            self.command(m, &mut w);
            !w.is_full()
        };
        self.tx_len = w.len();
        self.tx_pos = 0;
        self.tx = tx;
        // `content` keeps its own skip count (`mime`). The body after a
        // complete header block needs no skip (only QUIT, which always
        // fits, follows the message); nor does a complete message (`raw`).
        if !(cfg!(feature = "mime") && dot && !alone) {
            let restart = done || self.header_done != 0;
            self.unit_sent = if restart {
                0
            } else {
                self.unit_sent + self.tx_len
            };
        }
        #[cfg(all(feature = "raw", not(feature = "mime")))]
        if let Some(e) = unfit {
            return self.abort(e);
        }
        if done {
            self.phase = Phase::Wait;
        }
    }

    /// Renders the header block and the body (the seed's message) as far
    /// as `w` takes them; `true` once the end of data is written.
    #[cfg(not(feature = "mime"))]
    #[inline(always)]
    fn message<M: Mail>(&mut self, m: &M, w: &mut Writer<'_>) -> bool {
        if self.header_done == 0 {
            crate::header::put(w, m, self.checked);
            self.header_done = u32::from(!w.is_full());
        }
        // The header block is complete: the body needs no skip.
        self.header_done != 0 && self.body.put(w, m.body(), self.end_of_data())
    }

    /// Renders a complete message (`raw`) as far as `w` takes it: a static
    /// one from `sBody`, or a streamed one through [`Action::Item`] first;
    /// then the end-of-data line. `Ok(true)` once ".\r\n" is written.
    /// (`header_done`: the message was started, streamed ones pushed.)
    #[cfg(all(feature = "raw", not(feature = "mime")))]
    fn raw_fill<M: Mail>(&mut self, m: &M, w: &mut Writer<'_>) -> Result<bool, Error> {
        let streamed = m.streamed_body();
        if self.header_done == 0 {
            self.header_done = 1;
            if streamed {
                self.item = usize::MAX;
                self.phase = Phase::Stream;
                return Ok(false);
            }
        }
        if !streamed {
            let body = m.body().get(self.body.pos..).unwrap_or_default();
            let n = self.raw_put(w, body)?;
            self.body.pos += n;
            if n < body.len() {
                return Ok(false);
            }
        }
        let end = self.end_of_data();
        if w.room() < end.len() + 2 {
            return Ok(false);
        }
        if !self.stream.at_line_start() {
            w.put(b"\r\n");
        }
        w.put(end);
        Ok(true)
    }

    /// Puts as much of `data` as `w` takes (two bytes of room a byte)
    /// through [`crate::raw::Stream`]; returns how many bytes it took, or
    /// the error of the byte that makes the message unfit.
    #[cfg(feature = "raw")]
    fn raw_put(&mut self, w: &mut Writer<'_>, data: &[u8]) -> Result<usize, Error> {
        // A static 8-bit message only gets here with 8BITMIME (`before_mail`).
        self.stream.take(w, data, self.caps & CAP_8BIT != 0)
    }

    /// A complete message of the caller's (`raw`), never for a mail that
    /// cannot have options ([`Mail::EXTENDED`]: its instance has no code
    /// for it).
    #[inline(always)]
    #[cfg_attr(not(feature = "raw"), allow(dead_code))]
    fn raw<M: Mail>(&self) -> bool {
        #[cfg(feature = "raw")]
        return M::EXTENDED && self.checked.raw;
        #[cfg(not(feature = "raw"))]
        false
    }

    /// `true` from the `BDAT` line until the chunk's last byte was handed
    /// to the driver (`chunking`).
    #[cfg(feature = "chunking")]
    fn chunk_in_flight(&self) -> bool {
        self.caps & CAP_IN_CHUNK != 0
            && (self.section != CHUNK_WRITTEN || self.tx_pos < self.tx_len)
    }

    /// What ends the message on the wire: the end-of-data line; under
    /// PIPELINING with QUIT after it (RFC 2920 §3.1: the message may start
    /// a group, QUIT ends it), so the server's last two replies come
    /// without another round trip; after a BDAT chunk QUIT alone.
    #[inline(always)]
    fn end_of_data(&self) -> &'static [u8] {
        #[cfg(feature = "pipelining")]
        {
            const END: &[u8] = b".\r\nQUIT\r\n";
            #[cfg(feature = "chunking")]
            let from = if self.caps & CAP_BDAT != 0 { 3 } else { 0 };
            #[cfg(not(feature = "chunking"))]
            let from = 0;
            // Another mail of a batch follows (`batch`): no QUIT.
            #[cfg(feature = "batch")]
            let last = self.caps & CAP_MORE == 0;
            #[cfg(not(feature = "batch"))]
            let last = true;
            let to = if self.caps & CAP_PIPE != 0 && last {
                END.len()
            } else {
                3
            };
            END.get(from..to).unwrap_or_default()
        }
        #[cfg(not(feature = "pipelining"))]
        b".\r\n"
    }

    /// Renders the current step's command.
    #[inline(always)]
    fn command<M: Mail>(&self, m: &M, w: &mut Writer<'_>) {
        self.render(m, w, self.step, self.rcpt);
    }

    /// `true` while the envelope goes pipelined: the server offers
    /// PIPELINING and the step is MAIL, RCPT or DATA (`pipelining`).
    #[cfg(feature = "pipelining")]
    #[inline(never)]
    fn piped(&self) -> bool {
        self.caps & CAP_PIPE != 0 && (MAIL..=DATA).contains(&self.step)
    }

    /// `true` while replies to pipelined commands are owed (`header_done`
    /// counts them only from MAIL to DATA: at DOT it is the header flag).
    #[cfg(feature = "pipelining")]
    fn owed(&self) -> bool {
        self.piped() && self.header_done > 0
    }

    /// Writes the envelope as one group (RFC 2920): MAIL, every RCPT and
    /// DATA (or `BDAT <size> LAST`), numbered 0 (MAIL), 1.. (the entries),
    /// `count` (DATA), from the first not written on, as many whole
    /// commands as the out buffer takes, then again after the buffer went
    /// out, while fewer than [`PIPE_WINDOW`] replies are outstanding. Only a
    /// command with no reply outstanding is cut short (and rendered again
    /// with the skip count until it is whole), so whatever a reply decides
    /// never follows half a command. With the window full (or a command
    /// longer than the whole buffer behind outstanding replies) the engine
    /// reads replies before writing more, so the server never blocks writing
    /// replies nobody reads (RFC 2920 §3.2). With BDAT (`chunking`) the
    /// message and QUIT follow the commands without waiting.
    #[cfg(feature = "pipelining")]
    #[inline(always)]
    fn group<M: Mail>(&mut self, m: &M) {
        let tx = core::mem::take(&mut self.tx);
        let mut w = Writer::new(tx, self.unit_sent);
        let mut skip = self.unit_sent;
        let count = m.count();
        // The command whose reply is awaited, and the first one not written.
        let awaited = if self.step == DATA { count } else { self.rcpt };
        let mut at = awaited + self.header_done as usize;
        let mut len = 0;
        // Once a reply decided the result (a refused MAIL, no recipient
        // left) nothing more is written: the replies owed are read, then QUIT.
        let decided = self.outcome.is_some();
        while at <= count && self.header_done < PIPE_WINDOW && !decided {
            let (step, rcpt) = match at {
                0 => (MAIL, 0),
                _ if at < count => (RCPT, at),
                _ => (DATA, 0),
            };
            let before = w.len();
            self.render(m, &mut w, step, rcpt);
            if w.is_full() {
                if self.header_done == 0 {
                    self.unit_sent = skip + (w.len() - before);
                    len = w.len();
                }
                break;
            }
            skip = 0;
            self.unit_sent = 0;
            self.header_done += 1;
            at += 1;
            len = w.len();
        }
        // The chunk (`chunking`): the message after BDAT, then QUIT.
        #[cfg(feature = "chunking")]
        let mut written = at > count;
        #[cfg(feature = "chunking")]
        if written && self.caps & CAP_BDAT != 0 && self.section != CHUNK_WRITTEN {
            self.caps |= CAP_IN_CHUNK;
            w.unstuffed();
            written = self.header_block(m, &mut w) && self.content(m, &mut w);
            len = w.len();
            if written {
                self.section = CHUNK_WRITTEN;
            }
        }
        #[cfg(not(feature = "chunking"))]
        let written = at > count;
        self.tx_len = len;
        self.tx_pos = 0;
        self.tx = tx;
        // The window bounds commands, not the chunk after them.
        let blocked =
            self.header_done >= PIPE_WINDOW || (len == 0 && self.header_done > 0) || decided;
        if written || (blocked && at <= count) {
            self.phase = Phase::Wait;
        }
    }

    /// Renders the command of `step` for entry `rcpt` (one copy when
    /// `group` renders too).
    #[cfg_attr(not(feature = "pipelining"), inline(always))]
    #[cfg_attr(feature = "pipelining", inline(never))]
    fn render<M: Mail>(&self, m: &M, w: &mut Writer<'_>, step: Step, rcpt: usize) {
        let row = Row::of(step);
        #[cfg(feature = "chunking")]
        if step == DATA && self.caps & CAP_BDAT != 0 {
            // RFC 3030: the whole message as one last chunk.
            w.put(b"BDAT ");
            w.num(self.size, 1);
            w.put(b" LAST\r\n");
            return;
        }
        w.put(row.text());
        match row.arg {
            // No OAuth step is reached without options.
            #[cfg(feature = "oauth")]
            Arg::OAuth | Arg::OAuthResponse | Arg::OAuthError if !M::EXTENDED => {}
            Arg::Domain => w.put(own_domain(m)),
            Arg::Plain => crate::base64::put(w, &[b"\0", m.user(), b"\0", m.password()]),
            Arg::User => crate::base64::put(w, &[m.user()]),
            Arg::Pass => crate::base64::put(w, &[m.password()]),
            Arg::Sender | Arg::Rcpt => {
                // `rcpt` is 0 (the sender) until MAIL is accepted.
                let addr = m.entry(rcpt).addr;
                w.put(addr);
                w.byte(b'>');
                #[cfg(feature = "size")]
                if row.arg == Arg::Sender && self.caps & CAP_SIZE != 0 && !streams(m) {
                    w.put(b" SIZE=");
                    w.num(self.size, 1);
                }
                if row.arg == Arg::Sender && self.eight_bit_mime() {
                    w.put(b" BODY=8BITMIME");
                }
                // RFC 6531 §3.4 (`before_mail` refused the mail when the
                // server does not offer it).
                #[cfg(feature = "smtputf8")]
                if row.arg == Arg::Sender && utf8_addresses(m) {
                    w.put(b" SMTPUTF8");
                }
                // RFC 3461, when offered (`before_mail` refused the mail
                // if it was required and not offered).
                #[cfg(feature = "dsn")]
                {
                    let dsn = m.dsn();
                    if self.caps & CAP_DSN != 0 && dsn.wanted() {
                        if row.arg == Arg::Sender {
                            dsn.put_mail(w);
                        } else {
                            dsn.put_rcpt(w, addr);
                        }
                    }
                }
            }
            #[cfg(feature = "cram-md5")]
            Arg::CramMd5 => w.put(b"CRAM-MD5"),
            #[cfg(feature = "oauth")]
            Arg::OAuth | Arg::OAuthResponse => {
                let bearer = self.bearer();
                if row.arg == Arg::OAuth {
                    w.put(crate::oauth::name(bearer));
                }
                if step != OAUTH_ALONE {
                    if step == OAUTH {
                        w.byte(b' ');
                    }
                    crate::oauth::put_response(w, bearer, m.user(), m.token());
                }
            }
            // RFC 7628 §3.2.3: %x01 after the error challenge; XOAUTH2
            // (Google): an empty line.
            #[cfg(feature = "oauth")]
            Arg::OAuthError => {
                if self.bearer() {
                    w.put(b"AQ==");
                }
            }
            #[cfg(feature = "cram-md5")]
            Arg::CramResponse => {
                // Checked when the 334 came (`on_reply`).
                let digest = self.cram_digest(m).unwrap_or_default();
                crate::cram::put_response(w, m.user(), &digest);
            }
            Arg::None | Arg::Content => {}
        }
        w.put(b"\r\n");
    }

    /// One complete reply line; its text is `rx[start..end]`. Returns the
    /// recipient event a complete reply to RCPT makes.
    #[inline(always)]
    fn on_line<M: Mail>(
        &mut self,
        m: &M,
        code: u16,
        last: bool,
        start: usize,
        end: usize,
    ) -> Option<(EventKind, usize)> {
        if self.lines != 0 && u32::from(code) != self.code {
            self.abort(Error::ReplySyntax);
            return None;
        }
        self.code = u32::from(code);
        self.lines += 1;
        #[cfg(feature = "ex")]
        if M::EXTENDED && self.lines == 1 {
            self.enhanced = enhanced(self.rx.get(start..end).unwrap_or_default(), code);
        }
        if self.lines > MAX_LINES {
            self.abort(Error::ReplyTooManyLines);
            return None;
        }
        if self.step == EHLO && self.lines > 1 && code / 100 == 2 {
            let text = self.rx.get(start..end).unwrap_or_default();
            let offered = capabilities(text);
            self.caps |= offered;
            #[cfg(feature = "size")]
            if offered & CAP_SIZE != 0 {
                self.limit = size_limit(text);
            }
        }
        if !last {
            return None;
        }
        self.lines = 0;
        #[cfg(feature = "ex")]
        let step = self.step;
        // Under PIPELINING, replies after the deciding one (the rest of
        // the group) decide nothing either.
        #[cfg(feature = "pipelining")]
        let deciding = self.outcome.is_none();
        #[cfg(not(feature = "pipelining"))]
        let deciding = true;
        #[cfg(feature = "ex")]
        if step != QUIT && deciding {
            // QUIT's reply decides nothing; the report keeps the one that did.
            self.kept = code;
        }
        #[cfg(not(feature = "ex"))]
        let _ = deciding;
        let event = self.on_reply(m, code);
        // Pipelined replies after the deciding one make no event (as QUIT's):
        // the application hears, and the report keeps, the reply that decided.
        #[cfg(all(feature = "ex", feature = "pipelining"))]
        let step = quiet(step, deciding);
        #[cfg(feature = "ex")]
        let event = match (event, step) {
            // Reply events feed the report alone.
            (None, _) if !M::EXTENDED => None,
            (None, QUIT) => None,
            (None, MAIL) => Some((EventKind::Reply, 0)),
            (None, _) => Some((EventKind::Reply, usize::MAX)),
            (some, _) => some,
        };
        // Nothing may follow a reply that hands the turn to the client
        // (under PIPELINING: the last reply outstanding; QUIT's, when it
        // went with the end of the message).
        #[cfg(feature = "pipelining")]
        let awaited = self.owed() || (self.step == QUIT && self.phase == Phase::Wait);
        #[cfg(not(feature = "pipelining"))]
        let awaited = false;
        if self.phase != Phase::Closed && self.rx_pos < self.rx_len && !awaited {
            #[cfg(feature = "tls")]
            if self.phase == Phase::Upgrade {
                self.abort(Error::TlsInjection);
                return event;
            }
            self.abort(Error::UnexpectedReply);
        }
        event
    }

    /// One complete reply to the current step; the recipient event it makes.
    #[inline(always)]
    fn on_reply<M: Mail>(&mut self, m: &M, code: u16) -> Option<(EventKind, usize)> {
        // The reply to BDAT LAST is the message's (RFC 3030). (It is read
        // only once the whole chunk went out: replies are parsed while
        // nothing waits to be written.)
        #[cfg(feature = "chunking")]
        if self.step == DATA && self.caps & CAP_BDAT != 0 {
            self.header_done = 0;
            self.step = DOT;
            #[cfg(feature = "ex")]
            {
                self.secure_data = self.secure;
            }
        }
        let step = self.step;
        let row = Row::of(step);
        let ok = row.accepts(code);
        if step == QUIT || code == 421 {
            if step != QUIT {
                // RFC 5321 §3.8: the server is closing; send nothing more.
                self.decide(self.closing_error());
            } else if !ok {
                // A success not confirmed by 221 is not a success.
                self.doubt();
            }
            self.close();
            return None;
        }
        // A reply to a pipelined MAIL, RCPT or DATA: matched to its
        // command by count.
        #[cfg(feature = "pipelining")]
        let piped = self.piped();
        #[cfg(feature = "pipelining")]
        if piped {
            self.header_done = self.header_done.saturating_sub(1);
        }
        #[cfg(feature = "pipelining")]
        if step == DOT && self.outcome.is_some() {
            // The end of data sent alone (QUIT went with it: only under
            // PIPELINING is it sent alone): the result is decided already.
            #[cfg(feature = "batch")]
            if M::EXTENDED && self.mail_done(true, DOT) {
                return None;
            }
            self.step = QUIT;
            self.phase = Phase::Wait;
            self.restart_clock();
            return None;
        }
        let mut event = None;
        let mut next = if ok { Step::from(row.next) } else { QUIT };
        // A malformed CRAM-MD5 challenge: cancel the exchange (RFC 4954 §4).
        #[cfg(feature = "cram-md5")]
        if step == CRAM && ok && self.cram_digest(m).is_none() {
            next = CANCEL;
        }
        // The 334 before the OAuth response must be empty (RFC 4954 §4).
        #[cfg(feature = "oauth")]
        if M::EXTENDED && step == OAUTH_ALONE && ok && !self.challenge().is_empty() {
            next = CANCEL;
        }
        if step == RCPT {
            // Pipelined RCPT replies after a refused MAIL count for nothing
            // and make no event (without pipelining those RCPT are never sent).
            #[cfg(feature = "pipelining")]
            let counts = self.outcome.is_none();
            #[cfg(not(feature = "pipelining"))]
            let counts = true;
            if counts {
                event = Some((
                    if ok {
                        EventKind::Accepted
                    } else {
                        EventKind::Rejected
                    },
                    self.rcpt,
                ));
                if ok {
                    self.accepted += 1;
                } else {
                    #[cfg(feature = "ex")]
                    {
                        self.rejected += 1;
                    }
                }
            }
            next = if self.rcpt + 1 < m.count() {
                self.rcpt += 1;
                RCPT
            } else if self.accepted == 0 {
                self.quit(Error::AllRecipientsRejected)
            } else {
                DATA
            };
        } else if !ok {
            let auth = row.is_auth();
            if step == EHLO && code >= 500 {
                next = HELO;
            } else if auth && code == 334 {
                // 334 where 235 was due: cancel the exchange (RFC 4954 §4),
                // or answer an OAuth error challenge.
                next = self.challenged(step, M::EXTENDED);
            } else if self.optional_tls_refused() {
                // STARTTLS refused and TLS is optional: go on in clear.
                next = self.auth_or_mail(m);
            } else {
                self.decide(match step {
                    _ if auth => auth_error(code),
                    // (RCPT replies never get here.)
                    _ if code == 552 && (MAIL..=DOT).contains(&step) => Error::MessageTooBig,
                    DOT if code < 500 => Error::MessageTemporaryFailure,
                    _ => row.error,
                });
            }
        } else if next == HELLO_DONE {
            next = self.after_hello(m);
        } else if step == MAIL {
            self.rcpt = 1;
        } else if step == DOT {
            // The 2xx to the final dot: the only success.
            // Every recipient has been answered: some were refused when
            // fewer than all were accepted (the seed set counts no refusals).
            #[cfg(feature = "ex")]
            let partial = self.rejected > 0;
            // (`rcpt` is the last recipient's index then.)
            #[cfg(not(feature = "ex"))]
            let partial = self.accepted < self.rcpt;
            self.outcome = Some(if partial {
                #[cfg(feature = "ex")]
                {
                    self.failed = Row::of(RCPT).report;
                }
                Err(Error::PartialDelivery)
            } else {
                Ok(())
            });
        } else if step == DATA {
            #[cfg(feature = "ex")]
            {
                self.secure_data = self.secure;
            }
        }
        // Pipelined, every command written is answered before the engine
        // acts on a refusal: a refused MAIL, or no recipient accepted,
        // moves on to the next reply as an accepted one would (the result
        // is decided); QUIT once all are in and DATA's was not among them.
        // A 354 after such a refusal gets the end of data alone (`fill`).
        #[cfg(feature = "pipelining")]
        if piped && step != DATA {
            if next == QUIT {
                next = if step == MAIL {
                    self.rcpt = 1;
                    RCPT
                } else {
                    DATA
                };
            }
            if self.header_done > 0 {
                self.step = next;
                #[cfg(feature = "deadline")]
                {
                    self.since = self.now;
                }
                // Once half of the window is answered, write more (if any
                // is left: `group` goes back to waiting when not) while
                // the rest come.
                if self.header_done < PIPE_WINDOW / 2 {
                    self.phase = Phase::Send;
                }
                return event;
            }
            if self.outcome.is_some() {
                next = QUIT;
            }
        }
        // The transaction's own replies decide the mail alone (`batch`);
        // so does a refusal of this mail before MAIL (its size, DSN).
        #[cfg(feature = "batch")]
        #[cfg_attr(
            not(any(
                feature = "size",
                feature = "mime",
                feature = "raw",
                feature = "dsn",
                feature = "smtputf8"
            )),
            allow(unused_mut)
        )]
        let mut own = (MAIL..=DOT).contains(&step);
        #[cfg(any(
            feature = "size",
            feature = "mime",
            feature = "raw",
            feature = "dsn",
            feature = "smtputf8"
        ))]
        if next == MAIL && step != MAIL {
            next = self.before_mail(m);
            #[cfg(feature = "batch")]
            {
                own |= next == QUIT;
            }
        }
        #[cfg(feature = "tls")]
        if next == UPGRADE {
            self.phase = Phase::Upgrade;
            return event;
        }
        // The mail ended and another follows (`batch`): no QUIT.
        #[cfg(feature = "batch")]
        if M::EXTENDED && next == QUIT && self.mail_done(own, step) {
            return event;
        }
        self.step = next;
        self.phase = Phase::Send;
        // QUIT went with the end of the message (`end_of_data`).
        #[cfg(feature = "pipelining")]
        if step == DOT && self.caps & CAP_PIPE != 0 {
            self.phase = Phase::Wait;
        }
        self.restart_clock();
        event
    }

    /// A new step began now (`deadline`); QUIT's reply gets the grace
    /// only.
    // Out of line (measured in size pass 4: full -6 B; +16 B in pass 3).
    #[inline(never)]
    fn restart_clock(&mut self) {
        #[cfg(feature = "deadline")]
        {
            self.since = self.now;
            if self.step == QUIT && self.timeout > QUIT_GRACE_MS {
                self.timeout = QUIT_GRACE_MS;
            }
        }
    }

    /// The error of a 421: the STARTTLS that TLS depended on was refused,
    /// or the service is closing.
    #[inline(always)]
    fn closing_error(&self) -> Error {
        #[cfg(feature = "tls")]
        if self.step == STARTTLS && self.tls == TlsMode::Required {
            return Error::TlsRefused;
        }
        Error::ServiceClosing
    }

    /// `true` for a refused STARTTLS when TLS is optional.
    // A hint (measured: full -20 B against `inline(never)`).
    #[inline]
    fn optional_tls_refused(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.step == STARTTLS && self.tls == TlsMode::Optional;
        #[cfg(not(feature = "tls"))]
        false
    }

    /// Sets how TLS is used (before the first [`Engine::next`]).
    #[cfg(feature = "tls")]
    pub fn set_tls(&mut self, mode: TlsMode) {
        self.tls = mode;
        #[cfg(feature = "ex")]
        if mode == TlsMode::Implicit {
            self.step = STARTTLS;
            self.phase = Phase::Upgrade;
        }
    }

    /// AUTH settings (`ex`): the allowed mechanisms as `IP_SMTPC_AUTH_*`
    /// bits (PLAIN 1, LOGIN 2: the engine's own bits; with `cram-md5`,
    /// [`AUTH_CRAM_MD5`]), and whether AUTH may go over a connection
    /// without TLS.
    #[cfg(feature = "ex")]
    #[inline(always)]
    pub fn set_auth(&mut self, mechanisms: u8, insecure: bool) {
        self.mechs = mechanisms & (CAP_PLAIN | CAP_LOGIN) as u8;
        #[cfg(feature = "cram-md5")]
        if mechanisms & AUTH_CRAM_MD5 != 0 {
            self.mechs |= CAP_CRAM as u8;
        }
        #[cfg(feature = "oauth")]
        {
            let oauth = mechanisms & (AUTH_XOAUTH2 | AUTH_OAUTHBEARER);
            self.mechs |= oauth << 3;
            if oauth != 0 {
                self.oauth_parser = Some(crate::oauth::status);
            }
        }
        self.insecure_auth = insecure;
    }

    /// The report (`ex`): the `IP_SMTPC_STEP_*` that failed
    /// (`IP_SMTPC_STEP_DONE` after a success), the code of the reply that
    /// decided the result (0 when the engine decided alone), recipients
    /// accepted and rejected, and whether the message went over TLS.
    #[cfg(feature = "ex")]
    pub fn report(&self) -> (u8, u16, u16, u16, bool) {
        let step = match self.outcome {
            Some(Err(_)) => self.failed,
            _ => Row::of(DONE).report,
        };
        (
            step,
            self.kept,
            self.accepted as u16,
            self.rejected,
            self.secure_data,
        )
    }

    /// The status of the server's OAuth error challenge (`oauth`): 0 when
    /// none came, else as `IP_SMTPC_REPORT.OAuthStatus` has it.
    #[cfg(feature = "oauth")]
    pub fn oauth_status(&self) -> u16 {
        // `rcpt` holds it only when the mail failed at AUTH: MAIL never
        // went, so it is 0 unless the challenge set it.
        match self.outcome {
            Some(Err(_)) if self.failed == Row::of(PLAIN).report => self.rcpt as u16,
            _ => 0,
        }
    }

    /// RFC 3463 enhanced code (class, subject, detail) of the reply just
    /// completed, zeros when it had none (`ex`).
    #[cfg(feature = "ex")]
    pub fn enhanced(&self) -> [u16; 3] {
        self.enhanced
    }

    /// The `IP_SMTPC_STEP_*` the engine is in (for the driver's deadlines).
    #[inline(never)]
    pub fn step(&self) -> u8 {
        Row::of(self.step).report
    }

    /// `true` once the connection is under TLS (the driver ends it with pfDowngrade).
    #[cfg(feature = "tls")]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The driver's handshake after [`Action::Upgrade`] succeeded (`true`) or
    /// failed. After it, everything learnt before is forgotten and EHLO is
    /// sent again (RFC 3207 §4.2).
    #[cfg(feature = "tls")]
    pub fn upgraded(&mut self, ok: bool) {
        if self.phase != Phase::Upgrade {
            return;
        }
        if !ok {
            return self.abort(Error::TlsHandshake);
        }
        self.secure = true;
        // What the server said is forgotten; what the client decided (another
        // mail follows, `batch`) is not.
        #[cfg(feature = "batch")]
        {
            self.caps &= CAP_MORE;
        }
        #[cfg(not(feature = "batch"))]
        {
            self.caps = 0;
        }
        self.step = EHLO;
        self.phase = Phase::Send;
        #[cfg(feature = "ex")]
        if self.tls == TlsMode::Implicit {
            self.step = GREETING;
            self.phase = Phase::Wait;
        }
        #[cfg(feature = "deadline")]
        {
            self.since = self.now;
        }
    }

    /// After EHLO or HELO: STARTTLS, AUTH or MAIL.
    #[inline]
    fn after_hello<M: Mail>(&mut self, m: &M) -> Step {
        #[cfg(feature = "tls")]
        if self.tls != TlsMode::Off && !self.secure {
            if self.caps & CAP_STARTTLS != 0 {
                return STARTTLS;
            }
            if self.tls == TlsMode::Required {
                return self.local(Error::TlsUnavailable, Row::of(STARTTLS).report);
            }
        }
        self.auth_or_mail(m)
    }

    /// TLS settled: AUTH or MAIL.
    // A hint (measured: full -72 B against `inline(always)`).
    #[inline]
    fn auth_or_mail<M: Mail>(&mut self, m: &M) -> Step {
        #[cfg(feature = "ex")]
        let offered = self.caps & u32::from(self.mechs);
        #[cfg(not(feature = "ex"))]
        let offered = self.caps;
        // With a bearer token never a password mechanism (`oauth`).
        #[cfg(feature = "oauth")]
        let offered = if m.token().is_empty() { offered } else { 0 };
        let next = if m.user().is_empty() {
            return MAIL;
        } else if let Some(oauth) = self.oauth_step(m) {
            oauth
        } else if let Some(cram) = self.cram_md5_first(offered) {
            cram
        } else if offered & CAP_PLAIN != 0 {
            PLAIN
        } else if offered & CAP_LOGIN != 0 {
            LOGIN
        } else {
            return self.local(Error::AuthNotSupported, Row::of(PLAIN).report);
        };
        #[cfg(feature = "ex")]
        if !self.secure && !self.insecure_auth {
            return self.local(Error::AuthInsecure, Row::of(PLAIN).report);
        }
        next
    }

    /// AUTH CRAM-MD5 (`cram-md5`) when offered and allowed, and the
    /// connection is not under TLS (the password stays off the wire) or
    /// neither PLAIN nor LOGIN is left. Under TLS PLAIN goes first: one
    /// round trip less, and a server that takes PLAIN may keep its
    /// passwords hashed (CRAM-MD5 needs them in clear, RFC 2195 §4).
    #[inline(always)]
    fn cram_md5_first(&self, offered: u32) -> Option<Step> {
        #[cfg(feature = "cram-md5")]
        {
            #[cfg(feature = "tls")]
            let secure = self.secure;
            #[cfg(not(feature = "tls"))]
            let secure = false;
            let other = offered & (CAP_PLAIN | CAP_LOGIN) != 0;
            if offered & CAP_CRAM != 0 && !(secure && other) {
                return Some(CRAM);
            }
        }
        let _ = offered;
        None
    }

    /// With a bearer token (`oauth`): AUTH OAUTHBEARER when allowed and
    /// offered, else XOAUTH2; with the response when the line fits 512
    /// octets ([`OAUTH`]), else alone ([`OAUTH_ALONE`]). `None` without a
    /// token or when neither is allowed and offered.
    #[inline(always)]
    fn oauth_step<M: Mail>(&self, m: &M) -> Option<Step> {
        #[cfg(feature = "oauth")]
        if !m.token().is_empty() && self.caps & self.oauth() != 0 {
            let fits = crate::oauth::initial_fits(self.bearer(), m.user(), m.token());
            return Some(if fits { OAUTH } else { OAUTH_ALONE });
        }
        let _ = m;
        None
    }

    /// `true` when the OAuth mechanism is OAUTHBEARER (allowed and
    /// offered), `false` for XOAUTH2 (`oauth`).
    #[cfg(feature = "oauth")]
    fn bearer(&self) -> bool {
        self.caps & self.oauth() & crate::oauth::CAP_OAUTHBEARER != 0
    }

    /// The OAuth mechanisms allowed as `crate::oauth::CAP_*` bits (`oauth`;
    /// kept in `mechs` as bits 6 and 7, which no password mechanism uses).
    #[cfg(feature = "oauth")]
    fn oauth(&self) -> u32 {
        u32::from(self.mechs >> 6) << 16
    }

    /// The step after a 334 where 235 was due in `step`: the OAuth error
    /// challenge after the response (`oauth`: its status kept, answered as
    /// RFC 7628 §3.2.3 says, the server's next reply fails the exchange),
    /// else `*` (RFC 4954 §4).
    /// `oauth_steps`: false when no OAuth step can be reached
    /// ([`Mail::EXTENDED`]).
    #[inline(always)]
    fn challenged(&mut self, step: Step, oauth_steps: bool) -> Step {
        #[cfg(feature = "oauth")]
        if oauth_steps && (step == OAUTH || step == OAUTH_RESPONSE) {
            // (No parser: no OAuth mechanism was allowed, no OAuth step
            // is reached; 1 stands for a status that could not be read.)
            let status = self.oauth_parser.map_or(1, |parse| parse(self.challenge()));
            self.rcpt = usize::from(status);
            return OAUTH_ERROR;
        }
        let _ = (step, oauth_steps);
        CANCEL
    }

    /// The text of the reply line that ends at `rx_pos` (the last line of
    /// the reply just read): CRAM-MD5's challenge after its 334
    /// (`cram-md5`), the OAuth 334's (`oauth`). It stays in the in-buffer while the response goes out:
    /// nothing may arrive then (bytes in the client's turn end the
    /// transaction, `received`), so the response is rendered from it again
    /// whenever the out buffer cut it.
    #[cfg(any(feature = "cram-md5", feature = "oauth"))]
    fn challenge(&self) -> &[u8] {
        let line = self
            .rx
            .get(..self.rx_pos.saturating_sub(2))
            .unwrap_or_default();
        // A line ends in LF, so the last one starts after the last LF.
        let start = line
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |lf| lf + 1);
        line.get(start + 4..).unwrap_or_default()
    }

    /// HMAC-MD5 of the challenge under the password (`cram-md5`); `None`
    /// for a malformed challenge.
    #[cfg(feature = "cram-md5")]
    fn cram_digest<M: Mail>(&self, m: &M) -> Option<[u8; 16]> {
        crate::cram::digest(self.challenge(), m.password())
    }

    /// Measures the message (header and stuffed body, without the end-of-data
    /// line, RFC 1870 §3) for SIZE= and refuses it before MAIL when it exceeds
    /// the server's limit (`size`).
    /// With `mime`, the text's transfer encoding is chosen here (the
    /// capabilities are known). With `raw`, a complete message (measured
    /// without a header) with 8-bit bytes is refused when the server does
    /// not offer 8BITMIME (`src/session.rs`: before the size; a streamed one
    /// is checked as it streams).
    #[cfg(any(
        feature = "size",
        feature = "mime",
        feature = "raw",
        feature = "dsn",
        feature = "smtputf8"
    ))]
    #[inline(always)]
    fn before_mail<M: Mail>(&mut self, m: &M) -> Step {
        #[cfg(not(any(feature = "size", feature = "mime", feature = "raw", feature = "dsn")))]
        let _ = m;
        // DSN required (`dsn`) and not offered: refused before MAIL.
        #[cfg(feature = "dsn")]
        if m.dsn().required && self.caps & CAP_DSN == 0 {
            return self.local(Error::DsnUnavailable, Row::of(MAIL).report);
        }
        // UTF-8 addresses (`smtputf8`) need the server's SMTPUTF8.
        #[cfg(feature = "smtputf8")]
        if utf8_addresses(m) && self.caps & CAP_SMTPUTF8 == 0 {
            return self.local(Error::Smtputf8Unavailable, Row::of(MAIL).report);
        }
        #[cfg(feature = "raw")]
        if self.raw::<M>()
            && self.checked.eight_bit
            && self.caps & CAP_8BIT == 0
            && !m.streamed_body()
        {
            return self.local(Error::EightBitUnsupported, Row::of(MAIL).report);
        }
        #[cfg(feature = "mime")]
        {
            self.tenc = self.text_encoding(m);
        }
        // BDAT when it saves the 354's round trip and the size is known
        // (a complete message, `raw`, goes by DATA).
        #[cfg(feature = "chunking")]
        {
            let both = CAP_PIPE | CAP_CHUNKING;
            if self.caps & both == both && !streams(m) && !self.raw::<M>() {
                self.caps |= CAP_BDAT;
            }
        }
        #[cfg(feature = "size")]
        {
            #[cfg(feature = "raw")]
            let size = if self.raw::<M>() {
                crate::body::wire_len(m.body(), true)
            } else {
                self.generated_size(m)
            };
            #[cfg(not(feature = "raw"))]
            let size = self.generated_size(m);
            self.size = u32::try_from(size).unwrap_or(u32::MAX);
            let limited = self.caps & CAP_SIZE != 0 && self.limit != 0;
            if limited && !streams(m) && self.size > self.limit {
                return self.local(Error::MessageTooBig, Row::of(MAIL).report);
            }
        }
        MAIL
    }

    /// The size of the generated message: header block (with `mime`, its
    /// MIME fields) and the text as it goes out, without the end-of-data
    /// line (in a BDAT chunk, `chunking`: without dot-stuffing).
    #[cfg(feature = "size")]
    #[inline(always)]
    fn generated_size<M: Mail>(&self, m: &M) -> usize {
        let mut w = Writer::new(&mut [], 0);
        #[cfg(feature = "chunking")]
        let stuffed = self.caps & CAP_BDAT == 0;
        #[cfg(not(feature = "chunking"))]
        let stuffed = true;
        if !stuffed {
            #[cfg(feature = "chunking")]
            w.unstuffed();
        }
        crate::header::put(&mut w, m, self.checked);
        #[cfg(feature = "mime")]
        {
            crate::mime::head(&mut w, m, self.checked, self.tenc);
            if self.tenc == crate::mime::QP {
                let mut enc = crate::mime::Enc::default();
                for &b in m.body() {
                    enc.qp(&mut w, b);
                }
                enc.qp_end(&mut w);
                return w.total();
            }
        }
        w.total() + crate::body::wire_len(m.body(), stuffed)
    }

    /// `BODY=8BITMIME`: the text is 8-bit, may go as it is, and the server
    /// takes it.
    #[inline(always)]
    fn eight_bit_mime(&self) -> bool {
        #[cfg(feature = "mime")]
        if !self.checked.raw_ok {
            return false;
        }
        self.checked.eight_bit && self.caps & CAP_8BIT != 0
    }

    /// The text's transfer encoding (`src/message/content.rs`): 7bit, 8bit
    /// when the server takes it, else quoted-printable (also for lines over
    /// 998 octets, NUL, a streamed body, and a text that could forge the
    /// boundary).
    #[cfg(feature = "mime")]
    #[inline]
    fn text_encoding<M: Mail>(&self, m: &M) -> u8 {
        use crate::mime::{EIGHT, QP, SEVEN};
        let c = self.checked;
        if m.streamed_body() || !c.raw_ok {
            return QP;
        }
        let base = match (c.eight_bit, self.caps & CAP_8BIT != 0) {
            (false, _) => SEVEN,
            (true, true) => EIGHT,
            (true, false) => return QP,
        };
        if m.items() > 0 && crate::mime::starts_a_line(m.body(), m, c) {
            return QP;
        }
        base
    }

    /// The header block with its MIME fields (`mime`), the content's first
    /// unit (section 0; none for a complete message, `raw`), rendered from
    /// `fill` and not from [`Engine::content`]: the deepest call chain, the
    /// header's RFC 2047 names, then starts a frame higher (full set, size
    /// recipe: 64 B less stack; `group` renders it before a BDAT chunk's
    /// content the same way). `true` once the block is complete.
    #[cfg(feature = "mime")]
    #[inline(always)]
    fn header_block<M: Mail>(&mut self, m: &M, w: &mut Writer<'_>) -> bool {
        if self.section != 0 {
            return true;
        }
        if !self.raw::<M>() {
            let before = w.len();
            crate::header::put(w, m, self.checked);
            crate::mime::head(w, m, self.checked, self.tenc);
            if w.is_full() {
                self.unit_sent += w.len() - before;
                return false;
            }
        }
        self.unit_sent = 0;
        self.section = 1;
        true
    }

    /// Renders the message content into `w` (`mime`): units (delimiters
    /// and item fields, ends; the header block before them comes from
    /// [`Engine::header_block`]) with the skip trick, the text pulled from
    /// the body through its encoder; returns `true` after ".\r\n".
    /// Items are pushed by the driver ([`Action::Item`]).
    #[cfg(feature = "mime")]
    fn content<M: Mail>(&mut self, m: &M, w: &mut Writer<'_>) -> bool {
        use crate::mime::{Enc, QP};
        let c = self.checked;
        let raw = self.raw::<M>();
        let mut skip = self.unit_sent;
        loop {
            let before = w.len();
            match self.section {
                // The header block: [`Engine::header_block`], before.
                0 => {}
                // The text, pulled from the body (or streamed).
                1 => {
                    if m.streamed_body() {
                        self.item = usize::MAX;
                        self.phase = Phase::Stream;
                        return false;
                    }
                    let body = m.body();
                    // The text as it is ([`Body::text`]: two bytes of room
                    // a byte, CR LF), else quoted-printable (up to ROOM
                    // bytes a byte). (A complete message, `raw`, is 7bit or
                    // 8bit here: 8-bit without 8BITMIME was refused before
                    // MAIL.)
                    if self.tenc != QP && !self.body.text(w, body) {
                        return false;
                    }
                    while let Some(&b) = body.get(self.body.pos) {
                        if w.room() < crate::mime::ROOM {
                            return false;
                        }
                        let rest = body.get(self.body.pos..).unwrap_or_default();
                        self.body.pos += 1;
                        self.body.pos += self.enc.qp_run(w, b, rest);
                    }
                }
                // The text's last line break; before a delimiter, one more.
                2 => {
                    // (A streamed body is quoted-printable: `text_encoding`.)
                    if self.tenc == QP && !raw {
                        self.enc.qp_end(w);
                    } else if !self.body.bol {
                        w.put(b"\r\n");
                    }
                    if m.items() > 0 {
                        w.put(b"\r\n");
                    }
                }
                // An item's delimiter and fields, then its content.
                3 => crate::mime::item_head(w, m, c, self.item),
                4 => {
                    self.phase = Phase::Stream;
                    return false;
                }
                5 => {
                    self.enc.base64_end(w);
                    w.put(b"\r\n");
                }
                // The closing delimiter and the end of data.
                _ => {
                    if m.items() > 0 {
                        crate::mime::delimiter(w, m, c, true);
                    }
                    w.put(self.end_of_data());
                }
            }
            if w.is_full() {
                // A unit cut short: rendered again from its start next time.
                self.unit_sent = skip + (w.len() - before);
                return false;
            }
            skip = 0;
            self.unit_sent = 0;
            self.section = match self.section {
                2 | 5 => {
                    if self.section == 5 {
                        self.item += 1;
                    } else {
                        self.item = 0;
                    }
                    self.enc = Enc::default();
                    if self.item < m.items() {
                        3
                    } else {
                        6
                    }
                }
                6 => return true,
                s => s + 1,
            };
        }
    }

    /// Encodes as much of `data` (item content, or the streamed body) as
    /// the out buffer takes; returns how many bytes it took. Send
    /// [`Engine::pending`] when it takes less than all (`mime`). A streamed
    /// complete message (`raw`) is dot-stuffed with CR LF line ends instead,
    /// and abandoned at the byte that makes it unfit (`raw::Stream::put`).
    /// After the transaction ended, everything is taken and dropped. `M`:
    /// the mail's type, whose instance has no complete-message path when
    /// it is not [`Mail::EXTENDED`].
    #[cfg(any(feature = "mime", feature = "raw"))]
    pub fn push<M: Mail>(&mut self, data: &[u8]) -> usize {
        if self.phase != Phase::Stream {
            return data.len();
        }
        if self.tx_pos == self.tx_len {
            self.tx_pos = 0;
            self.tx_len = 0;
        }
        let tx = core::mem::take(&mut self.tx);
        #[cfg_attr(not(feature = "mime"), allow(unused_mut))]
        let mut n = 0;
        let mut w = Writer::new(tx.get_mut(self.tx_len..).unwrap_or_default(), 0);
        #[cfg(feature = "raw")]
        if self.raw::<M>() {
            let r = self.raw_put(&mut w, data);
            self.tx_len += w.len();
            self.tx = tx;
            return match r {
                Ok(n) => n,
                Err(e) => {
                    // Cut off before the final dot: nothing is delivered.
                    self.abort(e);
                    data.len()
                }
            };
        }
        #[cfg(feature = "mime")]
        while let Some(&b) = data.get(n) {
            if w.room() < crate::mime::ROOM {
                break;
            }
            if self.item == usize::MAX {
                n += 1 + self
                    .enc
                    .qp_run(&mut w, b, data.get(n..).unwrap_or_default());
            } else {
                self.enc.base64(&mut w, b);
                n += 1;
            }
        }
        self.tx_len += w.len();
        self.tx = tx;
        n
    }

    /// Bytes rendered and not yet reported sent (`mime`: while streaming).
    #[cfg(any(feature = "mime", feature = "raw"))]
    pub fn pending(&self) -> &[u8] {
        self.tx.get(self.tx_pos..self.tx_len).unwrap_or_default()
    }

    /// The driver's item stream ended, well (`true`) or not: then the mail
    /// is abandoned without its end-of-data line (APPLICATION_ABORT). `M`:
    /// the mail's type, as for [`Engine::push`].
    #[cfg(any(feature = "mime", feature = "raw"))]
    pub fn streamed<M: Mail>(&mut self, ok: bool) {
        if self.phase != Phase::Stream {
            return;
        }
        if !ok {
            return self.abort(Error::ApplicationAbort);
        }
        self.phase = Phase::Send;
        #[cfg(feature = "mime")]
        {
            self.section = if self.item == usize::MAX { 2 } else { 5 };
        }
        // A streamed complete message ends its last line before the end of
        // data (`content`, section 2).
        #[cfg(feature = "raw")]
        if self.raw::<M>() {
            self.body.bol = self.stream.at_line_start();
        }
    }

    /// Says whether another mail follows on this connection (`batch`;
    /// before the first [`Engine::next`]): then this one ends without
    /// QUIT when the connection can go on.
    #[cfg(feature = "batch")]
    pub fn set_more(&mut self, more: bool) {
        self.caps = if more {
            self.caps | CAP_MORE
        } else {
            self.caps & !CAP_MORE
        };
    }

    /// The connection for the next mail (`batch`), once this one is done:
    /// `None` when it ended with QUIT or cannot go on (a 421, a transport
    /// or protocol error, a refusal before MAIL such as AUTH).
    #[cfg(feature = "batch")]
    pub fn carry(&self) -> Option<Carry> {
        (self.phase == Phase::Closed && self.caps & CAP_REUSABLE != 0).then_some(Carry {
            caps: self.caps,
            #[cfg(feature = "size")]
            limit: self.limit,
            #[cfg(feature = "tls")]
            tls: self.tls,
            #[cfg(feature = "tls")]
            secure: self.secure,
        })
    }

    /// Makes a new engine ([`Engine::new`]) the one for the next mail of a
    /// batch on the connection `carry` describes (`batch`): it starts with
    /// RSET when the last mail may have left a transaction open, else with
    /// MAIL; a mail refused before MAIL (its size, DSN) is done at once.
    /// `more`: as [`Engine::set_more`]. In place, not a constructor: an
    /// engine returned by value is copied with `memcpy`, which the library
    /// must not call (issue 12).
    #[cfg(feature = "batch")]
    pub fn follow<M: Mail>(&mut self, carry: Carry, more: bool, m: &M) {
        let e = self;
        // What belonged to the last mail alone.
        #[cfg(feature = "chunking")]
        let last_mail = CAP_BDAT | CAP_IN_CHUNK | CAP_REUSABLE | CAP_RSET;
        #[cfg(not(feature = "chunking"))]
        let last_mail = CAP_REUSABLE | CAP_RSET;
        e.caps = carry.caps & !last_mail;
        e.set_more(more);
        #[cfg(feature = "size")]
        {
            e.limit = carry.limit;
        }
        #[cfg(feature = "tls")]
        {
            e.tls = carry.tls;
            e.secure = carry.secure;
        }
        e.phase = Phase::Send;
        let next = if carry.caps & CAP_RSET != 0 {
            RSET
        } else {
            e.mail_or_refusal(m)
        };
        if next == QUIT && e.mail_done(true, MAIL) {
            return;
        }
        e.step = next;
    }

    /// MAIL, or QUIT when the mail is refused before it (`before_mail`).
    #[cfg(feature = "batch")]
    #[inline(always)]
    fn mail_or_refusal<M: Mail>(&mut self, m: &M) -> Step {
        #[cfg(any(
            feature = "size",
            feature = "mime",
            feature = "raw",
            feature = "dsn",
            feature = "smtputf8"
        ))]
        return self.before_mail(m);
        #[cfg(not(any(
            feature = "size",
            feature = "mime",
            feature = "raw",
            feature = "dsn",
            feature = "smtputf8"
        )))]
        {
            let _ = m;
            MAIL
        }
    }

    /// Ends this mail without QUIT when another follows and the connection
    /// can carry it (`batch`): `own`, the outcome was decided by the
    /// transaction's replies (`step` MAIL to the dot) or by a refusal of
    /// this mail alone before MAIL, and nothing unread is left. `true` when
    /// it ended.
    #[cfg(feature = "batch")]
    #[inline(never)]
    fn mail_done(&mut self, own: bool, step: Step) -> bool {
        if self.caps & CAP_MORE == 0 || !own || self.rx_pos < self.rx_len {
            return false;
        }
        // After the dot's reply the transaction is over; after a refusal
        // in the envelope one may be open.
        let rset = if matches!(step, MAIL | RCPT | DATA) {
            CAP_RSET
        } else {
            0
        };
        self.caps |= CAP_REUSABLE | rset;
        self.close();
        true
    }

    /// Records `e` unless the outcome is decided.
    #[inline(never)]
    fn decide(&mut self, e: Error) {
        if self.outcome.is_none() {
            self.outcome = Some(Err(e));
            #[cfg(feature = "ex")]
            {
                self.failed = Row::of(self.step).report;
            }
        }
    }

    /// Records `e`, decided by the engine alone (no reply decided it) at
    /// the `IP_SMTPC_STEP_*` `report`, and moves to QUIT.
    fn local(&mut self, e: Error, report: u8) -> Step {
        #[cfg(feature = "ex")]
        if self.outcome.is_none() {
            // The report's code is 0 for a local decision. The enhanced
            // code stays: it belongs to the reply whose event may still be
            // due (a reply with bytes after it in the same read).
            self.kept = 0;
            self.outcome = Some(Err(e));
            self.failed = report;
        }
        #[cfg(not(feature = "ex"))]
        let _ = report;
        self.quit(e)
    }

    /// Records `e` and moves to QUIT.
    fn quit(&mut self, e: Error) -> Step {
        self.decide(e);
        QUIT
    }

    /// The transaction cannot go on.
    fn abort(&mut self, e: Error) {
        // After the dot's 2xx, replies out of step with the commands make
        // that 2xx doubtful; the connection ending or falling silent does not
        // (`src/session.rs`).
        if self.step == QUIT && !matches!(e, Error::Receive | Error::Send | Error::Timeout) {
            self.doubt();
        }
        // The final dot may have gone out: all of it was sent. Before that
        // (e.g. bytes after the 354) the server cannot have taken the message.
        let unknown = self.step == DOT && self.phase == Phase::Wait && self.tx_pos >= self.tx_len;
        // A BDAT chunk all sent (`chunking`): the same.
        #[cfg(feature = "chunking")]
        let unknown = unknown || (self.section == CHUNK_WRITTEN && self.tx_pos >= self.tx_len);
        self.local(
            if unknown { Error::OutcomeUnknown } else { e },
            Row::of(self.step).report,
        );
        self.close();
    }

    /// An accepted message (also partly) whose reply turned out to be out of
    /// step: OUTCOME_UNKNOWN at END_OF_DATA (with `ex`, the reply's code
    /// kept in the report).
    fn doubt(&mut self) {
        if matches!(self.outcome, Some(Ok(()) | Err(Error::PartialDelivery))) {
            self.outcome = Some(Err(Error::OutcomeUnknown));
            #[cfg(feature = "ex")]
            {
                self.failed = Row::of(DOT).report;
            }
        }
    }

    /// Finished; nothing more is sent.
    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.step = DONE;
        self.tx_len = 0;
        self.tx_pos = 0;
    }
}

/// The step a reply's event is made for: QUIT (none) for a pipelined
/// reply after the deciding one (`pipelining`; once kept out of line:
/// inlined, it tipped the inlining of the whole engine, +800 B; a hint
/// since size pass 4, -8 B).
#[cfg(all(feature = "ex", feature = "pipelining"))]
#[inline]
fn quiet(step: Step, deciding: bool) -> Step {
    if deciding {
        step
    } else {
        QUIT
    }
}

/// `true` when keywords after STARTTLS and CRAM-MD5 are looked for: the
/// long word table.
const LONG: bool = cfg!(any(
    feature = "size",
    feature = "pipelining",
    feature = "chunking",
    feature = "dsn",
    feature = "smtputf8"
));
/// XOAUTH2 and OAUTHBEARER are looked for as AUTH parameters (`oauth`):
/// words 11 and 12 of the longest table, moved to their bits
/// [`crate::oauth::CAP_XOAUTH2`] and [`crate::oauth::CAP_OAUTHBEARER`].
const OAUTH_WORDS: bool = cfg!(feature = "oauth");
/// Words 11 and 12 (`oauth`).
const OAUTH_WORD_BITS: u32 = 3 << 11;
/// The EHLO words the engine looks for, upper case, [`STRIDE`] bytes each
/// (NUL padded); word `i` stands for capability bit `1 << i` (`CAP_AUTH`
/// only marks the keyword; the OAuth words are moved). Only the table
/// chosen is in the build.
const WORDS: &[u8] = if OAUTH_WORDS {
    b"PLAIN\0\0\0\0\0\0\0LOGIN\0\0\0\0\0\0\08BITMIME\0\0\0\0AUTH\0\0\0\0\0\0\0\0\
      STARTTLS\0\0\0\0CRAM-MD5\0\0\0\0PIPELINING\0\0CHUNKING\0\0\0\0DSN\0\0\0\0\0\0\0\0\0\
      SMTPUTF8\0\0\0\0SIZE\0\0\0\0\0\0\0\0XOAUTH2\0\0\0\0\0OAUTHBEARER\0"
} else if LONG {
    // Then the keywords that count alone (`pipelining`, `chunking`, `dsn`,
    // `smtputf8`) and SIZE (`size`, its number read by [`size_limit`]).
    b"PLAIN\0\0\0\0\0LOGIN\0\0\0\0\08BITMIME\0\0AUTH\0\0\0\0\0\0STARTTLS\0\0\
      CRAM-MD5\0\0PIPELININGCHUNKING\0\0DSN\0\0\0\0\0\0\0SMTPUTF8\0\0SIZE\0\0\0\0\0\0"
} else if cfg!(feature = "cram-md5") {
    b"PLAIN\0\0\0LOGIN\0\0\08BITMIMEAUTH\0\0\0\0STARTTLSCRAM-MD5"
} else if cfg!(feature = "tls") {
    b"PLAIN\0\0\0LOGIN\0\0\08BITMIMEAUTH\0\0\0\0STARTTLS"
} else {
    b"PLAIN\0\0\0LOGIN\0\0\08BITMIMEAUTH\0\0\0\0"
};
// Word `i` of the long table is bit `1 << i`.
#[cfg(feature = "pipelining")]
const _: () = assert!(CAP_PIPE == 1 << 6);
#[cfg(feature = "chunking")]
const _: () = assert!(CAP_CHUNKING == 1 << 7);
#[cfg(feature = "dsn")]
const _: () = assert!(CAP_DSN == 1 << 8);
#[cfg(feature = "smtputf8")]
const _: () = assert!(CAP_SMTPUTF8 == 1 << 9);
#[cfg(feature = "size")]
const _: () = assert!(CAP_SIZE == 1 << 10);
/// Bytes a word of [`WORDS`] takes.
const STRIDE: usize = if OAUTH_WORDS {
    12
} else if LONG {
    10
} else {
    8
};
/// How many of [`WORDS`] are looked for (STARTTLS with `tls`, CRAM-MD5 with
/// `cram-md5`, all with the long table).
const WORD_COUNT: usize = if OAUTH_WORDS {
    13
} else if LONG {
    11
} else if cfg!(feature = "cram-md5") {
    6
} else if cfg!(feature = "tls") {
    5
} else {
    4
};
// Every word looked for is in the table.
const _: () = assert!(WORDS.len() >= WORD_COUNT * STRIDE);
/// The AUTH parameters that count: the mechanisms built in.
const PARAMS: u32 = MECHS | if OAUTH_WORDS { OAUTH_WORD_BITS } else { 0 };
#[cfg(feature = "oauth")]
const _: () =
    assert!(crate::oauth::CAP_XOAUTH2 == 1 << 16 && crate::oauth::CAP_OAUTHBEARER == 1 << 17);
/// The keywords that count on their own (bits of [`WORDS`]).
const KEYWORDS: u32 = {
    #[allow(unused_mut)]
    let mut k = CAP_AUTH | CAP_8BIT | CAP_STARTTLS;
    #[cfg(feature = "pipelining")]
    {
        k |= CAP_PIPE;
    }
    #[cfg(feature = "chunking")]
    {
        k |= CAP_CHUNKING;
    }
    #[cfg(feature = "dsn")]
    {
        k |= CAP_DSN;
    }
    #[cfg(feature = "smtputf8")]
    {
        k |= CAP_SMTPUTF8;
    }
    #[cfg(feature = "size")]
    {
        k |= CAP_SIZE;
    }
    k
};

/// `true` when content is streamed by the driver (items or a streamed
/// body): no SIZE, since it is not known in advance (`src/`).
#[cfg(feature = "size")]
#[inline(never)]
fn streams<M: Mail>(m: &M) -> bool {
    #[cfg(feature = "mime")]
    return m.items() > 0 || m.streamed_body();
    #[cfg(all(feature = "raw", not(feature = "mime")))]
    return m.streamed_body();
    #[cfg(not(any(feature = "mime", feature = "raw")))]
    {
        let _ = m;
        false
    }
}

/// RFC 3463 enhanced status code `class.subject.detail` at the start of a
/// reply line's text, as (class, subject, detail); zeros when absent or of
/// another class than `code` (`src/reply.rs`: a one-digit class 2, 4 or 5,
/// then one to three digits each, then a space or the end).
#[cfg(feature = "ex")]
// Inlined (measured in size pass 4: full -24 B).
#[inline(always)]
fn enhanced(text: &[u8], code: u16) -> [u16; 3] {
    let (mut parts, mut index, mut digits) = ([0u16; 3], 0usize, 0u16);
    for &b in text {
        // The class has one digit, subject and detail up to three.
        let most = if index == 0 { 1 } else { 3 };
        match b {
            b' ' => break,
            b'0'..=b'9' if digits < most => {
                if let Some(part) = parts.get_mut(index) {
                    *part = *part * 10 + u16::from(b - b'0');
                }
                digits += 1;
            }
            b'.' if digits > 0 && index < 2 => {
                index += 1;
                digits = 0;
            }
            _ => return [0; 3],
        }
    }
    // A reply code is 2xx to 5xx: the class matches it and is not 3.
    if index != 2 || digits == 0 || parts[0] != code / 100 || parts[0] == 3 {
        return [0; 3];
    }
    parts
}

/// The limit of an EHLO `SIZE` line (`src/ehlo.rs`), whose keyword
/// [`capabilities`] matched: 0 for SIZE without a usable number. The
/// number is decimal digits only and saturates.
#[cfg(feature = "size")]
#[inline(always)]
fn size_limit(text: &[u8]) -> u32 {
    let (mut limit, mut digits) = (0u32, false);
    for &b in text.get(4..).unwrap_or_default() {
        match b {
            b'0'..=b'9' => {
                limit = limit.saturating_mul(10).saturating_add(u32::from(b - b'0'));
                digits = true;
            }
            b' ' | b'=' if !digits => {}
            b' ' => break,
            _ => return 0,
        }
    }
    limit
}

/// `true` when an address of the envelope or the header (Reply-To) has
/// UTF-8 (`smtputf8`): the mail needs SMTPUTF8 (RFC 6531 §3.4).
#[cfg(feature = "smtputf8")]
fn utf8_addresses<M: Mail>(m: &M) -> bool {
    #[cfg(feature = "headers")]
    if !crate::mail::ascii(m.reply_to()) {
        return true;
    }
    (0..m.count()).any(|i| !crate::mail::ascii(m.entry(i).addr))
}

/// Capability bits from one EHLO line: `AUTH` with `PLAIN` / `LOGIN` (and
/// `CRAM-MD5`, `cram-md5`) among its parameters, or the keyword `8BITMIME`,
/// `STARTTLS`, and with their features `PIPELINING`, `CHUNKING`, `DSN`,
/// `SMTPUTF8`, `SIZE` (RFC 5321 §4.1.1.1, keywords and parameters
/// case-insensitive; a word ends at a space, `=` or the line's end).
// Inlined in the full set (measured: -20 B there; the seed set +12 B).
#[cfg_attr(feature = "ex", inline(always))]
fn capabilities(text: &[u8]) -> u32 {
    // The keyword decides; PLAIN and LOGIN count as parameters of AUTH only.
    let (mut caps, mut allowed) = (0, KEYWORDS);
    // The words still matching the current one, and its length so far.
    const ALL: u32 = (1 << WORD_COUNT) - 1;
    let (mut alive, mut at) = (ALL, 0);
    for i in 0..=text.len() {
        // 0 ends a word (a space, '=' or the end: old servers announce
        // `AUTH=LOGIN PLAIN`); a NUL byte matches nothing.
        let c = match text.get(i) {
            None | Some(b' ' | b'=') => 0,
            Some(&b) => b.to_ascii_uppercase().max(1),
        };
        for n in 0..WORD_COUNT {
            let want = if at < STRIDE {
                WORDS.get(n * STRIDE + at).copied().unwrap_or(0)
            } else {
                0
            };
            if want != c {
                alive &= !(1 << n);
            }
        }
        if c != 0 {
            at += 1;
            continue;
        }
        caps |= alive & allowed;
        allowed = if caps & CAP_AUTH != 0 { PARAMS } else { 0 };
        (alive, at) = (ALL, 0);
    }
    let caps = caps & !CAP_AUTH;
    if OAUTH_WORDS {
        // XOAUTH2 and OAUTHBEARER to the bits `oauth` gives them.
        return (caps & !OAUTH_WORD_BITS) | (caps & OAUTH_WORD_BITS) << 5;
    }
    caps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::mail::test::TestMail;

    /// What a scripted exchange produced.
    #[derive(Debug, PartialEq)]
    struct Run {
        transcript: String,
        /// Each side's bytes alone (the same whatever the grouping).
        client: String,
        server: String,
        events: Vec<(EventKind, u8, u16, usize, String)>,
        result: Result<(), Error>,
        /// With `ex`: the enhanced code after each reply event, then the final report.
        report: Vec<String>,
    }

    /// A scripted server: one reply per turn, handed out `chunk` bytes at
    /// a time.
    struct Server<'r> {
        replies: std::slice::Iter<'r, &'r str>,
        pending: &'r [u8],
        chunk: usize,
    }

    impl<'r> Server<'r> {
        /// A server that answers with `replies`, `chunk` bytes a read.
        fn new(replies: &'r [&'r str], chunk: usize) -> Self {
            Server {
                replies: replies.iter(),
                pending: b"",
                chunk,
            }
        }

        /// Fills `room` with the next bytes of the current reply, first
        /// starting the next reply when the current one is all given out:
        /// how many bytes, and the reply started, if one was. `None`: no
        /// reply left.
        fn give(&mut self, room: &mut [u8]) -> Option<(usize, Option<&'r str>)> {
            let mut started = None;
            if self.pending.is_empty() {
                let r = self.replies.next()?;
                self.pending = r.as_bytes();
                started = Some(*r);
            }
            let n = self.chunk.min(room.len()).min(self.pending.len());
            room[..n].copy_from_slice(&self.pending[..n]);
            self.pending = &self.pending[n..];
            Some((n, started))
        }

        /// Whether the next reply (not yet started) is `reply`; if so it is
        /// taken.
        #[cfg(feature = "tls")]
        fn take_if(&mut self, reply: &str) -> bool {
            let next = self.replies.clone().next() == Some(&reply);
            if next {
                self.replies.next();
            }
            next
        }
    }

    /// Runs `mail` against server `replies` (one per turn), with a `tx`-byte
    /// out buffer, an `rx`-byte in buffer and server bytes in chunks of `chunk`.
    fn exchange(m: &TestMail, replies: &[&str], tx: usize, rx: usize, chunk: usize) -> Run {
        exchange_with(m, replies, tx, rx, chunk, &|_| {})
    }

    /// [`exchange`] with the engine configured first; a TLS handshake shows
    /// as "[TLS]\r\n" in the transcript and succeeds unless `TLS FAILS` is
    /// the next scripted reply.
    fn exchange_with(
        m: &TestMail,
        replies: &[&str],
        tx: usize,
        rx: usize,
        chunk: usize,
        configure: &dyn Fn(&mut Engine<'_>),
    ) -> Run {
        let checked = check(m, None, 0).unwrap();
        let (mut out, mut input) = (vec![0xAA; tx], vec![0xAA; rx]);
        let mut e = Engine::new(&mut out, &mut input, &checked);
        configure(&mut e);
        let mut transcript: Vec<u8> = Vec::new();
        let (mut client, mut server): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
        let mut events = Vec::new();
        #[cfg_attr(not(feature = "ex"), allow(unused_mut))]
        let mut report = Vec::new();
        let mut script = Server::new(replies, chunk);
        let mut client_turn = false;
        loop {
            match e.next(m) {
                Action::Send(b) => {
                    assert!(!b.is_empty());
                    if !client_turn {
                        transcript.extend_from_slice(b"C: ");
                        client_turn = true;
                    }
                    // Send in two parts to exercise short sends.
                    let n = b.len().div_ceil(2);
                    transcript.extend_from_slice(&b[..n]);
                    client.extend_from_slice(&b[..n]);
                    e.sent(n);
                }
                Action::Receive(room) => match script.give(room) {
                    Some((n, started)) => {
                        if let Some(r) = started {
                            transcript.extend_from_slice(b"S: ");
                            transcript.extend_from_slice(r.as_bytes());
                            server.extend_from_slice(r.as_bytes());
                            client_turn = false;
                        }
                        e.received(n);
                    }
                    None => e.failed(Error::Receive),
                },
                Action::Event(ev) => {
                    let kind = ev.kind;
                    events.push((
                        ev.kind,
                        ev.step,
                        ev.code,
                        ev.index,
                        String::from_utf8_lossy(ev.text).into_owned(),
                    ));
                    #[cfg(feature = "ex")]
                    if kind != EventKind::Step {
                        report.push(format!("{:?}", e.enhanced()));
                    }
                    #[cfg(not(feature = "ex"))]
                    let _ = kind;
                }
                Action::Done(result) => {
                    #[cfg(feature = "ex")]
                    report.push(format!("{:?}", e.report()));
                    return Run {
                        transcript: String::from_utf8_lossy(&transcript).into_owned(),
                        client: String::from_utf8_lossy(&client).into_owned(),
                        server: String::from_utf8_lossy(&server).into_owned(),
                        events,
                        result,
                        report,
                    };
                }
                #[cfg(any(feature = "mime", feature = "raw"))]
                Action::Item(i) => {
                    let data = match i {
                        usize::MAX => m.streamed.clone().unwrap(),
                        #[cfg(feature = "mime")]
                        _ => m.items[i].2.clone(),
                        #[cfg(not(feature = "mime"))]
                        _ => unreachable!("items need mime"),
                    };
                    if !client_turn {
                        transcript.extend_from_slice(b"C: ");
                        client_turn = true;
                    }
                    // Pushed in pieces of 5, sent whenever the buffer is full.
                    for piece in data.chunks(5) {
                        let mut d = piece;
                        while !d.is_empty() {
                            let n = e.push::<TestMail>(d);
                            d = &d[n..];
                            if !d.is_empty() {
                                let p = e.pending().to_vec();
                                assert!(!p.is_empty());
                                transcript.extend_from_slice(&p);
                                client.extend_from_slice(&p);
                                e.sent(p.len());
                            }
                        }
                    }
                    e.streamed::<TestMail>(true);
                }
                #[cfg(feature = "tls")]
                Action::Upgrade => {
                    transcript.extend_from_slice(b"[TLS]\r\n");
                    client_turn = false;
                    e.upgraded(!script.take_if("TLS FAILS"));
                }
            }
        }
    }

    /// [`exchange_with`] at 256-byte buffers and whole replies as the
    /// reference, then at every chunk size up to the longest reply, then
    /// with each out buffer of `txs` (an `rx`-byte in buffer, 7-byte
    /// chunks): every run must equal the reference. With `regroup` the
    /// out buffer may change how commands group between replies (as under
    /// PIPELINING), so only each side's bytes must not change there.
    fn every_size(
        m: &TestMail,
        replies: &[&str],
        configure: &dyn Fn(&mut Engine<'_>),
        txs: &[usize],
        rx: usize,
        regroup: bool,
    ) -> Run {
        let reference = exchange_with(m, replies, 256, 256, 4096, configure);
        let longest = replies.iter().map(|r| r.len()).max().unwrap_or(1);
        for chunk in 1..=longest {
            let run = exchange_with(m, replies, 256, 256, chunk, configure);
            assert_eq!(run, reference, "chunk {chunk}");
        }
        for &tx in txs {
            let mut run = exchange_with(m, replies, tx, rx, 7, configure);
            if regroup {
                run.transcript.clone_from(&reference.transcript);
            }
            assert_eq!(run, reference, "tx {tx}");
        }
        reference
    }

    /// The exchange must not depend on buffer or chunk sizes.
    fn exchange_all_sizes(m: &TestMail, replies: &[&str]) -> Run {
        let regroup = cfg!(feature = "pipelining");
        every_size(m, replies, &|_| {}, &[16, 17, 23, 31, 64], 64, regroup)
    }

    /// One run at the reference sizes: 256-byte buffers, whole replies.
    fn once(m: &TestMail, replies: &[&str]) -> Run {
        exchange(m, replies, 256, 256, 4096)
    }

    /// [`exchange_all_sizes`], checking the result; a failure names `case`.
    fn expect(case: &str, m: &TestMail, replies: &[&str], result: Result<(), Error>) -> Run {
        let run = exchange_all_sizes(m, replies);
        assert_eq!(run.result, result, "{case}: {}", run.transcript);
        run
    }

    /// Checks that `text` (a transcript or what the client sent) contains
    /// `part`; a failure shows the text.
    #[track_caller]
    fn assert_has(text: &str, part: &str) {
        assert!(text.contains(part), "{part:?} not in:\n{text}");
    }

    /// Checks that `text` ends with `end`; a failure shows the text.
    #[track_caller]
    fn assert_ends(text: &str, end: &str) {
        assert!(text.ends_with(end), "not ending with {end:?}:\n{text}");
    }

    /// Checks that `text` starts with `start`; a failure shows the text.
    #[track_caller]
    fn assert_starts(text: &str, start: &str) {
        assert!(
            text.starts_with(start),
            "not starting with {start:?}:\n{text}"
        );
    }

    /// The sample mail's whole dialogue with a server that offers nothing:
    /// the greeting, EHLO, MAIL, three RCPT, DATA, the dot and QUIT
    /// (`[..7]` ends with DATA's 354, `[..8]` with the dot's reply).
    const SAMPLE: [&str; 9] = [
        "220 mx\r\n",
        "250 mx\r\n",
        "250 ok\r\n",
        "250 a\r\n",
        "250 b\r\n",
        "250 c\r\n",
        "354 go\r\n",
        "250 queued\r\n",
        "221 bye\r\n",
    ];

    /// [`SAMPLE`] from a server that answers EHLO with `ehlo`.
    fn sample_with_ehlo(ehlo: &'static str) -> [&'static str; 9] {
        let mut replies = SAMPLE;
        replies[1] = ehlo;
        replies
    }

    /// `head`'s turns, then `tail`'s.
    fn cat<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
        [head, tail].concat()
    }

    /// `head`'s turns (up to MAIL), then [`SAMPLE`]'s from MAIL to QUIT.
    fn with_mail<'a>(head: &[&'a str]) -> Vec<&'a str> {
        cat(head, &SAMPLE[2..])
    }

    /// The greeting, `ehlo`, the `auth` turns, then the mail as in
    /// [`with_mail`].
    fn script(ehlo: &'static str, auth: &[&'static str]) -> Vec<&'static str> {
        with_mail(&cat(&["220 mx\r\n", ehlo], auth))
    }

    const EHLO_AUTH: &str =
        "250-mx.example.test\r\n250-SMTPUTF8\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n";
    const HEADER_END: &str = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n";

    fn steps(run: &Run) -> Vec<u8> {
        run.events
            .iter()
            .filter(|e| e.0 == EventKind::Step)
            .map(|e| e.1)
            .collect()
    }

    #[test]
    fn happy_path_with_auth_plain_and_three_recipients() {
        let mut m = TestMail::sample();
        m.user = "user";
        m.password = "pass";
        let run = exchange_all_sizes(
            &m,
            &with_mail(&["220 mx ESMTP\r\n", EHLO_AUTH, "235 ok\r\n"]),
        );
        let hash = check(&m, None, 0).unwrap().hash;
        let expected = format!(
            "S: 220 mx ESMTP\r\nC: EHLO example.test\r\nS: {EHLO_AUTH}C: AUTH PLAIN AHVzZXIAcGFzcw==\r\nS: 235 ok\r\n\
             C: MAIL FROM:<node@example.test>\r\nS: 250 ok\r\nC: RCPT TO:<ops@example.test>\r\nS: 250 a\r\n\
             C: RCPT TO:<arc@example.test>\r\nS: 250 b\r\nC: RCPT TO:<aud@example.test>\r\nS: 250 c\r\nC: DATA\r\nS: 354 go\r\n\
             C: From: \"Node\" <node@example.test>\r\nTo: \"Ops\" <ops@example.test>\r\nCc: <arc@example.test>\r\nSubject: Alarm\r\n\
             Message-ID: <{hash:016x}@example.test>\r\n{HEADER_END}Pump 3 stopped.\r\n..hidden\r\n.\r\nS: 250 queued\r\nC: QUIT\r\nS: 221 bye\r\n"
        );
        assert_eq!(run.transcript, expected);
        assert_eq!(run.result, Ok(()));
        assert_eq!(steps(&run), [2, 3, 5, 6, 7, 8, 9, 10, 11]);
        let rcpts: Vec<_> = run
            .events
            .iter()
            .filter(|e| matches!(e.0, EventKind::Accepted | EventKind::Rejected))
            .map(|e| (e.0, e.2, e.3, e.4.as_str()))
            .collect();
        assert_eq!(
            rcpts,
            [
                (EventKind::Accepted, 250, 1, "a"),
                (EventKind::Accepted, 250, 2, "b"),
                (EventKind::Accepted, 250, 3, "c")
            ]
        );
    }

    #[test]
    fn auth_login_when_plain_is_not_offered() {
        let mut m = TestMail::sample();
        m.user = "user";
        m.password = "";
        let run = exchange_all_sizes(
            &m,
            &[
                "220 mx\r\n",
                "250-mx\r\n250 AUTH LOGIN\r\n",
                "334 VXNlcm5hbWU6\r\n",
                "334 UGFzc3dvcmQ6\r\n",
                "535 5.7.8 no\r\n",
                "221 bye\r\n",
            ],
        );
        assert_has(&run.transcript, "C: AUTH LOGIN\r\nS: 334 VXNlcm5hbWU6\r\nC: dXNlcg==\r\nS: 334 UGFzc3dvcmQ6\r\nC: \r\nS: 535 5.7.8 no\r\nC: QUIT\r\n");
        assert_eq!(run.result, Err(Error::AuthFailed));
    }

    #[test]
    fn helo_fallback_and_no_auth_without_ehlo() {
        let m = TestMail::sample();
        let run = exchange_all_sizes(
            &m,
            &[
                "220 mx\r\n",
                "502 what\r\n",
                "250 hi\r\n",
                "250 ok\r\n",
                "250 a\r\n",
                "550 no such user\r\n",
                "250 c\r\n",
                "354 go\r\n",
                "250 queued\r\n",
                "221 bye\r\n",
            ],
        );
        assert_starts(&run.transcript, "S: 220 mx\r\nC: EHLO example.test\r\nS: 502 what\r\nC: HELO example.test\r\nS: 250 hi\r\nC: MAIL FROM:<node@example.test>\r\n");
        assert_eq!(run.result, Err(Error::PartialDelivery));
        assert!(run
            .events
            .contains(&(EventKind::Rejected, 7, 550, 2, "no such user".into())));
        let mut m = TestMail::sample();
        m.user = "u";
        let run = exchange_all_sizes(
            &m,
            &["220 mx\r\n", "500 what\r\n", "250 hi\r\n", "221 bye\r\n"],
        );
        assert_ends(
            &run.transcript,
            "C: HELO example.test\r\nS: 250 hi\r\nC: QUIT\r\nS: 221 bye\r\n",
        );
        assert_eq!(run.result, Err(Error::AuthNotSupported));
    }

    #[test]
    fn refusals_at_each_step() {
        let m = TestMail::sample();
        // The sample dialogue up to the `at`th turn, then `refusal`'s
        // turns and a 221 to QUIT.
        let refused = |at: usize, refusal: &[&'static str]| {
            cat(&cat(&SAMPLE[..at], refusal), &["221 bye\r\n"])
        };
        let all_rcpts = ["550 a\r\n", "550 b\r\n", "550 c\r\n"];
        for (case, at, refusal, error) in [
            (
                "greeting",
                0,
                &["554 go away\r\n"][..],
                Error::GreetingRefused,
            ),
            ("EHLO 451", 1, &["451 later\r\n"], Error::HeloRejected),
            (
                "EHLO and HELO",
                1,
                &["550 x\r\n", "550 y\r\n"],
                Error::HeloRejected,
            ),
            ("MAIL 550", 2, &["550 no\r\n"], Error::SenderRejected),
            ("MAIL 552", 2, &["552 big\r\n"], Error::MessageTooBig),
            ("all RCPT", 3, &all_rcpts, Error::AllRecipientsRejected),
            ("DATA", 6, &["554 no\r\n"], Error::DataRejected),
            (
                "dot 452",
                7,
                &["452 full\r\n"],
                Error::MessageTemporaryFailure,
            ),
            ("dot 554", 7, &["554 spam\r\n"], Error::MessageRejected),
            ("dot 552", 7, &["552 big\r\n"], Error::MessageTooBig),
        ] {
            expect(case, &m, &refused(at, refusal), Err(error));
        }
        // No DATA after all recipients were rejected.
        let run = exchange_all_sizes(&m, &refused(3, &all_rcpts));
        assert!(!run.transcript.contains("DATA"));
    }

    #[test]
    fn service_closing_at_any_step_sends_nothing_more() {
        let m = TestMail::sample();
        let all = &SAMPLE[..7];
        for at in 0..=all.len() {
            let mut replies: Vec<&str> = all[..at].to_vec();
            replies.push("421 4.3.2 shutting down\r\n");
            let run = exchange_all_sizes(&m, &replies);
            assert_eq!(run.result, Err(Error::ServiceClosing), "at {at}");
            assert!(
                run.transcript.ends_with("S: 421 4.3.2 shutting down\r\n"),
                "at {at}: {}",
                run.transcript
            );
        }
    }

    #[test]
    fn outcome_unknown_after_the_dot() {
        let m = TestMail::sample();
        let upto_data = &SAMPLE[..7];
        for (case, tail, result) in [
            (
                "the connection drops before the reply to the dot",
                &[][..],
                Err(Error::OutcomeUnknown),
            ),
            (
                "QUIT not answered with 221 after a success",
                &["250 ok\r\n", "500 eh\r\n"],
                Err(Error::OutcomeUnknown),
            ),
            (
                "the connection drops before QUIT's reply: the 250 stands",
                &["250 ok\r\n"],
                Ok(()),
            ),
        ] {
            expect(case, &m, &cat(upto_data, tail), result);
        }
    }

    /// A checked mail and an engine's buffers, for tests that drive the
    /// engine by hand.
    struct Bench {
        checked: Checked,
        out: Vec<u8>,
        input: Vec<u8>,
    }

    impl Bench {
        /// `m` checked (no clock, salt 0), a `tx`-byte out buffer and an
        /// `rx`-byte in buffer.
        fn new(m: &TestMail, tx: usize, rx: usize) -> Self {
            let checked = check(m, None, 0).unwrap();
            Bench {
                checked,
                out: vec![0; tx],
                input: vec![0; rx],
            }
        }

        /// An engine over the buffers.
        fn engine(&mut self) -> Engine<'_> {
            Engine::new(&mut self.out, &mut self.input, &self.checked)
        }
    }

    /// Bytes that arrive unasked (a driver reading whenever it can): put
    /// in [`Engine::room`] and reported.
    fn unasked(e: &mut Engine<'_>, bytes: &[u8]) {
        let room = e.room();
        room[..bytes.len()].copy_from_slice(bytes);
        e.received(bytes.len());
    }

    /// Runs the sample mail up to its content and stops at the first chunk
    /// of it for which `keep_unsent` says so, leaving that chunk unsent.
    fn until_content_chunk(e: &mut Engine<'_>, m: &TestMail, keep_unsent: fn(&[u8]) -> bool) {
        let mut script = SAMPLE[..7].iter();
        let mut in_content = false;
        loop {
            match e.next(m) {
                #[cfg(any(feature = "mime", feature = "raw"))]
                Action::Item(_) => e.streamed::<TestMail>(true),
                Action::Send(b) => {
                    let n = b.len();
                    if in_content && keep_unsent(b) {
                        return;
                    }
                    e.sent(n);
                }
                Action::Receive(room) => {
                    let r = script.next().unwrap();
                    room[..r.len()].copy_from_slice(r.as_bytes());
                    in_content = r.starts_with("354");
                    e.received(r.len());
                }
                Action::Event(_) => {}
                Action::Done(r) => panic!("{r:?}"),
                #[cfg(feature = "tls")]
                Action::Upgrade => panic!("no TLS here"),
            }
        }
    }

    /// Bytes that arrive before the final dot went out end the mail with
    /// their own error: the server cannot have taken a message it never saw
    /// end (OUTCOME_UNKNOWN is only for replies after the dot).
    #[test]
    fn bytes_before_the_final_dot_fail_the_mail_without_doubt() {
        let m = TestMail::sample();
        let mut bench = Bench::new(&m, 16, 64);
        let mut e = bench.engine();
        until_content_chunk(&mut e, &m, |_| true);
        unasked(&mut e, b"554 x\n");
        assert!(matches!(e.next(&m), Action::Event(_)));
        assert_eq!(e.next(&m), Action::Done(Err(Error::UnexpectedReply)));
    }

    /// A 2xx that arrives while the last bytes of the message (its final
    /// dot) are still unsent is no reply to the dot: never a success, and
    /// not even a doubtful one.
    #[test]
    fn a_reply_before_the_final_dot_is_sent_is_no_success() {
        let m = TestMail::sample();
        let mut bench = Bench::new(&m, 256, 64);
        let mut e = bench.engine();
        // The chunk with the final dot stays unsent.
        until_content_chunk(&mut e, &m, |b| b.ends_with(b"\r\n.\r\n"));
        unasked(&mut e, b"250 ok\r\n");
        let result = loop {
            match e.next(&m) {
                Action::Done(r) => break r,
                Action::Send(b) => {
                    let n = b.len();
                    e.sent(n);
                }
                Action::Receive(_) => e.failed(Error::Receive),
                _ => {}
            }
        };
        assert_eq!(result, Err(Error::UnexpectedReply));
    }

    #[test]
    fn malformed_and_unasked_replies() {
        let m = TestMail::sample();
        let r = |replies: &[&str]| exchange_all_sizes(&m, replies).result;
        assert_eq!(r(&["220-mx\r\n221 other\r\n"]), Err(Error::ReplySyntax));
        assert_eq!(r(&["220 mx\n"]), Err(Error::ReplySyntax));
        assert_eq!(r(&["hello\r\n"]), Err(Error::ReplySyntax));
        // Nothing may follow a reply that hands the turn to the client (seen
        // when the bytes arrive together, as an injecting server sends them).
        let run = once(&m, &["220 mx\r\n250 injected\r\n"]);
        assert_eq!(run.result, Err(Error::UnexpectedReply));
        assert_eq!(run.transcript, "S: 220 mx\r\n250 injected\r\n");
        let run = once(&m, &["220 mx\r\n", "250 mx\r\n250 ok\r\n"]);
        assert_eq!(run.result, Err(Error::UnexpectedReply));
        let many: String = "220-x\r\n".repeat(usize::from(MAX_LINES)) + "220 x\r\n";
        assert_eq!(
            exchange(&m, &[&many], 64, 64, 64).result,
            Err(Error::ReplyTooManyLines)
        );
        let long = format!("220 {}\r\n", "x".repeat(70));
        assert_eq!(
            exchange(&m, &[&long], 64, 64, 64).result,
            Err(Error::ReplyTooLong)
        );
        // A line of exactly the buffer's size fits.
        let exact = format!("220 {}\r\n", "x".repeat(58));
        assert_eq!(
            exchange(&m, &[&exact, "250 x\r\n"], 64, 64, 64).result,
            Err(Error::Receive)
        );
    }

    #[test]
    fn auth_exchange_going_wrong() {
        let mut m = TestMail::sample();
        m.user = "u";
        // The greeting, `ehlo`, then `turns` and a 221 to QUIT.
        let after = |ehlo: &'static str, turns: &[&'static str]| {
            cat(&cat(&["220 mx\r\n", ehlo], turns), &["221 bye\r\n"])
        };
        let plain = "250-mx\r\n250 AUTH PLAIN\r\n";
        let run = expect(
            "334 after the response",
            &m,
            &after(plain, &["334 more?\r\n", "501 cancelled\r\n"]),
            Err(Error::AuthProtocol),
        );
        assert_has(
            &run.transcript,
            "S: 334 more?\r\nC: *\r\nS: 501 cancelled\r\nC: QUIT\r\n",
        );
        #[cfg_attr(feature = "cram-md5", allow(unused_mut))]
        let mut cases = vec![
            ("454", plain, &["454 later\r\n"][..], Error::AuthTemporary),
            (
                "504",
                "250-mx\r\n250 auth plain\r\n",
                &["504 no\r\n"],
                Error::AuthNotSupported,
            ),
            // A multi-line 5xx to EHLO teaches no capabilities.
            (
                "5xx to EHLO",
                "550-AUTH PLAIN\r\n550 no\r\n",
                &["250 hi\r\n"],
                Error::AuthNotSupported,
            ),
        ];
        // (With `cram-md5` it goes: `cram_md5::offered_alone`.)
        #[cfg(not(feature = "cram-md5"))]
        cases.push((
            "CRAM-MD5 alone",
            "250-mx\r\n250 AUTH CRAM-MD5\r\n",
            &[],
            Error::AuthNotSupported,
        ));
        for (case, ehlo, turns, error) in cases {
            expect(case, &m, &after(ehlo, turns), Err(error));
        }
    }

    /// A small deterministic generator (xorshift), so the test needs no crate.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Hostile servers: replies assembled from good and bad pieces, in random
    /// chunks, against random buffer sizes. The engine must end (within a
    /// bounded number of steps), never put a bare CR or LF on the wire, send
    /// nothing after a 421, and report success only after a 2xx to the dot.
    #[test]
    fn random_servers_never_break_the_rules() {
        random_servers("250-mx\r\n250 AUTH PLAIN LOGIN\r\n");
    }

    /// The same with CRAM-MD5 offered (`cram-md5`): its challenge and
    /// response come before the 235.
    #[cfg(feature = "cram-md5")]
    #[test]
    fn random_cram_md5_servers_never_break_the_rules() {
        random_servers("250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n");
    }

    /// The same with CHUNKING offered too: the envelope, the chunk and
    /// QUIT go as one group.
    #[cfg(feature = "chunking")]
    #[test]
    fn random_chunking_servers_never_break_the_rules() {
        random_servers("250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 AUTH PLAIN LOGIN\r\n");
    }

    /// The same with PIPELINING offered: the envelope goes as one group.
    #[cfg(feature = "pipelining")]
    #[test]
    fn random_pipelining_servers_never_break_the_rules() {
        random_servers("250-mx\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
    }

    fn random_servers(ehlo: &'static str) {
        const PIECES: [&str; 16] = [
            "220 mx\r\n",
            "250 ok\r\n",
            "250-AUTH PLAIN LOGIN\r\n",
            "250 8BITMIME\r\n",
            "334 x\r\n",
            "235 ok\r\n",
            "354 go\r\n",
            "221 bye\r\n",
            "421 closing\r\n",
            "550 no\r\n",
            "452 later\r\n",
            "\r\n",
            "250",
            "\n",
            "2",
            "999 x\r\n",
        ];
        // No 354 with BDAT.
        let bdat = ehlo.contains("CHUNKING");
        // CRAM-MD5's challenge ("<1>") before the 235.
        let cram = ehlo.contains("CRAM-MD5");
        let good: Vec<&str> = script(ehlo, &["334 PDE+\r\n", "235 ok\r\n"])
            .into_iter()
            .filter(|&r| !(bdat && r == "354 go\r\n") && (cram || r != "334 PDE+\r\n"))
            .collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut m = TestMail::sample();
        m.user = "u";
        m.password = "p";
        m.body = b"a\r.b\n.\r\n\n..".to_vec();
        let checked = check(&m, None, 0).unwrap();
        let mut outcomes = std::collections::HashMap::new();
        for _ in 0..3000 {
            let (mut out, mut input) =
                (vec![0u8; 16 + rng.below(64)], vec![0u8; 16 + rng.below(64)]);
            let mut e = Engine::new(&mut out, &mut input, &checked);
            let mut wire = Vec::new();
            // Mostly the right reply at each turn, sometimes a hostile piece instead,
            // sometimes cut short.
            let mut turns: Vec<&[u8]> = good
                .iter()
                .map(|&good| {
                    if rng.below(10) == 0 {
                        PIECES[rng.below(PIECES.len())]
                    } else {
                        good
                    }
                    .as_bytes()
                })
                .collect();
            if rng.below(4) == 0 {
                turns.truncate(rng.below(turns.len()));
            }
            // Now and then two turns arrive together, as an injecting server sends them.
            let mut script: Vec<u8> = Vec::new();
            let mut ends = Vec::new();
            for t in &turns {
                script.extend_from_slice(t);
                if rng.below(20) != 0 {
                    ends.push(script.len());
                }
            }
            ends.push(script.len());
            let mut fed = 0;
            let mut closing_seen = false;
            let mut dot_reply = false;
            let mut steps = 0;
            let result = loop {
                steps += 1;
                assert!(steps < 100_000, "the engine must end");
                match e.next(&m) {
                    #[cfg(any(feature = "mime", feature = "raw"))]
                    Action::Item(_) => e.streamed::<TestMail>(true),
                    Action::Send(b) => {
                        assert!(!closing_seen || b.is_empty(), "nothing after 421");
                        let n = 1 + rng.below(b.len());
                        wire.extend_from_slice(&b[..n]);
                        e.sent(n);
                    }
                    Action::Receive(room) => {
                        if fed == script.len() {
                            e.failed(Error::Receive);
                            continue;
                        }
                        // Within the current turn: the server waits for the client.
                        let turn_end = ends
                            .iter()
                            .copied()
                            .find(|&end| end > fed)
                            .unwrap_or(script.len());
                        let n = (1 + rng.below(16)).min(room.len()).min(turn_end - fed);
                        room[..n].copy_from_slice(&script[fed..fed + n]);
                        fed += n;
                        // Server bytes after the final dot: they may hold its reply.
                        // (Under PIPELINING QUIT follows the dot at once.)
                        // With BDAT: after the whole chunk and the QUIT behind it.
                        dot_reply |= wire.ends_with(b"\r\n.\r\n")
                            || wire.ends_with(b"\r\n.\r\nQUIT\r\n")
                            || (bdat
                                && wire.ends_with(b"\r\nQUIT\r\n")
                                && wire.windows(5).any(|w| w == b"BDAT "));
                        closing_seen |= script[..fed].windows(5).any(|w| w == b"421 c");
                        e.received(n);
                    }
                    Action::Event(_) => {}
                    Action::Done(r) => break r,
                    #[cfg(feature = "tls")]
                    Action::Upgrade => e.upgraded(true),
                }
            };
            for (i, &b) in wire.iter().enumerate() {
                assert!(b != b'\n' || (i > 0 && wire[i - 1] == b'\r'), "bare LF");
                assert!(b != b'\r' || wire.get(i + 1) == Some(&b'\n'), "bare CR");
            }
            *outcomes.entry(format!("{result:?}")).or_insert(0) += 1;
            if result.is_ok() {
                assert!(
                    dot_reply,
                    "success without a reply to the dot: {:?} wire {:?}",
                    String::from_utf8_lossy(&script),
                    String::from_utf8_lossy(&wire)
                );
            }
        }
        // The pieces reach deep enough to produce many different outcomes.
        assert!(outcomes.len() >= 8, "{outcomes:?}");
        assert!(
            outcomes.contains_key("Ok(())") && outcomes.contains_key("Err(OutcomeUnknown)"),
            "{outcomes:?}"
        );
    }

    #[cfg(feature = "tls")]
    fn exchange_tls(m: &TestMail, replies: &[&str], mode: TlsMode) -> Run {
        let reference = exchange_with(m, replies, 256, 256, 4096, &|e| e.set_tls(mode));
        for chunk in [1, 2, 3, 7] {
            assert_eq!(
                exchange_with(m, replies, 256, 256, chunk, &|e| e.set_tls(mode)),
                reference,
                "chunk {chunk}"
            );
        }
        reference
    }

    #[cfg(feature = "tls")]
    #[test]
    fn starttls_then_ehlo_again_and_auth_under_tls() {
        let mut m = TestMail::sample();
        m.user = "user";
        m.password = "pass";
        let ehlo1 = "250-mx\r\n250-STARTTLS\r\n250 AUTH LOGIN\r\n";
        let replies = with_mail(&[
            "220 mx\r\n",
            ehlo1,
            "220 2.0.0 ready\r\n",
            "250-mx\r\n250 AUTH PLAIN\r\n",
            "235 ok\r\n",
        ]);
        for mode in [TlsMode::Optional, TlsMode::Required] {
            let run = exchange_tls(&m, &replies, mode);
            assert_starts(&run.transcript, &format!("S: 220 mx\r\nC: EHLO example.test\r\nS: {ehlo1}C: STARTTLS\r\nS: 220 2.0.0 ready\r\n[TLS]\r\nC: EHLO example.test\r\nS: 250-mx\r\n250 AUTH PLAIN\r\nC: AUTH PLAIN "));
            assert_eq!(run.result, Ok(()));
            assert!(run
                .events
                .iter()
                .any(|e| e.0 == EventKind::Step && e.1 == 4));
        }
        // Off: STARTTLS offered but no hooks: clear text, as the seed set.
        let run = exchange_tls(
            &m,
            &replies[..1]
                .iter()
                .copied()
                .chain(["250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n", "235 ok\r\n"])
                .collect::<Vec<_>>(),
            TlsMode::Off,
        );
        assert_has(&run.transcript, "C: AUTH PLAIN");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn tls_fails_closed() {
        let m = TestMail::sample();
        // Required but not offered (and after HELO nothing is offered): nothing in clear.
        let run = exchange_tls(
            &m,
            &["220 mx\r\n", "250 mx\r\n", "221 bye\r\n"],
            TlsMode::Required,
        );
        assert_eq!(run.result, Err(Error::TlsUnavailable));
        assert_ends(&run.transcript, "S: 250 mx\r\nC: QUIT\r\nS: 221 bye\r\n");
        let run = exchange_tls(
            &m,
            &["220 mx\r\n", "502 no\r\n", "250 hi\r\n", "221 bye\r\n"],
            TlsMode::Required,
        );
        assert_eq!(run.result, Err(Error::TlsUnavailable));
        // Refused: required → error; optional → on in clear.
        let offer = "250-mx\r\n250 STARTTLS\r\n";
        let run = exchange_tls(
            &m,
            &["220 mx\r\n", offer, "454 not now\r\n", "221 bye\r\n"],
            TlsMode::Required,
        );
        assert_eq!(run.result, Err(Error::TlsRefused));
        let run = exchange_tls(
            &m,
            &["220 mx\r\n", offer, "454 not now\r\n", "250 ok\r\n"],
            TlsMode::Optional,
        );
        assert_has(
            &run.transcript,
            "S: 454 not now\r\nC: MAIL FROM:<node@example.test>\r\n",
        );
        // The handshake fails: nothing more is sent.
        let run = exchange_tls(
            &m,
            &["220 mx\r\n", offer, "220 ready\r\n", "TLS FAILS"],
            TlsMode::Optional,
        );
        assert_eq!(run.result, Err(Error::TlsHandshake));
        assert_ends(&run.transcript, "[TLS]\r\n");
        // Injection: plaintext after "220 ready" in the same read is refused, no handshake.
        let run = exchange_with(
            &m,
            &["220 mx\r\n", offer, "220 ready\r\n250 injected\r\n"],
            256,
            256,
            4096,
            &|e| e.set_tls(TlsMode::Optional),
        );
        assert_eq!(run.result, Err(Error::TlsInjection));
        assert!(!run.transcript.contains("[TLS]"), "{}", run.transcript);
    }

    #[cfg(feature = "tls")]
    #[test]
    fn bytes_before_the_handshake_are_refused() {
        let m = TestMail::sample();
        let script = ["220 mx\r\n", "250-mx\r\n250 STARTTLS\r\n", "220 go\r\n"];
        let mut bench = Bench::new(&m, 64, 64);
        let mut e = bench.engine();
        e.set_tls(TlsMode::Required);
        assert_eq!(
            drive(&mut e, &m, &script, false, &mut |_| false),
            Stop::Upgrade
        );
        // A non-blocking driver reads the socket before starting the handshake.
        unasked(&mut e, b"250 x");
        assert!(matches!(e.next(&m), Action::Event(_)));
        assert_eq!(e.next(&m), Action::Done(Err(Error::TlsInjection)));
    }

    /// Where [`drive`] stopped.
    #[cfg(any(
        feature = "nb",
        feature = "oauth",
        feature = "tls",
        feature = "deadline"
    ))]
    #[derive(Debug, PartialEq)]
    enum Stop {
        Done(Result<(), Error>),
        /// The script had no reply left, and `stalled` said to stop.
        Stalled,
        /// A TLS upgrade, not taken.
        #[cfg_attr(not(feature = "tls"), allow(dead_code))]
        Upgrade,
    }

    /// Drives `e` with whole sends, items streamed whole and `replies`
    /// (one per receive, fed whole). When a receive finds no reply left,
    /// `stalled` may go on (`true`: ask again, after a tick say) or stop.
    /// A TLS upgrade succeeds with `upgrade`, and stops the drive without.
    #[cfg(any(
        feature = "nb",
        feature = "oauth",
        feature = "tls",
        feature = "deadline"
    ))]
    fn drive(
        e: &mut Engine<'_>,
        m: &TestMail,
        replies: &[&str],
        #[cfg_attr(not(feature = "tls"), allow(unused_variables))] upgrade: bool,
        stalled: &mut dyn FnMut(&mut Engine<'_>) -> bool,
    ) -> Stop {
        let mut script = replies.iter();
        loop {
            match e.next(m) {
                Action::Send(b) => {
                    let n = b.len();
                    e.sent(n);
                }
                Action::Receive(room) => match script.next() {
                    Some(r) => {
                        room[..r.len()].copy_from_slice(r.as_bytes());
                        e.received(r.len());
                    }
                    None => {
                        if !stalled(e) {
                            return Stop::Stalled;
                        }
                    }
                },
                Action::Event(_) => {}
                Action::Done(r) => return Stop::Done(r),
                #[cfg(any(feature = "mime", feature = "raw"))]
                Action::Item(_) => e.streamed::<TestMail>(true),
                #[cfg(feature = "tls")]
                Action::Upgrade if upgrade => e.upgraded(true),
                #[cfg(feature = "tls")]
                Action::Upgrade => return Stop::Upgrade,
            }
        }
    }

    /// Runs `e` against `replies` (one per turn) until it wants a reply
    /// the script does not have; returns whether it ended.
    #[cfg(any(feature = "nb", feature = "oauth"))]
    fn run_until_stalled(
        e: &mut Engine<'_>,
        m: &TestMail,
        replies: &[&str],
    ) -> Option<Result<(), Error>> {
        match drive(e, m, replies, true, &mut |_| false) {
            Stop::Done(r) => Some(r),
            Stop::Stalled => None,
            Stop::Upgrade => unreachable!("upgrades succeed"),
        }
    }

    /// The engine's result, after nothing but events (no byte to send,
    /// none wanted).
    #[cfg(feature = "nb")]
    fn events_then_done(e: &mut Engine<'_>, m: &TestMail) -> Result<(), Error> {
        loop {
            match e.next(m) {
                Action::Event(_) => {}
                Action::Done(r) => return r,
                other => panic!("not an event: {other:?}"),
            }
        }
    }

    /// `IP_SMTPC_Abort`: before the dot ApplicationAbort, once the dot went
    /// out OutcomeUnknown, at QUIT the decided result; nothing is sent after.
    #[cfg(feature = "nb")]
    #[test]
    fn abandon_never_reports_a_half_sent_mail_as_delivered() {
        let m = TestMail::sample();
        let replies = &SAMPLE[..8];
        let expected = [
            (0, Err(Error::ApplicationAbort), 2u8),
            (1, Err(Error::ApplicationAbort), 3),
            (6, Err(Error::ApplicationAbort), 8),
            (7, Err(Error::OutcomeUnknown), 9),
            (8, Ok(()), 11),
        ];
        for (answered, result, step) in expected {
            let mut bench = Bench::new(&m, 64, 64);
            let mut e = bench.engine();
            assert_eq!(run_until_stalled(&mut e, &m, &replies[..answered]), None);
            e.abandon();
            // Only events follow: no byte is sent, nothing is received.
            let done = events_then_done(&mut e, &m);
            assert_eq!(done, result, "after {answered} replies");
            assert_eq!(e.report().0, step, "after {answered} replies");
            e.abandon();
            assert!(matches!(e.next(&m), Action::Done(r) if r == result));
        }
    }

    /// `set_limit` changes the allowance without restarting the step;
    /// `rebind` hands the same buffers back without changing anything.
    #[cfg(feature = "nb")]
    #[test]
    fn set_limit_and_rebind_keep_the_step_going() {
        let m = TestMail::sample();
        let checked = check(&m, None, 0).unwrap();
        let (mut out, mut input) = (vec![0u8; 64], vec![0u8; 64]);
        // The buffers handed back: what the first ones hold at that point
        // (the C session hands back the same memory).
        let (mut out2, mut input2) = (vec![0u8; 64], vec![0u8; 64]);
        input2[..5].copy_from_slice(b"220 m");
        let mut e = Engine::new(&mut out, &mut input, &checked);
        e.set_timeout(1_000, 100);
        assert_eq!(e.poll_at(), Some(1_100));
        e.tick(600);
        e.set_limit(300_000);
        assert_eq!(e.poll_at(), Some(300_100));
        // Half a greeting, then the buffers again.
        assert_eq!(run_until_stalled(&mut e, &m, &["220 m"]), None);
        e.rebind(&mut out2, &mut input2, &checked);
        assert_eq!(run_until_stalled(&mut e, &m, &["x ready\r\n"]), None);
        assert_eq!(e.step(), 3, "the greeting was read whole across the rebind");
        // EHLO went out at the last tick (600): its step runs from there.
        assert_eq!(e.poll_at(), Some(300_600));
        e.tick(300_599);
        assert!(matches!(e.next(&m), Action::Receive(_)));
        e.tick(300_600);
        assert_eq!(events_then_done(&mut e, &m), Err(Error::Timeout));
    }

    #[cfg(feature = "deadline")]
    #[test]
    fn deadlines_come_from_the_time_given() {
        let m = TestMail::sample();
        let replies = &SAMPLE[..7];
        // The server stalls after `answered` replies; the clock runs 1 s per receive.
        for answered in 0..=replies.len() {
            let mut bench = Bench::new(&m, 64, 64);
            let mut e = bench.engine();
            let start = u32::MAX - 2_500; // the clock wraps during the call
            e.set_timeout(5_000, start);
            let mut now = start;
            let mut script = replies[..answered].iter();
            let result = loop {
                let at = e.poll_at();
                match e.next(&m) {
                    #[cfg(any(feature = "mime", feature = "raw"))]
                    Action::Item(_) => e.streamed::<TestMail>(true),
                    Action::Send(b) => {
                        let n = b.len();
                        e.sent(n);
                    }
                    Action::Receive(room) => {
                        assert!(at.is_some_and(|at| at.wrapping_sub(now) <= 5_000));
                        now = now.wrapping_add(1_000);
                        if let Some(r) = script.next() {
                            room[..r.len()].copy_from_slice(r.as_bytes());
                            e.received(r.len());
                        }
                        e.tick(now);
                    }
                    Action::Event(_) => {}
                    Action::Done(r) => break r,
                    #[cfg(feature = "tls")]
                    Action::Upgrade => e.upgraded(true),
                }
            };
            let expected = if answered == replies.len() {
                Error::OutcomeUnknown
            } else {
                Error::Timeout
            };
            assert_eq!(result, Err(expected), "after {answered} replies");
            // Every step got its own 5 s: the stall is noticed 5 s after the step began.
            assert!(
                now.wrapping_sub(start) <= 1_000 * answered as u32 + 5_000,
                "{}",
                now.wrapping_sub(start)
            );
        }
    }

    /// Once the outcome is decided, the 221 is waited for QUIT_GRACE_MS at
    /// most (with a clock), and its absence changes nothing.
    #[cfg(feature = "deadline")]
    #[test]
    fn quit_reply_waited_for_a_short_grace_only() {
        let m = TestMail::sample();
        let mut bench = Bench::new(&m, 64, 64);
        let mut e = bench.engine();
        e.set_timeout(30_000, 0);
        let mut now = 0u32;
        let mut quit_wait = None;
        // The server never answers QUIT: time runs.
        let mut stalled = |e: &mut Engine<'_>| {
            quit_wait.get_or_insert(e.poll_at().unwrap().wrapping_sub(now));
            now += 100;
            e.tick(now);
            true
        };
        let result = drive(&mut e, &m, &SAMPLE[..8], true, &mut stalled);
        assert_eq!(result, Stop::Done(Ok(())));
        assert_eq!(quit_wait, Some(QUIT_GRACE_MS));
        assert_eq!(now, QUIT_GRACE_MS);
    }

    #[test]
    fn capability_words() {
        assert_eq!(capabilities(b"AUTH PLAIN LOGIN"), CAP_PLAIN | CAP_LOGIN);
        assert_eq!(capabilities(b"auth login"), CAP_LOGIN);
        #[cfg(not(feature = "cram-md5"))]
        assert_eq!(capabilities(b"AUTH CRAM-MD5 XPLAIN PLAINX"), 0);
        assert_eq!(capabilities(b"8bitmime"), CAP_8BIT);
        assert_eq!(capabilities(b"X-8BITMIME"), 0);
        // (SIZE itself is a word with `size`.)
        assert_eq!(capabilities(b"SIZE PLAIN") & (CAP_PLAIN | CAP_LOGIN), 0);
        assert_eq!(capabilities(b"AUTH=PLAIN"), CAP_PLAIN);
        assert_eq!(capabilities(b"auth=login plain"), CAP_LOGIN | CAP_PLAIN);
        assert_eq!(capabilities(b"X-AUTH=PLAIN"), 0);
        assert_eq!(capabilities(b"AUTH XXXXXXXXPLAIN"), 0);
        assert_eq!(capabilities(b"8BITMIME8BITMIME"), 0);
        assert_eq!(capabilities(b""), 0);
        // Prefixes, NUL bytes, empty words, a keyword only in first place.
        assert_eq!(capabilities(b"AUTH PLAI LOGINX LOG"), 0);
        assert_eq!(capabilities(b"AUTH PLAIN\0 LOGIN\0"), 0);
        assert_eq!(capabilities(b"AUTH\0 PLAIN"), 0);
        assert_eq!(capabilities(b"AUTH  PLAIN"), CAP_PLAIN);
        assert_eq!(capabilities(b" AUTH PLAIN"), 0);
        assert_eq!(capabilities(b"PLAIN AUTH LOGIN"), 0);
        assert_eq!(capabilities(b"8BITMIME AUTH PLAIN"), CAP_8BIT);
        assert_eq!(capabilities(b"8BITMIM"), 0);
        assert_eq!(capabilities(b"AUTH LOGIN PLAIN "), CAP_PLAIN | CAP_LOGIN);
        #[cfg(feature = "tls")]
        assert_eq!(capabilities(b"starttls"), CAP_STARTTLS);
        // (With `cram-md5` or the long table words after it are looked
        // for, so STARTTLS is too; without `tls` nothing reads its bit.)
        if WORD_COUNT == 4 {
            assert_eq!(capabilities(b"STARTTLS"), 0);
        }
        assert_eq!(capabilities(b"AUTH STARTTLS"), 0);
        assert_eq!(capabilities(b"STARTTLSX"), 0);
        // The keywords without parameters, first on the line only.
        #[cfg(feature = "pipelining")]
        assert_eq!(capabilities(b"pipelining"), CAP_PIPE);
        #[cfg(feature = "chunking")]
        assert_eq!(capabilities(b"CHUNKING"), CAP_CHUNKING);
        #[cfg(feature = "dsn")]
        assert_eq!(capabilities(b"DSN"), CAP_DSN);
        #[cfg(feature = "smtputf8")]
        assert_eq!(capabilities(b"SMTPUTF8"), CAP_SMTPUTF8);
        let not_alone = [&b"PIPELININGX"[..], b"X-PIPELINING", b"AUTH PIPELINING DSN"];
        let not_whole = [&b"DS"[..], b"DSN\0", b"CHUNKIN", b"8BITMIME SMTPUTF8"];
        for no in not_alone.iter().chain(&not_whole) {
            assert_eq!(capabilities(no) & !CAP_8BIT, 0, "{no:?}");
        }
        // The OAuth mechanisms, AUTH parameters as PLAIN and LOGIN.
        #[cfg(feature = "oauth")]
        {
            use crate::oauth::{CAP_OAUTHBEARER, CAP_XOAUTH2};
            let plain = capabilities(b"AUTH PLAIN XOAUTH2");
            assert_eq!(plain, CAP_PLAIN | CAP_XOAUTH2);
            let both = capabilities(b"auth=oauthbearer xoauth2");
            assert_eq!(both, CAP_XOAUTH2 | CAP_OAUTHBEARER);
            let no = [
                &b"XOAUTH2"[..],
                b"AUTHX XOAUTH2",
                b"AUTH XOAUTH",
                b"AUTH XOAUTH2X",
            ];
            let not_here = [
                &b"SIZE OAUTHBEARER"[..],
                b"AUTH OAUTHBEARER\0",
                b"OAUTHBEARER",
            ];
            for no in no.iter().chain(&not_here) {
                assert_eq!(
                    capabilities(no) & (CAP_XOAUTH2 | CAP_OAUTHBEARER),
                    0,
                    "{no:?}"
                );
            }
        }
    }

    #[test]
    fn eight_bit_body_asks_for_8bitmime_when_offered() {
        let mut m = TestMail::sample();
        m.body = "Grüße\n".as_bytes().to_vec();
        for (ehlo, mail) in [
            (
                EHLO_AUTH,
                "C: MAIL FROM:<node@example.test> BODY=8BITMIME\r\n",
            ),
            ("250 mx\r\n", "C: MAIL FROM:<node@example.test>\r\n"),
        ] {
            // Up to MAIL's reply.
            let run = exchange_all_sizes(&m, &sample_with_ehlo(ehlo)[..3]);
            assert!(run.transcript.contains(mail), "{ehlo}: {}", run.transcript);
        }
    }

    /// [`exchange_with`] at every chunk size and a few buffer sizes; the
    /// run must not change.
    #[cfg(feature = "ex")]
    fn exchange_ex(m: &TestMail, replies: &[&str], configure: &dyn Fn(&mut Engine<'_>)) -> Run {
        every_size(m, replies, configure, &[8, 13, 64], 128, false)
    }

    /// [`exchange_ex`] without a set-up, checking the result and the
    /// final report; a failure names `case`.
    #[cfg(feature = "ex")]
    fn expect_report(
        case: &str,
        m: &TestMail,
        replies: &[&str],
        result: Result<(), Error>,
        report: &str,
    ) -> Run {
        expect_report_with(case, m, replies, &|_| {}, result, report)
    }

    /// [`expect_report`] with the engine configured first.
    #[cfg(feature = "ex")]
    fn expect_report_with(
        case: &str,
        m: &TestMail,
        replies: &[&str],
        configure: &dyn Fn(&mut Engine<'_>),
        result: Result<(), Error>,
        report: &str,
    ) -> Run {
        let run = exchange_ex(m, replies, configure);
        assert_eq!(run.result, result, "{case}: {}", run.transcript);
        assert_eq!(run.report.last().unwrap(), report, "{case}");
        run
    }

    #[cfg(feature = "ex")]
    #[test]
    fn report_with_enhanced_codes_per_entry() {
        let m = TestMail::sample();
        let run = exchange_ex(
            &m,
            &[
                "220 mx\r\n",
                "250-mx\r\n250 ENHANCEDSTATUSCODES\r\n",
                "250 2.1.0 sender ok\r\n",
                "250 2.1.5 ok\r\n",
                "550-5.1.1 no such\r\n550 5.1.1 user\r\n",
                "251 2.1.5 forwarded\r\n",
                "354 go\r\n",
                "250 2.0.0 queued as 7\r\n",
                "221 2.0.0 bye\r\n",
            ],
            &|_| {},
        );
        assert_eq!(run.result, Err(Error::PartialDelivery));
        let replies: Vec<_> = run
            .events
            .iter()
            .filter(|e| e.0 != EventKind::Step)
            .map(|e| (e.0, e.2, e.3, e.4.as_str()))
            .collect();
        let none = usize::MAX;
        assert_eq!(
            replies,
            [
                (EventKind::Reply, 220, none, "mx"),
                (EventKind::Reply, 250, none, "ENHANCEDSTATUSCODES"),
                (EventKind::Reply, 250, 0, "2.1.0 sender ok"),
                (EventKind::Accepted, 250, 1, "2.1.5 ok"),
                (EventKind::Rejected, 550, 2, "5.1.1 user"),
                (EventKind::Accepted, 251, 3, "2.1.5 forwarded"),
                (EventKind::Reply, 354, none, "go"),
                (EventKind::Reply, 250, none, "2.0.0 queued as 7"),
            ]
        );
        assert_eq!(
            run.report,
            [
                "[0, 0, 0]",
                "[0, 0, 0]",
                "[2, 1, 0]",
                "[2, 1, 5]",
                "[5, 1, 1]",
                "[2, 1, 5]",
                "[0, 0, 0]",
                "[2, 0, 0]",
                // Step RCPT for a partial delivery, the dot's 250 decided it.
                "(7, 250, 2, 1, false)",
            ]
        );
        // Step events carry the code of the reply behind them (as src/ tells pfCallback).
        let steps: Vec<_> = run
            .events
            .iter()
            .filter(|e| e.0 == EventKind::Step)
            .map(|e| (e.1, e.2))
            .collect();
        assert_eq!(
            steps,
            [
                (2, 0),
                (3, 220),
                (6, 250),
                (7, 250),
                (8, 251),
                (9, 354),
                (10, 250),
                (11, 250)
            ]
        );
    }

    #[cfg(feature = "ex")]
    #[test]
    fn enhanced_codes_as_src_parses_them() {
        assert_eq!(enhanced(b"5.1.1 no such user", 550), [5, 1, 1]);
        assert_eq!(enhanced(b"2.0.0", 250), [2, 0, 0]);
        assert_eq!(enhanced(b"4.7.999 x", 451), [4, 7, 999]);
        for bad in [
            &b"5.1.1 x"[..],
            b"25.1.1 x",
            b"5.1 x",
            b"5.1.1000 x",
            b"5..1 x",
            b"5.1.1x",
            b"x 5.1.1",
            b"",
            b"3.1.1 x",
        ] {
            assert_eq!(enhanced(bad, 250), [0; 3], "{bad:?}");
        }
        assert_eq!(enhanced(b"3.1.1 x", 354), [0; 3]);
        assert_eq!(enhanced(b"5.1.1 x", 550), [5, 1, 1]);
    }

    #[cfg(feature = "ex")]
    #[test]
    fn auth_mechanisms_and_the_insecure_auth_opt_in() {
        let mut m = TestMail::sample();
        m.user = "user";
        m.password = "pass";
        let replies = [
            "220 mx\r\n",
            "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
            "334 VXNlcm5hbWU6\r\n",
            "334 UGFzc3dvcmQ6\r\n",
            "235 ok\r\n",
        ];
        // LOGIN only, although PLAIN is offered and preferred.
        let run = exchange_ex(&m, &replies, &|e| e.set_auth(2, true));
        assert_has(
            &run.transcript,
            "C: AUTH LOGIN\r\nS: 334 VXNlcm5hbWU6\r\nC: dXNlcg==\r\n",
        );
        let run = expect_report_with(
            "nothing allowed in common: decided locally at AUTH",
            &m,
            &["220 mx\r\n", "250-mx\r\n250 AUTH LOGIN\r\n", "221 bye\r\n"],
            &|e| e.set_auth(1, true),
            Err(Error::AuthNotSupported),
            "(5, 0, 0, 0, false)",
        );
        assert_ends(&run.transcript, "C: QUIT\r\nS: 221 bye\r\n");
        let run = expect_report_with(
            "AUTH in clear refused",
            &m,
            &["220 mx\r\n", "250-mx\r\n250 AUTH PLAIN\r\n", "221 bye\r\n"],
            &|e| e.set_auth(3, false),
            Err(Error::AuthInsecure),
            "(5, 0, 0, 0, false)",
        );
        // Only EHLO and QUIT go out.
        assert_eq!(
            run.transcript,
            "S: 220 mx\r\nC: EHLO example.test\r\nS: 250-mx\r\n250 AUTH PLAIN\r\nC: QUIT\r\nS: 221 bye\r\n"
        );
        // Under TLS it goes ahead.
        let run = exchange_ex(
            &m,
            &[
                "220 mx\r\n",
                "250-mx\r\n250 STARTTLS\r\n",
                "220 go\r\n",
                "250-mx\r\n250 AUTH PLAIN\r\n",
                "235 ok\r\n",
            ],
            &|e| {
                e.set_tls(TlsMode::Required);
                e.set_auth(3, false)
            },
        );
        assert_has(&run.transcript, "C: AUTH PLAIN ");
    }

    #[cfg(feature = "ex")]
    #[test]
    fn implicit_tls_before_the_greeting() {
        let m = TestMail::sample();
        let implicit = |e: &mut Engine<'_>| e.set_tls(TlsMode::Implicit);
        let run = expect_report_with(
            "implicit TLS",
            &m,
            &sample_with_ehlo("250-mx\r\n250 STARTTLS\r\n"),
            &implicit,
            Ok(()),
            "(11, 250, 3, 0, true)",
        );
        assert_starts(&run.transcript, "[TLS]\r\nS: 220 mx\r\nC: EHLO example.test\r\nS: 250-mx\r\n250 STARTTLS\r\nC: MAIL FROM:");
        assert_eq!(steps(&run)[..3], [4, 2, 3]);
        let run = expect_report_with(
            "a failed handshake: nothing sent, TLS_HANDSHAKE at STARTTLS",
            &m,
            &["TLS FAILS"],
            &implicit,
            Err(Error::TlsHandshake),
            "(4, 0, 0, 0, false)",
        );
        assert_eq!(run.transcript, "[TLS]\r\n");
    }

    #[cfg(feature = "ex")]
    #[test]
    fn report_of_local_and_reply_decisions() {
        let m = TestMail::sample();
        let starttls = [
            "220 mx\r\n",
            "250-mx\r\n250 STARTTLS\r\n",
            "421 4.3.2 closing\r\n",
        ];
        let quit = ["220 mx\r\n", "554 no\r\n", "554 no\r\n", "500 x\r\n"];
        for (case, replies, tls, result, report) in [
            (
                "refused by a reply: the step and code of that reply",
                &[
                    "220 mx\r\n",
                    "250 mx\r\n",
                    "553 5.1.8 bad sender\r\n",
                    "221 bye\r\n",
                ][..],
                false,
                Err(Error::SenderRejected),
                "(6, 553, 0, 0, false)",
            ),
            (
                "malformed reply: decided locally, no code kept",
                &["220 mx\r\n", "250 mx\r\n", "25x\r\n"],
                false,
                Err(Error::ReplySyntax),
                "(6, 0, 0, 0, false)",
            ),
            (
                "lost after the dot: outcome unknown at END_OF_DATA",
                &SAMPLE[..7],
                false,
                Err(Error::OutcomeUnknown),
                "(9, 0, 3, 0, false)",
            ),
            (
                "421 to a required STARTTLS is TLS_REFUSED (as src/)",
                &starttls,
                true,
                Err(Error::TlsRefused),
                "(4, 421, 0, 0, false)",
            ),
            (
                "QUIT's reply is never kept",
                &quit,
                false,
                Err(Error::HeloRejected),
                "(3, 554, 0, 0, false)",
            ),
        ] {
            let configure = |e: &mut Engine<'_>| {
                if tls {
                    e.set_tls(TlsMode::Required);
                }
            };
            expect_report_with(case, &m, replies, &configure, result, report);
        }
    }

    #[cfg(all(feature = "size", feature = "ex"))]
    #[test]
    fn size_declared_when_offered_and_refused_over_the_limit() {
        let m = TestMail::sample();
        let with = |ehlo: &'static str| exchange_ex(&m, &sample_with_ehlo(ehlo), &|_| {});
        let run = with("250-mx\r\n250-size  100000\r\n250 8BITMIME\r\n");
        assert_eq!(run.result, Ok(()));
        // The size is the header and the stuffed body without ".\r\n".
        let t = &run.transcript;
        let message =
            &t[t.find("S: 354 go\r\nC: ").unwrap() + 14..t.find("\r\n.\r\n").unwrap() + 2];
        let mail = format!(
            "C: MAIL FROM:<node@example.test> SIZE={}\r\n",
            message.len()
        );
        assert!(t.contains(&mail), "{t}");
        // SIZE without a number: declared, no limit.
        let run = with("250-mx\r\n250 SIZE\r\n");
        assert_has(&run.transcript, &mail);
        // Not offered: not declared.
        let run = with("250-mx\r\n250 SIZEX 10\r\n");
        assert_has(&run.transcript, "C: MAIL FROM:<node@example.test>\r\n");
        let limit = message.len() - 1;
        let ehlo: &'static str =
            Box::leak(format!("250-mx\r\n250 SIZE {limit}\r\n").into_boxed_str());
        let run = expect_report(
            "over the limit: refused before MAIL, decided locally at MAIL",
            &m,
            &["220 mx\r\n", ehlo, "221 bye\r\n"],
            Err(Error::MessageTooBig),
            "(6, 0, 0, 0, false)",
        );
        assert_ends(&run.transcript, "C: QUIT\r\nS: 221 bye\r\n");
        assert!(!run.transcript.contains("MAIL"));
        // At the limit it goes.
        let ehlo: &'static str =
            Box::leak(format!("250-mx\r\n250 SIZE {}\r\n", limit + 1).into_boxed_str());
        assert_eq!(with(ehlo).result, Ok(()));
    }

    #[cfg(feature = "size")]
    #[test]
    fn size_keyword_as_src_reads_it() {
        let size = |text: &[u8]| (capabilities(text) & CAP_SIZE != 0).then(|| size_limit(text));
        assert_eq!(size(b"SIZE 10240000"), Some(10_240_000));
        assert_eq!(size(b"size  77"), Some(77));
        assert_eq!(size(b"SIZE=1"), Some(1));
        assert_eq!(size(b"SIZE"), Some(0));
        assert_eq!(size(b"SIZE 0"), Some(0));
        assert_eq!(size(b"SIZE abc"), Some(0));
        assert_eq!(size(b"SIZE 99999999999"), Some(u32::MAX));
        assert_eq!(size(b"SIZEX 1"), None);
        assert_eq!(size(b"8BITMIME"), None);
        assert_eq!(size(b"AUTH SIZE 1"), None);
    }

    /// [`exchange_with`] at every chunk size and out buffers from 16 bytes
    /// (an encoder needs `mime::ROOM` for a byte); the run must not change.
    #[cfg(feature = "mime")]
    fn exchange_mime(m: &TestMail, replies: &[&str]) -> Run {
        every_size(m, replies, &|_| {}, &[16, 17, 23, 31, 64, 100], 128, false)
    }

    /// The message the client sent after "354 go", without ".\r\n".
    #[cfg(feature = "mime")]
    fn content_of(run: &Run) -> String {
        let t = &run.transcript;
        let start = t.find("S: 354 go\r\nC: ").unwrap() + 14;
        let end = t.rfind("\r\n.\r\n").unwrap() + 2;
        let content = &t[start..end];
        content[content.find("MIME-Version: 1.0\r\n").unwrap() + 19..].to_string()
    }

    #[cfg(feature = "mime")]
    #[test]
    fn multipart_items_as_src_writes_them() {
        let mut m = TestMail::sample();
        m.body = b"see attached".to_vec();
        m.items = vec![
            ("empty.bin", "application/octet-stream", vec![]),
            ("abc.txt", "text/plain", b"abc".to_vec()),
            ("M\u{e4}rz \"log\".csv", "text/csv", b"a,b\n".to_vec()),
            ("", "", vec![0xAB; 100]),
        ];
        let run = exchange_mime(&m, &SAMPLE);
        assert_eq!(run.result, Ok(()));
        let hash = check(&m, None, 0).unwrap().hash;
        let b = format!("=_ip-smtpc_{hash:016x}");
        // 100 bytes: 136 digits, 76 a line.
        let long = format!("{}\r\n{}qw==", "q6ur".repeat(19), "q6ur".repeat(14));
        assert_eq!(
            content_of(&run),
            format!(
                "Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n\
                 This is a multi-part message in MIME format.\r\n\
                 --{b}\r\n\
                 Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
                 see attached\r\n\r\n\
                 --{b}\r\n\
                 Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment;\r\n filename=\"empty.bin\"\r\n\r\n\r\n\
                 --{b}\r\n\
                 Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment;\r\n filename=\"abc.txt\"\r\n\r\nYWJj\r\n\
                 --{b}\r\n\
                 Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment;\r\n filename*=utf-8''M%C3%A4rz%20%22log%22.csv\r\n\r\nYSxiCg==\r\n\
                 --{b}\r\n\
                 Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n{long}\r\n\
                 --{b}--\r\n"
            )
        );
        // No SIZE for streamed content, even when offered.
        let replies = sample_with_ehlo("250-mx\r\n250 SIZE 10\r\n");
        let run = exchange_mime(&m, &replies);
        assert_eq!(run.result, Ok(()));
        assert_has(&run.transcript, "C: MAIL FROM:<node@example.test>\r\n");
    }

    #[cfg(feature = "mime")]
    #[test]
    fn quoted_printable_where_the_text_needs_it() {
        let mut m = TestMail::sample();
        m.body = "Grüße.\n.dot\n-- \nx\t\r\n".as_bytes().to_vec();
        let run = exchange_mime(&m, &SAMPLE);
        assert_eq!(
            content_of(&run),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Gr=C3=BC=C3=9Fe.\r\n..dot\r\n=2D-=20\r\nx=09\r\n"
        );
        // 8BITMIME offered: 8bit, declared (one size: the transcript's
        // halves of a send would cut UTF-8 sequences).
        let replies = sample_with_ehlo("250-mx\r\n250 8BITMIME\r\n");
        let run = exchange_with(&m, &replies, 256, 256, 4096, &|_| {});
        assert_has(&run.transcript, "BODY=8BITMIME\r\n");
        assert!(content_of(&run).starts_with(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße.\r\n..dot\r\n"
        ));
        // A line over 998 octets or a NUL: quoted-printable, soft breaks at 76.
        m.body = vec![b'x'; 1000];
        let run = exchange_mime(&m, &replies);
        assert!(!run.transcript.contains("BODY=8BITMIME"));
        let content = content_of(&run);
        assert!(content.contains("quoted-printable"));
        for line in content.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
        m.body = b"a\0b".to_vec();
        assert!(content_of(&exchange_mime(&m, &replies)).ends_with("\r\n\r\na=00b\r\n"));
    }

    #[cfg(feature = "mime")]
    #[test]
    fn a_text_carrying_the_boundary_cannot_make_a_part() {
        let mut m = TestMail::sample();
        m.items = vec![("a.txt", "text/plain", b"x".to_vec())];
        let hash = check(&m, None, 0).unwrap().hash;
        let generated: &'static str = Box::leak(format!("=_ip-smtpc_{hash:016x}").into_boxed_str());
        for (boundary, body) in [
            (
                "",
                format!("hi\n--{generated}\nContent-Type: text/html\n\n<a>\n"),
            ),
            ("NextPart_0815", "hi\r--NextPart_0815--".to_string()),
        ] {
            m.boundary = boundary;
            m.body = body.into_bytes();
            let used = if boundary.is_empty() {
                // The body is in the hash: the boundary moved with it.
                let hash = check(&m, None, 0).unwrap().hash;
                m.body = String::from_utf8(m.body.clone())
                    .unwrap()
                    .replace(generated, &format!("=_ip-smtpc_{hash:016x}"))
                    .into_bytes();
                let hash2 = check(&m, None, 0).unwrap().hash;
                if hash2 != hash {
                    // Self-reference cannot be built; check the caller's case only.
                    continue;
                }
                format!("=_ip-smtpc_{hash:016x}")
            } else {
                boundary.to_string()
            };
            let content = content_of(&exchange_mime(&m, &SAMPLE));
            assert!(
                content.contains("Content-Transfer-Encoding: quoted-printable\r\n"),
                "{content}"
            );
            let delimiters = content
                .split("\r\n")
                .filter(|l| l.starts_with(&format!("--{used}")))
                .count();
            assert_eq!(delimiters, 3, "text, item, closing: {content}");
        }
        // A dash line that is not a delimiter leaves the text as it is.
        m.boundary = "NextPart_0815";
        m.body = b"-- \nsignature".to_vec();
        let content = content_of(&exchange_mime(&m, &SAMPLE));
        assert!(
            content.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{content}"
        );
    }

    #[cfg(feature = "mime")]
    #[test]
    fn streamed_body_goes_quoted_printable_and_a_failed_item_abandons_the_mail() {
        let mut m = TestMail::sample();
        m.streamed = Some("line one\n.two\nGrüße".as_bytes().to_vec());
        let run = exchange_mime(&m, &SAMPLE);
        assert_eq!(run.result, Ok(()));
        assert_eq!(
            content_of(&run),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             line one\r\n..two\r\nGr=C3=BC=C3=9Fe\r\n"
        );
        // The driver reports a failed item: no end of data, nothing more sent.
        let mut m = TestMail::sample();
        m.items = vec![("a.txt", "text/plain", b"x".to_vec())];
        let mut bench = Bench::new(&m, 64, 64);
        let mut e = bench.engine();
        let mut script = SAMPLE.iter();
        let mut wire = Vec::new();
        let result = loop {
            match e.next(&m) {
                Action::Send(b) => {
                    wire.extend_from_slice(b);
                    let n = b.len();
                    e.sent(n);
                }
                Action::Receive(room) => {
                    let r = script.next().unwrap();
                    room[..r.len()].copy_from_slice(r.as_bytes());
                    e.received(r.len());
                }
                Action::Item(_) => {
                    assert_eq!(e.push::<TestMail>(b"abc"), 3);
                    e.streamed::<TestMail>(false);
                    assert_eq!(e.push::<TestMail>(b"more"), 4);
                }
                Action::Event(_) => {}
                Action::Done(r) => break r,
                #[cfg(feature = "tls")]
                Action::Upgrade => e.upgraded(true),
            }
        };
        assert_eq!(result, Err(Error::ApplicationAbort));
        let wire = String::from_utf8(wire).unwrap();
        assert!(
            !wire.contains("\r\n.\r\n") && !wire.contains("QUIT"),
            "{wire}"
        );
        assert_eq!(e.report().0, 9);
    }

    #[cfg(all(feature = "mime", feature = "size"))]
    #[test]
    fn size_counts_quoted_printable_text() {
        let mut m = TestMail::sample();
        m.body = "Grüße\n".as_bytes().to_vec();
        let replies = sample_with_ehlo("250-mx\r\n250 SIZE 100000\r\n");
        let run = exchange_mime(&m, &replies);
        let t = &run.transcript;
        let message =
            &t[t.find("S: 354 go\r\nC: ").unwrap() + 14..t.rfind("\r\n.\r\n").unwrap() + 2];
        assert!(message.contains("quoted-printable"));
        assert!(t.contains(&format!("SIZE={}\r\n", message.len())), "{t}");
    }

    #[cfg(feature = "ex")]
    #[test]
    fn replies_out_of_step_after_the_dot_make_the_outcome_unknown() {
        let m = TestMail::sample();
        let mut upto_dot = SAMPLE[..7].to_vec();
        upto_dot[4] = "550 b\r\n";
        let with = |tail: &[&'static str]| cat(&upto_dot, tail);
        expect_report(
            "a partial delivery doubted by QUIT's 250, as a success would be",
            &m,
            &with(&["250 queued\r\n", "250 what\r\n"]),
            Err(Error::OutcomeUnknown),
            "(9, 250, 2, 1, false)",
        );
        // A malformed reply to QUIT, or bytes after the dot's reply: doubted.
        let run = exchange_ex(&m, &with(&["250 queued\r\n", "2x1 bye\r\n"]), &|_| {});
        assert_eq!(run.result, Err(Error::OutcomeUnknown));
        // (Surplus bytes in the same read: whether QUIT went out first
        // depends on the chunking, so one size.)
        let run = once(&m, &with(&["250 queued\r\n250 extra\r\n"]));
        assert_eq!(run.result, Err(Error::OutcomeUnknown));
        assert!(!run.transcript.contains("QUIT"));
        expect_report(
            "the connection closing after the dot's reply leaves it standing",
            &m,
            &with(&["250 queued\r\n"]),
            Err(Error::PartialDelivery),
            "(7, 250, 2, 1, false)",
        );
    }

    /// A complete message (`raw`): `message` as `sBody`, or streamed.
    #[cfg(feature = "raw")]
    fn raw_mail(message: &[u8], streamed: bool) -> TestMail {
        let mut m = TestMail::sample();
        m.subject = "";
        m.raw = true;
        if streamed {
            m.streamed = Some(message.to_vec());
            // sBody is not used with a streamed message.
            m.body = vec![b'x'; 2000];
        } else {
            m.body = message.to_vec();
        }
        m
    }

    /// What the client sent after "354 go", up to and with ".\r\n".
    #[cfg(feature = "raw")]
    fn sent_message(run: &Run) -> &str {
        let t = &run.transcript;
        let start = t.find("S: 354 go\r\nC: ").unwrap() + 14;
        &t[start..t.find("S: 250 queued").unwrap()]
    }

    #[cfg(feature = "raw")]
    #[test]
    fn raw_message_goes_out_as_given_to_every_envelope_recipient() {
        let message = b"From: a@x.test\nBcc-Like: kept\r\n\r\n.dot\nend";
        let m = raw_mail(message, false);
        let run = expect_report(
            "as given",
            &m,
            &sample_with_ehlo("250-mx\r\n250 SIZE 1000\r\n"),
            Ok(()),
            "(11, 250, 3, 0, false)",
        );
        // SIZE= counts the message as sent, without ".\r\n" (src/: 46).
        let size = if cfg!(feature = "size") {
            " SIZE=46"
        } else {
            ""
        };
        let expected = format!(
            "S: 220 mx\r\nC: EHLO example.test\r\nS: 250-mx\r\n250 SIZE 1000\r\n\
             C: MAIL FROM:<node@example.test>{size}\r\nS: 250 ok\r\nC: RCPT TO:<ops@example.test>\r\nS: 250 a\r\n\
             C: RCPT TO:<arc@example.test>\r\nS: 250 b\r\nC: RCPT TO:<aud@example.test>\r\nS: 250 c\r\nC: DATA\r\nS: 354 go\r\n\
             C: From: a@x.test\r\nBcc-Like: kept\r\n\r\n..dot\r\nend\r\n.\r\nS: 250 queued\r\nC: QUIT\r\nS: 221 bye\r\n"
        );
        assert_eq!(run.transcript, expected);
        assert_eq!(
            "From: a@x.test\r\nBcc-Like: kept\r\n\r\n..dot\r\nend\r\n".len(),
            46
        );
        // An end of data inside the message cannot end it early.
        let m = raw_mail(
            b"Subject: raw\r\n\r\n.lead\ra\n.\r\nMAIL FROM:<evil@x.test>\r\n",
            false,
        );
        let run = exchange_ex(&m, &sample_with_ehlo("250 mx\r\n"), &|_| {});
        assert_eq!(
            sent_message(&run),
            "Subject: raw\r\n\r\n..lead\r\na\r\n..\r\nMAIL FROM:<evil@x.test>\r\n.\r\n"
        );
        assert_eq!(run.transcript.matches("\r\n.\r\n").count(), 1);
    }

    #[cfg(feature = "raw")]
    #[test]
    fn raw_eight_bit_message_needs_8bitmime() {
        let message = "Subject: Gr\u{fc}\u{df}e\r\n\r\nK\u{e4}se\r\n";
        let m = raw_mail(message.as_bytes(), false);
        let run = exchange_ex(&m, &sample_with_ehlo("250-mx\r\n250 8BITMIME\r\n"), &|_| {});
        assert_eq!(run.result, Ok(()));
        assert_has(
            &run.transcript,
            "C: MAIL FROM:<node@example.test> BODY=8BITMIME\r\n",
        );
        assert_eq!(sent_message(&run), format!("{message}.\r\n"));
        let run = expect_report(
            "not offered: refused before MAIL, decided locally at MAIL",
            &m,
            &["220 mx\r\n", "250 mx\r\n", "221 bye\r\n"],
            Err(Error::EightBitUnsupported),
            "(6, 0, 0, 0, false)",
        );
        assert_eq!(
            run.transcript,
            "S: 220 mx\r\nC: EHLO example.test\r\nS: 250 mx\r\nC: QUIT\r\nS: 221 bye\r\n"
        );
        // After HELO (no extensions) likewise.
        let run = exchange_ex(
            &m,
            &["220 mx\r\n", "500 no\r\n", "250 mx\r\n", "221 bye\r\n"],
            &|_| {},
        );
        assert_eq!(run.result, Err(Error::EightBitUnsupported));
        // 7-bit: no BODY= even where 8BITMIME is offered.
        let m = raw_mail(b"Subject: plain\r\n\r\nx\r\n", false);
        let run = exchange_ex(&m, &sample_with_ehlo("250-mx\r\n250 8BITMIME\r\n"), &|_| {});
        assert_eq!(run.result, Ok(()));
        assert_has(
            &run.transcript,
            "C: MAIL FROM:<node@example.test>\r\nS: 250 ok",
        );
    }

    #[cfg(feature = "raw")]
    #[test]
    fn raw_streamed_message_is_declared_8bit_and_sent_as_given() {
        let message = "From: <n@x.test>\nSubject: s\r\r\n\n.a\r\nK\u{e4}se\r";
        let m = raw_mail(message.as_bytes(), true);
        // No SIZE= (not known in advance), BODY=8BITMIME whenever offered.
        let run = exchange_ex(
            &m,
            &sample_with_ehlo("250-mx\r\n250-SIZE 100000\r\n250 8BITMIME\r\n"),
            &|_| {},
        );
        assert_eq!(run.result, Ok(()));
        assert_has(
            &run.transcript,
            "C: MAIL FROM:<node@example.test> BODY=8BITMIME\r\n",
        );
        assert_eq!(
            sent_message(&run),
            "From: <n@x.test>\r\nSubject: s\r\n\r\n\r\n..a\r\nK\u{e4}se\r\n.\r\n"
        );
        // A 7-bit stream to a server without 8BITMIME goes without BODY=.
        let m = raw_mail(b"Subject: s\r\n\r\nend", true);
        let run = exchange_ex(&m, &sample_with_ehlo("250 mx\r\n"), &|_| {});
        assert_eq!(run.result, Ok(()));
        assert_has(
            &run.transcript,
            "C: MAIL FROM:<node@example.test>\r\nS: 250 ok",
        );
        assert_eq!(sent_message(&run), "Subject: s\r\n\r\nend\r\n.\r\n");
        // An empty stream: only the end of data.
        let m = raw_mail(b"", true);
        let run = exchange_ex(&m, &sample_with_ehlo("250 mx\r\n"), &|_| {});
        assert_eq!(sent_message(&run), ".\r\n");
    }

    /// A streamed message that turns out unfit is abandoned before the
    /// final dot (no end of data, no QUIT), at every buffer and chunk size.
    #[cfg(feature = "raw")]
    #[test]
    fn raw_unfit_stream_is_abandoned_before_the_dot() {
        let long = [&b"Subject: x\r\n\r\n"[..], &[b'a'; 1500], b"\r\n"].concat();
        let dotted = [&b"Subject: x\r\n\r\n."[..], &[b'a'; 998], b"\r\n"].concat();
        let eight = "Subject: x\r\n\r\nK\u{e4}se\r\n".as_bytes().to_vec();
        // What may have gone out before the refusal: a prefix of these.
        let stuffed = |m: &[u8]| String::from_utf8_lossy(m).replacen("\n.", "\n..", 1);
        for (message, ehlo, error) in [
            (&long, "250-mx\r\n250 8BITMIME\r\n", Error::InvalidBody),
            (&dotted, "250 mx\r\n", Error::InvalidBody),
            (&eight, "250 mx\r\n", Error::EightBitUnsupported),
        ] {
            let wire = format!("C: {}", stuffed(message));
            let m = raw_mail(message, true);
            for tx in [8, 13, 64, 256] {
                let run = exchange_with(&m, &sample_with_ehlo(ehlo), tx, 256, 3, &|_| {});
                assert_eq!(run.result, Err(error), "tx {tx}");
                assert_eq!(run.report.last().unwrap(), "(9, 0, 3, 0, false)");
                let t = &run.transcript;
                let sent = t.split_once("S: 354 go\r\n").unwrap().1;
                assert!(wire.starts_with(sent), "{sent:?}");
                assert!(!t.contains("\r\n.\r\n") && !t.contains("QUIT"), "{t}");
                assert!(
                    !t.contains(&"a".repeat(999)),
                    "the long line never goes out whole"
                );
                assert!(!t.contains('\u{e4}'), "no 8-bit byte without 8BITMIME");
            }
        }
    }

    /// PIPELINING (RFC 2920): the envelope as one group, replies by count.
    #[cfg(feature = "pipelining")]
    mod pipelining {
        use super::*;
        use crate::mail::{BCC, TO};

        const EHLO_PIPE: &str = "250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
        const ENVELOPE: &str = "C: MAIL FROM:<node@example.test>\r\nRCPT TO:<ops@example.test>\r\n\
             RCPT TO:<arc@example.test>\r\nRCPT TO:<aud@example.test>\r\nDATA\r\n";

        /// The envelope's replies when every recipient is refused, then
        /// DATA's refusal and a 221 to QUIT.
        pub(super) const ALL_REFUSED: [&str; 6] = [
            "250 ok\r\n",
            "550 a\r\n",
            "550 b\r\n",
            "550 c\r\n",
            "554 no valid recipients\r\n",
            "221 bye\r\n",
        ];

        fn start() -> String {
            format!("S: 220 mx\r\nC: EHLO example.test\r\nS: {EHLO_PIPE}{ENVELOPE}")
        }

        /// For exchanges where a reply ends the envelope early: at every
        /// chunk size the run must not change; with smaller out buffers
        /// fewer commands may have gone before the deciding reply, so only
        /// the result, the first events and whole commands are compared.
        pub(super) fn exchange_piped(m: &TestMail, replies: &[&str]) -> Run {
            let reference = once(m, replies);
            let longest = replies.iter().map(|r| r.len()).max().unwrap_or(1);
            for chunk in 1..=longest {
                assert_eq!(
                    exchange(m, replies, 256, 256, chunk),
                    reference,
                    "chunk {chunk}"
                );
            }
            let lines: Vec<&str> = reference.client.split_inclusive("\r\n").collect();
            for tx in [16, 17, 23, 31, 64] {
                let run = exchange(m, replies, tx, 64, 7);
                assert_eq!(run.result, reference.result, "tx {tx}");
                for line in run.client.split_inclusive("\r\n") {
                    assert!(lines.contains(&line), "tx {tx}: {line:?} in {}", run.client);
                }
                let quit = reference.client.ends_with("QUIT\r\n");
                assert_eq!(run.client.ends_with("QUIT\r\n"), quit, "tx {tx}");
                assert_eq!(run.events[..3], reference.events[..3], "tx {tx}");
            }
            reference
        }

        fn rcpt_events(run: &Run) -> Vec<(EventKind, u16, usize)> {
            run.events
                .iter()
                .filter(|e| matches!(e.0, EventKind::Accepted | EventKind::Rejected))
                .map(|e| (e.0, e.2, e.3))
                .collect()
        }

        /// The greeting and the EHLO reply offering PIPELINING, then
        /// `after_ehlo`'s turns.
        fn piped(after_ehlo: &[&'static str]) -> Vec<&'static str> {
            cat(&["220 mx\r\n", EHLO_PIPE], after_ehlo)
        }

        /// Runs the sample mail with `exchange` against [`piped`]
        /// `after_ehlo` and checks that the transcript ends with `ends`
        /// (`""`: anything) and the result; a failure names `case`.
        fn expect_piped(
            case: &str,
            exchange: fn(&TestMail, &[&str]) -> Run,
            after_ehlo: &[&'static str],
            ends: &str,
            result: Result<(), Error>,
        ) -> Run {
            let run = exchange(&TestMail::sample(), &piped(after_ehlo));
            assert!(run.transcript.ends_with(ends), "{case}: {}", run.transcript);
            assert_eq!(run.result, result, "{case}");
            run
        }

        #[test]
        fn envelope_in_one_write_one_recipient_refused() {
            let m = TestMail::sample();
            let mut replies = sample_with_ehlo(EHLO_PIPE);
            replies[4] = "550 no such user\r\n";
            let run = exchange_all_sizes(&m, &replies);
            let t = &run.transcript;
            assert!(
                t.starts_with(&format!(
                    "{}S: 250 ok\r\nS: 250 a\r\nS: 550 no such user\r\nS: 250 c\r\nS: 354 go\r\nC: From: ",
                    start()
                )),
                "{t}"
            );
            // QUIT goes with the end of data.
            assert!(t.ends_with("\r\n.\r\nQUIT\r\nS: 250 queued\r\nS: 221 bye\r\n"));
            assert_eq!(run.result, Err(Error::PartialDelivery));
            assert_eq!(
                rcpt_events(&run),
                [
                    (EventKind::Accepted, 250, 1),
                    (EventKind::Rejected, 550, 2),
                    (EventKind::Accepted, 250, 3)
                ]
            );
            // The step events as without pipelining.
            assert_eq!(steps(&run), [2, 3, 6, 7, 8, 9, 10, 11]);
            // One group of replies in one read gives the same.
            let group = piped(&[
                "250 ok\r\n250 a\r\n550 no such user\r\n250 c\r\n354 go\r\n",
                "250 queued\r\n",
                "221 bye\r\n",
            ]);
            let grouped = once(&m, &group);
            assert_eq!(grouped.client, run.client);
            assert_eq!(grouped.events, run.events);
            assert_eq!(grouped.result, run.result);
            for chunk in 1..=40 {
                let again = exchange(&m, &group, 256, 256, chunk);
                assert_eq!(again, grouped, "chunk {chunk}");
            }
        }

        #[test]
        fn all_refused_data_refused_then_quit() {
            let run = expect_piped(
                "all refused, DATA refused",
                exchange_piped,
                &ALL_REFUSED,
                "S: 550 c\r\nS: 554 no valid recipients\r\nC: QUIT\r\nS: 221 bye\r\n",
                Err(Error::AllRecipientsRejected),
            );
            assert_eq!(rcpt_events(&run).len(), 3);
            #[cfg(feature = "ex")]
            assert_eq!(run.report.last().unwrap(), "(7, 550, 0, 3, false)");
        }

        #[test]
        fn all_refused_but_354_gets_the_end_of_data_alone() {
            let run = expect_piped(
                "all refused, DATA taken",
                exchange_piped,
                &[
                    "250 ok\r\n",
                    "550 a\r\n",
                    "550 b\r\n",
                    "550 c\r\n",
                    "354 go\r\n",
                    "554 no message\r\n",
                    "221 bye\r\n",
                ],
                "S: 550 c\r\nS: 354 go\r\nC: .\r\nQUIT\r\nS: 554 no message\r\nS: 221 bye\r\n",
                Err(Error::AllRecipientsRejected),
            );
            assert!(!run.client.contains("Pump"));
            // Even a 250 to the lone dot is no success.
            let run = once(
                &TestMail::sample(),
                &piped(&[
                    "250 ok\r\n550 a\r\n550 b\r\n550 c\r\n354 go\r\n",
                    "250 ok\r\n",
                    "221 bye\r\n",
                ]),
            );
            assert_ends(&run.client, "DATA\r\n.\r\nQUIT\r\n");
            assert_eq!(run.result, Err(Error::AllRecipientsRejected));
        }

        #[test]
        fn mail_refused_reads_the_group_then_quits() {
            let run = expect_piped(
                "MAIL refused",
                exchange_piped,
                &[
                    "550 5.7.1 sender refused\r\n",
                    "503 a\r\n",
                    "503 b\r\n",
                    "503 c\r\n",
                    "503 no valid recipients\r\n",
                    "221 bye\r\n",
                ],
                "S: 503 c\r\nS: 503 no valid recipients\r\nC: QUIT\r\nS: 221 bye\r\n",
                Err(Error::SenderRejected),
            );
            // The report keeps MAIL's reply, the one that decided; the
            // RCPT replies after it (503) make no recipient events.
            #[cfg(feature = "ex")]
            assert_eq!(run.report.last().unwrap(), "(6, 550, 0, 0, false)");
            assert_eq!(rcpt_events(&run), []);
            assert_eq!(run.events.last().unwrap().1, Row::of(DONE).report);
            // A 354 anyway: the end of data alone.
            let run = expect_piped(
                "MAIL refused, DATA taken",
                exchange_piped,
                &[
                    "550 no\r\n",
                    "503 a\r\n",
                    "503 b\r\n",
                    "503 c\r\n",
                    "354 go\r\n",
                    "503 what\r\n",
                    "221 bye\r\n",
                ],
                "",
                Err(Error::SenderRejected),
            );
            assert_ends(&run.client, "DATA\r\n.\r\nQUIT\r\n");
        }

        #[test]
        fn data_refused() {
            let run = expect_piped(
                "DATA refused",
                exchange_all_sizes,
                &[
                    "250 ok\r\n",
                    "250 a\r\n",
                    "250 b\r\n",
                    "250 c\r\n",
                    "451 try later\r\n",
                    "221 bye\r\n",
                ],
                "S: 451 try later\r\nC: QUIT\r\nS: 221 bye\r\n",
                Err(Error::DataRejected),
            );
            assert_eq!(rcpt_events(&run).len(), 3);
        }

        #[test]
        fn a_thousand_recipients_through_a_64_byte_buffer() {
            let mut m = TestMail::sample();
            m.entries.truncate(1);
            let mut replies = vec!["220 mx\r\n", EHLO_PIPE, "250 ok\r\n"];
            for i in 0..1000 {
                let addr: &'static str = Box::leak(format!("r{i}@example.test").into_boxed_str());
                m.entries
                    .push(("", Some(addr), if i == 0 { TO } else { BCC }));
                replies.push(if i % 7 == 3 {
                    "550 no\r\n"
                } else {
                    "250 ok\r\n"
                });
            }
            replies.extend(["354 go\r\n", "250 queued\r\n", "221 bye\r\n"]);
            let run = exchange(&m, &replies, 64, 64, 7);
            assert_eq!(run.result, Err(Error::PartialDelivery));
            let events = rcpt_events(&run);
            assert_eq!(events.len(), 1000);
            for (i, e) in events.iter().enumerate() {
                let refused = i % 7 == 3;
                assert_eq!(e.2, i + 1);
                assert_eq!(e.0 == EventKind::Rejected, refused);
            }
            // Every command once, in order.
            let mut expected =
                String::from("EHLO example.test\r\nMAIL FROM:<node@example.test>\r\n");
            for i in 0..1000 {
                expected += &format!("RCPT TO:<r{i}@example.test>\r\n");
            }
            expected += "DATA\r\n";
            assert_starts(&run.client, &expected);
            // The out buffer does not stop the writing, the window does:
            // never more than PIPE_WINDOW replies owed, and the window
            // refilled once half of it is answered.
            let owed = most_owed(&run.transcript);
            assert_eq!(owed, PIPE_WINDOW as usize);
            // With a large buffer, the same bytes and the same window.
            let big = exchange(&m, &replies, 4096, 256, 4096);
            assert_eq!(big.client, run.client);
            assert_eq!(big.events, run.events);
            assert_eq!(most_owed(&big.transcript), owed);
            // Few writes: a window at a time, not a command per reply.
            let groups = big.transcript.matches("C: ").count();
            assert!(groups < 25, "{groups}");
        }

        #[test]
        fn nothing_more_is_written_once_mail_is_refused() {
            // 200 recipients: the first window goes out, MAIL is refused;
            // the replies owed are read, and no further RCPT, no DATA.
            let mut m = TestMail::sample();
            m.entries.truncate(1);
            let mut replies = vec!["220 mx\r\n", EHLO_PIPE, "550 not you\r\n"];
            for i in 0..200 {
                let addr: &'static str = Box::leak(format!("r{i}@example.test").into_boxed_str());
                m.entries.push(("", Some(addr), BCC));
                replies.push("503 no MAIL\r\n");
            }
            let run = once(&m, &replies);
            assert_eq!(run.result, Err(Error::SenderRejected));
            let written = run.client.matches("RCPT TO:").count();
            assert_eq!(written, PIPE_WINDOW as usize - 1, "{}", run.client);
            assert!(!run.client.contains("DATA") && run.client.ends_with("QUIT\r\n"));
            assert!(rcpt_events(&run).is_empty());
        }

        /// The most commands written and not yet answered at any point of
        /// a transcript (lines after "C: " against lines after "S: ").
        fn most_owed(transcript: &str) -> usize {
            let (mut owed, mut most, mut client) = (0usize, 0, true);
            for line in transcript.split_inclusive("\r\n") {
                let line = if let Some(rest) = line.strip_prefix("C: ") {
                    client = true;
                    rest
                } else if let Some(rest) = line.strip_prefix("S: ") {
                    client = false;
                    rest
                } else {
                    line
                };
                if !client {
                    owed = owed.saturating_sub(1);
                } else if line.starts_with("MAIL ") || line.starts_with("RCPT ") {
                    owed += 1;
                    most = most.max(owed);
                }
            }
            most
        }

        #[test]
        fn replies_out_of_step_end_with_an_error() {
            let m = TestMail::sample();
            // An extra reply after DATA's 354, in the same read: refused
            // before the message goes. (Coming later, it is taken as the
            // dot's reply, and QUIT's reply is then out of step: the
            // outcome is unknown. Never a success.)
            let extra = piped(&[
                "250 ok\r\n250 a\r\n250 b\r\n250 c\r\n354 go\r\n250 extra\r\n",
                "250 queued\r\n",
                "221 bye\r\n",
            ]);
            for chunk in 1..=60 {
                let run = exchange(&m, &extra, 256, 256, chunk);
                assert!(run.result.is_err(), "chunk {chunk}");
                if chunk >= 40 {
                    assert_eq!(run.result, Err(Error::UnexpectedReply), "chunk {chunk}");
                    assert!(!run.client.contains("Pump"), "chunk {chunk}");
                }
            }
            let every_size: fn(&TestMail, &[&str]) -> Run = exchange_all_sizes;
            for (case, exchange, after_ehlo, error) in [
                (
                    "an extra reply: it is taken as DATA's, which is then refused",
                    every_size,
                    &[
                        "250 ok\r\n",
                        "250 extra\r\n",
                        "250 a\r\n",
                        "250 b\r\n",
                        "250 c\r\n",
                        "221 bye\r\n",
                    ][..],
                    Error::DataRejected,
                ),
                (
                    "a missing reply: 354 counts as the last RCPT's (refused), DATA's never comes",
                    every_size,
                    &["250 ok\r\n", "250 a\r\n", "250 b\r\n", "354 go\r\n"],
                    Error::Receive,
                ),
                (
                    "missing replies in one read: the engine waits for the rest",
                    once,
                    &["250 ok\r\n250 a\r\n354 go\r\n"],
                    Error::Receive,
                ),
            ] {
                let run = expect_piped(case, exchange, after_ehlo, "", Err(error));
                assert!(!run.client.contains("Pump"), "{case}");
            }
        }

        #[test]
        fn a_421_in_the_group_closes_at_once() {
            expect_piped(
                "421",
                exchange_piped,
                &["250 ok\r\n", "421 going down\r\n"],
                "S: 421 going down\r\n",
                Err(Error::ServiceClosing),
            );
        }

        #[test]
        fn pipelining_keyword_only() {
            let m = TestMail::sample();
            let run = once(
                &m,
                &sample_with_ehlo("250-mx\r\n250-PIPELININGX\r\n250 X-PIPELINING\r\n"),
            );
            assert_has(
                &run.transcript,
                "C: MAIL FROM:<node@example.test>\r\nS: 250 ok\r\n",
            );
            assert_eq!(run.result, Ok(()));
            let run = once(
                &m,
                &[
                    "220 mx\r\n",
                    "250-mx\r\n250 pipelining\r\n",
                    "250 ok\r\n250 a\r\n250 b\r\n250 c\r\n354 go\r\n",
                    "250 queued\r\n",
                    "221 bye\r\n",
                ],
            );
            assert_eq!(run.result, Ok(()));
        }
    }

    /// CHUNKING (RFC 3030): `BDAT <size> LAST`, the message and QUIT
    /// after the envelope, in one group.
    #[cfg(feature = "chunking")]
    mod chunking {
        use super::*;

        const EHLO_CHUNKING: &str =
            "250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-SIZE 100000\r\n250 8BITMIME\r\n";
        const ENVELOPE_OK: &str = "250 ok\r\n250 a\r\n250 b\r\n250 c\r\n";
        /// The envelope's replies one per read (with out buffers too small
        /// for a whole group, the commands go fewer at a time).
        const ENVELOPE_ONE_BY_ONE: [&str; 4] =
            ["250 ok\r\n", "250 a\r\n", "250 b\r\n", "250 c\r\n"];

        /// The greeting and the EHLO reply offering CHUNKING, then
        /// `after_ehlo`'s turns.
        fn chunked<'a>(after_ehlo: &[&'a str]) -> Vec<&'a str> {
            cat(&["220 mx\r\n", EHLO_CHUNKING], after_ehlo)
        }

        /// The chunk a run sent: the size BDAT announced and the bytes
        /// between the BDAT line and the QUIT after them.
        fn chunk(run: &Run) -> (usize, String) {
            let c = &run.client;
            let at = c.find("BDAT ").expect("BDAT");
            let line_end = at + c[at..].find("\r\n").unwrap() + 2;
            let size: usize = c[at + 5..line_end - 7].parse().unwrap();
            assert_eq!(&c[line_end - 7..line_end], " LAST\r\n");
            assert!(c.ends_with("QUIT\r\n"), "{c}");
            (size, c[line_end..c.len() - 6].to_string())
        }

        #[test]
        fn one_chunk_after_the_envelope_not_stuffed() {
            let mut m = TestMail::sample();
            m.body = b".a\n..b\r\n.\r\nlast".to_vec();
            let replies = cat(&ENVELOPE_ONE_BY_ONE, &["250 queued\r\n", "221 bye\r\n"]);
            let one_by_one = exchange_all_sizes(&m, &chunked(&replies));
            assert_eq!(one_by_one.result, Ok(()));
            let run = once(&m, &chunked(&[ENVELOPE_OK, "250 queued\r\n221 bye\r\n"]));
            assert_eq!(run.client, one_by_one.client);
            assert_eq!(run.events, one_by_one.events);
            assert_eq!(run.result, Ok(()));
            let (size, content) = chunk(&run);
            assert_eq!(size, content.len());
            assert!(
                content.ends_with("\r\n\r\n.a\r\n..b\r\n.\r\nlast\r\n"),
                "{content}"
            );
            // One write for the envelope, the chunk and QUIT; SIZE= is the chunk's size.
            assert_has(
                &run.transcript,
                &format!(
                "C: MAIL FROM:<node@example.test> SIZE={size}\r\nRCPT TO:<ops@example.test>\r\n"
            ),
            );
            assert_eq!(
                run.transcript.matches("C: ").count(),
                2,
                "{}",
                run.transcript
            );
            assert!(!run.client.contains("DATA"));
            // The step events: DATA stands for BDAT, its reply ends the message.
            assert_eq!(steps(&run), [2, 3, 6, 7, 8, 10, 11]);
        }

        #[test]
        fn replies_one_by_one_and_refusals() {
            let m = TestMail::sample();
            let replies = |bdat: &'static str| {
                [
                    "220 mx\r\n",
                    EHLO_CHUNKING,
                    "250 ok\r\n",
                    "250 a\r\n",
                    "550 no\r\n",
                    "250 c\r\n",
                    bdat,
                    "221 bye\r\n",
                ]
            };
            for (bdat, result) in [
                ("250 queued\r\n", Error::PartialDelivery),
                ("552 too big\r\n", Error::MessageTooBig),
                ("451 later\r\n", Error::MessageTemporaryFailure),
                ("554 no\r\n", Error::MessageRejected),
            ] {
                expect(bdat, &m, &replies(bdat), Err(result));
            }
            // QUIT's reply missing: the decided result stays.
            let run = once(&m, &replies("250 queued\r\n")[..7]);
            assert_eq!(run.result, Err(Error::PartialDelivery));
        }

        #[test]
        fn all_recipients_refused_still_sends_the_chunk() {
            let m = TestMail::sample();
            // (Out buffers too small for a whole group: the commands go
            // fewer at a time, and no BDAT once no recipient is left.)
            let run =
                super::pipelining::exchange_piped(&m, &chunked(&super::pipelining::ALL_REFUSED));
            assert_eq!(run.result, Err(Error::AllRecipientsRejected));
            let (size, content) = chunk(&run);
            assert_eq!(size, content.len());
            // Even a 250 to the chunk is no success then.
            let group = "250 ok\r\n550 a\r\n550 b\r\n550 c\r\n250 ok\r\n221 bye\r\n";
            let run = once(&m, &chunked(&[group]));
            assert_eq!(run.result, Err(Error::AllRecipientsRejected));
        }

        #[test]
        fn connection_lost_after_the_chunk_is_unknown() {
            let m = TestMail::sample();
            for (case, after_ehlo, error) in [
                (
                    "all replies but BDAT's, then the end of the stream",
                    &[ENVELOPE_OK][..],
                    Error::OutcomeUnknown,
                ),
                (
                    "lost before the envelope's replies: also after the whole chunk",
                    &[],
                    Error::OutcomeUnknown,
                ),
                (
                    "a 421 instead of the chunk's reply",
                    &[ENVELOPE_OK, "421 bye\r\n"],
                    Error::ServiceClosing,
                ),
            ] {
                let run = once(&m, &chunked(after_ehlo));
                assert_eq!(run.result, Err(error), "{case}");
            }
        }

        #[test]
        fn data_where_the_size_is_not_known_or_chunking_not_offered() {
            let mut m = TestMail::sample();
            m.items = vec![("a.txt", "text/plain", b"item".to_vec())];
            let data = chunked(&[ENVELOPE_OK, "354 go\r\n", "250 queued\r\n221 bye\r\n"]);
            let run = once(&m, &data);
            assert_eq!(run.result, Ok(()));
            assert!(run.client.contains("DATA\r\n") && !run.client.contains("BDAT"));
            assert_ends(&run.client, "\r\n.\r\nQUIT\r\n");
            let mut m = TestMail::sample();
            m.streamed = Some(b"streamed".to_vec());
            let run = once(&m, &data);
            assert_eq!(run.result, Ok(()));
            assert!(!run.client.contains("BDAT"));
            // CHUNKING without PIPELINING: DATA (BDAT would save nothing).
            let m = TestMail::sample();
            let run = once(&m, &sample_with_ehlo("250-mx\r\n250 CHUNKING\r\n"));
            assert_eq!(run.result, Ok(()));
            assert!(!run.client.contains("BDAT"));
            assert_ends(
                &run.transcript,
                "\r\n.\r\nS: 250 queued\r\nC: QUIT\r\nS: 221 bye\r\n",
            );
        }

        /// A driver that reads whenever it can gets no room while the chunk
        /// goes out: a 250 then could be mistaken for the chunk's.
        #[test]
        fn no_reply_is_taken_while_the_chunk_goes_out() {
            let m = TestMail::sample();
            let mut bench = Bench::new(&m, 64, 256);
            let mut e = bench.engine();
            let mut script = ["220 mx\r\n", EHLO_CHUNKING].into_iter();
            let mut client = Vec::new();
            let mut checked_room = false;
            loop {
                match e.next(&m) {
                    Action::Send(b) => {
                        client.extend_from_slice(b);
                        let n = b.len();
                        e.sent(n);
                        let text = String::from_utf8_lossy(&client).into_owned();
                        if text.contains("BDAT ") && !text.ends_with("QUIT\r\n") {
                            assert!(e.room().is_empty(), "room while the chunk goes out");
                            checked_room = true;
                        }
                    }
                    Action::Receive(room) => {
                        let Some(r) = script.next() else { break };
                        room[..r.len()].copy_from_slice(r.as_bytes());
                        e.received(r.len());
                    }
                    Action::Event(_) => {}
                    Action::Done(r) => panic!("done early: {r:?}"),
                    #[cfg(any(feature = "mime", feature = "raw"))]
                    Action::Item(_) => e.streamed::<TestMail>(true),
                    #[cfg(feature = "tls")]
                    Action::Upgrade => e.upgraded(true),
                }
            }
            assert!(checked_room);
            // Once it went out, the replies are taken.
            assert!(!e.room().is_empty());
        }

        #[test]
        fn a_hundred_recipients_and_the_chunk_in_one_group() {
            let mut m = TestMail::sample();
            m.entries.truncate(1);
            let mut group = String::from("250 ok\r\n");
            for i in 0..100 {
                let addr: &'static str = Box::leak(format!("r{i}@example.test").into_boxed_str());
                m.entries.push(("", Some(addr), crate::mail::BCC));
                group += "250 ok\r\n";
            }
            group += "250 queued\r\n221 bye\r\n";
            let run = exchange(&m, &chunked(&[&group]), 64, 64, 4096);
            assert_eq!(run.result, Ok(()));
            // Through a 64-byte buffer: EHLO, then everything before any reply.
            assert_eq!(
                run.transcript.matches("C: ").count(),
                2,
                "{}",
                run.transcript
            );
            let (size, content) = chunk(&run);
            assert_eq!(size, content.len());
        }
    }

    /// DSN (RFC 3461): the parameters when offered, nothing when not, and
    /// a refusal before MAIL when required and not offered.
    #[cfg(feature = "dsn")]
    mod dsn {
        use super::*;
        use crate::dsn::{Dsn, NOTIFY_FAILURE, NOTIFY_SUCCESS, RET_HDRS};

        fn asked(required: bool) -> TestMail {
            let mut m = TestMail::sample();
            m.dsn = Dsn {
                notify: NOTIFY_SUCCESS | NOTIFY_FAILURE,
                ret: RET_HDRS,
                required,
                envid: b"alarm-7",
            };
            m
        }

        #[test]
        fn parameters_when_offered() {
            let run = exchange_all_sizes(&asked(true), &sample_with_ehlo("250-mx\r\n250 DSN\r\n"));
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, "MAIL FROM:<node@example.test> RET=HDRS ENVID=alarm-7\r\n\
                 RCPT TO:<ops@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;ops@example.test\r\n\
                 RCPT TO:<arc@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;arc@example.test\r\n\
                 RCPT TO:<aud@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;aud@example.test\r\n");
        }

        #[test]
        fn nothing_when_not_offered_unless_required() {
            let run = exchange_all_sizes(
                &asked(false),
                &sample_with_ehlo("250-mx\r\n250 8BITMIME\r\n"),
            );
            assert_eq!(run.result, Ok(()));
            assert!(!run.client.contains("NOTIFY") && !run.client.contains("RET="));
            assert_has(&run.client, "MAIL FROM:<node@example.test>\r\n");
            let run = exchange_all_sizes(
                &asked(true),
                &["220 mx\r\n", "250-mx\r\n250 8BITMIME\r\n", "221 bye\r\n"],
            );
            assert_eq!(run.result, Err(Error::DsnUnavailable));
            assert_eq!(run.client, "EHLO example.test\r\nQUIT\r\n");
            // Not asked: nothing, DSN offered or not.
            let run = exchange_all_sizes(
                &TestMail::sample(),
                &sample_with_ehlo("250-mx\r\n250 DSN\r\n"),
            );
            assert!(!run.client.contains("ORCPT"));
        }
    }

    /// Several mails over one connection (`batch`).
    #[cfg(feature = "batch")]
    mod batch {
        use super::*;

        /// Runs `mails` over one scripted connection (server bytes in
        /// chunks of `chunk`, one reply string per read as `exchange`
        /// does): each mail's engine follows the last one's `carry`; the
        /// first one is set up by `configure`. Returns what the client sent
        /// and each mail's result (`None`: not attempted, the connection
        /// could not go on).
        fn exchange_batch_with(
            mails: &[TestMail],
            replies: &[&str],
            tx: usize,
            chunk: usize,
            configure: &dyn Fn(&mut Engine<'_>),
        ) -> (String, Vec<Option<Result<(), Error>>>) {
            let checked: Vec<_> = mails.iter().map(|m| check(m, None, 0).unwrap()).collect();
            let (mut out, mut input) = (vec![0xAA; tx], vec![0xAA; 256]);
            let mut server = Server::new(replies, chunk);
            let mut client = Vec::new();
            let mut results = vec![None; mails.len()];
            let mut carry = None;
            for (i, m) in mails.iter().enumerate() {
                let more = i + 1 < mails.len();
                let mut e = Engine::new(&mut out, &mut input, &checked[i]);
                match carry {
                    None if i > 0 => break,
                    None => {
                        configure(&mut e);
                        e.set_more(more);
                    }
                    Some(c) => e.follow(c, more, m),
                }
                let result = loop {
                    match e.next(m) {
                        Action::Send(b) => {
                            client.extend_from_slice(b);
                            let n = b.len();
                            e.sent(n);
                        }
                        Action::Receive(room) => match server.give(room) {
                            Some((n, _)) => e.received(n),
                            None => e.failed(Error::Receive),
                        },
                        Action::Event(_) => {}
                        Action::Done(r) => break r,
                        #[cfg(any(feature = "mime", feature = "raw"))]
                        Action::Item(_) => e.streamed::<TestMail>(true),
                        #[cfg(feature = "tls")]
                        Action::Upgrade => e.upgraded(true),
                    }
                };
                results[i] = Some(result);
                carry = e.carry();
            }
            (String::from_utf8_lossy(&client).into_owned(), results)
        }

        /// `exchange_batch_with` without a set-up.
        fn exchange_batch(
            mails: &[TestMail],
            replies: &[&str],
            tx: usize,
            chunk: usize,
        ) -> (String, Vec<Option<Result<(), Error>>>) {
            exchange_batch_with(mails, replies, tx, chunk, &|_| {})
        }

        fn one_recipient(body: &[u8]) -> TestMail {
            let mut m = TestMail::sample();
            m.entries.truncate(2);
            m.body = body.to_vec();
            m
        }

        const EHLO_PLAIN: &str = "250 mx\r\n";
        const ENVELOPE: [&str; 4] = ["250 ok\r\n", "250 ok\r\n", "354 go\r\n", "250 queued\r\n"];

        /// A batch's script: the greeting, a plain EHLO reply, each mail's
        /// turns, then a 221 to QUIT.
        fn batch_script(mails: &[&[&'static str]]) -> Vec<&'static str> {
            let mut replies = vec!["220 mx\r\n", EHLO_PLAIN];
            for turns in mails {
                replies.extend_from_slice(turns);
            }
            replies.push("221 bye\r\n");
            replies
        }

        /// Two one-recipient mails ("one", "two") against `replies`: both
        /// go, each message followed by `end` (the end of data, or nothing
        /// after a chunk), then the next MAIL, QUIT only after the last.
        /// Returns what the client sent; a failure names `case`.
        #[cfg(feature = "pipelining")]
        fn two_mails_quit_after_the_last(case: &str, replies: &[&str], end: &str) -> String {
            let mails = [one_recipient(b"one"), one_recipient(b"two")];
            let (client, results) = exchange_batch(&mails, replies, 256, 4096);
            assert_eq!(results, [Some(Ok(())), Some(Ok(()))], "{case}");
            let next = format!("\r\none\r\n{end}MAIL FROM:");
            assert!(client.contains(&next), "{case}: {client}");
            let quit = format!("\r\ntwo\r\n{end}QUIT\r\n");
            assert!(client.ends_with(&quit), "{case}: {client}");
            client
        }

        #[test]
        fn three_mails_one_connection_one_quit() {
            let mails = [
                one_recipient(b"one"),
                one_recipient(b"two"),
                one_recipient(b"three"),
            ];
            let replies = batch_script(&[&ENVELOPE, &ENVELOPE, &ENVELOPE]);
            for tx in [16, 31, 256] {
                for chunk in [1, 7, 4096] {
                    let (client, results) = exchange_batch(&mails, &replies, tx, chunk);
                    assert_eq!(results, [Some(Ok(())), Some(Ok(())), Some(Ok(()))]);
                    assert_eq!(client.matches("MAIL FROM:").count(), 3, "{client}");
                    assert_eq!(client.matches("EHLO ").count(), 1);
                    assert!(!client.contains("RSET"));
                    assert_eq!(client.matches("QUIT").count(), 1);
                    assert!(client.ends_with("\r\nthree\r\n.\r\nQUIT\r\n"), "{client}");
                }
            }
        }

        /// STARTTLS forgets what the server said, not that more mails
        /// follow: one handshake, then every mail of the batch over it.
        #[cfg(feature = "tls")]
        #[test]
        fn a_batch_over_starttls_keeps_the_connection() {
            let mails = [one_recipient(b"one"), one_recipient(b"two")];
            let mut replies = vec![
                "220 mx\r\n",
                "250-mx\r\n250 STARTTLS\r\n",
                "220 ready\r\n",
                EHLO_PLAIN,
            ];
            replies.extend(ENVELOPE);
            replies.extend(ENVELOPE);
            replies.push("221 bye\r\n");
            for mode in [TlsMode::Optional, TlsMode::Required] {
                let (client, results) =
                    exchange_batch_with(&mails, &replies, 256, 7, &|e| e.set_tls(mode));
                assert_eq!(results, [Some(Ok(())), Some(Ok(()))], "{client}");
                assert_eq!(client.matches("STARTTLS").count(), 1);
                assert_eq!(client.matches("MAIL FROM:").count(), 2, "{client}");
                assert_eq!(client.matches("QUIT").count(), 1);
                assert!(client.ends_with("\r\ntwo\r\n.\r\nQUIT\r\n"), "{client}");
            }
        }

        #[test]
        fn a_refused_mail_is_followed_by_rset_and_the_next() {
            let mails = [one_recipient(b"one"), one_recipient(b"two")];
            let replies = batch_script(&[
                &["250 ok\r\n", "550 no such user\r\n", "250 reset\r\n"],
                &ENVELOPE,
            ]);
            let (client, results) = exchange_batch(&mails, &replies, 256, 4096);
            assert_eq!(
                results,
                [Some(Err(Error::AllRecipientsRejected)), Some(Ok(()))]
            );
            assert!(
                client.contains("RCPT TO:<ops@example.test>\r\nRSET\r\nMAIL FROM:"),
                "{client}"
            );
            // A refused message (after the dot): no RSET needed.
            let replies = batch_script(&[
                &["250 ok\r\n", "250 ok\r\n", "354 go\r\n", "554 spam\r\n"],
                &ENVELOPE,
            ]);
            let (client, results) = exchange_batch(&mails, &replies, 256, 4096);
            assert_eq!(results, [Some(Err(Error::MessageRejected)), Some(Ok(()))]);
            assert!(!client.contains("RSET"));
            // RSET refused: the batch ends with QUIT, the rest not attempted.
            let replies = batch_script(&[&["250 ok\r\n", "550 no\r\n", "500 what\r\n"]]);
            let three = [
                one_recipient(b"1"),
                one_recipient(b"2"),
                one_recipient(b"3"),
            ];
            let (client, results) = exchange_batch(&three, &replies, 256, 4096);
            assert_eq!(
                results,
                [
                    Some(Err(Error::AllRecipientsRejected)),
                    Some(Err(Error::UnexpectedReply)),
                    None
                ]
            );
            assert!(client.ends_with("RSET\r\nQUIT\r\n"), "{client}");
        }

        #[test]
        fn a_dead_connection_ends_the_batch() {
            let mails = [one_recipient(b"1"), one_recipient(b"2")];
            let replies = ["220 mx\r\n", EHLO_PLAIN, "421 going down\r\n"];
            let (_, results) = exchange_batch(&mails, &replies, 256, 4096);
            assert_eq!(results, [Some(Err(Error::ServiceClosing)), None]);
            // An extra reply after the dot's: out of step, never carried over.
            let mut replies = vec!["220 mx\r\n", EHLO_PLAIN];
            replies.extend(ENVELOPE);
            replies[5] = "250 queued\r\n250 extra\r\n";
            let (_, results) = exchange_batch(&mails, &replies, 256, 4096);
            assert_eq!(results, [Some(Err(Error::OutcomeUnknown)), None]);
        }

        #[cfg(feature = "pipelining")]
        #[test]
        fn pipelined_mails_quit_only_after_the_last() {
            let replies = [
                "220 mx\r\n",
                "250-mx\r\n250 PIPELINING\r\n",
                "250 ok\r\n250 ok\r\n354 go\r\n",
                "250 queued\r\n",
                "250 ok\r\n250 ok\r\n354 go\r\n",
                "250 queued\r\n221 bye\r\n",
            ];
            two_mails_quit_after_the_last("pipelined", &replies, ".\r\n");
        }

        #[cfg(feature = "chunking")]
        #[test]
        fn chunked_mails_quit_only_after_the_last() {
            let replies = [
                "220 mx\r\n",
                "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
                "250 ok\r\n250 ok\r\n250 queued\r\n",
                "250 ok\r\n250 ok\r\n250 queued\r\n221 bye\r\n",
            ];
            let client = two_mails_quit_after_the_last("chunked", &replies, "");
            assert_eq!(client.matches("BDAT ").count(), 2, "{client}");
        }
    }

    /// SMTPUTF8 (RFC 6531): a UTF-8 address asks for it, and a server
    /// without it gets nothing after EHLO.
    #[cfg(feature = "smtputf8")]
    mod smtputf8 {
        use super::*;

        #[test]
        fn utf8_sender_needs_the_servers_smtputf8() {
            let mut m = TestMail::sample();
            m.entries[0].1 = Some("s\u{fc}nder@example.test");
            let replies = sample_with_ehlo("250-mx\r\n250 SMTPUTF8\r\n");
            let run = exchange_all_sizes(&m, &replies);
            assert_eq!(run.result, Ok(()));
            assert_has(
                &run.client,
                "MAIL FROM:<s\u{fc}nder@example.test> SMTPUTF8\r\n",
            );
            // EHLO names an ASCII domain (the sender's is not).
            let mut m2 = m.clone();
            m2.domain = "";
            m2.entries[0].1 = Some("node@b\u{fc}ro.example");
            let run = exchange_all_sizes(&m2, &replies);
            assert_starts(&run.client, "EHLO localhost.invalid\r\n");
            // Not offered: refused before MAIL.
            let run = exchange_all_sizes(
                &m,
                &["220 mx\r\n", "250-mx\r\n250 8BITMIME\r\n", "221 bye\r\n"],
            );
            assert_eq!(run.result, Err(Error::Smtputf8Unavailable));
            assert_eq!(run.client, "EHLO example.test\r\nQUIT\r\n");
            // ASCII addresses: no SMTPUTF8 parameter, offered or not.
            let run = exchange_all_sizes(&TestMail::sample(), &replies);
            assert!(!run.client.contains("SMTPUTF8"));
        }
    }

    /// AUTH CRAM-MD5 (RFC 2195, `cram-md5`): the challenge, the response
    /// rendered again through any out buffer, failures and the cancel.
    #[cfg(feature = "cram-md5")]
    mod cram_md5 {
        use super::*;

        const EHLO_CRAM: &str = "250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n";
        /// RFC 2195 §2's challenge and the response for "tim" / "tanstaaftanstaaf".
        const CHALLENGE: &str = "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n";
        const RESPONSE: &str = "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw";

        fn tim() -> TestMail {
            let mut m = TestMail::sample();
            m.user = "tim";
            m.password = "tanstaaftanstaaf";
            m
        }

        #[test]
        fn rfc2195_example_then_the_mail() {
            let run = exchange_all_sizes(&tim(), &script(EHLO_CRAM, &[CHALLENGE, "235 ok\r\n"]));
            assert_eq!(run.result, Ok(()));
            assert_has(&run.transcript, &format!(
                    "S: {EHLO_CRAM}C: AUTH CRAM-MD5\r\nS: {CHALLENGE}C: {RESPONSE}\r\nS: 235 ok\r\nC: MAIL FROM:<node@example.test>\r\n"
                ));
            // The password never goes out; neither PLAIN nor LOGIN.
            assert!(!run.client.contains("PLAIN") && !run.client.contains("LOGIN"));
            assert_eq!(steps(&run), [2, 3, 5, 6, 7, 8, 9, 10, 11]);
        }

        /// A response longer than every out buffer tried (8 to 64 bytes):
        /// rendered again from the challenge until all of it went.
        #[test]
        fn a_long_response_through_small_out_buffers() {
            let mut m = tim();
            m.user = "a-very-long-user-name-for-the-cram-md5-response@example.test";
            let run = exchange_all_sizes(&m, &script(EHLO_CRAM, &[CHALLENGE, "235 ok\r\n"]));
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, "AUTH CRAM-MD5\r\nYS12ZXJ5LWxvbmctdXNlci1uYW1lLWZvci10aGUtY3JhbS1tZDUtcmVzcG9uc2VAZXhhbXBsZS50ZXN0IGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\nMAIL");
            // A 16-byte out buffer, the smallest the C API builds with, and
            // an in-buffer just long enough for the AUTH line: the 62-byte
            // challenge line does not fit it (the reply parser's limit),
            // a short one does.
            let ehlo = "250-mx\r\n250 AUTH CRAM-MD5\r\n";
            let run = exchange(&m, &script(ehlo, &[CHALLENGE, "235 ok\r\n"]), 16, 24, 3);
            assert_eq!(run.result, Err(Error::ReplyTooLong));
            assert_ends(&run.client, "AUTH CRAM-MD5\r\n");
            let run = exchange(
                &m,
                &script(ehlo, &["334 PDE+\r\n", "235 ok\r\n"]),
                16,
                24,
                3,
            );
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, "AUTH CRAM-MD5\r\nYS12ZXJ5LWxvbmctdXNlci1uYW1lLWZvci10aGUtY3JhbS1tZDUtcmVzcG9uc2VAZXhhbXBsZS50ZXN0IGYyNzgwNWU0NTlmOWY2NTdmNTgyNWI4MmI4NThlNWNj\r\n");
        }

        #[test]
        fn rejected_credentials_and_other_refusals() {
            for (reply, error) in [
                ("535 5.7.8 authentication failed\r\n", Error::AuthFailed),
                ("454 4.7.0 later\r\n", Error::AuthTemporary),
                ("534 5.7.9 too weak\r\n", Error::AuthMechanismTooWeak),
                ("501 5.5.4 syntax\r\n", Error::AuthProtocol),
            ] {
                let run = exchange_all_sizes(
                    &tim(),
                    &["220 mx\r\n", EHLO_CRAM, CHALLENGE, reply, "221 bye\r\n"],
                );
                assert_eq!(run.result, Err(error), "{reply}");
                assert_ends(
                    &run.transcript,
                    &format!("C: {RESPONSE}\r\nS: {reply}C: QUIT\r\nS: 221 bye\r\n"),
                );
            }
            // Refused at once: no challenge, no response.
            for (reply, error) in [
                ("504 5.5.4 unrecognized\r\n", Error::AuthNotSupported),
                ("235 ok\r\n", Error::AuthProtocol),
                (
                    "538 5.7.11 encryption required\r\n",
                    Error::AuthEncryptionRequired,
                ),
            ] {
                let run =
                    exchange_all_sizes(&tim(), &["220 mx\r\n", EHLO_CRAM, reply, "221 bye\r\n"]);
                assert_eq!(run.result, Err(error), "{reply}");
                assert_ends(&run.client, "AUTH CRAM-MD5\r\nQUIT\r\n");
            }
        }

        /// RFC 4954 §4: a second 334 where 235 was due, and a challenge
        /// that cannot be decoded, are answered with `*`; the exchange
        /// went wrong whatever the server says to it.
        #[test]
        fn malformed_challenges_are_cancelled() {
            for challenge in [
                "334 \r\n",
                "334\r\n",
                "334 PDE\r\n",
                "334 PD=+\r\n",
                "334 PDE+PD==PDE+\r\n",
                "334 PDE-\r\n",
                "334 PDE+ \r\n",
                "334 <1896.697170952@postoffice.reston.mci.net>\r\n",
                "334 PR==\r\n",
            ] {
                let run = exchange_all_sizes(
                    &tim(),
                    &[
                        "220 mx\r\n",
                        EHLO_CRAM,
                        challenge,
                        "501 5.7.0 Authentication aborted\r\n",
                        "221 bye\r\n",
                    ],
                );
                assert_eq!(run.result, Err(Error::AuthProtocol), "{challenge}");
                assert_ends(&run.transcript, &format!(
                        "S: {challenge}C: *\r\nS: 501 5.7.0 Authentication aborted\r\nC: QUIT\r\nS: 221 bye\r\n"
                    ));
            }
            let run = exchange_all_sizes(
                &tim(),
                &[
                    "220 mx\r\n",
                    EHLO_CRAM,
                    CHALLENGE,
                    "334 more\r\n",
                    "501 no\r\n",
                    "221 bye\r\n",
                ],
            );
            assert_eq!(run.result, Err(Error::AuthProtocol));
            assert_ends(
                &run.transcript,
                &format!(
                "C: {RESPONSE}\r\nS: 334 more\r\nC: *\r\nS: 501 no\r\nC: QUIT\r\nS: 221 bye\r\n"
            ),
            );
            // A challenge longer than the in-buffer: the reply parser's limit.
            let long = format!("334 {}\r\n", "PDE+".repeat(20));
            let run = exchange(&tim(), &["220 mx\r\n", EHLO_CRAM, &long], 64, 64, 64);
            assert_eq!(run.result, Err(Error::ReplyTooLong));
            assert_ends(&run.client, "AUTH CRAM-MD5\r\n");
            // Bytes after the challenge in the same read: out of turn.
            let run = once(&tim(), &["220 mx\r\n", EHLO_CRAM, "334 PDE+\r\n235 ok\r\n"]);
            assert_eq!(run.result, Err(Error::UnexpectedReply));
            assert_ends(&run.client, "AUTH CRAM-MD5\r\n");
        }

        /// The challenge is the last line of a multi-line 334.
        #[test]
        fn multi_line_challenge() {
            let run = exchange_all_sizes(
                &tim(),
                &script(EHLO_CRAM, &["334-ignored\r\n334 PDE+\r\n", "235 ok\r\n"]),
            );
            assert_eq!(run.result, Ok(()));
            assert_has(
                &run.client,
                "AUTH CRAM-MD5\r\ndGltIGYyNzgwNWU0NTlmOWY2NTdmNTgyNWI4MmI4NThlNWNj\r\n",
            );
        }

        /// Offered alone, or before PLAIN and LOGIN in the list: CRAM-MD5
        /// goes first on a connection without TLS; without a user no AUTH.
        #[test]
        fn offered_alone() {
            for ehlo in [
                "250-mx\r\n250 AUTH CRAM-MD5\r\n",
                "250-mx\r\n250 AUTH=cram-md5 login\r\n",
            ] {
                let run = exchange_all_sizes(&tim(), &script(ehlo, &[CHALLENGE, "235 ok\r\n"]));
                assert_eq!(run.result, Ok(()), "{ehlo}");
                assert_has(&run.client, &format!("AUTH CRAM-MD5\r\n{RESPONSE}\r\n"));
            }
            let run = exchange_all_sizes(&TestMail::sample(), &script(EHLO_CRAM, &[]));
            assert_eq!(run.result, Ok(()));
            assert!(!run.client.contains("AUTH"));
        }

        #[test]
        fn capability_words() {
            assert_eq!(capabilities(b"AUTH CRAM-MD5"), CAP_CRAM);
            assert_eq!(capabilities(b"auth plain Cram-Md5"), CAP_PLAIN | CAP_CRAM);
            assert_eq!(capabilities(b"AUTH=CRAM-MD5"), CAP_CRAM);
            assert_eq!(capabilities(b"AUTH CRAM-MD5 XPLAIN PLAINX"), CAP_CRAM);
            for no in [
                &b"CRAM-MD5"[..],
                b"AUTH CRAM-MD",
                b"AUTH CRAM-MD5X",
                b"AUTH XCRAM-MD5",
                b"AUTH CRAM-MD5\0",
            ] {
                assert_eq!(capabilities(no), 0, "{no:?}");
            }
            assert_eq!(capabilities(b"STARTTLS"), CAP_STARTTLS);
        }

        /// Under TLS PLAIN goes first; CRAM-MD5 when it is the only one.
        #[cfg(feature = "tls")]
        #[test]
        fn under_tls_plain_first() {
            let tls = |ehlo2: &'static str, auth: &[&'static str]| {
                let start = [
                    "220 mx\r\n",
                    "250-mx\r\n250 STARTTLS\r\n",
                    "220 go\r\n",
                    ehlo2,
                ];
                exchange_tls(&tim(), &with_mail(&cat(&start, auth)), TlsMode::Required)
            };
            let run = tls(EHLO_CRAM, &["235 ok\r\n"]);
            assert_eq!(run.result, Ok(()));
            assert!(run.client.contains("[TLS]") || run.transcript.contains("[TLS]"));
            assert_has(&run.client, "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
            let run = tls(
                "250-mx\r\n250 AUTH CRAM-MD5\r\n",
                &[CHALLENGE, "235 ok\r\n"],
            );
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, &format!("AUTH CRAM-MD5\r\n{RESPONSE}\r\n"));
        }

        /// `IP_SMTPC_OPTIONS.AuthMechanisms` as the engine takes it (`ex`).
        #[cfg(feature = "ex")]
        #[test]
        fn mechanism_mask_and_the_insecure_auth_opt_in() {
            let replies = script(EHLO_CRAM, &[CHALLENGE, "235 ok\r\n"]);
            // PLAIN and LOGIN only: PLAIN although CRAM-MD5 is offered.
            let run = exchange_ex(&tim(), &script(EHLO_CRAM, &["235 ok\r\n"]), &|e| {
                e.set_auth(3, true)
            });
            assert_eq!(run.result, Ok(()));
            assert!(run.client.contains("AUTH PLAIN ") && !run.client.contains("CRAM"));
            // CRAM-MD5 alone.
            let run = exchange_ex(&tim(), &replies, &|e| e.set_auth(AUTH_CRAM_MD5, true));
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, &format!("AUTH CRAM-MD5\r\n{RESPONSE}\r\n"));
            // CRAM-MD5 alone and not offered: decided locally at AUTH.
            let run = exchange_ex(
                &tim(),
                &[
                    "220 mx\r\n",
                    "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
                    "221 bye\r\n",
                ],
                &|e| e.set_auth(AUTH_CRAM_MD5, true),
            );
            assert_eq!(run.result, Err(Error::AuthNotSupported));
            assert_eq!(run.report.last().unwrap(), "(5, 0, 0, 0, false)");
            // In clear without the opt-in, CRAM-MD5 too: only EHLO and QUIT.
            let run = exchange_ex(&tim(), &["220 mx\r\n", EHLO_CRAM, "221 bye\r\n"], &|e| {
                e.set_auth(AUTH_CRAM_MD5 | 3, false)
            });
            assert_eq!(run.result, Err(Error::AuthInsecure));
            assert_eq!(run.client, "EHLO example.test\r\nQUIT\r\n");
            // A failure's report: the AUTH step and the 535.
            let run = exchange_ex(
                &tim(),
                &[
                    "220 mx\r\n",
                    EHLO_CRAM,
                    CHALLENGE,
                    "535 5.7.8 no\r\n",
                    "221 bye\r\n",
                ],
                &|e| e.set_auth(AUTH_CRAM_MD5, true),
            );
            assert_eq!(run.result, Err(Error::AuthFailed));
            assert_eq!(run.report.last().unwrap(), "(5, 535, 0, 0, false)");
        }
    }

    /// XOAUTH2 and OAUTHBEARER (`oauth`).
    #[cfg(feature = "oauth")]
    mod oauth {
        use super::*;

        const EHLO_BOTH: &str = "250-mx\r\n250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n";
        const EHLO_X: &str = "250-mx\r\n250 AUTH PLAIN XOAUTH2\r\n";
        /// RFC 7628 §3.2.2's error: base64 of {"status":"invalid_token"}.
        const INVALID_TOKEN: &str = "334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n";

        fn user(token: &str) -> TestMail {
            let mut m = TestMail::sample();
            m.user = "u@example.test";
            m.password = "never";
            m.token = token.to_string();
            m
        }

        fn b64(s: &[u8]) -> String {
            String::from_utf8(crate::writer::tests::chunked(4096, |w| {
                crate::base64::put(w, &[s])
            }))
            .unwrap()
        }

        /// The response for user `u@example.test` and `token`.
        fn response(bearer: bool, token: &str) -> String {
            let raw = if bearer {
                format!("n,a=u@example.test,\x01auth=Bearer {token}\x01\x01")
            } else {
                format!("user=u@example.test\x01auth=Bearer {token}\x01\x01")
            };
            b64(raw.as_bytes())
        }

        /// The engine's OAuth status after `replies`, fed whole.
        fn status_after(m: &TestMail, replies: &[&str], mask: u8) -> (Result<(), Error>, u16) {
            let mut bench = Bench::new(m, 256, 512);
            let mut e = bench.engine();
            e.set_auth(mask, true);
            let result = run_until_stalled(&mut e, m, replies).expect("the script ends it");
            (result, e.oauth_status())
        }

        #[test]
        fn initial_response_then_the_mail() {
            for (ehlo, bearer) in [(EHLO_BOTH, true), (EHLO_X, false)] {
                let run = exchange_all_sizes(&user("ya29.tok"), &script(ehlo, &["235 ok\r\n"]));
                assert_eq!(run.result, Ok(()));
                let name = if bearer { "OAUTHBEARER" } else { "XOAUTH2" };
                let want = format!("AUTH {name} {}\r\nMAIL FROM:", response(bearer, "ya29.tok"));
                assert_has(&run.client, &want);
                assert!(!run.client.contains("never") && !run.client.contains("PLAIN"));
            }
            // XOAUTH2 as Google documents it.
            let mut m = user("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
            m.user = "someuser@example.com";
            let run = exchange_all_sizes(&m, &script(EHLO_X, &["235 ok\r\n"]));
            assert_has(&run.client, "AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n");
        }

        /// A 720-character token: the line would pass 512 octets, so AUTH
        /// goes alone, the response after the empty 334; the longest
        /// token whose line fits still goes in the AUTH line.
        #[test]
        fn long_token_after_an_empty_334() {
            let token = "T".repeat(720);
            for (ehlo, bearer) in [(EHLO_BOTH, true), (EHLO_X, false)] {
                for empty in ["334 \r\n", "334\r\n"] {
                    let run = exchange_ex(
                        &user(&token),
                        &script(ehlo, &[empty, "235 ok\r\n"]),
                        &|_| {},
                    );
                    assert_eq!(run.result, Ok(()));
                    let name = if bearer { "OAUTHBEARER" } else { "XOAUTH2" };
                    let want = format!(
                        "C: AUTH {name}\r\nS: {empty}C: {}\r\nS: 235 ok\r\n",
                        response(bearer, &token)
                    );
                    assert_has(&run.transcript, &want);
                }
            }
            for (bearer, ehlo) in [(true, EHLO_BOTH), (false, EHLO_X)] {
                let name = if bearer { "OAUTHBEARER" } else { "XOAUTH2" };
                let fits = (300..600)
                    .rev()
                    .map(|n| "t".repeat(n))
                    .find(|t| 5 + name.len() + 1 + response(bearer, t).len() + 2 <= 512)
                    .unwrap();
                let run = exchange(&user(&fits), &script(ehlo, &["235 ok\r\n"]), 16, 64, 7);
                let line = run.client.lines().find(|l| l.starts_with("AUTH")).unwrap();
                assert!(
                    line.len() + 2 <= 512 && line.len() + 2 > 508,
                    "{}",
                    line.len()
                );
                let over = format!("{fits}ttt");
                let run = exchange(
                    &user(&over),
                    &script(ehlo, &["334 \r\n", "235 ok\r\n"]),
                    16,
                    64,
                    7,
                );
                assert_eq!(run.result, Ok(()));
                assert_has(&run.client, &format!("AUTH {name}\r\n"));
            }
        }

        /// The error challenge: its status kept, answered as RFC 7628
        /// §3.2.3 says (OAUTHBEARER: %x01; XOAUTH2: an empty line), the
        /// 535 decides; no MAIL.
        #[test]
        fn error_challenge_answered_and_reported() {
            let google = format!(
                "334 {}\r\n",
                b64(br#"{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#)
            );
            let google: &'static str = Box::leak(google.into_boxed_str());
            let scope = format!(
                "334 {}\r\n",
                b64(br#"{"status":"insufficient_scope","scope":"mail"}"#)
            );
            let scope: &'static str = Box::leak(scope.into_boxed_str());
            for (ehlo, answer) in [(EHLO_BOTH, "AQ==\r\n"), (EHLO_X, "\r\n")] {
                for (challenge, status) in [
                    (INVALID_TOKEN, 401),
                    (google, 401),
                    (scope, 403),
                    ("334 e30=\r\n", 1),
                    ("334 not base64!\r\n", 1),
                    ("334 \r\n", 1),
                ] {
                    let replies = [
                        "220 mx\r\n",
                        ehlo,
                        challenge,
                        "535 5.7.8 no\r\n",
                        "221 bye\r\n",
                    ];
                    let run = exchange_ex(&user("tok"), &replies, &|_| {});
                    assert_eq!(run.result, Err(Error::AuthFailed), "{challenge}");
                    assert_ends(
                        &run.transcript,
                        &format!(
                            "S: {challenge}C: {answer}S: 535 5.7.8 no\r\nC: QUIT\r\nS: 221 bye\r\n"
                        ),
                    );
                    assert!(!run.client.contains("MAIL"));
                    assert_eq!(run.report.last().unwrap(), "(5, 535, 0, 0, false)");
                    assert_eq!(
                        status_after(&user("tok"), &replies, 0xff),
                        (Err(Error::AuthFailed), status)
                    );
                }
            }
            // After the long form's response too.
            let token = "T".repeat(720);
            let replies = [
                "220 mx\r\n",
                EHLO_X,
                "334 \r\n",
                INVALID_TOKEN,
                "535 no\r\n",
                "221 bye\r\n",
            ];
            assert_eq!(
                status_after(&user(&token), &replies, 0xff),
                (Err(Error::AuthFailed), 401)
            );
            // A second 334 to the answer: cancelled; a 235 to it: the
            // exchange went wrong. The status stays.
            for (reply, error) in [
                ("334 again\r\n", Error::AuthProtocol),
                ("235 ok\r\n", Error::AuthProtocol),
            ] {
                let mut replies = vec!["220 mx\r\n", EHLO_BOTH, INVALID_TOKEN, reply];
                if reply.starts_with("334") {
                    replies.push("501 aborted\r\n");
                }
                replies.push("221 bye\r\n");
                let run = exchange_ex(&user("tok"), &replies, &|_| {});
                assert_eq!(run.result, Err(error), "{reply}");
                assert!(!run.client.contains("MAIL"));
                assert_eq!(
                    status_after(&user("tok"), &replies, 0xff),
                    (Err(error), 401)
                );
            }
            // Refused without a challenge: no status.
            let replies = ["220 mx\r\n", EHLO_BOTH, "535 5.7.8 no\r\n", "221 bye\r\n"];
            assert_eq!(
                status_after(&user("tok"), &replies, 0xff),
                (Err(Error::AuthFailed), 0)
            );
            // A success: none.
            assert_eq!(
                status_after(&user("tok"), &script(EHLO_BOTH, &["235 ok\r\n"]), 0xff),
                (Ok(()), 0)
            );
        }

        /// A non-empty 334 where the empty one was due: cancelled.
        #[test]
        fn non_empty_334_before_the_response_is_cancelled() {
            let token = "T".repeat(720);
            let replies = [
                "220 mx\r\n",
                EHLO_X,
                "334 what\r\n",
                "501 aborted\r\n",
                "221 bye\r\n",
            ];
            let run = exchange_ex(&user(&token), &replies, &|_| {});
            assert_eq!(run.result, Err(Error::AuthProtocol));
            assert_ends(&run.client, "AUTH XOAUTH2\r\n*\r\nQUIT\r\n");
        }

        /// A token never goes with a password mechanism, and the mask
        /// picks between the two.
        #[test]
        fn mechanism_choice() {
            // Neither offered: decided locally, nothing sent after EHLO.
            let replies = [
                "220 mx\r\n",
                "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
                "221 bye\r\n",
            ];
            let run = exchange_ex(&user("tok"), &replies, &|_| {});
            assert_eq!(run.result, Err(Error::AuthNotSupported));
            assert_eq!(run.client, "EHLO example.test\r\nQUIT\r\n");
            // XOAUTH2 only allowed: XOAUTH2 although OAUTHBEARER is offered.
            let run = exchange_ex(&user("tok"), &script(EHLO_BOTH, &["235 ok\r\n"]), &|e| {
                e.set_auth(AUTH_XOAUTH2, true)
            });
            assert_eq!(run.result, Ok(()));
            assert_has(&run.client, "AUTH XOAUTH2 ");
            // OAUTHBEARER only, server offers XOAUTH2 only: not supported.
            let replies = ["220 mx\r\n", EHLO_X, "221 bye\r\n"];
            let run = exchange_ex(&user("tok"), &replies, &|e| {
                e.set_auth(AUTH_OAUTHBEARER, true)
            });
            assert_eq!(run.result, Err(Error::AuthNotSupported));
            // In clear without the opt-in: nothing after EHLO.
            let replies = ["220 mx\r\n", EHLO_BOTH, "221 bye\r\n"];
            let run = exchange_ex(&user("tok"), &replies, &|e| {
                e.set_auth(AUTH_XOAUTH2 | AUTH_OAUTHBEARER, false)
            });
            assert_eq!(run.result, Err(Error::AuthInsecure));
            // Without a token: the password mechanisms as before.
            let run = exchange_ex(&user(""), &script(EHLO_BOTH, &["235 ok\r\n"]), &|_| {});
            assert_has(&run.client, "AUTH PLAIN ");
        }
    }
}
