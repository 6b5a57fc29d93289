// SPDX-License-Identifier: MIT OR Apache-2.0
//! A reference base64 decoder for the oracles, written for clarity rather
//! than size: RFC 4648 §4 strictly (length a multiple of four, `=` only as
//! the last one or two digits, no bits left over).

const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The decoded bytes, or `None` for anything that is not canonical base64
/// (the empty text decodes to nothing).
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    let pad = text.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return None;
    }
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0u32);
    for &c in &text[..text.len() - pad] {
        acc = (acc << 6 | DIGITS.iter().position(|&d| d == c)? as u32) & 0xfff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (acc & ((1 << bits) - 1) == 0).then_some(out)
}

/// `bytes` in base64 through the library's own encoder (`base64::put`).
pub fn encode(bytes: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; bytes.len() * 2 + 8];
    let mut w = ip_smtpc::writer::Writer::new(&mut buf, 0);
    ip_smtpc::base64::put(&mut w, &[bytes]);
    let n = w.len();
    buf.truncate(n);
    buf
}
