// SPDX-License-Identifier: MIT OR Apache-2.0
//! The `#[repr(C)]` types of `capi::types` against the committed header
//! `include/IP_SMTPC.h`: a small C program compiled with the host's `cc`
//! prints every struct's size and every field's offset, and the constants;
//! Rust's `size_of` / `offset_of!` must give the same (host ABI; the
//! firmware ABI differs only in pointer size, the same for both sides).
//! Skips when no `cc` is installed.

use std::mem::{offset_of, size_of};
use std::process::Command;

use ip_smtpc::capi::*;
use ip_smtpc::Error;

/// A `#[repr(C)]` type to compare with the header: its name, Rust's size
/// and, per field, its name and Rust's offset.
type Layout = (&'static str, usize, Vec<(&'static str, usize)>);

/// The [`Layout`]s of the types and fields listed as `Type { field, ... }`.
macro_rules! layouts {
    ($($t:ident { $($f:ident),* })*) => {
        vec![$((
            stringify!($t),
            size_of::<$t>(),
            vec![$((stringify!($f), offset_of!($t, $f))),*],
        )),*]
    };
}

#[test]
fn structs_and_constants_match_the_header() {
    let dir = std::env::temp_dir().join(format!("ip-smtpc-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let include = concat!(env!("CARGO_MANIFEST_DIR"), "/include");
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"IP_SMTPC.h\"\nint main(void) {\n",
    );
    let layouts: Vec<Layout> = layouts!(
        IP_SMTPC_API { pfConnect, pfDisconnect, pfSend, pfReceive, pfUpgrade, pfDowngrade }
        IP_SMTPC_MAIL_ADDR { sName, sAddr, Type }
        IP_SMTPC_MULTIPART_API { pfSend }
        IP_SMTPC_MULTIPART_ITEM { sFilename, pUserContext, sContentType, pfSendItem }
        IP_SMTPC_MESSAGE { sSubject, sBody, sBoundary, paMultipartItem, NumMultipartItems }
        IP_SMTPC_MTA { sServer, sUser, sPass, SecPolicy }
        IP_SMTPC_APPLICATION { pfGetTimeDate, pfCallback, sDomain, sTimezone }
        IP_SMTPC_STATUS { Step, ReplyCode, RecipientIndex, sText, TextLen }
        IP_SMTPC_RCPT_RESULT { ReplyCode, EnhancedClass, EnhancedSubject, EnhancedDetail }
        IP_SMTPC_REPORT {
            Result,
            Step,
            Secure,
            ReplyCode,
            NumAccepted,
            NumRejected,
            paResult,
            NumResults,
            acReply,
            OAuthStatus,
            NumHostsTried,
            aReserved
        }
        IP_SMTPC_OPTIONS {
            SizeOf,
            AuthMechanisms,
            AllowInsecureAuth,
            TlsMode,
            ReplyTimeoutMs,
            pfGetTimeMs,
            MessageIdSeed,
            pReport,
            pBody,
            sReplyTo,
            pasHeader,
            NumHeaders,
            pfSetTimeout,
            RawMessage,
            DsnNotify,
            DsnRet,
            DsnRequired,
            sDsnEnvId,
            sOAuthToken
        }
        IP_SMTPC_RESOLVER { pfQueryMx, pContext }
    );
    for (s, _, fs) in &layouts {
        c += &format!("printf(\"{s} %zu\\n\", sizeof({s}));\n");
        for (f, _) in fs {
            c += &format!("printf(\"{s}.{f} %zu\\n\", offsetof({s}, {f}));\n");
        }
    }
    let rust: &[(&str, i64)] = &[
        ("SMTPC_REC_TYPE_TO", i64::from(ip_smtpc::mail::TO)),
        ("SMTPC_REC_TYPE_CC", i64::from(ip_smtpc::mail::CC)),
        ("SMTPC_REC_TYPE_BCC", i64::from(ip_smtpc::mail::BCC)),
        ("SMTPC_REC_TYPE_FROM", i64::from(ip_smtpc::mail::FROM)),
        (
            "SMTPC_SEC_POLICY_ALLOW_INSECURE",
            i64::from(SMTPC_SEC_POLICY_ALLOW_INSECURE),
        ),
        (
            "SMTPC_SEC_POLICY_SECURE_ONLY",
            i64::from(SMTPC_SEC_POLICY_SECURE_ONLY),
        ),
        ("IP_SMTPC_STAT_STEP", i64::from(IP_SMTPC_STAT_STEP)),
        (
            "IP_SMTPC_STAT_RCPT_ACCEPTED",
            i64::from(IP_SMTPC_STAT_RCPT_ACCEPTED),
        ),
        (
            "IP_SMTPC_STAT_RCPT_REJECTED",
            i64::from(IP_SMTPC_STAT_RCPT_REJECTED),
        ),
        ("IP_SMTPC_STEP_CONNECT", i64::from(IP_SMTPC_STEP_CONNECT)),
        ("IP_SMTPC_STEP_INPUT", i64::from(IP_SMTPC_STEP_INPUT)),
        ("IP_SMTPC_STEP_RCPT", i64::from(IP_SMTPC_STEP_RCPT)),
        ("IP_SMTPC_STEP_DONE", i64::from(IP_SMTPC_STEP_DONE)),
        ("IP_SMTPC_TLS_BY_POLICY", i64::from(IP_SMTPC_TLS_BY_POLICY)),
        ("IP_SMTPC_TLS_NONE", i64::from(IP_SMTPC_TLS_NONE)),
        ("IP_SMTPC_TLS_STARTTLS", i64::from(IP_SMTPC_TLS_STARTTLS)),
        (
            "IP_SMTPC_TLS_STARTTLS_REQUIRED",
            i64::from(IP_SMTPC_TLS_STARTTLS_REQUIRED),
        ),
        ("IP_SMTPC_TLS_IMPLICIT", i64::from(IP_SMTPC_TLS_IMPLICIT)),
        ("IP_SMTPC_AUTH_PLAIN", i64::from(IP_SMTPC_AUTH_PLAIN)),
        ("IP_SMTPC_AUTH_LOGIN", i64::from(IP_SMTPC_AUTH_LOGIN)),
        ("IP_SMTPC_AUTH_CRAM_MD5", i64::from(IP_SMTPC_AUTH_CRAM_MD5)),
        ("IP_SMTPC_AUTH_XOAUTH2", i64::from(IP_SMTPC_AUTH_XOAUTH2)),
        (
            "IP_SMTPC_AUTH_OAUTHBEARER",
            i64::from(IP_SMTPC_AUTH_OAUTHBEARER),
        ),
        (
            "IP_SMTPC_MAX_OAUTH_TOKEN_LEN",
            IP_SMTPC_MAX_OAUTH_TOKEN_LEN as i64,
        ),
        (
            "IP_SMTPC_DSN_NOTIFY_SUCCESS",
            i64::from(IP_SMTPC_DSN_NOTIFY_SUCCESS),
        ),
        (
            "IP_SMTPC_DSN_NOTIFY_FAILURE",
            i64::from(IP_SMTPC_DSN_NOTIFY_FAILURE),
        ),
        (
            "IP_SMTPC_DSN_NOTIFY_DELAY",
            i64::from(IP_SMTPC_DSN_NOTIFY_DELAY),
        ),
        (
            "IP_SMTPC_DSN_NOTIFY_NEVER",
            i64::from(IP_SMTPC_DSN_NOTIFY_NEVER),
        ),
        ("IP_SMTPC_DSN_RET_FULL", i64::from(IP_SMTPC_DSN_RET_FULL)),
        ("IP_SMTPC_DSN_RET_HDRS", i64::from(IP_SMTPC_DSN_RET_HDRS)),
        ("IP_SMTPC_REPLY_TEXT_SIZE", IP_SMTPC_REPLY_TEXT_SIZE as i64),
        ("IP_SMTPC_ERR_INVALID_HEADER", Error::InvalidHeader as i64),
        (
            "IP_SMTPC_ERR_INVALID_ATTACHMENT",
            Error::InvalidAttachment as i64,
        ),
        ("IP_SMTPC_ERR_AUTH_INSECURE", Error::AuthInsecure as i64),
        (
            "IP_SMTPC_ERR_APPLICATION_ABORT",
            Error::ApplicationAbort as i64,
        ),
        ("IP_SMTPC_ERR_NULL_POINTER", Error::NullPointer as i64),
        ("IP_SMTPC_ERR_NO_SENDER", Error::NoSender as i64),
        ("IP_SMTPC_ERR_NO_RECIPIENT", Error::NoRecipient as i64),
        (
            "IP_SMTPC_ERR_ADDRESS_CONTROL_CHAR",
            Error::AddressControlChar as i64,
        ),
        ("IP_SMTPC_ERR_ADDRESS_SYNTAX", Error::AddressSyntax as i64),
        (
            "IP_SMTPC_ERR_ADDRESS_TOO_LONG",
            Error::AddressTooLong as i64,
        ),
        ("IP_SMTPC_ERR_INVALID_NAME", Error::InvalidName as i64),
        ("IP_SMTPC_ERR_INVALID_SUBJECT", Error::InvalidSubject as i64),
        ("IP_SMTPC_ERR_INVALID_DOMAIN", Error::InvalidDomain as i64),
        (
            "IP_SMTPC_ERR_INVALID_CREDENTIALS",
            Error::InvalidCredentials as i64,
        ),
        (
            "IP_SMTPC_ERR_INVALID_TIMEZONE",
            Error::InvalidTimezone as i64,
        ),
        ("IP_SMTPC_ERR_INVALID_DATE", Error::InvalidDate as i64),
        (
            "IP_SMTPC_ERR_INVALID_RECIPIENT_TYPE",
            Error::InvalidRecipientType as i64,
        ),
        ("IP_SMTPC_ERR_MISSING_HOOK", Error::MissingHook as i64),
        ("IP_SMTPC_ERR_INVALID_OPTIONS", Error::InvalidOptions as i64),
        ("IP_SMTPC_ERR_NOT_BUILT", Error::NotBuilt as i64),
        ("IP_SMTPC_ERR_INVALID_BODY", Error::InvalidBody as i64),
        ("IP_SMTPC_ERR_CONNECT", Error::Connect as i64),
        ("IP_SMTPC_ERR_SEND", Error::Send as i64),
        ("IP_SMTPC_ERR_RECEIVE", Error::Receive as i64),
        ("IP_SMTPC_ERR_TIMEOUT", Error::Timeout as i64),
        ("IP_SMTPC_ERR_REPLY_SYNTAX", Error::ReplySyntax as i64),
        ("IP_SMTPC_ERR_REPLY_TOO_LONG", Error::ReplyTooLong as i64),
        (
            "IP_SMTPC_ERR_REPLY_TOO_MANY_LINES",
            Error::ReplyTooManyLines as i64,
        ),
        (
            "IP_SMTPC_ERR_GREETING_REFUSED",
            Error::GreetingRefused as i64,
        ),
        ("IP_SMTPC_ERR_HELO_REJECTED", Error::HeloRejected as i64),
        ("IP_SMTPC_ERR_SERVICE_CLOSING", Error::ServiceClosing as i64),
        (
            "IP_SMTPC_ERR_UNEXPECTED_REPLY",
            Error::UnexpectedReply as i64,
        ),
        (
            "IP_SMTPC_ERR_AUTH_NOT_SUPPORTED",
            Error::AuthNotSupported as i64,
        ),
        ("IP_SMTPC_ERR_AUTH_FAILED", Error::AuthFailed as i64),
        ("IP_SMTPC_ERR_AUTH_TEMPORARY", Error::AuthTemporary as i64),
        ("IP_SMTPC_ERR_AUTH_REQUIRED", Error::AuthRequired as i64),
        (
            "IP_SMTPC_ERR_AUTH_MECHANISM_TOO_WEAK",
            Error::AuthMechanismTooWeak as i64,
        ),
        (
            "IP_SMTPC_ERR_AUTH_ENCRYPTION_REQUIRED",
            Error::AuthEncryptionRequired as i64,
        ),
        ("IP_SMTPC_ERR_AUTH_PROTOCOL", Error::AuthProtocol as i64),
        ("IP_SMTPC_ERR_SENDER_REJECTED", Error::SenderRejected as i64),
        (
            "IP_SMTPC_ERR_ALL_RECIPIENTS_REJECTED",
            Error::AllRecipientsRejected as i64,
        ),
        ("IP_SMTPC_ERR_DATA_REJECTED", Error::DataRejected as i64),
        (
            "IP_SMTPC_ERR_MESSAGE_REJECTED",
            Error::MessageRejected as i64,
        ),
        (
            "IP_SMTPC_ERR_MESSAGE_TEMPORARY_FAILURE",
            Error::MessageTemporaryFailure as i64,
        ),
        ("IP_SMTPC_ERR_MESSAGE_TOO_BIG", Error::MessageTooBig as i64),
        (
            "IP_SMTPC_ERR_PARTIAL_DELIVERY",
            Error::PartialDelivery as i64,
        ),
        ("IP_SMTPC_ERR_OUTCOME_UNKNOWN", Error::OutcomeUnknown as i64),
        ("IP_SMTPC_ERR_TLS_UNAVAILABLE", Error::TlsUnavailable as i64),
        ("IP_SMTPC_ERR_TLS_REFUSED", Error::TlsRefused as i64),
        ("IP_SMTPC_ERR_TLS_HANDSHAKE", Error::TlsHandshake as i64),
        ("IP_SMTPC_ERR_TLS_INJECTION", Error::TlsInjection as i64),
        (
            "IP_SMTPC_ERR_INVALID_MX_DOMAIN",
            Error::InvalidMxDomain as i64,
        ),
        ("IP_SMTPC_ERR_DNS_LOOKUP", Error::DnsLookup as i64),
        (
            "IP_SMTPC_MX_ANSWER_SIZE",
            i64::from(IP_SMTPC_MX_ANSWER_SIZE),
        ),
        ("IP_SMTPC_MX_MAX_HOSTS", i64::from(IP_SMTPC_MX_MAX_HOSTS)),
        ("IP_SMTPC_MX_QUERY_SIZE", i64::from(IP_SMTPC_MX_QUERY_SIZE)),
    ];
    let constants: Vec<&str> = rust.iter().map(|(k, _)| *k).collect();
    for k in &constants {
        c += &format!("printf(\"{k} %d\\n\", (int)({k}));\n");
    }
    c += "return 0;\n}\n";
    std::fs::write(dir.join("abi.c"), c).unwrap();
    let exe = dir.join("abi");
    let Ok(status) = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Werror", "-I", include, "-o"])
        .arg(&exe)
        .arg(dir.join("abi.c"))
        .status()
    else {
        panic!("no C compiler (cc) to build the C side");
    };
    assert!(status.success(), "the header does not compile");
    let out = String::from_utf8(Command::new(&exe).output().unwrap().stdout).unwrap();
    let c_values: std::collections::HashMap<&str, i64> = out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();

    for (s, size, fs) in &layouts {
        assert_eq!(c_values[s], *size as i64, "sizeof {s}");
        for (f, offset) in fs {
            let key = format!("{s}.{f}");
            assert_eq!(c_values[key.as_str()], *offset as i64, "offsetof {key}");
        }
    }

    for (k, v) in rust {
        assert_eq!(c_values[k], *v, "{k}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
