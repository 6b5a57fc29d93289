// SPDX-License-Identifier: MIT OR Apache-2.0
//! The Date header (RFC 5322 §3.3) from emNet's packed clock value.
//!
//! `pfGetTimeDate` returns the FAT time stamp: bits 0-4 seconds/2,
//! 5-10 minutes, 11-15 hours, 16-20 day (1-31), 21-24 month (1-12),
//! 25-31 years since 1980.

use crate::cursor::{digits, Out};
use crate::error::Error;

/// A calendar date and time of day, already validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Full year, 1980..=2107.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31 (checked against the month).
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=58, even.
    pub second: u8,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];

impl Timestamp {
    /// Decodes and checks a FAT-packed value.
    pub fn from_fat(packed: u32) -> Result<Timestamp, Error> {
        let t = Timestamp {
            year: 1980 + (packed >> 25) as u16,
            month: ((packed >> 21) & 0x0f) as u8,
            day: ((packed >> 16) & 0x1f) as u8,
            hour: ((packed >> 11) & 0x1f) as u8,
            minute: ((packed >> 5) & 0x3f) as u8,
            second: ((packed & 0x1f) * 2) as u8,
        };
        let valid = (1..=12).contains(&t.month)
            && t.day >= 1
            && t.day <= days_in_month(t.year, t.month)
            && t.hour < 24
            && t.minute < 60
            && t.second < 60;
        if valid {
            Ok(t)
        } else {
            Err(Error::InvalidDate)
        }
    }

    /// Packs into the FAT format (for tests and the C examples' clocks).
    pub fn to_fat(&self) -> u32 {
        ((u32::from(self.year) - 1980) << 25)
            | (u32::from(self.month) << 21)
            | (u32::from(self.day) << 16)
            | (u32::from(self.hour) << 11)
            | (u32::from(self.minute) << 5)
            | (u32::from(self.second) / 2)
    }

    /// 0 = Sunday. Sakamoto's method, valid for the Gregorian calendar.
    pub fn weekday(&self) -> u8 {
        const T: [u16; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let y = if self.month < 3 {
            self.year - 1
        } else {
            self.year
        };
        let t = T
            .get(usize::from(self.month.saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        ((y + y / 4 - y / 100 + y / 400 + t + u16::from(self.day)) % 7) as u8
    }

    /// Renders `Sat, 28 Nov 2026 17:16:00 +0100`; `timezone` empty means `-0000`.
    pub fn put(&self, cursor: &mut dyn Out, timezone: &[u8]) {
        let weekday = WEEKDAYS
            .get(usize::from(self.weekday()))
            .copied()
            .unwrap_or(b"Sun");
        let month = MONTHS
            .get(usize::from(self.month.saturating_sub(1)))
            .copied()
            .unwrap_or(b"Jan");
        cursor.put(weekday);
        cursor.put(b", ");
        cursor.put(digits(u32::from(self.day), 1).as_slice());
        cursor.byte(b' ');
        cursor.put(month);
        cursor.byte(b' ');
        cursor.put(digits(u32::from(self.year), 1).as_slice());
        cursor.byte(b' ');
        for (i, part) in [self.hour, self.minute, self.second]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                cursor.byte(b':');
            }
            cursor.put(digits(u32::from(part), 2).as_slice());
        }
        cursor.byte(b' ');
        cursor.put(if timezone.is_empty() {
            b"-0000"
        } else {
            timezone
        });
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `+HHMM` or `-HHMM`, hours 00-29 and minutes 00-59 (RFC 5322 allows up to
/// 99:59; real zones stay within ±14:00).
pub fn validate_timezone(tz: &[u8]) -> Result<(), Error> {
    match tz {
        [b'+' | b'-', h1, h2, m1, m2]
            if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit())
                && *h1 <= b'2'
                && *m1 <= b'5' =>
        {
            Ok(())
        }
        _ => Err(Error::InvalidTimezone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::cursor::Cursor;

    fn render(t: &Timestamp, tz: &str) -> String {
        let mut out = [0u8; 64];
        let mut c = Cursor::new(&mut out, 0);
        t.put(&mut c, tz.as_bytes());
        let n = c.written();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn emnet_sample_value() {
        // The emNet sample's 9 Jan 2009 09:00 (Year field 29).
        let packed = 29 << 25 | 1 << 21 | 9 << 16 | 9 << 11;
        let t = Timestamp::from_fat(packed).unwrap();
        assert_eq!(render(&t, "+0100"), "Fri, 9 Jan 2009 09:00:00 +0100");
        assert_eq!(render(&t, ""), "Fri, 9 Jan 2009 09:00:00 -0000");
    }

    #[test]
    fn round_trip_and_weekdays() {
        for (y, m, d, wd) in [
            (2026, 11, 28, "Sat"),
            (2000, 2, 29, "Tue"),
            (1980, 1, 1, "Tue"),
            (2107, 12, 31, "Sat"),
        ] {
            let t = Timestamp {
                year: y,
                month: m,
                day: d,
                hour: 23,
                minute: 59,
                second: 58,
            };
            assert_eq!(Timestamp::from_fat(t.to_fat()), Ok(t));
            assert!(render(&t, "-0530").starts_with(wd), "{y}-{m}-{d}");
            assert!(render(&t, "-0530").ends_with(" 23:59:58 -0530"));
        }
    }

    #[test]
    fn invalid_dates_are_refused() {
        let ok = Timestamp {
            year: 2026,
            month: 2,
            day: 28,
            hour: 0,
            minute: 0,
            second: 0,
        };
        for bad in [
            Timestamp { month: 0, ..ok },
            Timestamp { month: 13, ..ok },
            Timestamp { day: 0, ..ok },
            Timestamp { day: 29, ..ok },
            Timestamp { hour: 24, ..ok },
            Timestamp { minute: 60, ..ok },
            Timestamp { second: 60, ..ok },
        ] {
            assert_eq!(
                Timestamp::from_fat(bad.to_fat()),
                Err(Error::InvalidDate),
                "{bad:?}"
            );
        }
        assert_eq!(Timestamp::from_fat(0), Err(Error::InvalidDate));
    }

    #[test]
    fn timezones() {
        for ok in ["+0000", "-0000", "+0100", "-1130", "+1400"] {
            assert_eq!(validate_timezone(ok.as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            "0100", "+100", "+01:00", "CET", "+0160", "+3000", "+01000", "",
        ] {
            assert_eq!(
                validate_timezone(bad.as_bytes()),
                Err(Error::InvalidTimezone),
                "{bad}"
            );
        }
    }
}
