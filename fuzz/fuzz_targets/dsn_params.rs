// SPDX-License-Identifier: MIT OR Apache-2.0
//! The DSN parameters (`dsn::Dsn`, RFC 3461) on arbitrary requests.
//!
//! Input: NOTIFY bits, RET, the required flag, an ENVID length, then the
//! ENVID's bytes and a recipient address (the rest).
//!
//! Checked: `valid` is RFC 3461 as a reference reads it (NOTIFY NEVER alone
//! or any of SUCCESS, FAILURE, DELAY; RET FULL or HDRS; an ENVID of
//! printable ASCII of at most 100 characters as xtext). For a valid request
//! the MAIL and RCPT parameters render as ` RET=...`, ` ENVID=<xtext>` and
//! ` NOTIFY=<words>`, ` ORCPT=rfc822;<xtext>`: every value is xtext (only
//! `!`..`~` but `+` and `=`, or `+HH` in upper-case hex), decodes to what was
//! given, ENVID within 100 characters, ORCPT within 500 and present exactly
//! when the address is ASCII and fits; nothing but these parameters, and no
//! CR, LF or NUL.
#![no_main]

use ip_smtpc::dsn::{Dsn, MAX_ENVID, NOTIFY_NEVER};
use ip_smtpc::writer::Writer;
use libfuzzer_sys::fuzz_target;

/// RFC 3461 §4: the xtext of `text`.
fn xtext(text: &[u8]) -> String {
    text.iter()
        .map(|&b| {
            if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
                (b as char).to_string()
            } else {
                format!("+{b:02X}")
            }
        })
        .collect()
}

/// Decodes xtext; `None` for anything RFC 3461 does not allow.
fn unxtext(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < b.len() {
        match b[i] {
            b'+' => {
                let hex = s.get(i + 1..i + 3)?;
                if !hex
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))
                {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            c if (b'!'..=b'~').contains(&c) && c != b'=' => {
                out.push(c);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn render(f: impl Fn(&mut Writer<'_>)) -> String {
    let mut buf = vec![0u8; 2048];
    let mut w = Writer::new(&mut buf, 0);
    f(&mut w);
    let n = w.len();
    assert!(!w.is_full());
    String::from_utf8(buf[..n].to_vec()).expect("parameters are ASCII")
}

fuzz_target!(|data: &[u8]| {
    let [notify, ret, required, len, rest @ ..] = data else {
        return;
    };
    let split = usize::from(*len).min(rest.len());
    let (envid, addr) = rest.split_at(split);
    let d = Dsn {
        notify: *notify,
        ret: *ret,
        required: *required & 1 != 0,
        envid,
    };
    let reference = (notify & !7 == 0 || *notify == NOTIFY_NEVER)
        && *ret <= 2
        && envid.iter().all(|&b| (b' '..=b'~').contains(&b))
        && xtext(envid).len() <= MAX_ENVID;
    assert_eq!(d.valid(), reference, "{d:?}");
    if !reference {
        return;
    }
    let mail = render(|w| d.put_mail(w));
    let mut expected = String::new();
    if *ret != 0 {
        expected += if *ret == 1 { " RET=FULL" } else { " RET=HDRS" };
    }
    if !envid.is_empty() {
        expected += &format!(" ENVID={}", xtext(envid));
    }
    assert_eq!(mail, expected);
    if let Some(value) = mail.split(" ENVID=").nth(1) {
        assert_eq!(unxtext(value).as_deref(), Some(envid));
        assert!(value.len() <= MAX_ENVID);
    }
    let rcpt = render(|w| d.put_rcpt(w, addr));
    assert!(!rcpt.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0));
    let mut params = rcpt.split(' ').skip(1);
    if *notify != 0 {
        let words: Vec<&str> = ["SUCCESS", "FAILURE", "DELAY", "NEVER"]
            .iter()
            .enumerate()
            .filter(|(bit, _)| notify & (1 << bit) != 0)
            .map(|(_, w)| *w)
            .collect();
        assert_eq!(
            params.next(),
            Some(format!("NOTIFY={}", words.join(",")).as_str())
        );
    }
    let orcpt = params.next();
    let fits = addr.is_ascii() && "rfc822;".len() + xtext(addr).len() <= 500;
    assert_eq!(orcpt.is_some(), fits, "{rcpt:?}");
    if let Some(orcpt) = orcpt {
        let value = orcpt.strip_prefix("ORCPT=rfc822;").expect("ORCPT=rfc822;");
        assert_eq!(unxtext(value).as_deref(), Some(addr));
    }
    assert_eq!(params.next(), None);
});
