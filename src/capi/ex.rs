// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_SendEx` and `IP_SMTPC_OptionsInit` (`ex`): the options read
//! and validated once, the reply deadlines around every hook call, and
//! the report filled from the engine's events and its final figures.

use core::ffi::{c_char, c_int};
use core::mem::size_of;

use super::codes::*;
use super::send::{Call, Deadlines};
use super::types::*;
use crate::engine::{Event, EventKind, TlsMode, QUIT_GRACE_MS};
use crate::error::Error;

/// Sends one mail with ip-smtpc's options: allowed AUTH mechanisms, the
/// insecure-AUTH opt-in, TLS mode, reply deadlines and a report with one
/// result per recipient. `pOptions` NULL behaves like `IP_SMTPC_Send`.
///
/// @param pIP_API      Transport hooks, as for `IP_SMTPC_Send`.
/// @param paMailAddr   Address array, entry 0 the sender, as for `IP_SMTPC_Send`.
/// @param NumMailAddr  Entries in `paMailAddr`.
/// @param pMessage     Subject, body and multipart items.
/// @param pMTA         Mail server, credentials and `SecPolicy`.
/// @param pApplication Date/time and progress hooks, own domain, time zone.
/// @param pOptions     Options initialised by `IP_SMTPC_OptionsInit`, or NULL.
/// @return 0 when the server accepted the message for every recipient,
///         otherwise a negative `IP_SMTPC_ERR_*` code; the same value is
///         in `pOptions->pReport->Result` when a report was asked for.
/// @pre As for `IP_SMTPC_Send`; `pOptions` is NULL or initialised by
///      `IP_SMTPC_OptionsInit`, and its `pReport` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_SendEx(
    pIP_API: *const IP_SMTPC_API,
    paMailAddr: *const IP_SMTPC_MAIL_ADDR,
    NumMailAddr: c_int,
    pMessage: *const IP_SMTPC_MESSAGE,
    pMTA: *const IP_SMTPC_MTA,
    pApplication: *const IP_SMTPC_APPLICATION,
    pOptions: *const IP_SMTPC_OPTIONS,
) -> c_int {
    // SAFETY: NULL or valid by the caller's contract.
    let options = unsafe { pOptions.as_ref() };
    // Nothing else in an options block is read, nor its report written,
    // before its size says it is one of ours.
    if options.is_some_and(|o| o.SizeOf as usize != size_of::<IP_SMTPC_OPTIONS>()) {
        return Error::InvalidOptions as c_int;
    }
    // SAFETY: pReport is NULL or valid by contract.
    let report = options.and_then(|o| unsafe { o.pReport.as_mut() });
    let mut summary = Summary::new(report);
    let result = raw_mode(options).and_then(|()| {
        // SAFETY: forwarded under this function's contract.
        unsafe {
            super::send::send(
                pIP_API,
                paMailAddr,
                NumMailAddr,
                pMessage,
                pMTA,
                pApplication,
                options,
                &mut summary,
                |sock| Clock::new(options, sock),
            )
        }
    });
    let code = match result {
        Ok(()) => 0,
        Err(e) => e as c_int,
    };
    summary.write(code);
    code
}

/// `RawMessage`: 0 or 1, and 1 only where `raw` is built (as `src/`).
#[inline(always)]
pub(super) fn raw_mode(options: Option<&IP_SMTPC_OPTIONS>) -> Result<(), Error> {
    match options.map_or(0, |o| o.RawMessage) {
        r @ (0 | 1) if r == 0 || cfg!(feature = "raw") => Ok(()),
        1 => Err(Error::NotBuilt),
        _ => Err(Error::InvalidOptions),
    }
}

