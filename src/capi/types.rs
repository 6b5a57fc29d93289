// SPDX-License-Identifier: MIT OR Apache-2.0
//! `#[repr(C)]` structures and constants of `IP_SMTPC.h`.
//!
//! The emNet structures keep emNet's field order and types exactly (emNet
//! V3.4x-V3.6x layout); ip-smtpc's own additions are the `IP_SMTPC_OPTIONS`,
//! `IP_SMTPC_REPORT`, `IP_SMTPC_RCPT_RESULT` and `IP_SMTPC_STATUS` structures.

use core::ffi::{c_char, c_int, c_uint, c_void};

/// SEGGER's 8-bit unsigned type (typedef'd in the header unless SEGGER.h came first).
pub type U8 = u8;
/// SEGGER's 16-bit unsigned type.
pub type U16 = u16;
/// SEGGER's 32-bit unsigned type (`unsigned int` on every supported target).
pub type U32 = c_uint;

/// Opaque socket handle made by `pfConnect`: a socket number cast to a
/// pointer or a pointer to the application's own connection context.
pub type SMTPC_SOCKET = *mut c_void;
/// Opaque context handed to multipart item callbacks.
pub type IP_SMTPC_CONTEXT = *mut c_void;

/// Recipient type: `To:` header and envelope.
pub const SMTPC_REC_TYPE_TO: c_int = 1;
/// Recipient type: `Cc:` header and envelope.
pub const SMTPC_REC_TYPE_CC: c_int = 2;
/// Recipient type: envelope only, never in a header.
pub const SMTPC_REC_TYPE_BCC: c_int = 3;
/// Recipient type of the sender entry (entry 0; its type is not checked).
pub const SMTPC_REC_TYPE_FROM: c_int = 4;

/// Use STARTTLS when offered; continue in clear otherwise (emNet default).
pub const SMTPC_SEC_POLICY_ALLOW_INSECURE: u8 = 0;
/// Abort unless STARTTLS is offered and succeeds. Wins over every
/// `IP_SMTPC_OPTIONS.TlsMode`: with `IP_SMTPC_TLS_STARTTLS` it makes STARTTLS
/// required, with `IP_SMTPC_TLS_NONE` the call is refused with
/// `IP_SMTPC_ERR_INVALID_OPTIONS`, without pfUpgrade with
/// `IP_SMTPC_ERR_TLS_UNAVAILABLE`; nothing is ever sent in clear.
pub const SMTPC_SEC_POLICY_SECURE_ONLY: u8 = 1;

/// `IP_SMTPC_OPTIONS.TlsMode`: follow `IP_SMTPC_MTA.SecPolicy` (emNet behaviour).
pub const IP_SMTPC_TLS_BY_POLICY: u8 = 0;
/// No TLS even if hooks are given (refused with SECURE_ONLY).
pub const IP_SMTPC_TLS_NONE: u8 = 1;
/// STARTTLS when offered (required with SECURE_ONLY); without pfUpgrade
/// the call is refused with `IP_SMTPC_ERR_TLS_UNAVAILABLE`.
pub const IP_SMTPC_TLS_STARTTLS: u8 = 2;
/// STARTTLS or abort.
pub const IP_SMTPC_TLS_STARTTLS_REQUIRED: u8 = 3;
/// TLS from the first byte (RFC 8314, port 465).
pub const IP_SMTPC_TLS_IMPLICIT: u8 = 4;

