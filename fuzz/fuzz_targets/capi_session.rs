// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API's blocking loop (`IP_SMTPC_SendEx` / `IP_SMTPC_Send`) against
//! arbitrary server bytes, through C hooks.
//!
//! Input: 6 configuration bytes, a body (length byte, repeat byte, bytes),
//! then what the server sends, in turns split at `|` (a receive never
//! crosses a turn). The configuration picks the option `TlsMode` (bits
//! 0-2 of byte 0, modulo 5), SECURE_ONLY (3), the TLS hooks (4),
//! `AllowInsecureAuth` (5), credentials (6), `IP_SMTPC_Send` (7); the
//! recipients (byte 1 bits 0-1, 1-3), a multipart item (5), a streamed body
//! (`pBody`, 6), a clock (7); faults (byte 2: a failing handshake 0, short
//! sends 1, a failing `pfSendItem` 2, sends failing after 64 * bits 5-7
//! bytes when non-zero); the chunk sizes' seed and bound (bytes 3-5).
//!
//! Checked, from what the hooks saw:
//! - the call returns; `pfConnect` at most once, `pfDisconnect` exactly as
//!   often, `pfDowngrade` once after a successful handshake, before it;
//! - 0 or PARTIAL_DELIVERY only when the final "\r\n.\r\n" was sent and
//!   the first reply after it was a 2xx, or (CHUNKING) the whole
//!   `BDAT <n> LAST` chunk was sent and the reply after those to MAIL (a
//!   2xx) and each RCPT was a 2xx that came after it; OUTCOME_UNKNOWN only
//!   once DATA or a whole chunk was sent; the report's `Result` is the
//!   return value, its counts at most the recipients;
//! - at most one end of the message (end-of-data line or a chunk's last
//!   octet), only QUIT after it; one chunk at most, LAST, sent with the
//!   QUIT after it without reading a reply; SIZE= the message's size as it
//!   goes; no bare CR or LF unless a send failed or an item was abandoned;
//!   no line over 1000 octets;
//! - AUTH over TLS unless allowed in clear; with TLS required (SECURE_ONLY,
//!   STARTTLS_REQUIRED, IMPLICIT) no AUTH or MAIL FROM in clear;
//! - the handshake only right after "STARTTLS" and a complete 220 (or,
//!   implicit, before anything), at most once.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_uint};

use ip_smtpc::capi::*;
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::capi;
use common::ends::{assert_shape, message_accepted, Ends};
use common::Rng;
const MAX_CALLS: usize = 200_000;

#[derive(Default)]
struct Server {
    turns: VecDeque<Vec<u8>>,
    current: Vec<u8>,
    rng: Option<Rng>,
    max_chunk: usize,
    delivered: Vec<u8>,
    sent: Vec<u8>,
    line_tls: Vec<bool>,
    ends: Ends,
    tls_up: bool,
    implicit: bool,
    upgrade_fails: bool,
    upgrades: usize,
    short_sends: bool,
    send_limit: Option<usize>,
    cut: bool,
    connects: usize,
    disconnects: usize,
    downgrades: usize,
    calls: usize,
    item_fails: bool,
    item: Vec<u8>,
}

impl Server {
    fn call(&mut self) {
        self.calls += 1;
        assert!(self.calls < MAX_CALLS, "the call does not end");
        assert_eq!(
            self.connects - self.disconnects,
            1,
            "a hook after pfDisconnect"
        );
    }
    fn below(&mut self, n: usize) -> usize {
        self.rng.as_mut().map_or(0, |r| r.below(n))
    }
}

thread_local! {
    static SERVER: RefCell<Server> = RefCell::new(Server::default());
}

unsafe extern "C" fn connect(_server: *const c_char) -> SMTPC_SOCKET {
    SERVER.with_borrow_mut(|s| {
        s.connects += 1;
        assert_eq!(s.connects, 1, "connected twice");
    });
    std::ptr::dangling_mut::<u8>().cast()
}

unsafe extern "C" fn disconnect(_sock: SMTPC_SOCKET) {
    SERVER.with_borrow_mut(|s| s.disconnects += 1);
}

unsafe extern "C" fn send(data: *const c_char, n: c_int, _sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes `n` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), n.max(0) as usize) };
    SERVER.with_borrow_mut(|s| {
        s.call();
        assert!(n > 0, "send of {n}");
        let take = if s.short_sends {
            1 + s.below(bytes.len())
        } else {
            bytes.len()
        };
        if s.send_limit
            .is_some_and(|limit| s.sent.len() + take > limit)
        {
            s.cut = true;
            return -1;
        }
        let old = s.sent.len();
        for &b in &bytes[..take] {
            if matches!(s.sent.last(), None | Some(b'\n')) {
                let up = s.tls_up;
                s.line_tls.push(up);
            }
            s.sent.push(b);
        }
        let seen = s.delivered.len();
        s.ends.feed(&s.sent, old, seen);
        take as c_int
    })
}

