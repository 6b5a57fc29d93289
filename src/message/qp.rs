// SPDX-License-Identifier: MIT OR Apache-2.0
//! Streaming quoted-printable encoder (RFC 2045 §6.7).
//!
//! Text in, any split: CR LF, bare CR and bare LF become hard line breaks
//! (CR LF); "=", controls and octets above 126 become `=XX`; space and tab
//! are literal except before a line break; lines are broken softly ("=" CR LF)
//! before they exceed 76 characters; a "-" at the start of a line becomes
//! `=2D`, so no line of a quoted-printable part can be a MIME delimiter. The
//! output always ends with a line break.

use crate::cursor::Out;

/// Longest encoded line, the soft-break "=" included.
const LINE: usize = 76;

/// The encoder, writing to `out`.
pub struct QuotedPrintable<'o> {
    out: &'o mut dyn Out,
    column: usize,
    pending_space: Option<u8>,
    after_cr: bool,
}

impl<'o> QuotedPrintable<'o> {
    /// An encoder at the start of a text.
    pub fn new(out: &'o mut dyn Out) -> Self {
        QuotedPrintable {
            out,
            column: 0,
            pending_space: None,
            after_cr: false,
        }
    }

    /// Emits one token (1 or 3 characters), breaking the line softly first
    /// when the token and a soft-break "=" would not fit. A "-" that would
    /// start a line goes as "=2D", so no encoded line can be a MIME
    /// delimiter ("--boundary"), whatever the text.
    fn token(&mut self, token: &[u8]) {
        if self.column + token.len() > LINE - 1 {
            self.out.put(b"=\r\n");
            self.column = 0;
        }
        if self.column == 0 && token == b"-" {
            return self.escaped(b'-');
        }
        self.out.put(token);
        self.column += token.len();
    }

    fn escaped(&mut self, b: u8) {
        let [hi, lo] = crate::bytes::hex_pair(b);
        self.token(&[b'=', hi, lo]);
    }

    fn hard_break(&mut self) {
        if let Some(space) = self.pending_space.take() {
            self.escaped(space);
        }
        self.out.put(b"\r\n");
        self.column = 0;
    }

    /// Ends the text with a line break unless it already ends with one.
    pub fn finish(mut self) {
        if self.column > 0 || self.pending_space.is_some() {
            self.hard_break();
        }
    }
}

impl Out for QuotedPrintable<'_> {
    fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\r' | b'\n' => {
                    self.hard_break();
                    self.after_cr = b == b'\r';
                }
                _ => {
                    self.after_cr = false;
                    if let Some(space) = self.pending_space.take() {
                        self.token(&[space]);
                    }
                    match b {
                        b' ' | b'\t' => self.pending_space = Some(b),
                        b'!'..=b'<' | b'>'..=b'~' => self.token(&[b]),
                        _ => self.escaped(b),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{canonical, Rng};

    fn encode_chunks(text: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut qp = QuotedPrintable::new(&mut out);
        for piece in text.chunks(chunk.max(1)) {
            qp.put(piece);
        }
        qp.finish();
        out
    }

    /// Reference decoder (RFC 2045 §6.7); the encoding ends with CR LF.
    fn decode(encoded: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let text = String::from_utf8(encoded.to_vec()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.last(), Some(&""), "ends with a line break");
        for line in &lines[..lines.len() - 1] {
            let (body, soft) = match line.strip_suffix('=') {
                Some(b) => (b, true),
                None => (*line, false),
            };
            let mut j = 0;
            while j < body.len() {
                if body.as_bytes()[j] == b'=' {
                    out.push(u8::from_str_radix(&body[j + 1..j + 3], 16).unwrap());
                    j += 3;
                } else {
                    out.push(body.as_bytes()[j]);
                    j += 1;
                }
            }
            if !soft {
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }

    #[test]
    fn golden() {
        assert_eq!(encode_chunks(b"a=b", 99), b"a=3Db\r\n");
        assert_eq!(
            encode_chunks("Gr\u{fc}\u{df}e\n".as_bytes(), 99),
            b"Gr=C3=BC=C3=9Fe\r\n"
        );
        assert_eq!(
            encode_chunks(b"trailing \nspace\t", 1),
            b"trailing=20\r\nspace=09\r\n"
        );
        assert_eq!(encode_chunks(b"", 1), b"");
        assert_eq!(encode_chunks(b"x\r\r\ny", 1), b"x\r\n\r\ny\r\n");
        // A "-" that would start a line, after a hard or a soft break.
        assert_eq!(
            encode_chunks(b"--boundary\n-x--\n", 1),
            b"=2D-boundary\r\n=2Dx--\r\n"
        );
        let dashes = encode_chunks(&[b'-'; 80], 3);
        assert_eq!(
            dashes,
            [b"=2D", &[b'-'; 72][..], b"=\r\n=2D", &[b'-'; 6], b"\r\n"].concat()
        );
        let long = encode_chunks(&[b'a'; 80], 7);
        assert_eq!(
            long,
            [&[b'a'; 75][..], b"=\r\n", &[b'a'; 5], b"\r\n"].concat()
        );
    }

    /// Property: random text in random chunks decodes to the canonical text;
    /// no line over 76 characters; only CR LF line breaks.
    #[test]
    fn property_round_trip() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut next = move || rng.next();
        let alphabet = b"ab =\t\r\n.-\xc3\xa9\x00\xff~";
        for _ in 0..2000 {
            let len = (next() % 300) as usize;
            let text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let encoded = encode_chunks(&text, 1 + (next() % 50) as usize);
            for line in encoded.split(|&b| b == b'\n') {
                assert!(line.len() <= 77, "line too long: {}", line.len());
                assert!(
                    line.iter()
                        .all(|&b| (32..127).contains(&b) || b == b'\t' || b == b'\r'),
                    "{line:?}"
                );
                assert!(!line.ends_with(b" \r") && !line.ends_with(b"\t\r"));
                assert!(!line.starts_with(b"-"), "a line starts with '-': {line:?}");
            }
            assert_eq!(decode(&encoded), canonical(&text), "{text:?}");
        }
    }
}
