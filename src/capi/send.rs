// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_Send`, `IP_SMTPC_SendEx` and their helpers.

use core::ffi::{c_char, c_int};

use super::codes::*;
use super::parts;
use super::strings::{bounded, MAX_BODY_LEN};
use super::transport::{CObserver, CTransport};
use super::types::*;
use crate::auth::Mechanisms;
use crate::client::{self, Observer};
use crate::error::Error;
use crate::limits::{
    IN_BUFFER_SIZE, MAX_ADDRESS_LEN, MAX_DOMAIN_LEN, MAX_FIELD_LEN, OUT_BUFFER_SIZE,
};
use crate::message::content::{NoParts, Parts};
use crate::message::{Fingerprint, Kind, Mail, Party, Recipients, TextList, Timestamp};
use crate::session::{Config, Session, Step, TlsPolicy};

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
    // SAFETY: forwarded under this function's own contract.
    unsafe {
        IP_SMTPC_SendEx(
            pIP_API,
            paMailAddr,
            NumMailAddr,
            pMessage,
            pMTA,
            pApplication,
            core::ptr::null(),
        )
    }
}

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
    // SAFETY: the caller's contract covers every pointer.
    let options = unsafe { pOptions.as_ref() };
    // Nothing else in an options block is read, nor its report written,
    // before its size says it is one of ours.
    if options.is_some_and(|o| o.SizeOf as usize != core::mem::size_of::<IP_SMTPC_OPTIONS>()) {
        return IP_SMTPC_ERR_INVALID_OPTIONS;
    }
    let report: *mut IP_SMTPC_REPORT = options.map_or(core::ptr::null_mut(), |o| o.pReport);
    let mut empty: [IP_SMTPC_RCPT_RESULT; 0] = [];
    // SAFETY: pReport is NULL or valid by contract; this borrow ends with
    // the observer, before the report is written below.
    let (results, last_reply) = match unsafe { report.as_mut() } {
        Some(r) => {
            let results: &mut [IP_SMTPC_RCPT_RESULT] = if r.paResult.is_null() {
                &mut empty
            } else {
                // SAFETY: the caller provides NumResults entries at paResult.
                unsafe { core::slice::from_raw_parts_mut(r.paResult, r.NumResults as usize) }
            };
            r.acReply[0] = 0;
            r.aReserved = [0; 4];
            (results, Some(&mut r.acReply))
        }
        None => (&mut empty[..], None),
    };
    results.fill(IP_SMTPC_RCPT_RESULT {
        ReplyCode: 0,
        EnhancedClass: 0,
        EnhancedSubject: 0,
        EnhancedDetail: 0,
    });
    let mut summary = Summary {
        step: Step::Input,
        secure: false,
        code: 0,
        accepted: 0,
        rejected: 0,
    };
    let args = Args {
        api: pIP_API,
        addresses: paMailAddr,
        count: NumMailAddr,
        message: pMessage,
        mta: pMTA,
        app: pApplication,
        options,
    };
    let mut observer = CObserver {
        callback: None,
        results,
        last_reply,
    };
    // SAFETY: forwarded under this function's contract.
    let result = unsafe { send(&args, &mut observer, &mut summary) };
    let code = match result {
        Ok(()) => 0,
        Err(e) => error_code(e),
    };
    // SAFETY: as above; the observer's borrows have ended.
    if let Some(r) = unsafe { report.as_mut() } {
        r.Result = code;
        r.Step = if result.is_ok() {
            IP_SMTPC_STEP_DONE
        } else {
            step_code(summary.step)
        };
        r.Secure = U8::from(summary.secure);
        r.ReplyCode = summary.code;
        r.NumAccepted = summary.accepted;
        r.NumRejected = summary.rejected;
        if summary.code == 0 {
            r.acReply[0] = 0;
        }
    }
    code
}

