// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_SendToDomain` and `IP_SMTPC_MxQuery` (`mx`): MX routing over
//! the blocking driver of [`super::send`], run once per mail host until
//! one decides the result.

use core::ffi::{c_char, c_int, c_uint};
use core::mem::{size_of, MaybeUninit};
use core::ptr::addr_of_mut;

use super::codes::*;
use super::ex::IP_SMTPC_OptionsInit;
use super::ex::{raw_mode, IP_SMTPC_SendEx, Summary};
use super::send::{clear, copy_to, prepare};
use super::types::*;
use super::view::cstr;
use crate::error::Error;
use crate::mx::{self, NAME_SIZE};

/// Bytes of the DNS answer buffer (on the caller's stack).
const ANSWER_SIZE: usize = IP_SMTPC_MX_ANSWER_SIZE as usize;

const _: () = assert!(IP_SMTPC_MX_MAX_HOSTS as usize == mx::MAX_HOSTS);
const _: () = assert!(IP_SMTPC_MX_QUERY_SIZE as usize == mx::QUERY_SIZE);

/// Sends one mail to the mail hosts of `sDomain` (RFC 5321 §5.1): asks
/// `pResolver` for the domain's MX records, then tries the hosts in
/// preference order (equal preferences in an order shuffled by the
/// Message-ID hash, so by the mail, the time and `MessageIdSeed`; at most
/// `IP_SMTPC_MX_MAX_HOSTS`), each as `IP_SMTPC_SendEx` would with
/// `pMTA->sServer` replaced by the host's name: `pfConnect` (and
/// `pfUpgrade`) get the host name, the application chooses the port and
/// resolves the address. A domain without MX records is its own mail host
/// (implicit MX).
///
/// The next host is tried when this one could not be reached or refused
/// for now before the transaction: `pfConnect` failed, the connection
/// failed or timed out before MAIL, or the greeting, EHLO/HELO, STARTTLS
/// or AUTH got a 4xx (421 included). Any other result ends the attempt:
/// success, a 5xx, a failure after MAIL was sent (the server may hold the
/// transaction), a local error. `pReport` (in `pOptions`) describes the
/// last host tried; its `NumHostsTried` counts the hosts tried.
///
/// Before anything is queried the mail, the options and `sDomain` are
/// validated (an invalid domain is `IP_SMTPC_ERR_INVALID_MX_DOMAIN`). DNS
/// outcomes, nothing connected: `IP_SMTPC_ERR_NO_SUCH_DOMAIN` (NXDOMAIN) and
/// `IP_SMTPC_ERR_NULL_MX` (RFC 7505) are permanent,
/// `IP_SMTPC_ERR_DNS_LOOKUP` temporary, `IP_SMTPC_ERR_DNS_MALFORMED` a
/// broken answer.
///
/// @param pIP_API      Transport hooks, as for `IP_SMTPC_Send`.
/// @param paMailAddr   Address array, entry 0 the sender, as for `IP_SMTPC_Send`.
/// @param NumMailAddr  Entries in `paMailAddr`.
/// @param pMessage     Subject, body and multipart items.
/// @param pMTA         Credentials and `SecPolicy`; `sServer` is not used
///                     (may be NULL).
/// @param pApplication Date/time and progress hooks, own domain, time zone.
/// @param sDomain      The domain to send to (ASCII host name, e.g. the
///                     recipients' domain).
/// @param pResolver    The MX resolver hook.
/// @param pOptions     Options initialised by `IP_SMTPC_OptionsInit`, or NULL.
/// @return 0 when a host accepted the message for every recipient,
///         otherwise a negative `IP_SMTPC_ERR_*` code (the last host's).
/// @pre As for `IP_SMTPC_SendEx`; `sDomain` is NULL or a C string,
///      `pResolver` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_SendToDomain(
    pIP_API: *const IP_SMTPC_API,
    paMailAddr: *const IP_SMTPC_MAIL_ADDR,
    NumMailAddr: c_int,
    pMessage: *const IP_SMTPC_MESSAGE,
    pMTA: *const IP_SMTPC_MTA,
    pApplication: *const IP_SMTPC_APPLICATION,
    sDomain: *const c_char,
    pResolver: *const IP_SMTPC_RESOLVER,
    pOptions: *const IP_SMTPC_OPTIONS,
) -> c_int {
    // SAFETY: NULL or valid by the caller's contract.
    let options = unsafe { pOptions.as_ref() };
    if options.is_some_and(|o| o.SizeOf as usize != size_of::<IP_SMTPC_OPTIONS>()) {
        return Error::InvalidOptions as c_int;
    }
    // A report for the caller who asked for none (the fallback decision
    // reads its step and reply code).
    let mut local = MaybeUninit::<IP_SMTPC_REPORT>::uninit();
    // SAFETY: writable; all-zero bytes are a valid report (numbers, NULL,
    // arrays), so it is initialised after.
    let local = unsafe {
        clear(local.as_mut_ptr());
        local.assume_init_mut()
    };
    // SAFETY: pReport is NULL or valid by contract.
    let report = match options.and_then(|o| unsafe { o.pReport.as_mut() }) {
        Some(r) => r,
        None => local,
    };
    let mut tried = 0;
    let mut route = MaybeUninit::<Route<'_>>::uninit();
    // SAFETY: forwarded under this function's contract.
    let code = match unsafe {
        prepared(
            pIP_API,
            paMailAddr,
            NumMailAddr,
            pMessage,
            pMTA,
            pApplication,
            sDomain,
            pResolver,
            options,
            &mut route,
        )
    } {
        Err(e) => {
            Summary::new(Some(&mut *report)).write(e as c_int);
            e as c_int
        }
        // SAFETY: `prepared` wrote every field of the route; forwarded
        // under this function's contract.
        Ok(()) => unsafe { route.assume_init_mut().run(report, &mut tried) },
    };
    report.NumHostsTried = tried;
    code
}

