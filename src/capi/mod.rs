//! C ABI (placeholder while the engine compiles).
#![allow(unsafe_code)]
