// SPDX-License-Identifier: MIT OR Apache-2.0
//! The library against a hostile SMTP server (tests/scripted_server.py over
//! real TCP), and hostile input from the application, through the C API
//! only: `IP_SMTPC_Send`, or `IP_SMTPC_SendEx` where a case needs options
//! (feature `ex`), over the socket hooks of `support/c_tcp.rs`. Only names
//! of `include/IP_SMTPC.h` are used, so the file builds against any engine
//! behind that header.
//!
//! Every case checks the exact `IP_SMTPC_ERR_*` result and what was (and
//! was not) on the wire: the server's script fails on any unexpected byte
//! (expect, expect-eof, expect-nothing), and the transcript of what the
//! server received is compared with what must and must not be in it.
//! Per-recipient results and steps come from `pfCallback`
//! (`IP_SMTPC_STAT_*`) and, with `IP_SMTPC_SendEx`, from `IP_SMTPC_REPORT`.
//!
//! Classes: reply parsing, session (greeting, 421 / EOF / silence at every
//! step, EHLO and HELO), time (silence through the port's receive timeout;
//! stalls, slowloris and per-reply deadlines through `ReplyTimeoutMs`),
//! AUTH, input validation (nothing may even be connected), the DATA stream,
//! recipients and SIZE.
//!
//! Features: cases that need `IP_SMTPC_SendEx` (options, the report,
//! deadlines) are gated on `ex`, SIZE on `size`, extra headers and Reply-To
//! on `headers`, RFC 2047 words on `words`, quoted-printable on `mime`, the
//! caller's complete message on `raw`; the rest runs in the seed set.
//!
//! Moved to the engine's unit tests (not expressible through the C API,
//! whose buffers are fixed at 256 bytes and whose strings end at NUL):
//! - `thousands_of_auth_mechanisms_on_one_line_with_a_large_input_buffer`
//!   (a 64 KiB input buffer reads a 30,000-octet AUTH line);
//! - `tiny_buffers_give_the_same_wire` (a 16-octet input and a 1-octet
//!   output buffer; here: one byte per pfSend and pfReceive, see
//!   `one_byte_sends_and_receives_give_the_same_wire`);
//! - `control::*::nul` (a NUL inside a sender, recipient, name, subject,
//!   domain, user, password, Reply-To, extra header or time zone: a C
//!   string ends at its first NUL, so the library never sees one);
//! - `data_nul_in_body_goes_quoted_printable` (a NUL inside `sBody`);
//! - the Rust API's half of every input case (`Mail::validate`,
//!   `Config::validate`); the C API's half stays here.

#[path = "support/c_tcp.rs"]
mod c_tcp;
#[path = "support/capi.rs"]
mod capi;
mod support;

use std::ffi::c_int;

use capi::{call, error_text, exchange, Ex, Mail, Outcome, Party};
use ip_smtpc::capi::*;

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------

fn alice() -> Party {
    Party::new("alice@example.test", "Alice", SMTPC_REC_TYPE_TO)
}

fn three() -> Vec<Party> {
    vec![
        alice(),
        Party::new("bob@example.test", "Bob", SMTPC_REC_TYPE_CC),
        Party::new("carol@example.test", "", SMTPC_REC_TYPE_BCC),
    ]
}

const USER: &str = "user@example.test";
const PASSWORD: &str = "pw-S3cret!";

/// The mail of every case: no credentials, `IP_SMTPC_Send`, a receive
/// timeout of 3 s (the port's socket timeout; `IP_SMTPC_Send` has no clock).
fn mail(recipients: Vec<Party>, body: &[u8]) -> Mail {
    Mail {
        sender: Party::new("dev@example.test", "Device", SMTPC_REC_TYPE_FROM),
        recipients,
        subject: Some(b"Hostile".to_vec()),
        body: body.to_vec(),
        domain: Some(b"dev.example.test".to_vec()),
        timezone: Some(b"+0100".to_vec()),
        user: None,
        password: None,
        sec_policy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
        read_timeout_ms: 3000,
        chunks: (0, 0),
        ex: None,
    }
}

/// No credentials.
fn anonymous(_: &mut Mail) {}

/// Credentials; `IP_SMTPC_Send` with SMTPC_SEC_POLICY_ALLOW_INSECURE sends
/// AUTH in clear, as emNet does (the scripted server has no TLS).
fn auth(m: &mut Mail) {
    m.user = Some(USER.as_bytes().to_vec());
    m.password = Some(PASSWORD.as_bytes().to_vec());
}

/// Credentials, and a port whose receive gives up after `ms`.
fn quick(ms: u64) -> impl FnOnce(&mut Mail) {
    move |m| {
        auth(m);
        m.read_timeout_ms = ms;
    }
}

/// No credentials, a port whose receive gives up after `ms`.
fn timed(ms: u64) -> impl FnOnce(&mut Mail) {
    move |m| m.read_timeout_ms = ms
}

/// `IP_SMTPC_SendEx` with AUTH in clear allowed (as `IP_SMTPC_Send`) and a
/// per-reply deadline of `ms` (pfGetTimeMs and pfSetTimeout given); the
/// port's own receive timeout is longer, so the deadline decides.
#[cfg(feature = "ex")]
fn deadline(ms: u32) -> Ex {
    Ex {
        reply_timeout_ms: ms,
        allow_insecure_auth: true,
        ..Ex::default()
    }
}

