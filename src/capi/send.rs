// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_Send` (and, with `ex`, `IP_SMTPC_SendEx`): the blocking
//! driver, a short loop over the engine.

use core::ffi::{c_char, c_int, c_uint, c_void};
use core::mem::MaybeUninit;

use super::codes::*;
#[cfg(feature = "ex")]
use super::ex::{Options, Summary};
use super::types::*;
use super::view::{CMail, NoOptions, OptionsRef};
use crate::check::{check, Checked};
#[cfg(feature = "tls")]
use crate::engine::TlsMode;
use crate::engine::{Action, Engine, Event, EventKind};
use crate::error::Error;

pub use crate::limits::{IN_BUFFER_SIZE, OUT_BUFFER_SIZE};

/// Sends one mail (emNet-compatible).
///
/// Blocks until the mail is sent or has failed; the hooks and callbacks run
/// in the calling task. Invalid input is refused before `pfConnect` is called.
///
/// With `SMTPC_SEC_POLICY_ALLOW_INSECURE`, AUTH is sent on a connection
/// without TLS as emNet does; use `IP_SMTPC_SendEx` to refuse that.
///
/// Message-ID: the library keeps no state and has no entropy source, so the
/// ID is a 64-bit hash of the whole mail (every address and name, subject,
/// body, extra headers, attachment names and types), the `pfGetTimeDate`
/// time and the address of this call's stack frame. Mails that differ in any
/// of these, mails sent in different 2-second ticks and mails sent at once
/// from different tasks get different IDs (two of a million mails share one
/// with a chance of about 1 in 37 million). Identical mails sent by one task
/// within one tick get the same ID, and so may identical mails from tasks
/// that reuse one stack: set `IP_SMTPC_OPTIONS.MessageIdSeed` to a counter
/// (or `pfGetTimeMs`) in `IP_SMTPC_SendEx` to tell them apart.
///
/// @param pIP_API      Transport hooks (`pfConnect`, `pfDisconnect`, `pfSend`,
///                     `pfReceive` required; `pfUpgrade`/`pfDowngrade` for TLS).
/// @param paMailAddr   Address array: entry 0 is the sender, the others the
///                     recipients (`SMTPC_REC_TYPE_TO`, `_CC`, `_BCC`).
/// @param NumMailAddr  Entries in `paMailAddr` (at least 2).
/// @param pMessage     Subject, body and multipart items.
/// @param pMTA         Mail server, credentials and `SecPolicy`.
/// @param pApplication Date/time and progress hooks, own domain, time zone.
/// @return 0 when the server accepted the message for every recipient (a
///         2xx reply after the final dot); otherwise a negative
///         `IP_SMTPC_ERR_*` code (`IP_SMTPC_ERR_PARTIAL_DELIVERY`: some
///         recipients got it).
/// @pre Every non-NULL pointer points to a valid object (`paMailAddr` to
///      `NumMailAddr` entries) that stays valid during the call; strings are
///      NUL-terminated or longer than their documented limit.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_Send(
    pIP_API: *const IP_SMTPC_API,
    paMailAddr: *const IP_SMTPC_MAIL_ADDR,
    NumMailAddr: c_int,
    pMessage: *const IP_SMTPC_MESSAGE,
    pMTA: *const IP_SMTPC_MTA,
    pApplication: *const IP_SMTPC_APPLICATION,
) -> c_int {
    // With `ex`: what `IP_SMTPC_SendEx` does without options (`src/`), its
    // driver inlined here with the options a constant `None`, no report and
    // no deadlines, so a firmware that calls this alone carries none of
    // that code (full set, Cortex-M4F release archive: 14,032 B, against
    // 16,056 B for IP_SMTPC_SendEx; both in one firmware: README).
    #[cfg(feature = "ex")]
    let mut summary = Summary::new(None);
    // SAFETY: forwarded under this function's own contract.
    match unsafe {
        send(
            pIP_API,
            paMailAddr,
            NumMailAddr,
            pMessage,
            pMTA,
            pApplication,
            NoOptions,
            #[cfg(feature = "ex")]
            &mut summary,
            |_| NoDeadlines,
        )
    } {
        Ok(()) => 0,
        Err(e) => e as c_int,
    }
}

