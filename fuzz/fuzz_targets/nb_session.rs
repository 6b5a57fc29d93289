// SPDX-License-Identifier: MIT OR Apache-2.0
//! One step function, two drivers: the same arbitrary server bytes through
//! `IP_SMTPC_SendEx` (blocking) and through `IP_SMTPC_Start` +
//! `IP_SMTPC_Poll` (non-blocking) must give the same result, report and
//! wire (Message-ID aside: it hashes the caller's stack address).
//!
//! Input: 4 configuration bytes, then what the server sends.
//! - byte 0: receive chunk size (1..=64; both drivers get the same pieces);
//! - byte 1: send chunk size (1..=64; short sends are resumed);
//! - byte 2: which hook calls of the non-blocking driver answer
//!   `IP_SMTPC_WOULD_BLOCK` first (a bit pattern over the call count);
//! - byte 3: bit 0 credentials, bit 1 AUTH in clear allowed, bit 2 a Cc,
//!   bit 3 a stalled run: the non-blocking driver is given a deadline and
//!   every receive after the server bytes ran out would block (instead of
//!   the end of the stream), and its clock runs only while it waits to
//!   read then: where the
//!   blocking run ends with `IP_SMTPC_ERR_RECEIVE` it must end with
//!   `IP_SMTPC_ERR_TIMEOUT` (same report otherwise), anywhere else alike
//!   (after the final dot both are OUTCOME_UNKNOWN; at QUIT the decided
//!   result stays), within a bounded number of polls.
//!
//! Server bytes are given out as one stream in the chosen pieces; the end
//! of the stream is a closed connection (receive returns 0).
//!
//! On the blocking run's wire (`common::ends`): 0 or PARTIAL_DELIVERY only
//! after the end of the message and a 2xx to it (DATA's dot, or a whole
//! `BDAT <n> LAST` chunk answered after MAIL's and each RCPT's replies),
//! OUTCOME_UNKNOWN only once DATA or a whole chunk went out; one end of
//! the message, only QUIT after it, the chunk and QUIT sent without
//! reading, SIZE= the message's size.
#![no_main]

use std::cell::RefCell;
use std::ffi::{c_char, c_int};
use std::ptr;

use ip_smtpc::capi::*;
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::capi;
use common::ends::{assert_shape, message_accepted, Ends};

/// Polls after which the non-blocking driver is considered stuck.
const MAX_POLLS: usize = 200_000;

#[derive(Default)]
struct Bed {
    server: Vec<u8>,
    pos: usize,
    rx_chunk: usize,
    tx_chunk: usize,
    wire: Vec<u8>,
    /// Where the message starts and ends on `wire`.
    ends: Ends,
    /// Non-blocking: the pattern of refused calls and the call counter.
    pattern: u8,
    calls: u32,
    nb: bool,
    stall: bool,
    disconnects: u32,
}

thread_local! {
    static BED: RefCell<Bed> = RefCell::new(Bed::default());
}

fn with<R>(f: impl FnOnce(&mut Bed) -> R) -> R {
    BED.with(|b| f(&mut b.borrow_mut()))
}

/// This call of the non-blocking driver answers WOULD_BLOCK.
fn refuse(b: &mut Bed) -> bool {
    if !b.nb {
        return false;
    }
    b.calls = b.calls.wrapping_add(1);
    b.pattern & (1 << (b.calls % 8)) != 0 && b.calls % 3 != 0
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    0x1 as SMTPC_SOCKET
}
unsafe extern "C" fn disconnect(_: SMTPC_SOCKET) {
    with(|b| b.disconnects += 1);
}
unsafe extern "C" fn send(p: *const c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    with(|b| {
        if refuse(b) {
            return IP_SMTPC_WOULD_BLOCK;
        }
        let k = (n as usize).min(b.tx_chunk);
        // SAFETY: the library passes `n` readable bytes; k <= n.
        let old = b.wire.len();
        b.wire
            .extend_from_slice(unsafe { std::slice::from_raw_parts(p.cast::<u8>(), k) });
        let seen = b.pos;
        b.ends.feed(&b.wire, old, seen);
        k as c_int
    })
}
unsafe extern "C" fn receive(p: *mut c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    with(|b| {
        if refuse(b) {
            return IP_SMTPC_WOULD_BLOCK;
        }
        let left = b.server.len() - b.pos;
        if left == 0 {
            return if b.nb && b.stall {
                IP_SMTPC_WOULD_BLOCK
            } else {
                0
            };
        }
        let k = (n as usize).min(b.rx_chunk).min(left);
        // SAFETY: the library passes `n` writable bytes; k <= n.
        unsafe { ptr::copy_nonoverlapping(b.server.as_ptr().add(b.pos), p.cast::<u8>(), k) };
        b.pos += k;
        k as c_int
    })
}

