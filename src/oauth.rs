// SPDX-License-Identifier: MIT OR Apache-2.0
//! AUTH XOAUTH2 and OAUTHBEARER (RFC 7628; `oauth`): the bearer token's
//! check, the response that carries it, and the status of
//! the server's error challenge.
//!
//! The response is rendered through the one base64 encoder:
//! XOAUTH2 base64("user=" U ^A "auth=Bearer " T ^A ^A), OAUTHBEARER
//! base64("n,a=" U "," ^A "auth=Bearer " T ^A ^A) (RFC 7628 §3.1). A user
//! with `,` or `=` (which RFC 5801 would escape in the authzid) is refused
//! before connecting, as is a token that is not an RFC 6750 b64token of at
//! most [`MAX_TOKEN`] octets.
//!
//! A failed exchange: the server sends a 334 whose text is base64 of a
//! JSON object with a "status" (RFC 7628 §3.2.2: "invalid_token",
//! "insufficient_scope", "invalid_request"; Google's XOAUTH2: an HTTP code
//! as a string, "401"). [`status`] decodes it strictly and streams it
//! through a small scanner (nothing is buffered but the status value).

use crate::writer::Writer;

/// Longest bearer token accepted (octets).
pub const MAX_TOKEN: usize = 4096;
/// The server offers AUTH XOAUTH2 (an engine capability bit).
pub const CAP_XOAUTH2: u32 = 1 << 16;
/// The server offers AUTH OAUTHBEARER (an engine capability bit).
pub const CAP_OAUTHBEARER: u32 = 1 << 17;
/// Longest command line, CR LF included (RFC 4954 §4: 12,288 for the
/// response alone, but RFC 5321 §4.5.3.1.4 bounds the command at 512).
pub const MAX_LINE: usize = 512;

/// `true` when `token` is an RFC 6750 §2.1 b64token of 1 to
/// [`MAX_TOKEN`] octets: ALPHA, DIGIT, `-._~+/`, then only `=`.
pub fn valid_token(token: &[u8]) -> bool {
    let mut pad = false;
    for &c in token {
        if c == b'=' {
            pad = true;
        } else if pad
            || !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
        {
            return false;
        }
    }
    // Not padding alone.
    token.first().is_some_and(|&c| c != b'=') && token.len() <= MAX_TOKEN
}

/// `true` when `user` can go in the response as it is: not empty, no `,`
/// or `=` (RFC 5801's authzid escapes are not written) and no control
/// character (^A separates the fields).
pub fn valid_user(user: &[u8]) -> bool {
    !user.is_empty() && user.iter().all(|&c| c >= 0x20 && c != b',' && c != b'=')
}

/// The mechanism's name.
pub fn name(bearer: bool) -> &'static [u8] {
    if bearer {
        b"OAUTHBEARER"
    } else {
        b"XOAUTH2"
    }
}

/// Writes the base64 response for `user` and `token`.
#[inline(always)]
pub fn put_response(w: &mut Writer<'_>, bearer: bool, user: &[u8], token: &[u8]) {
    let head: &[u8] = if bearer { b"n,a=" } else { b"user=" };
    // OAUTHBEARER's separator is XOAUTH2's after a `,`.
    const SEP: &[u8] = b",\x01auth=Bearer ";
    let sep = SEP.get(usize::from(!bearer)..).unwrap_or_default();
    crate::base64::put(w, &[head, user, sep, token, b"\x01\x01"]);
}

/// `true` when `AUTH <name> <response>` CR LF fits [`MAX_LINE`]: the
/// response goes as the initial one; else it follows an empty 334.
pub fn initial_fits(bearer: bool, user: &[u8], token: &[u8]) -> bool {
    // Both forms frame the user and the token with 20 octets.
    let raw = 20 + user.len() + token.len();
    "AUTH ".len() + name(bearer).len() + 1 + raw.div_ceil(3) * 4 + 2 <= MAX_LINE
}

/// FNV-1a (32 bits): the scanner's strings are compared by it.
const FNV_OFFSET: u32 = 0x811c_9dc5;
/// See [`FNV_OFFSET`].
const FNV_PRIME: u32 = 0x0100_0193;
/// FNV-1a of RFC 6750 §3.1's error codes and the status each stands for
/// ("invalid_request", "invalid_token", "insufficient_scope"; checked in
/// the tests). A value whose hash is one of these and is not the code is
/// a collision of 32-bit FNV-1a: it would read as that code.
const CODES: [(u32, u16); 3] = [(0x0d07_aeba, 400), (0xfa99_472a, 401), (0x2344_6f15, 403)];

