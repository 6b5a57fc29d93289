//! The C ABI: emNet's `IP_SMTPC_Send` and ip-smtpc's extensions.
//!
//! This is the only module allowed `unsafe`. Every pointer from C is checked
//! for NULL and every string is read with a length bound before use
//! ([`strings`]); every `unsafe` block says why it is sound.
//!
//! Conventions (the README repeats them for C readers):
//! - All memory is the caller's: the library allocates nothing and keeps no
//!   static state. Reply and output buffers live on the caller's stack.
//! - Strings are NUL-terminated UTF-8 (ASCII for addresses); NULL means
//!   "absent" where a field is optional.
//! - Results are 0 or a negative `IP_SMTPC_ERR_*` code; outputs
//!   (`IP_SMTPC_REPORT`) are written whatever the result.
//! - Callbacks are optional (NULL) unless stated; they run in the caller's
//!   task, during the call.
#![allow(unsafe_code)]
#![allow(non_camel_case_types, non_snake_case)]

mod panic;
mod parts;
pub mod send;
pub mod strings;
mod transport;
pub mod types;

pub use send::{IP_SMTPC_ErrorString, IP_SMTPC_OptionsInit, IP_SMTPC_Send, IP_SMTPC_SendEx};
pub use types::*;

#[cfg(test)]
mod tests {
    /// The committed header must equal what cbindgen generates from this source.
    #[test]
    fn committed_header_is_current() {
        let generated = include_str!(concat!(env!("OUT_DIR"), "/IP_SMTPC.h"));
        let committed = include_str!("../../include/IP_SMTPC.h");
        assert!(
            generated == committed,
            "include/IP_SMTPC.h is out of date: run `IP_SMTPC_BLESS_HEADER=1 cargo build` and commit it"
        );
    }
}
