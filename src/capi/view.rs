// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C arguments seen through [`Mail`], read in place.
//!
//! [`CMail`] keeps the C structures' pointers; strings are measured with a
//! bounded `strlen` where they are used (at most one byte past their limit,
//! so an unterminated or over-long string reads as "too long" and fails
//! validation). Only the body, read at every refill, is measured once.
//! Nothing is copied.

use core::ffi::c_char;

use super::types::*;
#[cfg(feature = "headers")]
use crate::check::MAX_HEADER;
use crate::check::{MAX_ADDR, MAX_DOMAIN, MAX_FOLDED, MAX_TEXT};
use crate::mail::{Entry, Mail};

/// Longest body accepted (a C string's length as an `int`).
pub(crate) const MAX_BODY: usize = i32::MAX as usize;

/// The bytes of a C string up to its NUL or `max + 1` bytes; empty for NULL.
///
/// # Safety
/// `p` is NULL or readable up to its NUL or `max + 1` bytes, and stays
/// valid and unchanged for `'a`.
pub(super) unsafe fn cstr<'a>(p: *const c_char, max: usize) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    let mut n = 0;
    // SAFETY: by this function's contract, every byte up to the NUL or
    // `max + 1` is readable; the loop stops at either.
    while n <= max && unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: the `n` bytes were just read; the contract keeps them valid.
    unsafe { core::slice::from_raw_parts(p.cast(), n) }
}

/// Where a [`CMail`] finds `IP_SMTPC_SendEx`'s options: a type, not a
/// value, so that the engine's code for `IP_SMTPC_Send`'s mail
/// ([`NoOptions`]) is its own instance, with every option a constant
/// "absent" and no trace of the code that serves them. A firmware that
/// calls `IP_SMTPC_Send` alone links that instance only.
pub trait OptionsRef<'a>: Copy {
    /// `false` for [`NoOptions`] ([`Mail::EXTENDED`]).
    const EX: bool;
    /// The options, if any.
    fn get(self) -> Option<&'a IP_SMTPC_OPTIONS>;
}

/// No options: `IP_SMTPC_Send`'s mail (and every mail of the seed set).
#[derive(Clone, Copy)]
pub struct NoOptions;

impl<'a> OptionsRef<'a> for NoOptions {
    const EX: bool = false;

    #[inline(always)]
    fn get(self) -> Option<&'a IP_SMTPC_OPTIONS> {
        None
    }
}

impl<'a> OptionsRef<'a> for Option<&'a IP_SMTPC_OPTIONS> {
    const EX: bool = true;

    #[inline(always)]
    fn get(self) -> Option<&'a IP_SMTPC_OPTIONS> {
        self
    }
}

/// The mail of `IP_SMTPC_SendEx`, the batch, the non-blocking API and MX
/// routing: options possibly given.
#[cfg(feature = "ex")]
pub type ExMail<'a> = CMail<'a, Option<&'a IP_SMTPC_OPTIONS>>;

/// The mail as the C caller gave it: the C structures themselves, and the
/// body's length, measured once (it is read again at every buffer refill).
/// `O`: where the options are ([`OptionsRef`]).
#[derive(Clone, Copy)]
pub struct CMail<'a, O> {
    addrs: &'a [IP_SMTPC_MAIL_ADDR],
    msg: &'a IP_SMTPC_MESSAGE,
    mta: &'a IP_SMTPC_MTA,
    app: Option<&'a IP_SMTPC_APPLICATION>,
    body: &'a [u8],
    /// The options (`ex`), read where used: Reply-To and the extra header
    /// lines (`headers`), the DSN fields (`dsn`), the token (`oauth`),
    /// `pBody` (`mime`, `raw`), `RawMessage` (`raw`). Little derived from
    /// them is kept: every byte of this view is on the deepest stack frame.
    #[cfg_attr(
        not(any(
            feature = "headers",
            feature = "dsn",
            feature = "oauth",
            feature = "raw",
            feature = "mime"
        )),
        allow(dead_code)
    )]
    opts: O,
    /// The multipart items (`mime`; read often: kept).
    #[cfg(feature = "mime")]
    items: &'a [IP_SMTPC_MULTIPART_ITEM],
}

