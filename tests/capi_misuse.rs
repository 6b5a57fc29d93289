// SPDX-License-Identifier: MIT OR Apache-2.0
//! The C ABI misused: NULL for every pointer, counts of zero or below,
//! strings without a NUL within their bound, huge lengths, NULL hooks and
//! callbacks, bad options. Each call must return its own error code, fill
//! the report, and call no hook or callback (every hook here counts its
//! calls). Two positive controls show that the fixture is otherwise valid
//! and that the counters count: the unchanged fixture gets as far as
//! pfConnect, and a whole dialogue with an in-memory server succeeds.
//!
//! No sockets, files or processes: the tests also run under Miri
//! (scripts/miri), which checks every read of the caller's memory; the
//! unterminated strings are arrays of exactly bound + 1 bytes, so reading
//! one byte more is an error Miri reports.

#![cfg(all(feature = "ex", feature = "headers", feature = "mime"))]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::ptr;

use ip_smtpc::capi::*;
use ip_smtpc::Error;

#[path = "support/cstructs.rs"]
mod cstructs;
#[path = "support/init_options.rs"]
mod init_options;

/// How often each hook and callback ran on this thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Calls {
    connect: u32,
    disconnect: u32,
    send: u32,
    receive: u32,
    upgrade: u32,
    downgrade: u32,
    callback: u32,
    time_date: u32,
    time_ms: u32,
    send_item: u32,
}

/// The in-memory server of the positive control.
#[derive(Default)]
struct Server {
    /// Replies not yet released, one per client turn.
    turns: Vec<&'static [u8]>,
    /// Released, not yet received.
    pending: Vec<u8>,
    /// Everything the client sent.
    sent: Vec<u8>,
    /// The handle pfConnect returned.
    socket: usize,
    /// Texts pfCallback saw with a recipient status.
    rcpt_texts: Vec<Vec<u8>>,
}

thread_local! {
    static CALLS: RefCell<Calls> = RefCell::new(Calls::default());
    static SERVER: RefCell<Server> = RefCell::new(Server::default());
}

fn count(f: impl FnOnce(&mut Calls)) {
    CALLS.with(|c| f(&mut c.borrow_mut()));
}

fn calls() -> Calls {
    CALLS.with(|c| *c.borrow())
}

fn reset() {
    CALLS.with(|c| *c.borrow_mut() = Calls::default());
    SERVER.with(|s| *s.borrow_mut() = Server::default());
}

unsafe extern "C" fn connect_refused(_server: *const c_char) -> SMTPC_SOCKET {
    count(|c| c.connect += 1);
    ptr::null_mut()
}

unsafe extern "C" fn connect(server: *const c_char) -> SMTPC_SOCKET {
    count(|c| c.connect += 1);
    // SAFETY: the library hands over the caller's sServer, a C string.
    assert_eq!(unsafe { CStr::from_ptr(server) }, c"mx.example.test");
    // A real allocation, freed by `disconnect`: Miri reports a leak if
    // disconnect is not called, and a double free if it is called twice.
    let socket = Box::into_raw(Box::new(0x5a_u8));
    SERVER.with(|s| s.borrow_mut().socket = socket as usize);
    socket.cast()
}

/// The handle from `connect`, checked.
fn socket_of(h: SMTPC_SOCKET) -> *mut u8 {
    let expected = SERVER.with(|s| s.borrow().socket);
    assert_eq!(h as usize, expected, "a handle pfConnect did not return");
    let socket = h.cast::<u8>();
    // SAFETY: the live allocation made by `connect`.
    assert_eq!(unsafe { *socket }, 0x5a);
    socket
}

unsafe extern "C" fn disconnect(h: SMTPC_SOCKET) {
    count(|c| c.disconnect += 1);
    // SAFETY: allocated by `connect` with Box::into_raw.
    drop(unsafe { Box::from_raw(socket_of(h)) });
}

