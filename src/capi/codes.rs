// SPDX-License-Identifier: MIT OR Apache-2.0
//! The numbers of the C ABI: result codes (`IP_SMTPC_ERR_*`) and steps
//! (`IP_SMTPC_STEP_*`).
//!
//! They are defined here, as literals, for the header. The engine's
//! `Error` enum carries the same numbers as its discriminants and its step
//! table the same step numbers; the tests below hold the two together, so
//! renumbering the engine cannot change the ABI unnoticed. Numbers are never
//! reused; retired ones stay as comments.

use core::ffi::c_int;

/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: Checking the caller's input, before connecting.
pub const IP_SMTPC_STEP_INPUT: u8 = 0;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: Opening the connection.
pub const IP_SMTPC_STEP_CONNECT: u8 = 1;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: Waiting for the server's greeting.
pub const IP_SMTPC_STEP_GREETING: u8 = 2;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: EHLO or HELO.
pub const IP_SMTPC_STEP_EHLO: u8 = 3;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: STARTTLS and the TLS handshake (implicit TLS included).
pub const IP_SMTPC_STEP_START_TLS: u8 = 4;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: AUTH.
pub const IP_SMTPC_STEP_AUTH: u8 = 5;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: MAIL FROM.
pub const IP_SMTPC_STEP_MAIL: u8 = 6;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: RCPT TO.
pub const IP_SMTPC_STEP_RCPT: u8 = 7;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: DATA.
pub const IP_SMTPC_STEP_DATA: u8 = 8;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: Sending the message and waiting for the reply to the final dot.
pub const IP_SMTPC_STEP_END_OF_DATA: u8 = 9;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: QUIT.
pub const IP_SMTPC_STEP_QUIT: u8 = 10;
/// `IP_SMTPC_STATUS.Step`, `IP_SMTPC_REPORT.Step`: The connection is finished.
pub const IP_SMTPC_STEP_DONE: u8 = 11;

/// `IP_SMTPC_Poll` (non-blocking API): the send goes on; call again when
/// `IP_SMTPC_GetWait` says.
pub const IP_SMTPC_IN_PROGRESS: c_int = 1;

// Result codes: 0 is success; failures are negative, grouped in ranges of twenty.
// -1 .. -19: invalid input. Nothing was sent.
/// A required pointer or field was NULL.
pub const IP_SMTPC_ERR_NULL_POINTER: c_int = -1;
/// No sender entry (the address array is empty).
pub const IP_SMTPC_ERR_NO_SENDER: c_int = -2;
/// No recipient: the address array has no entry after the sender.
pub const IP_SMTPC_ERR_NO_RECIPIENT: c_int = -3;
/// An address contains CR, LF, NUL or another control character.
pub const IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR: c_int = -4;
/// An address is not `local@domain` (RFC 5321 Mailbox syntax).
pub const IP_SMTPC_ERR_ADDRESS_SYNTAX: c_int = -5;
/// An address exceeds the RFC 5321 length limits.
pub const IP_SMTPC_ERR_ADDRESS_TOO_LONG: c_int = -6;
/// A display name contains CR, LF, NUL or another control character, or is too long.
pub const IP_SMTPC_ERR_INVALID_NAME: c_int = -7;
/// The subject contains CR, LF, NUL or another control character, or is too long.
pub const IP_SMTPC_ERR_INVALID_SUBJECT: c_int = -8;
/// The domain (sDomain) is not a valid host name or address literal.
pub const IP_SMTPC_ERR_INVALID_DOMAIN: c_int = -9;
/// A user name or password contains CR, LF or NUL, or is too long.
pub const IP_SMTPC_ERR_INVALID_CREDENTIALS: c_int = -10;
/// The time zone is not `+HHMM` / `-HHMM`.
pub const IP_SMTPC_ERR_INVALID_TIMEZONE: c_int = -11;
/// The packed date from `pfGetTimeDate` is not a valid calendar date.
pub const IP_SMTPC_ERR_INVALID_DATE: c_int = -12;
/// A recipient entry has a type other than TO, CC or BCC.
pub const IP_SMTPC_ERR_INVALID_RECIPIENT_TYPE: c_int = -13;
/// A required hook (pfConnect, pfSend, pfReceive, pfDisconnect) is NULL.
pub const IP_SMTPC_ERR_MISSING_HOOK: c_int = -14;
/// The options structure is invalid (unknown size, bad value), or the
/// MTA's `SecPolicy` is neither ALLOW_INSECURE nor SECURE_ONLY.
pub const IP_SMTPC_ERR_INVALID_OPTIONS: c_int = -15;
/// The requested feature is not built into this library.
pub const IP_SMTPC_ERR_NOT_BUILT: c_int = -16;
/// The body is too long for a C string or invalid.
pub const IP_SMTPC_ERR_INVALID_BODY: c_int = -17;
/// An extra header or Reply-To is malformed (bad name, control characters, too long).
pub const IP_SMTPC_ERR_INVALID_HEADER: c_int = -18;
/// A multipart item is invalid (no callback, control characters in its
/// type or file name, a malformed boundary).
pub const IP_SMTPC_ERR_INVALID_ATTACHMENT: c_int = -19;

