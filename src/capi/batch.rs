// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_SendBatch` (`batch`): several mails over one connection, the
//! blocking driver of [`super::send`] run once per mail, each engine
//! taking the connection over from the last (`Engine::follow`).

use core::ffi::{c_int, c_uint};
use core::mem::{size_of, MaybeUninit};

use super::codes::*;
use super::ex::{raw_mode, Clock, Summary};
use super::send::{configure, connect, drive, prepare, zeroed, Link, Space};
use super::types::*;
use crate::engine::{Carry, Engine};
use crate::error::Error;

/// Sends several mails over one connection: one TCP connection, one TLS
/// handshake and one AUTH for all, RSET between two mails where the first
/// may have left a transaction open, a result (and a report) per mail;
/// a mail refused by the server does not stop the next. The options (TLS,
/// AUTH, deadlines, DSN, ...) apply to every mail; `pOptions->pReport`
/// and `pOptions->pBody` must be NULL (each mail has its own `pReport`).
///
/// Every mail is checked before anything is connected: an invalid one
/// gets its error in its `Result`, every other `IP_SMTPC_ERR_NOT_SENT`, and
/// nothing is sent. When the connection cannot go on (a 421, a transport
/// error, AUTH refused), the mails after it get `IP_SMTPC_ERR_NOT_SENT`.
///
/// @param pIP_API      Transport hooks, as for `IP_SMTPC_Send`.
/// @param paMail       `NumMails` mails; their `Result` fields are written.
/// @param NumMails     Mails in `paMail` (0: nothing happens, 0 returned).
/// @param pMTA         Mail server, credentials and `SecPolicy`.
/// @param pApplication Date/time and progress hooks, own domain, time zone.
///                     `pfCallback` hears every mail's steps in turn.
/// @param pOptions     Options initialised by `IP_SMTPC_OptionsInit`, or NULL.
/// @return 0 when every mail was accepted for every recipient, else the
///         first mail's non-zero `Result` (in array order).
/// @pre As for `IP_SMTPC_SendEx`; `paMail` points to `NumMails` writable
///      entries (or is NULL with `NumMails` 0), each as `IP_SMTPC_SendEx`'s
///      arguments require, and their `pReport` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_SendBatch(
    pIP_API: *const IP_SMTPC_API,
    paMail: *mut IP_SMTPC_BATCH_MAIL,
    NumMails: c_uint,
    pMTA: *const IP_SMTPC_MTA,
    pApplication: *const IP_SMTPC_APPLICATION,
    pOptions: *const IP_SMTPC_OPTIONS,
) -> c_int {
    if paMail.is_null() {
        return if NumMails == 0 {
            0
        } else {
            Error::NullPointer as c_int
        };
    }
    // SAFETY: `NumMails` writable entries at a non-NULL `paMail` (the contract).
    let mails = unsafe { core::slice::from_raw_parts_mut(paMail, NumMails as usize) };
    for mail in mails.iter_mut() {
        mail.Result = IP_SMTPC_ERR_NOT_SENT;
    }
    // SAFETY: NULL or valid by the caller's contract.
    let options = unsafe { pOptions.as_ref() };
    let batch_options = match options {
        Some(o) if o.SizeOf as usize != size_of::<IP_SMTPC_OPTIONS>() => Err(Error::InvalidOptions),
        // One report and one streamed body cannot serve several mails.
        Some(o) if !o.pReport.is_null() || !o.pBody.is_null() => Err(Error::InvalidOptions),
        _ => raw_mode(options),
    };
    // Every mail, before anything is connected.
    for index in 0..mails.len() {
        let check = batch_options.and_then(|()| {
            let mail = mails.get(index).ok_or(Error::NullPointer)?;
            // SAFETY: forwarded under this function's contract; nothing
            // is called but the validation.
            unsafe {
                prepare(
                    pIP_API,
                    mail.paMailAddr,
                    mail.NumMailAddr,
                    mail.pMessage,
                    pMTA,
                    pApplication,
                    options,
                    #[cfg(feature = "nb")]
                    false,
                    |_| Ok(()),
                )
            }
        });
        if let Err(e) = check {
            if let Some(mail) = mails.get_mut(index) {
                mail.Result = e as c_int;
                // SAFETY: NULL or valid by the caller's contract.
                Summary::new(unsafe { mail.pReport.as_mut() }).write(e as c_int);
            }
            return e as c_int;
        }
    }
    // SAFETY: forwarded under this function's contract.
    unsafe { send_all(pIP_API, mails, pMTA, pApplication, options) }
}

/// Sends the (valid) mails in turn over one connection; writes each
/// `Result` and report; returns the first non-zero result.
///
/// # Safety
/// As `IP_SMTPC_SendBatch`.
#[inline(always)]
unsafe fn send_all(
    api: *const IP_SMTPC_API,
    mails: &mut [IP_SMTPC_BATCH_MAIL],
    mta: *const IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    options: Option<&IP_SMTPC_OPTIONS>,
) -> c_int {
    let mut space = MaybeUninit::<Space>::uninit();
    let (out, input) = zeroed(&mut space);
    let mut link: Option<Link<'_, Clock>> = None;
    let mut carry: Option<Carry> = None;
    let mut first = 0;
    let count = mails.len();
    for (index, mail) in mails.iter_mut().enumerate() {
        if index > 0 && carry.is_none() {
            // The connection ended: the rest stay NOT_SENT.
            break;
        }
        let more = index + 1 < count;
        // SAFETY: NULL or valid by the caller's contract.
        let mut summary = Summary::new(unsafe { mail.pReport.as_mut() });
        // SAFETY: forwarded under this function's contract (checked above).
        let result = unsafe {
            prepare(
                api,
                mail.paMailAddr,
                mail.NumMailAddr,
                mail.pMessage,
                mta,
                app,
                options,
                #[cfg(feature = "nb")]
                false,
                |r| {
                    // The first mail connects (TLS, AUTH); the others
                    // follow on its connection.
                    let mut engine = Engine::new(&mut *out, &mut *input, r.checked);
                    match carry {
                        Some(c) => engine.follow(c, more, r.mail),
                        None => {
                            configure(&mut engine, r);
                            engine.set_more(more);
                            let sock = connect(r, &mut summary)?;
                            link = Some(Link::new(r, sock, Clock::new(options, sock)));
                        }
                    }
                    let Some(l) = link.as_mut() else {
                        return Err(Error::Connect);
                    };
                    let result = drive(&mut engine, r.mail, l, &mut summary);
                    carry = engine.carry();
                    if carry.is_none() {
                        // QUIT went, or the connection cannot go on.
                        l.close(&engine);
                    }
                    summary.finish(engine.report());
                    #[cfg(feature = "oauth")]
                    summary.oauth(engine.oauth_status());
                    result
                },
            )
        };
        let code = match result {
            Ok(()) => 0,
            Err(e) => e as c_int,
        };
        mail.Result = code;
        summary.write(code);
        if first == 0 {
            first = code;
        }
    }
    first
}
