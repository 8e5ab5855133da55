//! The pilot's plan (任务清单): key tasks, each owned by a task force, broken into yearly
//! targets with a lead unit, partner units, a weight, a due day in the year and milestones —
//! given by day, or by working days before the due day (倒排工期) and scheduled on the
//! calendar. Progress is reported by the target's units: the lead moves the percentage and
//! completes milestones; partners report what they did. Checked here field by field.

use super::target::{back_from, milestone_state, roll_up, MilestoneState};
use super::{bad, code, text};
use crate::calendar::WorkingCalendar;
use crate::time::{civil_from_days, days_from_civil};
use crate::DomainError;

/// Most targets a task holds and milestones a target holds.
pub const MAX_MILESTONES: usize = 24;
/// Most partner units a target names.
pub const MAX_PARTNERS: usize = 30;
/// A milestone due within this many working days warns yellow (临近到期).
pub const WARN_WORKING_DAYS: u32 = 5;

fn checked_weight(field: &str, w: f64) -> Result<f64, DomainError> {
    if !(w.is_finite() && w > 0.0 && w <= 100.0) {
        return Err(bad(
            field,
            "more than 0, at most 100",
            "权重应大于 0、不超过 100",
        ));
    }
    Ok(w)
}

/// The first and last day (days since 1970-01-01) of a year.
pub fn year_days(year: i32) -> (i64, i64) {
    (
        days_from_civil(year as i64, 1, 1),
        days_from_civil(year as i64, 12, 31),
    )
}

/// The year a day falls in.
pub fn year_of(day: i64) -> i32 {
    civil_from_days(day).0 as i32
}

/// A key task (重点任务) of a year, owned by a task force.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskDraft {
    pub year: i32,
    pub code: String,
    pub title: String,
    pub task_force: String,
}

impl TaskDraft {
    /// Trimmed and checked; `is_task_force` says whether a group code is a task force.
    pub fn check(self, is_task_force: &dyn Fn(&str) -> bool) -> Result<TaskDraft, DomainError> {
        if !(2000..=2100).contains(&self.year) {
            return Err(bad(
                "year",
                "a year from 2000 to 2100",
                "年度应在 2000 至 2100 之间",
            ));
        }
        let code = code("code", &self.code)?;
        let task_force = self.task_force.trim().to_string();
        if !is_task_force(&task_force) {
            return Err(bad(
                "task_force",
                format!("no task force {task_force:?} in the organisation"),
                "组织架构中没有这个专项工作组",
            ));
        }
        Ok(TaskDraft {
            year: self.year,
            title: text("title", &self.title, 200, "任务名称")?,
            code,
            task_force,
        })
    }
}

/// When a milestone is due: on a day, or a number of working days before the target's due day.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    On(i64),
    WorkingDaysBefore(u32),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneDraft {
    pub title: String,
    pub when: When,
    pub weight: f64,
}

/// A milestone as planned: its day resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedMilestone {
    pub title: String,
    pub due: i64,
    pub weight: f64,
}

/// A yearly target of a task.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetDraft {
    pub title: String,
    pub lead_unit: String,
    pub partners: Vec<String>,
    pub weight: f64,
    pub due: i64,
    pub milestones: Vec<MilestoneDraft>,
}

/// A target checked, its milestones scheduled and in day order.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedTarget {
    pub title: String,
    pub lead_unit: String,
    pub partners: Vec<String>,
    pub weight: f64,
    pub due: i64,
    pub milestones: Vec<PlannedMilestone>,
}

impl TargetDraft {
    /// Checked against the task's year: the due day in the year, each milestone on or before
    /// it and not before the year (a reverse-scheduled one on the working calendar), units
    /// that exist, partners distinct and not the lead.
    pub fn check(
        self,
        year: i32,
        known_unit: &dyn Fn(&str) -> bool,
        cal: &WorkingCalendar,
    ) -> Result<PlannedTarget, DomainError> {
        let title = text("title", &self.title, 200, "目标名称")?;
        let lead_unit = self.lead_unit.trim().to_string();
        if !known_unit(&lead_unit) {
            return Err(bad(
                "lead_unit",
                format!("no unit {lead_unit:?}"),
                "没有这个牵头单位",
            ));
        }
        if self.partners.len() > MAX_PARTNERS {
            return Err(bad(
                "partners",
                format!("at most {MAX_PARTNERS}"),
                format!("配合单位最多 {MAX_PARTNERS} 个"),
            ));
        }
        let mut partners: Vec<String> = Vec::with_capacity(self.partners.len());
        for (i, p) in self.partners.iter().enumerate() {
            let p = p.trim();
            let field = format!("partners[{i}]");
            if !known_unit(p) {
                return Err(bad(&field, format!("no unit {p:?}"), "没有这个配合单位"));
            }
            if p == lead_unit {
                return Err(bad(
                    &field,
                    "the lead unit is not its own partner",
                    "牵头单位不能同时是配合单位",
                ));
            }
            if partners.iter().any(|x| x == p) {
                return Err(bad(&field, format!("{p} twice"), "配合单位重复"));
            }
            partners.push(p.to_string());
        }
        let weight = checked_weight("weight", self.weight)?;
        let (first, last) = year_days(year);
        if !(first..=last).contains(&self.due) {
            return Err(bad(
                "due",
                format!("a day in {year}"),
                format!("完成时限应在 {year} 年内"),
            ));
        }
        if self.milestones.is_empty() || self.milestones.len() > MAX_MILESTONES {
            return Err(bad(
                "milestones",
                format!("1 to {MAX_MILESTONES} milestones"),
                format!("节点为 1 至 {MAX_MILESTONES} 个"),
            ));
        }
        let mut milestones = Vec::with_capacity(self.milestones.len());
        for (i, m) in self.milestones.iter().enumerate() {
            let field = |f: &str| format!("milestones[{i}].{f}");
            let due = match m.when {
                When::On(day) => day,
                When::WorkingDaysBefore(n) => back_from(self.due, n, cal),
            };
            let at = field(match m.when {
                When::On(_) => "due",
                When::WorkingDaysBefore(_) => "working_days_before",
            });
            if due > self.due {
                return Err(bad(
                    &at,
                    "on or before the target's due day",
                    "节点时间不能晚于目标完成时限",
                ));
            }
            if due < first {
                return Err(bad(
                    &at,
                    format!("a day in {year}"),
                    format!("节点时间应在 {year} 年内"),
                ));
            }
            milestones.push(PlannedMilestone {
                title: text(&field("title"), &m.title, 100, "节点名称")?,
                due,
                weight: checked_weight(&field("weight"), m.weight)?,
            });
        }
        milestones.sort_by_key(|m| m.due);
        Ok(PlannedTarget {
            title,
            lead_unit,
            partners,
            weight,
            due: self.due,
            milestones,
        })
    }
}

