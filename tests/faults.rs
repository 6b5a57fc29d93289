// SPDX-License-Identifier: MIT OR Apache-2.0
//! Connection faults between the library (through its C API,
//! `IP_SMTPC_Send` over socket hooks on a std `TcpStream`) and the real
//! Postfix test bed.
//!
//! `tests/fault_proxy.py` sits between the client and Postfix's plain port
//! and cuts the connection (FIN or RST toward the client) at one protocol
//! step: before a reply is forwarded, after a command that is not
//! forwarded, or in the middle of the message content. For every cut point
//! one mail with a unique subject goes through the proxy, and then:
//!
//! * the client never returns 0 unless the 250 that answers the final dot
//!   reached it;
//! * a cut before the message content is the transport error
//!   `IP_SMTPC_ERR_RECEIVE`, and nothing is delivered;
//! * a cut during the content is `IP_SMTPC_ERR_SEND` when a write failed,
//!   else `IP_SMTPC_ERR_OUTCOME_UNKNOWN` (the whole content and its final
//!   dot went out); nothing is delivered, since the server never got the
//!   final dot;
//! * a cut after the final dot and before its complete reply is
//!   `IP_SMTPC_ERR_OUTCOME_UNKNOWN`, whether or not the server has the mail
//!   (the output says whether it arrived; it arrives at most once);
//! * a cut at QUIT's reply still returns 0, and the mail arrives exactly
//!   once, byte for byte as sent;
//! * a reply that simply never comes (the proxy stalls; the socket's read
//!   timeout makes `pfReceive` return `IP_SMTPC_ERR_TIMEOUT`) ends the same
//!   way, with `IP_SMTPC_ERR_TIMEOUT` in place of `IP_SMTPC_ERR_RECEIVE`.
//!
//! A control run through a proxy that cuts nothing must deliver the mail
//! intact, so the proxy itself is known not to change anything.
//!
//! Ignored by default like every test bed test; `scripts/test` starts the
//! bed and runs `cargo test -- --include-ignored`.

#[path = "support/suites_capi.rs"]
mod capi;
#[path = "support/maildir.rs"]
mod maildir;
mod support;

use std::collections::HashSet;
use std::ffi::c_int;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use capi::{
    code_name, fat, party, send as c_send, Link, Mail, Mta, IP_SMTPC_ERR_OUTCOME_UNKNOWN,
    IP_SMTPC_ERR_RECEIVE, IP_SMTPC_ERR_SEND, IP_SMTPC_ERR_TIMEOUT, SMTPC_REC_TYPE_FROM,
    SMTPC_REC_TYPE_TO,
};
use maildir::{contains, sent_message, strip_trace, token, Mailbox, Testbed};
use support::{root, take_stderr};
const DOMAIN: &str = "ip-smtpc.test";
const SENDER: &[u8] = b"sender@ip-smtpc.test";
/// The mailbox only these tests use (scripts/testbed/maps/vmailbox).
const FAULTS: &[u8] = b"faults@ip-smtpc.test";
const FAULTS_MAILBOX: &str = "faults";
/// After a barrier message arrived, how much longer to wait before calling
/// a message absent.
const SETTLE: Duration = Duration::from_secs(1);

fn bed() -> Testbed {
    let tb = Testbed::load();
    assert_eq!(
        tb.domain, DOMAIN,
        "these tests expect the bed's domain {DOMAIN}"
    );
    assert_eq!(tb.host, "127.0.0.1", "these tests connect to loopback only");
    tb
}

/// How the proxy cuts toward the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The client reads EOF (its writes still succeed).
    Fin,
    /// The client gets a TCP reset.
    Rst,
    /// Nothing more comes; the connection stays open.
    Stall,
}

impl Mode {
    fn arg(self) -> &'static str {
        match self {
            Mode::Fin => "fin",
            Mode::Rst => "rst",
            Mode::Stall => "stall",
        }
    }
}

const CLOSING: [Mode; 2] = [Mode::Fin, Mode::Rst];

/// The client's read timeout in the stall runs (elsewhere 10 s).
const STALL_READ_TIMEOUT: Duration = Duration::from_millis(1500);

