// SPDX-License-Identifier: MIT OR Apache-2.0
//! ip-smtpc: an SMTP client for embedded firmware.
//!
//! The engine is `no_std`, allocation-free, sans-IO and panic-free:
//! [`session::Session`] turns server replies into the bytes to send next, and
//! [`client::run`] pumps those bytes through a [`client::Transport`]. The C ABI
//! (`IP_SMTPC_Send` and friends, emNet-compatible) lives in [`capi`], the only
//! module allowed to use `unsafe`.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![warn(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::undocumented_unsafe_blocks
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

// Host builds of the static library take std's panic handler; firmware
// builds (target_os = "none") use `capi::panic`.
#[cfg(all(not(test), not(target_os = "none")))]
extern crate std;

pub mod auth;
pub mod base64;
pub mod bytes;
pub mod capi;
pub mod client;
pub mod cursor;
pub mod data;
pub mod ehlo;
pub mod error;
pub mod limits;
pub mod message;
pub mod reply;
pub mod session;
#[cfg(test)]
mod testutil;

pub use error::Error;
