// SPDX-License-Identifier: MIT OR Apache-2.0
//! The non-blocking API (`nb`): `IP_SMTPC_Start`, `IP_SMTPC_Poll`,
//! `IP_SMTPC_GetWait`, `IP_SMTPC_Abort`, for superloops, event loops and
//! lwIP's raw API.
//!
//! One send lives in an `IP_SMTPC_SESSION` the caller provides (buffers
//! included): no thread, no heap, no static state. `IP_SMTPC_Start`
//! validates through the same code as `IP_SMTPC_SendEx` ([`prepare`]);
//! `IP_SMTPC_Poll` runs the same step function as its blocking loop
//! ([`turn`], `nb` true), where a hook may answer `IP_SMTPC_WOULD_BLOCK`;
//! deadlines are the engine's ([`Engine::tick`], [`Engine::poll_at`]) on
//! the caller's `NowMs`. The session keeps pointers to the caller's
//! structures, and the engine inside it points into the session itself:
//! neither may move while a send is in progress (a moved session is
//! detected: its address is kept and checked).

use core::ffi::{c_int, c_void};
use core::mem::{align_of, offset_of, size_of};
use core::ptr::{addr_of, addr_of_mut};

use super::codes::*;
use super::ex::{limit, Summary};
use super::send::{
    clear, copy_to, notify, prepare, turn, ConnectFn, Link, NoDeadlines, Ready, Turn,
};
use super::types::*;
use super::view::ExMail;
use crate::check::Checked;
use crate::engine::{Engine, Event, EventKind};
use crate::error::Error;
use crate::limits::IN_BUFFER_SIZE;

/// The session's output buffer: `SMTPC_OUT_BUFFER_SIZE`, at most what the
/// session's buffer space leaves beside the reply buffer (a host build's
/// large output buffer is for `IP_SMTPC_Send`'s stack).
const OUT_BUFFER_SIZE: usize = {
    let room = IP_SMTPC_SESSION_BUFFER_SIZE.saturating_sub(IN_BUFFER_SIZE);
    if crate::limits::OUT_BUFFER_SIZE < room {
        crate::limits::OUT_BUFFER_SIZE
    } else {
        room
    }
};

/// `IP_SMTPC_SESSION.State` of a session in progress.
const RUNNING: u32 = 0x4E42_5255;
/// `IP_SMTPC_SESSION.State` of a session whose result was returned.
const FINISHED: u32 = 0x4E42_4644;

/// Storage for one non-blocking send, provided by the caller (static, on
/// a stack that outlives the send, or in a pool). Set `SizeOf` to
/// `sizeof(IP_SMTPC_SESSION)` before the first `IP_SMTPC_Start`; every
/// other field belongs to the library. Memory per session:
/// `sizeof(IP_SMTPC_SESSION)` (824 bytes on 32-bit targets, 1000 on 64-bit
/// hosts, with the default 256-byte buffers), nothing else.
///
/// From `IP_SMTPC_Start` until `IP_SMTPC_Poll` or `IP_SMTPC_Abort`
/// returns the result, the session must not be moved or copied (a moved
/// session reads as not started), and every structure handed to
/// `IP_SMTPC_Start` (hooks, addresses and their strings, message, MTA,
/// application, options, report and its results) must stay valid and
/// unchanged: the session points to them.
#[repr(C)]
pub struct IP_SMTPC_SESSION {
    /// `sizeof(IP_SMTPC_SESSION)`, set by the caller before `IP_SMTPC_Start`.
    pub SizeOf: U32,
    /// The library's: whether a send is in progress or finished.
    pub State: U32,
    /// The library's state (the engine, pointers to the caller's structures).
    pub apState: [*mut c_void; IP_SMTPC_SESSION_POINTERS],
    /// The library's state (continued).
    pub aState: [u64; IP_SMTPC_SESSION_WORDS],
    /// The library's out and in buffers.
    pub aBuffer: [U8; IP_SMTPC_SESSION_BUFFER_SIZE],
}