/// Fills `*pOptions` with the defaults: every mechanism, no AUTH in clear,
/// TLS by `SecPolicy`, RFC 5321 deadlines, no report, a generated header
/// block (`RawMessage` 0), and `SizeOf` set to
/// this library's `sizeof(IP_SMTPC_OPTIONS)`.
///
/// @param pOptions The options to initialise.
/// @return 0, or `IP_SMTPC_ERR_NULL_POINTER` when `pOptions` is NULL.
/// @pre `pOptions` is NULL or points to writable memory for one
///      `IP_SMTPC_OPTIONS`.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_OptionsInit(pOptions: *mut IP_SMTPC_OPTIONS) -> c_int {
    if pOptions.is_null() {
        return IP_SMTPC_ERR_NULL_POINTER;
    }
    let defaults = IP_SMTPC_OPTIONS {
        SizeOf: core::mem::size_of::<IP_SMTPC_OPTIONS>() as U32,
        AuthMechanisms: 0,
        AllowInsecureAuth: 0,
        TlsMode: IP_SMTPC_TLS_BY_POLICY,
        ReplyTimeoutMs: 0,
        pfGetTimeMs: None,
        MessageIdSeed: 0,
        pReport: core::ptr::null_mut(),
        pBody: core::ptr::null(),
        sReplyTo: core::ptr::null(),
        pasHeader: core::ptr::null(),
        NumHeaders: 0,
        pfSetTimeout: None,
        RawMessage: 0,
    };
    // SAFETY: non-NULL and writable by contract; `write` does not read the old value.
    unsafe { pOptions.write(defaults) };
    0
}

/// Describes a result code in English.
///
/// @param Error A value returned by `IP_SMTPC_Send` or `IP_SMTPC_SendEx`
///              (0 or `IP_SMTPC_ERR_*`).
/// @return A static, NUL-terminated text; never NULL ("unknown error" for
///         codes that are not the library's).
#[no_mangle]
pub extern "C" fn IP_SMTPC_ErrorString(Error: c_int) -> *const c_char {
    match (Error, error_from_code(Error)) {
        (0, _) => c"success".as_ptr(),
        (_, Some(e)) => e.message().as_ptr(),
        (_, None) => c"unknown error".as_ptr(),
    }
}

/// The raw arguments of one call.
struct Args<'a> {
    api: *const IP_SMTPC_API,
    addresses: *const IP_SMTPC_MAIL_ADDR,
    count: c_int,
    message: *const IP_SMTPC_MESSAGE,
    mta: *const IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    options: Option<&'a IP_SMTPC_OPTIONS>,
}

/// What the report needs from the session.
struct Summary {
    step: Step,
    secure: bool,
    code: u16,
    accepted: u16,
    rejected: u16,
}

/// The recipients of the C address array (entries 1..).
struct CRecipients<'a> {
    entries: &'a [IP_SMTPC_MAIL_ADDR],
}

impl Recipients for CRecipients<'_> {
    fn count(&self) -> usize {
        self.entries.len()
    }
    fn get(&self, index: usize) -> Option<Party<'_>> {
        let entry = self.entries.get(index)?;
        const INVALID: Party<'static> = Party {
            address: b"",
            name: b"",
            kind: Kind::Invalid,
        };
        // SAFETY: the entries were validated by `read_party` before the
        // session started and stay valid during the call.
        let party = unsafe { read_party(entry) };
        Some(party.unwrap_or(INVALID))
    }
}

/// Reads one address entry with its bounds.
///
/// # Safety
/// The entry's strings are NULL or readable up to their NUL or bound.
unsafe fn read_party(entry: &IP_SMTPC_MAIL_ADDR) -> Result<Party<'_>, Error> {
    if entry.sAddr.is_null() {
        return Err(Error::NullPointer);
    }
    // SAFETY: by this function's contract.
    let address = unsafe { bounded(entry.sAddr, MAX_ADDRESS_LEN) }.ok_or(Error::AddressTooLong)?;
    // SAFETY: by this function's contract.
    let name = unsafe { bounded(entry.sName, MAX_FIELD_LEN) }.ok_or(Error::InvalidName)?;
    let kind = match entry.Type {
        SMTPC_REC_TYPE_TO => Kind::To,
        SMTPC_REC_TYPE_CC => Kind::Cc,
        SMTPC_REC_TYPE_BCC => Kind::Bcc,
        _ => Kind::Invalid,
    };
    Ok(Party {
        address,
        name,
        kind,
    })
}

