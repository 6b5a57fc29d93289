// SPDX-License-Identifier: MIT OR Apache-2.0
//! The DATA encoder (`data::DotStuffer`) on arbitrary bodies in arbitrary
//! pieces.
//!
//! Input: byte 0 = number of cut points (low 4 bits), then one byte per cut
//! (the length of the piece before it); the rest is the body. The body is
//! encoded whole, in the chosen pieces, and a byte at a time through
//! `data::Stuffed` (the `Out` wrapper the session uses); the three wires
//! must be equal, have no bare CR or LF, end with exactly one end-of-data
//! line, and de-stuff (as a receiver does, RFC 5321 §4.5.2) to the body
//! with its line breaks canonicalised.
#![no_main]

use ip_smtpc::cursor::Out;
use ip_smtpc::data::{DotStuffer, Stuffed};
use libfuzzer_sys::fuzz_target;

/// The unit tests' reference canonicaliser, one copy for all.
#[path = "../../src/testutil.rs"]
#[allow(dead_code)]
mod testutil;
use testutil::{assert_clean, canonical, destuff};

struct Wire(Vec<u8>);

impl Out for Wire {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn encode<'a>(pieces: impl Iterator<Item = &'a [u8]>) -> (Vec<u8>, DotStuffer) {
    let mut enc = DotStuffer::new();
    let mut wire = Wire(Vec::new());
    for piece in pieces {
        enc.feed(piece, &mut wire);
    }
    wire.put(enc.finish());
    (wire.0, enc)
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let cuts = usize::from(head & 0x0f).min(rest.len());
    let (lengths, body) = rest.split_at(cuts);

    let (whole, enc) = encode(std::iter::once(body));
    assert_eq!(
        enc.at_line_start(),
        matches!(body.last(), None | Some(b'\r' | b'\n'))
    );

    let mut pieces = Vec::new();
    let mut left = body;
    for &len in lengths {
        let (piece, tail) = left.split_at(usize::from(len).min(left.len()));
        pieces.push(piece);
        left = tail;
    }
    pieces.push(left);
    let (split, _) = encode(pieces.into_iter());
    assert_eq!(split, whole, "cut at {lengths:?}");

    let mut wire = Wire(Vec::new());
    let mut stuffed = Stuffed {
        out: &mut wire,
        state: DotStuffer::new(),
    };
    for &b in body {
        stuffed.byte(b);
    }
    let end = stuffed.state.finish();
    wire.put(end);
    assert_eq!(wire.0, whole, "byte at a time");

    assert_clean(&whole);
    assert!(whole.ends_with(b"\r\n.\r\n") || whole == b".\r\n");
    assert_eq!(destuff(&whole), canonical(body));
});
