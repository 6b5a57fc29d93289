// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_SendToDomain` (MX routing) against the test bed: dnsmasq on
//! loopback answers the MX records of `*.mx.test` (scripts/testbed/
//! dnsmasq.conf.in), Postfix listens on 127.0.0.2 (accepts), 127.0.0.3
//! (greets with 421), 127.0.0.4 (greets with 450); nothing listens on
//! 127.0.0.5. The resolver hook sends the query `IP_SMTPC_MxQuery` writes
//! over UDP, as a UDP-only stack would; the connect hook looks the host's
//! A record up at the same server and connects to the MX port.
//! Ignored by default (needs the bed): `cargo test --test mx -- --include-ignored`.

#![cfg(feature = "mx")]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::net::{Ipv4Addr, TcpStream, UdpSocket};
use std::time::Duration;

use c_tcp::cstructs;
use ip_smtpc::capi::*;

#[path = "support/c_tcp.rs"]
mod c_tcp;
#[path = "support/init_options.rs"]
mod init_options;
#[path = "support/maildir.rs"]
mod maildir;

thread_local! {
    /// Host names given to pfConnect, in order.
    static CONNECTS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// pfQueryMx calls.
    static QUERIES: RefCell<u32> = const { RefCell::new(0) };
    /// The DNS server and the MX port, from the bed's env file.
    static BED: RefCell<(String, u16)> = const { RefCell::new((String::new(), 0)) };
}

/// One DNS exchange over UDP with the bed's dnsmasq.
fn exchange(query: &[u8], answer: &mut [u8]) -> usize {
    let server = BED.with(|b| b.borrow().0.clone());
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.send_to(query, &server).unwrap();
    loop {
        let n = sock.recv(answer).unwrap();
        // The reply to this query: same identifier.
        if answer[..2] == query[..2] {
            return n;
        }
    }
}

unsafe extern "C" fn query_mx(
    domain: *const c_char,
    answer: *mut u8,
    size: c_uint,
    _context: *mut c_void,
) -> c_int {
    QUERIES.with(|q| *q.borrow_mut() += 1);
    let mut q = [0u8; IP_SMTPC_MX_QUERY_SIZE as usize];
    let id = std::process::id() as u16;
    let n = unsafe { IP_SMTPC_MxQuery(domain, id, q.as_mut_ptr(), q.len() as c_uint) };
    assert!(n > 0, "IP_SMTPC_MxQuery: {n}");
    let out = unsafe { std::slice::from_raw_parts_mut(answer, size as usize) };
    exchange(&q[..n as usize], out) as c_int
}

/// The first A record of `host` from the bed's dnsmasq (the MX query with
/// its type turned into A).
fn address_of(host: &CStr) -> Option<Ipv4Addr> {
    let mut q = [0u8; IP_SMTPC_MX_QUERY_SIZE as usize];
    let n = unsafe { IP_SMTPC_MxQuery(host.as_ptr(), 7, q.as_mut_ptr(), q.len() as c_uint) };
    let n = usize::try_from(n).ok()?;
    q[n - 3] = 1; // QTYPE A
    let mut a = [0u8; 512];
    let len = exchange(&q[..n], &mut a);
    let a = &a[..len];
    let count = u16::from_be_bytes([a[6], a[7]]);
    let mut pos = n; // the question as sent
    for _ in 0..count {
        // Owner: a pointer, or labels.
        while a[pos] != 0 && a[pos] & 0xc0 == 0 {
            pos += 1 + a[pos] as usize;
        }
        pos += if a[pos] == 0 { 1 } else { 2 };
        let rtype = u16::from_be_bytes([a[pos], a[pos + 1]]);
        let rdlen = u16::from_be_bytes([a[pos + 8], a[pos + 9]]) as usize;
        if rtype == 1 && rdlen == 4 {
            let d = &a[pos + 10..pos + 14];
            return Some(Ipv4Addr::new(d[0], d[1], d[2], d[3]));
        }
        pos += 10 + rdlen;
    }
    None
}

unsafe extern "C" fn connect(server: *const c_char) -> SMTPC_SOCKET {
    let host = unsafe { CStr::from_ptr(server) };
    CONNECTS.with(|c| c.borrow_mut().push(host.to_string_lossy().into_owned()));
    let port = BED.with(|b| b.borrow().1);
    let Some(ip) = address_of(host) else {
        return std::ptr::null_mut();
    };
    match TcpStream::connect((ip, port)) {
        Ok(s) => {
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            Box::into_raw(Box::new(s)).cast()
        }
        Err(_) => std::ptr::null_mut(),
    }
}

/// The connect hook above; the others are the test support's over `TcpStream`.
const API: IP_SMTPC_API = IP_SMTPC_API {
    pfConnect: Some(connect),
    ..c_tcp::API
};

/// What one send did: result, report, host names connected, queries made.
struct Outcome {
    result: c_int,
    report: IP_SMTPC_REPORT,
    connects: Vec<String>,
    queries: u32,
}

