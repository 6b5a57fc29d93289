// SPDX-License-Identifier: MIT OR Apache-2.0
//! `IP_SMTPC_Send` refuses bad arguments with their own error code and
//! never calls `pfConnect` for them.

use std::cell::Cell;
use std::ffi::{c_char, c_int, CString};

use ip_smtpc::capi::*;
use ip_smtpc::Error;

#[path = "support/cstructs.rs"]
mod cstructs;

use cstructs::addr;

thread_local! {
    static CONNECTS: Cell<u32> = const { Cell::new(0) };
}

unsafe extern "C" fn connect(_: *const c_char) -> SMTPC_SOCKET {
    CONNECTS.with(|c| c.set(c.get() + 1));
    std::ptr::null_mut()
}
unsafe extern "C" fn disconnect(_: SMTPC_SOCKET) {}
unsafe extern "C" fn send(_: *const c_char, n: c_int, _: SMTPC_SOCKET) -> c_int {
    n
}
unsafe extern "C" fn receive(_: *mut c_char, _: c_int, _: SMTPC_SOCKET) -> c_int {
    -1
}
unsafe extern "C" fn bad_clock() -> u32 {
    0
}

/// A sender, one To recipient, no subject or body, the server `srv`, no
/// credentials: the least mail `IP_SMTPC_Send` takes.
fn minimal_mail(
    from: &CString,
    to: &CString,
    srv: &CString,
) -> ([IP_SMTPC_MAIL_ADDR; 2], IP_SMTPC_MESSAGE, IP_SMTPC_MTA) {
    let msg = cstructs::message(None, None, &[]);
    let mta = cstructs::mta(Some(srv), None, None, 0);
    ([addr(None, from, 4), addr(None, to, 1)], msg, mta)
}

/// The hooks above, no TLS hooks.
fn make_api() -> IP_SMTPC_API {
    cstructs::plain_api(connect, disconnect, send, receive)
}

#[test]
fn bad_arguments_get_their_error_and_nothing_connects() {
    let s = |t: &str| CString::new(t).unwrap();
    let (from, to, srv, bad, subj) = (
        s("a@b.test"),
        s("c@d.test"),
        s("127.0.0.1"),
        s("x\r\n@y"),
        s("hi\nthere"),
    );
    let (addrs, msg, mta) = minimal_mail(&from, &to, &srv);
    let api = make_api();
    let null: *const IP_SMTPC_APPLICATION = std::ptr::null();
    // SAFETY (every call below): pointers are NULL or valid for the call.
    let call = |api: &IP_SMTPC_API,
                addrs: &[IP_SMTPC_MAIL_ADDR],
                n: c_int,
                msg: &IP_SMTPC_MESSAGE,
                mta: &IP_SMTPC_MTA,
                app: *const IP_SMTPC_APPLICATION| unsafe {
        IP_SMTPC_Send(api, addrs.as_ptr(), n, msg, mta, app)
    };
    let e = |e: Error| e as c_int;
    // SAFETY: NULL pointers are the point of the test.
    unsafe {
        assert_eq!(
            IP_SMTPC_Send(std::ptr::null(), addrs.as_ptr(), 2, &msg, &mta, null),
            e(Error::NullPointer)
        );
        assert_eq!(
            IP_SMTPC_Send(&api, addrs.as_ptr(), 2, std::ptr::null(), &mta, null),
            e(Error::NullPointer)
        );
        assert_eq!(
            IP_SMTPC_Send(&api, addrs.as_ptr(), 2, &msg, std::ptr::null(), null),
            e(Error::NullPointer)
        );
        assert_eq!(
            IP_SMTPC_Send(&api, std::ptr::null(), 2, &msg, &mta, null),
            e(Error::NullPointer)
        );
    }
    let no_send = IP_SMTPC_API {
        pfSend: None,
        ..make_api()
    };
    assert_eq!(
        call(&no_send, &addrs, 2, &msg, &mta, null),
        e(Error::MissingHook)
    );
    assert_eq!(call(&api, &addrs, 0, &msg, &mta, null), e(Error::NoSender));
    assert_eq!(call(&api, &addrs, -5, &msg, &mta, null), e(Error::NoSender));
    assert_eq!(
        call(&api, &addrs, 1, &msg, &mta, null),
        e(Error::NoRecipient)
    );
    let secure = IP_SMTPC_MTA {
        SecPolicy: 1,
        ..mta_copy(&mta)
    };
    assert_eq!(
        call(&api, &addrs, 2, &msg, &secure, null),
        e(Error::TlsUnavailable)
    );
    let weird = IP_SMTPC_MTA {
        SecPolicy: 7,
        ..mta_copy(&mta)
    };
    assert_eq!(
        call(&api, &addrs, 2, &msg, &weird, null),
        e(Error::InvalidOptions)
    );
    let no_server = IP_SMTPC_MTA {
        sServer: std::ptr::null(),
        ..mta_copy(&mta)
    };
    assert_eq!(
        call(&api, &addrs, 2, &msg, &no_server, null),
        e(Error::NullPointer)
    );
    let injected = [addr(None, &from, 4), addr(None, &bad, 1)];
    assert_eq!(
        call(&api, &injected, 2, &msg, &mta, null),
        e(Error::AddressControlChar)
    );
    let null_addr = [
        addrs[0].clone_entry(),
        IP_SMTPC_MAIL_ADDR {
            sAddr: std::ptr::null(),
            ..addr(None, &to, 1)
        },
    ];
    assert_eq!(
        call(&api, &null_addr, 2, &msg, &mta, null),
        e(Error::NullPointer)
    );
    let bad_type = [addrs[0].clone_entry(), addr(None, &to, 9)];
    assert_eq!(
        call(&api, &bad_type, 2, &msg, &mta, null),
        e(Error::InvalidRecipientType)
    );
    let bad_subject = IP_SMTPC_MESSAGE {
        sSubject: subj.as_ptr(),
        ..msg_copy(&msg)
    };
    assert_eq!(
        call(&api, &addrs, 2, &bad_subject, &mta, null),
        e(Error::InvalidSubject)
    );
    let app = IP_SMTPC_APPLICATION {
        pfGetTimeDate: Some(bad_clock),
        pfCallback: None,
        sDomain: std::ptr::null(),
        sTimezone: std::ptr::null(),
    };
    assert_eq!(
        call(&api, &addrs, 2, &msg, &mta, &app),
        e(Error::InvalidDate)
    );
    assert_eq!(
        CONNECTS.with(Cell::get),
        0,
        "nothing may connect for bad input"
    );
    // Good input connects; a NULL socket is IP_SMTPC_ERR_CONNECT.
    assert_eq!(call(&api, &addrs, 2, &msg, &mta, null), e(Error::Connect));
    assert_eq!(CONNECTS.with(Cell::get), 1);
}

