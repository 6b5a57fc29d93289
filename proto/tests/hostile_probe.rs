// SPDX-License-Identifier: MIT OR Apache-2.0
//! The product's hostile-server suite (`../tests/hostile.rs`: the C API
//! only, against `../tests/scripted_server.py`), compiled as it is against
//! the prototype: one file, two engines. Each case is gated on the features
//! it needs, so it runs with the full set and with the seed set.
//!
//! Off unless asked for: the suite names the header's `IP_SMTPC_ERR_*` and
//! `IP_SMTPC_STEP_*` constants through `ip_smtpc::capi`, and the prototype
//! defines only four of them (the migrated `src/capi/codes.rs` has all).
//! To run it here, add the rest for the run (not committed), e.g.
//!
//! ```sh
//! python3 - <<'PY'
//! import re
//! h = open('../include/IP_SMTPC.h').read(); t = open('src/capi/types.rs').read()
//! out = ['use core::ffi::c_int;']
//! for n, v in re.findall(r'#define (IP_SMTPC_(?:ERR|STEP)_\w+) \(?(-?\d+)\)?', h):
//!     if not re.search(r'pub const %s\b' % n, t):
//!         out.append('pub const %s: %s = %s;' % (n, 'c_int' if '_ERR_' in n else 'u8', v))
//! open('src/capi/probe_codes.rs', 'w').write('\n'.join(out) + '\n')
//! m = open('src/capi/mod.rs').read()
//! open('src/capi/mod.rs', 'w').write(m.replace('pub mod types;', 'pub mod types;\nmod probe_codes;\npub use probe_codes::*;'))
//! PY
//! RUSTFLAGS="--cfg hostile_probe" cargo test --features full --test hostile_probe
//! RUSTFLAGS="--cfg hostile_probe" cargo test --test hostile_probe
//! ```
#![allow(unexpected_cfgs)]
#![cfg(hostile_probe)]

// The product's `raw` feature is not a feature of the prototype.
#[allow(unexpected_cfgs)]
#[path = "../../tests/hostile.rs"]
mod product;
