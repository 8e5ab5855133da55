//! Working time: deadlines count working hours on the national calendar — weekends off,
//! holidays off, 调休 make-up days on — in the local time zone (China, UTC+8). Urgent
//! matters count calendar time instead.

use crate::error::DomainError;
use crate::time::{civil_from_days, parse_date};
use std::collections::BTreeMap;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;
/// China Standard Time, UTC+8, no daylight saving.
pub const CHINA_OFFSET_MS: i64 = 8 * HOUR_MS;

/// The Beijing day (days since 1970-01-01) an instant falls on.
pub fn china_day(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}
/// Far enough for any limit we set; stops a calendar with no working time from looping.
const MAX_DAYS_SEARCHED: i64 = 3_660;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (no work even on a weekday).
    Holiday,
    /// A make-up working day (调休上班, work even on a weekend).
    Workday,
}

impl DayKind {
    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

/// How a limit is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    Working,
    Calendar,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkingCalendar {
    /// Working windows of a working day, minutes after local midnight, sorted, disjoint.
    windows: Vec<(i64, i64)>,
    /// Exceptions by local day number (days since 1970-01-01).
    days: BTreeMap<i64, DayKind>,
    offset_ms: i64,
}

impl Default for WorkingCalendar {
    /// 08:30–12:00 and 14:00–17:30, Monday to Friday, UTC+8, no holidays loaded.
    fn default() -> Self {
        WorkingCalendar {
            windows: vec![(510, 720), (840, 1050)],
            days: BTreeMap::new(),
            offset_ms: CHINA_OFFSET_MS,
        }
    }
}

/// `08:30` → 510.
pub fn parse_hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (s.len() == 5 && (0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440)
        .then_some(h * 60 + m)
}

impl WorkingCalendar {
    /// A calendar with the given daily windows (`["08:30-12:00", "14:00-17:30"]`).
    pub fn with_windows(windows: &[(i64, i64)]) -> Result<WorkingCalendar, DomainError> {
        let mut sorted = windows.to_vec();
        sorted.sort();
        if sorted.is_empty() {
            return Err(DomainError::invalid(
                "working_hours",
                "a working day needs at least one window",
            ));
        }
        for (i, &(start, end)) in sorted.iter().enumerate() {
            if !(0..1440).contains(&start) || end > 1440 || end <= start {
                return Err(DomainError::invalid(
                    "working_hours",
                    format!("window {start}–{end} is not within one day"),
                ));
            }
            if i > 0 && sorted[i - 1].1 > start {
                return Err(DomainError::invalid("working_hours", "windows overlap"));
            }
        }
        Ok(WorkingCalendar {
            windows: sorted,
            ..WorkingCalendar::default()
        })
    }

    pub fn windows(&self) -> &[(i64, i64)] {
        &self.windows
    }

    pub fn set_day(&mut self, date: &str, kind: DayKind) -> Result<(), DomainError> {
        let day = parse_date(date).ok_or_else(|| {
            DomainError::invalid("date", format!("{date:?} is not a date (YYYY-MM-DD)"))
        })?;
        self.days.insert(day, kind);
        Ok(())
    }

    /// Whether the year's official schedule is entered (any holiday or working weekend day in
    /// it): a year without one counts every weekday as working, which a real year never is.
    pub fn knows_year(&self, year: i64) -> bool {
        let first = crate::time::days_from_civil(year, 1, 1);
        let next = crate::time::days_from_civil(year + 1, 1, 1);
        self.days.range(first..next).next().is_some()
    }

    /// Whether working time counted from `from_ms` to `to_ms` crosses a year whose schedule is
    /// not entered: a deadline computed through it is provisional.
    pub fn provisional(&self, from_ms: i64, to_ms: i64) -> bool {
        let year = |ms| crate::time::civil_from_days(self.local_day(ms)).0;
        (year(from_ms)..=year(to_ms)).any(|y| !self.knows_year(y))
    }

    /// This calendar with one year's schedule replaced and the given daily windows: what
    /// the calendar becomes when an administrator enters that year.
    pub fn with_year(
        &self,
        year: i64,
        windows: &[(i64, i64)],
        days: &[(String, DayKind)],
    ) -> Result<WorkingCalendar, DomainError> {
        let mut next = WorkingCalendar::with_windows(windows)?;
        next.offset_ms = self.offset_ms;
        let (first, after) = (
            crate::time::days_from_civil(year, 1, 1),
            crate::time::days_from_civil(year + 1, 1, 1),
        );
        next.days = self
            .days
            .iter()
            .filter(|(d, _)| !(first..after).contains(*d))
            .map(|(d, k)| (*d, *k))
            .collect();
        for (date, kind) in days {
            next.set_day(date, *kind)?;
        }
        Ok(next)
    }

    /// Where a running step's working-time deadline moves when this calendar is replaced by
    /// `next`: the working time still left at `now` (by this calendar) counted again from
    /// `now` by the new one. `None` when it does not move or the step is already overdue
    /// (what has passed is not rewritten).
    pub fn moved_due(
        &self,
        next: &WorkingCalendar,
        now: i64,
        started: i64,
        due: i64,
    ) -> Option<i64> {
        if due <= now {
            return None;
        }
        let from = now.max(started);
        let left = self.working_between(from, due);
        let moved = next.add_working(from, left);
        (moved != due).then_some(moved)
    }

