// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_GetVersion`: the library's version, from Cargo.toml.
//!
//! The header's `IP_SMTPC_VERSION_*` macros are generated from the same
//! Cargo.toml (tools/header); a unit test and a C test (tests/c/version.c)
//! check that the two agree.

use super::types::U32;

/// A decimal version component of Cargo.toml, at compile time.
const fn component(s: &str) -> U32 {
    let bytes = s.as_bytes();
    let mut value: U32 = 0;
    let mut i = 0;
    while i < bytes.len() {
        // The build fails (const evaluation) on a component that is not a
        // small decimal number; nothing of this runs on the target.
        #[allow(clippy::indexing_slicing)]
        let digit = bytes[i].wrapping_sub(b'0');
        assert!(digit < 10, "version component is not decimal");
        value = value * 10 + digit as U32;
        i += 1;
    }
    value
}

/// Major version (Cargo.toml).
const MAJOR: U32 = component(env!("CARGO_PKG_VERSION_MAJOR"));
/// Minor version (Cargo.toml), below 100.
const MINOR: U32 = component(env!("CARGO_PKG_VERSION_MINOR"));
/// Patch level (Cargo.toml), below 100.
const PATCH: U32 = component(env!("CARGO_PKG_VERSION_PATCH"));
const _: () = assert!(
    MINOR < 100 && PATCH < 100,
    "minor and patch must stay below 100"
);

/// The version of the library linked, as `IP_SMTPC_VERSION` encodes it:
/// major * 10000 + minor * 100 + patch (emNet's scheme; 1.2.3 is 10203).
///
/// Compare it with `IP_SMTPC_VERSION` (the header compiled against) at
/// start-up to catch a header and a library from different releases.
///
/// @return `IP_SMTPC_VERSION_MAJOR * 10000 + IP_SMTPC_VERSION_MINOR * 100 +
///         IP_SMTPC_VERSION_PATCH` of the library.
#[no_mangle]
pub extern "C" fn IP_SMTPC_GetVersion() -> U32 {
    MAJOR * 10000 + MINOR * 100 + PATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed header carries the same version as Cargo.toml.
    #[test]
    fn header_version_matches_cargo_toml() {
        let header = include_str!("../../include/IP_SMTPC.h");
        for (name, value) in [
            ("IP_SMTPC_VERSION_MAJOR", MAJOR),
            ("IP_SMTPC_VERSION_MINOR", MINOR),
            ("IP_SMTPC_VERSION_PATCH", PATCH),
            ("IP_SMTPC_VERSION", IP_SMTPC_GetVersion()),
        ] {
            let line = format!("#define {name} {value}\n");
            assert!(
                header.contains(&line),
                "header lacks `{line}`: run scripts/header"
            );
        }
        let line = format!(
            "#define IP_SMTPC_VERSION_STRING \"{}\"\n",
            env!("CARGO_PKG_VERSION")
        );
        assert!(
            header.contains(&line),
            "header lacks `{line}`: run scripts/header"
        );
    }
}
