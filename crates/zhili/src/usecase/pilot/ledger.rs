//! Demonstration sites ("3+30+50") and the project ledger (innovation and key projects by
//! programme): the pilot office sets them up, the host or lead unit applies or reports with
//! evidence, the office names a site or returns it. Read by the one rule of the pilot's
//! plan: the district all, a unit those it hosts or leads.

use super::{acts_for, organisation, runs_the_pilot, target_scope, today, units};
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use zhili_domain::assess::project::{
    self, Programme, ProjectDraft, ProjectMilestone, ProjectReport, ProjectState, ProjectStatus,
    Standing,
};
use zhili_domain::assess::site::{self, LevelCount, SiteDraft, SiteLevel, SiteQuota, SiteStatus};
use zhili_domain::code::RegionCode;
use zhili_domain::user::User;
use zhili_store::{ProjectRow, SiteRow, StoreError};

/// The plan's programmes and site quotas (none until the organisation names them).
async fn plan(state: &AppState) -> Result<(Vec<Programme>, Vec<SiteQuota>)> {
    Ok(organisation(state)
        .await?
        .organisation
        .map(|o| (o.programmes, o.site_quotas))
        .unwrap_or_default())
}

fn corrupt(what: &str, code: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} {code}: {e}"))
}

/// The sites as the reader sees them, with each level against its quota.
#[derive(Clone, Debug)]
pub struct SitesView {
    pub programmes: Vec<Programme>,
    pub levels: Vec<(SiteLevel, LevelCount)>,
    pub items: Vec<SiteRow>,
    pub unit_names: HashMap<String, String>,
    pub region_names: HashMap<String, String>,
    pub today: i64,
}

pub async fn sites(state: &AppState, user: &User) -> Result<SitesView> {
    let scope = target_scope(user)?;
    let (programmes, quotas) = plan(state).await?;
    let items = state.store.pilot_sites(&scope, None).await?;
    let today = today();
    let levels = site::count_by_level(
        &quotas,
        items.iter().filter_map(|s| {
            Some((
                SiteLevel::from_code(&s.level)?,
                SiteStatus::from_code(&s.status)?,
                s.due_day,
            ))
        }),
        today,
    );
    let index = state.index();
    let region_names = items
        .iter()
        .filter_map(|s| s.region.as_ref())
        .filter_map(|r| Some((r.clone(), index.names.get(r)?.clone())))
        .collect();
    Ok(SitesView {
        programmes,
        levels,
        items,
        unit_names: units(state).await?,
        region_names,
        today,
    })
}

/// The names a site is shown with: programmes by code, units by id.
pub async fn site_names(
    state: &AppState,
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let (programmes, _) = plan(state).await?;
    Ok((
        programmes.into_iter().map(|p| (p.code, p.name)).collect(),
        units(state).await?,
    ))
}

/// A new site, set up by the pilot office.
pub async fn add_site(state: &AppState, user: &User, draft: SiteDraft) -> Result<SiteRow> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office sets up demonstration sites"));
    }
    let (programmes, _) = plan(state).await?;
    let units = units(state).await?;
    let index = state.index();
    let level_of = |code: &str| {
        let c = RegionCode::parse(code).ok()?;
        index.names.contains_key(code).then(|| c.level())
    };
    let d = draft.check(
        &|p| programmes.iter().any(|q| q.code == p),
        &|u| units.contains_key(u),
        &level_of,
    )?;
    let now = crate::now_ms();
    let row = SiteRow {
        code: d.code.clone(),
        name: d.name,
        level: d.level.as_str().into(),
        programme: d.programme,
        host_unit: d.host_unit,
        region: d.region,
        due_day: d.due,
        description: d.description,
        status: SiteStatus::Cultivating.as_str().into(),
        photos: "[]".into(),
        created_at: now,
        version: 1,
        ..Default::default()
    };
    let action = user
        .actor()
        .action(now, "pilot.site.add", &format!("pilot_site:{}", d.code))
        .states(None, Some(SiteStatus::Cultivating.as_str()))
        .opinion(format!("{} {}", row.name, row.host_unit));
    state.store.put_pilot_site(&row, 0, action).await?;
    Ok(row)
}

