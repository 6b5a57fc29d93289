// SPDX-License-Identifier: MIT OR Apache-2.0
//! Panic-free slice helpers.
//!
//! `copy_from_slice`, `copy_within`, `strip_prefix` and friends carry length
//! checks whose failure path pulls `core::fmt` into a firmware image even when
//! the check can never fail. These do the same with no panic path.

/// Copies as many bytes as fit; returns how many.
pub fn copy(dst: &mut [u8], src: &[u8]) -> usize {
    let mut n = 0;
    for (d, s) in dst.iter_mut().zip(src.iter()) {
        *d = *s;
        n += 1;
    }
    n
}

/// Moves `buf[from..to]` to the start of `buf`; returns the new length.
pub fn shift_down(buf: &mut [u8], from: usize, to: usize) -> usize {
    let mut n = 0;
    for i in from..to.min(buf.len()) {
        let b = buf.get(i).copied().unwrap_or(0);
        if let Some(d) = buf.get_mut(n) {
            *d = b;
        }
        n += 1;
    }
    n
}

/// `s` without the leading byte `first` and the trailing byte `last`, when it
/// has both (and at least two bytes).
pub fn strip_around(s: &[u8], first: u8, last: u8) -> Option<&[u8]> {
    match s {
        [f, inner @ .., l] if *f == first && *l == last => Some(inner),
        _ => None,
    }
}

/// The two upper-case hex digits of `b`.
pub fn hex_pair(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digit = |n: u8| HEX.get(usize::from(n & 15)).copied().unwrap_or(b'0');
    [digit(b >> 4), digit(b)]
}

/// Writes the lower-case hex digits of `value` into `out`, the last digit
/// of `value` last (16 slots hold all of a u64). In place: returning a
/// 16-byte array compiles to a memcpy call, which the library avoids.
pub fn hex_u64(value: u64, out: &mut [u8]) {
    let mut rest = value;
    for slot in out.iter_mut().rev() {
        let nibble = (rest & 15) as u8;
        *slot = if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' - 10 + nibble
        };
        rest >>= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut dst = [0u8; 3];
        assert_eq!(copy(&mut dst, b"abcd"), 3);
        assert_eq!(&dst, b"abc");
        assert_eq!(copy(&mut dst, b"z"), 1);
        assert_eq!(&dst, b"zbc");
        let mut buf = *b"0123456";
        assert_eq!(shift_down(&mut buf, 4, 7), 3);
        assert_eq!(&buf[..3], b"456");
        assert_eq!(shift_down(&mut buf, 2, 99), 5);
        assert_eq!(strip_around(b"[x]", b'[', b']'), Some(&b"x"[..]));
        assert_eq!(strip_around(b"\"\"", b'"', b'"'), Some(&b""[..]));
        assert_eq!(strip_around(b"\"", b'"', b'"'), None);
        assert_eq!(strip_around(b"[x", b'[', b']'), None);
        assert_eq!(hex_pair(0x3d), *b"3D");
        let hex = |value: u64| {
            let mut out = [b'?'; 16];
            hex_u64(value, &mut out);
            out
        };
        assert_eq!(&hex(0x1a2b_3c4d), b"000000001a2b3c4d");
        assert_eq!(&hex(0xfe09_8765_4321_0abc), b"fe09876543210abc");
        assert_eq!(&hex(0), b"0000000000000000");
    }
}
