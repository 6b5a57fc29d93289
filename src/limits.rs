// SPDX-License-Identifier: MIT OR Apache-2.0
//! Build-time buffer sizes.
//!
//! `build.rs` turns the environment variables `SMTPC_IN_BUFFER_SIZE` and
//! `SMTPC_OUT_BUFFER_SIZE` (emNet's names; CMake passes them through) into
//! `IN_BUFFER_SIZE` and `OUT_BUFFER_SIZE`, the two buffers `IP_SMTPC_Send`
//! keeps on its stack. The defaults match emNet: 256 bytes each.

include!(concat!(env!("OUT_DIR"), "/limits.rs"));
