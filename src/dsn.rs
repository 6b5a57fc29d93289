// SPDX-License-Identifier: MIT OR Apache-2.0
//! Delivery status notifications (RFC 3461, feature `dsn`): the parameters
//! MAIL and RCPT carry when the caller asks for them and the server offers
//! DSN, and the check of what the caller gave.
//!
//! MAIL gets `RET=` and `ENVID=`, every RCPT `NOTIFY=` and
//! `ORCPT=rfc822;` with its own address, so a report names the recipient
//! as the caller wrote it. ENVID and ORCPT are xtext (§4): `+`, `=` and
//! bytes outside `!`..`~` as `+HH`.

use crate::writer::Writer;

/// `NOTIFY=SUCCESS`.
pub const NOTIFY_SUCCESS: u8 = 1;
/// `NOTIFY=FAILURE`.
pub const NOTIFY_FAILURE: u8 = 2;
/// `NOTIFY=DELAY`.
pub const NOTIFY_DELAY: u8 = 4;
/// `NOTIFY=NEVER` (alone).
pub const NOTIFY_NEVER: u8 = 8;
/// `RET=FULL`.
pub const RET_FULL: u8 = 1;
/// `RET=HDRS`.
pub const RET_HDRS: u8 = 2;
/// Longest ENVID as sent, xtext-encoded (RFC 3461 §4.4: 100 characters).
pub const MAX_ENVID: usize = 100;
/// Longest ORCPT value as sent, `rfc822;` and the xtext (§4.2: 500).
const MAX_ORCPT: usize = 500;

/// The notification words in the order of their bits, each after a `,`.
const WORDS: &[u8] = b",SUCCESS,FAILURE,DELAY,NEVER";

/// What the caller asked for (`IP_SMTPC_OPTIONS.Dsn*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dsn<'a> {
    /// `NOTIFY_*` bits; 0 = no NOTIFY (the server's default).
    pub notify: u8,
    /// `RET_*`; 0 = no RET.
    pub ret: u8,
    /// Refuse the mail (`DsnUnavailable`) when the server lacks DSN.
    pub required: bool,
    /// The envelope identifier, empty = none (cut one byte past
    /// [`MAX_ENVID`] when longer).
    pub envid: &'a [u8],
}

impl Dsn<'_> {
    /// `true` when any parameter is asked for.
    pub fn wanted(&self) -> bool {
        self.notify != 0 || self.ret != 0 || !self.envid.is_empty() || self.required
    }

    /// `true` for a request RFC 3461 allows: NEVER alone or any of
    /// SUCCESS, FAILURE, DELAY; RET FULL or HDRS; an ENVID of printable
    /// ASCII (space included) of at most [`MAX_ENVID`] characters as
    /// sent.
    #[inline(always)]
    pub fn valid(&self) -> bool {
        let notify_ok = matches!(self.notify, 0..=7 | NOTIFY_NEVER);
        let envid_ok = self.envid.iter().all(|&b| (b' '..=b'~').contains(&b))
            && xtext_len(self.envid) <= MAX_ENVID;
        notify_ok && self.ret <= RET_HDRS && envid_ok
    }

    /// The MAIL parameters: ` RET=...` and ` ENVID=...`, as asked.
    #[inline(always)]
    pub fn put_mail(&self, w: &mut Writer<'_>) {
        if self.ret != 0 {
            w.put(if self.ret == RET_FULL {
                b" RET=FULL"
            } else {
                b" RET=HDRS"
            });
        }
        if !self.envid.is_empty() {
            w.put(b" ENVID=");
            xtext(w, self.envid);
        }
    }

    /// The RCPT parameters for recipient `addr`: ` NOTIFY=...` as asked
    /// and ` ORCPT=rfc822;...` (left out when the address would make it
    /// longer than RFC 3461 allows, or is UTF-8: `rfc822` is ASCII, RFC 6533).
    #[inline(always)]
    pub fn put_rcpt(&self, w: &mut Writer<'_>, addr: &[u8]) {
        if self.notify != 0 {
            w.put(b" NOTIFY");
            // `=` before the first word, `,` between them; each `,` of
            // [`WORDS`] moves to the next word's bit.
            let (mut sep, mut bit, notify) = (b'=', 1, u32::from(self.notify) << 1);
            for &c in WORDS {
                if c == b',' {
                    bit <<= 1;
                }
                if notify & bit != 0 {
                    w.byte(if c == b',' { sep } else { c });
                    sep = b',';
                }
            }
        }
        if crate::mail::ascii(addr) && b"rfc822;".len() + xtext_len(addr) <= MAX_ORCPT {
            w.put(b" ORCPT=rfc822;");
            xtext(w, addr);
        }
    }
}

