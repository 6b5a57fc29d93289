// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's C misuse suite (`../tests/c/misuse.c`, 83 cases: NULL for
//! every pointer, strings without a NUL before a guard page, bad options,
//! each through IP_SMTPC_Send, IP_SMTPC_SendEx without and with options and
//! report) compiled with the host `cc` against `include/IP_SMTPC.h` and this
//! crate's static library, full set. Fails when no `cc` is installed or the static library was not built first.
#![cfg(all(feature = "ex", feature = "headers", feature = "mime"))]

use std::path::PathBuf;
use std::process::Command;

#[test]
fn the_c_misuse_suite_passes() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = manifest.join("../tests/c/misuse.c");
    assert!(source.exists(), "{}", source.display());
    // The static library cargo built beside this test (same profile and features).
    let exe_dir = std::env::current_exe().unwrap();
    let profile_dir = exe_dir.parent().unwrap().parent().unwrap();
    let lib = profile_dir.join("libip_smtpc.a");
    assert!(
        lib.exists(),
        "{} is missing: `cargo build` (same features) makes the static library; `cargo test` alone does not",
        lib.display()
    );
    let out = std::env::temp_dir().join(format!("ip-smtpc-misuse-{}", std::process::id()));
    let Ok(status) = Command::new("cc")
        .args(["-std=c11", "-O1", "-I"])
        .arg(manifest.join("include"))
        .arg(&source)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&out)
        .status()
    else {
        panic!("no C compiler (cc) to build the C side");
    };
    assert!(status.success(), "misuse.c does not build");
    let run = Command::new(&out).arg("all").output().unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    let _ = std::fs::remove_file(&out);
    assert_eq!(
        text.matches("\nok ").count() + usize::from(text.starts_with("ok ")),
        83,
        "{text}"
    );
    assert!(run.status.success(), "{text}");
}
