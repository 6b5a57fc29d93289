// SPDX-License-Identifier: MIT OR Apache-2.0
//! Load against the real Postfix test bed (scripts/testbed) through the C
//! API (`IP_SMTPC_Send` over socket hooks on a std `TcpStream`): 1,000
//! messages one after the other, each over its own connection, and 1,000
//! more from 8 threads at once (each thread with its own calls, sockets
//! and hook records). Every message carries a unique id in its subject and a body of
//! its own (lengths, leading dots, long lines (with the `mime` feature:
//! without quoted-printable the library refuses them), 8-bit text, bare CR /
//! LF line ends, empty). Afterwards the dedicated `load` Maildir must hold every
//! message exactly once (none lost, none duplicated), each byte for byte
//! what the client sent, once Postfix's trace fields are removed and LF is
//! turned back into CR LF.
//!
//! The figures (messages, time, messages per second) are printed, never
//! asserted. Ignored by default like every test bed test; `scripts/test`
//! starts the bed and runs `cargo test -- --include-ignored`.

#[path = "support/suites_capi.rs"]
mod capi;
#[path = "support/maildir.rs"]
mod maildir;

use std::collections::{HashMap, HashSet};
use std::ffi::c_int;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use capi::{code_name, fat, party, send, Link, Mail, Mta, SMTPC_REC_TYPE_FROM, SMTPC_REC_TYPE_TO};
use maildir::{
    canonical, decode_body, find, sent_message, split_message, strip_trace, token, Mailbox, Testbed,
};
/// Messages per test.
const MESSAGES: usize = 1000;
/// Sending threads in the parallel test.
const THREADS: usize = 8;
/// How long the deliveries may take in all before the missing ones count as lost.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(120);
/// After the last message arrived: one more look this much later, for late duplicates.
const DUPLICATE_GRACE: Duration = Duration::from_secs(2);

const DOMAIN: &str = "ip-smtpc.test";
const SENDER: &[u8] = b"sender@ip-smtpc.test";
/// The mailbox only these tests use (scripts/testbed/maps/vmailbox).
const LOAD: &[u8] = b"load@ip-smtpc.test";
const LOAD_MAILBOX: &str = "load";

/// The two tests share the mailbox and the machine; one at a time keeps
/// their figures apart.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn bed() -> Testbed {
    let tb = Testbed::load();
    assert_eq!(
        tb.domain, DOMAIN,
        "these tests expect the bed's domain {DOMAIN}"
    );
    assert_eq!(tb.host, "127.0.0.1", "these tests connect to loopback only");
    tb
}

/// xorshift64*: a small deterministic generator, one stream per message.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Whether bodies get lines over 998 octets: the library sends them
/// quoted-printable, which needs the `mime` feature.
const LONG_LINES: bool = cfg!(feature = "mime");

/// What a generated body contains, for the printed summary.
#[derive(Default, Clone, Copy)]
struct Features {
    empty: bool,
    leading_dot: bool,
    long_line: bool,
    eight_bit: bool,
    bare_line_ends: bool,
}