/// `IP_SMTPC_API.pfSend`.
pub(super) type TxFn = unsafe extern "C" fn(*const c_char, c_int, SMTPC_SOCKET) -> c_int;
/// `IP_SMTPC_API.pfReceive`.
pub(super) type RxFn = unsafe extern "C" fn(*mut c_char, c_int, SMTPC_SOCKET) -> c_int;
/// `IP_SMTPC_API.pfDisconnect`.
pub(super) type CloseFn = unsafe extern "C" fn(SMTPC_SOCKET);
/// `IP_SMTPC_API.pfConnect`.
pub(super) type ConnectFn = unsafe extern "C" fn(*const c_char) -> SMTPC_SOCKET;
/// `IP_SMTPC_APPLICATION.pfCallback`.
pub(super) type CallbackFn = unsafe extern "C" fn(c_int, *mut c_void) -> c_int;

/// The arguments once validated: what a driver needs to connect and run
/// the engine. `mail` and `checked` live in [`prepare`]'s frame.
pub(super) struct Ready<'r, 'a, O> {
    /// The transport hooks, looked up when called (`pfConnect`,
    /// `pfDisconnect`, `pfSend`, `pfReceive` were given).
    pub api: &'a IP_SMTPC_API,
    /// The server, credentials and policy.
    pub mta: &'a IP_SMTPC_MTA,
    /// The mail, read in place.
    pub mail: &'r CMail<'a, O>,
    /// What the check found (hash, time, body classes).
    pub checked: &'r Checked,
    /// `pfConnect`.
    pub connect: ConnectFn,
    /// `pfSend`, `pfReceive`, `pfDisconnect` (the seed set's [`Link`]
    /// keeps them).
    #[cfg(not(feature = "ex"))]
    pub hooks: (TxFn, RxFn, CloseFn),
    /// `pfCallback`, if any.
    pub callback: Option<CallbackFn>,
    /// How TLS is used.
    #[cfg(feature = "tls")]
    pub tls: TlsMode,
    /// Allowed AUTH mechanisms and the insecure-AUTH opt-in.
    #[cfg(feature = "ex")]
    pub mechanisms: u8,
    /// See `mechanisms`.
    #[cfg(feature = "ex")]
    pub insecure_auth: bool,
}

/// Checks the arguments, connects, runs the engine, disconnects. With
/// `ex`, `opts` are `IP_SMTPC_SendEx`'s options (`None`: emNet's rules)
/// and `summary` receives what the report needs; `clock` makes the
/// deadlines for the connection's handle.
///
/// # Safety
/// As `IP_SMTPC_Send`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn send<'a, D: Deadlines, O: OptionsRef<'a>>(
    api: *const IP_SMTPC_API,
    addrs: *const IP_SMTPC_MAIL_ADDR,
    count: c_int,
    msg: *const IP_SMTPC_MESSAGE,
    mta: *const IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    opts: O,
    #[cfg(feature = "ex")] summary: &mut Summary<'_>,
    clock: impl FnOnce(SMTPC_SOCKET) -> D,
) -> Result<(), Error> {
    // SAFETY: forwarded under this function's contract.
    unsafe {
        prepare(
            api,
            addrs,
            count,
            msg,
            mta,
            app,
            opts,
            #[cfg(feature = "nb")]
            false,
            #[inline(always)]
            |r| {
                run(
                    r,
                    #[cfg(feature = "ex")]
                    summary,
                    clock,
                )
            },
        )
    }
}

