// SPDX-License-Identifier: MIT OR Apache-2.0
//! The message-body encoders on arbitrary bodies through arbitrary out-buffer
//! sizes: `body::Body` (CR LF canonicalisation and dot-stuffing, the text as
//! it is), `mime::Enc` quoted-printable (the text when it cannot go as it
//! is) and `mime::Enc` base64 (multipart items).
//!
//! Input: byte 0 = number of buffer sizes (low 4 bits), then one byte per
//! size; the rest is the body. The engine renders into its out buffer,
//! sends it and renders again from where it stopped; here each encoder
//! fills buffers of the chosen sizes in turn (`Body` from 5 bytes, the end
//! of data's room; the `Enc` encoders from `mime::ROOM`), of the smallest
//! size, and of one size that takes everything. Checked:
//! - the output is the same for every sequence of buffer sizes;
//! - `Body`: no bare CR or LF; the end-of-data line exactly once, at the
//!   end (no "\r\n.\r\n" before it, no lone "." line); de-stuffed (as a
//!   receiver does) it is the body with its line breaks canonicalised;
//!   `body::wire_len` is its length without ".\r\n";
//! - quoted-printable: no bare CR or LF, no line starting with "-" (the
//!   MIME-injection guard) or, de-stuffed, longer than 76 octets, only
//!   printable ASCII; decoded it is the canonicalised body;
//! - base64: lines of at most 76 characters of the base64 alphabet;
//!   decoded it is the body;
//! - the line limit of the choice the engine makes: when `check` says the
//!   text may go as it is (`raw_ok`), every `Body` line is at most 1000
//!   octets with CR LF, and the text is 7bit/8bit-safe (no NUL).
#![no_main]

use ip_smtpc::body::{wire_len, Body};
use ip_smtpc::check::check;
use ip_smtpc::mime::{Enc, ROOM};
use ip_smtpc::writer::Writer;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::{assert_clean, canonical, destuff, lines, qp_decode, FuzzMail};

/// The body's wire through buffers of `sizes` (cycled).
fn body_wire(body: &[u8], sizes: &[usize]) -> Vec<u8> {
    let mut state = Body::default();
    let mut out = Vec::new();
    for i in 0.. {
        let mut buf = vec![0xAA; sizes[i % sizes.len()]];
        let mut w = Writer::new(&mut buf, 0);
        let done = state.put(&mut w, body, b".\r\n");
        assert!(!w.is_full(), "the body overran its buffer");
        let n = w.len();
        assert!(n > 0 || done, "no progress in a buffer of {}", buf.len());
        out.extend_from_slice(&buf[..n]);
        if done {
            return out;
        }
        assert!(out.len() <= 3 * body.len() + 8, "the body does not end");
    }
    unreachable!()
}

/// `data` through a `mime::Enc` (`qp_run` or base64), as the engine pushes
/// it: a byte (or a literal run, quoted-printable in hosted builds) while the
/// buffer has `ROOM` left, then the buffer goes out.
fn enc_wire(data: &[u8], sizes: &[usize], qp: bool) -> Vec<u8> {
    let mut enc = Enc::default();
    let mut out = Vec::new();
    let mut next = 0;
    let mut k = 0;
    loop {
        let mut buf = vec![0xAA; sizes[k % sizes.len()]];
        k += 1;
        let mut w = Writer::new(&mut buf, 0);
        while next < data.len() && w.room() >= ROOM {
            if qp {
                next += 1 + enc.qp_run(&mut w, data[next], &data[next..]);
            } else {
                enc.base64(&mut w, data[next]);
                next += 1;
            }
        }
        if next == data.len() && w.room() >= ROOM {
            if qp {
                enc.qp_end(&mut w);
            } else {
                enc.base64_end(&mut w);
            }
            assert!(!w.is_full());
            let n = w.len();
            out.extend_from_slice(&buf[..n]);
            return out;
        }
        assert!(!w.is_full(), "an encoder overran its buffer");
        let n = w.len();
        out.extend_from_slice(&buf[..n]);
    }
}

