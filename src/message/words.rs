// SPDX-License-Identifier: MIT OR Apache-2.0
//! RFC 2047 encoded words for non-ASCII header text.
//!
//! `=?UTF-8?B?...?=` words of at most 42 input octets (68 characters), cut
//! only between UTF-8 sequences, folded with CR LF SP between words, so a
//! header line holding one word and a field name stays within 78 characters.

use crate::base64;
use crate::cursor::Out;

/// Input octets per encoded word.
const WORD_INPUT: usize = 42;

/// `true` when `text` has octets above 127 and so needs encoded words.
/// Always `false` without the `mime` feature: text then goes out raw, as in emNet.
pub fn needs_encoding(text: &[u8]) -> bool {
    cfg!(feature = "mime") && text.iter().any(|&b| b >= 0x80)
}

/// Writes `text` as a sequence of encoded words folded onto continuation lines.
pub fn put_encoded(out: &mut dyn Out, text: &[u8]) {
    let mut rest = text;
    let mut first = true;
    while !rest.is_empty() {
        let mut cut = rest.len().min(WORD_INPUT);
        // Back off to the start of a UTF-8 sequence (not a continuation octet).
        while cut < rest.len() && cut > 0 && matches!(rest.get(cut), Some(0x80..=0xbf)) {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.len().min(WORD_INPUT);
        }
        let (word, tail) = rest.split_at_checked(cut).unwrap_or((rest, &[]));
        if !first {
            out.put(b"\r\n ");
        }
        first = false;
        out.put(b"=?UTF-8?B?");
        base64::put_concatenated(out, &[word]);
        out.put(b"?=");
        rest = tail;
    }
}

#[cfg(all(test, feature = "mime"))]
mod tests {
    use super::*;

    fn decode_words(header: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for word in header.split("\r\n ") {
            let b64 = word
                .strip_prefix("=?UTF-8?B?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            let value = |c: u8| {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    .iter()
                    .position(|&a| a == c)
                    .unwrap() as u32
            };
            for quad in b64.as_bytes().chunks(4) {
                let pad = quad.iter().filter(|&&c| c == b'=').count();
                let n = quad.iter().fold(0u32, |acc, &c| {
                    (acc << 6) | if c == b'=' { 0 } else { value(c) }
                });
                out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
            }
            // Every word holds whole UTF-8 sequences.
            assert!(std::str::from_utf8(&out).is_ok());
        }
        out
    }

    #[test]
    fn scripts_round_trip_within_line_limits() {
        for text in [
            "Grüße aus München – Störung an Pumpe 3",
            "Καλημέρα κόσμε, αυτό είναι ένα μήνυμα δοκιμής με αρκετά μεγάλο θέμα",
            "日本語の件名はとても長くなることがあります。センサーの警報が発生しました",
            "Alarm 🚨🔥💧 sensor 42 🌡️ over limit 🚨🚨🚨🚨🚨🚨🚨🚨🚨🚨",
            "é",
        ] {
            let mut out = Vec::new();
            put_encoded(&mut out, text.as_bytes());
            let header = String::from_utf8(out).unwrap();
            assert_eq!(decode_words(&header), text.as_bytes(), "{text}");
            for line in header.split("\r\n") {
                // "Subject: " (9) plus the word must fit in 78.
                assert!(line.len() + 9 <= 78, "{line}");
                assert!(line.trim_start().len() <= 75, "word too long: {line}");
            }
        }
        assert!(needs_encoding("é".as_bytes()));
        assert!(!needs_encoding(b"plain"));
    }
}
