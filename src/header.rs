// SPDX-License-Identifier: MIT OR Apache-2.0
//! The header block (RFC 5322 §3.6, RFC 2045), rendered in one function.
//!
//! ```text
//! Date: Sat, 28 Nov 2026 17:16:00 +0100     (when a clock is given)
//! From: "Node" <node@example.test>          (not for the null sender)
//! To: "Ops" <ops@example.test>,
//!  <two@example.test>                       (a fold after each comma)
//! Cc: <arc@example.test>
//! Subject: Alarm                            (when given)
//! Message-ID: <0123456789abcdef@example.test>
//! MIME-Version: 1.0
//! Content-Type: text/plain; charset=utf-8
//! Content-Transfer-Encoding: 7bit           (8bit when the body is)
//! ```
//! and the empty line. Bcc recipients never appear. Names are always quoted
//! (with `"` and `\` escaped): valid for every ASCII name, one code path.
//! Pure: rendering twice gives the same bytes (the writer's skip relies on it).

use crate::check::Checked;
use crate::mail::{own_domain, Entry, Mail, CC, TO};
use crate::writer::Writer;

#[cfg(feature = "fold")]
pub mod fold;

/// Writes `before`, then entry `e` as `"name" <addr>`, or `<addr>` without
/// a name.
fn mailbox(w: &mut Writer<'_>, before: &[u8], e: &Entry<'_>) {
    w.put(before);
    let (name, addr) = (e.name, e.addr);
    // Non-ASCII: encoded words, and the address on a line of its own (`src/`).
    #[cfg(feature = "words")]
    if crate::words::needs_encoding(name) {
        crate::words::put(w, name);
        w.put(b"\r\n ");
    } else if !name.is_empty() {
        quoted(w, name, addr);
    }
    #[cfg(not(feature = "words"))]
    if !name.is_empty() {
        quoted(w, name, addr);
    }
    w.byte(b'<');
    w.put(addr);
    w.byte(b'>');
}

/// Writes `"name" ` with `"` and `\` escaped. With `fold` the name is
/// folded at its spaces (`check` refuses one it cannot fold within 998
/// octets) and `<addr>,` goes on the next line when it would pass column 78.
#[inline(always)]
#[cfg_attr(not(feature = "fold"), allow(unused_variables))]
fn quoted(w: &mut Writer<'_>, name: &[u8], addr: &[u8]) {
    w.byte(b'"');
    #[cfg(not(feature = "fold"))]
    escaped(w, name);
    #[cfg(feature = "fold")]
    {
        // `From: "` is the widest start; `" <` `>,` the address's frame.
        let (col, _) = fold::put(w, name, fold::Start::new(7, true));
        if col + 5 + addr.len() > fold::LINE {
            return w.put(b"\"\r\n ");
        }
    }
    w.put(b"\" ");
}

/// Writes `text` with a backslash before each `"` and `\` (a quoted
/// display name; with `mime`, an item's ASCII file name too: out of line).
#[cfg_attr(not(feature = "mime"), inline(always))]
#[cfg_attr(feature = "mime", inline(never))]
pub(crate) fn escaped(w: &mut Writer<'_>, text: &[u8]) {
    for &b in text {
        if b == b'"' || b == b'\\' {
            w.byte(b'\\');
        }
        w.byte(b);
    }
}

/// Writes the subject: as given, as encoded words when 8-bit (`words`);
/// with `fold`, folded at its spaces, or as encoded words when a run
/// without spaces is too long for a 998-octet line.
#[inline(always)]
fn subject(w: &mut Writer<'_>, text: &[u8]) {
    #[cfg(feature = "fold")]
    if !crate::words::needs_encoding(text) && fold::fits(text, false) {
        // After "Subject: ".
        fold::put(w, text, fold::Start::new(9, false));
    } else {
        crate::words::put(w, text);
    }
    #[cfg(all(feature = "words", not(feature = "fold")))]
    crate::words::text(w, text);
    #[cfg(not(feature = "words"))]
    w.put(text);
}

