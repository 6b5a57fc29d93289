// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C types and constants of `include/IP_SMTPC.h` (emNet layout).

use core::ffi::{c_char, c_int, c_uint, c_void};

/// `SMTPC_SOCKET`: the application's opaque connection handle.
pub type SMTPC_SOCKET = *mut c_void;
/// `IP_SMTPC_CONTEXT`: opaque context of multipart item callbacks.
pub type IP_SMTPC_CONTEXT = *mut c_void;

/// `pfCallback` Stat: the dialogue entered a new step.
pub const IP_SMTPC_STAT_STEP: c_int = 1;
/// `pfCallback` Stat: a recipient was accepted.
pub const IP_SMTPC_STAT_RCPT_ACCEPTED: c_int = 2;
/// `pfCallback` Stat: a recipient was rejected.
pub const IP_SMTPC_STAT_RCPT_REJECTED: c_int = 3;
/// `IP_SMTPC_STEP_CONNECT`.
pub const IP_SMTPC_STEP_CONNECT: u8 = 1;
/// Use STARTTLS when offered, else clear text (emNet default).
pub const SMTPC_SEC_POLICY_ALLOW_INSECURE: u8 = 0;
/// Abort unless TLS is used.
pub const SMTPC_SEC_POLICY_SECURE_ONLY: u8 = 1;

/// Transport hooks (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_API {
    /// Resolves `sServer`, connects, returns a handle or NULL.
    pub pfConnect: Option<unsafe extern "C" fn(sServer: *const c_char) -> SMTPC_SOCKET>,
    /// Closes the connection.
    pub pfDisconnect: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET)>,
    /// Sends bytes; returns the count sent (0 = all) or < 0.
    pub pfSend: Option<
        unsafe extern "C" fn(pData: *const c_char, NumBytes: c_int, hSock: SMTPC_SOCKET) -> c_int,
    >,
    /// Receives bytes; returns the count (> 0), else an error.
    pub pfReceive: Option<
        unsafe extern "C" fn(pData: *mut c_char, NumBytes: c_int, hSock: SMTPC_SOCKET) -> c_int,
    >,
    /// TLS handshake on the open connection.
    pub pfUpgrade:
        Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET, sServer: *const c_char) -> c_int>,
    /// Ends the TLS session.
    pub pfDowngrade: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET)>,
}

/// A sender or recipient (emNet layout); entry 0 is the sender.
#[repr(C)]
pub struct IP_SMTPC_MAIL_ADDR {
    /// Display name or NULL.
    pub sName: *const c_char,
    /// Address.
    pub sAddr: *const c_char,
    /// `SMTPC_REC_TYPE_*`.
    pub Type: c_int,
}

/// Functions offered to a multipart item callback.
#[repr(C)]
pub struct IP_SMTPC_MULTIPART_API {
    /// Streams item content.
    pub pfSend: Option<
        unsafe extern "C" fn(
            pContext: *mut IP_SMTPC_CONTEXT,
            pData: *const c_char,
            NumBytes: c_uint,
        ),
    >,
}

/// A multipart item (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MULTIPART_ITEM {
    /// Suggested file name or NULL.
    pub sFilename: *const c_char,
    /// Application data.
    pub pUserContext: *const c_void,
    /// Content-Type value.
    pub sContentType: *const c_char,
    /// Streams the content.
    pub pfSendItem: Option<
        unsafe extern "C" fn(
            *mut IP_SMTPC_CONTEXT,
            *const IP_SMTPC_MULTIPART_ITEM,
            *const IP_SMTPC_MULTIPART_API,
        ) -> c_int,
    >,
}

/// The message (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MESSAGE {
    /// Subject or NULL.
    pub sSubject: *const c_char,
    /// Body or NULL.
    pub sBody: *const c_char,
    /// Multipart boundary or NULL.
    pub sBoundary: *const c_char,
    /// Multipart items or NULL.
    pub paMultipartItem: *const IP_SMTPC_MULTIPART_ITEM,
    /// Number of items.
    pub NumMultipartItems: c_uint,
}

