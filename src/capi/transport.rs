// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C hooks seen as a [`Transport`] and an [`Observer`].

use core::ffi::{c_char, c_int, c_uint, c_void};

use super::codes::{step_code, IP_SMTPC_ERR_TIMEOUT};
use super::types::*;
use crate::client::{Note, Observer, Transport};
use crate::error::Error;
use crate::session::{Event, Step};

/// `IP_SMTPC_API` plus the open socket.
pub struct CTransport<'a> {
    pub send: unsafe extern "C" fn(*const c_char, c_int, SMTPC_SOCKET) -> c_int,
    pub receive: unsafe extern "C" fn(*mut c_char, c_int, SMTPC_SOCKET) -> c_int,
    pub upgrade: Option<unsafe extern "C" fn(SMTPC_SOCKET, *const c_char) -> c_int>,
    pub clock: Option<unsafe extern "C" fn() -> U32>,
    /// `pfSetTimeout`, or `None` (also when no `ReplyTimeoutMs` was set).
    pub set_timeout: Option<unsafe extern "C" fn(SMTPC_SOCKET, U32)>,
    pub socket: SMTPC_SOCKET,
    pub server: *const c_char,
    pub tls_up: bool,
    pub _api: core::marker::PhantomData<&'a IP_SMTPC_API>,
}

impl Transport for CTransport<'_> {
    fn send(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let len = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
            // SAFETY: `data` is valid for `len` bytes; the hook's contract is
            // emNet's pfSend (reads NumBytes bytes, returns a count or < 0).
            let r = unsafe { (self.send)(data.as_ptr().cast(), len, self.socket) };
            if r < 0 {
                return Err(Error::Send);
            }
            // 0 or a count >= len: all sent (emNet ports return 0 for success).
            let sent = usize::try_from(r).unwrap_or(0);
            if sent == 0 || sent >= data.len() {
                return Ok(());
            }
            data = data.get(sent..).unwrap_or_default();
        }
        Ok(())
    }

    fn receive(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
        // SAFETY: `buf` is writable for `len` bytes; pfReceive writes at most NumBytes.
        let r = unsafe { (self.receive)(buf.as_mut_ptr().cast(), len, self.socket) };
        match r {
            r if r > 0 => Ok(usize::try_from(r).unwrap_or(0).min(buf.len())),
            r if r == IP_SMTPC_ERR_TIMEOUT => Err(Error::Timeout),
            _ => Err(Error::Receive),
        }
    }

    fn upgrade(&mut self) -> Result<(), Error> {
        let Some(upgrade) = self.upgrade else {
            return Err(Error::TlsUnavailable);
        };
        // SAFETY: socket came from pfConnect; server is the caller's valid C string.
        match unsafe { upgrade(self.socket, self.server) } {
            r if r == Error::Timeout.code() => Err(Error::Timeout),
            r if r < 0 => Err(Error::TlsHandshake),
            _ => {
                self.tls_up = true;
                Ok(())
            }
        }
    }

    fn now_ms(&mut self) -> Option<u32> {
        // SAFETY: a plain C function without arguments.
        self.clock.map(|clock| unsafe { clock() })
    }

    fn set_timeout(&mut self, remaining_ms: u32) {
        if let Some(set_timeout) = self.set_timeout {
            // SAFETY: socket came from pfConnect; the hook takes it and a number.
            unsafe { set_timeout(self.socket, remaining_ms) };
        }
    }
}

/// Forwards notes to `pfCallback` and fills the report.
pub struct CObserver<'r> {
    pub callback: Option<unsafe extern "C" fn(c_int, *mut c_void) -> c_int>,
    pub results: &'r mut [IP_SMTPC_RCPT_RESULT],
    pub last_reply: Option<&'r mut [c_char; IP_SMTPC_REPLY_TEXT_SIZE]>,
}

