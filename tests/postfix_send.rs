// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_Send` and `IP_SMTPC_SendEx` against the Postfix + Dovecot test bed on loopback.
//!
//! Calls `IP_SMTPC_Send` with socket hooks over a std `TcpStream` (plain
//! `extern "C"` functions below), AUTH over the clear-text port, a sender
//! and To / Cc / Bcc recipients, and checks byte for byte what each Maildir
//! received: the message the client sent, de-stuffed, after Postfix's trace
//! fields; the Bcc recipient in no header; dot-stuffed lines on the wire.
//! Ignored by default; fails when `SMTPC_TB_*` is not set. Run it with
//! `source /tmp/ip-smtpc-testbed/env; cargo test --test postfix -- --include-ignored`.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ip_smtpc::capi::*;

#[path = "support/cstructs.rs"]
mod cstructs;
#[cfg(feature = "ex")]
#[path = "support/init_options.rs"]
mod init_options;
#[path = "support/maildir.rs"]
mod maildir;
#[path = "support/tcp_hooks.rs"]
mod tcp_hooks;

use cstructs::{addr, c, message, mta};

/// (Stat, Step, ReplyCode, RecipientIndex, text) of one pfCallback call.
type Status = (c_int, u8, u16, c_int, String);

thread_local! {
    static PORT: RefCell<u16> = const { RefCell::new(0) };
    static WIRE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static STATUS: RefCell<Vec<Status>> = const { RefCell::new(Vec::new()) };
    /// Every hook call in order: `Ok(bytes)` a pfSend (what it wrote), `Err(n)` a pfReceive.
    static CALLS: RefCell<Vec<Result<Vec<u8>, usize>>> = const { RefCell::new(Vec::new()) };
    /// pfSend writes everything at once (no short writes).
    static WHOLE: RefCell<bool> = const { RefCell::new(false) };
}

