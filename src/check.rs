// SPDX-License-Identifier: MIT OR Apache-2.0
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
/// Longest user name, password or extra header value; display name and
/// subject without `fold`.
pub const MAX_TEXT: usize = 900;
/// Longest display name or subject: 16 KB folded (`fold`).
#[cfg(feature = "fold")]
pub const MAX_FOLDED: usize = 16384;
/// Longest display name or subject: [`MAX_TEXT`] without `fold`.
#[cfg(not(feature = "fold"))]
pub const MAX_FOLDED: usize = MAX_TEXT;
/// Longest own domain.
pub const MAX_DOMAIN: usize = 255;
/// Longest body line without its CR LF (RFC 5322 §2.1.1).
pub const MAX_LINE: usize = 998;
/// Longest extra header name (`src/limits.rs`).
#[cfg(feature = "headers")]
pub const MAX_HEADER_NAME: usize = 76;
/// Longest extra header line: name, ':', value (`IP_SMTPC_MAX_HEADER_LEN`).
#[cfg(feature = "headers")]
pub const MAX_HEADER: usize = 977;

/// What the pass learned: the content hash and whether the body is 8-bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// 64-bit FNV-1a of every field, the time and the caller's salt.
    pub hash: u64,
    /// The packed time the check saw (FAT format), for the Date header;
    /// 0 without a clock (0 is no valid packed date, so it cannot be a time).
    pub time: u32,
    /// The body has bytes above 127 (Content-Transfer-Encoding: 8bit).
    pub eight_bit: bool,
    /// The body may go as it is (`mime`): no NUL, no line over 998
    /// octets once dot-stuffed; else it goes quoted-printable.
    #[cfg(feature = "mime")]
    pub raw_ok: bool,
    /// The body is a complete message sent as given (`raw`): no header is
    /// generated; `eight_bit` is set for a streamed one (it may be).
    #[cfg(feature = "raw")]
    pub raw: bool,
}

/// A byte below 0x20 other than TAB, or DEL.
const CTL: u8 = 1;
/// CR or LF.
const EOL: u8 = 2;
/// Space, TAB, `<` or `>`: cannot be in an address between `<` and `>`.
const SPECIAL: u8 = 4;
/// Not a host-name character (letters, digits, `-`, `.`, `:`, `[`, `]`).
const NOT_HOST: u8 = 8;
/// A byte above 0x7f.
const HIGH: u8 = 16;
/// NUL (`mime`: a body with one goes quoted-printable).
#[cfg(feature = "mime")]
const NUL: u8 = 32;

/// The classes of an ASCII byte (`CTL | EOL | SPECIAL | NOT_HOST`).
const fn ascii_class(b: u8) -> u8 {
    let host = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':' | b'[' | b']');
    let class = match b {
        b'\r' | b'\n' => CTL | EOL,
        b'\t' | b' ' | b'<' | b'>' => SPECIAL,
        0..=0x1f | 0x7f => CTL,
        _ => 0,
    };
    if host {
        class
    } else {
        class | NOT_HOST
    }
}

/// [`ascii_class`] of every ASCII byte, two to a byte (the even one low).
// Evaluated when compiling: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const CLASSES: [u8; 64] = {
    let mut t = [0; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = ascii_class(2 * i as u8) | ascii_class(2 * i as u8 + 1) << 4;
        i += 1;
    }
    t
};

/// The classes of byte `b`.
#[inline(always)]
fn class(b: u8) -> u8 {
    match CLASSES.get(usize::from(b >> 1)) {
        Some(pair) => pair >> ((b & 1) << 2) & 15,
        None => HIGH | NOT_HOST,
    }
}

/// What one pass over a field found, in two words (returned in registers).
struct Scan {
    /// Bits 0-7: the class bits of the bytes seen; 8-23: the `"` and `\\`
    /// seen (each needs a backslash in a quoted display name; a display
    /// name has fewer than 2^16 bytes); 24-31: the index after the last
    /// `@`, 0 when there is none (an address has at most 255 bytes).
    packed: u32,
    /// The longest line (between CR / LF) in bytes, as dot-stuffed.
    longest: usize,
}