unsafe extern "C" fn send(data: *const c_char, len: c_int, h: SMTPC_SOCKET) -> c_int {
    count(|c| c.send += 1);
    socket_of(h);
    assert!(len > 0);
    // SAFETY: the library passes `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len as usize) };
    SERVER.with(|s| {
        let mut s = s.borrow_mut();
        s.sent.extend_from_slice(bytes);
        // The server answers each complete command line, and the message
        // after its end-of-data line (not each line of it).
        let in_message = s.sent.windows(6).any(|w| w == b"DATA\r\n")
            && !s.sent.ends_with(b"DATA\r\n")
            && !s.sent.ends_with(b"\r\n.\r\n")
            && !s.sent.ends_with(b"QUIT\r\n");
        if s.sent.ends_with(b"\r\n") && !in_message && !s.turns.is_empty() {
            let turn = s.turns.remove(0);
            s.pending.extend_from_slice(turn);
        }
    });
    len
}

unsafe extern "C" fn receive(data: *mut c_char, len: c_int, h: SMTPC_SOCKET) -> c_int {
    count(|c| c.receive += 1);
    socket_of(h);
    // SAFETY: the library passes `len` writable bytes.
    let buf = unsafe { std::slice::from_raw_parts_mut(data.cast::<u8>(), len as usize) };
    SERVER.with(|s| {
        let mut s = s.borrow_mut();
        if s.pending.is_empty() && s.sent.is_empty() && !s.turns.is_empty() {
            let greeting = s.turns.remove(0);
            s.pending.extend_from_slice(greeting);
        }
        // Seven bytes at most: replies arrive split.
        let n = s.pending.len().min(buf.len()).min(7);
        if n == 0 {
            return -1;
        }
        buf[..n].copy_from_slice(&s.pending[..n]);
        s.pending.drain(..n);
        n as c_int
    })
}

unsafe extern "C" fn upgrade(_h: SMTPC_SOCKET, _server: *const c_char) -> c_int {
    count(|c| c.upgrade += 1);
    -1
}

unsafe extern "C" fn downgrade(_h: SMTPC_SOCKET) {
    count(|c| c.downgrade += 1);
}

unsafe extern "C" fn callback(stat: c_int, p: *mut c_void) -> c_int {
    count(|c| c.callback += 1);
    assert!(!p.is_null());
    // SAFETY: the library passes a valid IP_SMTPC_STATUS for every Stat.
    let status = unsafe { &*p.cast::<IP_SMTPC_STATUS>() };
    // SAFETY: sText holds TextLen bytes during the call (Miri checks).
    let text =
        unsafe { std::slice::from_raw_parts(status.sText.cast::<u8>(), status.TextLen as usize) };
    if stat != IP_SMTPC_STAT_STEP {
        SERVER.with(|s| s.borrow_mut().rcpt_texts.push(text.to_vec()));
    }
    0
}

unsafe extern "C" fn time_date() -> U32 {
    count(|c| c.time_date += 1);
    // Sat, 28 Nov 2026 09:30:00.
    ((2026 - 1980) << 25) | (11 << 21) | (28 << 16) | (9 << 11) | (30 << 5)
}

unsafe extern "C" fn bad_time_date() -> U32 {
    count(|c| c.time_date += 1);
    0 // month 0, day 0
}

unsafe extern "C" fn time_ms() -> U32 {
    count(|c| c.time_ms += 1);
    1000
}

unsafe extern "C" fn send_item(
    context: *mut IP_SMTPC_CONTEXT,
    item: *const IP_SMTPC_MULTIPART_ITEM,
    api: *const IP_SMTPC_MULTIPART_API,
) -> c_int {
    count(|c| c.send_item += 1);
    // SAFETY: the library passes its item and API, valid during the call.
    let (item, api) = unsafe { (&*item, &*api) };
    let pf_send = api.pfSend.expect("pfSend");
    // SAFETY: pUserContext is the 'static C string set by the test.
    let content = unsafe { CStr::from_ptr(item.pUserContext.cast::<c_char>()) }.to_bytes();
    for piece in content.chunks(5) {
        // SAFETY: `piece` is readable for its length; `context` is the library's.
        unsafe { pf_send(context, piece.as_ptr().cast(), piece.len() as c_uint) };
    }
    // SAFETY: zero bytes from a NULL pointer: nothing is read.
    unsafe { pf_send(context, ptr::null(), 0) };
    0
}