/// Reads and validates the arguments of `IP_SMTPC_Send` (with `ex`, of
/// `IP_SMTPC_SendEx`; with `nb`, of `IP_SMTPC_Start`: `nb` true) and hands
/// them to `f`: the one validation every driver shares. Nothing is called
/// (no hook, no clock) before the input is valid.
///
/// # Safety
/// As `IP_SMTPC_Send`; the objects stay valid for `'a`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn prepare<'a, O: OptionsRef<'a>>(
    api: *const IP_SMTPC_API,
    addrs: *const IP_SMTPC_MAIL_ADDR,
    count: c_int,
    msg: *const IP_SMTPC_MESSAGE,
    mta: *const IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    opts: O,
    #[cfg(feature = "nb")] nb: bool,
    f: impl FnOnce(&Ready<'_, 'a, O>) -> Result<(), Error>,
) -> Result<(), Error> {
    // SAFETY: each pointer is NULL or valid by the caller's contract.
    let (api, msg, mta, app) = unsafe { (api.as_ref(), msg.as_ref(), mta.as_ref(), app.as_ref()) };
    let (Some(api), Some(msg), Some(mta)) = (api, msg, mta) else {
        return Err(Error::NullPointer);
    };
    let (Some(connect), Some(_disconnect), Some(_tx), Some(_rx)) =
        (api.pfConnect, api.pfDisconnect, api.pfSend, api.pfReceive)
    else {
        return Err(Error::MissingHook);
    };
    #[cfg(not(feature = "tls"))]
    match mta.SecPolicy {
        SMTPC_SEC_POLICY_ALLOW_INSECURE => {}
        // TLS is not built into this set: never fall back to clear text.
        SMTPC_SEC_POLICY_SECURE_ONLY => return Err(Error::TlsUnavailable),
        _ => return Err(Error::InvalidOptions),
    }
    // emNet: the policy matters only when pfUpgrade and pfDowngrade are given.
    #[cfg(all(feature = "tls", not(feature = "ex")))]
    let tls = match (
        mta.SecPolicy,
        api.pfUpgrade.is_some() && api.pfDowngrade.is_some(),
    ) {
        (SMTPC_SEC_POLICY_ALLOW_INSECURE, false) => TlsMode::Off,
        (SMTPC_SEC_POLICY_ALLOW_INSECURE, true) => TlsMode::Optional,
        (SMTPC_SEC_POLICY_SECURE_ONLY, true) => TlsMode::Required,
        (SMTPC_SEC_POLICY_SECURE_ONLY, false) => return Err(Error::TlsUnavailable),
        _ => return Err(Error::InvalidOptions),
    };
    if mta.sServer.is_null() || (addrs.is_null() && count > 0) {
        return Err(Error::NullPointer);
    }
    let entries = match usize::try_from(count) {
        // SAFETY: the caller provides `count` entries at a non-NULL `addrs`.
        Ok(n) if n > 0 => unsafe { core::slice::from_raw_parts(addrs, n) },
        _ => &[],
    };
    // SAFETY: the caller's contract covers every string.
    let mail = unsafe { CMail::new(entries, msg, mta, app, opts) };
    #[cfg(feature = "ex")]
    let opts = opts.get();
    #[cfg(feature = "mime")]
    if msg.paMultipartItem.is_null() && msg.NumMultipartItems > 0 {
        return Err(Error::NullPointer);
    }
    // A complete message (`raw`) has its own MIME structure (`src/`).
    #[cfg(feature = "raw")]
    if mail.is_raw() && msg.NumMultipartItems != 0 {
        return Err(Error::InvalidOptions);
    }
    // Items (or a streamed body other than a complete message) without MIME
    // built: refused, never dropped. (The seed set, without `ex`, does not
    // look at them: 24 B; see README.)
    #[cfg(all(feature = "ex", not(feature = "mime")))]
    if msg.NumMultipartItems != 0 || opts.is_some_and(|o| !o.pBody.is_null() && o.RawMessage == 0) {
        return Err(Error::NotBuilt);
    }
    #[cfg(any(feature = "mime", feature = "raw"))]
    if mail.streamed().is_some_and(|b| b.pfSendItem.is_none()) {
        return Err(Error::InvalidBody);
    }
    // As with paMultipartItem: a count without an array is a caller error.
    #[cfg(feature = "headers")]
    if opts.is_some_and(|o| o.pasHeader.is_null() && o.NumHeaders > 0) {
        return Err(Error::NullPointer);
    }
    // A complete message carries its own header: fields for a generated
    // one are a contradiction, not something to drop (`src/`), whether or
    // not this set builds them.
    #[cfg(feature = "raw")]
    if let Some(o) = opts.filter(|_| mail.is_raw()) {
        let fields = [msg.sSubject, msg.sBoundary, o.sReplyTo];
        // SAFETY: NULL or C strings (the caller's contract); one byte read.
        if o.NumHeaders != 0 || fields.iter().any(|&s| unsafe { given(s) }) {
            return Err(Error::InvalidOptions);
        }
    }
    let callback = app.and_then(|a| a.pfCallback);
    // SAFETY: a plain C function without arguments.
    let time = app.and_then(|a| a.pfGetTimeDate).map(|f| unsafe { f() });
    // The address of this frame tells concurrent sends of one mail apart.
    let salt = &mail as *const CMail<'_, O> as usize;
    // A body without its NUL within 2^31 - 1 bytes (src/'s bound; the seed
    // set leaves it to the line check, 8 B).
    #[cfg(feature = "ex")]
    if crate::mail::Mail::body(&mail).len() > super::view::MAX_BODY {
        return Err(Error::InvalidBody);
    }
    #[cfg(not(feature = "ex"))]
    let result = check(&mail, time, salt);
    #[cfg(feature = "ex")]
    let mut result = check(&mail, time, salt);
    // Options are checked after the mail, as `src/` does; then the caller's
    // seed and clock (read only now: nothing is called for a refused mail)
    // tell apart mails one task sends within a tick.
    #[cfg(feature = "ex")]
    let o = match &mut result {
        Ok(checked) => {
            let o = Options::resolve(
                opts,
                mta,
                api,
                #[cfg(feature = "nb")]
                nb,
            )?;
            checked.hash = Options::mix(opts, checked.hash);
            o
        }
        Err(e) => return Err(*e),
    };
    // Borrowed in place: moving it out of the Result costs a memcpy call.
    let checked = match &result {
        Ok(checked) => checked,
        Err(e) => return Err(*e),
    };
    f(&Ready {
        api,
        mta,
        mail: &mail,
        checked,
        connect,
        #[cfg(not(feature = "ex"))]
        hooks: (_tx, _rx, _disconnect),
        callback,
        #[cfg(all(feature = "tls", not(feature = "ex")))]
        tls,
        #[cfg(feature = "ex")]
        tls: o.tls,
        #[cfg(feature = "ex")]
        mechanisms: o.mechanisms,
        #[cfg(feature = "ex")]
        insecure_auth: o.insecure_auth,
    })
}