/// The wire with the Message-ID's value blanked.
fn normalised(wire: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wire.len());
    for line in wire.split_inclusive(|&c| c == b'\n') {
        if line.starts_with(b"Message-ID:") {
            out.extend_from_slice(b"Message-ID: <>\r\n");
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// What a report says.
fn summary(r: &IP_SMTPC_REPORT, results: &[IP_SMTPC_RCPT_RESULT]) -> String {
    let text: Vec<u8> = r
        .acReply
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    format!(
        "{} {} {} {} {} {} {:?} {:?}",
        r.Result, r.Step, r.Secure, r.ReplyCode, r.NumAccepted, r.NumRejected, text, results
    )
}

struct Run {
    result: c_int,
    report: String,
    wire: Vec<u8>,
    disconnects: u32,
    /// The wire as sent (Message-ID too), its ends, the server bytes read.
    raw: Vec<u8>,
    ends: Ends,
    delivered: usize,
}

fn run(data: &[u8], nb: bool) -> Run {
    let (cfg, server) = data.split_at(4);
    with(|b| {
        *b = Bed {
            server: server.to_vec(),
            rx_chunk: 1 + (cfg[0] as usize % 64),
            tx_chunk: 1 + (cfg[1] as usize % 64),
            pattern: cfg[2],
            nb,
            stall: cfg[3] & 8 != 0,
            ..Bed::default()
        }
    });
    let api = capi::plain_api(connect, disconnect, send, receive);
    let addrs = [
        capi::addr(None, c"a@b.test", SMTPC_REC_TYPE_FROM),
        capi::addr(Some(c"C D"), c"c@d.test", SMTPC_REC_TYPE_TO),
        capi::addr(None, c"e@d.test", SMTPC_REC_TYPE_CC),
    ];
    let count = if cfg[3] & 4 != 0 { 3 } else { 2 };
    let msg = capi::message(Some(c"s"), Some(c"line\n.dot\n"), &[]);
    let auth = cfg[3] & 1 != 0;
    let mta = capi::mta(
        Some(c"mx"),
        auth.then_some(c"u"),
        Some(c"p"),
        SMTPC_SEC_POLICY_ALLOW_INSECURE,
    );
    let mut results = [IP_SMTPC_RCPT_RESULT::default(); 3];
    let mut opts = capi::options();
    opts.AllowInsecureAuth = u8::from(cfg[3] & 2 != 0);
    // SAFETY: plain data.
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    report.paResult = results.as_mut_ptr();
    report.NumResults = 3;
    opts.pReport = &mut report;
    let stall = nb && cfg[3] & 8 != 0;
    if stall {
        opts.ReplyTimeoutMs = 1000;
    }
    let result = if nb {
        // SAFETY: plain data; SizeOf set below.
        let mut s: Box<IP_SMTPC_SESSION> = Box::new(unsafe { std::mem::zeroed() });
        s.SizeOf = std::mem::size_of::<IP_SMTPC_SESSION>() as u32;
        // SAFETY: every pointer outlives the send (this frame).
        let r = unsafe {
            IP_SMTPC_Start(
                &mut *s,
                &api,
                addrs.as_ptr(),
                count,
                &msg,
                &mta,
                ptr::null(),
                &opts,
            )
        };
        assert_eq!(r, 0, "a valid mail");
        let mut now = 0u32;
        let mut polls = 0;
        loop {
            // SAFETY: a session in progress.
            let r = unsafe { IP_SMTPC_Poll(&mut *s, now) };
            if r != IP_SMTPC_IN_PROGRESS {
                break r;
            }
            polls += 1;
            assert!(polls < MAX_POLLS, "the non-blocking driver never ends");
            let mut at = 0;
            // SAFETY: a session in progress.
            let w = unsafe { IP_SMTPC_GetWait(&mut *s, &mut at) };
            assert!((1..=3).contains(&w), "wait {w}");
            // Time runs only in the stalled variant (a deadline is set
            // there), and only while the session waits for a server that
            // has nothing more to say.
            if stall && w == c_int::from(IP_SMTPC_WAIT_READ) && with(|b| b.pos == b.server.len()) {
                now = now.wrapping_add(7);
            }
        }
    } else {
        // SAFETY: every pointer is valid during the call.
        unsafe { IP_SMTPC_SendEx(&api, addrs.as_ptr(), count, &msg, &mta, ptr::null(), &opts) }
    };
    let (wire, ends, delivered, disconnects) = with(|b| {
        (
            std::mem::take(&mut b.wire),
            std::mem::take(&mut b.ends),
            b.pos,
            b.disconnects,
        )
    });
    Run {
        result,
        report: summary(&report, &results),
        wire: normalised(&wire),
        disconnects,
        raw: wire,
        ends,
        delivered,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let blocking = run(data, false);
    let nb = run(data, true);
    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!(
            "{} / {} {}\nC: {:?}\nS: {:?}",
            blocking.result,
            nb.result,
            blocking.report,
            String::from_utf8_lossy(&blocking.raw),
            String::from_utf8_lossy(&data[4..4 + blocking.delivered])
        );
    }
    assert_eq!(blocking.disconnects, 1);
    assert_eq!(nb.disconnects, 1);
    assert_eq!(nb.wire, blocking.wire);
    let (sent, ends) = (&blocking.raw, &blocking.ends);
    assert_shape(ends, sent, true);
    let result = blocking.result;
    if result == 0 || result == Error::PartialDelivery as c_int {
        if let Err(why) = message_accepted(ends, sent, &data[4..4 + blocking.delivered]) {
            panic!("{result} {why}");
        }
    }
    if result == Error::OutcomeUnknown as c_int {
        assert!(
            ends.message_may_be_taken(),
            "outcome unknown before DATA or a whole chunk"
        );
    }
    if data[3] & 8 != 0 && blocking.result == IP_SMTPC_ERR_RECEIVE {
        // Stalled: where the blocking run saw the end of the stream, the
        // non-blocking one waited until its deadline.
        assert_eq!(nb.result, IP_SMTPC_ERR_TIMEOUT);
        assert_eq!(
            nb.report.replacen("-23 ", "-22 ", 1),
            blocking.report,
            "the reports differ only in the result"
        );
    } else {
        assert_eq!(nb.result, blocking.result);
        assert_eq!(nb.report, blocking.report);
    }
});
