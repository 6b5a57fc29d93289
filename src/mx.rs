// SPDX-License-Identifier: MIT OR Apache-2.0
//! MX routing (`mx`): the DNS side of sending to a domain (RFC 5321 §5.1).
//!
//! [`query`] writes an RFC 1035 MX query for a firmware whose stack only
//! sends UDP datagrams; [`parse`] reads the DNS response the application's
//! resolver returned and orders the mail hosts: lowest preference first,
//! equal preferences shuffled by a seed, at most [`MAX_HOSTS`] kept. The
//! parser is strict: every length is checked against the message, name
//! compression pointers must point strictly backwards (so they cannot
//! loop), names are at most 255 octets, and anything else is
//! [`Error::DnsMalformed`]. A host name is decoded only when it is needed
//! ([`Hosts::name`]), into the caller's buffer, as dotted ASCII text.
//!
//! Outcomes: NXDOMAIN is [`Error::NoSuchDomain`] (permanent); a null MX
//! (RFC 7505: an MX whose exchange is the root ".") is [`Error::NullMx`]
//! (permanent); no MX record in a NOERROR answer is the implicit MX (the
//! domain itself, preference 0); a truncated answer or a failure code
//! other than NXDOMAIN (SERVFAIL, REFUSED, ...) is [`Error::DnsLookup`]
//! (temporary: try later). MX records are taken from the answer section
//! whatever their owner (a CNAME chain's records are owned by its target);
//! other record types are skipped; the authority and additional sections
//! are not read.

use crate::error::Error;

/// Most mail hosts kept (and tried) per domain: the lowest preferences.
pub const MAX_HOSTS: usize = 8;
/// Room for a host name as dotted text with its NUL (253 characters + NUL).
pub const NAME_SIZE: usize = 256;
/// Longest MX query [`query`] writes: header, a 255-octet name, type and class.
pub const QUERY_SIZE: usize = 12 + 255 + 4;

/// DNS type MX.
const TYPE_MX: u16 = 15;
/// DNS class IN.
const CLASS_IN: u16 = 1;
/// Longest name on the wire (RFC 1035 §2.3.4), length octets included.
const MAX_WIRE_NAME: usize = 255;
/// Longest label.
const MAX_LABEL: usize = 63;
/// Longest domain as dotted text (without a trailing dot).
const MAX_TEXT: usize = 253;
/// [`Entry::at`] of the implicit MX: the domain itself.
const IMPLICIT: u16 = u16::MAX;

/// A letter, digit or hyphen (RFC 1123 host name characters).
fn ldh(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// A host name label: 1..=63 LDH characters, no hyphen at either end.
fn label_ok(l: &[u8]) -> bool {
    matches!((l.first(), l.last()), (Some(&a), Some(&z)) if a != b'-' && z != b'-')
        && l.len() <= MAX_LABEL
        && l.iter().all(|&b| ldh(b))
}

/// `domain` without one trailing dot.
fn trimmed(domain: &[u8]) -> &[u8] {
    // Not `strip_suffix`: its out-of-line copy keeps a panic path in the archive.
    match domain.split_last() {
        Some((b'.', rest)) => rest,
        _ => domain,
    }
}

/// Checks a domain to route to: dotted LDH labels (one trailing dot
/// allowed), at most 253 characters. `InvalidMxDomain` otherwise (an
/// address literal, UTF-8, an empty label...).
pub fn check_domain(domain: &[u8]) -> Result<(), Error> {
    let d = trimmed(domain);
    if d.is_empty() || d.len() > MAX_TEXT || !d.split(|&b| b == b'.').all(label_ok) {
        return Err(Error::InvalidMxDomain);
    }
    Ok(())
}

/// Writes an MX query (class IN, recursion desired, identifier `id`) for
/// `domain` into `buf`; returns its length (at most [`QUERY_SIZE`]).
/// `InvalidMxDomain` for a domain [`check_domain`] refuses,
/// `InvalidOptions` when `buf` is too small.
pub fn query(domain: &[u8], id: u16, buf: &mut [u8]) -> Result<usize, Error> {
    check_domain(domain)?;
    let d = trimmed(domain);
    let len = 12 + d.len() + 2 + 4;
    let out = buf.get_mut(..len).ok_or(Error::InvalidOptions)?;
    let [hi, lo] = id.to_be_bytes();
    // Header: id, RD, one question.
    let mut w = Writer { out, at: 0 };
    w.put(&[hi, lo, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in d.split(|&b| b == b'.') {
        w.put(&[label.len() as u8]);
        w.put(label);
    }
    w.put(&[0, 0, TYPE_MX as u8, 0, CLASS_IN as u8]);
    Ok(len)
}

/// Appends bytes to a slice sized for them.
struct Writer<'b> {
    out: &'b mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        copy(self.out.get_mut(self.at..).unwrap_or_default(), bytes);
        self.at += bytes.len();
    }
}

/// Copies `src` into `dst` (as long as the shorter; `copy_from_slice`
/// would carry a panic path).
fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s;
    }
}

