// SPDX-License-Identifier: MIT OR Apache-2.0
//! The dialogue as data: one row per step, run by [`crate::engine`].
//!
//! A row names the command (a slice of [`TEXT`] plus an argument), the reply
//! that moves on, the error when another reply comes, and the step reported
//! to the application (`IP_SMTPC_STEP_*`). Branches (HELO fallback, the AUTH
//! choice, the recipient loop) are the few lines of `Engine::on_reply`.

use crate::error::Error;

/// A step of the dialogue: an index into [`ROWS`] (a word: Thumb-2 loads
/// a word from the stack in 16 bits, a byte in 32).
pub type Step = u32;

/// Waiting for the greeting.
pub const GREETING: Step = 0;
/// EHLO.
pub const EHLO: Step = 1;
/// HELO, after EHLO got 5xx.
pub const HELO: Step = 2;
/// AUTH PLAIN with the initial response.
pub const PLAIN: Step = 3;
/// AUTH LOGIN.
pub const LOGIN: Step = 4;
/// AUTH LOGIN: the user name.
pub const LOGIN_USER: Step = 5;
/// AUTH LOGIN: the password.
pub const LOGIN_PASS: Step = 6;
/// `*`: cancels an AUTH exchange that asked for more (RFC 4954 §4).
pub const CANCEL: Step = 7;
/// MAIL FROM.
pub const MAIL: Step = 8;
/// RCPT TO, once per recipient.
pub const RCPT: Step = 9;
/// DATA.
pub const DATA: Step = 10;
/// The message and the final dot.
pub const DOT: Step = 11;
/// QUIT.
pub const QUIT: Step = 12;
/// Finished.
pub const DONE: Step = 13;
/// Not a row: "after EHLO or HELO", where the engine chooses STARTTLS, AUTH or MAIL.
pub const HELLO_DONE: Step = 0xfe;
/// STARTTLS (RFC 3207), after the seed rows so their numbers do not move.
#[cfg(feature = "tls")]
pub const STARTTLS: Step = 14;
/// Not a row: the TLS handshake (the driver's `pfUpgrade`) after "220 ready".
#[cfg(feature = "tls")]
pub const UPGRADE: Step = 0xfd;
/// RSET before the next mail of a batch, after one that may have left a
/// transaction open (`batch`; after the seed and TLS rows).
#[cfg(feature = "batch")]
pub const RSET: Step = 15;
/// AUTH XOAUTH2 or OAUTHBEARER with the initial response (`oauth`), after
/// RSET's number.
#[cfg(feature = "oauth")]
pub const OAUTH: Step = 16;
/// AUTH XOAUTH2 or OAUTHBEARER alone: the response would make the line
/// longer than 512 octets (`oauth`).
#[cfg(feature = "oauth")]
pub const OAUTH_ALONE: Step = 17;
/// The OAuth response after the server's empty 334 (`oauth`).
#[cfg(feature = "oauth")]
pub const OAUTH_RESPONSE: Step = 18;
/// The answer to the OAuth error challenge (`oauth`): the server's reply
/// to it fails the exchange.
#[cfg(feature = "oauth")]
pub const OAUTH_ERROR: Step = 19;
/// AUTH CRAM-MD5 (RFC 2195, `cram-md5`, not in "full"): after OAuth's
/// numbers and one that is no step, so the rows of "full" have no gap.
#[cfg(feature = "cram-md5")]
pub const CRAM: Step = 21;
/// AUTH CRAM-MD5: the response to the server's challenge.
#[cfg(feature = "cram-md5")]
pub const CRAM_RESPONSE: Step = 22;

/// The argument a command carries after its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Nothing.
    None,
    /// The own domain.
    Domain,
    /// base64("\0" user "\0" password).
    Plain,
    /// base64(user).
    User,
    /// base64(password).
    Pass,
    /// The sender's address, `>` and the MAIL parameters.
    Sender,
    /// The current recipient's address and `>`.
    Rcpt,
    /// Not a command: the message content (or nothing, for the greeting).
    Content,
    /// The mechanism name `CRAM-MD5` (`cram-md5`).
    #[cfg(feature = "cram-md5")]
    CramMd5,
    /// base64(user SP hex(HMAC-MD5(password, challenge))) (`cram-md5`).
    #[cfg(feature = "cram-md5")]
    CramResponse,
    /// The mechanism name, and the response in the [`OAUTH`] step (`oauth`).
    #[cfg(feature = "oauth")]
    OAuth,
    /// The OAuth response (`oauth`).
    #[cfg(feature = "oauth")]
    OAuthResponse,
    /// The answer to the error challenge (`oauth`).
    #[cfg(feature = "oauth")]
    OAuthError,
}