/// The mail server (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MTA {
    /// Host name or address for `pfConnect`.
    pub sServer: *const c_char,
    /// User name; NULL or "" = no authentication.
    pub sUser: *const c_char,
    /// Password.
    pub sPass: *const c_char,
    /// `SMTPC_SEC_POLICY_*`.
    pub SecPolicy: u8,
}

/// Application hooks and identity (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_APPLICATION {
    /// FAT-packed current time, or NULL for no Date header.
    pub pfGetTimeDate: Option<unsafe extern "C" fn() -> u32>,
    /// Progress callback or NULL.
    pub pfCallback: Option<unsafe extern "C" fn(Stat: c_int, p: *mut c_void) -> c_int>,
    /// Own domain or NULL.
    pub sDomain: *const c_char,
    /// Time zone or NULL.
    pub sTimezone: *const c_char,
}

/// What `pfCallback` receives (`p` points to one).
#[repr(C)]
pub struct IP_SMTPC_STATUS {
    /// `IP_SMTPC_STEP_*`.
    pub Step: u8,
    /// Reply code, 0 when none.
    pub ReplyCode: u16,
    /// Address-table index of the recipient, -1 when not about one.
    pub RecipientIndex: c_int,
    /// Reply text, not NUL-terminated.
    pub sText: *const c_char,
    /// Length of `sText`.
    pub TextLen: c_uint,
}

/// `IP_SMTPC_STEP_INPUT`: checking the caller's input, before connecting.
pub const IP_SMTPC_STEP_INPUT: u8 = 0;
/// `IP_SMTPC_STEP_RCPT`.
pub const IP_SMTPC_STEP_RCPT: u8 = 7;
/// `IP_SMTPC_STEP_DONE`.
pub const IP_SMTPC_STEP_DONE: u8 = 11;
/// `IP_SMTPC_OPTIONS.TlsMode`: follow `SecPolicy` (emNet behaviour).
pub const IP_SMTPC_TLS_BY_POLICY: u8 = 0;
/// No TLS even if hooks are given (refused with SECURE_ONLY).
pub const IP_SMTPC_TLS_NONE: u8 = 1;
/// STARTTLS when offered (required with SECURE_ONLY).
pub const IP_SMTPC_TLS_STARTTLS: u8 = 2;
/// STARTTLS or abort.
pub const IP_SMTPC_TLS_STARTTLS_REQUIRED: u8 = 3;
/// TLS from the first byte (RFC 8314).
pub const IP_SMTPC_TLS_IMPLICIT: u8 = 4;
/// `AuthMechanisms` bit: PLAIN.
pub const IP_SMTPC_AUTH_PLAIN: u32 = 1;
/// `AuthMechanisms` bit: LOGIN.
pub const IP_SMTPC_AUTH_LOGIN: u32 = 2;
/// Bytes of the last reply kept in `IP_SMTPC_REPORT.acReply`, NUL included.
pub const IP_SMTPC_REPLY_TEXT_SIZE: usize = 128;

/// Result for one entry of the address array.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IP_SMTPC_RCPT_RESULT {
    /// Reply to RCPT TO (to MAIL FROM for entry 0); 0 = not tried.
    pub ReplyCode: u16,
    /// RFC 3463 class (2, 4, 5), 0 when absent.
    pub EnhancedClass: u8,
    /// Enhanced code subject.
    pub EnhancedSubject: u16,
    /// Enhanced code detail.
    pub EnhancedDetail: u16,
}