/// `"status"` as the last eight octets read (the scanner's window).
const KEY: u64 = u64::from_be_bytes(*b"\"status\"");

/// Where the scanner is: looking for `"status"` and its `:`.
const SEEK: u32 = 0;
/// After that `:`: the value comes next.
const AFTER_COLON: u32 = 1;
/// In the status, a string.
const STRING: u32 = 2;
/// In the status, a number (which may end with the text).
const NUMBER: u32 = 3;
/// The status was read.
const READ: u32 = 4;

/// The JSON scanner of [`status`]: where it is, the last eight octets
/// while it seeks, and the status value as it comes: its FNV-1a `hash`,
/// the `number` of its digits and its length `n` (5 or more once an
/// octet was not a digit).
struct Scan {
    at: u32,
    window: u64,
    hash: u32,
    number: u32,
    n: u32,
}

impl Scan {
    /// Takes the next decoded octet.
    #[inline(never)]
    fn byte(&mut self, c: u8) {
        let decimal = c.is_ascii_digit();
        let space = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        if self.at == SEEK {
            if self.window == KEY {
                // `"status"` came: white space, then `:`; else the
                // matcher starts again at `c`.
                if space || c == b':' {
                    self.at = if space { SEEK } else { AFTER_COLON };
                    return;
                }
                self.window = 0;
            }
            self.window = self.window << 8 | u64::from(c);
            return;
        }
        if self.at == AFTER_COLON {
            if space {
                return;
            }
            if c == b'"' {
                self.at = STRING;
                return;
            }
            // A number's first digit is its first octet; anything else
            // ends an empty "number", which is no status we know.
            self.at = NUMBER;
        }
        if (self.at == STRING && c == b'"') || (self.at == NUMBER && !decimal) {
            self.at = READ;
        }
        if self.at < READ {
            // An escape makes no status we know: its backslash is hashed.
            self.hash = (self.hash ^ u32::from(c)).wrapping_mul(FNV_PRIME);
            self.number = self
                .number
                .wrapping_mul(10)
                .wrapping_add(u32::from(c.wrapping_sub(b'0')));
            self.n = if decimal { self.n + 1 } else { 5 };
        }
    }

    /// The status value read: one to four digits as they are (0 as 1),
    /// RFC 6750's error codes as 400, 401 and 403, anything else (and no
    /// value, or an unclosed string) 1. A number may end with the text.
    fn figure(&self) -> u16 {
        if self.at < NUMBER {
            return 1;
        }
        if (1..=4).contains(&self.n) {
            return (self.number as u16).max(1);
        }
        CODES
            .iter()
            .find(|&&(h, _)| h == self.hash)
            .map_or(1, |&(_, status)| status)
    }
}

