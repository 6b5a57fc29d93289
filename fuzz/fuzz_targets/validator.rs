// SPDX-License-Identifier: MIT OR Apache-2.0
//! Input validation (`check::check`, and `IP_SMTPC_SendEx` in front of
//! it) on arbitrary fields.
//!
//! Input: a control byte (bits 0-1 recipient count, 2 a clock, 3 the extra
//! header lines, 4 a NULL recipient address, 5 one multipart item, 6
//! `IP_SMTPC_Send` instead of `IP_SMTPC_SendEx`, 7 SECURE_ONLY without TLS
//! hooks), a kinds
//! byte (2 bits a recipient: To, Cc, Bcc, invalid), a 4-byte FAT date (LE),
//! then fields, each as a length byte, a repeat byte and the bytes (repeated
//! 1-8 times, so short inputs reach the length limits): sender, sender
//! name, subject, domain, time zone, Reply-To, boundary, two extra header
//! lines, user, password, (address, name) per recipient, body.
//!
//! Rust: `check` over the fields as they are (NUL included). Nothing may
//! panic. Whatever is accepted must hold no CR or LF (no control character
//! in addresses), respect RFC 5321's lengths (address 254, local part 64,
//! domain 255, command line 512) and the field limits, and render (through
//! any out-buffer size, with the writer's skip trick) the same header block,
//! all ASCII, with only CR LF line ends, lines of at most 998 octets, only
//! the expected field names at line starts (no injected field, no Bcc, no
//! lone "." line, every line starting with "." stuffed); addresses and
//! the block may be UTF-8 (`smtputf8`, RFC 6531/6532), the block only when
//! an address is.
//!
//! C: the same fields as C strings (cut at their first NUL) through
//! `IP_SMTPC_SendEx` against a scripted server that accepts everything
//! (SMTPUTF8 offered).
//! When `check` over what the C view reads (the strings cut at NUL and at
//! one byte past their limit, as `capi::view` does) refuses the mail,
//! `IP_SMTPC_SendEx` (or `IP_SMTPC_Send`) must return that error and
//! `pfConnect` must not be called (nothing on the wire), as for SECURE_ONLY
//! without TLS hooks (TLS_UNAVAILABLE); when it accepts it, the mail must go out
//! (0), every recipient in a RCPT TO, and the header block on the wire must
//! be the one `header::put` renders for the same view.
//!
//! With `FUZZ_TRACE` set in the environment each run prints both results
//! and what was sent.
#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_uint, CString};

use ip_smtpc::capi::*;
use ip_smtpc::check::{check, Checked, MAX_ADDR, MAX_DOMAIN, MAX_FOLDED, MAX_HEADER, MAX_TEXT};
use ip_smtpc::writer::Writer;
use ip_smtpc::Error;
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::{capi, lines, FuzzMail};

struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        b
    }
    fn field(&mut self) -> Vec<u8> {
        let len = usize::from(self.byte());
        let repeat = 1 + usize::from(self.byte() & 7);
        let (bytes, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        bytes.repeat(repeat)
    }
}

fn no_crlf(s: &[u8]) -> bool {
    !s.iter().any(|&b| matches!(b, b'\r' | b'\n'))
}

/// What an accepted address must be (RFC 5321 §4.1.2, §4.5.3.1).
fn check_address(a: &[u8]) {
    assert!(
        !a.iter().any(|&b| b < 0x20 || b == 0x7f),
        "control in {a:?}"
    );
    assert!(a.len() <= 254, "address of {} octets", a.len());
    let at = a.iter().rposition(|&b| b == b'@').expect("no @");
    let (local, domain) = (&a[..at], &a[at + 1..]);
    assert!(
        (1..=64).contains(&local.len()),
        "local part of {}",
        local.len()
    );
    assert!(
        (1..=255).contains(&domain.len()),
        "domain of {}",
        domain.len()
    );
    // ASCII, or UTF-8 (RFC 6531, `smtputf8` in `full`).
    assert!(
        std::str::from_utf8(a).is_ok(),
        "an address not UTF-8 accepted"
    );
    assert!(!a.iter().any(|&b| matches!(b, b' ' | b'<' | b'>')), "{a:?}");
    // The envelope commands fit in RFC 5321's 512-octet command line.
    assert!(b"RCPT TO:<>\r\n".len() + a.len() <= 512);
    assert!(b"MAIL FROM:<> SIZE=4294967295 BODY=8BITMIME\r\n".len() + a.len() <= 512);
}

