// SPDX-License-Identifier: MIT OR Apache-2.0
//! Long subjects and display names (issue 15 item 7, feature `fold`),
//! through the C API: 16 KB of ASCII or UTF-8 folded into lines of at most
//! 78 characters where the text has spaces and never over 998, sent to the
//! real Postfix test bed and decoded with Python's `email` (policy.default)
//! from the delivered copy; beyond the limit a clear error with nothing
//! connected. The delivery tests are ignored by default (`scripts/test`
//! starts the bed and runs them with `--include-ignored`).
#![cfg(feature = "fold")]

#[path = "support/c_tcp.rs"]
mod c_tcp;
#[path = "support/capi.rs"]
mod capi;
#[path = "support/maildir.rs"]
mod maildir;
mod support;

use std::process::Command;

use capi::{call, error_text, Mail, Party};
use ip_smtpc::capi::*;
use maildir::{token, Testbed};

/// The widest run without a space a quoted display name may have (one
/// 998-octet line after `From: "` and before its closing quote).
const MAX_RUN: usize = 998 - 9;

/// From the sender to alice (To) and bob (Cc), names empty, `subject`,
/// through `IP_SMTPC_Send`.
fn mail(subject: &str) -> Mail {
    Mail {
        sender: Party::new("sender@ip-smtpc.test", "", SMTPC_REC_TYPE_FROM),
        recipients: vec![
            Party::new("alice@ip-smtpc.test", "", SMTPC_REC_TYPE_TO),
            Party::new("bob@ip-smtpc.test", "", SMTPC_REC_TYPE_CC),
        ],
        subject: Some(subject.as_bytes().to_vec()),
        body: b"body\r\n".to_vec(),
        domain: None,
        timezone: None,
        user: None,
        password: None,
        sec_policy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
        read_timeout_ms: 10_000,
        chunks: (0, 0),
        ex: None,
    }
}

/// Sends `m` (a token as its body) through the test bed's plain port; the
/// copy delivered to alice.
fn deliver(mut m: Mail) -> Vec<u8> {
    let tb = Testbed::load();
    let mark = token("long-headers");
    m.body = format!("{mark}\r\n").into_bytes();
    let c = call(&m, tb.port_plain);
    assert_eq!(c.result, 0, "{}", error_text(c.result));
    tb.mailbox("alice").wait_for(&mark)
}

/// Display name `name` for the sender (0) or recipient `i`.
fn name(m: &mut Mail, i: usize, name: &str) {
    let party = if i == 0 {
        &mut m.sender
    } else {
        &mut m.recipients[i - 1]
    };
    party.name = Some(name.as_bytes().to_vec());
}

/// What Python's `email` (policy.default) decodes from a delivered message:
/// one line per field, tab-separated, hex-encoded UTF-8: `Subject value`,
/// and `From|To|Cc display-name addr-spec rfc2047-phrase` per mailbox (the
/// last: the raw phrase decoded by `email.header.decode_header`, which
/// drops the white space between adjacent encoded words as RFC 2047 says).
fn python_fields(raw: &[u8]) -> Vec<Vec<String>> {
    let program = "import email, sys\n\
        from email import policy\n\
        from email.header import decode_header, make_header\n\
        h = lambda s: s.encode('utf-8').hex()\n\
        m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)\n\
        print('Subject\\t' + h(str(m['Subject'])))\n\
        raw = dict(m.raw_items())\n\
        for f in ('From', 'To', 'Cc'):\n\
        \x20   if m[f] is None: continue\n\
        \x20   phrase = raw[f].rsplit('<', 1)[0] if len(m[f].addresses) == 1 else ''\n\
        \x20   rfc = str(make_header(decode_header(phrase))).strip() if '=?' in phrase else ''\n\
        \x20   for a in m[f].addresses:\n\
        \x20       print(f + '\\t' + h(a.display_name) + '\\t' + h(a.addr_spec) + '\\t' + h(rfc))\n";
    let file = std::env::temp_dir().join(format!("{}.eml", token("long-headers")));
    std::fs::write(&file, raw).unwrap();
    let output = Command::new("python3")
        .args(["-c", program])
        .arg(&file)
        .output()
        .expect("python3 runs");
    std::fs::remove_file(&file).unwrap();
    assert!(output.status.success(), "python's email parser failed");
    let unhex = |hex: &str| {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        String::from_utf8(bytes).unwrap()
    };
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.split('\t');
            let name = fields.next().unwrap().to_string();
            std::iter::once(name).chain(fields.map(unhex)).collect()
        })
        .collect()
}