// -20 .. -39: transport.
/// `pfConnect` returned NULL.
pub const IP_SMTPC_ERR_CONNECT: c_int = -20;
/// `pfSend` reported an error.
pub const IP_SMTPC_ERR_SEND: c_int = -21;
/// `pfReceive` reported an error or the connection closed before the reply was complete.
pub const IP_SMTPC_ERR_RECEIVE: c_int = -22;
/// The server did not complete a reply within the deadline.
pub const IP_SMTPC_ERR_TIMEOUT: c_int = -23;
/// Not a result: what `pfSend`, `pfReceive` and `pfUpgrade` return in the
/// non-blocking API when the call would block (nothing was sent or
/// received); `IP_SMTPC_Poll` makes the call again later. The blocking
/// calls treat it as a failure of the hook.
pub const IP_SMTPC_WOULD_BLOCK: c_int = -24;

// -40 .. -59: protocol.
/// A reply line is malformed (bad code, bad separator, codes differ between lines).
pub const IP_SMTPC_ERR_REPLY_SYNTAX: c_int = -40;
/// A reply line is longer than the input buffer (SMTPC_IN_BUFFER_SIZE).
pub const IP_SMTPC_ERR_REPLY_TOO_LONG: c_int = -41;
/// A multi-line reply has more lines than the library accepts.
pub const IP_SMTPC_ERR_REPLY_TOO_MANY_LINES: c_int = -42;
/// The server refused the session in its greeting (554 or an unexpected code).
pub const IP_SMTPC_ERR_GREETING_REFUSED: c_int = -43;
/// The server answered EHLO and HELO with an error.
pub const IP_SMTPC_ERR_HELO_REJECTED: c_int = -44;
/// The server sent 421: it is closing the connection.
pub const IP_SMTPC_ERR_SERVICE_CLOSING: c_int = -45;
/// The server sent data nobody asked for (a reply before the command was sent).
pub const IP_SMTPC_ERR_UNEXPECTED_REPLY: c_int = -46;

// -60 .. -79: authentication.
/// Credentials were given but the server offers no AUTH mechanism the
/// caller allows, or answered AUTH with 504 (mechanism not supported).
pub const IP_SMTPC_ERR_AUTH_NOT_SUPPORTED: c_int = -60;
/// The server rejected the credentials (535).
pub const IP_SMTPC_ERR_AUTH_FAILED: c_int = -61;
/// AUTH over a connection without TLS was refused because the caller did not allow it.
pub const IP_SMTPC_ERR_AUTH_INSECURE: c_int = -62;
/// Temporary authentication failure (454).
pub const IP_SMTPC_ERR_AUTH_TEMPORARY: c_int = -63;
/// The server requires authentication (530).
pub const IP_SMTPC_ERR_AUTH_REQUIRED: c_int = -64;
/// The mechanism is too weak for the server (534).
pub const IP_SMTPC_ERR_AUTH_MECHANISM_TOO_WEAK: c_int = -65;
/// The server requires encryption for this mechanism (538).
pub const IP_SMTPC_ERR_AUTH_ENCRYPTION_REQUIRED: c_int = -66;
/// The server kept sending challenges or sent a malformed one, answered
/// AUTH with 500/501/502, or with a positive reply at the wrong stage
/// (235 before the password was sent).
pub const IP_SMTPC_ERR_AUTH_PROTOCOL: c_int = -67;

