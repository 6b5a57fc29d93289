// SPDX-License-Identifier: MIT OR Apache-2.0
//! The library against the real Postfix + Dovecot test bed
//! (scripts/testbed), through the C API only: `IP_SMTPC_Send`, and
//! `IP_SMTPC_SendEx` where options or the report are needed, with socket
//! hooks over a std `TcpStream` (tests/support/suites_capi.rs). Every test
//! is ignored by default; `scripts/test` starts the bed and runs
//! `cargo test -- --include-ignored`. Without the bed's env file the tests
//! fail, they never pass vacuously.
//!
//! What the client sent is recorded by the `pfSend` hook; the message
//! delivered to the Maildir must equal it byte for byte once Postfix's
//! trace fields are removed and LF is turned back into CR LF.
//!
//! TLS is not driven from here (the hooks have no `pfUpgrade`: the crate
//! has no TLS library among its dev-dependencies); STARTTLS and implicit
//! TLS against the bed are ctest's `postfix.smtpc.tls_*` cases
//! (tests/tls/postfix_tls.py: smtpc with the mbedTLS port).

#[path = "support/suites_capi.rs"]
mod capi;
#[path = "support/maildir.rs"]
mod maildir;

use std::ffi::c_int;

use capi::*;
use maildir::{
    canonical, contains, decode_body, header_fields, split_message, strip_trace, token, Mailbox,
    Testbed,
};

/// The test bed's mail domain.
const DOMAIN: &str = "ip-smtpc.test";
const SENDER: &[u8] = b"sender@ip-smtpc.test";
const ALICE: &[u8] = b"alice@ip-smtpc.test";
const BOB: &[u8] = b"bob@ip-smtpc.test";
const CAROL: &[u8] = b"carol@ip-smtpc.test";
const DAVE: &[u8] = b"dave@ip-smtpc.test";
#[cfg_attr(not(feature = "ex"), allow(dead_code))]
const ERIN: &[u8] = b"erin@ip-smtpc.test";
const FRANK: &[u8] = b"frank@ip-smtpc.test";
const REJECT550: &[u8] = b"reject550@ip-smtpc.test";
const TEMP450: &[u8] = b"temp450@ip-smtpc.test";
const TEMP452: &[u8] = b"temp452@ip-smtpc.test";
const BOUNCE: &[u8] = b"bounce@ip-smtpc.test";
const CLIENT_DOMAIN: &[u8] = b"client.ip-smtpc.test";
/// Sat, 28 Nov 2026 09:30:00, the date of every mail here.
const FAT_DATE: u32 = fat(2026, 11, 28, 9, 30, 0);

/// Loads the bed's settings; fails the test when the bed is not running.
fn bed() -> Testbed {
    let tb = Testbed::load();
    assert_eq!(
        tb.domain, DOMAIN,
        "these tests expect the bed's domain {DOMAIN}"
    );
    assert_eq!(tb.host, "127.0.0.1", "these tests connect to loopback only");
    tb
}

fn to(address: &[u8]) -> Party {
    party(address, b"", SMTPC_REC_TYPE_TO)
}

fn mail(recipients: Vec<Party>, subject: &str, body: &[u8]) -> Mail {
    Mail {
        sender: party(SENDER, b"Test Device", SMTPC_REC_TYPE_FROM),
        recipients,
        subject: Some(subject.as_bytes().to_vec()),
        body: body.to_vec(),
        date: Some(FAT_DATE),
        timezone: "+0100",
        domain: CLIENT_DOMAIN.to_vec(),
    }
}

/// No credentials; SecPolicy ALLOW_INSECURE (the hooks have no TLS).
fn no_auth() -> Mta {
    Mta::default()
}

/// Sends `mail` with `IP_SMTPC_Send` to 127.0.0.1:`port`.
fn send(port: u16, mail: &Mail, mta: &Mta) -> Outcome {
    let out = capi::send(Link::to(port), mail, mta);
    assert_eq!(out.connections, (1, 1), "pfConnect / pfDisconnect calls");
    out
}

/// Sends `mail` without credentials: with the `ex` feature through
/// `IP_SMTPC_SendEx` with the default options (for the report), else
/// through `IP_SMTPC_Send`.
fn send_reported(port: u16, mail: &Mail) -> Outcome {
    #[cfg(feature = "ex")]
    let out = send_ex(Link::to(port), mail, &no_auth(), default_options());
    #[cfg(not(feature = "ex"))]
    let out = capi::send(Link::to(port), mail, &no_auth());
    assert_eq!(out.connections, (1, 1), "pfConnect / pfDisconnect calls");
    out
}

/// What the suites read from an outcome's record of the dialogue.
trait Wire {
    fn sent_text(&self) -> String;
    /// What the server sent, as text.
    fn received_text(&self) -> String;
    /// The message as the client sent it: the BDAT chunk, or the DATA
    /// content with dot-stuffing undone.
    fn message(&self) -> Vec<u8>;
    /// The message as on the wire: the BDAT chunk, or the DATA content
    /// (still dot-stuffed, without the final ".\r\n"); what SIZE= counts.
    fn wire_content(&self) -> Option<Vec<u8>>;
    /// The message went as a BDAT chunk (the bed offers CHUNKING).
    fn chunked(&self) -> bool;
    fn sent_command(&self, prefix: &str) -> bool;
    /// (RecipientIndex, ReplyCode) of the rejected recipients' callbacks.
    fn rejected_codes(&self) -> Vec<(c_int, u16)>;
}

