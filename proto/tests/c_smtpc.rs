// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's smtpc command-line sender (`../c-examples/smtpc`, with the
//! POSIX port) linked with this crate's static library, full set, through
//! 21 of the product's scripted C tests (with emnet_sample and csv_log) (`tests/c_smtpc.py` runs them with
//! `../tests/c/run_scripted.py` and the product's server scripts): delivery,
//! dot-stuffing, partial delivery, all rejected, outcome unknown, timeout,
//! AUTH PLAIN/LOGIN/failed/refused in clear, invalid input with no
//! connection, attachments, extra headers, Reply-To. Skips without `cc` or
//! `python3`; the 6 TLS cases (mbedTLS port: STARTTLS verified, wrong name, untrusted,
//! 454, injection, AUTH refused in clear) run when the host has mbedTLS.
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
    let tmp = std::env::temp_dir().join(format!("ip-smtpc-proto-c-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut built = Vec::new();
    for (name, source, extra) in [
        ("smtpc", "c-examples/smtpc/smtpc.c", "ffi/ports/posix"),
        (
            "emnet_sample",
            "c-examples/emnet_sample/emnet_sample.c",
            "ffi/tests/segger_compat",
        ),
        ("csv_log", "c-examples/csv_log/csv_log.c", "ffi/ports/posix"),
    ] {
        let exe = tmp.join(name);
        let Ok(status) = Command::new("cc")
            .args(["-std=c11", "-O1", "-I"])
            .arg(manifest.join("include"))
            .arg("-I")
            .arg(root.join("ffi/ports/posix"))
            .arg("-I")
            .arg(root.join(extra))
            .arg(root.join(source))
            .arg(root.join("ffi/ports/posix/ip_smtpc_posix.c"))
            .arg(&lib)
            .args(["-lpthread", "-ldl", "-lm", "-o"])
            .arg(&exe)
            .status()
        else {
            eprintln!("SKIPPED: no cc");
            return;
        };
        assert!(status.success(), "{name} does not build");
        built.push(exe);
    }
    // The TLS cases when the host has mbedTLS (the port's C and its libraries).
    let tls = tmp.join("smtpc-tls");
    let certs = tmp.join("certs");
    let with_tls = Command::new("cc")
        .args(["-std=c11", "-O1", "-DSMTPC_WITH_MBEDTLS", "-I"])
        .arg(manifest.join("include"))
        .arg("-I")
        .arg(root.join("ffi/ports/posix"))
        .arg("-I")
        .arg(root.join("ffi/ports/mbedtls"))
        .arg(root.join("c-examples/smtpc/smtpc.c"))
        .arg(root.join("ffi/ports/posix/ip_smtpc_posix.c"))
        .arg(root.join("ffi/ports/mbedtls/ip_smtpc_mbedtls.c"))
        .arg(&lib)
        .args([
            "-lmbedtls",
            "-lmbedx509",
            "-lmbedcrypto",
            "-lpthread",
            "-ldl",
            "-lm",
            "-o",
        ])
        .arg(&tls)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("python3")
            .arg(root.join("tests/tls/make_certs.py"))
            .arg(&certs)
            .output()
            .is_ok_and(|o| o.status.success());
    if with_tls {
        built.push(tls);
        built.push(certs);
    } else {
        eprintln!("no mbedTLS: the 6 TLS cases are left out");
    }
    let Ok(run) = Command::new("python3")
        .arg(manifest.join("tests/c_smtpc.py"))
        .arg(&root)
        .args(&built)
        .output()
    else {
        eprintln!("SKIPPED: no python3");
        return;
    };
    let _ = std::fs::remove_dir_all(&tmp);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{text}");
    let expected = if with_tls { 27 } else { 21 };
    assert!(
        text.contains(&format!("failures: 0 of {expected}")),
        "{text}"
    );
}
