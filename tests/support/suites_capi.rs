// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API driven from Rust for the suites that talk to real servers
//! (tests/faults.rs, load.rs, scripted.rs, postfix.rs): a mail described in
//! Rust becomes the structs of include/IP_SMTPC.h, goes through
//! `IP_SMTPC_Send` (or `IP_SMTPC_SendEx` with the `ex` feature), and the
//! socket hooks run over a std `TcpStream` to 127.0.0.1.
//!
//! Only names of the header are used, so the suites compile against every
//! engine that implements it. The result codes are defined here with the
//! header's values (an engine need not export them to Rust);
//! [`check_codes_against_header`] reads the header and compares.
//!
//! The hooks keep their state per thread: every call of [`send`] (and
//! [`send_ex`]) sets it up, and the [`Outcome`] carries what the hooks saw.
#![allow(dead_code)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The C structs' helpers (tests that include this file use them from here).
#[path = "cstructs.rs"]
pub mod cstructs;
#[path = "tcp_hooks.rs"]
mod tcp_hooks;

// Not every suite uses every name.
#[cfg(feature = "ex")]
#[allow(unused_imports)]
pub use ip_smtpc::capi::{
    IP_SMTPC_OptionsInit, IP_SMTPC_SendEx, IP_SMTPC_AUTH_LOGIN, IP_SMTPC_AUTH_PLAIN,
    IP_SMTPC_OPTIONS, IP_SMTPC_RCPT_RESULT, IP_SMTPC_REPORT,
};
#[allow(unused_imports)]
pub use ip_smtpc::capi::{
    IP_SMTPC_Send, IP_SMTPC_API, IP_SMTPC_APPLICATION, IP_SMTPC_MAIL_ADDR, IP_SMTPC_MESSAGE,
    IP_SMTPC_MTA, IP_SMTPC_STATUS, IP_SMTPC_STAT_RCPT_ACCEPTED, IP_SMTPC_STAT_RCPT_REJECTED,
    SMTPC_REC_TYPE_BCC, SMTPC_REC_TYPE_CC, SMTPC_REC_TYPE_FROM, SMTPC_REC_TYPE_TO,
    SMTPC_SEC_POLICY_ALLOW_INSECURE, SMTPC_SEC_POLICY_SECURE_ONLY, SMTPC_SOCKET,
};
#[cfg(feature = "batch")]
#[allow(unused_imports)]
pub use ip_smtpc::capi::{IP_SMTPC_SendBatch, IP_SMTPC_BATCH_MAIL, IP_SMTPC_ERR_NOT_SENT};

/// The result codes and steps of the header, as the crate exports them.
#[allow(unused_imports)]
pub use ip_smtpc::capi::codes::*;

/// A result code for messages: "OK" for 0, else the library's own text
/// (`IP_SMTPC_ErrorString`) with the number.
pub fn code_name(code: c_int) -> String {
    if code == 0 {
        return "OK".to_string();
    }
    let text = ip_smtpc::capi::IP_SMTPC_ErrorString(code);
    // SAFETY: IP_SMTPC_ErrorString returns a static NUL-terminated string.
    let text = unsafe { std::ffi::CStr::from_ptr(text) };
    format!("{code} ({})", text.to_string_lossy())
}

/// A date FAT-packed as `pfGetTimeDate` returns it (seconds in 2 s steps).
pub const fn fat(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> u32 {
    ((year - 1980) << 25)
        | (month << 21)
        | (day << 16)
        | (hour << 11)
        | (minute << 5)
        | (second / 2)
}

/// A sender or recipient.
#[derive(Clone, Debug)]
pub struct Party {
    /// `sAddr`.
    pub addr: Vec<u8>,
    /// `sName`; empty = NULL.
    pub name: Vec<u8>,
    /// `SMTPC_REC_TYPE_*` (the sender gets `SMTPC_REC_TYPE_FROM` whatever this says).
    pub kind: c_int,
}

/// A party: address, display name ("" for none), `SMTPC_REC_TYPE_*`.
pub fn party(addr: &[u8], name: &[u8], kind: c_int) -> Party {
    Party {
        addr: addr.to_vec(),
        name: name.to_vec(),
        kind,
    }
}

/// One mail, as the suites describe it.
#[derive(Clone, Debug)]
pub struct Mail {
    pub sender: Party,
    pub recipients: Vec<Party>,
    /// `sSubject`; None = NULL.
    pub subject: Option<Vec<u8>>,
    /// `sBody` (without NUL bytes).
    pub body: Vec<u8>,
    /// What `pfGetTimeDate` returns ([`fat`]); None = no hook, no Date.
    pub date: Option<u32>,
    /// `sTimezone`.
    pub timezone: &'static str,
    /// `sDomain`.
    pub domain: Vec<u8>,
}

/// The mail server's side of the call: credentials and policy.
#[derive(Clone, Debug, Default)]
pub struct Mta {
    /// `sUser`; empty = NULL (no AUTH).
    pub user: Vec<u8>,
    /// `sPass`; empty = NULL.
    pub pass: Vec<u8>,
    /// `SecPolicy`.
    pub policy: u8,
}

/// Where and how the socket hooks connect.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// The port on 127.0.0.1 (the hooks ignore `sServer`).
    pub port: u16,
    /// The socket's read timeout: `pfReceive` then returns `IP_SMTPC_ERR_TIMEOUT`.
    pub read_timeout: Duration,
}