/// `true` when `b` goes as it is in xtext.
fn xchar(b: u8) -> bool {
    (b'!'..=b'~').contains(&b) && b != b'+' && b != b'='
}

/// Writes `text` as xtext.
fn xtext(w: &mut Writer<'_>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text {
        if xchar(b) {
            w.byte(b);
        } else {
            let hex = |n: u8| HEX.get(usize::from(n & 15)).copied().unwrap_or(b'0');
            w.byte(b'+');
            w.byte(hex(b >> 4));
            w.byte(hex(b));
        }
    }
}

/// The length of `text` as xtext (measured by writing it).
fn xtext_len(text: &[u8]) -> usize {
    let mut w = Writer::new(&mut [], 0);
    xtext(&mut w, text);
    w.total()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl Fn(&mut Writer<'_>)) -> String {
        let mut buf = [0u8; 1200];
        let mut w = Writer::new(&mut buf, 0);
        f(&mut w);
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn mail_and_rcpt_parameters() {
        let d = Dsn {
            notify: NOTIFY_SUCCESS | NOTIFY_DELAY,
            ret: RET_HDRS,
            required: false,
            envid: b"alarm 7+=x",
        };
        assert!(d.valid() && d.wanted());
        assert_eq!(
            render(|w| d.put_mail(w)),
            " RET=HDRS ENVID=alarm+207+2B+3Dx"
        );
        assert_eq!(
            render(|w| d.put_rcpt(w, b"ops+night@example.test")),
            " NOTIFY=SUCCESS,DELAY ORCPT=rfc822;ops+2Bnight@example.test"
        );
        let never = Dsn {
            notify: NOTIFY_NEVER,
            ret: RET_FULL,
            ..Dsn::default()
        };
        assert_eq!(render(|w| never.put_mail(w)), " RET=FULL");
        assert_eq!(
            render(|w| never.put_rcpt(w, b"a@b")),
            " NOTIFY=NEVER ORCPT=rfc822;a@b"
        );
        let all = Dsn {
            notify: NOTIFY_SUCCESS | NOTIFY_FAILURE | NOTIFY_DELAY,
            ..Dsn::default()
        };
        assert_eq!(
            render(|w| all.put_rcpt(w, b"a@b")),
            " NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;a@b"
        );
        // Nothing asked: nothing written, not wanted.
        assert!(!Dsn::default().wanted());
        assert_eq!(render(|w| Dsn::default().put_mail(w)), "");
    }

    #[test]
    fn what_rfc_3461_refuses() {
        let ok = Dsn::default();
        assert!(ok.valid());
        for notify in [
            NOTIFY_NEVER | NOTIFY_SUCCESS,
            NOTIFY_NEVER | NOTIFY_DELAY,
            16,
            255,
        ] {
            assert!(!Dsn { notify, ..ok }.valid(), "{notify}");
        }
        assert!(!Dsn { ret: 3, ..ok }.valid());
        assert!(!Dsn {
            envid: b"tab\there",
            ..ok
        }
        .valid());
        assert!(!Dsn {
            envid: "\u{e9}".as_bytes(),
            ..ok
        }
        .valid());
        let long = [b'a'; MAX_ENVID + 1];
        assert!(!Dsn { envid: &long, ..ok }.valid());
        assert!(Dsn {
            envid: &long[..MAX_ENVID],
            ..ok
        }
        .valid());
        // 34 encoded characters are 102 as sent.
        assert!(!Dsn {
            envid: &[b'+'; 34],
            ..ok
        }
        .valid());
        assert!(Dsn {
            envid: &[b'+'; 33],
            ..ok
        }
        .valid());
        assert!(Dsn {
            required: true,
            ..ok
        }
        .wanted());
    }

    #[test]
    fn orcpt_left_out_when_too_long() {
        let d = Dsn {
            notify: NOTIFY_FAILURE,
            ..Dsn::default()
        };
        let plus = [b'+'; 200];
        assert_eq!(render(|w| d.put_rcpt(w, &plus)), " NOTIFY=FAILURE");
        let fits = [b'+'; 164];
        assert!(render(|w| d.put_rcpt(w, &fits)).ends_with("+2B"));
        assert_eq!(
            render(|w| d.put_rcpt(w, "\u{fc}ser@example.test".as_bytes())),
            " NOTIFY=FAILURE"
        );
    }
}