impl Wire for Outcome {
    fn sent_text(&self) -> String {
        String::from_utf8_lossy(&self.sent).into_owned()
    }

    fn received_text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    fn message(&self) -> Vec<u8> {
        maildir::sent_message(&self.sent)
            .unwrap_or_else(|| panic!("no complete message sent\n{}", self.dialogue()))
    }

    fn wire_content(&self) -> Option<Vec<u8>> {
        match maildir::bdat_chunk(&self.sent) {
            Some(chunk) => chunk,
            None => maildir::data_content(&self.sent),
        }
    }

    fn chunked(&self) -> bool {
        maildir::bdat_chunk(&self.sent).is_some()
    }

    fn sent_command(&self, prefix: &str) -> bool {
        self.sent_text()
            .split("\r\n")
            .any(|line| line.starts_with(prefix))
    }

    fn rejected_codes(&self) -> Vec<(c_int, u16)> {
        self.rejected().iter().map(|s| (s.index, s.code)).collect()
    }
}

/// Asserts `ok`, a fact about `out`, showing `what` and the dialogue on failure.
#[track_caller]
fn check(out: &Outcome, ok: bool, what: &str) {
    assert!(ok, "{what}\n{}", out.dialogue());
}

/// Asserts the result code, naming both codes on failure.
fn assert_code(out: &Outcome, code: c_int, what: &str) {
    assert_eq!(out.name(), code_name(code), "{what}\n{}", out.dialogue());
}