/// Writes the MX query (class IN, recursion desired) of `sDomain` with the
/// identifier `Id` into `pBuffer`, for a stack that sends the query itself
/// (lwIP: over UDP to port 53 of its DNS server; the reply whose first two
/// bytes are `Id` goes back through `pfQueryMx`).
///
/// @param sDomain    The domain (ASCII host name, one trailing dot allowed).
/// @param Id         The query's identifier (use a random one).
/// @param pBuffer    Where to write the query.
/// @param BufferSize Bytes at `pBuffer` (`IP_SMTPC_MX_QUERY_SIZE` always suffice).
/// @return The query's length, or `IP_SMTPC_ERR_NULL_POINTER`,
///         `IP_SMTPC_ERR_INVALID_MX_DOMAIN`, `IP_SMTPC_ERR_INVALID_OPTIONS`
///         (the buffer is too small; nothing written).
/// @pre `sDomain` is NULL or a C string; `pBuffer` NULL or writable for
///      `BufferSize` bytes.
#[no_mangle]
pub unsafe extern "C" fn IP_SMTPC_MxQuery(
    sDomain: *const c_char,
    Id: U16,
    pBuffer: *mut U8,
    BufferSize: c_uint,
) -> c_int {
    if sDomain.is_null() || pBuffer.is_null() {
        return Error::NullPointer as c_int;
    }
    // SAFETY: a C string (the contract), read up to one byte past a domain.
    let domain = unsafe { cstr(sDomain, IP_SMTPC_MAX_DOMAIN_LEN) };
    // SAFETY: writable for `BufferSize` bytes (the contract).
    let buf = unsafe { core::slice::from_raw_parts_mut(pBuffer, BufferSize as usize) };
    match mx::query(domain, Id, buf) {
        Ok(n) => n as c_int,
        Err(e) => e as c_int,
    }
}

/// A validated call: the arguments, the domain, its resolver, the seed.
struct Route<'a> {
    api: *const IP_SMTPC_API,
    addrs: *const IP_SMTPC_MAIL_ADDR,
    count: c_int,
    msg: *const IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    /// The options each host is sent with (the caller's, or the defaults
    /// with emNet's AUTH rule); `pReport` set per host.
    options: IP_SMTPC_OPTIONS,
    domain: &'a [u8],
    /// `domain` as the caller's C string.
    sdomain: *const c_char,
    resolver: &'a IP_SMTPC_RESOLVER,
    seed: u64,
}