unsafe extern "C" fn connect(_server: *const c_char) -> SMTPC_SOCKET {
    let port = PORT.with(|p| *p.borrow());
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => {
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            tcp_hooks::handle(s)
        }
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn disconnect(sock: SMTPC_SOCKET) {
    // SAFETY: the handle made by `connect`, closed once.
    unsafe { tcp_hooks::close(sock) };
}

unsafe extern "C" fn send(data: *const c_char, len: c_int, sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: a handle from `connect`; `len` readable bytes.
    let (s, bytes) = unsafe { tcp_hooks::send_args(data, len, sock) };
    WIRE.with(|w| w.borrow_mut().extend_from_slice(bytes));
    // A short write now and then, to exercise the library's resend.
    let whole = WHOLE.with(|w| *w.borrow());
    let n = if bytes.len() > 10 && !whole {
        bytes.len() - 3
    } else {
        bytes.len()
    };
    match s.write_all(&bytes[..n]) {
        Ok(()) => {
            WIRE.with(|w| {
                let mut w = w.borrow_mut();
                let keep = w.len() - (bytes.len() - n);
                w.truncate(keep);
            });
            CALLS.with(|c| c.borrow_mut().push(Ok(bytes[..n].to_vec())));
            n as c_int
        }
        Err(_) => -1,
    }
}

unsafe extern "C" fn receive(data: *mut c_char, len: c_int, sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: a handle from `connect`; `len` writable bytes.
    let (s, buf) = unsafe { tcp_hooks::receive_args(data, len, sock) };
    match s.read(buf) {
        Ok(n) if n > 0 => {
            CALLS.with(|c| c.borrow_mut().push(Err(n)));
            n as c_int
        }
        _ => -1,
    }
}

/// The transport hooks above, as every send of this file passes them.
const API: IP_SMTPC_API = cstructs::plain_api(connect, disconnect, send, receive);

unsafe extern "C" fn time_date() -> u32 {
    // 4 Dec 2026 18:30:10, FAT-packed.
    (2026 - 1980) << 25 | 12 << 21 | 4 << 16 | 18 << 11 | 30 << 5 | 5
}

unsafe extern "C" fn callback(stat: c_int, p: *mut c_void) -> c_int {
    // SAFETY: the library passes a valid IP_SMTPC_STATUS for the call.
    let st = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
    // SAFETY: sText has TextLen bytes during the call.
    let text = unsafe { std::slice::from_raw_parts(st.sText.cast::<u8>(), st.TextLen as usize) };
    STATUS.with(|s| {
        s.borrow_mut().push((
            stat,
            st.Step,
            st.ReplyCode,
            st.RecipientIndex,
            String::from_utf8_lossy(text).into_owned(),
        ))
    });
    0
}

/// The application hooks of the device: the fixed date, `callback`, its
/// own domain and time zone.
const APP: IP_SMTPC_APPLICATION = IP_SMTPC_APPLICATION {
    pfGetTimeDate: Some(time_date),
    pfCallback: Some(callback),
    sDomain: c"device.ip-smtpc.test".as_ptr(),
    sTimezone: c"+0100".as_ptr(),
};

/// The MTA's name as every send of this file gives it (the hooks connect
/// to the bed's port whatever it says).
const SERVER: &CStr = c"127.0.0.1";

/// The test bed's `SMTPC_TB_<name>`.
fn bed(name: &str) -> String {
    std::env::var(format!("SMTPC_TB_{name}")).unwrap_or_else(|_| {
        panic!("no SMTPC_TB_{name}: source /tmp/ip-smtpc-testbed/env (scripts/testbed/start)")
    })
}

/// Points the socket hooks at the bed's port `SMTPC_TB_<name>`.
fn use_port(name: &str) {
    PORT.with(|p| *p.borrow_mut() = bed(name).parse().unwrap());
}

/// A token for this run's mail: `label`, the process id and the time in ns.
fn mail_token(label: &str) -> String {
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{label}-{}-{ns}", std::process::id())
}

/// The strings of an address table: (display name, address, Type) each.
struct Parties(Vec<(Option<CString>, CString, c_int)>);

impl Parties {
    /// `(display name, local part, Type)` each, the addresses at `domain`.
    fn at(domain: &str, list: &[(Option<&str>, &str, c_int)]) -> Parties {
        Parties(
            list.iter()
                .map(|&(name, local, kind)| (name.map(c), c(&format!("{local}@{domain}")), kind))
                .collect(),
        )
    }

    /// The address table, pointing into `self`.
    fn table(&self) -> Vec<IP_SMTPC_MAIL_ADDR> {
        self.0
            .iter()
            .map(|(name, address, kind)| addr(name.as_deref(), address, *kind))
            .collect()
    }
}

/// `IP_SMTPC_Send` of `msg` to `addrs` through `mta` with `app` (None:
/// NULL) over the hooks of this file: the result and the bytes sent.
fn send_mail(
    addrs: &[IP_SMTPC_MAIL_ADDR],
    msg: &IP_SMTPC_MESSAGE,
    mta: &IP_SMTPC_MTA,
    app: Option<&IP_SMTPC_APPLICATION>,
) -> (c_int, Vec<u8>) {
    WIRE.with(|w| w.take());
    let app = app.map_or(std::ptr::null(), |a| a as *const IP_SMTPC_APPLICATION);
    let n = addrs.len() as c_int;
    // SAFETY: every pointer is valid for the call.
    let r = unsafe { IP_SMTPC_Send(&API, addrs.as_ptr(), n, msg, mta, app) };
    (r, WIRE.with(|w| w.take()))
}

/// `IP_SMTPC_SendEx` of `msg` to `addrs` through `mta` with the options
/// `o` (no application hooks): the result and the bytes sent.
#[cfg(feature = "ex")]
fn send_ex(
    addrs: &[IP_SMTPC_MAIL_ADDR],
    msg: &IP_SMTPC_MESSAGE,
    mta: &IP_SMTPC_MTA,
    o: &IP_SMTPC_OPTIONS,
) -> (c_int, Vec<u8>) {
    WIRE.with(|w| w.take());
    let n = addrs.len() as c_int;
    // SAFETY: every pointer is valid for the call.
    let r = unsafe { IP_SMTPC_SendEx(&API, addrs.as_ptr(), n, msg, mta, std::ptr::null(), o) };
    (r, WIRE.with(|w| w.take()))
}

/// A mail `{subject} {token}` with `body` from sender to alice (To), bob
/// (Cc) and carol (Bcc), the four with the display `names`, on the
/// clear-text AUTH port, logged in, with [`APP`]; asserts that it
/// succeeded. Returns the token (`label`-...), the wire and pfCallback's
/// statuses.
fn send_to_three(
    label: &str,
    names: [Option<&str>; 4],
    subject: &str,
    body: &str,
) -> (String, Vec<u8>, Vec<Status>) {
    use_port("PORT_CLEARAUTH");
    let token = mail_token(label);
    let locals = [("sender", 4), ("alice", 1), ("bob", 2), ("carol", 3)];
    let list: Vec<_> = names
        .iter()
        .zip(locals)
        .map(|(&name, (local, kind))| (name, local, kind))
        .collect();
    let parties = Parties::at(&bed("DOMAIN"), &list);
    let (subject, body) = (c(&format!("{subject} {token}")), c(body));
    let (user, pass) = (c(&bed("USER")), c(&bed("PASS")));
    let (r, wire) = send_mail(
        &parties.table(),
        &message(Some(&subject), Some(&body), &[]),
        &mta(Some(SERVER), Some(&user), Some(&pass), 0),
        Some(&APP),
    );
    let status = STATUS.with(|s| s.take());
    assert_eq!(
        r,
        0,
        "wire:\n{}\nstatus: {status:?}",
        String::from_utf8_lossy(&wire)
    );
    (token, wire, status)
}

/// pfCallback's statuses of a mail to three accepted recipients: the
/// per-recipient results indexed like the address table, and the steps
/// (with BDAT, DATA (8) stands for the chunk and its reply ends the message).
fn check_three_accepted(status: &[Status]) {
    let rcpt: Vec<_> = status
        .iter()
        .filter(|s| s.0 != 1)
        .map(|s| (s.0, s.3, s.2))
        .collect();
    assert_eq!(rcpt, [(2, 1, 250), (2, 2, 250), (2, 3, 250)]);
    let steps: Vec<u8> = status.iter().filter(|s| s.0 == 1).map(|s| s.1).collect();
    if CHUNKED {
        assert_eq!(steps, [1, 2, 3, 5, 6, 7, 8, 10, 11]);
    } else {
        assert_eq!(steps, [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
    }
}

/// The message with `token` stored in each of `mailboxes`, without the
/// trace fields, is `sent` byte for byte.
fn check_stored(token: &str, sent: &[u8], mailboxes: &[&str]) {
    for mailbox in mailboxes {
        let stored = strip_trace(&delivered(mailbox, token));
        assert_eq!(
            String::from_utf8_lossy(&stored),
            String::from_utf8_lossy(sent),
            "{mailbox}"
        );
    }
}

/// The delivered file in `box_`'s Maildir that contains `token`, waiting up to 20 s.
fn delivered(box_: &str, token: &str) -> Vec<u8> {
    let dir = PathBuf::from(bed("MAILDIR")).join(box_).join("new");
    let start = Instant::now();
    loop {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                if bytes.windows(token.len()).any(|w| w == token.as_bytes()) {
                    return bytes;
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "nothing for {box_} with {token}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The stored message without Postfix's trace fields, with CR LF line ends.
fn strip_trace(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let mut lines = text.split('\n').peekable();
    let mut in_trace = false;
    while let Some(l) = lines.peek() {
        let name = l.split(':').next().unwrap_or("").to_ascii_lowercase();
        if ["return-path", "x-original-to", "delivered-to", "received"].contains(&name.as_str()) {
            in_trace = true;
        } else if !(in_trace && l.starts_with([' ', '\t'])) {
            break;
        }
        lines.next();
    }
    lines.collect::<Vec<_>>().join("\r\n").into_bytes()
}

/// The message the client sent: its BDAT chunk, or its DATA content de-stuffed.
fn sent_message(wire: &[u8]) -> Vec<u8> {
    maildir::sent_message(wire).expect("the whole message on the wire")
}

/// The message's size on the wire, what SIZE= declares (RFC 1870): the
/// BDAT chunk, or the DATA content as stuffed, without the final ".\r\n".
/// (Its callers need `size` or `raw`.)
#[cfg_attr(not(any(feature = "size", feature = "raw")), allow(dead_code))]
fn wire_size(wire: &[u8]) -> usize {
    match maildir::bdat_chunk(wire) {
        Some(chunk) => chunk.expect("the whole chunk").len(),
        None => maildir::data_content(wire)
            .expect("the whole DATA content")
            .len(),
    }
}

/// The test bed offers PIPELINING and CHUNKING: the message goes as a BDAT
/// chunk when the library has `chunking` and knows the message's size.
const CHUNKED: bool = cfg!(feature = "chunking");
/// With `cram-md5` the test bed's CRAM-MD5 is chosen in clear (RFC 2195:
/// the password stays off the wire) in place of PLAIN, in two turns.
const CRAM: bool = cfg!(feature = "cram-md5");

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn to_cc_bcc_with_auth_delivered_byte_for_byte() {
    let (token, wire, status) = send_to_three(
        "send",
        [
            Some("Node 7"),
            Some("Alice \"A\" Smith"),
            None,
            Some("Secret Carol"),
        ],
        "Alarm",
        "Pump 3 stopped.\n.leading dot\n..two dots\n.\nbare CR\rCRLF\r\nlast line without end",
    );

    // The wire: AUTH PLAIN in clear (emNet's behaviour; CRAM-MD5 where it
    // is built), stuffed dots (in a BDAT chunk none), no bare CR or LF,
    // QUIT right after the message.
    let wire_text = String::from_utf8_lossy(&wire);
    let auth = if CRAM {
        "AUTH CRAM-MD5\r\n"
    } else {
        "AUTH PLAIN "
    };
    assert!(
        wire_text.starts_with(&format!("EHLO device.ip-smtpc.test\r\n{auth}")),
        "{wire_text}"
    );
    let body_on_wire = if CHUNKED {
        "\r\n.leading dot\r\n..two dots\r\n.\r\nbare CR\r\nCRLF\r\nlast line without end\r\nQUIT\r\n"
    } else {
        "\r\n..leading dot\r\n...two dots\r\n..\r\nbare CR\r\nCRLF\r\nlast line without end\r\n.\r\nQUIT\r\n"
    };
    assert!(wire_text.contains(body_on_wire), "{wire_text}");
    for (i, &b) in wire.iter().enumerate() {
        assert!(b != b'\n' || wire[i - 1] == b'\r', "bare LF at {i}");
        assert!(
            b != b'\r' || wire.get(i + 1) == Some(&b'\n'),
            "bare CR at {i}"
        );
    }
    // Per-recipient results through pfCallback, indexed like the address table.
    check_three_accepted(&status);

    let sent = sent_message(&wire);
    let header =
        String::from_utf8_lossy(&sent[..sent.windows(4).position(|w| w == b"\r\n\r\n").unwrap()])
            .into_owned();
    assert!(header.starts_with("Date: Fri, 4 Dec 2026 18:30:10 +0100\r\nFrom: \"Node 7\" <sender@ip-smtpc.test>\r\nTo: \"Alice \\\"A\\\" Smith\" <alice@ip-smtpc.test>\r\nCc: <bob@ip-smtpc.test>\r\nSubject: Alarm "), "{header}");
    // No Bcc field and no trace of its recipient. (Not "bcc" anywhere: the
    // Message-ID's hex digits may spell it.)
    let lower = header.to_ascii_lowercase();
    assert!(
        !lower.contains("carol") && !lower.lines().any(|l| l.starts_with("bcc")),
        "{header}"
    );
    assert!(header.contains("@device.ip-smtpc.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit"));
    check_stored(&token, &sent, &["alice", "bob", "carol"]);
}

/// Milliseconds since the first call (the deadline clock of the SendEx case).
#[cfg(feature = "ex")]
unsafe extern "C" fn clock_ms() -> u32 {
    thread_local!(static START: Instant = Instant::now());
    START.with(|s| s.elapsed().as_millis() as u32)
}

#[cfg(feature = "ex")]
unsafe extern "C" fn set_timeout(_sock: SMTPC_SOCKET, ms: u32) {
    TOLD.with(|t| t.borrow_mut().push(ms));
}

#[cfg(feature = "ex")]
thread_local! {
    static TOLD: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn send_ex_reports_each_recipient_with_enhanced_codes() {
    use ip_smtpc::Error;
    let domain = bed("DOMAIN");
    use_port("PORT_CLEARAUTH");
    let token = mail_token("send-ex");
    let nobody = format!("nobody-{}", std::process::id());
    let parties = Parties::at(
        &domain,
        &[
            (None, "sender", 4),
            (None, "alice", 1),
            (None, &nobody, 1),
            (None, "bob", 2),
        ],
    );
    let addrs = parties.table();
    let (subject, body) = (c(&format!("Report {token}")), c("report test\n"));
    let msg = message(Some(&subject), Some(&body), &[]);
    let (user, pass) = (c(&bed("USER")), c(&bed("PASS")));
    let mta = mta(Some(SERVER), Some(&user), Some(&pass), 0);
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 4];
    let mut report = cstructs::zeroed_report();
    report.paResult = results.as_mut_ptr();
    report.NumResults = 4;
    let mut o = init_options::options();
    o.pReport = &mut report;

    // By default no AUTH in clear: only EHLO and QUIT go out.
    let (r, wire) = send_ex(&addrs, &msg, &mta, &o);
    assert_eq!(r, Error::AuthInsecure as c_int);
    assert_eq!(
        String::from_utf8_lossy(&wire),
        "EHLO ip-smtpc.test\r\nQUIT\r\n"
    );
    assert_eq!((report.Step, report.ReplyCode), (5, 0));

    // Opted in, with a 20 s deadline on the millisecond clock.
    o.AllowInsecureAuth = 1;
    o.ReplyTimeoutMs = 20_000;
    o.pfGetTimeMs = Some(clock_ms);
    o.pfSetTimeout = Some(set_timeout);
    let (r, wire) = send_ex(&addrs, &msg, &mta, &o);
    let wire = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, Error::PartialDelivery as c_int, "{wire}");
    assert_eq!(report.Result, r);
    assert_eq!(
        (
            report.Step,
            report.Secure,
            report.ReplyCode,
            report.NumAccepted,
            report.NumRejected
        ),
        (IP_SMTPC_STEP_RCPT, 0, 250, 2, 1)
    );
    // (Postfix answers BDAT with "2.0.0 Ok: <n> bytes queued as ...".)
    let text = cstructs::reply_text(&report);
    assert!(
        text.starts_with("2.0.0 Ok: ") && text.contains("queued as "),
        "{text:?}"
    );
    let e = cstructs::rcpt_result;
    assert_eq!(
        results,
        [
            e(250, 2, 1, 0),
            e(250, 2, 1, 5),
            e(550, 5, 1, 1),
            e(250, 2, 1, 5)
        ]
    );
    let told = TOLD.with(|t| t.take());
    assert!(
        told.len() > 10 && told.iter().all(|&ms| (1..=20_000).contains(&ms)),
        "{told:?}"
    );
    for mailbox in ["alice", "bob"] {
        let stored = delivered(mailbox, &token);
        assert!(String::from_utf8_lossy(&stored).contains("report test"));
    }
}

/// SIZE against the small port (limit `SMTPC_TB_SIZE_LIMIT_SMALL`): a message
/// over it is refused before MAIL; one under it declares its exact size and,
/// with Reply-To and extra header lines, is delivered byte for byte.
#[cfg(all(feature = "headers", feature = "size"))]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn size_declared_and_enforced_extra_headers_delivered() {
    use ip_smtpc::Error;
    let domain = bed("DOMAIN");
    let limit: usize = bed("SIZE_LIMIT_SMALL").parse().unwrap();
    use_port("PORT_SMALL");
    let token = mail_token("send-size");
    let parties = Parties::at(&domain, &[(None, "sender", 4), (None, "dave", 1)]);
    let addrs = parties.table();
    let subject = c(&format!("Size {token}"));
    let big = c(&"0123456789abcdef\n".repeat(limit / 17 + 10));
    let small = c("short\n.dot\n");
    let mta = mta(Some(SERVER), None, None, 0);
    let lines = [c("X-Device: pump-3"), c("X-Token:  spaced")];
    let ptrs = [lines[0].as_ptr(), lines[1].as_ptr()];
    let reply_to = c(&format!("desk@{domain}"));
    let mut o = init_options::options();
    o.pasHeader = ptrs.as_ptr();
    o.NumHeaders = 2;
    o.sReplyTo = reply_to.as_ptr();

    let (r, wire) = send_ex(&addrs, &message(Some(&subject), Some(&big), &[]), &mta, &o);
    let wire = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, Error::MessageTooBig as c_int, "{wire}");
    assert_eq!(wire, "EHLO ip-smtpc.test\r\nQUIT\r\n");

    let (r, wire) = send_ex(
        &addrs,
        &message(Some(&subject), Some(&small), &[]),
        &mta,
        &o,
    );
    let text = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, 0, "{text}");
    let sent = sent_message(&wire);
    let size = wire_size(&wire);
    assert!(
        text.contains(&format!("MAIL FROM:<sender@{domain}> SIZE={size}\r\n")),
        "{text}"
    );
    let header = String::from_utf8_lossy(&sent).into_owned();
    assert!(
        header.contains(&format!("Reply-To: <desk@{domain}>\r\n"))
            && header.contains("X-Device: pump-3\r\nX-Token:  spaced\r\nMIME-Version"),
        "{header}"
    );
    check_stored(&token, &sent, &["dave"]);
}

/// RFC 2047: a non-ASCII display name, subject and extra header value go out
/// as encoded words, every header line ASCII and within 78 characters, and
/// arrive byte for byte.
#[cfg(all(feature = "words", feature = "headers"))]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn encoded_words_delivered() {
    use_port("PORT_PLAIN");
    let token = mail_token("send-words");
    let parties = Parties::at(
        &bed("DOMAIN"),
        &[
            (Some("Jörg Müller"), "sender", 4),
            (Some("Ωmega Ops"), "erin", 1),
        ],
    );
    let subject = c(&format!(
        "Störung an Pumpe 3 – Grüße aus München, 日本語の件名 {token}"
    ));
    let body = c("plain body\n");
    let line = c("X-Ort: Köln");
    let ptrs = [line.as_ptr()];
    let mut o = init_options::options();
    o.pasHeader = ptrs.as_ptr();
    o.NumHeaders = 1;
    let (r, wire) = send_ex(
        &parties.table(),
        &message(Some(&subject), Some(&body), &[]),
        &mta(Some(SERVER), None, None, 0),
        &o,
    );
    assert_eq!(r, 0, "{}", String::from_utf8_lossy(&wire));
    let sent = sent_message(&wire);
    let text = String::from_utf8(sent.clone()).unwrap();
    let header = &text[..text.find("\r\n\r\n").unwrap()];
    for l in header.split("\r\n") {
        assert!(l.is_ascii() && l.len() <= 78, "{l}");
    }
    assert!(header.contains("From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=\r\n <sender@"));
    assert!(header.contains("X-Ort: =?UTF-8?B?S8O2bG4=?=\r\n"));
    // The token is inside an encoded word: find the mail by the recipient's newest file.
    let dir = PathBuf::from(bed("MAILDIR")).join("erin").join("new");
    let start = Instant::now();
    loop {
        let found = std::fs::read_dir(&dir).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|e| std::fs::read(e.path()).unwrap_or_default())
                .find(|b| strip_trace(b) == sent)
        });
        if found.is_some() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not delivered");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// MIME against Postfix: a text with a line over 998 octets (quoted-
