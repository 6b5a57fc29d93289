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

/// The value of base64 digit `c` (RFC 4648 §4), `None` for anything else
/// (the strict decoders of `cram-md5`'s challenge and `oauth`'s error):
/// the digit that [`digit`] gives `c` for, found by trying all 64 (a few
/// short texts decode: bytes of code matter more than cycles).
#[cfg(any(feature = "cram-md5", feature = "oauth"))]
pub fn value(c: u8) -> Option<u32> {
    (0..64).find(|&v| digit(v) == c)
}

/// Writes base64 of `parts` concatenated, with `=` padding: a bit stream
/// read six bits at a time (one place writes a digit; no 4-digit groups).
pub fn put(w: &mut Writer<'_>, parts: &[&[u8]]) {
    let (mut acc, mut bits) = (0u32, 0u32);
    for part in parts {
        for &b in *part {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 6 {
                bits -= 6;
                w.byte(digit(acc >> bits));
            }
        }
    }
    // The bits left tell the input's length mod 3: none, 2 (one octet
    // over: their digit and two `=`) or 4 (two octets over: their digit
    // and one `=`).
    if bits > 0 {
        let mut c = digit(acc << (6 - bits));
        while bits <= 6 {
            w.byte(c);
            c = b'=';
            bits += 2;
        }
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

    /// `value` undoes `digit` and knows no other octet.
    #[cfg(any(feature = "cram-md5", feature = "oauth"))]
    #[test]
    fn values_undo_digits() {
        for v in 0..64 {
            assert_eq!(value(digit(v)), Some(v));
        }
        assert_eq!((0..=255u8).filter(|&c| value(c).is_some()).count(), 64);
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

    /// Every length up to 40, split into parts anywhere, against a
    /// reference encoder.
    #[test]
    fn lengths_and_splits() {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for n in 0..40usize {
            let data: Vec<u8> = (0..n).map(|i| (i * 97 + 13) as u8).collect();
            let mut want = String::new();
            for g in data.chunks(3) {
                let v = g
                    .iter()
                    .enumerate()
                    .fold(0u32, |v, (i, &b)| v | u32::from(b) << (16 - 8 * i));
                for k in 0..4 {
                    want.push(if k <= g.len() {
                        A[(v >> (18 - 6 * k) & 63) as usize] as char
                    } else {
                        '='
                    });
                }
            }
            for cut in 0..=n {
                let (a, b) = data.split_at(cut);
                assert_eq!(b64(&[a, b"", b]), want, "{n} {cut}");
            }
        }
    }
}
