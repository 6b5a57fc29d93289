// SPDX-License-Identifier: MIT OR Apache-2.0
//! The panic handler of firmware builds.
//!
//! The engine is written not to panic, and the footprint check fails the
//! build when a panic path survives in a firmware link; this handler exists
//! because `no_std` requires one. It calls `IP_SMTPC_OnPanic()`, a weak
//! symbol the application may override (to log and reset); the default spins.
//! (The `panic-abort` crate would do the same but needs a nightly compiler.)

// Declared for every build, so that the header declares it (cbindgen reads
// this block); only firmware builds call it.
#[allow(dead_code)]
extern "C" {
    /// Called by the panic handler of firmware builds (`target_os = "none"`),
    /// which a correct library never reaches: the footprint check fails the
    /// build when a panic path is linked. Define it in your firmware to log
    /// and reset; the library's weak default loops forever. Host builds use
    /// the Rust standard library's handler and never call it.
    ///
    /// Takes no parameters and returns nothing; if it returns, the library
    /// loops forever.
    pub fn IP_SMTPC_OnPanic();
}

#[cfg(all(not(test), target_os = "none"))]
#[panic_handler]
fn on_panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: IP_SMTPC_OnPanic takes no arguments; the weak default below
    // never returns, an application override may do anything.
    unsafe { IP_SMTPC_OnPanic() };
    #[allow(clippy::empty_loop)]
    loop {}
}

// The weak default of IP_SMTPC_OnPanic for Arm targets: a branch to itself.
#[cfg(all(not(test), target_os = "none", target_arch = "arm"))]
core::arch::global_asm!(
    ".pushsection .text.IP_SMTPC_OnPanic,\"ax\",%progbits",
    ".weak IP_SMTPC_OnPanic",
    ".type IP_SMTPC_OnPanic,%function",
    ".thumb_func",
    "IP_SMTPC_OnPanic:",
    "b IP_SMTPC_OnPanic",
    ".popsection",
);
