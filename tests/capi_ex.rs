// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_SendEx` through the C ABI (`ex` feature) against an in-memory
//! scripted server: options validation (SizeOf, the TLS policy table, AUTH
//! mask, a deadline without a clock) with nothing connected, the report
//! (Result, Step, Secure, ReplyCode, counts, per-entry results with RFC 3463
//! codes, acReply, aReserved zeroed), AUTH in clear refused by default,
//! implicit TLS, reply deadlines with pfSetTimeout, and `IP_SMTPC_Send` =
//! `IP_SMTPC_SendEx` without options.
#![cfg(feature = "ex")]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr, CString};

use ip_smtpc::capi::*;
use ip_smtpc::Error;

#[path = "support/cstructs.rs"]
mod cstructs;
#[path = "support/init_options.rs"]
mod init_options;
#[path = "support/script_server.rs"]
mod script_server;

#[cfg(feature = "mime")]
use cstructs::Stream;
use init_options::options;
use script_server::Script;

/// The scripted server and what the hooks saw.
#[derive(Default)]
struct Bed {
    server: Script,
    /// Hook calls and clock reads.
    log: Vec<String>,
    /// The clock, and how far each read advances it.
    now: u32,
    step: u32,
    /// Extra time a receive takes.
    receive_cost: u32,
    connected: bool,
}

thread_local! {
    static BED: RefCell<Bed> = RefCell::new(Bed::default());
}

fn with<R>(f: impl FnOnce(&mut Bed) -> R) -> R {
    BED.with(|b| f(&mut b.borrow_mut()))
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    with(|b| {
        b.log.push("connect".into());
        b.connected = true;
        b.server.release();
    });
    0x5eed as SMTPC_SOCKET
}
unsafe extern "C" fn disconnect(_: SMTPC_SOCKET) {
    with(|b| b.log.push("disconnect".into()));
}
unsafe extern "C" fn send(p: *const c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes `n` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) };
    with(|b| {
        b.log.push(format!("send {n}"));
        b.server.client_sent(bytes);
    });
    n
}
unsafe extern "C" fn receive(p: *mut c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    with(|b| {
        b.log.push("receive".into());
        b.now = b.now.wrapping_add(b.receive_cost);
        // SAFETY: the library passes `n` writable bytes.
        match unsafe { b.server.give(p, (n as usize).min(5)) } {
            0 => -1,
            k => k as c_int,
        }
    })
}
unsafe extern "C" fn upgrade(_: SMTPC_SOCKET, _: *const c_char) -> c_int {
    with(|b| b.log.push("upgrade".into()));
    0
}
unsafe extern "C" fn downgrade(_: SMTPC_SOCKET) {
    with(|b| b.log.push("downgrade".into()));
}
unsafe extern "C" fn clock() -> u32 {
    with(|b| {
        b.now = b.now.wrapping_add(b.step);
        b.now
    })
}
unsafe extern "C" fn set_timeout(sock: SMTPC_SOCKET, ms: u32) {
    assert_eq!(sock as usize, 0x5eed);
    with(|b| b.log.push(format!("timeout {ms}")));
}
unsafe extern "C" fn callback(stat: c_int, p: *mut c_void) -> c_int {
    // SAFETY: the library passes an IP_SMTPC_STATUS.
    let s = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
    with(|b| {
        b.log
            .push(format!("stat {stat} step {} code {}", s.Step, s.ReplyCode))
    });
    0
}

/// The mail: a sender and three recipients, user "u" when `auth`.
struct Mail {
    _strings: Vec<CString>,
    addrs: [IP_SMTPC_MAIL_ADDR; 4],
    msg: IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    api: IP_SMTPC_API,
    app: IP_SMTPC_APPLICATION,
}

fn mail(auth: bool, policy: u8) -> Mail {
    let strings: Vec<CString> = [
        "a@b.test", "c@d.test", "e@d.test", "f@d.test", "hi\n", "mx", "u", "p",
    ]
    .iter()
    .map(|s| CString::new(*s).unwrap())
    .collect();
    let s = |i: usize| Some(&*strings[i]);
    let entry = |i: usize, t: c_int| cstructs::addr(None, &strings[i], t);
    Mail {
        addrs: [entry(0, 4), entry(1, 1), entry(2, 2), entry(3, 3)],
        msg: cstructs::message(None, s(4), &[]),
        mta: cstructs::mta(s(5), if auth { s(6) } else { None }, s(7), policy),
        api: IP_SMTPC_API {
            pfUpgrade: Some(upgrade),
            pfDowngrade: Some(downgrade),
            ..cstructs::plain_api(connect, disconnect, send, receive)
        },
        app: IP_SMTPC_APPLICATION {
            pfGetTimeDate: None,
            pfCallback: Some(callback),
            sDomain: std::ptr::null(),
            sTimezone: std::ptr::null(),
        },
        _strings: strings,
    }
}

fn report(results: &mut [IP_SMTPC_RCPT_RESULT]) -> IP_SMTPC_REPORT {
    IP_SMTPC_REPORT {
        Result: 12345,
        Step: 99,
        Secure: 9,
        ReplyCode: 999,
        NumAccepted: 9,
        NumRejected: 9,
        paResult: results.as_mut_ptr(),
        NumResults: results.len() as u32,
        acReply: [b'x' as c_char; IP_SMTPC_REPLY_TEXT_SIZE],
        OAuthStatus: 7,
        NumHostsTried: 7,
        aReserved: [7; 3],
    }
}

