// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API as the C-API targets call it: the structs from the tests'
//! `tests/support/cstructs.rs` (an address entry, a message, an MTA, the
//! transport hooks), options as `IP_SMTPC_OptionsInit` sets them
//! (`tests/support/init_options.rs`), and one mail through
//! `IP_SMTPC_Send` or `IP_SMTPC_SendEx`.
#![allow(dead_code)]

use std::ffi::c_int;

use ip_smtpc::capi::*;

#[path = "../../../tests/support/cstructs.rs"]
mod cstructs;
#[path = "../../../tests/support/init_options.rs"]
mod init_options;

// (Not every target uses every name.)
#[allow(unused_imports)]
pub use cstructs::{addr, message, mta, plain_api};
#[allow(unused_imports)]
pub use init_options::options;

/// pfSendItem of `IP_SMTPC_MULTIPART_ITEM`.
pub type SendItemHook = unsafe extern "C" fn(
    *mut IP_SMTPC_CONTEXT,
    *const IP_SMTPC_MULTIPART_ITEM,
    *const IP_SMTPC_MULTIPART_API,
) -> c_int;

/// The multipart item "log.csv" (text/csv, no context) that `send_item` sends.
pub fn csv_item(send_item: SendItemHook) -> IP_SMTPC_MULTIPART_ITEM {
    IP_SMTPC_MULTIPART_ITEM {
        sFilename: c"log.csv".as_ptr(),
        pUserContext: std::ptr::null(),
        sContentType: c"text/csv".as_ptr(),
        pfSendItem: Some(send_item),
    }
}

/// One mail: `IP_SMTPC_Send` when `plain`, else `IP_SMTPC_SendEx` with
/// `options`; the result.
///
/// # Safety
/// Every pointer in the structs is valid for the call (strings
/// NUL-terminated), or NULL where the caller wants it.
pub unsafe fn send_mail(
    plain: bool,
    api: &IP_SMTPC_API,
    addrs: &[IP_SMTPC_MAIL_ADDR],
    message: &IP_SMTPC_MESSAGE,
    mta: &IP_SMTPC_MTA,
    app: &IP_SMTPC_APPLICATION,
    options: &IP_SMTPC_OPTIONS,
) -> c_int {
    let n = addrs.len() as c_int;
    // SAFETY: the caller's.
    unsafe {
        if plain {
            IP_SMTPC_Send(api, addrs.as_ptr(), n, message, mta, app)
        } else {
            IP_SMTPC_SendEx(api, addrs.as_ptr(), n, message, mta, app, options)
        }
    }
}

/// The security policy `SECURE_ONLY` when `secure_only`, else `ALLOW_INSECURE`.
pub fn policy(secure_only: bool) -> u8 {
    if secure_only {
        SMTPC_SEC_POLICY_SECURE_ONLY
    } else {
        SMTPC_SEC_POLICY_ALLOW_INSECURE
    }
}