/// Validates everything before the query: the domain, the resolver, the
/// options, the mail (as `IP_SMTPC_SendEx` does); when all is valid,
/// writes every field of `route` (in place: a route moved whole is a
/// `memcpy` call, which the library must not make).
///
/// # Safety
/// As `IP_SMTPC_SendToDomain`.
#[allow(clippy::too_many_arguments)]
unsafe fn prepared<'a>(
    api: *const IP_SMTPC_API,
    addrs: *const IP_SMTPC_MAIL_ADDR,
    count: c_int,
    msg: *const IP_SMTPC_MESSAGE,
    mta: *const IP_SMTPC_MTA,
    app: *const IP_SMTPC_APPLICATION,
    domain: *const c_char,
    resolver: *const IP_SMTPC_RESOLVER,
    options: Option<&'a IP_SMTPC_OPTIONS>,
    route: &mut MaybeUninit<Route<'a>>,
) -> Result<(), Error> {
    // SAFETY: each pointer is NULL or valid by the caller's contract.
    let (mta, resolver) = unsafe { (mta.as_ref(), resolver.as_ref()) };
    let (Some(mta), Some(resolver), false) = (mta, resolver, domain.is_null()) else {
        return Err(Error::NullPointer);
    };
    if resolver.pfQueryMx.is_none() {
        return Err(Error::MissingHook);
    }
    // SAFETY: a C string (the contract), read up to one byte past a domain.
    let name = unsafe { cstr(domain, IP_SMTPC_MAX_DOMAIN_LEN) };
    mx::check_domain(name)?;
    raw_mode(options)?;
    // The hosts take the server's place; until then the domain does.
    let mta = IP_SMTPC_MTA {
        sServer: domain,
        sUser: mta.sUser,
        sPass: mta.sPass,
        SecPolicy: mta.SecPolicy,
    };
    let mut seed = 0;
    // SAFETY: forwarded under the caller's contract; nothing is called
    // but the validation (and pfGetTimeMs for the hash).
    unsafe {
        prepare(
            api,
            addrs,
            count,
            msg,
            &mta,
            app,
            options,
            #[cfg(feature = "nb")]
            false,
            |r| {
                seed = r.checked.hash;
                Ok(())
            },
        )?;
    }
    let p = route.as_mut_ptr();
    // SAFETY: every field of the route written once, in place, before
    // anything reads it.
    unsafe {
        let to = addr_of_mut!((*p).options);
        match options {
            // A valid options block (size checked): plain data, copied.
            Some(o) => copy_to(to, o),
            None => {
                // OptionsInit writes all of it.
                IP_SMTPC_OptionsInit(to);
                // NULL options behave like IP_SMTPC_Send: AUTH as emNet sends it.
                (*to).AllowInsecureAuth = u8::from(mta.SecPolicy != SMTPC_SEC_POLICY_SECURE_ONLY);
            }
        }
        addr_of_mut!((*p).api).write(api);
        addr_of_mut!((*p).addrs).write(addrs);
        addr_of_mut!((*p).count).write(count);
        addr_of_mut!((*p).msg).write(msg);
        addr_of_mut!((*p).mta).write(mta);
        addr_of_mut!((*p).app).write(app);
        addr_of_mut!((*p).domain).write(name);
        addr_of_mut!((*p).sdomain).write(domain);
        addr_of_mut!((*p).resolver).write(resolver);
        addr_of_mut!((*p).seed).write(seed);
    }
    Ok(())
}

