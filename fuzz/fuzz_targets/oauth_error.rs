// SPDX-License-Identifier: MIT OR Apache-2.0
//! The OAuth error challenge's status (`oauth::status`, RFC 7628 §3.2.2)
//! on arbitrary 334 texts.
//!
//! Input: a mode byte, then bytes. Mode even: the bytes are the 334's text
//! as the server sent it. Mode odd: they are a "status" value put in a JSON
//! object (after a key that is not "status"), base64-encoded through the
//! library's own encoder.
//!
//! Checked: never 0 (0 means "no challenge" in the report) and never a
//! panic; text that is not strict base64 (RFC 4648: length a multiple of
//! four, `=` only as the last one or two, no bits left over) is 1; a value
//! of one to four digits is that number (0 read as 1), RFC 6750's three
//! error codes 400, 401, 403, any other value 1 (the library compares
//! values by 32-bit FNV-1a: a collision with a code would fail this check,
//! and would be one).
#![no_main]

use ip_smtpc::oauth::status;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::base64::{decode, encode};

fn expected(value: &[u8]) -> u16 {
    if (1..=4).contains(&value.len()) && value.iter().all(u8::is_ascii_digit) {
        let n: u16 = std::str::from_utf8(value).unwrap().parse().unwrap();
        return n.max(1);
    }
    match value {
        b"invalid_request" => 400,
        b"invalid_token" => 401,
        b"insufficient_scope" => 403,
        _ => 1,
    }
}

fuzz_target!(|data: &[u8]| {
    let [mode, rest @ ..] = data else {
        return;
    };
    if mode & 1 == 0 {
        let s = status(rest);
        assert_ne!(s, 0);
        if rest.is_empty() || decode(rest).is_none() {
            assert_eq!(s, 1, "{rest:?}");
        }
        return;
    }
    if rest.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20) {
        return;
    }
    let mut json = b"{\"scope\": \"status\", \"status\" : \"".to_vec();
    json.extend_from_slice(rest);
    json.extend_from_slice(b"\"}");
    let text = encode(&json);
    assert_eq!(decode(&text).as_deref(), Some(&json[..]));
    assert_eq!(
        status(&text),
        expected(rest),
        "{:?}",
        String::from_utf8_lossy(rest)
    );
});