/// The body of message `i`: 0 to 24 lines of several kinds; the line end
/// (CR LF, LF, CR or mixed) and a missing final line end depend on `i`.
fn body_for(i: usize) -> (Vec<u8>, Features) {
    let mut features = Features::default();
    let mut rng = Rng::new(i as u64 + 1);
    if i % 53 == 17 {
        features.empty = true;
        return (Vec::new(), features);
    }
    let ends: [&[u8]; 3] = [b"\r\n", b"\n", b"\r"];
    let style = i % 8; // 0: LF, 1: CR, 2: mixed, else CR LF
    features.bare_line_ends = style < 3;
    let lines = 1 + rng.below(24);
    let mut long_lines = 0;
    let mut body = Vec::new();
    for k in 0..lines {
        match rng.below(14) {
            0 => {
                body.push(b'.');
                features.leading_dot = true;
            }
            1 => {
                body.extend_from_slice(format!("..two dots, line {k} of {i}").as_bytes());
                features.leading_dot = true;
            }
            2 => {
                body.extend_from_slice(format!(". dot and space {i}").as_bytes());
                features.leading_dot = true;
            }
            3 if LONG_LINES && long_lines == 0 && i % 3 == 0 => {
                // Over the 998-octet line limit of RFC 5321.
                let len = 999 + rng.below(300) as usize;
                let lead = if rng.below(2) == 0 { "." } else { "" };
                let mut line = format!("{lead}long line {k} of message {i}:").into_bytes();
                while line.len() < len {
                    line.push(b'a' + (rng.below(26) as u8));
                    if rng.below(9) == 0 {
                        line.push(b' ');
                    }
                }
                line.truncate(len);
                body.extend_from_slice(&line);
                long_lines += 1;
                features.long_line = true;
                features.leading_dot |= !lead.is_empty();
            }
            4 | 5 => {
                let text = [
                    "Gr\u{fc}\u{df}e aus M\u{fc}nchen",
                    "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e",
                    "\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{30c6}\u{30ad}\u{30b9}\u{30c8}",
                    "\u{2713} \u{2013} \u{20ac} 100",
                    "\u{444}\u{438}\u{437}\u{438}\u{43a}\u{430}",
                ][rng.below(5) as usize];
                body.extend_from_slice(format!("{text} #{i}/{k}").as_bytes());
                features.eight_bit = true;
            }
            6 => {}
            7 => body.extend_from_slice(format!("\t indented {k}  ").as_bytes()),
            _ => {
                let len = rng.below(100) as usize;
                let mut line = format!("line {k} of {i}: ").into_bytes();
                while line.len() < len {
                    line.push(b"etaoin shrdlu "[rng.below(14) as usize]);
                }
                body.extend_from_slice(&line);
            }
        }
        let last = k + 1 == lines;
        if !(last && i % 5 == 4) {
            let end = match style {
                0 => ends[1],
                1 => ends[2],
                2 => ends[rng.below(3) as usize],
                _ => ends[0],
            };
            body.extend_from_slice(end);
        }
    }
    (body, features)
}

fn subject_for(run: &str, i: usize) -> String {
    format!("{run} #{i:04}")
}

