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
                .map(|p| {
                    p.parse()
                        .map_err(|_| format!("version {value:?} is not x.y.z"))
                })
                .collect::<Result<_, _>>()?;
            if let [major, minor, patch] = parts[..] {
                if minor >= 100 || patch >= 100 {
                    return Err(format!(
                        "version {value}: minor and patch must stay below 100"
                    ));
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

/// The sections of the header, as an emNet manual chapter reads: each
/// starts at the doc comment of its first item (found by the line that
/// declares it) with a SEGGER-style banner and a Doxygen group, so the
/// reference lists them in this order under "Modules".
const SECTIONS: [(&str, &str, &str); 8] = [
    (
        "#define IP_SMTPC_VERSION_MAJOR ",
        "ip_smtpc_version",
        "Version",
    ),
    ("#if defined(SEGGER_H)", "ip_smtpc_types", "Integer types"),
    (
        "#define SMTPC_REC_TYPE_TO ",
        "ip_smtpc_constants",
        "Constants: recipient types, security policy, TLS modes, AUTH mechanisms, status, limits",
    ),
    ("#define IP_SMTPC_STEP_INPUT ", "ip_smtpc_steps", "Steps"),
    (
        "#define IP_SMTPC_ERR_NULL_POINTER ",
        "ip_smtpc_results",
        "Result codes",
    ),
    (
        "typedef void *SMTPC_SOCKET;",
        "ip_smtpc_hooks",
        "Transport hooks",
    ),
    (
        "typedef struct IP_SMTPC_MAIL_ADDR {",
        "ip_smtpc_structures",
        "Structures",
    ),
    (
        "#ifdef __cplusplus\nextern \"C\" {",
        "ip_smtpc_functions",
        "Functions",
    ),
];

/// `#define NAME -1` becomes `#define NAME (-1)` (cbindgen drops the
/// parentheses of the Rust source): a negative macro stays one operand in
/// any expression, as MISRA-minded code expects.
fn parenthesise_negative(line: &str) -> String {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("#define"), Some(name), Some(value))
            if value.starts_with('-') && value[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("#define {name} ({value})")
        }
        _ => line.to_owned(),
    }
}

/// Inserts the section banners and Doxygen groups of [`SECTIONS`].
fn add_sections(header: &str) -> Result<String, String> {
    let mut lines: Vec<String> = header.lines().map(parenthesise_negative).collect();
    let mut starts = Vec::new();
    for (anchor, group, title) in SECTIONS {
        let first = anchor.lines().next().unwrap_or(anchor);
        let rest: Vec<&str> = anchor.lines().skip(1).collect();
        let at = (0..lines.len())
            .find(|&i| {
                lines[i].starts_with(first)
                    && rest
                        .iter()
                        .enumerate()
                        .all(|(k, r)| lines.get(i + 1 + k).is_some_and(|l| l == r))
            })
            .ok_or_else(|| format!("section anchor {anchor:?} not in the generated header"))?;
        // Back up over the item's doc comment.
        let mut start = at;
        let above = if at > 0 { lines[at - 1].trim() } else { "" };
        if above.starts_with("/**") && above.ends_with("*/") {
            start = at - 1;
        } else if above == "*/" {
            while start > 0 && !lines[start - 1].starts_with("/**") {
                start -= 1;
            }
            start = start.saturating_sub(1);
        }
        starts.push((start, group, title));
    }
    if starts.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err("header sections out of order: check cbindgen.toml".into());
    }
    let end = lines
        .iter()
        .rposition(|l| l.starts_with("}  // extern \"C\""))
        .and_then(|i| i.checked_sub(1))
        .ok_or("no end of extern \"C\" in the generated header")?;
    lines.insert(end, "/** @} */\n".to_owned());
    for (n, &(start, group, title)) in starts.iter().enumerate().rev() {
        let mut banner = String::new();
        if n > 0 {
            banner.push_str("/** @} */\n\n");
        }
        banner.push_str(&format!(
            "/*********************************************************************\n\
             *\n\
             *       {title}\n\
             *\n\
             **********************************************************************\n\
             */\n\
             /** @defgroup {group} {title}\n *  @{{\n */\n"
        ));
        lines.insert(start, banner.trim_end().to_owned());
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
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
    let text = String::from_utf8(out).map_err(|e| e.to_string())?;
    Ok(add_sections(&text)?.into_bytes())
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
