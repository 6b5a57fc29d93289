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
