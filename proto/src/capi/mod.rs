// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C ABI: `#[repr(C)]` types and ABI constants (defined here, matching
//! the committed `include/IP_SMTPC.h` field for field), the in-place view of
//! the C arguments, and `IP_SMTPC_Send`, a short blocking loop over the
//! engine. The only module allowed `unsafe`; every block says why it holds.
#![allow(unsafe_code)]
#![allow(non_snake_case, non_camel_case_types)]

#[cfg(feature = "ex")]
pub mod ex;
pub mod info;
pub mod send;
#[cfg(any(feature = "mime", feature = "raw"))]
mod stream;
pub mod types;
pub mod view;

#[cfg(feature = "ex")]
pub use ex::{IP_SMTPC_OptionsInit, IP_SMTPC_SendEx};
pub use info::{IP_SMTPC_ErrorString, IP_SMTPC_GetVersion};
pub use send::IP_SMTPC_Send;
pub use types::*;

/// The panic handler of firmware builds. Nothing in the crate panics (the
/// footprint probe counts panic symbols); `no_std` still requires one.
#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    #[allow(clippy::empty_loop)]
    loop {}
}
