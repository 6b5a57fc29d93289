// SPDX-License-Identifier: MIT OR Apache-2.0
//! AUTH XOAUTH2 and OAUTHBEARER (RFC 7628; `oauth`): the bearer token's
//! check, the response that carries it, the EHLO words, and the status of
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
        match c {
            b'=' => pad = true,
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'/'
                if !pad => {}
            _ => return false,
        }
    }
    (1..=MAX_TOKEN).contains(&token.len()) && token.first() != Some(&b'=')
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
pub fn put_response(w: &mut Writer<'_>, bearer: bool, user: &[u8], token: &[u8]) {
    let (head, sep): (&[u8], &[u8]) = if bearer {
        (b"n,a=", b",\x01auth=Bearer ")
    } else {
        (b"user=", b"\x01auth=Bearer ")
    };
    crate::base64::put(w, &[head, user, sep, token, b"\x01\x01"]);
}

/// `true` when `AUTH <name> <response>` CR LF fits [`MAX_LINE`]: the
/// response goes as the initial one; else it follows an empty 334.
pub fn initial_fits(bearer: bool, user: &[u8], token: &[u8]) -> bool {
    // Both forms frame the user and the token with 20 octets.
    let raw = 20 + user.len() + token.len();
    "AUTH ".len() + name(bearer).len() + 1 + raw.div_ceil(3) * 4 + 2 <= MAX_LINE
}

/// The capability bits of one EHLO line: [`CAP_XOAUTH2`] and
/// [`CAP_OAUTHBEARER`] among the parameters of `AUTH` (or `AUTH=`).
pub fn offered(text: &[u8]) -> u32 {
    let mut words = text.split(|&c| c == b' ' || c == b'=');
    if !words.next().is_some_and(|k| k.eq_ignore_ascii_case(b"AUTH")) {
        return 0;
    }
    words.fold(0, |caps, w| {
        caps | if w.eq_ignore_ascii_case(b"XOAUTH2") {
            CAP_XOAUTH2
        } else if w.eq_ignore_ascii_case(b"OAUTHBEARER") {
            CAP_OAUTHBEARER
        } else {
            0
        }
    })
}

/// The value of base64 digit `c` (RFC 4648 §4).
fn digit(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Most octets of a status value kept ("insufficient_scope" is 18).
const VALUE: usize = 20;

/// Where the scanner is in the JSON text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// Between tokens.
    Between,
    /// In a string (`key`: a key of the top object), after `n` octets.
    Str { key: bool, n: usize, escape: bool },
    /// The key "status" ended: its `:` comes next.
    Colon,
    /// After that `:`: the value comes next.
    Value,
    /// In the status string or number.
    InValue { quoted: bool },
    /// The status was read (or cannot be).
    Done,
}

/// A streaming scanner for the top-level "status" of a JSON object.
struct Scan {
    at: At,
    depth: u32,
    /// The last structural octet at depth 1 was `{` or `,`: a key may follow.
    key_next: bool,
    /// The string being read still reads "status".
    status: bool,
    value: [u8; VALUE],
    len: usize,
    /// The value is over-long or has an escape: not one we know.
    unknown: bool,
}

