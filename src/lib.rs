// SPDX-License-Identifier: MIT OR Apache-2.0
//! ip-smtpc: an SMTP client for embedded firmware, size first (issue 12).
//!
//! One resumable sans-IO [`engine::Engine`]: it is told which bytes arrived
//! and asked for bytes to send; it owns the whole protocol and never calls a
//! hook, reads a clock, allocates or panics. The dialogue is a step table
//! ([`steps`]) run by a small loop. The caller's input is read in place
//! through the [`mail::Mail`] trait and validated once ([`check`]) before
//! anything is connected. [`capi`] holds the C ABI (`IP_SMTPC_Send`), a
//! short blocking loop over the engine, and is the only module allowed to
//! use `unsafe`.
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
// builds (target_os = "none") use the one in `capi`.
#[cfg(all(not(test), not(target_os = "none")))]
extern crate std;

pub mod base64;
pub mod body;
pub mod capi;
pub mod check;
#[cfg(feature = "cram-md5")]
pub mod cram;
pub mod date;
#[cfg(feature = "dsn")]
pub mod dsn;
pub mod engine;
pub mod error;
pub mod header;
pub mod limits;
pub mod mail;
#[cfg(feature = "cram-md5")]
pub mod md5;
#[cfg(feature = "mime")]
pub mod mime;
#[cfg(feature = "mx")]
pub mod mx;
#[cfg(feature = "oauth")]
pub mod oauth;
#[cfg(feature = "raw")]
pub mod raw;
pub mod reply;
pub mod steps;
#[cfg(feature = "words")]
pub mod words;
pub mod writer;

pub use error::Error;