impl Scan {
    /// The class bits of the bytes seen.
    fn classes(&self) -> u8 {
        self.packed as u8
    }

    /// The `"` and `\\` seen (of a display name).
    fn quotes(&self) -> usize {
        (self.packed >> 8 & 0xffff) as usize
    }

    /// The index after the last `@` (of an address).
    fn after_at(&self) -> usize {
        (self.packed >> 24) as usize
    }
}

/// `h` times FNV's 64-bit prime 2^40 + 0x1b3, in 32-bit halves: the low
/// half times 0x1b3; the high half times 0x1b3, plus the low half's carry
/// and the low half shifted by 8.
#[inline(always)]
fn fnv(h: u64) -> u64 {
    let (low, high) = (h as u32, (h >> 32) as u32);
    let product = u64::from(low) * 0x1b3;
    let high = high
        .wrapping_mul(0x1b3)
        .wrapping_add(low << 8)
        .wrapping_add((product >> 32) as u32);
    u64::from(high) << 32 | (product & 0xffff_ffff)
}

/// Classifies every byte of `s` and adds it to the FNV-1a `hash` after a
/// separator (a 0 byte, 0xff from the second field on: the field's end
/// leaves 0xff XORed in), so ("ab","c") and ("a","bc") differ.
fn scan(s: &[u8], hash: &mut u64) -> Scan {
    let (mut packed, mut longest, mut line, mut h) = (0u32, 0, 0, *hash);
    let mut i = 0;
    // One multiplication per byte and one after the field (the separator).
    loop {
        h = fnv(h);
        let Some(&b) = s.get(i) else {
            break;
        };
        i += 1;
        h ^= u64::from(b);
        let c = class(b);
        let eol = c & EOL != 0;
        packed |= u32::from(c);
        #[cfg(feature = "mime")]
        if b == 0 {
            packed |= u32::from(NUL);
        }
        // (Past the limits the counts run over: only a display name's
        // quote count and an address's `@` are read.)
        if b == b'@' {
            packed = packed & 0x00ff_ffff | (i as u32) << 24;
        }
        packed = packed.wrapping_add(u32::from(b == b'"' || b == b'\\') << 8);
        // A leading dot counts twice: it is doubled on the wire; CR or LF
        // starts a new line.
        line = (line + 1 + usize::from(line == 0 && b == b'.')) * usize::from(!eol);
        longest = longest.max(line);
    }
    *hash = h ^ 0xff;
    Scan { packed, longest }
}

/// What a header text may not contain: control characters (TAB is not
/// one here), and 8-bit bytes unless they can go out as RFC 2047 words.
#[cfg(not(feature = "words"))]
const TEXT_REFUSED: u8 = CTL | HIGH;
/// What a header text may not contain: control characters (TAB is not
/// one here); 8-bit text goes out as RFC 2047 words.
#[cfg(feature = "words")]
const TEXT_REFUSED: u8 = CTL;

/// `true` when `t` is longer than `max_len` or has a byte of the
/// `refused` classes (hashed when it is not too long).
fn bad(t: &[u8], hash: &mut u64, max_len: usize, refused: u8) -> bool {
    t.len() > max_len || scan(t, hash).classes() & refused != 0
}

/// A display name: no control characters except TAB, ASCII unless `words`
/// is built, at most [`MAX_FOLDED`] bytes and `max` once quoted.
#[inline(always)]
fn name(t: &[u8], hash: &mut u64, max: usize) -> Result<(), Error> {
    let s = scan(t, hash);
    if t.len() > MAX_FOLDED || t.len() + s.quotes() > max || s.classes() & TEXT_REFUSED != 0 {
        return Err(Error::InvalidName);
    }
    Ok(())
}

/// What an address may not contain: space, `<`, `>`; 8-bit bytes unless
/// they are UTF-8 (`smtputf8`).
#[cfg(not(feature = "smtputf8"))]
const ADDRESS_REFUSED: u8 = SPECIAL | HIGH;
/// What an address may not contain: space, `<`, `>` (UTF-8 is checked
/// apart, `smtputf8`).
#[cfg(feature = "smtputf8")]
const ADDRESS_REFUSED: u8 = SPECIAL;

