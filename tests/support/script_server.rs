// SPDX-License-Identifier: MIT OR Apache-2.0
//! An in-memory scripted SMTP server for tests that drive the C API's
//! socket hooks without a socket: one reply from the script per client
//! command line, the greeting when the client connects, and after a DATA
//! that the script answers with 354 the whole message up to the lone "."
//! counts as one command. The hooks of a test hold a [`Script`] in their
//! thread-local state and call [`Script::release`] (connect),
//! [`Script::client_sent`] (pfSend) and [`Script::give`] (pfReceive).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::ffi::c_char;

/// The server's replies and what the client sent.
#[derive(Default)]
pub struct Script {
    /// Replies still to come, one per client command (the greeting first).
    pub replies: VecDeque<&'static str>,
    /// Bytes released and not yet read by the client.
    pub pending: VecDeque<u8>,
    /// Every byte the client sent.
    pub wire: Vec<u8>,
    /// Inside a message after DATA (its lines are not commands).
    in_data: bool,
    /// The client's line so far.
    line: Vec<u8>,
}

impl Script {
    /// A server that will answer with `replies`, the greeting first.
    pub fn new(replies: &[&'static str]) -> Script {
        Script {
            replies: replies.iter().copied().collect(),
            ..Script::default()
        }
    }

    /// Makes the next reply readable (the greeting, at connect).
    pub fn release(&mut self) {
        if let Some(r) = self.replies.pop_front() {
            self.pending.extend(r.as_bytes());
        }
    }

    /// Records `bytes` from the client and releases a reply for each
    /// command line they end (for a message: at its final ".").
    pub fn client_sent(&mut self, bytes: &[u8]) {
        for &c in bytes {
            self.wire.push(c);
            self.line.push(c);
            if !self.line.ends_with(b"\r\n") {
                continue;
            }
            let line = std::mem::take(&mut self.line);
            if self.in_data {
                if line == b".\r\n" {
                    self.in_data = false;
                    self.release();
                }
            } else {
                self.in_data = line == b"DATA\r\n"
                    && self.replies.front().is_some_and(|r| r.starts_with("354"));
                self.release();
            }
        }
    }

    /// Copies up to `max` released bytes to `p`; how many (0: none pending).
    ///
    /// # Safety
    /// `p` must be writable for `max` bytes.
    pub unsafe fn give(&mut self, p: *mut c_char, max: usize) -> usize {
        let k = max.min(self.pending.len());
        for i in 0..k {
            // SAFETY: the caller's `max` writable bytes; i < k <= max.
            unsafe { *p.add(i) = self.pending.pop_front().unwrap() as c_char };
        }
        k
    }

    /// What the client sent, each byte as the char of the same value.
    pub fn text(&self) -> String {
        self.wire.iter().map(|&b| b as char).collect()
    }
}
