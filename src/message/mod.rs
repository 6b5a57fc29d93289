// SPDX-License-Identifier: MIT OR Apache-2.0
//! The message: who sends to whom, what, and when; its validation and its
//! RFC 5322 header block.

pub mod address;
pub mod content;
pub mod date;
pub mod header;
pub mod qp;
#[cfg(feature = "raw")]
pub mod raw;
pub mod words;

use crate::error::Error;
use crate::limits::MAX_FIELD_LEN;
pub use date::Timestamp;

/// Where a recipient goes in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `To:` header and envelope.
    To,
    /// `Cc:` header and envelope.
    Cc,
    /// Envelope only, never in a header.
    Bcc,
    /// Anything else the C caller put in `Type`; refused by validation.
    Invalid,
}

/// A sender or recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Party<'a> {
    /// The address `local@domain`; empty for the null reverse-path.
    pub address: &'a [u8],
    /// Display name; empty for none.
    pub name: &'a [u8],
    /// Header placement (ignored for the sender).
    pub kind: Kind,
}

/// The recipients of a mail, read on demand (the C API's array is not copied).
pub trait Recipients {
    /// How many recipients there are.
    fn count(&self) -> usize;
    /// Recipient `index`, `None` past the end.
    fn get(&self, index: usize) -> Option<Party<'_>>;
}

impl Recipients for [Party<'_>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn get(&self, index: usize) -> Option<Party<'_>> {
        <[Party<'_>]>::get(self, index).copied()
    }
}

/// A list of header lines `Name: value` (the caller's extra headers).
pub trait TextList {
    /// How many entries there are.
    fn count(&self) -> usize;
    /// Entry `index`, `None` past the end.
    fn get(&self, index: usize) -> Option<&[u8]>;
}

impl<const N: usize> TextList for [&[u8]; N] {
    fn count(&self) -> usize {
        N
    }
    fn get(&self, index: usize) -> Option<&[u8]> {
        self.as_slice().get(index).copied()
    }
}

/// No extra headers.
pub const NO_HEADERS: [&[u8]; 0] = [];

/// Everything that goes into one mail.
pub struct Mail<'a, R: Recipients + ?Sized> {
    /// The sender (emNet's entry 0).
    pub sender: Party<'a>,
    /// The recipients (emNet's entries 1..n).
    pub recipients: &'a R,
    /// Subject; empty for none.
    pub subject: &'a [u8],
    /// Body text, any line endings.
    pub body: &'a [u8],
    /// Date for the Date header; `None` leaves the header out.
    pub date: Option<Timestamp>,
    /// `+HHMM` / `-HHMM`; empty means "-0000" (RFC 5322: local time unknown).
    pub timezone: &'a [u8],
    /// Own domain for EHLO and Message-ID; empty means "use the sender's domain".
    pub domain: &'a [u8],
    /// A value that differs between mails, for the Message-ID and the
    /// generated boundary: the C API makes it with [`Fingerprint`].
    pub unique: u64,
    /// Reply-To address; empty for none.
    pub reply_to: &'a [u8],
    /// Extra header lines `Name: value`.
    pub extra_headers: &'a dyn TextList,
    /// Multipart boundary; empty means a generated one.
    pub boundary: &'a [u8],
}

/// FNV-1a, 64 bits, over fields separated by a NUL (which no field holds):
/// the source of [`Mail::unique`].
#[derive(Clone, Copy, Debug)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    /// Adds one field.
    pub fn add(&mut self, field: &[u8]) {
        for &b in field.iter().chain(&[0]) {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Adds a party: address, name and kind.
    pub fn add_party(&mut self, party: &Party<'_>) {
        self.add(party.address);
        self.add(party.name);
        self.add_u32(party.kind as u32);
    }

    /// Adds a number (its four bytes, least significant first).
    pub fn add_u32(&mut self, value: u32) {
        self.add(&value.to_le_bytes());
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

impl<R: Recipients + ?Sized> Mail<'_, R> {
    /// Adds everything that goes into the mail's header block and text to
    /// `hash`, so that mails which differ in any field, the whole body
    /// included, hash differently. [`Mail::unique`] itself is left out.
    pub fn fingerprint(&self, hash: &mut Fingerprint) {
        // Field by field, without arrays of fields: building those compiles
        // to a memcpy call, which the library otherwise does without.
        hash.add_party(&self.sender);
        for i in 0..self.recipients.count() {
            if let Some(party) = self.recipients.get(i) {
                hash.add_party(&party);
            }
        }
        hash.add(self.subject);
        hash.add(self.body);
        hash.add(self.timezone);
        hash.add(self.domain);
        hash.add(self.reply_to);
        hash.add(self.boundary);
        if let Some(date) = &self.date {
            hash.add_u32(date.to_fat());
        }
        for i in 0..self.extra_headers.count() {
            hash.add(self.extra_headers.get(i).unwrap_or_default());
        }
    }

    /// Checks every field; `Ok` means the mail can go on the wire as is.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.sender.address.is_empty() {
            address::validate(self.sender.address)?;
        }
        validate_text(self.sender.name, Error::InvalidName)?;
        validate_text(self.subject, Error::InvalidSubject)?;
        if !self.domain.is_empty() && !address::is_domain(self.domain) {
            return Err(Error::InvalidDomain);
        }
        if !self.timezone.is_empty() {
            date::validate_timezone(self.timezone)?;
        }
        if !self.reply_to.is_empty() {
            address::validate(self.reply_to).map_err(|_| Error::InvalidHeader)?;
        }
        for i in 0..self.extra_headers.count() {
            header::validate_extra(self.extra_headers.get(i).unwrap_or_default())?;
        }
        // The boundary only matters (and is only checked) where multipart is built.
        if cfg!(feature = "mime")
            && !self.boundary.is_empty()
            && !content::is_boundary(self.boundary)
        {
            return Err(Error::InvalidAttachment);
        }
        if self.recipients.count() == 0 {
            return Err(Error::NoRecipient);
        }
        for i in 0..self.recipients.count() {
            let Some(r) = self.recipients.get(i) else {
                return Err(Error::NoRecipient);
            };
            if r.kind == Kind::Invalid {
                return Err(Error::InvalidRecipientType);
            }
            address::validate(r.address)?;
            validate_text(r.name, Error::InvalidName)?;
        }
        Ok(())
    }

    /// The domain for EHLO and Message-ID: the caller's, else the sender's.
    pub fn own_domain(&self) -> &[u8] {
        if !self.domain.is_empty() {
            return self.domain;
        }
        match address::domain_of(self.sender.address) {
            d if !d.is_empty() && d.first() != Some(&b'[') => d,
            _ => b"localhost.invalid",
        }
    }
}