/// Writes the `To:` or `Cc:` field, CR LF first (nothing when no
/// recipient has `kind`). Inlined where names may be encoded words
/// (`words`): one frame less on the deepest stack path (full set, size
/// recipe: 1,272 → 1,216 B static, +22 B ROM); the seed set keeps the
/// plain hint (always inlined there: +12 B ROM, +16 B stack).
#[cfg_attr(feature = "words", inline(always))]
#[cfg_attr(not(feature = "words"), inline)]
fn list<M: Mail>(w: &mut Writer<'_>, m: &M, kind: i32, field: &[u8]) {
    // The field's name before the first one, a comma and a fold before
    // each other one.
    let mut before = field;
    for i in 1..m.count() {
        let e = m.entry(i);
        if e.kind == kind {
            mailbox(w, before, &e);
            before = b",\r\n ";
        }
    }
}

/// Writes the extra header lines as `src/` does: the name, ": ", the value
/// without one leading space.
#[cfg(feature = "headers")]
#[inline(always)]
fn extra<M: Mail>(w: &mut Writer<'_>, m: &M) {
    for i in 0..m.headers() {
        let line = m.header(i).unwrap_or_default();
        // The name and its colon (the check saw one), a space, the value.
        let colon = line.iter().position(|&b| b == b':');
        let (name, value) = line
            .split_at_checked(colon.map_or(line.len(), |c| c + 1))
            .unwrap_or((line, &[]));
        if name.first() == Some(&b'.') {
            w.stuff();
        }
        w.put(name);
        w.byte(b' ');
        let value = match value {
            [b' ', rest @ ..] => rest,
            _ => value,
        };
        #[cfg(feature = "words")]
        crate::words::text(w, value);
        #[cfg(not(feature = "words"))]
        w.put(value);
        w.put(b"\r\n");
    }
}

