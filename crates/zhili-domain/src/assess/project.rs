//! The pilot's project ledger (项目台账): innovation projects and key projects, each under one
//! of the programmes (the seed's 六大工程, kept in the organisation as data), with a lead unit,
//! a budget, a period and milestones; the lead unit reports spending, milestones reached and
//! the project's status, and the ledger says what is late, over budget or spending behind
//! its time.

use super::site::in_plan_range;
use super::{bad, code, text};
use crate::DomainError;
use serde::{Deserialize, Serialize};

crate::vocabulary!(
    /// Innovation projects (创新项目) and the key projects of the five-year plan (重点项目).
    ProjectKind, PROJECT_KINDS {
        Innovation = ("innovation", "创新项目"),
        Key = ("key", "重点项目"),
    }
);

crate::vocabulary!(
    /// Where a project stands.
    ProjectStatus, PROJECT_STATUSES {
        Planned = ("planned", "谋划中"),
        Underway = ("underway", "实施中"),
        Suspended = ("suspended", "暂停"),
        Completed = ("completed", "已完工"),
        InUse = ("in_use", "已投用"),
    }
);

impl ProjectStatus {
    /// The moves a report may make (staying where it is is always allowed).
    pub fn may_become(self, next: ProjectStatus) -> bool {
        use ProjectStatus::*;
        self == next
            || matches!(
                (self, next),
                (Planned, Underway)
                    | (Underway, Suspended)
                    | (Suspended, Underway)
                    | (Underway, Completed)
                    | (Completed, InUse)
            )
    }

    /// Still to be finished.
    pub fn open(self) -> bool {
        matches!(
            self,
            ProjectStatus::Planned | ProjectStatus::Underway | ProjectStatus::Suspended
        )
    }
}

/// One of the pilot's programmes (工程): the ledger's grouping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub code: String,
    pub name: String,
}

/// Most programmes a plan holds.
pub const MAX_PROGRAMMES: usize = 20;
/// The largest budget or spending one project may state, in yuan (¥10 bn).
pub const MAX_YUAN: i64 = 10_000_000_000;
/// Most milestones of one project.
pub const MAX_MILESTONES: usize = 24;
/// Most reports one project keeps (monthly over twenty years).
pub const MAX_REPORTS: usize = 240;
/// Spending this far behind the time elapsed (a share of the budget) is lagging.
pub const LAG: f64 = 0.25;

