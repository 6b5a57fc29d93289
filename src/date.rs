// SPDX-License-Identifier: MIT OR Apache-2.0
//! The Date header value (RFC 5322 §3.3) from emNet's FAT-packed time.
//!
//! Bits 0-4 seconds/2, 5-10 minute, 11-15 hour, 16-20 day, 21-24 month,
//! 25-31 year-1980. Rendered as `Sat, 28 Nov 2026 17:16:00 +0100`.

use crate::error::Error;
use crate::writer::Writer;

/// The day names (0 = Sunday), then the month names (7 = January).
const NAMES: [[u8; 3]; 19] = [
    *b"Sun", *b"Mon", *b"Tue", *b"Wed", *b"Thu", *b"Fri", *b"Sat", *b"Jan", *b"Feb", *b"Mar",
    *b"Apr", *b"May", *b"Jun", *b"Jul", *b"Aug", *b"Sep", *b"Oct", *b"Nov", *b"Dec",
];
/// Sakamoto's month offsets for the weekday.
const OFFSETS: [u8; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
/// The Date field: a byte from 0x80 stands for field `c & 7` of the
/// values `put` computes, with 0x08 in decimal, with 0x10 in two decimal
/// digits, with neither as its name in [`NAMES`]; the others for
/// themselves. Where [`Writer::num`] is not linked (no `size`, no
/// `chunking`) each number is below 100: the year is two, its century
/// and the rest.
#[cfg(not(any(feature = "size", feature = "chunking")))]
const FORMAT: &[u8; 24] = b"\r\nDate: \x80, \x89 \x82 \x93\x94 \x95:\x96:\x97 ";
/// The Date field (above), the year one number.
#[cfg(any(feature = "size", feature = "chunking"))]
const FORMAT: &[u8; 23] = b"\r\nDate: \x80, \x89 \x82 \x8b \x94:\x95:\x96 ";

/// Bits `at..at+width` of `packed`.
fn field(packed: u32, at: u32, width: u32) -> u32 {
    (packed >> at) & ((1 << width) - 1)
}

/// Writes a packed time in RFC 5322 form with `tz` (empty = `-0000`);
/// nothing but [`Error::InvalidTimezone`] when `tz` is not `+HHMM` or
/// `-HHMM` with hours ≤ 23 (RFC 5322 allows more; no zone uses it) and
/// minutes ≤ 59, [`Error::InvalidDate`] when the time is no real calendar
/// date and time of day. The check renders it into a writer without a
/// buffer: one decoding for both.
#[inline(never)]
pub fn put(w: &mut Writer<'_>, packed: u32, tz: &[u8]) -> Result<(), Error> {
    let digit = |b: u8| b.wrapping_sub(b'0');
    let tz = if tz.is_empty() { b"-0000" } else { tz };
    let tz_ok = match *tz {
        [sign, h1, h2, m1, m2] => {
            (sign == b'+' || sign == b'-')
                && digit(h2) < 10
                && digit(m2) < 10
                && digit(m1) < 6
                // With `h2` a digit, only "00" to "23" are within 24 of
                // "00" (10 * '0' + '0' = 528).
                && (u32::from(h1) * 10 + u32::from(h2)).wrapping_sub(528) < 24
        }
        _ => false,
    };
    if !tz_ok {
        return Err(Error::InvalidTimezone);
    }
    let (year, month, day) = (
        field(packed, 25, 7) + 1980,
        field(packed, 21, 4),
        field(packed, 16, 5),
    );
    let days = match month {
        // 1980 to 2107: every fourth year but 2100 (2000 is one).
        2 if year % 4 == 0 && year != 2100 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (hour, minute, second) = (
        field(packed, 11, 5),
        field(packed, 5, 6),
        field(packed, 0, 5),
    );
    if month == 0 || month > 12 || day == 0 || day > days || hour > 23 || minute > 59 || second > 29
    {
        return Err(Error::InvalidDate);
    }
    let y = if month < 3 { year - 1 } else { year };
    let offset = OFFSETS
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or(0);
    // Sakamoto's y + y/4 - y/100 + y/400 with y in 1979..=2107, where
    // y/100 - y/400 is 15 (≡ -6 mod 7) before 2100 and 16 from it.
    let weekday = (y + y / 4 + 6 - u32::from(y >= 2100) + u32::from(offset) + day) % 7;
    #[cfg(not(any(feature = "size", feature = "chunking")))]
    let values = [
        weekday,
        day,
        month + 6,
        year / 100,
        year % 100,
        hour,
        minute,
        second * 2,
    ];
    #[cfg(any(feature = "size", feature = "chunking"))]
    let values = [weekday, day, month + 6, year, hour, minute, second * 2, 0];
    for &c in FORMAT {
        let v = values.get(usize::from(c & 7)).copied().unwrap_or(0);
        if c < 0x80 {
            w.byte(c);
        } else if c & 0x18 == 0 {
            w.put(NAMES.get(v as usize).map_or(&[], |n| &n[..]));
        } else {
            number(w, v, c);
        }
    }
    w.put(tz);
    Ok(())
}

/// Writes `v` in decimal for [`FORMAT`]'s byte `c`: in two digits with
/// 0x10. Its own two digits where nothing else writes a number (`v` below
/// 100; the seed set: 36 B less than [`Writer::num`]), else that writer.
#[inline(always)]
fn number(w: &mut Writer<'_>, v: u32, c: u8) {
    #[cfg(not(any(feature = "size", feature = "chunking")))]
    {
        if v >= 10 || c & 0x10 != 0 {
            w.byte(b'0' + (v / 10) as u8);
        }
        w.byte(b'0' + (v % 10) as u8);
    }
    #[cfg(any(feature = "size", feature = "chunking"))]
    w.num(v, u32::from(c >> 3 & 3));
}

/// 1 January 1980, midnight: a valid packed time.
const EPOCH: u32 = 1 << 21 | 1 << 16;

/// Checks a time zone and, when there is one, a packed time, as [`put`]
/// does.
#[inline(always)]
pub fn validate(packed: Option<u32>, tz: &[u8]) -> Result<(), Error> {
    put(&mut Writer::new(&mut [], 0), packed.unwrap_or(EPOCH), tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fat(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> u32 {
        ((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s / 2)
    }

    /// The field's value as `put` renders it (after its `\r\nDate: `).
    fn render(packed: u32, tz: &str) -> String {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf, 0);
        assert_eq!(put(&mut w, packed, tz.as_bytes()), Ok(()));
        let n = w.len();
        let field = String::from_utf8(buf[..n].to_vec()).unwrap();
        field.strip_prefix("\r\nDate: ").unwrap().to_string()
    }

    #[test]
    fn emnet_sample_and_weekdays() {
        assert_eq!(render(0x3A29_4800, ""), "Fri, 9 Jan 2009 09:00:00 -0000");
        assert_eq!(
            render(fat(2026, 11, 28, 17, 16, 0), "+0100"),
            "Sat, 28 Nov 2026 17:16:00 +0100"
        );
        assert_eq!(
            render(fat(2000, 2, 29, 23, 59, 58), "-0830"),
            "Tue, 29 Feb 2000 23:59:58 -0830"
        );
        assert_eq!(
            render(fat(2024, 3, 1, 0, 0, 0), ""),
            "Fri, 1 Mar 2024 00:00:00 -0000"
        );
        assert_eq!(
            render(fat(1980, 1, 1, 0, 0, 0), ""),
            "Tue, 1 Jan 1980 00:00:00 -0000"
        );
        // Every weekday of the packed range against a calendar's, around
        // the century years.
        for (y, mo, d, day) in [
            (1999, 12, 31, "Fri"),
            (2000, 1, 1, "Sat"),
            (2099, 12, 31, "Thu"),
            (2100, 2, 28, "Sun"),
            (2100, 3, 1, "Mon"),
            (2107, 12, 31, "Sat"),
        ] {
            // The whole year too: the seed set writes it in two halves.
            let field = render(fat(y, mo, d, 0, 0, 0), "");
            assert!(field.starts_with(day), "{y}-{mo}-{d}: {field}");
            assert!(field.contains(&format!(" {y} 00:00:00")), "{field}");
        }
        assert!(validate(Some(fat(2096, 2, 29, 0, 0, 0)), b"").is_ok());
        assert!(validate(Some(fat(2104, 2, 29, 0, 0, 0)), b"").is_ok());
    }

    #[test]
    fn invalid_dates() {
        assert!(validate(Some(fat(2026, 11, 28, 17, 16, 0)), b"").is_ok());
        for bad in [
            0,
            fat(2026, 13, 1, 0, 0, 0),
            fat(2026, 2, 29, 0, 0, 0),
            fat(2100, 2, 29, 0, 0, 0),
            fat(2026, 4, 31, 0, 0, 0),
            fat(2026, 1, 1, 24, 0, 0),
            fat(2026, 1, 1, 0, 60, 0),
        ] {
            assert_eq!(validate(Some(bad), b""), Err(Error::InvalidDate), "{bad:x}");
            // Nothing is written for it.
            let mut buf = [0u8; 64];
            let mut w = Writer::new(&mut buf, 0);
            assert_eq!(put(&mut w, bad, b""), Err(Error::InvalidDate));
            assert!(w.is_empty());
        }
        assert_eq!(
            validate(Some(fat(2026, 1, 1, 0, 0, 0) | 30), b""),
            Err(Error::InvalidDate)
        );
    }

    /// Every byte in the hour and minute places against the rule.
    #[test]
    fn timezone_digits() {
        let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let hours = [b'+', a, b, b'0', b'0'];
                let good = matches!((digit(a), digit(b)), (Some(x), Some(y)) if x * 10 + y < 24);
                assert_eq!(validate(None, &hours).is_ok(), good, "{hours:?}");
                let minutes = [b'-', b'0', b'0', a, b];
                let good = matches!((digit(a), digit(b)), (Some(x), Some(_)) if x < 6);
                assert_eq!(validate(None, &minutes).is_ok(), good, "{minutes:?}");
            }
        }
    }

    #[test]
    fn timezones() {
        for ok in ["", "+0100", "-0000", "+2359", "-1230", "+1959", "-0959"] {
            assert_eq!(validate(None, ok.as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            "0100",
            "+01",
            "+2400",
            "+0160",
            "+01000",
            " +0100",
            "UTC",
            "+A000",
            "+/900",
            "+0:00",
            "+00:0",
            "+000/",
            "+3000",
            "*0100",
            "+0960",
            "+0\u{0}00",
        ] {
            assert_eq!(
                validate(None, bad.as_bytes()),
                Err(Error::InvalidTimezone),
                "{bad}"
            );
        }
    }
}