/// printable), a 20 kB binary item and one with a non-ASCII file name
/// (RFC 2231), streamed through pfSendItem; delivered byte for byte.
#[cfg(feature = "mime")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn multipart_items_delivered_byte_for_byte() {
    use_port("PORT_PLAIN");
    let token = mail_token("send-mime");
    let parties = Parties::at(&bed("DOMAIN"), &[(None, "sender", 4), (None, "frank", 1)]);
    let subject = c(&format!("MIME {token}"));
    let body = c(&format!(
        "see attached\n.dot line\n{}\nend",
        "x".repeat(1200)
    ));
    let binary: Vec<u8> = (0..20_000u32).map(|i| (i * 31 + 7) as u8).collect();
    let (binary, csv) = (
        cstructs::Stream::new(binary, 1000, 0),
        cstructs::Stream::new(*b"a,b\n1,2\n", 1000, 0),
    );
    let (n1, n2, t1, t2) = (
        c("dump.bin"),
        c("Märzbericht 2026.csv"),
        c("application/octet-stream"),
        c("text/csv"),
    );
    let items = [
        binary.item(Some(&n1), Some(&t1)),
        csv.item(Some(&n2), Some(&t2)),
    ];
    let (r, wire) = send_mail(
        &parties.table(),
        &message(Some(&subject), Some(&body), &items),
        &mta(Some(SERVER), None, None, 0),
        None,
    );
    let text = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, 0, "{}", &text[..text.len().min(3000)]);
    let sent = sent_message(&wire);
    let message = String::from_utf8_lossy(&sent).into_owned();
    assert!(message.contains(
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nsee attached\r\n.dot line\r\n"
    ));
    assert!(message.contains(" filename*=utf-8''M%C3%A4rzbericht%202026.csv\r\n"));
    for line in message.split("\r\n") {
        assert!(line.len() <= 998);
    }
    check_stored(&token, &sent, &["frank"]);
}
/// A complete message given by the caller (`RawMessage`, as `src/`'s
/// `raw_message_arrives_byte_for_byte`): 8-bit, with odd spacing, mixed line
/// ends, a bare CR and leading dots, from `sBody` and then streamed through
/// `pBody`; it arrives byte for byte (CR LF canonical, no field added by the
/// library) under BODY=8BITMIME, also at the Bcc envelope recipient, who is
/// named nowhere.
#[cfg(feature = "raw")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn raw_message_arrives_byte_for_byte() {
    let domain = bed("DOMAIN");
    use_port("PORT_PLAIN");
    let parties = Parties::at(
        &domain,
        &[
            (None, "sender", 4),
            (None, "alice", 1),
            (Some("Carol Hidden"), "carol", 3),
        ],
    );
    let addrs = parties.table();
    let mta = mta(Some(SERVER), None, None, 0);
    for streamed in [false, true] {
        let token = mail_token(&format!("send-raw-{streamed}"));
        let message = format!(
            "Date: Sat, 28 Nov 2026 09:30:00 +0100\r\nMessage-ID: <{token}@client.ip-smtpc.test>\r\n\
             From: Test Device <sender@{domain}>\nTo: alice@{domain}\r\n\
             Subject: {token}\r\nX-Odd:   spaced\t\r\n  folded\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
             .dot\nK\u{e4}se \u{6771}\u{4eac}\r\n..\r\nbare\rCR\r\nlast line"
        );
        // As Postfix stores it (LF), read back with CR LF: every line end
        // CR LF, the last line ended.
        let expected = format!(
            "{}\r\n",
            message.replace("\r\n", "\n").replace(['\r', '\n'], "\r\n")
        );
        let body = c(if streamed { "" } else { &message });
        // Pieces of 7 bytes: CR LF pairs and UTF-8 sequences split across calls.
        let stream = cstructs::Stream::new(message.as_bytes(), 7, 0);
        let item = stream.item(None, None);
        let mut o = init_options::options();
        o.RawMessage = 1;
        if streamed {
            o.pBody = &item;
        }
        let (r, wire) = send_ex(&addrs, &cstructs::message(None, Some(&body), &[]), &mta, &o);
        let text = String::from_utf8_lossy(&wire).into_owned();
        assert_eq!(r, 0, "{text}");
        // SIZE= for a static message only (a stream's size is unknown).
        let mail = format!("MAIL FROM:<sender@{domain}>");
        if streamed || !cfg!(feature = "size") {
            assert!(
                text.contains(&format!("{mail} BODY=8BITMIME\r\n")),
                "{text}"
            );
        } else {
            // The message as sent (stuffed: a complete message goes by
            // DATA, never BDAT) without ".\r\n".
            let size = wire_size(&wire);
            assert_eq!(size, expected.len() + 2, "two stuffed dots");
            assert!(
                text.contains(&format!("{mail} SIZE={size} BODY=8BITMIME\r\n")),
                "{text}"
            );
        }
        assert!(text.contains(&format!("RCPT TO:<carol@{domain}>\r\n")));
        assert_eq!(String::from_utf8_lossy(&sent_message(&wire)), expected);
        for name in ["alice", "carol"] {
            let stored = delivered(name, &token);
            assert_eq!(
                String::from_utf8_lossy(&strip_trace(&stored)),
                expected,
                "{name}"
            );
            assert!(!String::from_utf8_lossy(&stored).contains("Carol Hidden"));
        }
        let alice = String::from_utf8_lossy(&delivered("alice", &token)).into_owned();
        assert!(!alice.contains(&format!("carol@{domain}")), "{alice}");
    }
}

