// SPDX-License-Identifier: MIT OR Apache-2.0
//! PIPELINING (RFC 2920) and CHUNKING (RFC 3030) against the Postfix test
//! bed (scripts/testbed), through the C API (`IP_SMTPC_Send`, and
//! `IP_SMTPC_SendEx` for the report with the `ex` feature) over the socket
//! hooks of `support/c_tcp.rs`:
//!
//! - round trips, as the server counts them (greeting included), through
//!   `tests/rtt_proxy.py` (30 ms each way; it records both byte streams cut at
//!   every round trip) for 1, 3 and 100 recipients, with and without AUTH
//!   PLAIN, on a port with CHUNKING, one without (DATA) and one without
//!   PIPELINING; the expected counts are the one table [`ROUND_TRIPS`]. The
//!   wire: MAIL, every RCPT and DATA (or `BDAT <n> LAST` with the exact size
//!   and the message) in one burst, QUIT in the burst that ends the message;
//! - 1,000 recipients in one mail, SO_SNDBUF / SO_RCVBUF of 2 KiB (4 KiB
//!   once the kernel doubled them) on the client's socket, through the
//!   proxy with `--hold`: a server with small buffers that reads no further
//!   while its replies stay unread (Postfix on loopback never blocks, so it
//!   alone could not show the deadlock of RFC 2920 section 3.2; a test shows
//!   that the holding proxy does). Every recipient accepted and reported, no
//!   deadlock (a stall ends in the hooks' 30 s timeouts, not in a hang);
//! - rejected-recipient mixes (550, 450, 452, unknown user, in several
//!   orders, none accepted): each recipient's result exactly as Postfix
//!   replied, the result code, and the message in the accepted recipients'
//!   copies and nowhere else.
//!
//! Every delivery is checked byte for byte: the message the client sent
//! (the BDAT chunk, or the DATA content de-stuffed) equals each copy in the
//! Maildir once Postfix's trace fields are removed, one copy per accepted
//! recipient (X-Original-To), none for any other. Recipients are
//! `rtt-<token>-<i>@ip-smtpc.test`, which the test bed delivers into the one
//! Maildir `rtt` (scripts/testbed/maps/vmailbox_rtt).
//!
//! Ignored by default like every test bed test; `scripts/test` starts the
//! bed and runs them (`cargo test --test pipelining -- --include-ignored`).
#![cfg(feature = "pipelining")]

#[path = "support/c_tcp.rs"]
mod c_tcp;
#[path = "support/capi.rs"]
mod capi;
#[path = "support/maildir.rs"]
mod maildir;
mod support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use capi::{call, error_text, Call, Mail, Party};
use ip_smtpc::capi::*;
use maildir::{find, sent_message, strip_trace, token, trace_part, unstuff, Testbed};

/// Tests that need the test bed, `name => what it runs;`: ignored in a
/// plain `cargo test` like every test bed test.
macro_rules! bed_tests {
    ($($name:ident => $run:expr;)*) => {$(
        #[test]
        #[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
        fn $name() {
            $run;
        }
    )*};
}

// ---------------------------------------------------------------------------
// What is expected
// ---------------------------------------------------------------------------

/// How the message goes to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// PIPELINING offered: MAIL, every RCPT and DATA in one burst; the
    /// message, the final dot and QUIT in the next.
    Data,
    /// PIPELINING and CHUNKING offered, size known: MAIL, every RCPT,
    /// `BDAT <n> LAST`, the message and QUIT in one burst.
    Bdat,
    /// No PIPELINING: one command per round trip (the reference).
    Lockstep,
}

/// Round trips the server counts (greeting included) for one mail on a
/// plain connection: (path, with AUTH PLAIN, count). For `Data` and `Bdat`
/// the count holds for 1, 3 and 100 recipients alike; `Lockstep` adds one
/// per recipient. Data with AUTH: greeting, EHLO, AUTH, MAIL..DATA,
/// message + dot + QUIT. Bdat with AUTH: greeting, EHLO, AUTH,
/// MAIL..BDAT + message + QUIT. Lockstep with AUTH: greeting, EHLO, AUTH,
/// MAIL, (RCPT per recipient), DATA, message + dot, QUIT.
const ROUND_TRIPS: [(Path, bool, u32); 6] = [
    (Path::Data, true, 5),
    (Path::Data, false, 4),
    (Path::Bdat, true, 4),
    (Path::Bdat, false, 3),
    (Path::Lockstep, true, 7),
    (Path::Lockstep, false, 6),
];