/// `IP_SMTPC_OPTIONS.AuthMechanisms` bit: PLAIN.
pub const IP_SMTPC_AUTH_PLAIN: c_uint = 1 << 0;
/// `IP_SMTPC_OPTIONS.AuthMechanisms` bit: LOGIN.
pub const IP_SMTPC_AUTH_LOGIN: c_uint = 1 << 1;
/// `IP_SMTPC_OPTIONS.AuthMechanisms` bit: CRAM-MD5 (RFC 2195), in a library
/// built with the `cram-md5` feature. Allowed, it goes before PLAIN and
/// LOGIN on a connection without TLS (the password stays off the wire),
/// after them under TLS. A mask that allows nothing else in a library
/// without it is `IP_SMTPC_ERR_NOT_BUILT`.
pub const IP_SMTPC_AUTH_CRAM_MD5: c_uint = 1 << 2;
/// `IP_SMTPC_OPTIONS.AuthMechanisms` bit: XOAUTH2 (Google's, Microsoft's),
/// with `IP_SMTPC_OPTIONS.sOAuthToken`, in a library built with the
/// `oauth` feature (else `IP_SMTPC_ERR_NOT_BUILT`).
pub const IP_SMTPC_AUTH_XOAUTH2: c_uint = 1 << 3;
/// `IP_SMTPC_OPTIONS.AuthMechanisms` bit: OAUTHBEARER (RFC 7628), with
/// `IP_SMTPC_OPTIONS.sOAuthToken`; preferred over XOAUTH2 when both are
/// allowed and offered (`oauth` feature, else `IP_SMTPC_ERR_NOT_BUILT`).
pub const IP_SMTPC_AUTH_OAUTHBEARER: c_uint = 1 << 4;
/// Longest `IP_SMTPC_OPTIONS.sOAuthToken` (octets).
pub const IP_SMTPC_MAX_OAUTH_TOKEN_LEN: usize = 4096;

/// `IP_SMTPC_OPTIONS.DsnNotify` bit: report successful delivery.
pub const IP_SMTPC_DSN_NOTIFY_SUCCESS: u8 = 1;
/// `IP_SMTPC_OPTIONS.DsnNotify` bit: report a failure.
pub const IP_SMTPC_DSN_NOTIFY_FAILURE: u8 = 2;
/// `IP_SMTPC_OPTIONS.DsnNotify` bit: report a delay.
pub const IP_SMTPC_DSN_NOTIFY_DELAY: u8 = 4;
/// `IP_SMTPC_OPTIONS.DsnNotify`: never report (alone, not with the other bits).
pub const IP_SMTPC_DSN_NOTIFY_NEVER: u8 = 8;
/// `IP_SMTPC_OPTIONS.DsnRet`: a failure report returns the whole message.
pub const IP_SMTPC_DSN_RET_FULL: u8 = 1;
/// `IP_SMTPC_OPTIONS.DsnRet`: a failure report returns the header only.
pub const IP_SMTPC_DSN_RET_HDRS: u8 = 2;

/// `pfCallback` Stat: the dialogue entered a new step; `p` is a `const IP_SMTPC_STATUS*`.
pub const IP_SMTPC_STAT_STEP: c_int = 1;
/// `pfCallback` Stat: a recipient was accepted; `p` is a `const IP_SMTPC_STATUS*`.
pub const IP_SMTPC_STAT_RCPT_ACCEPTED: c_int = 2;
/// `pfCallback` Stat: a recipient was rejected; `p` is a `const IP_SMTPC_STATUS*`
/// with the server's reply.
pub const IP_SMTPC_STAT_RCPT_REJECTED: c_int = 3;

/// `IP_SMTPC_GetWait` bit (non-blocking API): call `IP_SMTPC_Poll` when the
/// socket is readable.
pub const IP_SMTPC_WAIT_READ: u8 = 1;
/// `IP_SMTPC_GetWait` bit (non-blocking API): call `IP_SMTPC_Poll` when the
/// socket is writable.
pub const IP_SMTPC_WAIT_WRITE: u8 = 2;

/// Bytes of the last reply kept in `IP_SMTPC_REPORT.acReply`, NUL included.
pub const IP_SMTPC_REPLY_TEXT_SIZE: usize = 128;