/// Reads a big-endian `u16` at `at`.
fn u16_at(msg: &[u8], at: usize) -> Result<u16, Error> {
    match msg.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(Error::DnsMalformed),
    }
}

/// Walks the (possibly compressed) name at `at` of `msg`, handing each
/// label to `label`; returns the offset just after the name where it
/// starts (after its first pointer, if any). Every pointer must point
/// before the lowest offset read so far, so the walk ends; the name must
/// fit in 255 octets.
fn walk(
    msg: &[u8],
    at: usize,
    mut label: impl FnMut(&[u8]) -> Result<(), Error>,
) -> Result<usize, Error> {
    let (mut pos, mut floor, mut end, mut wire) = (at, at, None, 1);
    loop {
        let len = *msg.get(pos).ok_or(Error::DnsMalformed)? as usize;
        match len {
            0 => return Ok(end.unwrap_or(pos + 1)),
            1..=63 => {
                let l = msg.get(pos + 1..pos + 1 + len).ok_or(Error::DnsMalformed)?;
                wire += 1 + len;
                if wire > MAX_WIRE_NAME {
                    return Err(Error::DnsMalformed);
                }
                label(l)?;
                pos += 1 + len;
            }
            0xc0..=0xff => {
                let target = usize::from(u16_at(msg, pos)? & 0x3fff);
                if target >= floor {
                    return Err(Error::DnsMalformed);
                }
                end.get_or_insert(pos + 2);
                (pos, floor) = (target, target);
            }
            // 0x40 and 0x80: extended label types, never valid here.
            _ => return Err(Error::DnsMalformed),
        }
    }
}

/// Whether the name at `at` is `domain` (ASCII case ignored); the offset after it.
fn same_name(msg: &[u8], at: usize, domain: &[u8]) -> Result<(bool, usize), Error> {
    let mut rest = trimmed(domain);
    let mut same = true;
    let mut first = true;
    let end = walk(msg, at, |l| {
        if !core::mem::take(&mut first) {
            rest = match rest.split_first() {
                Some((b'.', after)) => after,
                _ => b"\0",
            };
        }
        match rest.get(..l.len()) {
            Some(head) if head.eq_ignore_ascii_case(l) => rest = rest.get(l.len()..).unwrap_or(b""),
            _ => same = false,
        }
        Ok(())
    })?;
    Ok((same && rest.is_empty(), end))
}

/// Decodes the host name at `at` as dotted text followed by a NUL into
/// `out` (or only checks that it would fit, with `None`); its length
/// without the NUL. Labels must be host name labels.
fn host_name(msg: &[u8], at: usize, mut out: Option<&mut [u8; NAME_SIZE]>) -> Result<usize, Error> {
    let mut n = 0;
    walk(msg, at, |l| {
        if !label_ok(l) {
            return Err(Error::DnsMalformed);
        }
        let dot = usize::from(n > 0);
        // The label, a dot before it and the NUL after the name must fit.
        if n + dot + l.len() >= NAME_SIZE {
            return Err(Error::DnsMalformed);
        }
        if let Some(out) = out.as_deref_mut() {
            if dot == 1 {
                *out.get_mut(n).ok_or(Error::DnsMalformed)? = b'.';
            }
            copy(
                out.get_mut(n + dot..n + dot + l.len())
                    .ok_or(Error::DnsMalformed)?,
                l,
            );
        }
        n += dot + l.len();
        Ok(())
    })?;
    // 253 characters at most (255 wire octets), so the NUL fits.
    if let Some(out) = out {
        *out.get_mut(n).ok_or(Error::DnsMalformed)? = 0;
    }
    Ok(n)
}

/// One mail host: its preference, its shuffle key, where its name is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entry {
    pref: u16,
    key: u32,
    /// Offset of the exchange name in the answer, or [`IMPLICIT`].
    at: u16,
}