/// `true` when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF). Not `core::str::from_utf8`: its
/// code and table take about 800 B of a firmware's ROM (`smtputf8`).
#[cfg(feature = "smtputf8")]
#[inline(always)]
fn utf8(s: &[u8]) -> bool {
    // Continuation bytes still owed, and the range of the next one (its
    // bounds narrowed after E0, ED, F0 and F4 only).
    let (mut owed, mut low, mut high) = (0, 0x80, 0xbf);
    for &b in s {
        if owed > 0 {
            if !(low..=high).contains(&b) {
                return false;
            }
            (owed, low, high) = (owed - 1, 0x80, 0xbf);
        } else if b >= 0x80 {
            if !(0xc2..=0xf4).contains(&b) {
                return false;
            }
            owed = 1 + u32::from(b >= 0xe0) + u32::from(b >= 0xf0);
            if b == 0xe0 {
                low = 0xa0;
            }
            if b == 0xf0 {
                low = 0x90;
            }
            if b == 0xed {
                high = 0x9f;
            }
            if b == 0xf4 {
                high = 0x8f;
            }
        }
    }
    owed == 0
}

/// An address: no controls; `local@domain` without space, `<` or `>`,
/// within RFC 5321's limits; ASCII, or with `smtputf8` valid UTF-8.
/// Empty is allowed for the null sender.
// Inlined into the check's one call in the seed set; with `headers` the
// Reply-To check calls it too.
#[cfg_attr(not(feature = "headers"), inline(always))]
#[cfg_attr(feature = "headers", inline(never))]
fn address(a: &[u8], hash: &mut u64, sender: bool) -> Result<(), Error> {
    let s = scan(a, hash);
    #[cfg(feature = "smtputf8")]
    if s.classes() & HIGH != 0 && !utf8(a) {
        return Err(Error::AddressSyntax);
    }
    if s.classes() & CTL != 0 {
        return Err(Error::AddressControlChar);
    }
    if a.is_empty() && sender {
        return Ok(());
    }
    if a.len() > MAX_ADDR || s.after_at() > MAX_LOCAL + 1 {
        return Err(Error::AddressTooLong);
    }
    if s.after_at() < 2 || s.after_at() == a.len() || s.classes() & ADDRESS_REFUSED != 0 {
        return Err(Error::AddressSyntax);
    }
    Ok(())
}

/// The fields the library writes itself, in lower case, each after a
/// `:`: an extra header may not repeat one (`src/message/header.rs`).
#[cfg(feature = "headers")]
const OWN_FIELDS: &[u8] = b":date:from:sender:reply-to:to:cc:bcc:subject:message-id:mime-version\
:content-type:content-transfer-encoding:";

/// `true` when `name` (without `:`; 1 to 76 bytes from 33 to 126) is one
/// of [`OWN_FIELDS`], in any case: one pass over the list, counting the
/// bytes of `name` matched in the current field (`b | 0x20` is a field's
/// byte only for that letter in either case, or `-`, in this range).
#[cfg(feature = "headers")]
#[inline]
fn own_field(name: &[u8]) -> bool {
    // Past every name's length once a byte differs.
    const MISSED: usize = 255;
    let mut at = MISSED;
    for &f in OWN_FIELDS {
        if f == b':' {
            if at == name.len() {
                return true;
            }
            at = 0;
        } else if name.get(at).is_some_and(|&b| b | 0x20 == f) {
            at += 1;
        } else {
            at = MISSED;
        }
    }
    false
}

/// Reply-To (an address) and the extra header lines: a name of 1 to 76
/// printable characters other than ':' and not one of [`OWN_FIELDS`], then
/// ':' and a value of at most [`MAX_TEXT`] without control characters
/// (TAB allowed) or, until RFC 2047 is built, 8-bit bytes.
#[cfg(feature = "headers")]
fn headers<M: Mail>(m: &M, hash: &mut u64) -> Result<(), Error> {
    let r = m.reply_to();
    if !r.is_empty() {
        address(r, hash, false).map_err(|_| Error::InvalidHeader)?;
    }
    for i in 0..m.headers() {
        let line = m.header(i).ok_or(Error::InvalidHeader)?;
        // The name ends at the first byte that is ':' or not printable: a
        // ':' there, or the line is refused.
        let (name, value) = line
            .iter()
            .position(|&b| b == b':' || !(33..=126).contains(&b))
            .and_then(|end| line.split_at_checked(end))
            .filter(|(_, value)| value.first() == Some(&b':'))
            .ok_or(Error::InvalidHeader)?;
        let good_name = (1..=MAX_HEADER_NAME).contains(&name.len());
        let value = value.get(1..).unwrap_or_default();
        if !good_name || own_field(name) || bad(value, hash, MAX_TEXT, TEXT_REFUSED) {
            return Err(Error::InvalidHeader);
        }
    }
    Ok(())
}