/// Fills `*pOptions` with the defaults: every mechanism, no AUTH in clear,
/// TLS by `SecPolicy`, RFC 5321 deadlines, no report, a generated header
/// block (`RawMessage` 0), no DSN parameters, and `SizeOf` set to
/// this library's `sizeof(IP_SMTPC_OPTIONS)`.
///
/// @param pOptions The options to initialise.
/// @return 0, or `IP_SMTPC_ERR_NULL_POINTER` when `pOptions` is NULL.
/// @pre `pOptions` is NULL or points to writable memory for one
///      `IP_SMTPC_OPTIONS`.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_OptionsInit(pOptions: *mut IP_SMTPC_OPTIONS) -> c_int {
    if pOptions.is_null() {
        return Error::NullPointer as c_int;
    }
    // Every field 0 / NULL / no hook but two. Zeroed byte by byte and the
    // two set after: a struct literal written whole is a `memset` call,
    // and the library calls none (issue 12).
    // SAFETY: non-NULL and writable by contract; all-zero bytes are a
    // valid IP_SMTPC_OPTIONS (integers, NULL pointers, `None` hooks).
    unsafe {
        super::send::clear(pOptions);
        (*pOptions).SizeOf = size_of::<IP_SMTPC_OPTIONS>() as u32;
        (*pOptions).TlsMode = IP_SMTPC_TLS_BY_POLICY;
    }
    0
}

/// The `IP_SMTPC_AUTH_*` bits of the mechanisms built in.
#[cfg(feature = "cram-md5")]
const BUILT_MECHANISMS: u8 =
    (IP_SMTPC_AUTH_PLAIN | IP_SMTPC_AUTH_LOGIN | IP_SMTPC_AUTH_CRAM_MD5) as u8;
/// The `IP_SMTPC_AUTH_*` bits of the mechanisms built in.
#[cfg(not(feature = "cram-md5"))]
const BUILT_MECHANISMS: u8 = (IP_SMTPC_AUTH_PLAIN | IP_SMTPC_AUTH_LOGIN) as u8;

// The engine takes the C bit for CRAM-MD5 as it is.
#[cfg(feature = "cram-md5")]
const _: () = assert!(crate::engine::AUTH_CRAM_MD5 as U32 == IP_SMTPC_AUTH_CRAM_MD5);

/// The `IP_SMTPC_AUTH_*` bits of the OAuth mechanisms (`oauth`).
const OAUTH_MECHANISMS: U32 = IP_SMTPC_AUTH_XOAUTH2 | IP_SMTPC_AUTH_OAUTHBEARER;

// The engine takes the C bits for XOAUTH2 and OAUTHBEARER as they are.
#[cfg(feature = "oauth")]
const _: () = assert!(
    crate::engine::AUTH_XOAUTH2 as U32 == IP_SMTPC_AUTH_XOAUTH2
        && crate::engine::AUTH_OAUTHBEARER as U32 == IP_SMTPC_AUTH_OAUTHBEARER
);

/// The mechanisms of a bearer token (`oauth`): XOAUTH2 and OAUTHBEARER as
/// `mask` allows them (0: both), checked with the user; `None` without a
/// token. Without the feature a token is `NOT_BUILT`.
#[inline(always)]
fn oauth_mechanisms(
    o: &IP_SMTPC_OPTIONS,
    mta: &IP_SMTPC_MTA,
    mask: U32,
) -> Result<Option<u8>, Error> {
    let token = o.sOAuthToken;
    if token.is_null() {
        return Ok(None);
    }
    #[cfg(feature = "oauth")]
    {
        // SAFETY: NUL-terminated C strings (the caller's contract), read to
        // one byte past their limits.
        let (token, user) = unsafe {
            (
                super::view::cstr(token, crate::oauth::MAX_TOKEN),
                super::view::cstr(mta.sUser, crate::check::MAX_TEXT),
            )
        };
        if !crate::oauth::valid_token(token) || !crate::oauth::valid_user(user) {
            return Err(Error::InvalidCredentials);
        }
        match mask {
            0 => Ok(Some(OAUTH_MECHANISMS as u8)),
            m if m & OAUTH_MECHANISMS != 0 => Ok(Some((m & OAUTH_MECHANISMS) as u8)),
            _ => Err(Error::InvalidOptions),
        }
    }
    #[cfg(not(feature = "oauth"))]
    {
        let _ = (token, mta, mask);
        Err(Error::NotBuilt)
    }
}

