// SPDX-License-Identifier: MIT OR Apache-2.0
//! The library against the scripted server (tests/scripted_server.py) over
//! real TCP, through the C API only (`IP_SMTPC_Send`, and `IP_SMTPC_SendEx`
//! where options are needed): each case checks the exact result code and
//! what the client sent.

#[path = "support/suites_capi.rs"]
mod capi;
mod support;

use std::ffi::c_int;

use capi::*;
use support::ScriptedServer;

fn recipients() -> Vec<Party> {
    vec![
        party(b"alice@example.test", b"Alice", SMTPC_REC_TYPE_TO),
        party(b"bob@example.test", b"Bob B.", SMTPC_REC_TYPE_CC),
        party(b"hidden@example.test", b"", SMTPC_REC_TYPE_BCC),
    ]
}

fn mail(recipients: Vec<Party>, body: &[u8]) -> Mail {
    Mail {
        sender: party(b"dev@example.test", b"Device", SMTPC_REC_TYPE_FROM),
        recipients,
        subject: Some(b"Scripted".to_vec()),
        body: body.to_vec(),
        date: Some(fat(2026, 11, 28, 9, 30, 0)),
        timezone: "+0100",
        domain: b"dev.example.test".to_vec(),
    }
}

/// No credentials, STARTTLS when offered (the hooks have none).
fn mta() -> Mta {
    Mta::default()
}

/// The server's exit code and transcript after one exchange.
struct Exchange {
    outcome: Outcome,
    server: i32,
    transcript: String,
}

/// Runs one exchange through `IP_SMTPC_Send`.
fn exchange(script: &str, m: &Mail, mta: &Mta) -> Exchange {
    exchange_with(script, |port| send(Link::to(port), m, mta))
}

fn exchange_with(script: &str, call: impl FnOnce(u16) -> Outcome) -> Exchange {
    let server = ScriptedServer::start(script);
    let outcome = call(server.port);
    let (code, transcript, log) = server.finish();
    if code != 0 {
        eprintln!("server log:\n{log}");
    }
    Exchange {
        outcome,
        server: code,
        transcript: String::from_utf8_lossy(&transcript).into_owned(),
    }
}

impl Exchange {
    /// Asserts the result `code` and the server's clean exit, with the
    /// dialogue on failure.
    #[track_caller]
    fn check(&self, code: c_int) {
        assert_eq!(verdict(self), expect(code), "{}", self.outcome.dialogue());
    }
}

/// Runs one exchange through `IP_SMTPC_SendEx` with `options`.
#[cfg(feature = "ex")]
fn exchange_ex(script: &str, m: &Mail, mta: &Mta, options: IP_SMTPC_OPTIONS) -> Exchange {
    exchange_with(script, |port| send_ex(Link::to(port), m, mta, options))
}

/// The login `user` / `pass`, sent in clear by policy (ALLOW_INSECURE).
fn in_clear(user: &[u8], pass: &[u8]) -> Mta {
    Mta {
        user: user.to_vec(),
        pass: pass.to_vec(),
        policy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
    }
}

/// A server offering AUTH with `offer` (its EHLO line) that expects AUTH
/// LOGIN for user@example.test / "pa55 word" and refuses it with 535.
fn login_refused(offer: &str) -> String {
    format!(
        r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 {offer}\r\n"
expect-exact "AUTH LOGIN"
send "334 VXNlcm5hbWU6\r\n"
expect-b64 "user@example.test"
send "334 UGFzc3dvcmQ6\r\n"
expect-b64 "pa55 word"
send "535 5.7.8 Error: authentication failed\r\n"
expect-quit-or-eof
"#
    )
}

/// (result name, server exit code): both in one assertion, names for codes.
fn verdict(x: &Exchange) -> (String, i32) {
    (x.outcome.name(), x.server)
}