/// Every command's text, one after the other; rows slice it.
#[cfg(not(any(feature = "tls", feature = "batch")))]
pub const TEXT: &[u8] = b"EHLO HELO AUTH PLAIN AUTH LOGIN*MAIL FROM:<RCPT TO:<DATAQUIT";
/// Every command's text, one after the other; rows slice it.
#[cfg(all(feature = "tls", not(feature = "batch")))]
pub const TEXT: &[u8] = b"EHLO HELO AUTH PLAIN AUTH LOGIN*MAIL FROM:<RCPT TO:<DATAQUITSTARTTLS";
/// Every command's text, one after the other; rows slice it (RSET after
/// STARTTLS's place, `batch`).
#[cfg(feature = "batch")]
pub const TEXT: &[u8] = b"EHLO HELO AUTH PLAIN AUTH LOGIN*MAIL FROM:<RCPT TO:<DATAQUITSTARTTLSRSET";

/// One step of the dialogue.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// Start of the command in [`TEXT`].
    pub at: u8,
    /// Length of the command text.
    pub len: u8,
    /// What follows the text.
    pub arg: Arg,
    /// The reply that moves on: an exact code, or a class as one digit
    /// (2 = any 2xx; no code is below 200); 0 = none.
    pub expect: u16,
    /// The step after that reply (the recipient loop is the engine's).
    pub next: u8,
    /// The error for any other reply (refined for 552 and 4xx by the engine).
    pub error: Error,
    /// `IP_SMTPC_STEP_*` reported for this step.
    pub report: u8,
}

const fn row(at: u8, len: u8, arg: Arg, expect: u16, next: Step, error: Error, report: u8) -> Row {
    Row {
        at,
        len,
        arg,
        expect,
        next: next as u8,
        error,
        report,
    }
}

/// Rows in [`ROWS`]: the seed's, then those of the features built (a
/// number between them that is no step gets the DONE row).
const COUNT: usize = if cfg!(feature = "cram-md5") {
    23
} else if cfg!(feature = "oauth") {
    20
} else if cfg!(feature = "batch") {
    16
} else if cfg!(feature = "tls") {
    15
} else {
    14
};

/// The seed's dialogue, indexed by the step constants above.
const SEED_ROWS: [Row; 14] = [
    row(0, 0, Arg::Content, 220, EHLO, Error::GreetingRefused, 2),
    row(0, 5, Arg::Domain, 2, HELLO_DONE, Error::HeloRejected, 3),
    row(5, 5, Arg::Domain, 2, HELLO_DONE, Error::HeloRejected, 3),
    row(10, 11, Arg::Plain, 235, MAIL, Error::AuthFailed, 5),
    row(21, 10, Arg::None, 334, LOGIN_USER, Error::AuthFailed, 5),
    row(0, 0, Arg::User, 334, LOGIN_PASS, Error::AuthFailed, 5),
    row(0, 0, Arg::Pass, 235, MAIL, Error::AuthFailed, 5),
    row(31, 1, Arg::None, 0, QUIT, Error::AuthProtocol, 5),
    row(32, 11, Arg::Sender, 2, RCPT, Error::SenderRejected, 6),
    row(43, 9, Arg::Rcpt, 2, RCPT, Error::AllRecipientsRejected, 7),
    row(52, 4, Arg::None, 354, DOT, Error::DataRejected, 8),
    row(0, 0, Arg::Content, 2, QUIT, Error::MessageRejected, 9),
    row(56, 4, Arg::None, 221, DONE, Error::OutcomeUnknown, 10),
    FINISHED,
];

/// `rows` with `add` in place from step `at` on.
// Indexing in a constant: out of range fails the build, never at run time.
#[allow(clippy::indexing_slicing)]
const fn place(mut rows: [Row; COUNT], at: Step, add: &[Row]) -> [Row; COUNT] {
    let mut i = 0;
    while i < add.len() {
        rows[at as usize + i] = add[i];
        i += 1;
    }
    rows
}

