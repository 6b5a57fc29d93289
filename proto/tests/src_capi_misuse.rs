// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's own C ABI misuse suite (`../tests/capi_misuse.rs`), compiled
//! as it is against the prototype's full set: one file, two engines.
#![cfg(all(feature = "ex", feature = "headers", feature = "mime"))]

#[path = "../../tests/capi_misuse.rs"]
mod product;