impl Route<'_> {
    /// Queries, then sends to the hosts in turn; the result, the report
    /// written for the last host, `tried` the hosts tried.
    ///
    /// # Safety
    /// As `IP_SMTPC_SendToDomain`.
    unsafe fn run(&mut self, report: &mut IP_SMTPC_REPORT, tried: &mut U16) -> c_int {
        // Zeroed by bytes, not by a `memset` call (the library makes none);
        // all-zero bytes are valid for each.
        let mut answer = MaybeUninit::<[u8; ANSWER_SIZE]>::uninit();
        let mut name = MaybeUninit::<[u8; NAME_SIZE]>::uninit();
        let mut hosts = MaybeUninit::<mx::Hosts>::uninit();
        // SAFETY: writable; zero bytes are valid arrays and an empty host
        // list (numbers only).
        let (answer, name, hosts) = unsafe {
            clear(answer.as_mut_ptr());
            clear(name.as_mut_ptr());
            clear(hosts.as_mut_ptr());
            (
                answer.assume_init_mut(),
                name.assume_init_mut(),
                hosts.assume_init_mut(),
            )
        };
        if let Err(e) = self.lookup(answer, hosts) {
            Summary::new(Some(&mut *report)).write(e as c_int);
            return e as c_int;
        }
        let mut code = Error::DnsMalformed as c_int;
        for i in 0..hosts.len() {
            if hosts.name(i, answer, self.domain, name).is_none() {
                break;
            }
            self.mta.sServer = name.as_ptr().cast();
            *tried += 1;
            self.options.pReport = &mut *report;
            // Each host is one IP_SMTPC_SendEx call: its driver stays one
            // function (a second caller of its inlined loop made LLVM move
            // the loop out of IP_SMTPC_SendEx, +322 B for IP_SMTPC_Send alone).
            // SAFETY: forwarded under the caller's contract; `name` is a C
            // string and `report` a report, both outliving the call.
            code = unsafe {
                IP_SMTPC_SendEx(
                    self.api,
                    self.addrs,
                    self.count,
                    self.msg,
                    &self.mta,
                    self.app,
                    &self.options,
                )
            };
            if !fall_back(code, report.Step, report.ReplyCode) {
                break;
            }
        }
        code
    }

    /// Asks the resolver and parses its answer (written into `answer`)
    /// into `hosts`.
    fn lookup(&self, answer: &mut [u8; ANSWER_SIZE], hosts: &mut mx::Hosts) -> Result<(), Error> {
        let query = self.resolver.pfQueryMx.ok_or(Error::MissingHook)?;
        // SAFETY: a C hook with the caller's C string, a buffer of its
        // size and the caller's context.
        let n = unsafe {
            query(
                self.sdomain,
                answer.as_mut_ptr(),
                IP_SMTPC_MX_ANSWER_SIZE,
                self.resolver.pContext,
            )
        };
        let bytes = usize::try_from(n)
            .ok()
            .and_then(|n| answer.get(..n))
            .ok_or(Error::DnsLookup)?;
        mx::parse_into(bytes, self.domain, self.seed, hosts)
    }
}

/// Whether a host's result lets the next host try: it could not be
/// reached, or refused for now (4xx) before the transaction began.
fn fall_back(code: c_int, step: u8, reply: u16) -> bool {
    let transport = [
        IP_SMTPC_ERR_CONNECT,
        IP_SMTPC_ERR_SEND,
        IP_SMTPC_ERR_RECEIVE,
        IP_SMTPC_ERR_TIMEOUT,
    ]
    .contains(&code);
    (IP_SMTPC_STEP_CONNECT..IP_SMTPC_STEP_MAIL).contains(&step)
        && code != 0
        && (transport || (400..500).contains(&reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fall_back_only_before_the_transaction() {
        let e = |c: Error| c as c_int;
        assert!(fall_back(e(Error::Connect), IP_SMTPC_STEP_CONNECT, 0));
        assert!(fall_back(
            e(Error::ServiceClosing),
            IP_SMTPC_STEP_GREETING,
            421
        ));
        assert!(fall_back(
            e(Error::GreetingRefused),
            IP_SMTPC_STEP_GREETING,
            450
        ));
        assert!(fall_back(e(Error::HeloRejected), IP_SMTPC_STEP_EHLO, 451));
        assert!(fall_back(
            e(Error::TlsRefused),
            IP_SMTPC_STEP_START_TLS,
            454
        ));
        assert!(fall_back(e(Error::AuthTemporary), IP_SMTPC_STEP_AUTH, 454));
        assert!(fall_back(e(Error::Receive), IP_SMTPC_STEP_GREETING, 0));
        assert!(fall_back(e(Error::Timeout), IP_SMTPC_STEP_EHLO, 0));
        assert!(!fall_back(
            e(Error::GreetingRefused),
            IP_SMTPC_STEP_GREETING,
            554
        ));
        assert!(!fall_back(e(Error::AuthFailed), IP_SMTPC_STEP_AUTH, 535));
        assert!(!fall_back(
            e(Error::TlsHandshake),
            IP_SMTPC_STEP_START_TLS,
            220
        ));
        assert!(!fall_back(
            e(Error::SenderRejected),
            IP_SMTPC_STEP_MAIL,
            451
        ));
        assert!(!fall_back(
            e(Error::ServiceClosing),
            IP_SMTPC_STEP_RCPT,
            421
        ));
        assert!(!fall_back(e(Error::Receive), IP_SMTPC_STEP_DATA, 0));
        assert!(!fall_back(e(Error::InvalidOptions), IP_SMTPC_STEP_INPUT, 0));
        assert!(!fall_back(0, IP_SMTPC_STEP_DONE, 250));
    }
}
