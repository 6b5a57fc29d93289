// SPDX-License-Identifier: MIT OR Apache-2.0
//! MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for AUTH CRAM-MD5 (`cram-md5`).
//!
//! Byte at a time into a 64-byte block, no allocation, no table but the 64
//! sine constants. MD5 is broken as a hash; CRAM-MD5 uses it only as the
//! HMAC of a server's one-time challenge, for legacy servers.

/// Per-step additive constants: floor(abs(sin(i + 1)) * 2^32) (RFC 1321 §3.4).
const K: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// Left rotations: four per round (RFC 1321 §3.4).
const S: [u8; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/// The MD5 block size in bytes (also HMAC's key block, RFC 2104 §2).
const BLOCK: usize = 64;

/// An MD5 computation in progress.
#[derive(Clone)]
pub struct Md5 {
    state: [u32; 4],
    block: [u8; BLOCK],
    /// Bytes hashed so far (up to 4 GiB: CRAM-MD5 hashes a reply line and a
    /// digest).
    len: u32,
}

impl Default for Md5 {
    fn default() -> Self {
        Md5 {
            state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
            block: [0; BLOCK],
            len: 0,
        }
    }
}

impl Md5 {
    /// Hashes one more byte.
    pub fn byte(&mut self, b: u8) {
        let at = self.len as usize % BLOCK;
        if let Some(slot) = self.block.get_mut(at) {
            *slot = b;
        }
        self.len = self.len.wrapping_add(1);
        if at == BLOCK - 1 {
            compress(&mut self.state, &self.block);
        }
    }

    /// Hashes more bytes.
    pub fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.byte(b);
        }
    }

    /// The digest: the padding (a 1 bit, zeros, the length in bits, RFC
    /// 1321 §3.1-3.2) hashed, the state as little-endian bytes. The hash
    /// is spent (by reference: no copy of it on the stack).
    pub fn finish(&mut self) -> [u8; 16] {
        let bits = u64::from(self.len) * 8;
        self.byte(0x80);
        while self.len as usize % BLOCK != BLOCK - 8 {
            self.byte(0);
        }
        self.update(&bits.to_le_bytes());
        let mut out = [0u8; 16];
        for (o, s) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&s.to_le_bytes());
        }
        out
    }
}

/// One 64-byte block into the state (RFC 1321 §3.4).
fn compress(state: &mut [u32; 4], block: &[u8; BLOCK]) {
    let [mut a, mut b, mut c, mut d] = *state;
    for (i, &k) in K.iter().enumerate() {
        let round = i / 16;
        let (f, g) = match round {
            0 => ((b & c) | (!b & d), i),
            1 => ((d & b) | (!d & c), 5 * i + 1),
            2 => (b ^ c ^ d, 3 * i + 5),
            _ => (c ^ (b | !d), 7 * i),
        };
        // Message word g, little-endian (read in place: no copy of the block).
        let at = g % 16 * 4;
        let m = block
            .get(at..at + 4)
            .map_or(0, |w| w.iter().rev().fold(0, |v, &b| v << 8 | u32::from(b)));
        let s = u32::from(S.get(round * 4 + i % 4).copied().unwrap_or(0));
        let t = a.wrapping_add(f).wrapping_add(k).wrapping_add(m);
        (a, d, c) = (d, c, b);
        b = b.wrapping_add(t.rotate_left(s));
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d]) {
        *s = s.wrapping_add(v);
    }
}

/// HMAC-MD5 (RFC 2104) in progress: the inner hash over (key XOR ipad)
/// and the message so far, and the key block for the outer hash.
pub struct HmacMd5 {
    inner: Md5,
    key: [u8; BLOCK],
}

impl HmacMd5 {
    /// Starts an HMAC with `key` (hashed first when longer than a block).
    pub fn new(key: &[u8]) -> Self {
        let mut mac = HmacMd5 {
            inner: Md5::default(),
            key: [0; BLOCK],
        };
        // The inner hash hashes a long key first (and starts again after).
        let digest;
        let key = if key.len() > BLOCK {
            mac.inner.update(key);
            digest = mac.inner.finish();
            &digest[..]
        } else {
            key
        };
        for (k, &d) in mac.key.iter_mut().zip(key) {
            *k = d;
        }
        start(&mut mac.inner, &mac.key, 0x36);
        mac
    }

    /// Authenticates one more byte of the message.
    pub fn byte(&mut self, b: u8) {
        self.inner.byte(b);
    }

    /// The MAC: MD5((key XOR opad) || MD5((key XOR ipad) || message)).
    /// The HMAC is spent (its hash is the outer one then).
    pub fn finish(&mut self) -> [u8; 16] {
        let inner = self.inner.finish();
        start(&mut self.inner, &self.key, 0x5c);
        self.inner.update(&inner);
        self.inner.finish()
    }
}

/// Starts `h` again with the key block XOR `pad` hashed.
fn start(h: &mut Md5, key: &[u8; BLOCK], pad: u8) {
    *h = Md5::default();
    for &k in key {
        h.byte(k ^ pad);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn md5(data: &[u8]) -> String {
        let mut h = Md5::default();
        h.update(data);
        hex(&h.finish())
    }

    fn hmac(key: &[u8], data: &[u8]) -> String {
        let mut h = HmacMd5::new(key);
        for &b in data {
            h.byte(b);
        }
        hex(&h.finish())
    }

    /// RFC 1321 appendix A.5, the test suite.
    #[test]
    fn rfc1321_test_suite() {
        for (input, digest) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(md5(input.as_bytes()), digest, "{input:?}");
        }
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64, 65 bytes...)
    /// against digests from Python's hashlib.
    #[test]
    fn padding_boundaries() {
        for (n, digest) in [
            (55, "ef1772b6dff9a122358552954ad0df65"),
            (56, "3b0c8ac703f828b04c6c197006d17218"),
            (57, "652b906d60af96844ebd21b674f35e93"),
            (63, "b06521f39153d618550606be297466d5"),
            (64, "014842d480b571495a4a0363793f7367"),
            (65, "c743a45e0d2e6a95cb859adae0248435"),
            (128, "e510683b3f5ffe4093d021808bc6ff70"),
        ] {
            assert_eq!(md5(&vec![b'a'; n]), digest, "{n}");
        }
    }

    /// RFC 2202 §2, the HMAC-MD5 test cases (keys longer than a block
    /// included).
    #[test]
    fn rfc2202_hmac_md5() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
            (
                vec![0x0b; 16],
                b"Hi There".to_vec(),
                "9294727a3638bb1c13f48ef8158bfc9d",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "750c783e6ab0b503eaa86e310a5db738",
            ),
            (
                vec![0xaa; 16],
                vec![0xdd; 50],
                "56be34521d144c88dbb8c733f0e8b3f6",
            ),
            (
                (1..=25).collect(),
                vec![0xcd; 50],
                "697eaf0aca3a3aea3a75164746ffaa79",
            ),
            (
                vec![0x0c; 16],
                b"Test With Truncation".to_vec(),
                "56461ef2342edc00f9bab995690efd4c",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
                    .to_vec(),
                "6f630fad67cda0ee1fb1f562db3aa53e",
            ),
        ];
        for (key, data, mac) in cases {
            assert_eq!(hmac(&key, &data), mac, "{key:?}");
        }
    }

    /// A key of exactly one block is used as it is.
    #[test]
    fn block_sized_key() {
        let key = [0x42u8; 64];
        // Python: hmac.new(b"\x42" * 64, b"data", "md5").hexdigest()
        assert_eq!(hmac(&key, b"data"), "aec9a43b960ed78675c98b379361337c");
    }
}