/// The state of a send in progress, at `IP_SMTPC_SESSION.apState` (it runs
/// on into `aState`, whose last [`CHECKED_WORDS`] hold the [`Checked`]).
struct Run {
    /// The session's address at `IP_SMTPC_Start` (a moved session is not ours).
    this: *const IP_SMTPC_SESSION,
    /// The engine, over the session's buffers and its [`Checked`].
    engine: Engine<'static>,
    /// The caller's mail, read in place.
    mail: ExMail<'static>,
    /// The hooks and the connection (`sock` NULL before `pfConnect`).
    link: Link<'static, NoDeadlines>,
    /// `pfConnect`.
    connect: ConnectFn,
    /// What the report gets.
    summary: Summary<'static>,
    /// `ReplyTimeoutMs` (0: RFC 5321's values).
    timeout: u32,
    /// `IP_SMTPC_WAIT_*` bits of the last blocked hook.
    wait: u8,
    /// `pfConnect` was called.
    connected: bool,
}

/// `u64` words at the end of `aState` that hold the [`Checked`] (apart
/// from the [`Run`], which is borrowed mutably while the engine reads it).
const CHECKED_WORDS: usize = 2;

const _: () = assert!(size_of::<Checked>() <= CHECKED_WORDS * 8);
const _: () = assert!(align_of::<Checked>() <= align_of::<u64>());
const _: () = assert!(
    size_of::<Run>()
        <= IP_SMTPC_SESSION_POINTERS * size_of::<*mut c_void>()
            + (IP_SMTPC_SESSION_WORDS - CHECKED_WORDS) * 8
);
const _: () = assert!(align_of::<Run>() <= align_of::<u64>());
// The Run runs on from apState into aState: no gap between them.
const _: () = assert!(
    offset_of!(IP_SMTPC_SESSION, aState)
        == offset_of!(IP_SMTPC_SESSION, apState)
            + IP_SMTPC_SESSION_POINTERS * size_of::<*mut c_void>()
);
const _: () = assert!(offset_of!(IP_SMTPC_SESSION, apState) % align_of::<u64>() == 0);
const _: () = assert!(
    OUT_BUFFER_SIZE >= 16 && OUT_BUFFER_SIZE + IN_BUFFER_SIZE <= IP_SMTPC_SESSION_BUFFER_SIZE,
    "SMTPC_IN_BUFFER_SIZE must leave at least 16 bytes of IP_SMTPC_SESSION_BUFFER_SIZE"
);

