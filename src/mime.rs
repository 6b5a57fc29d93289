// SPDX-License-Identifier: MIT OR Apache-2.0
//! MIME content (`mime` feature), as `src/message/content.rs` writes it:
//! the text part in 7bit, 8bit or quoted-printable, emNet's multipart items
//! base64-encoded in 76-character lines, the boundary (the caller's or
//! `=_ip-smtpc_` and 16 hex digits of the Message-ID hash), RFC 2231 file
//! names, and the MIME-injection guard (a text with a line starting with
//! "--" and the boundary goes quoted-printable, where a line-initial "-"
//! is `=2D`).
//!
//! The encoders keep their state in [`Enc`] between calls, so the engine
//! can stop at any byte when its out buffer is full and resume; their
//! output is dot-stuffed as it is written (a QP line starting with "." gets
//! another; base64 has none).

use crate::check::Checked;
use crate::mail::Mail;
use crate::writer::Writer;

/// Content-Transfer-Encoding of the text: 7bit.
pub const SEVEN: u8 = 0;
/// 8bit.
pub const EIGHT: u8 = 1;
/// quoted-printable.
pub const QP: u8 = 2;

/// Out-buffer room an encoder needs for one more input byte.
pub const ROOM: usize = 12;

/// Quoted-printable and base64 line length (RFC 2045).
const LINE: u8 = 76;

/// A streaming encoder's state (base64 lines or quoted-printable).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enc {
    group: [u8; 3],
    filled: u8,
    column: u8,
    /// A space or TAB not yet written (0: none): encoded if a line ends after it.
    pending: u8,
    after_cr: bool,
}

/// `prefix` and the two upper-case hex digits of `b`: QP's `=HH`, RFC
/// 2231's `%HH`.
#[inline(always)]
fn escape(prefix: u8, b: u8) -> [u8; 3] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digit = |n: u8| HEX.get(usize::from(n & 15)).copied().unwrap_or(b'0');
    [prefix, digit(b >> 4), digit(b)]
}

/// How many bytes at the start of `rest` a quoted-printable line takes as
/// they are: printable ASCII and spaces other than "=", up to the first
/// other byte, trailing spaces left out (they are written only once the
/// byte after them is known). Hosted builds (64-bit targets) only, eight
/// bytes at a time; firmware builds get 0 and encode byte by byte.
#[cfg(target_pointer_width = "64")]
fn literal(rest: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    for chunk in rest.chunks_exact(8) {
        let v = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default());
        // A byte below 0x20, one above 0x7e, an "=".
        let low = v.wrapping_sub(ONES * 0x20) & !v;
        let high = v.wrapping_add(ONES) | v;
        let eq = v ^ (ONES * 0x3d);
        if (low | high | (eq.wrapping_sub(ONES) & !eq)) & TOPS != 0 {
            break;
        }
        i += 8;
    }
    let tail = rest.get(i..).unwrap_or_default();
    let end = |&b: &u8| !(b' '..=b'~').contains(&b) || b == b'=';
    let mut n = i + tail.iter().position(end).unwrap_or(tail.len());
    while n > 0 && rest.get(n - 1) == Some(&b' ') {
        n -= 1;
    }
    n
}

/// Firmware builds: no literal run, every byte goes through [`Enc::qp`].
#[cfg(not(target_pointer_width = "64"))]
#[inline(always)]
fn literal(_: &[u8]) -> usize {
    0
}

impl Enc {
    /// Adds one byte to a base64 stream.
    #[inline(always)]
    pub fn base64(&mut self, w: &mut Writer<'_>, b: u8) {
        if let Some(slot) = self.group.get_mut(usize::from(self.filled)) {
            *slot = b;
        }
        self.filled += 1;
        if self.filled == 3 {
            self.emit(w);
        }
    }

    fn emit(&mut self, w: &mut Writer<'_>) {
        if self.column == LINE {
            w.put(b"\r\n");
            self.column = 0;
        }
        let group = self
            .group
            .get(..usize::from(self.filled))
            .unwrap_or_default();
        crate::base64::put(w, &[group]);
        self.column += 4;
        self.filled = 0;
    }