/// The physical lines of field `name` in a delivered (LF) message.
fn field_lines(raw: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8(raw.to_vec()).unwrap();
    let header = text.split("\n\n").next().unwrap();
    let mut lines = Vec::new();
    let mut inside = false;
    for line in header.split('\n') {
        if !line.starts_with([' ', '\t']) {
            inside = line
                .split(':')
                .next()
                .is_some_and(|f| f.eq_ignore_ascii_case(name));
        }
        if inside {
            lines.push(line.to_string());
        }
    }
    assert!(!lines.is_empty(), "no {name} field");
    lines
}

/// The longest line of field `name` (without its line end).
fn widest(raw: &[u8], name: &str) -> usize {
    field_lines(raw, name)
        .iter()
        .map(String::len)
        .max()
        .unwrap()
}

/// `len` bytes of words of 1 to 12 characters (`pick` chooses each), with
/// single and double spaces and TABs between them.
fn text_of(len: usize, pick: impl Fn(usize) -> String) -> String {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < len {
        text.push_str(&pick(i));
        text.push_str(match i % 9 {
            0 => "  ",
            4 => "\t",
            _ => " ",
        });
        i += 1;
    }
    // No white space at the end (Python keeps it, Postfix may not), and
    // exactly `len` bytes.
    while text.len() > len || text.ends_with([' ', '\t']) {
        text.pop();
    }
    while text.len() < len {
        text.push('z');
    }
    text
}

/// ASCII words, some with `"` and `\` (escaped in a quoted name).
fn ascii(len: usize) -> String {
    const WORDS: [&str; 8] = [
        "Alarm",
        "pump",
        "3:",
        "pressure",
        "\"high\"",
        "back\\slash",
        "a",
        "Station-Nord-Ost-42",
    ];
    text_of(len, |i| WORDS[i * 7 % WORDS.len()].to_string())
}