/// A fresh scripted server with `script`'s replies.
fn reset(script: &[&'static str]) {
    with(|b| {
        *b = Bed {
            server: Script::new(script),
            ..Bed::default()
        }
    });
}

fn run(m: &Mail, o: Option<&IP_SMTPC_OPTIONS>, script: &[&'static str]) -> c_int {
    reset(script);
    send_ex(m, o)
}

/// As [`run`], with a clock that moves `step` ms a read and receives that
/// take `receive_cost` ms more.
fn run_clocked(
    m: &Mail,
    o: &IP_SMTPC_OPTIONS,
    script: &[&'static str],
    step: u32,
    receive_cost: u32,
) -> c_int {
    reset(script);
    with(|b| {
        b.step = step;
        b.receive_cost = receive_cost;
    });
    send_ex(m, Some(o))
}

/// `IP_SMTPC_SendEx` of `m` with the options `o` (None: NULL) over the
/// scripted server as it stands.
fn send_ex(m: &Mail, o: Option<&IP_SMTPC_OPTIONS>) -> c_int {
    // SAFETY: every pointer is valid for the call.
    unsafe {
        IP_SMTPC_SendEx(
            &m.api,
            m.addrs.as_ptr(),
            4,
            &m.msg,
            &m.mta,
            &m.app,
            o.map_or(std::ptr::null(), |o| o as *const _),
        )
    }
}

fn reply_text(r: &IP_SMTPC_REPORT) -> String {
    // SAFETY: the library NUL-terminates acReply.
    unsafe { CStr::from_ptr(r.acReply.as_ptr()) }
        .to_str()
        .unwrap()
        .to_string()
}

/// Everything the client sent so far.
fn sent() -> String {
    with(|b| b.server.text())
}

/// The replies of a session that delivers the mail of [`mail`] to all
/// three recipients, `ehlo` the reply to EHLO.
fn delivered(ehlo: &'static str) -> [&'static str; 9] {
    [
        "220 mx\r\n",
        ehlo,
        "250 ok\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "354 go\r\n",
        "250 ok\r\n",
        "221 bye\r\n",
    ]
}

const EHLO: &str = "250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN\r\n";

#[test]
fn options_init_and_the_size_check() {
    // SAFETY: NULL is allowed.
    assert_eq!(
        unsafe { IP_SMTPC_OptionsInit(std::ptr::null_mut()) },
        Error::NullPointer as c_int
    );
    let o = options();
    assert_eq!(o.SizeOf as usize, std::mem::size_of::<IP_SMTPC_OPTIONS>());
    assert_eq!(
        (
            o.AuthMechanisms,
            o.AllowInsecureAuth,
            o.TlsMode,
            o.ReplyTimeoutMs
        ),
        (0, 0, 0, 0)
    );
    assert!(o.pReport.is_null() && o.pfGetTimeMs.is_none() && o.pfSetTimeout.is_none());
    let m = mail(false, 0);
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 2];
    let mut r = report(&mut results);
    let bad = IP_SMTPC_OPTIONS {
        SizeOf: o.SizeOf - 4,
        pReport: &mut r,
        ..options()
    };
    assert_eq!(run(&m, Some(&bad), &[]), Error::InvalidOptions as c_int);
    // Nothing read past SizeOf: the report is untouched, nothing connected.
    assert_eq!((r.Result, r.Step), (12345, 99));
    assert!(with(|b| b.log.is_empty()));
    assert_eq!(IP_SMTPC_GetVersion(), 100);
    // SAFETY: static NUL-terminated texts.
    let text = |c| {
        unsafe { CStr::from_ptr(IP_SMTPC_ErrorString(c)) }
            .to_str()
            .unwrap()
    };
    assert_eq!(text(0), "success");
    assert_eq!(text(-62), "AUTH refused on a connection without TLS");
    assert_eq!(text(7), "unknown error");
}

#[test]
fn invalid_options_connect_nothing_and_report_the_input_step() {
    type Change = fn(&mut IP_SMTPC_OPTIONS, &mut IP_SMTPC_API);
    let cases: [(u8, Change, Error); 6] = [
        (0, |o, _| o.ReplyTimeoutMs = 100, Error::InvalidOptions),
        (
            1,
            |o, _| o.TlsMode = IP_SMTPC_TLS_NONE,
            Error::InvalidOptions,
        ),
        (
            0,
            |o, a| {
                o.TlsMode = IP_SMTPC_TLS_STARTTLS;
                a.pfUpgrade = None
            },
            Error::TlsUnavailable,
        ),
        (
            0,
            |o, a| {
                o.TlsMode = IP_SMTPC_TLS_IMPLICIT;
                a.pfUpgrade = None
            },
            Error::TlsUnavailable,
        ),
        (0, |o, _| o.AuthMechanisms = 1 << 5, Error::InvalidOptions),
        (0, |o, _| o.TlsMode = 5, Error::InvalidOptions),
    ];
    for (i, (policy, change, expected)) in cases.into_iter().enumerate() {
        let mut m = mail(false, policy);
        let mut results = [IP_SMTPC_RCPT_RESULT {
            ReplyCode: 7,
            ..Default::default()
        }; 4];
        let mut r = report(&mut results);
        let mut o = IP_SMTPC_OPTIONS {
            pReport: &mut r,
            ..options()
        };
        change(&mut o, &mut m.api);
        assert_eq!(run(&m, Some(&o), &[]), expected as c_int, "case {i}");
        assert!(with(|b| b.log.is_empty()), "case {i}");
        assert_eq!(
            (r.Result, r.Step, r.ReplyCode, r.NumAccepted),
            (expected as c_int, IP_SMTPC_STEP_INPUT, 0, 0)
        );
        assert_eq!((reply_text(&r).as_str(), r.aReserved), ("", [0; 3]));
        assert_eq!(results, [IP_SMTPC_RCPT_RESULT::default(); 4]);
    }
}

#[test]
fn the_report_of_a_partial_delivery() {
    let m = mail(false, 0);
    let mut results = [IP_SMTPC_RCPT_RESULT {
        ReplyCode: 7,
        ..Default::default()
    }; 5];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        ..options()
    };
    let script = [
        "220 mx\r\n",
        EHLO,
        "250 2.1.0 ok\r\n",
        "250 2.1.5 ok\r\n",
        "550 5.1.1 no such user\r\n",
        "250 2.1.5 ok\r\n",
        "354 go\r\n",
        "250 2.0.0 queued as 7\r\n",
        "221 2.0.0 bye\r\n",
    ];
    assert_eq!(run(&m, Some(&o), &script), Error::PartialDelivery as c_int);
    assert_eq!(r.Result, Error::PartialDelivery as c_int);
    assert_eq!(
        (r.Step, r.Secure, r.ReplyCode, r.NumAccepted, r.NumRejected),
        (IP_SMTPC_STEP_RCPT, 0, 250, 2, 1)
    );
    assert_eq!(reply_text(&r), "2.0.0 queued as 7");
    assert_eq!(r.aReserved, [0; 3]);
    let e = cstructs::rcpt_result;
    assert_eq!(
        results,
        [
            e(250, 2, 1, 0),
            e(250, 2, 1, 5),
            e(550, 5, 1, 1),
            e(250, 2, 1, 5),
            e(0, 0, 0, 0)
        ]
    );
    // pfCallback: steps with the code of the reply behind them, one result per recipient.
    let stats = || -> Vec<String> {
        with(|b| {
            b.log
                .iter()
                .filter(|l| l.starts_with("stat"))
                .cloned()
                .collect()
        })
    };
    let events = stats();
    assert_eq!(
        events,
        [
            "stat 1 step 1 code 0",
            "stat 1 step 2 code 0",
            "stat 1 step 3 code 220",
            "stat 1 step 6 code 250",
            "stat 1 step 7 code 250",
            "stat 2 step 7 code 250",
            "stat 3 step 7 code 550",
            "stat 2 step 7 code 250",
            "stat 1 step 8 code 250",
            "stat 1 step 9 code 354",
            "stat 1 step 10 code 250",
            "stat 1 step 11 code 250",
        ]
    );
    // IP_SMTPC_Send is IP_SMTPC_SendEx without options: same wire, same result,
    // the same pfCallback events (its own instance of the engine, built
    // without the report's and the options' code, must not differ).
    let masked = |w: String| {
        w.lines()
            .filter(|l| !l.starts_with("Message-ID:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let wire = masked(sent());
    reset(&script);
    // SAFETY: every pointer is valid for the call.
    let r2 = unsafe { IP_SMTPC_Send(&m.api, m.addrs.as_ptr(), 4, &m.msg, &m.mta, &m.app) };
    assert_eq!(r2, Error::PartialDelivery as c_int);
    assert_eq!(masked(sent()), wire);
    assert_eq!(stats(), events);
}

#[test]
fn auth_in_clear_only_when_allowed() {
    let m = mail(true, 0);
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 4];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        ..options()
    };
    let script = ["220 mx\r\n", EHLO, "221 bye\r\n"];
    assert_eq!(run(&m, Some(&o), &script), Error::AuthInsecure as c_int);
    assert_eq!(sent(), "EHLO b.test\r\nQUIT\r\n");
    assert_eq!((r.Step, r.ReplyCode, reply_text(&r).as_str()), (5, 0, ""));
    // Allowed: AUTH PLAIN goes out in clear; emNet's IP_SMTPC_Send does it too.
    let o = IP_SMTPC_OPTIONS {
        AllowInsecureAuth: 1,
        ..options()
    };
    let script = ["220 mx\r\n", EHLO, "535 5.7.8 no\r\n", "221 bye\r\n"];
    assert_eq!(run(&m, Some(&o), &script), Error::AuthFailed as c_int);
    assert_eq!(run(&m, None, &script), Error::AuthFailed as c_int);
    assert!(with(|b| b
        .server
        .text()
        .contains("AUTH PLAIN AHUAcA==\r\n")));
}

/// `IP_SMTPC_AUTH_CRAM_MD5`: with `cram-md5` CRAM-MD5 goes before PLAIN
/// in clear, by default and when the mask allows it alone; PLAIN when the
/// mask leaves it out. Without the feature a mask of it alone is NOT_BUILT
/// (nothing connected), and beside PLAIN, PLAIN goes.
#[test]
fn cram_md5_in_the_mechanism_mask() {
    let m = mail(true, 0);
    let ehlo = "250-mx\r\n250 AUTH PLAIN CRAM-MD5\r\n";
    let with_mask = |mask| IP_SMTPC_OPTIONS {
        AuthMechanisms: mask,
        AllowInsecureAuth: 1,
        ..options()
    };
    let plain = ["220 mx\r\n", ehlo, "535 5.7.8 no\r\n", "221 bye\r\n"];
    if cfg!(feature = "cram-md5") {
        // base64("u " + hex(HMAC-MD5("p", "<1>"))).
        let response =
            "AUTH CRAM-MD5\r\ndSAyYjBhZDNlZmRiZjkxNGI1NmVhY2UwNzFhOTcwNmEzZA==\r\nQUIT\r\n";
        let cram = [
            "220 mx\r\n",
            ehlo,
            "334 PDE+\r\n",
            "535 5.7.8 no\r\n",
            "221 bye\r\n",
        ];
        for mask in [
            0,
            IP_SMTPC_AUTH_CRAM_MD5,
            IP_SMTPC_AUTH_CRAM_MD5 | IP_SMTPC_AUTH_PLAIN,
        ] {
            let o = with_mask(mask);
            assert_eq!(run(&m, Some(&o), &cram), Error::AuthFailed as c_int);
            assert!(sent().ends_with(response), "{mask}: {}", sent());
        }
        let o = with_mask(IP_SMTPC_AUTH_PLAIN | IP_SMTPC_AUTH_LOGIN);
        assert_eq!(run(&m, Some(&o), &plain), Error::AuthFailed as c_int);
        assert!(sent().contains("AUTH PLAIN AHUAcA==\r\n"), "{}", sent());
    } else {
        let o = with_mask(IP_SMTPC_AUTH_CRAM_MD5);
        assert_eq!(run(&m, Some(&o), &[]), Error::NotBuilt as c_int);
        assert!(with(|b| b.log.is_empty()));
        let o = with_mask(IP_SMTPC_AUTH_CRAM_MD5 | IP_SMTPC_AUTH_PLAIN);
        assert_eq!(run(&m, Some(&o), &plain), Error::AuthFailed as c_int);
        assert!(sent().contains("AUTH PLAIN AHUAcA==\r\n"), "{}", sent());
    }
}

/// `IP_SMTPC_OPTIONS.sOAuthToken` (`oauth`): OAUTHBEARER before XOAUTH2,
/// never a password mechanism, the token checked before anything
/// connects, a long one after an empty 334, the error challenge's status
/// in the report. Without the feature a token (or a mask of the OAuth bits
/// alone) is NOT_BUILT with nothing connected.
#[test]
fn oauth_token_in_the_options() {
    let token = CString::new("ya29.tok").unwrap();
    let m = mail(true, 0);
    let ehlo_both = "250-mx\r\n250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n";
    let with_token = |t: *const c_char, mask| IP_SMTPC_OPTIONS {
        AuthMechanisms: mask,
        AllowInsecureAuth: 1,
        sOAuthToken: t,
        ..options()
    };
    if !cfg!(feature = "oauth") {
        for o in [
            with_token(token.as_ptr(), 0),
            with_token(std::ptr::null(), IP_SMTPC_AUTH_XOAUTH2),
        ] {
            assert_eq!(run(&m, Some(&o), &[]), Error::NotBuilt as c_int);
            assert!(with(|b| b.log.is_empty()));
        }
        return;
    }
    let refused = ["220 mx\r\n", ehlo_both, "535 5.7.8 no\r\n", "221 bye\r\n"];
    for (mask, line) in [
        (
            0,
            "AUTH OAUTHBEARER bixhPXUsAWF1dGg9QmVhcmVyIHlhMjkudG9rAQE=\r\n",
        ),
        (
            IP_SMTPC_AUTH_OAUTHBEARER | IP_SMTPC_AUTH_PLAIN,
            "AUTH OAUTHBEARER bixhPXUsAWF1dGg9QmVhcmVyIHlhMjkudG9rAQE=\r\n",
        ),
        (
            IP_SMTPC_AUTH_XOAUTH2,
            "AUTH XOAUTH2 dXNlcj11AWF1dGg9QmVhcmVyIHlhMjkudG9rAQE=\r\n",
        ),
    ] {
        let o = with_token(token.as_ptr(), mask);
        assert_eq!(run(&m, Some(&o), &refused), Error::AuthFailed as c_int);
        assert_eq!(sent(), format!("EHLO b.test\r\n{line}QUIT\r\n"), "{mask}");
    }
    // The error challenge: answered, the status in the report, no MAIL.
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 4];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        ..with_token(token.as_ptr(), IP_SMTPC_AUTH_XOAUTH2)
    };
    let challenge = "334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=\r\n";
    let script = [
        "220 mx\r\n",
        ehlo_both,
        challenge,
        "535 5.7.8 rejected\r\n",
        "221 bye\r\n",
    ];
    assert_eq!(run(&m, Some(&o), &script), Error::AuthFailed as c_int);
    assert!(sent().ends_with("AQE=\r\n\r\nQUIT\r\n"), "{}", sent());
    assert_eq!(
        (
            r.Step,
            r.ReplyCode,
            r.OAuthStatus,
            r.NumHostsTried,
            r.aReserved
        ),
        (IP_SMTPC_STEP_AUTH, 535, 401, 0, [0; 3])
    );
    assert_eq!(reply_text(&r), "5.7.8 rejected");
    // A 720-character token, both mechanisms: AUTH alone, the empty 334,
    // the response; the error challenge (also malformed: not base64, base64
    // of no JSON) answered all the same, its status in the report.
    let long = CString::new("T".repeat(720)).unwrap();
    for (mask, name, answer) in [
        (IP_SMTPC_AUTH_OAUTHBEARER, "OAUTHBEARER", "AQ=="),
        (IP_SMTPC_AUTH_XOAUTH2, "XOAUTH2", ""),
    ] {
        for (error, status) in [
            (challenge, 401),
            ("334 not base64!\r\n", 1),
            ("334 bm90IGpzb24=\r\n", 1),
            ("334 e30=\r\n", 1),
        ] {
            let o = IP_SMTPC_OPTIONS {
                pReport: &mut r,
                ..with_token(long.as_ptr(), mask)
            };
            let script = [
                "220 mx\r\n",
                ehlo_both,
                "334 \r\n",
                error,
                "535 no\r\n",
                "221 bye\r\n",
            ];
            assert_eq!(run(&m, Some(&o), &script), Error::AuthFailed as c_int);
            let w = sent();
            let lines: Vec<&str> = w.split("\r\n").collect();
            assert_eq!(lines[1], format!("AUTH {name}"));
            assert_eq!(lines[2].len(), 4 * (20 + 1 + 720usize).div_ceil(3));
            assert_eq!(&lines[3..], [answer, "QUIT", ""]);
            assert_eq!((r.OAuthStatus, r.ReplyCode), (status, 535), "{error}");
        }
    }
    // Neither offered: no password mechanism instead, nothing after EHLO.
    let o = with_token(token.as_ptr(), 0);
    let script = [
        "220 mx\r\n",
        "250-mx\r\n250 AUTH PLAIN LOGIN\r\n",
        "221 bye\r\n",
    ];
    assert_eq!(run(&m, Some(&o), &script), Error::AuthNotSupported as c_int);
    assert_eq!(sent(), "EHLO b.test\r\nQUIT\r\n");
    // Refused before connecting: bad characters, too long, empty, a mask
    // without the OAuth bits, OAuth bits without a token.
    let too_long = CString::new("t".repeat(IP_SMTPC_MAX_OAUTH_TOKEN_LEN + 1)).unwrap();
    let longest = CString::new("t".repeat(IP_SMTPC_MAX_OAUTH_TOKEN_LEN)).unwrap();
    for (t, mask, error) in [
        (
            CString::new("ya29 tok").unwrap(),
            0,
            Error::InvalidCredentials,
        ),
        (
            CString::new("tok\r\nMAIL").unwrap(),
            0,
            Error::InvalidCredentials,
        ),
        (CString::new("=tok").unwrap(), 0, Error::InvalidCredentials),
        (CString::new("").unwrap(), 0, Error::InvalidCredentials),
        (too_long, 0, Error::InvalidCredentials),
        (token.clone(), IP_SMTPC_AUTH_PLAIN, Error::InvalidOptions),
    ] {
        let mut r = report(&mut results);
        let o = IP_SMTPC_OPTIONS {
            pReport: &mut r,
            ..with_token(t.as_ptr(), mask)
        };
        assert_eq!(run(&m, Some(&o), &refused), error as c_int);
        assert!(with(|b| b.log.is_empty()), "{t:?}");
        assert_eq!((r.Step, r.OAuthStatus), (IP_SMTPC_STEP_INPUT, 0));
    }
    let o = with_token(std::ptr::null(), IP_SMTPC_AUTH_XOAUTH2);
    assert_eq!(run(&m, Some(&o), &refused), Error::InvalidOptions as c_int);
    let o = with_token(longest.as_ptr(), 0);
    assert_eq!(run(&m, Some(&o), &refused), Error::AuthFailed as c_int);
    // The user: required, no ',' or '='.
    for user in [None, Some("a,b"), Some("a=b")] {
        let mut m = mail(true, 0);
        let u = user.map(|u| CString::new(u).unwrap());
        m.mta.sUser = u.as_ref().map_or(std::ptr::null(), |u| u.as_ptr());
        let o = with_token(token.as_ptr(), 0);
        assert_eq!(
            run(&m, Some(&o), &refused),
            Error::InvalidCredentials as c_int
        );
        assert!(with(|b| b.log.is_empty()), "{user:?}");
    }
}

