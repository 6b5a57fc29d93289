//! One pass over the caller's input before anything is connected.
//!
//! Every field is checked (a distinct error per problem) and hashed for
//! the Message-ID in the same pass; nothing is copied. The checks are the
//! ones the wire needs: no CR, LF or other control character where it could
//! end a line or a command, headers and body lines within RFC 5322's 998
//! octets, and addresses that fit between `<` and `>`. Display names and the
//! subject must be ASCII in this build (RFC 2047 encoding is a feature).

use crate::error::Error;
use crate::mail::{Mail, BCC, TO};

/// Longest address (RFC 5321 §4.5.3.1: 64 + 1 + 255, path limit 256).
pub const MAX_ADDR: usize = 254;
/// Longest local part.
pub const MAX_LOCAL: usize = 64;
/// Longest display name, subject, user name or password.
pub const MAX_TEXT: usize = 900;
/// Longest own domain.
pub const MAX_DOMAIN: usize = 255;
/// Longest body line without its CR LF (RFC 5322 §2.1.1).
pub const MAX_LINE: usize = 998;

/// What the pass learned: the content hash and whether the body is 8-bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// 64-bit FNV-1a of every field, the time and the caller's salt.
    pub hash: u64,
    /// The body has bytes above 127 (Content-Transfer-Encoding: 8bit).
    pub eight_bit: bool,
}

/// FNV-1a, 64 bit.
struct Hash(u64);

impl Hash {
    fn add(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab","c") and ("a","bc") differ.
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3) ^ 0xff;
    }
}

/// A C0 control or DEL (CR, LF, NUL among them).
fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// A header text: ASCII, no control characters except TAB, bounded.
fn text(t: &[u8], e: Error) -> Result<(), Error> {
    if t.len() > MAX_TEXT || t.iter().any(|&b| (is_control(b) && b != b'\t') || b > 0x7f) {
        return Err(e);
    }
    Ok(())
}

/// An address: no controls, `local@domain` without space, `<`, `>` or a
/// second unquoted ambiguity, within RFC 5321's limits. Empty is allowed
/// (`allow_empty`) for the null sender only.
fn address(a: &[u8], allow_empty: bool) -> Result<(), Error> {
    if a.iter().any(|&b| is_control(b)) {
        return Err(Error::AddressControlChar);
    }
    if a.is_empty() && allow_empty {
        return Ok(());
    }
    if a.len() > MAX_ADDR {
        return Err(Error::AddressTooLong);
    }
    let at = a.iter().rposition(|&b| b == b'@').ok_or(Error::AddressSyntax)?;
    if at > MAX_LOCAL {
        return Err(Error::AddressTooLong);
    }
    if at == 0 || at + 1 == a.len() || a.iter().any(|&b| matches!(b, b' ' | b'<' | b'>' | 0x80..=0xff)) {
        return Err(Error::AddressSyntax);
    }
    Ok(())
}

/// A host name (letters, digits, `-`, `.`) or an address literal `[...]`.
fn domain(d: &[u8]) -> Result<(), Error> {
    let literal = matches!(d, [b'[', inner @ .., b']'] if !inner.is_empty() && inner.iter().all(|&b| matches!(b, 0x21..=0x5a | 0x5e..=0x7e)));
    let host = d.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if d.len() > MAX_DOMAIN || !(literal || host) || d.first() == Some(&b'.') || d.last() == Some(&b'.') {
        return Err(Error::InvalidDomain);
    }
    Ok(())
}

/// Checks the body's lines and whether it is 8-bit.
fn body(b: &[u8], hash: &mut Hash) -> Result<bool, Error> {
    let mut line = 0usize;
    let mut eight_bit = false;
    for &c in b {
        line = if c == b'\r' || c == b'\n' { 0 } else { line + 1 };
        eight_bit |= c > 0x7f;
        if line > MAX_LINE {
            return Err(Error::InvalidBody);
        }
    }
    hash.add(b);
    Ok(eight_bit)
}

