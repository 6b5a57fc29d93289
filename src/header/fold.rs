// SPDX-License-Identifier: MIT OR Apache-2.0
//! Folding long ASCII header text (`fold` feature, RFC 5322 §2.2.3): a CR LF
//! goes before a space or TAB, so unfolding (removing the CR LF) gives the
//! text back byte for byte.
//!
//! The text is cut into segments, each starting at a fold point: the last
//! space or TAB of a run that a non-space follows, after a non-space (so no
//! line is white space only). Segments go on a line while it stays within [`LINE`] characters,
//! else on the next one. A segment wider than [`MAX_SEGMENT`] would make a
//! line over RFC 5322's 998 octets: such a subject goes as RFC 2047 words
//! (`words::put`), such a display name is refused (`check`: INVALID_NAME).

use crate::writer::Writer;

/// The line length folding aims at (RFC 5322 §2.1.1 "SHOULD").
pub const LINE: usize = 78;
/// The widest segment that still fits a 998-octet line after "Subject: "
/// or `From: "` and before a closing `"`.
pub const MAX_SEGMENT: usize = 998 - 9;

/// `true` for the white space a fold may precede.
fn wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Where a text to fold starts: the line's column before it, and whether
/// it is the inside of a quoted string (escapes count). Packed in one
/// register: as two arguments the flag would be a fifth one, a stack slot
/// in each caller's frame (the header renderer's is on the deepest path).
#[derive(Clone, Copy)]
pub struct Start(u32);

impl Start {
    /// After `col` columns, escaped when `quoted`.
    pub const fn new(col: u16, quoted: bool) -> Self {
        Start((col as u32) << 1 | quoted as u32)
    }

    /// The column.
    fn col(self) -> usize {
        (self.0 >> 1) as usize
    }

    /// Inside a quoted string.
    fn quoted(self) -> bool {
        self.0 & 1 != 0
    }
}

/// `true` when `text` folds into lines within 998 octets: no segment is
/// wider than [`MAX_SEGMENT`] (measured by rendering it into nothing).
/// Out of line: the empty writer stays out of the header renderer's frame.
#[inline(never)]
pub fn fits(text: &[u8], quoted: bool) -> bool {
    put(&mut Writer::new(&mut [], 0), text, Start::new(0, quoted)).1 <= MAX_SEGMENT
}