/// UTF-8 words of two-, three- and four-byte sequences (cut whole).
fn utf8(len: usize) -> String {
    const WORDS: [&str; 6] = ["Störung", "Grüße", "€42", "Καλημέρα", "警報", "🚨🔥"];
    let mut text = text_of(len + 8, |i| WORDS[i * 5 % WORDS.len()].to_string());
    while text.len() > len {
        text.pop();
    }
    while text.ends_with([' ', '\t']) {
        text.pop();
    }
    text
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn sixteen_kb_ascii_subject_folds_within_78_and_decodes_exactly() {
    let subject = ascii(IP_SMTPC_MAX_FOLDED_LEN);
    assert_eq!(subject.len(), 16384);
    let raw = deliver(mail(&subject));
    let fields = python_fields(&raw);
    assert_eq!(fields[0], ["Subject", subject.as_str()]);
    let lines = field_lines(&raw, "Subject");
    assert!(lines.len() > 16384 / 78, "{} lines", lines.len());
    assert!(widest(&raw, "Subject") <= 78);
    // Folded, not encoded: the text is there as it is.
    assert!(lines.iter().all(|l| !l.contains("=?")));
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn sixteen_kb_utf8_subject_goes_as_encoded_words_within_78() {
    let subject = utf8(IP_SMTPC_MAX_FOLDED_LEN);
    assert!(subject.len() > 16380 && subject.len() <= 16384);
    let raw = deliver(mail(&subject));
    assert_eq!(python_fields(&raw)[0], ["Subject", subject.as_str()]);
    assert!(widest(&raw, "Subject") <= 78);
    assert!(field_lines(&raw, "Subject").iter().all(|l| l.is_ascii()));
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn a_subject_run_too_long_to_fold_goes_as_encoded_words() {
    let subject = format!("run {} after", "r".repeat(5000));
    let raw = deliver(mail(&subject));
    assert_eq!(python_fields(&raw)[0], ["Subject", subject.as_str()]);
    assert!(widest(&raw, "Subject") <= 78);
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn long_display_names_with_spaces_fold_within_78_and_decode_exactly() {
    let names = [
        ascii(IP_SMTPC_MAX_FOLDED_LEN),
        ascii(5000).replace("Alarm", "Alarm,"), // a comma: still one name
        ascii(300),
    ];
    let mut m = mail("long names");
    for (i, n) in names.iter().enumerate() {
        name(&mut m, i, n);
    }
    let raw = deliver(m);
    let fields = python_fields(&raw);
    let expect = |f: &str, i: usize, addr: &str| -> Vec<String> {
        vec![f.into(), names[i].clone(), addr.into(), String::new()]
    };
    assert_eq!(
        fields[1..],
        [
            expect("From", 0, "sender@ip-smtpc.test"),
            expect("To", 1, "alice@ip-smtpc.test"),
            expect("Cc", 2, "bob@ip-smtpc.test")
        ]
    );
    for f in ["From", "To", "Cc"] {
        assert!(widest(&raw, f) <= 78, "{f}");
    }
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn a_display_name_without_spaces_stays_within_998() {
    let names = [
        "F".repeat(MAX_RUN),
        "N".repeat(MAX_RUN),
        format!("{}\\\"", "q".repeat(MAX_RUN - 4)),
    ];
    let mut m = mail("one run");
    for (i, n) in names.iter().enumerate() {
        name(&mut m, i, n);
    }
    let raw = deliver(m);
    let fields = python_fields(&raw);
    for (i, n) in names.iter().enumerate() {
        assert_eq!(&fields[i + 1][1], n);
    }
    assert_eq!(fields[2][2], "alice@ip-smtpc.test");
    // `From: "` + 989 + `"`; `To: "` and `Cc: "` are shorter. The escapes
    // of `\"` count.
    assert_eq!(widest(&raw, "From"), 997);
    assert_eq!(widest(&raw, "To"), 995);
    assert_eq!(widest(&raw, "Cc"), 995);
    // The address on a line of its own.
    assert_eq!(field_lines(&raw, "To")[1], " <alice@ip-smtpc.test>");
}

#[test]
#[ignore = "needs the Postfix test bed (scripts/testbed/start)"]
fn a_long_utf8_display_name_goes_as_encoded_words() {
    let long = utf8(IP_SMTPC_MAX_FOLDED_LEN);
    let mut m = mail("utf-8 name");
    name(&mut m, 1, &long);
    let raw = deliver(m);
    let fields = python_fields(&raw);
    assert_eq!(fields[2][2], "alice@ip-smtpc.test");
    // RFC 2047 decoding gives the name back exactly. (Python's policy.default
    // keeps the folds' white space between encoded words of a phrase, so its
    // display_name has a space more at each fold: its own long names do not
    // round-trip either.)
    assert_eq!(fields[2][3], long);
    let letters = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(letters(&fields[2][1]), letters(&long));
    assert!(widest(&raw, "To") <= 78);
}

/// Over the limit (or a quoted name with a run too wide for one line): the
/// error, and nothing connected. Needs no server: the limit itself passes
/// the checks and gets as far as connecting (to port 1, refused).
#[test]
fn over_the_limit_is_refused_before_connecting() {
    let over = IP_SMTPC_MAX_FOLDED_LEN + 1;
    let named = |i: usize, n: String| {
        let mut m = mail("s");
        name(&mut m, i, &n);
        m
    };
    let cases = [
        (mail(&ascii(over)), IP_SMTPC_ERR_INVALID_SUBJECT),
        (mail(&"x".repeat(over)), IP_SMTPC_ERR_INVALID_SUBJECT),
        (
            mail(&"é".repeat(over / 2 + 1)),
            IP_SMTPC_ERR_INVALID_SUBJECT,
        ),
        (named(1, ascii(over)), IP_SMTPC_ERR_INVALID_NAME),
        (
            named(0, "é".repeat(over / 2 + 1)),
            IP_SMTPC_ERR_INVALID_NAME,
        ),
        (
            named(2, format!("a {}", "N".repeat(MAX_RUN + 1))),
            IP_SMTPC_ERR_INVALID_NAME,
        ),
    ];
    for (m, expected) in cases {
        let c = call(&m, 1);
        assert_eq!(c.result, expected, "{}", error_text(c.result));
        assert_eq!(c.connections, (0, 0));
    }
    for m in [
        mail(&ascii(IP_SMTPC_MAX_FOLDED_LEN)),
        mail(&"x".repeat(IP_SMTPC_MAX_FOLDED_LEN)),
        named(1, ascii(IP_SMTPC_MAX_FOLDED_LEN)),
        named(2, format!("a {}", "N".repeat(MAX_RUN - 1))),
        named(2, "N".repeat(MAX_RUN)),
    ] {
        let c = call(&m, 1);
        assert_eq!(c.result, IP_SMTPC_ERR_CONNECT, "{}", error_text(c.result));
        assert_eq!(c.connections.0, 1);
    }
}
