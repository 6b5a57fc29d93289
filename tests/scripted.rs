// SPDX-License-Identifier: MIT OR Apache-2.0
//! The engine against the scripted server (tests/scripted_server.py) over
//! real TCP: each case checks the result code and what the client sent.

mod support;

use ip_smtpc::auth::{Mechanism, Mechanisms};
use ip_smtpc::message::{Kind, Mail, Party, Timestamp, NO_HEADERS};
use ip_smtpc::session::Config;
use ip_smtpc::Error;
use support::ScriptedServer;

const RCPTS: [Party<'static>; 3] = [
    Party {
        address: b"alice@example.test",
        name: b"Alice",
        kind: Kind::To,
    },
    Party {
        address: b"bob@example.test",
        name: b"Bob B.",
        kind: Kind::Cc,
    },
    Party {
        address: b"hidden@example.test",
        name: b"",
        kind: Kind::Bcc,
    },
];

fn mail<'a>(recipients: &'a [Party<'a>], body: &'a [u8]) -> Mail<'a, [Party<'a>]> {
    Mail {
        sender: Party {
            address: b"dev@example.test",
            name: b"Device",
            kind: Kind::To,
        },
        recipients,
        subject: b"Scripted",
        body,
        date: Some(Timestamp {
            year: 2026,
            month: 11,
            day: 28,
            hour: 9,
            minute: 30,
            second: 0,
        }),
        timezone: b"+0100",
        domain: b"dev.example.test",
        unique: 42,
        reply_to: b"",
        extra_headers: &NO_HEADERS,
        boundary: b"",
    }
}

fn config() -> Config<'static> {
    Config::anonymous(5000)
}

/// Runs one exchange; returns the client result, the server's exit code and the transcript.
fn exchange(
    script: &str,
    m: &Mail<'_, [Party<'_>]>,
    cfg: Config<'_>,
) -> (Result<(), Error>, i32, String, support::Rejections) {
    let server = ScriptedServer::start(script);
    let (result, rejections) = support::send(server.port, m, cfg);
    let (code, transcript, log) = server.finish();
    if code != 0 {
        eprintln!("server log:\n{log}");
    }
    (
        result,
        code,
        String::from_utf8_lossy(&transcript).into_owned(),
        rejections,
    )
}

const ENVELOPE: &str = r#"
expect-exact "MAIL FROM:<dev@example.test>"
send "250 2.1.0 Ok\r\n"
expect-exact "RCPT TO:<alice@example.test>"
send "250 2.1.5 Ok\r\n"
expect-exact "RCPT TO:<bob@example.test>"
send "250 2.1.5 Ok\r\n"
expect-exact "RCPT TO:<hidden@example.test>"
send "250 2.1.5 Ok\r\n"
expect-exact "DATA"
send "354 go ahead\r\n"
"#;

#[test]
fn happy_path_multi_line_and_headers() {
    let script = format!(
        r#"send "220-mx.example.test ESMTP\r\n220 welcome\r\n"
expect-exact "EHLO dev.example.test"
send "250-mx.example.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n"
{ENVELOPE}
expect-data
data-contains "To: Alice <alice@example.test>\r\n"
data-contains "Cc: \"Bob B.\" <bob@example.test>\r\n"
data-not-contains "hidden@"
data-contains "Date: Sat, 28 Nov 2026 09:30:00 +0100\r\n"
data-contains "\r\n\r\nline one\r\n..leading dot\r\n..\r\nlast\r\n.\r\n"
send "250 2.0.0 Ok: queued\r\n"
expect-quit-or-eof
"#
    );
    let m = mail(&RCPTS, b"line one\n.leading dot\n.\nlast");
    let (result, code, transcript, _) = exchange(&script, &m, config());
    assert_eq!((result, code), (Ok(()), 0));
    assert!(transcript.ends_with("QUIT\r\n"));
}

#[test]
fn replies_byte_by_byte() {
    let script = r#"send-bytewise "220-mx\r\n220 ready\r\n"
expect "EHLO"
send-bytewise "250-mx\r\n250 SIZE 1000000\r\n"
expect "MAIL FROM:<dev@example.test> SIZE="
send-bytewise "250 ok\r\n"
expect "RCPT"
send-split "250 ok\r\n" 2
expect "RCPT"
send-split "250 ok\r\n" 5
expect "RCPT"
send-bytewise "250 ok\r\n"
expect "DATA"
send-bytewise "354 go\r\n"
expect-data
send-bytewise "250 queued\r\n"
expect-quit-or-eof
"#;
    let m = mail(&RCPTS, b"x\r\n");
    let (result, code, transcript, _) = exchange(script, &m, config());
    assert_eq!((result, code), (Ok(()), 0));
    // RFC 1870: SIZE is the message's octets, without the final dot line.
    let size: usize = transcript
        .split("SIZE=")
        .nth(1)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let data = transcript.split("DATA\r\n").nth(1).unwrap();
    let message = &data[..data.find("\r\n.\r\n").unwrap() + 2];
    assert_eq!(size, message.len());
}

#[test]
fn ehlo_rejected_falls_back_to_helo_without_esmtp_parameters() {
    let script = format!(
        r#"send "220 old\r\n"
expect-exact "EHLO dev.example.test"
send "502 5.5.2 what?\r\n"
expect-exact "HELO dev.example.test"
send "250 hi\r\n"
{ENVELOPE}
expect-data
send "250 ok\r\n"
expect-quit-or-eof
"#
    );
    let body = "caf\u{e9}\n";
    let m = mail(&RCPTS, body.as_bytes());
    let (result, code, transcript, _) = exchange(&script, &m, config());
    assert_eq!((result, code), (Ok(()), 0));
    assert!(!transcript.contains("BODY="));
}