/// Longest address accepted (RFC 5321: 64 octets local part, 254 in all).
pub const IP_SMTPC_MAX_ADDR_LEN: usize = 254;
/// Longest user name, password or extra header value accepted; the longest
/// display name or subject too in a library built without the `fold`
/// feature (a `seed` build), where a display name must also share a header
/// line of 998 octets with its address.
pub const IP_SMTPC_MAX_TEXT_LEN: usize = 900;
/// Longest display name or subject accepted when the library is built with
/// the `fold` feature (in the default `full` set): 16 KB, folded (RFC 5322
/// §2.2.3) into lines of at most 78 characters where the text has spaces,
/// never over 998. A subject with a run of more than 989 characters without
/// a space (the space before it and a name's escapes count) goes as RFC 2047
/// encoded words; a display name with such a run is
/// `IP_SMTPC_ERR_INVALID_NAME`. Longer: `IP_SMTPC_ERR_INVALID_SUBJECT` /
/// `IP_SMTPC_ERR_INVALID_NAME`, nothing connected. Each string is read up
/// to its NUL or one byte past this limit.
pub const IP_SMTPC_MAX_FOLDED_LEN: usize = 16384;
/// Longest own domain (sDomain) accepted.
pub const IP_SMTPC_MAX_DOMAIN_LEN: usize = 255;
/// Longest extra header line accepted: a name of at most 76 characters,
/// ":", and a value of at most `IP_SMTPC_MAX_TEXT_LEN` with its leading space.
pub const IP_SMTPC_MAX_HEADER_LEN: usize = 977;

/// Bytes of buffer space in an `IP_SMTPC_SESSION`; the library uses
/// `SMTPC_OUT_BUFFER_SIZE + SMTPC_IN_BUFFER_SIZE` of them (256 + 256 by
/// default; a larger output buffer is cut to what is left beside the reply
/// buffer, a reply buffer over 496 bytes does not compile with `nb`).
pub const IP_SMTPC_SESSION_BUFFER_SIZE: usize = 512;
/// Pointer-sized words of state in an `IP_SMTPC_SESSION`.
pub const IP_SMTPC_SESSION_POINTERS: usize = 44;
/// 64-bit words of state in an `IP_SMTPC_SESSION` (after the pointers).
pub const IP_SMTPC_SESSION_WORDS: usize = 16;

/// Transport hooks, implemented by the application or a port (emNet layout).
///
/// `pfSend` returns the number of bytes sent or a negative error; a short
/// positive count makes the library send the rest, and 0 counts as "all
/// sent" (emNet ports return 0 for success). `pfReceive` returns the
/// number of bytes received (> 0); 0 or negative is an error, and
/// `IP_SMTPC_ERR_TIMEOUT` reports a timeout. `pfUpgrade` returns >= 0 when the
/// TLS handshake succeeded, `IP_SMTPC_ERR_TIMEOUT` when it ran out of time,
/// another negative value when it failed. NULL `pfUpgrade` / `pfDowngrade` =
/// no TLS. How long each call may take: `IP_SMTPC_OPTIONS.pfSetTimeout`.
#[repr(C)]
pub struct IP_SMTPC_API {
    /// Resolves `sServer`, connects, returns a handle or NULL.
    pub pfConnect: Option<unsafe extern "C" fn(sServer: *const c_char) -> SMTPC_SOCKET>,
    /// Closes the connection (called once after a successful connect).
    pub pfDisconnect: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET)>,
    /// Sends `NumBytes` bytes.
    pub pfSend: Option<
        unsafe extern "C" fn(pData: *const c_char, NumBytes: c_int, hSock: SMTPC_SOCKET) -> c_int,
    >,
    /// Receives up to `NumBytes` bytes, blocking until at least one arrives.
    pub pfReceive: Option<
        unsafe extern "C" fn(pData: *mut c_char, NumBytes: c_int, hSock: SMTPC_SOCKET) -> c_int,
    >,
    /// Performs the TLS handshake on the open connection; `sServer` for SNI and verification.
    pub pfUpgrade:
        Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET, sServer: *const c_char) -> c_int>,
    /// Ends the TLS session, leaving the TCP connection open.
    pub pfDowngrade: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET)>,
}

/// A sender or recipient (emNet layout). Entry 0 of the array is the sender.
#[repr(C)]
pub struct IP_SMTPC_MAIL_ADDR {
    /// Display name or NULL.
    pub sName: *const c_char,
    /// Address `local@domain`; "" in entry 0 for the null sender `MAIL FROM:<>`.
    pub sAddr: *const c_char,
    /// `SMTPC_REC_TYPE_*`.
    pub Type: c_int,
}

