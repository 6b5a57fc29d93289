// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API's socket hooks over a std `TcpStream`, for tests that call
//! `IP_SMTPC_Send` / `IP_SMTPC_SendEx` against a real server on loopback.
//! The hooks ignore the server name: they connect to this thread's port
//! ([`set_port`]) and record on this thread what they sent ([`take_sent`])
//! and how often they connected and disconnected ([`take_connections`]).

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ip_smtpc::capi::{IP_SMTPC_API, SMTPC_SOCKET};
use ip_smtpc::Error;

thread_local! {
    static PORT: Cell<u16> = const { Cell::new(0) };
    static SENT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static CONNECTIONS: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

/// Where this thread's hooks connect (127.0.0.1).
pub fn set_port(port: u16) {
    PORT.with(|p| p.set(port));
}

/// Every byte this thread's pfSend sent since the last call.
pub fn take_sent() -> Vec<u8> {
    SENT.with(|s| s.take())
}

/// (pfConnect calls, pfDisconnect calls) on this thread since the last call.
pub fn take_connections() -> (u32, u32) {
    CONNECTIONS.with(|c| c.replace((0, 0)))
}

/// The hooks without TLS.
pub const API: IP_SMTPC_API = IP_SMTPC_API {
    pfConnect: Some(c_connect),
    pfDisconnect: Some(c_disconnect),
    pfSend: Some(c_send),
    pfReceive: Some(c_receive),
    pfUpgrade: None,
    pfDowngrade: None,
};

unsafe extern "C" fn c_connect(_server: *const c_char) -> SMTPC_SOCKET {
    CONNECTIONS.with(|c| c.set((c.get().0 + 1, c.get().1)));
    match TcpStream::connect(("127.0.0.1", PORT.with(Cell::get))) {
        Ok(stream) => {
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
                .set_write_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            Box::into_raw(Box::new(stream)).cast()
        }
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn c_disconnect(socket: SMTPC_SOCKET) {
    CONNECTIONS.with(|c| c.set((c.get().0, c.get().1 + 1)));
    // SAFETY: the handle is the Box made by c_connect, closed once.
    drop(unsafe { Box::from_raw(socket.cast::<TcpStream>()) });
}

unsafe extern "C" fn c_send(data: *const c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` readable bytes.
    let (stream, bytes) = unsafe {
        (
            &mut *socket.cast::<TcpStream>(),
            std::slice::from_raw_parts(data.cast::<u8>(), len as usize),
        )
    };
    SENT.with(|s| s.borrow_mut().extend_from_slice(bytes));
    match stream.write_all(bytes) {
        Ok(()) => len,
        Err(_) => -1,
    }
}

unsafe extern "C" fn c_receive(data: *mut c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` writable bytes.
    let (stream, buf) = unsafe {
        (
            &mut *socket.cast::<TcpStream>(),
            std::slice::from_raw_parts_mut(data.cast::<u8>(), len as usize),
        )
    };
    match stream.read(buf) {
        Ok(n) => n as c_int,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Error::Timeout.code()
        }
        Err(_) => -1,
    }
}