/// The DSN request of `o` (`dsn`): the one reader of its fields, for the
/// check and for the engine. The ENVID is cut one byte past its limit.
#[cfg(feature = "dsn")]
#[inline(always)]
pub(super) fn dsn_of(o: &IP_SMTPC_OPTIONS) -> crate::dsn::Dsn<'_> {
    crate::dsn::Dsn {
        notify: o.DsnNotify,
        ret: o.DsnRet,
        required: o.DsnRequired != 0,
        // SAFETY: NULL or a C string (the caller's contract).
        envid: unsafe { cstr(o.sDsnEnvId, crate::dsn::MAX_ENVID) },
    }
}

impl<'a, O: OptionsRef<'a>> CMail<'a, O> {
    /// A view of the arguments of `IP_SMTPC_Send`.
    ///
    /// # Safety
    /// `addrs` entries' strings and every string field are NULL or
    /// NUL-terminated (or longer than their limit) and stay valid and
    /// unchanged for `'a`.
    #[inline(always)]
    pub unsafe fn new(
        addrs: &'a [IP_SMTPC_MAIL_ADDR],
        msg: &'a IP_SMTPC_MESSAGE,
        mta: &'a IP_SMTPC_MTA,
        app: Option<&'a IP_SMTPC_APPLICATION>,
        opts: O,
    ) -> Self {
        // SAFETY: covered by this function's contract.
        let body = unsafe { cstr(msg.sBody, MAX_BODY) };
        CMail {
            addrs,
            msg,
            mta,
            app,
            body,
            opts,
            #[cfg(feature = "mime")]
            items: match (msg.paMultipartItem.is_null(), msg.NumMultipartItems) {
                (false, n) if n > 0 => {
                    // SAFETY: NumMultipartItems items at a non-NULL
                    // paMultipartItem (NULL with a count is refused before use).
                    unsafe { core::slice::from_raw_parts(msg.paMultipartItem, n as usize) }
                }
                _ => &[],
            },
        }
    }

    /// The extra header lines (`headers`): `NumHeaders` pointers at
    /// `pasHeader`, none without options or with a NULL array.
    #[cfg(feature = "headers")]
    fn header_lines(&self) -> &'a [*const c_char] {
        match self.opts.get() {
            // SAFETY: NumHeaders pointers at a non-NULL pasHeader (the
            // caller's contract; NULL with a count is refused before use).
            Some(o) if !o.pasHeader.is_null() && o.NumHeaders > 0 => unsafe {
                core::slice::from_raw_parts(o.pasHeader, o.NumHeaders as usize)
            },
            _ => &[],
        }
    }

    /// The multipart items (`mime`).
    #[cfg(feature = "mime")]
    pub fn items(&self) -> &'a [IP_SMTPC_MULTIPART_ITEM] {
        self.items
    }

    /// `IP_SMTPC_OPTIONS.pBody` (`mime`; `raw`: the streamed message).
    #[cfg(any(feature = "mime", feature = "raw"))]
    pub fn streamed(&self) -> Option<&'a IP_SMTPC_MULTIPART_ITEM> {
        // SAFETY: NULL or valid by the caller's contract.
        self.opts.get().and_then(|o| unsafe { o.pBody.as_ref() })
    }

    /// `IP_SMTPC_OPTIONS.RawMessage` is 1 (`raw`; other values than 0 and
    /// 1 are refused before).
    #[cfg(feature = "raw")]
    pub fn is_raw(&self) -> bool {
        self.opts.get().is_some_and(|o| o.RawMessage == 1)
    }

    /// `IP_SMTPC_APPLICATION.pfCallback`, if any.
    #[inline(always)]
    pub fn callback(&self) -> Option<super::send::CallbackFn> {
        self.app.and_then(|a| a.pfCallback)
    }

    /// `IP_SMTPC_MTA.sServer` (checked non-NULL), for `pfConnect` and
    /// `pfUpgrade`.
    #[inline(always)]
    pub fn server(&self) -> *const c_char {
        self.mta.sServer
    }

    /// An application string (`sDomain` or `sTimezone`), empty without one.
    fn app_str(&self, pick: fn(&IP_SMTPC_APPLICATION) -> *const c_char, max: usize) -> &[u8] {
        match self.app {
            // SAFETY: `CMail::new`'s contract covers the application's strings.
            Some(app) => unsafe { cstr(pick(app), max) },
            None => &[],
        }
    }
}