/// Starts one non-blocking send: validates every argument exactly as
/// `IP_SMTPC_SendEx` does (bad input gets the same code, nothing is
/// connected or sent, the report is filled) and prepares the session.
/// Nothing is connected yet: the first `IP_SMTPC_Poll` calls `pfConnect`.
///
/// Call order: set `SizeOf`; `IP_SMTPC_Start`; then `IP_SMTPC_Poll`
/// (whenever `IP_SMTPC_GetWait` says: the socket is ready or the deadline
/// is reached) until it returns something other than `IP_SMTPC_IN_PROGRESS`;
/// `IP_SMTPC_Abort` at any time ends the send early. Then the session may be
/// started again.
///
/// In this mode `pfSend`, `pfReceive` and `pfUpgrade` must not block: they
/// return `IP_SMTPC_WOULD_BLOCK` instead (`pfUpgrade` is called again until
/// the handshake is done). `pfConnect` may return before the connection is
/// established (the first `pfReceive` waits for the greeting). Deadlines
/// come from `IP_SMTPC_Poll`'s `NowMs`: each step (a command and its reply,
/// the message and the reply to the final dot, the TLS handshake) may take
/// `ReplyTimeoutMs`, or RFC 5321's 5 minutes (DATA 2, the message 10)
/// when it is 0; `pfGetTimeMs` is not needed for them (it is still mixed
/// into the Message-ID), `pfSetTimeout` is not called.
///
/// Multipart items and `pBody` stream through `pfSendItem`, which pushes
/// the content and cannot wait: they are refused with
/// `IP_SMTPC_ERR_BLOCKING_ITEM` (after every other check); use
/// `IP_SMTPC_SendEx` for them.
///
/// @param pSession     Storage for the send; `SizeOf` set by the caller.
/// @param pIP_API      Transport hooks, as for `IP_SMTPC_Send`.
/// @param paMailAddr   Address array, entry 0 the sender, as for `IP_SMTPC_Send`.
/// @param NumMailAddr  Entries in `paMailAddr`.
/// @param pMessage     Subject and body (no multipart items).
/// @param pMTA         Mail server, credentials and `SecPolicy`.
/// @param pApplication Date/time and progress hooks, own domain, time zone.
/// @param pOptions     Options initialised by `IP_SMTPC_OptionsInit`, or NULL.
/// @return 0 when the send is started; `IP_SMTPC_ERR_NULL_POINTER` (NULL
///         `pSession`), `IP_SMTPC_ERR_SESSION_SIZE`, `IP_SMTPC_ERR_BUSY`
///         (nothing read or written), or the code `IP_SMTPC_SendEx` gives
///         the same arguments (also in the report), or
///         `IP_SMTPC_ERR_BLOCKING_ITEM`.
/// @pre As for `IP_SMTPC_SendEx`, and every object stays valid and
///      unchanged until the send ends; `pSession` is NULL or points to
///      writable memory of `pSession->SizeOf` bytes (at least 4).
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_Start(
    pSession: *mut IP_SMTPC_SESSION,
    pIP_API: *const IP_SMTPC_API,
    paMailAddr: *const IP_SMTPC_MAIL_ADDR,
    NumMailAddr: c_int,
    pMessage: *const IP_SMTPC_MESSAGE,
    pMTA: *const IP_SMTPC_MTA,
    pApplication: *const IP_SMTPC_APPLICATION,
    pOptions: *const IP_SMTPC_OPTIONS,
) -> c_int {
    // SAFETY: NULL or writable for SizeOf bytes (at least the first word).
    let session = match unsafe { session(pSession) } {
        Ok(s) => s,
        Err(code) => return code,
    };
    // SAFETY: `session` is a whole session (its SizeOf is ours).
    if unsafe { running(session) } {
        return IP_SMTPC_ERR_BUSY;
    }
    // SAFETY: as above.
    unsafe { set_state(session, 0) };
    // From here on, as `IP_SMTPC_SendEx`.
    // SAFETY: NULL or valid by the caller's contract, until the send ends.
    let options: Option<&'static IP_SMTPC_OPTIONS> = unsafe { pOptions.as_ref() };
    if options.is_some_and(|o| o.SizeOf as usize != size_of::<IP_SMTPC_OPTIONS>()) {
        return Error::InvalidOptions as c_int;
    }
    // SAFETY: pReport is NULL or valid by contract, until the send ends.
    let report = options.and_then(|o| unsafe { o.pReport.as_mut() });
    let summary = Summary::new(report);
    #[allow(unused_mut)]
    let mut blocking = false;
    // RawMessage as in IP_SMTPC_SendEx: 0, or 1 where `raw` is built.
    let result = match options.map_or(0, |o| o.RawMessage) {
        // SAFETY: the caller's contract covers every argument until the
        // send ends ('static here); `store` writes only the session's state.
        r @ (0 | 1) if r == 0 || cfg!(feature = "raw") => unsafe {
            prepare(
                pIP_API,
                paMailAddr,
                NumMailAddr,
                pMessage,
                pMTA,
                pApplication,
                options,
                true,
                |r| {
                    // Items and pBody (also a streamed complete message)
                    // are pushed by pfSendItem: they would block.
                    #[cfg(feature = "mime")]
                    if !r.mail.items().is_empty() {
                        blocking = true;
                        return Err(Error::NotBuilt);
                    }
                    #[cfg(any(feature = "mime", feature = "raw"))]
                    if r.mail.streamed().is_some() {
                        blocking = true;
                        return Err(Error::NotBuilt);
                    }
                    store(session, r, options);
                    Ok(())
                },
            )
        },
        1 => Err(Error::NotBuilt),
        _ => Err(Error::InvalidOptions),
    };
    let code = match result {
        Ok(()) => 0,
        Err(_) if blocking => IP_SMTPC_ERR_BLOCKING_ITEM,
        Err(e) => e as c_int,
    };
    if code != 0 {
        summary.write(code);
        return code;
    }
    // SAFETY: `store` wrote every other field of the Run.
    unsafe {
        addr_of_mut!((*run(session)).summary).write(summary);
        set_state(session, RUNNING);
    }
    0
}

