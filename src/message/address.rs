// SPDX-License-Identifier: MIT OR Apache-2.0
//! Address syntax (RFC 5321 §4.1.2) and display names (RFC 5322 §3.4).
//!
//! ```text
//! Mailbox      = Local-part "@" ( Domain / address-literal )
//! Local-part   = Dot-string / Quoted-string
//! Dot-string   = Atom *("."  Atom)
//! Domain       = sub-domain *("." sub-domain)
//! sub-domain   = Let-dig [Ldh-str]
//! ```
//! Addresses are ASCII only: an SMTPUTF8 address is refused (not built).

use super::words;
use crate::cursor::Out;
use crate::error::Error;
use crate::limits::{MAX_ADDRESS_LEN, MAX_DOMAIN_LEN, MAX_LOCAL_PART_LEN};

/// RFC 5322 atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~".
pub fn is_atext(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?' | b'^'..=b'`' | b'{'..=b'~')
}

/// Checks an address; the error names the first problem found.
pub fn validate(address: &[u8]) -> Result<(), Error> {
    if address.iter().any(|&b| super::is_control(b)) {
        return Err(Error::AddressControlChar);
    }
    if address.len() > MAX_ADDRESS_LEN {
        return Err(Error::AddressTooLong);
    }
    let Some(at) = address.iter().rposition(|&b| b == b'@') else {
        return Err(Error::AddressSyntax);
    };
    let local = address.get(..at).unwrap_or_default();
    let domain = address.get(at + 1..).unwrap_or_default();
    if local.len() > MAX_LOCAL_PART_LEN || domain.len() > MAX_DOMAIN_LEN {
        return Err(Error::AddressTooLong);
    }
    if !(is_dot_string(local) || is_quoted_string(local))
        || !(is_domain(domain) || is_address_literal(domain))
    {
        return Err(Error::AddressSyntax);
    }
    Ok(())
}

/// The part after the last "@", or empty.
pub fn domain_of(address: &[u8]) -> &[u8] {
    match address.iter().rposition(|&b| b == b'@') {
        Some(at) => address.get(at + 1..).unwrap_or_default(),
        None => b"",
    }
}

fn is_dot_string(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(|&b| is_atext(b)))
}

fn is_quoted_string(s: &[u8]) -> bool {
    let Some(inner) = crate::bytes::strip_around(s, b'"', b'"') else {
        return false;
    };
    let mut escaped = false;
    for &b in inner {
        match (escaped, b) {
            (true, 0x20..=0x7e) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => return false,
            (false, 0x20..=0x7e) => {}
            _ => return false,
        }
    }
    !escaped
}

/// A host name: dot-separated labels of letters, digits and inner hyphens.
pub fn is_domain(s: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= MAX_DOMAIN_LEN
        && s.split(|&b| b == b'.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                && label.first() != Some(&b'-')
                && label.last() != Some(&b'-')
        })
}

/// `[` printable ASCII without `[`, `]`, `\` `]`: an IPv4 or tagged literal.
fn is_address_literal(s: &[u8]) -> bool {
    match crate::bytes::strip_around(s, b'[', b']') {
        Some(inner) => {
            !inner.is_empty()
                && inner
                    .iter()
                    .all(|&b| matches!(b, 0x21..=0x5a | 0x5e..=0x7e))
        }
        None => false,
    }
}

/// Renders `name <address>`, quoting the display name when it is not a
/// plain phrase of atoms (RFC 5322 §3.2.5) and encoding it (RFC 2047) when
/// it is not ASCII; just `<address>` without a name.
///
/// No line may exceed RFC 5322's 998 octets: a name whose quoted form would
/// not fit on a line with the field name goes out as encoded words (which
/// fold), and the address moves to a continuation line when it does not
/// fit after the name.
pub fn put_mailbox(cursor: &mut dyn Out, name: &[u8], address: &[u8]) {
    let plain = !name.is_empty()
        && name
            .split(|&b| b == b' ')
            .all(|word| !word.is_empty() && word.iter().all(|&b| is_atext(b)));
    let rendered = if plain {
        name.len()
    } else {
        name.len() + 2 + name.iter().filter(|&&b| b == b'"' || b == b'\\').count()
    };
    if words::needs_encoding(name) || (!name.is_empty() && LONGEST_FIELD + rendered > MAX_LINE) {
        words::put_encoded(cursor, name);
        cursor.put(b"\r\n ");
    } else if !name.is_empty() {
        if plain {
            cursor.put(name);
        } else {
            cursor.byte(b'"');
            for &b in name {
                if b == b'"' || b == b'\\' {
                    cursor.byte(b'\\');
                }
                cursor.byte(b);
            }
            cursor.byte(b'"');
        }
        // " <address>" after the name, or on a line of its own.
        if LONGEST_FIELD + rendered + 3 + address.len() > MAX_LINE {
            cursor.put(b"\r\n ");
        } else {
            cursor.byte(b' ');
        }
    }
    cursor.byte(b'<');
    cursor.put(address);
    cursor.byte(b'>');
}

/// RFC 5322 §2.1.1: at most 998 octets per line, CR LF excluded.
const MAX_LINE: usize = 998;
/// The longest text before a mailbox on its line: "Reply-To: ".
const LONGEST_FIELD: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses() {
        for a in [
            "a@b",
            "user.name+tag@example.test",
            "\"john doe\"@example.test",
            "\"a\\\"b\"@example.test",
            "postmaster@[127.0.0.1]",
            "x@[IPv6:::1]",
            "o'hara@sub-domain.example.test",
        ] {
            assert_eq!(validate(a.as_bytes()), Ok(()), "{a}");
        }
    }

    #[test]
    fn bad_addresses() {
        for (a, e) in [
            ("", Error::AddressSyntax),
            ("plain", Error::AddressSyntax),
            ("@example.test", Error::AddressSyntax),
            ("a@", Error::AddressSyntax),
            ("a..b@example.test", Error::AddressSyntax),
            (".a@example.test", Error::AddressSyntax),
            ("a b@example.test", Error::AddressSyntax),
            ("a@-example.test", Error::AddressSyntax),
            ("a@example..test", Error::AddressSyntax),
            ("<a@example.test>", Error::AddressSyntax),
            ("j\u{f6}rg@example.test", Error::AddressSyntax),
            ("a@b\r\n", Error::AddressControlChar),
            ("a\0@b", Error::AddressControlChar),
        ] {
            assert_eq!(validate(a.as_bytes()), Err(e), "{a:?}");
        }
    }

    #[test]
    fn rfc5321_length_limits() {
        let local64 = "l".repeat(64);
        assert_eq!(
            validate(format!("{local64}@example.test").as_bytes()),
            Ok(())
        );
        assert_eq!(
            validate(format!("{local64}l@example.test").as_bytes()),
            Err(Error::AddressTooLong)
        );
        let label = "d".repeat(63);
        let domain = format!("{label}.{label}.{label}.{}", "d".repeat(59)); // 251 octets
        assert_eq!(validate(format!("ab@{domain}").as_bytes()), Ok(()));
        assert_eq!(
            validate(format!("abc@{domain}").as_bytes()),
            Err(Error::AddressTooLong)
        );
        assert!(!is_domain(format!("{}.test", "d".repeat(64)).as_bytes()));
    }

    use crate::cursor::Cursor;

    fn mailbox(name: &str, address: &str) -> String {
        let mut out = vec![0u8; 256];
        let mut c = Cursor::new(&mut out, 0);
        put_mailbox(&mut c, name.as_bytes(), address.as_bytes());
        let n = c.written();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn display_names_are_quoted_when_needed() {
        assert_eq!(mailbox("", "a@b"), "<a@b>");
        assert_eq!(mailbox("Alice Example", "a@b"), "Alice Example <a@b>");
        assert_eq!(mailbox("Example, Alice", "a@b"), "\"Example, Alice\" <a@b>");
        assert_eq!(
            mailbox("A \"Q\" \\ B", "a@b"),
            "\"A \\\"Q\\\" \\\\ B\" <a@b>"
        );
        assert_eq!(mailbox("Dr. Who", "a@b"), "\"Dr. Who\" <a@b>");
        assert_eq!(mailbox(" lead", "a@b"), "\" lead\" <a@b>");
        let expected = if cfg!(feature = "mime") {
            "=?UTF-8?B?SsO2cmc=?=\r\n <a@b>"
        } else {
            "\"J\u{f6}rg\" <a@b>"
        };
        assert_eq!(mailbox("J\u{f6}rg", "a@b"), expected);
    }

    /// Found by fuzz/fuzz_targets/validator.rs: a 900-octet name (the most
    /// validation accepts) before a 254-octet address made a 1161-octet
    /// "To:" line, and a quoted name of 900 '"' one of 1802 octets.
    #[test]
    fn longest_names_and_addresses_keep_lines_within_998_octets() {
        let label = "d".repeat(63);
        let address = format!("{}@{label}.{label}.{}", "l".repeat(64), "d".repeat(61));
        assert_eq!(address.len(), 254);
        assert_eq!(validate(address.as_bytes()), Ok(()));
        for name in [
            "n".repeat(900),
            "\"".repeat(900),
            "a\\".repeat(450),
            "word ".repeat(180),
        ] {
            let text = long_mailbox(&name, &address);
            for line in text.split("\r\n") {
                assert!(line.len() + 10 <= 998, "{} octets: {line:.40}", line.len());
            }
            assert!(text.ends_with(&format!("<{address}>")));
        }
        // Names that fit stay on the address's line.
        let name = "n".repeat(700);
        assert_eq!(long_mailbox(&name, "a@b"), format!("{name} <a@b>"));
    }

    fn long_mailbox(name: &str, address: &str) -> String {
        let mut out = vec![0u8; 4096];
        let mut c = Cursor::new(&mut out, 0);
        put_mailbox(&mut c, name.as_bytes(), address.as_bytes());
        let n = c.written();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }
}