/// Validates everything, connects, runs the session, disconnects.
///
/// # Safety
/// As `IP_SMTPC_SendEx`.
unsafe fn send(
    args: &Args<'_>,
    observer: &mut CObserver<'_>,
    summary: &mut Summary,
) -> Result<(), Error> {
    // SAFETY: pointers are NULL or valid by contract (as for every `as_ref` below).
    let api = unsafe { args.api.as_ref() }.ok_or(Error::NullPointer)?;
    let (Some(connect), Some(disconnect), Some(send), Some(receive)) =
        (api.pfConnect, api.pfDisconnect, api.pfSend, api.pfReceive)
    else {
        return Err(Error::MissingHook);
    };
    if args.count <= 0 {
        return Err(Error::NoSender);
    }
    if args.addresses.is_null() {
        return Err(Error::NullPointer);
    }
    // SAFETY: the caller provides `count` entries.
    let entries = unsafe { core::slice::from_raw_parts(args.addresses, args.count as usize) };
    let Some((sender_entry, recipient_entries)) = entries.split_first() else {
        return Err(Error::NoSender);
    };
    // SAFETY: valid entry by contract.
    let sender = unsafe { read_party(sender_entry) }?;
    for entry in recipient_entries {
        // SAFETY: valid entry by contract.
        unsafe { read_party(entry) }?;
    }
    let recipients = CRecipients {
        entries: recipient_entries,
    };
    // SAFETY: NULL or valid by contract.
    let message = unsafe { args.message.as_ref() }.ok_or(Error::NullPointer)?;
    // SAFETY: NULL or valid by contract.
    let mta = unsafe { args.mta.as_ref() }.ok_or(Error::NullPointer)?;
    // SAFETY: NULL or valid by contract.
    let app = unsafe { args.app.as_ref() };
    let items: &[IP_SMTPC_MULTIPART_ITEM] =
        match (message.paMultipartItem.is_null(), message.NumMultipartItems) {
            (_, 0) => &[],
            (true, _) => return Err(Error::NullPointer),
            // SAFETY: the caller provides NumMultipartItems items.
            (false, n) => unsafe {
                core::slice::from_raw_parts(message.paMultipartItem, n as usize)
            },
        };
    // SAFETY: NULL or valid by contract.
    let body_item = args.options.and_then(|o| unsafe { o.pBody.as_ref() });
    let raw = raw_message(args.options)?;
    if raw && !items.is_empty() {
        return Err(Error::InvalidOptions);
    }
    // A complete message streamed needs no MIME code, only the stream.
    if !cfg!(feature = "mime") && (!items.is_empty() || (body_item.is_some() && !raw)) {
        return Err(Error::NotBuilt);
    }
    if cfg!(feature = "mime") {
        for item in items {
            // SAFETY: valid item by contract.
            unsafe { parts::describe(item) }?;
        }
    }
    if body_item.is_some_and(|b| b.pfSendItem.is_none()) {
        return Err(Error::InvalidBody);
    }
    // As with paMultipartItem: a count without an array is a caller error.
    let headers: &[*const c_char] = match args.options.map(|o| (o.pasHeader, o.NumHeaders)) {
        None | Some((_, 0)) => &[],
        Some((lines, _)) if lines.is_null() => return Err(Error::NullPointer),
        // SAFETY: the caller provides NumHeaders pointers.
        Some((lines, n)) => unsafe { core::slice::from_raw_parts(lines, n as usize) },
    };
    let extra_headers = parts::CHeaders { lines: headers };
    for i in 0..headers.len() {
        extra_headers.get(i).ok_or(Error::InvalidHeader)?;
    }
    // SAFETY: NULL or a C string by contract.
    let reply_to = unsafe {
        bounded(
            args.options.map_or(core::ptr::null(), |o| o.sReplyTo),
            MAX_ADDRESS_LEN,
        )
    }
    .ok_or(Error::InvalidHeader)?;
    // SAFETY: NULL or a C string by contract.
    let boundary = unsafe { bounded(message.sBoundary, 70) }.ok_or(Error::InvalidAttachment)?;
    let mut c_parts = parts::CParts {
        items,
        body: body_item,
    };
    // Without MIME there is nothing to stream (refused above), and the item
    // code is not linked.
    let parts: &mut dyn Parts = if cfg!(feature = "mime") || raw {
        &mut c_parts
    } else {
        &mut NoParts
    };
    if mta.sServer.is_null() {
        return Err(Error::NullPointer);
    }
    // SAFETY: strings are NULL or readable to their NUL or bound (as for every `bounded` below).
    let subject =
        unsafe { bounded(message.sSubject, MAX_FIELD_LEN) }.ok_or(Error::InvalidSubject)?;
    // SAFETY: as above.
    let body = unsafe { bounded(message.sBody, MAX_BODY_LEN) }.ok_or(Error::InvalidBody)?;
    // SAFETY: as above.
    let user = unsafe { bounded(mta.sUser, MAX_FIELD_LEN) }.ok_or(Error::InvalidCredentials)?;
    // SAFETY: as above.
    let password = unsafe { bounded(mta.sPass, MAX_FIELD_LEN) }.ok_or(Error::InvalidCredentials)?;
    // A complete message carries its own header: fields that would go
    // into a generated one are a contradiction, not something to drop.
    if raw
        && !(subject.is_empty() && reply_to.is_empty() && headers.is_empty() && boundary.is_empty())
    {
        return Err(Error::InvalidOptions);
    }
    #[cfg(feature = "raw")]
    if raw && body_item.is_none() {
        crate::message::raw::check(body)?;
    }
    let (mut domain, mut timezone, mut date, mut packed) = (&b""[..], &b""[..], None, 0u32);
    if let Some(app) = app {
        // SAFETY: as above.
        domain = unsafe { bounded(app.sDomain, MAX_DOMAIN_LEN) }.ok_or(Error::InvalidDomain)?;
        // SAFETY: as above.
        timezone = unsafe { bounded(app.sTimezone, 5) }.ok_or(Error::InvalidTimezone)?;
        if let Some(get_time) = app.pfGetTimeDate {
            // SAFETY: a C function without arguments.
            packed = unsafe { get_time() };
            date = Some(Timestamp::from_fat(packed)?);
        }
        observer.callback = app.pfCallback;
    }
    let mut config = config(mta, api, args.options, user, password)?;
    config.streamed_content = parts.count() > 0 || parts.has_body_stream();
    #[cfg(feature = "raw")]
    {
        config.raw_message = raw;
    }
    config.validate()?;
    let mut mail = Mail {
        sender,
        recipients: &recipients,
        subject,
        body,
        date,
        timezone,
        domain,
        unique: 0,
        reply_to,
        extra_headers: &extra_headers,
        boundary,
    };
    mail.validate()?;
    let seed = args.options.map_or(0, |o| o.MessageIdSeed);
    // SAFETY: a C function without arguments (the option's contract).
    let now_ms = args
        .options
        .and_then(|o| o.pfGetTimeMs)
        .map(|f| unsafe { f() });
    mail.unique = unique(&mail, &*parts, [packed, seed, now_ms.unwrap_or(0)]);

    observer.note(&client::Note {
        step: Step::Connect,
        event: None,
        code: 0,
        enhanced: None,
        text: b"",
    });
    summary.step = Step::Connect;
    // SAFETY: sServer is a valid C string (checked non-NULL; the caller's contract).
    let socket = unsafe { connect(mta.sServer) };
    if socket.is_null() {
        return Err(Error::Connect);
    }
    let mut transport = CTransport {
        send,
        receive,
        upgrade: api.pfUpgrade,
        clock: args.options.and_then(|o| o.pfGetTimeMs),
        set_timeout: args
            .options
            .filter(|o| o.ReplyTimeoutMs != 0)
            .and_then(|o| o.pfSetTimeout),
        socket,
        server: mta.sServer,
        tls_up: false,
        _api: core::marker::PhantomData,
    };
    let mut session = Session::new(&mail, config);
    let mut inbuf = [0u8; IN_BUFFER_SIZE];
    let mut outbuf = [0u8; OUT_BUFFER_SIZE];
    let result = client::run(
        &mut session,
        &mut transport,
        &mut inbuf,
        &mut outbuf,
        observer,
        parts,
    );
    if transport.tls_up {
        if let Some(downgrade) = api.pfDowngrade {
            // SAFETY: the socket is open and TLS is up.
            unsafe { downgrade(socket) };
        }
    }
    // SAFETY: the socket came from pfConnect and is closed exactly once.
    unsafe { disconnect(socket) };
    let tally = session.tally();
    *summary = Summary {
        step: tally.failed_step.unwrap_or(Step::Done),
        secure: tally.secure,
        code: tally.last_code,
        accepted: tally.accepted,
        rejected: tally.rejected,
    };
    result
}

