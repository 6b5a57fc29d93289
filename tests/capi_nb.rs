// SPDX-License-Identifier: MIT OR Apache-2.0
//! The non-blocking API (`nb`) through the C ABI against in-memory scripted
//! servers: the same wire, callbacks and report as `IP_SMTPC_SendEx` when
//! every hook answers `IP_SMTPC_WOULD_BLOCK` every other call and replies
//! and sends are split into pieces of 1..n bytes; deadlines from `NowMs`
//! (a stalled server, RFC 5321's per-step values, two sessions of which
//! one stalls); `IP_SMTPC_Abort` at each stage; the validation of
//! `IP_SMTPC_Start` against `IP_SMTPC_SendEx`'s; every misuse code.
#![cfg(feature = "nb")]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;

use ip_smtpc::capi::*;

#[path = "support/cstructs.rs"]
mod cstructs;
#[path = "support/script_server.rs"]
mod script_server;

use script_server::Script;

/// One scripted server and what its hooks saw.
#[derive(Default)]
struct Srv {
    server: Script,
    /// Answer `IP_SMTPC_WOULD_BLOCK` every other hook call.
    block: bool,
    toggle: bool,
    /// Most bytes one send takes or one receive gives (0: no limit).
    chunk: usize,
    /// `pfUpgrade` answers WOULD_BLOCK this many times first.
    upgrade_blocks: u32,
    connects: u32,
    disconnects: u32,
    upgrades: u32,
    /// Hook calls that were refused with WOULD_BLOCK.
    blocked: u32,
}

thread_local! {
    static SRV: RefCell<Vec<Srv>> = const { RefCell::new(Vec::new()) };
    static EVENTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static REFUSE_CONNECT: RefCell<bool> = const { RefCell::new(false) };
}

/// Adds a server; the next `pfConnect` that finds it unconnected takes it.
fn server(script: &[&'static str], block: bool, chunk: usize) -> usize {
    SRV.with(|s| {
        let mut s = s.borrow_mut();
        s.push(Srv {
            server: Script::new(script),
            block,
            chunk,
            ..Srv::default()
        });
        s.len() - 1
    })
}

fn with<R>(i: usize, f: impl FnOnce(&mut Srv) -> R) -> R {
    SRV.with(|s| f(&mut s.borrow_mut()[i]))
}

fn reset() {
    SRV.with(|s| s.borrow_mut().clear());
    EVENTS.with(|e| e.borrow_mut().clear());
    REFUSE_CONNECT.with(|r| *r.borrow_mut() = false);
}

/// Whether this call is refused (every other call when `block`).
fn blocks(b: &mut Srv) -> bool {
    if !b.block {
        return false;
    }
    b.toggle = !b.toggle;
    if b.toggle {
        b.blocked += 1;
    }
    b.toggle
}

fn index(sock: SMTPC_SOCKET) -> usize {
    sock as usize - 1
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    if REFUSE_CONNECT.with(|r| *r.borrow()) {
        return ptr::null_mut();
    }
    SRV.with(|s| {
        let mut s = s.borrow_mut();
        let i = s
            .iter()
            .position(|b| b.connects == 0)
            .expect("a free server");
        s[i].connects += 1;
        s[i].server.release();
        (i + 1) as SMTPC_SOCKET
    })
}
unsafe extern "C" fn disconnect(sock: SMTPC_SOCKET) {
    with(index(sock), |b| b.disconnects += 1);
}
unsafe extern "C" fn send(p: *const c_char, n: c_int, sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes `n` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) };
    with(index(sock), |b| {
        if blocks(b) {
            return IP_SMTPC_WOULD_BLOCK;
        }
        let k = if b.chunk == 0 {
            bytes.len()
        } else {
            bytes.len().min(b.chunk)
        };
        b.server.client_sent(&bytes[..k]);
        k as c_int
    })
}
unsafe extern "C" fn receive(p: *mut c_char, n: c_int, sock: SMTPC_SOCKET) -> c_int {
    with(index(sock), |b| {
        if blocks(b) || b.server.pending.is_empty() {
            return IP_SMTPC_WOULD_BLOCK;
        }
        let max = if b.chunk == 0 {
            n as usize
        } else {
            (n as usize).min(b.chunk)
        };
        // SAFETY: the library passes `n` writable bytes; max <= n.
        unsafe { b.server.give(p, max) as c_int }
    })
}
unsafe extern "C" fn upgrade(sock: SMTPC_SOCKET, _: *const c_char) -> c_int {
    with(index(sock), |b| {
        if b.upgrade_blocks > 0 {
            b.upgrade_blocks -= 1;
            return IP_SMTPC_WOULD_BLOCK;
        }
        b.upgrades += 1;
        0
    })
}
unsafe extern "C" fn downgrade(_: SMTPC_SOCKET) {}
unsafe extern "C" fn callback(stat: c_int, p: *mut c_void) -> c_int {
    // SAFETY: the library passes an IP_SMTPC_STATUS.
    let s = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
    EVENTS.with(|e| {
        e.borrow_mut().push(format!(
            "{stat} step {} code {} rcpt {}",
            s.Step, s.ReplyCode, s.RecipientIndex
        ))
    });
    0
}
unsafe extern "C" fn send_item(
    _: *mut IP_SMTPC_CONTEXT,
    _: *const IP_SMTPC_MULTIPART_ITEM,
    _: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    0
}

