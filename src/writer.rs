// SPDX-License-Identifier: MIT OR Apache-2.0
//! The one byte writer.
//!
//! Everything the client sends is rendered through a [`Writer`] into the
//! caller's out buffer. A unit (a command, the header block) longer than the
//! room left is rendered again from its start on the next call with a skip
//! count: the bytes already sent are counted, not stored. Rendering is pure,
//! so the second rendering is byte for byte the first one.

/// Renders into `buf`, dropping the first `skip` bytes; counts the bytes
/// that did not fit (so `len` may exceed the buffer: then it is full).
pub struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
    skip: usize,
    /// A BDAT chunk (`chunking`): no dot-stuffing.
    #[cfg(feature = "chunking")]
    unstuffed: bool,
}

impl<'b> Writer<'b> {
    /// A writer into `buf` that drops the first `skip` bytes it is given.
    pub fn new(buf: &'b mut [u8], skip: usize) -> Self {
        Writer {
            buf,
            len: 0,
            skip,
            #[cfg(feature = "chunking")]
            unstuffed: false,
        }
    }

    /// From now on [`Writer::stuff`] writes nothing: the bytes go in a BDAT
    /// chunk (RFC 3030), which is not dot-stuffed (`chunking`).
    #[cfg(feature = "chunking")]
    pub fn unstuffed(&mut self) {
        self.unstuffed = true;
    }

    /// The dot that dot-stuffing adds before a line-initial "." (RFC 5321
    /// §4.5.2); nothing in a BDAT chunk.
    // Out of line with the chunk's test (measured in size pass 4: full
    // -8 B; the seed's one byte call inlined).
    #[cfg_attr(not(feature = "chunking"), inline(always))]
    #[cfg_attr(feature = "chunking", inline(never))]
    pub fn stuff(&mut self) {
        #[cfg(feature = "chunking")]
        if self.unstuffed {
            return;
        }
        self.byte(b'.');
    }

    /// Drops the next `n` bytes it is given (a unit that starts with a
    /// separator it does not need).
    pub fn drop_next(&mut self, n: usize) {
        self.skip += n;
    }

    /// Appends one byte (or counts it off the skip, or notes overflow).
    #[inline(never)]
    pub fn byte(&mut self, b: u8) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
        }
        self.len += 1;
    }

    /// Appends bytes.
    pub fn put(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    /// Appends a run of bytes at once when it fits and nothing is to be
    /// skipped, else as [`Writer::put`] does (the fast path of hosted
    /// builds, `crate::body::run`).
    #[inline]
    pub fn copy(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(slot) if self.skip == 0 => {
                slot.copy_from_slice(bytes);
                self.len = end;
            }
            _ => self.put(bytes),
        }
    }

    /// Appends `value` in decimal, zero-padded to at least `width` digits
    /// (at most 10, a `u32`'s longest).
    pub fn num(&mut self, value: u32, width: u32) {
        // The largest power of ten to write (at most 10^9: `value / 10` is
        // below 10^9 * 10 and the width is capped at 10 digits), then a loop
        // over the digits, not a recursion, so the static stack bound holds.
        let (mut power, mut digits) = (1u32, 1);
        while digits < width.min(10) || value / 10 >= power {
            power *= 10;
            digits += 1;
        }
        while power != 0 {
            self.byte(b'0' + (value / power % 10) as u8);
            power /= 10;
        }
    }

    /// Bytes written into the buffer so far.
    pub fn len(&self) -> usize {
        self.len.min(self.buf.len())
    }

    /// Bytes given after the skip, those that did not fit included (`size`,
    /// `dsn`: a writer over an empty buffer measures a rendering).
    #[cfg(any(feature = "size", feature = "dsn"))]
    pub fn total(&self) -> usize {
        self.len
    }

    /// `true` when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room left in the buffer.
    pub fn room(&self) -> usize {
        self.buf.len().saturating_sub(self.len)
    }

    /// `true` when some byte did not fit: the unit must be rendered again.
    pub fn is_full(&self) -> bool {
        self.len > self.buf.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Renders `f` through buffers of `size` bytes with the skip trick.
    pub fn chunked(size: usize, f: impl Fn(&mut Writer<'_>)) -> Vec<u8> {
        let mut wire = Vec::new();
        loop {
            let mut buf = vec![0xAA; size];
            let mut w = Writer::new(&mut buf, wire.len());
            f(&mut w);
            let (n, full) = (w.len(), w.is_full());
            wire.extend_from_slice(&buf[..n]);
            if !full {
                return wire;
            }
        }
    }

    #[test]
    fn every_buffer_size_gives_the_same_bytes() {
        let unit = |w: &mut Writer<'_>| {
            w.put(b"MAIL FROM:<");
            w.num(7, 3);
            w.put(b">\r\n");
        };
        for size in 1..20 {
            assert_eq!(chunked(size, unit), b"MAIL FROM:<007>\r\n", "size {size}");
        }
    }

    #[test]
    fn numbers() {
        for (v, w, s) in [
            (0, 1, "0"),
            (5, 2, "05"),
            (2026, 4, "2026"),
            (123, 1, "123"),
            (0, 0, "0"),
            (u32::MAX, 1, "4294967295"),
            (1_000_000_000, 2, "1000000000"),
            (999_999_999, 0, "999999999"),
            (7, 12, "0000000007"),
        ] {
            assert_eq!(chunked(8, |wr| wr.num(v, w)), s.as_bytes());
        }
    }
}