/// PIPELINING (RFC 2920), which the test bed's Postfix offers: MAIL, the
/// three RCPT and DATA go in one pfSend, the replies are matched by count,
/// and the message arrives byte for byte in each mailbox. The client's turns
/// (a pfSend after a pfReceive starts one) are counted: greeting, EHLO, AUTH,
/// the envelope group, the message, QUIT.
#[cfg(feature = "pipelining")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn pipelined_envelope_in_one_write_delivered_byte_for_byte() {
    let domain = bed("DOMAIN");
    WHOLE.with(|w| *w.borrow_mut() = true);
    CALLS.with(|c| c.borrow_mut().clear());
    let (token, wire, status) = send_to_three(
        "pipe",
        [None; 4],
        "Pipelined",
        "One group.\n.leading dot\nlast line",
    );
    WHOLE.with(|w| *w.borrow_mut() = false);
    let calls = CALLS.with(|c| c.take());

    // The envelope in one pfSend (MAIL with SIZE= when the set has `size`).
    let group: Vec<String> = calls
        .iter()
        .filter_map(|c| c.as_ref().ok())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .filter(|w| w.starts_with("MAIL FROM:"))
        .collect();
    assert_eq!(group.len(), 1, "MAIL in one pfSend: {group:?}");
    let lines: Vec<&str> = group[0].split_inclusive("\r\n").collect();
    let mail = format!("MAIL FROM:<sender@{domain}>");
    assert!(
        lines[0] == format!("{mail}\r\n") || lines[0].starts_with(&format!("{mail} SIZE=")),
        "{group:?}"
    );
    assert_eq!(
        lines[1..4],
        [
            format!("RCPT TO:<alice@{domain}>\r\n"),
            format!("RCPT TO:<bob@{domain}>\r\n"),
            format!("RCPT TO:<carol@{domain}>\r\n"),
        ]
    );
    if CHUNKED {
        // BDAT and the start of the message follow in the same write.
        assert!(lines[4].starts_with("BDAT "), "{group:?}");
        assert!(lines.len() > 5, "{group:?}");
    } else {
        assert_eq!(lines[4..], ["DATA\r\n"]);
    }
    // Client turns: EHLO, AUTH (CRAM-MD5: two), the envelope (with BDAT:
    // and the message and QUIT), then without BDAT the message and QUIT.
    let turns = calls
        .windows(2)
        .filter(|w| w[0].is_err() && w[1].is_ok())
        .count();
    let auth_turns = if CRAM { 2 } else { 1 };
    assert_eq!(turns, auth_turns + if CHUNKED { 2 } else { 3 }, "{calls:?}");
    // Per-recipient results in order, as without pipelining.
    check_three_accepted(&status);
    check_stored(&token, &sent_message(&wire), &["alice", "bob", "carol"]);
}