#[test]
fn auth_plain_and_login_and_failure() {
    let plain = r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"
auth-check-plain "user@example.test" "pa55 word"
send "235 2.7.0 Authentication successful\r\n"
expect "MAIL"
send "553 5.7.1 sender rejected\r\n"
expect-quit-or-eof
"#;
    let cfg = Config {
        user: b"user@example.test",
        password: b"pa55 word",
        allow_insecure_auth: true,
        ..config()
    };
    let m = mail(&RCPTS, b"x");
    let (result, code, _, _) = exchange(plain, &m, cfg);
    assert_eq!(code, 0);
    assert_eq!(result, Err(Error::SenderRejected));

    let login = r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"
expect-exact "AUTH LOGIN"
send "334 VXNlcm5hbWU6\r\n"
expect-b64 "user@example.test"
send "334 UGFzc3dvcmQ6\r\n"
expect-b64 "pa55 word"
send "535 5.7.8 Error: authentication failed\r\n"
expect-quit-or-eof
"#;
    let cfg = Config {
        mechanisms: Mechanisms::NONE.with(Mechanism::Login),
        ..cfg
    };
    let (result, code, transcript, _) = exchange(login, &m, cfg);
    assert_eq!((result, code), (Err(Error::AuthFailed), 0));
    assert!(!transcript.contains("MAIL"));
}

#[test]
fn auth_is_refused_in_clear_without_opt_in() {
    let script = r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"
expect-quit-or-eof
"#;
    let cfg = Config {
        user: b"u",
        password: b"secret-password",
        ..config()
    };
    let m = mail(&RCPTS, b"x");
    let (result, code, transcript, _) = exchange(script, &m, cfg);
    assert_eq!((result, code), (Err(Error::AuthInsecure), 0));
    assert!(!transcript.contains("AUTH"));
}

#[test]
fn partial_rejection_is_reported_per_recipient() {
    let script = r#"send "220 hi\r\n"
expect "EHLO"
send "250 mx\r\n"
expect "MAIL"
send "250 ok\r\n"
expect-exact "RCPT TO:<alice@example.test>"
send "550 5.1.1 <alice@example.test>: Recipient address rejected\r\n"
expect-exact "RCPT TO:<bob@example.test>"
send "250 ok\r\n"
expect-exact "RCPT TO:<hidden@example.test>"
send "452 4.2.2 mailbox full\r\n"
expect "DATA"
send "354 go\r\n"
expect-data
send "250 queued\r\n"
expect-quit-or-eof
"#;
    let m = mail(&RCPTS, b"x");
    let (result, code, _, rejections) = exchange(script, &m, config());
    assert_eq!((result, code), (Err(Error::PartialDelivery), 0));
    assert_eq!(
        rejections.0,
        vec![
            (
                0,
                550,
                "5.1.1 <alice@example.test>: Recipient address rejected".to_string()
            ),
            (2, 452, "4.2.2 mailbox full".to_string())
        ]
    );
}

#[test]
fn all_rejected_sends_no_data() {
    let script = r#"send "220 hi\r\n"
expect "EHLO"
send "250 mx\r\n"
expect "MAIL"
send "250 ok\r\n"
expect "RCPT"
send "550 no\r\n"
expect "RCPT"
send "550 no\r\n"
expect "RCPT"
send "550 no\r\n"
expect-quit-or-eof
"#;
    let m = mail(&RCPTS, b"x");
    let (result, code, transcript, rejections) = exchange(script, &m, config());
    assert_eq!((result, code), (Err(Error::AllRecipientsRejected), 0));
    assert!(!transcript.contains("DATA"));
    assert_eq!(rejections.0.len(), 3);
}

#[test]
fn service_closing_mid_session_sends_nothing_more() {
    let script = r#"send "220 hi\r\n"
expect "EHLO"
send "250 mx\r\n"
expect "MAIL"
send "421 4.3.2 Service shutting down\r\n"
expect-eof
"#;
    let m = mail(&RCPTS, b"x");
    let (result, code, transcript, _) = exchange(script, &m, config());
    assert_eq!((result, code), (Err(Error::ServiceClosing), 0));
    assert!(!transcript.contains("RSET") && !transcript.contains("QUIT"));
}

/// The server closes the connection after each reply in turn: the client
/// never reports success, and after the final dot reports "unknown".
#[test]
fn connection_closed_at_each_step() {
    let steps = [
        (r#"sleep 1"#, "", Error::Receive),
        (r#"send "220 hi\r\n""#, "expect \"EHLO\"", Error::Receive),
        (r#"send "250 mx\r\n""#, "expect \"MAIL\"", Error::Receive),
        (r#"send "250 ok\r\n""#, "expect \"RCPT\"", Error::Receive),
        (r#"send "250 ok\r\n""#, "expect \"DATA\"", Error::Receive),
        (r#"send "354 go\r\n""#, "expect-data", Error::OutcomeUnknown),
    ];
    let single = [RCPTS[0]];
    for cut in 0..steps.len() {
        let mut script = String::new();
        for (reply, expect, _) in &steps[..=cut] {
            script.push_str(reply);
            script.push('\n');
            script.push_str(expect);
            script.push('\n');
        }
        script.push_str("close\n");
        let m = mail(&single, b"x");
        let (result, code, _, _) = exchange(&script, &m, config());
        assert_eq!(code, 0, "cut {cut}");
        assert_eq!(result, Err(steps[cut].2), "cut {cut}");
    }
}