/// The boundary and the items (`src/message/content.rs`): a boundary of
/// at most 70 characters, of RFC 2046's syntax when there are items; each
/// item's Content-Type at most 200 printable characters, its file name at
/// most 255 without control characters, its `pfSendItem` given. File
/// names and types are part of the hash.
#[cfg(feature = "mime")]
fn items<M: Mail>(m: &M, hash: &mut u64) -> Result<(), Error> {
    let b = m.boundary();
    if bad(b, hash, 70, 0) || (m.items() > 0 && !b.is_empty() && !crate::mime::is_boundary(b)) {
        return Err(Error::InvalidAttachment);
    }
    for i in 0..m.items() {
        let (name, content_type) = m.item(i);
        if bad(name, hash, 255, CTL)
            || bad(content_type, hash, 200, 0)
            || !content_type.iter().all(|&b| (32..=126).contains(&b))
            || m.item_unstreamable(i)
        {
            return Err(Error::InvalidAttachment);
        }
    }
    Ok(())
}

/// `true` when no line of `text` is over 998 octets as sent, a leading dot
/// counted twice (what the check's scan finds; `src/raw.rs` tests the
/// stream against it).
#[cfg(test)]
pub fn fits(text: &[u8]) -> bool {
    scan(text, &mut 0).longest <= MAX_LINE
}

