// SPDX-License-Identifier: MIT OR Apache-2.0
//! The blocking adapter for emNet's push-style `pfSendItem` (`mime`; with
//! `raw`, also the streamed complete message of `pBody`):
//! `pfSendItem(pContext, pItem, pAPI)` calls `pAPI->pfSend(pContext,
//! pData, NumBytes)` any number of times; each call hands the bytes to
//! [`Engine::push`] and, whenever the out buffer takes no more, sends it
//! through the transport's `pfSend` (under the reply deadline), so an item
//! of any size streams through the one out buffer.

use core::ffi::{c_char, c_int, c_uint};
use core::marker::PhantomData;

use super::send::{Call, Deadlines, TxFn};
use super::types::*;
use crate::engine::Engine;
use crate::error::Error;
use crate::mail::Mail;

/// What `pContext` points to during one `pfSendItem` call. `M`: the
/// mail's type, for [`Engine::push`]'s instance.
pub(super) struct Stream<'s, 'b, D: Deadlines, M: Mail> {
    /// The mail's type only (`IP_SMTPC_Send`'s has no complete messages).
    pub mail: PhantomData<M>,
    pub engine: &'s mut Engine<'b>,
    /// `pfSend` (NULL: the send fails).
    pub tx: Option<TxFn>,
    pub sock: SMTPC_SOCKET,
    pub clock: &'s mut D,
    /// The item callback misused the API (NULL data) or the transport failed.
    pub failed: bool,
}

impl<D: Deadlines, M: Mail> Stream<'_, '_, D, M> {
    /// Streams `item` through its `pfSendItem`; `true` when it returned
    /// >= 0 and every byte was taken.
    ///
    /// # Safety
    /// `item` is valid during the call.
    pub unsafe fn run(&mut self, item: &IP_SMTPC_MULTIPART_ITEM) -> bool {
        let Some(send_item) = item.pfSendItem else {
            return false;
        };
        let api = IP_SMTPC_MULTIPART_API {
            pfSend: Some(item_send::<D, M>),
        };
        let context = (self as *mut Self).cast::<IP_SMTPC_CONTEXT>();
        // SAFETY: item and api outlive the call; pContext points to `self`,
        // which only `item_send` dereferences, during this call.
        let r = unsafe { send_item(context, item, &api) };
        r >= 0 && !self.failed
    }

    /// Sends what the engine has rendered; `false` when the transport failed.
    #[inline(always)]
    fn flush(&mut self) -> bool {
        loop {
            let step = self.engine.step();
            let bytes = self.engine.pending();
            if bytes.is_empty() {
                return true;
            }
            if let Err(e) = self.clock.before(Call::Own, step) {
                self.engine.failed(e);
                return false;
            }
            let len = bytes.len();
            let n = match self.tx {
                // SAFETY: `bytes` is readable for `len` bytes; a C hook.
                Some(tx) => unsafe { tx(bytes.as_ptr().cast::<c_char>(), len as c_int, self.sock) },
                None => -1,
            };
            if let Err(e) = self.clock.after() {
                self.engine.failed(e);
                return false;
            }
            match n {
                0 => self.engine.sent(len),
                1.. => self.engine.sent(n as usize),
                _ => {
                    self.engine.failed(Error::Send);
                    return false;
                }
            }
        }
    }
}

/// `IP_SMTPC_MULTIPART_API.pfSend`: item content from the application.
unsafe extern "C" fn item_send<D: Deadlines, M: Mail>(
    pContext: *mut IP_SMTPC_CONTEXT,
    pData: *const c_char,
    NumBytes: c_uint,
) {
    // SAFETY: pContext is the Stream that `Stream::run` passed to
    // pfSendItem, alive for the whole pfSendItem call (the API's contract).
    let Some(s) = (unsafe { pContext.cast::<Stream<'_, '_, D, M>>().as_mut() }) else {
        return;
    };
    if NumBytes == 0 || s.failed {
        return;
    }
    if pData.is_null() {
        s.failed = true;
        return;
    }
    // SAFETY: the item callback passes NumBytes readable bytes at pData.
    let mut data = unsafe { core::slice::from_raw_parts(pData.cast::<u8>(), NumBytes as usize) };
    loop {
        let n = s.engine.push::<M>(data);
        data = match data.get(n..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => return,
        };
        // Nothing taken with nothing to send: an out buffer too small for a byte.
        if (n == 0 && s.engine.pending().is_empty()) || !s.flush() {
            s.failed = true;
            return;
        }
    }
}
