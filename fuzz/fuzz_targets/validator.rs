// SPDX-License-Identifier: MIT OR Apache-2.0
//! Input validation: addresses (`message::address`), `Mail::validate`,
//! `header::validate_extra`, `Config::validate`, dates and time zones, on
//! arbitrary fields.
//!
//! Input: a control byte (recipient count, kinds, which optional fields are
//! present), a 4-byte FAT date, then fields, each as a length byte, a
//! repeat byte and the bytes (repeated 1-8 times, so short inputs reach the
//! length limits). Nothing may panic. Whatever is accepted must hold no CR,
//! LF or NUL (no control characters in addresses), respect the RFC 5321
//! lengths (address 254, local part 64, domain 255, command line 512) and
//! the field limits, and render a header block with only CR LF line ends,
//! lines of at most 998 octets, only the expected field names at line
//! starts (no injected header) and no Bcc.
#![no_main]

use ip_smtpc::cursor::Out;
use ip_smtpc::message::{address, date, header, Kind, Mail, Party, Timestamp};
use ip_smtpc::session::Config;
use ip_smtpc::{auth::Mechanisms, session::TlsPolicy, Error};
use libfuzzer_sys::fuzz_target;

struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
    fn field(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte());
        let repeat = 1 + usize::from(self.byte() & 7);
        let (bytes, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        bytes.repeat(repeat)
    }
}

struct Collect(Vec<u8>);