fn check_text(t: &[u8]) {
    assert!(
        no_crlf(t) && !t.contains(&0),
        "CR, LF or NUL accepted: {t:?}"
    );
    assert!(t.len() <= MAX_FOLDED, "text of {} octets", t.len());
}

/// The header block (`header::put`, then `mime::head`) through buffers of
/// `size` bytes with the writer's skip trick.
fn render(m: &FuzzMail, c: &Checked, size: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    loop {
        let mut buf = vec![0xAA; size];
        let mut w = Writer::new(&mut buf, wire.len());
        ip_smtpc::header::put(&mut w, m, c);
        ip_smtpc::mime::head(&mut w, m, c, ip_smtpc::mime::SEVEN);
        let (n, full) = (w.len(), w.is_full());
        wire.extend_from_slice(&buf[..n]);
        if !full {
            return wire;
        }
        assert!(n > 0, "no progress");
    }
}

/// The header block's checks; `names` are the fields that may start a line;
/// `utf8`: an address is UTF-8 (RFC 6532: the block may be UTF-8 then).
fn check_block(block: &[u8], names: &[&[u8]], utf8: bool) {
    if utf8 {
        assert!(
            std::str::from_utf8(block).is_ok(),
            "a header block not UTF-8"
        );
    } else {
        assert!(block.is_ascii(), "8-bit header block");
    }
    assert!(block.ends_with(b"\r\n"));
    common::assert_clean(block);
    let mut past_header = false;
    for text in lines(block) {
        assert!(text.len() <= 998, "header line of {} octets", text.len());
        assert!(text != b".", "a lone dot in the header block");
        let text = if text.first() == Some(&b'.') {
            assert_eq!(text.get(1), Some(&b'.'), "unstuffed dot: {text:?}");
            &text[1..]
        } else {
            text
        };
        // The end of the block, a folded continuation, or (with items) the
        // multipart preamble and the text part's delimiter.
        past_header |= text.is_empty();
        let multipart = past_header && text == b"This is a multi-part message in MIME format."
            || (past_header && text.starts_with(b"--"));
        if text.is_empty() || matches!(text.first(), Some(b' ' | b'\t')) || multipart {
            continue;
        }
        let colon = text
            .iter()
            .position(|&b| b == b':')
            .unwrap_or_else(|| panic!("not a field: {:?}", String::from_utf8_lossy(text)));
        assert!(
            names.contains(&&text[..colon]),
            "unexpected field {:?}",
            String::from_utf8_lossy(&text[..colon])
        );
    }
}

/// What `capi::view` reads of a C string: up to its NUL, at most `max + 1`.
fn c_view(s: &[u8], max: usize) -> Vec<u8> {
    let s = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
    s[..s.len().min(max + 1)].to_vec()
}

fn c_string(s: &[u8]) -> CString {
    CString::new(&s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())]).unwrap()
}

/// The scripted server behind the C hooks.
#[derive(Default)]
struct Server {
    connects: usize,
    turns: VecDeque<Vec<u8>>,
    sent: Vec<u8>,
    time: u32,
}

thread_local! {
    static SERVER: RefCell<Server> = RefCell::new(Server::default());
}

unsafe extern "C" fn connect(_server: *const c_char) -> SMTPC_SOCKET {
    SERVER.with_borrow_mut(|s| s.connects += 1);
    std::ptr::dangling_mut::<u8>().cast()
}

unsafe extern "C" fn disconnect(_sock: SMTPC_SOCKET) {}

unsafe extern "C" fn send(data: *const c_char, n: c_int, _sock: SMTPC_SOCKET) -> c_int {
    assert!(n > 0, "send of {n}");
    // SAFETY: the library passes `n` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), n as usize) };
    SERVER.with_borrow_mut(|s| s.sent.extend_from_slice(bytes));
    n
}