/// The mail: a sender and three recipients (To, Cc, Bcc).
struct Mail {
    _strings: Vec<CString>,
    addrs: [IP_SMTPC_MAIL_ADDR; 4],
    msg: IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    api: IP_SMTPC_API,
    app: IP_SMTPC_APPLICATION,
    results: [IP_SMTPC_RCPT_RESULT; 4],
    report: IP_SMTPC_REPORT,
    opts: IP_SMTPC_OPTIONS,
}

fn mail() -> Box<Mail> {
    let strings: Vec<CString> = [
        "a@b.test",
        "c@d.test",
        "e@d.test",
        "f@d.test",
        "Hello,\n.dot line\nbye\n",
        "mx",
        "Subject here",
    ]
    .iter()
    .map(|s| CString::new(*s).unwrap())
    .collect();
    let s = |i: usize| Some(&*strings[i]);
    let entry = |i: usize, t: c_int| cstructs::addr(None, &strings[i], t);
    let mut m = Box::new(Mail {
        addrs: [entry(0, 4), entry(1, 1), entry(2, 2), entry(3, 3)],
        msg: cstructs::message(s(6), s(4), &[]),
        mta: cstructs::mta(s(5), None, None, SMTPC_SEC_POLICY_ALLOW_INSECURE),
        api: cstructs::plain_api(connect, disconnect, send, receive),
        app: IP_SMTPC_APPLICATION {
            pfGetTimeDate: None,
            pfCallback: Some(callback),
            sDomain: ptr::null(),
            sTimezone: ptr::null(),
        },
        results: [IP_SMTPC_RCPT_RESULT {
            ReplyCode: 999,
            EnhancedClass: 9,
            EnhancedSubject: 9,
            EnhancedDetail: 9,
        }; 4],
        report: IP_SMTPC_REPORT {
            Result: 12345,
            Step: 99,
            Secure: 9,
            ReplyCode: 999,
            NumAccepted: 99,
            NumRejected: 99,
            paResult: ptr::null_mut(),
            NumResults: 4,
            acReply: [b'#' as c_char; IP_SMTPC_REPLY_TEXT_SIZE],
            OAuthStatus: 7,
            NumHostsTried: 7,
            aReserved: [7; 3],
        },
        // SAFETY: plain data; initialised by IP_SMTPC_OptionsInit below.
        opts: unsafe { std::mem::zeroed() },
        _strings: strings,
    });
    // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(&mut m.opts) }, 0);
    m
}

/// Points the options at the report and the report at the results (just
/// before a call, so that the pointers stay valid under Miri's rules).
fn link(m: &mut Mail) {
    m.report.paResult = m.results.as_mut_ptr();
    m.opts.pReport = &mut m.report;
}

/// A session as C holds one: a raw pointer, used for every call (a Rust
/// `&mut` to it between calls would, under Miri's rules, take back the
/// pointers the library keeps into it).
struct S(*mut IP_SMTPC_SESSION);

impl Drop for S {
    fn drop(&mut self) {
        // SAFETY: made by Box::into_raw in `session`, freed once.
        drop(unsafe { Box::from_raw(self.0) });
    }
}

/// A zeroed session with its `SizeOf` set.
fn session() -> S {
    // SAFETY: plain data; all zeroes is a valid (never started) session.
    let p = Box::into_raw(Box::new(unsafe { std::mem::zeroed::<IP_SMTPC_SESSION>() }));
    // SAFETY: just made.
    unsafe { (*p).SizeOf = std::mem::size_of::<IP_SMTPC_SESSION>() as u32 };
    S(p)
}

fn start(s: &mut S, m: &mut Mail) -> c_int {
    link(m);
    // SAFETY: every pointer is valid and outlives the send (boxed).
    unsafe { start_entries(s.0, ptr::addr_of_mut!(*m), m.addrs.len() as c_int) }
}