/// RFC 4648 base64, written here so the tests do not trust the library's.
fn b64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(ABC[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn plain_response() -> String {
    b64(format!("\0{USER}\0{PASSWORD}").as_bytes())
}

/// One recipient, a one-line body, `setup` applied.
fn simple(script: &str, setup: impl FnOnce(&mut Mail)) -> Outcome {
    let mut m = mail(vec![alice()], b"hello\r\n");
    setup(&mut m);
    exchange(script, &m)
}

macro_rules! cases {
    ($($(#[$attr:meta])* $name:ident => $body:expr;)+) => {
        $($(#[$attr])* #[test] fn $name() { $body })+
    };
}

// Script pieces.
const GREET: &str = r#"send "220 mx.example.test ESMTP\r\n"
expect-exact "EHLO dev.example.test"
"#;
const QUIT: &str = r#"expect-exact "QUIT"
send "221 2.0.0 bye\r\n"
expect-eof
"#;
/// After EHLO (plain, no extensions): MAIL, RCPT alice, DATA, 354.
const ENVELOPE: &str = r#"send "250 mx.example.test\r\n"
expect-exact "MAIL FROM:<dev@example.test>"
send "250 2.1.0 ok\r\n"
expect-exact "RCPT TO:<alice@example.test>"
send "250 2.1.5 ok\r\n"
expect-exact "DATA"
send "354 go ahead\r\n"
"#;
const EHLO: &str = "EHLO dev.example.test\r\n";
const MAIL: &str = "MAIL FROM:<dev@example.test>\r\n";
const RCPT: &str = "RCPT TO:<alice@example.test>\r\n";

/// A whole successful dialogue after EHLO (plain) for `body` checks.
fn accepting(data_checks: &str) -> String {
    accepting_lines(data_checks, "strict")
}

/// `accepting` with the expect-data mode: "strict" fails on a line longer
/// than 998 octets, "lax" only on a bare CR or LF.
fn accepting_lines(data_checks: &str, mode: &str) -> String {
    format!(
        "{GREET}{ENVELOPE}expect-data {mode}\n{data_checks}send \"250 2.0.0 queued\\r\\n\"\n{QUIT}"
    )
}

/// With the quoted-printable encoder (feature "mime"); the seed build sends
/// text as it is, as emNet does.
const MIME: bool = cfg!(feature = "mime");

/// Long lines are refused by the server's script only when the client can encode them.
const LONG_LINES: &str = if MIME { "strict" } else { "lax" };

/// SIZE (RFC 1870) is built: the server may announce it and the client
/// then declares SIZE= in MAIL FROM.
const SIZE: bool = cfg!(feature = "size");

// ---------------------------------------------------------------------------
// The dialogue cut at every step
// ---------------------------------------------------------------------------

/// The client's command that the server's next (hostile) reply answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cut {
    Greeting,
    Ehlo,
    Auth,
    Mail,
    Rcpt,
    Data,
    Dot,
}

/// The `IP_SMTPC_STEP_*` the dialogue is in while it waits for the reply at `cut`.
fn step_of(cut: Cut) -> u8 {
    match cut {
        Cut::Greeting => IP_SMTPC_STEP_GREETING,
        Cut::Ehlo => IP_SMTPC_STEP_EHLO,
        Cut::Auth => IP_SMTPC_STEP_AUTH,
        Cut::Mail => IP_SMTPC_STEP_MAIL,
        Cut::Rcpt => IP_SMTPC_STEP_RCPT,
        Cut::Data => IP_SMTPC_STEP_DATA,
        Cut::Dot => IP_SMTPC_STEP_END_OF_DATA,
    }
}

/// The server side of a normal dialogue with AUTH PLAIN, through reading the
/// client's command at `cut`; the script's next step is the reply to it.
fn until(cut: Cut) -> String {
    let steps: [(Cut, String); 7] = [
        (Cut::Greeting, String::new()),
        (Cut::Ehlo, GREET.to_string()),
        (
            Cut::Auth,
            format!(
                "send \"250-mx.example.test\\r\\n250 AUTH PLAIN\\r\\n\"\n\
                 auth-check-plain \"{USER}\" \"{PASSWORD}\"\n"
            ),
        ),
        (
            Cut::Mail,
            "send \"235 2.7.0 ok\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\n".into(),
        ),
        (
            Cut::Rcpt,
            "send \"250 ok\\r\\n\"\nexpect-exact \"RCPT TO:<alice@example.test>\"\n".into(),
        ),
        (
            Cut::Data,
            "send \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n".into(),
        ),
        (
            Cut::Dot,
            "send \"354 go ahead\\r\\n\"\nexpect-data strict\n".into(),
        ),
    ];
    steps
        .iter()
        .filter(|(c, _)| *c <= cut)
        .map(|(_, s)| s.as_str())
        .collect()
}

/// Everything the client sends through its command at `cut` (for `Dot`,
/// through DATA; the message follows).
fn commands_until(cut: Cut) -> String {
    let steps: [(Cut, String); 6] = [
        (Cut::Ehlo, EHLO.into()),
        (Cut::Auth, format!("AUTH PLAIN {}\r\n", plain_response())),
        (Cut::Mail, MAIL.into()),
        (Cut::Rcpt, RCPT.into()),
        (Cut::Data, "DATA\r\n".into()),
        (Cut::Dot, String::new()),
    ];
    steps
        .iter()
        .filter(|(c, _)| *c <= cut)
        .map(|(_, s)| s.as_str())
        .collect()
}

/// The wire is the dialogue through `cut` and nothing else: no RSET, no
/// QUIT; pfCallback heard of the steps through the one cut, then DONE.
fn assert_wire_through(o: &Outcome, cut: Cut) {
    let prefix = commands_until(cut);
    if cut == Cut::Dot {
        assert!(o.wire.starts_with(&prefix), "{:?}", o.wire);
        assert!(o.wire.ends_with("\r\n.\r\n"), "{:?}", o.wire);
        assert_eq!(o.wire.matches("\r\n.\r\n").count(), 1, "{:?}", o.wire);
    } else {
        assert_eq!(o.wire, prefix, "server log:\n{}", o.log);
    }
    assert!(!o.wire.contains("RSET") && !o.wire.contains("QUIT"));
    // Every step through the one cut, then the end of the connection
    // (never QUIT).
    let steps: Vec<u8> = [IP_SMTPC_STEP_CONNECT]
        .into_iter()
        .chain(
            [
                Cut::Greeting,
                Cut::Ehlo,
                Cut::Auth,
                Cut::Mail,
                Cut::Rcpt,
                Cut::Data,
                Cut::Dot,
            ]
            .into_iter()
            .filter(|c| *c <= cut)
            .map(step_of),
        )
        .chain([IP_SMTPC_STEP_DONE])
        .collect();
    assert_eq!(o.statuses.steps, steps, "pfCallback's steps");
    if let Some(report) = &o.report {
        assert_eq!(report.step, step_of(cut), "report Step");
    }
}

/// The server answers the command at `cut` with 421 and closes.
fn closing_at(cut: Cut) {
    let script = format!(
        "{}send \"421 4.3.2 shutting down\\r\\n\"\nexpect-eof\n",
        until(cut)
    );
    let o = simple(&script, auth);
    o.check(IP_SMTPC_ERR_SERVICE_CLOSING);
    assert_wire_through(&o, cut);
}

/// The server closes (FIN) or resets (RST) instead of answering at `cut`.
fn eof_at(cut: Cut, how: &str) {
    let script = format!("{}{how}\n", until(cut));
    let o = simple(&script, auth);
    let expected = if cut == Cut::Dot {
        IP_SMTPC_ERR_OUTCOME_UNKNOWN
    } else {
        IP_SMTPC_ERR_RECEIVE
    };
    o.check(expected);
    assert_wire_through(&o, cut);
}

/// The server never answers the command at `cut`: the port's receive
/// timeout ends the wait (`IP_SMTPC_Send`); with `ex`, also the library's
/// own deadline (`ReplyTimeoutMs`, told to the port through pfSetTimeout).
fn silent_at(cut: Cut) {
    let script = format!("{}expect-nothing 8000\n", until(cut));
    let expected = if cut == Cut::Dot {
        // Not a failure: the server may have taken the message.
        IP_SMTPC_ERR_OUTCOME_UNKNOWN
    } else {
        IP_SMTPC_ERR_TIMEOUT
    };
    let o = simple(&script, quick(700));
    o.check(expected);
    assert_wire_through(&o, cut);
    #[cfg(feature = "ex")]
    {
        let o = simple(&script, |m| {
            auth(m);
            m.read_timeout_ms = 10_000;
            m.ex = Some(deadline(700));
        });
        o.check(expected);
        assert_wire_through(&o, cut);
        assert!(o.set_timeouts > 0, "the port learnt the time left");
    }
}

cases! {
    service_closing_at_greeting => closing_at(Cut::Greeting);
    service_closing_at_ehlo => closing_at(Cut::Ehlo);
    service_closing_at_auth => closing_at(Cut::Auth);
    service_closing_at_mail => closing_at(Cut::Mail);
    service_closing_at_rcpt => closing_at(Cut::Rcpt);
    service_closing_at_data => closing_at(Cut::Data);
    service_closing_after_final_dot => closing_at(Cut::Dot);

    eof_at_greeting => eof_at(Cut::Greeting, "close");
    eof_at_ehlo => eof_at(Cut::Ehlo, "close");
    eof_at_auth => eof_at(Cut::Auth, "close");
    eof_at_mail => eof_at(Cut::Mail, "close");
    eof_at_rcpt => eof_at(Cut::Rcpt, "close");
    eof_at_data => eof_at(Cut::Data, "close");
    eof_after_final_dot_is_outcome_unknown => eof_at(Cut::Dot, "close");

    reset_at_greeting => eof_at(Cut::Greeting, "reset");
    reset_at_ehlo => eof_at(Cut::Ehlo, "reset");
    reset_at_auth => eof_at(Cut::Auth, "reset");
    reset_at_mail => eof_at(Cut::Mail, "reset");
    reset_at_rcpt => eof_at(Cut::Rcpt, "reset");
    reset_at_data => eof_at(Cut::Data, "reset");
    reset_after_final_dot_is_outcome_unknown => eof_at(Cut::Dot, "reset");

    no_greeting_times_out => silent_at(Cut::Greeting);
    no_ehlo_reply_times_out => silent_at(Cut::Ehlo);
    no_auth_reply_times_out => silent_at(Cut::Auth);
    no_mail_reply_times_out => silent_at(Cut::Mail);
    no_rcpt_reply_times_out => silent_at(Cut::Rcpt);
    no_data_reply_times_out => silent_at(Cut::Data);
    no_reply_to_final_dot_is_outcome_unknown => silent_at(Cut::Dot);
}

#[test]
fn eof_in_the_middle_of_a_multi_line_reply() {
    let script = r#"send "220 mx.example.test ESMTP\r\n"
expect-exact "EHLO dev.example.test"
send "250-mx.example.test\r\n250-PIPELINING\r\n250-SI"
close
"#;
    let o = simple(script, anonymous);
    o.check_wire(IP_SMTPC_ERR_RECEIVE, EHLO);
}

// ---------------------------------------------------------------------------
// Reply parsing
// ---------------------------------------------------------------------------

/// The greeting is `line` + CR LF: malformed, so nothing is ever sent.
fn malformed_greeting(line: &str) {
    let script = format!("send \"{line}\\r\\n\"\nexpect-eof\n");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_SYNTAX, "");
}

cases! {
    greeting_code_letters => malformed_greeting("abc ready");
    greeting_code_two_digits => malformed_greeting("25");
    greeting_code_two_digits_and_text => malformed_greeting("22 ready");
    greeting_code_600 => malformed_greeting("600 ready");
    greeting_code_199 => malformed_greeting("199 ready");
    greeting_code_second_digit_6 => malformed_greeting("260 ready");
    greeting_code_four_digits => malformed_greeting("2200 ready");
    greeting_code_without_separator => malformed_greeting("220ready");
    greeting_code_after_a_space => malformed_greeting(" 220 ready");
    greeting_empty_line => malformed_greeting("");
    greeting_multi_line_with_mismatched_codes => malformed_greeting("220-mx\\r\\n250 ready");
}

#[test]
fn malformed_reply_to_mail_closes_without_quit() {
    let script = format!("{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"2500 ok\\r\\n\"\nexpect-eof\n");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_SYNTAX, &format!("{EHLO}{MAIL}"));
}

#[test]
fn multi_line_ehlo_with_a_different_class_on_the_last_line() {
    let script =
        format!("{GREET}send \"250-mx\\r\\n250-PIPELINING\\r\\n550 no\\r\\n\"\nexpect-eof\n");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_SYNTAX, EHLO);
}

#[test]
fn every_reply_byte_by_byte_and_split_inside_crlf() {
    let script = r#"send-bytewise "220-mx.example.test\r\n220 ESMTP\r\n"
expect-exact "EHLO dev.example.test"
send-split "250-mx.example.test\r\n250 8BITMIME\r\n" 20
expect-exact "MAIL FROM:<dev@example.test>"
send-split "250 2.1.0 ok\r\n" 13
expect-exact "RCPT TO:<alice@example.test>"
send-bytewise "250 2.1.5 ok\r\n"
expect-exact "DATA"
send-split "354 go\r\n" 1
expect-data strict
send-bytewise "250-2.0.0 queued\r\n250 2.0.0 as 1234\r\n"
expect-exact "QUIT"
send-bytewise "221 bye\r\n"
expect-eof
"#;
    let o = simple(script, anonymous);
    o.check(0);
    assert!(o.wire.ends_with("\r\n.\r\nQUIT\r\n"), "{:?}", o.wire);
}

#[test]
fn code_only_replies() {
    let script = r#"send "220\r\n"
expect-exact "EHLO dev.example.test"
send "250-\r\n250\r\n"
expect-exact "MAIL FROM:<dev@example.test>"
send "250\r\n"
expect-exact "RCPT TO:<alice@example.test>"
send "250\r\n"
expect-exact "DATA"
send "354\r\n"
expect-data strict
send "250\r\n"
expect-exact "QUIT"
send "221\r\n"
expect-eof
"#;
    let o = simple(script, anonymous);
    o.check(0);
}

#[test]
fn binary_bytes_in_reply_text_are_only_text() {
    // NUL, 8-bit and DEL in the text; codes and separators are what count.
    let script = r#"send "220 \x00\xff\x7f hi\r\n"
expect-exact "EHLO dev.example.test"
send "250-mx\x00\r\n250 \xfe\r\n"
expect-exact "MAIL FROM:<dev@example.test>"
send "250 \x01\r\n"
expect-exact "RCPT TO:<alice@example.test>"
send "550 5.1.1 \x00no\xffuser\r\n"
expect-exact "QUIT"
send "221 bye\r\n"
expect-eof
"#;
    let o = simple(script, anonymous);
    o.check(IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED);
    assert_eq!(
        o.statuses.rejected,
        vec![(1, 550, "5.1.1 \u{0}no\u{fffd}user".to_string())]
    );
    assert!(o.statuses.accepted.is_empty());
}

#[test]
fn reply_line_filling_the_input_buffer_exactly_is_accepted() {
    // 4 + 250 + 2 = 256 octets = SMTPC_IN_BUFFER_SIZE.
    let script = format!(
        "send \"220 {}\\r\\n\"\nexpect-exact \"EHLO dev.example.test\"\n{ENVELOPE}expect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}",
        "x".repeat(250)
    );
    let o = simple(&script, anonymous);
    o.check(0);
}

#[test]
fn reply_line_one_octet_longer_than_the_input_buffer() {
    let script = format!("send \"220 {}\\r\\n\"\nexpect-eof\n", "x".repeat(251));
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_LONG, "");
}

#[test]
fn endless_reply_line() {
    let script = r#"send "220 "
send-repeat "x" 2000000
expect-eof
"#;
    let o = simple(script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_LONG, "");
}

#[test]
fn endless_multi_line_reply() {
    let script = format!("{GREET}send-repeat \"250-x\\r\\n\" 1000000\nexpect-eof\n");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_MANY_LINES, EHLO);
}

#[test]
fn endless_multi_line_greeting() {
    let script = "send-repeat \"220-welcome\\r\\n\" 1000000\nexpect-eof\n";
    let o = simple(script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_MANY_LINES, "");
}

/// An EHLO reply of `lines` lines: the name, junk keywords, AUTH PLAIN last.
fn ehlo_of_lines(lines: usize) -> String {
    let mut reply = String::from("250-mx.example.test\\r\\n");
    for i in 0..lines - 2 {
        reply.push_str(&format!("250-X-JUNK-{i} a b c\\r\\n"));
    }
    reply.push_str("250 AUTH PLAIN\\r\\n");
    format!("{GREET}send \"{reply}\"\n")
}

#[test]
fn ehlo_reply_of_one_hundred_lines_is_accepted() {
    let script = format!(
        "{}auth-check-plain \"{USER}\" \"{PASSWORD}\"\nsend \"235 ok\\r\\n\"\n{}",
        ehlo_of_lines(100),
        &ENVELOPE["send \"250 mx.example.test\\r\\n\"\n".len()..]
    ) + "expect-data strict\nsend \"250 ok\\r\\n\"\n"
        + QUIT;
    let o = simple(&script, auth);
    o.check(0);
}

#[test]
fn ehlo_reply_of_one_hundred_and_one_lines_is_refused() {
    let script = format!("{}expect-eof\n", ehlo_of_lines(101));
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_MANY_LINES, EHLO);
    assert!(!o.sent_contains("AUTH"));
}

#[test]
fn extra_reply_after_the_greeting() {
    let script = "send \"220 mx\\r\\n250 surprise\\r\\n\"\nexpect-eof\n";
    let o = simple(script, anonymous);
    o.check_wire(IP_SMTPC_ERR_UNEXPECTED_REPLY, "");
}