impl<'a, O: OptionsRef<'a>> Mail for CMail<'a, O> {
    const EXTENDED: bool = O::EX;

    fn count(&self) -> usize {
        self.addrs.len()
    }

    fn entry(&self, i: usize) -> Entry<'_> {
        // Past the end: read as NULL pointers (no caller asks for one).
        let (name, addr, kind) = self
            .addrs
            .get(i)
            .map_or((core::ptr::null(), core::ptr::null(), 0), |e| {
                (e.sName, e.sAddr, e.Type)
            });
        // SAFETY: `CMail::new`'s contract covers the entries' strings.
        let (name, text) = unsafe { (cstr(name, MAX_FOLDED), cstr(addr, MAX_ADDR)) };
        Entry {
            name,
            addr: text,
            null: addr.is_null(),
            kind,
        }
    }

    fn subject(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the message's strings.
        unsafe { cstr(self.msg.sSubject, MAX_FOLDED) }
    }

    fn body(&self) -> &[u8] {
        self.body
    }

    fn user(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the MTA's strings.
        unsafe { cstr(self.mta.sUser, MAX_TEXT) }
    }

    fn password(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the MTA's strings.
        unsafe { cstr(self.mta.sPass, MAX_TEXT) }
    }

    fn domain(&self) -> &[u8] {
        self.app_str(|a| a.sDomain, MAX_DOMAIN)
    }

    #[inline(always)]
    fn timezone(&self) -> &[u8] {
        self.app_str(|a| a.sTimezone, 5)
    }

    #[cfg(feature = "headers")]
    fn reply_to(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the options' strings.
        unsafe {
            cstr(
                self.opts.get().map_or(core::ptr::null(), |o| o.sReplyTo),
                MAX_ADDR,
            )
        }
    }

    #[cfg(feature = "mime")]
    fn items(&self) -> usize {
        CMail::items(self).len()
    }

    #[cfg(feature = "mime")]
    fn item(&self, i: usize) -> (&[u8], &[u8]) {
        match CMail::items(self).get(i) {
            // SAFETY: `CMail::new`'s contract covers the items' strings.
            Some(it) => unsafe { (cstr(it.sFilename, 255), cstr(it.sContentType, 200)) },
            None => (&[], &[]),
        }
    }

    #[cfg(feature = "mime")]
    fn item_unstreamable(&self, i: usize) -> bool {
        CMail::items(self)
            .get(i)
            .is_some_and(|it| it.pfSendItem.is_none())
    }

    #[cfg(feature = "mime")]
    fn boundary(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the message's strings.
        unsafe { cstr(self.msg.sBoundary, 70) }
    }

    #[cfg(any(feature = "mime", feature = "raw"))]
    fn streamed_body(&self) -> bool {
        self.streamed().is_some()
    }

    #[cfg(feature = "raw")]
    fn raw(&self) -> bool {
        self.is_raw()
    }

    #[cfg(feature = "dsn")]
    fn dsn(&self) -> crate::dsn::Dsn<'_> {
        self.opts.get().map(dsn_of).unwrap_or_default()
    }

    #[cfg(feature = "oauth")]
    fn token(&self) -> &[u8] {
        // SAFETY: `CMail::new`'s contract covers the options' strings.
        unsafe {
            cstr(
                self.opts.get().map_or(core::ptr::null(), |o| o.sOAuthToken),
                crate::oauth::MAX_TOKEN,
            )
        }
    }

    #[cfg(feature = "headers")]
    fn headers(&self) -> usize {
        self.header_lines().len()
    }

    #[cfg(feature = "headers")]
    fn header(&self, i: usize) -> Option<&[u8]> {
        // SAFETY: `CMail::new`'s contract covers the header lines.
        let line = unsafe { cstr(*self.header_lines().get(i)?, MAX_HEADER) };
        (line.len() <= MAX_HEADER).then_some(line)
    }
}