/// `IP_SMTPC_Start` on `session` with `m` as it stands and the first `n`
/// entries of its address table. `m` is a raw pointer, not `&Mail`: the
/// library writes the report inside it through `pReport` during the call,
/// which a reference argument (protected for the whole call under Miri's
/// rules) would forbid; only the fields passed are borrowed.
///
/// # Safety
/// As `IP_SMTPC_Start`: `session` NULL or a session, `m` valid, linked and
/// kept in place until the send ends.
unsafe fn start_entries(session: *mut IP_SMTPC_SESSION, m: *mut Mail, n: c_int) -> c_int {
    // SAFETY: the caller's; each field is borrowed alone.
    unsafe {
        IP_SMTPC_Start(
            session,
            &(*m).api,
            (*m).addrs.as_ptr(),
            n,
            &(*m).msg,
            &(*m).mta,
            &(*m).app,
            &(*m).opts,
        )
    }
}

fn send_ex(m: &mut Mail) -> c_int {
    link(m);
    // SAFETY: every pointer is valid during the call.
    unsafe {
        IP_SMTPC_SendEx(
            &m.api,
            m.addrs.as_ptr(),
            m.addrs.len() as c_int,
            &m.msg,
            &m.mta,
            &m.app,
            &m.opts,
        )
    }
}

fn poll(s: &mut S, now: u32) -> c_int {
    // SAFETY: a valid session.
    unsafe { IP_SMTPC_Poll(s.0, now) }
}

fn wait(s: &mut S) -> (c_int, u32) {
    let mut at = 0xdead_beef;
    // SAFETY: a valid session and a writable deadline.
    let w = unsafe { IP_SMTPC_GetWait(s.0, &mut at) };
    (w, at)
}

fn abort(s: &mut S) -> c_int {
    // SAFETY: a valid session.
    unsafe { IP_SMTPC_Abort(s.0) }
}

/// Polls at `now` until the send ends; the result and the number of polls.
fn drive(s: &mut S, now: u32) -> (c_int, u32) {
    for polls in 1..100_000 {
        let r = poll(s, now);
        if r != IP_SMTPC_IN_PROGRESS {
            return (r, polls);
        }
        let (w, _) = wait(s);
        assert!(w == 1 || w == 2 || w == 3, "wait {w}");
    }
    panic!("the send never ended");
}