/// Writes the header block and the empty line after it.
pub fn put<M: Mail>(w: &mut Writer<'_>, m: &M, c: &Checked) {
    // Each optional field starts with the CR LF that ends the line before
    // it (one literal instead of two calls); the block's first CR LF is
    // dropped.
    w.drop_next(2);
    if c.time != 0 {
        let _ = crate::date::put(w, c.time, m.timezone());
    }
    // The sender's entry in a block of its own: its stack slot is then
    // shared with the recipients' (24 B less on the deepest stack path).
    {
        let from = m.entry(0);
        if !from.addr.is_empty() {
            mailbox(w, b"\r\nFrom: ", &from);
        }
    }
    #[cfg(feature = "headers")]
    {
        // An entry without a name: `<addr>`.
        let e = Entry {
            name: &[],
            addr: m.reply_to(),
            null: false,
            kind: 0,
        };
        if !e.addr.is_empty() {
            mailbox(w, b"\r\nReply-To: ", &e);
        }
    }
    list(w, m, TO, b"\r\nTo: ");
    list(w, m, CC, b"\r\nCc: ");
    let text = m.subject();
    if !text.is_empty() {
        w.put(b"\r\nSubject: ");
        subject(w, text);
    }
    w.put(b"\r\nMessage-ID: <");
    // 16 hex digits, the highest first (rotated into the low bits: no
    // 64-bit shift by a variable amount, which is a libgcc call), then the
    // '@' from the same call.
    let mut h = c.hash;
    for i in 0..17 {
        h = h.rotate_left(4);
        let nibble = h as u8 & 15;
        w.byte(if i == 16 {
            b'@'
        } else if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        });
    }
    w.put(own_domain(m));
    #[cfg(not(any(feature = "headers", feature = "mime")))]
    w.put(b">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ");
    #[cfg(any(feature = "headers", feature = "mime"))]
    {
        w.put(b">\r\n");
        #[cfg(feature = "headers")]
        extra(w, m);
        // With `mime`, `mime::head` writes the content fields.
        #[cfg(feature = "mime")]
        return w.put(b"MIME-Version: 1.0\r\n");
        #[cfg(not(feature = "mime"))]
        w.put(b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ");
    }
    #[cfg(not(feature = "mime"))]
    {
        w.byte(b'7' + u8::from(c.eight_bit));
        w.put(b"bit\r\n\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test::TestMail;

    /// What `check` would give: the hash, the packed time, the 8-bit flag.
    fn checked(hash: u64, time: u32, eight_bit: bool) -> Checked {
        Checked {
            hash,
            time,
            eight_bit,
            #[cfg(feature = "mime")]
            raw_ok: true,
            #[cfg(feature = "raw")]
            raw: false,
        }
    }

    /// The whole header block (with `mime`, `mime::head` writes its end).
    fn block(w: &mut Writer<'_>, m: &TestMail, c: &Checked) {
        put(w, m, c);
        #[cfg(feature = "mime")]
        crate::mime::head(w, m, c, u8::from(c.eight_bit));
    }

    /// [`block`] for `m` and `c` written into a `size`-byte buffer, as text.
    fn header_text(m: &TestMail, c: &Checked, size: usize) -> String {
        let mut buf = vec![0u8; size];
        let mut w = Writer::new(&mut buf, 0);
        block(&mut w, m, c);
        let n = w.len();
        std::str::from_utf8(&buf[..n]).unwrap().to_string()
    }

    #[test]
    fn sample_header() {
        let mut m = TestMail::sample();
        m.timezone = "+0100";
        m.entries.push(("Say \"hi\"", Some("two@example.test"), TO));
        let c = checked(0x0123_4567_89ab_cdef, 0x3A29_4800, false);
        assert_eq!(
            header_text(&m, &c, 1024),
            "Date: Fri, 9 Jan 2009 09:00:00 +0100\r\n\
             From: \"Node\" <node@example.test>\r\n\
             To: \"Ops\" <ops@example.test>,\r\n \"Say \\\"hi\\\"\" <two@example.test>\r\n\
             Cc: <arc@example.test>\r\n\
             Subject: Alarm\r\n\
             Message-ID: <0123456789abcdef@example.test>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 7bit\r\n\r\n"
        );
    }

    #[test]
    fn minimal_header_without_clock_or_subject() {
        let mut m = TestMail::sample();
        m.entries = vec![("", Some(""), 4), ("", Some("b@c.test"), crate::mail::BCC)];
        m.subject = "";
        m.domain = "";
        let c = checked(1, 0, true);
        assert_eq!(
            header_text(&m, &c, 1024),
            "Message-ID: <0000000000000001@localhost.invalid>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        );
    }

    #[cfg(feature = "headers")]
    #[test]
    fn reply_to_after_from_and_extra_lines_after_the_message_id() {
        let mut m = TestMail::sample();
        m.reply_to = "desk@example.test";
        m.headers = vec!["X-Prio:  2", "X-Empty:", "X-Id:7"];
        let c = checked(1, 0, false);
        assert_eq!(
            header_text(&m, &c, 1024),
            "From: \"Node\" <node@example.test>\r\n\
             Reply-To: <desk@example.test>\r\n\
             To: \"Ops\" <ops@example.test>\r\n\
             Cc: <arc@example.test>\r\n\
             Subject: Alarm\r\n\
             Message-ID: <0000000000000001@example.test>\r\n\
             X-Prio:  2\r\n\
             X-Empty: \r\n\
             X-Id: 7\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 7bit\r\n\r\n"
        );
    }

    #[cfg(all(feature = "words", feature = "headers"))]
    #[test]
    fn non_ascii_goes_out_as_encoded_words() {
        let mut m = TestMail::sample();
        m.entries[0].0 = "Jörg";
        m.entries[1].0 = "Ops \"1\"";
        m.subject = "Störung an Pumpe 3 – Grüße aus München und noch mehr Text";
        m.headers = vec!["X-Ort: Köln", "X-Plain: yes"];
        let c = checked(1, 0, false);
        let text = header_text(&m, &c, 2048);
        assert!(
            text.starts_with(
                "From: =?UTF-8?B?SsO2cmc=?=\r\n <node@example.test>\r\n\
                 To: \"Ops \\\"1\\\"\" <ops@example.test>\r\n\
                 Cc: <arc@example.test>\r\n\
                 Subject: =?UTF-8?B?"
            ),
            "{text}"
        );
        assert!(text.contains("?=\r\n =?UTF-8?B?"), "{text}");
        assert!(
            text.contains("X-Ort: =?UTF-8?B?S8O2bG4=?=\r\nX-Plain: yes\r\n"),
            "{text}"
        );
        for line in text.split("\r\n") {
            assert!(line.len() <= 78, "{line}");
            assert!(line.is_ascii());
        }
    }

    /// `block` with a clock-less `Checked`.
    #[cfg(feature = "fold")]
    fn render(m: &TestMail, size: usize) -> String {
        let c = checked(1, 0, false);
        let wire = crate::writer::tests::chunked(size, |w| block(w, m, &c));
        String::from_utf8(wire).unwrap()
    }

    /// A mail with a long subject, a long quoted From name with escapes
    /// and a To name of one 900-character run.
    #[cfg(feature = "fold")]
    fn long_mail(repeat: usize) -> TestMail {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut m = TestMail::sample();
        m.entries[0].0 = leak(format!(
            "Say \"hi\" {}\\end",
            "Pump station ".repeat(repeat)
        ));
        m.entries[1].0 = leak("x".repeat(900));
        m.subject = leak(format!(
            "{}over",
            "alarm\tpressure high ".repeat(repeat * 4)
        ));
        m
    }

    #[cfg(feature = "fold")]
    #[test]
    fn long_subject_and_names_fold_within_78_never_998() {
        let m = long_mail(100);
        let text = render(&m, 1 << 16);
        let mut long = 0;
        for line in text.split("\r\n") {
            assert!(line.len() <= 998);
            if line.len() > 78 {
                long += 1;
                assert_eq!(line, format!("To: \"{}\"", "x".repeat(900)));
            }
        }
        assert_eq!(long, 1, "only the run without spaces passes 78");
        // Unfolding (removing each CR LF) gives every field back.
        let unfolded = text.replace("\r\n ", " ").replace("\r\n\t", "\t");
        let field = |name: &str| {
            unfolded
                .split("\r\n")
                .find_map(|l| l.strip_prefix(name))
                .unwrap()
                .to_string()
        };
        let from_name = m.entries[0].0.replace('\\', "\\\\").replace('"', "\\\"");
        assert_eq!(
            field("From: "),
            format!("\"{from_name}\" <node@example.test>")
        );
        assert_eq!(
            field("To: "),
            format!("\"{}\" <ops@example.test>", "x".repeat(900))
        );
        assert_eq!(field("Subject: "), m.subject);
    }

    #[cfg(feature = "fold")]
    #[test]
    fn long_header_the_same_at_every_out_buffer_size() {
        let m = long_mail(4);
        let reference = render(&m, 1 << 16);
        assert!(
            reference.matches("\r\n ").count() + reference.matches("\r\n\t").count() > 5,
            "{reference}"
        );
        for size in 1..=400 {
            assert_eq!(render(&m, size), reference, "size {size}");
        }
        let m = long_mail(100);
        let reference = render(&m, 1 << 16);
        for size in [256, 257, 1000, 4096] {
            assert_eq!(render(&m, size), reference, "size {size}");
        }
    }

    #[cfg(feature = "fold")]
    #[test]
    fn a_subject_run_too_long_to_fold_goes_as_encoded_words() {
        let mut m = TestMail::sample();
        let run = "r".repeat(fold::MAX_SEGMENT + 1);
        m.subject = Box::leak(format!("{run} short").into_boxed_str());
        let text = render(&m, 1 << 16);
        assert!(text.contains("Subject: =?UTF-8?B?cnJy"), "{text}");
        assert!(text.split("\r\n").all(|l| l.len() <= 78));
        // One byte shorter: folded as it is, on a line of exactly 998.
        m.subject = Box::leak(format!("{} short", &run[1..]).into_boxed_str());
        let text = render(&m, 1 << 16);
        assert!(text.contains(&format!("Subject: {}\r\n short\r\n", &run[1..])));
        assert_eq!(text.split("\r\n").map(str::len).max(), Some(998));
    }
}
