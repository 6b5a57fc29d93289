// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's suites that drive the library through the C API only
//! (`../tests/faults.rs`, `load.rs`, `scripted.rs`, `postfix.rs`), compiled
//! as they are against the prototype: one set of files, two engines. The
//! suites gate their cases on this crate's features (`ex`, `size`, `mime`,
//! ...); `raw` is the product's only (RawMessage is not built here).
// Each suite loads the support files itself, as its own test binary does.
#![allow(unexpected_cfgs, clippy::duplicate_mod)]

#[path = "../../tests/faults.rs"]
mod faults;
#[path = "../../tests/load.rs"]
mod load;
#[path = "../../tests/postfix.rs"]
mod postfix;
#[path = "../../tests/scripted.rs"]
mod scripted;
