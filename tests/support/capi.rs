// SPDX-License-Identifier: MIT OR Apache-2.0
//! One mail through the C API only, as an application sends it:
//! `IP_SMTPC_Send` (or `IP_SMTPC_SendEx` where options are asked for, with
//! the `ex` feature) over the socket hooks of `c_tcp.rs`, against
//! `tests/scripted_server.py` on loopback. What the library did is read
//! back through the C API too: the result code, `pfCallback`'s statuses
//! (steps, recipients accepted and rejected with their replies), the
//! report of `IP_SMTPC_SendEx`, and every byte handed to pfSend.
//!
//! Needs the modules `c_tcp` (`support/c_tcp.rs`) and `support` (the
//! scripted server) next to this one.
#![allow(dead_code)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};

use ip_smtpc::capi::*;

use super::c_tcp;
use super::support::ScriptedServer;

/// One entry of the address array.
#[derive(Clone, Debug)]
pub struct Party {
    /// `sAddr` ("" in entry 0: the null sender).
    pub addr: Vec<u8>,
    /// `sName`; `None` is NULL.
    pub name: Option<Vec<u8>>,
    /// `SMTPC_REC_TYPE_*`.
    pub kind: c_int,
}

impl Party {
    /// An entry; an empty `name` is NULL.
    pub fn new(addr: &str, name: &str, kind: c_int) -> Party {
        Party {
            addr: addr.as_bytes().to_vec(),
            name: (!name.is_empty()).then(|| name.as_bytes().to_vec()),
            kind,
        }
    }
}

/// What `IP_SMTPC_SendEx` gets beyond `IP_SMTPC_Send`'s arguments. The
/// options start from `IP_SMTPC_OptionsInit`; a report is always asked for.
#[derive(Clone, Default)]
pub struct Ex {
    /// `ReplyTimeoutMs`; non-zero also gives `pfGetTimeMs` ([`c_tcp::now_ms`])
    /// and `pfSetTimeout` ([`c_tcp::set_timeout`]).
    pub reply_timeout_ms: u32,
    /// `AuthMechanisms` (0: every mechanism built).
    pub auth_mechanisms: u32,
    /// `AllowInsecureAuth`.
    pub allow_insecure_auth: bool,
    /// `sReplyTo`.
    pub reply_to: Option<Vec<u8>>,
    /// `pasHeader` / `NumHeaders`.
    pub headers: Vec<Vec<u8>>,
    /// `RawMessage`.
    pub raw_message: u8,
    /// Streamed through `pBody->pfSendItem` in pieces of 100 bytes instead
    /// of `sBody` (which is then "").
    pub body_stream: Option<Vec<u8>>,
    /// Last changes to the options and the message before the call.
    pub tweak: Option<fn(&mut IP_SMTPC_OPTIONS, &mut IP_SMTPC_MESSAGE)>,
}

/// One call of the C API: every argument, and how the hooks behave.
#[derive(Clone)]
pub struct Mail {
    /// Entry 0.
    pub sender: Party,
    /// Entries 1..
    pub recipients: Vec<Party>,
    /// `sSubject`; `None` is NULL.
    pub subject: Option<Vec<u8>>,
    /// `sBody` (a C string: no NUL inside).
    pub body: Vec<u8>,
    /// `IP_SMTPC_APPLICATION.sDomain`; `None` is NULL.
    pub domain: Option<Vec<u8>>,
    /// `sTimezone`; `None` is NULL.
    pub timezone: Option<Vec<u8>>,
    /// `sUser`; `None` is NULL (no AUTH).
    pub user: Option<Vec<u8>>,
    /// `sPass`.
    pub password: Option<Vec<u8>>,
    /// `SecPolicy`.
    pub sec_policy: u8,
    /// `pfReceive`'s socket timeout.
    pub read_timeout_ms: u64,
    /// Bytes per pfSend / pfReceive at most (0: no limit), see [`c_tcp::set_chunks`].
    pub chunks: (usize, usize),
    /// `IP_SMTPC_SendEx` with these options; `None`: `IP_SMTPC_Send`.
    pub ex: Option<Ex>,
}

/// `IP_SMTPC_REPORT` as read after the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `Result`.
    pub result: c_int,
    /// `Step`.
    pub step: u8,
    /// `Secure`.
    pub secure: u8,
    /// `ReplyCode`.
    pub reply_code: u16,
    /// `NumAccepted`.
    pub accepted: u16,
    /// `NumRejected`.
    pub rejected: u16,
    /// `paResult[i].ReplyCode` for every entry of the address array.
    pub codes: Vec<u16>,
    /// `paResult[i]`'s enhanced code (class, subject, detail) per entry.
    pub enhanced: Vec<(u8, u16, u16)>,
    /// `acReply`.
    pub reply: String,
}