impl Link {
    /// 127.0.0.1:`port` with a 10 s read timeout.
    pub fn to(port: u16) -> Link {
        Link {
            port,
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// A `pfCallback` call for a recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `IP_SMTPC_STAT_RCPT_ACCEPTED` or `IP_SMTPC_STAT_RCPT_REJECTED`.
    pub stat: c_int,
    /// `RecipientIndex`: the index in the address array (sender = 0).
    pub index: c_int,
    /// `ReplyCode`.
    pub code: u16,
    /// `sText` / `TextLen`.
    pub text: String,
}

/// `IP_SMTPC_REPORT` as `IP_SMTPC_SendEx` filled it.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub result: c_int,
    pub step: u8,
    pub secure: u8,
    pub reply_code: u16,
    pub accepted: u16,
    pub rejected: u16,
    /// `paResult`, one per address entry: (ReplyCode, class, subject, detail).
    pub results: Vec<(u16, u8, u16, u16)>,
    /// `acReply`.
    pub reply: String,
}

/// What one call returned and what its hooks saw.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The return value.
    pub code: c_int,
    /// Every byte `pfSend` sent successfully (a failed send is not recorded,
    /// so this shows how far the client got).
    pub sent: Vec<u8>,
    /// Every byte `pfReceive` returned.
    pub received: Vec<u8>,
    /// The recipient callbacks, in order.
    pub statuses: Vec<Status>,
    /// (`pfConnect` calls, `pfDisconnect` calls).
    pub connections: (u32, u32),
    /// The report (`IP_SMTPC_SendEx` only).
    pub report: Option<Report>,
}

impl Outcome {
    /// The result code's name.
    pub fn name(&self) -> String {
        code_name(self.code)
    }

    /// The client's and the server's side of the dialogue, for messages.
    pub fn dialogue(&self) -> String {
        format!(
            "result {} ({})\n--- client sent ---\n{}\n--- server sent ---\n{}",
            self.code,
            self.name(),
            String::from_utf8_lossy(&self.sent),
            String::from_utf8_lossy(&self.received)
        )
    }

    /// Indices of the accepted recipients (address array, sender = 0).
    pub fn accepted(&self) -> Vec<c_int> {
        self.statuses
            .iter()
            .filter(|s| s.stat == IP_SMTPC_STAT_RCPT_ACCEPTED)
            .map(|s| s.index)
            .collect()
    }

    /// The rejected recipients' callbacks.
    pub fn rejected(&self) -> Vec<&Status> {
        self.statuses
            .iter()
            .filter(|s| s.stat == IP_SMTPC_STAT_RCPT_REJECTED)
            .collect()
    }
}

/// The hooks' state on this thread.
#[derive(Default)]
struct Hooks {
    link: Option<Link>,
    date: u32,
    sent: Vec<u8>,
    received: Vec<u8>,
    statuses: Vec<Status>,
    connections: (u32, u32),
}

thread_local! {
    static HOOKS: RefCell<Hooks> = RefCell::new(Hooks::default());
}

fn hooks<T>(f: impl FnOnce(&mut Hooks) -> T) -> T {
    HOOKS.with(|h| f(&mut h.borrow_mut()))
}

/// The socket hooks over `TcpStream`, without TLS.
pub const API: IP_SMTPC_API = cstructs::plain_api(c_connect, c_disconnect, c_send, c_receive);

unsafe extern "C" fn c_connect(_server: *const c_char) -> SMTPC_SOCKET {
    let link = hooks(|h| {
        h.connections.0 += 1;
        h.link.expect("send() sets the link")
    });
    let Ok(stream) = TcpStream::connect(("127.0.0.1", link.port)) else {
        return std::ptr::null_mut();
    };
    // The library hands the content to pfSend in buffer-sized pieces; with
    // Nagle on, the last small piece waits for the server's delayed ACK.
    let ready = stream.set_nodelay(true).is_ok()
        && stream
            .set_read_timeout(Some(link.read_timeout.max(Duration::from_millis(1))))
            .is_ok()
        && stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .is_ok();
    if !ready {
        return std::ptr::null_mut();
    }
    tcp_hooks::handle(stream)
}