/// Everything known about a send, filled by `IP_SMTPC_SendEx`.
#[repr(C)]
pub struct IP_SMTPC_REPORT {
    /// The return value.
    pub Result: c_int,
    /// `IP_SMTPC_STEP_*` that failed, or `IP_SMTPC_STEP_DONE`.
    pub Step: u8,
    /// 1 when the message went over TLS.
    pub Secure: u8,
    /// Code of the reply that decided the result, 0 when none.
    pub ReplyCode: u16,
    /// Recipients accepted.
    pub NumAccepted: u16,
    /// Recipients rejected.
    pub NumRejected: u16,
    /// In: `NumResults` entries indexed like the address array, or NULL.
    pub paResult: *mut IP_SMTPC_RCPT_RESULT,
    /// In: entries in `paResult`.
    pub NumResults: c_uint,
    /// Text of the deciding reply's last line, NUL-terminated.
    pub acReply: [c_char; IP_SMTPC_REPLY_TEXT_SIZE],
    /// Reserved (written as 0).
    pub aReserved: [u32; 4],
}

/// Options of `IP_SMTPC_SendEx`.
#[repr(C)]
pub struct IP_SMTPC_OPTIONS {
    /// `sizeof(IP_SMTPC_OPTIONS)`.
    pub SizeOf: u32,
    /// `IP_SMTPC_AUTH_*` mask; 0 = every mechanism built.
    pub AuthMechanisms: u32,
    /// 1 permits AUTH without TLS.
    pub AllowInsecureAuth: u8,
    /// `IP_SMTPC_TLS_*`.
    pub TlsMode: u8,
    /// Per-reply deadline in ms; 0 = RFC 5321 values.
    pub ReplyTimeoutMs: u32,
    /// Millisecond clock, or NULL.
    pub pfGetTimeMs: Option<unsafe extern "C" fn() -> u32>,
    /// Mixed into the Message-ID and the generated boundary.
    pub MessageIdSeed: u32,
    /// Where to write the report, or NULL.
    pub pReport: *mut IP_SMTPC_REPORT,
    /// A streamed text body, or NULL.
    pub pBody: *const IP_SMTPC_MULTIPART_ITEM,
    /// Reply-To address, or NULL.
    pub sReplyTo: *const c_char,
    /// Extra header lines "Name: value".
    pub pasHeader: *const *const c_char,
    /// Entries in `pasHeader`.
    pub NumHeaders: c_uint,
    /// Tells the hooks how long they may take, or NULL.
    pub pfSetTimeout: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET, RemainingMs: u32)>,
    /// 1: the body (`sBody`, or `pBody` streamed) is a complete RFC 5322
    /// message, sent as given: no generated header, dot-stuffed with CR LF
    /// line ends, `BODY=8BITMIME` when 8-bit and offered, else
    /// `IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED` (`raw` feature; without it
    /// `IP_SMTPC_ERR_NOT_BUILT`). 0: the library writes the header. Other
    /// values: `IP_SMTPC_ERR_INVALID_OPTIONS`.
    pub RawMessage: U8,
}

/// emNet's 8-bit unsigned (`IP_SMTPC_U8`).
pub type U8 = u8;
/// emNet's 16-bit unsigned (`IP_SMTPC_U16`).
pub type U16 = u16;
/// emNet's 32-bit unsigned (`IP_SMTPC_U32`).
pub type U32 = u32;
/// Recipient type: `To:` header and envelope.
pub const SMTPC_REC_TYPE_TO: c_int = crate::mail::TO;
/// Recipient type: `Cc:` header and envelope.
pub const SMTPC_REC_TYPE_CC: c_int = crate::mail::CC;
/// Recipient type: envelope only.
pub const SMTPC_REC_TYPE_BCC: c_int = crate::mail::BCC;
/// Recipient type of the sender entry.
pub const SMTPC_REC_TYPE_FROM: c_int = crate::mail::FROM;
/// Longest address accepted.
pub const IP_SMTPC_MAX_ADDR_LEN: usize = crate::check::MAX_ADDR;
/// Longest display name, subject, user name or password accepted.
pub const IP_SMTPC_MAX_TEXT_LEN: usize = crate::check::MAX_TEXT;
/// Longest own domain accepted.
pub const IP_SMTPC_MAX_DOMAIN_LEN: usize = crate::check::MAX_DOMAIN;
/// Longest extra header line accepted.
pub const IP_SMTPC_MAX_HEADER_LEN: usize = 977;