/// The session configuration from emNet's MTA and ip-smtpc's options.
fn config<'a>(
    mta: &IP_SMTPC_MTA,
    api: &IP_SMTPC_API,
    options: Option<&IP_SMTPC_OPTIONS>,
    user: &'a [u8],
    password: &'a [u8],
) -> Result<Config<'a>, Error> {
    if let Some(o) = options {
        let deadline_without_clock = o.ReplyTimeoutMs != 0 && o.pfGetTimeMs.is_none();
        if deadline_without_clock {
            return Err(Error::InvalidOptions);
        }
    }
    // An unknown policy might have meant "secure": fail closed.
    if mta.SecPolicy > SMTPC_SEC_POLICY_SECURE_ONLY {
        return Err(Error::InvalidOptions);
    }
    let secure_only = mta.SecPolicy == SMTPC_SEC_POLICY_SECURE_ONLY;
    let mode = options.map_or(IP_SMTPC_TLS_BY_POLICY, |o| o.TlsMode);
    let tls = tls_policy(mode, secure_only, api.pfUpgrade.is_some())?;
    let mechanisms = options.map_or(Mechanisms::ALL, |o| Mechanisms::from_mask(o.AuthMechanisms));
    if mechanisms.is_empty() {
        return Err(Error::InvalidOptions);
    }
    Ok(Config {
        user,
        password,
        mechanisms,
        // emNet sends AUTH wherever it can; the extended API only on request.
        allow_insecure_auth: match options {
            None => mta.SecPolicy == SMTPC_SEC_POLICY_ALLOW_INSECURE,
            Some(o) => o.AllowInsecureAuth != 0,
        },
        tls,
        timeout_ms: options.map_or(0, |o| o.ReplyTimeoutMs),
        streamed_content: false,
        #[cfg(feature = "raw")]
        raw_message: false,
    })
}

