// SPDX-License-Identifier: MIT OR Apache-2.0
//! Why a mail was not (or not completely) sent.
//!
//! The discriminants are the `IP_SMTPC_ERR_*` values of the committed C
//! header, so `capi` maps an error to its ABI value with one cast; a test in
//! `capi` checks every value against the header's constants.

/// Why a mail was not (or not completely) sent; `Copy`, one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i8)]
pub enum Error {
    /// A required pointer or field was NULL.
    NullPointer = -1,
    /// No sender entry (the address array is empty).
    NoSender = -2,
    /// No recipient after the sender.
    NoRecipient = -3,
    /// An address contains CR, LF, NUL or another control character.
    AddressControlChar = -4,
    /// An address is not `local@domain`.
    AddressSyntax = -5,
    /// An address exceeds the RFC 5321 length limits.
    AddressTooLong = -6,
    /// A display name has control characters, is not ASCII, or is too long.
    InvalidName = -7,
    /// The subject has control characters, is not ASCII, or is too long.
    InvalidSubject = -8,
    /// The own domain is not a host name or address literal.
    InvalidDomain = -9,
    /// A user name or password contains CR or LF, or is too long.
    InvalidCredentials = -10,
    /// The time zone is not `+HHMM` / `-HHMM`.
    InvalidTimezone = -11,
    /// The packed date is not a valid calendar date.
    InvalidDate = -12,
    /// A recipient has a type other than TO, CC or BCC.
    InvalidRecipientType = -13,
    /// A required hook is NULL.
    MissingHook = -14,
    /// A security policy or option value is not one of ours.
    InvalidOptions = -15,
    /// The requested feature is not built into this library.
    NotBuilt = -16,
    /// The body has a line longer than RFC 5322 allows, or is too long.
    InvalidBody = -17,
    /// An extra header or Reply-To is invalid.
    InvalidHeader = -18,
    /// A multipart item (or the boundary) is invalid.
    InvalidAttachment = -19,
    /// `pfConnect` returned NULL.
    Connect = -20,
    /// `pfSend` reported an error.
    Send = -21,
    /// `pfReceive` reported an error or the connection closed mid-reply.
    Receive = -22,
    /// No reply within the deadline.
    Timeout = -23,
    /// A reply line is malformed or its code differs from the first line's.
    ReplySyntax = -40,
    /// A reply line is longer than the input buffer.
    ReplyTooLong = -41,
    /// A reply has more lines than the engine accepts.
    ReplyTooManyLines = -42,
    /// The greeting was not 220.
    GreetingRefused = -43,
    /// EHLO and HELO were refused.
    HeloRejected = -44,
    /// The server sent 421.
    ServiceClosing = -45,
    /// The server sent bytes nobody asked for.
    UnexpectedReply = -46,
    /// No AUTH mechanism in common, or 504.
    AuthNotSupported = -60,
    /// The credentials were rejected (535).
    AuthFailed = -61,
    /// AUTH refused on a connection without TLS (`AllowInsecureAuth` 0).
    AuthInsecure = -62,
    /// Temporary authentication failure (454).
    AuthTemporary = -63,
    /// Authentication required (530).
    AuthRequired = -64,
    /// Mechanism too weak (534).
    AuthMechanismTooWeak = -65,
    /// Encryption required (538).
    AuthEncryptionRequired = -66,
    /// The AUTH exchange went wrong (500-502, a reply at the wrong stage).
    AuthProtocol = -67,
    /// MAIL FROM was rejected.
    SenderRejected = -80,
    /// Every RCPT TO was rejected.
    AllRecipientsRejected = -81,
    /// DATA was not answered with 354.
    DataRejected = -82,
    /// The message was rejected permanently after the final dot.
    MessageRejected = -83,
    /// The message was rejected temporarily after the final dot.
    MessageTemporaryFailure = -84,
    /// The message exceeds the server's size limit (552).
    MessageTooBig = -85,
    /// The application's callback aborted the mail.
    ApplicationAbort = -86,
    /// An 8-bit message in raw-message mode (`raw`), and the server lacks
    /// 8BITMIME.
    EightBitUnsupported = -87,
    /// Delivery status notifications were required (`dsn`) and the server
    /// does not offer DSN.
    DsnUnavailable = -88,
    /// A mail of a batch that was not attempted: the connection ended
    /// before it, or another mail of the batch was invalid.
    NotSent = -89,
    /// An address is UTF-8 (`smtputf8`) and the server does not offer
    /// SMTPUTF8.
    Smtputf8Unavailable = -90,
    /// The domain to route to (`mx`) is not a host name; nothing was
    /// queried or sent.
    InvalidMxDomain = -91,
    /// The domain does not exist (DNS NXDOMAIN; `mx`): permanent.
    NoSuchDomain = -92,
    /// The domain accepts no mail (a null MX, RFC 7505; `mx`): permanent.
    NullMx = -93,
    /// The DNS answer is malformed or does not answer the question (`mx`).
    DnsMalformed = -94,
    /// The MX lookup failed (resolver error, SERVFAIL, a truncated
    /// answer; `mx`): temporary.
    DnsLookup = -95,
    /// Accepted for some recipients only.
    PartialDelivery = -100,
    /// The server may or may not have accepted the message.
    OutcomeUnknown = -101,
    /// TLS was required but is not available (not built, not offered).
    TlsUnavailable = -120,
    /// The server answered STARTTLS with something other than 220.
    TlsRefused = -121,
    /// `pfUpgrade` failed.
    TlsHandshake = -122,
    /// The server sent bytes after "220 ready to start TLS" and before the handshake.
    TlsInjection = -123,
}

impl Error {
    /// The C API's integer code (negative).
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// A short static English description (`IP_SMTPC_ErrorString`'s).
    pub fn message(self) -> &'static core::ffi::CStr {
        crate::capi::info::message(self as i32)
    }

    /// The error for a C API integer code, if it is one of ours.
    pub fn from_code(code: i32) -> Option<Error> {
        crate::capi::info::error_from_code(code)
    }
}

/// RFC 4954 §6: the replies to AUTH that have their own error.
const AUTH_CODES: [(u16, Error); 5] = [
    (454, Error::AuthTemporary),
    (504, Error::AuthNotSupported),
    (530, Error::AuthRequired),
    (534, Error::AuthMechanismTooWeak),
    (538, Error::AuthEncryptionRequired),
];

/// RFC 4954 §6 reply codes of a failed AUTH step to errors: a syntax or
/// command error (500-502) or a positive reply at the wrong stage is the
/// exchange going wrong; other negative replies reject the credentials.
#[inline(always)]
pub fn auth_error(code: u16) -> Error {
    if let Some(&(_, e)) = AUTH_CODES.iter().find(|&&(c, _)| c == code) {
        return e;
    }
    if code < 400 || (500..=502).contains(&code) {
        Error::AuthProtocol
    } else {
        Error::AuthFailed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_codes() {
        assert_eq!(auth_error(535), Error::AuthFailed);
        assert_eq!(auth_error(454), Error::AuthTemporary);
        assert_eq!(auth_error(501), Error::AuthProtocol);
        assert_eq!(auth_error(235), Error::AuthProtocol);
        assert_eq!(auth_error(504), Error::AuthNotSupported);
    }
}