/// A UTF-8 address passes the check only where SMTPUTF8 is built (then
/// the server must offer it); invalid UTF-8 never does. Nothing connects
/// for a refused one.
#[test]
fn utf8_addresses_need_the_feature_and_valid_utf8() {
    let call = |sender: &CString| {
        let (to, srv) = (
            CString::new("c@d.test").unwrap(),
            CString::new("127.0.0.1").unwrap(),
        );
        let (addrs, msg, mta) = minimal_mail(sender, &to, &srv);
        CONNECTS.with(|c| c.set(0));
        // SAFETY: every pointer is valid for the call.
        let r =
            unsafe { IP_SMTPC_Send(&make_api(), addrs.as_ptr(), 2, &msg, &mta, std::ptr::null()) };
        (r, CONNECTS.with(Cell::get))
    };
    let utf8 = CString::new("s\u{fc}nder@d.test").unwrap();
    let expected = if cfg!(feature = "smtputf8") {
        // Valid: it connects (the hook gives no socket here).
        (Error::Connect as c_int, 1)
    } else {
        (Error::AddressSyntax as c_int, 0)
    };
    assert_eq!(call(&utf8), expected);
    for invalid in [
        &b"s\xfcnder@d.test"[..],
        b"\xc3@d.test",
        b"a@\xed\xa0\x80.test",
    ] {
        let bytes = CString::new(invalid).unwrap();
        assert_eq!(
            call(&bytes),
            (Error::AddressSyntax as c_int, 0),
            "{invalid:?}"
        );
    }
}

trait CloneEntry {
    fn clone_entry(&self) -> Self;
}
impl CloneEntry for IP_SMTPC_MAIL_ADDR {
    fn clone_entry(&self) -> Self {
        IP_SMTPC_MAIL_ADDR {
            sName: self.sName,
            sAddr: self.sAddr,
            Type: self.Type,
        }
    }
}
fn msg_copy(m: &IP_SMTPC_MESSAGE) -> IP_SMTPC_MESSAGE {
    IP_SMTPC_MESSAGE {
        sSubject: m.sSubject,
        sBody: m.sBody,
        sBoundary: m.sBoundary,
        paMultipartItem: m.paMultipartItem,
        NumMultipartItems: m.NumMultipartItems,
    }
}
fn mta_copy(m: &IP_SMTPC_MTA) -> IP_SMTPC_MTA {
    IP_SMTPC_MTA {
        sServer: m.sServer,
        sUser: m.sUser,
        sPass: m.sPass,
        SecPolicy: m.SecPolicy,
    }
}