impl Scan {
    fn byte(&mut self, c: u8) {
        match self.at {
            At::Done => {}
            At::Str { key, n, escape } => {
                if escape {
                    self.status = false;
                    self.at = At::Str {
                        key,
                        n: n + 1,
                        escape: false,
                    };
                } else if c == b'\\' {
                    self.status = false;
                    self.at = At::Str {
                        key,
                        n,
                        escape: true,
                    };
                } else if c == b'"' {
                    self.at = if key && self.status && n == 6 {
                        At::Colon
                    } else {
                        At::Between
                    };
                } else {
                    self.status &= b"status".get(n) == Some(&c);
                    self.at = At::Str {
                        key,
                        n: n + 1,
                        escape: false,
                    };
                }
            }
            At::InValue { quoted } => match c {
                b'"' if quoted => self.at = At::Done,
                b'\\' if quoted => {
                    self.unknown = true;
                    self.at = At::Done;
                }
                b'0'..=b'9' if !quoted => self.keep(c),
                _ if !quoted => self.at = At::Done,
                _ => self.keep(c),
            },
            _ if matches!(c, b' ' | b'\t' | b'\r' | b'\n') => {}
            At::Colon => {
                self.at = if c == b':' { At::Value } else { At::Done };
            }
            At::Value => match c {
                b'"' => self.at = At::InValue { quoted: true },
                b'0'..=b'9' => {
                    self.at = At::InValue { quoted: false };
                    self.keep(c);
                }
                _ => self.at = At::Done,
            },
            At::Between => {
                match c {
                    b'"' => {
                        self.status = true;
                        self.at = At::Str {
                            key: self.depth == 1 && self.key_next,
                            n: 0,
                            escape: false,
                        };
                    }
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
                self.key_next = self.depth == 1 && matches!(c, b'{' | b',');
            }
        }
    }

    fn keep(&mut self, c: u8) {
        match self.value.get_mut(self.len) {
            Some(slot) => *slot = c,
            None => self.unknown = true,
        }
        self.len += 1;
    }

    /// The status as a number: an HTTP-like code as it is, RFC 6750's
    /// error codes as 400, 401 and 403, anything else 1.
    fn result(&self) -> u16 {
        let value = self.value.get(..self.len).unwrap_or_default();
        if self.at != At::Done && !matches!(self.at, At::InValue { quoted: false }) {
            return 1;
        }
        if self.unknown || value.is_empty() {
            return 1;
        }
        if value.len() <= 4 && value.iter().all(u8::is_ascii_digit) {
            let n = value
                .iter()
                .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
            return n.max(1);
        }
        match value {
            b"invalid_request" => 400,
            b"invalid_token" => 401,
            b"insufficient_scope" => 403,
            _ => 1,
        }
    }
}

/// The status of an error challenge: `text` (the 334's text) is strict
/// base64 of a JSON object; its top-level "status" as a string or a
/// number gives the figure (see `Scan::result`). Malformed base64, no
/// object or no status: 1. Never 0 (0 in the report: no error challenge).
pub fn status(text: &[u8]) -> u16 {
    if text.is_empty() || text.len() % 4 != 0 {
        return 1;
    }
    let mut scan = Scan {
        at: At::Between,
        depth: 0,
        key_next: false,
        status: false,
        value: [0; VALUE],
        len: 0,
        unknown: false,
    };
    let (mut acc, mut bits, mut pad) = (0u32, 0u32, 0usize);
    for (i, &c) in text.iter().enumerate() {
        if c == b'=' && text.len() - i <= 2 {
            pad += 1;
            continue;
        }
        let Some(v) = digit(c).filter(|_| pad == 0) else {
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
    scan.result()
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
        for good in ["a", "ya29.A-b_c~d+e/f", "abc=", "abc==", &"t".repeat(MAX_TOKEN)] {
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
                    let line = 5 + name(bearer).len() + 1 + response(bearer, user, &token).len() + 2;
                    assert_eq!(
                        initial_fits(bearer, user.as_bytes(), token.as_bytes()),
                        line <= 512,
                        "{bearer} {n}"
                    );
                }
            }
        }
    }

    #[test]
    fn ehlo_words() {
        assert_eq!(offered(b"AUTH PLAIN XOAUTH2"), CAP_XOAUTH2);
        assert_eq!(
            offered(b"auth=oauthbearer xoauth2"),
            CAP_XOAUTH2 | CAP_OAUTHBEARER
        );
        for no in [&b"XOAUTH2"[..], b"AUTHX XOAUTH2", b"AUTH XOAUTH", b"AUTH XOAUTH2X", b"SIZE OAUTHBEARER"] {
            assert_eq!(offered(no), 0, "{no:?}");
        }
    }

    #[test]
    fn statuses() {
        for (json, want) in [
            (&br#"{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#[..], 401),
            (br#"{"status":"invalid_token","scope":"mail"}"#, 401),
            (br#"{ "schemes" : "bearer", "status" : "insufficient_scope" }"#, 403),
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
            assert_eq!(status(b64(json).as_bytes()), want, "{}", String::from_utf8_lossy(json));
        }
        // Not base64 (strictly): 1.
        for bad in ["", "e30", "e30=e30=", "e3=0", "e31=", "{\"status\":\"401\"}", "e30= "] {
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