/// A running `tests/fault_proxy.py`.
struct FaultProxy {
    child: Child,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

/// How the proxy ended.
struct ProxyEnd {
    code: i32,
    /// Its stdout after the PORT line: "CUT ..." or "NOCUT ...".
    verdict: String,
    /// Its stderr: the dialogue it saw.
    log: String,
}

impl FaultProxy {
    fn start(upstream: u16, cut: &str, mode: Mode, partial: usize) -> FaultProxy {
        let mut child = Command::new("python3")
            .arg(root().join("tests/fault_proxy.py"))
            .args(["--upstream-port", &upstream.to_string()])
            .args(["--cut", cut, "--mode", mode.arg()])
            .args(["--partial", &partial.to_string()])
            .args(["--timeout", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 tests/fault_proxy.py");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .unwrap_or_else(|| panic!("fault_proxy.py printed no PORT line: {line:?}"))
            .parse()
            .unwrap();
        FaultProxy {
            child,
            stdout,
            port,
        }
    }

    fn finish(mut self) -> ProxyEnd {
        let status = self.child.wait().unwrap();
        let mut verdict = String::new();
        self.stdout.read_to_string(&mut verdict).unwrap();
        let log = take_stderr(&mut self.child);
        ProxyEnd {
            code: status.code().unwrap_or(-1),
            verdict: verdict.trim().to_string(),
            log,
        }
    }
}

/// What the client should report for a cut point.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Cut before the message content: exactly this `IP_SMTPC_ERR_*`;
    /// nothing delivered.
    BeforeContent(c_int),
    /// Cut while the content goes out: `IP_SMTPC_ERR_SEND` if a write
    /// failed, else `IP_SMTPC_ERR_OUTCOME_UNKNOWN`; nothing delivered (the
    /// server never got the dot).
    InContent,
    /// The final dot went out, its complete reply never came back:
    /// `IP_SMTPC_ERR_OUTCOME_UNKNOWN`. `server_got_dot`: the proxy
    /// forwarded the dot.
    AfterDot { server_got_dot: bool },
    /// The 250 after the final dot came back: 0; delivered once.
    Accepted,
}

struct Case {
    cut: &'static str,
    partial: usize,
    expect: Expect,
}

const fn case(cut: &'static str, partial: usize, expect: Expect) -> Case {
    Case {
        cut,
        partial,
        expect,
    }
}

/// One run through the proxy.
struct Run {
    label: String,
    subject: String,
    /// What `IP_SMTPC_Send` returned.
    result: c_int,
    sent: Vec<u8>,
    proxy: ProxyEnd,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "{}: client {} ({})\n--- client sent ---\n{}\n--- proxy ({}, exit {}) ---\n{}",
            self.label,
            self.result,
            code_name(self.result),
            String::from_utf8_lossy(&self.sent),
            self.proxy.verdict,
            self.proxy.code,
            self.proxy.log
        )
    }

    /// The message as the client sent it, when its content went out completely.
    fn message(&self) -> Option<Vec<u8>> {
        sent_message(&self.sent)
    }
}

/// A body of about `len` octets with leading dots and lone "." lines, so
/// the proxy's end-of-data detection is exercised too.
fn body(len: usize) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(b".\r\n..\r\n. leading dot\r\n");
    let mut n = 0;
    while body.len() < len {
        body.extend_from_slice(
            format!("{n:05} The quick brown fox jumps over the lazy dog.\r\n").as_bytes(),
        );
        if n % 50 == 0 {
            body.extend_from_slice(b".\r\n");
        }
        n += 1;
    }
    body
}