/// `RawMessage` 1 where the `raw` feature is built.
#[cfg(feature = "raw")]
const RAW_MESSAGE: Result<bool, Error> = Ok(true);
/// `RawMessage` 1 where the `raw` feature is not built.
#[cfg(not(feature = "raw"))]
const RAW_MESSAGE: Result<bool, Error> = Err(Error::NotBuilt);

/// Whether the body is a complete message (`RawMessage`: 0 or 1).
fn raw_message(options: Option<&IP_SMTPC_OPTIONS>) -> Result<bool, Error> {
    match options.map_or(0, |o| o.RawMessage) {
        0 => Ok(false),
        1 => RAW_MESSAGE,
        _ => Err(Error::InvalidOptions),
    }
}

/// The TLS policy from `TlsMode`, `SecPolicy` and whether TLS hooks exist.
/// Security wins: SECURE_ONLY makes STARTTLS required whatever the mode
/// asks, SECURE_ONLY with `IP_SMTPC_TLS_NONE` is a contradiction
/// (`INVALID_OPTIONS`), and any request for TLS without hooks is
/// `TLS_UNAVAILABLE`. Only `IP_SMTPC_TLS_NONE`, or emNet's default policy
/// without hooks, is clear text by choice.
fn tls_policy(mode: U8, secure_only: bool, hooks: bool) -> Result<TlsPolicy, Error> {
    let policy = match mode {
        IP_SMTPC_TLS_NONE if secure_only => return Err(Error::InvalidOptions),
        IP_SMTPC_TLS_NONE => return Ok(TlsPolicy::Never),
        IP_SMTPC_TLS_BY_POLICY if !secure_only && !hooks => return Ok(TlsPolicy::Never),
        IP_SMTPC_TLS_BY_POLICY | IP_SMTPC_TLS_STARTTLS if !secure_only => TlsPolicy::Opportunistic,
        IP_SMTPC_TLS_BY_POLICY | IP_SMTPC_TLS_STARTTLS | IP_SMTPC_TLS_STARTTLS_REQUIRED => {
            TlsPolicy::Required
        }
        IP_SMTPC_TLS_IMPLICIT => TlsPolicy::Implicit,
        _ => return Err(Error::InvalidOptions),
    };
    if hooks {
        Ok(policy)
    } else {
        Err(Error::TlsUnavailable)
    }
}