/// The wire with the Message-ID (a hash of the caller's stack address)
/// blanked.
fn normalised(wire: &str) -> String {
    wire.split("\r\n")
        .map(|l| {
            if l.starts_with("Message-ID:") {
                "Message-ID: <>"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// A partial delivery: Cc rejected.
const PARTIAL: [&str; 9] = [
    "220 mx ready\r\n",
    "250-mx\r\n250-8BITMIME\r\n250 SIZE 100000\r\n",
    "250 2.1.0 sender ok\r\n",
    "250 2.1.5 ok\r\n",
    "550 5.1.1 no such user\r\n",
    "250 2.1.5 ok\r\n",
    "354 go ahead\r\n",
    "250 2.0.0 queued as 42\r\n",
    "221 2.0.0 bye\r\n",
];

/// What a report says, for comparisons.
fn summary(m: &Mail) -> String {
    let r = &m.report;
    let text: Vec<u8> = r
        .acReply
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    format!(
        "{} step {} secure {} code {} acc {} rej {} {:?} {:?} {:?}",
        r.Result,
        r.Step,
        r.Secure,
        r.ReplyCode,
        r.NumAccepted,
        r.NumRejected,
        String::from_utf8(text).unwrap(),
        m.results,
        (r.OAuthStatus, r.NumHostsTried, r.aReserved)
    )
}

#[test]
fn same_wire_callbacks_and_report_as_send_ex_with_would_block_and_split_io() {
    reset();
    let reference = server(&PARTIAL, false, 0);
    let mut m = mail();
    assert_eq!(send_ex(&mut m), IP_SMTPC_ERR_PARTIAL_DELIVERY);
    let wire = normalised(&with(reference, |b| b.server.text()));
    let events = EVENTS.with(|e| e.take());
    let report = summary(&m);
    assert_eq!(
        report,
        "-100 step 7 secure 0 code 250 acc 2 rej 1 \"2.0.0 queued as 42\" [IP_SMTPC_RCPT_RESULT { ReplyCode: 250, EnhancedClass: 2, EnhancedSubject: 1, EnhancedDetail: 0 }, IP_SMTPC_RCPT_RESULT { ReplyCode: 250, EnhancedClass: 2, EnhancedSubject: 1, EnhancedDetail: 5 }, IP_SMTPC_RCPT_RESULT { ReplyCode: 550, EnhancedClass: 5, EnhancedSubject: 1, EnhancedDetail: 1 }, IP_SMTPC_RCPT_RESULT { ReplyCode: 250, EnhancedClass: 2, EnhancedSubject: 1, EnhancedDetail: 5 }] (0, 0, [0, 0, 0])"
    );
    assert!(wire.contains("\r\n..dot line\r\n"));
    assert!(wire.ends_with("\r\n.\r\nQUIT\r\n"));
    for block in [false, true] {
        for chunk in [1, 2, 3, 7, 64, 0] {
            let srv = server(&PARTIAL, block, chunk);
            let mut m = mail();
            let mut s = session();
            assert_eq!(start(&mut s, &mut m), 0);
            assert_eq!(
                wait(&mut s),
                (0, 0xdead_beef),
                "nothing to wait for before Poll"
            );
            let (r, polls) = drive(&mut s, 7);
            assert_eq!(
                r, IP_SMTPC_ERR_PARTIAL_DELIVERY,
                "block {block} chunk {chunk}"
            );
            assert_eq!(normalised(&with(srv, |b| b.server.text())), wire);
            assert_eq!(EVENTS.with(|e| e.take()), events);
            assert_eq!(summary(&m), report);
            let (connects, disconnects, blocked) =
                with(srv, |b| (b.connects, b.disconnects, b.blocked));
            assert_eq!((connects, disconnects), (1, 1));
            if block {
                // Each refused call ended a Poll; the last one ended the send.
                assert_eq!(polls, blocked + 1, "chunk {chunk}");
                assert!(blocked >= 10, "{blocked}");
            }
            assert_eq!(poll(&mut s, 8), IP_SMTPC_ERR_FINISHED);
        }
    }
}

#[test]
fn a_session_can_be_started_again_once_finished() {
    reset();
    let mut s = session();
    for round in 0..3 {
        let srv = server(&PARTIAL, round == 1, 5);
        let mut m = mail();
        assert_eq!(start(&mut s, &mut m), 0, "round {round}");
        assert_eq!(drive(&mut s, round).0, IP_SMTPC_ERR_PARTIAL_DELIVERY);
        assert_eq!(with(srv, |b| b.disconnects), 1);
    }
}

#[test]
fn a_stalled_server_times_out_at_the_deadline_counted_on_now_ms() {
    reset();
    let srv = server(&[], false, 0);
    let mut m = mail();
    m.opts.ReplyTimeoutMs = 1000;
    // No pfGetTimeMs: the non-blocking API's clock is NowMs. (SendEx needs one.)
    assert_eq!(send_ex(&mut m), IP_SMTPC_ERR_INVALID_OPTIONS);
    assert_eq!(with(srv, |b| b.connects), 0);
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, u32::MAX - 499), IP_SMTPC_IN_PROGRESS);
    assert_eq!(wait(&mut s), (IP_SMTPC_WAIT_READ as c_int, 500));
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    assert_eq!(poll(&mut s, 499), IP_SMTPC_IN_PROGRESS);
    assert_eq!(poll(&mut s, 500), IP_SMTPC_ERR_TIMEOUT);
    assert_eq!(m.report.Result, IP_SMTPC_ERR_TIMEOUT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_GREETING);
    assert_eq!(
        with(srv, |b| (b.connects, b.disconnects, b.server.text())),
        (1, 1, String::new())
    );
    assert_eq!(wait(&mut s).0, IP_SMTPC_ERR_FINISHED);
}

#[test]
fn without_reply_timeout_each_step_gets_rfc_5321s_limit() {
    reset();
    // The server falls silent after the last RCPT: DATA's reply never comes.
    let srv = server(&PARTIAL[..6], false, 0);
    let mut m = mail();
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 100), IP_SMTPC_IN_PROGRESS);
    assert_eq!(wait(&mut s), (IP_SMTPC_WAIT_READ as c_int, 100 + 120_000));
    assert_eq!(poll(&mut s, 120_099), IP_SMTPC_IN_PROGRESS);
    assert_eq!(poll(&mut s, 120_100), IP_SMTPC_ERR_TIMEOUT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_DATA);
    assert!(with(srv, |b| b.server.text().ends_with("DATA\r\n")));
    // A silent greeting: 5 minutes.
    let _ = server(&[], false, 0);
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 7), IP_SMTPC_IN_PROGRESS);
    assert_eq!(wait(&mut s), (IP_SMTPC_WAIT_READ as c_int, 300_007));
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_APPLICATION_ABORT);
}

#[test]
fn quits_reply_is_waited_for_a_second_at_most() {
    reset();
    // The server accepts the message and never answers QUIT.
    let srv = server(&PARTIAL[..8], false, 0);
    let mut m = mail();
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 100), IP_SMTPC_IN_PROGRESS);
    assert!(with(srv, |b| b.server.text().ends_with("QUIT\r\n")));
    // Not RFC 5321's 5 minutes: the decided result does not wait for a 221.
    assert_eq!(wait(&mut s), (IP_SMTPC_WAIT_READ as c_int, 100 + 1_000));
    assert_eq!(poll(&mut s, 1_099), IP_SMTPC_IN_PROGRESS);
    assert_eq!(poll(&mut s, 1_100), IP_SMTPC_ERR_PARTIAL_DELIVERY);
    // A caller's shorter reply timeout stays shorter.
    let _ = server(&PARTIAL[..8], false, 0);
    m.opts.ReplyTimeoutMs = 300;
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    assert_eq!(wait(&mut s), (IP_SMTPC_WAIT_READ as c_int, 300));
    assert_eq!(poll(&mut s, 300), IP_SMTPC_ERR_PARTIAL_DELIVERY);
}

