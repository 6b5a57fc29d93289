// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C ABI's TLS plumbing (`tls` feature), against a scripted server on
//! loopback: with pfUpgrade/pfDowngrade given, ALLOW_INSECURE takes STARTTLS
//! when offered, pfUpgrade gets the handle and sServer, EHLO is sent again,
//! pfDowngrade runs once before pfDisconnect; SECURE_ONLY against a server
//! without STARTTLS sends nothing but QUIT. (The "TLS" here is the identity:
//! the hooks count calls; real TLS ports are tested elsewhere.)
#![cfg(feature = "tls")]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use ip_smtpc::capi::*;
use ip_smtpc::Error;

#[path = "support/cstructs.rs"]
mod cstructs;

use cstructs::{addr, c};

thread_local! {
    static PORT: RefCell<u16> = const { RefCell::new(0) };
    static CALLS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn log(s: String) {
    CALLS.with(|c| c.borrow_mut().push(s));
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    let s = TcpStream::connect(("127.0.0.1", PORT.with(|p| *p.borrow()))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    log("connect".into());
    Box::into_raw(Box::new(s)).cast()
}
unsafe extern "C" fn disconnect(sock: SMTPC_SOCKET) {
    log("disconnect".into());
    // SAFETY: the Box made by `connect`.
    drop(unsafe { Box::from_raw(sock.cast::<TcpStream>()) });
}
unsafe extern "C" fn send(p: *const c_char, n: c_int, sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: a handle from `connect`; `n` readable bytes.
    let (s, b) = unsafe {
        (
            &mut *sock.cast::<TcpStream>(),
            std::slice::from_raw_parts(p.cast::<u8>(), n as usize),
        )
    };
    s.write_all(b).map_or(-1, |_| n)
}
unsafe extern "C" fn receive(p: *mut c_char, n: c_int, sock: SMTPC_SOCKET) -> c_int {
    // SAFETY: a handle from `connect`; `n` writable bytes.
    let (s, b) = unsafe {
        (
            &mut *sock.cast::<TcpStream>(),
            std::slice::from_raw_parts_mut(p.cast::<u8>(), n as usize),
        )
    };
    match s.read(b) {
        Ok(k) if k > 0 => k as c_int,
        _ => -1,
    }
}
unsafe extern "C" fn upgrade(_: SMTPC_SOCKET, server: *const c_char) -> c_int {
    // SAFETY: the library passes the NUL-terminated sServer.
    log(format!(
        "upgrade {}",
        unsafe { CStr::from_ptr(server) }.to_str().unwrap()
    ));
    0
}
unsafe extern "C" fn downgrade(_: SMTPC_SOCKET) {
    log("downgrade".into());
}

/// A one-connection server answering each command line from `script`
/// (command prefix → reply); returns the command lines it received.
fn server(
    script: &'static [(&'static str, &'static str)],
) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        s.write_all(b"220 mx ESMTP\r\n").unwrap();
        let mut seen = Vec::new();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return seen;
            }
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    s.write_all(b"250 queued\r\n").unwrap();
                }
                continue;
            }
            seen.push(line.trim_end().to_string());
            let reply = script
                .iter()
                .find(|(cmd, _)| line.starts_with(cmd))
                .map_or("500 what\r\n", |(_, r)| r);
            s.write_all(reply.as_bytes()).unwrap();
            in_data = line.starts_with("DATA");
            if line.starts_with("QUIT") {
                return seen;
            }
        }
    });
    (port, h)
}

fn send_mail(policy: u8) -> c_int {
    let (from, to, srv, user, pass) = (
        c("a@b.test"),
        c("c@d.test"),
        c("mx.example.test"),
        c("u"),
        c("p"),
    );
    let addrs = [addr(None, &from, 4), addr(None, &to, 1)];
    let body = c("hello\n");
    let msg = cstructs::message(None, Some(&body), &[]);
    let mta = cstructs::mta(Some(&srv), Some(&user), Some(&pass), policy);
    let api = IP_SMTPC_API {
        pfUpgrade: Some(upgrade),
        pfDowngrade: Some(downgrade),
        ..cstructs::plain_api(connect, disconnect, send, receive)
    };
    // SAFETY: every pointer is valid for the call.
    unsafe { IP_SMTPC_Send(&api, addrs.as_ptr(), 2, &msg, &mta, std::ptr::null()) }
}

#[test]
fn starttls_when_offered_with_hooks() {
    static SCRIPT: [(&str, &str); 7] = [
        ("EHLO", "250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"),
        ("STARTTLS", "220 2.0.0 ready\r\n"),
        ("AUTH PLAIN", "235 ok\r\n"),
        ("MAIL", "250 ok\r\n"),
        ("RCPT", "250 ok\r\n"),
        ("DATA", "354 go\r\n"),
        ("QUIT", "221 bye\r\n"),
    ];
    let (port, h) = server(&SCRIPT);
    PORT.with(|p| *p.borrow_mut() = port);
    assert_eq!(send_mail(SMTPC_SEC_POLICY_SECURE_ONLY), 0);
    let seen = h.join().unwrap();
    assert_eq!(&seen[..3], ["EHLO b.test", "STARTTLS", "EHLO b.test"]);
    assert!(seen[3].starts_with("AUTH PLAIN "));
    assert_eq!(
        CALLS.with(|c| c.take()),
        [
            "connect",
            "upgrade mx.example.test",
            "downgrade",
            "disconnect"
        ]
    );
}

#[test]
fn secure_only_without_starttls_sends_nothing_in_clear() {
    static SCRIPT: [(&str, &str); 2] = [
        ("EHLO", "250-mx\r\n250 AUTH PLAIN\r\n"),
        ("QUIT", "221 bye\r\n"),
    ];
    let (port, h) = server(&SCRIPT);
    PORT.with(|p| *p.borrow_mut() = port);
    assert_eq!(
        send_mail(SMTPC_SEC_POLICY_SECURE_ONLY),
        Error::TlsUnavailable as c_int
    );
    assert_eq!(h.join().unwrap(), ["EHLO b.test", "QUIT"]);
    assert_eq!(CALLS.with(|c| c.take()), ["connect", "disconnect"]);
    // ALLOW_INSECURE goes on in clear with the same server.
    static SCRIPT2: [(&str, &str); 6] = [
        ("EHLO", "250-mx\r\n250 AUTH PLAIN\r\n"),
        ("AUTH PLAIN", "235 ok\r\n"),
        ("MAIL", "250 ok\r\n"),
        ("RCPT", "250 ok\r\n"),
        ("DATA", "354 go\r\n"),
        ("QUIT", "221 bye\r\n"),
    ];
    let (port, h) = server(&SCRIPT2);
    PORT.with(|p| *p.borrow_mut() = port);
    assert_eq!(send_mail(SMTPC_SEC_POLICY_ALLOW_INSECURE), 0);
    assert_eq!(h.join().unwrap().len(), 6);
    assert_eq!(CALLS.with(|c| c.take()), ["connect", "disconnect"]);
}
