use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let size = |name: &str| -> usize {
        println!("cargo:rerun-if-env-changed={name}");
        env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(256)
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
}