/// Strings of exactly `bound + 1` bytes without a NUL.
static UNTERMINATED_ADDR: [u8; IP_SMTPC_MAX_ADDR_LEN + 1] = [b'a'; IP_SMTPC_MAX_ADDR_LEN + 1];
static UNTERMINATED_TEXT: [u8; IP_SMTPC_MAX_TEXT_LEN + 1] = [b't'; IP_SMTPC_MAX_TEXT_LEN + 1];
/// Display names and the subject: 16 KB with `fold` (`IP_SMTPC_MAX_FOLDED_LEN`).
#[cfg(feature = "fold")]
static UNTERMINATED_NAME: [u8; IP_SMTPC_MAX_FOLDED_LEN + 1] = [b'n'; IP_SMTPC_MAX_FOLDED_LEN + 1];
#[cfg(not(feature = "fold"))]
static UNTERMINATED_NAME: [u8; IP_SMTPC_MAX_TEXT_LEN + 1] = [b'n'; IP_SMTPC_MAX_TEXT_LEN + 1];
static UNTERMINATED_DOMAIN: [u8; IP_SMTPC_MAX_DOMAIN_LEN + 1] = [b'd'; IP_SMTPC_MAX_DOMAIN_LEN + 1];
static UNTERMINATED_HEADER: [u8; IP_SMTPC_MAX_HEADER_LEN + 1] = [b'h'; IP_SMTPC_MAX_HEADER_LEN + 1];
static UNTERMINATED_TIMEZONE: [u8; 6] = *b"+01000";
static UNTERMINATED_BOUNDARY: [u8; 71] = [b'b'; 71];
static UNTERMINATED_CONTENT_TYPE: [u8; 201] = [b'c'; 201];
static UNTERMINATED_FILENAME: [u8; 256] = [b'f'; 256];

fn raw(bytes: &'static [u8]) -> *const c_char {
    bytes.as_ptr().cast()
}

const API: IP_SMTPC_API = IP_SMTPC_API {
    pfUpgrade: Some(upgrade),
    pfDowngrade: Some(downgrade),
    ..cstructs::plain_api(connect_refused, disconnect, send, receive)
};

/// Every argument of `IP_SMTPC_SendEx`, valid; each case spoils one thing.
struct Fixture {
    api: IP_SMTPC_API,
    addresses: Vec<IP_SMTPC_MAIL_ADDR>,
    count: c_int,
    items: Vec<IP_SMTPC_MULTIPART_ITEM>,
    body_item: IP_SMTPC_MULTIPART_ITEM,
    headers: Vec<*const c_char>,
    message: IP_SMTPC_MESSAGE,
    mta: IP_SMTPC_MTA,
    app: IP_SMTPC_APPLICATION,
    options: IP_SMTPC_OPTIONS,
    results: Vec<IP_SMTPC_RCPT_RESULT>,
    report: IP_SMTPC_REPORT,
    // Which pointers are passed as NULL.
    null_api: bool,
    null_addresses: bool,
    null_message: bool,
    null_mta: bool,
    null_app: bool,
    null_options: bool,
    use_body_item: bool,
}

fn item(
    filename: &'static CStr,
    content_type: &'static CStr,
    content: &'static CStr,
) -> IP_SMTPC_MULTIPART_ITEM {
    IP_SMTPC_MULTIPART_ITEM {
        sFilename: filename.as_ptr(),
        pUserContext: content.as_ptr().cast(),
        sContentType: content_type.as_ptr(),
        pfSendItem: Some(send_item),
    }
}

/// Attachments and streamed bodies are built (without, they are refused
/// with IP_SMTPC_ERR_NOT_BUILT after the other checks of the items).
const MIME: bool = cfg!(feature = "mime");
/// What a bad multipart item gets: without MIME, items are refused as not
/// built before any of their fields is read.
const BAD_ITEM: (c_int, Error) = if MIME {
    (-19, Error::InvalidAttachment)
} else {
    (-16, Error::NotBuilt)
};