/// `IP_SMTPC_SendToDomain` of a mail from `from` to `to` (`recipients`: 1,
/// or 0 for none), without an MTA server, to `domain` through `resolver`.
#[allow(clippy::too_many_arguments)]
fn send_mail(
    from: &CStr,
    to: &CStr,
    recipients: usize,
    subject: &CStr,
    body: &CStr,
    domain: *const c_char,
    resolver: *const IP_SMTPC_RESOLVER,
    options: *const IP_SMTPC_OPTIONS,
) -> c_int {
    let addrs = [
        cstructs::addr(None, from, SMTPC_REC_TYPE_FROM),
        cstructs::addr(None, to, SMTPC_REC_TYPE_TO),
    ];
    let msg = cstructs::message(Some(subject), Some(body), &[]);
    let mta = cstructs::mta(None, None, None, SMTPC_SEC_POLICY_ALLOW_INSECURE);
    unsafe {
        IP_SMTPC_SendToDomain(
            &API,
            addrs.as_ptr(),
            recipients as c_int + 1,
            &msg,
            &mta,
            std::ptr::null(),
            domain,
            resolver,
            options,
        )
    }
}

/// Sends a mail with `token` in its subject to alice of the bed, routed to `domain`.
fn send_to(bed: &maildir::Testbed, domain: &str, token: &str, recipients: usize) -> Outcome {
    BED.with(|b| {
        *b.borrow_mut() = (
            bed.vars["SMTPC_TB_DNS"].clone(),
            bed.vars["SMTPC_TB_PORT_MX"].parse().unwrap(),
        )
    });
    CONNECTS.with(|c| c.borrow_mut().clear());
    QUERIES.with(|q| *q.borrow_mut() = 0);
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    (report.Result, report.Step, report.aReserved) = (1, 99, [7; 3]);
    let mut options = init_options::options();
    options.pReport = &mut report;
    let resolver = IP_SMTPC_RESOLVER {
        pfQueryMx: Some(query_mx),
        pContext: std::ptr::null_mut(),
    };
    let sdomain = CString::new(domain).unwrap();
    let result = send_mail(
        &CString::new(format!("sender@{}", bed.domain)).unwrap(),
        &CString::new(format!("alice@{}", bed.domain)).unwrap(),
        recipients,
        &CString::new(token).unwrap(),
        &CString::new(format!("routed to {domain}\n")).unwrap(),
        sdomain.as_ptr(),
        &resolver,
        &options,
    );
    Outcome {
        result,
        report,
        connects: CONNECTS.with(|c| c.borrow().clone()),
        queries: QUERIES.with(|q| *q.borrow()),
    }
}

fn hosts_tried(r: &IP_SMTPC_REPORT) -> u16 {
    r.NumHostsTried
}

/// The Postfix log lines of the listener `name` (syslog_name tb-NAME) that mention `id`.
fn log_lines(bed: &maildir::Testbed, name: &str) -> Vec<String> {
    let log = std::fs::read_to_string(format!("{}/log/postfix.log", bed.vars["SMTPC_TB_DIR"]))
        .unwrap_or_default();
    log.lines()
        .filter(|l| l.contains(&format!("postfix/tb-{name}/")))
        .map(str::to_string)
        .collect()
}