/// Validates everything and hashes it with `time` and `salt` (the caller's
/// stack address: two concurrent sends of the same mail differ).
pub fn check<M: Mail>(m: &M, time: Option<u32>, salt: usize) -> Result<Checked, Error> {
    let n = m.count();
    if n == 0 {
        return Err(Error::NoSender);
    }
    if n == 1 {
        return Err(Error::NoRecipient);
    }
    let mut hash = Hash(0xcbf2_9ce4_8422_2325);
    for i in 0..n {
        let e = m.entry(i);
        let a = e.addr.ok_or(Error::NullPointer)?;
        address(a, i == 0)?;
        text(e.name, Error::InvalidName)?;
        // `To: "name" <addr>,` must fit a 998-octet line, escapes included.
        let escapes = e.name.iter().filter(|&&b| b == b'"' || b == b'\\').count();
        if e.name.len() + escapes + a.len() + 16 > MAX_LINE {
            return Err(Error::InvalidName);
        }
        if i > 0 && !(TO..=BCC).contains(&e.kind) {
            return Err(Error::InvalidRecipientType);
        }
        hash.add(e.name);
        hash.add(a);
    }
    text(m.subject(), Error::InvalidSubject)?;
    hash.add(m.subject());
    for c in [m.user(), m.password()] {
        if c.len() > MAX_TEXT || c.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(Error::InvalidCredentials);
        }
    }
    if !m.domain().is_empty() {
        domain(m.domain())?;
    }
    crate::date::validate_timezone(m.timezone())?;
    if let Some(t) = time {
        crate::date::validate(t)?;
        hash.add(&t.to_le_bytes());
    }
    hash.add(&salt.to_le_bytes());
    let eight_bit = body(m.body(), &mut hash)?;
    Ok(Checked { hash: hash.0, eight_bit })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test::TestMail;

    fn err(f: impl FnOnce(&mut TestMail)) -> Error {
        let mut m = TestMail::sample();
        f(&mut m);
        check(&m, None, 0).unwrap_err()
    }

    #[test]
    fn good_mail_passes_and_hash_covers_everything() {
        let m = TestMail::sample();
        let base = check(&m, Some(0x3A29_4800), 1).unwrap();
        assert!(!base.eight_bit);
        let mut variants: Vec<TestMail> = Vec::new();
        let mut v = m.clone();
        v.body.push(b'x');
        variants.push(v);
        let mut v = m.clone();
        v.entries[3].1 = Some("aux@example.test");
        variants.push(v);
        let mut v = m.clone();
        v.subject = "Alarm!";
        variants.push(v);
        let mut v = m.clone();
        v.entries[0].0 = "Nodf";
        variants.push(v);
        for v in &variants {
            assert_ne!(check(v, Some(0x3A29_4800), 1).unwrap().hash, base.hash);
        }
        assert_ne!(check(&m, Some(0x3A29_4802), 1).unwrap().hash, base.hash);
        assert_ne!(check(&m, Some(0x3A29_4800), 2).unwrap().hash, base.hash);
        assert_eq!(check(&m, Some(0x3A29_4800), 1).unwrap().hash, base.hash);
    }

    #[test]
    fn every_field_has_its_error() {
        assert_eq!(err(|m| m.entries.clear()), Error::NoSender);
        assert_eq!(err(|m| m.entries.truncate(1)), Error::NoRecipient);
        assert_eq!(err(|m| m.entries[1].1 = None), Error::NullPointer);
        assert_eq!(err(|m| m.entries[1].1 = Some("a\r\n@b")), Error::AddressControlChar);
        assert_eq!(err(|m| m.entries[0].1 = Some("a\0b@c")), Error::AddressControlChar);
        assert_eq!(err(|m| m.entries[1].1 = Some("nobody")), Error::AddressSyntax);
        assert_eq!(err(|m| m.entries[1].1 = Some("a>b@c")), Error::AddressSyntax);
        assert_eq!(err(|m| m.entries[1].1 = Some("@c")), Error::AddressSyntax);
        assert_eq!(err(|m| m.entries[1].1 = Some("")), Error::AddressSyntax);
        assert_eq!(err(|m| m.entries[1].1 = Some(Box::leak("x".repeat(65).into_boxed_str()))), Error::AddressSyntax);
        assert_eq!(err(|m| m.entries[1].1 = Some(Box::leak(format!("{}@b", "x".repeat(65)).into_boxed_str()))), Error::AddressTooLong);
        assert_eq!(err(|m| m.entries[1].1 = Some(Box::leak(format!("a@{}", "x".repeat(253)).into_boxed_str()))), Error::AddressTooLong);
        assert_eq!(err(|m| m.entries[1].0 = "Evil\r\nBcc: x"), Error::InvalidName);
        assert_eq!(err(|m| m.entries[0].0 = "Jörg"), Error::InvalidName);
        assert_eq!(err(|m| m.subject = "hi\nthere"), Error::InvalidSubject);
        assert_eq!(err(|m| m.subject = Box::leak("s".repeat(901).into_boxed_str())), Error::InvalidSubject);
        assert_eq!(err(|m| m.entries[2].2 = 4), Error::InvalidRecipientType);
        assert_eq!(err(|m| m.entries[2].2 = 0), Error::InvalidRecipientType);
        assert_eq!(err(|m| m.user = "u\r\n"), Error::InvalidCredentials);
        assert_eq!(err(|m| m.password = "p\n"), Error::InvalidCredentials);
        assert_eq!(err(|m| m.domain = "bad domain"), Error::InvalidDomain);
        assert_eq!(err(|m| m.domain = ".x"), Error::InvalidDomain);
        assert_eq!(err(|m| m.timezone = "CET"), Error::InvalidTimezone);
        assert_eq!(err(|m| m.body = vec![b'x'; 999]), Error::InvalidBody);
        let mut m = TestMail::sample();
        m.body = [vec![b'x'; 998], b"\r\n".to_vec(), vec![b'y'; 998]].concat();
        assert!(check(&m, None, 0).is_ok());
        assert_eq!(check(&m, Some(0), 0), Err(Error::InvalidDate));
        m.domain = "[192.0.2.1]";
        m.body = "Grüße\n".as_bytes().to_vec();
        assert!(check(&m, None, 0).unwrap().eight_bit);
        m.entries[0].1 = Some("");
        assert!(check(&m, None, 0).is_ok(), "null sender");
    }
}