/// The error for a mechanism mask that allows nothing built in:
/// `NOT_BUILT` when it asks for CRAM-MD5 (or, without the `oauth`
/// feature, XOAUTH2 or OAUTHBEARER) in a library without it, else
/// `INVALID_OPTIONS` (OAuth bits without a token among them).
fn no_mechanism(mask: U32) -> Error {
    let oauth = if cfg!(feature = "oauth") {
        0
    } else {
        OAUTH_MECHANISMS
    };
    if mask & (IP_SMTPC_AUTH_CRAM_MD5 | oauth) != 0 {
        Error::NotBuilt
    } else {
        Error::InvalidOptions
    }
}

/// The options as the engine uses them.
pub(super) struct Options {
    /// How TLS is used.
    pub tls: TlsMode,
    /// Allowed AUTH mechanisms (`IP_SMTPC_AUTH_*` bits; with a token
    /// only XOAUTH2 and OAUTHBEARER).
    pub mechanisms: u8,
    /// AUTH permitted without TLS.
    pub insecure_auth: bool,
}

impl Options {
    /// Validates the options against the MTA and hooks, in `src/`'s order:
    /// a deadline without a clock, an unknown `SecPolicy`, the TLS policy
    /// table, an empty mechanism mask.
    /// With `nb` (`IP_SMTPC_Start`) a deadline needs no `pfGetTimeMs`: the
    /// clock is `IP_SMTPC_Poll`'s `NowMs`.
    /// Without options (`IP_SMTPC_Send`, where `opts` is a constant `None`)
    /// only [`Options::defaults`] is compiled in: a firmware that calls
    /// `IP_SMTPC_Send` alone carries no option parsing.
    #[inline(always)]
    pub fn resolve(
        opts: Option<&IP_SMTPC_OPTIONS>,
        mta: &IP_SMTPC_MTA,
        api: &IP_SMTPC_API,
        #[cfg(feature = "nb")] nb: bool,
    ) -> Result<Options, Error> {
        match opts {
            None => Options::defaults(mta, api),
            Some(o) => Options::given(
                o,
                mta,
                api,
                #[cfg(feature = "nb")]
                nb,
            ),
        }
    }

    /// emNet's rules, without options: TLS by `SecPolicy`, every mechanism
    /// built in, AUTH in clear unless `SecPolicy` is SECURE_ONLY.
    #[inline(always)]
    fn defaults(mta: &IP_SMTPC_MTA, api: &IP_SMTPC_API) -> Result<Options, Error> {
        let secure_only = secure_only(mta)?;
        Ok(Options {
            tls: tls_policy(IP_SMTPC_TLS_BY_POLICY, secure_only, api.pfUpgrade.is_some())?,
            mechanisms: BUILT_MECHANISMS,
            insecure_auth: !secure_only,
        })
    }

    /// [`Options::resolve`] for a given options block.
    #[inline(never)]
    fn given(
        o: &IP_SMTPC_OPTIONS,
        mta: &IP_SMTPC_MTA,
        api: &IP_SMTPC_API,
        #[cfg(feature = "nb")] nb: bool,
    ) -> Result<Options, Error> {
        #[cfg(not(feature = "nb"))]
        let nb = false;
        if !nb && o.ReplyTimeoutMs != 0 && o.pfGetTimeMs.is_none() {
            return Err(Error::InvalidOptions);
        }
        let secure_only = secure_only(mta)?;
        let tls = tls_policy(o.TlsMode, secure_only, api.pfUpgrade.is_some())?;
        let mask = o.AuthMechanisms;
        let mechanisms = match (oauth_mechanisms(o, mta, mask)?, mask) {
            (Some(oauth), _) => oauth,
            (None, 0) => BUILT_MECHANISMS,
            (None, mask) => (mask as u8) & BUILT_MECHANISMS,
        };
        if mechanisms == 0 {
            return Err(no_mechanism(mask));
        }
        #[cfg(feature = "dsn")]
        if o.DsnRequired > 1 || !super::view::dsn_of(o).valid() {
            return Err(Error::InvalidOptions);
        }
        #[cfg(not(feature = "dsn"))]
        if o.DsnNotify != 0 || o.DsnRet != 0 || o.DsnRequired != 0 || !o.sDsnEnvId.is_null() {
            return Err(Error::NotBuilt);
        }
        Ok(Options {
            tls,
            mechanisms,
            // emNet sends AUTH wherever it can; the extended API only on request.
            insecure_auth: o.AllowInsecureAuth != 0,
        })
    }