/// One mail from sender to alice through `IP_SMTPC_SendEx` on the
/// clear-text AUTH port with AUTH in clear allowed and the mechanism mask
/// `mask`, as `user` / `pass` (with `oauth`: and the bearer token
/// `bearer`): the result, the wire, the report's reply text and its
/// OAuthStatus.
#[cfg(all(feature = "ex", any(feature = "cram-md5", feature = "oauth")))]
fn send_auth(
    user: &str,
    pass: &str,
    token: &str,
    bearer: Option<&str>,
    mask: u32,
) -> (c_int, Vec<u8>, String, u16) {
    use_port("PORT_CLEARAUTH");
    let parties = Parties::at(&bed("DOMAIN"), &[(None, "sender", 4), (None, "alice", 1)]);
    let (subject, body) = (c(&format!("AUTH {token}")), c("Sent after AUTH.\n.a dot\n"));
    let (user, pass, bearer) = (c(user), c(pass), bearer.map(c));
    let mut report = cstructs::zeroed_report();
    let mut o = init_options::options();
    o.AllowInsecureAuth = 1;
    o.AuthMechanisms = mask;
    o.pReport = &mut report;
    #[cfg(feature = "oauth")]
    if let Some(bearer) = &bearer {
        o.sOAuthToken = bearer.as_ptr();
    }
    #[cfg(not(feature = "oauth"))]
    let _ = bearer;
    let (r, wire) = send_ex(
        &parties.table(),
        &message(Some(&subject), Some(&body), &[]),
        &mta(Some(SERVER), Some(&user), Some(&pass), 0),
        &o,
    );
    (r, wire, cstructs::reply_text(&report), report.OAuthStatus)
}

