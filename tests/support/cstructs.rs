// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API's plain structs (include/IP_SMTPC.h) filled from Rust C
//! strings, for the tests that call the C API by hand: an address-table
//! entry, a message, an MTA, the transport hooks, a streamed item
//! ([`Stream`]), a per-recipient result, an empty report and its reply text (options: `init_options.rs`, which needs the `ex` feature).
//! No `cfg` here: the fuzz targets include this file too.
//! The structs borrow the caller's strings by raw pointer: keep the
//! `CString`s alive for the call.
#![allow(dead_code)]

use std::ffi::{c_char, c_int, CStr, CString};

use ip_smtpc::capi::*;

/// `s` as a C string (a test's strings have no NUL).
pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// The pointer of `s`, or NULL for `None`.
pub fn ptr(s: Option<&CStr>) -> *const c_char {
    s.map_or(std::ptr::null(), CStr::as_ptr)
}

/// One entry of the address table: display name (`None`: NULL), address
/// and `Type` (1 To, 2 Cc, 3 Bcc, 4 From).
pub fn addr(name: Option<&CStr>, address: &CStr, kind: c_int) -> IP_SMTPC_MAIL_ADDR {
    IP_SMTPC_MAIL_ADDR {
        sName: ptr(name),
        sAddr: address.as_ptr(),
        Type: kind,
    }
}

/// A message of `subject` and `body` (`None`: NULL) with the multipart
/// `items` (none: NULL and 0) and no boundary of the caller's.
pub fn message(
    subject: Option<&CStr>,
    body: Option<&CStr>,
    items: &[IP_SMTPC_MULTIPART_ITEM],
) -> IP_SMTPC_MESSAGE {
    IP_SMTPC_MESSAGE {
        sSubject: ptr(subject),
        sBody: ptr(body),
        sBoundary: std::ptr::null(),
        paMultipartItem: if items.is_empty() {
            std::ptr::null()
        } else {
            items.as_ptr()
        },
        NumMultipartItems: items.len() as _,
    }
}

/// pfConnect of `IP_SMTPC_API`.
pub type ConnectHook = unsafe extern "C" fn(*const c_char) -> SMTPC_SOCKET;
/// pfDisconnect of `IP_SMTPC_API`.
pub type DisconnectHook = unsafe extern "C" fn(SMTPC_SOCKET);
/// pfSend of `IP_SMTPC_API`.
pub type SendHook = unsafe extern "C" fn(*const c_char, c_int, SMTPC_SOCKET) -> c_int;
/// pfReceive of `IP_SMTPC_API`.
pub type ReceiveHook = unsafe extern "C" fn(*mut c_char, c_int, SMTPC_SOCKET) -> c_int;

/// The transport hooks `connect`, `disconnect`, `send` and `receive`
/// without TLS hooks (pfUpgrade and pfDowngrade NULL); for TLS hooks, set
/// them in a struct literal with `..plain_api(...)`.
pub const fn plain_api(
    connect: ConnectHook,
    disconnect: DisconnectHook,
    send: SendHook,
    receive: ReceiveHook,
) -> IP_SMTPC_API {
    IP_SMTPC_API {
        pfConnect: Some(connect),
        pfDisconnect: Some(disconnect),
        pfSend: Some(send),
        pfReceive: Some(receive),
        pfUpgrade: None,
        pfDowngrade: None,
    }
}

/// The MTA `server` with the login `user` / `pass` (`None`: NULL) and
/// `SecPolicy` `policy`.
pub fn mta(
    server: Option<&CStr>,
    user: Option<&CStr>,
    pass: Option<&CStr>,
    policy: u8,
) -> IP_SMTPC_MTA {
    IP_SMTPC_MTA {
        sServer: ptr(server),
        sUser: ptr(user),
        sPass: ptr(pass),
        SecPolicy: policy,
    }
}

/// An empty report (all zero: NULL pointers, zero counts).
pub fn zeroed_report() -> IP_SMTPC_REPORT {
    // SAFETY: all-zero is a valid IP_SMTPC_REPORT (NULL pointers, zero counts).
    unsafe { std::mem::zeroed() }
}

/// The NUL-terminated reply text the library wrote into a report's `acReply`.
pub fn reply_text(report: &IP_SMTPC_REPORT) -> String {
    // SAFETY: NUL-terminated by the library (and by an all-zero report).
    unsafe { CStr::from_ptr(report.acReply.as_ptr()) }
        .to_str()
        .expect("a UTF-8 reply")
        .to_owned()
}

/// A per-recipient result: reply code and enhanced code class.subject.detail.
pub fn rcpt_result(code: u16, class: u8, subject: u16, detail: u16) -> IP_SMTPC_RCPT_RESULT {
    IP_SMTPC_RCPT_RESULT {
        ReplyCode: code,
        EnhancedClass: class,
        EnhancedSubject: subject,
        EnhancedDetail: detail,
    }
}

/// What [`send_stream`] hands to pfSend: an item's `pUserContext` points
/// to one of these.
pub struct Stream {
    pub bytes: Vec<u8>,
    /// pfSend in pieces of this size.
    pub piece: usize,
    /// What pfSendItem returns.
    pub result: c_int,
}

impl Stream {
    /// `bytes` in pieces of `piece` bytes, pfSendItem returning `result`.
    pub fn new(bytes: impl Into<Vec<u8>>, piece: usize, result: c_int) -> Stream {
        Stream {
            bytes: bytes.into(),
            piece,
            result,
        }
    }

    /// A multipart item (or `pBody`) named `filename` of `content_type`
    /// (`None`: NULL) whose content is `self`, sent by [`send_stream`].
    pub fn item(
        &self,
        filename: Option<&CStr>,
        content_type: Option<&CStr>,
    ) -> IP_SMTPC_MULTIPART_ITEM {
        IP_SMTPC_MULTIPART_ITEM {
            sFilename: ptr(filename),
            pUserContext: (self as *const Stream).cast(),
            sContentType: ptr(content_type),
            pfSendItem: Some(send_stream),
        }
    }
}

/// pfSendItem for a [`Stream`]: its bytes to pfSend in pieces, its result.
///
/// # Safety
/// As the library calls it, for an item made by [`Stream::item`].
pub unsafe extern "C" fn send_stream(
    ctx: *mut IP_SMTPC_CONTEXT,
    item: *const IP_SMTPC_MULTIPART_ITEM,
    api: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    // SAFETY: the library passes the item and its API for this call.
    let (item, api) = unsafe { (&*item, &*api) };
    // SAFETY: the item's pUserContext is a Stream (Stream::item).
    let data = unsafe { &*item.pUserContext.cast::<Stream>() };
    let send = api.pfSend.unwrap();
    for piece in data.bytes.chunks(data.piece) {
        // SAFETY: the context handed to us and `piece.len()` readable bytes.
        unsafe { send(ctx, piece.as_ptr().cast(), piece.len() as u32) };
    }
    data.result
}
