//! The pilot's plan (试点任务): its organisation ("1+5+29+N") kept by the pilot office as a
//! versioned document, the year's key tasks and their targets with reverse-scheduled
//! milestones, progress reported by the units with evidence (`progress`), and the state of it
//! all — late milestones, the wall chart, the overview (`overview`).

pub mod checklist;
pub mod checklist_sheet;
pub mod inspections;
pub mod leaders;
pub mod ledger;
pub mod ledger_sheet;
pub mod monthly;
pub mod overview;
pub mod progress;

use super::{forbidden, not_found, Result};
use crate::state::AppState;
use std::collections::{HashMap, HashSet};
use zhili_domain::assess::organisation::Organisation;
use zhili_domain::assess::plan::{self, MilestoneDraft, TargetDraft, TaskDraft};
use zhili_domain::assess::{GroupKind, MilestoneState, TargetState};
use zhili_domain::user::User;
use zhili_domain::Role;
use zhili_store::{MilestoneRow, TargetRow, TargetScope, TaskRow};

/// Who runs the plan (sets the organisation, tasks and targets): the pilot office, and the
/// administrator who set the system up.
pub(crate) fn runs_the_pilot(user: &User) -> bool {
    matches!(user.role, Role::PilotOffice | Role::Admin)
}

/// Whether the user acts for `unit` (its own account, not a read-only one): the unit that
/// claims, applies or reports for itself.
pub(crate) fn acts_for(user: &User, unit: &str) -> bool {
    !user.role.read_only() && user.unit_id.as_deref() == Some(unit)
}

/// The one rule of who reads which targets: the pilot office, leaders and the district centre
/// all of them; a department or a town its own (those it leads or partners); nobody else.
pub fn target_scope(user: &User) -> Result<TargetScope> {
    match user.role {
        Role::PilotOffice
        | Role::Leader
        | Role::Admin
        | Role::DistrictCommander
        | Role::DistrictOperator => Ok(TargetScope::All),
        Role::DepartmentHandler | Role::TownOperator => match &user.unit_id {
            Some(u) => Ok(TargetScope::Unit(u.clone())),
            None => Err(forbidden("an account without a unit has no targets")),
        },
        Role::VillageOperator | Role::GridWorker | Role::GridLeader => Err(forbidden(
            "the pilot's targets are read by the district, the departments and the towns",
        )),
    }
}

/// The organisation in force and where it stands (version 0: none kept yet).
#[derive(Clone, Debug)]
pub struct OrganisationInForce {
    pub organisation: Option<Organisation>,
    pub version: i64,
}

pub async fn organisation(state: &AppState) -> Result<OrganisationInForce> {
    let Some((version, text)) = state.store.pilot_organisation().await? else {
        return Ok(OrganisationInForce {
            organisation: None,
            version: 0,
        });
    };
    let organisation: Organisation = serde_json::from_str(&text).map_err(|e| {
        zhili_store::StoreError::Internal(format!("stored pilot organisation {version}: {e}"))
    })?;
    Ok(OrganisationInForce {
        organisation: Some(organisation),
        version,
    })
}

/// The district's units (departments, centres, stations) by id with their names.
pub async fn units(state: &AppState) -> Result<HashMap<String, String>> {
    crate::usecase::risk::unit_names(state).await
}

/// A new version of the organisation, checked whole (every unit and account it names exists).
pub async fn set_organisation(
    state: &AppState,
    user: &User,
    org: Organisation,
) -> Result<OrganisationInForce> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office keeps the pilot's organisation"));
    }
    let units = units(state).await?;
    let named: Vec<String> = org
        .office_members
        .iter()
        .chain(
            org.groups
                .iter()
                .flat_map(|g| std::iter::once(&g.leader).chain(&g.members)),
        )
        .filter_map(|o| o.username.as_deref().map(|u| u.trim().to_string()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let accounts: HashSet<String> = state
        .store
        .existing_usernames(&named)
        .await?
        .into_iter()
        .collect();
    let org = org.check(&|u| units.contains_key(u), &|u| accounts.contains(u))?;
    let text = serde_json::to_string(&org)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let version = state
        .store
        .put_pilot_organisation(&user.actor(), &text, crate::now_ms())
        .await?;
    Ok(OrganisationInForce {
        organisation: Some(org),
        version,
    })
}

/// A key task added to a year under a task force of the organisation in force.
pub async fn add_task(state: &AppState, user: &User, draft: TaskDraft) -> Result<TaskRow> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office sets the pilot's tasks"));
    }
    let org = organisation(state).await?.organisation;
    crate::usecase::assess::publish::refuse_if_closed(state, draft.year as i64).await?;
    let draft = draft.check(&|code| {
        org.as_ref()
            .and_then(|o| o.group(code))
            .is_some_and(|g| g.kind == GroupKind::TaskForce)
    })?;
    let now = crate::now_ms();
    let mut task = TaskRow {
        id: 0,
        year: draft.year as i64,
        code: draft.code,
        title: draft.title,
        task_force: draft.task_force,
        created_by: user.username.clone(),
        created_at: now,
    };
    let action = user
        .actor()
        .action(now, "pilot.task.add", "pilot_task:new")
        .opinion(format!("{} {} {}", task.year, task.code, task.title));
    task.id = state.store.add_pilot_task(&task, action).await?;
    Ok(task)
}