/// Sends one mail to 127.0.0.1:`port` with `IP_SMTPC_Send`;
/// `read_timeout` overrides the socket's 10 s read timeout. Returns the
/// result and every byte the hooks sent successfully.
fn send(port: u16, subject: &str, body: &[u8], read_timeout: Option<Duration>) -> (c_int, Vec<u8>) {
    let mail = Mail {
        sender: party(SENDER, b"Test Device", SMTPC_REC_TYPE_FROM),
        recipients: vec![party(FAULTS, b"Fault Test", SMTPC_REC_TYPE_TO)],
        subject: Some(subject.as_bytes().to_vec()),
        body: body.to_vec(),
        date: Some(fat(2026, 11, 29, 8, 0, 0)),
        timezone: "+0100",
        domain: b"client.ip-smtpc.test".to_vec(),
    };
    let mut link = Link::to(port);
    if let Some(timeout) = read_timeout {
        link.read_timeout = timeout;
    }
    let outcome = c_send(link, &mail, &Mta::default());
    assert_eq!(
        outcome.connections,
        (1, 1),
        "pfConnect / pfDisconnect calls"
    );
    (outcome.code, outcome.sent)
}

/// Sends one mail through a proxy that cuts at `case`; checks what the
/// client reported against what the proxy did.
fn run_case(port: u16, case: &Case, mode: Mode, body: &[u8]) -> Run {
    let mut label = case.cut.to_string();
    if case.partial > 0 {
        label += &format!(" --partial {}", case.partial);
    }
    label += &format!(" ({}", mode.arg());
    if body.len() > 2 * BODY_LEN {
        label += &format!(", {} KB body", body.len() / 1000);
    }
    label += ")";
    let subject = token(&format!(
        "fault-{}-{}-{}",
        case.cut.replace([':', '#'], "-"),
        case.partial,
        mode.arg()
    ));
    let proxy = FaultProxy::start(port, case.cut, mode, case.partial);
    let read_timeout = (mode == Mode::Stall).then_some(STALL_READ_TIMEOUT);
    let (result, sent) = send(proxy.port, &subject, body, read_timeout);
    let run = Run {
        label,
        subject,
        result,
        sent,
        proxy: proxy.finish(),
    };
    // The proxy really cut where asked (or, for "none", passed everything).
    assert_eq!(run.proxy.code, 0, "the proxy failed\n{}", run.context());
    if case.cut == "none" {
        assert_eq!(run.proxy.verdict, "", "{}", run.context());
    } else {
        assert!(
            run.proxy.verdict.starts_with("CUT "),
            "the proxy did not cut\n{}",
            run.context()
        );
    }

    let content_out = run.message().is_some();
    match case.expect {
        Expect::BeforeContent(error) => {
            assert_eq!(code_name(run.result), code_name(error), "{}", run.context());
            assert!(!content_out, "content sent\n{}", run.context());
        }
        Expect::InContent => {
            // Which of the two depends on whether the reset came while the
            // client was still writing; the client's own record decides.
            let expected = if content_out {
                IP_SMTPC_ERR_OUTCOME_UNKNOWN
            } else {
                IP_SMTPC_ERR_SEND
            };
            assert_eq!(
                code_name(run.result),
                code_name(expected),
                "{}",
                run.context()
            );
            if mode == Mode::Fin {
                // After a FIN the proxy keeps reading: every write succeeds.
                assert!(content_out, "{}", run.context());
            }
        }
        Expect::AfterDot { .. } => {
            assert_eq!(
                code_name(run.result),
                code_name(IP_SMTPC_ERR_OUTCOME_UNKNOWN),
                "{}",
                run.context()
            );
            assert!(content_out, "{}", run.context());
        }
        Expect::Accepted => {
            assert_eq!(code_name(run.result), code_name(0), "{}", run.context());
            assert!(content_out, "{}", run.context());
        }
    }
    // Whatever the case: 0 only when the 250 for the final dot was passed
    // on to the client.
    if run.result == 0 {
        assert!(
            matches!(case.expect, Expect::Accepted),
            "0 without the 250 for the final dot\n{}",
            run.context()
        );
    }
    run
}

/// Waits until a message sent straight to Postfix (after every run) has
/// arrived, then [`SETTLE`] more: anything the runs made Postfix accept is
/// delivered by then. Returns the barrier message's subject.
fn settle(tb: &Testbed, mailbox: &Mailbox) -> String {
    let subject = token("fault-barrier");
    let (result, _) = send(tb.port_plain, &subject, b"barrier\r\n", None);
    assert_eq!(code_name(result), code_name(0), "barrier message");
    mailbox.wait_for(&subject);
    std::thread::sleep(SETTLE);
    subject
}