/// What `pfCallback` saw.
#[derive(Clone, Debug, Default)]
pub struct Statuses {
    /// `Step` of every `IP_SMTPC_STAT_STEP`, in order.
    pub steps: Vec<u8>,
    /// (RecipientIndex, ReplyCode, text) of every `IP_SMTPC_STAT_RCPT_ACCEPTED`.
    pub accepted: Vec<(usize, u16, String)>,
    /// (RecipientIndex, ReplyCode, text) of every `IP_SMTPC_STAT_RCPT_REJECTED`.
    pub rejected: Vec<(usize, u16, String)>,
}

thread_local! {
    static STATUSES: RefCell<Statuses> = RefCell::new(Statuses::default());
    static STREAM: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn callback(stat: c_int, p: *mut c_void) -> c_int {
    // SAFETY: the library passes a valid IP_SMTPC_STATUS for every Stat.
    let status = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
    let text = if status.TextLen == 0 {
        String::new()
    } else {
        // SAFETY: sText holds TextLen bytes during the call.
        let bytes = unsafe {
            std::slice::from_raw_parts(status.sText.cast::<u8>(), status.TextLen as usize)
        };
        String::from_utf8_lossy(bytes).into_owned()
    };
    let entry = (status.RecipientIndex as usize, status.ReplyCode, text);
    STATUSES.with(|s| {
        let mut s = s.borrow_mut();
        match stat {
            IP_SMTPC_STAT_STEP => s.steps.push(status.Step),
            IP_SMTPC_STAT_RCPT_ACCEPTED => s.accepted.push(entry),
            IP_SMTPC_STAT_RCPT_REJECTED => s.rejected.push(entry),
            other => panic!("unknown Stat {other}"),
        }
    });
    0
}

/// Streams this thread's [`Ex::body_stream`] in pieces of 100 bytes.
unsafe extern "C" fn stream_item(
    context: *mut IP_SMTPC_CONTEXT,
    _item: *const IP_SMTPC_MULTIPART_ITEM,
    api: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    // SAFETY: the library passes its API for this call.
    let send = unsafe { (*api).pfSend.unwrap() };
    STREAM.with(|m| {
        for piece in m.borrow().chunks(100) {
            // SAFETY: `piece` is readable for its length during the call.
            unsafe { send(context, piece.as_ptr().cast(), piece.len() as _) };
        }
    });
    0
}

/// A C string of `bytes`.
pub fn cstr(bytes: &[u8]) -> CString {
    CString::new(bytes).expect("no NUL in a C string")
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// What one call produced (without the server's side).
pub struct Call {
    /// The return value.
    pub result: c_int,
    /// What pfCallback saw.
    pub statuses: Statuses,
    /// The report (`IP_SMTPC_SendEx` only).
    pub report: Option<Report>,
    /// Every byte pfSend sent.
    pub sent: Vec<u8>,
    /// (pfConnect calls, pfDisconnect calls).
    pub connections: (u32, u32),
    /// pfSetTimeout calls.
    pub set_timeouts: u32,
}

/// Calls the C API once with `m`; the hooks connect to 127.0.0.1:`port`.
pub fn call(m: &Mail, port: u16) -> Call {
    c_tcp::set_port(port);
    c_tcp::set_read_timeout(m.read_timeout_ms);
    c_tcp::set_chunks(m.chunks.0, m.chunks.1);
    c_tcp::take_sent();
    c_tcp::take_connections();
    c_tcp::take_set_timeouts();
    STATUSES.with(|s| *s.borrow_mut() = Statuses::default());
    let parties: Vec<&Party> = std::iter::once(&m.sender)
        .chain(m.recipients.iter())
        .collect();
    let strings: Vec<(CString, Option<CString>)> = parties
        .iter()
        .map(|p| (cstr(&p.addr), p.name.as_deref().map(cstr)))
        .collect();
    let addresses: Vec<IP_SMTPC_MAIL_ADDR> = parties
        .iter()
        .zip(&strings)
        .enumerate()
        .map(|(i, (p, (addr, name)))| IP_SMTPC_MAIL_ADDR {
            sName: opt_ptr(name),
            sAddr: addr.as_ptr(),
            Type: if i == 0 { SMTPC_REC_TYPE_FROM } else { p.kind },
        })
        .collect();
    let subject = m.subject.as_deref().map(cstr);
    let streamed = m.ex.as_ref().and_then(|e| e.body_stream.clone());
    let body = cstr(if streamed.is_some() { b"" } else { &m.body });
    let mut message = IP_SMTPC_MESSAGE {
        sSubject: opt_ptr(&subject),
        sBody: body.as_ptr(),
        sBoundary: std::ptr::null(),
        paMultipartItem: std::ptr::null(),
        NumMultipartItems: 0,
    };
    let (user, password) = (m.user.as_deref().map(cstr), m.password.as_deref().map(cstr));
    let mta = IP_SMTPC_MTA {
        sServer: c"mx.example.test".as_ptr(),
        sUser: opt_ptr(&user),
        sPass: opt_ptr(&password),
        SecPolicy: m.sec_policy,
    };
    let (domain, timezone) = (
        m.domain.as_deref().map(cstr),
        m.timezone.as_deref().map(cstr),
    );
    let app = IP_SMTPC_APPLICATION {
        pfGetTimeDate: None,
        pfCallback: Some(callback),
        sDomain: opt_ptr(&domain),
        sTimezone: opt_ptr(&timezone),
    };
    let count = addresses.len() as c_int;
    let (result, report) = match &m.ex {
        None => {
            // SAFETY: every pointer points to live data of this frame.
            let r = unsafe {
                IP_SMTPC_Send(&c_tcp::API, addresses.as_ptr(), count, &message, &mta, &app)
            };
            (r, None)
        }
        Some(ex) => {
            STREAM.with(|s| *s.borrow_mut() = streamed.clone().unwrap_or_default());
            send_ex(ex, &addresses, &mut message, &mta, &app)
        }
    };
    Call {
        result,
        statuses: STATUSES.with(|s| s.take()),
        report,
        sent: c_tcp::take_sent(),
        connections: c_tcp::take_connections(),
        set_timeouts: c_tcp::take_set_timeouts(),
    }
}

#[cfg(not(feature = "ex"))]
fn send_ex(
    _: &Ex,
    _: &[IP_SMTPC_MAIL_ADDR],
    _: &mut IP_SMTPC_MESSAGE,
    _: &IP_SMTPC_MTA,
    _: &IP_SMTPC_APPLICATION,
) -> (c_int, Option<Report>) {
    panic!("IP_SMTPC_SendEx needs the feature \"ex\": gate the case on it")
}

#[cfg(feature = "ex")]
fn send_ex(
    ex: &Ex,
    addresses: &[IP_SMTPC_MAIL_ADDR],
    message: &mut IP_SMTPC_MESSAGE,
    mta: &IP_SMTPC_MTA,
    app: &IP_SMTPC_APPLICATION,
) -> (c_int, Option<Report>) {
    let reply_to = ex.reply_to.as_deref().map(cstr);
    let header_strings: Vec<CString> = ex.headers.iter().map(|h| cstr(h)).collect();
    let headers: Vec<*const c_char> = header_strings.iter().map(|h| h.as_ptr()).collect();
    let item = IP_SMTPC_MULTIPART_ITEM {
        sFilename: std::ptr::null(),
        pUserContext: std::ptr::null_mut(),
        sContentType: std::ptr::null(),
        pfSendItem: Some(stream_item),
    };
    let mut results = vec![
        IP_SMTPC_RCPT_RESULT {
            ReplyCode: 0xEEEE,
            EnhancedClass: 0xEE,
            EnhancedSubject: 0xEEEE,
            EnhancedDetail: 0xEEEE,
        };
        addresses.len()
    ];
    // SAFETY: all-zero is a valid IP_SMTPC_REPORT (integers, a NULL pointer, bytes).
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    report.Result = 0x7EEE;
    report.paResult = results.as_mut_ptr();
    report.NumResults = results.len() as _;
    let mut options = std::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
    // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(options.as_mut_ptr()) }, 0);
    // SAFETY: initialised just above.
    let mut options = unsafe { options.assume_init() };
    assert_eq!(options.RawMessage, 0, "a generated header by default");
    options.AuthMechanisms = ex.auth_mechanisms;
    options.AllowInsecureAuth = u8::from(ex.allow_insecure_auth);
    if ex.reply_timeout_ms != 0 {
        options.ReplyTimeoutMs = ex.reply_timeout_ms;
        options.pfGetTimeMs = Some(c_tcp::now_ms);
        options.pfSetTimeout = Some(c_tcp::set_timeout);
    }
    options.pReport = &mut report;
    options.sReplyTo = opt_ptr(&reply_to);
    if !headers.is_empty() {
        options.pasHeader = headers.as_ptr();
        options.NumHeaders = headers.len() as _;
    }
    options.RawMessage = ex.raw_message;
    if ex.body_stream.is_some() {
        options.pBody = &item;
    }
    if let Some(tweak) = ex.tweak {
        tweak(&mut options, message);
    }
    let count = addresses.len() as c_int;
    // SAFETY: every pointer points to live data of this frame.
    let r = unsafe {
        IP_SMTPC_SendEx(
            &c_tcp::API,
            addresses.as_ptr(),
            count,
            message,
            mta,
            app,
            &options,
        )
    };
    let end = report
        .acReply
        .iter()
        .position(|&c| c == 0)
        .expect("acReply is NUL-terminated");
    let reply: Vec<u8> = report.acReply[..end].iter().map(|&c| c as u8).collect();
    assert_eq!(report.aReserved, [0; 3], "aReserved written as 0");
    assert_eq!(report.NumHostsTried, 0, "NumHostsTried written as 0");
    let report = Report {
        result: report.Result,
        step: report.Step,
        secure: report.Secure,
        reply_code: report.ReplyCode,
        accepted: report.NumAccepted,
        rejected: report.NumRejected,
        codes: results.iter().map(|r| r.ReplyCode).collect(),
        enhanced: results
            .iter()
            .map(|r| (r.EnhancedClass, r.EnhancedSubject, r.EnhancedDetail))
            .collect(),
        reply: String::from_utf8_lossy(&reply).into_owned(),
    };
    (r, Some(report))
}

/// What one exchange with a scripted server produced.
pub struct Outcome {
    /// The C API's return value.
    pub result: c_int,
    /// The server's exit code (0: every step of its script passed).
    pub server: i32,
    /// What the server received, lossily decoded.
    pub wire: String,
    /// The server's log and the script, for failure messages.
    pub log: String,
    /// What pfCallback saw.
    pub statuses: Statuses,
    /// The report (`IP_SMTPC_SendEx` only).
    pub report: Option<Report>,
    /// Every byte the library handed to pfSend.
    pub sent: Vec<u8>,
    /// (pfConnect calls, pfDisconnect calls).
    pub connections: (u32, u32),
    /// pfSetTimeout calls.
    pub set_timeouts: u32,
}

/// Starts a server with `script`, sends `m` to it, waits for the server.
pub fn exchange(script: &str, m: &Mail) -> Outcome {
    let server = ScriptedServer::start(script);
    let c = call(m, server.port);
    let (code, transcript, log) = server.finish();
    Outcome {
        result: c.result,
        server: code,
        wire: String::from_utf8_lossy(&transcript).into_owned(),
        log: format!("{log}\n--- script:\n{script}"),
        statuses: c.statuses,
        report: c.report,
        sent: c.sent,
        connections: c.connections,
        set_timeouts: c.set_timeouts,
    }
}

impl Outcome {
    /// The result is `expected`, the server's script passed, and the
    /// library connected once and disconnected once.
    pub fn check(&self, expected: c_int) {
        assert_eq!(
            self.result,
            expected,
            "result {} ({:?}); wire {:?}\nserver log:\n{}",
            self.result,
            error_text(self.result),
            self.wire,
            self.log
        );
        assert_eq!(
            self.server, 0,
            "server script failed; wire {:?}\nserver log:\n{}",
            self.wire, self.log
        );
        assert_eq!(self.connections, (1, 1), "one connection, closed once");
        if let Some(report) = &self.report {
            assert_eq!(report.result, expected, "report Result");
        }
    }

    /// `check`, and the wire is exactly `wire`.
    pub fn check_wire(&self, expected: c_int, wire: &str) {
        self.check(expected);
        assert_eq!(self.wire, wire, "server log:\n{}", self.log);
    }

    /// The bytes handed to pfSend contain `needle`.
    pub fn sent_contains(&self, needle: &str) -> bool {
        self.sent
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    /// The message as sent after DATA (header block and body with its
    /// final CR LF, without the end-of-data line) or in a BDAT chunk.
    pub fn message(&self) -> &str {
        if let Some(at) = self.wire.find("\r\nBDAT ") {
            let line = &self.wire[at + 2..];
            let line_end = line.find("\r\n").expect("BDAT line");
            let size: usize = line[5..line_end]
                .strip_suffix(" LAST")
                .expect("BDAT <n> LAST")
                .parse()
                .expect("BDAT size");
            return &line[line_end + 2..line_end + 2 + size];
        }
        let start = self.wire.find("DATA\r\n").expect("DATA on the wire") + 6;
        let rest = &self.wire[start..];
        let end = if rest.starts_with(".\r\n") {
            0
        } else {
            rest.find("\r\n.\r\n").expect("end of data") + 2
        };
        &rest[..end]
    }

    /// The body of the message (after the blank line).
    pub fn body(&self) -> &str {
        let m = self.message();
        &m[m.find("\r\n\r\n").expect("blank line after the header") + 4..]
    }

    /// The last `IP_SMTPC_STAT_STEP` pfCallback saw.
    pub fn last_step(&self) -> Option<u8> {
        self.statuses.steps.last().copied()
    }
}

/// `IP_SMTPC_ErrorString(code)`.
pub fn error_text(code: c_int) -> String {
    // SAFETY: the library returns a static C string for every value.
    unsafe { std::ffi::CStr::from_ptr(IP_SMTPC_ErrorString(code)) }
        .to_string_lossy()
        .into_owned()
}
