// SPDX-License-Identifier: MIT OR Apache-2.0
//! Where the client's message starts and ends on the wire, by DATA (the
//! end-of-data line, RFC 5321 §4.1.1.4) or by one `BDAT <n> LAST` chunk
//! (RFC 3030: exactly n octets, not dot-stuffed, no end-of-data line),
//! and the replies a BDAT exchange is answered with.

/// How a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// After `DATA`, ended by the line ".".
    Data,
    /// A `BDAT` chunk of the declared size.
    Chunk,
}

/// One message the client started.
#[derive(Clone, Copy, Debug)]
pub struct Content {
    pub kind: Kind,
    /// Offset of the `DATA` / `BDAT` line.
    pub line: usize,
    /// Offset of the first octet after that line.
    pub start: usize,
    /// The size a BDAT line declared, and whether it said LAST.
    pub size: usize,
    pub last: bool,
    /// Offset just after the end of data or the chunk's last octet, and how
    /// many server bytes the client had been handed when that went out.
    pub end: Option<(usize, usize)>,
}

/// Follows what the client sends, byte by byte (`Wire::send` feeds it).
#[derive(Default)]
pub struct Ends {
    /// Every message started (one, for a well-behaved client).
    pub contents: Vec<Content>,
    /// Every command line's offset and the server bytes handed over when
    /// its first octet went out (lines of a message are not commands).
    pub commands: Vec<(usize, usize)>,
    /// Every "\r\n.\r\n" outside a chunk (not only the first).
    pub dots: usize,
    /// Chunk octets still to come.
    left: usize,
    /// In DATA content (until its end-of-data line).
    in_data: bool,
    /// Offset of the current line, and of the first octet after the last
    /// chunk (no end of data straddles a chunk).
    line_at: usize,
    plain_from: usize,
}

impl Ends {
    /// `sent[from..]` just went out, `delivered` server bytes handed over.
    pub fn feed(&mut self, sent: &[u8], from: usize, delivered: usize) {
        for i in from..sent.len() {
            if self.left > 0 {
                self.left -= 1;
                if self.left == 0 {
                    self.chunk_done(i + 1, delivered);
                }
                continue;
            }
            if i == self.line_at && !self.in_data {
                self.commands.push((i, delivered));
            }
            let seen = &sent[self.plain_from..=i];
            if seen.ends_with(b"\r\n.\r\n") {
                self.dots += 1;
                if self.in_data {
                    self.in_data = false;
                    if let Some(c) = self.contents.last_mut() {
                        c.end = Some((i + 1, delivered));
                    }
                }
            }
            if sent[i] != b'\n' {
                continue;
            }
            let line = &sent[self.line_at..=i];
            self.line_at = i + 1;
            if self.in_data {
                continue;
            }
            if line == b"DATA\r\n" {
                self.in_data = true;
                self.start(Kind::Data, line.len(), 0, false);
            } else if let Some((size, last)) = bdat(line) {
                self.start(Kind::Chunk, line.len(), size, last);
                self.left = size;
                if size == 0 {
                    self.chunk_done(i + 1, delivered);
                }
            }
        }
    }

    fn start(&mut self, kind: Kind, line_len: usize, size: usize, last: bool) {
        self.contents.push(Content {
            kind,
            line: self.line_at - line_len,
            start: self.line_at,
            size,
            last,
            end: None,
        });
    }

    fn chunk_done(&mut self, at: usize, delivered: usize) {
        if let Some(c) = self.contents.last_mut() {
            c.end = Some((at, delivered));
        }
        self.line_at = at;
        self.plain_from = at;
    }

    /// The message that ended (the first, when several did).
    pub fn ended(&self) -> Option<Content> {
        self.contents.iter().copied().find(|c| c.end.is_some())
    }

    /// How many messages ended (an end-of-data line or a whole chunk; an
    /// end-of-data line outside DATA counts too).
    pub fn count(&self) -> usize {
        let outside = self.dots
            - self
                .contents
                .iter()
                .filter(|c| c.kind == Kind::Data && c.end.is_some())
                .count();
        self.contents.iter().filter(|c| c.end.is_some()).count() + outside
    }

