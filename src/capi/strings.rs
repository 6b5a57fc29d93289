// SPDX-License-Identifier: MIT OR Apache-2.0
//! Bounded reads of C strings.

use core::ffi::c_char;

/// Longest body accepted through a C string (2 GiB - 1).
pub const MAX_BODY_LEN: usize = 0x7fff_ffff;

/// Reads the NUL-terminated string at `p`, looking at no more than
/// `max + 1` bytes. NULL reads as empty. `None` when no NUL is found
/// within `max + 1` bytes: the string is too long (or unterminated).
///
/// # Safety
/// `p` is NULL or points to memory readable up to its NUL or `max + 1`
/// bytes, whichever comes first, and stays valid for `'a`.
pub unsafe fn bounded<'a>(p: *const c_char, max: usize) -> Option<&'a [u8]> {
    if p.is_null() {
        return Some(&[]);
    }
    let mut len = 0usize;
    loop {
        // SAFETY: the caller guarantees readability up to the NUL or max+1
        // bytes; `len <= max` here, so this reads at most byte `max`.
        let byte = unsafe { p.add(len).read() };
        if byte == 0 {
            break;
        }
        if len == max {
            return None;
        }
        len += 1;
    }
    // SAFETY: the `len` bytes before the NUL were just read, so they are
    // readable; the caller keeps them valid for 'a.
    Some(unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_within_bounds() {
        let s = c"hello";
        // SAFETY: a valid C string literal.
        unsafe {
            assert_eq!(bounded(s.as_ptr(), 5), Some(&b"hello"[..]));
            assert_eq!(bounded(s.as_ptr(), 4), None);
            assert_eq!(bounded(core::ptr::null(), 0), Some(&b""[..]));
        }
    }

    #[test]
    fn unterminated_buffer_is_not_overread() {
        // Four bytes without a NUL: a bound of 3 reads exactly 4 bytes.
        let raw: [c_char; 4] = [b'a' as c_char; 4];
        // SAFETY: reads at most max+1 = 4 bytes of a 4-byte array.
        assert_eq!(unsafe { bounded(raw.as_ptr(), 3) }, None);
    }
}