#[test]
fn implicit_tls_then_the_greeting() {
    let m = mail(false, 1);
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 1];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        TlsMode: IP_SMTPC_TLS_IMPLICIT,
        ..options()
    };
    let script = delivered(EHLO);
    assert_eq!(run(&m, Some(&o), &script), 0);
    let log = with(|b| b.log.clone());
    let hooks: Vec<&str> = log
        .iter()
        .map(|s| s.as_str())
        .filter(|s| !s.starts_with("stat") && !s.starts_with("send") && *s != "receive")
        .collect();
    assert_eq!(hooks, ["connect", "upgrade", "downgrade", "disconnect"]);
    assert!(log.iter().position(|s| s == "upgrade") < log.iter().position(|s| s == "receive"));
    assert_eq!(
        (r.Result, r.Step, r.Secure, r.ReplyCode),
        (0, IP_SMTPC_STEP_DONE, 1, 250)
    );
    assert_eq!(results[0].ReplyCode, 250);
}

#[test]
fn deadlines_tell_the_hooks_the_time_left_and_end_the_call() {
    let m = mail(false, 0);
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 1];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        ReplyTimeoutMs: 1000,
        pfGetTimeMs: Some(clock),
        pfSetTimeout: Some(set_timeout),
        ..options()
    };
    let script = delivered("250 mx\r\n");
    // A clock that moves 10 ms a read: every hook call is told what is left.
    let result = run_clocked(&m, &o, &script, 10, 0);
    assert_eq!(result, 0);
    let log = with(|b| b.log.clone());
    let mut told = 0;
    for (i, l) in log.iter().enumerate() {
        if l.starts_with("send") || l == "receive" {
            let before = &log[i - 1];
            let ms: u32 = before
                .strip_prefix("timeout ")
                .unwrap_or_else(|| panic!("{before} before {l}"))
                .parse()
                .unwrap();
            assert!((1..=1000).contains(&ms), "{ms}");
            told += 1;
        }
    }
    assert!(told > 20);
    // A receive that takes 1.5 s: TIMEOUT, whatever it returned, and nothing more is sent.
    let result = run_clocked(&m, &o, &script, 10, 1500);
    assert_eq!(result, Error::Timeout as c_int);
    assert_eq!(sent(), "");
    assert_eq!((r.Step, r.ReplyCode), (2, 0));
    // Without ReplyTimeoutMs the clock still bounds each reply by RFC 5321's 5 minutes
    // (a reply read in 100 s pieces: two pieces pass, five do not), and pfSetTimeout
    // is not called.
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        pfGetTimeMs: Some(clock),
        pfSetTimeout: Some(set_timeout),
        ..options()
    };
    let slow = ["220 mx\r\n", "250 mx\r\n", "250 ok ok ok ok ok ok\r\n"];
    let result = run_clocked(&m, &o, &slow, 10, 100_000);
    assert_eq!(result, Error::Timeout as c_int);
    assert_eq!(sent(), "EHLO b.test\r\nMAIL FROM:<a@b.test>\r\n");
    assert_eq!((r.Step, r.ReplyCode), (6, 0));
    assert!(with(|b| !b.log.iter().any(|l| l.starts_with("timeout"))));
}