/// The mail hosts of a domain in the order to try them (at most
/// [`MAX_HOSTS`]); the names stay in the answer until asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hosts {
    list: [Entry; MAX_HOSTS],
    len: usize,
}

impl Hosts {
    /// How many hosts to try (1..=[`MAX_HOSTS`]).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: [`parse`] never returns an empty list.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The preference of host `i` (0 for the implicit MX).
    pub fn preference(&self, i: usize) -> Option<u16> {
        self.list.get(..self.len)?.get(i).map(|e| e.pref)
    }

    /// Writes the name of host `i` (in order) into `out` as dotted text and
    /// a NUL; its length without the NUL. `answer` and `domain` are what
    /// was given to [`parse`]. `None` past the end.
    pub fn name(
        &self,
        i: usize,
        answer: &[u8],
        domain: &[u8],
        out: &mut [u8; NAME_SIZE],
    ) -> Option<usize> {
        let e = self.list.get(..self.len)?.get(i)?;
        if e.at == IMPLICIT {
            let d = trimmed(domain);
            copy(out.get_mut(..d.len())?, d);
            *out.get_mut(d.len())? = 0;
            return Some(d.len());
        }
        host_name(answer, usize::from(e.at), Some(out)).ok()
    }

    /// Adds a host, keeping the list sorted by (preference, key) and only
    /// its [`MAX_HOSTS`] first entries.
    fn insert(&mut self, e: Entry) {
        let rank = |x: &Entry| (x.pref, x.key);
        // Its place: after every entry that ranks before it or equal.
        let at = self
            .list
            .iter()
            .take(self.len)
            .filter(|x| rank(x) <= rank(&e))
            .count();
        if at >= MAX_HOSTS {
            return;
        }
        // The worse entries move one place down (the last falls off when full).
        let mut carried = e;
        for slot in self.list.iter_mut().take(self.len + 1).skip(at) {
            carried = core::mem::replace(slot, carried);
        }
        self.len = (self.len + 1).min(MAX_HOSTS);
    }
}