/// Asserts two messages are equal; on failure shows where they differ.
fn assert_same(what: &str, delivered: &[u8], sent: &[u8]) {
    if delivered == sent {
        return;
    }
    let at = delivered
        .iter()
        .zip(sent)
        .position(|(a, b)| a != b)
        .unwrap_or(delivered.len().min(sent.len()));
    let around = |s: &[u8]| {
        String::from_utf8_lossy(&s[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned()
    };
    panic!(
        "{what}: delivered ({} bytes) differs from what was sent ({} bytes) at byte {at}\n\
         delivered: {:?}\nsent:      {:?}\n--- delivered ---\n{}\n--- sent ---\n{}",
        delivered.len(),
        sent.len(),
        around(delivered),
        around(sent),
        String::from_utf8_lossy(delivered),
        String::from_utf8_lossy(sent)
    );
}

/// The value of the header field `name` (in any case) among `fields`.
fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// Asserts each `(name, value)` of `expected` among `fields` (names in any case).
#[track_caller]
fn check_fields(fields: &[(String, String)], expected: &[(&str, &str)]) {
    for &(name, value) in expected {
        assert_eq!(field(fields, name).as_deref(), Some(value), "{name}");
    }
}

/// Waits for `token` in `mailbox`; checks the copy equals what was sent.
fn expect_delivered(mailbox: &Mailbox, token: &str, outcome: &Outcome) -> Vec<u8> {
    let raw = mailbox.wait_for(token);
    let stripped = strip_trace(&raw);
    assert_same(
        &format!("copy in {}", mailbox.dir.display()),
        &stripped,
        &outcome.message(),
    );
    stripped
}

#[cfg_attr(not(feature = "ex"), allow(dead_code))]
fn expect_not_delivered(mailbox: &Mailbox, token: &str) {
    let found = mailbox.find(token);
    assert!(
        found.is_empty(),
        "{token} was delivered to {}",
        mailbox.dir.display()
    );
}

// ---------------------------------------------------------------------------
// 1. Plain send with To, Cc and Bcc.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn plain_send_to_cc_bcc_arrives_intact_and_bcc_stays_hidden() {
    let tb = bed();
    let subject = token("plain-to-cc-bcc");
    let recipients = vec![
        party(ALICE, b"Alice", SMTPC_REC_TYPE_TO),
        party(BOB, b"Bob B.", SMTPC_REC_TYPE_CC),
        party(CAROL, b"Carol", SMTPC_REC_TYPE_BCC),
    ];
    let body = b"Hello Alice, Bob and (secretly) Carol.\r\n\r\nSecond paragraph.\r\n";
    let m = mail(recipients, &subject, body);
    let out = send(tb.port_plain, &m, &no_auth());
    assert_code(&out, 0, "IP_SMTPC_Send");
    assert!(
        !out.sent_command("STARTTLS"),
        "no pfUpgrade: STARTTLS must not be sent"
    );
    check(&out, out.sent_command("RCPT TO:<carol@ip-smtpc.test>"), "");
    // RecipientIndex counts the address array: the sender is entry 0.
    assert_eq!(out.accepted(), vec![1, 2, 3]);

    let sent = out.message();
    let (header, sent_body) = split_message(&sent);
    let fields = header_fields(header);
    check_fields(
        &fields,
        &[
            ("To", "\"Alice\" <alice@ip-smtpc.test>"),
            ("Cc", "\"Bob B.\" <bob@ip-smtpc.test>"),
            ("Subject", &subject),
            ("Date", "Sat, 28 Nov 2026 09:30:00 +0100"),
        ],
    );
    assert_eq!(sent_body, &body[..]);

    for name in ["alice", "bob", "carol"] {
        let mailbox = tb.mailbox(name);
        let raw = mailbox.wait_for(&subject);
        let copy = strip_trace(&raw);
        assert_same(&format!("{name}'s copy"), &copy, &sent);
        let (header, _) = split_message(&copy);
        assert!(
            !contains(header, b"carol@"),
            "the Bcc address is in {name}'s header:\n{}",
            String::from_utf8_lossy(header)
        );
        assert!(
            !contains(header, b"Bcc"),
            "a Bcc field is in {name}'s header"
        );
        if name != "carol" {
            // Not even Postfix's trace fields may name the Bcc recipient.
            assert!(
                !contains(&raw, b"carol@"),
                "{name}'s copy names the Bcc recipient:\n{}",
                String::from_utf8_lossy(&raw)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 2. AUTH in clear on the CLEARAUTH port.

fn credentials(tb: &Testbed, password: &str) -> Mta {
    Mta {
        user: tb.user.as_bytes().to_vec(),
        pass: password.as_bytes().to_vec(),
        policy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_in_clear_by_policy_delivers() {
    // IP_SMTPC_Send with SMTPC_SEC_POLICY_ALLOW_INSECURE authenticates
    // without TLS, as emNet does.
    let tb = bed();
    let subject = token("auth-by-policy");
    let m = mail(vec![to(DAVE)], &subject, b"Sent after AUTH in clear.\r\n");
    let out = send(tb.port_clearauth, &m, &credentials(&tb, &tb.pass));
    assert_code(&out, 0, "IP_SMTPC_Send");
    check(&out, out.sent_command("AUTH "), "no AUTH sent");
    check(&out, out.received_text().contains("\r\n235 "), "");
    expect_delivered(&tb.mailbox("dave"), &subject, &out);
}

/// Options that allow only `mechanism`, in clear when `allow`.
#[cfg(feature = "ex")]
fn auth_options(mechanism: u32, allow: bool) -> IP_SMTPC_OPTIONS {
    let mut options = default_options();
    options.AuthMechanisms = mechanism;
    options.AllowInsecureAuth = u8::from(allow);
    options
}

#[cfg(feature = "ex")]
fn auth_delivers(mechanism: u32, command: &str, mailbox: &str, address: &[u8]) {
    let tb = bed();
    let subject = token(&format!("auth-{command}"));
    let m = mail(
        vec![to(address)],
        &subject,
        b"Sent after AUTH in clear.\r\n",
    );
    let out = send_ex(
        Link::to(tb.port_clearauth),
        &m,
        &credentials(&tb, &tb.pass),
        auth_options(mechanism, true),
    );
    assert_code(&out, 0, "IP_SMTPC_SendEx");
    check(
        &out,
        out.sent_command(command),
        &format!("no {command:?} sent"),
    );
    check(&out, out.received_text().contains("\r\n235 "), "");
    expect_delivered(&tb.mailbox(mailbox), &subject, &out);
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_plain_in_clear_with_opt_in_delivers() {
    auth_delivers(IP_SMTPC_AUTH_PLAIN, "AUTH PLAIN ", "dave", DAVE);
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_login_in_clear_with_opt_in_delivers() {
    auth_delivers(IP_SMTPC_AUTH_LOGIN, "AUTH LOGIN", "erin", ERIN);
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_wrong_password_fails_and_delivers_nothing() {
    let tb = bed();
    let frank = tb.mailbox("frank");
    for (mechanism, command) in [
        (IP_SMTPC_AUTH_PLAIN, "AUTH PLAIN "),
        (IP_SMTPC_AUTH_LOGIN, "AUTH LOGIN"),
    ] {
        let subject = token("auth-wrong-password");
        let m = mail(vec![to(FRANK)], &subject, b"must not arrive\r\n");
        let out = send_ex(
            Link::to(tb.port_clearauth),
            &m,
            &credentials(&tb, "not-the-password"),
            auth_options(mechanism, true),
        );
        assert_code(&out, IP_SMTPC_ERR_AUTH_FAILED, command);
        let report = out.report.as_ref().unwrap();
        assert_eq!(
            (report.step, report.reply_code),
            (IP_SMTPC_STEP_AUTH, 535),
            "{report:?}"
        );
        check(&out, out.sent_command(command), "");
        check(&out, out.received_text().contains("\r\n535 "), "");
        check(
            &out,
            !out.sent_command("MAIL FROM:") && !out.sent_command("DATA"),
            "",
        );
        expect_not_delivered(&frank, &subject);
    }
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_in_clear_without_opt_in_is_refused() {
    let tb = bed();
    let subject = token("auth-no-opt-in");
    let m = mail(vec![to(FRANK)], &subject, b"must not arrive\r\n");
    let out = send_ex(
        Link::to(tb.port_clearauth),
        &m,
        &credentials(&tb, &tb.pass),
        auth_options(IP_SMTPC_AUTH_PLAIN, false),
    );
    assert_code(&out, IP_SMTPC_ERR_AUTH_INSECURE, "IP_SMTPC_SendEx");
    check(
        &out,
        out.received_text().contains("AUTH"),
        "the server offered AUTH",
    );
    check(
        &out,
        !out.sent_command("AUTH"),
        "credentials went out in clear",
    );
    check(
        &out,
        !contains(&out.sent, tb.pass.as_bytes()),
        "the password went out",
    );
    check(&out, !out.sent_command("MAIL FROM:"), "");
    expect_not_delivered(&tb.mailbox("frank"), &subject);
}

// ---------------------------------------------------------------------------
// 3. Rejected recipients.

/// A mail to `name` (`address`) and to `refused`, which the bed rejects
/// with `code` and the enhanced code `enhanced`: PARTIAL_DELIVERY, the
/// rejection in the callback (and with `ex` in the report), the copy in
/// `name`'s mailbox.
fn one_rejected(
    label: &str,
    name: &str,
    address: &[u8],
    refused: &[u8],
    code: u16,
    enhanced: (u8, u16, u16),
) {
    let tb = bed();
    let subject = token(label);
    let m = mail(
        vec![to(address), to(refused)],
        &subject,
        format!("for {name} only\r\n").as_bytes(),
    );
    let out = send_reported(tb.port_plain, &m);
    assert_code(&out, IP_SMTPC_ERR_PARTIAL_DELIVERY, "partial");
    assert_eq!(out.accepted(), vec![1], "{label}");
    let rejected = out.rejected();
    assert_eq!(out.rejected_codes(), vec![(2, code)], "{rejected:?}");
    let (class, subject_code, detail) = enhanced;
    let prefix = format!("{class}.{subject_code}.{detail}");
    assert!(rejected[0].text.starts_with(&prefix), "{rejected:?}");
    #[cfg(feature = "ex")]
    {
        let report = out.report.as_ref().unwrap();
        assert_eq!(
            report.results[2],
            (code, class, subject_code, detail),
            "{report:?}"
        );
        assert_eq!((report.accepted, report.rejected), (1, 1), "{report:?}");
    }
    expect_delivered(&tb.mailbox(name), &subject, &out);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn one_rejected_recipient_is_partial_delivery() {
    one_rejected("partial-550", "alice", ALICE, REJECT550, 550, (5, 1, 1));
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn temporary_rejection_452_is_reported_with_its_code() {
    one_rejected("partial-452", "bob", BOB, TEMP452, 452, (4, 2, 2));
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn all_recipients_rejected_delivers_nothing() {
    let tb = bed();
    let subject = token("all-rejected");
    let m = mail(
        vec![to(REJECT550), to(TEMP450)],
        &subject,
        b"nobody gets this\r\n",
    );
    let out = send_reported(tb.port_plain, &m);
    assert_code(&out, IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED, "all rejected");
    // With PIPELINING and CHUNKING (the bed offers both) the chunk and QUIT
    // go in the envelope's group (RFC 3030: the server reads the chunk and
    // refuses it); with PIPELINING alone DATA does, its refusal (554) is
    // read and only QUIT follows: no message.
    if cfg!(feature = "chunking") {
        check(&out, out.chunked(), "");
        check(&out, out.sent_text().ends_with("\r\nQUIT\r\n"), "");
    } else if cfg!(feature = "pipelining") {
        check(&out, out.sent_text().ends_with("\r\nDATA\r\nQUIT\r\n"), "");
    } else {
        check(
            &out,
            !out.sent_command("DATA"),
            "DATA sent although every recipient was rejected",
        );
    }
    assert_eq!(
        !contains(&out.sent, subject.as_bytes()),
        !out.chunked(),
        "{}",
        out.dialogue()
    );
    assert_eq!(
        out.rejected_codes(),
        vec![(1, 550), (2, 450)],
        "{:?}",
        out.statuses
    );
    assert!(
        out.rejected()[1].text.starts_with("4.2.0"),
        "{:?}",
        out.statuses
    );
    #[cfg(feature = "ex")]
    {
        let report = out.report.as_ref().unwrap();
        let classes: Vec<(u16, u8)> = report.results[1..].iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(classes, vec![(550, 5), (450, 4)], "{report:?}");
    }
}

// ---------------------------------------------------------------------------
// 4. Rejected sender.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn rejected_sender_fails_at_mail() {
    let tb = bed();
    let subject = token("rejected-sender");
    let mut m = mail(vec![to(ALICE)], &subject, b"x\r\n");
    m.sender.addr = b"rejected-sender@ip-smtpc.test".to_vec();
    let out = send(tb.port_plain, &m, &no_auth());
    assert_code(&out, IP_SMTPC_ERR_SENDER_REJECTED, "IP_SMTPC_Send");
    check(&out, out.received_text().contains("\r\n553 5.7.1"), "");
    // With PIPELINING and CHUNKING (the bed offers both) RCPT, the chunk and
    // QUIT go in the group with MAIL and are refused (503); with PIPELINING
    // alone RCPT and DATA do, their replies (503) are read and only QUIT
    // follows: no message.
    if cfg!(feature = "chunking") {
        check(
            &out,
            out.chunked() && out.sent_text().ends_with("\r\nQUIT\r\n"),
            "",
        );
    } else if cfg!(feature = "pipelining") {
        check(
            &out,
            out.sent_text().ends_with(">\r\nDATA\r\nQUIT\r\n")
                && !contains(&out.sent, subject.as_bytes()),
            "",
        );
    } else {
        check(
            &out,
            !out.sent_command("RCPT") && !out.sent_command("DATA"),
            "",
        );
    }
}

// ---------------------------------------------------------------------------
// 5. SIZE on the SMALL port.

#[cfg(feature = "size")]
fn body_of(len: usize) -> Vec<u8> {
    let mut body = Vec::with_capacity(len);
    let mut n = 0;
    while body.len() < len {
        body.extend_from_slice(
            format!("{n:05} The quick brown fox jumps over the lazy dog.\r\n").as_bytes(),
        );
        n += 1;
    }
    body
}

#[cfg(feature = "size")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn message_over_size_limit_is_refused_locally() {
    let tb = bed();
    let subject = token("too-big");
    let m = mail(vec![to(ALICE)], &subject, &body_of(30_000));
    let out = send(tb.port_small, &m, &no_auth());
    assert_code(&out, IP_SMTPC_ERR_MESSAGE_TOO_BIG, "IP_SMTPC_Send");
    let limit = format!("SIZE {}", tb.size_limit_small);
    check(
        &out,
        out.received_text().contains(&limit),
        &format!("server did not announce {limit}"),
    );
    check(
        &out,
        !out.sent_command("MAIL FROM:"),
        "the client should refuse from the SIZE announcement",
    );
    check(&out, !out.sent_command("DATA"), "");
    check(&out, out.sent_command("QUIT"), "");
}

#[cfg(feature = "size")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn message_under_size_limit_is_delivered_with_its_size_declared() {
    let tb = bed();
    let subject = token("fits");
    let body = body_of(10_000);
    let m = mail(vec![to(ALICE)], &subject, &body);
    let out = send(tb.port_small, &m, &no_auth());
    assert_code(&out, 0, "IP_SMTPC_Send");
    // RFC 1870: SIZE= is the stuffed content without the final ".\r\n".
    // With BDAT the chunk, which is not stuffed.
    let stuffed = out.wire_content().unwrap();
    assert!(
        out.sent_command(&format!(
            "MAIL FROM:<sender@ip-smtpc.test> SIZE={}",
            stuffed.len()
        )),
        "SIZE= is not {}\n{}",
        stuffed.len(),
        out.dialogue()
    );
    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &out);
    assert_eq!(split_message(&copy).1, &body[..]);
}

// ---------------------------------------------------------------------------
// 6. Bodies that need care.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn awkward_bodies_arrive_as_canonical_crlf_text() {
    let tb = bed();
    #[allow(unused_mut)]
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("lone-dot", b"before\r\n.\r\nafter\r\n".to_vec()),
        ("lone-dot-bare-lf", b"before\n.\nafter\n".to_vec()),
        ("leading-dots", b".one\r\n..two\r\n...three\r\n. space\r\n".to_vec()),
        ("first-line-dot", b".\r\nstarts with a lone dot".to_vec()),
        ("bare-lf", b"line 1\nline 2\n\nline 4\n".to_vec()),
        ("bare-cr", b"line 1\rline 2\r\rline 4\r".to_vec()),
        ("mixed-endings", b"crlf\r\nlf\ncr\rcr-cr-lf\r\r\nend".to_vec()),
        ("smuggling", b"a\n.\nMAIL FROM:<x@example.test>\r\n.\rb\r.\nc\r\n.\r\n".to_vec()),
        ("utf8", "Gr\u{fc}\u{df}e aus M\u{fc}nchen \u{2013} caf\u{e9}, \u{65e5}\u{672c}\u{8a9e}, \u{2713}\r\n".as_bytes().to_vec()),
        ("no-final-newline", b"first line\r\nlast line without newline".to_vec()),
        ("tabs-and-spaces", b"\tindented\r\n   spaces   \r\n\r\n".to_vec()),
        ("empty", Vec::new()),
        ("only-line-breaks", b"\n\r\n\r".to_vec()),
    ];
    // Lines over 998 octets go quoted-printable, which needs `mime`
    // (without it the library refuses them before connecting).
    #[cfg(feature = "mime")]
    {
        let long_line = "x".repeat(1_500);
        let long_utf8 = "\u{e4}".repeat(600);
        cases.push((
            "long-line",
            format!("short\r\n{long_line}\r\nshort again\r\n").into_bytes(),
        ));
        cases.push((
            "long-line-dot-utf8",
            format!(".{long_utf8}\n.{long_line}").into_bytes(),
        ));
    }
    let frank = tb.mailbox("frank");
    let mut sent = Vec::new();
    for (label, body) in &cases {
        let subject = token(&format!("body-{label}"));
        let m = mail(vec![to(FRANK)], &subject, body);
        let out = send(tb.port_plain, &m, &no_auth());
        assert_code(&out, 0, label);
        check_wire_lines(label, &out.wire_content().unwrap());
        let message = out.message();
        let (header, wire_body) = split_message(&message);
        let (encoding, decoded) = decode_body(header, wire_body);
        assert_same(
            &format!("{label}: sent body ({encoding}), decoded"),
            &decoded,
            &canonical(body),
        );
        // 8-bit octets only in an 8bit part announced with BODY=8BITMIME.
        let eight_bit_on_wire = wire_body.iter().any(|&b| b >= 0x80);
        let declared_8bit = contains(&out.sent, b" BODY=8BITMIME\r\n");
        assert_eq!(eight_bit_on_wire, encoding == "8bit", "{label}: {encoding}");
        assert_eq!(declared_8bit, encoding == "8bit", "{label}: {encoding}");
        sent.push((label, subject, out));
    }
    for (label, subject, out) in &sent {
        // Byte for byte what was sent...
        let copy = expect_delivered(&frank, subject, out);
        // ...and, decoded, the canonical text.
        let (header, body) = split_message(&copy);
        let (encoding, decoded) = decode_body(header, body);
        let expected = canonical(&cases.iter().find(|(l, _)| l == *label).unwrap().1);
        assert_same(
            &format!("{label}: delivered body ({encoding}), decoded"),
            &decoded,
            &expected,
        );
    }
}

/// RFC 5321 §2.3.8 and §4.5.3.1.6 on the wire: CR LF line ends only, and
/// no line longer than 1000 octets including its CR LF.
fn check_wire_lines(label: &str, wire: &[u8]) {
    for (i, &b) in wire.iter().enumerate() {
        let bare_cr = b == b'\r' && wire.get(i + 1) != Some(&b'\n');
        let bare_lf = b == b'\n' && (i == 0 || wire[i - 1] != b'\r');
        assert!(
            !bare_cr && !bare_lf,
            "{label}: bare CR or LF at {i} on the wire"
        );
    }
    let longest = wire
        .split(|&b| b == b'\n')
        .map(|l| l.len() + 1)
        .max()
        .unwrap_or(0);
    assert!(
        longest <= 1000,
        "{label}: a {longest}-octet line on the wire"
    );
}

// ---------------------------------------------------------------------------
// 7. What the C API adds: the callback, the headers from the application
// hooks, the report.

const C_BODY: &[u8] = b"Hello from the C API.\n.a leading dot\nlast line";

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn c_api_send_delivers() {
    let tb = bed();
    let subject = token("capi-send");
    let mut m = mail(
        vec![party(ALICE, b"Alice", SMTPC_REC_TYPE_TO)],
        &subject,
        C_BODY,
    );
    m.sender.name = b"Test Device".to_vec();
    let out = send(tb.port_plain, &m, &no_auth());
    assert_code(&out, 0, "IP_SMTPC_Send");
    let status = Status {
        stat: IP_SMTPC_STAT_RCPT_ACCEPTED,
        index: 1,
        code: 250,
        text: out
            .statuses
            .first()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
    };
    assert_eq!(out.statuses, vec![status]);
    assert!(
        out.statuses[0].text.starts_with("2.1.5"),
        "{:?}",
        out.statuses
    );
    check(&out, out.sent_command("EHLO client.ip-smtpc.test"), "");
    check(
        &out,
        out.sent_command("MAIL FROM:<sender@ip-smtpc.test>"),
        "",
    );

    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &out);
    let (header, body) = split_message(&copy);
    let fields = header_fields(header);
    check_fields(
        &fields,
        &[
            ("Date", "Sat, 28 Nov 2026 09:30:00 +0100"),
            ("From", "\"Test Device\" <sender@ip-smtpc.test>"),
            ("To", "\"Alice\" <alice@ip-smtpc.test>"),
        ],
    );
    // 16 hex digits of the mail's 64-bit fingerprint at the client's domain.
    let id = field(&fields, "Message-ID");
    assert!(
        id.as_deref().is_some_and(|v| v
            .strip_prefix('<')
            .and_then(|v| v.strip_suffix("@client.ip-smtpc.test>"))
            .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))),
        "Message-ID {id:?}"
    );
    assert_eq!(body, &canonical(C_BODY)[..]);
}

#[cfg(feature = "ex")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn c_api_send_ex_reports_partial_delivery_per_recipient() {
    let tb = bed();
    let subject = token("capi-sendex");
    let mut m = mail(
        vec![
            party(ALICE, b"Alice", SMTPC_REC_TYPE_TO),
            party(REJECT550, b"", SMTPC_REC_TYPE_CC),
        ],
        &subject,
        C_BODY,
    );
    m.sender.name = Vec::new();
    let mut options = default_options();
    options.MessageIdSeed = 7;
    let out = send_ex(Link::to(tb.port_plain), &m, &no_auth(), options);
    assert_code(&out, IP_SMTPC_ERR_PARTIAL_DELIVERY, "IP_SMTPC_SendEx");
    assert_eq!(out.connections, (1, 1), "pfConnect / pfDisconnect calls");
    let report = out.report.as_ref().unwrap();
    assert_eq!(report.result, out.code);
    assert_eq!(report.step, IP_SMTPC_STEP_RCPT);
    assert_eq!((report.accepted, report.rejected), (1, 1));
    assert_eq!(report.secure, 0);
    assert_eq!(report.results[2], (550, 5, 1, 1), "paResult[2] (reject550)");
    assert_eq!(report.results[1].0, 250, "paResult[1] (alice)");
    assert_eq!(report.results[0].0, 250, "paResult[0] (MAIL FROM)");
    let codes: Vec<(c_int, c_int, u16)> = out
        .statuses
        .iter()
        .map(|s| (s.stat, s.index, s.code))
        .collect();
    assert_eq!(
        codes,
        vec![
            (IP_SMTPC_STAT_RCPT_ACCEPTED, 1, 250),
            (IP_SMTPC_STAT_RCPT_REJECTED, 2, 550)
        ]
    );
    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &out);
    let fields = header_fields(split_message(&copy).0);
    let cc = fields
        .iter()
        .find(|(n, _)| n == "Cc")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        cc,
        Some("<reject550@ip-smtpc.test>"),
        "the header names every recipient, accepted or not"
    );
}

// ---------------------------------------------------------------------------
// 8. A bounce comes back to the envelope sender.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn bounce_is_accepted_and_the_dsn_reaches_the_sender() {
    let tb = bed();
    let subject = token("bounce");
    let m = mail(vec![to(BOUNCE)], &subject, b"This message will bounce.\r\n");
    let out = send(tb.port_plain, &m, &no_auth());
    assert_code(&out, 0, "IP_SMTPC_Send");
    check(
        &out,
        out.sent_command("MAIL FROM:<sender@ip-smtpc.test>"),
        "",
    );
    let dsn = tb.mailbox("sender").wait_for(&subject);
    let trace = maildir::trace_part(&dsn);
    assert!(
        contains(trace, b"Return-Path: <>"),
        "a DSN has the null sender:\n{}",
        String::from_utf8_lossy(&dsn)
    );
    let text = String::from_utf8_lossy(&dsn);
    assert!(text.contains("MAILER-DAEMON"), "{text}");
    assert!(text.contains("bounce@") && text.contains("5.1.1"), "{text}");
    assert!(text.contains("bounced for test"), "{text}");
}

// ---------------------------------------------------------------------------
// A complete message given by the caller (RawMessage).

/// The caller's message, 8-bit, with odd spacing, mixed line ends and a
/// leading dot, arrives byte for byte (CR LF canonical), with no field
/// added by the library, under BODY=8BITMIME; a Bcc envelope recipient gets
/// it too and is named nowhere.
#[cfg(all(feature = "ex", feature = "raw"))]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn raw_message_arrives_byte_for_byte() {
    let tb = bed();
    let subject = token("raw-message");
    let message = format!(
        "Date: Sat, 28 Nov 2026 09:30:00 +0100\r\nMessage-ID: <{subject}@client.ip-smtpc.test>\r\n\
         From: Test Device <sender@ip-smtpc.test>\nTo: alice@ip-smtpc.test\r\n\
         Subject: {subject}\r\nX-Odd:   spaced\t\r\n  folded\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         .dot\nK\u{e4}se \u{6771}\u{4eac}\r\n..\r\nlast line"
    );
    let recipients = vec![to(ALICE), party(CAROL, b"Carol", SMTPC_REC_TYPE_BCC)];
    let m = Mail {
        subject: None,
        ..mail(recipients, "", message.as_bytes())
    };
    let mut options = default_options();
    options.RawMessage = 1;
    let out = send_ex(Link::to(tb.port_plain), &m, &no_auth(), options);
    assert_code(&out, 0, "IP_SMTPC_SendEx with RawMessage");
    check(
        &out,
        out.sent_command("MAIL FROM:<sender@ip-smtpc.test> SIZE=")
            && out.sent_text().contains(" BODY=8BITMIME\r\n"),
        "",
    );
    let expected = canonical(message.as_bytes());
    assert_same("what was sent", &out.message(), &expected);
    for name in ["alice", "carol"] {
        let raw = tb.mailbox(name).wait_for(&subject);
        assert_same(&format!("{name}'s copy"), &strip_trace(&raw), &expected);
        if name == "alice" {
            assert!(!contains(&raw, b"carol@"), "the Bcc recipient is named");
        }
    }
}