/// The usual body: 24 KB, so a cut in its middle is a cut in the content.
const BODY_LEN: usize = 24_000;

/// Where the message goes: by DATA (a port without CHUNKING) or as a
/// BDAT chunk (RFC 3030; the plain port offers CHUNKING).
#[derive(Clone, Copy, PartialEq)]
enum Path {
    Data,
    Bdat,
}

/// Runs every case in every mode with a body of about `body_len` octets,
/// then checks the Maildir and prints one line per run.
fn check_cases(cases: &[Case], modes: &[Mode], body_len: usize) {
    check_cases_on(Path::Data, cases, modes, body_len);
}

/// [`check_cases`] on the port of `path`.
fn check_cases_on(path: Path, cases: &[Case], modes: &[Mode], body_len: usize) {
    let tb = bed();
    let port = match path {
        Path::Data => tb.port_nochunking,
        Path::Bdat => tb.port_plain,
    };
    let mailbox = tb.mailbox(FAULTS_MAILBOX);
    let body = body(body_len);
    let mut runs = Vec::new();
    for case in cases {
        for &mode in modes {
            let run = run_case(port, case, mode, &body);
            assert_eq!(
                contains(&run.sent, b"\r\nBDAT "),
                path == Path::Bdat,
                "{}",
                run.context()
            );
            runs.push((case, run));
        }
    }
    let barrier = settle(&tb, &mailbox);
    // Every message these tests ever left in the mailbox, read once.
    let delivered = mailbox.scan_new(b"Subject: fault-", &mut HashSet::new());
    for (case, run) in &runs {
        let copies: Vec<Vec<u8>> = delivered
            .iter()
            .filter(|(_, raw)| contains(raw, run.subject.as_bytes()))
            .map(|(_, raw)| raw.clone())
            .collect();
        let arrived = match copies.len() {
            0 => "not delivered".to_string(),
            1 => "delivered once".to_string(),
            n => format!("delivered {n} times"),
        };
        println!(
            "{:<32} client {:<26} {arrived:<16} proxy: {}",
            run.label,
            code_name(run.result),
            run.proxy.verdict
        );
        let delivered_intact = |copies: &[Vec<u8>]| {
            let sent = run.message().expect("the content went out");
            for copy in copies {
                assert_eq!(
                    String::from_utf8_lossy(&strip_trace(copy)),
                    String::from_utf8_lossy(&sent),
                    "{}: the delivered copy differs from what was sent",
                    run.label
                );
            }
        };
        match case.expect {
            Expect::BeforeContent(_)
            | Expect::InContent
            | Expect::AfterDot {
                server_got_dot: false,
            } => assert!(
                copies.is_empty(),
                "delivered although the server never got the final dot\n{}",
                run.context()
            ),
            Expect::AfterDot {
                server_got_dot: true,
            } => {
                // Postfix has usually queued it: that is why the outcome is
                // unknown. It must not arrive twice.
                assert!(copies.len() <= 1, "{}", run.context());
                delivered_intact(&copies);
            }
            Expect::Accepted => {
                assert_eq!(copies.len(), 1, "{}", run.context());
                delivered_intact(&copies);
            }
        }
    }
    // Everything checked: remove this test's messages so the mailbox stays
    // small (on failure they stay for inspection).
    for (path, raw) in &delivered {
        let ours = contains(raw, barrier.as_bytes())
            || runs
                .iter()
                .any(|(_, run)| contains(raw, run.subject.as_bytes()));
        if ours {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn transparent_proxy_delivers_intact() {
    // The control run: the proxy itself changes nothing.
    check_cases(&[case("none", 0, Expect::Accepted)], &CLOSING, BODY_LEN);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn cut_before_the_content_is_a_receive_error() {
    let receive = Expect::BeforeContent(IP_SMTPC_ERR_RECEIVE);
    check_cases(
        &[
            case("reply:greeting", 0, receive),
            case("reply:greeting", 10, receive),
            case("reply:EHLO", 0, receive),
            // In the middle of the multi-line EHLO reply.
            case("reply:EHLO", 30, receive),
            case("command:MAIL", 0, receive),
            case("reply:MAIL", 0, receive),
            case("reply:MAIL", 6, receive),
            case("reply:RCPT", 0, receive),
            case("reply:DATA", 0, receive),
            case("reply:DATA", 4, receive),
        ],
        &CLOSING,
        BODY_LEN,
    );
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn cut_during_the_content_never_succeeds() {
    let cases = [
        case("content:1", 0, Expect::InContent),
        case("content:12000", 0, Expect::InContent),
    ];
    // 24 KB fit in the socket buffers: the client has usually written all
    // of it, final dot included, when the reset arrives (OUTCOME_UNKNOWN).
    check_cases(&cases, &CLOSING, BODY_LEN);
    // 2 MB do not: after a reset the client's next write usually fails (SEND).
    check_cases(&cases, &CLOSING, 2_000_000);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn cut_after_the_final_dot_is_outcome_unknown() {
    let withheld_dot = Expect::AfterDot {
        server_got_dot: false,
    };
    let withheld_reply = Expect::AfterDot {
        server_got_dot: true,
    };
    check_cases(
        &[
            // The dot never reaches Postfix: not delivered, still unknown to the client.
            case("command:DOT", 0, withheld_dot),
            // Postfix queued the mail; its 250 is lost (whole or in part).
            case("reply:DOT", 0, withheld_reply),
            case("reply:DOT", 3, withheld_reply),
            case("reply:DOT", 12, withheld_reply),
            // With PIPELINING (the bed offers it) QUIT goes with the dot: cut
            // there, the dot reached Postfix and its 250 never came back.
            // Without the feature QUIT follows the 250: the mail is sent.
            case(
                "command:QUIT",
                0,
                if cfg!(feature = "pipelining") {
                    withheld_reply
                } else {
                    Expect::Accepted
                },
            ),
        ],
        &CLOSING,
        BODY_LEN,
    );
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn cut_at_quit_still_succeeds() {
    check_cases(
        &[
            case("reply:QUIT", 0, Expect::Accepted),
            case("reply:QUIT", 4, Expect::Accepted),
        ],
        &CLOSING,
        BODY_LEN,
    );
}

#[cfg(feature = "chunking")]
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn bdat_chunk_cut_anywhere_never_succeeds_falsely() {
    // The envelope, the chunk and QUIT go in one group: the cuts that
    // matter are in the chunk, at its end and after it. (The proxy holds
    // the chunk's last two octets back as the "DOT".)
    check_cases_on(
        Path::Bdat,
        &[
            case("none", 0, Expect::Accepted),
            case("content:1", 0, Expect::InContent),
            case("content:12000", 0, Expect::InContent),
            case(
                "command:DOT",
                0,
                Expect::AfterDot {
                    server_got_dot: false,
                },
            ),
            case(
                "reply:DOT",
                0,
                Expect::AfterDot {
                    server_got_dot: true,
                },
            ),
            case(
                "reply:DOT",
                12,
                Expect::AfterDot {
                    server_got_dot: true,
                },
            ),
            case(
                "command:QUIT",
                0,
                Expect::AfterDot {
                    server_got_dot: true,
                },
            ),
            case("reply:QUIT", 0, Expect::Accepted),
        ],
        &CLOSING,
        BODY_LEN,
    );
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn stalled_reply_times_out_the_same_way() {
    // No FIN, no reset: the reply just never comes (the client's read
    // timeout ends the wait). Before the content that is TIMEOUT; after the
    // final dot it is OUTCOME_UNKNOWN again; at QUIT the mail stays sent.
    let timeout = Expect::BeforeContent(IP_SMTPC_ERR_TIMEOUT);
    check_cases(
        &[
            case("reply:greeting", 0, timeout),
            case("reply:RCPT", 5, timeout),
            case(
                "reply:DOT",
                0,
                Expect::AfterDot {
                    server_got_dot: true,
                },
            ),
            case("reply:QUIT", 0, Expect::Accepted),
        ],
        &[Mode::Stall],
        BODY_LEN,
    );
}
