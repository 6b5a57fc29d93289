// SPDX-License-Identifier: MIT OR Apache-2.0
//! The one error enum of the library.
//!
//! Every failure, from a CR in a subject to a 554 after the final dot, is one
//! of these. The discriminants are the negative `IP_SMTPC_ERR_*` codes of the
//! C API, grouped in ranges of twenty; retired numbers are never reused.

use core::ffi::CStr;

/// A static C string kept in a data object of its own instead of the
/// object's merged string section, so that a firmware link that never asks
/// for an error text drops the texts (`--gc-sections`).
macro_rules! text {
    ($s:literal) => {{
        static TEXT: [u8; $s.len() + 1] = nul_terminated($s);
        const C: &CStr = match CStr::from_bytes_with_nul(&TEXT) {
            Ok(c) => c,
            Err(_) => c"",
        };
        C
    }};
}

/// `s` followed by one NUL, as an array (for [`text!`]). Only evaluated at
/// compile time, where an out-of-range index is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && i + 1 < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Why a mail was not (or not completely) sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Error {
    // -1 .. -19: invalid input. Nothing was sent.
    /// A required pointer or field was NULL.
    NullPointer = -1,
    /// No sender entry (the address array is empty).
    NoSender = -2,
    /// No recipient: the address array has no entry after the sender.
    NoRecipient = -3,
    /// An address contains CR, LF, NUL or another control character.
    AddressControlChar = -4,
    /// An address is not `local@domain` (RFC 5321 Mailbox syntax).
    AddressSyntax = -5,
    /// An address exceeds the RFC 5321 length limits.
    AddressTooLong = -6,
    /// A display name contains CR, LF, NUL or another control character, or is too long.
    InvalidName = -7,
    /// The subject contains CR, LF, NUL or another control character, or is too long.
    InvalidSubject = -8,
    /// The domain (sDomain) is not a valid host name or address literal.
    InvalidDomain = -9,
    /// A user name or password contains CR, LF or NUL, or is too long.
    InvalidCredentials = -10,
    /// The time zone is not `+HHMM` / `-HHMM`.
    InvalidTimezone = -11,
    /// The packed date from `pfGetTimeDate` is not a valid calendar date.
    InvalidDate = -12,
    /// A recipient entry has a type other than TO, CC or BCC.
    InvalidRecipientType = -13,
    /// A required hook (pfConnect, pfSend, pfReceive, pfDisconnect) is NULL.
    MissingHook = -14,
    /// The options structure is invalid (unknown size, bad value), or the
    /// MTA's `SecPolicy` is neither ALLOW_INSECURE nor SECURE_ONLY.
    InvalidOptions = -15,
    /// The requested feature is not built into this library.
    NotBuilt = -16,
    /// The body is too long for a C string or invalid.
    InvalidBody = -17,
    /// An extra header or Reply-To is malformed (bad name, control characters, too long).
    InvalidHeader = -18,
    /// A multipart item is invalid (no callback, control characters in its
    /// type or file name, a malformed boundary).
    InvalidAttachment = -19,

    // -20 .. -39: transport.
    /// `pfConnect` returned NULL.
    Connect = -20,
    /// `pfSend` reported an error.
    Send = -21,
    /// `pfReceive` reported an error or the connection closed before the reply was complete.
    Receive = -22,
    /// The server did not complete a reply within the deadline.
    Timeout = -23,

    // -40 .. -59: protocol.
    /// A reply line is malformed (bad code, bad separator, codes differ between lines).
    ReplySyntax = -40,
    /// A reply line is longer than the input buffer (SMTPC_IN_BUFFER_SIZE).
    ReplyTooLong = -41,
    /// A multi-line reply has more lines than the library accepts.
    ReplyTooManyLines = -42,
    /// The server refused the session in its greeting (554 or an unexpected code).
    GreetingRefused = -43,
    /// The server answered EHLO and HELO with an error.
    HeloRejected = -44,
    /// The server sent 421: it is closing the connection.
    ServiceClosing = -45,
    /// The server sent data nobody asked for (a reply before the command was sent).
    UnexpectedReply = -46,

    // -60 .. -79: authentication.
    /// Credentials were given but the server offers no AUTH mechanism the
    /// caller allows, or answered AUTH with 504 (mechanism not supported).
    AuthNotSupported = -60,
    /// The server rejected the credentials (535).
    AuthFailed = -61,
    /// AUTH over a connection without TLS was refused because the caller did not allow it.
    AuthInsecure = -62,
    /// Temporary authentication failure (454).
    AuthTemporary = -63,
    /// The server requires authentication (530).
    AuthRequired = -64,
    /// The mechanism is too weak for the server (534).
    AuthMechanismTooWeak = -65,
    /// The server requires encryption for this mechanism (538).
    AuthEncryptionRequired = -66,
    /// The server kept sending challenges or sent a malformed one, answered
    /// AUTH with 500/501/502, or with a positive reply at the wrong stage
    /// (235 before the password was sent).
    AuthProtocol = -67,

    // -80 .. -99: the mail transaction.
    /// MAIL FROM was rejected.
    SenderRejected = -80,
    /// Every RCPT TO was rejected; no data was sent.
    AllRecipientsRejected = -81,
    /// DATA was not answered with 354.
    DataRejected = -82,
    /// The message was rejected permanently after the final dot (5xx).
    MessageRejected = -83,
    /// The message was rejected temporarily after the final dot (4xx).
    MessageTemporaryFailure = -84,
    /// The message exceeds the server's size limit (552 or SIZE).
    MessageTooBig = -85,
    /// An application callback (body, attachment) reported an error; the mail was abandoned.
    ApplicationAbort = -86,
    /// The caller's complete message (`RawMessage`) has 8-bit bytes and the
    /// server does not offer 8BITMIME; nothing was delivered.
    EightBitUnsupported = -87,

    // -100 .. -119: partial success.
    /// The message was accepted for some recipients only; the rest are
    /// reported per recipient. Do not resend to all recipients.
    PartialDelivery = -100,
    /// The connection was lost or timed out after the final dot: the server
    /// may or may not have accepted the message.
    OutcomeUnknown = -101,

    // -120 .. -139: TLS.
    /// TLS was required but the server does not offer STARTTLS, or no TLS hooks were given.
    TlsUnavailable = -120,
    /// The server answered STARTTLS with something other than 220.
    TlsRefused = -121,
    /// `pfUpgrade` failed (handshake, certificate or host name).
    TlsHandshake = -122,
    /// The server sent bytes after "220 ready to start TLS" and before the handshake.
    TlsInjection = -123,
}