/// Functions the library offers to a multipart item callback.
///
/// Valid only during the `pfSendItem` call that received it, and only with
/// the `pContext` of that call: keeping `pContext` or `pAPI` after the
/// callback returns is undefined behaviour, and `pfSend` with any other
/// context pointer (another item's, another mail's) drops the bytes. The
/// library cannot detect either misuse.
#[repr(C)]
pub struct IP_SMTPC_MULTIPART_API {
    /// Streams `NumBytes` bytes of item content. Text of any kind is safe to
    /// send: items go base64-encoded and streamed text quoted-printable, so
    /// no content can form a MIME delimiter line.
    pub pfSend: Option<
        unsafe extern "C" fn(
            pContext: *mut IP_SMTPC_CONTEXT,
            pData: *const c_char,
            NumBytes: c_uint,
        ),
    >,
}

/// A multipart item (attachment) streamed by a callback (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MULTIPART_ITEM {
    /// Suggested file name, or NULL for an inline part.
    pub sFilename: *const c_char,
    /// Application data for `pfSendItem`.
    pub pUserContext: *const c_void,
    /// Content-Type value, e.g. "text/plain".
    pub sContentType: *const c_char,
    /// Streams the content through `pAPI->pfSend`; returns 0 or < 0 on error.
    /// `pContext` and `pAPI` are valid only during this call and only
    /// together (see `IP_SMTPC_MULTIPART_API`).
    pub pfSendItem: Option<
        unsafe extern "C" fn(
            pContext: *mut IP_SMTPC_CONTEXT,
            pItem: *const IP_SMTPC_MULTIPART_ITEM,
            pAPI: *const IP_SMTPC_MULTIPART_API,
        ) -> c_int,
    >,
}

/// The message (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MESSAGE {
    /// Subject or NULL.
    pub sSubject: *const c_char,
    /// Body text or NULL; any line endings, dots are stuffed by the library.
    pub sBody: *const c_char,
    /// Multipart boundary, NULL when there are no items.
    pub sBoundary: *const c_char,
    /// Multipart items or NULL.
    pub paMultipartItem: *const IP_SMTPC_MULTIPART_ITEM,
    /// Number of items.
    pub NumMultipartItems: c_uint,
}

/// The mail server (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_MTA {
    /// Host name or IP address, handed to `pfConnect` and `pfUpgrade`.
    pub sServer: *const c_char,
    /// User name; NULL or "" = no authentication.
    pub sUser: *const c_char,
    /// Password.
    pub sPass: *const c_char,
    /// `SMTPC_SEC_POLICY_*`.
    pub SecPolicy: U8,
}

/// Application hooks and identity (emNet layout).
#[repr(C)]
pub struct IP_SMTPC_APPLICATION {
    /// Current date and time, FAT-packed; NULL = no Date header.
    pub pfGetTimeDate: Option<unsafe extern "C" fn() -> U32>,
    /// Progress callback, see `IP_SMTPC_STAT_*`; NULL = none. Its return value is ignored.
    pub pfCallback: Option<unsafe extern "C" fn(Stat: c_int, p: *mut c_void) -> c_int>,
    /// Own domain for EHLO and Message-ID; NULL = the sender's domain.
    pub sDomain: *const c_char,
    /// Time zone "+HHMM" / "-HHMM"; NULL = "-0000".
    pub sTimezone: *const c_char,
}

/// What `pfCallback` receives for every `IP_SMTPC_STAT_*`.
///
/// Later versions may append fields: read one only when
/// `IP_SMTPC_GetVersion()` is at least the release that added it (docs/abi.md).
#[repr(C)]
pub struct IP_SMTPC_STATUS {
    /// `IP_SMTPC_STEP_*`.
    pub Step: U8,
    /// Reply code that caused the status, 0 when none.
    pub ReplyCode: U16,
    /// Index into the address array of the recipient, -1 when not about a recipient.
    pub RecipientIndex: c_int,
    /// Text of the reply's last line, NOT NUL-terminated (use `TextLen`); valid during the call.
    pub sText: *const c_char,
    /// Length of `sText`.
    pub TextLen: c_uint,
}

/// Result for one entry of the address array.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IP_SMTPC_RCPT_RESULT {
    /// Reply to RCPT TO (to MAIL FROM for entry 0); 0 = not tried.
    pub ReplyCode: U16,
    /// RFC 3463 enhanced code class (2, 4, 5), 0 when absent.
    pub EnhancedClass: U8,
    /// Enhanced code subject.
    pub EnhancedSubject: U16,
    /// Enhanced code detail.
    pub EnhancedDetail: U16,
}