/// A header text (name, subject): no control characters except TAB, bounded.
pub fn validate_text(text: &[u8], error: Error) -> Result<(), Error> {
    if text.len() > MAX_FIELD_LEN || text.iter().any(|&b| is_control(b) && b != b'\t') {
        return Err(error);
    }
    Ok(())
}

/// C0 controls and DEL: CR, LF and NUL among them.
pub const fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(address: &'static str, kind: Kind) -> Party<'static> {
        Party {
            address: address.as_bytes(),
            name: b"",
            kind,
        }
    }

    fn mail<'a>(recipients: &'a [Party<'a>]) -> Mail<'a, [Party<'a>]> {
        Mail {
            sender: party("me@example.test", Kind::To),
            recipients,
            subject: b"Hello",
            body: b"Hi\r\n",
            date: None,
            timezone: b"+0100",
            domain: b"",
            unique: 1,
            reply_to: b"",
            extra_headers: &NO_HEADERS,
            boundary: b"",
        }
    }

    #[test]
    fn valid_mail_passes() {
        let rcpt = [party("you@example.test", Kind::To)];
        assert_eq!(mail(&rcpt).validate(), Ok(()));
        assert_eq!(mail(&rcpt).own_domain(), b"example.test");
    }

    #[test]
    fn each_kind_of_bad_input_has_its_own_error() {
        let rcpt = [party("you@example.test", Kind::To)];
        assert_eq!(mail(&[]).validate(), Err(Error::NoRecipient));
        let mut m = mail(&rcpt);
        m.subject = b"Hi\r\nBcc: evil@example.test";
        assert_eq!(m.validate(), Err(Error::InvalidSubject));
        let mut m = mail(&rcpt);
        m.sender.name = b"Eve\n";
        assert_eq!(m.validate(), Err(Error::InvalidName));
        let mut m = mail(&rcpt);
        m.domain = b"bad domain";
        assert_eq!(m.validate(), Err(Error::InvalidDomain));
        let mut m = mail(&rcpt);
        m.timezone = b"CET";
        assert_eq!(m.validate(), Err(Error::InvalidTimezone));
        let bad = [party("you@example.test\r\nRCPT TO:<x@y>", Kind::To)];
        assert_eq!(mail(&bad).validate(), Err(Error::AddressControlChar));
        let bad = [party("you@example.test", Kind::Invalid)];
        assert_eq!(mail(&bad).validate(), Err(Error::InvalidRecipientType));
        let bad = [party("no-at-sign", Kind::Cc)];
        assert_eq!(mail(&bad).validate(), Err(Error::AddressSyntax));
        let mut m = mail(&rcpt);
        m.reply_to = b"not an address";
        assert_eq!(m.validate(), Err(Error::InvalidHeader));
        let injected: [&[u8]; 1] = [b"X-Tag: a\r\nBcc: evil@example.test"];
        let mut m = mail(&rcpt);
        m.extra_headers = &injected;
        assert_eq!(m.validate(), Err(Error::InvalidHeader));
        let mut m = mail(&rcpt);
        m.boundary = b"bad boundary ";
        // Without multipart the boundary is never written, so never checked.
        let expected = if cfg!(feature = "mime") {
            Err(Error::InvalidAttachment)
        } else {
            Ok(())
        };
        assert_eq!(m.validate(), expected);
    }

    #[test]
    fn null_sender_is_allowed() {
        let rcpt = [party("you@example.test", Kind::To)];
        let mut m = mail(&rcpt);
        m.sender.address = b"";
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.own_domain(), b"localhost.invalid");
    }
}