#[test]
fn extra_reply_after_the_reply_to_mail() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n250 ok too\\r\\n\"\nexpect-eof\n"
    );
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_UNEXPECTED_REPLY, &format!("{EHLO}{MAIL}"));
}

#[test]
fn extra_reply_after_354_sends_no_message() {
    let script = format!(
        "{GREET}{}send \"354 go ahead\\r\\n250 2.0.0 queued already\\r\\n\"\nexpect-eof\n",
        &ENVELOPE[..ENVELOPE.find("send \"354").unwrap()]
    );
    let o = simple(&script, anonymous);
    o.check_wire(
        IP_SMTPC_ERR_UNEXPECTED_REPLY,
        &format!("{EHLO}{MAIL}{RCPT}DATA\r\n"),
    );
}

#[test]
fn reply_250_to_data_sends_no_message() {
    let script = format!(
        "{GREET}{}send \"250 ok?\\r\\n\"\n{QUIT}",
        &ENVELOPE[..ENVELOPE.find("send \"354").unwrap()]
    );
    let o = simple(&script, anonymous);
    o.check_wire(
        IP_SMTPC_ERR_DATA_REJECTED,
        &format!("{EHLO}{MAIL}{RCPT}DATA\r\nQUIT\r\n"),
    );
}

#[test]
fn reply_354_to_mail_is_a_rejected_sender() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"354 go\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, anonymous);
    o.check_wire(
        IP_SMTPC_ERR_SENDER_REJECTED,
        &format!("{EHLO}{MAIL}QUIT\r\n"),
    );
}

#[test]
fn reply_354_to_final_dot_is_not_success() {
    let script = format!("{GREET}{ENVELOPE}expect-data strict\nsend \"354 again?\\r\\n\"\n{QUIT}");
    let o = simple(&script, anonymous);
    // Not accepted, not refused for good: worth another try later.
    o.check(IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE);
    assert!(o.wire.ends_with("\r\n.\r\nQUIT\r\n"));
}

#[test]
fn reply_334_to_ehlo_is_helo_rejected_without_helo() {
    let script = format!("{GREET}send \"334 what\\r\\n\"\n{QUIT}");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_HELO_REJECTED, &format!("{EHLO}QUIT\r\n"));
}

// ---------------------------------------------------------------------------
// Session: greeting, EHLO / HELO, capabilities
// ---------------------------------------------------------------------------

#[test]
fn greeting_554_gets_quit_only() {
    let script = format!("send \"554 5.3.2 no service for you\\r\\n\"\n{QUIT}");
    let o = simple(&script, anonymous);
    o.check_wire(IP_SMTPC_ERR_GREETING_REFUSED, "QUIT\r\n");
}

/// EHLO answered with `code`: HELO, then a message without ESMTP parameters
/// although the body is 8-bit and the rejected reply named extensions.
fn helo_fallback(code: u16) {
    let qp = if MIME {
        "data-contains \"Content-Transfer-Encoding: quoted-printable\\r\\n\"\n"
    } else {
        ""
    };
    let script = format!(
        "{GREET}send \"{code}-SIZE 10\\r\\n{code}-8BITMIME\\r\\n{code} unrecognized\\r\\n\"\n\
         expect-exact \"HELO dev.example.test\"\n{ENVELOPE}expect-data strict\n{qp}\
         send \"250 ok\\r\\n\"\n{QUIT}"
    );
    let m = mail(
        vec![alice()],
        "Gr\u{fc}\u{df}e aus dem Ger\u{e4}t\n".as_bytes(),
    );
    let o = exchange(&script, &m);
    o.check(0);
    assert!(o.wire.contains("\r\nMAIL FROM:<dev@example.test>\r\n"));
    assert!(!o.wire.contains("SIZE=") && !o.wire.contains("BODY="));
}

cases! {
    ehlo_500_falls_back_to_helo => helo_fallback(500);
    ehlo_502_falls_back_to_helo => helo_fallback(502);
}

#[test]
fn ehlo_and_helo_rejected() {
    let script = format!(
        "{GREET}send \"500 no\\r\\n\"\nexpect-exact \"HELO dev.example.test\"\nsend \"501 no either\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, anonymous);
    o.check_wire(
        IP_SMTPC_ERR_HELO_REJECTED,
        &format!("{EHLO}HELO dev.example.test\r\nQUIT\r\n"),
    );
}

#[test]
fn credentials_after_helo_fallback_are_not_sent() {
    let script = format!(
        "{GREET}send \"502 no\\r\\n\"\nexpect-exact \"HELO dev.example.test\"\nsend \"250 AUTH PLAIN\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, auth);
    o.check_wire(
        IP_SMTPC_ERR_AUTH_NOT_SUPPORTED,
        &format!("{EHLO}HELO dev.example.test\r\nQUIT\r\n"),
    );
    assert!(!o.sent_contains(PASSWORD) && !o.sent_contains(&plain_response()));
}

#[cfg(all(feature = "ex", feature = "size"))]
#[test]
fn lowercase_capabilities() {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250-size 100000\\r\\n250-8bitmime\\r\\n250 auth=login plain\\r\\n\"\n\
         expect-exact \"AUTH LOGIN\"\nsend \"334 VXNlcm5hbWU6\\r\\n\"\nexpect-b64 \"{USER}\"\n\
         send \"334 UGFzc3dvcmQ6\\r\\n\"\nexpect-b64 \"{PASSWORD}\"\nsend \"235 ok\\r\\n\"\n\
         expect \"MAIL FROM:<dev@example.test> SIZE=\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
         send \"354 go\\r\\n\"\nexpect-data strict\ndata-contains \"Content-Transfer-Encoding: 8bit\\r\\n\"\n\
         send \"250 ok\\r\\n\"\n{QUIT}"
    );
    let mut m = mail(vec![alice()], "Gr\u{fc}\u{df}e\n".as_bytes());
    login(&mut m);
    let o = exchange(&script, &m);
    o.check(0);
    let mail_line = o.wire.lines().find(|l| l.starts_with("MAIL")).unwrap();
    let size = o.message().len();
    assert_eq!(
        mail_line,
        format!("MAIL FROM:<dev@example.test> SIZE={size} BODY=8BITMIME")
    );
}

/// The server announces `SIZE <param>`: the value is no limit the client
/// can use, so the (small) message is sent, with the SIZE= parameter.
#[cfg(feature = "size")]
fn unusable_size(param: &str) {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 SIZE {param}\\r\\n\"\n\
         expect \"MAIL FROM:<dev@example.test> SIZE=\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
         send \"354 go\\r\\n\"\nexpect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, anonymous);
    o.check(0);
    let size = o.message().len();
    assert!(o
        .wire
        .contains(&format!("MAIL FROM:<dev@example.test> SIZE={size}\r\n")));
}

cases! {
    #[cfg(feature = "size")]
    ehlo_size_not_a_number => unusable_size("abc");
    #[cfg(feature = "size")]
    ehlo_size_twenty_digits => unusable_size("99999999999999999999");
    #[cfg(feature = "size")]
    ehlo_size_zero_means_no_limit => unusable_size("0");
    #[cfg(feature = "size")]
    ehlo_size_negative => unusable_size("-5");
}

#[test]
fn thousands_of_auth_mechanisms_on_one_line_exceed_the_input_buffer() {
    // The client gives up after 256 octets; send-repeat stops when it closes.
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH \"\nsend-repeat \"X-MECH \" 3000\nexpect-eof\n"
    );
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_LONG, EHLO);
    assert!(!o.sent_contains("AUTH"));
}

#[test]
fn thousands_of_auth_lines_are_too_many_lines() {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n\"\nsend-repeat \"250-AUTH X-MECH\\r\\n\" 3000\nexpect-eof\n"
    );
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_REPLY_TOO_MANY_LINES, EHLO);
    assert!(!o.sent_contains("AUTH"));
}

// ---------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------

/// Credentials and a 700 ms deadline per reply (`ReplyTimeoutMs`); every
/// single receive ends well within the port's socket timeout, so only the
/// library's clock can end a reply that keeps trickling in.
#[cfg(feature = "ex")]
fn slowloris(m: &mut Mail) {
    auth(m);
    m.read_timeout_ms = 10_000;
    m.ex = Some(deadline(700));
}

#[cfg(feature = "ex")]
#[test]
fn slowloris_greeting_times_out_although_bytes_keep_coming() {
    // 70 octets, one per 40 ms: about 2.8 s for a reply with a 700 ms deadline.
    let script = "send-slow \"220 mx.example.test ESMTP greetings from a very slow server indeed\\r\\n\" 40\nexpect-eof\n";
    let o = simple(script, slowloris);
    o.check_wire(IP_SMTPC_ERR_TIMEOUT, "");
}

#[cfg(feature = "ex")]
#[test]
fn slowloris_multi_line_ehlo_times_out_although_lines_complete() {
    // Every line completes quickly; the reply as a whole does not.
    let lines = (0..30)
        .map(|i| format!("250-L{i:02}\\r\\n"))
        .collect::<String>();
    let script = format!("{GREET}send-slow \"{lines}250 done\\r\\n\" 15\nexpect-eof\n");
    let o = simple(&script, slowloris);
    o.check_wire(IP_SMTPC_ERR_TIMEOUT, EHLO);
}

#[cfg(feature = "ex")]
#[test]
fn slowloris_reply_to_final_dot_is_outcome_unknown() {
    let script = format!(
        "{}send-slow \"250 2.0.0 queued, but it takes a while to say so\\r\\n\" 40\nexpect-eof\n",
        until(Cut::Dot)
    );
    let o = simple(&script, slowloris);
    o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    assert_wire_through(&o, Cut::Dot);
}

#[cfg(feature = "ex")]
#[test]
fn deadline_is_per_reply_not_per_session() {
    // Each reply takes about 300 ms (a pause, then byte by byte), well under
    // the 1200 ms deadline; the whole dialogue takes well over 1200 ms.
    let reply = |text: &str| format!("sleep 150\nsend-bytewise \"{text}\" 10\n");
    let script = format!(
        "{}expect-exact \"EHLO dev.example.test\"\n{}expect-exact \"MAIL FROM:<dev@example.test>\"\n{}\
         expect-exact \"RCPT TO:<alice@example.test>\"\n{}expect-exact \"DATA\"\n{}expect-data strict\n{}\
         expect-exact \"QUIT\"\n{}expect-eof\n",
        reply("220 mx ESMTP\\r\\n"),
        reply("250 mx ok\\r\\n"),
        reply("250 2.1.0 ok\\r\\n"),
        reply("250 2.1.5 ok\\r\\n"),
        reply("354 go\\r\\n"),
        reply("250 queued\\r\\n"),
        reply("221 bye\\r\\n"),
    );
    let o = simple(&script, |m| {
        m.read_timeout_ms = 10_000;
        m.ex = Some(deadline(1200));
    });
    o.check(0);
}

// ---------------------------------------------------------------------------
// AUTH
// ---------------------------------------------------------------------------

/// AUTH PLAIN answered with `reply`: the error, QUIT, no MAIL.
fn auth_refused(reply: &str, error: c_int) {
    let script = format!("{}send \"{reply}\\r\\n\"\n{QUIT}", until(Cut::Auth));
    let o = simple(&script, auth);
    o.check_wire(error, &format!("{}QUIT\r\n", commands_until(Cut::Auth)));
    assert!(!o.wire.contains("MAIL"));
    // The error never carries the password.
    assert!(!error_text(error).contains(PASSWORD));
}

