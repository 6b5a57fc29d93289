// SPDX-License-Identifier: MIT OR Apache-2.0
//! The engine's read-only view of the caller's input, read in place.
//!
//! `capi` implements [`Mail`] directly over the C structures (strings read
//! through their pointers); tests implement it over Rust slices. The engine
//! is generic over it with one instance per build: no trait objects.

/// Recipient type `To` (the C `SMTPC_REC_TYPE_TO`).
pub const TO: i32 = 1;
/// Recipient type `Cc` (the C `SMTPC_REC_TYPE_CC`).
pub const CC: i32 = 2;
/// Recipient type `Bcc` (the C `SMTPC_REC_TYPE_BCC`): envelope only.
pub const BCC: i32 = 3;
/// Type of the sender entry (the C `SMTPC_REC_TYPE_FROM`; entry 0's type is not checked).
pub const FROM: i32 = 4;

/// One entry of the address table.
#[derive(Clone, Copy, Debug, Default)]
pub struct Entry<'a> {
    /// Display name, empty when absent.
    pub name: &'a [u8],
    /// The address; empty when the C pointer was NULL (see `null`).
    pub addr: &'a [u8],
    /// The C address pointer was NULL (the check refuses the mail).
    pub null: bool,
    /// `TO`, `CC` or `BCC` (not checked for entry 0, the sender).
    pub kind: i32,
}

/// The mail and its connection settings, as the caller gave them.
///
/// Strings longer than their limit may be cut one byte past the limit: the
/// validation ([`crate::check`]) only needs to see that they are too long.
pub trait Mail {
    /// `false` for a mail of `IP_SMTPC_Send` (and every mail of a set
    /// without `ex`): it has none of `IP_SMTPC_SendEx`'s options, no report
    /// and is never one of a batch. Every option then reads absent, and the
    /// engine code that serves only them (OAuth steps, complete messages,
    /// the report's enhanced codes and reply events, the batch's hand-over)
    /// is left out of that instance of the engine. A type's constant, not a
    /// flag: `IP_SMTPC_Send` alone links none of that code.
    const EXTENDED: bool = true;
    /// Entries in the address table, the sender (entry 0) included.
    fn count(&self) -> usize;
    /// Entry `i` (0 = sender); an empty entry past the end.
    fn entry(&self, i: usize) -> Entry<'_>;
    /// Subject, empty when absent.
    fn subject(&self) -> &[u8];
    /// Body text, empty when absent.
    fn body(&self) -> &[u8];
    /// User name, empty = no authentication.
    fn user(&self) -> &[u8];
    /// Password.
    fn password(&self) -> &[u8];
    /// Own domain for EHLO and Message-ID, empty = derive it.
    fn domain(&self) -> &[u8];
    /// Time zone `+HHMM`, empty = `-0000`.
    fn timezone(&self) -> &[u8];
    /// Reply-To address, empty = none (`headers`).
    #[cfg(feature = "headers")]
    fn reply_to(&self) -> &[u8];
    /// Extra header lines "Name: value" (`headers`).
    #[cfg(feature = "headers")]
    fn headers(&self) -> usize;
    /// Extra header line `i`; `None` when it is longer than
    /// `IP_SMTPC_MAX_HEADER_LEN` (an unterminated string reads as too long).
    #[cfg(feature = "headers")]
    fn header(&self, i: usize) -> Option<&[u8]>;
    /// Multipart items (`mime`).
    #[cfg(feature = "mime")]
    fn items(&self) -> usize;
    /// Item `i`'s file name (empty: inline) and Content-Type (empty:
    /// application/octet-stream), each cut one byte past its limit.
    #[cfg(feature = "mime")]
    fn item(&self, i: usize) -> (&[u8], &[u8]);
    /// `true` when an item lacks its `pfSendItem`.
    #[cfg(feature = "mime")]
    fn item_unstreamable(&self, i: usize) -> bool;
    /// The caller's boundary, empty = generated (cut at 71 bytes).
    #[cfg(feature = "mime")]
    fn boundary(&self) -> &[u8];
    /// `true` when the text (with `raw`: the message) comes from a
    /// streamed body (`pBody`).
    #[cfg(any(feature = "mime", feature = "raw"))]
    fn streamed_body(&self) -> bool;
    /// `true` when the body is a complete message, header included, sent
    /// as given (`IP_SMTPC_OPTIONS.RawMessage`, `raw`).
    #[cfg(feature = "raw")]
    fn raw(&self) -> bool;
    /// The delivery status notifications asked for (`dsn`).
    #[cfg(feature = "dsn")]
    fn dsn(&self) -> crate::dsn::Dsn<'_>;
    /// The bearer token (`IP_SMTPC_OPTIONS.sOAuthToken`), empty = none
    /// (`oauth`).
    #[cfg(feature = "oauth")]
    fn token(&self) -> &[u8];
}

/// `true` when `s` has no byte above 127 (a byte loop: `<[u8]>::is_ascii`
/// reads words and costs 84 B of ROM more).
pub fn ascii(s: &[u8]) -> bool {
    s.iter().all(|&b| b < 0x80)
}