/// Programmes checked: codes well formed and unique, names written.
pub fn check_programmes(programmes: &[Programme]) -> Result<Vec<Programme>, DomainError> {
    if programmes.len() > MAX_PROGRAMMES {
        return Err(bad(
            "programmes",
            format!("at most {MAX_PROGRAMMES}"),
            format!("最多 {MAX_PROGRAMMES} 项工程"),
        ));
    }
    let mut out: Vec<Programme> = Vec::with_capacity(programmes.len());
    for (i, p) in programmes.iter().enumerate() {
        let code = code(&format!("programmes[{i}].code"), &p.code)?;
        if out.iter().any(|o| o.code == code) {
            return Err(bad(
                &format!("programmes[{i}].code"),
                format!("{code} twice"),
                "编号重复",
            ));
        }
        let name = text(&format!("programmes[{i}].name"), &p.name, 30, "工程名称")?;
        out.push(Programme { code, name });
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectMilestone {
    pub title: String,
    pub due: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProjectDraft {
    pub code: String,
    pub title: String,
    pub kind: ProjectKind,
    pub programme: String,
    pub lead_unit: String,
    pub budget_yuan: i64,
    pub starts_on: i64,
    pub ends_on: i64,
    /// Titles and due days.
    pub milestones: Vec<(String, i64)>,
}

fn yuan(field: &str, v: i64) -> Result<i64, DomainError> {
    if !(0..=MAX_YUAN).contains(&v) {
        return Err(bad(
            field,
            format!("0 to {MAX_YUAN} yuan"),
            "金额应为 0 至 100 亿元",
        ));
    }
    Ok(v)
}

impl ProjectDraft {
    /// Checked: code, title, a programme of the plan and a known unit; a budget within
    /// bounds; a period in order; milestones within the period, in order of their days.
    pub fn check(
        self,
        known_programme: &dyn Fn(&str) -> bool,
        known_unit: &dyn Fn(&str) -> bool,
    ) -> Result<(ProjectDraft, Vec<ProjectMilestone>), DomainError> {
        let code = code("code", &self.code)?;
        let title = text("title", &self.title, 80, "项目名称")?;
        if !known_programme(self.programme.trim()) {
            return Err(bad(
                "programme",
                "a programme of the plan",
                "不是试点的工程",
            ));
        }
        if !known_unit(self.lead_unit.trim()) {
            return Err(bad("lead_unit", "no such unit", "没有这个单位"));
        }
        yuan("budget_yuan", self.budget_yuan)?;
        if !in_plan_range(self.starts_on) {
            return Err(bad(
                "starts_on",
                "a day of 2000–2099",
                "日期应在 2000 至 2099 年",
            ));
        }
        if !in_plan_range(self.ends_on) || self.ends_on < self.starts_on {
            return Err(bad(
                "ends_on",
                "on or after the start, before 2100",
                "完成日期应不早于开始日期",
            ));
        }
        if self.milestones.len() > MAX_MILESTONES {
            return Err(bad(
                "milestones",
                format!("at most {MAX_MILESTONES}"),
                format!("最多 {MAX_MILESTONES} 个节点"),
            ));
        }
        let mut milestones = Vec::with_capacity(self.milestones.len());
        for (i, (t, due)) in self.milestones.iter().enumerate() {
            let title = text(&format!("milestones[{i}].title"), t, 60, "节点名称")?;
            let after_last = milestones
                .last()
                .is_none_or(|m: &ProjectMilestone| m.due <= *due);
            if *due < self.starts_on || *due > self.ends_on || !after_last {
                return Err(bad(
                    &format!("milestones[{i}].due"),
                    "within the period, in order",
                    "节点日期应在项目周期内并按先后排列",
                ));
            }
            milestones.push(ProjectMilestone {
                title,
                due: *due,
                done_on: None,
            });
        }
        Ok((
            ProjectDraft {
                code,
                title,
                programme: self.programme.trim().to_string(),
                lead_unit: self.lead_unit.trim().to_string(),
                ..self
            },
            milestones,
        ))
    }
}

/// What a project's lead reports: spending since the last report, milestones reached, the
/// status now, and a note.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectReport {
    pub spent_yuan: i64,
    pub milestones_done: Vec<usize>,
    pub status: ProjectStatus,
    pub note: String,
}

/// A project as a report finds it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectState {
    pub status: ProjectStatus,
    pub spent_yuan: i64,
    pub milestones: Vec<ProjectMilestone>,
    pub reports: usize,
}

impl ProjectReport {
    /// The project after the report made on `today`, or the field at fault: the spending
    /// within bounds (its total too), each milestone reached once, a move the status may
    /// make, finished only with every milestone reached.
    pub fn apply(self, before: &ProjectState, today: i64) -> Result<ProjectState, DomainError> {
        if before.reports >= MAX_REPORTS {
            return Err(bad(
                "note",
                format!("at most {MAX_REPORTS} reports a project"),
                format!("每个项目最多 {MAX_REPORTS} 次报告"),
            ));
        }
        yuan("spent_yuan", self.spent_yuan)?;
        let spent_yuan = yuan("spent_yuan", before.spent_yuan + self.spent_yuan)?;
        let mut milestones = before.milestones.clone();
        for (i, &m) in self.milestones_done.iter().enumerate() {
            let field = format!("milestones_done[{i}]");
            match milestones.get_mut(m) {
                Some(ms) if ms.done_on.is_none() => ms.done_on = Some(today),
                Some(_) => return Err(bad(&field, "already reached", "该节点已完成")),
                None => return Err(bad(&field, "no such milestone", "没有这个节点")),
            }
        }
        if !before.status.may_become(self.status) {
            return Err(bad(
                "status",
                format!(
                    "a project {} cannot become {}",
                    before.status.as_str(),
                    self.status.as_str()
                ),
                format!(
                    "项目{}时不能改为{}",
                    before.status.label_zh(),
                    self.status.label_zh()
                ),
            ));
        }
        if !self.status.open() && milestones.iter().any(|m| m.done_on.is_none()) {
            return Err(bad(
                "status",
                "finished once every milestone is reached",
                "节点全部完成后方可完工",
            ));
        }
        text("note", &self.note, 500, "进展说明")?;
        Ok(ProjectState {
            status: self.status,
            spent_yuan,
            milestones,
            reports: before.reports + 1,
        })
    }
}

/// How a project stands on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    /// Spent of the budget (0 when there is none).
    pub spent_share: f64,
    /// Of the period gone by (0 before it starts, 1 after it ends).
    pub elapsed_share: f64,
    pub late_milestones: usize,
    pub over_budget: bool,
    /// Spending behind the time gone by by more than `LAG` while the project is under way.
    pub lagging: bool,
    /// Past its end and not finished.
    pub overdue: bool,
}