/// The dialogue, indexed by the step constants above: the seed's rows and
/// those of the features built in one table, so a step's row is one
/// bounds check away.
pub const ROWS: [Row; COUNT] = {
    let rows = place([FINISHED; COUNT], GREETING, &SEED_ROWS);
    #[cfg(feature = "tls")]
    let rows = place(rows, STARTTLS, &[STARTTLS_ROW]);
    #[cfg(feature = "batch")]
    let rows = place(rows, RSET, &[RSET_ROW]);
    #[cfg(feature = "oauth")]
    let rows = place(rows, OAUTH, &OAUTH_ROWS);
    #[cfg(feature = "cram-md5")]
    let rows = place(rows, CRAM, &CRAM_ROWS);
    rows
};

/// STARTTLS: 220 hands over to the handshake; anything else is the engine's decision
/// (continue in clear when TLS is optional).
#[cfg(feature = "tls")]
const STARTTLS_ROW: Row = row(60, 8, Arg::None, 220, UPGRADE, Error::TlsRefused, 4);

/// RSET: 250 goes on to MAIL; anything else ends the batch (reported at
/// MAIL, the step it prepares).
#[cfg(feature = "batch")]
const RSET_ROW: Row = row(68, 4, Arg::None, 250, MAIL, Error::UnexpectedReply, 6);
/// AUTH CRAM-MD5 ("AUTH " of AUTH PLAIN's text, then the name), and the
/// response to its 334 (`cram-md5`).
#[cfg(feature = "cram-md5")]
const CRAM_ROWS: [Row; 2] = [
    row(
        10,
        5,
        Arg::CramMd5,
        334,
        CRAM_RESPONSE,
        Error::AuthFailed,
        5,
    ),
    row(0, 0, Arg::CramResponse, 235, MAIL, Error::AuthFailed, 5),
];

/// AUTH XOAUTH2 / OAUTHBEARER ("AUTH " of AUTH PLAIN's text, then the
/// name): with the initial response, alone, the response after 334, the
/// answer to the error challenge (`oauth`). A 334 to the response is the
/// error challenge (the engine's).
#[cfg(feature = "oauth")]
const OAUTH_ROWS: [Row; 4] = [
    row(10, 5, Arg::OAuth, 235, MAIL, Error::AuthFailed, 5),
    row(10, 5, Arg::OAuth, 334, OAUTH_RESPONSE, Error::AuthFailed, 5),
    row(0, 0, Arg::OAuthResponse, 235, MAIL, Error::AuthFailed, 5),
    row(0, 0, Arg::OAuthError, 0, QUIT, Error::AuthFailed, 5),
];

/// The DONE row.
const FINISHED: Row = row(0, 0, Arg::None, 0, DONE, Error::Receive, 11);