cases! {
    auth_535_is_auth_failed => auth_refused("535 5.7.8 bad credentials", IP_SMTPC_ERR_AUTH_FAILED);
    auth_534_is_mechanism_too_weak => auth_refused("534 5.7.9 too weak", IP_SMTPC_ERR_AUTH_MECHANISM_TOO_WEAK);
    auth_538_is_encryption_required => auth_refused("538 5.7.11 encrypt first", IP_SMTPC_ERR_AUTH_ENCRYPTION_REQUIRED);
    auth_454_is_temporary => auth_refused("454 4.7.0 try later", IP_SMTPC_ERR_AUTH_TEMPORARY);
    auth_530_is_required => auth_refused("530 5.7.0 authentication required", IP_SMTPC_ERR_AUTH_REQUIRED);
    auth_504_is_not_supported => auth_refused("504 5.5.4 unrecognized authentication type", IP_SMTPC_ERR_AUTH_NOT_SUPPORTED);
    auth_500_is_protocol => auth_refused("500 5.5.2 syntax error", IP_SMTPC_ERR_AUTH_PROTOCOL);
    auth_501_is_protocol => auth_refused("501 5.5.4 cannot decode response", IP_SMTPC_ERR_AUTH_PROTOCOL);
    auth_502_is_protocol => auth_refused("502 5.5.1 not implemented", IP_SMTPC_ERR_AUTH_PROTOCOL);
    auth_554_is_failed => auth_refused("554 5.7.0 go away", IP_SMTPC_ERR_AUTH_FAILED);
    auth_plain_challenged_is_cancelled => auth_refused_after_star("334 ", "501 5.7.0 cancelled");
    auth_plain_invalid_base64_challenge_is_cancelled => auth_refused_after_star("334 !!!not*base64???", "501 cancelled");
    auth_endless_challenges_are_cancelled => auth_refused_after_star("334 ", "334 and again");
}

/// AUTH PLAIN answered with a challenge: the client cancels with "*"; the
/// server's answer to that (`then`, even another challenge) ends in QUIT.
fn auth_refused_after_star(challenge: &str, then: &str) {
    let script = format!(
        "{}send \"{challenge}\\r\\n\"\nexpect-exact \"*\"\nsend \"{then}\\r\\n\"\n{QUIT}",
        until(Cut::Auth),
    );
    let o = simple(&script, auth);
    o.check_wire(
        IP_SMTPC_ERR_AUTH_PROTOCOL,
        &format!("{}*\r\nQUIT\r\n", commands_until(Cut::Auth)),
    );
}

fn login(m: &mut Mail) {
    auth(m);
    // With `ex` the client is also told to use LOGIN only; without, the
    // server offers nothing else.
    if cfg!(feature = "ex") {
        m.ex = Some(Ex {
            auth_mechanisms: IP_SMTPC_AUTH_LOGIN as _,
            allow_insecure_auth: true,
            ..Ex::default()
        });
    }
}

/// AUTH LOGIN answered with `reply` after the user name: the mail ends with
/// `error` and QUIT, and the password never goes on the wire.
fn auth_login_reply_after_user_name(reply: &str, error: c_int) {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH LOGIN\\r\\n\"\nexpect-exact \"AUTH LOGIN\"\n\
         send \"334 VXNlcm5hbWU6\\r\\n\"\nexpect-b64 \"{USER}\"\nsend \"{reply}\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, login);
    o.check_wire(
        error,
        &format!("{EHLO}AUTH LOGIN\r\n{}\r\nQUIT\r\n", b64(USER.as_bytes())),
    );
    assert!(!o.sent_contains(&b64(PASSWORD.as_bytes())) && !o.sent_contains(PASSWORD));
}

cases! {
    auth_login_535_after_user_name_never_sends_the_password =>
        auth_login_reply_after_user_name("535 5.7.8 no such user", IP_SMTPC_ERR_AUTH_FAILED);
    // "235 authenticated" before the client sent a password is not a
    // success to believe: the exchange is broken.
    auth_login_235_before_the_password_is_a_protocol_error =>
        auth_login_reply_after_user_name("235 2.7.0 welcome anyway", IP_SMTPC_ERR_AUTH_PROTOCOL);
}

#[test]
fn auth_login_third_challenge_is_cancelled() {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH LOGIN\\r\\n\"\nexpect-exact \"AUTH LOGIN\"\n\
         send \"334 VXNlcm5hbWU6\\r\\n\"\nexpect-b64 \"{USER}\"\nsend \"334 UGFzc3dvcmQ6\\r\\n\"\n\
         expect-b64 \"{PASSWORD}\"\nsend \"334 T25lIG1vcmU6\\r\\n\"\nexpect-exact \"*\"\n\
         send \"501 5.7.0 cancelled\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, login);
    o.check(IP_SMTPC_ERR_AUTH_PROTOCOL);
    assert!(o.wire.ends_with("*\r\nQUIT\r\n") && !o.wire.contains("MAIL"));
}

#[test]
fn auth_login_challenge_text_is_not_interpreted() {
    // LOGIN's challenges are prompts; invalid base64 in them changes nothing.
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH LOGIN\\r\\n\"\nexpect-exact \"AUTH LOGIN\"\n\
         send \"334 %%% not base64 %%%\\r\\n\"\nexpect-b64 \"{USER}\"\nsend \"334 \\r\\n\"\n\
         expect-b64 \"{PASSWORD}\"\nsend \"235 ok\\r\\n\"\n{}expect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}",
        &ENVELOPE["send \"250 mx.example.test\\r\\n\"\n".len()..]
    );
    let o = simple(&script, login);
    o.check(0);
}

#[test]
fn auth_huge_challenge_is_too_long_and_sends_no_credentials() {
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH LOGIN\\r\\n\"\nexpect-exact \"AUTH LOGIN\"\n\
         send \"334 \"\nsend-repeat \"QUFB\" 10000\nexpect-eof\n"
    );
    let o = simple(&script, login);
    o.check_wire(
        IP_SMTPC_ERR_REPLY_TOO_LONG,
        &format!("{EHLO}AUTH LOGIN\r\n"),
    );
    assert!(!o.sent_contains(&b64(USER.as_bytes())) && !o.sent_contains(&b64(PASSWORD.as_bytes())));
}

#[test]
fn credentials_without_auth_offered_is_an_error() {
    let script =
        format!("{GREET}send \"250-mx\\r\\n250-PIPELINING\\r\\n250 8BITMIME\\r\\n\"\n{QUIT}");
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_AUTH_NOT_SUPPORTED, &format!("{EHLO}QUIT\r\n"));
}

#[test]
fn credentials_with_only_unknown_mechanisms_offered() {
    let script = format!("{GREET}send \"250-mx\\r\\n250 AUTH CRAM-MD5 GSSAPI NTLM\\r\\n\"\n{QUIT}");
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_AUTH_NOT_SUPPORTED, &format!("{EHLO}QUIT\r\n"));
}

/// `IP_SMTPC_SendEx` refuses AUTH in clear unless `AllowInsecureAuth` is set.
#[cfg(feature = "ex")]
#[test]
fn auth_in_clear_without_opt_in_never_sends_the_password() {
    let script = format!("{GREET}send \"250-mx\\r\\n250 AUTH PLAIN LOGIN\\r\\n\"\n{QUIT}");
    let o = simple(&script, |m| {
        auth(m);
        m.ex = Some(Ex::default());
    });
    o.check_wire(IP_SMTPC_ERR_AUTH_INSECURE, &format!("{EHLO}QUIT\r\n"));
    let report = o.report.as_ref().unwrap();
    assert_eq!(
        (report.step, report.reply_code, report.reply.as_str()),
        (IP_SMTPC_STEP_AUTH, 0, ""),
        "decided by the library, not by a reply"
    );
    assert!(!o.sent_contains(PASSWORD) && !o.sent_contains(&b64(PASSWORD.as_bytes())));
}

// ---------------------------------------------------------------------------
// The DATA stream
// ---------------------------------------------------------------------------

/// Sends `body`; the wire carries `expected` as the body, only CR LF line
/// ends (expect-data strict) and exactly one end-of-data line.
fn data_case(body: &[u8], expected: &str) {
    let script = accepting("");
    let m = mail(vec![alice()], body);
    let o = exchange(&script, &m);
    o.check(0);
    assert_eq!(o.body(), expected);
    assert_eq!(o.wire.matches("\r\n.\r\n").count(), 1, "{:?}", o.wire);
    assert!(o.wire.ends_with("\r\n.\r\nQUIT\r\n"));
    assert!(o.message().contains("Content-Transfer-Encoding: 7bit\r\n"));
}

cases! {
    data_body_only_a_dot => data_case(b".", "..\r\n");
    data_leading_dots => data_case(b".a\n..b\r\n...\n", "..a\r\n...b\r\n....\r\n");
    data_lf_dot_lf => data_case(b"x\n.\ny", "x\r\n..\r\ny\r\n");
    data_smuggled_end_of_data_crlf => data_case(
        b"a\r\n.\r\nMAIL FROM:<evil@example.test>\r\n",
        "a\r\n..\r\nMAIL FROM:<evil@example.test>\r\n",
    );
    data_smuggled_end_of_data_bare_lf => data_case(b"a\n.\r\nb", "a\r\n..\r\nb\r\n");
    data_smuggled_end_of_data_bare_cr => data_case(b"a\r.\rb", "a\r\n..\r\nb\r\n");
    data_cr_cr_lf => data_case(b"a\r\r\nb", "a\r\n\r\nb\r\n");
    data_bare_cr => data_case(b"a\rb\rc\r", "a\r\nb\r\nc\r\n");
    data_no_final_newline => data_case(b"no final newline", "no final newline\r\n");
    data_empty_body => data_case(b"", "");
}

#[test]
fn data_lines_of_1200_characters_go_quoted_printable() {
    let long_a = "a".repeat(1200);
    let long_b = "b".repeat(1200);
    let body = format!("{long_a}\n{long_b}");
    let m = mail(vec![alice()], body.as_bytes());
    if !MIME {
        // No encoder: a line SMTP cannot carry is refused before connecting.
        body_refused(&m);
        return;
    }
    let script = accepting_lines("", LONG_LINES);
    let o = exchange(&script, &m);
    o.check(0);
    for line in o.wire.split_inclusive("\r\n") {
        assert!(line.len() <= 1000, "a line of {} octets", line.len());
    }
    {
        assert!(o
            .message()
            .contains("Content-Transfer-Encoding: quoted-printable\r\n"));
        for line in o.body().split_inclusive("\r\n") {
            assert!(line.len() <= 78, "QP line of {} octets", line.len());
        }
        let decoded = o.body().replace("=\r\n", "");
        assert_eq!(decoded, format!("{long_a}\r\n{long_b}\r\n"));
    }
}

// ---------------------------------------------------------------------------
// Recipients and SIZE
// ---------------------------------------------------------------------------

#[test]
fn some_recipients_rejected_is_partial_delivery() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"550-5.1.1 <alice@example.test>:\\r\\n550 5.1.1 no such user\\r\\n\"\n\
         expect-exact \"RCPT TO:<bob@example.test>\"\nsend \"250 2.1.5 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<carol@example.test>\"\nsend \"452 4.2.2 mailbox full\\r\\n\"\n\
         expect-exact \"DATA\"\nsend \"354 go\\r\\n\"\nexpect-data strict\n\
         data-not-contains \"carol\"\nsend \"250 2.0.0 queued\\r\\n\"\n{QUIT}"
    );
    let m = reported(mail(three(), b"x\r\n"));
    let o = exchange(&script, &m);
    o.check(IP_SMTPC_ERR_PARTIAL_DELIVERY);
    assert_eq!(
        o.statuses.rejected,
        vec![
            (1, 550, "5.1.1 no such user".to_string()),
            (3, 452, "4.2.2 mailbox full".to_string()),
        ]
    );
    assert_eq!(o.statuses.accepted, vec![(2, 250, "2.1.5 ok".to_string())]);
    if let Some(r) = &o.report {
        assert_eq!((r.step, r.accepted, r.rejected), (IP_SMTPC_STEP_RCPT, 1, 2));
        assert_eq!(r.codes, [250, 550, 250, 452]);
        assert_eq!(r.enhanced, [(0, 0, 0), (5, 1, 1), (2, 1, 5), (4, 2, 2)]);
        assert_eq!((r.reply_code, r.reply.as_str()), (250, "2.0.0 queued"));
    }
}