/// The expected round trips for `n` recipients.
fn expected_round_trips(path: Path, auth: bool, n: usize) -> u32 {
    let base = ROUND_TRIPS
        .iter()
        .find(|(p, a, _)| *p == path && *a == auth)
        .map(|(_, _, count)| *count)
        .expect("every path is in the table");
    match path {
        Path::Lockstep => base + n as u32,
        Path::Data | Path::Bdat => base,
    }
}

/// Whether this build sends `BDAT` where the server offers CHUNKING (the
/// cargo feature `chunking`; without it the port with CHUNKING sees DATA).
const CHUNKING_BUILT: bool = cfg!(feature = "chunking");

/// Recipient counts of the round-trip cases.
const RECIPIENT_COUNTS: [usize; 3] = [1, 3, 100];

/// One-way delay of the counting proxy.
const DELAY_MS: u32 = 30;

/// The body: lines that need dot-stuffing in DATA (and none in BDAT).
const BODY: &[u8] = b"First line.\r\n.a line with a leading dot\r\n..two dots\r\n.\r\n\
    a line of its own after a lone dot\r\nlast line\r\n";

const DOMAIN: &str = "ip-smtpc.test";
const SENDER: &str = "sender@ip-smtpc.test";

/// The Maildir of every `rtt-*` recipient.
const MAILBOX: &str = "rtt";

// ---------------------------------------------------------------------------
// The test bed's ports
// ---------------------------------------------------------------------------

/// The test bed and the port of each kind of server.
struct Bed {
    tb: Testbed,
}

/// A test-bed port with what it offers.
#[derive(Clone, Copy, Debug)]
enum Port {
    /// `SMTPC_TB_PORT_CLEARAUTH`: PIPELINING and CHUNKING, AUTH in clear.
    Chunking,
    /// `SMTPC_TB_PORT_NOCHUNKING`: PIPELINING, no CHUNKING, AUTH in clear.
    NoChunking,
    /// `SMTPC_TB_PORT_NOPIPELINING`: neither, AUTH in clear.
    NoPipelining,
}

impl Bed {
    fn load() -> Bed {
        let tb = Testbed::load();
        assert_eq!(tb.domain, DOMAIN, "these tests expect the bed's domain");
        assert_eq!(tb.host, "127.0.0.1", "these tests connect to loopback only");
        let bed = Bed { tb };
        bed.tb.mailbox(MAILBOX);
        bed
    }

    fn port(&self, port: Port) -> u16 {
        let name = match port {
            Port::Chunking => "SMTPC_TB_PORT_CLEARAUTH",
            Port::NoChunking => "SMTPC_TB_PORT_NOCHUNKING",
            Port::NoPipelining => "SMTPC_TB_PORT_NOPIPELINING",
        };
        self.tb
            .vars
            .get(name)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "{} has no {name}: restart the test bed (scripts/testbed/start)",
                    self.tb.env_file.display()
                )
            })
    }
}

impl Port {
    /// The path this build takes on this port for a generated message.
    fn path(self) -> Path {
        match self {
            Port::Chunking if CHUNKING_BUILT => Path::Bdat,
            Port::Chunking | Port::NoChunking => Path::Data,
            Port::NoPipelining => Path::Lockstep,
        }
    }
}

// ---------------------------------------------------------------------------
// The counting proxy
// ---------------------------------------------------------------------------

/// A running `tests/rtt_proxy.py` in front of one port.
struct Proxy {
    child: Child,
    port: u16,
    lines: Receiver<String>,
}

/// One proxied connection as the proxy saw it.
struct Session {
    round_trips: u32,
    /// The client's bytes, cut where a round trip was counted (entry k:
    /// sent after k round trips).
    client: Vec<Vec<u8>>,
    /// The server's bytes, cut the same way (entry 0: the greeting).
    server: Vec<Vec<u8>>,
}

