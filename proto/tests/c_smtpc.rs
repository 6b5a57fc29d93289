// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's smtpc command-line sender (`../c-examples/smtpc`, with the
//! POSIX port) linked with this crate's static library, full set, through
//! 18 of the product's scripted C tests (`tests/c_smtpc.py` runs them with
//! `../tests/c/run_scripted.py` and the product's server scripts): delivery,
//! dot-stuffing, partial delivery, all rejected, outcome unknown, timeout,
//! AUTH PLAIN/LOGIN/failed/refused in clear, invalid input with no
//! connection, attachments, extra headers, Reply-To. Skips without `cc` or
//! `python3`.
#![cfg(all(feature = "ex", feature = "headers", feature = "mime"))]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_products_scripted_smtpc_tests_pass() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..");
    let exe_dir = std::env::current_exe().unwrap();
    let lib = exe_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("libip_smtpc.a");
    assert!(lib.exists(), "{}", lib.display());
    let smtpc = std::env::temp_dir().join(format!("ip-smtpc-proto-smtpc-{}", std::process::id()));
    let Ok(status) = Command::new("cc")
        .args(["-std=c11", "-O1", "-I"])
        .arg(manifest.join("include"))
        .arg("-I")
        .arg(root.join("ffi/ports/posix"))
        .arg(root.join("c-examples/smtpc/smtpc.c"))
        .arg(root.join("ffi/ports/posix/ip_smtpc_posix.c"))
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&smtpc)
        .status()
    else {
        eprintln!("SKIPPED: no cc");
        return;
    };
    assert!(status.success(), "smtpc does not build");
    let Ok(run) = Command::new("python3")
        .arg(manifest.join("tests/c_smtpc.py"))
        .arg(&root)
        .arg(&smtpc)
        .output()
    else {
        eprintln!("SKIPPED: no python3");
        return;
    };
    let _ = std::fs::remove_file(&smtpc);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}");
    assert!(text.contains("failures: 0 of 18"), "{text}");
}