unsafe extern "C" fn receive(data: *mut c_char, n: c_int, _sock: SMTPC_SOCKET) -> c_int {
    SERVER.with_borrow_mut(|s| {
        s.call();
        assert!(n > 0, "receive into {n}");
        if s.current.is_empty() {
            match s.turns.pop_front() {
                Some(t) if !t.is_empty() => s.current = t,
                _ => return 0,
            }
        }
        let want = 1 + s.below(s.max_chunk);
        let k = want.min(n as usize).min(s.current.len());
        let chunk: Vec<u8> = s.current.drain(..k).collect();
        // SAFETY: the library passes `n` writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(chunk.as_ptr(), data.cast::<u8>(), k) };
        s.delivered.extend_from_slice(&chunk);
        k as c_int
    })
}

unsafe extern "C" fn upgrade(_sock: SMTPC_SOCKET, server: *const c_char) -> c_int {
    assert!(!server.is_null());
    SERVER.with_borrow_mut(|s| {
        s.call();
        s.upgrades += 1;
        assert_eq!(s.upgrades, 1, "TLS started twice");
        if s.implicit {
            assert!(s.sent.is_empty() && s.delivered.is_empty());
        } else {
            common::assert_starttls_turn(&s.sent, &s.delivered);
        }
        if s.upgrade_fails {
            return -1;
        }
        s.tls_up = true;
        0
    })
}

unsafe extern "C" fn downgrade(_sock: SMTPC_SOCKET) {
    SERVER.with_borrow_mut(|s| {
        assert!(s.tls_up, "pfDowngrade without TLS");
        s.downgrades += 1;
    });
}

unsafe extern "C" fn get_time() -> u32 {
    (46 << 25) | (2 << 21) | (28 << 16) | (23 << 11) | (59 << 5) | 29
}