#[cfg(feature = "headers")]
#[test]
fn extra_headers_and_reply_to_through_the_options() {
    let m = mail(false, 0);
    let lines = [
        CString::new("X-Prio: 2").unwrap(),
        CString::new("X-Id:7").unwrap(),
    ];
    let ptrs = [lines[0].as_ptr(), lines[1].as_ptr()];
    let reply_to = CString::new("desk@d.test").unwrap();
    let o = IP_SMTPC_OPTIONS {
        pasHeader: ptrs.as_ptr(),
        NumHeaders: 2,
        sReplyTo: reply_to.as_ptr(),
        ..options()
    };
    let script = delivered(EHLO);
    assert_eq!(run(&m, Some(&o), &script), 0);
    let wire = sent();
    assert!(
        wire.contains("From: <a@b.test>\r\nReply-To: <desk@d.test>\r\nTo: <c@d.test>\r\n"),
        "{wire}"
    );
    assert!(
        wire.contains("@b.test>\r\nX-Prio: 2\r\nX-Id: 7\r\nMIME-Version: 1.0\r\n"),
        "{wire}"
    );
    // Refused before anything is connected.
    let bad = CString::new("Subject: twice").unwrap();
    let null = [std::ptr::null(), ptrs[0]];
    let bad_ptrs = [ptrs[0], bad.as_ptr()];
    let not_an_address = CString::new("desk").unwrap();
    for (o, expected) in [
        (
            IP_SMTPC_OPTIONS {
                pasHeader: std::ptr::null(),
                NumHeaders: 1,
                ..options()
            },
            Error::NullPointer,
        ),
        (
            IP_SMTPC_OPTIONS {
                pasHeader: bad_ptrs.as_ptr(),
                NumHeaders: 2,
                ..options()
            },
            Error::InvalidHeader,
        ),
        (
            IP_SMTPC_OPTIONS {
                pasHeader: null.as_ptr(),
                NumHeaders: 2,
                ..options()
            },
            Error::InvalidHeader,
        ),
        (
            IP_SMTPC_OPTIONS {
                sReplyTo: not_an_address.as_ptr(),
                ..options()
            },
            Error::InvalidHeader,
        ),
    ] {
        assert_eq!(run(&m, Some(&o), &script), expected as c_int);
        assert!(with(|b| b.log.is_empty()));
    }
    // NULL pasHeader with no count is no header.
    let o = IP_SMTPC_OPTIONS {
        pasHeader: std::ptr::null(),
        NumHeaders: 0,
        ..options()
    };
    assert_eq!(run(&m, Some(&o), &script), 0);
}