/// Postfix's log line of the session that queued the mail of `reply`
/// (its queue id, "client=...", with the SASL method Dovecot accepted).
#[cfg(all(feature = "ex", any(feature = "cram-md5", feature = "oauth")))]
fn session_log(reply: &str) -> String {
    let id = reply
        .split("queued as ")
        .nth(1)
        .unwrap_or_else(|| panic!("no queue id in {reply:?}"))
        .trim();
    let log = PathBuf::from(bed("DIR")).join("log/postfix.log");
    let want = format!("{id}: client=");
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = log.lines().find(|l| l.contains(&want)) {
            return l.to_string();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{want} not in {log:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Nothing with `token` in alice's Maildir (the client never sent MAIL;
/// a delivery would take well under a second on the bed).
#[cfg(all(feature = "ex", any(feature = "cram-md5", feature = "oauth")))]
fn nothing_delivered(token: &str) {
    std::thread::sleep(Duration::from_secs(1));
    let inbox = PathBuf::from(bed("MAILDIR")).join("alice/new");
    for e in std::fs::read_dir(inbox).into_iter().flatten().flatten() {
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(token));
    }
}

/// AUTH CRAM-MD5 (RFC 2195) through Postfix and Dovecot (`cram-md5`):
/// offered with PLAIN and LOGIN on a connection without TLS, CRAM-MD5 goes
/// (the default mask): the wire shows neither the password nor PLAIN or
/// LOGIN, Postfix logs the mail's queue id with `sasl_method=CRAM-MD5`,
/// and the message arrives byte for byte.
#[cfg(all(feature = "ex", feature = "cram-md5"))]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn cram_md5_through_dovecot_delivered_byte_for_byte() {
    let (user, pass) = (bed("USER"), bed("PASS"));
    let token = mail_token("cram-ok");
    let (r, wire, reply, _) = send_auth(&user, &pass, &token, None, 0);
    let text = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, 0, "{text}\nreply: {reply}");
    // EHLO, AUTH CRAM-MD5, the response (user SP 32 hex digits), MAIL.
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[..2],
        ["EHLO ip-smtpc.test", "AUTH CRAM-MD5"],
        "{text}"
    );
    let response = String::from_utf8(base64_decode(lines[2])).unwrap();
    let (name, digest) = response.split_once(' ').unwrap();
    assert_eq!(name, user);
    assert!(
        digest.len() == 32
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{response}"
    );
    assert!(lines[3].starts_with("MAIL FROM:<sender@"), "{text}");
    assert!(!text.contains("PLAIN") && !text.contains("LOGIN") && !text.contains(&pass));
    assert!(!text.contains(&b64(&pass)) && !text.contains(&b64(&format!("\0{user}\0{pass}"))));
    // Postfix's record of the session: the queue id from the reply to the
    // message, with the SASL method Dovecot accepted.
    let line = session_log(&reply);
    assert!(
        line.contains(&format!("sasl_method=CRAM-MD5, sasl_username={user}")),
        "{line}"
    );
    check_stored(&token, &sent_message(&wire), &["alice"]);
}