// -80 .. -99: the mail transaction.
/// MAIL FROM was rejected.
pub const IP_SMTPC_ERR_SENDER_REJECTED: c_int = -80;
/// Every RCPT TO was rejected: nothing was delivered. (With PIPELINING the
/// DATA command, and with CHUNKING the message, went out in the same group
/// as the envelope; the server refuses or discards them.)
pub const IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED: c_int = -81;
/// DATA was not answered with 354.
pub const IP_SMTPC_ERR_DATA_REJECTED: c_int = -82;
/// The message was rejected permanently after the final dot (5xx).
pub const IP_SMTPC_ERR_MESSAGE_REJECTED: c_int = -83;
/// The message was rejected temporarily after the final dot (4xx).
pub const IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE: c_int = -84;
/// The message exceeds the server's size limit (552 or SIZE).
pub const IP_SMTPC_ERR_MESSAGE_TOO_BIG: c_int = -85;
/// An application callback (body, attachment) reported an error; the mail was abandoned.
pub const IP_SMTPC_ERR_APPLICATION_ABORT: c_int = -86;
/// The caller's complete message (`RawMessage`) has 8-bit bytes and the
/// server does not offer 8BITMIME; nothing was delivered.
pub const IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED: c_int = -87;
/// Delivery status notifications were required (`IP_SMTPC_OPTIONS.DsnRequired`)
/// and the server does not offer DSN (RFC 3461); nothing was sent after EHLO.
pub const IP_SMTPC_ERR_DSN_UNAVAILABLE: c_int = -88;
/// `IP_SMTPC_SendBatch`: this mail was not attempted, because the
/// connection could not go on after an earlier mail (the earlier mail's
/// result says why) or another mail of the batch was invalid (nothing was
/// sent). Send it again.
pub const IP_SMTPC_ERR_NOT_SENT: c_int = -89;
/// An address has UTF-8 in its local part or domain and the server does
/// not offer SMTPUTF8 (RFC 6531); nothing was sent after EHLO.
pub const IP_SMTPC_ERR_SMTPUTF8_UNAVAILABLE: c_int = -90;
/// `IP_SMTPC_SendToDomain`: the domain is not a host name (dotted letters,
/// digits and hyphens, at most 253 characters); nothing was queried or sent.
pub const IP_SMTPC_ERR_INVALID_MX_DOMAIN: c_int = -91;
/// `IP_SMTPC_SendToDomain`: the domain does not exist (DNS NXDOMAIN). Permanent.
pub const IP_SMTPC_ERR_NO_SUCH_DOMAIN: c_int = -92;
/// `IP_SMTPC_SendToDomain`: the domain accepts no mail (a null MX, RFC 7505). Permanent.
pub const IP_SMTPC_ERR_NULL_MX: c_int = -93;
/// `IP_SMTPC_SendToDomain`: the resolver's answer is not a well-formed DNS
/// response to the MX query of the domain; nothing was sent.
pub const IP_SMTPC_ERR_DNS_MALFORMED: c_int = -94;
/// `IP_SMTPC_SendToDomain`: the MX lookup failed (`pfQueryMx` < 0, an
/// answer longer than its buffer or truncated, SERVFAIL, REFUSED):
/// temporary, try later; nothing was sent.
pub const IP_SMTPC_ERR_DNS_LOOKUP: c_int = -95;

// -100 .. -119: partial success.
/// The message was accepted for some recipients only; the rest are
/// reported per recipient. Do not resend to all recipients.
pub const IP_SMTPC_ERR_PARTIAL_DELIVERY: c_int = -100;
/// The connection was lost or timed out after the final dot: the server
/// may or may not have accepted the message.
pub const IP_SMTPC_ERR_OUTCOME_UNKNOWN: c_int = -101;

// -120 .. -139: TLS.
/// TLS was required but the server does not offer STARTTLS, or no TLS hooks were given.
pub const IP_SMTPC_ERR_TLS_UNAVAILABLE: c_int = -120;
/// The server answered STARTTLS with something other than 220.
pub const IP_SMTPC_ERR_TLS_REFUSED: c_int = -121;
/// `pfUpgrade` failed (handshake, certificate or host name).
pub const IP_SMTPC_ERR_TLS_HANDSHAKE: c_int = -122;
/// The server sent bytes after "220 ready to start TLS" and before the handshake.
pub const IP_SMTPC_ERR_TLS_INJECTION: c_int = -123;

