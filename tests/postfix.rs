// SPDX-License-Identifier: MIT OR Apache-2.0
//! The engine and the C API against the real Postfix + Dovecot test bed
//! (scripts/testbed). Every test is ignored by default; `scripts/test` starts
//! the bed and runs `cargo test -- --include-ignored`. Without the bed's env
//! file the tests fail, they never pass vacuously.
//!
//! What the client sent is recorded by a wrapping transport; the message
//! delivered to the Maildir must equal it byte for byte once Postfix's trace
//! fields are removed and LF is turned back into CR LF.

#[path = "support/c_tcp.rs"]
mod c_tcp;
#[path = "support/maildir.rs"]
mod maildir;
mod support;

use std::cell::RefCell;
use std::ffi::{c_int, c_void, CString};
use std::time::Duration;

use ip_smtpc::auth::{Mechanism, Mechanisms};
use ip_smtpc::capi::*;
use ip_smtpc::client::{self, Note, Observer, Transport};
use ip_smtpc::message::content::NoParts;
use ip_smtpc::message::{Fingerprint, Kind, Mail, Party, Timestamp, NO_HEADERS};
use ip_smtpc::reply::Enhanced;
use ip_smtpc::session::{Config, Event, Session};
use ip_smtpc::Error;
use maildir::{
    canonical, contains, decode_body, find, header_fields, split_message, strip_trace, token,
    unstuff, Mailbox, Testbed,
};
use support::Tcp;

/// The test bed's mail domain (the C API's static tables spell it out).
const DOMAIN: &str = "ip-smtpc.test";
const SENDER: &[u8] = b"sender@ip-smtpc.test";
const ALICE: &[u8] = b"alice@ip-smtpc.test";
const BOB: &[u8] = b"bob@ip-smtpc.test";
const CAROL: &[u8] = b"carol@ip-smtpc.test";
const DAVE: &[u8] = b"dave@ip-smtpc.test";
const ERIN: &[u8] = b"erin@ip-smtpc.test";
const FRANK: &[u8] = b"frank@ip-smtpc.test";
const REJECT550: &[u8] = b"reject550@ip-smtpc.test";
const TEMP450: &[u8] = b"temp450@ip-smtpc.test";
const TEMP452: &[u8] = b"temp452@ip-smtpc.test";
const BOUNCE: &[u8] = b"bounce@ip-smtpc.test";
const CLIENT_DOMAIN: &[u8] = b"client.ip-smtpc.test";

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

fn to(address: &[u8]) -> Party<'_> {
    Party {
        address,
        name: b"",
        kind: Kind::To,
    }
}

fn mail<'a>(
    recipients: &'a [Party<'a>],
    subject: &'a str,
    body: &'a [u8],
) -> Mail<'a, [Party<'a>]> {
    Mail {
        sender: Party {
            address: SENDER,
            name: b"Test Device",
            kind: Kind::To,
        },
        recipients,
        subject: subject.as_bytes(),
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
        domain: CLIENT_DOMAIN,
        unique: {
            let mut hash = Fingerprint::default();
            hash.add(subject.as_bytes());
            hash.value()
        },
        reply_to: b"",
        extra_headers: &NO_HEADERS,
        boundary: b"",
    }
}

fn config() -> Config<'static> {
    Config::anonymous(10_000)
}

/// The `Tcp` transport plus a copy of every byte sent and received.
struct Recording {
    inner: Tcp,
    sent: Vec<u8>,
    received: Vec<u8>,
}

impl Transport for Recording {
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.sent.extend_from_slice(data);
        self.inner.send(data)
    }
    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.inner.receive(buf)?;
        self.received.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn upgrade(&mut self) -> Result<(), Error> {
        self.inner.upgrade()
    }
    fn now_ms(&mut self) -> Option<u32> {
        self.inner.now_ms()
    }
}

/// A recipient the server rejected: index, code, enhanced code, text.
#[derive(Clone, Debug)]
struct Rejected {
    index: usize,
    code: u16,
    enhanced: Option<Enhanced>,
    text: String,
}

#[derive(Default)]
struct Recorder {
    accepted: Vec<usize>,
    rejected: Vec<Rejected>,
}

impl Observer for Recorder {
    fn note(&mut self, note: &Note<'_>) {
        match note.event {
            Some(Event::RecipientAccepted(i)) => self.accepted.push(i),
            Some(Event::RecipientRejected(index)) => self.rejected.push(Rejected {
                index,
                code: note.code,
                enhanced: note.enhanced,
                text: String::from_utf8_lossy(note.text).into_owned(),
            }),
            None => {}
        }
    }
}