/// With `ex`, through `IP_SMTPC_SendEx` with default options and a report
/// (no credentials: the dialogue is `IP_SMTPC_Send`'s).
fn reported(mut m: Mail) -> Mail {
    if cfg!(feature = "ex") {
        m.ex = Some(Ex::default());
    }
    m
}

#[test]
fn all_recipients_rejected_sends_no_data() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"550 5.1.1 unknown\\r\\n\"\n\
         expect-exact \"RCPT TO:<bob@example.test>\"\nsend \"551 5.1.6 moved\\r\\n\"\n\
         expect-exact \"RCPT TO:<carol@example.test>\"\nsend \"450 4.2.0 later\\r\\n\"\n{QUIT}"
    );
    let m = reported(mail(three(), b"x\r\n"));
    let o = exchange(&script, &m);
    o.check_wire(
        IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED,
        &format!(
            "{EHLO}{MAIL}{RCPT}RCPT TO:<bob@example.test>\r\nRCPT TO:<carol@example.test>\r\nQUIT\r\n"
        ),
    );
    assert_eq!(
        o.statuses.rejected,
        vec![
            (1, 550, "5.1.1 unknown".to_string()),
            (2, 551, "5.1.6 moved".to_string()),
            (3, 450, "4.2.0 later".to_string()),
        ]
    );
    assert!(o.statuses.accepted.is_empty());
    if let Some(r) = &o.report {
        assert_eq!((r.step, r.accepted, r.rejected), (IP_SMTPC_STEP_RCPT, 0, 3));
        assert_eq!(r.codes, [250, 550, 551, 450]);
        assert_eq!(r.enhanced, [(0, 0, 0), (5, 1, 1), (5, 1, 6), (4, 2, 0)]);
        assert_eq!((r.reply_code, r.reply.as_str()), (450, "4.2.0 later"));
    }
}

#[cfg(feature = "size")]
#[test]
fn message_over_the_advertised_size_is_not_sent() {
    let script = format!("{GREET}send \"250-mx\\r\\n250 SIZE 1000\\r\\n\"\n{QUIT}");
    let body = "0123456789".repeat(100);
    let m = mail(vec![alice()], body.as_bytes());
    let o = exchange(&script, &m);
    o.check_wire(IP_SMTPC_ERR_MESSAGE_TOO_BIG, &format!("{EHLO}QUIT\r\n"));
}

#[test]
fn mail_552_is_message_too_big() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"552 5.3.4 too big\\r\\n\"\n{QUIT}"
    );
    let o = simple(&script, anonymous);
    o.check_wire(
        IP_SMTPC_ERR_MESSAGE_TOO_BIG,
        &format!("{EHLO}{MAIL}QUIT\r\n"),
    );
}

/// The final dot answered with `reply`.
fn after_dot(reply: &str, expected: c_int) {
    let script = format!("{GREET}{ENVELOPE}expect-data strict\nsend \"{reply}\\r\\n\"\n{QUIT}");
    let o = simple(&script, anonymous);
    o.check(expected);
    assert!(o.wire.ends_with("\r\n.\r\nQUIT\r\n"));
    assert_eq!(o.wire.matches("\r\n.\r\n").count(), 1);
}

cases! {
    final_dot_554_is_message_rejected => after_dot("554 5.7.1 spam", IP_SMTPC_ERR_MESSAGE_REJECTED);
    final_dot_451_is_temporary_failure => after_dot("451 4.3.0 try later", IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE);
    final_dot_552_is_message_too_big => after_dot("552 5.3.4 too big", IP_SMTPC_ERR_MESSAGE_TOO_BIG);
    final_dot_250_multi_line_is_success => after_dot("250-2.0.0 ok\\r\\n250 2.0.0 queued", 0);
}

#[test]
fn null_sender() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
         send \"354 go\\r\\n\"\nexpect-data strict\ndata-not-contains \"From:\"\nsend \"250 ok\\r\\n\"\n{QUIT}"
    );
    let mut m = mail(vec![alice()], b"bounce\r\n");
    m.sender = Party::new("", "", SMTPC_REC_TYPE_FROM);
    let o = exchange(&script, &m);
    o.check(0);
}

#[test]
fn longest_address_goes_out_whole() {
    // 64 + 1 + 189 = 254 octets: the longest path RFC 5321 allows (256 with <>).
    let local = "l".repeat(64);
    let domain = format!(
        "{}.{}.{}.test",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(56)
    );
    let address = format!("{local}@{domain}");
    assert_eq!(address.len(), 254);
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<{address}>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
         send \"354 go\\r\\n\"\nexpect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}"
    );
    let m = mail(vec![Party::new(&address, "", SMTPC_REC_TYPE_TO)], b"x\r\n");
    let o = exchange(&script, &m);
    o.check(0);
}

// ---------------------------------------------------------------------------
// Input: refused before anything is connected
// ---------------------------------------------------------------------------

/// One field of a mail, as the application gives it.
#[derive(Clone)]
struct Fields {
    sender: Vec<u8>,
    sender_name: Vec<u8>,
    rcpt: Vec<u8>,
    rcpt_name: Vec<u8>,
    subject: Vec<u8>,
    domain: Vec<u8>,
    user: Vec<u8>,
    password: Vec<u8>,
    reply_to: Vec<u8>,
    header: Vec<u8>,
    timezone: Vec<u8>,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            sender: b"dev@example.test".to_vec(),
            sender_name: b"Device".to_vec(),
            rcpt: b"alice@example.test".to_vec(),
            rcpt_name: b"Alice".to_vec(),
            subject: b"Hostile".to_vec(),
            domain: b"dev.example.test".to_vec(),
            user: USER.as_bytes().to_vec(),
            password: PASSWORD.as_bytes().to_vec(),
            reply_to: b"desk@example.test".to_vec(),
            header: b"X-Device: sensor-7".to_vec(),
            timezone: b"+0100".to_vec(),
        }
    }
}

/// Reply-To and extra header lines are built (`IP_SMTPC_SendEx`'s
/// `sReplyTo` / `pasHeader`): the input cases give them too.
const HEADERS: bool = cfg!(all(feature = "headers", feature = "ex"));

impl Fields {
    /// The call: `IP_SMTPC_Send`, or with `headers` `IP_SMTPC_SendEx` with
    /// AUTH in clear allowed, `sReplyTo` and one extra header line.
    fn mail(&self, body: &str) -> Mail {
        let mut m = mail(vec![alice()], body.as_bytes());
        m.sender.addr = self.sender.clone();
        m.sender.name = Some(self.sender_name.clone());
        m.recipients[0].addr = self.rcpt.clone();
        m.recipients[0].name = Some(self.rcpt_name.clone());
        m.subject = Some(self.subject.clone());
        m.domain = Some(self.domain.clone());
        m.timezone = Some(self.timezone.clone());
        m.user = Some(self.user.clone());
        m.password = Some(self.password.clone());
        if HEADERS {
            m.ex = Some(Ex {
                allow_insecure_auth: true,
                reply_to: Some(self.reply_to.clone()),
                headers: vec![self.header.clone()],
                ..Ex::default()
            });
        }
        m
    }
}

/// A port nothing listens on: if validation let a bad field through,
/// pfConnect runs (and the result is a connect error).
const NOWHERE: u16 = 9;

/// The fixture reaches pfConnect: a connect error from [`NOWHERE`].
fn connects(f: &Fields) {
    let c = call(&f.mail("x"), NOWHERE);
    assert_eq!(
        (c.result, c.connections),
        (IP_SMTPC_ERR_CONNECT, (1, 0)),
        "valid input goes as far as pfConnect"
    );
}

/// `field` set to `value` is refused with `error` before pfConnect.
fn refused(set: fn(&mut Fields, Vec<u8>), value: &[u8], error: c_int) {
    let mut f = Fields::default();
    connects(&f);
    set(&mut f, value.to_vec());
    let c = call(&f.mail("x"), NOWHERE);
    assert_eq!(c.result, error, "{value:?}: {}", error_text(c.result));
    assert_eq!(c.connections, (0, 0), "nothing connected");
    assert!(c.sent.is_empty(), "nothing sent");
    assert!(c.statuses.steps.is_empty(), "no step begun");
    if let Some(report) = c.report {
        assert_eq!(
            (report.result, report.step, report.reply_code),
            (error, IP_SMTPC_STEP_INPUT, 0)
        );
    }
}

/// The same with CR and LF inside an otherwise valid `base` value.
fn control_chars(set: fn(&mut Fields, Vec<u8>), base: &[u8], error: c_int, c: u8) {
    let mut value = base.to_vec();
    value.insert(base.len() / 2, c);
    refused(set, &value, error);
    // At the end too (a CR LF at the end is the classic injection).
    let mut value = base.to_vec();
    value.push(c);
    refused(set, &value, error);
}