#[test]
fn the_deadline_fires_for_the_stalled_session_only() {
    reset();
    let good = server(&PARTIAL, true, 3);
    let stalled = server(&PARTIAL[..4], true, 3);
    let (mut ma, mut mb) = (mail(), mail());
    ma.opts.ReplyTimeoutMs = 5_000;
    mb.opts.ReplyTimeoutMs = 50;
    let (mut a, mut b) = (session(), session());
    assert_eq!(start(&mut a, &mut ma), 0);
    assert_eq!(start(&mut b, &mut mb), 0);
    let (mut ra, mut rb) = (IP_SMTPC_IN_PROGRESS, IP_SMTPC_IN_PROGRESS);
    let (mut now, mut deadline, mut a_done) = (0, 0, None);
    while ra == IP_SMTPC_IN_PROGRESS || rb == IP_SMTPC_IN_PROGRESS {
        if ra == IP_SMTPC_IN_PROGRESS {
            ra = poll(&mut a, now);
            if ra != IP_SMTPC_IN_PROGRESS {
                a_done = Some(now);
            }
        }
        if rb == IP_SMTPC_IN_PROGRESS {
            rb = poll(&mut b, now);
            if rb == IP_SMTPC_IN_PROGRESS {
                deadline = wait(&mut b).1;
            } else {
                // Exactly at the deadline GetWait gave, 50 ms after the
                // step (the second RCPT) began.
                assert_eq!(now, deadline);
            }
        }
        now += 1;
        assert!(now < 10_000);
    }
    // The good session went on after the stalled one timed out.
    assert!(a_done.unwrap() > deadline, "{a_done:?} {deadline}");
    assert_eq!(ra, IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(rb, IP_SMTPC_ERR_TIMEOUT);
    assert_eq!(mb.report.Step, IP_SMTPC_STEP_RCPT);
    assert_eq!(with(good, |b| b.disconnects), 1);
    assert_eq!(with(stalled, |b| b.disconnects), 1);
}

#[test]
fn abort_before_during_and_after_the_message() {
    reset();
    // Before the first Poll: nothing connected.
    let mut m = mail();
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_APPLICATION_ABORT);
    assert_eq!(m.report.Result, IP_SMTPC_ERR_APPLICATION_ABORT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_CONNECT);
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_FINISHED);
    assert_eq!(SRV.with(|s| s.borrow().len()), 0);

    // Waiting for EHLO's reply: closed without QUIT.
    let srv = server(&PARTIAL[..1], false, 0);
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_APPLICATION_ABORT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_EHLO);
    assert_eq!(
        with(srv, |b| (b.server.text(), b.disconnects)),
        ("EHLO b.test\r\n".into(), 1)
    );

    // The final dot went out, no reply yet: the outcome is unknown.
    let srv = server(&PARTIAL[..7], false, 0);
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    assert!(with(srv, |b| b.server.text().ends_with("\r\n.\r\n")));
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_END_OF_DATA);

    // Accepted, waiting for QUIT's reply: the result stands.
    let srv = server(&PARTIAL[..8], false, 0);
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    assert!(with(srv, |b| b.server.text().ends_with("QUIT\r\n")));
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(m.report.NumAccepted, 2);
    assert_eq!(with(srv, |b| b.disconnects), 1);
}

#[test]
fn connect_failure_and_a_tls_handshake_that_would_block() {
    reset();
    REFUSE_CONNECT.with(|r| *r.borrow_mut() = true);
    let mut m = mail();
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_CONNECT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_CONNECT);
    REFUSE_CONNECT.with(|r| *r.borrow_mut() = false);

    // Implicit TLS: pfUpgrade answers WOULD_BLOCK twice.
    let srv = server(&PARTIAL, false, 0);
    with(srv, |b| b.upgrade_blocks = 2);
    m.api.pfUpgrade = Some(upgrade);
    m.api.pfDowngrade = Some(downgrade);
    m.opts.TlsMode = IP_SMTPC_TLS_IMPLICIT;
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    let both = (IP_SMTPC_WAIT_READ | IP_SMTPC_WAIT_WRITE) as c_int;
    assert_eq!(wait(&mut s), (both, 300_000));
    assert_eq!(poll(&mut s, 1), IP_SMTPC_IN_PROGRESS);
    assert_eq!(wait(&mut s).0, both);
    assert_eq!(drive(&mut s, 2).0, IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(m.report.Secure, 1);
    assert_eq!(with(srv, |b| b.upgrades), 1);
}