/// Validates everything and hashes it with `time` and `salt` (the caller's
/// stack address: two concurrent sends of the same mail differ).
#[inline(always)]
pub fn check<M: Mail>(m: &M, time: Option<u32>, salt: usize) -> Result<Checked, Error> {
    let n = m.count();
    if n == 0 {
        return Err(Error::NoSender);
    }
    if n == 1 {
        return Err(Error::NoRecipient);
    }
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for i in 0..n {
        let e = m.entry(i);
        if e.null {
            return Err(Error::NullPointer);
        }
        let a = e.addr;
        address(a, &mut hash, i == 0)?;
        // `To: "name" <addr>,` must fit a 998-octet line, escapes included;
        // with `fold`, every segment of a quoted name must (8-bit names are
        // encoded words, folded anyway).
        #[cfg(not(feature = "fold"))]
        let max = MAX_LINE - 16 - a.len();
        #[cfg(feature = "fold")]
        let max = if crate::words::needs_encoding(e.name) || crate::header::fold::fits(e.name, true)
        {
            usize::MAX
        } else {
            0
        };
        name(e.name, &mut hash, max)?;
        if i > 0 && !(TO..=BCC).contains(&e.kind) {
            return Err(Error::InvalidRecipientType);
        }
    }
    // A subject is not quoted: its length alone bounds it (with `fold`, a
    // run too long to fold goes as encoded words).
    if bad(m.subject(), &mut hash, MAX_FOLDED, TEXT_REFUSED) {
        return Err(Error::InvalidSubject);
    }
    // No CR or LF in the credentials.
    if bad(m.user(), &mut hash, MAX_TEXT, EOL) || bad(m.password(), &mut hash, MAX_TEXT, EOL) {
        return Err(Error::InvalidCredentials);
    }
    let d = m.domain();
    if bad(d, &mut hash, MAX_DOMAIN, NOT_HOST)
        || d.first() == Some(&b'.')
        || d.last() == Some(&b'.')
    {
        return Err(Error::InvalidDomain);
    }
    crate::date::validate(time, m.timezone())?;
    // The time (0 without a clock) and the salt, in one field (a 32-bit
    // salt in the upper half; a 64-bit one's upper half mixed in too).
    let stamp = u64::from(time.unwrap_or(0)) ^ (salt as u64).rotate_left(32);
    scan(&stamp.to_le_bytes(), &mut hash);
    #[cfg(feature = "headers")]
    headers(m, &mut hash)?;
    #[cfg(feature = "mime")]
    items(m, &mut hash)?;
    let body = scan(m.body(), &mut hash);
    // A complete message (`raw`): sent as given, so a line over 998 octets
    // as sent is refused; a streamed one (sBody unused) is checked as it
    // streams and may be 8-bit.
    #[cfg(feature = "raw")]
    let (raw, streamed_raw) = (m.raw(), m.raw() && m.streamed_body());
    #[cfg(not(feature = "raw"))]
    let (raw, streamed_raw) = (false, false);
    // The one pass over the body also decides whether it fits as it is.
    let fits = body.longest <= MAX_LINE;
    #[cfg(feature = "raw")]
    if raw && !streamed_raw && !fits {
        return Err(Error::InvalidBody);
    }
    // Without quoted-printable a line too long for SMTP cannot be sent.
    #[cfg(not(feature = "mime"))]
    if !fits && !raw {
        return Err(Error::InvalidBody);
    }
    Ok(Checked {
        hash,
        time: time.unwrap_or(0),
        eight_bit: body.classes() & HIGH != 0 || streamed_raw,
        #[cfg(feature = "mime")]
        // 7bit or 8bit: no NUL and no line over 998 octets once stuffed.
        raw_ok: raw || (fits && body.classes() & NUL == 0),
        #[cfg(feature = "raw")]
        raw,
    })
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

    /// The scan's packed counts: a body past 2^16 quotes and 255 bytes
    /// before its last '@' passes as before; an address's quotes do not
    /// move its '@'.
    #[test]
    fn packed_scan_counts() {
        let mut m = TestMail::sample();
        m.body = b"\"@\\\n".repeat(40_000);
        let c = check(&m, None, 0).unwrap();
        assert!(!c.eight_bit);
        m.entries[1].1 = Some("q\"\"x@example.test");
        assert!(check(&m, None, 0).is_ok());
        m.entries[1].1 = Some(Box::leak(format!("{}@b", "\"".repeat(65)).into_boxed_str()));
        assert_eq!(check(&m, None, 0).unwrap_err(), Error::AddressTooLong);
        m.entries[1].1 = Some("\"\"\"@");
        assert_eq!(check(&m, None, 0).unwrap_err(), Error::AddressSyntax);
    }

    /// Fields are separated in the hash.
    #[test]
    fn fields_hash_apart() {
        let hash = |fields: &[&[u8]]| {
            let mut h = 0xcbf2_9ce4_8422_2325;
            for f in fields {
                scan(f, &mut h);
            }
            h
        };
        let cases: [&[&[u8]]; 6] = [
            &[b"ab", b"c"],
            &[b"a", b"bc"],
            &[b"", b"x"],
            &[b"x", b""],
            &[b"x"],
            &[b"x", b"", b""],
        ];
        for (i, a) in cases.iter().enumerate() {
            for b in &cases[i + 1..] {
                assert_ne!(hash(a), hash(b), "{a:?} {b:?}");
            }
        }
    }

    /// The multiplication in halves is FNV's 64-bit one.
    #[test]
    fn fnv_in_halves() {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for i in 0..10_000u64 {
            let x = h ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            assert_eq!(fnv(x), x.wrapping_mul(0x0000_0100_0000_01b3), "{x:#x}");
            h = fnv(x);
        }
        for x in [0, 1, u64::MAX, 0xffff_ffff, 1 << 32, 0xff << 24] {
            assert_eq!(fnv(x), x.wrapping_mul(0x0000_0100_0000_01b3), "{x:#x}");
        }
    }

    /// The packed table gives every byte its classes.
    #[test]
    fn byte_classes() {
        for b in 0..=255u8 {
            let mut want = 0;
            if b < 0x20 && b != b'\t' || b == 0x7f {
                want |= CTL;
            }
            if b == b'\r' || b == b'\n' {
                want |= EOL;
            }
            if b"\t <>".contains(&b) {
                want |= SPECIAL;
            }
            if !(b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) {
                want |= NOT_HOST;
            }
            if b >= 0x80 {
                want |= HIGH;
            }
            assert_eq!(class(b), want, "{b:#x}");
        }
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

    /// The UTF-8 check agrees with the standard library's on every one-
    /// to four-byte sequence from a grid of bytes, and on text.
    #[cfg(feature = "smtputf8")]
    #[test]
    fn utf8_as_the_standard_library_sees_it() {
        let bytes: Vec<u8> = [
            0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
        ]
        .into_iter()
        .chain([
            0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4,
        ])
        .chain([0xf5, 0xff])
        .collect();
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    for s in [
                        &[a][..],
                        &[a, b],
                        &[a, b, c],
                        &[a, b, c, 0x80],
                        &[a, b, c, 0xbf],
                    ] {
                        assert_eq!(utf8(s), std::str::from_utf8(s).is_ok(), "{s:02x?}");
                    }
                }
            }
        }
        assert!(utf8(
            "s\u{fc}nder@b\u{fc}ro.example \u{65e5}\u{672c} \u{1f600}".as_bytes()
        ));
    }

    #[test]
    fn every_field_has_its_error() {
        assert_eq!(err(|m| m.entries.clear()), Error::NoSender);
        assert_eq!(err(|m| m.entries.truncate(1)), Error::NoRecipient);
        assert_eq!(err(|m| m.entries[1].1 = None), Error::NullPointer);
        assert_eq!(
            err(|m| m.entries[0].1 = Some("a\0b@c")),
            Error::AddressControlChar
        );
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        for (address, error) in [
            ("a\r\n@b", Error::AddressControlChar),
            ("nobody", Error::AddressSyntax),
            ("a>b@c", Error::AddressSyntax),
            ("@c", Error::AddressSyntax),
            ("", Error::AddressSyntax),
            (leak("x".repeat(65)), Error::AddressSyntax),
            (leak(format!("{}@b", "x".repeat(65))), Error::AddressTooLong),
            (
                leak(format!("a@{}", "x".repeat(253))),
                Error::AddressTooLong,
            ),
        ] {
            assert_eq!(
                err(|m| m.entries[1].1 = Some(address)),
                error,
                "{address:?}"
            );
        }
        assert_eq!(
            err(|m| m.entries[1].0 = "Evil\r\nBcc: x"),
            Error::InvalidName
        );
        // 8-bit names go out as RFC 2047 words when `words` is built.
        #[cfg(not(feature = "words"))]
        assert_eq!(err(|m| m.entries[0].0 = "Jörg"), Error::InvalidName);
        #[cfg(feature = "words")]
        {
            let mut m = TestMail::sample();
            m.entries[0].0 = "Jörg";
            m.subject = "Grüße";
            assert!(check(&m, None, 0).is_ok());
            assert_eq!(
                err(|m| m.entries[0].0 = "J\u{f6}rg\r\n"),
                Error::InvalidName
            );
        }
        assert_eq!(err(|m| m.subject = "hi\nthere"), Error::InvalidSubject);
        assert_eq!(err(|m| m.entries[2].2 = 4), Error::InvalidRecipientType);
        assert_eq!(err(|m| m.entries[2].2 = 0), Error::InvalidRecipientType);
        assert_eq!(err(|m| m.user = "u\r\n"), Error::InvalidCredentials);
        assert_eq!(err(|m| m.password = "p\n"), Error::InvalidCredentials);
        for domain in ["bad domain", "a_b.test", "d\u{e9}.test", ".x"] {
            assert_eq!(err(|m| m.domain = domain), Error::InvalidDomain, "{domain}");
        }
        // Every byte against the host-name set: letters, digits, - . : [ ].
        for b in 0..=255u8 {
            let domain: &'static str = Box::leak(format!("a{}b", b as char).into_boxed_str());
            let good = b.is_ascii_alphanumeric() || b"-.:[]".contains(&b);
            let mut m = TestMail::sample();
            m.domain = domain;
            let got = check(&m, None, 0).map(|_| ());
            assert_eq!(got.is_ok(), good, "{b:#x}");
            if !good {
                assert_eq!(got, Err(Error::InvalidDomain), "{b:#x}");
            }
        }
        assert_eq!(err(|m| m.timezone = "CET"), Error::InvalidTimezone);
        // Without MIME a line too long for SMTP is refused; with it, the text
        // goes quoted-printable.
        #[cfg(not(feature = "mime"))]
        assert_eq!(err(|m| m.body = vec![b'x'; 999]), Error::InvalidBody);
        #[cfg(feature = "mime")]
        {
            let mut m = TestMail::sample();
            m.body = vec![b'x'; 998];
            assert!(check(&m, None, 0).unwrap().raw_ok);
            m.body[0] = b'.';
            assert!(!check(&m, None, 0).unwrap().raw_ok);
            m.body = b"a\0b".to_vec();
            assert!(!check(&m, None, 0).unwrap().raw_ok);
        }
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

    /// Subject and display names: exactly the limit passes, one byte more
    /// is refused (900 without `fold`, 16384 with it); without `fold` a
    /// name shares a 998-octet line with its address, with it a quoted
    /// name's runs without a space must fit one (8-bit names do not matter).
    #[test]
    fn subject_and_name_limits() {
        let text = |n: usize, c: &str| -> &'static str { Box::leak(c.repeat(n).into_boxed_str()) };
        let words = |n: usize| -> &'static str {
            let mut t = "word ".repeat(n / 5 + 1);
            t.truncate(n);
            Box::leak(t.into_boxed_str())
        };
        let subject = |s: &'static str| {
            let mut m = TestMail::sample();
            m.subject = s;
            check(&m, None, 0).map(|_| ())
        };
        let name = |n: &'static str| {
            let mut m = TestMail::sample();
            m.entries[1].0 = n;
            check(&m, None, 0).map(|_| ())
        };
        #[cfg(not(feature = "fold"))]
        assert_eq!(MAX_FOLDED, 900);
        #[cfg(feature = "fold")]
        assert_eq!(MAX_FOLDED, 16384);
        for t in [text(MAX_FOLDED, "s"), words(MAX_FOLDED)] {
            assert_eq!(subject(t), Ok(()));
        }
        for t in [text(MAX_FOLDED + 1, "s"), words(MAX_FOLDED + 1)] {
            assert_eq!(subject(t), Err(Error::InvalidSubject));
        }
        assert_eq!(name(words(MAX_FOLDED)), Ok(()));
        assert_eq!(name(words(MAX_FOLDED + 1)), Err(Error::InvalidName));
        // With a 254-byte address `To: "` + name + `" <addr>,` fills 998
        // with a 728-byte name (escapes included); `fold` puts the address
        // on a line of its own.
        let far = |n: &'static str| {
            let mut m = TestMail::sample();
            let addr = format!("{}@{}", "a".repeat(64), "b".repeat(189));
            m.entries[1] = (n, Some(Box::leak(addr.into_boxed_str())), TO);
            check(&m, None, 0).map(|_| ())
        };
        let quoted = |n: usize| -> &'static str {
            Box::leak(format!("{}\"", "n".repeat(n - 1)).into_boxed_str())
        };
        assert_eq!(far(text(728, "n")), Ok(()));
        assert_eq!(far(quoted(727)), Ok(()));
        #[cfg(not(feature = "fold"))]
        {
            assert_eq!(far(quoted(728)), Err(Error::InvalidName));
            assert_eq!(far(text(729, "n")), Err(Error::InvalidName));
        }
        #[cfg(feature = "fold")]
        {
            assert_eq!(far(quoted(728)), Ok(()));
            assert_eq!(far(words(MAX_FOLDED)), Ok(()));
        }
        #[cfg(feature = "fold")]
        {
            use crate::header::fold::MAX_SEGMENT;
            let run = |n: usize, c: &str| -> &'static str {
                Box::leak(format!("a{}", c.repeat(n - 1)).into_boxed_str())
            };
            assert_eq!(name(run(MAX_SEGMENT, "n")), Ok(()));
            assert_eq!(name(run(MAX_SEGMENT + 1, "n")), Err(Error::InvalidName));
            assert_eq!(name(run(MAX_SEGMENT / 2 + 1, "\"")), Ok(()));
            assert_eq!(
                name(run(MAX_SEGMENT / 2 + 2, "\"")),
                Err(Error::InvalidName)
            );
            // 8-bit: encoded words, folded whatever its runs; a subject
            // with a run too long to fold goes as encoded words too.
            assert_eq!(name(text(MAX_FOLDED / 2, "\u{f6}")), Ok(()));
            assert_eq!(
                name(text(MAX_FOLDED / 2 + 1, "\u{f6}")),
                Err(Error::InvalidName)
            );
            assert_eq!(
                subject(text(MAX_FOLDED / 2 + 1, "\u{f6}")),
                Err(Error::InvalidSubject)
            );
        }
        // User names and passwords keep 900.
        let mut m = TestMail::sample();
        m.user = text(MAX_TEXT, "u");
        assert!(check(&m, None, 0).is_ok());
        m.user = text(MAX_TEXT + 1, "u");
        assert_eq!(check(&m, None, 0).unwrap_err(), Error::InvalidCredentials);
    }

    #[cfg(feature = "headers")]
    #[test]
    fn extra_headers_and_reply_to_as_src_checks_them() {
        let ok = |h: &'static str| {
            let mut m = TestMail::sample();
            m.headers = vec![h];
            check(&m, None, 0).map(|_| ())
        };
        assert_eq!(ok("X-Prio: 2"), Ok(()));
        assert_eq!(ok("X-Empty:"), Ok(()));
        assert_eq!(ok("X-Tab:\tx"), Ok(()));
        let long_name: &'static str = Box::leak(format!("{}: v", "N".repeat(76)).into_boxed_str());
        assert_eq!(ok(long_name), Ok(()));
        let longer: &'static str = Box::leak(format!("{}: v", "N".repeat(77)).into_boxed_str());
        let long_value: &'static str = Box::leak(format!("X:{}", "v".repeat(901)).into_boxed_str());
        let too_long: &'static str = Box::leak(format!("X: {}", "v".repeat(975)).into_boxed_str());
        for bad in [
            "no colon",
            ": empty name",
            "Sp ace: v",
            "subject: again",
            "REPLY-TO: x@y.test",
            "Content-Type: text/html",
            "X-CR: a\rb",
            "X-LF: a\nb",
            "X-Nul: a\0b",
            #[cfg(not(feature = "words"))]
            "X-8bit: caf\u{e9}",
            longer,
            long_value,
            too_long,
        ] {
            assert_eq!(ok(bad), Err(Error::InvalidHeader), "{bad:?}");
        }
        // Every own field in any case; parts and extensions of them pass.
        let owns = [
            "Date",
            "From",
            "Sender",
            "Reply-To",
            "To",
            "Cc",
            "Bcc",
            "Subject",
            "Message-ID",
            "MIME-Version",
            "Content-Type",
            "Content-Transfer-Encoding",
        ];
        for own in owns {
            for name in [own.to_string(), own.to_uppercase(), own.to_lowercase()] {
                let line: &'static str = Box::leak(format!("{name}: x").into_boxed_str());
                assert_eq!(ok(line), Err(Error::InvalidHeader), "{line}");
            }
            for name in [
                &own[1..],
                &own[..own.len() - 1],
                &format!("X-{own}"),
                &format!("{own}s"),
            ] {
                if owns.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                    continue;
                }
                let line: &'static str = Box::leak(format!("{name}: x").into_boxed_str());
                assert_eq!(ok(line), Ok(()), "{line}");
            }
        }
        for bad in ["not an address", "a@", "a b@c.test", "x\r\n@y.test"] {
            let mut m = TestMail::sample();
            m.reply_to = bad;
            assert_eq!(
                check(&m, None, 0).unwrap_err(),
                Error::InvalidHeader,
                "{bad}"
            );
        }
        // Both are part of the Message-ID hash.
        let base = check(&TestMail::sample(), None, 0).unwrap().hash;
        let mut m = TestMail::sample();
        m.reply_to = "r@example.test";
        assert_ne!(check(&m, None, 0).unwrap().hash, base);
        let mut m = TestMail::sample();
        m.headers = vec!["X-A: 1"];
        assert_ne!(check(&m, None, 0).unwrap().hash, base);
    }
}