/// The value behind the Message-ID and the generated boundary: a hash of
/// the whole mail (every address and name, subject, body, extra headers),
/// the attachments' names and types, the FAT time, the caller's
/// `MessageIdSeed`, the millisecond clock where one is given, and the address
/// of this call's stack frame (different for tasks sending at once). No
/// static state: two identical mails sent by one task within the same
/// 2-second tick, without a seed or clock, get the same value.
fn unique<R: Recipients + ?Sized>(mail: &Mail<'_, R>, parts: &dyn Parts, words: [u32; 3]) -> u64 {
    let mut hash = Fingerprint::default();
    mail.fingerprint(&mut hash);
    for attachment in (0..parts.count()).filter_map(|i| parts.attachment(i)) {
        hash.add(attachment.filename);
        hash.add(attachment.content_type);
    }
    for word in words {
        hash.add_u32(word);
    }
    let marker = 0u8;
    hash.add_u32(&marker as *const u8 as usize as u32);
    hash.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_asked_for_anywhere_wins_or_is_refused() {
        use TlsPolicy::*;
        let modes = [
            IP_SMTPC_TLS_BY_POLICY,
            IP_SMTPC_TLS_NONE,
            IP_SMTPC_TLS_STARTTLS,
            IP_SMTPC_TLS_STARTTLS_REQUIRED,
            IP_SMTPC_TLS_IMPLICIT,
        ];
        type Policy = Result<TlsPolicy, Error>;
        // (mode, secure_only) -> with hooks, without hooks
        let expected: [[(Policy, Policy); 2]; 5] = [
            [
                (Ok(Opportunistic), Ok(Never)),
                (Ok(Required), Err(Error::TlsUnavailable)),
            ],
            [
                (Ok(Never), Ok(Never)),
                (Err(Error::InvalidOptions), Err(Error::InvalidOptions)),
            ],
            [
                (Ok(Opportunistic), Err(Error::TlsUnavailable)),
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
    fn raw_message_is_0_or_1_and_needs_the_feature() {
        let mut o = core::mem::MaybeUninit::<IP_SMTPC_OPTIONS>::uninit();
        // SAFETY: writable memory for one IP_SMTPC_OPTIONS.
        assert_eq!(unsafe { IP_SMTPC_OptionsInit(o.as_mut_ptr()) }, 0);
        // SAFETY: initialised just above.
        let mut o = unsafe { o.assume_init() };
        assert_eq!(raw_message(None), Ok(false));
        assert_eq!(raw_message(Some(&o)), Ok(false));
        o.RawMessage = 1;
        assert_eq!(raw_message(Some(&o)), RAW_MESSAGE);
        o.RawMessage = 2;
        assert_eq!(raw_message(Some(&o)), Err(Error::InvalidOptions));
    }
}
