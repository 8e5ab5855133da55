//! Timestamps are Unix milliseconds (UTC) everywhere; this formats them for people and APIs.

/// RFC 3339 in UTC with millisecond precision, e.g. `2026-11-27T08:30:00.000Z`.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Beijing wall time to the minute, e.g. `2027-01-08 17:30`: how records name a deadline.
pub fn beijing_minute(ms: i64) -> String {
    let local = (ms + 8 * 3_600_000).div_euclid(60_000);
    let (y, m, d) = civil_from_days(local.div_euclid(1440));
    let minute = local.rem_euclid(1440);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", minute / 60, minute % 60)
}

/// A proleptic Gregorian date to days since 1970-01-01 (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` into days since 1970-01-01, checking the date exists.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || s.len() != 10 || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A calendar month: a unit's monthly report, and the Beijing month (UTC+8) by which the record
/// and the events are partitioned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    const BEIJING_MS: i64 = 8 * 3_600_000;

    /// `YYYY-MM`, a month of 2000–2100.
    pub fn parse(raw: &str) -> Option<Month> {
        let (y, m) = raw.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        ((2000..=2100).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// The month a day (days since 1970-01-01) falls in.
    pub fn of_day(day: i64) -> Month {
        let (y, m, _) = civil_from_days(day);
        Month {
            year: y as i32,
            month: m,
        }
    }

    /// The Beijing month holding the instant `ms`.
    pub fn of(ms: i64) -> Month {
        Month::of_day((ms + Self::BEIJING_MS).div_euclid(86_400_000))
    }

    pub fn first_day(self) -> i64 {
        days_from_civil(self.year as i64, self.month, 1)
    }

    /// The first day after the month.
    pub fn end_day(self) -> i64 {
        self.next().first_day()
    }

    /// The instant this month begins (00:00 Beijing on its first day), Unix ms.
    pub fn start_ms(self) -> i64 {
        self.first_day() * 86_400_000 - Self::BEIJING_MS
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                month: self.month + 1,
                ..self
            }
        }
    }

    pub fn prev(self) -> Month {
        Month::of_day(self.first_day() - 1)
    }

    pub fn as_string(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `YYYYMM`, for names.
    pub fn compact(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.as_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_beijing_time() {
        let m = Month::parse("2026-12").unwrap();
        assert_eq!(m.to_string(), "2026-12");
        assert_eq!(m.compact(), "202612");
        // 2026-12-01 00:00 Beijing is 2026-11-30 16:00 UTC.
        assert_eq!(rfc3339(m.start_ms()), "2026-11-30T16:00:00.000Z");
        assert_eq!(Month::of(m.start_ms()), m);
        assert_eq!(Month::of(m.start_ms() - 1), m.prev());
        assert_eq!(m.next(), Month::parse("2027-01").unwrap());
        assert_eq!(m.next().prev(), m);
        assert_eq!(Month::parse("2027-01").unwrap().prev(), m);
        assert!(m.prev() < m);
        for bad in ["2026-13", "2026-1", "26-12", "2026-00", "2026/12", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_957, 20_819, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(parse_date("2026-10-01"), Some(days_from_civil(2026, 10, 1)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("junk"), None);
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_775_400_123), "2026-11-27T10:30:00.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }
}

/// Parses RFC 3339 (`2026-11-27T08:30:00Z`, `2026-11-27T16:30:00.5+08:00`) to Unix ms.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, rest) = s.split_once(['T', 't', ' '])?;
    let day = parse_date(date)?;
    let (clock, offset_ms) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let i = rest.rfind(['+', '-'])?;
        let (c, off) = rest.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (h, m) = off[1..].split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        if off.len() != 6 || h > 23 || m > 59 {
            return None;
        }
        (c, sign * (h * 3600 + m * 60) * 1000)
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let se: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || hms.len() != 8 || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let millis: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}")[..3].parse().ok()?
    };
    Some(day * 86_400_000 + (h * 3600 + mi * 60 + se) * 1000 + millis - offset_ms)
}

#[cfg(test)]
mod rfc3339_tests {
    use super::*;

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(
            parse_rfc3339("2026-11-27T10:30:00.123Z"),
            Some(1_795_775_400_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-27T18:30:00.123+08:00"),
            Some(1_795_775_400_123)
        );
        assert_eq!(
            parse_rfc3339("2026-11-27T10:30:00Z"),
            Some(1_795_775_400_000)
        );
        for bad in [
            "2026-11-27",
            "2026-11-27T25:00:00Z",
            "2026-11-27T10:30Z",
            "2026-11-27T10:30:00",
            "2026-11-27T10:30:00+8",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(
            rfc3339(parse_rfc3339("2026-02-28T23:59:59.999Z").unwrap()),
            "2026-02-28T23:59:59.999Z"
        );
    }
}