impl Error {
    /// The C API's integer code (negative).
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The error for a C API integer code, if it is one of ours.
    pub fn from_code(code: i32) -> Option<Error> {
        ALL.iter().copied().find(|e| e.code() == code)
    }

    /// A short static English description, without the server's text;
    /// NUL-terminated so the C API can hand it out as is.
    pub const fn message(self) -> &'static CStr {
        match self {
            Error::NullPointer => text!("a required pointer is NULL"),
            Error::NoSender => text!("no sender (address entry 0 missing)"),
            Error::NoRecipient => text!("no recipient"),
            Error::AddressControlChar => {
                text!("address contains CR, LF, NUL or a control character")
            }
            Error::AddressSyntax => text!("address syntax invalid"),
            Error::AddressTooLong => text!("address exceeds RFC 5321 length limits"),
            Error::InvalidName => text!("display name invalid or too long"),
            Error::InvalidSubject => text!("subject invalid or too long"),
            Error::InvalidDomain => text!("own domain invalid"),
            Error::InvalidCredentials => text!("user name or password invalid or too long"),
            Error::InvalidTimezone => text!("time zone is not +HHMM or -HHMM"),
            Error::InvalidDate => text!("date from pfGetTimeDate invalid"),
            Error::InvalidRecipientType => text!("recipient type is not TO, CC or BCC"),
            Error::MissingHook => text!("a required API hook is NULL"),
            Error::InvalidOptions => text!("options or SecPolicy invalid"),
            Error::NotBuilt => text!("feature not built into this library"),
            Error::InvalidBody => text!("body invalid"),
            Error::InvalidHeader => text!("extra header or Reply-To invalid"),
            Error::InvalidAttachment => text!("attachment (multipart item) invalid"),
            Error::Connect => text!("connect failed"),
            Error::Send => text!("send failed"),
            Error::Receive => text!("connection closed or receive failed"),
            Error::Timeout => text!("timeout waiting for the server"),
            Error::ReplySyntax => text!("malformed server reply"),
            Error::ReplyTooLong => text!("server reply line too long"),
            Error::ReplyTooManyLines => text!("server reply has too many lines"),
            Error::GreetingRefused => text!("server refused the session"),
            Error::HeloRejected => text!("EHLO and HELO rejected"),
            Error::ServiceClosing => text!("server closing the connection (421)"),
            Error::UnexpectedReply => text!("unexpected data from the server"),
            Error::AuthNotSupported => text!("no allowed AUTH mechanism offered"),
            Error::AuthFailed => text!("authentication failed"),
            Error::AuthInsecure => text!("AUTH refused on a connection without TLS"),
            Error::AuthTemporary => text!("temporary authentication failure"),
            Error::AuthRequired => text!("authentication required"),
            Error::AuthMechanismTooWeak => text!("authentication mechanism too weak"),
            Error::AuthEncryptionRequired => text!("encryption required for authentication"),
            Error::AuthProtocol => text!("authentication exchange malformed"),
            Error::SenderRejected => text!("sender rejected"),
            Error::AllRecipientsRejected => text!("all recipients rejected"),
            Error::DataRejected => text!("DATA rejected"),
            Error::MessageRejected => text!("message rejected"),
            Error::MessageTemporaryFailure => text!("message temporarily rejected"),
            Error::MessageTooBig => text!("message too big"),
            Error::ApplicationAbort => text!("application callback aborted the mail"),
            Error::EightBitUnsupported => text!("8-bit message but the server lacks 8BITMIME"),
            Error::PartialDelivery => text!("accepted for some recipients only"),
            Error::OutcomeUnknown => text!("outcome unknown: connection lost after the final dot"),
            Error::TlsUnavailable => text!("TLS required but not available"),
            Error::TlsRefused => text!("STARTTLS refused"),
            Error::TlsHandshake => text!("TLS handshake failed"),
            Error::TlsInjection => text!("data injected before the TLS handshake"),
        }
    }
}