#[test]
fn start_validates_exactly_as_send_ex() {
    reset();
    type Change = fn(&mut Mail);
    let changes: [(Change, c_int); 12] = [
        (|m| m.api.pfSend = None, IP_SMTPC_ERR_MISSING_HOOK),
        (|m| m.msg.sBody = c"a".as_ptr(), 0),
        (|m| m.mta.sServer = ptr::null(), IP_SMTPC_ERR_NULL_POINTER),
        (|m| m.mta.SecPolicy = 7, IP_SMTPC_ERR_INVALID_OPTIONS),
        (
            |m| m.addrs[1].sAddr = c"x\r\n@y".as_ptr(),
            IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR,
        ),
        (|m| m.addrs[2].Type = 9, IP_SMTPC_ERR_INVALID_RECIPIENT_TYPE),
        (
            |m| m.msg.sSubject = c"a\nb".as_ptr(),
            IP_SMTPC_ERR_INVALID_SUBJECT,
        ),
        (|m| m.opts.SizeOf = 3, IP_SMTPC_ERR_INVALID_OPTIONS),
        (|m| m.opts.RawMessage = 2, IP_SMTPC_ERR_INVALID_OPTIONS),
        (
            |m| m.opts.TlsMode = IP_SMTPC_TLS_STARTTLS,
            IP_SMTPC_ERR_TLS_UNAVAILABLE,
        ),
        (|m| m.opts.AuthMechanisms = 8, IP_SMTPC_ERR_INVALID_OPTIONS),
        (
            |m| m.mta.sUser = c"u\r\n".as_ptr(),
            IP_SMTPC_ERR_INVALID_CREDENTIALS,
        ),
    ];
    for (i, (change, code)) in changes.iter().enumerate() {
        if *code == 0 {
            continue;
        }
        let mut m = mail();
        change(&mut m);
        assert_eq!(send_ex(&mut m), *code, "change {i}");
        let expected = summary(&m);
        let mut m = mail();
        change(&mut m);
        let mut s = session();
        assert_eq!(start(&mut s, &mut m), *code, "change {i}");
        assert_eq!(summary(&m), expected, "change {i}");
        assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_NOT_STARTED, "change {i}");
    }
    // Too few entries.
    let mut m = mail();
    link(&mut m);
    let s = session();
    // SAFETY: valid pointers; one entry.
    let r = unsafe { start_entries(s.0, ptr::addr_of_mut!(*m), 1) };
    assert_eq!(r, IP_SMTPC_ERR_NO_RECIPIENT);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_INPUT);
    // Nothing was ever connected.
    assert_eq!(SRV.with(|s| s.borrow().len()), 0);
}

#[test]
fn items_are_refused_after_every_other_check() {
    reset();
    let item = IP_SMTPC_MULTIPART_ITEM {
        sFilename: c"a.txt".as_ptr(),
        pUserContext: ptr::null(),
        sContentType: c"text/plain".as_ptr(),
        pfSendItem: Some(send_item),
    };
    let mut m = mail();
    m.msg.paMultipartItem = &item;
    m.msg.NumMultipartItems = 1;
    let mut s = session();
    assert_eq!(start(&mut s, &mut m), IP_SMTPC_ERR_BLOCKING_ITEM);
    assert_eq!(m.report.Result, IP_SMTPC_ERR_BLOCKING_ITEM);
    assert_eq!(m.report.Step, IP_SMTPC_STEP_INPUT);
    // An invalid item gets SendEx's code first.
    let bad = IP_SMTPC_MULTIPART_ITEM {
        pfSendItem: None,
        ..item
    };
    m.msg.paMultipartItem = &bad;
    assert_eq!(start(&mut s, &mut m), IP_SMTPC_ERR_INVALID_ATTACHMENT);
    // pBody likewise.
    let mut m = mail();
    m.opts.pBody = &item;
    assert_eq!(start(&mut s, &mut m), IP_SMTPC_ERR_BLOCKING_ITEM);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_NOT_STARTED);
}