// ---------------------------------------------------------------------------
// Delivery status notifications (RFC 3461, feature `dsn`).

/// NOTIFY=SUCCESS: Postfix reports the delivery to the sender; the report
/// quotes the ENVID and names the recipient as ORCPT gave it.
#[cfg(feature = "dsn")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn dsn_success_report_reaches_the_sender_with_its_envid() {
    let tb = bed();
    let subject = token("dsn-success");
    let envid = format!("env {subject}");
    let envid_c = std::ffi::CString::new(envid.clone()).unwrap();
    let m = mail(vec![to(ALICE)], &subject, b"report my delivery\r\n");
    let options = IP_SMTPC_OPTIONS {
        DsnNotify: ip_smtpc::capi::IP_SMTPC_DSN_NOTIFY_SUCCESS
            | ip_smtpc::capi::IP_SMTPC_DSN_NOTIFY_FAILURE,
        DsnRet: ip_smtpc::capi::IP_SMTPC_DSN_RET_HDRS,
        DsnRequired: 1,
        sDsnEnvId: envid_c.as_ptr(),
        ..default_options()
    };
    let out = send_ex(Link::to(tb.port_plain), &m, &no_auth(), options);
    assert_code(&out, 0, "IP_SMTPC_SendEx with DSN");
    let xtext_envid = envid.replace(' ', "+20");
    check(&out, out.sent_text().contains(&format!(" RET=HDRS ENVID={xtext_envid}\r\n"))
            && out.sent_text().contains(
                "RCPT TO:<alice@ip-smtpc.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@ip-smtpc.test\r\n"
            ), "");
    expect_delivered(&tb.mailbox("alice"), &subject, &out);
    // The success report, from the mailer daemon to the sender's mailbox.
    let report = tb.mailbox("sender").wait_for(&subject);
    let text = String::from_utf8_lossy(&report);
    assert!(
        contains(maildir::trace_part(&report), b"Return-Path: <>"),
        "{text}"
    );
    // (Postfix quotes the ENVID decoded from its xtext.)
    assert!(
        text.contains(&format!("Original-Envelope-Id: {envid}\n")),
        "{text}"
    );
    assert!(
        text.contains("Original-Recipient: rfc822;alice@ip-smtpc.test"),
        "{text}"
    );
    assert!(text.contains("Action: delivered"), "{text}");
}