unsafe extern "C" fn send_item(
    context: *mut IP_SMTPC_CONTEXT,
    _item: *const IP_SMTPC_MULTIPART_ITEM,
    api: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    let (data, fails) = SERVER.with_borrow(|s| (s.item.clone(), s.item_fails));
    // SAFETY: the library's API block, valid during this call.
    let push = unsafe { (*api).pfSend.expect("pfSend") };
    for piece in data.chunks(5) {
        // SAFETY: the library's own context and `piece`'s bytes.
        unsafe { push(context, piece.as_ptr().cast(), piece.len() as c_uint) };
    }
    if fails {
        SERVER.with_borrow_mut(|s| s.cut = true);
        return -1;
    }
    0
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (head, rest) = data.split_at(6);
    let [flags, shape, faults, seed_lo, seed_hi, chunk] = <[u8; 6]>::try_from(head).unwrap();
    let (body_len, repeat) = (usize::from(rest[0]), rest[1]);
    let rest = &rest[2..];
    let (piece, server) = rest.split_at(body_len.min(rest.len()));
    let piece: Vec<u8> = piece
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect();
    let mut body = piece.repeat(if repeat & 0x80 != 0 {
        usize::from(repeat & 0x3f) + 1
    } else {
        1
    });
    body.push(0);

    let tls_mode = (flags & 7) % 5;
    let secure_only = flags & 8 != 0;
    let hooks = flags & 0x10 != 0;
    let allow_insecure = flags & 0x20 != 0;
    let creds = flags & 0x40 != 0;
    let plain_send = flags & 0x80 != 0;
    let count = 1 + usize::from(shape & 3) % 3;
    let item = shape & 0x20 != 0;
    let streamed = shape & 0x40 != 0;
    let clock = shape & 0x80 != 0;

    let addrs_c = [
        c"dev@example.test",
        c"alice@example.test",
        c"bob@[192.0.2.1]",
        c"carol@sub.example.test",
    ];
    let mut addrs = vec![IP_SMTPC_MAIL_ADDR {
        sName: c"Device".as_ptr(),
        sAddr: addrs_c[0].as_ptr(),
        Type: SMTPC_REC_TYPE_FROM,
    }];
    for i in 0..count {
        addrs.push(IP_SMTPC_MAIL_ADDR {
            sName: c"".as_ptr(),
            sAddr: addrs_c[i + 1].as_ptr(),
            Type: [SMTPC_REC_TYPE_TO, SMTPC_REC_TYPE_CC, SMTPC_REC_TYPE_BCC]
                [usize::from(shape >> (2 + i)) % 3],
        });
    }
    let items = [capi::csv_item(send_item)];
    let message = IP_SMTPC_MESSAGE {
        sBody: body.as_ptr().cast(),
        ..capi::message(Some(c"Fuzz"), None, &items[..usize::from(item)])
    };
    let mta = capi::mta(
        Some(c"mx.example.test"),
        creds.then_some(c"user"),
        creds.then_some(c"pass"),
        capi::policy(secure_only),
    );
    let app = IP_SMTPC_APPLICATION {
        pfGetTimeDate: if clock { Some(get_time) } else { None },
        pfCallback: None,
        sDomain: c"dev.example.test".as_ptr(),
        sTimezone: c"+0100".as_ptr(),
    };
    let api = IP_SMTPC_API {
        pfUpgrade: if hooks { Some(upgrade) } else { None },
        pfDowngrade: if hooks { Some(downgrade) } else { None },
        ..capi::plain_api(connect, disconnect, send, receive)
    };
    let mut results = vec![IP_SMTPC_RCPT_RESULT::default(); count + 1];
    // SAFETY: zeroed, then filled by OptionsInit.
    let mut report: IP_SMTPC_REPORT = unsafe { std::mem::zeroed() };
    report.paResult = results.as_mut_ptr();
    report.NumResults = results.len() as c_uint;
    let mut options = capi::options();
    options.TlsMode = tls_mode;
    options.AllowInsecureAuth = u8::from(allow_insecure);
    options.pReport = &mut report;
    let streamed_item = IP_SMTPC_MULTIPART_ITEM {
        sFilename: std::ptr::null(),
        pUserContext: std::ptr::null(),
        sContentType: std::ptr::null(),
        pfSendItem: Some(send_item),
    };
    if streamed {
        options.pBody = &streamed_item;
    }

    let implicit = !plain_send && tls_mode == IP_SMTPC_TLS_IMPLICIT;
    SERVER.with_borrow_mut(|s| {
        *s = Server {
            turns: server.split(|&b| b == b'|').map(<[u8]>::to_vec).collect(),
            rng: Some(Rng(
                u64::from(u16::from_le_bytes([seed_lo, seed_hi])) | 0x9e37_79b9_0000_0000
            )),
            max_chunk: usize::from(chunk) + 1,
            implicit,
            upgrade_fails: faults & 1 != 0,
            short_sends: faults & 2 != 0,
            item_fails: faults & 4 != 0,
            send_limit: (faults >> 5 != 0).then_some(64 * usize::from(faults >> 5)),
            item: piece.clone(),
            ..Server::default()
        }
    });
    // SAFETY: every pointer is valid for the call; strings NUL-terminated.
    let code = unsafe { capi::send_mail(plain_send, &api, &addrs, &message, &mta, &app, &options) };
    let s = SERVER.with_borrow_mut(std::mem::take);
    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!(
            "{code}\nC: {:?}\nS: {:?}",
            String::from_utf8_lossy(&s.sent),
            String::from_utf8_lossy(&s.delivered)
        );
    }

    assert_eq!(s.connects, s.disconnects, "pfDisconnect not called once");
    assert!(s.downgrades <= 1);
    assert_eq!(s.downgrades, usize::from(s.tls_up), "pfDowngrade after TLS");
    if !plain_send {
        assert_eq!(report.Result, code, "the report's Result");
        assert!(usize::from(report.NumAccepted) + usize::from(report.NumRejected) <= count);
    }
    let sent = &s.sent;
    // One end of the message, QUIT after it; BDAT's size and SIZE=.
    assert_shape(&s.ends, sent, true);
    if code == 0 || code == Error::PartialDelivery as c_int {
        if let Err(why) = message_accepted(&s.ends, sent, &s.delivered) {
            panic!("{code} {why}");
        }
        if !plain_send {
            assert_eq!(
                usize::from(report.NumAccepted) + usize::from(report.NumRejected),
                count
            );
        }
    }
    if code == Error::OutcomeUnknown as c_int {
        assert!(
            s.ends.message_may_be_taken(),
            "outcome unknown before DATA or a whole chunk"
        );
    }
    let complete = sent.len() - sent.iter().rev().take_while(|&&b| b != b'\n').count();
    assert!(complete == sent.len() || s.cut, "unterminated last line");
    for (i, &b) in sent.iter().enumerate() {
        if i + 1 == sent.len() && b == b'\r' && s.cut {
            break;
        }
        if b == b'\r' {
            assert_eq!(sent.get(i + 1), Some(&b'\n'), "bare CR at {i}");
        }
        if b == b'\n' {
            assert!(i > 0 && sent[i - 1] == b'\r', "bare LF at {i}");
        }
    }
    let required = secure_only
        || (!plain_send
            && matches!(
                tls_mode,
                IP_SMTPC_TLS_STARTTLS_REQUIRED | IP_SMTPC_TLS_IMPLICIT
            ));
    let auth_in_clear = if plain_send {
        !secure_only
    } else {
        allow_insecure
    };
    let mut at = 0;
    for (line, &tls_up) in sent.split_inclusive(|&b| b == b'\n').zip(&s.line_tls) {
        let start = at;
        at += line.len();
        assert!(line.len() <= 1000, "line of {} octets", line.len());
        if implicit {
            assert!(tls_up, "a line in clear with implicit TLS");
        }
        if s.ends.in_message(start) {
            continue;
        }
        if line.starts_with(b"AUTH ") {
            assert!(tls_up || auth_in_clear, "AUTH in clear");
            assert!(creds, "AUTH without credentials");
        }
        if required && (line.starts_with(b"MAIL ") || line.starts_with(b"AUTH ")) {
            assert!(
                tls_up,
                "MAIL FROM or AUTH in clear although TLS is required"
            );
        }
    }
});
