// SPDX-License-Identifier: MIT OR Apache-2.0
//! AUTH CRAM-MD5 (RFC 2195; `cram-md5`): the digest of the server's
//! challenge and the response that carries it.
//!
//! The 334 reply's text is the challenge in base64 (RFC 4954 §4); the
//! response is base64(user SP lowercase-hex(HMAC-MD5(password, challenge))).
//! The challenge is decoded straight into the HMAC (no buffer for it), and
//! strictly: base64 digits in groups of four, `=` only to pad the last
//! group, no bits left over; an empty challenge is malformed too. The
//! engine renders the response from the digest again whenever the out
//! buffer cut it (`Engine::render`).

use crate::md5::HmacMd5;
use crate::writer::Writer;

/// HMAC-MD5 of the base64-decoded `challenge` under `password`; `None`
/// when the challenge is empty or not canonical base64.
pub fn digest(challenge: &[u8], password: &[u8]) -> Option<[u8; 16]> {
    if challenge.is_empty() || challenge.len() % 4 != 0 {
        return None;
    }
    let mut mac = HmacMd5::new(password);
    let (mut acc, mut bits, mut pad) = (0u32, 0u32, 0usize);
    for (i, &c) in challenge.iter().enumerate() {
        if c == b'=' {
            // Only the last one or two digits of the last group.
            if challenge.len() - i > 2 {
                return None;
            }
            pad += 1;
            continue;
        }
        if pad > 0 {
            return None;
        }
        acc = (acc << 6 | crate::base64::value(c)?) & 0xfff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            mac.byte((acc >> bits) as u8);
        }
    }
    // Padding leaves 2 or 4 bits over, which must be zero; an empty
    // decoded challenge ("====" is refused above) cannot happen here.
    if acc & ((1 << bits) - 1) != 0 {
        return None;
    }
    Some(mac.finish())
}

/// Writes the response: base64(user SP lowercase-hex(digest)).
pub fn put_response(w: &mut Writer<'_>, user: &[u8], digest: &[u8; 16]) {
    let mut hex = [0u8; 32];
    for (pair, &d) in hex.chunks_exact_mut(2).zip(digest) {
        for (h, nibble) in pair.iter_mut().zip([d >> 4, d & 15]) {
            *h = if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            };
        }
    }
    crate::base64::put(w, &[user, b" ", &hex]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(challenge: &str, user: &str, password: &str) -> Option<String> {
        let d = digest(challenge.as_bytes(), password.as_bytes())?;
        let mut buf = [0u8; 128];
        let mut w = Writer::new(&mut buf, 0);
        put_response(&mut w, user.as_bytes(), &d);
        let n = w.len();
        Some(String::from_utf8(buf[..n].to_vec()).unwrap())
    }

    /// RFC 2195 §2's example exchange.
    #[test]
    fn rfc2195_example() {
        assert_eq!(
            response(
                "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
                "tim",
                "tanstaaftanstaaf"
            )
            .as_deref(),
            Some("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")
        );
    }

    /// Padded challenges of every length modulo 3, against Python's
    /// `hmac.new(b"pw", challenge, "md5")`.
    #[test]
    fn padded_challenges() {
        for (b64, mac) in [
            ("YQ==", "bf35b213ab7a8074b77ed8f05c73c5e3"),
            ("YWI=", "3c5d26902775838c09e54329b3404767"),
            ("YWJj", "409e813addbfcef3aa0fa205c2800634"),
        ] {
            let d = digest(b64.as_bytes(), b"pw").unwrap();
            let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, mac, "{b64}");
        }
    }

    #[test]
    fn malformed_challenges() {
        for bad in [
            "", "YQ", "YQ=", "Y===", "====", "YQ==YWJj", "Y=Q=", "YW=j", "YR==", "YWJ=", "YW J",
            "YWJ\0", "YWJ-", "YWJ_", "YWJj\r\n", " YWJj",
        ] {
            assert_eq!(digest(bad.as_bytes(), b"pw"), None, "{bad:?}");
        }
    }
}