/// The blocking driver: connects, runs [`turn`] until the engine is done,
/// closes. The buffers live on this frame.
#[inline(always)]
fn run<'a, D: Deadlines, O: OptionsRef<'a>>(
    r: &Ready<'_, 'a, O>,
    #[cfg(feature = "ex")] summary: &mut Summary<'_>,
    clock: impl FnOnce(SMTPC_SOCKET) -> D,
) -> Result<(), Error> {
    let mut space = MaybeUninit::<Space>::uninit();
    let (out, input) = zeroed(&mut space);
    let mut engine = Engine::new(out, input, r.checked);
    configure(&mut engine, r);
    let sock = connect(
        r,
        #[cfg(feature = "ex")]
        summary,
    )?;
    let mut link = Link::new(r, sock, clock(sock));
    let result = drive(
        &mut engine,
        r.mail,
        &mut link,
        #[cfg(feature = "ex")]
        summary,
    );
    link.close(&engine);
    #[cfg(feature = "ex")]
    summary.finish(engine.report());
    #[cfg(feature = "oauth")]
    summary.oauth(engine.oauth_status());
    result
}

/// The out and in buffers of a blocking call, side by side.
pub(super) type Space = [u8; OUT_BUFFER_SIZE + IN_BUFFER_SIZE];

/// `space` zeroed and cut into the out and in buffers.
#[inline(always)]
pub(super) fn zeroed(space: &mut MaybeUninit<Space>) -> (&mut [u8], &mut [u8]) {
    // SAFETY: `space` is writable; all-zero bytes are a valid `Space`.
    unsafe { clear(space.as_mut_ptr()) };
    // SAFETY: every byte was written just above.
    unsafe { space.assume_init_mut() }.split_at_mut(OUT_BUFFER_SIZE)
}