fn attachment() -> IP_SMTPC_MULTIPART_ITEM {
    item(c"log.csv", c"text/csv", c"a,b\n1,2\n")
}

impl Fixture {
    /// One attachment, whatever the build.
    fn with_item(&mut self) {
        self.items = vec![attachment()];
        self.message.NumMultipartItems = 1;
    }

    fn new() -> Self {
        let mut options = init_options::options();
        options.ReplyTimeoutMs = 5000;
        options.pfGetTimeMs = Some(time_ms);
        options.MessageIdSeed = 7;
        options.sReplyTo = c"desk@example.test".as_ptr();
        options.NumHeaders = 1;
        Fixture {
            api: API,
            addresses: vec![
                IP_SMTPC_MAIL_ADDR {
                    sName: c"Device".as_ptr(),
                    sAddr: c"dev@example.test".as_ptr(),
                    Type: SMTPC_REC_TYPE_FROM,
                },
                IP_SMTPC_MAIL_ADDR {
                    sName: c"Alice".as_ptr(),
                    sAddr: c"alice@example.test".as_ptr(),
                    Type: SMTPC_REC_TYPE_TO,
                },
                IP_SMTPC_MAIL_ADDR {
                    sName: ptr::null(),
                    sAddr: c"bob@example.test".as_ptr(),
                    Type: SMTPC_REC_TYPE_BCC,
                },
            ],
            count: 3,
            items: if MIME { vec![attachment()] } else { Vec::new() },
            body_item: item(c"", c"", c"streamed body\n.with a dot line\n"),
            headers: vec![c"X-Device: pump 3".as_ptr()],
            message: IP_SMTPC_MESSAGE {
                sSubject: c"Alarm".as_ptr(),
                sBody: c"Body\n.dot\n".as_ptr(),
                sBoundary: ptr::null(),
                paMultipartItem: ptr::null(),
                NumMultipartItems: MIME as c_uint,
            },
            mta: IP_SMTPC_MTA {
                sServer: c"mx.example.test".as_ptr(),
                sUser: ptr::null(),
                sPass: ptr::null(),
                SecPolicy: SMTPC_SEC_POLICY_ALLOW_INSECURE,
            },
            app: IP_SMTPC_APPLICATION {
                pfGetTimeDate: None,
                pfCallback: Some(callback),
                sDomain: c"dev.example.test".as_ptr(),
                sTimezone: c"+0100".as_ptr(),
            },
            options,
            results: vec![
                IP_SMTPC_RCPT_RESULT {
                    ReplyCode: 0xffff,
                    EnhancedClass: 0xff,
                    EnhancedSubject: 0xffff,
                    EnhancedDetail: 0xffff,
                };
                3
            ],
            report: IP_SMTPC_REPORT {
                Result: 12345,
                Step: 0xff,
                Secure: 0xff,
                ReplyCode: 0xffff,
                NumAccepted: 0xffff,
                NumRejected: 0xffff,
                paResult: ptr::null_mut(),
                NumResults: 3,
                acReply: [b'x' as c_char; IP_SMTPC_REPLY_TEXT_SIZE],
                OAuthStatus: 0xbeef,
                NumHostsTried: 0xdead,
                aReserved: [0xdead_beef; 3],
            },
            null_api: false,
            null_addresses: false,
            null_message: false,
            null_mta: false,
            null_app: false,
            null_options: false,
            use_body_item: false,
        }
    }