#[test]
fn misuse_gets_its_own_code_and_changes_nothing() {
    reset();
    let mut m = mail();
    link(&mut m);
    // SAFETY: NULL sessions are refused before anything is read.
    unsafe {
        assert_eq!(IP_SMTPC_Poll(ptr::null_mut(), 0), IP_SMTPC_ERR_NULL_POINTER);
        assert_eq!(IP_SMTPC_Abort(ptr::null_mut()), IP_SMTPC_ERR_NULL_POINTER);
        assert_eq!(
            IP_SMTPC_GetWait(ptr::null_mut(), ptr::null_mut()),
            IP_SMTPC_ERR_NULL_POINTER
        );
        let r = start_entries(ptr::null_mut(), ptr::addr_of_mut!(*m), 4);
        assert_eq!(r, IP_SMTPC_ERR_NULL_POINTER);
    }
    assert_eq!(m.report.Result, 12345, "the report is not touched");

    // Wrong size: unset, one byte off, a smaller header's.
    let mut s = session();
    let right = std::mem::size_of::<IP_SMTPC_SESSION>() as u32;
    for size in [0, right - 1, right + 8, 100] {
        // SAFETY: a whole session.
        unsafe { (*s.0).SizeOf = size };
        assert_eq!(start(&mut s, &mut m), IP_SMTPC_ERR_SESSION_SIZE);
        assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_SESSION_SIZE);
        assert_eq!(abort(&mut s), IP_SMTPC_ERR_SESSION_SIZE);
        assert_eq!(wait(&mut s).0, IP_SMTPC_ERR_SESSION_SIZE);
    }
    assert_eq!(m.report.Result, 12345);
    // SAFETY: a whole session.
    unsafe { (*s.0).SizeOf = right };

    // Never started (zeroed, or garbage).
    assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_NOT_STARTED);
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_NOT_STARTED);
    assert_eq!(wait(&mut s), (IP_SMTPC_ERR_NOT_STARTED, 0xdead_beef));
    // SAFETY: a whole session, not in progress.
    unsafe {
        (*s.0).State = 0x4E42_5255;
        (*s.0).apState = [0x55 as *mut c_void; IP_SMTPC_SESSION_POINTERS];
    }
    assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_NOT_STARTED);

    // Start on a session in progress: refused, the send goes on.
    let srv = server(&PARTIAL, true, 4);
    assert_eq!(start(&mut s, &mut m), 0);
    assert_eq!(poll(&mut s, 0), IP_SMTPC_IN_PROGRESS);
    let mut other = mail();
    assert_eq!(start(&mut s, &mut other), IP_SMTPC_ERR_BUSY);
    assert_eq!(other.report.Result, 12345);

    // A copy of a session in progress is not one.
    let mut copy = session();
    // SAFETY: both are whole sessions; the copy is never used as started.
    unsafe { ptr::copy_nonoverlapping(s.0, copy.0, 1) };
    assert_eq!(poll(&mut copy, 0), IP_SMTPC_ERR_NOT_STARTED);

    assert_eq!(drive(&mut s, 1).0, IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(with(srv, |b| (b.connects, b.disconnects)), (1, 1));
    // Finished.
    assert_eq!(poll(&mut s, 0), IP_SMTPC_ERR_FINISHED);
    assert_eq!(abort(&mut s), IP_SMTPC_ERR_FINISHED);
    assert_eq!(wait(&mut s).0, IP_SMTPC_ERR_FINISHED);
    for code in [
        IP_SMTPC_ERR_SESSION_SIZE,
        IP_SMTPC_ERR_NOT_STARTED,
        IP_SMTPC_ERR_FINISHED,
        IP_SMTPC_ERR_BUSY,
        IP_SMTPC_ERR_BLOCKING_ITEM,
    ] {
        // SAFETY: a plain function.
        let text = unsafe { std::ffi::CStr::from_ptr(IP_SMTPC_ErrorString(code)) };
        assert_ne!(text.to_str().unwrap(), "unknown error");
    }
}

#[test]
fn a_blocking_send_treats_would_block_as_a_failure() {
    reset();
    let srv = server(&PARTIAL, true, 0);
    let mut m = mail();
    assert_eq!(send_ex(&mut m), IP_SMTPC_ERR_RECEIVE);
    assert_eq!(with(srv, |b| b.disconnects), 1);
}