macro_rules! control_cases {
    ($($(#[$attr:meta])* $name:ident: $field:ident, $base:expr, $error:expr;)+) => {
        mod control {
            use super::*;
            $(
                $(#[$attr])*
                mod $name {
                    use super::*;
                    fn set(f: &mut Fields, v: Vec<u8>) { f.$field = v; }
                    #[test] fn cr() { control_chars(set, $base, $error, b'\r'); }
                    #[test] fn lf() { control_chars(set, $base, $error, b'\n'); }
                }
            )+
        }
    };
}

control_cases! {
    sender: sender, b"dev@example.test", IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR;
    sender_name: sender_name, b"Device One", IP_SMTPC_ERR_INVALID_NAME;
    recipient: rcpt, b"alice@example.test", IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR;
    recipient_name: rcpt_name, b"Alice A.", IP_SMTPC_ERR_INVALID_NAME;
    subject: subject, b"Temperature alarm", IP_SMTPC_ERR_INVALID_SUBJECT;
    domain: domain, b"dev.example.test", IP_SMTPC_ERR_INVALID_DOMAIN;
    user: user, b"user@example.test", IP_SMTPC_ERR_INVALID_CREDENTIALS;
    password: password, b"pw-S3cret!", IP_SMTPC_ERR_INVALID_CREDENTIALS;
    #[cfg(all(feature = "headers", feature = "ex"))]
    reply_to: reply_to, b"desk@example.test", IP_SMTPC_ERR_INVALID_HEADER;
    #[cfg(all(feature = "headers", feature = "ex"))]
    extra_header: header, b"X-Device: sensor-7", IP_SMTPC_ERR_INVALID_HEADER;
    timezone: timezone, b"+0100", IP_SMTPC_ERR_INVALID_TIMEZONE;
}

#[test]
fn local_part_of_65_octets() {
    let address = format!("{}@example.test", "l".repeat(65));
    refused(
        |f, v| f.rcpt = v,
        address.as_bytes(),
        IP_SMTPC_ERR_ADDRESS_TOO_LONG,
    );
    // 64 is fine.
    connects(&Fields {
        rcpt: format!("{}@example.test", "l".repeat(64)).into_bytes(),
        ..Fields::default()
    });
}

#[test]
fn address_of_255_octets() {
    let address = format!(
        "l@{}.{}.{}.{}.test",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(56)
    );
    assert_eq!(address.len(), 255);
    refused(
        |f, v| f.sender = v,
        address.as_bytes(),
        IP_SMTPC_ERR_ADDRESS_TOO_LONG,
    );
}

#[test]
fn own_domain_of_256_octets() {
    let labels = [
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(63),
    ];
    let domain = labels.join(".");
    assert_eq!(domain.len(), 255);
    // 255 octets are allowed.
    connects(&Fields {
        domain: domain.clone().into_bytes(),
        ..Fields::default()
    });
    let longer = format!("{}.{}", &domain[..domain.len() - 2], "ee");
    assert_eq!(longer.len(), 256);
    refused(
        |f, v| f.domain = v,
        longer.as_bytes(),
        IP_SMTPC_ERR_INVALID_DOMAIN,
    );
}

cases! {
    address_without_at => refused(|f, v| f.rcpt = v, b"alice.example.test", IP_SMTPC_ERR_ADDRESS_SYNTAX);
    address_with_angle_bracket_injection => refused(|f, v| f.rcpt = v, b"a@b.test> SIZE=1", IP_SMTPC_ERR_ADDRESS_SYNTAX);
}

#[test]
fn empty_recipient_list_is_refused_before_connecting() {
    // Only the sender entry.
    let mut m = mail(vec![], b"x");
    m.subject = Some(b"s".to_vec());
    let c = call(&m, NOWHERE);
    assert_eq!(c.result, IP_SMTPC_ERR_NO_RECIPIENT);
    assert_eq!(c.connections, (0, 0));
    assert!(c.sent.is_empty() && c.statuses.steps.is_empty());
}

/// The control for the input cases: the same fixture through the same C
/// hooks reaches a real server, and every field arrives as given.
#[test]
fn input_fixture_goes_through_the_c_api() {
    let headers = if HEADERS {
        "data-contains \"Reply-To: <desk@example.test>\\r\\n\"\n\
         data-contains \"X-Device: sensor-7\\r\\n\"\n"
    } else {
        ""
    };
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 AUTH PLAIN\\r\\n\"\nauth-check-plain \"{USER}\" \"{PASSWORD}\"\n\
         send \"235 ok\\r\\n\"\n{}expect-data strict\n\
         data-contains \"From: \\\"Device\\\" <dev@example.test>\\r\\n\"\n\
         data-contains \"To: \\\"Alice\\\" <alice@example.test>\\r\\n\"\n\
         data-contains \"Subject: Hostile\\r\\n\"\n{headers}\
         data-contains \"\\r\\n\\r\\nbody line\\r\\n..dot\\r\\n.\\r\\n\"\n\
         send \"250 ok\\r\\n\"\n{QUIT}",
        &ENVELOPE["send \"250 mx.example.test\\r\\n\"\n".len()..]
    );
    let o = exchange(&script, &Fields::default().mail("body line\n.dot\n"));
    o.check(0);
    assert_eq!(
        o.statuses.accepted,
        vec![(1, 250, "2.1.5 ok".to_string())],
        "one recipient accepted"
    );
    assert!(o.statuses.rejected.is_empty());
    assert_eq!(
        o.statuses.steps,
        [
            IP_SMTPC_STEP_CONNECT,
            IP_SMTPC_STEP_GREETING,
            IP_SMTPC_STEP_EHLO,
            IP_SMTPC_STEP_AUTH,
            IP_SMTPC_STEP_MAIL,
            IP_SMTPC_STEP_RCPT,
            IP_SMTPC_STEP_DATA,
            IP_SMTPC_STEP_END_OF_DATA,
            IP_SMTPC_STEP_QUIT,
            IP_SMTPC_STEP_DONE,
        ],
        "every step in order"
    );
}

/// Without quoted-printable (`mime`), a body with a line over 998 octets as
/// dot-stuffed is INVALID_BODY, with nothing connected.
fn body_refused(m: &Mail) {
    let c = call(m, NOWHERE);
    assert_eq!(
        c.result,
        IP_SMTPC_ERR_INVALID_BODY,
        "{}",
        error_text(c.result)
    );
    assert_eq!(c.connections, (0, 0), "nothing connected");
}

/// A body of one line of `len` octets starting with `first`: 7bit when the
/// line (dot-stuffed) fits in 998 octets, quoted-printable otherwise (refused
/// without `mime`).
fn line_limit(first: char, len: usize, seven_bit: bool) {
    let body = format!("{first}{}\n", "a".repeat(len - 1));
    let m = mail(vec![alice()], body.as_bytes());
    if !MIME && !seven_bit {
        body_refused(&m);
        return;
    }
    let script = accepting_lines("", LONG_LINES);
    let o = exchange(&script, &m);
    o.check(0);
    let stuffed = if first == '.' { "." } else { "" };
    if !MIME {
        assert_eq!(o.body(), format!("{stuffed}{}\r\n", &body[..len]));
        return;
    }
    for line in o.wire.split_inclusive("\r\n") {
        assert!(line.len() <= 1000, "a line of {} octets", line.len());
    }
    if seven_bit {
        assert!(o.message().contains("Content-Transfer-Encoding: 7bit\r\n"));
        assert_eq!(o.body(), format!("{stuffed}{}\r\n", &body[..len]));
    } else {
        assert!(o
            .message()
            .contains("Content-Transfer-Encoding: quoted-printable\r\n"));
    }
}

cases! {
    data_line_of_998_octets_goes_as_is => line_limit('a', 998, true);
    data_line_of_999_octets_is_encoded => line_limit('a', 999, false);
    data_line_of_997_octets_with_leading_dot_goes_as_is => line_limit('.', 997, true);
    data_line_of_998_octets_with_leading_dot_is_encoded => line_limit('.', 998, false);
}

/// The longest addresses with long display names and a 900-octet subject:
/// every header line stays within 998 octets (a fold after each mailbox).
/// A name that cannot fit on one line beside its address is refused before
/// connecting (folding such names into several encoded words is not built).
#[cfg(feature = "words")]
#[test]
fn longest_fields_keep_header_lines_within_998_octets() {
    let long_address = |c: char| {
        format!(
            "{}@{}.{}.{}.test",
            c.to_string().repeat(64),
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(56)
        )
    };
    let addresses: Vec<String> = "defghijklmnopqrstuvw".chars().map(long_address).collect();
    let name = "N".repeat(700);
    let spaced = "Word ".repeat(140);
    let rcpts: Vec<Party> = addresses
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let kind = if i < 15 {
                SMTPC_REC_TYPE_TO
            } else {
                SMTPC_REC_TYPE_CC
            };
            let n = if i % 2 == 0 { &name } else { spaced.trim_end() };
            Party::new(a, n, kind)
        })
        .collect();
    let mut m = mail(rcpts, b"x\r\n");
    m.subject = Some("S".repeat(900).into_bytes());
    m.sender.name = Some(name.clone().into_bytes());
    let mut script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n\"\n"
    );
    for a in &addresses {
        script.push_str(&format!(
            "expect-exact \"RCPT TO:<{a}>\"\nsend \"250 ok\\r\\n\"\n"
        ));
    }
    script.push_str(&format!(
        "expect-exact \"DATA\"\nsend \"354 go\\r\\n\"\nexpect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}"
    ));
    let o = exchange(&script, &m);
    o.check(0);
    for line in o.wire.split_inclusive("\r\n") {
        assert!(
            line.len() <= 1000,
            "a line of {} octets: {line:?}",
            line.len()
        );
    }
    for a in &addresses {
        assert!(o.message().contains(a.as_str()), "{a} in To/Cc");
    }

    // Without `fold` a name must share its line with the address; with it
    // a run without a space must fit a line of its own (989 characters).
    let run = if cfg!(feature = "fold") { 990 } else { 900 };
    let mut m = mail(
        vec![Party::new(
            &addresses[0],
            &"N".repeat(run),
            SMTPC_REC_TYPE_TO,
        )],
        b"x\r\n",
    );
    m.sender.name = None;
    let c = call(&m, NOWHERE);
    assert_eq!(
        c.result,
        IP_SMTPC_ERR_INVALID_NAME,
        "{}",
        error_text(c.result)
    );
    assert_eq!(c.connections, (0, 0), "nothing connected");
}

#[cfg(feature = "size")]
#[test]
fn size_limit_equal_to_the_message_is_accepted_one_less_is_not() {
    let m = mail(vec![alice()], b"measure me\r\n");
    let with_size = |limit: u64| {
        format!(
            "{GREET}send \"250-mx\\r\\n250 SIZE {limit}\\r\\n\"\n\
             expect \"MAIL FROM:<dev@example.test> SIZE=\"\nsend \"250 ok\\r\\n\"\n\
             expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
             send \"354 go\\r\\n\"\nexpect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}"
        )
    };
    let o = exchange(&with_size(1_000_000), &m);
    o.check(0);
    let size = o.message().len();
    assert!(o
        .wire
        .contains(&format!("MAIL FROM:<dev@example.test> SIZE={size}\r\n")));
    let o = exchange(&with_size(size as u64), &m);
    o.check(0);
    let script = format!(
        "{GREET}send \"250-mx\\r\\n250 SIZE {}\\r\\n\"\n{QUIT}",
        size - 1
    );
    let o = exchange(&script, &m);
    o.check_wire(IP_SMTPC_ERR_MESSAGE_TOO_BIG, &format!("{EHLO}QUIT\r\n"));
}

#[test]
fn single_line_ehlo_reply_announces_nothing() {
    // The first line of the EHLO reply is the server's name, not a keyword.
    let script = format!("{GREET}send \"250 AUTH PLAIN\\r\\n\"\n{QUIT}");
    let o = simple(&script, auth);
    o.check_wire(IP_SMTPC_ERR_AUTH_NOT_SUPPORTED, &format!("{EHLO}QUIT\r\n"));
}

/// RFC 5321 §4.2: a reply line ends in CR LF. A server that ends them in
/// a bare LF is out of the protocol: nothing more is sent to it, not even
/// QUIT.
#[test]
fn replies_ending_in_bare_lf_are_refused() {
    let script = "send \"220 mx\\n\"\nexpect-eof\n";
    let o = simple(script, anonymous);
    o.check_wire(IP_SMTPC_ERR_REPLY_SYNTAX, "");
}

#[test]
fn service_closing_after_some_recipients_were_accepted() {
    let script = format!(
        "{GREET}send \"250 mx\\r\\n\"\nexpect-exact \"MAIL FROM:<dev@example.test>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<bob@example.test>\"\nsend \"421 4.4.5 too busy\\r\\n\"\nexpect-eof\n"
    );
    let m = mail(three(), b"x\r\n");
    let o = exchange(&script, &m);
    o.check_wire(
        IP_SMTPC_ERR_SERVICE_CLOSING,
        &format!("{EHLO}{MAIL}{RCPT}RCPT TO:<bob@example.test>\r\n"),
    );
}

/// After the 250 to the final dot, `after` is what the server does with
/// QUIT: the message was accepted, whatever it is.
fn after_acceptance(after: &str) {
    let script =
        format!("{GREET}{ENVELOPE}expect-data strict\nsend \"250 2.0.0 queued\\r\\n\"\n{after}");
    let o = simple(&script, timed(1000));
    o.check(0);
    assert_eq!(o.wire.matches("\r\n.\r\n").count(), 1);
}

cases! {
    quit_never_answered_is_still_success => after_acceptance("expect-exact \"QUIT\"\nexpect-nothing 8000\n");
    connection_closed_instead_of_221_is_still_success => after_acceptance("expect-exact \"QUIT\"\nclose\n");
}