/// One finished exchange.
struct Outcome {
    result: Result<(), Error>,
    sent: Vec<u8>,
    received: Vec<u8>,
    observed: Recorder,
}

impl Outcome {
    fn sent_text(&self) -> String {
        String::from_utf8_lossy(&self.sent).into_owned()
    }

    fn dialogue(&self) -> String {
        format!(
            "--- client sent ---\n{}\n--- server sent ---\n{}",
            String::from_utf8_lossy(&self.sent),
            String::from_utf8_lossy(&self.received)
        )
    }

    /// The message as the client sent it: the DATA content, dot-stuffing undone.
    fn message(&self) -> Vec<u8> {
        unstuff(
            &self
                .data_stuffed()
                .unwrap_or_else(|| panic!("no DATA content sent\n{}", self.dialogue())),
        )
    }

    /// The DATA content as on the wire (still dot-stuffed, without the final ".\r\n").
    fn data_stuffed(&self) -> Option<Vec<u8>> {
        let start = find(&self.sent, b"\r\nDATA\r\n")? + b"\r\nDATA\r\n".len();
        let content = &self.sent[start..];
        // The content cannot contain CR LF "." CR LF before its end; a
        // message whose content is empty would end in ".\r\n" right away.
        if content.starts_with(b".\r\n") {
            return Some(Vec::new());
        }
        let end = find(content, b"\r\n.\r\n")? + 2;
        Some(content[..end].to_vec())
    }

    fn sent_command(&self, prefix: &str) -> bool {
        self.sent_text()
            .split("\r\n")
            .any(|line| line.starts_with(prefix))
    }
}

/// Sends `mail` through the engine to 127.0.0.1:`port`, recording the dialogue.
fn send(port: u16, mail: &Mail<'_, [Party<'_>]>, config: Config<'_>) -> Outcome {
    mail.validate().expect("test mail is valid");
    let mut transport = Recording {
        inner: Tcp::connect(port),
        sent: Vec::new(),
        received: Vec::new(),
    };
    transport
        .inner
        .stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut session = Session::new(mail, config);
    let mut inbuf = [0u8; ip_smtpc::limits::IN_BUFFER_SIZE];
    let mut outbuf = [0u8; ip_smtpc::limits::OUT_BUFFER_SIZE];
    let mut observed = Recorder::default();
    let result = client::run(
        &mut session,
        &mut transport,
        &mut inbuf,
        &mut outbuf,
        &mut observed,
        &mut NoParts,
    );
    Outcome {
        result,
        sent: transport.sent,
        received: transport.received,
        observed,
    }
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
    let recipients = [
        Party {
            address: ALICE,
            name: b"Alice",
            kind: Kind::To,
        },
        Party {
            address: BOB,
            name: b"Bob B.",
            kind: Kind::Cc,
        },
        Party {
            address: CAROL,
            name: b"Carol",
            kind: Kind::Bcc,
        },
    ];
    let body = b"Hello Alice, Bob and (secretly) Carol.\r\n\r\nSecond paragraph.\r\n";
    let m = mail(&recipients, &subject, body);
    let out = send(tb.port_plain, &m, config());
    assert_eq!(out.result, Ok(()), "{}", out.dialogue());
    assert!(
        !out.sent_command("STARTTLS"),
        "TlsPolicy::Never must not start TLS"
    );
    assert!(
        out.sent_command("RCPT TO:<carol@ip-smtpc.test>"),
        "{}",
        out.dialogue()
    );
    assert_eq!(out.observed.accepted, vec![0, 1, 2]);

    let sent = out.message();
    let (header, sent_body) = split_message(&sent);
    let fields = header_fields(header);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("To").as_deref(), Some("Alice <alice@ip-smtpc.test>"));
    assert_eq!(
        field("Cc").as_deref(),
        Some("\"Bob B.\" <bob@ip-smtpc.test>")
    );
    assert_eq!(field("Subject").as_deref(), Some(subject.as_str()));
    assert_eq!(
        field("Date").as_deref(),
        Some("Sat, 28 Nov 2026 09:30:00 +0100")
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

fn auth_config<'a>(
    tb: &'a Testbed,
    password: &'a str,
    mechanism: Mechanism,
    allow: bool,
) -> Config<'a> {
    Config {
        user: tb.user.as_bytes(),
        password: password.as_bytes(),
        mechanisms: Mechanisms::NONE.with(mechanism),
        allow_insecure_auth: allow,
        ..config()
    }
}

