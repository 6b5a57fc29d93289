// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C ABI: emNet's `IP_SMTPC_Send` and ip-smtpc's extensions.
//!
//! This is the only module allowed `unsafe`; every `unsafe` block says why
//! it is sound. The C arguments are read in place ([`view`]): every pointer
//! is checked for NULL and every string is read with a length bound, once,
//! before anything is connected.
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
//!
//! `include/IP_SMTPC.h` is generated from this module alone (cbindgen.toml;
//! `scripts/header`): its order is the order of the modules below. Function
//! docs use Doxygen's `@param`, `@return` and `@pre` (the safety contract of
//! each `unsafe extern "C" fn`, in the words the C reader sees).
#![allow(unsafe_code)]
#![allow(non_camel_case_types, non_snake_case)]
// The `@pre` paragraph of each export is its safety section.
#![allow(clippy::missing_safety_doc)]

// Header order: types and constants, result codes and steps, structures
// (as the functions use them), functions: IP_SMTPC_Send, IP_SMTPC_SendEx and
// IP_SMTPC_OptionsInit, IP_SMTPC_SendBatch, the non-blocking API, IP_SMTPC_ErrorString,
// IP_SMTPC_GetVersion, IP_SMTPC_OnPanic. Blank lines keep rustfmt from
// sorting them.
pub mod types;

pub mod codes;

pub mod send;

#[cfg(feature = "ex")]
pub mod ex;

#[cfg(feature = "batch")]
pub mod batch;

#[cfg(feature = "mx")]
pub mod mx;

#[cfg(feature = "nb")]
pub mod nb;

pub mod info;

pub mod version;

mod panic;

#[cfg(any(feature = "mime", feature = "raw"))]
mod stream;
pub mod view;

#[cfg(feature = "batch")]
pub use batch::IP_SMTPC_SendBatch;
pub use codes::*;
#[cfg(feature = "ex")]
pub use ex::{IP_SMTPC_OptionsInit, IP_SMTPC_SendEx};
pub use info::IP_SMTPC_ErrorString;
#[cfg(feature = "mx")]
pub use mx::{IP_SMTPC_MxQuery, IP_SMTPC_SendToDomain};
#[cfg(feature = "nb")]
pub use nb::{IP_SMTPC_Abort, IP_SMTPC_GetWait, IP_SMTPC_Poll, IP_SMTPC_Start, IP_SMTPC_SESSION};
pub use send::IP_SMTPC_Send;
pub use types::*;
pub use version::IP_SMTPC_GetVersion;
