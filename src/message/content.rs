// SPDX-License-Identifier: MIT OR Apache-2.0
//! The message content: header block, text and attachments (RFC 2045-2049).
//!
//! A mail without attachments is one `text/plain; charset=utf-8` part. With
//! attachments it is `multipart/mixed`: the text first, then each attachment
//! as `base64` with its Content-Type and, when it has a file name,
//! `Content-Disposition: attachment` (RFC 2231 `filename*` for non-ASCII
//! names). Attachments and a streamed body are pushed by the application
//! through [`Parts`]; nothing is buffered beyond the caller's output buffer,
//! so their size is unbounded.

use super::{header, words, Mail, Recipients};
use crate::base64::Base64Lines;
use crate::cursor::Out;
use crate::error::Error;
use crate::message::qp::QuotedPrintable;

/// RFC 5322 §2.1.1: at most 998 octets per line.
const MAX_LINE: usize = 998;

/// How the text part travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// ASCII with lines of at most 998 octets: as is.
    SevenBit,
    /// 8-bit text with short lines to a server offering 8BITMIME: as is, with `BODY=8BITMIME`.
    EightBit,
    /// Anything else: quoted-printable.
    QuotedPrintable,
}

impl TextEncoding {
    /// The encoding for `text` (streamed text, whose content is not known
    /// in advance, is always quoted-printable).
    pub fn choose(text: &[u8], eight_bit_mime: bool) -> TextEncoding {
        let mut eight_bit = false;
        let mut nul = false;
        let mut line = 0usize;
        let mut longest = 0usize;
        for &b in text {
            if b == b'\r' || b == b'\n' {
                line = 0;
                continue;
            }
            // A leading dot is doubled on the wire.
            line += if line == 0 && b == b'.' { 2 } else { 1 };
            longest = longest.max(line);
            eight_bit |= b >= 0x80;
            nul |= b == 0;
        }
        // RFC 2045 §2.7 / §2.8: neither 7bit nor 8bit data may contain NUL.
        match (eight_bit, longest <= MAX_LINE && !nul) {
            (false, true) => TextEncoding::SevenBit,
            (true, true) if eight_bit_mime => TextEncoding::EightBit,
            // Without quoted-printable, text goes out as is (as in emNet).
            _ if !cfg!(feature = "mime") => TextEncoding::EightBit,
            _ => TextEncoding::QuotedPrintable,
        }
    }

    fn name(self) -> &'static [u8] {
        match self {
            TextEncoding::SevenBit => b"7bit",
            TextEncoding::EightBit => b"8bit",
            TextEncoding::QuotedPrintable => b"quoted-printable",
        }
    }
}

/// An attachment's description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attachment<'a> {
    /// Suggested file name; empty for an inline part without name.
    pub filename: &'a [u8],
    /// The Content-Type value, e.g. `text/csv` or `image/jpeg`.
    pub content_type: &'a [u8],
}

/// Content the application streams while the message is being sent.
pub trait Parts {
    /// Number of attachments.
    fn count(&self) -> usize;
    /// Attachment `index`'s description.
    fn attachment(&self, index: usize) -> Option<Attachment<'_>>;
    /// Pushes attachment `index`'s raw bytes into `out` (encoded by the caller of this method).
    fn stream(&mut self, index: usize, out: &mut dyn Out) -> Result<(), Error>;
    /// `true` when the text body is streamed instead of taken from [`Mail::body`].
    fn has_body_stream(&self) -> bool;
    /// Pushes the text body into `out`.
    fn stream_body(&mut self, out: &mut dyn Out) -> Result<(), Error>;
}

/// No streamed content.
pub struct NoParts;

impl Parts for NoParts {
    fn count(&self) -> usize {
        0
    }
    fn attachment(&self, _index: usize) -> Option<Attachment<'_>> {
        None
    }
    fn stream(&mut self, _index: usize, _out: &mut dyn Out) -> Result<(), Error> {
        Ok(())
    }
    fn has_body_stream(&self) -> bool {
        false
    }
    fn stream_body(&mut self, _out: &mut dyn Out) -> Result<(), Error> {
        Ok(())
    }
}

/// RFC 2046 §5.1.1 boundary: 1-70 of DIGIT ALPHA `'()+_,-./:=? ` and space, not ending in space.
pub fn is_boundary(b: &[u8]) -> bool {
    (1..=70).contains(&b.len())
        && b.last() != Some(&b' ')
        && b.iter().all(|&c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'\''
                        | b'('
                        | b')'
                        | b'+'
                        | b'_'
                        | b','
                        | b'-'
                        | b'.'
                        | b'/'
                        | b':'
                        | b'='
                        | b'?'
                        | b' '
                )
        })
}

