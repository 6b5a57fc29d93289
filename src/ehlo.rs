// SPDX-License-Identifier: MIT OR Apache-2.0
//! Capabilities announced in the EHLO reply (RFC 5321 §4.1.1.1).
//!
//! ```text
//! ehlo-line = ehlo-keyword *( SP ehlo-param )
//! ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
//! ```
//!
//! Keywords are compared case-insensitively. Unknown keywords and malformed
//! parameters are ignored; nothing here can fail or panic.

use crate::auth::Mechanisms;

/// Bit set of the extensions the library cares about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    flags: u16,
    /// SIZE limit in octets; `None` without SIZE or with `SIZE` / `SIZE 0`
    /// (no fixed limit). Values beyond `u32` saturate.
    pub size_limit: Option<u32>,
    /// AUTH mechanisms offered, limited to those this library knows.
    pub auth: Mechanisms,
}

/// One extension keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Extension {
    /// RFC 2920.
    Pipelining = 1 << 0,
    /// RFC 1870.
    Size = 1 << 1,
    /// RFC 6152.
    EightBitMime = 1 << 2,
    /// RFC 6531.
    SmtpUtf8 = 1 << 3,
    /// RFC 3461.
    Dsn = 1 << 4,
    /// RFC 3030.
    Chunking = 1 << 5,
    /// RFC 2034.
    EnhancedStatusCodes = 1 << 6,
    /// RFC 3207.
    StartTls = 1 << 7,
    /// RFC 4954.
    Auth = 1 << 8,
}

const KEYWORDS: [(&[u8], Extension); 9] = [
    (b"PIPELINING", Extension::Pipelining),
    (b"SIZE", Extension::Size),
    (b"8BITMIME", Extension::EightBitMime),
    (b"SMTPUTF8", Extension::SmtpUtf8),
    (b"DSN", Extension::Dsn),
    (b"CHUNKING", Extension::Chunking),
    (b"ENHANCEDSTATUSCODES", Extension::EnhancedStatusCodes),
    (b"STARTTLS", Extension::StartTls),
    (b"AUTH", Extension::Auth),
];

impl Capabilities {
    /// `true` when the server announced `ext`.
    pub fn has(&self, ext: Extension) -> bool {
        self.flags & ext as u16 != 0
    }

    /// Reads one EHLO line's text (every line after the first, which is the
    /// server's greeting name).
    pub fn add_line(&mut self, text: &[u8]) {
        let mut words = text.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let Some(first) = words.next() else { return };
        // Old servers write "AUTH=LOGIN PLAIN".
        let (keyword, inline_param) = match first.iter().position(|&b| b == b'=') {
            Some(eq) => (first.get(..eq).unwrap_or_default(), first.get(eq + 1..)),
            None => (first, None),
        };
        let Some(&(_, ext)) = KEYWORDS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(keyword))
        else {
            return;
        };
        self.flags |= ext as u16;
        let mut params = words;
        let first_param = inline_param.or_else(|| params.next());
        match ext {
            Extension::Size => {
                self.size_limit = first_param.and_then(parse_size).filter(|&n| n > 0);
            }
            Extension::Auth => {
                if let Some(name) = first_param {
                    self.auth = self.auth.with_name(name);
                }
                for name in params {
                    self.auth = self.auth.with_name(name);
                }
            }
            _ => {}
        }
    }
}

/// Decimal digits only; saturates instead of overflowing.
fn parse_size(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u32, |acc, d| {
        acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Mechanism;

    fn caps(lines: &[&[u8]]) -> Capabilities {
        let mut c = Capabilities::default();
        for l in lines {
            c.add_line(l);
        }
        c
    }

    #[test]
    fn postfix_reply() {
        let c = caps(&[
            b"PIPELINING",
            b"SIZE 10240000",
            b"VRFY",
            b"ETRN",
            b"STARTTLS",
            b"AUTH PLAIN LOGIN CRAM-MD5",
            b"ENHANCEDSTATUSCODES",
            b"8BITMIME",
            b"DSN",
            b"SMTPUTF8",
            b"CHUNKING",
        ]);
        for ext in KEYWORDS.iter().map(|k| k.1) {
            assert!(c.has(ext), "{ext:?}");
        }
        assert_eq!(c.size_limit, Some(10_240_000));
        assert!(c.auth.contains(Mechanism::Plain));
        assert!(c.auth.contains(Mechanism::Login));
    }

    #[test]
    fn case_insensitive_and_old_auth_form() {
        let c = caps(&[b"pipelining", b"auth=login", b"size"]);
        assert!(c.has(Extension::Pipelining));
        assert!(c.has(Extension::Size));
        assert_eq!(c.size_limit, None);
        assert!(c.auth.contains(Mechanism::Login));
        assert!(!c.auth.contains(Mechanism::Plain));
    }

    #[test]
    fn hostile_lines_do_not_panic() {
        let c = caps(&[
            b"SIZE abc",
            b"",
            b"   ",
            b"=",
            b"AUTH",
            b"\xff\xfe",
            b"SIZE=1",
        ]);
        assert_eq!(c.size_limit, Some(1));
        let c = caps(&[b"SIZE 99999999999999999999"]);
        assert_eq!(c.size_limit, Some(u32::MAX));
        let mut many = b"AUTH".to_vec();
        for _ in 0..10_000 {
            many.extend_from_slice(b" X-MECH");
        }
        many.extend_from_slice(b" plain");
        let c = caps(&[&many]);
        assert!(c.auth.contains(Mechanism::Plain));
        assert!(!c.has(Extension::StartTls));
    }
}