unsafe extern "C" fn c_disconnect(socket: SMTPC_SOCKET) {
    hooks(|h| h.connections.1 += 1);
    // SAFETY: the handle made by c_connect; the library closes it once.
    unsafe { tcp_hooks::close(socket) };
}

unsafe extern "C" fn c_send(data: *const c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` readable bytes.
    let (stream, bytes) = unsafe { tcp_hooks::send_args(data, len, socket) };
    match stream.write_all(bytes) {
        Ok(()) => {
            hooks(|h| h.sent.extend_from_slice(bytes));
            len
        }
        Err(_) => -1,
    }
}

unsafe extern "C" fn c_receive(data: *mut c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` writable bytes.
    let (stream, buf) = unsafe { tcp_hooks::receive_args(data, len, socket) };
    let read = stream.read(buf);
    if let Ok(n) = read {
        hooks(|h| h.received.extend_from_slice(&buf[..n]));
    }
    tcp_hooks::receive_result(read)
}

unsafe extern "C" fn c_time_date() -> u32 {
    hooks(|h| h.date)
}

unsafe extern "C" fn c_callback(stat: c_int, p: *mut c_void) -> c_int {
    if (stat == IP_SMTPC_STAT_RCPT_ACCEPTED || stat == IP_SMTPC_STAT_RCPT_REJECTED) && !p.is_null()
    {
        // SAFETY: the library passes a valid IP_SMTPC_STATUS for these.
        let status = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
        let text = if status.sText.is_null() {
            Vec::new()
        } else {
            // SAFETY: sText points to TextLen bytes during the call.
            unsafe {
                std::slice::from_raw_parts(status.sText.cast::<u8>(), status.TextLen as usize)
            }
            .to_vec()
        };
        let status = Status {
            stat,
            index: status.RecipientIndex,
            code: status.ReplyCode,
            text: String::from_utf8_lossy(&text).into_owned(),
        };
        hooks(|h| h.statuses.push(status));
    }
    0
}

/// The C strings of one call, alive while the structs point to them.
struct CMail {
    _strings: Vec<CString>,
    addrs: Vec<IP_SMTPC_MAIL_ADDR>,
    message: IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    application: IP_SMTPC_APPLICATION,
}

fn c_string(strings: &mut Vec<CString>, bytes: &[u8]) -> *const c_char {
    let s = CString::new(bytes.to_vec()).expect("test strings have no NUL");
    let p = s.as_ptr();
    strings.push(s);
    p
}

fn c_optional(strings: &mut Vec<CString>, bytes: &[u8]) -> *const c_char {
    if bytes.is_empty() {
        std::ptr::null()
    } else {
        c_string(strings, bytes)
    }
}

impl CMail {
    fn new(mail: &Mail, mta: &Mta) -> CMail {
        let mut strings = Vec::new();
        let mut addrs = Vec::new();
        for (i, p) in std::iter::once(&mail.sender)
            .chain(&mail.recipients)
            .enumerate()
        {
            addrs.push(IP_SMTPC_MAIL_ADDR {
                sName: c_optional(&mut strings, &p.name),
                sAddr: c_string(&mut strings, &p.addr),
                Type: if i == 0 { SMTPC_REC_TYPE_FROM } else { p.kind },
            });
        }
        let message = IP_SMTPC_MESSAGE {
            sSubject: match &mail.subject {
                Some(s) => c_string(&mut strings, s),
                None => std::ptr::null(),
            },
            sBody: c_string(&mut strings, &mail.body),
            sBoundary: std::ptr::null(),
            paMultipartItem: std::ptr::null(),
            NumMultipartItems: 0,
        };
        let mta = IP_SMTPC_MTA {
            sServer: c_string(&mut strings, b"mail.ip-smtpc.test"),
            sUser: c_optional(&mut strings, &mta.user),
            sPass: c_optional(&mut strings, &mta.pass),
            SecPolicy: mta.policy,
        };
        let application = IP_SMTPC_APPLICATION {
            pfGetTimeDate: mail
                .date
                .map(|_| c_time_date as unsafe extern "C" fn() -> _),
            pfCallback: Some(c_callback),
            sDomain: c_optional(&mut strings, &mail.domain),
            sTimezone: c_string(&mut strings, mail.timezone.as_bytes()),
        };
        CMail {
            _strings: strings,
            addrs,
            message,
            mta,
            application,
        }
    }
}