fn expect(code: i32) -> (String, i32) {
    (code_name(code), 0)
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
data-contains "To: \"Alice\" <alice@example.test>\r\n"
data-contains "Cc: \"Bob B.\" <bob@example.test>\r\n"
data-not-contains "hidden@"
data-contains "Date: Sat, 28 Nov 2026 09:30:00 +0100\r\n"
data-contains "\r\n\r\nline one\r\n..leading dot\r\n..\r\nlast\r\n.\r\n"
send "250 2.0.0 Ok: queued\r\n"
expect-quit-or-eof
"#
    );
    let m = mail(recipients(), b"line one\n.leading dot\n.\nlast");
    let x = exchange(&script, &m, &mta());
    x.check(0);
    assert!(x.transcript.ends_with("QUIT\r\n"));
    assert_eq!(x.outcome.connections, (1, 1));
    assert_eq!(x.outcome.accepted(), vec![1, 2, 3]);
}

#[cfg(feature = "size")]
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
    let m = mail(recipients(), b"x\r\n");
    let x = exchange(script, &m, &mta());
    x.check(0);
    // RFC 1870: SIZE is the message's octets, without the final dot line.
    let size: usize = x
        .transcript
        .split("SIZE=")
        .nth(1)
        .unwrap()
        .split("\r\n")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let data = x.transcript.split("DATA\r\n").nth(1).unwrap();
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
    let m = mail(recipients(), body.as_bytes());
    let x = exchange(&script, &m, &mta());
    x.check(0);
    assert!(!x.transcript.contains("BODY="));
}

#[test]
fn auth_plain_in_clear_by_policy_then_sender_rejected() {
    // IP_SMTPC_Send with SMTPC_SEC_POLICY_ALLOW_INSECURE authenticates on
    // a connection without TLS, as emNet does; PLAIN when both are offered.
    let plain = r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"
auth-check-plain "user@example.test" "pa55 word"
send "235 2.7.0 Authentication successful\r\n"
expect "MAIL"
send "553 5.7.1 sender rejected\r\n"
expect-quit-or-eof
"#;
    let auth = in_clear(b"user@example.test", b"pa55 word");
    let m = mail(recipients(), b"x");
    let x = exchange(plain, &m, &auth);
    x.check(IP_SMTPC_ERR_SENDER_REJECTED);
}

#[test]
fn auth_login_failure() {
    // Only LOGIN offered: the client must use it and stop at the 535.
    let login = login_refused("AUTH LOGIN");
    let auth = in_clear(b"user@example.test", b"pa55 word");
    let m = mail(recipients(), b"x");
    let x = exchange(&login, &m, &auth);
    x.check(IP_SMTPC_ERR_AUTH_FAILED);
    assert!(!x.transcript.contains("MAIL"));
}

#[cfg(feature = "ex")]
#[test]
fn auth_mechanism_chosen_by_options_and_failure() {
    // PLAIN and LOGIN offered, AuthMechanisms allows LOGIN only.
    let login = login_refused("AUTH PLAIN LOGIN");
    let auth = in_clear(b"user@example.test", b"pa55 word");
    let mut options = default_options();
    options.AuthMechanisms = IP_SMTPC_AUTH_LOGIN;
    options.AllowInsecureAuth = 1;
    let m = mail(recipients(), b"x");
    let x = exchange_ex(&login, &m, &auth, options);
    x.check(IP_SMTPC_ERR_AUTH_FAILED);
    assert!(!x.transcript.contains("MAIL"));
    let report = x.outcome.report.as_ref().unwrap();
    assert_eq!(
        (report.result, report.step, report.reply_code),
        (IP_SMTPC_ERR_AUTH_FAILED, IP_SMTPC_STEP_AUTH, 535)
    );
    assert_eq!(report.reply, "5.7.8 Error: authentication failed");
}

#[cfg(feature = "ex")]
#[test]
fn auth_is_refused_in_clear_without_opt_in() {
    let script = r#"send "220 hi\r\n"
expect "EHLO"
send "250-mx\r\n250 AUTH PLAIN LOGIN\r\n"
expect-quit-or-eof
"#;
    let auth = in_clear(b"u", b"secret-password");
    let m = mail(recipients(), b"x");
    let x = exchange_ex(script, &m, &auth, default_options());
    x.check(IP_SMTPC_ERR_AUTH_INSECURE);
    assert!(!x.transcript.contains("AUTH"));
    assert!(!x.transcript.contains("secret"));
}