/// Copies the bytes of `*src` to `dst`, one volatile byte at a time, so
/// that the compiler emits no call of the C library's `memcpy` (a large
/// struct written whole through a pointer is one).
///
/// # Safety
/// `dst` is valid for writes of one `T` and does not overlap `src`; what
/// it held is not dropped. After the call both are the same value: for a
/// `T` that is not `Copy` (it holds borrows) only one of them may be used.
#[cfg(any(feature = "nb", feature = "mx"))]
#[inline(always)]
pub(super) unsafe fn copy_to<T>(dst: *mut T, src: &T) {
    let from = (src as *const T).cast::<MaybeUninit<u8>>();
    let to = dst.cast::<MaybeUninit<u8>>();
    for i in 0..core::mem::size_of::<T>() {
        // SAFETY: `i` is inside both objects; the bytes (padding too) are
        // copied as `MaybeUninit`.
        unsafe { to.add(i).write_volatile(from.add(i).read()) };
    }
}

/// Writes `size_of::<T>()` zero bytes at `p`, one volatile byte at a time,
/// so that the compiler emits no call of the C library's `memset`.
///
/// # Safety
/// `p` is valid for writes of one `T`; a `T` read from it afterwards must
/// be valid with every byte zero.
#[inline(always)]
pub(super) unsafe fn clear<T>(p: *mut T) {
    let start = p.cast::<u8>();
    for i in 0..core::mem::size_of::<T>() {
        // SAFETY: `i` is inside the object, by the contract.
        unsafe { start.add(i).write_volatile(0) };
    }
}

/// Gives the engine of a connection's first (or only) mail the TLS and
/// AUTH settings of `r`.
#[inline(always)]
pub(super) fn configure<O>(_engine: &mut Engine<'_>, _r: &Ready<'_, '_, O>) {
    #[cfg(feature = "tls")]
    _engine.set_tls(_r.tls);
    #[cfg(feature = "ex")]
    _engine.set_auth(_r.mechanisms, _r.insecure_auth);
}

/// Tells the application the connection starts and connects: the handle
/// from `pfConnect`, or `Connect` when it gave none.
#[inline(always)]
pub(super) fn connect<O>(
    r: &Ready<'_, '_, O>,
    #[cfg(feature = "ex")] summary: &mut Summary<'_>,
) -> Result<SMTPC_SOCKET, Error> {
    notify(
        r.callback,
        &Event {
            kind: EventKind::Step,
            step: IP_SMTPC_STEP_CONNECT,
            code: 0,
            index: usize::MAX,
            text: b"",
        },
    );
    #[cfg(feature = "ex")]
    {
        summary.step = IP_SMTPC_STEP_CONNECT;
    }
    // SAFETY: `sServer` is a valid C string (checked non-NULL); a C hook.
    let sock = unsafe { (r.connect)(r.mta.sServer) };
    if sock.is_null() {
        return Err(Error::Connect);
    }
    Ok(sock)
}

/// Runs [`turn`] until the engine is done with this mail.
#[inline(always)]
pub(super) fn drive<'a, O: OptionsRef<'a>>(
    engine: &mut Engine<'_>,
    mail: &CMail<'a, O>,
    link: &mut Link<'_, impl Deadlines>,
    #[cfg(feature = "ex")] summary: &mut Summary<'_>,
) -> Result<(), Error> {
    loop {
        if let Turn::Done(result) = turn(
            engine,
            mail,
            link,
            #[cfg(feature = "ex")]
            summary,
            #[cfg(feature = "nb")]
            false,
        ) {
            return result;
        }
    }
}