/// Runs `call` with this thread's hooks set up for `link` and `mail`;
/// returns its value and what the hooks saw.
fn with_hooks(link: Link, mail: &Mail, call: impl FnOnce() -> c_int) -> Outcome {
    hooks(|h| {
        *h = Hooks {
            link: Some(link),
            date: mail.date.unwrap_or(0),
            ..Hooks::default()
        }
    });
    let code = call();
    let h = hooks(std::mem::take);
    Outcome {
        code,
        sent: h.sent,
        received: h.received,
        statuses: h.statuses,
        connections: h.connections,
        report: None,
    }
}

/// Sends `mail` with `IP_SMTPC_Send`.
pub fn send(link: Link, mail: &Mail, mta: &Mta) -> Outcome {
    let c = CMail::new(mail, mta);
    with_hooks(link, mail, || {
        // SAFETY: every pointer points into `c`, alive for the call; the
        // address array has `addrs.len()` entries.
        unsafe {
            IP_SMTPC_Send(
                &API,
                c.addrs.as_ptr(),
                c.addrs.len() as c_int,
                &c.message,
                &c.mta,
                &c.application,
            )
        }
    })
}

/// Sends `mails` over one connection with `IP_SMTPC_SendBatch` and
/// `options` (default options when `None`): each mail's `Result`, and the
/// hooks' view of the whole connection (its `code` is the call's return).
#[cfg(feature = "batch")]
pub fn send_batch(
    link: Link,
    mails: &[Mail],
    mta: &Mta,
    options: Option<IP_SMTPC_OPTIONS>,
) -> (Vec<c_int>, Outcome) {
    let c: Vec<CMail> = mails.iter().map(|m| CMail::new(m, mta)).collect();
    let mut batch: Vec<IP_SMTPC_BATCH_MAIL> = c
        .iter()
        .map(|c| IP_SMTPC_BATCH_MAIL {
            paMailAddr: c.addrs.as_ptr(),
            NumMailAddr: c.addrs.len() as c_int,
            pMessage: &c.message,
            pReport: std::ptr::null_mut(),
            Result: 0,
        })
        .collect();
    let first = c.first().expect("at least one mail");
    let outcome = with_hooks(link, &mails[0], || {
        // SAFETY: every pointer points into `c`, `batch` or `options`,
        // alive for the call; `batch` has `len()` entries.
        unsafe {
            IP_SMTPC_SendBatch(
                &API,
                batch.as_mut_ptr(),
                batch.len() as std::ffi::c_uint,
                &first.mta,
                &first.application,
                options.as_ref().map_or(std::ptr::null(), |o| o as *const _),
            )
        }
    });
    (batch.iter().map(|b| b.Result).collect(), outcome)
}

/// The options `IP_SMTPC_OptionsInit` gives.
#[cfg(feature = "ex")]
pub fn default_options() -> IP_SMTPC_OPTIONS {
    let mut options = std::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
    // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(options.as_mut_ptr()) }, 0);
    // SAFETY: initialised by IP_SMTPC_OptionsInit.
    unsafe { options.assume_init() }
}

/// Sends `mail` with `IP_SMTPC_SendEx` and `options` (its `pReport` is
/// replaced by a report with one result per address entry, returned in
/// [`Outcome::report`]).
#[cfg(feature = "ex")]
pub fn send_ex(link: Link, mail: &Mail, mta: &Mta, mut options: IP_SMTPC_OPTIONS) -> Outcome {
    let c = CMail::new(mail, mta);
    let garbage = IP_SMTPC_RCPT_RESULT {
        ReplyCode: 999,
        EnhancedClass: 9,
        EnhancedSubject: 999,
        EnhancedDetail: 999,
    };
    let mut results = vec![garbage; c.addrs.len()];
    // SAFETY: an all-zero report is valid (NULL pointer, zero numbers).
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    report.paResult = results.as_mut_ptr();
    report.NumResults = results.len() as _;
    options.pReport = &mut report;
    let mut outcome = with_hooks(link, mail, || {
        // SAFETY: every pointer points into `c`, `options` or `report`,
        // alive for the call; paResult has NumResults entries.
        unsafe {
            IP_SMTPC_SendEx(
                &API,
                c.addrs.as_ptr(),
                c.addrs.len() as c_int,
                &c.message,
                &c.mta,
                &c.application,
                &options,
            )
        }
    });
    let reply: Vec<u8> = report
        .acReply
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as u8)
        .collect();
    outcome.report = Some(Report {
        result: report.Result,
        step: report.Step,
        secure: report.Secure,
        reply_code: report.ReplyCode,
        accepted: report.NumAccepted,
        rejected: report.NumRejected,
        results: results
            .iter()
            .map(|r| {
                (
                    r.ReplyCode,
                    r.EnhancedClass,
                    r.EnhancedSubject,
                    r.EnhancedDetail,
                )
            })
            .collect(),
        reply: String::from_utf8_lossy(&reply).into_owned(),
    });
    outcome
}