unsafe extern "C" fn receive(data: *mut c_char, n: c_int, _sock: SMTPC_SOCKET) -> c_int {
    SERVER.with_borrow_mut(|s| {
        let Some(turn) = s.turns.pop_front() else {
            return -1;
        };
        assert!(turn.len() <= n as usize, "a reply does not fit");
        // SAFETY: the library passes `n` writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(turn.as_ptr(), data.cast::<u8>(), turn.len()) };
        turn.len() as c_int
    })
}

unsafe extern "C" fn get_time() -> u32 {
    SERVER.with_borrow(|s| s.time)
}

unsafe extern "C" fn send_item(
    context: *mut IP_SMTPC_CONTEXT,
    _item: *const IP_SMTPC_MULTIPART_ITEM,
    api: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    let data = b"a,b\n1,2\n";
    // SAFETY: the library's API block, valid during this call.
    let push = unsafe { (*api).pfSend.expect("pfSend") };
    // SAFETY: the library's own context and `data`'s bytes.
    unsafe { push(context, data.as_ptr().cast(), data.len() as c_uint) };
    0
}

fuzz_target!(|data: &[u8]| {
    let mut f = Fields(data);
    let control = f.byte();
    let kinds = f.byte();
    let packed = u32::from_le_bytes([f.byte(), f.byte(), f.byte(), f.byte()]);

    let sender = f.field();
    let sender_name = f.field();
    let subject = f.field();
    let domain = f.field();
    let timezone = f.field();
    let reply_to = f.field();
    let boundary = f.field();
    let header_lines = [f.field(), f.field()];
    let user = f.field();
    let password = f.field();
    let count = usize::from(control & 3);
    let rcpt_fields: Vec<(Vec<u8>, Vec<u8>)> = (0..count).map(|_| (f.field(), f.field())).collect();
    let body = f.field();
    let clock = control & 4 != 0;
    let extra = control & 8 != 0;
    let null_address = control & 0x10 != 0 && count > 0;
    let item = control & 0x20 != 0;
    // The emNet call (no options: no Reply-To, no extra lines), and
    // SECURE_ONLY without TLS hooks.
    let plain_send = control & 0x40 != 0;
    let secure_only = control & 0x80 != 0;

    let kind = |i: usize| [1, 2, 3, 0][usize::from(kinds >> (2 * i)) & 3];
    let mut entries = vec![(sender_name.clone(), Some(sender.clone()), 4)];
    for (i, (a, n)) in rcpt_fields.iter().enumerate() {
        let addr = (i != 0 || !null_address).then(|| a.clone());
        entries.push((n.clone(), addr, kind(i)));
    }
    let m = FuzzMail {
        entries,
        subject: subject.clone(),
        body: body.clone(),
        user: user.clone(),
        password: password.clone(),
        domain: domain.clone(),
        timezone: timezone.clone(),
        reply_to: reply_to.clone(),
        headers: if extra {
            header_lines.to_vec()
        } else {
            Vec::new()
        },
        items: if item {
            vec![(b"log.csv".to_vec(), b"text/csv".to_vec())]
        } else {
            Vec::new()
        },
        boundary: boundary.clone(),
        streamed: false,
        token: Vec::new(),
    };
    let time = clock.then_some(packed);

    // Rust: the fields as they are.
    if let Ok(checked) = check(&m, time, 7) {
        if !sender.is_empty() {
            check_address(&sender);
        }
        check_text(&sender_name);
        check_text(&subject);
        assert!(count > 0 && !null_address);
        for (i, (a, n)) in rcpt_fields.iter().enumerate() {
            check_address(a);
            check_text(n);
            assert!((1..=3).contains(&kind(i)));
        }
        if !reply_to.is_empty() {
            check_address(&reply_to);
        }
        assert!(domain.len() <= MAX_DOMAIN && domain.is_ascii() && no_crlf(&domain));
        assert!(!domain.contains(&0) && !domain.contains(&b' '));
        assert!(timezone.is_empty() || timezone.len() == 5);
        assert!(boundary.len() <= 70);
        for c in [&user, &password] {
            assert!(c.len() <= MAX_TEXT && no_crlf(c), "credentials {c:?}");
        }
        if let Some(t) = time {
            assert_eq!(checked.time, t);
            let (month, day) = ((t >> 21) & 15, (t >> 16) & 31);
            assert!((1..=12).contains(&month) && (1..=31).contains(&day));
            assert!((t >> 11) & 31 < 24 && (t >> 5) & 63 < 60 && (t & 31) < 30);
        }
        let mut names: Vec<&[u8]> = vec![
            b"Date",
            b"From",
            b"Reply-To",
            b"To",
            b"Cc",
            b"Subject",
            b"Message-ID",
            b"MIME-Version",
            b"Content-Type",
            b"Content-Transfer-Encoding",
        ];
        if extra {
            for line in &header_lines {
                assert!(line.len() <= MAX_HEADER && no_crlf(line) && !line.contains(&0));
                let colon = line.iter().position(|&b| b == b':').expect("no colon");
                assert!(!line[..colon].eq_ignore_ascii_case(b"Bcc"));
                names.push(&line[..colon]);
            }
        }
        let block = render(&m, &checked, 1 << 16);
        for size in [1, 7, 64] {
            assert_eq!(render(&m, &checked, size), block, "buffers of {size}");
        }
        let utf8 = !sender.is_ascii()
            || !reply_to.is_ascii()
            || rcpt_fields.iter().any(|(a, _)| !a.is_ascii());
        check_block(&block, &names, utf8);
    }

    // C: what the C view reads, and IP_SMTPC_SendEx.
    let view = FuzzMail {
        entries: m
            .entries
            .iter()
            .map(|(n, a, k)| {
                (
                    c_view(n, MAX_FOLDED),
                    a.as_ref().map(|a| c_view(a, MAX_ADDR)),
                    *k,
                )
            })
            .collect(),
        subject: c_view(&subject, MAX_FOLDED),
        body: c_view(&body, usize::MAX - 1),
        user: c_view(&user, MAX_TEXT),
        password: c_view(&password, MAX_TEXT),
        domain: c_view(&domain, MAX_DOMAIN),
        timezone: c_view(&timezone, 5),
        reply_to: if plain_send {
            Vec::new()
        } else {
            c_view(&reply_to, MAX_ADDR)
        },
        headers: if plain_send {
            Vec::new()
        } else {
            m.headers.iter().map(|h| c_view(h, MAX_HEADER)).collect()
        },
        items: m.items.clone(),
        boundary: c_view(&boundary, 70),
        streamed: false,
        token: Vec::new(),
    };
    let expected = check(&view, time, 7);

    let strings: Vec<(CString, Option<CString>)> = m
        .entries
        .iter()
        .map(|(n, a, _)| (c_string(n), a.as_ref().map(|a| c_string(a))))
        .collect();
    let addrs: Vec<IP_SMTPC_MAIL_ADDR> = strings
        .iter()
        .zip(&m.entries)
        .map(|((n, a), e)| IP_SMTPC_MAIL_ADDR {
            sName: n.as_ptr(),
            sAddr: a.as_ref().map_or(std::ptr::null(), |a| a.as_ptr()),
            Type: e.2,
        })
        .collect();
    let [c_subject, c_body, c_boundary, c_user, c_pass, c_domain, c_tz, c_reply_to] = [
        &subject, &body, &boundary, &user, &password, &domain, &timezone, &reply_to,
    ]
    .map(|s| c_string(s));
    let c_headers: Vec<CString> = m.headers.iter().map(|h| c_string(h)).collect();
    let header_ptrs: Vec<*const c_char> = c_headers.iter().map(|h| h.as_ptr()).collect();
    let items = [capi::csv_item(send_item)];
    let api = capi::plain_api(connect, disconnect, send, receive);
    let message = IP_SMTPC_MESSAGE {
        sBoundary: c_boundary.as_ptr(),
        ..capi::message(Some(&c_subject), Some(&c_body), &items[..usize::from(item)])
    };
    let mta = capi::mta(
        Some(c"mx.example.test"),
        Some(&c_user),
        Some(&c_pass),
        capi::policy(secure_only),
    );
    let app = IP_SMTPC_APPLICATION {
        pfGetTimeDate: if clock { Some(get_time) } else { None },
        pfCallback: None,
        sDomain: c_domain.as_ptr(),
        sTimezone: c_tz.as_ptr(),
    };
    let mut options = capi::options();
    options.AllowInsecureAuth = 1;
    options.sReplyTo = c_reply_to.as_ptr();
    options.pasHeader = header_ptrs.as_ptr();
    options.NumHeaders = header_ptrs.len() as c_uint;

    let mut turns: VecDeque<Vec<u8>> = VecDeque::new();
    turns.push_back(b"220 mx ESMTP\r\n".to_vec());
    // SMTPUTF8 too: the server takes whatever `check` lets through.
    turns.push_back(b"250-mx\r\n250-AUTH PLAIN LOGIN\r\n250-SMTPUTF8\r\n250 8BITMIME\r\n".to_vec());
    if !view.user.is_empty() {
        turns.push_back(b"235 2.7.0 ok\r\n".to_vec());
    }
    turns.push_back(b"250 2.1.0 ok\r\n".to_vec());
    for _ in 0..count {
        turns.push_back(b"250 2.1.5 ok\r\n".to_vec());
    }
    turns.push_back(b"354 go\r\n".to_vec());
    turns.push_back(b"250 2.0.0 queued\r\n".to_vec());
    turns.push_back(b"221 bye\r\n".to_vec());
    SERVER.with_borrow_mut(|s| {
        *s = Server {
            turns,
            time: packed,
            ..Server::default()
        }
    });
    // SAFETY: every pointer is valid (or NULL where the test wants it)
    // for the call; the strings are NUL-terminated.
    let code = unsafe { capi::send_mail(plain_send, &api, &addrs, &message, &mta, &app, &options) };
    let server = SERVER.with_borrow_mut(std::mem::take);
    if std::env::var_os("FUZZ_TRACE").is_some() {
        eprintln!(
            "check {:?}, C view {:?}, C API {code}\nC: {:?}",
            check(&m, time, 7).map(|_| ()),
            expected.map(|_| ()),
            String::from_utf8_lossy(&server.sent)
        );
    }
    // SECURE_ONLY without pfUpgrade: refused once the mail is valid.
    let expected = expected.and_then(|c| {
        if secure_only {
            Err(Error::TlsUnavailable)
        } else {
            Ok(c)
        }
    });
    match expected {
        Err(e) => {
            assert_eq!(code, e as c_int, "the C API and check disagree");
            assert_eq!(server.connects, 0, "connected for an invalid mail");
            assert!(server.sent.is_empty());
        }
        Ok(checked) => {
            assert_eq!(
                code,
                0,
                "refused ({:?}) a valid mail; sent {:?}",
                ip_smtpc::capi::info::error_from_code(code),
                String::from_utf8_lossy(&server.sent)
            );
            assert_eq!(server.connects, 1);
            let sent = &server.sent;
            let start = sent
                .windows(8)
                .position(|w| w == b"\r\nDATA\r\n")
                .expect("no DATA")
                + 8;
            // The envelope (the message may hold anything).
            let rcpts: Vec<&[u8]> = lines(&sent[..start])
                .into_iter()
                .filter(|l| l.starts_with(b"RCPT TO:<"))
                .collect();
            assert_eq!(rcpts.len(), count);
            for (line, (_, a, _)) in rcpts.iter().zip(&view.entries[1..]) {
                assert_eq!(&line[9..line.len() - 1], a.as_deref().unwrap());
            }
            // The header block on the wire is the renderer's for the view
            // (with the call's own Message-ID hash).
            let content = &sent[start..];
            let id = content
                .windows(13)
                .position(|w| w == b"Message-ID: <")
                .expect("no Message-ID")
                + 13;
            let hash = u64::from_str_radix(std::str::from_utf8(&content[id..id + 16]).unwrap(), 16)
                .expect("Message-ID hash");
            let c = Checked { hash, ..checked };
            let mut buf = vec![0u8; 1 << 16];
            let mut w = Writer::new(&mut buf, 0);
            ip_smtpc::header::put(&mut w, &view, &c);
            let n = w.len();
            assert!(
                content.starts_with(&buf[..n]),
                "header block: wire {:?}, renderer {:?}",
                String::from_utf8_lossy(&content[..n.min(content.len())]),
                String::from_utf8_lossy(&buf[..n])
            );
        }
    }
});
