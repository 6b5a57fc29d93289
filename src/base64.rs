// SPDX-License-Identifier: MIT OR Apache-2.0
//! Base64 (RFC 4648 §4) of concatenated parts, for AUTH PLAIN and LOGIN.

use crate::writer::Writer;

/// The base64 digit for the low six bits of `v`, by arithmetic (no table).
fn digit(v: u32) -> u8 {
    let v = (v & 63) as u8;
    match v {
        0..=25 => b'A' + v,
        26..=51 => b'a' + (v - 26),
        52..=61 => b'0' + (v - 52),
        62 => b'+',
        _ => b'/',
    }
}

/// Writes base64 of `parts` concatenated, with `=` padding.
pub fn put(w: &mut Writer<'_>, parts: &[&[u8]]) {
    let mut acc = 0u32;
    let mut n = 0u32;
    for part in parts {
        for &b in *part {
            acc = (acc << 8) | u32::from(b);
            n += 1;
            if n == 3 {
                quad(w, acc, 4);
                acc = 0;
                n = 0;
            }
        }
    }
    if n > 0 {
        quad(w, acc << (8 * (3 - n)), n + 1);
    }
}

/// Writes the first `digits` digits of the 24-bit group `acc`, padding to 4.
fn quad(w: &mut Writer<'_>, acc: u32, digits: u32) {
    for i in 0..4u32 {
        w.byte(if i < digits {
            digit(acc >> (18 - 6 * i))
        } else {
            b'='
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(parts: &[&[u8]]) -> String {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf, 0);
        put(&mut w, parts);
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(b64(&[i.as_bytes()]), o);
        }
        assert_eq!(b64(&[b"\0", b"user", b"\0", b"pass"]), "AHVzZXIAcGFzcw==");
        assert_eq!(b64(&[b"\xfb\xff"]), "+/8=");
    }
}