/// Writes the session's [`Checked`] and every field of its [`Run`] but
/// the summary.
///
/// # Safety
/// `session` is a whole session; the objects behind `r` stay valid until
/// the send ends.
unsafe fn store(
    session: *mut IP_SMTPC_SESSION,
    r: &Ready<'_, 'static, Option<&'static IP_SMTPC_OPTIONS>>,
    opts: Option<&'static IP_SMTPC_OPTIONS>,
) {
    // SAFETY: a place inside the session, from the session's own pointer.
    // Volatile bytes, so the compiler emits no memset call.
    unsafe { clear(addr_of_mut!((*session).aBuffer)) };
    // SAFETY: by this function's contract; initialised just above.
    let (out, input) = unsafe { halves(session) };
    // SAFETY: the Checked's and the Run's places are inside the session,
    // aligned and large enough (asserted above); each field is written once
    // before anything reads it. The Checked is only ever read after this.
    unsafe {
        let checked = checked(session);
        checked.write(*r.checked);
        let run = run(session);
        // Copied into place by bytes (a move of the whole engine is a
        // memcpy call), then set up there.
        let engine = addr_of_mut!((*run).engine);
        copy_to(engine, &Engine::new(out, input, &*checked));
        (*engine).set_tls(r.tls);
        (*engine).set_auth(r.mechanisms, r.insecure_auth);
        addr_of_mut!((*run).this).write(session);
        copy_to(addr_of_mut!((*run).mail), r.mail);
        // No socket yet: zero bytes, written by bytes (a zeroed struct is
        // a `memset` call); no deadlines around the hooks (the engine keeps
        // them, from `NowMs`).
        let link = addr_of_mut!((*run).link);
        clear(link);
        addr_of_mut!((*link).api).write(r.api);
        addr_of_mut!((*run).connect).write(r.connect);
        addr_of_mut!((*run).timeout).write(opts.map_or(0, |o| o.ReplyTimeoutMs));
        addr_of_mut!((*run).wait).write(0);
        addr_of_mut!((*run).connected).write(false);
    }
}

/// The session's out and in buffers.
///
/// # Safety
/// `session` is a whole session whose buffers were initialised by Start;
/// nothing else refers to them while the slices are used (the Run and the
/// Checked lie elsewhere in the session; the engine's previous slices are
/// replaced by these).
unsafe fn halves(session: *mut IP_SMTPC_SESSION) -> (&'static mut [u8], &'static mut [u8]) {
    // SAFETY: a place inside the session, from the session's own pointer;
    // the two halves are disjoint and inside it (asserted above).
    unsafe {
        let buffers = addr_of_mut!((*session).aBuffer).cast::<u8>();
        (
            core::slice::from_raw_parts_mut(buffers, OUT_BUFFER_SIZE),
            core::slice::from_raw_parts_mut(buffers.add(OUT_BUFFER_SIZE), IN_BUFFER_SIZE),
        )
    }
}

/// Does what can be done now without blocking: connects (first call),
/// sends, receives, tells `pfCallback`, until a hook answers
/// `IP_SMTPC_WOULD_BLOCK` or the send ends. A step whose deadline
/// (counted on `NowMs`) has passed ends the send with
/// `IP_SMTPC_ERR_TIMEOUT` (after the final dot: `IP_SMTPC_ERR_OUTCOME_UNKNOWN`).
///
/// @param pSession A session started by `IP_SMTPC_Start`.
/// @param NowMs    A millisecond clock (may wrap at 2^32, must not run
///                 backwards); the same clock in every call of one session.
/// @return `IP_SMTPC_IN_PROGRESS` (> 0) while the send goes on: ask
///         `IP_SMTPC_GetWait` what to wait for. Then, once, the result
///         `IP_SMTPC_SendEx` would return (the report filled the same way);
///         the session is finished. `IP_SMTPC_ERR_NULL_POINTER`,
///         `IP_SMTPC_ERR_SESSION_SIZE`, `IP_SMTPC_ERR_NOT_STARTED` or
///         `IP_SMTPC_ERR_FINISHED` (nothing done) for a session that is not
///         in progress.
/// @pre `pSession` is NULL or points to `pSession->SizeOf` readable and
///      writable bytes; `IP_SMTPC_Start`'s objects are still valid.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_Poll(pSession: *mut IP_SMTPC_SESSION, NowMs: U32) -> c_int {
    // SAFETY: forwarded under this function's contract.
    match unsafe { in_progress(pSession) } {
        // SAFETY: a session in progress.
        Ok(session) => unsafe { poll(session, NowMs, false) },
        Err(code) => code,
    }
}