    /// The end of a base64 stream: the last group (pure: the state stays).
    pub fn base64_end(&self, w: &mut Writer<'_>) {
        let mut e = *self;
        if e.filled > 0 {
            e.emit(w);
        }
    }

    fn token(&mut self, w: &mut Writer<'_>, t: &[u8]) {
        if usize::from(self.column) + t.len() > usize::from(LINE) - 1 {
            w.put(b"=\r\n");
            self.column = 0;
        }
        if self.column == 0 && t == b"-" {
            // No line of a part may start with "--" and the boundary: "-"
            // escaped, written here (through `token` again it would be a
            // recursion).
            w.put(b"=2D");
            self.column = 3;
            return;
        }
        if self.column == 0 && t == b"." {
            w.stuff();
        }
        w.put(t);
        self.column += t.len() as u8;
    }

    /// Adds one byte to a quoted-printable stream (any line ending is a
    /// hard line break; CR LF is one). A space or tab is held back: before
    /// a line break it is escaped (RFC 2045 §6.7 rule 3). Tokens go to
    /// `Enc::token` directly, line breaks to the writer: no helper level in
    /// between (the deepest stack path runs through here).
    pub fn qp(&mut self, w: &mut Writer<'_>, b: u8) {
        if b == b'\n' && self.after_cr {
            self.after_cr = false;
            return;
        }
        self.after_cr = b == b'\r';
        let line_break = b == b'\r' || b == b'\n';
        if self.pending != 0 {
            let space = self.pending;
            self.pending = 0;
            let (escaped, alone) = (escape(b'=', space), [space]);
            self.token(w, if line_break { &escaped } else { &alone });
        }
        match b {
            _ if line_break => {
                w.put(b"\r\n");
                self.column = 0;
            }
            b' ' | b'\t' => self.pending = b,
            b'!'..=b'~' if b != b'=' => self.token(w, &[b]),
            _ => self.token(w, &escape(b'=', b)),
        }
    }

    /// Adds `b`, the first byte of `rest`, to a quoted-printable stream,
    /// and with it (hosted builds) the literal run it starts, written
    /// exactly as [`Enc::qp`] writes it byte by byte; returns how many
    /// bytes after `b` went with it. `w` has [`ROOM`] bytes of room.
    #[inline(always)]
    pub fn qp_run(&mut self, w: &mut Writer<'_>, b: u8, rest: &[u8]) -> usize {
        let taken = self.literal(w, rest);
        if taken == 0 {
            self.qp(w, b);
            return 0;
        }
        taken - 1
    }

    /// Writes the literal run at the start of `rest` ([`literal`]) in
    /// pieces up to the line's 75th column, a soft line break between
    /// them; stops before a "." or "-" that would start a line (the byte
    /// path stuffs or escapes it). Returns how many bytes it took.
    #[inline(always)]
    fn literal(&mut self, w: &mut Writer<'_>, rest: &[u8]) -> usize {
        let len = literal(rest);
        if len == 0 || self.pending != 0 {
            return 0;
        }
        let mut taken = 0;
        while let Some(piece) = rest.get(taken..len) {
            let column = usize::from(self.column);
            let first = piece.first().copied().unwrap_or(b'.');
            if column == 0 && (first == b'.' || first == b'-') {
                break;
            }
            let fits = (usize::from(LINE) - 1 - column).min(w.room().saturating_sub(3));
            let piece = piece.get(..fits).unwrap_or(piece);
            if piece.is_empty() {
                break;
            }
            w.copy(piece);
            taken += piece.len();
            self.column += piece.len() as u8;
            self.after_cr = false;
            if self.column == LINE - 1 && taken < len {
                w.put(b"=\r\n");
                self.column = 0;
            }
        }
        taken
    }

    /// The end of a quoted-printable stream: a final line break when the
    /// last line is open (pure: the state stays).
    pub fn qp_end(&self, w: &mut Writer<'_>) {
        let mut e = *self;
        if e.column > 0 || e.pending != 0 {
            e.qp(w, b'\r');
        }
    }
}

/// The boundary: the caller's `sBoundary`, else `=_ip-smtpc_` and the hash.
#[inline(always)]
pub fn boundary<M: Mail>(w: &mut Writer<'_>, m: &M, c: &Checked) {
    let mut k = 0;
    while let Some(b) = boundary_byte(m, c, k) {
        w.byte(b);
        k += 1;
    }
}

