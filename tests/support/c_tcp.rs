// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C API's socket hooks over a std `TcpStream`, for tests that call
//! `IP_SMTPC_Send` / `IP_SMTPC_SendEx` against a real server on loopback.
//! The hooks ignore the server name: they connect to this thread's port
//! ([`set_port`]) and record on this thread what they sent ([`take_sent`])
//! and how often they connected and disconnected ([`take_connections`]).
//!
//! Like a port, they bound each receive with a socket timeout
//! ([`set_read_timeout`], 10 s unless set; a timeout is
//! `IP_SMTPC_ERR_TIMEOUT`), and [`set_timeout`] is a `pfSetTimeout` that
//! turns the library's "milliseconds left" into that timeout. [`set_chunks`]
//! makes pfSend short-count and pfReceive hand over few bytes per call.
//! [`now_ms`] is a `pfGetTimeMs`. [`set_socket_buffers`] makes the next
//! connections' kernel buffers small (SO_SNDBUF / SO_RCVBUF).
#![allow(dead_code)]

use std::cell::Cell;
use std::cell::RefCell;
use std::ffi::{c_char, c_int};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ip_smtpc::capi::{IP_SMTPC_API, SMTPC_SOCKET};

/// The C structs' helpers (tests that include this file use them from here).
#[path = "cstructs.rs"]
pub mod cstructs;
#[path = "tcp_hooks.rs"]
mod tcp_hooks;

thread_local! {
    static PORT: Cell<u16> = const { Cell::new(0) };
    static SENT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static CONNECTIONS: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
    static READ_TIMEOUT_MS: Cell<u64> = const { Cell::new(10_000) };
    static CHUNKS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    static SET_TIMEOUTS: Cell<u32> = const { Cell::new(0) };
    static SOCKET_BUFFERS: Cell<usize> = const { Cell::new(0) };
}

/// SO_SNDBUF and SO_RCVBUF of this thread's next connections, in bytes,
/// set before they connect (the kernel doubles the value and has a floor);
/// 0: the kernel's default.
pub fn set_socket_buffers(bytes: usize) {
    SOCKET_BUFFERS.with(|b| b.set(bytes));
}

/// Connects to 127.0.0.1:`port` with SO_SNDBUF and SO_RCVBUF of `bytes`,
/// set before the handshake (so the window offered is small from the start).
#[cfg(target_os = "linux")]
fn connect_with_buffers(port: u16, bytes: usize) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    extern "C" {
        fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
        fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_int, len: u32)
            -> c_int;
        fn connect(fd: c_int, address: *const SockaddrIn, len: u32) -> c_int;
        fn close(fd: c_int) -> c_int;
    }
    /// `struct sockaddr_in` of Linux.
    #[repr(C)]
    struct SockaddrIn {
        family: u16,
        port: [u8; 2],
        address: [u8; 4],
        zero: [u8; 8],
    }
    const AF_INET: c_int = 2;
    const SOCK_STREAM: c_int = 1;
    const SOL_SOCKET: c_int = 1;
    const SO_SNDBUF: c_int = 7;
    const SO_RCVBUF: c_int = 8;
    let value = c_int::try_from(bytes).unwrap_or(c_int::MAX);
    let address = SockaddrIn {
        family: AF_INET as u16,
        port: port.to_be_bytes(),
        address: [127, 0, 0, 1],
        zero: [0; 8],
    };
    // SAFETY: plain socket calls on a descriptor made here; the pointers
    // point to live values of the given lengths.
    unsafe {
        let fd = socket(AF_INET, SOCK_STREAM, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        for name in [SO_SNDBUF, SO_RCVBUF] {
            assert_eq!(setsockopt(fd, SOL_SOCKET, name, &value, 4), 0, "setsockopt");
        }
        if connect(fd, &address, std::mem::size_of::<SockaddrIn>() as u32) != 0 {
            let e = std::io::Error::last_os_error();
            close(fd);
            return Err(e);
        }
        Ok(TcpStream::from_raw_fd(fd))
    }
}

#[cfg(not(target_os = "linux"))]
fn connect_with_buffers(_port: u16, _bytes: usize) -> std::io::Result<TcpStream> {
    panic!("set_socket_buffers is implemented for Linux only");
}