/// What `IP_SMTPC_Poll` waits for: call it again when the socket is
/// readable (`IP_SMTPC_WAIT_READ`) or writable (`IP_SMTPC_WAIT_WRITE`),
/// or at `*pDeadlineMs` at the latest, whichever comes first.
///
/// @param pSession    A session in progress.
/// @param pDeadlineMs Receives the `NowMs` at which `IP_SMTPC_Poll` must be
///                    called even if the socket stays idle (the current
///                    step's deadline); not written when 0 is returned, or
///                    when NULL.
/// @return The `IP_SMTPC_WAIT_*` bits (both after a `pfUpgrade` that would
///         block), 0 before the first `IP_SMTPC_Poll` (call it now), or
///         `IP_SMTPC_ERR_NULL_POINTER`, `IP_SMTPC_ERR_SESSION_SIZE`,
///         `IP_SMTPC_ERR_NOT_STARTED`, `IP_SMTPC_ERR_FINISHED`.
/// @pre `pSession` is NULL or points to `pSession->SizeOf` readable bytes;
///      `pDeadlineMs` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_GetWait(
    pSession: *const IP_SMTPC_SESSION,
    pDeadlineMs: *mut U32,
) -> c_int {
    // SAFETY: forwarded under this function's contract; nothing is written
    // through the pointer (in_progress and `run` only read).
    let session = match unsafe { in_progress(pSession.cast_mut()) } {
        Ok(session) => session,
        Err(code) => return code,
    };
    // SAFETY: a session in progress: its Run is complete.
    let run = unsafe { &*run(session) };
    if !run.connected {
        return 0;
    }
    // SAFETY: NULL or writable by the caller's contract.
    if let (Some(at), Some(out)) = (run.engine.poll_at(), unsafe { pDeadlineMs.as_mut() }) {
        *out = at;
    }
    c_int::from(run.wait)
}

/// Ends a send in progress now: the connection is closed (after
/// `pfDowngrade` when under TLS) without QUIT, and the result is returned
/// and reported as `IP_SMTPC_Poll` would: `IP_SMTPC_ERR_APPLICATION_ABORT`,
/// or `IP_SMTPC_ERR_OUTCOME_UNKNOWN` once the final dot may have gone out,
/// or the result already decided (0 after the server accepted the message,
/// while QUIT was under way). Never reports a half-sent mail as delivered.
///
/// @param pSession A session started by `IP_SMTPC_Start`.
/// @return The send's result; the session is finished. Or, for a session
///         not in progress, as `IP_SMTPC_Poll`.
/// @pre As for `IP_SMTPC_Poll`.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_Abort(pSession: *mut IP_SMTPC_SESSION) -> c_int {
    // SAFETY: forwarded under this function's contract.
    match unsafe { in_progress(pSession) } {
        // SAFETY: a session in progress.
        Ok(session) => unsafe { poll(session, 0, true) },
        Err(code) => code,
    }
}

/// `p` once its `SizeOf` says it is a whole session of this library.
///
/// # Safety
/// `p` is NULL or points to writable memory of `(*p).SizeOf` bytes.
unsafe fn session(p: *mut IP_SMTPC_SESSION) -> Result<*mut IP_SMTPC_SESSION, c_int> {
    if p.is_null() {
        return Err(IP_SMTPC_ERR_NULL_POINTER);
    }
    // SAFETY: non-NULL, and its first word is readable by contract.
    if unsafe { addr_of!((*p).SizeOf).read() } as usize != size_of::<IP_SMTPC_SESSION>() {
        return Err(IP_SMTPC_ERR_SESSION_SIZE);
    }
    Ok(p)
}

/// `p` if a send is in progress in it.
///
/// # Safety
/// As [`session`].
unsafe fn in_progress(p: *mut IP_SMTPC_SESSION) -> Result<*mut IP_SMTPC_SESSION, c_int> {
    // SAFETY: forwarded.
    let session = unsafe { session(p) }?;
    // SAFETY: a whole session.
    if unsafe { running(session) } {
        return Ok(session);
    }
    // SAFETY: a whole session.
    match unsafe { addr_of!((*session).State).read() } {
        FINISHED => Err(IP_SMTPC_ERR_FINISHED),
        _ => Err(IP_SMTPC_ERR_NOT_STARTED),
    }
}

