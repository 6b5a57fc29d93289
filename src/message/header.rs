// SPDX-License-Identifier: MIT OR Apache-2.0
//! The RFC 5322 header fields common to every message.
//!
//! ```text
//! Date: Sat, 28 Nov 2026 17:16:00 +0100
//! From: Sender Name <sender@example.test>
//! Reply-To: <desk@example.test>            (when given)
//! To: Alice <alice@example.test>,
//!  "Example, Bob" <bob@example.test>
//! Cc: <carol@example.test>
//! Subject: Hello                          (RFC 2047 words when not ASCII)
//! Message-ID: <20261128171600.1a2b3c4d@example.test>
//! X-Extra: caller's extra headers
//! MIME-Version: 1.0
//! ```
//! The Content-* fields and the empty line come from [`super::content`].
//! Bcc recipients never appear. Address lists fold after each comma, so no
//! line grows with the number of recipients.

use super::address::put_mailbox;
use super::words;
use super::{Kind, Mail, Recipients};
use crate::cursor::{digits, Out};
use crate::error::Error;
use crate::limits::MAX_HEADER_NAME_LEN;

/// Header names the library writes itself; an extra header may not repeat them.
const OWN_FIELDS: [&[u8]; 12] = [
    b"Date",
    b"From",
    b"Sender",
    b"Reply-To",
    b"To",
    b"Cc",
    b"Bcc",
    b"Subject",
    b"Message-ID",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Transfer-Encoding",
];

/// Checks an extra header `Name: value`: the name is 1-[`MAX_HEADER_NAME_LEN`] printable ASCII
/// characters without ":" and not one the library writes; the value has no
/// control characters other than TAB and is at most 900 octets.
pub fn validate_extra(line: &[u8]) -> Result<(), Error> {
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(Error::InvalidHeader)?;
    let (name, value) = line.split_at_checked(colon).ok_or(Error::InvalidHeader)?;
    let good_name = (1..=MAX_HEADER_NAME_LEN).contains(&name.len())
        && name.iter().all(|&b| (33..=126).contains(&b));
    if !good_name || OWN_FIELDS.iter().any(|own| own.eq_ignore_ascii_case(name)) {
        return Err(Error::InvalidHeader);
    }
    super::validate_text(value.get(1..).unwrap_or_default(), Error::InvalidHeader)
}

/// Renders the common fields, through "MIME-Version: 1.0".
pub fn put<R: Recipients + ?Sized>(out: &mut dyn Out, mail: &Mail<'_, R>) {
    if let Some(date) = &mail.date {
        out.put(b"Date: ");
        date.put(out, mail.timezone);
        out.put(b"\r\n");
    }
    if !mail.sender.address.is_empty() {
        out.put(b"From: ");
        put_mailbox(out, mail.sender.name, mail.sender.address);
        out.put(b"\r\n");
    }
    if !mail.reply_to.is_empty() {
        out.put(b"Reply-To: ");
        put_mailbox(out, b"", mail.reply_to);
        out.put(b"\r\n");
    }
    put_address_list(out, mail, Kind::To, b"To: ");
    put_address_list(out, mail, Kind::Cc, b"Cc: ");
    if !mail.subject.is_empty() {
        out.put(b"Subject: ");
        put_unstructured(out, mail.subject);
    }
    out.put(b"Message-ID: <");
    if let Some(date) = &mail.date {
        for (value, width) in [
            (u32::from(date.year), 4),
            (u32::from(date.month), 2),
            (u32::from(date.day), 2),
            (u32::from(date.hour), 2),
            (u32::from(date.minute), 2),
            (u32::from(date.second), 2),
        ] {
            out.put(digits(value, width).as_slice());
        }
        out.byte(b'.');
    }
    let mut hex = [0u8; 16];
    crate::bytes::hex_u64(mail.unique, &mut hex);
    out.put(&hex);
    out.byte(b'@');
    out.put(mail.own_domain());
    out.put(b">\r\n");
    for i in 0..mail.extra_headers.count() {
        let line = mail.extra_headers.get(i).unwrap_or_default();
        let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
        let (name, value) = line.split_at_checked(colon).unwrap_or((line, b""));
        let value = value.get(1..).unwrap_or_default();
        out.put(name);
        out.put(b": ");
        let value = match value {
            [b' ', rest @ ..] => rest,
            _ => value,
        };
        put_unstructured(out, value);
    }
    out.put(b"MIME-Version: 1.0\r\n");
}