/// The site of `code` as `user` may change it (`office`: only the pilot office; else its
/// host too). A unit does not learn of sites it does not host.
async fn site_for(state: &AppState, user: &User, code: &str, office: bool) -> Result<SiteRow> {
    let scope = target_scope(user)?;
    let row = state
        .store
        .pilot_sites(&scope, Some(code))
        .await?
        .pop()
        .ok_or_else(|| not_found("code", format!("no site {code}")))?;
    if !(runs_the_pilot(user) || (!office && acts_for(user, &row.host_unit))) {
        return Err(forbidden(if office {
            "the pilot office names a site or returns it"
        } else {
            "the host unit or the pilot office applies for a site"
        }));
    }
    Ok(row)
}

fn site_status(row: &SiteRow) -> Result<SiteStatus> {
    Ok(
        SiteStatus::from_code(&row.status)
            .ok_or_else(|| corrupt("site", &row.code, &row.status))?,
    )
}

/// The host's application for acceptance, with what was built and its evidence photos.
pub async fn apply_site(
    state: &AppState,
    user: &User,
    code: &str,
    version: i64,
    note: &str,
    photos: &[String],
) -> Result<SiteRow> {
    let row = site_for(state, user, code, false).await?;
    let status = site_status(&row)?;
    if !status.may_apply() {
        return Err(StoreError::conflict(format!(
            "site {code} is {}: nothing to apply for",
            status.as_str()
        ))
        .into());
    }
    let note = zhili_domain::assess::checklist::note("note", note)?;
    if photos.is_empty() {
        return Err(
            zhili_domain::DomainError::invalid("photos", "at least one photo of the site")
                .zh("请上传示范点的现场照片")
                .into(),
        );
    }
    let photos =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", photos).await?;
    let now = crate::now_ms();
    let next = SiteRow {
        status: SiteStatus::Applied.as_str().into(),
        application_note: Some(note.clone()),
        photos: photos.clone(),
        applied_by_name: Some(user.display_name.clone()),
        applied_at: Some(now),
        version: version + 1,
        ..row
    };
    let action = user
        .actor()
        .action(now, "pilot.site.apply", &format!("pilot_site:{code}"))
        .states(Some(status.as_str()), Some(SiteStatus::Applied.as_str()))
        .opinion(note)
        .attachments(photos);
    state.store.put_pilot_site(&next, version, action).await?;
    Ok(next)
}

/// The office's decision on an application: named, or returned to be improved.
pub async fn decide_site(
    state: &AppState,
    user: &User,
    code: &str,
    version: i64,
    named: bool,
    note: &str,
) -> Result<SiteRow> {
    let row = site_for(state, user, code, true).await?;
    let status = site_status(&row)?;
    if status != SiteStatus::Applied {
        return Err(StoreError::conflict(format!("site {code} has not been applied for")).into());
    }
    let note = zhili_domain::assess::checklist::note("note", note)?;
    let to = if named {
        SiteStatus::Named
    } else {
        SiteStatus::Returned
    };
    let now = crate::now_ms();
    let next = SiteRow {
        status: to.as_str().into(),
        decision_note: Some(note.clone()),
        decided_by_name: Some(user.display_name.clone()),
        decided_at: Some(now),
        version: version + 1,
        ..row
    };
    let action = user
        .actor()
        .action(now, "pilot.site.decide", &format!("pilot_site:{code}"))
        .states(Some(status.as_str()), Some(to.as_str()))
        .opinion(note);
    state.store.put_pilot_site(&next, version, action).await?;
    Ok(next)
}