/// Anything but a 221 in answer to QUIT, after the dot's 2xx, means replies
/// and commands were out of step: that 2xx may not have been the dot's.
fn after_acceptance_doubted(quit_step: &str) {
    let script = format!(
        "{GREET}{ENVELOPE}expect-data strict\nsend \"250 2.0.0 queued\\r\\n\"\n{quit_step}"
    );
    let o = simple(&script, anonymous);
    o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
}

cases! {
    quit_answered_with_an_error_is_outcome_unknown => after_acceptance_doubted("expect-exact \"QUIT\"\nsend \"500 what\\r\\n\"\nexpect-eof\n");
    quit_answered_with_5xx_is_outcome_unknown => after_acceptance_doubted("expect-exact \"QUIT\"\nsend \"554 5.5.0 no such command\\r\\n\"\nexpect-eof\n");
    quit_answered_with_garbage_is_outcome_unknown => after_acceptance_doubted("expect-exact \"QUIT\"\nsend \"garbage\\r\\n\"\nexpect-eof\n");
}

/// A malformed reply to the final dot: the server may have taken the
/// message, so the outcome is unknown (not a failure, not a success).
fn malformed_after_dot(reply: &str) {
    let script = format!("{}{reply}\nexpect-eof\n", until(Cut::Dot));
    let o = simple(&script, auth);
    o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    assert_wire_through(&o, Cut::Dot);
}

cases! {
    garbage_reply_to_final_dot_is_outcome_unknown => malformed_after_dot("send \"OK, queued\\r\\n\"");
    endless_reply_to_final_dot_is_outcome_unknown => malformed_after_dot("send-repeat \"250-queued\\r\\n\" 1000000");
    over_long_reply_to_final_dot_is_outcome_unknown => malformed_after_dot("send \"250 \"\nsend-repeat \"q\" 100000");
}

/// One byte per pfSend (short counts: the library sends the rest) and per
/// pfReceive (every reply split everywhere) changes nothing on the wire.
#[test]
fn one_byte_sends_and_receives_give_the_same_wire() {
    let body = b".leading dot\nline two\r\n.\n";
    let (ehlo, mail_from) = if SIZE {
        (
            "250-mx\\r\\n250 SIZE 99999\\r\\n",
            "expect \"MAIL FROM:<dev@example.test> SIZE=\"",
        )
    } else {
        (
            "250-mx\\r\\n250 PIPELINING\\r\\n",
            "expect-exact \"MAIL FROM:<dev@example.test>\"",
        )
    };
    let script = format!(
        "send \"220 mx\\r\\n\"\nexpect-exact \"EHLO dev.example.test\"\nsend \"{ehlo}\"\n\
         {mail_from}\nsend \"250 ok\\r\\n\"\n\
         expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\n\
         send \"354 go\\r\\n\"\nexpect-data strict\nsend \"250 ok\\r\\n\"\n{QUIT}"
    );
    let mut m = mail(vec![alice()], body);
    let reference = exchange(&script, &m);
    reference.check(0);
    assert_eq!(reference.body(), "..leading dot\r\nline two\r\n..\r\n");
    m.chunks = (1, 1);
    let tiny = exchange(&script, &m);
    tiny.check(0);
    assert_eq!(tiny.wire, reference.wire);
    assert_eq!(tiny.sent, reference.sent);
    assert_eq!(tiny.statuses.steps, reference.statuses.steps);
}

// ---------------------------------------------------------------------------
// Replies out of step with the commands (issue 11, item 5)
// ---------------------------------------------------------------------------

#[test]
fn early_250_during_data_then_550_to_the_dot_is_outcome_unknown() {
    // The server "accepts" before it has read the message, then rejects the
    // real final dot. The client reads the early 250 as the dot's reply; the
    // 550 then arrives with it (surplus after the reply) or as the reply to
    // QUIT. Either way it must not report success.
    let script = format!(
        "{GREET}{ENVELOPE}expect \"From:\"\nsend \"250 2.0.0 early\\r\\n\"\nexpect-data strict\n\
         send \"550 5.7.1 rejected as spam\\r\\n\"\nexpect-quit-or-eof\n"
    );
    let o = simple(&script, anonymous);
    o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
}

#[test]
fn quit_answered_with_221_after_success_stays_success() {
    let script =
        format!("{GREET}{ENVELOPE}expect-data strict\nsend \"250 2.0.0 queued\\r\\n\"\n{QUIT}");
    simple(&script, anonymous).check(0);
}

/// Two replies in one read after the final dot: the first cannot be trusted
/// to be the dot's, so the client gives up without QUIT.
fn surplus_after_dot(replies: &str) {
    let script = format!(
        "{GREET}{ENVELOPE}expect-data strict\nsend \"250 2.0.0 queued\\r\\n{replies}\"\nexpect-eof\n"
    );
    let o = simple(&script, anonymous);
    o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    assert!(o.wire.ends_with("\r\n.\r\n") && !o.wire.contains("QUIT"));
}

cases! {
    surplus_550_after_the_dots_250_is_outcome_unknown => surplus_after_dot("550 5.7.1 rejected\\r\\n");
    unsolicited_221_after_the_dots_250_is_outcome_unknown => surplus_after_dot("221 bye\\r\\n");
}

// ---------------------------------------------------------------------------
// A complete message given by the caller (IP_SMTPC_OPTIONS.RawMessage)
// ---------------------------------------------------------------------------

/// The options of every raw case: `RawMessage` 1, no subject (it belongs
/// in the message), the message static or streamed through `pBody`.
#[cfg(all(feature = "raw", feature = "ex"))]
fn raw(message: &[u8], streamed: bool) -> Mail {
    let mut m = mail(vec![alice()], if streamed { b"" } else { message });
    m.subject = None;
    m.ex = Some(Ex {
        raw_message: 1,
        body_stream: streamed.then(|| message.to_vec()),
        ..Ex::default()
    });
    m
}

/// No generated header: the wire carries the caller's bytes, dot-stuffed,
/// CR LF only, one end-of-data line, even for a smuggled end of data.
#[cfg(all(feature = "raw", feature = "ex"))]
#[test]
fn raw_message_goes_out_as_given_and_cannot_smuggle() {
    let message = b"From: <dev@example.test>\nTo: <alice@example.test>\r\nSubject: raw\r\n\r\n.lead\ra\n.\r\nMAIL FROM:<evil@example.test>\r\n";
    let script = accepting("data-not-contains \"MIME-Version\"\n");
    let o = exchange(&script, &raw(message, false));
    o.check(0);
    assert_eq!(
        o.message(),
        "From: <dev@example.test>\r\nTo: <alice@example.test>\r\nSubject: raw\r\n\r\n..lead\r\na\r\n..\r\nMAIL FROM:<evil@example.test>\r\n"
    );
    assert_eq!(o.wire.matches("\r\n.\r\n").count(), 1, "{:?}", o.wire);
}

/// 8-bit bytes: BODY=8BITMIME where offered; where not, QUIT before MAIL.
#[cfg(all(feature = "raw", feature = "ex"))]
#[test]
fn raw_eight_bit_message_needs_8bitmime() {
    let message = "From: <dev@example.test>\r\nSubject: Gr\u{fc}\u{df}e\r\n\r\nK\u{e4}se\r\n";
    let m = raw(message.as_bytes(), false);
    let offered = format!(
        "{GREET}send \"250-mx.example.test\\r\\n250 8BITMIME\\r\\n\"\n\
         expect-exact \"MAIL FROM:<dev@example.test> BODY=8BITMIME\"\n\
         send \"250 ok\\r\\n\"\nexpect-exact \"RCPT TO:<alice@example.test>\"\n\
         send \"250 ok\\r\\n\"\nexpect-exact \"DATA\"\nsend \"354 go\\r\\n\"\n\
         expect-data strict\nsend \"250 queued\\r\\n\"\n{QUIT}"
    );
    let o = exchange(&offered, &m);
    o.check(0);
    assert_eq!(o.message(), message);
    let refused = format!("{GREET}send \"250 mx.example.test\\r\\n\"\n{QUIT}");
    let o = exchange(&refused, &m);
    o.check(IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED);
    assert!(!o.wire.contains("MAIL FROM"), "{:?}", o.wire);
}

/// A static message with a line over 998 octets, and fields that belong in
/// the message, are refused before anything is connected.
#[cfg(all(feature = "raw", feature = "ex"))]
#[test]
fn raw_static_refusals_come_before_connecting() {
    let refused = |m: &Mail| {
        let c = call(m, NOWHERE);
        (c.result, c.connections.0, c.sent.len())
    };
    let long = [&b"Subject: x\r\n\r\n"[..], &[b'a'; 999], b"\r\n"].concat();
    assert_eq!(
        refused(&raw(&long, false)),
        (IP_SMTPC_ERR_INVALID_BODY, 0, 0)
    );
    let dotted = [&b"Subject: x\r\n\r\n."[..], &[b'a'; 997]].concat();
    assert_eq!(
        refused(&raw(&dotted, false)),
        (IP_SMTPC_ERR_INVALID_BODY, 0, 0)
    );
    let fine = b"Subject: x\r\n\r\nhi\r\n";
    let tweaks: [fn(&mut IP_SMTPC_OPTIONS, &mut IP_SMTPC_MESSAGE); 4] = [
        |_, m| m.sSubject = c"generated".as_ptr(),
        |o, _| o.sReplyTo = c"desk@example.test".as_ptr(),
        |_, m| m.sBoundary = c"b0undary".as_ptr(),
        |o, _| o.RawMessage = 2,
    ];
    for tweak in tweaks {
        let mut m = raw(fine, false);
        m.ex.as_mut().unwrap().tweak = Some(tweak);
        assert_eq!(refused(&m), (IP_SMTPC_ERR_INVALID_OPTIONS, 0, 0));
    }
}

/// A streamed message is cut off before the final dot at its first line
/// over 998 octets, and at its first 8-bit byte without 8BITMIME.
#[cfg(all(feature = "raw", feature = "ex"))]
#[test]
fn raw_streamed_unfit_message_is_abandoned_before_the_dot() {
    let long = [&b"Subject: x\r\n\r\n"[..], &[b'a'; 1500], b"\r\n"].concat();
    let eight = "Subject: x\r\n\r\nK\u{e4}se\r\n".as_bytes().to_vec();
    for (message, ehlo, mail, error) in [
        (
            long,
            "250-mx.example.test\\r\\n250 8BITMIME\\r\\n",
            "MAIL FROM:<dev@example.test> BODY=8BITMIME",
            IP_SMTPC_ERR_INVALID_BODY,
        ),
        (
            eight,
            "250 mx.example.test\\r\\n",
            "MAIL FROM:<dev@example.test>",
            IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED,
        ),
    ] {
        let script = format!(
            "{GREET}send \"{ehlo}\"\nexpect-exact \"{mail}\"\nsend \"250 ok\\r\\n\"\n\
             expect-exact \"RCPT TO:<alice@example.test>\"\nsend \"250 ok\\r\\n\"\n\
             expect-exact \"DATA\"\nsend \"354 go\\r\\n\"\ndrain\n"
        );
        let o = exchange(&script, &raw(&message, true));
        o.check(error);
        assert!(
            !o.wire.contains("\r\n.\r\n"),
            "no end of data: {:?}",
            o.wire
        );
        assert!(!o.wire.contains(&"a".repeat(999)), "no long line");
    }
}

// ---------------------------------------------------------------------------
// PIPELINING (RFC 2920, feature `pipelining`): the server reads MAIL, every
// RCPT and DATA before it answers any of them (a client waiting after each
// command would stall the script until its step timeout), then sends the
// replies as one group.
// ---------------------------------------------------------------------------

#[cfg(feature = "pipelining")]
mod pipelining {
    use super::*;