/// An open connection as the drivers use it.
pub(super) struct Link<'a, D: Deadlines> {
    /// The hooks. With `ex`, `pfSend`, `pfReceive` and `pfDisconnect` are
    /// read from here where they are called (no copies on the deepest
    /// frame: 12 B); `prepare` found them given, and one the application
    /// cleared since fails its call (`Send`, `Receive`) instead.
    #[cfg_attr(not(any(feature = "ex", feature = "tls")), allow(dead_code))]
    pub api: &'a IP_SMTPC_API,
    /// The seed set: `pfSend`, `pfReceive`, `pfDisconnect` as `prepare`
    /// found them (a copy takes fewer bytes of code than a lookup: 28).
    #[cfg(not(feature = "ex"))]
    pub hooks: (TxFn, RxFn, CloseFn),
    /// The seed set: `pfCallback` (with `ex` read from the mail's
    /// `IP_SMTPC_APPLICATION` where called; here a copy is 8 B less code).
    #[cfg(not(feature = "ex"))]
    pub callback: Option<CallbackFn>,
    /// The handle from `pfConnect`.
    pub sock: SMTPC_SOCKET,
    /// The deadlines around the hook calls: `IP_SMTPC_SendEx`'s [`Clock`],
    /// none ([`NoDeadlines`]) in `IP_SMTPC_Send` and the non-blocking API.
    pub clock: D,
}

/// What a hook call is, for its deadline.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Call {
    /// `pfSend` or `pfUpgrade`: bounded from its start.
    Own,
    /// `pfReceive`: bounded from the start of the wait for the reply.
    Receive,
}

/// Deadlines around a driver's hook calls. A type, not a flag: a driver
/// without them ([`NoDeadlines`]) has no trace of them in its code.
pub(super) trait Deadlines {
    /// Before a hook call of kind `call` in `IP_SMTPC_STEP_*` `step`; an
    /// error (`Timeout`) when the call must not be made.
    fn before(&mut self, call: Call, step: u8) -> Result<(), Error>;
    /// After the hook call: an error (`Timeout`) when it came too late.
    fn after(&self) -> Result<(), Error>;
}

/// No deadlines: `IP_SMTPC_Send` (emNet's API has none), and the
/// non-blocking API (the engine keeps its deadlines from `NowMs`).
pub(super) struct NoDeadlines;

impl Deadlines for NoDeadlines {
    #[inline(always)]
    fn before(&mut self, _call: Call, _step: u8) -> Result<(), Error> {
        Ok(())
    }

    #[inline(always)]
    fn after(&self) -> Result<(), Error> {
        Ok(())
    }
}

impl<'a, D: Deadlines> Link<'a, D> {
    /// The link over the handle `sock` that [`connect`] gave, with `clock`.
    #[inline(always)]
    pub fn new<O>(r: &Ready<'_, 'a, O>, sock: SMTPC_SOCKET, clock: D) -> Link<'a, D> {
        Link {
            api: r.api,
            #[cfg(not(feature = "ex"))]
            hooks: r.hooks,
            #[cfg(not(feature = "ex"))]
            callback: r.callback,
            sock,
            clock,
        }
    }

    /// `pfSend` (`None`: cleared during the call).
    #[inline(always)]
    pub fn tx(&self) -> Option<TxFn> {
        #[cfg(feature = "ex")]
        return self.api.pfSend;
        #[cfg(not(feature = "ex"))]
        Some(self.hooks.0)
    }

    /// `pfReceive` (`None`: cleared during the call).
    #[inline(always)]
    fn rx(&self) -> Option<RxFn> {
        #[cfg(feature = "ex")]
        return self.api.pfReceive;
        #[cfg(not(feature = "ex"))]
        Some(self.hooks.1)
    }

    /// `pfDisconnect` (`None`: cleared during the call).
    #[inline(always)]
    fn disconnect(&self) -> Option<CloseFn> {
        #[cfg(feature = "ex")]
        return self.api.pfDisconnect;
        #[cfg(not(feature = "ex"))]
        Some(self.hooks.2)
    }

    /// `pfCallback`, if any, of `mail`'s application.
    #[inline(always)]
    pub fn callback<'m, O: OptionsRef<'m>>(&self, _mail: &CMail<'m, O>) -> Option<CallbackFn> {
        #[cfg(feature = "ex")]
        return _mail.callback();
        #[cfg(not(feature = "ex"))]
        self.callback
    }

    /// Ends TLS (when it was started) and closes the connection, once.
    #[inline(always)]
    pub fn close(&self, _engine: &Engine<'_>) {
        #[cfg(feature = "tls")]
        if _engine.is_secure() {
            if let Some(downgrade) = self.api.pfDowngrade {
                // SAFETY: a C hook with the handle from pfConnect, once, before closing.
                unsafe { downgrade(self.sock) };
            }
        }
        if let Some(disconnect) = self.disconnect() {
            // SAFETY: the handle came from `pfConnect`; closed exactly once.
            unsafe { disconnect(self.sock) };
        }
    }
}