    /// Calls `IP_SMTPC_SendEx` with the fixture's pointers.
    fn send(&mut self) -> c_int {
        // Pointers into the fixture, taken here so they stay valid.
        self.message.paMultipartItem = if self.items.is_empty() {
            ptr::null()
        } else {
            self.items.as_ptr()
        };
        self.options.pasHeader = if self.headers.is_empty() {
            ptr::null()
        } else {
            self.headers.as_ptr()
        };
        self.options.pBody = if self.use_body_item {
            &self.body_item
        } else {
            ptr::null()
        };
        if !self.results.is_empty() {
            self.report.paResult = self.results.as_mut_ptr();
        }
        self.options.pReport = &mut self.report;
        fn or_null<T>(null: bool, p: *const T) -> *const T {
            if null {
                ptr::null()
            } else {
                p
            }
        }
        // SAFETY: every non-NULL pointer points into `self`, alive and not
        // otherwise borrowed during the call; strings are C literals or
        // arrays longer than their bound; counts match the arrays.
        unsafe {
            IP_SMTPC_SendEx(
                or_null(self.null_api, &self.api),
                or_null(self.null_addresses, self.addresses.as_ptr()),
                self.count,
                or_null(self.null_message, &self.message),
                or_null(self.null_mta, &self.mta),
                or_null(self.null_app, &self.app),
                or_null(self.null_options, &self.options),
            )
        }
    }
}

/// Runs one misuse case: `spoil` changes the fixture, the call must return
/// exactly `expected` (its number in the ABI as well), call no hook, and
/// report the error as invalid input.
fn refused(name: &str, code: c_int, expected: Error, spoil: impl FnOnce(&mut Fixture)) {
    assert_eq!(
        expected.code(),
        code,
        "{name}: {expected:?} is not {code} in the ABI"
    );
    reset();
    let mut f = Fixture::new();
    spoil(&mut f);
    let got = f.send();
    assert_eq!(
        got,
        code,
        "{name}: expected {expected:?}, got {got} ({:?})",
        Error::from_code(got)
    );
    let mut expected_calls = Calls::default();
    if f.app.pfGetTimeDate.is_some() {
        // Reading the date is part of reading the input.
        expected_calls.time_date = 1;
    }
    assert_eq!(
        calls(),
        expected_calls,
        "{name}: a hook or callback was called"
    );
    let options_valid = f.options.SizeOf as usize == std::mem::size_of::<IP_SMTPC_OPTIONS>();
    if !f.null_options && !options_valid {
        // An options block of unknown size is not ours: its report pointer
        // may be garbage and must not be written.
        assert_eq!(
            (f.report.Result, f.report.Step),
            (12345, 0xff),
            "{name}: report written through options of unknown size"
        );
    }
    if !f.null_options && options_valid {
        let r = &f.report;
        assert_eq!(r.Result, code, "{name}: report");
        assert_eq!(r.Step, 0, "{name}: report step is not INPUT");
        assert_eq!(
            (r.Secure, r.ReplyCode, r.NumAccepted, r.NumRejected),
            (0, 0, 0, 0)
        );
        assert_eq!(r.acReply[0], 0, "{name}: reply text");
        assert_eq!(
            (r.OAuthStatus, r.NumHostsTried, r.aReserved),
            (0, 0, [0; 3]),
            "{name}: reserved fields not cleared"
        );
        if !r.paResult.is_null() {
            for result in &f.results {
                assert_eq!(
                    (
                        result.ReplyCode,
                        result.EnhancedClass,
                        result.EnhancedSubject
                    ),
                    (0, 0, 0),
                    "{name}: per-recipient result not reset"
                );
            }
        }
    }
}

#[test]
fn the_unchanged_fixture_is_valid_and_reaches_pf_connect() {
    reset();
    let mut f = Fixture::new();
    assert_eq!(f.send(), -20);
    let c = calls();
    assert_eq!((c.connect, c.disconnect, c.send, c.receive), (1, 0, 0, 0));
    assert!(c.callback >= 1, "the connect step was not reported");
    assert_eq!(f.report.Result, Error::Connect.code());
    assert_eq!(f.report.Step, 1, "report step is not CONNECT");
}