/// Item content for the multipart tests: `pUserContext` points to one of these.
#[cfg(feature = "mime")]
#[test]
fn multipart_items_stream_through_the_one_out_buffer() {
    let mut m = mail(false, 0);
    let big = Stream::new(
        (0..5000u32).map(|i| (i * 7) as u8).collect::<Vec<u8>>(),
        333,
        0,
    );
    let small = Stream::new(*b"a,b\n", 1, 0);
    let (n1, t1, t2) = (
        CString::new("big.bin").unwrap(),
        CString::new("application/octet-stream").unwrap(),
        CString::new("text/csv").unwrap(),
    );
    let items = [big.item(Some(&n1), Some(&t1)), small.item(None, Some(&t2))];
    m.msg.paMultipartItem = items.as_ptr();
    m.msg.NumMultipartItems = 2;
    let script = delivered(EHLO);
    assert_eq!(run(&m, None, &script), 0);
    let wire = sent();
    let content = &wire[wire.find("DATA\r\n").unwrap() + 6..];
    let boundary_at = content.find("boundary=\"").unwrap() + 10;
    let boundary = &content[boundary_at..boundary_at + 27];
    assert!(boundary.starts_with("=_ip-smtpc_"), "{boundary}");
    // Base64 of the big item, 76 a line, decoded back byte for byte.
    let part = content.split(&format!("--{boundary}\r\n")).nth(2).unwrap();
    let b64: String = part[part.find("\r\n\r\n").unwrap() + 4..]
        .split("\r\n")
        .inspect(|l| assert!(l.len() <= 76))
        .collect();
    let value = |c: u8| {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            .iter()
            .position(|&a| a == c)
            .unwrap() as u32
    };
    let mut decoded = Vec::new();
    for quad in b64.as_bytes().chunks(4) {
        let pad = quad.iter().filter(|&&c| c == b'=').count();
        let n = quad.iter().fold(0u32, |acc, &c| {
            (acc << 6) | if c == b'=' { 0 } else { value(c) }
        });
        decoded.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    assert_eq!(decoded, big.bytes);
    assert!(content.contains(
        "Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\nYSxiCg==\r\n"
    ));
    assert!(content.ends_with(&format!("--{boundary}--\r\n.\r\nQUIT\r\n")));
    // Many sends: the item went through the 256-byte out buffer.
    assert!(with(|b| b.log.iter().filter(|l| l.starts_with("send")).count()) > 25);

    // An item callback that fails: APPLICATION_ABORT, no end of data, no QUIT.
    let failing = Stream::new(*b"xyz", 2, -1);
    let bad = [failing.item(None, Some(&t2))];
    m.msg.paMultipartItem = bad.as_ptr();
    m.msg.NumMultipartItems = 1;
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 1];
    let mut r = report(&mut results);
    let o = IP_SMTPC_OPTIONS {
        pReport: &mut r,
        ..options()
    };
    assert_eq!(run(&m, Some(&o), &script), Error::ApplicationAbort as c_int);
    let wire = sent();
    assert!(
        !wire.contains("\r\n.\r\n") && !wire.contains("QUIT"),
        "{wire}"
    );
    assert_eq!((r.Step, r.ReplyCode), (9, 0));

    // Refused before connecting.
    let no_hook = [IP_SMTPC_MULTIPART_ITEM {
        pfSendItem: None,
        ..items[1]
    }];
    m.msg.paMultipartItem = no_hook.as_ptr();
    assert_eq!(run(&m, None, &script), Error::InvalidAttachment as c_int);
    m.msg.paMultipartItem = std::ptr::null();
    assert_eq!(run(&m, None, &script), Error::NullPointer as c_int);
    let bad_boundary = CString::new("bad\"boundary").unwrap();
    m.msg.paMultipartItem = items.as_ptr();
    m.msg.sBoundary = bad_boundary.as_ptr();
    assert_eq!(run(&m, None, &script), Error::InvalidAttachment as c_int);
    assert!(with(|b| b.log.is_empty()));
}