// -140 .. -159: the non-blocking API used wrongly. Nothing was done.
/// `IP_SMTPC_SESSION.SizeOf` is not this library's `sizeof(IP_SMTPC_SESSION)`
/// (unset, or a header that does not match the library).
pub const IP_SMTPC_ERR_SESSION_SIZE: c_int = -140;
/// The session was never started (or its `IP_SMTPC_Start` failed, or it was
/// moved while in progress).
pub const IP_SMTPC_ERR_NOT_STARTED: c_int = -141;
/// The session has finished: its result was returned by `IP_SMTPC_Poll` or
/// `IP_SMTPC_Abort`. Start it again for another mail.
pub const IP_SMTPC_ERR_FINISHED: c_int = -142;
/// `IP_SMTPC_Start` on a session whose send is in progress (finish it with
/// `IP_SMTPC_Poll` or `IP_SMTPC_Abort` first).
pub const IP_SMTPC_ERR_BUSY: c_int = -143;
/// `IP_SMTPC_Start` was given multipart items or `pBody`: their
/// `pfSendItem` pushes the content and cannot wait, so they need
/// `IP_SMTPC_SendEx`. Nothing was sent.
pub const IP_SMTPC_ERR_BLOCKING_ITEM: c_int = -144;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::steps::{self, Row};

    /// The engine's errors are numbered with the ABI's codes: each constant
    /// is the discriminant of its [`Error`], and no two share a code.
    #[test]
    fn codes_are_the_engine_errors() {
        let pairs = [
            (IP_SMTPC_ERR_NULL_POINTER, Error::NullPointer),
            (IP_SMTPC_ERR_NO_SENDER, Error::NoSender),
            (IP_SMTPC_ERR_NO_RECIPIENT, Error::NoRecipient),
            (IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR, Error::AddressControlChar),
            (IP_SMTPC_ERR_ADDRESS_SYNTAX, Error::AddressSyntax),
            (IP_SMTPC_ERR_ADDRESS_TOO_LONG, Error::AddressTooLong),
            (IP_SMTPC_ERR_INVALID_NAME, Error::InvalidName),
            (IP_SMTPC_ERR_INVALID_SUBJECT, Error::InvalidSubject),
            (IP_SMTPC_ERR_INVALID_DOMAIN, Error::InvalidDomain),
            (IP_SMTPC_ERR_INVALID_CREDENTIALS, Error::InvalidCredentials),
            (IP_SMTPC_ERR_INVALID_TIMEZONE, Error::InvalidTimezone),
            (IP_SMTPC_ERR_INVALID_DATE, Error::InvalidDate),
            (
                IP_SMTPC_ERR_INVALID_RECIPIENT_TYPE,
                Error::InvalidRecipientType,
            ),
            (IP_SMTPC_ERR_MISSING_HOOK, Error::MissingHook),
            (IP_SMTPC_ERR_INVALID_OPTIONS, Error::InvalidOptions),
            (IP_SMTPC_ERR_NOT_BUILT, Error::NotBuilt),
            (IP_SMTPC_ERR_INVALID_BODY, Error::InvalidBody),
            (IP_SMTPC_ERR_INVALID_HEADER, Error::InvalidHeader),
            (IP_SMTPC_ERR_INVALID_ATTACHMENT, Error::InvalidAttachment),
            (IP_SMTPC_ERR_CONNECT, Error::Connect),
            (IP_SMTPC_ERR_SEND, Error::Send),
            (IP_SMTPC_ERR_RECEIVE, Error::Receive),
            (IP_SMTPC_ERR_TIMEOUT, Error::Timeout),
            (IP_SMTPC_ERR_REPLY_SYNTAX, Error::ReplySyntax),
            (IP_SMTPC_ERR_REPLY_TOO_LONG, Error::ReplyTooLong),
            (IP_SMTPC_ERR_REPLY_TOO_MANY_LINES, Error::ReplyTooManyLines),
            (IP_SMTPC_ERR_GREETING_REFUSED, Error::GreetingRefused),
            (IP_SMTPC_ERR_HELO_REJECTED, Error::HeloRejected),
            (IP_SMTPC_ERR_SERVICE_CLOSING, Error::ServiceClosing),
            (IP_SMTPC_ERR_UNEXPECTED_REPLY, Error::UnexpectedReply),
            (IP_SMTPC_ERR_AUTH_NOT_SUPPORTED, Error::AuthNotSupported),
            (IP_SMTPC_ERR_AUTH_FAILED, Error::AuthFailed),
            (IP_SMTPC_ERR_AUTH_INSECURE, Error::AuthInsecure),
            (IP_SMTPC_ERR_AUTH_TEMPORARY, Error::AuthTemporary),
            (IP_SMTPC_ERR_AUTH_REQUIRED, Error::AuthRequired),
            (
                IP_SMTPC_ERR_AUTH_MECHANISM_TOO_WEAK,
                Error::AuthMechanismTooWeak,
            ),
            (
                IP_SMTPC_ERR_AUTH_ENCRYPTION_REQUIRED,
                Error::AuthEncryptionRequired,
            ),
            (IP_SMTPC_ERR_AUTH_PROTOCOL, Error::AuthProtocol),
            (IP_SMTPC_ERR_SENDER_REJECTED, Error::SenderRejected),
            (
                IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED,
                Error::AllRecipientsRejected,
            ),
            (IP_SMTPC_ERR_DATA_REJECTED, Error::DataRejected),
            (IP_SMTPC_ERR_MESSAGE_REJECTED, Error::MessageRejected),
            (
                IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE,
                Error::MessageTemporaryFailure,
            ),
            (IP_SMTPC_ERR_MESSAGE_TOO_BIG, Error::MessageTooBig),
            (IP_SMTPC_ERR_APPLICATION_ABORT, Error::ApplicationAbort),
            (
                IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED,
                Error::EightBitUnsupported,
            ),
            (IP_SMTPC_ERR_DSN_UNAVAILABLE, Error::DsnUnavailable),
            (IP_SMTPC_ERR_NOT_SENT, Error::NotSent),
            (
                IP_SMTPC_ERR_SMTPUTF8_UNAVAILABLE,
                Error::Smtputf8Unavailable,
            ),
            (IP_SMTPC_ERR_INVALID_MX_DOMAIN, Error::InvalidMxDomain),
            (IP_SMTPC_ERR_NO_SUCH_DOMAIN, Error::NoSuchDomain),
            (IP_SMTPC_ERR_NULL_MX, Error::NullMx),
            (IP_SMTPC_ERR_DNS_MALFORMED, Error::DnsMalformed),
            (IP_SMTPC_ERR_DNS_LOOKUP, Error::DnsLookup),
            (IP_SMTPC_ERR_PARTIAL_DELIVERY, Error::PartialDelivery),
            (IP_SMTPC_ERR_OUTCOME_UNKNOWN, Error::OutcomeUnknown),
            (IP_SMTPC_ERR_TLS_UNAVAILABLE, Error::TlsUnavailable),
            (IP_SMTPC_ERR_TLS_REFUSED, Error::TlsRefused),
            (IP_SMTPC_ERR_TLS_HANDSHAKE, Error::TlsHandshake),
            (IP_SMTPC_ERR_TLS_INJECTION, Error::TlsInjection),
        ];
        let mut seen = std::collections::HashSet::new();
        for (code, error) in pairs {
            assert_eq!(code, error as c_int, "{error:?}");
            assert!(seen.insert(code), "{code} twice");
        }
        assert_eq!(seen.len(), 60);
    }

    /// The steps the dialogue table reports are the ABI's step numbers.
    #[test]
    fn the_dialogue_reports_the_abi_steps() {
        let expected = [
            (steps::GREETING, IP_SMTPC_STEP_GREETING),
            (steps::EHLO, IP_SMTPC_STEP_EHLO),
            (steps::HELO, IP_SMTPC_STEP_EHLO),
            (steps::PLAIN, IP_SMTPC_STEP_AUTH),
            (steps::LOGIN, IP_SMTPC_STEP_AUTH),
            (steps::LOGIN_USER, IP_SMTPC_STEP_AUTH),
            (steps::LOGIN_PASS, IP_SMTPC_STEP_AUTH),
            (steps::CANCEL, IP_SMTPC_STEP_AUTH),
            (steps::MAIL, IP_SMTPC_STEP_MAIL),
            (steps::RCPT, IP_SMTPC_STEP_RCPT),
            (steps::DATA, IP_SMTPC_STEP_DATA),
            (steps::DOT, IP_SMTPC_STEP_END_OF_DATA),
            (steps::QUIT, IP_SMTPC_STEP_QUIT),
            (steps::DONE, IP_SMTPC_STEP_DONE),
        ];
        for (step, code) in expected {
            assert_eq!(Row::of(step).report, code, "step {step}");
        }
        #[cfg(feature = "tls")]
        assert_eq!(Row::of(steps::STARTTLS).report, IP_SMTPC_STEP_START_TLS);
    }
}
