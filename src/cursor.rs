// SPDX-License-Identifier: MIT OR Apache-2.0
//! Render-and-skip output cursor.
//!
//! Every command and the header block are produced by plain functions that
//! write their whole text, start to end, into a [`Cursor`]. The cursor drops
//! the first `skip` bytes (already sent) and stops storing when the caller's
//! buffer is full. Resuming is rendering again with a larger `skip`; so a
//! 300-byte `RCPT TO` or a 2 KB header block goes out through a 64-byte
//! buffer without any per-command state beyond one byte count.

/// Somewhere rendered text goes: a [`Cursor`] window, a [`Counter`], or
/// the DATA stream of a connection. Writing never fails here; a sink that
/// can fail records the error and ignores the rest.
pub trait Out {
    /// Renders `bytes`.
    fn put(&mut self, bytes: &[u8]);

    /// Renders one byte.
    fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }
}

/// Counts rendered bytes (to measure a text before sending it).
#[derive(Debug, Default)]
pub struct Counter(pub usize);

impl Out for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

impl Out for Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let start = self.position;
        self.position += bytes.len();
        // The part of `bytes` past the skipped prefix.
        let fresh = bytes
            .get(self.skip.saturating_sub(start)..)
            .unwrap_or_default();
        let room = self.out.get_mut(self.written..).unwrap_or_default();
        self.written += crate::bytes::copy(room, fresh);
    }
}

#[cfg(test)]
impl Out for std::vec::Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes a window of a rendered text into a buffer.
pub struct Cursor<'o> {
    out: &'o mut [u8],
    skip: usize,
    position: usize,
    written: usize,
}

impl<'o> Cursor<'o> {
    /// A cursor that drops the first `skip` rendered bytes and stores the
    /// following ones in `out`.
    pub fn new(out: &'o mut [u8], skip: usize) -> Self {
        Cursor {
            out,
            skip,
            position: 0,
            written: 0,
        }
    }

    /// Bytes stored in the buffer.
    pub fn written(&self) -> usize {
        self.written
    }

    /// `true` when everything rendered after the skipped prefix was stored.
    pub fn is_complete(&self) -> bool {
        self.position <= self.skip + self.written
    }
}

/// Decimal digits of a `u32`, at least `width` of them, without `core::fmt`.
pub struct Digits {
    buf: [u8; 10],
    start: usize,
}

impl Digits {
    /// The digits.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }
}

/// `n` in decimal, zero-padded to `width` (at most 10) digits.
pub fn digits(mut n: u32, width: usize) -> Digits {
    let mut buf = [b'0'; 10];
    let mut start = buf.len();
    while n > 0 || start + width > buf.len() {
        if start == 0 {
            break;
        }
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
    }
    Digits { buf, start }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(out: &mut [u8], skip: usize) -> (usize, bool) {
        let mut c = Cursor::new(out, skip);
        c.put(b"MAIL FROM:<");
        c.put(b"someone@example.test");
        c.byte(b'>');
        c.put(b"\r\n");
        (c.written(), c.is_complete())
    }

    #[test]
    fn whole_text_fits() {
        let mut out = [0xAA; 64];
        assert_eq!(render(&mut out, 0), (34, true));
        assert_eq!(&out[..34], b"MAIL FROM:<someone@example.test>\r\n");
        assert_eq!(out[34], 0xAA, "nothing written past the text");
    }

    #[test]
    fn resumes_through_a_small_buffer_at_every_size() {
        let expected = b"MAIL FROM:<someone@example.test>\r\n";
        for size in 1..=40 {
            let mut sent = Vec::new();
            loop {
                let mut out = vec![0u8; size];
                let (n, done) = render(&mut out, sent.len());
                sent.extend_from_slice(&out[..n]);
                if done {
                    break;
                }
                assert_eq!(n, size, "a partial render fills the buffer");
            }
            assert_eq!(sent, expected, "buffer size {size}");
        }
    }

    #[test]
    fn decimal_rendering() {
        assert_eq!(digits(0, 1).as_slice(), b"0");
        assert_eq!(digits(7, 2).as_slice(), b"07");
        assert_eq!(digits(2026, 4).as_slice(), b"2026");
        assert_eq!(digits(u32::MAX, 1).as_slice(), b"4294967295");
        assert_eq!(digits(42, 0).as_slice(), b"42");
    }
}