/// `IP_SMTPC_SESSION` as C sees it (the header with the host's `cc`) is
/// the library's: size, field offsets, and the constants of the API.
#[test]
#[cfg_attr(miri, ignore = "runs the host C compiler")]
fn the_session_in_the_header_is_the_librarys() {
    let dir = std::env::temp_dir().join(format!("ip-smtpc-nb-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let include = concat!(env!("CARGO_MANIFEST_DIR"), "/include");
    let c = r#"#include <stdio.h>
#include <stddef.h>
#include "IP_SMTPC.h"
int main(void) {
  printf("%zu %zu %zu %zu %zu\n", sizeof(IP_SMTPC_SESSION), offsetof(IP_SMTPC_SESSION, State),
         offsetof(IP_SMTPC_SESSION, apState), offsetof(IP_SMTPC_SESSION, aState),
         offsetof(IP_SMTPC_SESSION, aBuffer));
  printf("%d %d %d %d %d %d %d %d %d\n", IP_SMTPC_IN_PROGRESS, IP_SMTPC_WOULD_BLOCK,
         IP_SMTPC_WAIT_READ, IP_SMTPC_WAIT_WRITE, IP_SMTPC_ERR_SESSION_SIZE,
         IP_SMTPC_ERR_NOT_STARTED, IP_SMTPC_ERR_FINISHED, IP_SMTPC_ERR_BUSY,
         IP_SMTPC_ERR_BLOCKING_ITEM);
  return 0;
}
"#;
    std::fs::write(dir.join("nb_abi.c"), c).unwrap();
    let exe = dir.join("nb_abi");
    let status = std::process::Command::new("cc")
        .args(["-std=c99", "-Wall", "-Werror", "-I", include, "-o"])
        .arg(&exe)
        .arg(dir.join("nb_abi.c"))
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "the header does not compile");
    let out = std::process::Command::new(&exe).output().unwrap().stdout;
    let _ = std::fs::remove_dir_all(&dir);
    use std::mem::{offset_of, size_of};
    let expected = format!(
        "{} {} {} {} {}\n{} {} {} {} {} {} {} {} {}\n",
        size_of::<IP_SMTPC_SESSION>(),
        offset_of!(IP_SMTPC_SESSION, State),
        offset_of!(IP_SMTPC_SESSION, apState),
        offset_of!(IP_SMTPC_SESSION, aState),
        offset_of!(IP_SMTPC_SESSION, aBuffer),
        IP_SMTPC_IN_PROGRESS,
        IP_SMTPC_WOULD_BLOCK,
        IP_SMTPC_WAIT_READ,
        IP_SMTPC_WAIT_WRITE,
        IP_SMTPC_ERR_SESSION_SIZE,
        IP_SMTPC_ERR_NOT_STARTED,
        IP_SMTPC_ERR_FINISHED,
        IP_SMTPC_ERR_BUSY,
        IP_SMTPC_ERR_BLOCKING_ITEM,
    );
    assert_eq!(String::from_utf8(out).unwrap(), expected);
    // 64-bit host: 8 + 44 * 8 + 16 * 8 + 512.
    #[cfg(target_pointer_width = "64")]
    assert_eq!(size_of::<IP_SMTPC_SESSION>(), 1000);
}

/// A complete message (`RawMessage`, feature `raw`) goes through the
/// non-blocking API as through `IP_SMTPC_SendEx`, byte for byte; streamed
/// through `pBody` it would block and is refused.
#[cfg(feature = "raw")]
#[test]
fn a_complete_message_goes_as_with_send_ex() {
    reset();
    let script = [
        "220 mx\r\n",
        "250 mx\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "354 go\r\n",
        "250 queued\r\n",
        "221 bye\r\n",
    ];
    let raw = c"From: <a@b.test>\nTo: <c@d.test>\nSubject: raw\n\nbody\n.dot\n";
    let prepare = |m: &mut Mail| {
        m.msg.sSubject = ptr::null();
        m.msg.sBody = raw.as_ptr();
        m.opts.RawMessage = 1;
        link(m);
    };
    let reference = server(&script, false, 0);
    let mut m = mail();
    prepare(&mut m);
    // SAFETY: valid pointers; two entries (sender and To).
    let r =
        unsafe { IP_SMTPC_SendEx(&m.api, m.addrs.as_ptr(), 2, &m.msg, &m.mta, &m.app, &m.opts) };
    assert_eq!(r, 0);
    let wire = with(reference, |b| b.server.text());
    assert!(
        wire.contains("\r\nSubject: raw\r\n\r\nbody\r\n..dot\r\n.\r\nQUIT\r\n"),
        "{wire}"
    );
    let srv = server(&script, true, 3);
    let mut m = mail();
    prepare(&mut m);
    let mut s = session();
    // SAFETY: valid pointers that outlive the send; two entries.
    let r = unsafe { start_entries(s.0, ptr::addr_of_mut!(*m), 2) };
    assert_eq!(r, 0);
    assert_eq!(drive(&mut s, 0).0, 0);
    assert_eq!(with(srv, |b| b.server.text()), wire);
    // Streamed: refused.
    let item = IP_SMTPC_MULTIPART_ITEM {
        sFilename: ptr::null(),
        pUserContext: ptr::null(),
        sContentType: ptr::null(),
        pfSendItem: Some(send_item),
    };
    let mut m = mail();
    m.msg.sSubject = ptr::null();
    m.msg.sBody = ptr::null();
    m.opts.RawMessage = 1;
    m.opts.pBody = &item;
    assert_eq!(start(&mut s, &mut m), IP_SMTPC_ERR_BLOCKING_ITEM);
    assert_eq!(m.report.Result, IP_SMTPC_ERR_BLOCKING_ITEM);
}
