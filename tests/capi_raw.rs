// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_OPTIONS.RawMessage` through the C ABI against an in-memory
//! scripted server (`raw` feature; without it, `RawMessage = 1` is
//! `IP_SMTPC_ERR_NOT_BUILT`): the caller's complete message goes out as
//! given (CR LF line ends, dot-stuffed, no generated header, every address
//! entry a RCPT TO), `BODY=8BITMIME` when it is 8-bit and the server offers
//! it, else `IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED` before MAIL; a line over
//! 998 octets or fields of a generated header are refused before
//! connecting; a streamed message (`pBody`) is declared 8-bit wherever the
//! server allows it and abandoned before the final dot when it turns out
//! unfit. The expectations are `src/`'s (`tests/hostile.rs`,
//! `src/message/raw.rs`).
#![cfg(feature = "ex")]
// Without `raw` only the NOT_BUILT case runs; the bed stays the same.
#![cfg_attr(not(feature = "raw"), allow(dead_code))]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CString};

use ip_smtpc::capi::*;

#[path = "support/cstructs.rs"]
mod cstructs;
#[path = "support/init_options.rs"]
mod init_options;
#[path = "support/script_server.rs"]
mod script_server;

use script_server::Script;

/// The scripted server and how often the client connected.
#[derive(Default)]
struct Bed {
    server: Script,
    connects: u32,
}

thread_local! {
    static BED: RefCell<Bed> = RefCell::new(Bed::default());
}

fn with<R>(f: impl FnOnce(&mut Bed) -> R) -> R {
    BED.with(|b| f(&mut b.borrow_mut()))
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    with(|b| {
        b.connects += 1;
        b.server.release();
    });
    0x5eed as SMTPC_SOCKET
}
unsafe extern "C" fn disconnect(_: SMTPC_SOCKET) {}
unsafe extern "C" fn send(p: *const c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes `n` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), n as usize) };
    with(|b| b.server.client_sent(bytes));
    n
}
unsafe extern "C" fn receive(p: *mut c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes `n` writable bytes.
    match with(|b| unsafe { b.server.give(p, (n as usize).min(5)) }) {
        0 => -1,
        k => k as c_int,
    }
}

/// A sender, a To, a Cc and a Bcc (names given: they only matter for a
/// generated header), and `body` as sBody.
struct Mail {
    _strings: Vec<CString>,
    addrs: [IP_SMTPC_MAIL_ADDR; 4],
    msg: IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    api: IP_SMTPC_API,
    app: IP_SMTPC_APPLICATION,
}

fn mail(body: &[u8]) -> Mail {
    let strings: Vec<CString> = [
        &b"dev@example.test"[..],
        b"alice@example.test",
        b"bob@example.test",
        b"carol@example.test",
        b"Carol Hidden",
        body,
        b"mx",
        b"dev.example.test",
    ]
    .iter()
    .map(|s| CString::new(*s).unwrap())
    .collect();
    let entry = |i: usize, t: c_int| cstructs::addr((i == 3).then(|| &*strings[4]), &strings[i], t);
    Mail {
        addrs: [
            entry(0, SMTPC_REC_TYPE_FROM),
            entry(1, SMTPC_REC_TYPE_TO),
            entry(2, SMTPC_REC_TYPE_CC),
            entry(3, SMTPC_REC_TYPE_BCC),
        ],
        msg: cstructs::message(None, Some(&strings[5]), &[]),
        mta: cstructs::mta(
            Some(&strings[6]),
            None,
            None,
            SMTPC_SEC_POLICY_ALLOW_INSECURE,
        ),
        api: cstructs::plain_api(connect, disconnect, send, receive),
        app: IP_SMTPC_APPLICATION {
            pfGetTimeDate: None,
            pfCallback: None,
            sDomain: strings[7].as_ptr(),
            sTimezone: std::ptr::null(),
        },
        _strings: strings,
    }
}

/// Options with `RawMessage` 1 and a report.
fn raw_options(report: &mut IP_SMTPC_REPORT) -> IP_SMTPC_OPTIONS {
    let mut o = init_options::options();
    assert_eq!(o.RawMessage, 0, "a generated header by default");
    o.RawMessage = 1;
    o.pReport = report;
    o
}

fn report() -> IP_SMTPC_REPORT {
    IP_SMTPC_REPORT {
        Result: 12345,
        Step: 99,
        Secure: 9,
        ReplyCode: 999,
        NumAccepted: 9,
        NumRejected: 9,
        paResult: std::ptr::null_mut(),
        NumResults: 0,
        acReply: [b'x' as c_char; IP_SMTPC_REPLY_TEXT_SIZE],
        OAuthStatus: 7,
        NumHostsTried: 7,
        aReserved: [7; 3],
    }
}

