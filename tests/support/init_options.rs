// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_OPTIONS` as `IP_SMTPC_OptionsInit` sets them, for the tests
//! and fuzz targets that call `IP_SMTPC_SendEx` (include it only where the
//! library has the `ex` feature; no `cfg` here, for the fuzz crate).
#![allow(dead_code)]

use ip_smtpc::capi::{IP_SMTPC_OptionsInit, IP_SMTPC_OPTIONS};

/// Options as `IP_SMTPC_OptionsInit` sets them (asserting it returns 0),
/// in memory it found uninitialised: it must set every field.
pub fn options() -> IP_SMTPC_OPTIONS {
    let mut o = std::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
    // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(o.as_mut_ptr()) }, 0);
    // SAFETY: initialised by IP_SMTPC_OptionsInit.
    unsafe { o.assume_init() }
}