/// Checks an attachment's type and name: printable, no CR/LF, no quotes in the type.
pub fn validate_attachment(a: &Attachment<'_>) -> Result<(), Error> {
    let type_ok = !a.content_type.is_empty()
        && a.content_type.len() <= 200
        && a.content_type.iter().all(|&b| (32..=126).contains(&b));
    let name_ok = a.filename.len() <= 255 && !a.filename.iter().any(|&b| super::is_control(b));
    if type_ok && name_ok {
        Ok(())
    } else {
        Err(Error::InvalidAttachment)
    }
}

/// Renders the whole message (header block and content) into `out`, which
/// must dot-stuff it. Returns the first error an application stream reported.
pub fn put<R: Recipients + ?Sized>(
    out: &mut dyn Out,
    mail: &Mail<'_, R>,
    text_encoding: TextEncoding,
    parts: &mut dyn Parts,
) -> Result<(), Error> {
    header::put(out, mail);
    if !cfg!(feature = "mime") {
        // Without MIME the multipart and quoted-printable code is not linked.
        if parts.count() > 0 || parts.has_body_stream() {
            return Err(Error::NotBuilt);
        }
        // No quoted-printable encoder either: the text goes as it is.
        let raw = match text_encoding {
            TextEncoding::QuotedPrintable => TextEncoding::EightBit,
            other => other,
        };
        put_text_headers(out, raw);
        out.put(b"\r\n");
        return put_text(out, mail.body, raw, parts);
    }
    let text_encoding = if parts.has_body_stream() {
        TextEncoding::QuotedPrintable
    } else {
        text_encoding
    };
    if parts.count() == 0 {
        put_text_headers(out, text_encoding);
        out.put(b"\r\n");
        return put_text(out, mail.body, text_encoding, parts);
    }
    let mut generated = [0u8; 27];
    generated_boundary(mail.unique, &mut generated);
    let boundary = if mail.boundary.is_empty() {
        &generated[..]
    } else {
        mail.boundary
    };
    // RFC 2046 §5.1.1: no line of a part may start with "--" and the
    // boundary. Text that has such a line goes quoted-printable, where a
    // line-initial "-" is "=2D" (attachments are base64: no "-" at all).
    let text_encoding = if starts_a_line(mail.body, boundary) {
        TextEncoding::QuotedPrintable
    } else {
        text_encoding
    };
    out.put(b"Content-Type: multipart/mixed; boundary=\"");
    out.put(boundary);
    out.put(b"\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
    put_delimiter(out, boundary, false);
    put_text_headers(out, text_encoding);
    out.put(b"\r\n");
    put_text(out, mail.body, text_encoding, parts)?;
    // RFC 2046 §5.1.1: the line break before a delimiter belongs to the
    // delimiter, so the text's own last line break needs one more.
    out.put(b"\r\n");
    for index in 0..parts.count() {
        let Some(attachment) = parts.attachment(index) else {
            continue;
        };
        put_delimiter(out, boundary, false);
        put_attachment_headers(out, &attachment);
        let mut encoder = Base64Lines::new(out);
        let streamed = parts.stream(index, &mut encoder);
        encoder.finish();
        streamed?;
        out.put(b"\r\n");
    }
    put_delimiter(out, boundary, true);
    Ok(())
}

/// Whether a line of `text` (after CR, LF or at the start) begins with
/// `--` and `boundary`: a line a MIME parser could take for a delimiter.
fn starts_a_line(text: &[u8], boundary: &[u8]) -> bool {
    let delimiter_at = |i: usize| {
        let rest = text.get(i..).unwrap_or_default();
        rest.starts_with(b"--") && rest.get(2..).unwrap_or_default().starts_with(boundary)
    };
    delimiter_at(0)
        || text
            .iter()
            .enumerate()
            .any(|(i, &b)| matches!(b, b'\r' | b'\n') && delimiter_at(i + 1))
}

/// `--boundary` (or `--boundary--`) on its own line; the text before it
/// always ends with a line break.
fn put_delimiter(out: &mut dyn Out, boundary: &[u8], last: bool) {
    out.put(b"--");
    out.put(boundary);
    out.put(if last { b"--\r\n" } else { b"\r\n" });
}

fn put_text_headers(out: &mut dyn Out, encoding: TextEncoding) {
    out.put(b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ");
    out.put(encoding.name());
    out.put(b"\r\n");
}

/// The text, ending with a line break.
fn put_text(
    out: &mut dyn Out,
    body: &[u8],
    encoding: TextEncoding,
    parts: &mut dyn Parts,
) -> Result<(), Error> {
    if cfg!(feature = "mime") && parts.has_body_stream() {
        let mut qp = QuotedPrintable::new(out);
        let streamed = parts.stream_body(&mut qp);
        qp.finish();
        return streamed;
    }
    if cfg!(feature = "mime") && encoding == TextEncoding::QuotedPrintable {
        let mut qp = QuotedPrintable::new(out);
        qp.put(body);
        qp.finish();
    } else {
        out.put(body);
        if !matches!(body.last(), None | Some(b'\r' | b'\n')) {
            out.put(b"\r\n");
        }
    }
    Ok(())
}

fn put_attachment_headers(out: &mut dyn Out, a: &Attachment<'_>) {
    out.put(b"Content-Type: ");
    out.put(a.content_type);
    out.put(b"\r\nContent-Transfer-Encoding: base64\r\n");
    if !a.filename.is_empty() {
        out.put(b"Content-Disposition: attachment;\r\n filename");
        put_filename(out, a.filename);
        out.put(b"\r\n");
    }
    out.put(b"\r\n");
}

/// `="name"` for ASCII names, `*=utf-8''%XX...` (RFC 2231) otherwise.
fn put_filename(out: &mut dyn Out, name: &[u8]) {
    if !words::needs_encoding(name) {
        out.put(b"=\"");
        for &b in name {
            if b == b'"' || b == b'\\' {
                out.byte(b'\\');
            }
            out.byte(b);
        }
        out.byte(b'"');
        return;
    }
    out.put(b"*=utf-8''");
    for &b in name {
        // RFC 2231 attribute-char: no controls, space, "*'%" or tspecials.
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'
            )
        {
            out.byte(b);
        } else {
            out.byte(b'%');
            out.put(&crate::bytes::hex_pair(b));
        }
    }
}

/// `=_ip-smtpc_` and sixteen hex digits of [`Mail::unique`] (a hash of the
/// whole mail, the time, the caller's seed and stack address): "=_" occurs neither in base64 (where
/// "=" is only trailing padding) nor in quoted-printable (where "=" starts a
/// hex pair or a soft break), so no encoded part can contain the boundary.
///
/// Written into the caller's array: returning the 19 bytes by value, or
/// copying the prefix as a block, compiles to a `memcpy` call, and the
/// library has no other; on Cortex-M that one call linked 730 bytes of
/// compiler_builtins.
#[inline(always)]
pub fn generated_boundary(unique: u64, b: &mut [u8; 27]) {
    const PREFIX: &[u8; 11] = b"=_ip-smtpc_";
    let (prefix, hex) = b.split_at_mut(PREFIX.len());
    for (slot, &c) in prefix.iter_mut().zip(PREFIX) {
        *slot = c;
    }
    crate::bytes::hex_u64(unique, hex);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Kind, Party, NO_HEADERS};

    struct TestParts<'a> {
        items: Vec<(Attachment<'a>, Vec<u8>)>,
        body: Option<Vec<u8>>,
        fail_at: Option<usize>,
    }

    impl Parts for TestParts<'_> {
        fn count(&self) -> usize {
            self.items.len()
        }
        fn attachment(&self, index: usize) -> Option<Attachment<'_>> {
            self.items.get(index).map(|i| i.0)
        }
        fn stream(&mut self, index: usize, out: &mut dyn Out) -> Result<(), Error> {
            if self.fail_at == Some(index) {
                return Err(Error::ApplicationAbort);
            }
            for chunk in self.items[index].1.chunks(7) {
                out.put(chunk);
            }
            Ok(())
        }
        fn has_body_stream(&self) -> bool {
            self.body.is_some()
        }
        fn stream_body(&mut self, out: &mut dyn Out) -> Result<(), Error> {
            for chunk in self.body.as_deref().unwrap_or_default().chunks(3) {
                out.put(chunk);
            }
            Ok(())
        }
    }

    const RCPT: [Party<'static>; 1] = [Party {
        address: b"a@example.test",
        name: b"",
        kind: Kind::To,
    }];

    fn mail(body: &'static [u8]) -> Mail<'static, [Party<'static>]> {
        Mail {
            sender: Party {
                address: b"d@example.test",
                name: b"",
                kind: Kind::To,
            },
            recipients: &RCPT,
            subject: b"",
            body,
            date: None,
            timezone: b"",
            domain: b"example.test",
            unique: 0xabcdef01,
            reply_to: b"",
            extra_headers: &NO_HEADERS,
            boundary: b"",
        }
    }

    fn render(
        mail: &Mail<'_, [Party<'_>]>,
        enc: TextEncoding,
        parts: &mut dyn Parts,
    ) -> (String, Result<(), Error>) {
        let mut out = Vec::new();
        let r = put(&mut out, mail, enc, parts);
        let text = String::from_utf8(out).unwrap();
        let body_start = text.find("MIME-Version: 1.0\r\n").unwrap() + 19;
        (text[body_start..].to_string(), r)
    }

    #[cfg(feature = "mime")]
    #[test]
    fn encoding_choice() {
        assert_eq!(
            TextEncoding::choose(b"plain\r\n", false),
            TextEncoding::SevenBit
        );
        assert_eq!(
            TextEncoding::choose("\u{e9}".as_bytes(), true),
            TextEncoding::EightBit
        );
        assert_eq!(
            TextEncoding::choose("\u{e9}".as_bytes(), false),
            TextEncoding::QuotedPrintable
        );
        assert_eq!(
            TextEncoding::choose(&[b'x'; 998], false),
            TextEncoding::SevenBit
        );
        assert_eq!(
            TextEncoding::choose(&[b'x'; 999], true),
            TextEncoding::QuotedPrintable
        );
        let mut dotted = vec![b'.'];
        dotted.extend_from_slice(&[b'x'; 997]);
        assert_eq!(
            TextEncoding::choose(&dotted, false),
            TextEncoding::QuotedPrintable
        );
    }

    #[test]
    fn single_text_part() {
        let (text, r) = render(&mail(b"hi"), TextEncoding::SevenBit, &mut NoParts);
        assert_eq!(r, Ok(()));
        assert_eq!(text, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhi\r\n");
        let (text, _) = render(
            &mail("\u{e9}=".as_bytes()),
            TextEncoding::QuotedPrintable,
            &mut NoParts,
        );
        let expected = if cfg!(feature = "mime") {
            "quoted-printable\r\n\r\n=C3=A9=3D\r\n"
        } else {
            "8bit\r\n\r\n\u{e9}=\r\n"
        };
        assert!(text.ends_with(expected), "{text}");
    }

    /// Text whose lines carry the boundary, the generated one or the
    /// caller's, goes quoted-printable: no line of it can be a delimiter.
    #[cfg(feature = "mime")]
    #[test]
    fn text_carrying_the_boundary_cannot_make_a_part() {
        let one_item = || TestParts {
            items: vec![(
                Attachment {
                    filename: b"a.txt",
                    content_type: b"text/plain",
                },
                b"--=_ip-smtpc_00000000abcdef01\r\n".to_vec(),
            )],
            body: None,
            fail_at: None,
        };
        for (boundary, body) in [
            (
                &b""[..],
                &b"--=_ip-smtpc_00000000abcdef01\r\nContent-Type: text/html\r\n"[..],
            ),
            (b"", b"hi\r--=_ip-smtpc_00000000abcdef01--"),
            (
                b"NextPart_0815",
                b"hi\n--NextPart_0815\nContent-Type: text/html\n\n<a>\n",
            ),
        ] {
            let mut m = mail(body);
            m.boundary = boundary;
            let (text, r) = render(&m, TextEncoding::SevenBit, &mut one_item());
            assert_eq!(r, Ok(()));
            assert!(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"));
            let used = if boundary.is_empty() {
                "=_ip-smtpc_00000000abcdef01"
            } else {
                "NextPart_0815"
            };
            let delimiters = text
                .split("\r\n")
                .filter(|line| line.starts_with(&format!("--{used}")))
                .count();
            assert_eq!(delimiters, 3, "text part, item, closing: {text}");
        }
        // A dash line that is not a delimiter leaves the text as it is.
        let (text, _) = render(
            &mail(b"-- \nsignature"),
            TextEncoding::SevenBit,
            &mut one_item(),
        );
        assert!(
            text.contains("Content-Transfer-Encoding: 7bit\r\n"),
            "{text}"
        );
    }

    #[cfg(feature = "mime")]
    #[test]
    fn multipart_with_attachments() {
        let mut parts = TestParts {
            items: vec![
                (
                    Attachment {
                        filename: b"empty.bin",
                        content_type: b"application/octet-stream",
                    },
                    vec![],
                ),
                (
                    Attachment {
                        filename: b"abc.txt",
                        content_type: b"text/plain",
                    },
                    b"abc".to_vec(),
                ),
                (
                    Attachment {
                        filename: "M\u{e4}rz \"log\".csv".as_bytes(),
                        content_type: b"text/csv",
                    },
                    b"a,b\n".to_vec(),
                ),
            ],
            body: None,
            fail_at: None,
        };
        let (text, r) = render(&mail(b"see attached"), TextEncoding::SevenBit, &mut parts);
        assert_eq!(r, Ok(()));
        assert_eq!(
            text,
            "Content-Type: multipart/mixed; boundary=\"=_ip-smtpc_00000000abcdef01\"\r\n\r\n\
             This is a multi-part message in MIME format.\r\n\
             --=_ip-smtpc_00000000abcdef01\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\
             see attached\r\n\r\n\
             --=_ip-smtpc_00000000abcdef01\r\n\
             Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment;\r\n filename=\"empty.bin\"\r\n\r\n\r\n\
             --=_ip-smtpc_00000000abcdef01\r\n\
             Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment;\r\n filename=\"abc.txt\"\r\n\r\nYWJj\r\n\
             --=_ip-smtpc_00000000abcdef01\r\n\
             Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment;\r\n filename*=utf-8''M%C3%A4rz%20%22log%22.csv\r\n\r\nYSxiCg==\r\n\
             --=_ip-smtpc_00000000abcdef01--\r\n"
        );
    }

    #[cfg(feature = "mime")]
    #[test]
    fn streamed_body_is_quoted_printable_and_failures_propagate() {
        let mut parts = TestParts {
            items: vec![],
            body: Some(b"line one\nline two".to_vec()),
            fail_at: None,
        };
        let (text, r) = render(&mail(b"ignored"), TextEncoding::SevenBit, &mut parts);
        assert_eq!(r, Ok(()));
        assert!(
            text.ends_with("quoted-printable\r\n\r\nline one\r\nline two\r\n"),
            "{text}"
        );

        let mut parts = TestParts {
            items: vec![(
                Attachment {
                    filename: b"",
                    content_type: b"text/plain",
                },
                b"x".to_vec(),
            )],
            body: None,
            fail_at: Some(0),
        };
        let (_, r) = render(&mail(b"x"), TextEncoding::SevenBit, &mut parts);
        assert_eq!(r, Err(Error::ApplicationAbort));
    }

    #[cfg(not(feature = "mime"))]
    #[test]
    fn without_mime_streams_are_not_built_and_text_goes_raw() {
        assert_eq!(
            TextEncoding::choose("\u{e9}".as_bytes(), false),
            TextEncoding::EightBit
        );
        assert_eq!(
            TextEncoding::choose(&[b'x'; 1200], false),
            TextEncoding::EightBit
        );
        let mut parts = TestParts {
            items: vec![],
            body: Some(b"x".to_vec()),
            fail_at: None,
        };
        let (_, r) = render(&mail(b"x"), TextEncoding::SevenBit, &mut parts);
        assert_eq!(r, Err(Error::NotBuilt));
    }

    #[test]
    fn boundaries_and_attachment_checks() {
        assert!(is_boundary(b"------------030007030004040809060800"));
        let mut generated = [0u8; 27];
        generated_boundary(0x1234_abcd_0000_0001, &mut generated);
        assert_eq!(&generated, b"=_ip-smtpc_1234abcd00000001");
        assert!(is_boundary(&generated));
        assert!(!is_boundary(b""));
        assert!(!is_boundary(b"trailing "));
        assert!(!is_boundary(b"quote\""));
        assert!(!is_boundary(&[b'a'; 71]));
        let ok = Attachment {
            filename: b"a.txt",
            content_type: b"text/plain",
        };
        assert_eq!(validate_attachment(&ok), Ok(()));
        assert_eq!(
            validate_attachment(&Attachment {
                content_type: b"text/plain\r\nX: y",
                ..ok
            }),
            Err(Error::InvalidAttachment)
        );
        assert_eq!(
            validate_attachment(&Attachment {
                filename: b"a\nb",
                ..ok
            }),
            Err(Error::InvalidAttachment)
        );
        assert_eq!(
            validate_attachment(&Attachment {
                content_type: b"",
                ..ok
            }),
            Err(Error::InvalidAttachment)
        );
    }
}
