//! Quarterly inspections (督查): recorded by the pilot office once held, each finding becoming a
//! rectification — a target of the inspection's own task, owned by the unit at fault with one
//! milestone on its deadline — so the unit reports on it and it warns like every target.

use super::{runs_the_pilot, targets, today, TargetView};
use crate::state::AppState;
use crate::usecase::{forbidden, Result};
use zhili_domain::assess::inspection::InspectionDraft;
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
    crate::usecase::assess::publish::refuse_if_closed(state, d.year as i64).await?;
    let now = crate::now_ms();
    let year = d.year as i64;
    let held = state.store.pilot_inspections(year).await?.len();
    let task = TaskRow {
        id: 0,
        year,
        code: format!("DC{}Q{}-{}", d.year, d.quarter, held + 1),
        title: format!("{}整改", d.title),
        // Rectifications belong to no task force: the pilot office follows them.
        task_force: String::new(),
        created_by: user.username.clone(),
        created_at: now,
    };
    let rectifications: Vec<TargetRow> = d
        .findings
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
                title: "整改完成".into(),
                due_day: f.due,
                weight: 1.0,
                done_on: None,
            }],
        })
        .collect();
    let mut row = InspectionRow {
        id: 0,
        year,
        quarter: d.quarter as i64,
        title: d.title.clone(),
        held_on: d.held_on,
        inspectors: d.inspectors,
        summary: d.summary,
        task_id: 0,
        recorded_by: user.username.clone(),
        recorded_at: now,
    };
    let action = user
        .actor()
        .action(now, "pilot.inspection.record", "pilot_inspection:new")
        .opinion(format!("{}：问题 {} 条", d.title, rectifications.len()));
    row.id = state
        .store
        .add_pilot_inspection(&row, &task, &rectifications, action)
        .await?;
    let list = inspections(state, user, d.year).await?;
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
    let all = matches!(super::target_scope(user)?, zhili_store::TargetScope::All);
    let views = targets(state, user, year).await?;
    let rows = state.store.pilot_inspections(year as i64).await?;
    Ok(rows
        .into_iter()
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