#[cfg(feature = "mime")]
#[test]
fn a_streamed_body_goes_quoted_printable() {
    let m = mail(false, 0);
    let text = Stream::new("Grüße\n.dot\n".as_bytes(), 3, 0);
    let body = text.item(None, None);
    let o = IP_SMTPC_OPTIONS {
        pBody: &body,
        ..options()
    };
    let script = delivered(EHLO);
    assert_eq!(run(&m, Some(&o), &script), 0);
    let wire = sent();
    assert!(
        wire.contains("quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n..dot\r\n.\r\nQUIT\r\n"),
        "{wire}"
    );
    let no_hook = IP_SMTPC_MULTIPART_ITEM {
        pfSendItem: None,
        ..body
    };
    let o = IP_SMTPC_OPTIONS {
        pBody: &no_hook,
        ..options()
    };
    assert_eq!(run(&m, Some(&o), &script), Error::InvalidBody as c_int);
}

#[test]
fn dsn_options_are_checked_before_anything_connects() {
    let m = mail(false, 0);
    let envid_tab = CString::new("a\tb").unwrap();
    let envid_long = CString::new("x".repeat(101)).unwrap();
    type Change = fn(&mut IP_SMTPC_OPTIONS, &CString, &CString);
    let invalid: [Change; 6] = [
        |o, _, _| o.DsnNotify = IP_SMTPC_DSN_NOTIFY_NEVER | IP_SMTPC_DSN_NOTIFY_SUCCESS,
        |o, _, _| o.DsnNotify = 16,
        |o, _, _| o.DsnRet = 3,
        |o, _, _| o.DsnRequired = 2,
        |o, tab, _| o.sDsnEnvId = tab.as_ptr(),
        |o, _, long| o.sDsnEnvId = long.as_ptr(),
    ];
    // Without `dsn` built, any DSN field set is NOT_BUILT.
    let expected = if cfg!(feature = "dsn") {
        Error::InvalidOptions
    } else {
        Error::NotBuilt
    };
    for (i, change) in invalid.into_iter().enumerate() {
        let mut o = options();
        change(&mut o, &envid_tab, &envid_long);
        assert_eq!(run(&m, Some(&o), &[]), expected as c_int, "case {i}");
        assert!(with(|b| b.log.is_empty()), "case {i}");
    }
}