/// Runs `IP_SMTPC_SendEx` against `script`; the result, the pfConnect
/// count and the wire.
fn run(m: &Mail, o: &IP_SMTPC_OPTIONS, script: &[&'static str]) -> (c_int, u32, Vec<u8>) {
    with(|b| {
        *b = Bed {
            server: Script::new(script),
            ..Bed::default()
        }
    });
    // SAFETY: every pointer is valid for the call.
    let r = unsafe { IP_SMTPC_SendEx(&m.api, m.addrs.as_ptr(), 4, &m.msg, &m.mta, &m.app, o) };
    with(|b| (r, b.connects, std::mem::take(&mut b.server.wire)))
}

/// The dialogue of a delivery after EHLO's reply `ehlo`.
fn accepting(ehlo: &'static str) -> [&'static str; 9] {
    [
        "220 mx\r\n",
        ehlo,
        "250 2.1.0 ok\r\n",
        "250 2.1.5 a\r\n",
        "250 2.1.5 b\r\n",
        "250 2.1.5 c\r\n",
        "354 go\r\n",
        "250 2.0.0 queued\r\n",
        "221 bye\r\n",
    ]
}

/// The client side of a delivery: MAIL FROM with `params`, a RCPT TO for
/// every entry (the Bcc one included), DATA, the message on the wire, QUIT.
fn delivery(params: &str, message_on_wire: &[u8]) -> Vec<u8> {
    [
        format!(
            "EHLO dev.example.test\r\nMAIL FROM:<dev@example.test>{params}\r\n\
             RCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\n\
             RCPT TO:<carol@example.test>\r\nDATA\r\n"
        )
        .as_bytes(),
        message_on_wire,
        b".\r\nQUIT\r\n",
    ]
    .concat()
}

#[cfg(feature = "raw")]
#[test]
fn a_complete_message_goes_out_as_given() {
    // Mixed line ends, a bare CR, leading dots, a smuggled end of data.
    let message = b"Date: Sat, 28 Nov 2026 09:30:00 +0100\r\nFrom: Dev <dev@example.test>\n\
        To: alice@example.test\r\nSubject: raw\r\nX-Odd:   spaced\t\r\n  folded\r\n\r\n\
        .lead\ra\n.\r\nMAIL FROM:<evil@example.test>\r\n..\nlast line";
    let on_wire = b"Date: Sat, 28 Nov 2026 09:30:00 +0100\r\nFrom: Dev <dev@example.test>\r\n\
        To: alice@example.test\r\nSubject: raw\r\nX-Odd:   spaced\t\r\n  folded\r\n\r\n\
        ..lead\r\na\r\n..\r\nMAIL FROM:<evil@example.test>\r\n...\r\nlast line\r\n";
    let m = mail(message);
    let mut r = report();
    let o = raw_options(&mut r);
    let ehlo = "250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 100000\r\n250 8BITMIME\r\n";
    let (result, connects, wire) = run(&m, &o, &accepting(ehlo));
    assert_eq!((result, connects), (0, 1));
    // SIZE= is the message as sent without ".\r\n"; 7-bit: no BODY=.
    let size = if cfg!(feature = "size") {
        format!(" SIZE={}", on_wire.len())
    } else {
        String::new()
    };
    assert_eq!(
        String::from_utf8_lossy(&wire),
        String::from_utf8_lossy(&delivery(&size, on_wire))
    );
    assert_eq!(
        (r.Result, r.Step, r.ReplyCode),
        (0, IP_SMTPC_STEP_DONE, 250)
    );
    assert_eq!((r.NumAccepted, r.NumRejected), (3, 0));
}

#[cfg(feature = "raw")]
#[test]
fn eight_bit_needs_8bitmime() {
    let message = "From: J\u{fc}rgen <dev@example.test>\r\nSubject: Gr\u{fc}\u{df}e\r\n\r\nK\u{e4}se \u{6771}\u{4eac}\r\n";
    let m = mail(message.as_bytes());
    let mut r = report();
    let o = raw_options(&mut r);
    let (result, _, wire) = run(&m, &o, &accepting("250-mx\r\n250 8BITMIME\r\n"));
    assert_eq!(result, 0);
    assert_eq!(wire, delivery(" BODY=8BITMIME", message.as_bytes()));
    // Not offered: refused before MAIL, nothing delivered, QUIT sent.
    let mut r = report();
    let o = raw_options(&mut r);
    let (result, connects, wire) = run(&m, &o, &["220 mx\r\n", "250 mx\r\n", "221 bye\r\n"]);
    assert_eq!(result, IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED);
    assert_eq!(result, -87);
    assert_eq!(connects, 1);
    assert_eq!(wire, b"EHLO dev.example.test\r\nQUIT\r\n");
    assert_eq!(
        (r.Result, r.Step, r.ReplyCode, r.NumAccepted),
        (-87, IP_SMTPC_STEP_MAIL, 0, 0)
    );
}

/// Nothing is connected for a message with a line over 998 octets (a
/// leading dot counts twice), fields of a generated header, items, or a
/// RawMessage other than 0 or 1.
#[cfg(feature = "raw")]
#[test]
fn refusals_before_connecting() {
    let long = [&b"Subject: x\r\n\r\n"[..], &[b'a'; 999], b"\r\n"].concat();
    let dotted = [&b"Subject: x\r\n\r\n."[..], &[b'a'; 997]].concat();
    for body in [long, dotted] {
        let m = mail(&body);
        let mut r = report();
        let o = raw_options(&mut r);
        assert_eq!(run(&m, &o, &[]).0, IP_SMTPC_ERR_INVALID_BODY);
        assert_eq!(
            (r.Result, r.Step),
            (IP_SMTPC_ERR_INVALID_BODY, IP_SMTPC_STEP_INPUT)
        );
    }
    // 998 octets with the doubled dot is the limit.
    let fits = [&b"Subject: x\r\n\r\n."[..], &[b'a'; 996]].concat();
    let m = mail(&fits);
    let mut r = report();
    let o = raw_options(&mut r);
    assert_eq!(run(&m, &o, &accepting("250 mx\r\n")).0, 0);

    let item = IP_SMTPC_MULTIPART_ITEM {
        sFilename: std::ptr::null(),
        pUserContext: std::ptr::null_mut(),
        sContentType: std::ptr::null(),
        pfSendItem: Some(cstructs::send_stream),
    };
    let header = c"X-Extra: 1";
    let headers = [header.as_ptr()];
    type Change = fn(&mut IP_SMTPC_OPTIONS, &mut IP_SMTPC_MESSAGE, &IP_SMTPC_MULTIPART_ITEM);
    let changes: [(Change, c_int); 7] = [
        (
            |_, m, _| m.sSubject = c"generated".as_ptr(),
            IP_SMTPC_ERR_INVALID_OPTIONS,
        ),
        (
            |o, _, _| o.sReplyTo = c"desk@example.test".as_ptr(),
            IP_SMTPC_ERR_INVALID_OPTIONS,
        ),
        (
            |_, m, _| m.sBoundary = c"b0undary".as_ptr(),
            IP_SMTPC_ERR_INVALID_OPTIONS,
        ),
        (|o, _, _| o.NumHeaders = 1, IP_SMTPC_ERR_INVALID_OPTIONS),
        (
            |_, m, i| {
                m.paMultipartItem = i;
                m.NumMultipartItems = 1
            },
            IP_SMTPC_ERR_INVALID_OPTIONS,
        ),
        (|o, _, _| o.RawMessage = 2, IP_SMTPC_ERR_INVALID_OPTIONS),
        // A stream without its pfSendItem.
        (
            |o, _, i| {
                // The item without its pfSendItem (leaked: it outlives the call).
                o.pBody = Box::leak(Box::new(IP_SMTPC_MULTIPART_ITEM {
                    pfSendItem: None,
                    ..*i
                }));
            },
            IP_SMTPC_ERR_INVALID_BODY,
        ),
    ];
    for (i, (change, expected)) in changes.into_iter().enumerate() {
        let mut m = mail(b"Subject: x\r\n\r\nhi\r\n");
        let mut r = report();
        let mut o = raw_options(&mut r);
        o.pasHeader = headers.as_ptr();
        change(&mut o, &mut m.msg, &item);
        let (result, connects, _) = run(&m, &o, &[]);
        assert_eq!((result, connects), (expected, 0), "case {i}");
        assert_eq!(
            (r.Result, r.Step),
            (expected, IP_SMTPC_STEP_INPUT),
            "case {i}"
        );
    }
    // Empty strings are no fields: the message goes.
    let mut m = mail(b"Subject: x\r\n\r\nhi\r\n");
    m.msg.sSubject = c"".as_ptr();
    m.msg.sBoundary = c"".as_ptr();
    let mut r = report();
    let mut o = raw_options(&mut r);
    o.sReplyTo = c"".as_ptr();
    assert_eq!(run(&m, &o, &accepting("250 mx\r\n")).0, 0);
}

#[cfg(feature = "raw")]
#[test]
fn a_streamed_message_goes_out_as_given() {
    let message = "From: <dev@example.test>\nSubject: s\r\r\n\n.a\r\nK\u{e4}se\r";
    for piece in [1, 2, 3, 7, 100, 1000] {
        let stream = cstructs::Stream::new(message.as_bytes(), piece, 0);
        let body = stream.item(None, None);
        // sBody is not used with a stream.
        let m = mail(b"ignored");
        let mut r = report();
        let mut o = raw_options(&mut r);
        o.pBody = &body;
        // No SIZE= (not known in advance); BODY=8BITMIME wherever offered.
        let ehlo = "250-mx\r\n250-SIZE 100000\r\n250 8BITMIME\r\n";
        let (result, _, wire) = run(&m, &o, &accepting(ehlo));
        assert_eq!(result, 0, "piece {piece}");
        let on_wire = "From: <dev@example.test>\r\nSubject: s\r\n\r\n\r\n..a\r\nK\u{e4}se\r\n";
        assert_eq!(
            wire,
            delivery(" BODY=8BITMIME", on_wire.as_bytes()),
            "piece {piece}"
        );
        assert_eq!((r.Result, r.Step), (0, IP_SMTPC_STEP_DONE));
    }
}

/// A stream that turns out unfit (a long line; 8-bit without 8BITMIME) or
/// whose pfSendItem fails is abandoned before the final dot: nothing is
/// delivered, the report says END_OF_DATA with no reply code.
#[cfg(feature = "raw")]
#[test]
fn an_unfit_stream_is_abandoned_before_the_dot() {
    let long = [&b"Subject: x\r\n\r\n"[..], &[b'a'; 1500], b"\r\n"].concat();
    let eight = "Subject: x\r\n\r\nK\u{e4}se\r\n".as_bytes().to_vec();
    let fine = b"Subject: x\r\n\r\nok\r\n".to_vec();
    for (bytes, result, ehlo, params, expected) in [
        (
            long,
            0,
            "250-mx\r\n250 8BITMIME\r\n",
            " BODY=8BITMIME",
            IP_SMTPC_ERR_INVALID_BODY,
        ),
        (
            eight,
            0,
            "250 mx\r\n",
            "",
            IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED,
        ),
        (fine, -1, "250 mx\r\n", "", IP_SMTPC_ERR_APPLICATION_ABORT),
    ] {
        let stream = cstructs::Stream::new(bytes, 100, result);
        let body = stream.item(None, None);
        let m = mail(b"");
        let mut r = report();
        let mut o = raw_options(&mut r);
        o.pBody = &body;
        let (code, connects, wire) = run(&m, &o, &accepting(ehlo));
        assert_eq!((code, connects), (expected, 1));
        let wire = String::from_utf8_lossy(&wire);
        let envelope = String::from_utf8_lossy(&delivery(params, b"")).into_owned();
        let envelope = envelope.strip_suffix(".\r\nQUIT\r\n").unwrap();
        let content = wire.strip_prefix(envelope).unwrap();
        assert!(
            "Subject: x\r\n\r\n".starts_with(content) || content.starts_with("Subject: x\r\n\r\n"),
            "{content:?}"
        );
        assert!(!content.contains("\r\n.\r\n") && !content.contains("QUIT"));
        assert!(!content.contains(&"a".repeat(999)), "no long line");
        assert!(!content.contains('\u{e4}') && !content.contains('\u{fffd}'));
        assert_eq!(
            (r.Result, r.Step, r.ReplyCode, r.NumAccepted),
            (expected, IP_SMTPC_STEP_END_OF_DATA, 0, 3)
        );
    }
}

/// Without the `raw` feature a complete message is refused, never sent
/// with a generated header.
#[cfg(not(feature = "raw"))]
#[test]
fn raw_message_is_not_built() {
    let m = mail(b"Subject: x\r\n\r\nhi\r\n");
    let mut r = report();
    let o = raw_options(&mut r);
    assert_eq!(run(&m, &o, &[]), (IP_SMTPC_ERR_NOT_BUILT, 0, Vec::new()));
    assert_eq!(
        (r.Result, r.Step),
        (IP_SMTPC_ERR_NOT_BUILT, IP_SMTPC_STEP_INPUT)
    );
    let mut o = raw_options(&mut r);
    o.RawMessage = 2;
    assert_eq!(run(&m, &o, &[]).0, IP_SMTPC_ERR_INVALID_OPTIONS);
}
