// SPDX-License-Identifier: MIT OR Apache-2.0
//! The Date header value (RFC 5322 §3.3) from emNet's FAT-packed time.
//!
//! Bits 0-4 seconds/2, 5-10 minute, 11-15 hour, 16-20 day, 21-24 month,
//! 25-31 year-1980. Rendered as `Sat, 28 Nov 2026 17:16:00 +0100`.

use crate::error::Error;
use crate::writer::Writer;

const DAYS: [[u8; 3]; 7] = [
    *b"Sun", *b"Mon", *b"Tue", *b"Wed", *b"Thu", *b"Fri", *b"Sat",
];
const MONTHS: [[u8; 3]; 12] = [
    *b"Jan", *b"Feb", *b"Mar", *b"Apr", *b"May", *b"Jun", *b"Jul", *b"Aug", *b"Sep", *b"Oct",
    *b"Nov", *b"Dec",
];
/// Sakamoto's month offsets for the weekday.
const OFFSETS: [u8; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];

/// Bits `at..at+width` of `packed`.
fn field(packed: u32, at: u32, width: u32) -> u32 {
    (packed >> at) & ((1 << width) - 1)
}

/// Checks a packed time: a real calendar date and a time of day.
#[inline(always)]
pub fn validate(packed: u32) -> Result<(), Error> {
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
    if month == 0
        || month > 12
        || day == 0
        || day > days
        || field(packed, 11, 5) > 23
        || field(packed, 5, 6) > 59
        || field(packed, 0, 5) > 29
    {
        return Err(Error::InvalidDate);
    }
    Ok(())
}

/// Checks a time zone: `+HHMM` or `-HHMM`, hours ≤ 23 (RFC 5322 allows
/// more; no zone uses it), minutes ≤ 59.
pub fn validate_timezone(tz: &[u8]) -> Result<(), Error> {
    let digit = |b: u8| b.wrapping_sub(b'0');
    let ok = match *tz {
        [] => true,
        [sign, h1, h2, m1, m2] => {
            (sign == b'+' || sign == b'-')
                && digit(h2) < 10
                && digit(m2) < 10
                && digit(m1) < 6
                && u32::from(digit(h1)) * 10 + u32::from(digit(h2)) < 24
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidTimezone)
    }
}

/// Three letters of `names` at `index`.
#[inline(always)]
fn name(w: &mut Writer<'_>, names: &[[u8; 3]], index: u32) {
    if let Some(name) = names.get(index as usize) {
        w.put(name);
    }
}

/// Writes a validated packed time in RFC 5322 form with `tz` (empty = `-0000`).
#[inline(always)]
pub fn put(w: &mut Writer<'_>, packed: u32, tz: &[u8]) {
    let (year, month, day) = (
        field(packed, 25, 7) + 1980,
        field(packed, 21, 4),
        field(packed, 16, 5),
    );
    let y = if month < 3 { year - 1 } else { year };
    let offset = OFFSETS
        .get(month.wrapping_sub(1) as usize)
        .copied()
        .unwrap_or(0);
    // Sakamoto's y + y/4 - y/100 + y/400 with y in 1979..=2107, where
    // y/100 - y/400 is 15 (≡ -6 mod 7) before 2100 and 16 from it.
    name(
        w,
        &DAYS,
        (y + y / 4 + 6 - u32::from(y >= 2100) + u32::from(offset) + day) % 7,
    );
    w.put(b", ");
    w.num(day, 1);
    w.byte(b' ');
    name(w, &MONTHS, month.wrapping_sub(1));
    w.byte(b' ');
    w.num(year, 4);
    w.byte(b' ');
    w.num(field(packed, 11, 5), 2);
    w.byte(b':');
    w.num(field(packed, 5, 6), 2);
    w.byte(b':');
    w.num(field(packed, 0, 5) * 2, 2);
    w.byte(b' ');
    w.put(if tz.is_empty() { b"-0000" } else { tz });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fat(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> u32 {
        ((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s / 2)
    }

    fn render(packed: u32, tz: &str) -> String {
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf, 0);
        put(&mut w, packed, tz.as_bytes());
        let n = w.len();
        String::from_utf8(buf[..n].to_vec()).unwrap()
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
            assert!(
                render(fat(y, mo, d, 0, 0, 0), "").starts_with(day),
                "{y}-{mo}-{d}"
            );
        }
        assert!(validate(fat(2096, 2, 29, 0, 0, 0)).is_ok());
        assert!(validate(fat(2104, 2, 29, 0, 0, 0)).is_ok());
    }

    #[test]
    fn invalid_dates() {
        assert!(validate(fat(2026, 11, 28, 17, 16, 0)).is_ok());
        for bad in [
            0,
            fat(2026, 13, 1, 0, 0, 0),
            fat(2026, 2, 29, 0, 0, 0),
            fat(2100, 2, 29, 0, 0, 0),
            fat(2026, 4, 31, 0, 0, 0),
            fat(2026, 1, 1, 24, 0, 0),
            fat(2026, 1, 1, 0, 60, 0),
        ] {
            assert_eq!(validate(bad), Err(Error::InvalidDate), "{bad:x}");
        }
        assert_eq!(
            validate(fat(2026, 1, 1, 0, 0, 0) | 30),
            Err(Error::InvalidDate)
        );
    }

    #[test]
    fn timezones() {
        for ok in ["", "+0100", "-0000", "+2359", "-1230", "+1959", "-0959"] {
            assert_eq!(validate_timezone(ok.as_bytes()), Ok(()), "{ok}");
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
                validate_timezone(bad.as_bytes()),
                Err(Error::InvalidTimezone),
                "{bad}"
            );
        }
    }
}