/// Everything known about a send, filled by `IP_SMTPC_SendEx` whatever the result.
#[repr(C)]
pub struct IP_SMTPC_REPORT {
    /// The return value.
    pub Result: c_int,
    /// `IP_SMTPC_STEP_*` that failed (`IP_SMTPC_STEP_INPUT` for invalid input,
    /// nothing connected; `IP_SMTPC_STEP_RCPT` for a partial delivery), or
    /// `IP_SMTPC_STEP_DONE`.
    pub Step: U8,
    /// 1 when the message went over TLS.
    pub Secure: U8,
    /// Code of the reply that decided the result (QUIT's is never kept); 0
    /// when the library decided alone (invalid input, AUTH refused in clear...).
    pub ReplyCode: U16,
    /// Recipients accepted.
    pub NumAccepted: U16,
    /// Recipients rejected.
    pub NumRejected: U16,
    /// In: array of `NumResults` entries indexed like the address array, or NULL.
    pub paResult: *mut IP_SMTPC_RCPT_RESULT,
    /// In: entries in `paResult`.
    pub NumResults: c_uint,
    /// Text of the deciding reply's last line (without the code), NUL-terminated,
    /// truncated to fit; empty when no reply decided the result.
    pub acReply: [c_char; IP_SMTPC_REPLY_TEXT_SIZE],
    /// The status of the OAuth error challenge (`oauth`; RFC 7628 §3.2.2):
    /// 0 when none came; a numeric status as it is (XOAUTH2: "401");
    /// RFC 6750's "invalid_request" 400, "invalid_token" 401,
    /// "insufficient_scope" 403; 1 for any other or an unreadable one.
    /// With `NumHostsTried`, the first reserved word of earlier versions
    /// (the report keeps its size).
    pub OAuthStatus: U16,
    /// `IP_SMTPC_SendToDomain` (`mx`): the mail hosts tried (1 = the first
    /// in preference order; the last one tried decided the result; 0 = none
    /// was tried). The other entry points write 0.
    pub NumHostsTried: U16,
    /// Reserved for the fields later versions add (written as 0): a report
    /// allocated by code compiled against this header keeps its size when a
    /// newer library fills more (docs/abi.md).
    pub aReserved: [U32; 3],
}

