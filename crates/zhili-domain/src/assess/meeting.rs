//! Work meetings of the pilot (工作例会、调度会): recorded once held, with who chaired them (a
//! leader's account where they have one, for their record), who attended and the minutes; each
//! decision (议定事项) becomes a target of the meeting's own task, owned by the unit charged
//! with it and due by its deadline — reported on and warned about like every target.

use super::inspection::{check_findings, Finding};
use super::{bad, text};
use crate::DomainError;

/// A decision: what is to be done, by which unit, by when.
pub type Decision = Finding;

#[derive(Clone, Debug, PartialEq)]
pub struct MeetingDraft {
    pub year: i32,
    pub title: String,
    pub held_on: i64,
    pub chair: String,
    /// The chair's account, when they have one.
    pub chair_username: Option<String>,
    pub attendees: String,
    pub minutes: String,
    pub decisions: Vec<Decision>,
}

impl MeetingDraft {
    /// Checked: held in its year and not after `today`; the chair's account (if named) exists;
    /// each decision with its unit, text and a deadline after the meeting, within a year.
    pub fn check(
        self,
        today: i64,
        known_unit: &dyn Fn(&str) -> bool,
        known_account: &dyn Fn(&str) -> bool,
    ) -> Result<MeetingDraft, DomainError> {
        if super::plan::year_of(self.held_on) != self.year {
            return Err(bad(
                "held_on",
                format!("a day of {}", self.year),
                format!("会议日期应在 {} 年内", self.year),
            ));
        }
        if self.held_on > today {
            return Err(bad(
                "held_on",
                "a meeting is recorded once it is held",
                "会议须在召开后登记",
            ));
        }
        let chair_username = match self.chair_username.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(u) if known_account(u) => Some(u.to_string()),
            Some(_) => {
                return Err(bad("chair_username", "no such account", "没有这个账号"));
            }
        };
        let decisions = check_findings(self.decisions, "decisions", self.held_on, known_unit)?;
        Ok(MeetingDraft {
            title: text("title", &self.title, 100, "会议名称")?,
            chair: text("chair", &self.chair, 50, "主持人")?,
            attendees: text("attendees", &self.attendees, 500, "参会人员")?,
            minutes: text("minutes", &self.minutes, 5000, "会议纪要")?,
            chair_username,
            decisions,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    fn draft() -> MeetingDraft {
        MeetingDraft {
            year: 2026,
            title: "11 月试点工作调度会".into(),
            held_on: days_from_civil(2026, 11, 20),
            chair: "张明".into(),
            chair_username: Some("district".into()),
            attendees: "各专班牵头单位负责人".into(),
            minutes: "听取各专班进展汇报，研究部署下步工作".into(),
            decisions: vec![Decision {
                text: "12 月底前完成服务点验收".into(),
                unit: "D09".into(),
                due: days_from_civil(2026, 12, 31),
            }],
        }
    }

    #[test]
    fn a_meeting_is_held_in_its_year_chaired_by_a_known_account_and_its_decisions_fall_due_after_it(
    ) {
        let today = days_from_civil(2026, 12, 3);
        let unit = |u: &str| u == "D09";
        let account = |u: &str| u == "district";
        assert!(draft().check(today, &unit, &account).is_ok());
        let field = |d: MeetingDraft| d.check(today, &unit, &account).unwrap_err().field;
        let mut d = draft();
        d.held_on = days_from_civil(2026, 12, 10);
        assert_eq!(field(d).as_deref(), Some("held_on"), "not held yet");
        let mut d = draft();
        d.year = 2025;
        assert_eq!(field(d).as_deref(), Some("held_on"));
        let mut d = draft();
        d.chair_username = Some("nobody".into());
        assert_eq!(field(d).as_deref(), Some("chair_username"));
        let mut d = draft();
        d.decisions[0].unit = "D77".into();
        assert_eq!(field(d).as_deref(), Some("decisions[0].unit"));
        let mut d = draft();
        d.decisions[0].due = d.held_on;
        assert_eq!(field(d).as_deref(), Some("decisions[0].due"));
        let mut d = draft();
        d.minutes = " ".into();
        assert_eq!(field(d).as_deref(), Some("minutes"));
        let mut d = draft();
        d.chair_username = Some(" ".into());
        assert_eq!(
            d.check(today, &unit, &account).unwrap().chair_username,
            None
        );
    }
}
