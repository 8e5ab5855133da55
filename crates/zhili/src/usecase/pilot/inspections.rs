//! Quarterly inspections (督查) and work meetings (工作例会): recorded by the pilot office once
//! held, each finding becoming a rectification — and each decision of a meeting a target — of
//! the record's own task, owned by the unit charged with it with one milestone on its deadline,
//! so the unit reports on it and it warns like every target.

use super::{runs_the_pilot, targets, today, TargetView};
use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use zhili_domain::assess::inspection::{Finding, InspectionDraft};
use zhili_domain::assess::meeting::MeetingDraft;
use zhili_domain::user::User;
use zhili_store::{InspectionRow, MilestoneRow, TargetRow, TaskRow};

/// An inspection with the rectifications the reader sees (a unit: its own).
#[derive(Clone, Debug)]
pub struct InspectionView {
    pub row: InspectionRow,
    pub rectifications: Vec<TargetView>,
}

/// An inspection recorded with its findings as rectifications.
pub async fn record(state: &AppState, user: &User, d: InspectionDraft) -> Result<InspectionView> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office records its inspections"));
    }
    let units = super::units(state).await?;
    let d = d.check(today(), &|u| units.contains_key(u))?;
    let held = Held {
        kind: "inspection",
        code: format!("DC{}Q{}", d.year, d.quarter),
        task_title: format!("{}整改", d.title),
        milestone: "整改完成",
        year: d.year,
        quarter: d.quarter as i64,
        title: d.title,
        held_on: d.held_on,
        people: d.inspectors,
        text: d.summary,
        chair: String::new(),
        chair_username: None,
        work: d.findings,
    };
    put(state, user, held).await
}

/// A work meeting recorded with its decisions as targets.
pub async fn record_meeting(
    state: &AppState,
    user: &User,
    d: MeetingDraft,
) -> Result<InspectionView> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office records the work meetings"));
    }
    let units = super::units(state).await?;
    let named: Vec<String> = d
        .chair_username
        .iter()
        .map(|u| u.trim().to_string())
        .collect();
    let accounts = state.store.existing_usernames(&named).await?;
    let d = d.check(today(), &|u| units.contains_key(u), &|u| {
        accounts.iter().any(|a| a == u)
    })?;
    let held = Held {
        kind: "meeting",
        code: format!("HY{}", d.year),
        task_title: format!("{}议定事项", d.title),
        milestone: "落实完成",
        year: d.year,
        quarter: zhili_domain::assess::inspection::quarter_of(d.held_on) as i64,
        title: d.title,
        held_on: d.held_on,
        people: d.attendees,
        text: d.minutes,
        chair: d.chair,
        chair_username: d.chair_username,
        work: d.decisions,
    };
    put(state, user, held).await
}

/// An inspection or a meeting as kept: the work it put on units becomes the targets of its own
/// task, each with one milestone on its deadline.
struct Held {
    kind: &'static str,
    /// The task's code before its number in the year.
    code: String,
    task_title: String,
    milestone: &'static str,
    year: i32,
    quarter: i64,
    title: String,
    held_on: i64,
    people: String,
    text: String,
    chair: String,
    chair_username: Option<String>,
    work: Vec<Finding>,
}

async fn put(state: &AppState, user: &User, h: Held) -> Result<InspectionView> {
    crate::usecase::assess::publish::refuse_if_closed(state, h.year as i64).await?;
    let now = crate::now_ms();
    let year = h.year as i64;
    let before = state.store.pilot_inspections(year).await?.len();
    let task = TaskRow {
        id: 0,
        year,
        code: format!("{}-{}", h.code, before + 1),
        title: h.task_title,
        // This work belongs to no task force: the pilot office follows it.
        task_force: String::new(),
        created_by: user.username.clone(),
        created_at: now,
    };
    let targets: Vec<TargetRow> = h
        .work
        .iter()
        .map(|f| TargetRow {
            id: 0,
            task_id: 0,
            task_code: task.code.clone(),
            task_title: task.title.clone(),
            task_force: String::new(),
            year,
            title: f.text.clone(),
            lead_unit: f.unit.clone(),
            partners: vec![],
            weight: 1.0,
            due_day: f.due,
            percent: 0.0,
            version: 1,
            created_by: user.username.clone(),
            created_at: now,
            updated_at: now,
            milestones: vec![MilestoneRow {
                seq: 0,
                title: h.milestone.into(),
                due_day: f.due,
                weight: 1.0,
                done_on: None,
            }],
        })
        .collect();
    let mut row = InspectionRow {
        id: 0,
        year,
        quarter: h.quarter,
        title: h.title.clone(),
        held_on: h.held_on,
        inspectors: h.people,
        summary: h.text,
        task_id: 0,
        recorded_by: user.username.clone(),
        recorded_at: now,
        kind: h.kind.into(),
        chair: h.chair,
        chair_username: h.chair_username,
    };
    let action = user
        .actor()
        .action(now, &format!("pilot.{}.record", h.kind), "pilot_record:new")
        .opinion(format!("{}：事项 {} 条", h.title, targets.len()));
    row.id = state
        .store
        .add_pilot_inspection(&row, &task, &targets, action)
        .await?;
    let list = held_of(state, user, h.year, h.kind).await?;
    Ok(list
        .into_iter()
        .find(|i| i.row.id == row.id)
        .unwrap_or(InspectionView {
            row,
            rectifications: vec![],
        }))
}

/// A year's inspections the reader sees: all of them for those who read every target; for a
/// unit, those that found something it must put right, with only its rectifications.
pub async fn inspections(state: &AppState, user: &User, year: i32) -> Result<Vec<InspectionView>> {
    held_of(state, user, year, "inspection").await
}

/// A year's work meetings the reader sees, likewise (a unit: those that charged it).
pub async fn meetings(state: &AppState, user: &User, year: i32) -> Result<Vec<InspectionView>> {
    held_of(state, user, year, "meeting").await
}

async fn held_of(
    state: &AppState,
    user: &User,
    year: i32,
    kind: &str,
) -> Result<Vec<InspectionView>> {
    let all = matches!(super::target_scope(user)?, zhili_store::TargetScope::All);
    let views = targets(state, user, year).await?;
    let rows = state.store.pilot_inspections(year as i64).await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.kind == kind)
        .map(|row| InspectionView {
            rectifications: views
                .iter()
                .filter(|v| v.row.task_id == row.task_id)
                .cloned()
                .collect(),
            row,
        })
        .filter(|i| all || !i.rectifications.is_empty())
        .collect())
}