/// Options of `IP_SMTPC_SendEx`. Initialise with `IP_SMTPC_OptionsInit`, then
/// change what you need; later versions append fields and tell them apart by
/// `SizeOf`.
#[repr(C)]
pub struct IP_SMTPC_OPTIONS {
    /// `sizeof(IP_SMTPC_OPTIONS)`, set by `IP_SMTPC_OptionsInit`.
    pub SizeOf: U32,
    /// `IP_SMTPC_AUTH_*` mask of allowed mechanisms; 0 = every mechanism
    /// built (PLAIN and LOGIN; CRAM-MD5 too with the `cram-md5` feature).
    pub AuthMechanisms: U32,
    /// 1 permits AUTH on a connection without TLS; 0 refuses it (default).
    pub AllowInsecureAuth: U8,
    /// `IP_SMTPC_TLS_*`.
    pub TlsMode: U8,
    /// Per-reply deadline in milliseconds; 0 = RFC 5321 values. Non-zero
    /// needs `pfGetTimeMs` (else `IP_SMTPC_ERR_INVALID_OPTIONS`). With a
    /// clock it also bounds the TLS handshake (from its start) and each send;
    /// give `pfSetTimeout` so that hooks blocked inside a TLS record or
    /// handshake end in time. Without a clock no deadline applies: the
    /// port's receive timeout is the only bound.
    pub ReplyTimeoutMs: U32,
    /// Millisecond clock for deadlines, or NULL. It may wrap at 2^32 but
    /// must never run backwards: a step back looks like a very long wait
    /// and ends the call with `IP_SMTPC_ERR_TIMEOUT`. Also mixed into the
    /// Message-ID.
    pub pfGetTimeMs: Option<unsafe extern "C" fn() -> U32>,
    /// Mixed into the Message-ID and the generated MIME boundary. A counter
    /// kept by the application makes every Message-ID unique, also for
    /// identical mails sent within one `pfGetTimeDate` tick; a random value
    /// also makes the boundary unpredictable. See `IP_SMTPC_Send` for what
    /// the library promises without it.
    pub MessageIdSeed: U32,
    /// Where to write the report, or NULL.
    pub pReport: *mut IP_SMTPC_REPORT,
    /// A text body streamed by `pBody->pfSendItem` instead of `sBody`, or
    /// NULL. It is sent quoted-printable (with `RawMessage`: as given, the
    /// complete message); `sFilename` and `sContentType` are ignored.
    pub pBody: *const IP_SMTPC_MULTIPART_ITEM,
    /// Reply-To address, or NULL.
    pub sReplyTo: *const c_char,
    /// `NumHeaders` extra header lines "Name: value" (no CR/LF; non-ASCII
    /// values are RFC 2047-encoded), or NULL when `NumHeaders` is 0
    /// (NULL with a count is `IP_SMTPC_ERR_NULL_POINTER`).
    pub pasHeader: *const *const c_char,
    /// Entries in `pasHeader`.
    pub NumHeaders: c_uint,
    /// Tells the transport hooks how long they may take, or NULL.
    ///
    /// When `ReplyTimeoutMs` is set, the library calls it before every
    /// `pfSend`, `pfReceive` and `pfUpgrade` with the milliseconds left
    /// (at least 1) until the current deadline: for a reply,
    /// `ReplyTimeoutMs` from when the wait for it began; for the TLS
    /// handshake, `ReplyTimeoutMs` from its start; for a send,
    /// `ReplyTimeoutMs`. The hook calls that follow, up to the next
    /// `pfSetTimeout`, must return within that time: a TLS port turns it
    /// into an absolute deadline and checks its clock inside its handshake
    /// and record loops, gives its socket layer only what is left, and then
    /// fails the call (`pfReceive`: `IP_SMTPC_ERR_TIMEOUT`; `pfUpgrade`:
    /// `IP_SMTPC_ERR_TIMEOUT` or < 0) and refuses further I/O on the handle.
    /// A hook may overrun by its clock's resolution and one step it cannot
    /// interrupt (a TLS computation). The library reads the clock again
    /// after every hook call; once the deadline has passed it returns
    /// `IP_SMTPC_ERR_TIMEOUT` and sends nothing more.
    ///
    /// NULL: the hooks must bound themselves (the port's I/O timeout); the
    /// library then checks the deadline only between hook calls, so a TLS
    /// hook that blocks until a whole record or handshake has arrived can
    /// overrun it by far. Ports: `IP_SMTPC_POSIX_SetTimeout`,
    /// `IP_SMTPC_MBEDTLS_SetTimeout`.
    pub pfSetTimeout: Option<unsafe extern "C" fn(hSock: SMTPC_SOCKET, RemainingMs: U32)>,
    /// 1: the body (`sBody`, or `pBody` streamed) is a complete RFC 5322
    /// message, header block included, and is sent as given: no header is
    /// generated, nothing is MIME-encoded. The library still dot-stuffs it,
    /// makes every line end CR LF and declares `BODY=8BITMIME` when it has
    /// 8-bit bytes and the server offers 8BITMIME (a streamed message: when
    /// the server offers it). Refused: a line over 998 octets
    /// (`IP_SMTPC_ERR_INVALID_BODY`; a static message before connecting, a
    /// streamed one before the final dot); 8-bit bytes to a server without
    /// 8BITMIME (`IP_SMTPC_ERR_EIGHT_BIT_UNSUPPORTED`, nothing delivered);
    /// multipart items, a subject, `sBoundary`, `sReplyTo` or `pasHeader`
    /// with it (`IP_SMTPC_ERR_INVALID_OPTIONS`: they belong in the
    /// message). Recipient names and types only matter for the envelope:
    /// every entry is a RCPT TO, Bcc included. SMTPUTF8 is asked for when an
    /// envelope address is UTF-8 (`smtputf8`), not for UTF-8 in the message.
    /// 0 (default): the library writes the header block. A value other
    /// than 0 or 1 is `IP_SMTPC_ERR_INVALID_OPTIONS`; a library built
    /// without the `raw` feature gives `IP_SMTPC_ERR_NOT_BUILT` for 1.
    pub RawMessage: U8,
    /// Delivery status notifications (RFC 3461) for every recipient:
    /// `IP_SMTPC_DSN_NOTIFY_NEVER` alone, or any of `_SUCCESS`,
    /// `_FAILURE`, `_DELAY`; 0 = none asked (the server's default: failures
    /// and delays). Sent as NOTIFY, with ORCPT naming each recipient, when
    /// the server offers DSN. The notifications go to the sender (entry 0).
    pub DsnNotify: U8,
    /// `IP_SMTPC_DSN_RET_FULL` or `_HDRS`: what a failure report carries of
    /// the message; 0 = the server's choice.
    pub DsnRet: U8,
    /// 1: a server that does not offer DSN gets nothing after EHLO, and the
    /// result is `IP_SMTPC_ERR_DSN_UNAVAILABLE`; 0 (default): the mail is sent
    /// without the DSN parameters then.
    pub DsnRequired: U8,
    /// The envelope identifier a report quotes (ENVID), or NULL: printable
    /// ASCII, at most 100 characters as sent (`+`, `=` count 3). A value the
    /// RFC does not allow in any `Dsn*` field is `IP_SMTPC_ERR_INVALID_OPTIONS`;
    /// a library built without the `dsn` feature gives `IP_SMTPC_ERR_NOT_BUILT`
    /// for any of them set.
    pub sDsnEnvId: *const c_char,
    /// A bearer token (RFC 6750 b64token, at most
    /// `IP_SMTPC_MAX_OAUTH_TOKEN_LEN` octets), or NULL. Set, the library
    /// authenticates as `IP_SMTPC_MTA.sUser` (required, no `,` or `=`)
    /// with AUTH OAUTHBEARER when the server offers it, else XOAUTH2, and
    /// never with a password mechanism (`AuthMechanisms`: 0 or the
    /// `IP_SMTPC_AUTH_XOAUTH2` / `_OAUTHBEARER` bits restrict which).
    /// Neither offered: `IP_SMTPC_ERR_AUTH_NOT_SUPPORTED`. A token or user
    /// that cannot be sent: `IP_SMTPC_ERR_INVALID_CREDENTIALS`, nothing
    /// connected. The token goes in the AUTH line when the line fits 512
    /// octets, else after the server's empty 334. A rejected token's
    /// status is in `IP_SMTPC_REPORT.OAuthStatus`. A library built without
    /// the `oauth` feature gives `IP_SMTPC_ERR_NOT_BUILT` for a non-NULL one.
    pub sOAuthToken: *const c_char,
}