// ---------------------------------------------------------------------------
// Several mails over one connection (`IP_SMTPC_SendBatch`, feature `batch`).

/// 100 mails over one connection, the 37th refused (its only recipient is
/// rejected): the other 99 arrive byte for byte, the refused one nowhere,
/// and Postfix's log shows one connection that carried 100 MAIL commands.
#[cfg(feature = "batch")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn a_hundred_mails_over_one_connection() {
    let tb = bed();
    let batch = token("batch");
    let mails: Vec<Mail> = (0..100)
        .map(|i| {
            let rcpt = if i == 36 { REJECT550 } else { ALICE };
            mail(
                vec![to(rcpt)],
                &format!("{batch}-{i:03}"),
                format!("mail {i} of the batch {batch}\r\n.leading dot\r\n").as_bytes(),
            )
        })
        .collect();
    let (results, out) = send_batch(Link::to(tb.port_plain), &mails, &no_auth(), None);
    assert_eq!(
        out.connections,
        (1, 1),
        "one connection\n{}",
        out.dialogue()
    );
    for (i, &r) in results.iter().enumerate() {
        let expected = if i == 36 {
            IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED
        } else {
            0
        };
        assert_eq!(r, expected, "mail {i}");
    }
    assert_eq!(out.code, IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED);
    let sent = out.sent_text();
    assert_eq!(sent.matches("EHLO ").count(), 1);
    assert_eq!(sent.matches("MAIL FROM:").count(), 100);
    assert_eq!(sent.matches("QUIT\r\n").count(), 1);
    let alice = tb.mailbox("alice");
    // (Each look returns every copy so far: wait until the 99 are in.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let arrived = loop {
        let found = alice.wait_for_all(&batch, std::time::Duration::from_secs(30));
        if found.len() >= 99 || std::time::Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(arrived.len(), 99, "99 of 100 delivered");
    for copy in &arrived {
        let text = String::from_utf8_lossy(copy);
        assert!(
            !text.contains(&format!("{batch}-036")),
            "the refused mail arrived"
        );
        assert!(text.contains("\n.leading dot\n"), "{text}");
    }
    // Postfix logs one line per connection with its command counts.
    let dir = std::path::Path::new(&tb.vars["SMTPC_TB_DIR"]);
    let log = std::fs::read_to_string(dir.join("log/postfix.log")).expect("postfix.log");
    assert!(
        log.lines()
            .any(|l| l.contains("disconnect from") && l.contains(" mail=100 ")),
        "no connection with 100 MAIL commands in the log"
    );
}