#[test]
fn null_pointers() {
    refused("pIP_API", -1, Error::NullPointer, |f| f.null_api = true);
    refused("paMailAddr", -1, Error::NullPointer, |f| {
        f.null_addresses = true
    });
    refused("pMessage", -1, Error::NullPointer, |f| {
        f.null_message = true
    });
    refused("pMTA", -1, Error::NullPointer, |f| f.null_mta = true);
    refused("sender sAddr", -1, Error::NullPointer, |f| {
        f.addresses[0].sAddr = ptr::null()
    });
    refused("recipient sAddr", -1, Error::NullPointer, |f| {
        f.addresses[2].sAddr = ptr::null()
    });
    refused("sServer", -1, Error::NullPointer, |f| {
        f.mta.sServer = ptr::null()
    });
    refused("paMultipartItem", -1, Error::NullPointer, |f| {
        f.with_item();
        f.items.clear();
    });
    refused(
        "huge NumMultipartItems, NULL items",
        -1,
        Error::NullPointer,
        |f| {
            f.items.clear();
            f.message.NumMultipartItems = c_uint::MAX;
        },
    );
    refused("NULL header line", -18, Error::InvalidHeader, |f| {
        f.headers[0] = ptr::null()
    });
    // NULL pOptions is IP_SMTPC_Send; still checked the same way.
    refused("NULL options, NULL pIP_API", -1, Error::NullPointer, |f| {
        f.null_options = true;
        f.null_api = true;
    });
    // OptionsInit with NULL.
    // SAFETY: NULL is allowed and must be refused.
    assert_eq!(unsafe { IP_SMTPC_OptionsInit(ptr::null_mut()) }, -1);
}

#[test]
fn null_hooks_and_callbacks() {
    refused("pfConnect", -14, Error::MissingHook, |f| {
        f.api.pfConnect = None
    });
    refused("pfDisconnect", -14, Error::MissingHook, |f| {
        f.api.pfDisconnect = None
    });
    refused("pfSend", -14, Error::MissingHook, |f| f.api.pfSend = None);
    refused("pfReceive", -14, Error::MissingHook, |f| {
        f.api.pfReceive = None
    });
    refused("item pfSendItem", BAD_ITEM.0, BAD_ITEM.1, |f| {
        f.with_item();
        f.items[0].pfSendItem = None;
    });
    let (code, error) = if MIME {
        (-17, Error::InvalidBody)
    } else {
        (-16, Error::NotBuilt)
    };
    refused("pBody pfSendItem", code, error, |f| {
        f.use_body_item = true;
        f.body_item.pfSendItem = None;
    });
    if !MIME {
        refused("an item without MIME", -16, Error::NotBuilt, |f| {
            f.with_item()
        });
    }
    refused(
        "SECURE_ONLY without pfUpgrade",
        -120,
        Error::TlsUnavailable,
        |f| {
            f.api.pfUpgrade = None;
            f.mta.SecPolicy = SMTPC_SEC_POLICY_SECURE_ONLY;
        },
    );
    refused(
        "implicit TLS without pfUpgrade",
        -120,
        Error::TlsUnavailable,
        |f| {
            f.api.pfUpgrade = None;
            f.options.TlsMode = IP_SMTPC_TLS_IMPLICIT;
        },
    );
    refused(
        "deadline without pfGetTimeMs",
        -15,
        Error::InvalidOptions,
        |f| f.options.pfGetTimeMs = None,
    );
}

#[test]
fn address_counts() {
    refused("NumMailAddr 0", -2, Error::NoSender, |f| f.count = 0);
    refused("NumMailAddr -1", -2, Error::NoSender, |f| f.count = -1);
    refused("NumMailAddr INT_MIN", -2, Error::NoSender, |f| {
        f.count = c_int::MIN
    });
    refused("NumMailAddr 1 (sender only)", -3, Error::NoRecipient, |f| {
        f.count = 1
    });
    refused("recipient type 0", -13, Error::InvalidRecipientType, |f| {
        f.addresses[1].Type = 0
    });
    refused(
        "recipient type FROM",
        -13,
        Error::InvalidRecipientType,
        |f| f.addresses[2].Type = SMTPC_REC_TYPE_FROM,
    );
}

