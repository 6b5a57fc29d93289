// SPDX-License-Identifier: MIT OR Apache-2.0
//! Generates `include/IP_SMTPC.h` from `src/capi` with cbindgen.
//!
//! ```text
//! scripts/header            rewrite include/IP_SMTPC.h
//! scripts/header --check    exit 1 when include/IP_SMTPC.h is not what cbindgen makes
//! scripts/header --stdout   print the header
//! ```
//!
//! Only `src/capi/mod.rs` and the modules it declares are parsed, so no
//! engine name can reach the header. The version macros come from the
//! library's Cargo.toml.
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The `version = "x.y.z"` of the `[package]` table of `Cargo.toml`.
fn package_version(manifest: &Path) -> Result<(u32, u32, u32), String> {
    let text = fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && line.starts_with("version") {
            let value = line
                .split_once('=')
                .map(|(_, v)| v.trim().trim_matches('"'))
                .ok_or("malformed version line")?;
            let parts: Vec<u32> = value
                .split('.')
                .map(|p| p.parse().map_err(|_| format!("version {value:?} is not x.y.z")))
                .collect::<Result<_, _>>()?;
            if let [major, minor, patch] = parts[..] {
                if minor >= 100 || patch >= 100 {
                    return Err(format!("version {value}: minor and patch must stay below 100"));
                }
                return Ok((major, minor, patch));
            }
            return Err(format!("version {value:?} is not x.y.z"));
        }
    }
    Err("no version in [package]".into())
}

fn version_block((major, minor, patch): (u32, u32, u32)) -> String {
    let number = major * 10000 + minor * 100 + patch;
    format!(
        "
/** Major version of this header (Cargo.toml). */
#define IP_SMTPC_VERSION_MAJOR {major}
/** Minor version of this header. */
#define IP_SMTPC_VERSION_MINOR {minor}
/** Patch level of this header. */
#define IP_SMTPC_VERSION_PATCH {patch}
/** The version as one number: major * 10000 + minor * 100 + patch, as IP_SMTPC_GetVersion() returns it for the library. */
#define IP_SMTPC_VERSION {number}
/** The version as text. */
#define IP_SMTPC_VERSION_STRING \"{major}.{minor}.{patch}\"
"
    )
}

fn generate(root: &Path) -> Result<Vec<u8>, String> {
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml"))?;
    let version = package_version(&root.join("Cargo.toml"))?;
    let types = config.after_includes.take().unwrap_or_default();
    config.after_includes = Some(format!("{}{types}", version_block(version)));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/capi/mod.rs"))
        .generate()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    Ok(out)
}

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed_path = root.join("include/IP_SMTPC.h");
    let mode = std::env::args().nth(1).unwrap_or_default();
    let header = match generate(&root) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("header: {e}");
            return ExitCode::from(2);
        }
    };
    match mode.as_str() {
        "--check" => {
            let committed = fs::read(&committed_path).unwrap_or_default();
            if committed == header {
                println!("include/IP_SMTPC.h is current");
                ExitCode::SUCCESS
            } else {
                eprintln!("include/IP_SMTPC.h is out of date: run scripts/header and commit it");
                ExitCode::FAILURE
            }
        }
        "--stdout" => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&header);
            ExitCode::SUCCESS
        }
        "" => match fs::write(&committed_path, &header) {
            Ok(()) => {
                println!("wrote include/IP_SMTPC.h");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("header: {}: {e}", committed_path.display());
                ExitCode::from(2)
            }
        },
        other => {
            eprintln!("usage: scripts/header [--check | --stdout] (got {other:?})");
            ExitCode::from(2)
        }
    }
}
