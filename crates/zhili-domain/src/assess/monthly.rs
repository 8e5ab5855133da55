//! A unit's monthly report (月度工作报告) on its part of the pilot: drafted from the month's
//! progress on its targets and the system's figures, edited and submitted by the unit by the
//! fifth working day of the next month; the pilot office may return a submitted report with a
//! reason, and the unit submits it again. Submitted, it is frozen with the figures it was
//! drafted from.

use super::{bad, text};
use crate::calendar::WorkingCalendar;
use crate::DomainError;

/// The longest section of a report.
pub const MAX_SECTION: usize = 5000;
/// Reports are due by this working day of the next month.
pub const DUE_WORKING_DAY: u32 = 5;

pub use crate::time::Month;

impl Month {
    /// The day the report on this month is due: the fifth working day of the next month on the
    /// calendar (a month of holidays pushes it on).
    pub fn due_day(self, calendar: &WorkingCalendar) -> i64 {
        let mut day = self.end_day();
        let mut counted = 0;
        // A month has at most 31 days; a bound keeps an empty calendar from looping for ever.
        for _ in 0..62 {
            if calendar.is_working_day(day) {
                counted += 1;
                if counted == DUE_WORKING_DAY {
                    return day;
                }
            }
            day += 1;
        }
        day
    }
}

crate::vocabulary!(
    /// Where a month's report stands.
    ReportState, REPORT_STATES {
        Draft = ("draft", "草稿"),
        Submitted = ("submitted", "已报送"),
        Returned = ("returned", "已退回"),
    }
);

/// What a unit writes: what was done, the problems met, the next month's plans.
#[derive(Clone, Debug, PartialEq)]
pub struct Sections {
    pub done: String,
    pub problems: String,
    pub next: String,
}

impl Sections {
    /// Each section 1 to 5,000 characters, trimmed.
    pub fn check(self) -> Result<Sections, DomainError> {
        Ok(Sections {
            done: text("done", &self.done, MAX_SECTION, "本月工作完成情况")?,
            problems: text("problems", &self.problems, MAX_SECTION, "存在的问题")?,
            next: text("next", &self.next, MAX_SECTION, "下月工作计划")?,
        })
    }
}

/// What is done to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportStep {
    /// The unit keeps its draft.
    Save,
    /// The unit sends it to the pilot office.
    Submit,
    /// The pilot office sends a submitted report back for revision.
    Return,
}

/// The state after `step` from `from` (None: no report kept yet), or the refusal: a month not
/// yet ended is not reported on; a submitted report is the office's to return, not the unit's to
/// change; only a submitted report is returned.
pub fn next_state(
    from: Option<ReportState>,
    step: ReportStep,
    month: Month,
    today: i64,
) -> Result<ReportState, DomainError> {
    if month.end_day() > today && step != ReportStep::Return {
        return Err(bad(
            "month",
            format!("{} has not ended", month.as_string()),
            "月份尚未结束，不能报送本月报告",
        ));
    }
    use ReportState::*;
    match (from, step) {
        (None | Some(Draft) | Some(Returned), ReportStep::Save) => Ok(from.unwrap_or(Draft)),
        (None | Some(Draft) | Some(Returned), ReportStep::Submit) => Ok(Submitted),
        (Some(Submitted), ReportStep::Return) => Ok(Returned),
        (Some(Submitted), _) => Err(DomainError::new(
            crate::ErrorCode::Conflict,
            "the report is submitted; the pilot office may return it for revision",
        )
        .zh("报告已报送，如需修改请试点办退回")),
        (_, ReportStep::Return) => Err(DomainError::new(
            crate::ErrorCode::Conflict,
            "only a submitted report is returned",
        )
        .zh("只有已报送的报告可以退回")),
    }
}

/// A reason for returning a report: 1 to 2,000 characters.
pub fn return_reason(raw: &str) -> Result<String, DomainError> {
    text("reason", raw, 2000, "退回理由")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayKind;
    use crate::time::days_from_civil;

    #[test]
    fn a_month_parses_strictly_and_knows_its_days() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.as_string(), "2026-11");
        assert_eq!(m.first_day(), days_from_civil(2026, 11, 1));
        assert_eq!(m.end_day(), days_from_civil(2026, 12, 1));
        assert_eq!(
            Month::parse("2026-12").unwrap().next(),
            Month {
                year: 2027,
                month: 1
            }
        );
        for bad in [
            "2026-13", "2026-1", "26-11", "2026/11", "+026-11", "1999-12", "2026-00", "",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Month::of_day(days_from_civil(2026, 2, 28)),
            Month {
                year: 2026,
                month: 2
            }
        );
    }

    #[test]
    fn a_report_is_due_on_the_fifth_working_day_after_the_month() {
        let mut calendar = WorkingCalendar::default();
        // 2026-10-01 is a Thursday; the National Day holiday runs to the 8th.
        for d in 1..=8 {
            calendar
                .set_day(&format!("2026-10-{d:02}"), DayKind::Holiday)
                .unwrap();
        }
        let sept = Month::parse("2026-09").unwrap();
        assert_eq!(sept.due_day(&calendar), days_from_civil(2026, 10, 15));
        let oct = Month::parse("2026-10").unwrap();
        // November 2026: Sunday the 1st, so Monday 2nd to Friday 6th.
        assert_eq!(oct.due_day(&calendar), days_from_civil(2026, 11, 6));
    }

    #[test]
    fn a_report_is_saved_submitted_returned_and_submitted_again() {
        use ReportState::*;
        let m = Month::parse("2026-10").unwrap();
        let today = days_from_civil(2026, 11, 3);
        assert_eq!(next_state(None, ReportStep::Save, m, today).unwrap(), Draft);
        assert_eq!(
            next_state(Some(Draft), ReportStep::Submit, m, today).unwrap(),
            Submitted
        );
        let locked = next_state(Some(Submitted), ReportStep::Save, m, today).unwrap_err();
        assert_eq!(locked.code, crate::ErrorCode::Conflict);
        assert_eq!(
            next_state(Some(Submitted), ReportStep::Return, m, today).unwrap(),
            Returned
        );
        assert_eq!(
            next_state(Some(Returned), ReportStep::Save, m, today).unwrap(),
            Returned
        );
        assert_eq!(
            next_state(Some(Returned), ReportStep::Submit, m, today).unwrap(),
            Submitted
        );
        assert!(next_state(Some(Draft), ReportStep::Return, m, today).is_err());
        // November is not over on the 3rd.
        let nov = Month::parse("2026-11").unwrap();
        let early = next_state(None, ReportStep::Save, nov, today).unwrap_err();
        assert_eq!(early.field.as_deref(), Some("month"));
    }

    #[test]
    fn every_section_is_written() {
        let s = Sections {
            done: " 完成服务点建设 ".into(),
            problems: "经费不足".into(),
            next: "推进验收".into(),
        };
        assert_eq!(s.clone().check().unwrap().done, "完成服务点建设");
        let empty = Sections {
            problems: "  ".into(),
            ..s
        };
        assert_eq!(
            empty.check().unwrap_err().field.as_deref(),
            Some("problems")
        );
    }
}