    pub fn days(&self) -> impl Iterator<Item = (i64, DayKind)> + '_ {
        self.days.iter().map(|(d, k)| (*d, *k))
    }

    /// Local day number of an instant.
    pub fn local_day(&self, at_ms: i64) -> i64 {
        (at_ms + self.offset_ms).div_euclid(DAY_MS)
    }

    fn day_start_ms(&self, day: i64) -> i64 {
        day * DAY_MS - self.offset_ms
    }

    pub fn is_working_day(&self, day: i64) -> bool {
        match self.days.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => {
                // 1970-01-01 was a Thursday: weekday 0 = Monday.
                let weekday = (day + 3).rem_euclid(7);
                weekday < 5
            }
        }
    }

    /// The instant `duration_ms` of working time after `start_ms`.
    pub fn add_working(&self, start_ms: i64, duration_ms: i64) -> i64 {
        if duration_ms <= 0 {
            return start_ms;
        }
        let mut remaining = duration_ms;
        let first = self.local_day(start_ms);
        for day in first..first + MAX_DAYS_SEARCHED {
            if !self.is_working_day(day) {
                continue;
            }
            let base = self.day_start_ms(day);
            for &(ws, we) in &self.windows {
                let (ws, we) = (base + ws * MINUTE_MS, base + we * MINUTE_MS);
                if start_ms >= we {
                    continue;
                }
                let from = ws.max(start_ms);
                let available = we - from;
                if remaining <= available {
                    return from + remaining;
                }
                remaining -= available;
            }
        }
        // No working time found in ten years: treat the limit as calendar time.
        start_ms + duration_ms
    }

    /// Working time between two instants (0 when `to` is not after `from`).
    pub fn working_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let mut total = 0;
        let (first, last) = (self.local_day(from_ms), self.local_day(to_ms));
        for day in first..=last.min(first + MAX_DAYS_SEARCHED) {
            if !self.is_working_day(day) {
                continue;
            }
            let base = self.day_start_ms(day);
            for &(ws, we) in &self.windows {
                let (ws, we) = (base + ws * MINUTE_MS, base + we * MINUTE_MS);
                let (a, b) = (ws.max(from_ms), we.min(to_ms));
                if b > a {
                    total += b - a;
                }
            }
        }
        total
    }

    pub fn due(&self, start_ms: i64, limit_ms: i64, clock: Clock) -> i64 {
        match clock {
            Clock::Working => self.add_working(start_ms, limit_ms),
            Clock::Calendar => start_ms + limit_ms,
        }
    }

    pub fn elapsed(&self, from_ms: i64, to_ms: i64, clock: Clock) -> i64 {
        match clock {
            Clock::Working => self.working_between(from_ms, to_ms),
            Clock::Calendar => (to_ms - from_ms).max(0),
        }
    }
}