/// A send is in progress in `session`, started at this address.
///
/// # Safety
/// `session` is a whole session.
unsafe fn running(session: *mut IP_SMTPC_SESSION) -> bool {
    // SAFETY: State is the session's; `this` is read only when State says
    // Start wrote it (any bytes are a valid pointer value otherwise).
    unsafe {
        addr_of!((*session).State).read() == RUNNING
            && addr_of!((*run(session)).this).read() == session.cast_const()
    }
}

/// Sets `IP_SMTPC_SESSION.State`.
///
/// # Safety
/// `session` is a whole session.
unsafe fn set_state(session: *mut IP_SMTPC_SESSION, state: u32) {
    // SAFETY: by contract.
    unsafe { addr_of_mut!((*session).State).write(state) };
}

/// Where the session's [`Run`] lives.
///
/// # Safety
/// `session` is a whole session.
unsafe fn run(session: *mut IP_SMTPC_SESSION) -> *mut Run {
    // SAFETY: a place inside the session, from the session's own pointer
    // (so the Run may run on into aState).
    unsafe { addr_of_mut!((*session).apState) }.cast::<Run>()
}

/// Where the session's [`Checked`] lives.
///
/// # Safety
/// `session` is a whole session.
unsafe fn checked(session: *mut IP_SMTPC_SESSION) -> *mut Checked {
    // SAFETY: the last CHECKED_WORDS of aState, inside the session.
    unsafe {
        addr_of_mut!((*session).aState)
            .cast::<u64>()
            .add(IP_SMTPC_SESSION_WORDS - CHECKED_WORDS)
            .cast::<Checked>()
    }
}

/// The non-blocking driver: [`turn`] until a hook would block or the
/// engine is done; `abort` ends the send first.
///
/// # Safety
/// `session` is a session in progress.
unsafe fn poll(session: *mut IP_SMTPC_SESSION, now: u32, abort: bool) -> c_int {
    // SAFETY: in progress: every field of the Run was written by Start; it
    // does not overlap the buffers and the Checked the engine refers to.
    let run = unsafe { &mut *run(session) };
    // The engine's buffers and Checked, derived afresh from this call's
    // pointer (whatever the caller did with the session's memory between
    // calls, these are the references the engine uses now).
    // SAFETY: a session in progress; its Checked was written by Start.
    let ((out, input), checked) = unsafe { (halves(session), &*checked(session)) };
    run.engine.rebind(out, input, checked);
    if !run.connected {
        if abort {
            run.summary.step = IP_SMTPC_STEP_CONNECT;
            // SAFETY: as this function.
            return unsafe { finish(session, Err(Error::ApplicationAbort)) };
        }
        notify(
            run.mail.callback(),
            &Event {
                kind: EventKind::Step,
                step: IP_SMTPC_STEP_CONNECT,
                code: 0,
                index: usize::MAX,
                text: b"",
            },
        );
        run.summary.step = IP_SMTPC_STEP_CONNECT;
        run.connected = true;
        // SAFETY: `sServer` is a valid C string (checked non-NULL); a C hook.
        let sock = unsafe { (run.connect)(run.mail.server()) };
        if sock.is_null() {
            // SAFETY: as this function.
            return unsafe { finish(session, Err(Error::Connect)) };
        }
        run.link.sock = sock;
        let ms = limit(run.timeout, run.engine.step());
        run.engine.set_timeout(ms, now);
    }
    if abort {
        run.engine.abandon();
    } else {
        run.engine.tick(now);
    }
    loop {
        match turn(
            &mut run.engine,
            &run.mail,
            &mut run.link,
            &mut run.summary,
            true,
        ) {
            Turn::Again => {}
            Turn::Block(wait) => {
                run.wait = wait;
                run.engine.set_limit(limit(run.timeout, run.engine.step()));
                return IP_SMTPC_IN_PROGRESS;
            }
            Turn::Done(result) => {
                run.link.close(&run.engine);
                run.summary.finish(run.engine.report());
                #[cfg(feature = "oauth")]
                run.summary.oauth(run.engine.oauth_status());
                // SAFETY: as this function.
                return unsafe { finish(session, result) };
            }
        }
    }
}