impl Proxy {
    /// A proxy to `upstream` with `delay_ms` each way; `hold` > 0: small
    /// buffers and no reading while replies wait (`--hold`, see the script).
    fn start(upstream: u16, delay_ms: u32, hold: usize) -> Proxy {
        let mut child = Command::new("python3")
            .arg(support::root().join("tests/rtt_proxy.py"))
            .args(["--upstream", &upstream.to_string()])
            .args(["--delay-ms", &delay_ms.to_string()])
            .args(["--hold", &hold.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 tests/rtt_proxy.py");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(10))
            .expect("the proxy says where it listens");
        let port = first
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no listening line: {first:?}"));
        Proxy { child, port, lines }
    }

    /// The record of the next connection that ended.
    fn session(&self) -> Session {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the proxy reports the connection within 30 s of its end");
        let fields: Vec<&str> = line.split(' ').collect();
        assert!(
            fields.len() == 5 && fields[0] == "done",
            "bad proxy line {line:?}"
        );
        let cut = |list: &str| -> Vec<Vec<u8>> {
            if list == "-" {
                return Vec::new();
            }
            list.split(',').map(unhex).collect()
        };
        Session {
            round_trips: fields[2].parse().expect("a count"),
            client: cut(fields[3]),
            server: cut(fields[4]),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

impl Session {
    fn client_stream(&self) -> Vec<u8> {
        self.client.concat()
    }

    /// The first line of each burst of both sides, for failure messages.
    fn outline(&self) -> String {
        let first = |b: &Vec<u8>| {
            let text = String::from_utf8_lossy(b);
            let line = text.split("\r\n").next().unwrap_or("").to_string();
            format!("{line:?} +{} bytes", b.len())
        };
        let mut out = String::new();
        for k in 0..self.client.len().max(self.server.len()) {
            if let Some(s) = self.server.get(k) {
                out += &format!("  S{k}: {}\n", first(s));
            }
            if let Some(c) = self.client.get(k + 1) {
                out += &format!("  C{}: {}\n", k + 1, first(c));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Mails
// ---------------------------------------------------------------------------

/// `rtt-<token>-<i>@ip-smtpc.test`.
fn rtt_address(token: &str, i: usize) -> String {
    format!("rtt-{token}-{i}@{DOMAIN}")
}

/// A mail from [`SENDER`] to `recipients` with [`BODY`] and `token` as
/// subject; with AUTH PLAIN in clear when `auth`.
fn mail(bed: &Bed, token: &str, recipients: &[String], auth: bool) -> Mail {
    Mail {
        sender: Party::new(SENDER, "Pipelining Test", SMTPC_REC_TYPE_FROM),
        recipients: recipients
            .iter()
            .map(|r| Party::new(r, "", SMTPC_REC_TYPE_TO))
            .collect(),
        subject: Some(token.as_bytes().to_vec()),
        body: BODY.to_vec(),
        domain: Some(b"client.ip-smtpc.test".to_vec()),
        timezone: None,
        user: auth.then(|| bed.tb.user.as_bytes().to_vec()),
        password: auth.then(|| bed.tb.pass.as_bytes().to_vec()),
        sec_policy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
        read_timeout_ms: 30_000,
        chunks: (0, 0),
        ex: None,
    }
}

/// The copies in the `rtt` Maildir that carry `token`, keyed by their
/// X-Original-To: waits until there is one for each of `accepted` (up to
/// `timeout`), then looks once more after a short grace. Panics on a copy
/// for any other address, a second copy for one, or a copy that is not
/// `message` byte for byte after Postfix's trace fields.
fn assert_delivered(
    bed: &Bed,
    seen: &mut std::collections::HashSet<std::path::PathBuf>,
    token: &str,
    message: &[u8],
    accepted: &[String],
    timeout: Duration,
) {
    let mailbox = bed.tb.mailbox(MAILBOX);
    let expected: BTreeSet<&str> = accepted.iter().map(String::as_str).collect();
    let mut got = BTreeSet::new();
    let mut take = |got: &mut BTreeSet<String>| {
        for (path, raw) in mailbox.scan_new(token.as_bytes(), seen) {
            let trace = String::from_utf8_lossy(trace_part(&raw)).into_owned();
            let to = trace
                .lines()
                .find_map(|l| l.strip_prefix("X-Original-To: "))
                .unwrap_or_else(|| panic!("no X-Original-To in {}", path.display()))
                .to_string();
            assert!(
                expected.contains(to.as_str()),
                "a copy for {to}, which was not accepted ({})",
                path.display()
            );
            let stored = strip_trace(&raw);
            assert!(
                stored == message,
                "the copy for {to} ({}) differs from the message sent:\nsent   {:?}\nstored {:?}",
                path.display(),
                String::from_utf8_lossy(message),
                String::from_utf8_lossy(&stored)
            );
            assert!(got.insert(to.clone()), "a second copy for {to}");
        }
    };
    let start = Instant::now();
    while got.len() < expected.len() {
        assert!(
            start.elapsed() < timeout,
            "{} of {} copies arrived within {timeout:?} (see log/postfix.log of the bed)",
            got.len(),
            expected.len()
        );
        std::thread::sleep(Duration::from_millis(50));
        take(&mut got);
    }
    std::thread::sleep(Duration::from_millis(500));
    take(&mut got);
}

/// The message the client sent (panics when it did not go out).
fn message_of(sent: &[u8]) -> Vec<u8> {
    sent_message(sent).unwrap_or_else(|| {
        panic!(
            "no complete message on the wire: {:?}",
            String::from_utf8_lossy(sent)
        )
    })
}

/// `BDAT <size> LAST`, the message and QUIT: how a mail on the BDAT path
/// ends on the wire.
fn bdat_end(message: &[u8]) -> Vec<u8> {
    let mut end = format!("BDAT {} LAST\r\n", message.len()).into_bytes();
    end.extend_from_slice(message);
    end.extend_from_slice(b"QUIT\r\n");
    end
}

/// How often `needle` occurs in `haystack`.
fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

/// One mail to `n` fresh recipients through the counting proxy: returns
/// (round trips counted, expected, the check of the wire's shape as an
/// error text), after the delivery was checked.
fn round_trip_case(bed: &Bed, port: Port, auth: bool, n: usize) -> (u32, u32, Vec<String>) {
    let proxy = Proxy::start(bed.port(port), DELAY_MS, 0);
    let token = token(&format!("rt{n}"));
    let recipients: Vec<String> = (0..n).map(|i| rtt_address(&token, i)).collect();
    let mut seen = bed.tb.mailbox(MAILBOX).snapshot();
    let c = call(&mail(bed, &token, &recipients, auth), proxy.port);
    let session = proxy.session();
    assert_eq!(
        c.result,
        0,
        "{port:?} auth={auth} n={n}: {}\n{}",
        error_text(c.result),
        session.outline()
    );
    assert_eq!(c.statuses.accepted.len(), n, "every recipient accepted");
    let stream = session.client_stream();
    assert_eq!(stream, c.sent, "the proxy passed on what pfSend sent");
    let message = message_of(&stream);
    let problems = wire_problems(&session, port.path(), auth, n, &message);
    assert_delivered(
        bed,
        &mut seen,
        &token,
        &message,
        &recipients,
        Duration::from_secs(60),
    );
    let expected = expected_round_trips(port.path(), auth, n);
    let mut all = problems;
    if session.round_trips != expected {
        all.push(format!(
            "{} round trips, expected {expected}",
            session.round_trips
        ));
    }
    if !all.is_empty() {
        all.push(format!("the bursts:\n{}", session.outline()));
    }
    (session.round_trips, expected, all)
}

/// What is wrong with the shape of the client's bursts for `path`.
fn wire_problems(
    session: &Session,
    path: Path,
    auth: bool,
    n: usize,
    message: &[u8],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut want = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_string());
        }
    };
    let stream = session.client_stream();
    want(
        count(&stream, b"AUTH PLAIN ") == usize::from(auth),
        "AUTH PLAIN with an initial response exactly when asked for",
    );
    want(count(&stream, b"RCPT TO:<") == n, "one RCPT per recipient");
    let data_commands = count(&stream, b"\r\nDATA\r\n");
    let Some(envelope) = session
        .client
        .iter()
        .find(|b| find(b, b"MAIL FROM:<").is_some())
    else {
        problems.push("no MAIL FROM".to_string());
        return problems;
    };
    let last = session.client.last().expect("the client sent something");
    match path {
        Path::Data | Path::Lockstep => {
            want(count(&stream, b"BDAT") == 0, "no BDAT");
            want(data_commands == 1, "one DATA command");
            want(
                stream.ends_with(b"\r\n.\r\nQUIT\r\n"),
                "the message ends with the dot, then QUIT",
            );
        }
        Path::Bdat => {
            want(data_commands == 0, "no DATA command");
            want(
                count(&stream, b"BDAT ") == 1 && stream.ends_with(&bdat_end(message)),
                "one BDAT <size of the message> LAST, the message, QUIT",
            );
        }
    }
    match path {
        Path::Data => {
            want(
                count(envelope, b"RCPT TO:<") == n && envelope.ends_with(b"\r\nDATA\r\n"),
                "MAIL, every RCPT and DATA in one burst",
            );
            let end = b".\r\nQUIT\r\n";
            want(
                last.ends_with(end) && unstuff(&last[..last.len() - end.len()]) == message,
                "the message, the final dot and QUIT in one burst",
            );
        }
        Path::Bdat => want(
            count(envelope, b"RCPT TO:<") == n && envelope.ends_with(b"QUIT\r\n"),
            "MAIL, every RCPT, BDAT, the message and QUIT in one burst",
        ),
        Path::Lockstep => want(
            session
                .client
                .iter()
                .all(|b| b.is_empty() || count(b, b"\r\n") == 1 || b.ends_with(b"\r\n.\r\n")),
            "one command (or the message) per burst without PIPELINING",
        ),
    }
    problems
}

/// The round-trip cases of one port: every recipient count, asserted
/// after all of them ran (so one failure shows the whole row).
fn round_trips(port: Port, auth: bool) {
    let bed = Bed::load();
    let mut failures = Vec::new();
    for n in RECIPIENT_COUNTS {
        let (got, expected, problems) = round_trip_case(&bed, port, auth, n);
        println!("{port:?} auth={auth} recipients={n}: {got} round trips (expected {expected})");
        failures.extend(
            problems
                .into_iter()
                .map(|p| format!("{port:?} auth={auth} recipients={n}: {p}")),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

bed_tests! {
    round_trips_with_chunking_and_auth => round_trips(Port::Chunking, true);
    round_trips_with_chunking_without_auth => round_trips(Port::Chunking, false);
    round_trips_without_chunking_with_auth => round_trips(Port::NoChunking, true);
    round_trips_without_chunking_without_auth => round_trips(Port::NoChunking, false);
    round_trips_without_pipelining_with_auth => round_trips(Port::NoPipelining, true);
    round_trips_without_pipelining_without_auth => round_trips(Port::NoPipelining, false);
}

// ---------------------------------------------------------------------------
// 1,000 recipients, small socket buffers
// ---------------------------------------------------------------------------

/// Recipients of the big mail: Postfix's smtpd_recipient_limit (1000).
const MANY: usize = 1000;

/// SO_SNDBUF / SO_RCVBUF of the client's socket and of the holding
/// proxy's (the kernel doubles them), and how far the proxy reads ahead of
/// its replies.
const SMALL_BUFFERS: usize = 2048;

/// 1,000 recipients in one mail through the holding proxy (`--hold`, no
/// delay) in front of `port`: a client that wrote its pipelined envelope
/// without reading the replies would block for good (see
/// [`the_holding_proxy_stalls_a_client_that_leaves_replies_unread`]); the
/// hooks' 30 s timeouts then end the call with an error, not a hang.
fn thousand_recipients(port: Port) {
    let bed = Bed::load();
    let token = token("many");
    let recipients: Vec<String> = (0..MANY).map(|i| rtt_address(&token, i)).collect();
    let mut seen = bed.tb.mailbox(MAILBOX).snapshot();
    let proxy = Proxy::start(bed.port(port), 0, SMALL_BUFFERS);
    c_tcp::set_socket_buffers(SMALL_BUFFERS);
    let c = call(&mail(&bed, &token, &recipients, false), proxy.port);
    c_tcp::set_socket_buffers(0);
    assert_eq!(c.result, 0, "{}", error_text(c.result));
    assert_eq!(
        proxy.session().client_stream(),
        c.sent,
        "the proxy passed on what pfSend sent"
    );
    assert_eq!(c.connections, (1, 1));
    let accepted: Vec<(usize, u16)> = c.statuses.accepted.iter().map(|a| (a.0, a.1)).collect();
    let every: Vec<(usize, u16)> = (1..=MANY).map(|i| (i, 250)).collect();
    assert_eq!(accepted, every, "every recipient accepted, in order");
    assert!(c.statuses.rejected.is_empty());
    assert_eq!(count(&c.sent, b"RCPT TO:<"), MANY);
    assert_delivered(
        &bed,
        &mut seen,
        &token,
        &message_of(&c.sent),
        &recipients,
        Duration::from_secs(180),
    );
}

bed_tests! {
    thousand_recipients_small_buffers_with_chunking => thousand_recipients(Port::Chunking);
    thousand_recipients_small_buffers_without_chunking => thousand_recipients(Port::NoChunking);
    the_holding_proxy_stalls_a_client_that_leaves_replies_unread => holding_proxy_stalls();
}

/// A client in Python with the same buffers, through the same holding
/// proxy: MAIL and `n` RCPT written at once without reading a reply; prints
/// "written" or, when its send blocks for 5 s, "blocked". With "read" as
/// its third argument it reads whatever replies arrived between its writes.
const UNREAD_CLIENT: &str = r#"
import socket, sys, time
port, n, reading, size = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "read", int(sys.argv[4])
s = socket.socket()
for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
    s.setsockopt(socket.SOL_SOCKET, option, size)
s.connect(("127.0.0.1", port))
s.recv(1000)
s.sendall(b"EHLO client.ip-smtpc.test\r\n")
time.sleep(0.2)
s.recv(10000)
rcpts = b"".join(b"RCPT TO:<rtt-unread-%04d@ip-smtpc.test>\r\n" % i for i in range(n))
data = b"MAIL FROM:<sender@ip-smtpc.test>\r\n" + rcpts + b"RSET\r\n"
s.settimeout(5)
try:
    if reading:
        s.setblocking(False)
        done, deadline = 0, time.monotonic() + 5
        while done < len(data) and time.monotonic() < deadline:
            try:
                done += s.send(data[done:done + 500])
            except BlockingIOError:
                pass
            try:
                s.recv(65536)
            except BlockingIOError:
                time.sleep(0.001)
        print("written" if done == len(data) else "blocked")
    else:
        s.sendall(data)
        print("written")
except socket.timeout:
    print("blocked")
"#;

/// The holding proxy makes the deadlock of RFC 2920 section 3.2 real: a
/// client that writes MAIL and 1,000 RCPT without reading blocks; one that
/// writes 10, or reads while it writes, does not. (Postfix alone lets the
/// non-reading client write everything.)
fn holding_proxy_stalls() {
    let bed = Bed::load();
    for (n, how, expected) in [
        (MANY, "unread", "blocked"),
        (10, "unread", "written"),
        (MANY, "read", "written"),
    ] {
        let proxy = Proxy::start(bed.port(Port::NoChunking), 0, SMALL_BUFFERS);
        let out = Command::new("python3")
            .args(["-c", UNREAD_CLIENT])
            .args([proxy.port.to_string(), n.to_string(), how.to_string()])
            .arg(SMALL_BUFFERS.to_string())
            .output()
            .expect("python3");
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            said.trim(),
            expected,
            "{n} RCPT, {how}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------
// Rejected-recipient mixes
// ---------------------------------------------------------------------------

/// A recipient and what the test bed answers to its RCPT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rcpt {
    /// `rtt-*`: 250 2.1.5 Ok.
    Ok,
    /// `reject550@`: 550 (scripts/testbed/maps/recipient_access).
    Reject550,
    /// `temp450@`: 450.
    Temp450,
    /// `temp452@`: 452.
    Temp452,
    /// A user the bed does not know: 550 5.1.1 User unknown.
    Unknown,
}

impl Rcpt {
    fn address(self, token: &str, i: usize) -> String {
        match self {
            Rcpt::Ok => rtt_address(token, i),
            Rcpt::Reject550 => format!("reject550@{DOMAIN}"),
            Rcpt::Temp450 => format!("temp450@{DOMAIN}"),
            Rcpt::Temp452 => format!("temp452@{DOMAIN}"),
            Rcpt::Unknown => format!("nosuch-{token}-{i}@{DOMAIN}"),
        }
    }

    /// Postfix's reply to `RCPT TO:<address>`: code and text.
    fn reply(self, address: &str) -> (u16, String) {
        let refused = |code, enhanced, why| {
            (
                code,
                format!("{enhanced} <{address}>: Recipient address rejected: {why}"),
            )
        };
        match self {
            Rcpt::Ok => (250, "2.1.5 Ok".to_string()),
            Rcpt::Reject550 => refused(550, "5.1.1", "mailbox unavailable"),
            Rcpt::Temp450 => refused(450, "4.2.0", "try later"),
            Rcpt::Temp452 => refused(452, "4.2.2", "mailbox full"),
            Rcpt::Unknown => refused(550, "5.1.1", "User unknown in virtual mailbox table"),
        }
    }
}

/// The mixes: accepted and refused in several orders, the first refused,
/// only the last accepted, none accepted.
const MIXES: [&[Rcpt]; 7] = [
    &[Rcpt::Ok, Rcpt::Reject550, Rcpt::Temp450, Rcpt::Ok],
    &[Rcpt::Reject550, Rcpt::Ok, Rcpt::Ok],
    &[
        Rcpt::Ok,
        Rcpt::Temp452,
        Rcpt::Unknown,
        Rcpt::Ok,
        Rcpt::Temp450,
    ],
    &[Rcpt::Temp450, Rcpt::Reject550, Rcpt::Ok],
    &[Rcpt::Ok, Rcpt::Ok, Rcpt::Unknown],
    &[Rcpt::Reject550, Rcpt::Temp450, Rcpt::Temp452, Rcpt::Unknown],
    &[Rcpt::Temp450],
];

/// With the `ex` feature: `IP_SMTPC_SendEx` (for the report), else `IP_SMTPC_Send`.
fn reported(mut m: Mail) -> Mail {
    if cfg!(feature = "ex") {
        m.ex = Some(capi::Ex::default());
    }
    m
}

fn rejected_mixes(port: Port) {
    let bed = Bed::load();
    for mix in MIXES {
        let token = token("mix");
        let addresses: Vec<String> = mix
            .iter()
            .enumerate()
            .map(|(i, r)| r.address(&token, i))
            .collect();
        let replies: Vec<(u16, String)> = mix
            .iter()
            .zip(&addresses)
            .map(|(r, a)| r.reply(a))
            .collect();
        let accepted: Vec<String> = mix
            .iter()
            .zip(&addresses)
            .filter(|(r, _)| **r == Rcpt::Ok)
            .map(|(_, a)| a.clone())
            .collect();
        let mut seen = bed.tb.mailbox(MAILBOX).snapshot();
        let c = call(
            &reported(mail(&bed, &token, &addresses, false)),
            bed.port(port),
        );
        let what = format!(
            "{port:?} {mix:?}: sent {:?}",
            String::from_utf8_lossy(&c.sent)
        );
        let expected_result = if accepted.len() == mix.len() {
            0
        } else if accepted.is_empty() {
            IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED
        } else {
            IP_SMTPC_ERR_PARTIAL_DELIVERY
        };
        assert_eq!(
            c.result,
            expected_result,
            "{what}: {} instead of {}",
            error_text(c.result),
            error_text(expected_result)
        );
        check_results(&c, mix, &replies, &what);
        assert_eq!(count(&c.sent, b"RCPT TO:<"), mix.len(), "{what}");
        assert!(c.sent.ends_with(b"QUIT\r\n"), "{what}");
        let message = message_sent_in_mix(&c.sent, port.path(), accepted.is_empty(), &what);
        // With none accepted: a copy in the grace period fails the test.
        assert_delivered(
            &bed,
            &mut seen,
            &token,
            &message,
            &accepted,
            Duration::from_secs(30),
        );
    }
}

/// The message of a mix as it went out on `path` (empty when none went
/// out): with every recipient refused, none after a pipelined DATA (Postfix
/// answers 554, not 354) and no DATA at all without PIPELINING; a BDAT
/// chunk goes out with its envelope whatever the replies.
fn message_sent_in_mix(sent: &[u8], path: Path, none_accepted: bool, what: &str) -> Vec<u8> {
    let data_commands = count(sent, b"\r\nDATA\r\n");
    match (path, none_accepted) {
        (Path::Bdat, _) => {
            assert_eq!(data_commands, 0, "{what}: no DATA next to BDAT");
            let message = message_of(sent);
            assert_eq!(count(sent, b"BDAT "), 1, "{what}: one BDAT");
            assert!(
                sent.ends_with(&bdat_end(&message)),
                "{what}: BDAT <size> LAST, the message, QUIT"
            );
            message
        }
        (Path::Data, true) => {
            assert_eq!(data_commands, 1, "{what}: the pipelined DATA");
            assert!(
                sent_message(sent).is_none_or(|m| m.is_empty()),
                "{what}: no message after every recipient was refused"
            );
            Vec::new()
        }
        (Path::Lockstep, true) => {
            assert_eq!(data_commands + count(sent, b"BDAT"), 0, "{what}: no DATA");
            Vec::new()
        }
        (Path::Data | Path::Lockstep, false) => {
            assert_eq!(data_commands, 1, "{what}: one DATA");
            assert_eq!(count(sent, b"BDAT"), 0, "{what}: no BDAT");
            message_of(sent)
        }
    }
}

/// pfCallback's per-recipient statuses (and the report's results, with
/// `ex`) are exactly Postfix's replies.
fn check_results(c: &Call, mix: &[Rcpt], replies: &[(u16, String)], what: &str) {
    let mut want_accepted = Vec::new();
    let mut want_rejected = Vec::new();
    for (i, (r, (code, text))) in mix.iter().zip(replies).enumerate() {
        let entry = (i + 1, *code, text.clone());
        if *r == Rcpt::Ok {
            want_accepted.push(entry);
        } else {
            want_rejected.push(entry);
        }
    }
    assert_eq!(c.statuses.accepted, want_accepted, "{what}");
    assert_eq!(c.statuses.rejected, want_rejected, "{what}");
    if let Some(report) = &c.report {
        let enhanced = |text: &str| -> (u8, u16, u16) {
            let mut parts = text.split(' ').next().unwrap().split('.');
            let mut next = || parts.next().unwrap().parse::<u16>().unwrap();
            (next() as u8, next(), next())
        };
        assert_eq!(report.result, c.result, "{what}");
        assert_eq!(usize::from(report.accepted), want_accepted.len(), "{what}");
        assert_eq!(usize::from(report.rejected), want_rejected.len(), "{what}");
        let codes: Vec<u16> = replies.iter().map(|r| r.0).collect();
        assert_eq!(report.codes[1..], codes[..], "{what}: paResult codes");
        let enhanced_codes: Vec<(u8, u16, u16)> = replies.iter().map(|r| enhanced(&r.1)).collect();
        assert_eq!(
            report.enhanced[1..],
            enhanced_codes[..],
            "{what}: paResult enhanced codes"
        );
    }
}

bed_tests! {
    rejected_mixes_with_chunking => rejected_mixes(Port::Chunking);
    rejected_mixes_without_chunking => rejected_mixes(Port::NoChunking);
    rejected_mixes_without_pipelining => rejected_mixes(Port::NoPipelining);
}

/// The proxy's count itself, without the library: a client that waits for
/// every reply (Python's smtplib through the same proxy) costs one round trip
/// per command, greeting included.
#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it and runs --include-ignored)"]
fn the_proxy_counts_a_lockstep_client() {
    let bed = Bed::load();
    let proxy = Proxy::start(bed.port(Port::NoPipelining), DELAY_MS, 0);
    let script = format!(
        "import smtplib\n\
         s = smtplib.SMTP('127.0.0.1', {})\n\
         s.ehlo('x')\n\
         s.sendmail('{SENDER}', ['rtt-proxy-a@{DOMAIN}', 'rtt-proxy-b@{DOMAIN}'], b'Subject: proxy\\r\\n\\r\\nhi\\r\\n')\n\
         s.quit()\n",
        proxy.port
    );
    let status = Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3");
    assert!(status.success());
    let session = proxy.session();
    // greeting, EHLO, MAIL, RCPT, RCPT, DATA, message, QUIT
    assert_eq!(session.round_trips, 8, "\n{}", session.outline());
    assert_eq!(session.client.len(), 8);
    assert!(session.client[0].is_empty(), "nothing before the greeting");
    assert!(
        session.server[0].starts_with(b"220 "),
        "{}",
        session.outline()
    );
    assert_eq!(session.client[7], b"quit\r\n");
}
