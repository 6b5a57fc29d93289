// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_ErrorString` (every set; a firmware that does not call it does
//! not link its texts).

use core::ffi::{c_char, c_int, CStr};

use crate::error::Error;

/// Describes a result code in English.
///
/// @param Error A value returned by `IP_SMTPC_Send` or `IP_SMTPC_SendEx`
///              (0 or `IP_SMTPC_ERR_*`).
/// @return A static, NUL-terminated text; never NULL ("unknown error" for
///         codes that are not the library's).
#[no_mangle]
pub extern "C" fn IP_SMTPC_ErrorString(Error: c_int) -> *const c_char {
    message(Error).as_ptr()
}

/// The errors in the order of their texts in [`TEXTS`] (after "success").
static CODES: [Error; 60] = [
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
    Error::DsnUnavailable,
    Error::NotSent,
    Error::Smtputf8Unavailable,
    Error::InvalidMxDomain,
    Error::NoSuchDomain,
    Error::NullMx,
    Error::DnsMalformed,
    Error::DnsLookup,
    Error::PartialDelivery,
    Error::OutcomeUnknown,
    Error::TlsUnavailable,
    Error::TlsRefused,
    Error::TlsHandshake,
    Error::TlsInjection,
];

/// "success", the text of each of [`CODES`], "unknown error"; each ends in
/// NUL. One static array, not string literals: those share a section with
/// the other strings, and the linker could not drop them from a firmware
/// that never asks for a text.
static TEXTS: [u8; LIST.len()] = array(LIST);

const LIST: &[u8] = b"\
success\0\
a required pointer is NULL\0\
no sender (address entry 0 missing)\0\
no recipient\0\
address contains CR, LF, NUL or a control character\0\
address syntax invalid\0\
address exceeds RFC 5321 length limits\0\
display name invalid or too long\0\
subject invalid or too long\0\
own domain invalid\0\
user name or password invalid or too long\0\
time zone is not +HHMM or -HHMM\0\
date from pfGetTimeDate invalid\0\
recipient type is not TO, CC or BCC\0\
a required API hook is NULL\0\
options or SecPolicy invalid\0\
feature not built into this library\0\
body invalid\0\
extra header or Reply-To invalid\0\
attachment (multipart item) invalid\0\
connect failed\0\
send failed\0\
connection closed or receive failed\0\
timeout waiting for the server\0\
malformed server reply\0\
server reply line too long\0\
server reply has too many lines\0\
server refused the session\0\
EHLO and HELO rejected\0\
server closing the connection (421)\0\
unexpected data from the server\0\
no allowed AUTH mechanism offered\0\
authentication failed\0\
AUTH refused on a connection without TLS\0\
temporary authentication failure\0\
authentication required\0\
authentication mechanism too weak\0\
encryption required for authentication\0\
authentication exchange malformed\0\
sender rejected\0\
all recipients rejected\0\
DATA rejected\0\
message rejected\0\
message temporarily rejected\0\
message too big\0\
application callback aborted the mail\0\
8-bit message but the server lacks 8BITMIME\0\
DSN required but the server does not offer it\0\
not attempted: the batch ended before this mail\0\
UTF-8 address but the server lacks SMTPUTF8\0\
domain to route to is not a host name\0\
domain does not exist (NXDOMAIN)\0\
domain accepts no mail (null MX)\0\
malformed DNS answer\0\
MX lookup failed (temporary)\0\
accepted for some recipients only\0\
outcome unknown: connection lost after the final dot\0\
TLS required but not available\0\
STARTTLS refused\0\
TLS handshake failed\0\
data injected before the TLS handshake\0\
session storage size wrong (SizeOf)\0\
session not started\0\
session already finished\0\
session busy: a send is in progress\0\
multipart items or pBody cannot be sent without blocking\0\
unknown error\0";

/// `N` bytes as an array.
#[allow(clippy::indexing_slicing)]
const fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// The codes of the non-blocking API's misuse (not engine errors), in the
/// order of their texts in [`TEXTS`] (after those of [`CODES`]).
static SESSION_CODES: [c_int; 5] = [
    super::codes::IP_SMTPC_ERR_SESSION_SIZE,
    super::codes::IP_SMTPC_ERR_NOT_STARTED,
    super::codes::IP_SMTPC_ERR_FINISHED,
    super::codes::IP_SMTPC_ERR_BUSY,
    super::codes::IP_SMTPC_ERR_BLOCKING_ITEM,
];

/// The error with C code `code`, if it is one of ours.
pub fn error_from_code(code: c_int) -> Option<Error> {
    CODES.iter().copied().find(|&e| e as c_int == code)
}

/// The text of a result code.
pub fn message(code: c_int) -> &'static CStr {
    let index = match (
        CODES.iter().position(|&e| e as c_int == code),
        SESSION_CODES.iter().position(|&c| c == code),
    ) {
        _ if code == 0 => 0,
        (Some(i), _) => i + 1,
        (None, Some(i)) => CODES.len() + 1 + i,
        (None, None) => CODES.len() + SESSION_CODES.len() + 1,
    };
    let mut rest: &'static [u8] = &TEXTS;
    for _ in 0..index {
        let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        rest = rest.get(end + 1..).unwrap_or_default();
    }
    CStr::from_bytes_until_nul(rest).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_header_has_its_own_text() {
        let header = include_str!("../../include/IP_SMTPC.h");
        let mut seen = std::collections::HashSet::new();
        let mut codes = 0;
        for line in header.lines() {
            let Some(rest) = line.strip_prefix("#define IP_SMTPC_ERR_") else {
                continue;
            };
            let value: c_int = rest
                .split_once(" (")
                .map(|(_, v)| v.trim_end_matches(')').parse().unwrap())
                .unwrap();
            let text = message(value).to_str().unwrap();
            assert_ne!(text, "unknown error", "{rest}");
            assert!(seen.insert(text), "{rest} shares its text");
            codes += 1;
        }
        assert_eq!(codes, 65);
        assert_eq!(message(0).to_str().unwrap(), "success");
        assert_eq!(message(1).to_str().unwrap(), "unknown error");
        assert_eq!(message(-24).to_str().unwrap(), "unknown error");
        assert_eq!(message(-145).to_str().unwrap(), "unknown error");
        assert_eq!(
            message(super::super::codes::IP_SMTPC_ERR_BUSY)
                .to_str()
                .unwrap(),
            "session busy: a send is in progress"
        );
        assert!(!IP_SMTPC_ErrorString(i32::MIN).is_null());
    }
}
