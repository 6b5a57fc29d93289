//! The RFC 5322 header block.
//!
//! ```text
//! Date: Sat, 28 Nov 2026 17:16:00 +0100
//! From: Sender Name <sender@example.test>
//! To: Alice <alice@example.test>,
//!  "Example, Bob" <bob@example.test>
//! Cc: <carol@example.test>
//! Subject: Hello
//! Message-ID: <20261128171600.1a2b3c4d@example.test>
//! MIME-Version: 1.0
//! Content-Type: text/plain; charset=utf-8
//! Content-Transfer-Encoding: 8bit        (only for 8-bit bodies)
//!
//! ```
//! Bcc recipients never appear. Address lists fold after each comma, so no
//! line grows with the number of recipients.

use super::address::put_mailbox;
use super::{Kind, Mail, Recipients};
use crate::cursor::{digits, Cursor};

/// Renders the header block, including the empty line that ends it.
pub fn put<R: Recipients + ?Sized>(cursor: &mut Cursor<'_>, mail: &Mail<'_, R>) {
    if let Some(date) = &mail.date {
        cursor.put(b"Date: ");
        date.put(cursor, mail.timezone);
        cursor.put(b"\r\n");
    }
    if !mail.sender.address.is_empty() {
        cursor.put(b"From: ");
        put_mailbox(cursor, mail.sender.name, mail.sender.address);
        cursor.put(b"\r\n");
    }
    put_address_list(cursor, mail, Kind::To, b"To: ");
    put_address_list(cursor, mail, Kind::Cc, b"Cc: ");
    if !mail.subject.is_empty() {
        cursor.put(b"Subject: ");
        cursor.put(mail.subject);
        cursor.put(b"\r\n");
    }
    cursor.put(b"Message-ID: <");
    if let Some(date) = &mail.date {
        for (value, width) in [
            (u32::from(date.year), 4),
            (u32::from(date.month), 2),
            (u32::from(date.day), 2),
            (u32::from(date.hour), 2),
            (u32::from(date.minute), 2),
            (u32::from(date.second), 2),
        ] {
            cursor.put(digits(value, width).as_slice());
        }
        cursor.byte(b'.');
    }
    put_hex(cursor, mail.unique);
    cursor.byte(b'@');
    cursor.put(mail.own_domain());
    cursor.put(b">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n");
    if mail.body_is_8bit() {
        cursor.put(b"Content-Transfer-Encoding: 8bit\r\n");
    }
    cursor.put(b"\r\n");
}

fn put_address_list<R: Recipients + ?Sized>(
    cursor: &mut Cursor<'_>,
    mail: &Mail<'_, R>,
    kind: Kind,
    field: &[u8],
) {
    let mut first = true;
    for party in (0..mail.recipients.count()).filter_map(|i| mail.recipients.get(i)) {
        if party.kind != kind {
            continue;
        }
        cursor.put(if first { field } else { b",\r\n " });
        first = false;
        put_mailbox(cursor, party.name, party.address);
    }
    if !first {
        cursor.put(b"\r\n");
    }
}

fn put_hex(cursor: &mut Cursor<'_>, value: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..8).rev() {
        cursor.byte(
            HEX.get(((value >> (shift * 4)) & 0xf) as usize)
                .copied()
                .unwrap_or(b'0'),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Party, Timestamp};

    fn render<R: Recipients + ?Sized>(mail: &Mail<'_, R>) -> String {
        let mut out = vec![0u8; 2048];
        let mut c = Cursor::new(&mut out, 0);
        put(&mut c, mail);
        assert!(c.is_complete());
        let n = c.written();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

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
            unique: 0x1a2b_3c4d,
        };
        assert_eq!(
            render(&mail),
            "Date: Sat, 28 Nov 2026 17:16:00 +0100\r\n\
             From: Device 7 <dev@example.test>\r\n\
             To: Alice <alice@example.test>,\r\n \"Example, Bob\" <bob@example.test>\r\n\
             Cc: <carol@example.test>\r\n\
             Subject: Status report\r\n\
             Message-ID: <20261128171600.1a2b3c4d@device.example.test>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             \r\n"
        );
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
        };
        assert_eq!(
            render(&mail),
            "Message-ID: <00000007@localhost.invalid>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\
             \r\n"
        );
    }
}
