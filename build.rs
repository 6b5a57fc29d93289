//! Build script: build-time limits and the C header.
//!
//! - `SMTPC_IN_BUFFER_SIZE` / `SMTPC_OUT_BUFFER_SIZE` (environment; CMake
//!   passes its cache variables) become constants in `$OUT_DIR/limits.rs`.
//! - cbindgen generates the header into `$OUT_DIR/IP_SMTPC.h`; a unit test
//!   compares it with the committed `include/IP_SMTPC.h`. With
//!   `IP_SMTPC_BLESS_HEADER=1` the committed header is rewritten.
use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let size = |name: &str| -> usize {
        println!("cargo:rerun-if-env-changed={name}");
        env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256)
    };
    let in_size = size("SMTPC_IN_BUFFER_SIZE");
    let out_size = size("SMTPC_OUT_BUFFER_SIZE");
    assert!(in_size >= 64, "SMTPC_IN_BUFFER_SIZE must be at least 64");
    assert!(out_size >= 16, "SMTPC_OUT_BUFFER_SIZE must be at least 16");
    fs::write(
        out.join("limits.rs"),
        format!(
            "/// Reply buffer size (SMTPC_IN_BUFFER_SIZE): the longest reply line accepted.\n\
             pub const IN_BUFFER_SIZE: usize = {in_size};\n\
             /// Output buffer size (SMTPC_OUT_BUFFER_SIZE): bytes handed to pfSend at once.\n\
             pub const OUT_BUFFER_SIZE: usize = {out_size};\n"
        ),
    )
    .expect("write limits.rs");

    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-env-changed=IP_SMTPC_BLESS_HEADER");
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let header = out.join("IP_SMTPC.h");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen")
        .write_to_file(&header);
    if env::var("IP_SMTPC_BLESS_HEADER").is_ok_and(|v| v == "1") {
        fs::copy(&header, crate_dir.join("include/IP_SMTPC.h")).expect("bless header");
    }
}