/// Writes `text` folded after `start`; returns the column after it and
/// the widest segment. A segment goes on the next line when it would pass
/// column [`LINE`], never the first one.
#[inline(never)]
pub fn put(w: &mut Writer<'_>, text: &[u8], start: Start) -> (usize, usize) {
    let (mut col, quoted) = (start.col(), start.quoted());
    let (mut at, mut widest) = (0, 0);
    while at < text.len() {
        // The segment ends before the next fold point after a non-space;
        // `n` is its width with the escapes.
        let (mut end, mut n, mut word) = (at, 0, false);
        while let Some(&b) = text.get(end) {
            let next = text.get(end + 1).copied().unwrap_or(b' ');
            if word && wsp(b) && !wsp(next) {
                break;
            }
            word |= !wsp(b);
            n += 1 + usize::from(quoted && (b == b'"' || b == b'\\'));
            end += 1;
        }
        if widest > 0 && col + n > LINE {
            w.put(b"\r\n");
            col = 0;
        }
        col += n;
        widest = widest.max(n);
        let segment = text.get(at..end).unwrap_or_default();
        if quoted {
            super::escaped(w, segment);
        } else {
            w.put(segment);
        }
        at = end;
    }
    (col, widest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writer::Writer;

    fn render(text: &str, col: u16, quoted: bool) -> (String, usize) {
        let mut buf = vec![0u8; 64 * 1024];
        let mut w = Writer::new(&mut buf, 0);
        let (end, _) = put(&mut w, text.as_bytes(), Start::new(col, quoted));
        let n = w.len();
        (String::from_utf8(buf[..n].to_vec()).unwrap(), end)
    }

    #[test]
    fn segments_start_at_the_last_space_of_a_run() {
        // Each letter a word of 70: every segment goes on a line of its own.
        let cut = |t: &str| -> Vec<String> {
            let long = |s: &str| {
                s.chars()
                    .map(|c| {
                        if c.is_alphabetic() {
                            c.to_string().repeat(70)
                        } else {
                            c.to_string()
                        }
                    })
                    .collect::<String>()
            };
            let (out, _) = render(&long(t), 0, false);
            out.split("\r\n")
                .map(|l| {
                    l.replace(&"a".repeat(70), "a")
                        .replace(&"b".repeat(70), "b")
                })
                .collect()
        };
        assert_eq!(cut("a b  a\tb"), ["a", " b ", " a", "\tb"]);
        assert_eq!(cut(" a   "), [" a   "]);
        assert_eq!(cut("  a b"), ["  a", " b"]);
        assert_eq!(cut("ab"), ["ab"]);
        assert_eq!(cut(""), [""]);
        assert_eq!(cut("   "), ["   "]);
        assert_eq!(
            put(
                &mut Writer::new(&mut [], 0),
                b"ab  cde f",
                Start::new(0, false)
            ),
            (9, 4)
        );
    }

    #[test]
    fn every_fold_boundary() {
        // "Subject: " is 9 columns: 69 more fit line 78.
        for len in 1..=80 {
            let first = "a".repeat(len);
            let text = format!("{first} b");
            let (out, end) = render(&text, 9, false);
            if 9 + len + 2 <= LINE {
                assert_eq!(out, text, "{len}");
                assert_eq!(end, 9 + len + 2);
            } else {
                assert_eq!(out, format!("{first}\r\n b"), "{len}");
                assert_eq!(end, 2);
            }
        }
        // A line of exactly 78 stays; 79 folds.
        let exact = format!("{} {}", "a".repeat(40), "b".repeat(28));
        assert_eq!(render(&exact, 9, false).0, exact);
        let over = format!("{} {}", "a".repeat(40), "b".repeat(29));
        assert_eq!(
            render(&over, 9, false).0,
            format!("{}\r\n {}", "a".repeat(40), "b".repeat(29))
        );
        // Escapes count: `"` takes two columns in a quoted name.
        let quotes = format!("{} {}", "a".repeat(40), "\"".repeat(16));
        assert_eq!(render(&quotes, 7, false).0, quotes);
        assert_eq!(
            render(&quotes, 7, true).0,
            format!("{}\r\n {}", "a".repeat(40), "\\\"".repeat(16))
        );
        // A run of spaces folds before its last space only: no line is
        // white space alone, and unfolding gives the text back.
        let runs = format!(
            "{}     {}\t\t{}",
            "x".repeat(60),
            "y".repeat(70),
            "z".repeat(6)
        );
        let (out, _) = render(&runs, 9, false);
        assert_eq!(out.replace("\r\n", ""), runs);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{out:?}");
        assert_eq!(lines[0], format!("{}    ", "x".repeat(60)));
        for (i, line) in lines.iter().enumerate() {
            let start = if i == 0 { 9 } else { 0 };
            assert!(
                !line.trim().is_empty() && start + line.len() <= LINE,
                "{line:?}"
            );
        }
    }

    #[test]
    fn long_text_folds_within_78_and_unfolds_exactly() {
        let words = [
            "alarm",
            "pump",
            "3",
            "pressure",
            "x".repeat(60).leak(),
            "ok",
        ];
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 16384 - 70 {
            text.push_str(words[i % words.len()]);
            text.push(if i % 7 == 0 { '\t' } else { ' ' });
            i += 1;
        }
        text.push('z');
        assert!(fits(text.as_bytes(), false));
        let (out, _) = render(&text, 9, false);
        assert_eq!(out.replace("\r\n", ""), text);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert!(lines.len() > 16384 / 78);
        assert!(lines[0].len() + 9 <= LINE);
        for line in &lines[1..] {
            assert!(line.len() <= LINE && wsp(line.as_bytes()[0]), "{line:?}");
        }
    }

    #[test]
    fn the_widest_segment_is_998_on_its_line() {
        let widest = "w".repeat(MAX_SEGMENT);
        assert!(fits(widest.as_bytes(), false));
        assert!(!fits(format!("{widest}w").as_bytes(), false));
        // After "Subject: " the line is exactly 998.
        let (out, _) = render(&format!("a {widest}"), 9, false);
        assert_eq!(out, format!("a\r\n {widest}"));
        assert!(out.split("\r\n").all(|l| l.len() <= 998));
        assert_eq!(9 + MAX_SEGMENT, 998);
        // Quoted: escapes count against the limit.
        let quoted = format!("{}\\", "q".repeat(MAX_SEGMENT - 1));
        assert!(fits(quoted.as_bytes(), false));
        assert!(!fits(quoted.as_bytes(), true));
    }

    #[test]
    fn the_same_at_every_buffer_size() {
        let text = format!(
            "{} \"quoted\" and \\ back {} end",
            "word ".repeat(30),
            "z".repeat(100)
        );
        for quoted in [false, true] {
            let (reference, _) = render(&text, 7, quoted);
            for size in 1..100 {
                let wire = crate::writer::tests::chunked(size, |w| {
                    put(w, text.as_bytes(), Start::new(7, quoted));
                });
                assert_eq!(String::from_utf8(wire).unwrap(), reference, "size {size}");
            }
        }
    }
}