/// Every error, for lookups and tests.
pub(crate) const ALL: [Error; 52] = [
    Error::NullPointer,
    Error::NoSender,
    Error::NoRecipient,
    Error::AddressControlChar,
    Error::AddressSyntax,
    Error::AddressTooLong,
    Error::InvalidName,
    Error::InvalidSubject,
    Error::InvalidDomain,
    Error::InvalidCredentials,
    Error::InvalidTimezone,
    Error::InvalidDate,
    Error::InvalidRecipientType,
    Error::MissingHook,
    Error::InvalidOptions,
    Error::NotBuilt,
    Error::InvalidBody,
    Error::InvalidHeader,
    Error::InvalidAttachment,
    Error::Connect,
    Error::Send,
    Error::Receive,
    Error::Timeout,
    Error::ReplySyntax,
    Error::ReplyTooLong,
    Error::ReplyTooManyLines,
    Error::GreetingRefused,
    Error::HeloRejected,
    Error::ServiceClosing,
    Error::UnexpectedReply,
    Error::AuthNotSupported,
    Error::AuthFailed,
    Error::AuthInsecure,
    Error::AuthTemporary,
    Error::AuthRequired,
    Error::AuthMechanismTooWeak,
    Error::AuthEncryptionRequired,
    Error::AuthProtocol,
    Error::SenderRejected,
    Error::AllRecipientsRejected,
    Error::DataRejected,
    Error::MessageRejected,
    Error::MessageTemporaryFailure,
    Error::MessageTooBig,
    Error::ApplicationAbort,
    Error::EightBitUnsupported,
    Error::PartialDelivery,
    Error::OutcomeUnknown,
    Error::TlsUnavailable,
    Error::TlsRefused,
    Error::TlsHandshake,
    Error::TlsInjection,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_negative_unique_and_round_trip() {
        for (i, e) in ALL.iter().enumerate() {
            assert!(e.code() < 0, "{e:?}");
            assert_eq!(Error::from_code(e.code()), Some(*e));
            assert!(!e.message().is_empty());
            assert!(e.message().to_str().is_ok());
            for other in &ALL[i + 1..] {
                assert_ne!(e.code(), other.code(), "{e:?} and {other:?} share a code");
                assert_ne!(
                    e.message(),
                    other.message(),
                    "{e:?} and {other:?} share a text"
                );
            }
        }
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(-9999), None);
    }
}
