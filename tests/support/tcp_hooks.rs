// SPDX-License-Identifier: MIT OR Apache-2.0
//! The plumbing every set of socket hooks over a std `TcpStream` shares: a
//! socket handle is a boxed `TcpStream` (made by [`handle`], closed by
//! [`close`]); pfSend's and pfReceive's arguments as the stream and a
//! slice ([`send_args`], [`receive_args`]); a read's outcome as pfReceive
//! returns it ([`receive_result`]).
#![allow(dead_code)]

use std::ffi::{c_char, c_int};
use std::net::TcpStream;

use ip_smtpc::capi::{IP_SMTPC_ERR_TIMEOUT, SMTPC_SOCKET};

/// `stream` as a socket handle for the library (a leaked Box).
pub fn handle(stream: TcpStream) -> SMTPC_SOCKET {
    Box::into_raw(Box::new(stream)).cast()
}

/// Closes a handle made by [`handle`].
///
/// # Safety
/// `socket` comes from [`handle`] and is not used again.
pub unsafe fn close(socket: SMTPC_SOCKET) {
    // SAFETY: the caller's: the Box made by `handle`, closed once.
    drop(unsafe { Box::from_raw(socket.cast::<TcpStream>()) });
}

/// pfSend's arguments: the stream behind `socket` and the `len` bytes at `data`.
///
/// # Safety
/// `socket` comes from [`handle`]; `data` is readable for `len` bytes for `'a`.
pub unsafe fn send_args<'a>(
    data: *const c_char,
    len: c_int,
    socket: SMTPC_SOCKET,
) -> (&'a mut TcpStream, &'a [u8]) {
    // SAFETY: the caller's.
    unsafe {
        (
            &mut *socket.cast::<TcpStream>(),
            std::slice::from_raw_parts(data.cast::<u8>(), len as usize),
        )
    }
}

/// pfReceive's arguments: the stream behind `socket` and the `len`
/// writable bytes at `data`.
///
/// # Safety
/// `socket` comes from [`handle`]; `data` is writable for `len` bytes for `'a`.
pub unsafe fn receive_args<'a>(
    data: *mut c_char,
    len: c_int,
    socket: SMTPC_SOCKET,
) -> (&'a mut TcpStream, &'a mut [u8]) {
    // SAFETY: the caller's.
    unsafe {
        (
            &mut *socket.cast::<TcpStream>(),
            std::slice::from_raw_parts_mut(data.cast::<u8>(), len as usize),
        )
    }
}

/// A read's outcome as pfReceive returns it: the count (0 at the end of
/// the stream), `IP_SMTPC_ERR_TIMEOUT` when the socket's timeout ran out,
/// -1 for another error.
pub fn receive_result(read: std::io::Result<usize>) -> c_int {
    match read {
        Ok(n) => n as c_int,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            IP_SMTPC_ERR_TIMEOUT
        }
        Err(_) => -1,
    }
}