#[test]
fn strings_without_a_nul_within_their_bound() {
    refused("sender sAddr", -6, Error::AddressTooLong, |f| {
        f.addresses[0].sAddr = raw(&UNTERMINATED_ADDR)
    });
    refused("recipient sAddr", -6, Error::AddressTooLong, |f| {
        f.addresses[2].sAddr = raw(&UNTERMINATED_ADDR)
    });
    refused("sender sName", -7, Error::InvalidName, |f| {
        f.addresses[0].sName = raw(&UNTERMINATED_NAME)
    });
    refused("recipient sName", -7, Error::InvalidName, |f| {
        f.addresses[1].sName = raw(&UNTERMINATED_NAME)
    });
    refused("sSubject", -8, Error::InvalidSubject, |f| {
        f.message.sSubject = raw(&UNTERMINATED_NAME)
    });
    refused("sUser", -10, Error::InvalidCredentials, |f| {
        f.mta.sUser = raw(&UNTERMINATED_TEXT)
    });
    refused("sPass", -10, Error::InvalidCredentials, |f| {
        f.mta.sUser = c"user".as_ptr();
        f.mta.sPass = raw(&UNTERMINATED_TEXT);
    });
    refused("sDomain", -9, Error::InvalidDomain, |f| {
        f.app.sDomain = raw(&UNTERMINATED_DOMAIN)
    });
    refused("sTimezone", -11, Error::InvalidTimezone, |f| {
        f.app.sTimezone = raw(&UNTERMINATED_TIMEZONE)
    });
    refused("sReplyTo", -18, Error::InvalidHeader, |f| {
        f.options.sReplyTo = raw(&UNTERMINATED_ADDR)
    });
    refused("header line", -18, Error::InvalidHeader, |f| {
        f.headers[0] = raw(&UNTERMINATED_HEADER)
    });
    refused("sBoundary", -19, Error::InvalidAttachment, |f| {
        f.message.sBoundary = raw(&UNTERMINATED_BOUNDARY)
    });
    refused("item sContentType", BAD_ITEM.0, BAD_ITEM.1, |f| {
        f.with_item();
        f.items[0].sContentType = raw(&UNTERMINATED_CONTENT_TYPE);
    });
    refused("item sFilename", BAD_ITEM.0, BAD_ITEM.1, |f| {
        f.with_item();
        f.items[0].sFilename = raw(&UNTERMINATED_FILENAME);
    });
}

#[test]
fn bad_values_and_options() {
    refused("CR LF in the subject", -8, Error::InvalidSubject, |f| {
        f.message.sSubject = c"Hi\r\nBcc: evil@example.test".as_ptr()
    });
    refused("LF in an address", -4, Error::AddressControlChar, |f| {
        f.addresses[1].sAddr = c"a@b\nRCPT TO:<x@y>".as_ptr()
    });
    refused("CR in the password", -10, Error::InvalidCredentials, |f| {
        f.mta.sUser = c"user".as_ptr();
        f.mta.sPass = c"pass\rword".as_ptr();
    });
    refused("invalid date", -12, Error::InvalidDate, |f| {
        f.app.pfGetTimeDate = Some(bad_time_date)
    });
    refused("SizeOf", -15, Error::InvalidOptions, |f| {
        f.options.SizeOf -= 1
    });
    refused("SizeOf 0", -15, Error::InvalidOptions, |f| {
        f.options.SizeOf = 0
    });
    refused("TlsMode", -15, Error::InvalidOptions, |f| {
        f.options.TlsMode = 99
    });
    refused("only unknown mechanisms", -15, Error::InvalidOptions, |f| {
        f.options.AuthMechanisms = 0x8000_0000
    });
    refused("huge NumResults, NULL paResult", -2, Error::NoSender, |f| {
        f.results.clear();
        f.report.NumResults = c_uint::MAX;
        f.count = 0;
    });
    refused(
        "huge NumHeaders, NULL pasHeader",
        -1,
        Error::NullPointer,
        |f| {
            f.headers = Vec::new();
            f.options.NumHeaders = c_uint::MAX;
        },
    );
    refused("bad Reply-To", -18, Error::InvalidHeader, |f| {
        f.options.sReplyTo = c"no address".as_ptr();
    });
    refused("unknown SecPolicy", -15, Error::InvalidOptions, |f| {
        f.mta.SecPolicy = SMTPC_SEC_POLICY_SECURE_ONLY + 1;
    });
}