    /// The Message-ID hash with the caller's `MessageIdSeed` and one
    /// reading of `pfGetTimeMs` mixed in (FNV-1a steps), once the mail and
    /// the options are valid.
    pub fn mix(opts: Option<&IP_SMTPC_OPTIONS>, hash: u64) -> u64 {
        let Some(o) = opts else {
            return hash;
        };
        // SAFETY: a plain C function without arguments (the option's contract).
        let ms = o.pfGetTimeMs.map_or(0, |f| unsafe { f() });
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        ((hash ^ u64::from(o.MessageIdSeed)).wrapping_mul(PRIME) ^ u64::from(ms))
            .wrapping_mul(PRIME)
    }
}

/// Whether `SecPolicy` is SECURE_ONLY; an unknown policy might have meant
/// "secure": `INVALID_OPTIONS` (fail closed).
#[inline(always)]
fn secure_only(mta: &IP_SMTPC_MTA) -> Result<bool, Error> {
    match mta.SecPolicy {
        SMTPC_SEC_POLICY_ALLOW_INSECURE => Ok(false),
        SMTPC_SEC_POLICY_SECURE_ONLY => Ok(true),
        _ => Err(Error::InvalidOptions),
    }
}

/// The TLS policy from `TlsMode`, `SecPolicy` and whether `pfUpgrade`
/// exists (`tls_policy` of `src/capi/send.rs`). Security wins: SECURE_ONLY
/// makes STARTTLS required whatever the mode asks, SECURE_ONLY with
/// `IP_SMTPC_TLS_NONE` is a contradiction (`INVALID_OPTIONS`), and any
/// request for TLS without the hook is `TLS_UNAVAILABLE`. Only
/// `IP_SMTPC_TLS_NONE`, or emNet's default policy without hooks, is clear
/// text by choice.
pub fn tls_policy(mode: u8, secure_only: bool, hooks: bool) -> Result<TlsMode, Error> {
    let policy = match mode {
        IP_SMTPC_TLS_NONE if secure_only => return Err(Error::InvalidOptions),
        IP_SMTPC_TLS_NONE => return Ok(TlsMode::Off),
        IP_SMTPC_TLS_BY_POLICY if !secure_only && !hooks => return Ok(TlsMode::Off),
        IP_SMTPC_TLS_BY_POLICY | IP_SMTPC_TLS_STARTTLS if !secure_only => TlsMode::Optional,
        IP_SMTPC_TLS_BY_POLICY | IP_SMTPC_TLS_STARTTLS | IP_SMTPC_TLS_STARTTLS_REQUIRED => {
            TlsMode::Required
        }
        IP_SMTPC_TLS_IMPLICIT => TlsMode::Implicit,
        _ => return Err(Error::InvalidOptions),
    };
    if hooks {
        Ok(policy)
    } else {
        Err(Error::TlsUnavailable)
    }
}

/// Reply deadlines around the hook calls (`src/client.rs`): a receive is
/// bounded from the start of the wait for the current reply, a send and
/// the TLS handshake from their own start. Before each call `pfSetTimeout`
/// (when `ReplyTimeoutMs` is set) learns what is left, at least 1 ms; after
/// it the clock is read again and a deadline that passed ends the call
/// with `Timeout`, whatever the hook returned. Without `pfGetTimeMs`
/// nothing is bounded here. All-zero bytes are a valid clock, the one
/// `Clock::new(None, NULL)` makes (the non-blocking API clears it in place).
pub(super) struct Clock {
    now: Option<unsafe extern "C" fn() -> u32>,
    set: Option<unsafe extern "C" fn(SMTPC_SOCKET, u32)>,
    sock: SMTPC_SOCKET,
    fixed: u32,
    limit: u32,
    /// When the current command, handshake or wait for a reply started:
    /// what its deadline counts from.
    start: u32,
    /// A wait for a reply is on (a receive was bounded since the last command).
    waiting: bool,
}