/// A local date for display (`2026-10-08`).
pub fn date_string(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_deadline_through_a_year_without_its_schedule_is_provisional() {
        let mut cal = super::WorkingCalendar::default();
        cal.set_day("2026-10-01", super::DayKind::Holiday).unwrap();
        let at = |y, m, d| crate::time::days_from_civil(y, m, d) * super::DAY_MS;
        assert!(cal.knows_year(2026) && !cal.knows_year(2027));
        assert!(!cal.provisional(at(2026, 11, 2), at(2026, 12, 20)));
        assert!(cal.provisional(at(2026, 12, 2), at(2027, 1, 14)));
        cal.set_day("2027-01-01", super::DayKind::Holiday).unwrap();
        assert!(!cal.provisional(at(2026, 12, 2), at(2027, 1, 14)));
    }

    use super::*;
    use crate::time::days_from_civil;

    /// Local wall time in China to an instant.
    fn at(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * MINUTE_MS - CHINA_OFFSET_MS
    }

    fn cal_2026() -> WorkingCalendar {
        let mut c = WorkingCalendar::default();
        for (date, kind) in [
            ("2026-10-01", DayKind::Holiday),
            ("2026-10-02", DayKind::Holiday),
            ("2026-10-03", DayKind::Holiday),
            ("2026-10-04", DayKind::Holiday),
            ("2026-10-05", DayKind::Holiday),
            ("2026-10-06", DayKind::Holiday),
            ("2026-10-07", DayKind::Holiday),
            ("2026-10-10", DayKind::Workday),
        ] {
            c.set_day(date, kind).unwrap();
        }
        c
    }

    #[test]
    fn within_one_morning() {
        let c = WorkingCalendar::default();
        // Friday 2026-11-27 09:00 + 2 h = 11:00.
        assert_eq!(
            c.add_working(at(2026, 11, 27, 9, 0), 2 * HOUR_MS),
            at(2026, 11, 27, 11, 0)
        );
    }

    #[test]
    fn skips_lunch_evening_and_weekend() {
        let c = WorkingCalendar::default();
        // Friday 11:00 + 4 h: 1 h to noon, 3 h of the 3.5 h afternoon → 17:00.
        assert_eq!(
            c.add_working(at(2026, 11, 27, 11, 0), 4 * HOUR_MS),
            at(2026, 11, 27, 17, 0)
        );
        // Friday 17:00 + 1 h: 0.5 h Friday, then Monday 08:30 + 0.5 h.
        assert_eq!(
            c.add_working(at(2026, 11, 27, 17, 0), HOUR_MS),
            at(2026, 11, 30, 9, 0)
        );
        // Reported on Saturday night: the clock starts Monday 08:30.
        assert_eq!(
            c.add_working(at(2026, 11, 28, 22, 0), HOUR_MS),
            at(2026, 11, 30, 9, 30)
        );
        // A full 7 h working day.
        assert_eq!(
            c.add_working(at(2026, 11, 30, 8, 30), 7 * HOUR_MS),
            at(2026, 11, 30, 17, 30)
        );
    }

    #[test]
    fn national_day_and_make_up_saturday() {
        let c = cal_2026();
        // Wednesday 2026-09-30 17:00 + 1 h: 0.5 h left that day; Oct 1–7 are holidays, Oct 8 Thursday.
        assert_eq!(
            c.add_working(at(2026, 9, 30, 17, 0), HOUR_MS),
            at(2026, 10, 8, 9, 0)
        );
        // Friday Oct 9 17:00 + 1 h: Saturday Oct 10 is a make-up working day.
        assert_eq!(
            c.add_working(at(2026, 10, 9, 17, 0), HOUR_MS),
            at(2026, 10, 10, 9, 0)
        );
        assert!(c.is_working_day(days_from_civil(2026, 10, 10)));
        assert!(!c.is_working_day(days_from_civil(2026, 10, 1)));
        assert!(!c.is_working_day(days_from_civil(2026, 10, 11)));
    }

    #[test]
    fn elapsed_working_time_mirrors_adding() {
        let c = cal_2026();
        let start = at(2026, 9, 29, 10, 17);
        for hours in [0, 1, 3, 7, 8, 20, 40, 240] {
            let due = c.add_working(start, hours * HOUR_MS);
            assert_eq!(c.working_between(start, due), hours * HOUR_MS, "{hours} h");
        }
        assert_eq!(
            c.working_between(at(2026, 11, 27, 12, 0), at(2026, 11, 27, 14, 0)),
            0
        );
        assert_eq!(c.elapsed(0, 5, Clock::Calendar), 5);
        assert_eq!(c.due(100, 5, Clock::Calendar), 105);
    }

    #[test]
    fn entering_next_year_moves_only_the_deadlines_that_cross_its_holidays() {
        let old = cal_2026();
        let windows = old.windows().to_vec();
        let next = old
            .with_year(
                2027,
                &windows,
                &[
                    ("2027-01-01".to_string(), DayKind::Holiday),
                    ("2027-01-04".to_string(), DayKind::Holiday),
                ],
            )
            .unwrap();
        assert!(next.knows_year(2026) && next.knows_year(2027));
        assert!(!next.is_working_day(days_from_civil(2026, 10, 1)));
        let now = at(2026, 12, 30, 9, 0);
        // 30 working hours from Wednesday 2026-12-30 09:00: the old calendar works Friday
        // 1 January and Monday 4 January; the new one does not, so the deadline moves two
        // working days later — and every hour of it is still working time.
        let started = at(2026, 12, 28, 9, 0);
        let due = old.add_working(started, 40 * HOUR_MS);
        let moved = old
            .moved_due(&next, now, started, due)
            .expect("it crosses 2027-01-01");
        assert!(moved > due);
        assert_eq!(
            next.working_between(now, moved),
            old.working_between(now, due)
        );
        assert_eq!(moved, next.add_working(started, 40 * HOUR_MS));
        // A deadline before the new year, or already passed, stays where it is.
        let short = old.add_working(now, 4 * HOUR_MS);
        assert_eq!(old.moved_due(&next, now, started, short), None);
        assert_eq!(old.moved_due(&next, now, started, now - HOUR_MS), None);
        // Replacing a year drops its old days.
        let cleared = next.with_year(2027, &windows, &[]).unwrap();
        assert!(!cleared.knows_year(2027) && cleared.knows_year(2026));
    }

    #[test]
    fn windows_are_checked() {
        assert!(WorkingCalendar::with_windows(&[]).is_err());
        assert!(WorkingCalendar::with_windows(&[(600, 500)]).is_err());
        assert!(WorkingCalendar::with_windows(&[(500, 700), (650, 900)]).is_err());
        assert!(WorkingCalendar::with_windows(&[(0, 1440)]).is_ok());
        assert_eq!(parse_hhmm("08:30"), Some(510));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("8:30"), None);
        assert_eq!(parse_hhmm("24:30"), None);
        let mut c = WorkingCalendar::default();
        assert!(c.set_day("2026-02-30", DayKind::Holiday).is_err());
    }
}