#[cfg(feature = "dsn")]
#[test]
fn dsn_parameters_when_offered_and_refusal_when_required() {
    let m = mail(false, 0);
    let envid = CString::new("alarm 7").unwrap();
    let mut o = IP_SMTPC_OPTIONS {
        DsnNotify: IP_SMTPC_DSN_NOTIFY_SUCCESS | IP_SMTPC_DSN_NOTIFY_FAILURE,
        DsnRet: IP_SMTPC_DSN_RET_HDRS,
        sDsnEnvId: envid.as_ptr(),
        ..options()
    };
    let script = [
        "220 mx\r\n",
        "250-mx\r\n250 DSN\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "354 go\r\n",
        "250 queued\r\n",
        "221 bye\r\n",
    ];
    assert_eq!(run(&m, Some(&o), &script), 0);
    let wire = sent();
    assert!(
        wire.contains(
            "MAIL FROM:<a@b.test> RET=HDRS ENVID=alarm+207\r\n\
             RCPT TO:<c@d.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.test\r\n"
        ),
        "{wire}"
    );
    // Required and not offered: nothing after EHLO but QUIT.
    o.DsnRequired = 1;
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 4];
    let mut r = report(&mut results);
    o.pReport = &mut r;
    let script = ["220 mx\r\n", "250-mx\r\n250 8BITMIME\r\n", "221 bye\r\n"];
    assert_eq!(run(&m, Some(&o), &script), IP_SMTPC_ERR_DSN_UNAVAILABLE);
    assert_eq!(sent(), "EHLO b.test\r\nQUIT\r\n");
    assert_eq!((r.Step, r.ReplyCode), (IP_SMTPC_STEP_MAIL, 0));
}

/// `IP_SMTPC_SendBatch` over the scripted server.
#[cfg(feature = "batch")]
mod batch {
    use super::*;

    fn entries(m: &Mail, reports: &mut [IP_SMTPC_REPORT]) -> Vec<IP_SMTPC_BATCH_MAIL> {
        reports
            .iter_mut()
            .map(|r| IP_SMTPC_BATCH_MAIL {
                paMailAddr: m.addrs.as_ptr(),
                NumMailAddr: 4,
                pMessage: &m.msg,
                pReport: r,
                Result: 12345,
            })
            .collect()
    }