/// Milliseconds a step may take: `fixed` (`ReplyTimeoutMs`), or RFC 5321
/// §4.5.3.2 when the caller set none: DATA 2 min, the message and its
/// reply 10 min, every other reply 5 min; QUIT's reply, which decides
/// nothing, [`QUIT_GRACE_MS`] at most.
#[inline(always)]
pub(super) fn limit(fixed: u32, step: u8) -> u32 {
    match (fixed, step) {
        (0, IP_SMTPC_STEP_QUIT) => QUIT_GRACE_MS,
        (ms, IP_SMTPC_STEP_QUIT) => ms.min(QUIT_GRACE_MS),
        (0, IP_SMTPC_STEP_DATA) => 120_000,
        (0, IP_SMTPC_STEP_END_OF_DATA) => 600_000,
        (0, _) => 300_000,
        (ms, _) => ms,
    }
}

impl Clock {
    /// The deadlines of `opts` for the connection `sock`.
    pub fn new(opts: Option<&IP_SMTPC_OPTIONS>, sock: SMTPC_SOCKET) -> Clock {
        let fixed = opts.map_or(0, |o| o.ReplyTimeoutMs);
        Clock {
            now: opts.and_then(|o| o.pfGetTimeMs),
            set: opts.filter(|_| fixed != 0).and_then(|o| o.pfSetTimeout),
            sock,
            fixed,
            limit: 0,
            start: 0,
            waiting: false,
        }
    }

    fn read(&self) -> Option<u32> {
        // SAFETY: a plain C function without arguments (the option's contract).
        self.now.map(|f| unsafe { f() })
    }

    /// Milliseconds left at `now` (at least 1), or `Timeout`.
    fn left(&self, now: u32) -> Result<u32, Error> {
        let elapsed = now.wrapping_sub(self.start);
        if elapsed > self.limit {
            return Err(Error::Timeout);
        }
        Ok((self.limit - elapsed).max(1))
    }
}

impl Deadlines for Clock {
    /// The deadline starts (or goes on), the hooks learn what is left;
    /// `Timeout` when nothing is left (the call is not made).
    fn before(&mut self, call: Call, step: u8) -> Result<(), Error> {
        if self.now.is_none() {
            return Ok(());
        }
        self.limit = limit(self.fixed, step);
        let now = self.read().unwrap_or(0);
        // A command or handshake starts its own deadline now, and the next
        // reply's wait starts afresh; a receive goes on with its reply's.
        if call == Call::Own || !self.waiting {
            self.start = now;
            self.waiting = call == Call::Receive;
        }
        let left = self.left(now)?;
        if let Some(set) = self.set {
            // SAFETY: the handle from pfConnect and a number (the option's contract).
            unsafe { set(self.sock, left) };
        }
        Ok(())
    }