impl Out for Collect {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

fn no_crlf_nul(s: &[u8]) -> bool {
    !s.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// What an accepted address must be (RFC 5321 §4.1.2, §4.5.3.1).
fn check_address(a: &[u8]) {
    assert!(
        !a.iter().any(|&b| b < 0x20 || b == 0x7f),
        "control in {a:?}"
    );
    assert!(a.len() <= 254, "address of {} octets", a.len());
    let at = a.iter().rposition(|&b| b == b'@').expect("no @");
    let (local, domain) = (&a[..at], &a[at + 1..]);
    assert!(
        (1..=64).contains(&local.len()),
        "local part of {}",
        local.len()
    );
    assert!(
        (1..=255).contains(&domain.len()),
        "domain of {}",
        domain.len()
    );
    assert!(a.is_ascii(), "8-bit address accepted");
    // The envelope commands fit in RFC 5321's 512-octet command line.
    assert!(b"RCPT TO:<>\r\n".len() + a.len() <= 512);
    assert!(b"MAIL FROM:<> SIZE=4294967295 BODY=8BITMIME\r\n".len() + a.len() <= 512);
}

fn check_text(t: &[u8]) {
    assert!(no_crlf_nul(t), "CR, LF or NUL accepted: {t:?}");
    assert!(t.len() <= 900, "text of {} octets", t.len());
}

/// The address validator agrees with its own pieces.
fn check_validate_address(a: &[u8]) {
    let result = address::validate(a);
    if result.is_ok() {
        check_address(a);
        assert_eq!(
            address::domain_of(a),
            &a[a.iter().rposition(|&b| b == b'@').unwrap() + 1..]
        );
    } else if a.iter().any(|&b| b < 0x20 || b == 0x7f) {
        assert_eq!(result, Err(Error::AddressControlChar));
    }
}

fuzz_target!(|data: &[u8]| {
    let mut f = Fields(data);
    let control = f.byte();
    let kinds = f.byte();
    let packed = u32::from_le_bytes([f.byte(), f.byte(), f.byte(), f.byte()]);

    let sender = f.field();
    let sender_name = f.field();
    let subject = f.field();
    let domain = f.field();
    let timezone = f.field();
    let reply_to = f.field();
    let boundary = f.field();
    let header_lines = [f.field(), f.field()];
    let user = f.field();
    let password = f.field();
    let count = usize::from(control & 3);
    let rcpt_fields: Vec<(Vec<u8>, Vec<u8>)> = (0..count).map(|_| (f.field(), f.field())).collect();

    for a in [&sender, &reply_to]
        .into_iter()
        .chain(rcpt_fields.iter().map(|(a, _)| a))
    {
        check_validate_address(a);
    }
    if address::is_domain(&domain) {
        assert!(domain.len() <= 255 && no_crlf_nul(&domain) && domain.is_ascii());
    }
    if date::validate_timezone(&timezone).is_ok() {
        assert_eq!(timezone.len(), 5);
        assert!(no_crlf_nul(&timezone));
    }
    for line in &header_lines {
        if header::validate_extra(line).is_ok() {
            assert!(no_crlf_nul(line), "header with CR, LF or NUL: {line:?}");
            assert!(line.len() <= 998, "header line of {} octets", line.len());
        }
    }
    let date = Timestamp::from_fat(packed).ok();
    if let Some(t) = date {
        assert_eq!(t.to_fat(), packed, "FAT round trip");
        assert!((1980..=2107).contains(&t.year) && (1..=12).contains(&t.month));
        assert!((1..=31).contains(&t.day) && t.hour < 24 && t.minute < 60 && t.second < 60);
    }

    let kind = |i: usize| match (kinds >> (2 * i)) & 3 {
        0 => Kind::To,
        1 => Kind::Cc,
        2 => Kind::Bcc,
        _ => Kind::Invalid,
    };
    let recipients: Vec<Party<'_>> = rcpt_fields
        .iter()
        .enumerate()
        .map(|(i, (address, name))| Party {
            address,
            name,
            kind: kind(i),
        })
        .collect();
    let extra: [&[u8]; 2] = [&header_lines[0], &header_lines[1]];
    let no_extra: [&[u8]; 0] = [];
    let mail = Mail {
        sender: Party {
            address: &sender,
            name: &sender_name,
            kind: Kind::To,
        },
        recipients: recipients.as_slice(),
        subject: &subject,
        body: b"",
        date: if control & 4 != 0 { date } else { None },
        timezone: &timezone,
        domain: &domain,
        unique: u64::from(packed),
        reply_to: &reply_to,
        extra_headers: if control & 8 != 0 { &extra } else { &no_extra },
        boundary: &boundary,
    };
    if mail.validate().is_ok() {
        if !sender.is_empty() {
            check_address(&sender);
        }
        check_text(&sender_name);
        check_text(&subject);
        assert!(!recipients.is_empty());
        for r in &recipients {
            check_address(r.address);
            check_text(r.name);
            assert_ne!(r.kind, Kind::Invalid);
        }
        if !reply_to.is_empty() {
            check_address(&reply_to);
        }
        assert!(domain.len() <= 255 && no_crlf_nul(&domain));
        assert!(timezone.is_empty() || timezone.len() == 5);
        assert!(boundary.len() <= 70 && no_crlf_nul(&boundary));
        let own = mail.own_domain();
        assert!(!own.is_empty() && own.len() <= 255 && no_crlf_nul(own));

        // The header block as it goes on the wire.
        let mut out = Collect(Vec::new());
        header::put(&mut out, &mail);
        let block = out.0;
        assert!(!block.contains(&0), "NUL in the header block");
        let mut names: Vec<&[u8]> = vec![
            b"Date",
            b"From",
            b"Reply-To",
            b"To",
            b"Cc",
            b"Subject",
            b"Message-ID",
            b"MIME-Version",
        ];
        if control & 8 != 0 {
            for line in &header_lines {
                names.push(&line[..line.iter().position(|&b| b == b':').unwrap()]);
            }
        }
        assert!(block.ends_with(b"\r\n"));
        for line in block.split_inclusive(|&b| b == b'\n') {
            let text = line
                .strip_suffix(b"\r\n")
                .unwrap_or_else(|| panic!("line without CR LF: {line:?}"));
            assert!(!text.contains(&b'\r'), "bare CR: {text:?}");
            assert!(
                text.len() <= 998,
                "header line of {} octets: {:?}",
                text.len(),
                String::from_utf8_lossy(&text[..40])
            );
            if matches!(text.first(), Some(b' ' | b'\t')) {
                continue; // folded continuation
            }
            let colon = text.iter().position(|&b| b == b':').expect("not a field");
            assert!(
                names.contains(&&text[..colon]),
                "unexpected field {:?}",
                String::from_utf8_lossy(&text[..colon])
            );
        }
    }

    let config = Config {
        user: &user,
        password: &password,
        mechanisms: Mechanisms::ALL,
        allow_insecure_auth: false,
        tls: TlsPolicy::Never,
        timeout_ms: 0,
        streamed_content: false,
        // Raw messages (feature raw) are fuzzed by the session target.
        ..Config::anonymous(0)
    };
    if config.validate().is_ok() {
        check_text(&user);
        check_text(&password);
    } else {
        assert_eq!(config.validate(), Err(Error::InvalidCredentials));
    }
});