/// A report as the ledger keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportEntry {
    /// The day it was made.
    pub on: i64,
    pub at: i64,
    pub by_name: String,
    pub spent_yuan: i64,
    pub milestones_done: Vec<usize>,
    pub status: String,
    pub note: String,
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A project as it stands today, with its milestones and reports.
#[derive(Clone, Debug)]
pub struct ProjectView {
    pub row: ProjectRow,
    pub milestones: Vec<ProjectMilestone>,
    /// Empty in the ledger's list.
    pub reports: Vec<ReportEntry>,
    pub standing: Standing,
}

/// A project as it stands; its reports read only when `with_reports` (the ledger's list leaves
/// them for the one project opened).
fn project_view(row: ProjectRow, today: i64, with_reports: bool) -> Result<ProjectView> {
    let milestones: Vec<ProjectMilestone> =
        serde_json::from_str(&row.milestones).map_err(|e| corrupt("project", &row.code, e))?;
    let reports: Vec<ReportEntry> = if with_reports {
        serde_json::from_str(&row.reports).map_err(|e| corrupt("project", &row.code, e))?
    } else {
        Vec::new()
    };
    let status = ProjectStatus::from_code(&row.status)
        .ok_or_else(|| corrupt("project", &row.code, &row.status))?;
    let standing = project::standing(
        row.budget_yuan,
        row.spent_yuan,
        row.starts_on,
        row.ends_on,
        status,
        &milestones,
        today,
    );
    Ok(ProjectView {
        row,
        milestones,
        reports,
        standing,
    })
}

/// A programme's projects summed.
#[derive(Clone, Debug, Default)]
pub struct ProgrammeTotals {
    pub programme: Option<Programme>,
    pub code: String,
    pub projects: usize,
    pub key_projects: usize,
    pub budget_yuan: i64,
    pub spent_yuan: i64,
    pub finished: usize,
    pub flagged: usize,
}

#[derive(Clone, Debug)]
pub struct LedgerView {
    pub programmes: Vec<ProgrammeTotals>,
    pub items: Vec<ProjectView>,
    pub unit_names: HashMap<String, String>,
}

fn flagged(s: &Standing) -> bool {
    s.late_milestones > 0 || s.over_budget || s.lagging || s.overdue
}

pub async fn projects(state: &AppState, user: &User) -> Result<LedgerView> {
    let scope = target_scope(user)?;
    let (programmes, _) = plan(state).await?;
    let today = today();
    let items = state
        .store
        .pilot_projects(&scope, None)
        .await?
        .into_iter()
        .map(|r| project_view(r, today, false))
        .collect::<Result<Vec<_>>>()?;
    let mut totals: Vec<ProgrammeTotals> = programmes
        .into_iter()
        .map(|p| ProgrammeTotals {
            code: p.code.clone(),
            programme: Some(p),
            ..Default::default()
        })
        .collect();
    for p in &items {
        let at = match totals.iter().position(|t| t.code == p.row.programme) {
            Some(i) => i,
            // A programme the organisation no longer names keeps its projects, by code.
            None => {
                totals.push(ProgrammeTotals {
                    code: p.row.programme.clone(),
                    ..Default::default()
                });
                totals.len() - 1
            }
        };
        let t = &mut totals[at];
        t.projects += 1;
        t.key_projects += usize::from(p.row.kind == project::ProjectKind::Key.as_str());
        t.budget_yuan += p.row.budget_yuan;
        t.spent_yuan += p.row.spent_yuan;
        t.finished += usize::from(matches!(
            ProjectStatus::from_code(&p.row.status),
            Some(ProjectStatus::Completed | ProjectStatus::InUse)
        ));
        t.flagged += usize::from(flagged(&p.standing));
    }
    Ok(LedgerView {
        programmes: totals,
        items,
        unit_names: units(state).await?,
    })
}

/// The project of `code` among those the reader reads (another unit's reads as absent).
async fn project_row(state: &AppState, user: &User, code: &str) -> Result<ProjectRow> {
    let scope = target_scope(user)?;
    state
        .store
        .pilot_projects(&scope, Some(code))
        .await?
        .pop()
        .ok_or_else(|| not_found("code", format!("no project {code}")))
}