/// The shuffle key of the `n`-th MX record under `seed` (SplitMix64's mixer).
fn key(seed: u64, n: u64) -> u32 {
    let mut z = seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

/// Reads the DNS response `answer` to an MX query for `domain` and returns
/// the hosts to try; `seed` orders hosts of equal preference (the same
/// seed, the same order). See the module documentation for the outcomes.
pub fn parse(answer: &[u8], domain: &[u8], seed: u64) -> Result<Hosts, Error> {
    let mut hosts = Hosts {
        list: [Entry::default(); MAX_HOSTS],
        len: 0,
    };
    parse_into(answer, domain, seed, &mut hosts).map(|()| hosts)
}

/// [`parse`] into the caller's `hosts` (emptied first; on an error what it
/// holds is unspecified): the C API's way, with no `Hosts` moved whole (a
/// `memcpy` call, which the library must not make).
pub fn parse_into(answer: &[u8], domain: &[u8], seed: u64, hosts: &mut Hosts) -> Result<(), Error> {
    hosts.len = 0;
    check_domain(domain)?;
    // The offsets of the names must fit in an entry.
    if answer.len() >= usize::from(IMPLICIT) {
        return Err(Error::DnsMalformed);
    }
    let flags = u16_at(answer, 2)?;
    let (qd, an) = (u16_at(answer, 4)?, u16_at(answer, 6)?);
    u16_at(answer, 10)?;
    // A response (QR), a standard query (opcode 0), one question.
    if flags & 0x8000 == 0 || flags & 0x7800 != 0 || qd != 1 {
        return Err(Error::DnsMalformed);
    }
    let (same, end) = same_name(answer, 12, domain)?;
    if !same || u16_at(answer, end)? != TYPE_MX || u16_at(answer, end + 2)? != CLASS_IN {
        return Err(Error::DnsMalformed);
    }
    match flags & 0x000f {
        0 => {}
        3 => return Err(Error::NoSuchDomain),
        _ => return Err(Error::DnsLookup),
    }
    // Truncated (TC): the records are incomplete; ask again over TCP.
    if flags & 0x0200 != 0 {
        return Err(Error::DnsLookup);
    }
    let mut null = false;
    let mut pos = end + 4;
    for n in 0..an {
        let fixed = walk(answer, pos, |_| Ok(()))?;
        let (rtype, class) = (u16_at(answer, fixed)?, u16_at(answer, fixed + 2)?);
        let rdlen = usize::from(u16_at(answer, fixed + 8)?);
        let rdata = fixed + 10;
        let next = rdata + rdlen;
        if next > answer.len() {
            return Err(Error::DnsMalformed);
        }
        if rtype == TYPE_MX && class == CLASS_IN {
            let pref = u16_at(answer, rdata)?;
            // The exchange must be a host name ending exactly at the RDATA's end.
            let exchange = rdata + 2;
            if walk(answer, exchange, |_| Ok(()))? != next {
                return Err(Error::DnsMalformed);
            }
            match host_name(answer, exchange, None)? {
                0 => null = true,
                _ => hosts.insert(Entry {
                    pref,
                    key: key(seed, u64::from(n)),
                    at: exchange as u16,
                }),
            }
        }
        pos = next;
    }
    if null {
        // RFC 7505: the domain accepts no mail (other MX records beside a
        // null MX are a contradiction, and do not change that).
        return Err(Error::NullMx);
    }
    if hosts.len == 0 {
        // RFC 5321 §5.1: no MX, the domain is its own mail host.
        hosts.insert(Entry {
            pref: 0,
            key: 0,
            at: IMPLICIT,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response to the MX query of `domain` with the answer records `rrs`
    /// (already encoded), response code `rcode` and extra `flags`.
    fn response(domain: &str, rcode: u16, flags: u16, rrs: &[Vec<u8>]) -> Vec<u8> {
        let mut q = [0; QUERY_SIZE];
        let n = query(domain.as_bytes(), 0x1234, &mut q).unwrap();
        let mut m = q[..n].to_vec();
        let f = 0x8180 | rcode | flags;
        m[2..4].copy_from_slice(&f.to_be_bytes());
        m[6..8].copy_from_slice(&(rrs.len() as u16).to_be_bytes());
        for rr in rrs {
            m.extend_from_slice(rr);
        }
        m
    }

    /// Wire form of a dotted name (no compression).
    fn wire(name: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for l in name.split('.').filter(|l| !l.is_empty()) {
            v.push(l.len() as u8);
            v.extend_from_slice(l.as_bytes());
        }
        v.push(0);
        v
    }

    /// A resource record: owner as a pointer to the question (offset 12).
    fn rr(rtype: u16, rdata: &[u8]) -> Vec<u8> {
        let mut v = vec![0xc0, 12];
        v.extend_from_slice(&rtype.to_be_bytes());
        v.extend_from_slice(&CLASS_IN.to_be_bytes());
        v.extend_from_slice(&300u32.to_be_bytes());
        v.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        v.extend_from_slice(rdata);
        v
    }

    fn mx(pref: u16, exchange: &[u8]) -> Vec<u8> {
        let mut d = pref.to_be_bytes().to_vec();
        d.extend_from_slice(exchange);
        rr(TYPE_MX, &d)
    }

    fn names(msg: &[u8], domain: &str, seed: u64) -> Result<Vec<(u16, String)>, Error> {
        let hosts = parse(msg, domain.as_bytes(), seed)?;
        Ok((0..hosts.len())
            .map(|i| {
                let mut out = [0xaa; NAME_SIZE];
                let n = hosts.name(i, msg, domain.as_bytes(), &mut out).unwrap();
                assert_eq!(out[n], 0, "NUL-terminated");
                let pref = hosts.preference(i).unwrap();
                (pref, String::from_utf8(out[..n].to_vec()).unwrap())
            })
            .collect())
    }

    #[test]
    fn query_bytes_are_rfc_1035() {
        let mut buf = [0; QUERY_SIZE];
        let n = query(b"Example.COM.", 0xbeef, &mut buf).unwrap();
        assert_eq!(
            &buf[..n],
            b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\
              \x07Example\x03COM\x00\x00\x0f\x00\x01"
        );
        let long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(long.len(), 253);
        assert_eq!(query(long.as_bytes(), 1, &mut buf), Ok(QUERY_SIZE));
        assert_eq!(
            query(b"example.com", 1, &mut buf[..28]),
            Err(Error::InvalidOptions)
        );
        assert_eq!(query(b"example.com", 1, &mut buf[..29]), Ok(29));
    }

    #[test]
    fn domains_that_are_not_host_names_are_refused() {
        let long = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(62),
        ]
        .join(".");
        let label64 = format!("{}.com", "a".repeat(64));
        for bad in [
            "",
            ".",
            "a..b",
            ".a",
            "a b",
            "-a.com",
            "a-.com",
            "[127.0.0.1]",
            "b\u{fc}ro.de",
            "a_b.com",
            "a.com..",
            &long,
            &label64,
            "a\0b",
        ] {
            let mut buf = [0; QUERY_SIZE];
            assert_eq!(
                check_domain(bad.as_bytes()),
                Err(Error::InvalidMxDomain),
                "{bad:?}"
            );
            assert_eq!(
                query(bad.as_bytes(), 1, &mut buf),
                Err(Error::InvalidMxDomain),
                "{bad:?}"
            );
            assert_eq!(
                parse(&[0; 64], bad.as_bytes(), 0),
                Err(Error::InvalidMxDomain)
            );
        }
        for good in [
            "a",
            "example.com",
            "EXAMPLE.com.",
            "xn--bro-hoa.de",
            "1.2.3.4",
        ] {
            assert_eq!(check_domain(good.as_bytes()), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn hosts_by_preference_with_compression() {
        // mx2 is written in full, mx1 points into the question's "example.com".
        let msg = response(
            "example.com",
            0,
            0,
            &[
                mx(20, &wire("mx2.example.com")),
                mx(10, b"\x03mx1\xc0\x0c"),
                rr(1, &[127, 0, 0, 2]),
            ],
        );
        assert_eq!(
            names(&msg, "EXAMPLE.com", 7).unwrap(),
            [
                (10, "mx1.example.com".into()),
                (20, "mx2.example.com".into())
            ]
        );
    }

    #[test]
    fn pointer_chains_backwards_are_followed() {
        // Record 2's exchange "b" + pointer to record 1's exchange "a.example.com".
        let mut msg = response("example.com", 0, 0, &[mx(5, b"\x01a\xc0\x0c")]);
        let first = msg.len() - 4; // the "\x01a" of record 1
        let second = [b"\x01b\xc0".as_slice(), &[first as u8]].concat();
        msg.extend_from_slice(&mx(6, &second));
        msg[7] = 2;
        assert_eq!(
            names(&msg, "example.com", 0).unwrap(),
            [(5, "a.example.com".into()), (6, "b.a.example.com".into())]
        );
    }

    #[test]
    fn no_mx_is_the_implicit_mx_and_null_mx_fails() {
        let a_only = response("example.com", 0, 0, &[rr(1, &[127, 0, 0, 2])]);
        assert_eq!(
            names(&a_only, "example.com.", 0).unwrap(),
            [(0, "example.com".into())]
        );
        let empty = response("example.com", 0, 0, &[]);
        assert_eq!(
            names(&empty, "example.com", 0).unwrap(),
            [(0, "example.com".into())]
        );
        let null = response("example.com", 0, 0, &[mx(0, b"\x00")]);
        assert_eq!(parse(&null, b"example.com", 0), Err(Error::NullMx));
        let null_and_host = response(
            "example.com",
            0,
            0,
            &[mx(0, b"\x00"), mx(10, &wire("mx.example.com"))],
        );
        assert_eq!(parse(&null_and_host, b"example.com", 0), Err(Error::NullMx));
    }

    #[test]
    fn response_codes() {
        let nx = response("example.com", 3, 0, &[]);
        assert_eq!(parse(&nx, b"example.com", 0), Err(Error::NoSuchDomain));
        for rcode in [1, 2, 4, 5, 9] {
            let m = response("example.com", rcode, 0, &[]);
            assert_eq!(
                parse(&m, b"example.com", 0),
                Err(Error::DnsLookup),
                "{rcode}"
            );
        }
        let tc = response("example.com", 0, 0x0200, &[mx(10, &wire("mx.example.com"))]);
        assert_eq!(parse(&tc, b"example.com", 0), Err(Error::DnsLookup));
    }

    #[test]
    fn equal_preferences_are_shuffled_by_the_seed() {
        let rrs: Vec<_> = (0..6)
            .map(|i| mx(10, &wire(&format!("m{i}.example.com"))))
            .collect();
        let mut rrs = rrs;
        rrs.push(mx(5, &wire("first.example.com")));
        let msg = response("example.com", 0, 0, &rrs);
        let a = names(&msg, "example.com", 1).unwrap();
        assert_eq!(
            a,
            names(&msg, "example.com", 1).unwrap(),
            "same seed, same order"
        );
        assert_eq!(a[0], (5, "first.example.com".into()));
        let orders: std::collections::HashSet<_> = (0..20)
            .map(|s| names(&msg, "example.com", s).unwrap())
            .collect();
        assert!(
            orders.len() > 10,
            "seeds give different orders: {}",
            orders.len()
        );
        for o in &orders {
            assert_eq!(o[0].1, "first.example.com");
            assert!(o[1..].iter().all(|(p, _)| *p == 10));
        }
    }

    #[test]
    fn only_the_best_eight_are_kept() {
        let rrs: Vec<_> = (0..12u16)
            .rev()
            .map(|i| mx(i * 10, &wire(&format!("h{i}.example.com"))))
            .collect();
        let msg = response("example.com", 0, 0, &rrs);
        let got = names(&msg, "example.com", 3).unwrap();
        let want: Vec<_> = (0..8u16)
            .map(|i| (i * 10, format!("h{i}.example.com")))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn malformed_answers_are_errors() {
        let good = response("example.com", 0, 0, &[mx(10, &wire("mx.example.com"))]);
        assert!(parse(&good, b"example.com", 0).is_ok());
        let m = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut v = good.clone();
            f(&mut v);
            parse(&v, b"example.com", 0)
        };
        let malformed = Err(Error::DnsMalformed);
        // Every truncation.
        for cut in 0..good.len() {
            assert_eq!(
                parse(&good[..cut], b"example.com", 0),
                malformed,
                "cut at {cut}"
            );
        }
        assert_eq!(m(&|v| v[2] &= 0x7f), malformed, "a query, not a response");
        assert_eq!(m(&|v| v[2] |= 0x08), malformed, "opcode 1");
        assert_eq!(m(&|v| v[5] = 2), malformed, "two questions");
        assert_eq!(m(&|v| v[5] = 0), malformed, "no question");
        assert_eq!(m(&|v| v[13] = b'x'), malformed, "another question");
        assert_eq!(parse(&good, b"example.org", 0), malformed, "another domain");
        assert_eq!(parse(&good, b"example.co", 0), malformed, "a prefix of it");
        assert_eq!(parse(&good, b"www.example.com", 0), malformed, "longer");
        assert_eq!(m(&|v| v[26] = 1), malformed, "question type A");
        assert_eq!(m(&|v| v[28] = 3), malformed, "question class CH");
        assert_eq!(m(&|v| v[7] = 2), malformed, "a record missing");
        // The record: pointer at 29, type 31, class 33, ttl 35, rdlength 39, rdata 41.
        assert_eq!(m(&|v| v[40] += 1), malformed, "rdlength past the name");
        assert_eq!(m(&|v| v[40] -= 1), malformed, "rdlength inside the name");
        assert_eq!(m(&|v| v[40] = 200), malformed, "rdlength past the end");
        assert_eq!(m(&|v| v[29] = 0x80), malformed, "label type 10");
        assert_eq!(m(&|v| v[29] = 0x40), malformed, "label type 01");
        assert_eq!(m(&|v| v[30] = 29), malformed, "pointer to itself");
        assert_eq!(m(&|v| v[30] = 200), malformed, "pointer forwards");
        assert_eq!(m(&|v| v[44] = b'_'), malformed, "not a host name");
        assert_eq!(m(&|v| v[44] = 0), malformed, "a NUL in the name");
        assert_eq!(m(&|v| v[44] = b'.'), malformed, "a dot in a label");
        // A loop of two pointers, each backwards from where it is.
        let mut lp = response("example.com", 0, 0, &[]);
        let at = lp.len();
        lp.extend_from_slice(&mx(1, b"\x01a\xc0\x00"));
        lp[7] = 1;
        let ptr = at + 12 + 2 + 2; // the exchange's pointer
        lp[ptr + 1] = (at + 14) as u8; // "a" then back to "a": not strictly backwards
        assert_eq!(parse(&lp, b"example.com", 0), malformed);
        // A name over 255 octets through pointers.
        let long = vec!["a".repeat(63); 5].join(".");
        let big = response("example.com", 0, 0, &[mx(1, &wire(&long))]);
        assert_eq!(parse(&big, b"example.com", 0), malformed);
        // Too long a message for the offsets.
        assert_eq!(parse(&vec![0; 70_000], b"example.com", 0), malformed);
    }

    #[test]
    fn other_records_and_owners_are_skipped() {
        let msg = response(
            "example.com",
            0,
            0,
            &[
                rr(5, &wire("alias.example.net")),
                rr(16, b"\x05hello"),
                mx(10, &wire("mx.example.net")),
            ],
        );
        assert_eq!(
            names(&msg, "example.com", 0).unwrap(),
            [(10, "mx.example.net".into())]
        );
    }
}