/// A wrong password: Dovecot refuses the CRAM-MD5 response (535), the
/// result is AUTH_FAILED, and no MAIL FROM goes out, so nothing arrives.
#[cfg(all(feature = "ex", feature = "cram-md5"))]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn cram_md5_wrong_password_fails_and_sends_nothing() {
    let (user, pass) = (bed("USER"), bed("PASS"));
    let token = mail_token("cram-wrong");
    let (r, wire, reply, _) = send_auth(&user, &format!("{pass}-wrong"), &token, None, 0);
    let text = String::from_utf8_lossy(&wire).into_owned();
    assert_eq!(r, ip_smtpc::Error::AuthFailed as c_int, "{text}");
    assert!(reply.starts_with("5.7.8 "), "{reply:?}");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        [lines[0], lines[1], lines[3], lines[4]],
        ["EHLO ip-smtpc.test", "AUTH CRAM-MD5", "QUIT", ""]
    );
    nothing_delivered(&token);
}

/// XOAUTH2 and OAUTHBEARER (RFC 7628) through Postfix and Dovecot's oauth2
/// passdb (`oauth`), the tokens checked by the test bed's introspection
/// server: the valid token delivers byte for byte with Postfix logging
/// `sasl_method=OAUTHBEARER` (offered with XOAUTH2: preferred) or
/// `XOAUTH2` (the mask), the token never on the wire but in its base64
/// response, no password mechanism; the expired and the wrong-scope
/// tokens fail with AUTH_FAILED after the error challenge, its status in
/// the report (Dovecot says "invalid_token" for both under OAUTHBEARER,
/// "401" under XOAUTH2), no MAIL.
#[cfg(feature = "oauth")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn oauth_through_dovecot() {
    let (user, pass) = (bed("USER"), bed("PASS"));
    for (mask, mech, answer) in [
        (0, "OAUTHBEARER", "AQ=="),
        (IP_SMTPC_AUTH_XOAUTH2, "XOAUTH2", ""),
    ] {
        let token = mail_token("cram-oauth");
        let valid = bed("OAUTH_VALID");
        let (r, wire, reply, status) = send_auth(&user, &pass, &token, Some(&valid), mask);
        let text = String::from_utf8_lossy(&wire).into_owned();
        assert_eq!((r, status), (0, 0), "{text}\nreply: {reply}");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "EHLO ip-smtpc.test");
        let (auth, response) = lines[1].rsplit_once(' ').unwrap();
        assert_eq!(auth, format!("AUTH {mech}"));
        let decoded = String::from_utf8(base64_decode(response)).unwrap();
        assert!(
            decoded.ends_with(&format!("{user}\u{1}auth=Bearer {valid}\u{1}\u{1}"))
                || decoded.ends_with(&format!("{user},\u{1}auth=Bearer {valid}\u{1}\u{1}")),
            "{decoded:?}"
        );
        assert!(lines[2].starts_with("MAIL FROM:<sender@"), "{text}");
        assert!(!text.contains("PLAIN") && !text.contains("LOGIN") && !text.contains(&pass));
        assert!(!text.contains(&valid) && !text.contains(&b64(&valid)));
        let line = session_log(&reply);
        assert!(
            line.contains(&format!("sasl_method={mech}, sasl_username={user}")),
            "{line}"
        );
        check_stored(&token, &sent_message(&wire), &["alice"]);
        for kind in ["EXPIRED", "SCOPE"] {
            let token = mail_token("cram-oauth-refused");
            let (r, wire, reply, status) = send_auth(
                &user,
                &pass,
                &token,
                Some(&bed(&format!("OAUTH_{kind}"))),
                mask,
            );
            let text = String::from_utf8_lossy(&wire).into_owned();
            assert_eq!(r, ip_smtpc::Error::AuthFailed as c_int, "{kind} {text}");
            assert_eq!(status, 401, "{kind} {mech}");
            assert!(reply.starts_with("5.7.8 "), "{reply:?}");
            let lines: Vec<&str> = text.split("\r\n").collect();
            assert_eq!(&lines[2..], [answer, "QUIT", ""], "{kind} {text}");
            nothing_delivered(&token);
        }
    }
}

/// base64 (RFC 4648) of `s`, to look for it on the wire.
#[cfg(all(feature = "ex", any(feature = "cram-md5", feature = "oauth")))]
fn b64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    s.as_bytes()
        .chunks(3)
        .flat_map(|g| {
            let v = g
                .iter()
                .enumerate()
                .fold(0u32, |v, (i, &b)| v | u32::from(b) << (16 - 8 * i));
            (0..4).map(move |k| {
                if k <= g.len() {
                    A[(v >> (18 - 6 * k) & 63) as usize] as char
                } else {
                    '='
                }
            })
        })
        .collect()
}

/// Decodes base64 (RFC 4648, padded).
#[cfg(all(feature = "ex", any(feature = "cram-md5", feature = "oauth")))]
fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in s.bytes().filter(|&c| c != b'=') {
        acc = acc << 6 | A.iter().position(|&a| a == c).expect("base64") as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