    /// `true` when offset `at` lies in a message's content (an unended one
    /// runs to the end of the wire).
    pub fn in_message(&self, at: usize) -> bool {
        self.contents
            .iter()
            .any(|c| c.start <= at && c.end.is_none_or(|(end, _)| at < end))
    }

    /// The command line starting with `prefix` last sent before offset `before`.
    /// Returns its offset, the server bytes handed over when it started
    /// going out, and the line.
    pub fn command<'a>(
        &self,
        sent: &'a [u8],
        prefix: &[u8],
        before: usize,
    ) -> Option<(usize, usize, &'a [u8])> {
        let &(at, delivered) = self
            .commands
            .iter()
            .rev()
            .find(|&&(at, _)| at < before && sent[at..].starts_with(prefix))?;
        let line = &sent[at..];
        let len = line
            .iter()
            .position(|&b| b == b'\n')
            .map_or(line.len(), |p| p + 1);
        Some((at, delivered, &line[..len]))
    }
}

/// `BDAT <size>[ LAST]\r\n`: the size and whether it is the last chunk.
fn bdat(line: &[u8]) -> Option<(usize, bool)> {
    let rest = line.strip_prefix(b"BDAT ")?.strip_suffix(b"\r\n")?;
    let (digits, last) = match rest.strip_suffix(b" LAST") {
        Some(d) => (d, true),
        None => (rest, false),
    };
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((std::str::from_utf8(digits).ok()?.parse().ok()?, last))
}

/// The complete, well-formed replies at the start of `server` (RFC 5321
/// §4.2, as `reply::parse_line` reads lines): (offset of the reply, its
/// code); stops at the first incomplete or malformed one.
pub fn replies(server: &[u8]) -> Vec<(usize, u16)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut start = 0;
    let mut code: Option<u16> = None;
    for line in server.split_inclusive(|&b| b == b'\n') {
        let here = at;
        at += line.len();
        let Some(line) = line.strip_suffix(b"\r\n") else {
            break;
        };
        let good = line.len() >= 3
            && (b'2'..=b'5').contains(&line[0])
            && (b'0'..=b'5').contains(&line[1])
            && line[2].is_ascii_digit();
        if !good {
            break;
        }
        let this = line[..3]
            .iter()
            .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
        if code.is_some_and(|c| c != this) {
            break;
        }
        if code.is_none() {
            start = here;
        }
        code = Some(this);
        match line.get(3) {
            None | Some(b' ') => {
                out.push((start, this));
                code = None;
            }
            Some(b'-') => {}
            Some(_) => break,
        }
    }
    out
}

/// For a success by BDAT: `Err` with what is wrong unless the reply to the
/// chunk (after those to MAIL and each RCPT sent before it, RFC 2920
/// order) is a 2xx that came after the whole chunk went out, and MAIL's
/// was a 2xx too.
pub fn chunk_accepted(
    ends: &Ends,
    sent: &[u8],
    delivered: &[u8],
    chunk: &Content,
) -> Result<(), String> {
    let (_, chunk_seen) = chunk.end.ok_or("success without the whole chunk")?;
    let (mail_at, mail_seen, _) = ends
        .command(sent, b"MAIL FROM:", chunk.line)
        .ok_or("a chunk without MAIL")?;
    let rcpts = ends
        .commands
        .iter()
        .filter(|&&(at, _)| (mail_at..chunk.line).contains(&at))
        .filter(|&&(at, _)| sent[at..].starts_with(b"RCPT TO:"))
        .count();
    let all = replies(&delivered[mail_seen..]);
    let said = || String::from_utf8_lossy(&delivered[mail_seen..]).into_owned();
    match (all.first(), all.get(1 + rcpts)) {
        (Some(&(_, mail)), Some(&(at, code))) => {
            if mail / 100 != 2 {
                return Err(format!("MAIL refused ({mail}); server said {:?}", said()));
            }
            if code / 100 != 2 {
                return Err(format!(
                    "the chunk's reply is {code}; server said {:?}",
                    said()
                ));
            }
            if mail_seen + at < chunk_seen {
                return Err(format!(
                    "the chunk's reply came before the chunk went out; server said {:?}",
                    said()
                ));
            }
            Ok(())
        }
        _ => Err(format!(
            "no reply to the chunk after {rcpts} RCPT; server said {:?}",
            said()
        )),
    }
}