#[test]
fn error_strings() {
    let text = |code: c_int| {
        let p = IP_SMTPC_ErrorString(code);
        assert!(!p.is_null(), "NULL for {code}");
        // SAFETY: a static NUL-terminated string (Miri checks the read).
        unsafe { CStr::from_ptr(p) }
            .to_str()
            .expect("ASCII")
            .to_owned()
    };
    assert_eq!(text(0), "success");
    let unknown = text(1);
    assert_eq!(unknown, "unknown error");
    for code in [c_int::MIN, c_int::MAX, -99, -200, -1000] {
        assert_eq!(text(code), unknown, "{code}");
    }
    let mut seen = Vec::new();
    for code in -140..0 {
        let t = text(code);
        match Error::from_code(code) {
            Some(e) => {
                assert_ne!(t, unknown, "{e:?} has no text");
                assert_eq!(t.as_bytes(), e.message().to_bytes());
                assert!(!seen.contains(&t), "two errors share {t:?}");
                seen.push(t);
            }
            // The non-blocking API's misuse codes (-140 ..): not engine
            // errors, with texts of their own.
            #[cfg(feature = "nb")]
            None if code == IP_SMTPC_ERR_SESSION_SIZE => assert_ne!(t, unknown),
            None => assert_eq!(t, unknown, "{code}"),
        }
    }
    assert!(seen.len() >= 50, "only {} error texts", seen.len());
}

/// The positive control: a whole dialogue through the C ABI, with an
/// attachment and a streamed body, the report and the progress callback.
#[test]
fn whole_dialogue_through_the_c_abi() {
    reset();
    SERVER.with(|s| {
        s.borrow_mut().turns = vec![
            b"220 mx.example.test ESMTP\r\n",
            b"250-mx.example.test\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n",
            b"250 2.1.0 sender ok\r\n",
            b"250 2.1.5 ok\r\n",
            b"550 5.1.1 no such user\r\n",
            b"354 go ahead\r\n",
            b"250 2.0.0 queued\r\n",
            b"221 2.0.0 bye\r\n",
        ]
    });
    let mut f = Fixture::new();
    f.api.pfConnect = Some(connect);
    f.app.pfGetTimeDate = Some(time_date);
    f.use_body_item = MIME;
    let result = f.send();
    assert_eq!(result, Error::PartialDelivery.code());
    let c = calls();
    assert_eq!(
        (c.connect, c.disconnect, c.upgrade, c.downgrade),
        (1, 1, 0, 0)
    );
    assert_eq!(
        (c.time_date, c.send_item),
        (1, if MIME { 2 } else { 0 }),
        "date once, item and body streamed"
    );
    assert!(c.send >= 6 && c.receive >= 8 && c.time_ms >= 8, "{c:?}");
    let r = &f.report;
    assert_eq!((r.Result, r.NumAccepted, r.NumRejected), (result, 1, 1));
    let codes: Vec<u16> = f.results.iter().map(|x| x.ReplyCode).collect();
    assert_eq!(codes, [250, 250, 550]);
    assert_eq!(
        (
            f.results[2].EnhancedClass,
            f.results[2].EnhancedSubject,
            f.results[2].EnhancedDetail
        ),
        (5, 1, 1)
    );
    SERVER.with(|s| {
        let s = s.borrow();
        assert_eq!(
            s.rcpt_texts,
            [b"2.1.5 ok".to_vec(), b"5.1.1 no such user".to_vec()]
        );
        let sent = String::from_utf8_lossy(&s.sent);
        assert!(sent.starts_with("EHLO dev.example.test\r\nMAIL FROM:<dev@example.test>"));
        assert!(sent.contains("\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"));
        if MIME {
            assert!(sent.contains("filename=\"log.csv\""));
            assert!(sent.contains("YSxiCjEsMgo="), "the attachment, base64");
            assert!(
                sent.contains("\r\n..with a dot line\r\n"),
                "the streamed body, stuffed"
            );
        } else {
            assert!(sent.contains("\r\nBody\r\n..dot\r\n"), "the body, stuffed");
        }
        assert!(sent.ends_with("\r\n.\r\nQUIT\r\n"));
    });
}