/// An unstructured field value and its line end: as is when ASCII, else
/// RFC 2047 encoded words.
fn put_unstructured(out: &mut dyn Out, value: &[u8]) {
    if words::needs_encoding(value) {
        words::put_encoded(out, value);
    } else {
        out.put(value);
    }
    out.put(b"\r\n");
}

fn put_address_list<R: Recipients + ?Sized>(
    out: &mut dyn Out,
    mail: &Mail<'_, R>,
    kind: Kind,
    field: &[u8],
) {
    let mut first = true;
    for party in (0..mail.recipients.count()).filter_map(|i| mail.recipients.get(i)) {
        if party.kind != kind {
            continue;
        }
        out.put(if first { field } else { b",\r\n " });
        first = false;
        put_mailbox(out, party.name, party.address);
    }
    if !first {
        out.put(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "mime")]
    use crate::message::Timestamp;
    use crate::message::{Party, NO_HEADERS};

    fn render<R: Recipients + ?Sized>(mail: &Mail<'_, R>) -> String {
        let mut out = Vec::new();
        put(&mut out, mail);
        String::from_utf8(out).unwrap()
    }

    #[cfg(feature = "mime")]
    #[test]
    fn golden_header_block() {
        let recipients = [
            Party {
                address: b"alice@example.test",
                name: b"Alice",
                kind: Kind::To,
            },
            Party {
                address: b"bob@example.test",
                name: b"Example, Bob",
                kind: Kind::To,
            },
            Party {
                address: b"carol@example.test",
                name: b"",
                kind: Kind::Cc,
            },
            Party {
                address: b"secret@example.test",
                name: b"Hidden",
                kind: Kind::Bcc,
            },
        ];
        let mail = Mail {
            sender: Party {
                address: b"dev@example.test",
                name: b"Device 7",
                kind: Kind::To,
            },
            recipients: &recipients[..],
            subject: b"Status report",
            body: b"all good\r\n",
            date: Some(Timestamp {
                year: 2026,
                month: 11,
                day: 28,
                hour: 17,
                minute: 16,
                second: 0,
            }),
            timezone: b"+0100",
            domain: b"device.example.test",
            unique: 0x9f8e_7d6c_1a2b_3c4d,
            reply_to: b"desk@example.test",
            extra_headers: &[b"X-Device: pump-7", "X-Ort: M\u{fc}nchen".as_bytes()],
            boundary: b"",
        };
        assert_eq!(
            render(&mail),
            "Date: Sat, 28 Nov 2026 17:16:00 +0100\r\n\
             From: Device 7 <dev@example.test>\r\n\
             Reply-To: <desk@example.test>\r\n\
             To: Alice <alice@example.test>,\r\n \"Example, Bob\" <bob@example.test>\r\n\
             Cc: <carol@example.test>\r\n\
             Subject: Status report\r\n\
             Message-ID: <20261128171600.9f8e7d6c1a2b3c4d@device.example.test>\r\n\
             X-Device: pump-7\r\n\
             X-Ort: =?UTF-8?B?TcO8bmNoZW4=?=\r\n\
             MIME-Version: 1.0\r\n"
        );
    }

    #[test]
    fn extra_header_validation() {
        assert_eq!(validate_extra(b"X-Tag: ok\tvalue"), Ok(()));
        assert_eq!(validate_extra(b"X-Empty:"), Ok(()));
        for bad in [
            &b"no colon"[..],
            b": no name",
            b"Bad Name: x",
            b"X-A: b\rc",
            b"X-A: \0",
            b"subject: dup",
            b"Bcc: a@b",
        ] {
            assert_eq!(
                validate_extra(bad),
                Err(Error::InvalidHeader),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn optional_parts() {
        let recipients = [Party {
            address: b"x@example.test",
            name: b"",
            kind: Kind::Bcc,
        }];
        let mail = Mail {
            sender: Party {
                address: b"",
                name: b"",
                kind: Kind::To,
            },
            recipients: &recipients[..],
            subject: b"",
            body: "Gr\u{fc}\u{df}e".as_bytes(),
            date: None,
            timezone: b"",
            domain: b"",
            unique: 7,
            reply_to: b"",
            extra_headers: &NO_HEADERS,
            boundary: b"",
        };
        assert_eq!(
            render(&mail),
            "Message-ID: <0000000000000007@localhost.invalid>\r\nMIME-Version: 1.0\r\n"
        );
    }
}