fn b64_value(b: u8) -> u32 {
    match b {
        b'A'..=b'Z' => u32::from(b - b'A'),
        b'a'..=b'z' => u32::from(b - b'a' + 26),
        b'0'..=b'9' => u32::from(b - b'0' + 52),
        b'+' => 62,
        b'/' => 63,
        _ => panic!("{b:#x} in base64"),
    }
}

fn b64_decode(wire: &[u8]) -> Vec<u8> {
    let mut text = Vec::new();
    for line in lines(wire) {
        assert!(line.len() <= 76, "base64 line of {}", line.len());
        text.extend_from_slice(line);
    }
    assert_eq!(text.len() % 4, 0, "base64 in incomplete groups");
    let mut out = Vec::new();
    for group in text.chunks(4) {
        let pad = group.iter().rev().take_while(|&&b| b == b'=').count();
        assert!(pad <= 2);
        let v = group[..4 - pad]
            .iter()
            .fold(0u32, |acc, &b| acc << 6 | b64_value(b))
            << (6 * pad);
        out.extend_from_slice(&v.to_be_bytes()[1..4 - pad]);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let cuts = usize::from(head & 0x0f).min(rest.len());
    let (sizes, body) = rest.split_at(cuts);

    // Body: whole, smallest, chosen sizes.
    let whole = body_wire(body, &[3 * body.len() + 8]);
    assert_eq!(body_wire(body, &[5]), whole, "buffers of 5");
    if !sizes.is_empty() {
        let chosen: Vec<usize> = sizes.iter().map(|&s| 5 + usize::from(s)).collect();
        assert_eq!(body_wire(body, &chosen), whole, "buffers of {chosen:?}");
    }
    assert_clean(&whole);
    assert!(whole.ends_with(b"\r\n.\r\n") || whole == b".\r\n");
    assert_eq!(
        whole.windows(5).filter(|w| *w == b"\r\n.\r\n").count(),
        usize::from(whole != b".\r\n"),
        "end of data before the end"
    );
    assert_eq!(destuff(&whole), canonical(body));
    assert_eq!(wire_len(body, true) + 3, whole.len());

    // The engine's choice: as it is (lines within SMTP's 1000 octets) or QP.
    let m = FuzzMail {
        entries: vec![
            (b"".to_vec(), Some(b"dev@example.test".to_vec()), 4),
            (b"".to_vec(), Some(b"ops@example.test".to_vec()), 1),
        ],
        body: body.to_vec(),
        ..FuzzMail::default()
    };
    let checked = check(&m, None, 0).expect("any body passes with mime");
    assert_eq!(checked.eight_bit, body.iter().any(|&b| b >= 0x80));
    if checked.raw_ok {
        assert!(!body.contains(&0), "NUL in a text that goes as it is");
        for line in lines(&whole) {
            assert!(line.len() <= 998, "line of {} octets", line.len() + 2);
        }
    }

    // Quoted-printable.
    let qp = enc_wire(body, &[3 * ROOM + 12 * body.len()], true);
    assert_eq!(enc_wire(body, &[ROOM], true), qp, "buffers of ROOM");
    if !sizes.is_empty() {
        let chosen: Vec<usize> = sizes.iter().map(|&s| ROOM + usize::from(s)).collect();
        assert_eq!(enc_wire(body, &chosen, true), qp, "buffers of {chosen:?}");
    }
    assert_clean(&qp);
    assert!(qp.is_empty() || qp.ends_with(b"\r\n"));
    let mut with_end = qp.clone();
    with_end.extend_from_slice(b".\r\n");
    let text = destuff(&with_end);
    assert_eq!(qp_decode(&text), canonical(body));

    // Base64.
    let b64 = enc_wire(body, &[3 * ROOM + 2 * body.len()], false);
    assert_eq!(enc_wire(body, &[ROOM], false), b64, "buffers of ROOM");
    if !sizes.is_empty() {
        let chosen: Vec<usize> = sizes.iter().map(|&s| ROOM + usize::from(s)).collect();
        assert_eq!(enc_wire(body, &chosen, false), b64, "buffers of {chosen:?}");
    }
    assert_clean(&b64);
    assert_eq!(b64_decode(&b64), body);
});