impl Row {
    /// The row of `step` (the DONE row for anything out of range).
    // A hint (measured: seed as `inline(always)`, full -70 B against
    // `inline(always)` and -24 B against a call).
    #[inline]
    pub fn of(step: Step) -> &'static Row {
        // The DONE row itself (a constant index: checked when compiling),
        // not a second copy of it.
        #[allow(clippy::indexing_slicing)]
        ROWS.get(step as usize).unwrap_or(&ROWS[DONE as usize])
    }

    /// The command text.
    pub fn text(&self) -> &'static [u8] {
        TEXT.get(usize::from(self.at)..usize::from(self.at) + usize::from(self.len))
            .unwrap_or_default()
    }

    /// `true` for the steps of an AUTH exchange: those whose other replies
    /// fail it (their codes map through [`crate::error::auth_error`]; a 334
    /// where 235 was due cancels them). No other row has that error.
    pub fn is_auth(&self) -> bool {
        self.error == Error::AuthFailed
    }

    /// `true` when `code` moves this step on.
    pub fn accepts(&self, code: u16) -> bool {
        code / 100 == self.expect || code == self.expect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        let texts: Vec<&[u8]> = (GREETING..=DONE).map(|s| Row::of(s).text()).collect();
        assert_eq!(
            texts,
            [
                &b""[..],
                b"EHLO ",
                b"HELO ",
                b"AUTH PLAIN ",
                b"AUTH LOGIN",
                b"",
                b"",
                b"*",
                b"MAIL FROM:<",
                b"RCPT TO:<",
                b"DATA",
                b"",
                b"QUIT",
                b""
            ]
        );
    }

    /// Every number up to the table's end is a row; those that are no
    /// step, and any past the end, are the DONE row.
    #[test]
    fn one_table() {
        assert_eq!(Row::of(DONE).report, 11);
        // (20 is no step: CRAM-MD5's rows follow it.)
        for step in [20, ROWS.len() as Step, HELLO_DONE, Step::MAX] {
            assert_eq!(Row::of(step).next as Step, DONE, "{step}");
            assert_eq!(Row::of(step).report, 11, "{step}");
        }
        #[cfg(feature = "tls")]
        assert_eq!(Row::of(STARTTLS).text(), b"STARTTLS");
        #[cfg(feature = "batch")]
        assert_eq!(
            (Row::of(RSET).text(), Row::of(RSET).next as Step),
            (&b"RSET"[..], MAIL)
        );
    }

    #[test]
    fn classes_and_codes() {
        assert!(
            Row::of(EHLO).accepts(250) && Row::of(EHLO).accepts(251) && !Row::of(EHLO).accepts(354)
        );
        assert!(Row::of(GREETING).accepts(220) && !Row::of(GREETING).accepts(250));
        assert!(Row::of(DATA).accepts(354) && !Row::of(DATA).accepts(250));
    }

    #[cfg(feature = "cram-md5")]
    #[test]
    fn cram_md5_rows() {
        assert_eq!(Row::of(CRAM).text(), b"AUTH ");
        assert_eq!(Row::of(CRAM).arg, Arg::CramMd5);
        assert!(Row::of(CRAM).accepts(334) && !Row::of(CRAM).accepts(235));
        assert_eq!(Row::of(CRAM_RESPONSE).arg, Arg::CramResponse);
        assert!(Row::of(CRAM_RESPONSE).accepts(235) && !Row::of(CRAM_RESPONSE).accepts(334));
        assert_eq!(Row::of(CRAM_RESPONSE).next as Step, MAIL);
        assert_eq!(Row::of(CRAM + 2).arg, Arg::None);
        assert_eq!(Row::of(CRAM).report, Row::of(PLAIN).report);
    }

    #[cfg(feature = "oauth")]
    #[test]
    fn oauth_rows() {
        for step in OAUTH..=OAUTH_ALONE {
            assert_eq!(Row::of(step).text(), b"AUTH ");
            assert_eq!(Row::of(step).arg, Arg::OAuth);
        }
        assert!(Row::of(OAUTH).accepts(235) && !Row::of(OAUTH).accepts(334));
        assert!(Row::of(OAUTH_ALONE).accepts(334) && !Row::of(OAUTH_ALONE).accepts(235));
        assert_eq!(Row::of(OAUTH_ALONE).next as Step, OAUTH_RESPONSE);
        assert_eq!(Row::of(OAUTH_RESPONSE).arg, Arg::OAuthResponse);
        assert_eq!(Row::of(OAUTH_RESPONSE).next as Step, MAIL);
        assert_eq!(Row::of(OAUTH_ERROR).arg, Arg::OAuthError);
        assert!(!Row::of(OAUTH_ERROR).accepts(235) && !Row::of(OAUTH_ERROR).accepts(535));
        assert_eq!(Row::of(OAUTH_ERROR + 1).arg, Arg::None);
        for step in OAUTH..=OAUTH_ERROR {
            assert_eq!(Row::of(step).report, Row::of(PLAIN).report);
        }
    }

    #[test]
    fn auth_rows() {
        // The steps of an AUTH exchange, and no others (CANCEL is none).
        for step in 0..ROWS.len() as Step + 1 {
            #[allow(unused_mut)]
            let mut auth = (PLAIN..=LOGIN_PASS).contains(&step);
            #[cfg(feature = "oauth")]
            {
                auth |= (OAUTH..=OAUTH_ERROR).contains(&step);
            }
            #[cfg(feature = "cram-md5")]
            {
                auth |= (CRAM..=CRAM_RESPONSE).contains(&step);
            }
            assert_eq!(Row::of(step).is_auth(), auth, "step {step}");
        }
    }
}