pub fn standing(
    budget_yuan: i64,
    spent_yuan: i64,
    starts_on: i64,
    ends_on: i64,
    status: ProjectStatus,
    milestones: &[ProjectMilestone],
    today: i64,
) -> Standing {
    let spent_share = if budget_yuan > 0 {
        spent_yuan as f64 / budget_yuan as f64
    } else {
        0.0
    };
    let length = (ends_on - starts_on + 1).max(1) as f64;
    let elapsed_share = ((today - starts_on) as f64 / length).clamp(0.0, 1.0);
    Standing {
        spent_share,
        elapsed_share,
        late_milestones: milestones
            .iter()
            .filter(|m| m.done_on.is_none() && m.due < today)
            .count(),
        over_budget: spent_yuan > budget_yuan,
        lagging: status == ProjectStatus::Underway
            && budget_yuan > 0
            && elapsed_share - spent_share > LAG,
        overdue: status.open() && today > ends_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::days_from_civil;

    fn draft() -> ProjectDraft {
        ProjectDraft {
            code: "ZD-01".into(),
            title: "区矛盾纠纷多元化解中心".into(),
            kind: ProjectKind::Key,
            programme: "P5".into(),
            lead_unit: "D05".into(),
            budget_yuan: 38_000_000,
            starts_on: days_from_civil(2026, 1, 1),
            ends_on: days_from_civil(2026, 12, 31),
            milestones: vec![
                ("完成设计".into(), days_from_civil(2026, 3, 31)),
                ("主体完工".into(), days_from_civil(2026, 9, 30)),
            ],
        }
    }

    #[test]
    fn a_project_has_a_programme_a_lead_a_budget_and_milestones_in_its_period() {
        let programme = |p: &str| p == "P5";
        let unit = |u: &str| u == "D05";
        let check = |d: ProjectDraft| d.check(&programme, &unit);
        let (_, ms) = check(draft()).unwrap();
        assert_eq!(ms.len(), 2);
        let field = |d: ProjectDraft| check(d).unwrap_err().field;
        let mut d = draft();
        d.budget_yuan = -1;
        assert_eq!(field(d).as_deref(), Some("budget_yuan"));
        let mut d = draft();
        d.budget_yuan = MAX_YUAN + 1;
        assert_eq!(field(d).as_deref(), Some("budget_yuan"));
        let mut d = draft();
        d.ends_on = d.starts_on - 1;
        assert_eq!(field(d).as_deref(), Some("ends_on"));
        let mut d = draft();
        d.milestones[1].1 = days_from_civil(2027, 1, 5);
        assert_eq!(field(d).as_deref(), Some("milestones[1].due"));
        let mut d = draft();
        d.milestones.swap(0, 1);
        assert_eq!(field(d).as_deref(), Some("milestones[1].due"), "in order");
        let mut d = draft();
        d.programme = "P7".into();
        assert_eq!(field(d).as_deref(), Some("programme"));
        let mut d = draft();
        d.lead_unit = "D99".into();
        assert_eq!(field(d).as_deref(), Some("lead_unit"));
        let mut d = draft();
        d.milestones = vec![("节点".into(), d.starts_on); MAX_MILESTONES + 1];
        assert_eq!(field(d).as_deref(), Some("milestones"));
    }

    #[test]
    fn reports_add_spending_reach_milestones_once_and_finish_only_when_all_are_reached() {
        let (_, milestones) = draft().check(&|_| true, &|_| true).unwrap();
        let before = ProjectState {
            status: ProjectStatus::Planned,
            spent_yuan: 0,
            milestones,
            reports: 0,
        };
        let today = days_from_civil(2026, 4, 2);
        let report = |spent, done: Vec<usize>, status| ProjectReport {
            spent_yuan: spent,
            milestones_done: done,
            status,
            note: "设计完成，进场施工".into(),
        };
        let after = report(5_000_000, vec![0], ProjectStatus::Underway)
            .apply(&before, today)
            .unwrap();
        assert_eq!(after.spent_yuan, 5_000_000);
        assert_eq!(after.milestones[0].done_on, Some(today));
        assert_eq!(after.reports, 1);
        let field = |r: ProjectReport, s: &ProjectState| r.apply(s, today).unwrap_err().field;
        assert_eq!(
            field(report(0, vec![0], ProjectStatus::Underway), &after).as_deref(),
            Some("milestones_done[0]"),
            "reached once"
        );
        assert_eq!(
            field(report(0, vec![5], ProjectStatus::Underway), &after).as_deref(),
            Some("milestones_done[0]")
        );
        assert_eq!(
            field(report(0, vec![], ProjectStatus::Completed), &after).as_deref(),
            Some("status"),
            "a milestone is still open"
        );
        assert_eq!(
            field(report(0, vec![], ProjectStatus::InUse), &before).as_deref(),
            Some("status"),
            "planned to in use in one step"
        );
        assert_eq!(
            field(report(-5, vec![], ProjectStatus::Underway), &after).as_deref(),
            Some("spent_yuan")
        );
        assert_eq!(
            field(report(MAX_YUAN, vec![], ProjectStatus::Underway), &after).as_deref(),
            Some("spent_yuan"),
            "the total is bounded too"
        );
        let done = report(1_000_000, vec![1], ProjectStatus::Completed)
            .apply(&after, today)
            .unwrap();
        assert_eq!(done.status, ProjectStatus::Completed);
        let full = ProjectState {
            reports: MAX_REPORTS,
            ..after
        };
        assert_eq!(
            field(report(0, vec![], ProjectStatus::Underway), &full).as_deref(),
            Some("note")
        );
    }

    #[test]
    fn the_ledger_flags_late_milestones_overspending_lagging_spending_and_overdue_projects() {
        let (d, ms) = draft().check(&|_| true, &|_| true).unwrap();
        let mid = days_from_civil(2026, 10, 1);
        let s = standing(
            d.budget_yuan,
            3_800_000,
            d.starts_on,
            d.ends_on,
            ProjectStatus::Underway,
            &ms,
            mid,
        );
        assert_eq!(s.late_milestones, 2);
        assert!((s.spent_share - 0.1).abs() < 1e-9);
        assert!(s.elapsed_share > 0.74 && s.elapsed_share < 0.76);
        assert!(s.lagging && !s.over_budget && !s.overdue);
        let s = standing(
            100,
            120,
            d.starts_on,
            d.ends_on,
            ProjectStatus::Completed,
            &[],
            mid,
        );
        assert!(s.over_budget && !s.lagging);
        let s = standing(
            100,
            10,
            d.starts_on,
            d.ends_on,
            ProjectStatus::Suspended,
            &[],
            days_from_civil(2027, 1, 2),
        );
        assert!(
            s.overdue && !s.lagging,
            "a suspended project is not lagging in its spending"
        );
        let s = standing(
            0,
            0,
            d.starts_on,
            d.ends_on,
            ProjectStatus::Underway,
            &[],
            mid,
        );
        assert_eq!(s.spent_share, 0.0);
        assert!(!s.lagging);
        assert_eq!(
            check_programmes(&[
                Programme {
                    code: "P1".into(),
                    name: "党建引领".into()
                },
                Programme {
                    code: "P1".into(),
                    name: "社会共治".into()
                }
            ])
            .unwrap_err()
            .field
            .as_deref(),
            Some("programmes[1].code")
        );
    }
}