/// What one [`turn`] ended with.
pub(super) enum Turn {
    /// Ask the engine again.
    Again,
    /// A hook would block (non-blocking driver): wait for the
    /// `IP_SMTPC_WAIT_*` bits, then turn again.
    #[cfg(feature = "nb")]
    Block(u8),
    /// The transaction ended: close the connection.
    Done(Result<(), Error>),
}

/// One step of every driver loop: asks the engine what to do, does it
/// with one hook call (or an event), and tells the engine what happened.
/// `nb` (the non-blocking driver): a hook may answer
/// `IP_SMTPC_WOULD_BLOCK`, which ends the turn with [`Turn::Block`] and
/// nothing told to the engine (the same action comes again); items cannot
/// stream (`IP_SMTPC_Start` refuses them). Inlined into each driver (`nb`
/// folds to a constant there): a firmware links one API or the other, and
/// one out-of-line copy with a runtime flag measured larger for either
/// alone (full set, Cortex-M4F: `IP_SMTPC_Send` 14,886 B against 14,528;
/// the non-blocking API alone 16,096 against 14,948), smaller only with
/// both (17,836 against 19,574).
#[inline(always)]
pub(super) fn turn<'a, O: OptionsRef<'a>>(
    engine: &mut Engine<'_>,
    mail: &CMail<'a, O>,
    link: &mut Link<'_, impl Deadlines>,
    #[cfg(feature = "ex")] summary: &mut Summary<'_>,
    #[cfg(feature = "nb")] nb: bool,
) -> Turn {
    let step = engine.step();
    match engine.next(mail) {
        Action::Send(bytes) => {
            if let Err(e) = link.clock.before(Call::Own, step) {
                engine.failed(e);
                return Turn::Again;
            }
            let len = bytes.len();
            let n = match link.tx() {
                // SAFETY: `bytes` is readable for `len` (≤ OUT_BUFFER_SIZE) bytes; a C hook.
                Some(tx) => unsafe { tx(bytes.as_ptr().cast::<c_char>(), len as c_int, link.sock) },
                None => -1,
            };
            #[cfg(feature = "nb")]
            if nb && n == IP_SMTPC_WOULD_BLOCK {
                return Turn::Block(IP_SMTPC_WAIT_WRITE);
            }
            // 0 counts as "all sent" (emNet ports return 0 for success).
            if let Err(e) = link.clock.after() {
                engine.failed(e);
                return Turn::Again;
            }
            match n {
                0.. => engine.sent(if n == 0 { len } else { n as usize }),
                _ => engine.failed(Error::Send),
            }
        }
        Action::Receive(room) => {
            if let Err(e) = link.clock.before(Call::Receive, step) {
                engine.failed(e);
                return Turn::Again;
            }
            let n = match link.rx() {
                // SAFETY: `room` is writable for its length (≤ IN_BUFFER_SIZE); a C hook.
                Some(rx) => unsafe {
                    rx(
                        room.as_mut_ptr().cast::<c_char>(),
                        room.len() as c_int,
                        link.sock,
                    )
                },
                None => -1,
            };
            #[cfg(feature = "nb")]
            if nb && n == IP_SMTPC_WOULD_BLOCK {
                return Turn::Block(IP_SMTPC_WAIT_READ);
            }
            if let Err(e) = link.clock.after() {
                engine.failed(e);
                return Turn::Again;
            }
            match n {
                1.. => engine.received(n as usize),
                _ if n == Error::Timeout as c_int => engine.failed(Error::Timeout),
                _ => engine.failed(Error::Receive),
            }
        }
        #[cfg(feature = "ex")]
        Action::Event(event) => {
            let (kind, index) = (event.kind, event.index);
            summary.reply(&event);
            notify(link.callback(mail), &event);
            if kind != EventKind::Step {
                summary.enhanced(index, engine.enhanced());
            }
        }
        #[cfg(not(feature = "ex"))]
        Action::Event(event) => notify(link.callback(mail), &event),
        Action::Done(result) => return Turn::Done(result),
        #[cfg(any(feature = "mime", feature = "raw"))]
        Action::Item(i) => {
            // Never reached: `IP_SMTPC_Start` refuses items and `pBody`.
            #[cfg(feature = "nb")]
            if nb {
                engine.streamed::<CMail<'a, O>>(false);
                return Turn::Again;
            }
            let item = match i {
                usize::MAX => mail.streamed(),
                #[cfg(feature = "mime")]
                _ => mail.items().get(i),
                #[cfg(not(feature = "mime"))]
                _ => None,
            };
            let mut stream = super::stream::Stream {
                mail: core::marker::PhantomData::<CMail<'a, O>>,
                engine: &mut *engine,
                tx: link.tx(),
                sock: link.sock,
                clock: &mut link.clock,
                failed: false,
            };
            // SAFETY: the item was checked (pfSendItem given) and stays
            // valid during the call; `stream` outlives it.
            let ok = item.is_some_and(|item| unsafe { stream.run(item) });
            engine.streamed::<CMail<'a, O>>(ok);
        }
        #[cfg(feature = "tls")]
        Action::Upgrade => {
            if let Err(e) = link.clock.before(Call::Own, step) {
                engine.failed(e);
                return Turn::Again;
            }
            // SAFETY: a C hook (present: TLS is only used with the hook)
            // with the handle from pfConnect and the checked server name.
            let r = link
                .api
                .pfUpgrade
                .map_or(-1, |upgrade| unsafe { upgrade(link.sock, mail.server()) });
            #[cfg(feature = "nb")]
            if nb && r == IP_SMTPC_WOULD_BLOCK {
                return Turn::Block(IP_SMTPC_WAIT_READ | IP_SMTPC_WAIT_WRITE);
            }
            if let Err(e) = link.clock.after() {
                engine.failed(e);
                return Turn::Again;
            }
            #[cfg(feature = "ex")]
            if r == Error::Timeout as c_int {
                engine.failed(Error::Timeout);
                return Turn::Again;
            }
            engine.upgraded(r >= 0);
        }
    }
    Turn::Again
}