    /// `Timeout` when the call's deadline passed meanwhile.
    fn after(&self) -> Result<(), Error> {
        match self.read() {
            Some(now) => self.left(now).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// What the report gets, gathered during the call and written once.
pub(super) struct Summary<'r> {
    report: Option<&'r mut IP_SMTPC_REPORT>,
    /// `IP_SMTPC_STEP_*` that failed (INPUT before connecting).
    pub step: u8,
    code: u16,
    accepted: u16,
    rejected: u16,
    secure: bool,
}

impl<'r> Summary<'r> {
    /// Clears the caller's report: results, reply text, reserved words.
    pub fn new(mut report: Option<&'r mut IP_SMTPC_REPORT>) -> Summary<'r> {
        if let Some(r) = report.as_deref_mut() {
            // Without an array there is nothing to clear (a NumResults of
            // 2^32 - 1 would cost billions of turns for nothing).
            let mut i = 0;
            while let Some(slot) = result_slot(r, i) {
                *slot = IP_SMTPC_RCPT_RESULT::default();
                i += 1;
            }
            r.acReply[0] = 0;
            r.OAuthStatus = 0;
            r.NumHostsTried = 0;
            r.aReserved = [0; 3];
        }
        Summary {
            report,
            step: IP_SMTPC_STEP_INPUT,
            code: 0,
            accepted: 0,
            rejected: 0,
            secure: false,
        }
    }

    /// A complete reply (RCPT's with its recipient event): its text is kept
    /// as the last reply, its code in the entry's result.
    #[inline(always)]
    pub fn reply(&mut self, event: &Event<'_>) {
        let Some(r) = self.report.as_deref_mut() else {
            return;
        };
        if event.kind == EventKind::Step {
            return;
        }
        // The text (cut before the array's last byte), then a NUL.
        let room = IP_SMTPC_REPLY_TEXT_SIZE - 1;
        let text = event.text.get(..room).unwrap_or(event.text);
        for (i, dst) in r.acReply.iter_mut().enumerate().take(text.len() + 1) {
            *dst = text.get(i).map_or(0, |&b| b as c_char);
        }
        if let Some(slot) = result_slot(r, event.index) {
            slot.ReplyCode = event.code;
        }
    }

    /// The enhanced code of the reply just told to [`Summary::reply`] for entry `index`.
    pub fn enhanced(&mut self, index: usize, enhanced: [u16; 3]) {
        if let Some(slot) = self
            .report
            .as_deref_mut()
            .and_then(|r| result_slot(r, index))
        {
            slot.EnhancedClass = enhanced[0] as u8;
            slot.EnhancedSubject = enhanced[1];
            slot.EnhancedDetail = enhanced[2];
        }
    }

    /// The engine's final figures.
    pub fn finish(&mut self, (step, code, accepted, rejected, secure): (u8, u16, u16, u16, bool)) {
        self.step = step;
        self.code = code;
        self.accepted = accepted;
        self.rejected = rejected;
        self.secure = secure;
    }

    /// The status of the OAuth error challenge (`oauth`), written into the
    /// report at once (the session's storage has no room for it).
    #[cfg(feature = "oauth")]
    pub fn oauth(&mut self, status: u16) {
        if let Some(r) = self.report.as_deref_mut() {
            r.OAuthStatus = status;
        }
    }

    /// Writes the report for the result `code`.
    #[inline(always)]
    pub fn write(self, code: c_int) {
        let Some(r) = self.report else {
            return;
        };
        r.Result = code;
        r.Step = if code == 0 {
            IP_SMTPC_STEP_DONE
        } else {
            self.step
        };
        r.Secure = u8::from(self.secure);
        r.ReplyCode = self.code;
        r.NumAccepted = self.accepted;
        r.NumRejected = self.rejected;
        if self.code == 0 {
            r.acReply[0] = 0;
        }
    }
}

/// Entry `i` of the caller's result array, if it has one.
fn result_slot(r: &mut IP_SMTPC_REPORT, i: usize) -> Option<&mut IP_SMTPC_RCPT_RESULT> {
    if r.paResult.is_null() || i >= r.NumResults as usize {
        return None;
    }
    // SAFETY: the caller provides NumResults entries at paResult (the
    // report's contract), distinct from the report itself; `i` is in range.
    Some(unsafe { &mut *r.paResult.add(i) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_asked_for_anywhere_wins_or_is_refused() {
        use TlsMode::*;
        let modes = [
            IP_SMTPC_TLS_BY_POLICY,
            IP_SMTPC_TLS_NONE,
            IP_SMTPC_TLS_STARTTLS,
            IP_SMTPC_TLS_STARTTLS_REQUIRED,
            IP_SMTPC_TLS_IMPLICIT,
        ];
        type Policy = Result<TlsMode, Error>;
        // (mode, secure_only) -> with hooks, without hooks (src/capi/send.rs's table)
        let expected: [[(Policy, Policy); 2]; 5] = [
            [
                (Ok(Optional), Ok(Off)),
                (Ok(Required), Err(Error::TlsUnavailable)),
            ],
            [
                (Ok(Off), Ok(Off)),
                (Err(Error::InvalidOptions), Err(Error::InvalidOptions)),
            ],
            [
                (Ok(Optional), Err(Error::TlsUnavailable)),
                (Ok(Required), Err(Error::TlsUnavailable)),
            ],
            [
                (Ok(Required), Err(Error::TlsUnavailable)),
                (Ok(Required), Err(Error::TlsUnavailable)),
            ],
            [
                (Ok(Implicit), Err(Error::TlsUnavailable)),
                (Ok(Implicit), Err(Error::TlsUnavailable)),
            ],
        ];
        for (mode, row) in modes.iter().zip(expected) {
            for (secure_only, (with, without)) in [false, true].into_iter().zip(row) {
                assert_eq!(
                    tls_policy(*mode, secure_only, true),
                    with,
                    "{mode} {secure_only}"
                );
                assert_eq!(
                    tls_policy(*mode, secure_only, false),
                    without,
                    "{mode} {secure_only}"
                );
            }
        }
        assert_eq!(tls_policy(5, false, true), Err(Error::InvalidOptions));
    }

    #[test]
    fn options_init_sets_every_field_over_old_bytes() {
        // Old bytes everywhere: what OptionsInit leaves is its own.
        let mut o = core::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
        // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
        unsafe {
            o.as_mut_ptr()
                .cast::<u8>()
                .write_bytes(0xa5, size_of::<IP_SMTPC_OPTIONS>())
        };
        // SAFETY: as above.
        assert_eq!(unsafe { IP_SMTPC_OptionsInit(o.as_mut_ptr()) }, 0);
        // SAFETY: initialised just above.
        let o = unsafe { o.assume_init() };
        assert_eq!(o.SizeOf as usize, size_of::<IP_SMTPC_OPTIONS>());
        assert_eq!(o.TlsMode, IP_SMTPC_TLS_BY_POLICY);
        let numbers = (
            o.AuthMechanisms,
            o.ReplyTimeoutMs,
            o.MessageIdSeed,
            o.NumHeaders,
        );
        assert_eq!(numbers, (0, 0, 0, 0));
        let bytes = (
            o.AllowInsecureAuth,
            o.RawMessage,
            o.DsnNotify,
            o.DsnRet,
            o.DsnRequired,
        );
        assert_eq!(bytes, (0, 0, 0, 0, 0));
        assert!(o.pfGetTimeMs.is_none() && o.pfSetTimeout.is_none());
        assert!(o.pReport.is_null() && o.pBody.is_null() && o.sReplyTo.is_null());
        assert!(o.pasHeader.is_null() && o.sDsnEnvId.is_null() && o.sOAuthToken.is_null());
    }

    #[test]
    fn reply_text_cut_before_the_last_byte_and_terminated() {
        let text: Vec<u8> = (0..300u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut results = [IP_SMTPC_RCPT_RESULT::default(); 2];
        for len in [0, 1, 5, 126, 127, 128, 129, 300] {
            // SAFETY: integers, an array of them and a raw pointer: all-zero is valid.
            let mut report: IP_SMTPC_REPORT = unsafe { core::mem::zeroed() };
            report.paResult = results.as_mut_ptr();
            report.NumResults = 2;
            report.acReply = [b'x' as c_char; IP_SMTPC_REPLY_TEXT_SIZE];
            Summary::new(Some(&mut report)).reply(&Event {
                kind: EventKind::Rejected,
                step: IP_SMTPC_STEP_RCPT,
                code: 550,
                index: 1,
                text: &text[..len],
            });
            let kept = len.min(IP_SMTPC_REPLY_TEXT_SIZE - 1);
            let got: Vec<u8> = report.acReply.iter().map(|&c| c as u8).collect();
            assert_eq!(&got[..kept], &text[..kept], "{len}");
            assert_eq!(got[kept], 0, "{len}");
            assert!(got[kept + 1..].iter().all(|&c| c == b'x'), "{len}");
            assert_eq!(results[1].ReplyCode, 550);
            results[1].ReplyCode = 0;
        }
    }
}