/// The domain of EHLO and Message-ID: the caller's, else the sender's
/// (after its last `@`; for a checked mail, see [`crate::check`]), else
/// `localhost.invalid`.
pub fn own_domain<M: Mail>(m: &M) -> &[u8] {
    let d = m.domain();
    if !d.is_empty() {
        return d;
    }
    // After the last '@' (the check saw one in every address but the
    // null sender's, which is empty).
    let d = m
        .entry(0)
        .addr
        .rsplit(|&b| b == b'@')
        .next()
        .unwrap_or_default();
    // An empty domain or an address literal: localhost.invalid (and,
    // `smtputf8`, a UTF-8 domain: EHLO takes ASCII only).
    if d.first().is_some_and(|&b| b != b'[') && (!cfg!(feature = "smtputf8") || ascii(d)) {
        d
    } else {
        b"localhost.invalid"
    }
}

/// A [`Mail`] over Rust data, for tests.
#[cfg(test)]
pub mod test {
    use super::*;

    /// A test mail: entries as (name, address, kind).
    #[derive(Clone, Default)]
    #[allow(missing_docs)]
    pub struct TestMail {
        pub entries: Vec<(&'static str, Option<&'static str>, i32)>,
        pub subject: &'static str,
        pub body: Vec<u8>,
        pub user: &'static str,
        pub password: &'static str,
        pub domain: &'static str,
        pub timezone: &'static str,
        pub reply_to: &'static str,
        pub headers: Vec<&'static str>,
        /// (file name, content type, content) of each item.
        pub items: Vec<(&'static str, &'static str, Vec<u8>)>,
        pub boundary: &'static str,
        pub streamed: Option<Vec<u8>>,
        pub raw: bool,
        #[cfg(feature = "dsn")]
        pub dsn: crate::dsn::Dsn<'static>,
        pub token: String,
    }

    impl TestMail {
        /// Sender, one To, one Cc, one Bcc.
        pub fn sample() -> Self {
            TestMail {
                entries: vec![
                    ("Node", Some("node@example.test"), FROM),
                    ("Ops", Some("ops@example.test"), TO),
                    ("", Some("arc@example.test"), CC),
                    ("Aud", Some("aud@example.test"), BCC),
                ],
                subject: "Alarm",
                body: b"Pump 3 stopped.\n.hidden\n".to_vec(),
                domain: "example.test",
                ..Default::default()
            }
        }
    }

    impl Mail for TestMail {
        fn count(&self) -> usize {
            self.entries.len()
        }
        fn entry(&self, i: usize) -> Entry<'_> {
            self.entries
                .get(i)
                .map(|&(n, a, k)| Entry {
                    name: n.as_bytes(),
                    addr: a.map_or(&b""[..], str::as_bytes),
                    null: a.is_none(),
                    kind: k,
                })
                .unwrap_or_default()
        }
        fn subject(&self) -> &[u8] {
            self.subject.as_bytes()
        }
        fn body(&self) -> &[u8] {
            &self.body
        }
        fn user(&self) -> &[u8] {
            self.user.as_bytes()
        }
        fn password(&self) -> &[u8] {
            self.password.as_bytes()
        }
        fn domain(&self) -> &[u8] {
            self.domain.as_bytes()
        }
        fn timezone(&self) -> &[u8] {
            self.timezone.as_bytes()
        }
        #[cfg(feature = "headers")]
        fn reply_to(&self) -> &[u8] {
            self.reply_to.as_bytes()
        }
        #[cfg(feature = "headers")]
        fn headers(&self) -> usize {
            self.headers.len()
        }
        #[cfg(feature = "mime")]
        fn items(&self) -> usize {
            self.items.len()
        }
        #[cfg(feature = "mime")]
        fn item(&self, i: usize) -> (&[u8], &[u8]) {
            self.items.get(i).map_or((&b""[..], &b""[..]), |it| {
                (it.0.as_bytes(), it.1.as_bytes())
            })
        }
        #[cfg(feature = "mime")]
        fn item_unstreamable(&self, _i: usize) -> bool {
            false
        }
        #[cfg(feature = "mime")]
        fn boundary(&self) -> &[u8] {
            self.boundary.as_bytes()
        }
        #[cfg(any(feature = "mime", feature = "raw"))]
        fn streamed_body(&self) -> bool {
            self.streamed.is_some()
        }
        #[cfg(feature = "raw")]
        fn raw(&self) -> bool {
            self.raw
        }
        #[cfg(feature = "dsn")]
        fn dsn(&self) -> crate::dsn::Dsn<'_> {
            self.dsn
        }
        #[cfg(feature = "oauth")]
        fn token(&self) -> &[u8] {
            self.token.as_bytes()
        }
        #[cfg(feature = "headers")]
        fn header(&self, i: usize) -> Option<&[u8]> {
            self.headers
                .get(i)
                .map(|h| h.as_bytes())
                .filter(|h| h.len() <= crate::check::MAX_HEADER)
        }
    }

    #[test]
    fn own_domain_falls_back() {
        let mut m = TestMail::sample();
        assert_eq!(own_domain(&m), b"example.test");
        m.domain = "";
        m.entries[0].1 = Some("a@b.test");
        assert_eq!(own_domain(&m), b"b.test");
        m.entries[0].1 = Some("");
        assert_eq!(own_domain(&m), b"localhost.invalid");
    }
}