/// One mail of `IP_SMTPC_SendBatch`: what `IP_SMTPC_SendEx` takes for one
/// mail, and where its result goes.
#[repr(C)]
pub struct IP_SMTPC_BATCH_MAIL {
    /// Address array, entry 0 the sender, as for `IP_SMTPC_Send`.
    pub paMailAddr: *const IP_SMTPC_MAIL_ADDR,
    /// Entries in `paMailAddr` (at least 2).
    pub NumMailAddr: c_int,
    /// Subject, body and multipart items.
    pub pMessage: *const IP_SMTPC_MESSAGE,
    /// This mail's report, or NULL.
    pub pReport: *mut IP_SMTPC_REPORT,
    /// Written by the library: 0 when the server accepted this mail for
    /// every recipient, else an `IP_SMTPC_ERR_*` code
    /// (`IP_SMTPC_ERR_NOT_SENT`: not attempted).
    pub Result: c_int,
}

/// `IP_SMTPC_SendToDomain` (`mx`): bytes of the buffer handed to
/// `pfQueryMx` for the DNS answer (the classic UDP limit).
pub const IP_SMTPC_MX_ANSWER_SIZE: c_uint = 512;
/// `IP_SMTPC_SendToDomain`: most mail hosts tried per domain (those of the
/// lowest preferences).
pub const IP_SMTPC_MX_MAX_HOSTS: c_uint = 8;
/// `IP_SMTPC_MxQuery`: the longest query it writes (a 253-character domain).
pub const IP_SMTPC_MX_QUERY_SIZE: c_uint = 271;