    const EHLO_PIPE: &str = r#"send "250-mx.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
"#;
    const GROUP: &str = r#"expect-exact "MAIL FROM:<dev@example.test>"
expect-exact "RCPT TO:<alice@example.test>"
expect-exact "RCPT TO:<bob@example.test>"
expect-exact "RCPT TO:<carol@example.test>"
expect-exact "DATA"
"#;
    const COMMANDS: &str = "MAIL FROM:<dev@example.test>\r\nRCPT TO:<alice@example.test>\r\n\
        RCPT TO:<bob@example.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n";

    fn three_recipients(script: &str) -> Outcome {
        exchange(script, &mail(three(), b"hello\r\n"))
    }

    fn group_replies(send: &str, replies: &str, rest: &str) -> Outcome {
        three_recipients(&format!(
            "{GREET}{EHLO_PIPE}{GROUP}{send} \"{replies}\"\n{rest}"
        ))
    }

    #[test]
    fn one_group_one_recipient_refused() {
        let replies =
            r"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no bob\r\n250 2.1.5 ok\r\n354 go\r\n";
        let rest = format!("expect-data strict\nsend \"250 2.0.0 queued\\r\\n\"\n{QUIT}");
        for send in ["send", "send-bytewise"] {
            let o = group_replies(send, replies, &rest);
            o.check(IP_SMTPC_ERR_PARTIAL_DELIVERY);
            assert!(
                o.wire.starts_with(&format!("{EHLO}{COMMANDS}From: ")),
                "{}",
                o.wire
            );
            assert!(o.wire.ends_with("\r\n.\r\nQUIT\r\n"));
            assert_eq!(o.body(), "hello\r\n");
            let accepted: Vec<_> = o.statuses.accepted.iter().map(|a| (a.0, a.1)).collect();
            assert_eq!(accepted, [(1, 250), (3, 250)]);
            assert_eq!(o.statuses.rejected, [(2, 550, "5.1.1 no bob".to_string())]);
            assert_eq!(o.statuses.steps, [1, 2, 3, 6, 7, 8, 9, 10, 11]);
        }
    }

    #[test]
    fn all_recipients_refused_data_refused() {
        let o = group_replies(
            "send",
            r"250 ok\r\n550 a\r\n550 b\r\n550 c\r\n554 5.5.1 no valid recipients\r\n",
            QUIT,
        );
        o.check_wire(
            IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED,
            &format!("{EHLO}{COMMANDS}QUIT\r\n"),
        );
        assert_eq!(o.statuses.rejected.len(), 3);
    }

    #[test]
    fn all_recipients_refused_but_354_gets_the_end_of_data_alone() {
        let o = group_replies(
            "send",
            r"250 ok\r\n550 a\r\n550 b\r\n550 c\r\n354 go\r\n",
            &format!("expect-exact \".\"\nsend \"554 5.5.1 no message\\r\\n\"\n{QUIT}"),
        );
        o.check_wire(
            IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED,
            &format!("{EHLO}{COMMANDS}.\r\nQUIT\r\n"),
        );
    }

    #[test]
    fn sender_refused_then_quit_only() {
        let o = group_replies(
            "send",
            r"550 5.7.1 not you\r\n503 a\r\n503 b\r\n503 c\r\n503 5.5.1 no valid recipients\r\n",
            QUIT,
        );
        o.check_wire(
            IP_SMTPC_ERR_SENDER_REJECTED,
            &format!("{EHLO}{COMMANDS}QUIT\r\n"),
        );
        // The RCPT replies after the refused MAIL are no recipient results
        // (without pipelining those RCPT are never sent).
        assert!(o.statuses.accepted.is_empty() && o.statuses.rejected.is_empty());
    }

    #[test]
    fn data_refused_then_quit_only() {
        let o = group_replies(
            "send",
            r"250 ok\r\n250 a\r\n250 b\r\n250 c\r\n451 4.3.0 later\r\n",
            QUIT,
        );
        o.check_wire(
            IP_SMTPC_ERR_DATA_REJECTED,
            &format!("{EHLO}{COMMANDS}QUIT\r\n"),
        );
        assert_eq!(o.statuses.accepted.len(), 3);
    }

    #[test]
    fn an_extra_reply_in_the_group_sends_no_message() {
        let o = group_replies(
            "send",
            r"250 ok\r\n250 a\r\n250 b\r\n250 c\r\n354 go\r\n250 2.0.0 queued already\r\n",
            "expect-eof\n",
        );
        o.check_wire(IP_SMTPC_ERR_UNEXPECTED_REPLY, &format!("{EHLO}{COMMANDS}"));
    }

    #[test]
    fn a_missing_reply_is_never_a_success() {
        // Four replies for five commands: 354 counts as carol's (refused)
        // and DATA's never comes: the port's receive times out.
        let script = format!(
            "{GREET}{EHLO_PIPE}{GROUP}send \"250 ok\\r\\n250 a\\r\\n250 b\\r\\n354 go\\r\\n\"\nexpect-nothing 8000\n"
        );
        let mut m = mail(three(), b"hello\r\n");
        timed(700)(&mut m);
        let o = exchange(&script, &m);
        o.check_wire(IP_SMTPC_ERR_TIMEOUT, &format!("{EHLO}{COMMANDS}"));
        assert_eq!(o.statuses.rejected, [(3, 354, "go".to_string())]);
    }

    #[test]
    fn a_421_in_the_group_closes_at_once() {
        let o = group_replies(
            "send",
            r"250 ok\r\n421 4.3.2 going down\r\n",
            "expect-eof\n",
        );
        o.check_wire(IP_SMTPC_ERR_SERVICE_CLOSING, &format!("{EHLO}{COMMANDS}"));
    }
}

// ---------------------------------------------------------------------------
// CHUNKING (RFC 3030, feature `chunking`): with PIPELINING and CHUNKING
// offered, MAIL, every RCPT, `BDAT <n> LAST`, the message and QUIT go
// before any reply; the server reads all of it, then answers as a group.
// ---------------------------------------------------------------------------

#[cfg(feature = "chunking")]
mod chunking {
    use super::*;

    const EHLO_CHUNKING: &str = r#"send "250-mx.example.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"
"#;
    const GROUP: &str = r#"expect-exact "MAIL FROM:<dev@example.test>"
expect-exact "RCPT TO:<alice@example.test>"
expect-exact "RCPT TO:<bob@example.test>"
expect-exact "RCPT TO:<carol@example.test>"
expect-bdat
data-contains "\r\n\r\n.dot\r\nhello\r\n"
"#;
    /// The QUIT written with the chunk, answered.
    const QUIT_AFTER: &str = r#"expect-exact "QUIT"
"#;
    const BYE: &str = r#"send "221 2.0.0 bye\r\n"
expect-eof
"#;
    const COMMANDS: &str = "MAIL FROM:<dev@example.test>\r\nRCPT TO:<alice@example.test>\r\n\
        RCPT TO:<bob@example.test>\r\nRCPT TO:<carol@example.test>\r\n";

    /// Three recipients; the server reads the group, then sends `send
    /// "replies"` (the replies to MAIL, the RCPTs and BDAT), then `rest`.
    fn group_replies(send: &str, replies: &str, rest: &str) -> Outcome {
        exchange(
            &format!("{GREET}{EHLO_CHUNKING}{GROUP}{QUIT_AFTER}{send} \"{replies}\"\n{rest}"),
            &mail(three(), b".dot\nhello\r\n"),
        )
    }

    #[test]
    fn one_group_with_the_chunk_and_quit() {
        let o = group_replies(
            "send",
            r"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no bob\r\n250 2.1.5 ok\r\n250 2.0.0 queued\r\n",
            BYE,
        );
        o.check(IP_SMTPC_ERR_PARTIAL_DELIVERY);
        let message = o.message();
        assert!(
            o.wire.starts_with(&format!(
                "{EHLO}{COMMANDS}BDAT {} LAST\r\n{message}QUIT\r\n",
                message.len()
            )),
            "{}",
            o.wire
        );
        assert!(
            o.wire.ends_with("\r\n.dot\r\nhello\r\nQUIT\r\n"),
            "not stuffed"
        );
        let accepted: Vec<_> = o.statuses.accepted.iter().map(|a| (a.0, a.1)).collect();
        assert_eq!(accepted, [(1, 250), (3, 250)]);
        assert_eq!(o.statuses.rejected, [(2, 550, "5.1.1 no bob".to_string())]);
        assert_eq!(o.statuses.steps, [1, 2, 3, 6, 7, 8, 10, 11]);
    }

    #[test]
    fn replies_split_at_every_byte() {
        let replies = r"250 ok\r\n250 a\r\n250 b\r\n250 c\r\n250 queued\r\n";
        let length = replies.replace(r"\r\n", "--").len();
        for split in 1..length {
            let o = exchange(
                &format!(
                    "{GREET}{EHLO_CHUNKING}{GROUP}{QUIT_AFTER}send-split \"{replies}\" {split} 5\n{BYE}"
                ),
                &mail(three(), b".dot\nhello\r\n"),
            );
            o.check(0);
        }
    }

    #[test]
    fn refusals_of_the_chunk() {
        for (reply, code) in [
            (r"554 5.6.0 no", IP_SMTPC_ERR_MESSAGE_REJECTED),
            (r"552 5.3.4 too big", IP_SMTPC_ERR_MESSAGE_TOO_BIG),
            (r"452 4.3.1 later", IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE),
        ] {
            let o = group_replies(
                "send",
                &format!(r"250 ok\r\n250 a\r\n250 b\r\n250 c\r\n{reply}\r\n"),
                BYE,
            );
            o.check(code);
        }
    }

    #[test]
    fn all_recipients_refused_the_chunk_still_goes() {
        let o = group_replies(
            "send",
            r"250 ok\r\n550 a\r\n550 b\r\n550 c\r\n554 5.5.1 no valid recipients\r\n",
            BYE,
        );
        o.check(IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED);
        assert_eq!(o.statuses.rejected.len(), 3);
        // Even a 250 to the chunk is no success then.
        let o = group_replies(
            "send",
            r"250 ok\r\n550 a\r\n550 b\r\n550 c\r\n250 ok\r\n",
            BYE,
        );
        o.check(IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED);
    }

    #[test]
    fn an_extra_reply_is_never_a_success() {
        // The extra 250 is taken as the chunk's; the real one then as
        // QUIT's, out of step: the outcome is unknown.
        let o = group_replies(
            "send",
            r"250 ok\r\n250 extra\r\n250 a\r\n250 b\r\n250 c\r\n250 queued\r\n",
            BYE,
        );
        assert_ne!(o.result, 0, "{}", o.log);
        o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    }

    #[test]
    fn a_missing_reply_is_never_a_success() {
        // Four replies for five commands: the 250 meant for the chunk is
        // taken as carol's; the chunk's never comes: the whole chunk went
        // out, so the outcome is unknown.
        let script = format!(
            "{GREET}{EHLO_CHUNKING}{GROUP}{QUIT_AFTER}send \"250 ok\\r\\n250 a\\r\\n250 b\\r\\n250 queued\\r\\n\"\nexpect-nothing 8000\n"
        );
        let mut m = mail(three(), b".dot\nhello\r\n");
        timed(700)(&mut m);
        let o = exchange(&script, &m);
        o.check(IP_SMTPC_ERR_OUTCOME_UNKNOWN);
    }

    #[test]
    fn a_421_instead_of_the_chunks_reply() {
        let o = group_replies(
            "send",
            r"250 ok\r\n250 a\r\n250 b\r\n250 c\r\n421 4.3.2 going down\r\n",
            "expect-eof\n",
        );
        o.check(IP_SMTPC_ERR_SERVICE_CLOSING);
    }
}
