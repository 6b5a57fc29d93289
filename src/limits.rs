// SPDX-License-Identifier: MIT OR Apache-2.0
//! Build-time limits.
//!
//! `build.rs` turns the environment variables `SMTPC_IN_BUFFER_SIZE` and
//! `SMTPC_OUT_BUFFER_SIZE` (emNet's names; CMake passes them through) into the
//! constants below. The defaults match emNet: 256 bytes each.

include!(concat!(env!("OUT_DIR"), "/limits.rs"));

/// RFC 5321 §4.5.3.1.3: a reverse- or forward-path is at most 256 octets
/// including the angle brackets, so an address is at most 254.
pub(crate) const MAX_ADDRESS_LEN: usize = 254;
/// RFC 5321 §4.5.3.1.1: a local part is at most 64 octets.
pub(crate) const MAX_LOCAL_PART_LEN: usize = 64;
/// RFC 5321 §4.5.3.1.2: a domain is at most 255 octets.
pub(crate) const MAX_DOMAIN_LEN: usize = 255;
/// Longest display name, subject or credential accepted. A header line must
/// stay within RFC 5322's 998 octets; this leaves room for the field name.
pub(crate) const MAX_FIELD_LEN: usize = 900;
/// Longest field name of an extra header (RFC 5322 §2.1.1 recommends lines
/// of at most 78 characters; a name must fit one).
pub(crate) const MAX_HEADER_NAME_LEN: usize = 76;
/// Longest extra header line accepted: a name, ":", and a value of at most
/// [`MAX_FIELD_LEN`] including its leading space.
pub(crate) const MAX_HEADER_LINE_LEN: usize = MAX_HEADER_NAME_LEN + 1 + MAX_FIELD_LEN;
/// Most lines accepted in one multi-line reply before it is called hostile.
pub(crate) const MAX_REPLY_LINES: u16 = 100;