/// The status of an error challenge: `text` (the 334's text) is strict
/// base64 of a JSON object, decoded into a small matcher (a few words, no
/// buffer): the first `"status"` followed by `:`, and its value, a
/// string (hashed as it comes, see [`CODES`]) or a number (see
/// [`Scan::figure`]). Nesting is not tracked: the objects servers send are
/// flat (RFC 7628 §3.2.2, Google's, Dovecot's). Malformed base64, no
/// status, an unclosed string: 1. Never 0 (0 in the report: no error
/// challenge).
pub fn status(text: &[u8]) -> u16 {
    if text.is_empty() || text.len() % 4 != 0 {
        return 1;
    }
    // `=` only as the last one or two digits.
    let mut digits = text;
    for _ in 0..2 {
        if let [rest @ .., b'='] = digits {
            digits = rest;
        }
    }
    let mut scan = Scan {
        at: SEEK,
        window: 0,
        hash: FNV_OFFSET,
        number: 0,
        n: 0,
    };
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in digits {
        let Some(v) = crate::base64::value(b) else {
            return 1;
        };
        acc = (acc << 6 | v) & 0xfff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            scan.byte((acc >> bits) as u8);
        }
    }
    if acc & ((1 << bits) - 1) != 0 {
        return 1;
    }
    scan.figure()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        let mut buf = vec![0u8; s.len() * 2 + 8];
        let mut w = Writer::new(&mut buf, 0);
        crate::base64::put(&mut w, &[s]);
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    fn response(bearer: bool, user: &str, token: &str) -> String {
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf, 0);
        put_response(&mut w, bearer, user.as_bytes(), token.as_bytes());
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    /// Google's XOAUTH2 example and RFC 7628 §4.1's OAUTHBEARER one.
    #[test]
    fn responses_as_the_documents_give_them() {
        assert_eq!(
            response(false, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
        // RFC 7628 §4.1 sends host and port too; without them:
        assert_eq!(
            response(true, "user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="),
            b64(b"n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01")
        );
    }

    #[test]
    fn tokens_and_users() {
        for good in [
            "a",
            "ya29.A-b_c~d+e/f",
            "abc=",
            "abc==",
            &"t".repeat(MAX_TOKEN),
        ] {
            assert!(valid_token(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            "=",
            "a=b",
            "a b",
            "a\u{1}",
            "a,b",
            "a\"",
            "ä",
            "a\r\n",
            &"t".repeat(MAX_TOKEN + 1),
        ] {
            assert!(!valid_token(bad.as_bytes()), "{bad:?}");
        }
        assert!(valid_user(b"user@example.test"));
        for bad in ["", "a,b", "a=b", "a\u{1}", "a\r"] {
            assert!(!valid_user(bad.as_bytes()), "{bad:?}");
        }
    }

    /// The initial response goes when the whole line is at most 512
    /// octets: the limit found by rendering it.
    #[test]
    fn initial_response_limit() {
        for bearer in [false, true] {
            for user in ["u", "user@example.test"] {
                for n in 300..400 {
                    let token = "t".repeat(n);
                    let line =
                        5 + name(bearer).len() + 1 + response(bearer, user, &token).len() + 2;
                    assert_eq!(
                        initial_fits(bearer, user.as_bytes(), token.as_bytes()),
                        line <= 512,
                        "{bearer} {n}"
                    );
                }
            }
        }
    }

    /// The hashes the scanner compares with.
    #[test]
    fn hashes() {
        let fnv = |s: &[u8]| {
            s.iter().fold(FNV_OFFSET, |h, &c| {
                (h ^ u32::from(c)).wrapping_mul(FNV_PRIME)
            })
        };
        for (code, (hash, _)) in [
            &b"invalid_request"[..],
            b"invalid_token",
            b"insufficient_scope",
        ]
        .iter()
        .zip(CODES)
        {
            assert_eq!(fnv(code), hash);
        }
    }

    #[test]
    fn statuses() {
        for (json, want) in [
            (
                &br#"{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#[..],
                401,
            ),
            (br#"{"status":"invalid_token","scope":"mail"}"#, 401),
            (
                br#"{ "schemes" : "bearer", "status" : "insufficient_scope" }"#,
                403,
            ),
            (br#"{"status":"invalid_request"}"#, 400),
            (br#"{"status":400}"#, 400),
            (br#"{"status":"server_error"}"#, 1),
            (br#"{"status":"4\u0030"}"#, 1),
            (br#"{"x":{"status":"401"},"status":"invalid_token"}"#, 401),
            (br#"{"x":["status","401"]}"#, 1),
            (br#"{"stat\"us":"401"}"#, 1),
            (br#"{"statu":"401"}"#, 1),
            (br#"{"statuss":"401"}"#, 1),
            (br#"{"note":"status","status":"403"}"#, 403),
            (br#"{"status""#, 1),
            (br#"{"status":"401"#, 1),
            (br#"{"status":0}"#, 1),
            (br#"{"status":"0401"}"#, 401),
            (br#"{"status":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#, 1),
            (b"", 1),
            (b"\xff\xfe", 1),
        ] {
            assert_eq!(
                status(b64(json).as_bytes()),
                want,
                "{}",
                String::from_utf8_lossy(json)
            );
        }
        // Not base64 (strictly): 1.
        for bad in [
            "",
            "e30",
            "e30=e30=",
            "e3=0",
            "e31=",
            "{\"status\":\"401\"}",
            "e30= ",
        ] {
            assert_eq!(status(bad.as_bytes()), 1, "{bad}");
        }
    }

    /// Any bytes, any length: a status, no panic (the fuzz target's loop).
    #[test]
    fn arbitrary_input() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet = b"eyJzdGF0dXMiOiI0MDEifQ==+/\"{}:,AQ";
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            assert!(status(&bytes) >= 1);
        }
    }
}