fn auth_delivers(mechanism: Mechanism, command: &str, mailbox: &str, address: &[u8]) {
    let tb = bed();
    let subject = token(&format!("auth-{command}"));
    let recipients = [to(address)];
    let m = mail(&recipients, &subject, b"Sent after AUTH in clear.\r\n");
    let out = send(
        tb.port_clearauth,
        &m,
        auth_config(&tb, &tb.pass, mechanism, true),
    );
    assert_eq!(out.result, Ok(()), "{}", out.dialogue());
    assert!(
        out.sent_command(command),
        "no {command:?} sent\n{}",
        out.dialogue()
    );
    assert!(
        String::from_utf8_lossy(&out.received).contains("\r\n235 "),
        "{}",
        out.dialogue()
    );
    expect_delivered(&tb.mailbox(mailbox), &subject, &out);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_plain_in_clear_with_opt_in_delivers() {
    auth_delivers(Mechanism::Plain, "AUTH PLAIN ", "dave", DAVE);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_login_in_clear_with_opt_in_delivers() {
    auth_delivers(Mechanism::Login, "AUTH LOGIN", "erin", ERIN);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_wrong_password_fails_and_delivers_nothing() {
    let tb = bed();
    let frank = tb.mailbox("frank");
    for (mechanism, command) in [
        (Mechanism::Plain, "AUTH PLAIN "),
        (Mechanism::Login, "AUTH LOGIN"),
    ] {
        let subject = token("auth-wrong-password");
        let recipients = [to(FRANK)];
        let m = mail(&recipients, &subject, b"must not arrive\r\n");
        let out = send(
            tb.port_clearauth,
            &m,
            auth_config(&tb, "not-the-password", mechanism, true),
        );
        assert_eq!(
            out.result,
            Err(Error::AuthFailed),
            "{command}\n{}",
            out.dialogue()
        );
        assert!(out.sent_command(command), "{}", out.dialogue());
        assert!(
            String::from_utf8_lossy(&out.received).contains("\r\n535 "),
            "{}",
            out.dialogue()
        );
        assert!(
            !out.sent_command("MAIL FROM:") && !out.sent_command("DATA"),
            "{}",
            out.dialogue()
        );
        expect_not_delivered(&frank, &subject);
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn auth_in_clear_without_opt_in_is_refused() {
    let tb = bed();
    let subject = token("auth-no-opt-in");
    let recipients = [to(FRANK)];
    let m = mail(&recipients, &subject, b"must not arrive\r\n");
    let out = send(
        tb.port_clearauth,
        &m,
        auth_config(&tb, &tb.pass, Mechanism::Plain, false),
    );
    assert_eq!(out.result, Err(Error::AuthInsecure), "{}", out.dialogue());
    assert!(
        String::from_utf8_lossy(&out.received).contains("AUTH"),
        "the server offered AUTH\n{}",
        out.dialogue()
    );
    assert!(
        !out.sent_command("AUTH"),
        "credentials went out in clear\n{}",
        out.dialogue()
    );
    assert!(
        !contains(&out.sent, tb.pass.as_bytes()),
        "the password went out\n{}",
        out.dialogue()
    );
    assert!(!out.sent_command("MAIL FROM:"), "{}", out.dialogue());
    expect_not_delivered(&tb.mailbox("frank"), &subject);
}

// ---------------------------------------------------------------------------
// 3. Rejected recipients.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn one_rejected_recipient_is_partial_delivery() {
    let tb = bed();
    let subject = token("partial-550");
    let recipients = [to(ALICE), to(REJECT550)];
    let m = mail(&recipients, &subject, b"for alice only\r\n");
    let out = send(tb.port_plain, &m, config());
    assert_eq!(
        out.result,
        Err(Error::PartialDelivery),
        "{}",
        out.dialogue()
    );
    assert_eq!(out.observed.accepted, vec![0]);
    let rejected = &out.observed.rejected;
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        (rejected[0].index, rejected[0].code),
        (1, 550),
        "{rejected:?}"
    );
    assert!(rejected[0].text.starts_with("5.1.1"), "{rejected:?}");
    assert_eq!(
        rejected[0].enhanced,
        Some(Enhanced {
            class: 5,
            subject: 1,
            detail: 1
        })
    );
    expect_delivered(&tb.mailbox("alice"), &subject, &out);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn temporary_rejection_452_is_reported_with_its_code() {
    let tb = bed();
    let subject = token("partial-452");
    let recipients = [to(BOB), to(TEMP452)];
    let m = mail(&recipients, &subject, b"for bob only\r\n");
    let out = send(tb.port_plain, &m, config());
    assert_eq!(
        out.result,
        Err(Error::PartialDelivery),
        "{}",
        out.dialogue()
    );
    let rejected = &out.observed.rejected;
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        (rejected[0].index, rejected[0].code),
        (1, 452),
        "{rejected:?}"
    );
    assert!(rejected[0].text.starts_with("4.2.2"), "{rejected:?}");
    assert_eq!(rejected[0].enhanced.map(|e| e.class), Some(4));
    expect_delivered(&tb.mailbox("bob"), &subject, &out);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn all_recipients_rejected_sends_no_data() {
    let tb = bed();
    let subject = token("all-rejected");
    let recipients = [to(REJECT550), to(TEMP450)];
    let m = mail(&recipients, &subject, b"nobody gets this\r\n");
    let out = send(tb.port_plain, &m, config());
    assert_eq!(
        out.result,
        Err(Error::AllRecipientsRejected),
        "{}",
        out.dialogue()
    );
    assert!(
        !out.sent_command("DATA"),
        "DATA sent although every recipient was rejected\n{}",
        out.dialogue()
    );
    assert!(
        !contains(&out.sent, subject.as_bytes()),
        "{}",
        out.dialogue()
    );
    let got: Vec<(usize, u16, u8)> = out
        .observed
        .rejected
        .iter()
        .map(|r| (r.index, r.code, r.enhanced.map_or(0, |e| e.class)))
        .collect();
    assert_eq!(
        got,
        vec![(0, 550, 5), (1, 450, 4)],
        "{:?}",
        out.observed.rejected
    );
    assert!(
        out.observed.rejected[1].text.starts_with("4.2.0"),
        "{:?}",
        out.observed.rejected
    );
}

// ---------------------------------------------------------------------------
// 4. Rejected sender.

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn rejected_sender_fails_at_mail() {
    let tb = bed();
    let subject = token("rejected-sender");
    let recipients = [to(ALICE)];
    let mut m = mail(&recipients, &subject, b"x\r\n");
    m.sender.address = b"rejected-sender@ip-smtpc.test";
    let out = send(tb.port_plain, &m, config());
    assert_eq!(out.result, Err(Error::SenderRejected), "{}", out.dialogue());
    assert!(
        String::from_utf8_lossy(&out.received).contains("\r\n553 5.7.1"),
        "{}",
        out.dialogue()
    );
    assert!(
        !out.sent_command("RCPT") && !out.sent_command("DATA"),
        "{}",
        out.dialogue()
    );
}

// ---------------------------------------------------------------------------
// 5. SIZE on the SMALL port.

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

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn message_over_size_limit_is_refused_locally() {
    let tb = bed();
    let subject = token("too-big");
    let body = body_of(30_000);
    let recipients = [to(ALICE)];
    let m = mail(&recipients, &subject, &body);
    let out = send(tb.port_small, &m, config());
    assert_eq!(out.result, Err(Error::MessageTooBig), "{}", out.dialogue());
    let limit = format!("SIZE {}", tb.size_limit_small);
    assert!(
        String::from_utf8_lossy(&out.received).contains(&limit),
        "server did not announce {limit}\n{}",
        out.dialogue()
    );
    assert!(
        !out.sent_command("MAIL FROM:"),
        "the client should refuse from the SIZE announcement\n{}",
        out.dialogue()
    );
    assert!(!out.sent_command("DATA"), "{}", out.dialogue());
    assert!(out.sent_command("QUIT"), "{}", out.dialogue());
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn message_under_size_limit_is_delivered_with_its_size_declared() {
    let tb = bed();
    let subject = token("fits");
    let body = body_of(10_000);
    let recipients = [to(ALICE)];
    let m = mail(&recipients, &subject, &body);
    let out = send(tb.port_small, &m, config());
    assert_eq!(out.result, Ok(()), "{}", out.dialogue());
    // RFC 1870: SIZE= is the stuffed content without the final ".\r\n".
    let stuffed = out.data_stuffed().unwrap();
    assert!(
        out.sent_command(&format!(
            "MAIL FROM:<sender@ip-smtpc.test> SIZE={}",
            stuffed.len()
        )),
        "SIZE= is not {}\n{}",
        stuffed.len(),
        out.sent_text().lines().next().unwrap_or_default()
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
    let long_line = "x".repeat(1_500);
    let long_utf8 = "\u{e4}".repeat(600);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("lone-dot", b"before\r\n.\r\nafter\r\n".to_vec()),
        ("lone-dot-bare-lf", b"before\n.\nafter\n".to_vec()),
        ("leading-dots", b".one\r\n..two\r\n...three\r\n. space\r\n".to_vec()),
        ("first-line-dot", b".\r\nstarts with a lone dot".to_vec()),
        ("bare-lf", b"line 1\nline 2\n\nline 4\n".to_vec()),
        ("bare-cr", b"line 1\rline 2\r\rline 4\r".to_vec()),
        ("mixed-endings", b"crlf\r\nlf\ncr\rcr-cr-lf\r\r\nend".to_vec()),
        ("smuggling", b"a\n.\nMAIL FROM:<x@example.test>\r\n.\rb\r.\nc\r\n.\r\n".to_vec()),
        ("utf8", "Gr\u{fc}\u{df}e aus M\u{fc}nchen \u{2013} caf\u{e9}, \u{65e5}\u{672c}\u{8a9e}, \u{2713}\r\n".as_bytes().to_vec()),
        ("long-line", format!("short\r\n{long_line}\r\nshort again\r\n").into_bytes()),
        ("long-line-dot-utf8", format!(".{long_utf8}\n.{long_line}").into_bytes()),
        ("no-final-newline", b"first line\r\nlast line without newline".to_vec()),
        ("tabs-and-spaces", b"\tindented\r\n   spaces   \r\n\r\n".to_vec()),
        ("empty", Vec::new()),
        ("only-line-breaks", b"\n\r\n\r".to_vec()),
    ];
    let frank = tb.mailbox("frank");
    let mut sent = Vec::new();
    for (label, body) in &cases {
        let subject = token(&format!("body-{label}"));
        let recipients = [to(FRANK)];
        let m = mail(&recipients, &subject, body);
        let out = send(tb.port_plain, &m, config());
        assert_eq!(out.result, Ok(()), "{label}\n{}", out.dialogue());
        check_wire_lines(label, &out.data_stuffed().unwrap());
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
// 7. The C API.

thread_local! {
    /// (Stat, RecipientIndex, ReplyCode) of every recipient callback.
    static C_CALLBACKS: RefCell<Vec<(c_int, c_int, u16)>> = const { RefCell::new(Vec::new()) };
}

/// Sat, 28 Nov 2026 09:30:00, FAT-packed by hand.
const FAT_DATE: U32 = ((2026 - 1980) << 25) | (11 << 21) | (28 << 16) | (9 << 11) | (30 << 5);

unsafe extern "C" fn c_time_date() -> U32 {
    FAT_DATE
}

unsafe extern "C" fn c_callback(stat: c_int, p: *mut c_void) -> c_int {
    if stat == IP_SMTPC_STAT_RCPT_ACCEPTED || stat == IP_SMTPC_STAT_RCPT_REJECTED {
        // SAFETY: the library passes a valid IP_SMTPC_STATUS for these.
        let status = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
        C_CALLBACKS.with(|c| {
            c.borrow_mut()
                .push((stat, status.RecipientIndex, status.ReplyCode))
        });
    }
    0
}

use c_tcp::API;

/// An address table as firmware keeps it: a static array, the sender first.
struct AddressTable<const N: usize>([IP_SMTPC_MAIL_ADDR; N]);
// SAFETY: the table only points to 'static C string literals and is never written.
unsafe impl<const N: usize> Sync for AddressTable<N> {}

static TO_ALICE: AddressTable<2> = AddressTable([
    IP_SMTPC_MAIL_ADDR {
        sName: c"Test Device".as_ptr(),
        sAddr: c"sender@ip-smtpc.test".as_ptr(),
        Type: SMTPC_REC_TYPE_FROM,
    },
    IP_SMTPC_MAIL_ADDR {
        sName: c"Alice".as_ptr(),
        sAddr: c"alice@ip-smtpc.test".as_ptr(),
        Type: SMTPC_REC_TYPE_TO,
    },
]);

static TO_ALICE_AND_REJECT550: AddressTable<3> = AddressTable([
    IP_SMTPC_MAIL_ADDR {
        sName: std::ptr::null(),
        sAddr: c"sender@ip-smtpc.test".as_ptr(),
        Type: SMTPC_REC_TYPE_FROM,
    },
    IP_SMTPC_MAIL_ADDR {
        sName: c"Alice".as_ptr(),
        sAddr: c"alice@ip-smtpc.test".as_ptr(),
        Type: SMTPC_REC_TYPE_TO,
    },
    IP_SMTPC_MAIL_ADDR {
        sName: std::ptr::null(),
        sAddr: c"reject550@ip-smtpc.test".as_ptr(),
        Type: SMTPC_REC_TYPE_CC,
    },
]);

const C_BODY: &std::ffi::CStr = c"Hello from the C API.\n.a leading dot\nlast line";

fn c_message(subject: &CString) -> IP_SMTPC_MESSAGE {
    IP_SMTPC_MESSAGE {
        sSubject: subject.as_ptr(),
        sBody: C_BODY.as_ptr(),
        sBoundary: std::ptr::null(),
        paMultipartItem: std::ptr::null(),
        NumMultipartItems: 0,
    }
}

const MTA: IP_SMTPC_MTA = IP_SMTPC_MTA {
    sServer: c"mail.ip-smtpc.test".as_ptr(),
    sUser: std::ptr::null(),
    sPass: std::ptr::null(),
    SecPolicy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
};

const APPLICATION: IP_SMTPC_APPLICATION = IP_SMTPC_APPLICATION {
    pfGetTimeDate: Some(c_time_date),
    pfCallback: Some(c_callback),
    sDomain: c"client.ip-smtpc.test".as_ptr(),
    sTimezone: c"+0100".as_ptr(),
};

/// What the C hooks saw during one call.
struct CRecords {
    /// Every byte pfSend sent.
    sent: Vec<u8>,
    /// (pfConnect calls, pfDisconnect calls).
    connections: (u32, u32),
    /// (Stat, RecipientIndex, ReplyCode) of every recipient callback.
    callbacks: Vec<(c_int, c_int, u16)>,
}

/// Resets this thread's hook records; returns `f`'s value and the records.
fn with_c_records<T>(f: impl FnOnce() -> T) -> (T, CRecords) {
    c_tcp::take_sent();
    c_tcp::take_connections();
    C_CALLBACKS.with(|c| c.borrow_mut().clear());
    let value = f();
    let records = CRecords {
        sent: c_tcp::take_sent(),
        connections: c_tcp::take_connections(),
        callbacks: C_CALLBACKS.with(|c| c.take()),
    };
    (value, records)
}

fn c_outcome(sent: Vec<u8>) -> Outcome {
    Outcome {
        result: Ok(()),
        sent,
        received: Vec::new(),
        observed: Recorder::default(),
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn c_api_send_delivers() {
    let tb = bed();
    c_tcp::set_port(tb.port_plain);
    assert_eq!(
        FAT_DATE,
        Timestamp {
            year: 2026,
            month: 11,
            day: 28,
            hour: 9,
            minute: 30,
            second: 0
        }
        .to_fat()
    );
    let subject = token("capi-send");
    let c_subject = CString::new(subject.clone()).unwrap();
    let message = c_message(&c_subject);
    let (rc, records) = with_c_records(|| {
        // SAFETY: every pointer is valid for the call; the table has 2 entries.
        unsafe { IP_SMTPC_Send(&API, TO_ALICE.0.as_ptr(), 2, &message, &MTA, &APPLICATION) }
    });
    let outcome = c_outcome(records.sent);
    assert_eq!(
        rc,
        0,
        "IP_SMTPC_Send: {:?}\n{}",
        Error::from_code(rc),
        outcome.dialogue()
    );
    assert_eq!(
        records.connections,
        (1, 1),
        "pfConnect / pfDisconnect calls"
    );
    assert_eq!(
        records.callbacks,
        vec![(IP_SMTPC_STAT_RCPT_ACCEPTED, 1, 250)]
    );
    assert!(
        outcome.sent_command("EHLO client.ip-smtpc.test"),
        "{}",
        outcome.dialogue()
    );
    assert!(
        outcome.sent_command("MAIL FROM:<sender@ip-smtpc.test>"),
        "{}",
        outcome.dialogue()
    );

    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &outcome);
    let (header, body) = split_message(&copy);
    let fields = header_fields(header);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        field("Date").as_deref(),
        Some("Sat, 28 Nov 2026 09:30:00 +0100")
    );
    assert_eq!(
        field("From").as_deref(),
        Some("Test Device <sender@ip-smtpc.test>")
    );
    assert_eq!(field("To").as_deref(), Some("Alice <alice@ip-smtpc.test>"));
    assert!(field("Message-ID").is_some_and(
        |v| v.starts_with("<20261128093000.") && v.ends_with("@client.ip-smtpc.test>")
    ));
    assert_eq!(body, &canonical(C_BODY.to_bytes())[..]);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn c_api_send_ex_reports_partial_delivery_per_recipient() {
    let tb = bed();
    c_tcp::set_port(tb.port_plain);
    let subject = token("capi-sendex");
    let c_subject = CString::new(subject.clone()).unwrap();
    let message = c_message(&c_subject);
    let garbage = IP_SMTPC_RCPT_RESULT {
        ReplyCode: 999,
        EnhancedClass: 9,
        EnhancedSubject: 999,
        EnhancedDetail: 999,
    };
    let mut results = [garbage; 3];
    // SAFETY: an all-zero report is valid (NULL pointer, zero numbers).
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    report.paResult = results.as_mut_ptr();
    report.NumResults = results.len() as _;
    let mut options = std::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
    // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(options.as_mut_ptr()) }, 0);
    // SAFETY: initialised by IP_SMTPC_OptionsInit.
    let mut options = unsafe { options.assume_init() };
    options.pReport = &mut report;
    options.MessageIdSeed = 7;
    let (rc, records) = with_c_records(|| {
        // SAFETY: every pointer is valid for the call; the table has 3 entries.
        unsafe {
            IP_SMTPC_SendEx(
                &API,
                TO_ALICE_AND_REJECT550.0.as_ptr(),
                3,
                &message,
                &MTA,
                &APPLICATION,
                &options,
            )
        }
    });
    let outcome = c_outcome(records.sent);
    assert_eq!(
        rc,
        Error::PartialDelivery.code(),
        "IP_SMTPC_SendEx: {:?}\n{}",
        Error::from_code(rc),
        outcome.dialogue()
    );
    assert_eq!(
        records.connections,
        (1, 1),
        "pfConnect / pfDisconnect calls"
    );
    assert_eq!(report.Result, rc);
    assert_eq!((report.NumAccepted, report.NumRejected), (1, 1));
    assert_eq!(report.Secure, 0);
    let r = |i: usize| {
        (
            results[i].ReplyCode,
            results[i].EnhancedClass,
            results[i].EnhancedSubject,
            results[i].EnhancedDetail,
        )
    };
    assert_eq!(r(2), (550, 5, 1, 1), "paResult[2] (reject550)");
    assert_eq!(r(1).0, 250, "paResult[1] (alice)");
    assert_eq!(r(0).0, 250, "paResult[0] (MAIL FROM)");
    assert_eq!(
        records.callbacks,
        vec![
            (IP_SMTPC_STAT_RCPT_ACCEPTED, 1, 250),
            (IP_SMTPC_STAT_RCPT_REJECTED, 2, 550)
        ]
    );
    let copy = expect_delivered(&tb.mailbox("alice"), &subject, &outcome);
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
    let recipients = [to(BOUNCE)];
    let m = mail(&recipients, &subject, b"This message will bounce.\r\n");
    let out = send(tb.port_plain, &m, config());
    assert_eq!(out.result, Ok(()), "{}", out.dialogue());
    assert!(
        out.sent_command("MAIL FROM:<sender@ip-smtpc.test>"),
        "{}",
        out.dialogue()
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
#[cfg(feature = "raw")]
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
    let recipients = [
        to(ALICE),
        Party {
            address: CAROL,
            name: b"Carol",
            kind: Kind::Bcc,
        },
    ];
    let m = Mail {
        subject: b"",
        ..mail(&recipients, "", message.as_bytes())
    };
    let cfg = Config {
        raw_message: true,
        ..config()
    };
    let out = send(tb.port_plain, &m, cfg);
    assert_eq!(out.result, Ok(()), "{}", out.dialogue());
    assert!(
        out.sent_command("MAIL FROM:<sender@ip-smtpc.test> SIZE=")
            && out.sent_text().contains(" BODY=8BITMIME\r\n"),
        "{}",
        out.dialogue()
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