/// Sends through `domain` and checks the delivery and the hosts it went through.
fn delivered_via(domain: &str, hosts: &[&str]) {
    let bed = maildir::Testbed::load();
    let token = maildir::token(domain);
    let before = log_lines(&bed, "mx-ok").len();
    let o = send_to(&bed, domain, &token, 1);
    assert_eq!(o.result, 0, "{domain}: {:?}", o.report.Step);
    assert_eq!(o.connects, hosts, "{domain}");
    assert_eq!(usize::from(hosts_tried(&o.report)), hosts.len());
    assert_eq!(
        (o.report.Step, o.report.NumAccepted),
        (IP_SMTPC_STEP_DONE, 1)
    );
    assert_eq!(o.queries, 1);
    let mail = bed.mailbox("alice").wait_for(&token);
    assert!(maildir::contains(
        &mail,
        format!("routed to {domain}").as_bytes()
    ));
    // The accepting listener (127.0.0.2) logged the queued message.
    let after = log_lines(&bed, "mx-ok");
    assert!(
        after[before..].iter().any(|l| l.contains("client=")),
        "mx-ok did not take the message: {after:?}"
    );
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn the_preferred_host_takes_it() {
    delivered_via("ok.mx.test", &["mx-ok.mx.test"]);
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn a_421_greeting_falls_back_to_the_next_host() {
    delivered_via("busy.mx.test", &["mx-421.mx.test", "mx-ok.mx.test"]);
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn a_450_greeting_falls_back_to_the_next_host() {
    delivered_via("defer.mx.test", &["mx-450.mx.test", "mx-ok.mx.test"]);
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn a_refused_connection_falls_back_to_the_next_host() {
    delivered_via("refused.mx.test", &["mx-down.mx.test", "mx-ok.mx.test"]);
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn no_mx_delivers_to_the_domain_itself() {
    delivered_via("implicit.mx.test", &["implicit.mx.test"]);
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn every_host_busy_is_the_last_hosts_temporary_failure() {
    let bed = maildir::Testbed::load();
    let o = send_to(&bed, "allbusy.mx.test", "allbusy", 1);
    assert_eq!(o.result, IP_SMTPC_ERR_GREETING_REFUSED);
    assert_eq!(o.connects, ["mx-421.mx.test", "mx-450.mx.test"]);
    assert_eq!(
        (o.report.Step, o.report.ReplyCode),
        (IP_SMTPC_STEP_GREETING, 450)
    );
    assert_eq!((o.report.Result, hosts_tried(&o.report)), (o.result, 2));
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn null_mx_and_nxdomain_fail_permanently_with_nothing_connected() {
    let bed = maildir::Testbed::load();
    for (domain, code) in [
        ("null.mx.test", IP_SMTPC_ERR_NULL_MX),
        ("missing.mx.test", IP_SMTPC_ERR_NO_SUCH_DOMAIN),
    ] {
        let o = send_to(&bed, domain, "never", 1);
        assert_eq!(o.result, code, "{domain}");
        assert_eq!((o.queries, o.connects.len()), (1, 0), "{domain}");
        assert_eq!(
            (o.report.Result, o.report.Step),
            (code, IP_SMTPC_STEP_INPUT)
        );
        assert_eq!(hosts_tried(&o.report), 0);
        assert_eq!(o.report.aReserved, [0; 3]);
    }
}

#[test]
#[ignore = "needs the test bed (scripts/testbed/start)"]
fn bad_input_is_refused_before_the_query() {
    let bed = maildir::Testbed::load();
    for domain in ["bad..mx.test", "[127.0.0.2]", "", "-x.mx.test"] {
        let o = send_to(&bed, domain, "never", 1);
        assert_eq!(o.result, IP_SMTPC_ERR_INVALID_MX_DOMAIN, "{domain:?}");
        assert_eq!((o.queries, o.connects.len()), (0, 0));
        assert_eq!(o.report.Step, IP_SMTPC_STEP_INPUT);
    }
    // A mail without a recipient: its own error, no query either.
    let o = send_to(&bed, "ok.mx.test", "never", 0);
    assert_eq!(o.result, IP_SMTPC_ERR_NO_RECIPIENT);
    assert_eq!((o.queries, o.connects.len()), (0, 0));
}

unsafe extern "C" fn failing_resolver(
    _d: *const c_char,
    answer: *mut u8,
    size: c_uint,
    context: *mut c_void,
) -> c_int {
    QUERIES.with(|q| *q.borrow_mut() += 1);
    let mode = context as usize;
    match mode {
        0 => -1,
        1 => {
            unsafe { std::ptr::write_bytes(answer, 0x41, size as usize) };
            40
        }
        _ => size as c_int + 1,
    }
}

#[test]
fn resolver_failures_and_garbage_connect_nothing() {
    CONNECTS.with(|c| c.borrow_mut().clear());
    let call = |domain: &CStr, resolver: *const IP_SMTPC_RESOLVER| {
        let domain = if domain.is_empty() {
            std::ptr::null()
        } else {
            domain.as_ptr()
        };
        send_mail(
            c"a@example.com",
            c"b@example.com",
            1,
            c"s",
            c"b",
            domain,
            resolver,
            std::ptr::null(),
        )
    };
    for (mode, code) in [
        (0usize, IP_SMTPC_ERR_DNS_LOOKUP),
        (1, IP_SMTPC_ERR_DNS_MALFORMED),
        (2, IP_SMTPC_ERR_DNS_LOOKUP),
    ] {
        let resolver = IP_SMTPC_RESOLVER {
            pfQueryMx: Some(failing_resolver),
            pContext: mode as *mut c_void,
        };
        assert_eq!(call(c"example.com", &resolver), code, "mode {mode}");
    }
    let none = IP_SMTPC_RESOLVER {
        pfQueryMx: None,
        pContext: std::ptr::null_mut(),
    };
    assert_eq!(call(c"example.com", &none), IP_SMTPC_ERR_MISSING_HOOK);
    assert_eq!(
        call(c"example.com", std::ptr::null()),
        IP_SMTPC_ERR_NULL_POINTER
    );
    assert!(CONNECTS.with(|c| c.borrow().is_empty()));
    // IP_SMTPC_MxQuery's own refusals.
    let mut buf = [0u8; 64];
    let q = |d: *const c_char, b: *mut u8, n: c_uint| unsafe { IP_SMTPC_MxQuery(d, 1, b, n) };
    assert_eq!(
        q(c"a.b".as_ptr(), buf.as_mut_ptr(), 10),
        IP_SMTPC_ERR_INVALID_OPTIONS
    );
    assert_eq!(
        q(c"a..b".as_ptr(), buf.as_mut_ptr(), 64),
        IP_SMTPC_ERR_INVALID_MX_DOMAIN
    );
    assert_eq!(
        q(std::ptr::null(), buf.as_mut_ptr(), 64),
        IP_SMTPC_ERR_NULL_POINTER
    );
    assert_eq!(q(c"a.b".as_ptr(), buf.as_mut_ptr(), 64), 12 + 5 + 4);
}