/// Ends the session with `result`: the report is written, the session
/// finished.
///
/// # Safety
/// `session` is a session in progress.
unsafe fn finish(session: *mut IP_SMTPC_SESSION, result: Result<(), Error>) -> c_int {
    let code = match result {
        Ok(()) => 0,
        Err(e) => e as c_int,
    };
    // SAFETY: in progress: the summary was written by Start.
    let summary = unsafe { &mut (*run(session)).summary };
    core::mem::replace(summary, Summary::new(None)).write(code);
    // SAFETY: by contract.
    unsafe { set_state(session, FINISHED) };
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeroed() -> Box<IP_SMTPC_SESSION> {
        // SAFETY: plain data; all zeroes is a never-started session.
        let mut s: Box<IP_SMTPC_SESSION> = Box::new(unsafe { core::mem::zeroed() });
        s.SizeOf = size_of::<IP_SMTPC_SESSION>() as u32;
        s
    }

    /// The session's size is what the README and the header's user see:
    /// 8 + 44 pointers + 16 words + 512 bytes of buffers; the Run and the
    /// Checked fit with room to spare on this host.
    #[test]
    fn the_session_holds_the_run_the_checked_and_the_buffers() {
        let ptr = size_of::<*mut c_void>();
        assert_eq!(
            size_of::<IP_SMTPC_SESSION>(),
            8 + 44 * ptr + 16 * 8 + IP_SMTPC_SESSION_BUFFER_SIZE
        );
        assert_eq!(offset_of!(IP_SMTPC_SESSION, apState), 8);
        assert_eq!(
            offset_of!(IP_SMTPC_SESSION, aBuffer),
            offset_of!(IP_SMTPC_SESSION, aState) + 16 * 8
        );
        let room = 44 * ptr + (16 - CHECKED_WORDS) * 8;
        assert!(size_of::<Run>() <= room, "{} > {room}", size_of::<Run>());
        #[cfg(target_pointer_width = "64")]
        assert_eq!(size_of::<IP_SMTPC_SESSION>(), 1000);
    }

    /// Which sessions are in progress: only one whose State says so and
    /// whose Run was started at its own address.
    #[test]
    fn a_session_is_in_progress_only_where_it_was_started() {
        // SAFETY: NULL is refused before anything is read.
        let null = unsafe { in_progress(core::ptr::null_mut()) };
        assert_eq!(null.err(), Some(IP_SMTPC_ERR_NULL_POINTER));
        let mut s = zeroed();
        let p: *mut IP_SMTPC_SESSION = &mut *s;
        // SAFETY: `p` is a whole session in all of these.
        unsafe {
            assert_eq!(in_progress(p).err(), Some(IP_SMTPC_ERR_NOT_STARTED));
            (*p).SizeOf += 1;
            assert_eq!(in_progress(p).err(), Some(IP_SMTPC_ERR_SESSION_SIZE));
            (*p).SizeOf -= 1;
            set_state(p, RUNNING);
            // Started elsewhere (moved or copied): not ours.
            addr_of_mut!((*run(p)).this).write(0x1000 as *const IP_SMTPC_SESSION);
            assert_eq!(in_progress(p).err(), Some(IP_SMTPC_ERR_NOT_STARTED));
            addr_of_mut!((*run(p)).this).write(p);
            assert_eq!(in_progress(p).ok(), Some(p));
            set_state(p, FINISHED);
            assert_eq!(in_progress(p).err(), Some(IP_SMTPC_ERR_FINISHED));
        }
    }

    /// The Checked lies after the Run, in the last words of aState, and the
    /// buffers after both: the engine's references never overlap the Run.
    #[test]
    fn the_run_the_checked_and_the_buffers_do_not_overlap() {
        let mut s = zeroed();
        let p: *mut IP_SMTPC_SESSION = &mut *s;
        // SAFETY: places inside one whole session.
        let (run, checked, (out, input)) =
            unsafe { (run(p) as usize, checked(p) as usize, halves(p)) };
        let (out, input) = (out.as_ptr() as usize, input.as_ptr() as usize);
        assert!(run + size_of::<Run>() <= checked);
        assert!(checked + size_of::<Checked>() <= out);
        assert_eq!(input, out + OUT_BUFFER_SIZE);
        assert!(input + IN_BUFFER_SIZE <= p as usize + size_of::<IP_SMTPC_SESSION>());
    }
}