impl Ends {
    /// `true` once the outcome may be unknown: DATA went out (as the
    /// targets always read it) or a whole chunk did.
    pub fn message_may_be_taken(&self) -> bool {
        self.contents
            .iter()
            .any(|c| c.kind == Kind::Data || c.end.is_some())
    }

    /// What the server keeps of the message that ended: DATA content
    /// de-stuffed, a chunk as it is; `None` for the end-of-data line alone
    /// (a 354 after a failed envelope, RFC 2920 §3.1) or no end.
    pub fn kept(&self, sent: &[u8]) -> Option<Vec<u8>> {
        let c = self.ended()?;
        let (end, _) = c.end?;
        match c.kind {
            Kind::Data if c.start + 3 == end => None,
            Kind::Data => Some(super::destuff(&sent[c.start..end])),
            Kind::Chunk => Some(sent[c.start..end].to_vec()),
        }
    }
}

/// For a success: `Err` with what is wrong unless the message ended and
/// was accepted: the first reply after the end of data a 2xx, or for a
/// chunk as [`chunk_accepted`] says.
pub fn message_accepted(ends: &Ends, sent: &[u8], delivered: &[u8]) -> Result<(), String> {
    let c = ends
        .ended()
        .ok_or("success without the end of the message")?;
    let (_, seen) = c.end.ok_or("no end")?;
    match c.kind {
        Kind::Data => {
            let after = &delivered[seen..];
            match replies(after).first() {
                Some(&(_, code)) if code / 100 == 2 => Ok(()),
                _ => Err(format!(
                    "without a 2xx to the final dot; server said {:?}",
                    String::from_utf8_lossy(after)
                )),
            }
        }
        Kind::Chunk => chunk_accepted(ends, sent, delivered, &c),
    }
}

/// The message's shape on the wire, whatever the outcome: at most one end
/// of the message, then nothing but QUIT; at most one chunk and not with
/// DATA, LAST; SIZE= (when MAIL has it) the chunk's size or DATA's content
/// without the end-of-data line. With `asked_only` (a driver that reads
/// only when the engine asks) the chunk and the QUIT after it go out
/// without a reply read in between (RFC 3030 with RFC 2920).
pub fn assert_shape(ends: &Ends, sent: &[u8], asked_only: bool) {
    assert!(
        ends.count() <= 1,
        "the message ended {} times",
        ends.count()
    );
    let chunks = ends
        .contents
        .iter()
        .filter(|c| c.kind == Kind::Chunk)
        .count();
    assert!(chunks <= 1, "{chunks} BDAT chunks");
    assert!(
        chunks == 0 || ends.contents.len() == 1,
        "BDAT and DATA in one transaction"
    );
    let Some(c) = ends.ended() else {
        return;
    };
    let (end, seen) = c.end.unwrap_or_default();
    assert!(
        b"QUIT\r\n".starts_with(&sent[end..]),
        "after the end of the message: {:?}",
        String::from_utf8_lossy(&sent[end..])
    );
    let size = match c.kind {
        Kind::Data if c.start + 3 == end => None,
        Kind::Data => Some(end - 3 - c.start),
        Kind::Chunk => {
            assert!(c.last, "a chunk without LAST");
            if asked_only {
                let seen_at = |at| ends.commands.iter().find(|&&(a, _)| a == at).map(|p| p.1);
                assert_eq!(seen_at(c.line), Some(seen), "a reply read during the chunk");
                if sent.len() > end {
                    assert_eq!(seen_at(end), Some(seen), "QUIT after the chunk waited");
                }
            }
            Some(c.size)
        }
    };
    let declared = ends
        .command(sent, b"MAIL FROM:", c.line)
        .and_then(|(_, _, mail)| size_param(mail));
    if let (Some(size), Some(declared)) = (size, declared) {
        assert_eq!(declared, size, "SIZE= is not the message's size");
    }
}

/// The value of a MAIL line's SIZE= parameter.
fn size_param(mail: &[u8]) -> Option<usize> {
    let at = mail.windows(6).position(|w| w == b" SIZE=")? + 6;
    let digits: Vec<u8> = mail[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}