const PARTIAL: &str = r#"send "220 hi\r\n"
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

#[test]
fn partial_rejection_is_reported_per_recipient() {
    let m = mail(recipients(), b"x");
    let x = exchange(PARTIAL, &m, &mta());
    x.check(IP_SMTPC_ERR_PARTIAL_DELIVERY);
    // RecipientIndex counts the address array: the sender is entry 0.
    let status = |stat, index, code, text: &str| Status {
        stat,
        index,
        code,
        text: text.to_string(),
    };
    assert_eq!(
        x.outcome.statuses,
        vec![
            status(
                IP_SMTPC_STAT_RCPT_REJECTED,
                1,
                550,
                "5.1.1 <alice@example.test>: Recipient address rejected"
            ),
            status(IP_SMTPC_STAT_RCPT_ACCEPTED, 2, 250, "ok"),
            status(IP_SMTPC_STAT_RCPT_REJECTED, 3, 452, "4.2.2 mailbox full"),
        ]
    );
}

#[cfg(feature = "ex")]
#[test]
fn partial_rejection_is_in_the_report() {
    let m = mail(recipients(), b"x");
    let x = exchange_ex(PARTIAL, &m, &mta(), default_options());
    x.check(IP_SMTPC_ERR_PARTIAL_DELIVERY);
    let report = x.outcome.report.as_ref().unwrap();
    assert_eq!(report.result, IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(report.step, IP_SMTPC_STEP_RCPT);
    assert_eq!((report.accepted, report.rejected), (1, 2));
    assert_eq!(
        report.results,
        vec![
            (250, 0, 0, 0),
            (550, 5, 1, 1),
            (250, 0, 0, 0),
            (452, 4, 2, 2)
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
    let m = mail(recipients(), b"x");
    let x = exchange(script, &m, &mta());
    x.check(IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED);
    assert!(!x.transcript.contains("DATA"));
    let rejected: Vec<(c_int, u16)> = x
        .outcome
        .rejected()
        .iter()
        .map(|s| (s.index, s.code))
        .collect();
    assert_eq!(rejected, vec![(1, 550), (2, 550), (3, 550)]);
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
    let m = mail(recipients(), b"x");
    let x = exchange(script, &m, &mta());
    x.check(IP_SMTPC_ERR_SERVICE_CLOSING);
    assert!(!x.transcript.contains("RSET") && !x.transcript.contains("QUIT"));
    assert_eq!(x.outcome.connections, (1, 1));
}

/// The server closes the connection after each reply in turn: the client
/// never reports success, and after the final dot reports "unknown".
#[test]
fn connection_closed_at_each_step() {
    let steps = [
        (r#"sleep 1"#, "", IP_SMTPC_ERR_RECEIVE),
        (
            r#"send "220 hi\r\n""#,
            "expect \"EHLO\"",
            IP_SMTPC_ERR_RECEIVE,
        ),
        (
            r#"send "250 mx\r\n""#,
            "expect \"MAIL\"",
            IP_SMTPC_ERR_RECEIVE,
        ),
        (
            r#"send "250 ok\r\n""#,
            "expect \"RCPT\"",
            IP_SMTPC_ERR_RECEIVE,
        ),
        (
            r#"send "250 ok\r\n""#,
            "expect \"DATA\"",
            IP_SMTPC_ERR_RECEIVE,
        ),
        (
            r#"send "354 go\r\n""#,
            "expect-data",
            IP_SMTPC_ERR_OUTCOME_UNKNOWN,
        ),
    ];
    let single = vec![recipients().remove(0)];
    for cut in 0..steps.len() {
        let mut script = String::new();
        for (reply, expect, _) in &steps[..=cut] {
            script.push_str(reply);
            script.push('\n');
            script.push_str(expect);
            script.push('\n');
        }
        script.push_str("close\n");
        let m = mail(single.clone(), b"x");
        let x = exchange(&script, &m, &mta());
        assert_eq!(
            verdict(&x),
            expect(steps[cut].2),
            "cut {cut}\n{}",
            x.outcome.dialogue()
        );
        assert_eq!(x.outcome.connections, (1, 1), "cut {cut}");
    }
}
