// SPDX-License-Identifier: MIT OR Apache-2.0
//! The CRAM-MD5 challenge (`cram::digest`, RFC 2195) on arbitrary 334
//! texts and passwords, against the RustCrypto HMAC-MD5 as the oracle.
//!
//! Input: a mode byte, a password length byte, the password, then bytes.
//! Mode even: the bytes are the 334's text as the server sent it. Mode
//! odd: they are the challenge itself, base64-encoded through the
//! library's own encoder (so the valid path is reached every time).
//!
//! Checked: never a panic; `None` exactly when the text is empty or not
//! canonical base64 (RFC 4648: length a multiple of four, `=` only as the
//! last one or two, no bits left over); otherwise HMAC-MD5(password,
//! decoded challenge) as RFC 2104 defines it, for passwords shorter and
//! longer than MD5's 64-byte block; and the response the engine writes,
//! base64(user SP lowercase hex), decodes to exactly that.
#![no_main]

use hmac::{Hmac, Mac};
use ip_smtpc::cram::{digest, put_response};
use ip_smtpc::writer::Writer;
use libfuzzer_sys::fuzz_target;
use md5::Md5;

#[path = "common/mod.rs"]
mod common;
use common::base64::{decode, encode};

fn reference(password: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut mac = Hmac::<Md5>::new_from_slice(password).expect("HMAC takes any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

fuzz_target!(|data: &[u8]| {
    let [mode, len, rest @ ..] = data else {
        return;
    };
    let (password, bytes) = rest.split_at((*len as usize).min(rest.len()));
    let text = if mode & 1 == 0 {
        bytes.to_vec()
    } else {
        encode(bytes)
    };
    let got = digest(&text, password);
    let want = decode(&text)
        .filter(|d| !d.is_empty())
        .map(|d| reference(password, &d));
    assert_eq!(got, want, "text {:?}", String::from_utf8_lossy(&text));
    if mode & 1 == 1 && !bytes.is_empty() {
        assert!(got.is_some(), "the library's own encoding refused");
    }
    let Some(mac) = got else {
        return;
    };
    let user = b"user@ip-smtpc.test";
    let mut out = [0u8; 96];
    let mut w = Writer::new(&mut out, 0);
    put_response(&mut w, user, &mac);
    let n = w.len();
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    let plain = format!("{} {hex}", String::from_utf8_lossy(user));
    assert_eq!(decode(&out[..n]).as_deref(), Some(plain.as_bytes()));
});