/// A unit's part in a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Lead,
    Partner,
    None,
}

/// What a unit reports on a target: a note with its evidence, and from the lead unit the new
/// percentage and the milestones now done.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressDraft {
    pub note: String,
    pub percent: Option<f64>,
    pub milestones_done: Vec<usize>,
}

/// The report checked against the reporter's part and the milestones (indexes into the
/// target's, in day order; `done` says which are done already).
pub fn check_progress(
    p: ProgressDraft,
    part: Part,
    done: &[bool],
) -> Result<ProgressDraft, DomainError> {
    if part == Part::None {
        return Err(DomainError::new(
            crate::ErrorCode::Forbidden,
            "only the target's lead and partner units report on it",
        )
        .zh("只有牵头单位和配合单位报送进展"));
    }
    let note = text("note", &p.note, 2000, "进展说明")?;
    if part == Part::Partner && (p.percent.is_some() || !p.milestones_done.is_empty()) {
        return Err(bad(
            if p.percent.is_some() { "percent" } else { "milestones_done" },
            "the lead unit moves the percentage and completes milestones; partners report what they did",
            "完成进度和节点由牵头单位报送，配合单位报送配合情况",
        ));
    }
    if let Some(pc) = p.percent {
        if !(pc.is_finite() && (0.0..=100.0).contains(&pc)) {
            return Err(bad("percent", "0 to 100", "完成进度应在 0 至 100 之间"));
        }
    }
    let mut milestones_done = Vec::with_capacity(p.milestones_done.len());
    for (i, m) in p.milestones_done.iter().enumerate() {
        let field = format!("milestones_done[{i}]");
        match done.get(*m) {
            None => return Err(bad(&field, format!("no milestone {m}"), "没有这个节点")),
            Some(true) => return Err(bad(&field, "already done", "该节点已完成")),
            Some(false) if milestones_done.contains(m) => {
                return Err(bad(&field, "twice", "节点重复"))
            }
            Some(false) => milestones_done.push(*m),
        }
    }
    Ok(ProgressDraft {
        note,
        percent: p.percent,
        milestones_done,
    })
}

crate::vocabulary!(
    /// Where a target stands: the worst of its milestones, or done.
    TargetState, TARGET_STATES {
        Done = ("done", "已完成"),
        Late = ("late", "滞后"),
        DueSoon = ("due_soon", "临近节点"),
        OnTrack = ("on_track", "正常推进"),
    }
);

impl TargetState {
    /// The wall chart's warning colour: red for late, yellow for due soon.
    pub fn light(self) -> Option<&'static str> {
        match self {
            TargetState::Late => Some("red"),
            TargetState::DueSoon => Some("yellow"),
            _ => None,
        }
    }
}

/// A milestone as kept: its day and the day it was done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MilestoneFacts {
    pub due: i64,
    pub done_on: Option<i64>,
    pub weight: f64,
}

/// Each milestone's state today and the target's.
pub fn target_state(
    milestones: &[MilestoneFacts],
    percent: f64,
    today: i64,
    cal: &WorkingCalendar,
) -> (Vec<MilestoneState>, TargetState) {
    let states: Vec<MilestoneState> = milestones
        .iter()
        .map(|m| milestone_state(m.due, m.done_on, today, WARN_WORKING_DAYS, cal))
        .collect();
    let all_done = milestones.iter().all(|m| m.done_on.is_some());
    let state = if all_done && percent >= 100.0 {
        TargetState::Done
    } else if states.contains(&MilestoneState::Late) {
        TargetState::Late
    } else if states.contains(&MilestoneState::DueSoon) {
        TargetState::DueSoon
    } else {
        TargetState::OnTrack
    };
    (states, state)
}

/// The share of a target's milestones done, by their weights (0–100).
pub fn milestone_progress(milestones: &[MilestoneFacts]) -> f64 {
    let parts: Vec<(f64, f64)> = milestones
        .iter()
        .map(|m| (m.weight, if m.done_on.is_some() { 100.0 } else { 0.0 }))
        .collect();
    roll_up(&parts)
}