impl CObserver<'_> {
    fn call(&mut self, stat: c_int, note: &Note<'_>, index: c_int) {
        let Some(callback) = self.callback else {
            return;
        };
        let mut status = IP_SMTPC_STATUS {
            Step: step_code(note.step),
            ReplyCode: note.code,
            RecipientIndex: index,
            sText: note.text.as_ptr().cast(),
            TextLen: c_uint::try_from(note.text.len()).unwrap_or(0),
        };
        // SAFETY: `status` lives across the call; the callback's contract
        // says `p` is a `const IP_SMTPC_STATUS*` valid during the call.
        unsafe { callback(stat, (&mut status as *mut IP_SMTPC_STATUS).cast()) };
    }

    fn record(&mut self, index: usize, note: &Note<'_>) {
        if let Some(slot) = self.results.get_mut(index) {
            let e = note.enhanced.unwrap_or_default();
            *slot = IP_SMTPC_RCPT_RESULT {
                ReplyCode: note.code,
                EnhancedClass: e.class,
                EnhancedSubject: e.subject,
                EnhancedDetail: e.detail,
            };
        }
    }
}

impl Observer for CObserver<'_> {
    fn note(&mut self, note: &Note<'_>) {
        match note.event {
            None => self.call(IP_SMTPC_STAT_STEP, note, -1),
            Some(Event::RecipientAccepted(i)) | Some(Event::RecipientRejected(i)) => {
                let index = i.saturating_add(1);
                self.record(index, note);
                let stat = match note.event {
                    Some(Event::RecipientAccepted(_)) => IP_SMTPC_STAT_RCPT_ACCEPTED,
                    _ => IP_SMTPC_STAT_RCPT_REJECTED,
                };
                self.call(stat, note, c_int::try_from(index).unwrap_or(c_int::MAX));
            }
        }
    }

    fn reply(&mut self, note: &Note<'_>) {
        if note.step == Step::Quit {
            return;
        }
        if note.step == Step::Mail {
            self.record(0, note);
        }
        let Some(last_reply) = self.last_reply.as_deref_mut() else {
            return;
        };
        let room = last_reply.len() - 1;
        let text = note.text.get(..room).unwrap_or(note.text);
        for (dst, &src) in last_reply
            .iter_mut()
            .zip(text.iter().chain(core::iter::once(&0)))
        {
            *dst = src as c_char;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

    // One test function uses these, so no other test races on them.
    static UPGRADE_RESULT: AtomicI32 = AtomicI32::new(0);
    static TOLD_MS: AtomicU32 = AtomicU32::new(0);

    unsafe extern "C" fn send(_: *const c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
        n
    }
    unsafe extern "C" fn receive(_: *mut c_char, _: c_int, _: SMTPC_SOCKET) -> c_int {
        -1
    }
    unsafe extern "C" fn upgrade(_: SMTPC_SOCKET, _: *const c_char) -> c_int {
        UPGRADE_RESULT.load(Ordering::SeqCst)
    }
    unsafe extern "C" fn set_timeout(socket: SMTPC_SOCKET, ms: U32) {
        assert_eq!(socket as usize, 0x1234);
        TOLD_MS.store(ms, Ordering::SeqCst);
    }

    fn transport(set: Option<unsafe extern "C" fn(SMTPC_SOCKET, U32)>) -> CTransport<'static> {
        CTransport {
            send,
            receive,
            upgrade: Some(upgrade),
            clock: None,
            set_timeout: set,
            socket: 0x1234 as SMTPC_SOCKET,
            server: c"mx.example.test".as_ptr(),
            tls_up: false,
            _api: core::marker::PhantomData,
        }
    }

    #[test]
    fn the_hooks_learn_the_time_left_and_report_a_handshake_timeout() {
        let mut t = transport(Some(set_timeout));
        t.set_timeout(2500);
        assert_eq!(TOLD_MS.load(Ordering::SeqCst), 2500);
        // Without pfSetTimeout nothing is called.
        transport(None).set_timeout(7);
        assert_eq!(TOLD_MS.load(Ordering::SeqCst), 2500);
        for (r, expected) in [
            (Error::Timeout.code(), Err(Error::Timeout)),
            (-1, Err(Error::TlsHandshake)),
            (0, Ok(())),
        ] {
            UPGRADE_RESULT.store(r, Ordering::SeqCst);
            let mut t = transport(None);
            assert_eq!(t.upgrade(), expected, "pfUpgrade {r}");
            assert_eq!(t.tls_up, expected.is_ok());
        }
    }
}
