// SPDX-License-Identifier: MIT OR Apache-2.0
//! RFC 2047 encoded words for non-ASCII header text (`words` feature), as
//! `src/message/words.rs`: `=?UTF-8?B?...?=` words of at most 42 input
//! bytes (56 base64 digits, a 68-byte word: with "Subject: " or a fold's
//! space every line stays within 78), cut only at the start of a UTF-8
//! sequence, one word per line, folded with CR LF SP.

use crate::writer::Writer;

/// Input bytes per encoded word.
const WORD_INPUT: usize = 42;

/// `true` when `text` has a byte above 127 (it goes out as encoded words).
pub fn needs_encoding(text: &[u8]) -> bool {
    text.iter().any(|&b| b >= 0x80)
}

/// Writes `text` as encoded words, folded between them.
pub fn put(w: &mut Writer<'_>, text: &[u8]) {
    let mut rest = text;
    // A fold goes before every word but the first.
    const FOLD_AND_START: &[u8] = b"\r\n =?UTF-8?B?";
    let mut before = FOLD_AND_START.get(3..).unwrap_or_default();
    while !rest.is_empty() {
        let mut cut = rest.len().min(WORD_INPUT);
        // Back off to the start of a UTF-8 sequence (not a continuation
        // octet; past the end there is none).
        while cut > 0 && matches!(rest.get(cut), Some(0x80..=0xbf)) {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.len().min(WORD_INPUT);
        }
        let (word, tail) = rest.split_at_checked(cut).unwrap_or((rest, &[]));
        w.put(before);
        before = FOLD_AND_START;
        crate::base64::put(w, &[word]);
        w.put(b"?=");
        rest = tail;
    }
}

/// Writes an unstructured value (subject, extra header): encoded words
/// when it is not ASCII, else as it is.
#[inline]
pub fn text(w: &mut Writer<'_>, value: &[u8]) {
    if needs_encoding(value) {
        put(w, value);
    } else {
        w.put(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &[u8]) -> String {
        let mut buf = vec![0u8; 4096];
        let mut w = Writer::new(&mut buf, 0);
        put(&mut w, text);
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

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
            let header = render(text.as_bytes());
            assert_eq!(decode_words(&header), text.as_bytes(), "{text}");
            for line in header.split("\r\n") {
                // "Subject: " (9) plus the word must fit in 78.
                assert!(line.len() + 9 <= 78, "{line}");
                assert!(line.trim_start().len() <= 75, "word too long: {line}");
            }
        }
        assert!(needs_encoding("é".as_bytes()));
        assert!(!needs_encoding(b"plain"));
        // Not UTF-8 at all: cut at 42 bytes, still round trips byte for byte.
        let raw = [0xffu8; 100];
        assert_eq!(render(&raw).matches("=?UTF-8?B?").count(), 3);
    }

    #[test]
    fn the_same_at_every_buffer_size() {
        let text = "Grüße aus München – Störung an Pumpe 3, Καλημέρα κόσμε".as_bytes();
        let reference = render(text);
        for size in 1..80 {
            let mut out = Vec::new();
            let mut sent = 0;
            loop {
                let mut buf = vec![0u8; size];
                let mut w = Writer::new(&mut buf, sent);
                put(&mut w, text);
                let (n, full) = (w.len(), w.is_full());
                out.extend_from_slice(&buf[..n]);
                sent += n;
                if !full {
                    break;
                }
            }
            assert_eq!(String::from_utf8(out).unwrap(), reference, "size {size}");
        }
    }
}