/// A target as a client plans it: milestones by day or working days before the due day.
#[derive(Clone, Debug)]
pub struct NewTarget {
    pub task_id: i64,
    pub title: String,
    pub lead_unit: String,
    pub partners: Vec<String>,
    pub weight: f64,
    pub due: i64,
    pub milestones: Vec<MilestoneDraft>,
}

/// A target added under a task: checked against the task's year and the working calendar.
pub async fn add_target(state: &AppState, user: &User, t: NewTarget) -> Result<TargetView> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office sets the pilot's targets"));
    }
    let units = units(state).await?;
    let Some(task) = state.store.pilot_task(t.task_id).await? else {
        return Err(not_found("task_id", format!("no task {}", t.task_id)));
    };
    crate::usecase::assess::publish::refuse_if_closed(state, task.year).await?;
    let calendar = state.reference().calendar.clone();
    let planned = TargetDraft {
        title: t.title,
        lead_unit: t.lead_unit,
        partners: t.partners,
        weight: t.weight,
        due: t.due,
        milestones: t.milestones,
    }
    .check(task.year as i32, &|u| units.contains_key(u), &calendar)?;
    let now = crate::now_ms();
    let mut row = TargetRow {
        id: 0,
        task_id: task.id,
        task_code: task.code.clone(),
        task_title: task.title.clone(),
        task_force: task.task_force.clone(),
        year: task.year,
        title: planned.title,
        lead_unit: planned.lead_unit,
        partners: planned.partners,
        weight: planned.weight,
        due_day: planned.due,
        percent: 0.0,
        version: 1,
        created_by: user.username.clone(),
        created_at: now,
        updated_at: now,
        milestones: planned
            .milestones
            .into_iter()
            .enumerate()
            .map(|(i, m)| MilestoneRow {
                seq: i as i64,
                title: m.title,
                due_day: m.due,
                weight: m.weight,
                done_on: None,
            })
            .collect(),
    };
    let action = user
        .actor()
        .action(now, "pilot.target.add", "pilot_target:new")
        .opinion(format!(
            "{} {}（牵头 {}）",
            task.code, row.title, row.lead_unit
        ));
    row.id = state.store.add_pilot_target(&row, action).await?;
    Ok(view(row, &units, today(), &calendar))
}

/// Today, as China counts days.
pub fn today() -> i64 {
    zhili_domain::calendar::china_day(crate::now_ms())
}

/// A milestone as the pages show it: its state today.
#[derive(Clone, Debug)]
pub struct MilestoneView {
    pub row: MilestoneRow,
    pub state: MilestoneState,
}

/// A target with its units named and where it stands today.
#[derive(Clone, Debug)]
pub struct TargetView {
    pub row: TargetRow,
    pub lead_name: String,
    pub partner_names: Vec<String>,
    pub milestones: Vec<MilestoneView>,
    pub state: TargetState,
}

/// A target's milestones as the domain weighs them.
pub fn facts(row: &TargetRow) -> Vec<plan::MilestoneFacts> {
    row.milestones
        .iter()
        .map(|m| plan::MilestoneFacts {
            due: m.due_day,
            done_on: m.done_on,
            weight: m.weight,
        })
        .collect()
}

pub fn view(
    row: TargetRow,
    units: &HashMap<String, String>,
    today: i64,
    calendar: &zhili_domain::calendar::WorkingCalendar,
) -> TargetView {
    let (states, state) = plan::target_state(&facts(&row), row.percent, today, calendar);
    let name = |u: &String| units.get(u).cloned().unwrap_or_else(|| u.clone());
    TargetView {
        lead_name: name(&row.lead_unit),
        partner_names: row.partners.iter().map(name).collect(),
        milestones: row
            .milestones
            .iter()
            .cloned()
            .zip(states)
            .map(|(row, state)| MilestoneView { row, state })
            .collect(),
        state,
        row,
    }
}

/// A year's tasks (every reader of targets sees the plan's tasks).
pub async fn tasks(state: &AppState, user: &User, year: i32) -> Result<Vec<TaskRow>> {
    target_scope(user)?;
    Ok(state.store.pilot_tasks(year as i64).await?)
}

/// A year's targets the caller reads, each with its state today.
pub async fn targets(state: &AppState, user: &User, year: i32) -> Result<Vec<TargetView>> {
    let scope = target_scope(user)?;
    let rows = state.store.pilot_targets(&scope, year as i64).await?;
    let units = units(state).await?;
    let calendar = state.reference().calendar.clone();
    let today = today();
    Ok(rows
        .into_iter()
        .map(|r| view(r, &units, today, &calendar))
        .collect())
}

/// One target the caller reads (another unit's reads as absent).
pub async fn target(state: &AppState, user: &User, id: i64) -> Result<TargetView> {
    let scope = target_scope(user)?;
    let row = state
        .store
        .pilot_target(&scope, id)
        .await?
        .ok_or_else(|| not_found("id", format!("target {id} not found")))?;
    let units = units(state).await?;
    let calendar = state.reference().calendar.clone();
    Ok(view(row, &units, today(), &calendar))
}