/// `true` when `s` is a non-empty C string (`raw`: a field that belongs in
/// the caller's message).
///
/// # Safety
/// `s` is NULL or readable for at least one byte.
#[cfg(feature = "raw")]
#[inline(always)]
unsafe fn given(s: *const c_char) -> bool {
    // SAFETY: by this function's contract.
    !s.is_null() && unsafe { *s } != 0
}

/// Hands one engine event to `pfCallback` as an `IP_SMTPC_STATUS`.
#[inline(always)]
pub(super) fn notify(callback: Option<CallbackFn>, event: &Event<'_>) {
    let Some(callback) = callback else {
        return;
    };
    #[cfg(feature = "ex")]
    if event.kind == EventKind::Reply {
        return;
    }
    let mut status = IP_SMTPC_STATUS {
        Step: event.step,
        ReplyCode: event.code,
        RecipientIndex: event.index as c_int,
        sText: event.text.as_ptr().cast(),
        TextLen: event.text.len() as c_uint,
    };
    let stat = event.kind as c_int;
    // SAFETY: `status` outlives the call; `p` is a `const IP_SMTPC_STATUS*`
    // valid during the call, as the header documents.
    unsafe { callback(stat, (&mut status as *mut IP_SMTPC_STATUS).cast()) };
}

// The engine's event kinds are the C API's status values.
const _: () = assert!(
    EventKind::Step as c_int == IP_SMTPC_STAT_STEP
        && EventKind::Accepted as c_int == IP_SMTPC_STAT_RCPT_ACCEPTED
        && EventKind::Rejected as c_int == IP_SMTPC_STAT_RCPT_REJECTED
);