/// Where this thread's hooks connect (127.0.0.1).
pub fn set_port(port: u16) {
    PORT.with(|p| p.set(port));
}

/// How long one pfReceive on this thread's next connections may block
/// (the port's socket timeout) before it returns `IP_SMTPC_ERR_TIMEOUT`.
pub fn set_read_timeout(ms: u64) {
    READ_TIMEOUT_MS.with(|t| t.set(ms.max(1)));
}

/// At most `send` bytes per pfSend (a short count: the library sends the
/// rest) and `receive` bytes per pfReceive on this thread; 0 = no limit.
pub fn set_chunks(send: usize, receive: usize) {
    CHUNKS.with(|c| c.set((send, receive)));
}

/// Every byte this thread's pfSend sent since the last call.
pub fn take_sent() -> Vec<u8> {
    SENT.with(|s| s.take())
}

/// (pfConnect calls, pfDisconnect calls) on this thread since the last call.
pub fn take_connections() -> (u32, u32) {
    CONNECTIONS.with(|c| c.replace((0, 0)))
}

/// pfSetTimeout calls on this thread since the last call.
pub fn take_set_timeouts() -> u32 {
    SET_TIMEOUTS.with(|c| c.replace(0))
}

/// The hooks without TLS.
pub const API: IP_SMTPC_API = cstructs::plain_api(c_connect, c_disconnect, c_send, c_receive);

/// A `pfGetTimeMs`: milliseconds since the first call in this process.
pub unsafe extern "C" fn now_ms() -> u32 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u32
}

/// A `pfSetTimeout`: the next hook calls on `socket` block at most
/// `remaining_ms` (receive and send).
pub unsafe extern "C" fn set_timeout(socket: SMTPC_SOCKET, remaining_ms: u32) {
    SET_TIMEOUTS.with(|c| c.set(c.get() + 1));
    // SAFETY: the library passes a handle from c_connect.
    let stream = unsafe { &*socket.cast::<TcpStream>() };
    let limit = Some(Duration::from_millis(u64::from(remaining_ms.max(1))));
    stream.set_read_timeout(limit).unwrap();
    stream.set_write_timeout(limit).unwrap();
}

unsafe extern "C" fn c_connect(_server: *const c_char) -> SMTPC_SOCKET {
    CONNECTIONS.with(|c| c.set((c.get().0 + 1, c.get().1)));
    let port = PORT.with(Cell::get);
    let stream = match SOCKET_BUFFERS.with(Cell::get) {
        0 => TcpStream::connect(("127.0.0.1", port)),
        bytes => connect_with_buffers(port, bytes),
    };
    match stream {
        Ok(stream) => {
            let read = Duration::from_millis(READ_TIMEOUT_MS.with(Cell::get));
            stream.set_read_timeout(Some(read)).unwrap();
            stream
                .set_write_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            // The library hands the message over in buffer-sized pieces;
            // with Nagle on, the last small one waits for a delayed ACK.
            stream.set_nodelay(true).unwrap();
            tcp_hooks::handle(stream)
        }
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn c_disconnect(socket: SMTPC_SOCKET) {
    CONNECTIONS.with(|c| c.set((c.get().0, c.get().1 + 1)));
    // SAFETY: the handle made by c_connect, closed once.
    unsafe { tcp_hooks::close(socket) };
}

unsafe extern "C" fn c_send(data: *const c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` readable bytes.
    let (stream, bytes) = unsafe { tcp_hooks::send_args(data, len, socket) };
    let bytes = match CHUNKS.with(Cell::get).0 {
        0 => bytes,
        n => &bytes[..bytes.len().min(n)],
    };
    match stream.write_all(bytes) {
        Ok(()) => {
            SENT.with(|s| s.borrow_mut().extend_from_slice(bytes));
            bytes.len() as c_int
        }
        Err(_) => -1,
    }
}

unsafe extern "C" fn c_receive(data: *mut c_char, len: c_int, socket: SMTPC_SOCKET) -> c_int {
    // SAFETY: the library passes a handle from c_connect and `len` writable bytes.
    let (stream, buf) = unsafe { tcp_hooks::receive_args(data, len, socket) };
    let room = match CHUNKS.with(Cell::get).1 {
        0 => buf.len(),
        n => buf.len().min(n),
    };
    tcp_hooks::receive_result(stream.read(&mut buf[..room]))
}