/// The resolver of `IP_SMTPC_SendToDomain` (`mx`): the application answers
/// "the MX records of this domain" with the raw DNS response, as its
/// `pfConnect` answers "a connection to this host".
#[repr(C)]
pub struct IP_SMTPC_RESOLVER {
    /// Queries the MX records (class IN) of `sDomain` (ASCII, without a
    /// trailing dot) and writes the DNS response message, as received, into
    /// `pAnswer` (`AnswerSize` bytes, `IP_SMTPC_MX_ANSWER_SIZE`). Returns
    /// its length (at most `AnswerSize`), or < 0 when no answer came (then
    /// `IP_SMTPC_ERR_DNS_LOOKUP`). POSIX: `res_query(sDomain, C_IN, T_MX,
    /// pAnswer, AnswerSize)`; a UDP-only stack (lwIP) sends the query
    /// `IP_SMTPC_MxQuery` writes to its DNS server and returns the reply
    /// whose identifier matches.
    pub pfQueryMx: Option<
        unsafe extern "C" fn(
            sDomain: *const c_char,
            pAnswer: *mut U8,
            AnswerSize: c_uint,
            pContext: *mut c_void,
        ) -> c_int,
    >,
    /// Handed to `pfQueryMx` as it is.
    pub pContext: *mut c_void,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{MAX_ADDR, MAX_DOMAIN, MAX_TEXT};
    use crate::mail::{BCC, CC, FROM, TO};

    /// The DSN constants of the header are the engine's.
    #[cfg(feature = "dsn")]
    #[test]
    fn dsn_constants_are_the_engines() {
        use crate::dsn;
        assert_eq!(IP_SMTPC_DSN_NOTIFY_SUCCESS, dsn::NOTIFY_SUCCESS);
        assert_eq!(IP_SMTPC_DSN_NOTIFY_FAILURE, dsn::NOTIFY_FAILURE);
        assert_eq!(IP_SMTPC_DSN_NOTIFY_DELAY, dsn::NOTIFY_DELAY);
        assert_eq!(IP_SMTPC_DSN_NOTIFY_NEVER, dsn::NOTIFY_NEVER);
        assert_eq!(IP_SMTPC_DSN_RET_FULL, dsn::RET_FULL);
        assert_eq!(IP_SMTPC_DSN_RET_HDRS, dsn::RET_HDRS);
    }

    /// The header's limits are literals (cbindgen needs them so); they must
    /// match the engine's.
    #[test]
    fn header_limits_match_the_engine() {
        assert_eq!(IP_SMTPC_MAX_ADDR_LEN, MAX_ADDR);
        assert_eq!(IP_SMTPC_MAX_TEXT_LEN, MAX_TEXT);
        #[cfg(feature = "fold")]
        assert_eq!(IP_SMTPC_MAX_FOLDED_LEN, crate::check::MAX_FOLDED);
        #[cfg(not(feature = "fold"))]
        assert_eq!(IP_SMTPC_MAX_TEXT_LEN, crate::check::MAX_FOLDED);
        assert_eq!(IP_SMTPC_MAX_DOMAIN_LEN, MAX_DOMAIN);
        #[cfg(feature = "headers")]
        assert_eq!(IP_SMTPC_MAX_HEADER_LEN, crate::check::MAX_HEADER);
    }

    /// The token limit of the header is the engine's.
    #[cfg(feature = "oauth")]
    #[test]
    fn oauth_limit_is_the_engines() {
        assert_eq!(IP_SMTPC_MAX_OAUTH_TOKEN_LEN, crate::oauth::MAX_TOKEN);
    }

    /// The recipient types are the engine's.
    #[test]
    fn recipient_types_match_the_engine() {
        assert_eq!(
            [
                SMTPC_REC_TYPE_TO,
                SMTPC_REC_TYPE_CC,
                SMTPC_REC_TYPE_BCC,
                SMTPC_REC_TYPE_FROM
            ],
            [TO, CC, BCC, FROM]
        );
    }
}