/// `--boundary` and CR LF (`--` after it for the last).
pub fn delimiter<M: Mail>(w: &mut Writer<'_>, m: &M, c: &Checked, last: bool) {
    // `--` and CR LF from one string; the last one's `--` before its CR LF.
    const DASHES: &[u8] = b"--\r\n";
    w.put(DASHES.get(..2).unwrap_or_default());
    boundary(w, m, c);
    w.put(DASHES.get(usize::from(!last) * 2..).unwrap_or_default());
}

/// The text part's fields, up to its encoding. Its first 14 bytes are
/// `Content-Type: `, its last 29 CR LF and `Content-Transfer-Encoding: `:
/// the multipart and item fields write them from here (one string in ROM).
const TEXT_PART: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ";

/// `Content-Type: ` from [`TEXT_PART`].
fn content_type_name() -> &'static [u8] {
    TEXT_PART.get(..14).unwrap_or_default()
}

/// After `MIME-Version: 1.0`: the multipart preamble and first delimiter
/// when there are items, the text part's fields and the empty line.
pub fn head<M: Mail>(w: &mut Writer<'_>, m: &M, c: &Checked, enc: u8) {
    if m.items() > 0 {
        w.put(content_type_name());
        w.put(b"multipart/mixed; boundary=\"");
        boundary(w, m, c);
        w.put(b"\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
        delimiter(w, m, c, false);
    }
    w.put(TEXT_PART);
    if enc == QP {
        w.put(b"quoted-printable\r\n\r\n");
    } else {
        w.byte(b'7' + enc);
        w.put(b"bit\r\n\r\n");
    }
}

/// A set of ASCII octets, one bit each: ALPHA, DIGIT and `others`
/// (evaluated when compiling: an index out of range fails the build).
#[allow(clippy::indexing_slicing)]
const fn set(others: &[u8]) -> [u32; 4] {
    let mut bits = [0u32; 4];
    let mut c = 0;
    while c < 128 {
        bits[c / 32] |= ((c as u8).is_ascii_alphanumeric() as u32) << (c % 32);
        c += 1;
    }
    let mut i = 0;
    while i < others.len() {
        let c = others[i] as usize;
        bits[c / 32] |= 1 << (c % 32);
        i += 1;
    }
    bits
}

/// RFC 2231's attribute-char (as `src/`).
const ATTRIBUTE_CHARS: [u32; 4] = set(b"!#$&+-.^_`|~");
/// RFC 2046's bchars.
const BOUNDARY_CHARS: [u32; 4] = set(b"'()+_,-./:=? ");

/// `true` when `b` is in `set`.
fn is_in(set: &[u32; 4], b: u8) -> bool {
    set.get(usize::from(b >> 5))
        .is_some_and(|&bits| bits >> (b & 31) & 1 != 0)
}

/// An item's delimiter and fields, and the empty line.
pub fn item_head<M: Mail>(w: &mut Writer<'_>, m: &M, c: &Checked, i: usize) {
    delimiter(w, m, c, false);
    let (filename, content_type) = m.item(i);
    w.put(content_type_name());
    w.put(if content_type.is_empty() {
        b"application/octet-stream"
    } else {
        content_type
    });
    w.put(TEXT_PART.get(39..).unwrap_or_default());
    w.put(b"base64\r\n");
    if !filename.is_empty() {
        w.put(b"Content-Disposition: attachment;\r\n filename");
        if crate::mail::ascii(filename) {
            w.put(b"=\"");
            crate::header::escaped(w, filename);
            w.byte(b'"');
        } else {
            // RFC 2231: UTF-8, percent-encoded outside attribute-char.
            w.put(b"*=utf-8''");
            for &b in filename {
                if is_in(&ATTRIBUTE_CHARS, b) {
                    w.byte(b);
                } else {
                    w.put(&escape(b'%', b));
                }
            }
        }
        w.put(b"\r\n");
    }
    w.put(b"\r\n");
}

/// Byte `k` of the boundary (see [`boundary`]), `None` past its end.
fn boundary_byte<M: Mail>(m: &M, c: &Checked, k: usize) -> Option<u8> {
    let b = m.boundary();
    if !b.is_empty() {
        return b.get(k).copied();
    }
    const PREFIX: &[u8] = b"=_ip-smtpc_";
    if let Some(&p) = PREFIX.get(k) {
        return Some(p);
    }
    let i = k - PREFIX.len();
    if i >= 16 {
        return None;
    }
    // In 32-bit halves: no 64-bit shift helper.
    let half = if i < 8 {
        (c.hash >> 32) as u32
    } else {
        c.hash as u32
    };
    let nibble = ((half >> ((7 - i % 8) * 4)) & 15) as u8;
    Some(if nibble < 10 {
        b'0' + nibble
    } else {
        b'a' + nibble - 10
    })
}

/// `true` when a line of `text` starts with "--" and the boundary.
#[inline(always)]
pub fn starts_a_line<M: Mail>(text: &[u8], m: &M, c: &Checked) -> bool {
    // How many octets of "--" and the boundary the line has matched so
    // far (`usize::MAX`: it cannot); the octet matched next.
    let mut k = 0;
    let next = |k: usize| match k {
        0 | 1 => Some(b'-'),
        _ => boundary_byte(m, c, k - 2),
    };
    for &b in text {
        if k != usize::MAX {
            match next(k) {
                None => return true,
                Some(want) => k = if want == b { k + 1 } else { usize::MAX },
            }
        }
        if b == b'\r' || b == b'\n' {
            k = 0;
        }
    }
    k != usize::MAX && next(k).is_none()
}

/// `src/`'s boundary syntax (RFC 2046 §5.1.1): 1 to 70 of the allowed
/// characters, not ending in a space.
#[inline(always)]
pub fn is_boundary(b: &[u8]) -> bool {
    (1..=70).contains(&b.len())
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| is_in(&BOUNDARY_CHARS, c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test::TestMail;

    /// `data` through a fresh encoder, byte by byte with `byte`, then
    /// `end`, into an 8 KiB buffer, as text.
    fn encode(
        data: &[u8],
        byte: fn(&mut Enc, &mut Writer<'_>, u8),
        end: fn(&Enc, &mut Writer<'_>),
    ) -> String {
        let mut buf = vec![0u8; 8192];
        let mut w = Writer::new(&mut buf, 0);
        let mut e = Enc::default();
        for &b in data {
            byte(&mut e, &mut w, b);
        }
        end(&e, &mut w);
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    /// `text` as quoted-printable.
    fn qp(text: &[u8]) -> String {
        encode(text, Enc::qp, Enc::qp_end)
    }

    /// `data` as base64.
    fn b64(data: &[u8]) -> String {
        encode(data, Enc::base64, Enc::base64_end)
    }

    #[test]
    fn quoted_printable_as_src() {
        assert_eq!(qp("\u{e9}=".as_bytes()), "=C3=A9=3D\r\n");
        assert_eq!(qp(b"a \nb\t\r\nc"), "a=20\r\nb=09\r\nc\r\n");
        assert_eq!(qp(b"a b"), "a b\r\n");
        assert_eq!(qp(b"-x\n--y\n.z\n"), "=2Dx\r\n=2D-y\r\n..z\r\n");
        assert_eq!(qp(b"\r\r\n\n"), "\r\n\r\n\r\n");
        assert_eq!(qp(b""), "");
        let long = qp(&[b'x'; 200]);
        for line in long.split("\r\n") {
            assert!(line.len() <= 76, "{line}");
        }
        assert_eq!(
            long.replace("=\r\n", ""),
            format!("{}\r\n", "x".repeat(200))
        );
        // A soft break never splits an escape.
        let mut text = vec![b'x'; 74];
        text.push(0xff);
        assert_eq!(qp(&text), format!("{}=\r\n=FF\r\n", "x".repeat(74)));
    }

    #[test]
    fn base64_lines_of_76() {
        assert_eq!(b64(b""), "");
        assert_eq!(b64(b"abc"), "YWJj");
        assert_eq!(b64(b"a,b\n"), "YSxiCg==");
        let out = b64(&[0u8; 57 * 2 + 1]);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].len(), lines[1].len(), lines[2]), (76, 76, "AA=="));
    }

    #[test]
    fn boundaries_and_injection() {
        let mut m = TestMail::sample();
        let c = Checked {
            hash: 0xabcdef01,
            time: 0,
            eight_bit: false,
            raw_ok: true,
            #[cfg(feature = "raw")]
            raw: false,
        };
        assert!(starts_a_line(b"--=_ip-smtpc_00000000abcdef01", &m, &c));
        assert!(starts_a_line(
            b"x\r\n--=_ip-smtpc_00000000abcdef01--",
            &m,
            &c
        ));
        assert!(starts_a_line(b"x\r--=_ip-smtpc_00000000abcdef01 y", &m, &c));
        assert!(!starts_a_line(b"x --=_ip-smtpc_00000000abcdef01", &m, &c));
        assert!(!starts_a_line(b"--=_ip-smtpc_00000000abcdef0", &m, &c));
        assert!(!starts_a_line(b"-- \nsignature", &m, &c));
        assert!(!starts_a_line(b"---=_ip-smtpc_00000000abcdef01", &m, &c));
        assert!(!starts_a_line(b"x\n-", &m, &c));
        assert!(!starts_a_line(b"", &m, &c));
        assert!(starts_a_line(
            b"--=_ip-\n\r--=_ip-smtpc_00000000abcdef01",
            &m,
            &c
        ));
        m.boundary = "NextPart_0815";
        assert!(starts_a_line(b"\n--NextPart_0815", &m, &c));
        assert!(!starts_a_line(b"\n--=_ip-smtpc_00000000abcdef01", &m, &c));
        assert!(is_boundary(b"NextPart_0815"));
        assert!(is_boundary(b"a'()+_,-./:=? b"));
        assert!(!is_boundary(b"a "));
        assert!(!is_boundary(b""));
        assert!(!is_boundary(b"a\"b"));
        assert!(!is_boundary(&[b'a'; 71]));
    }

    /// The octets a file name keeps in RFC 2231 form (all others are
    /// `%HH`), and those a boundary may have.
    #[test]
    fn octet_sets() {
        let members = |set: &[u32; 4]| {
            let kept: Vec<u8> = (0..=255u8).filter(|&b| is_in(set, b)).collect();
            String::from_utf8(kept).unwrap()
        };
        assert_eq!(
            members(&ATTRIBUTE_CHARS),
            "!#$&+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
        );
        assert_eq!(
            members(&BOUNDARY_CHARS),
            " '()+,-./0123456789:=?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
        );
        assert_eq!(escape(b'%', 0xa9), *b"%A9");
        assert_eq!(escape(b'=', 0x0f), *b"=0F");
    }

    /// `qp_run` (literal runs at once in hosted builds) writes exactly
    /// what `qp` writes byte by byte, through out buffers of every size
    /// from 12 bytes up and texts cut anywhere.
    #[test]
    fn qp_text_is_qp_byte_by_byte() {
        let mut next = crate::body::rng(0x9e37_79b9);
        let pieces: [&[u8]; 12] = [
            b"word",
            b" ",
            b"  ",
            b"=",
            b".",
            b"-",
            b"\r\n",
            b"\n",
            b"\r",
            b"\t",
            b"\xff\x00",
            b"a-long-run-of-literal-bytes-that-goes-on-and-on-past-the-line-end-for-sure",
        ];
        for round in 0..300 {
            let text = crate::body::mix(&mut next, &pieces, 60);
            let expected = qp(&text);
            let size = 12 + (round % 40);
            let (mut out, mut e, mut at) = (Vec::new(), Enc::default(), 0);
            while at < text.len() {
                let cut = (at + 1 + next(90) as usize).min(text.len());
                let mut buf = vec![0u8; size];
                let mut w = Writer::new(&mut buf, 0);
                while at < cut && w.room() >= ROOM {
                    at += 1 + e.qp_run(&mut w, text[at], &text[at..cut]);
                }
                let n = w.len();
                out.extend_from_slice(&buf[..n]);
            }
            let mut buf = vec![0u8; 8];
            let mut w = Writer::new(&mut buf, 0);
            e.qp_end(&mut w);
            let n = w.len();
            out.extend_from_slice(&buf[..n]);
            assert_eq!(
                String::from_utf8_lossy(&out),
                expected,
                "{text:?} at {size}"
            );
        }
    }
}
