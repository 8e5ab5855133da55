//! Quarterly inspections (季度督查): the pilot office inspects the units' work and each finding
//! becomes a rectification (整改) — a target of the inspection's own task, owned by the unit at
//! fault, due by its deadline, reported on and warned about like every other target.

use super::{bad, text};
use crate::DomainError;

/// Most findings one inspection records.
pub const MAX_FINDINGS: usize = 100;
/// The longest a rectification may be given (days after the inspection).
pub const MAX_RECTIFICATION_DAYS: i64 = 366;

/// A finding: what is wrong, the unit that puts it right and by when.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub text: String,
    pub unit: String,
    pub due: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InspectionDraft {
    pub year: i32,
    pub quarter: u8,
    pub title: String,
    /// The day it was held.
    pub held_on: i64,
    pub inspectors: String,
    pub summary: String,
    pub findings: Vec<Finding>,
}

/// The quarter (1–4) a day of the year falls in.
pub fn quarter_of(day: i64) -> u8 {
    let (_, month, _) = crate::time::civil_from_days(day);
    ((month - 1) / 3 + 1) as u8
}

/// Work put on units by an inspection or a meeting (`field`: `findings`, `decisions`): at most
/// a hundred, each with its unit (that exists), text and a deadline after `held_on`, within a
/// year of it.
pub(crate) fn check_findings(
    list: Vec<Finding>,
    field: &str,
    held_on: i64,
    known_unit: &dyn Fn(&str) -> bool,
) -> Result<Vec<Finding>, DomainError> {
    if list.len() > MAX_FINDINGS {
        return Err(bad(
            field,
            format!("at most {MAX_FINDINGS}"),
            format!("最多 {MAX_FINDINGS} 条"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, f) in list.into_iter().enumerate() {
        let at = |x: &str| format!("{field}[{i}].{x}");
        let unit = f.unit.trim().to_string();
        if !known_unit(&unit) {
            return Err(bad(
                &at("unit"),
                format!("no unit {unit:?}"),
                "没有这个责任单位",
            ));
        }
        if f.due <= held_on || f.due > held_on + MAX_RECTIFICATION_DAYS {
            return Err(bad(
                &at("due"),
                "after the day held, within a year of it",
                "完成时限应在召开（开展）之后、一年之内",
            ));
        }
        out.push(Finding {
            text: text(&at("text"), &f.text, 200, "事项内容")?,
            unit,
            due: f.due,
        });
    }
    Ok(out)
}

impl InspectionDraft {
    /// Checked: held in its year's quarter and not after `today`; each finding with its unit
    /// (that exists), text and a deadline after the inspection, within a year of it.
    pub fn check(
        self,
        today: i64,
        known_unit: &dyn Fn(&str) -> bool,
    ) -> Result<InspectionDraft, DomainError> {
        if !(1..=4).contains(&self.quarter) {
            return Err(bad("quarter", "1 to 4", "季度为 1 至 4"));
        }
        if super::plan::year_of(self.held_on) != self.year
            || quarter_of(self.held_on) != self.quarter
        {
            return Err(bad(
                "held_on",
                format!("a day of {} Q{}", self.year, self.quarter),
                format!("督查日期应在 {} 年第 {} 季度内", self.year, self.quarter),
            ));
        }
        if self.held_on > today {
            return Err(bad(
                "held_on",
                "an inspection is recorded once it is held",
                "督查须在开展后登记",
            ));
        }
        let findings = check_findings(self.findings, "findings", self.held_on, known_unit)?;
        Ok(InspectionDraft {
            title: text("title", &self.title, 100, "督查名称")?,
            inspectors: text("inspectors", &self.inspectors, 200, "督查组成员")?,
            summary: text("summary", &self.summary, 5000, "督查情况")?,
            findings,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    fn draft() -> InspectionDraft {
        InspectionDraft {
            year: 2026,
            quarter: 3,
            title: "第三季度督查".into(),
            held_on: days_from_civil(2026, 9, 20),
            inspectors: "试点办、区委督查室".into(),
            summary: "对 29 个专班逐一督查".into(),
            findings: vec![Finding {
                text: "服务点台账不全".into(),
                unit: "D09".into(),
                due: days_from_civil(2026, 10, 20),
            }],
        }
    }

    #[test]
    fn an_inspection_is_held_in_its_quarter_and_its_findings_have_a_later_deadline() {
        let today = days_from_civil(2026, 12, 3);
        let known = |u: &str| u == "D09";
        assert!(draft().check(today, &known).is_ok());
        let field = |d: InspectionDraft| d.check(today, &known).unwrap_err().field;
        let mut d = draft();
        d.held_on = days_from_civil(2026, 10, 2);
        assert_eq!(field(d).as_deref(), Some("held_on"), "not in Q3");
        let mut d = draft();
        d.quarter = 4;
        d.held_on = days_from_civil(2026, 12, 20);
        assert_eq!(field(d).as_deref(), Some("held_on"), "not held yet");
        let mut d = draft();
        d.findings[0].due = d.held_on;
        assert_eq!(field(d).as_deref(), Some("findings[0].due"));
        let mut d = draft();
        d.findings[0].unit = "D99".into();
        assert_eq!(field(d).as_deref(), Some("findings[0].unit"));
        assert_eq!(quarter_of(days_from_civil(2026, 4, 1)), 2);
    }
}