/// One project with its reports.
pub async fn project(state: &AppState, user: &User, code: &str) -> Result<ProjectView> {
    project_view(project_row(state, user, code).await?, today(), true)
}

/// A new project of the ledger, set up by the pilot office.
pub async fn add_project(
    state: &AppState,
    user: &User,
    draft: ProjectDraft,
) -> Result<ProjectView> {
    if !runs_the_pilot(user) {
        return Err(forbidden("the pilot office keeps the project ledger"));
    }
    let (programmes, _) = plan(state).await?;
    let units = units(state).await?;
    let (d, milestones) = draft.check(&|p| programmes.iter().any(|q| q.code == p), &|u| {
        units.contains_key(u)
    })?;
    let now = crate::now_ms();
    let row = ProjectRow {
        code: d.code.clone(),
        title: d.title,
        kind: d.kind.as_str().into(),
        programme: d.programme,
        lead_unit: d.lead_unit,
        budget_yuan: d.budget_yuan,
        starts_on: d.starts_on,
        ends_on: d.ends_on,
        status: ProjectStatus::Planned.as_str().into(),
        spent_yuan: 0,
        milestones: json(&milestones),
        reports: "[]".into(),
        created_at: now,
        version: 1,
    };
    let action = user
        .actor()
        .action(
            now,
            "pilot.project.add",
            &format!("pilot_project:{}", d.code),
        )
        .states(None, Some(ProjectStatus::Planned.as_str()))
        .opinion(format!("{} 预算 {} 元", row.title, row.budget_yuan));
    state.store.put_pilot_project(&row, 0, action).await?;
    project_view(row, today(), true)
}

/// A value for a JSON column (the ledger's own types, which always serialise).
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The lead unit's report (or the office's on its behalf): spending since the last, the
/// milestones reached, the status now, a note and evidence photos.
pub async fn report_project(
    state: &AppState,
    user: &User,
    code: &str,
    version: i64,
    report: ProjectReport,
    photos: &[String],
) -> Result<ProjectView> {
    let row = project_row(state, user, code).await?;
    if !(runs_the_pilot(user) || acts_for(user, &row.lead_unit)) {
        return Err(forbidden("the lead unit reports on its project"));
    }
    // A report written against an older reading is judged against what it read: refused.
    if version != row.version {
        return Err(StoreError::conflict(format!(
            "project {code} changed since version {version}; read it again"
        ))
        .into());
    }
    let today = today();
    let view = project_view(row, today, true)?;
    let before = ProjectState {
        status: ProjectStatus::from_code(&view.row.status)
            .ok_or_else(|| corrupt("project", code, &view.row.status))?,
        spent_yuan: view.row.spent_yuan,
        milestones: view.milestones.clone(),
        reports: view.reports.len(),
    };
    let after = report.clone().apply(&before, today)?;
    let note = report.note.trim().to_string();
    let photos_json =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", photos).await?;
    let now = crate::now_ms();
    let mut reports = view.reports;
    reports.push(ReportEntry {
        on: today,
        at: now,
        by_name: user.display_name.clone(),
        spent_yuan: report.spent_yuan,
        milestones_done: report.milestones_done,
        status: report.status.as_str().into(),
        note: note.clone(),
        photos: serde_json::from_str(&photos_json).unwrap_or_default(),
    });
    let next = ProjectRow {
        status: after.status.as_str().into(),
        spent_yuan: after.spent_yuan,
        milestones: json(&after.milestones),
        reports: json(&reports),
        version: version + 1,
        ..view.row
    };
    let action = user
        .actor()
        .action(
            now,
            "pilot.project.report",
            &format!("pilot_project:{code}"),
        )
        .states(Some(before.status.as_str()), Some(after.status.as_str()))
        .opinion(format!("支出 {} 元；{note}", report.spent_yuan))
        .attachments(photos_json);
    state
        .store
        .put_pilot_project(&next, version, action)
        .await?;
    project_view(next, today, true)
}