// ---------------------------------------------------------------------------
// SMTPUTF8 (RFC 6531/6532, feature `smtputf8`).

/// A sender with UTF-8 in its local part: MAIL carries SMTPUTF8, Postfix
/// takes it, and the copy keeps the address in UTF-8 in From (RFC 6532);
/// byte for byte what was sent.
#[cfg(feature = "smtputf8")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn utf8_sender_goes_with_smtputf8() {
    let tb = bed();
    let subject = token("smtputf8");
    let sender = "s\u{fc}nder@ip-smtpc.test";
    let mut m = mail(vec![to(ALICE)], &subject, "Gr\u{fc}\u{df}e\r\n".as_bytes());
    m.sender.addr = sender.as_bytes().to_vec();
    let out = send(tb.port_plain, &m, &no_auth());
    assert_code(&out, 0, "IP_SMTPC_Send with a UTF-8 sender");
    let mail_line = out
        .sent_text()
        .lines()
        .find(|l| l.starts_with("MAIL FROM:"))
        .unwrap_or_default()
        .to_string();
    check(
        &out,
        mail_line.starts_with(&format!("MAIL FROM:<{sender}>")) && mail_line.ends_with(" SMTPUTF8"),
        "",
    );
    // (expect_delivered compares the copy, trace fields removed, with what was sent.)
    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &out);
    let text = String::from_utf8(copy).expect("the copy is UTF-8");
    assert!(
        text.contains(&format!("From: \"Test Device\" <{sender}>")),
        "{text}"
    );
}

/// The same mail to a server without SMTPUTF8: refused after EHLO, nothing
/// sent, nothing delivered.
#[cfg(feature = "smtputf8")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn utf8_sender_refused_where_smtputf8_is_off() {
    let tb = bed();
    let subject = token("no-smtputf8");
    let mut m = mail(vec![to(ALICE)], &subject, b"x\r\n");
    m.sender.addr = "s\u{fc}nder@ip-smtpc.test".as_bytes().to_vec();
    let out = send(tb.port_nosmtputf8, &m, &no_auth());
    assert_code(&out, IP_SMTPC_ERR_SMTPUTF8_UNAVAILABLE, "no SMTPUTF8");
    check(
        &out,
        !out.sent_command("MAIL") && out.sent_command("QUIT"),
        "",
    );
    expect_not_delivered(&tb.mailbox("alice"), &subject);
}