    fn run_batch(
        m: &Mail,
        mails: &mut [IP_SMTPC_BATCH_MAIL],
        o: Option<&IP_SMTPC_OPTIONS>,
        script: &[&'static str],
    ) -> c_int {
        reset(script);
        // SAFETY: every pointer is valid for the call.
        unsafe {
            IP_SMTPC_SendBatch(
                &m.api,
                mails.as_mut_ptr(),
                mails.len() as std::ffi::c_uint,
                &m.mta,
                &m.app,
                o.map_or(std::ptr::null(), |o| o as *const _),
            )
        }
    }

    /// `IP_SMTPC_SendBatch` with a NULL array of `count` mails.
    fn null_batch(m: &Mail, count: std::ffi::c_uint) -> c_int {
        // SAFETY: NULL with a count of 0 is allowed, with a count it is
        // refused before anything is read.
        unsafe {
            IP_SMTPC_SendBatch(
                &m.api,
                std::ptr::null_mut(),
                count,
                &m.mta,
                &m.app,
                std::ptr::null(),
            )
        }
    }

    /// Three mails of [`mail`] as one batch with the options `o`, the
    /// server greeting, answering EHLO, accepting the first mail and then
    /// replying `tail`; `check` gets the call's result, the batch entries
    /// and the reports.
    fn three_mails(
        o: Option<&IP_SMTPC_OPTIONS>,
        tail: &[&'static str],
        check: impl FnOnce(c_int, &[IP_SMTPC_BATCH_MAIL], &[IP_SMTPC_REPORT]),
    ) {
        let m = mail(false, 0);
        let mut results = [[IP_SMTPC_RCPT_RESULT::default(); 4]; 3];
        let mut reports: Vec<IP_SMTPC_REPORT> = results.iter_mut().map(|r| report(r)).collect();
        let mut mails = entries(&m, &mut reports);
        let mut script = vec!["220 mx\r\n", EHLO];
        script.extend(ACCEPTED);
        script.extend(tail);
        let r = run_batch(&m, &mut mails, o, &script);
        check(r, &mails, &reports);
    }

    const ACCEPTED: [&str; 6] = [
        "250 2.1.0 ok\r\n",
        "250 2.1.5 ok\r\n",
        "250 2.1.5 ok\r\n",
        "250 2.1.5 ok\r\n",
        "354 go\r\n",
        "250 2.0.0 queued\r\n",
    ];

    #[test]
    fn three_mails_over_one_connection_one_refused() {
        // The second mail: every recipient refused, then RSET.
        let mut tail = vec![
            "250 2.1.0 ok\r\n",
            "550 5.1.1 no\r\n",
            "550 5.1.1 no\r\n",
            "550 5.1.1 no\r\n",
            "250 2.0.0 reset\r\n",
        ];
        tail.extend(ACCEPTED);
        tail.push("221 bye\r\n");
        three_mails(Some(&options()), &tail, |r, mails, reports| {
            assert_eq!(r, Error::AllRecipientsRejected as c_int);
            let got: Vec<c_int> = mails.iter().map(|b| b.Result).collect();
            assert_eq!(got, [0, Error::AllRecipientsRejected as c_int, 0]);
            let wire = sent();
            assert_eq!(wire.matches("EHLO ").count(), 1, "{wire}");
            assert_eq!(wire.matches("MAIL FROM:").count(), 3, "{wire}");
            assert_eq!(wire.matches("\r\nRSET\r\n").count(), 1, "{wire}");
            assert!(
                wire.contains("RCPT TO:<f@d.test>\r\nRSET\r\nMAIL FROM:"),
                "{wire}"
            );
            assert!(wire.ends_with("\r\n.\r\nQUIT\r\n"), "{wire}");
            assert_eq!(
                with(|b| b
                    .log
                    .iter()
                    .filter(|l| *l == "connect" || *l == "disconnect")
                    .count()),
                2
            );
            // A report per mail.
            assert_eq!((reports[0].Result, reports[0].NumAccepted), (0, 3));
            assert_eq!(
                (reports[1].Result, reports[1].NumRejected, reports[1].Step),
                (Error::AllRecipientsRejected as c_int, 3, IP_SMTPC_STEP_RCPT)
            );
            assert_eq!(
                (reports[2].Result, reports[2].Step),
                (0, IP_SMTPC_STEP_DONE)
            );
        });
    }

    #[test]
    fn the_connection_ending_leaves_the_rest_not_sent() {
        three_mails(None, &["421 4.3.2 going down\r\n"], |r, mails, reports| {
            assert_eq!(r, Error::ServiceClosing as c_int);
            let got: Vec<c_int> = mails.iter().map(|b| b.Result).collect();
            assert_eq!(
                got,
                [0, Error::ServiceClosing as c_int, IP_SMTPC_ERR_NOT_SENT]
            );
            // The third mail's report is untouched: it was never attempted.
            assert_eq!(reports[2].Result, 12345);
            assert!(!with(|b| b.server.text().contains("QUIT")));
        });
    }

    #[test]
    fn an_invalid_mail_sends_nothing() {
        let m = mail(false, 0);
        let mut bad = mail(false, 0);
        bad.addrs[0].sAddr = std::ptr::null();
        let mut results = [[IP_SMTPC_RCPT_RESULT::default(); 4]; 3];
        let mut reports: Vec<IP_SMTPC_REPORT> = results.iter_mut().map(|r| report(r)).collect();
        let mut mails = entries(&m, &mut reports);
        mails[1].paMailAddr = bad.addrs.as_ptr();
        let r = run_batch(&m, &mut mails, None, &["220 mx\r\n"]);
        let got: Vec<c_int> = mails.iter().map(|b| b.Result).collect();
        assert_eq!(r, got[1]);
        assert!(r < 0 && r != IP_SMTPC_ERR_NOT_SENT);
        assert_eq!(got[0], IP_SMTPC_ERR_NOT_SENT);
        assert_eq!(got[2], IP_SMTPC_ERR_NOT_SENT);
        assert_eq!(
            (reports[1].Result, reports[1].Step),
            (r, IP_SMTPC_STEP_INPUT)
        );
        assert!(with(|b| b.log.is_empty()), "nothing connected");
        // One report, one streamed body: not for a batch.
        let mut one = [IP_SMTPC_RCPT_RESULT::default(); 4];
        let mut rep = report(&mut one);
        let o = IP_SMTPC_OPTIONS {
            pReport: &mut rep,
            ..options()
        };
        let mut mails = entries(&m, &mut reports[..1]);
        assert_eq!(
            run_batch(&m, &mut mails, Some(&o), &[]),
            Error::InvalidOptions as c_int
        );
        assert!(with(|b| b.log.is_empty()));
        // No mails: nothing happens.
        let none = null_batch(&m, 0);
        assert_eq!(none, 0);
        let null = null_batch(&m, 2);
        assert_eq!(null, Error::NullPointer as c_int);
    }
}