/// The index in a delivered message's `Subject: <run> #<index>` field.
fn index_in(raw: &[u8], run: &str) -> Option<usize> {
    let field = format!("\nSubject: {run} #");
    let at = find(raw, field.as_bytes())? + field.len();
    let digits: Vec<u8> = raw[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// Sends message `i` of `run` over a new connection with `IP_SMTPC_Send`;
/// returns the result and every byte the hooks sent successfully.
fn send_one(port: u16, run: &str, i: usize) -> (usize, c_int, Vec<u8>) {
    let subject = subject_for(run, i);
    let (body, _) = body_for(i);
    let mail = Mail {
        sender: party(SENDER, b"Load Generator", SMTPC_REC_TYPE_FROM),
        recipients: vec![party(LOAD, b"Load Test", SMTPC_REC_TYPE_TO)],
        subject: Some(subject.into_bytes()),
        body,
        date: Some(fat(
            2026,
            11,
            29,
            12,
            (i % 60) as u32,
            (i / 60 % 30 * 2) as u32,
        )),
        timezone: "+0100",
        domain: b"client.ip-smtpc.test".to_vec(),
    };
    let outcome = send(Link::to(port), &mail, &Mta::default());
    (i, outcome.code, outcome.sent)
}

/// What arrived for one run.
struct Arrivals {
    /// Copies per message index.
    copies: HashMap<usize, Vec<Vec<u8>>>,
    /// Files that name the run but no valid index.
    strays: usize,
    /// Every file of the run (for the clean-up).
    paths: Vec<PathBuf>,
    /// When the last expected message was seen (None: some never came).
    all_in: Option<Instant>,
}

/// Polls the mailbox until a copy of every index in `expected` arrived or
/// the deadline passed; then looks once more after [`DUPLICATE_GRACE`].
fn collect(
    mailbox: &Mailbox,
    run: &str,
    expected: &HashSet<usize>,
    mut seen: HashSet<PathBuf>,
    started: Instant,
) -> Arrivals {
    let mut arrivals = Arrivals {
        copies: HashMap::new(),
        strays: 0,
        paths: Vec::new(),
        all_in: None,
    };
    let mut scan = |arrivals: &mut Arrivals| {
        for (path, raw) in mailbox.scan_new(run.as_bytes(), &mut seen) {
            arrivals.paths.push(path);
            match index_in(&raw, run) {
                Some(i) if i < MESSAGES => arrivals.copies.entry(i).or_default().push(raw),
                _ => arrivals.strays += 1,
            }
        }
    };
    loop {
        scan(&mut arrivals);
        if expected.iter().all(|i| arrivals.copies.contains_key(i)) {
            arrivals.all_in = Some(Instant::now());
            break;
        }
        if started.elapsed() > DELIVERY_DEADLINE {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(DUPLICATE_GRACE);
    scan(&mut arrivals);
    arrivals
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Sends [`MESSAGES`] messages from `threads` threads (1: one after the
/// other), waits for them in the `load` Maildir, checks, prints the figures.
fn run_load(label: &str, threads: usize) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tb = bed();
    let mailbox = tb.mailbox(LOAD_MAILBOX);
    let run = token(label);
    let seen = mailbox.snapshot();
    let port = tb.port_plain;

    let started = Instant::now();
    let mut results: Vec<(usize, c_int, Vec<u8>)> = if threads == 1 {
        (0..MESSAGES).map(|i| send_one(port, &run, i)).collect()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let run = &run;
                    s.spawn(move || {
                        (t..MESSAGES)
                            .step_by(threads)
                            .map(|i| send_one(port, run, i))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("sender thread"))
                .collect()
        })
    };
    let send_time = started.elapsed();
    results.sort_by_key(|r| r.0);
    assert_eq!(
        results.iter().map(|r| r.0).collect::<Vec<_>>(),
        (0..MESSAGES).collect::<Vec<_>>(),
        "every index sent once"
    );

    // The client's side: the result, and what it put on the wire.
    let mut client_errors = Vec::new();
    let mut encoding_errors = Vec::new();
    let mut expected: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut features = [0usize; 5];
    let mut content_bytes = 0usize;
    for (i, result, sent) in &results {
        let (body, f) = body_for(*i);
        for (count, on) in features.iter_mut().zip([
            f.empty,
            f.leading_dot,
            f.long_line,
            f.eight_bit,
            f.bare_line_ends,
        ]) {
            *count += usize::from(on);
        }
        if *result != 0 {
            client_errors.push(format!("#{i}: {}", code_name(*result)));
            continue;
        }
        let Some(message) = sent_message(sent) else {
            client_errors.push(format!("#{i}: 0 but the message did not go out completely"));
            continue;
        };
        content_bytes += message.len();
        let (header, wire_body) = split_message(&message);
        let (encoding, decoded) = decode_body(header, wire_body);
        if decoded != canonical(&body) {
            encoding_errors.push(format!("#{i} ({encoding})"));
        }
        expected.insert(*i, message);
    }
    let sent_ok = expected.len();

    // The server's side: what arrived.
    let wanted: HashSet<usize> = expected.keys().copied().collect();
    let arrivals = collect(&mailbox, &run, &wanted, seen, started);
    let found = arrivals.copies.len();
    let lost: Vec<usize> = {
        let mut v: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|i| !arrivals.copies.contains_key(i))
            .collect();
        v.sort_unstable();
        v
    };
    let duplicated: Vec<(usize, usize)> = {
        let mut v: Vec<(usize, usize)> = arrivals
            .copies
            .iter()
            .filter(|(_, c)| c.len() > 1)
            .map(|(i, c)| (*i, c.len()))
            .collect();
        v.sort_unstable();
        v
    };
    let unexpected: Vec<usize> = arrivals
        .copies
        .keys()
        .copied()
        .filter(|i| !wanted.contains(i))
        .collect();
    let mut exact = 0usize;
    let mut differing = Vec::new();
    for (i, copies) in &arrivals.copies {
        let Some(sent) = expected.get(i) else {
            continue;
        };
        for copy in copies {
            if strip_trace(copy) == *sent {
                exact += 1;
            } else {
                differing.push(*i);
            }
        }
    }
    differing.sort_unstable();

    let mode = if threads == 1 {
        "one after the other".to_string()
    } else {
        format!("from {threads} threads")
    };
    println!("load {label} ({mode}), run {run}:");
    println!(
        "  bodies: {} empty, {} with leading dots, {} with a long line, {} with 8-bit text, \
         {} with bare CR/LF line ends; {:.2} MB of message content",
        features[0],
        features[1],
        features[2],
        features[3],
        features[4],
        content_bytes as f64 / 1e6
    );
    println!(
        "  sent {MESSAGES}: client 0 (OK) {sent_ok}, errors {}, in {:.2} s = {:.1} messages/s",
        client_errors.len(),
        send_time.as_secs_f64(),
        per_second(MESSAGES, send_time)
    );
    match arrivals.all_in {
        Some(at) => {
            let total = at - started;
            println!(
                "  all {sent_ok} delivered {:.2} s after the first send = {:.1} messages/s end to end",
                total.as_secs_f64(),
                per_second(sent_ok, total)
            );
        }
        None => println!(
            "  not all delivered within {} s",
            DELIVERY_DEADLINE.as_secs()
        ),
    }
    println!(
        "  found {found} distinct, lost {}, duplicated {}, byte-exact {exact}, differing {}, \
         strays {}, unexpected {}",
        lost.len(),
        duplicated.len(),
        differing.len(),
        arrivals.strays,
        unexpected.len()
    );

    assert!(
        client_errors.is_empty(),
        "{} sends failed: {:?}",
        client_errors.len(),
        &client_errors[..client_errors.len().min(20)]
    );
    assert!(
        encoding_errors.is_empty(),
        "the body on the wire does not decode to the canonical body for {:?}",
        &encoding_errors[..encoding_errors.len().min(20)]
    );
    assert_eq!(sent_ok, MESSAGES);
    assert!(
        lost.is_empty(),
        "{} of {MESSAGES} messages never arrived in {} (first: {:?}); see the bed's log/postfix.log",
        lost.len(),
        mailbox.dir.display(),
        &lost[..lost.len().min(20)]
    );
    assert!(
        duplicated.is_empty(),
        "messages delivered more than once (index, copies): {duplicated:?}"
    );
    assert!(
        unexpected.is_empty() && arrivals.strays == 0,
        "messages of this run that were never sent: {unexpected:?}, {} without an index",
        arrivals.strays
    );
    if let Some(&i) = differing.first() {
        let copy = strip_trace(&arrivals.copies[&i][0]);
        let sent = &expected[&i];
        let at = copy
            .iter()
            .zip(sent.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(copy.len().min(sent.len()));
        panic!(
            "{} copies differ from what was sent ({:?}); #{i} first differs at byte {at}:\n\
             delivered: {:?}\nsent:      {:?}",
            differing.len(),
            &differing[..differing.len().min(20)],
            String::from_utf8_lossy(&copy[at.saturating_sub(40)..(at + 40).min(copy.len())]),
            String::from_utf8_lossy(&sent[at.saturating_sub(40)..(at + 40).min(sent.len())]),
        );
    }
    assert_eq!(found, MESSAGES);
    assert_eq!(exact, MESSAGES);

    // Everything checked: remove this run's messages so the mailbox stays
    // small (on failure they stay for inspection).
    for path in &arrivals.paths {
        let _ = std::fs::remove_file(path);
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn load_1000_messages_one_after_the_other() {
    run_load("load-seq", 1);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/test starts it)"]
fn load_1000_messages_from_8_threads() {
    run_load("load-par", THREADS);
}

#[test]
fn generated_bodies_cover_every_kind() {
    // The load is only as good as its variety: the generator must produce
    // every kind of body among the messages sent.
    let mut seen = Features::default();
    let mut distinct = HashSet::new();
    for i in 0..MESSAGES {
        let (body, f) = body_for(i);
        seen.empty |= f.empty;
        seen.leading_dot |= f.leading_dot;
        seen.long_line |= f.long_line;
        seen.eight_bit |= f.eight_bit;
        seen.bare_line_ends |= f.bare_line_ends;
        assert_eq!(body.is_empty(), f.empty, "#{i}");
        assert_eq!(
            f.long_line,
            body.split(|&b| b == b'\n' || b == b'\r')
                .any(|l| l.len() > 998),
            "#{i}"
        );
        distinct.insert(body);
    }
    assert!(seen.empty && seen.leading_dot && seen.eight_bit);
    assert_eq!(seen.long_line, LONG_LINES);
    assert!(seen.bare_line_ends);
    assert!(
        distinct.len() > MESSAGES * 9 / 10,
        "only {} distinct bodies",
        distinct.len()
    );
}
