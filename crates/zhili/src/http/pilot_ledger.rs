//! Demonstration sites and the project ledger over HTTP: the lists with each level against its
//! quota and each programme's totals; a site set up, applied for and decided; a project set
//! up and reported on.

use crate::http::error::{ApiError, ApiResult, Json, Path};
use crate::http::pilot_inspections::day;
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::ledger as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::project::{
    Programme, ProjectDraft, ProjectKind, ProjectReport, ProjectStatus, MAX_MILESTONES, MAX_YUAN,
};
use zhili_domain::assess::site::{SiteDraft, SiteLevel, SiteQuota, SiteStatus};
use zhili_domain::calendar::date_string;
use zhili_domain::time::rfc3339;
use zhili_domain::ErrorCode;

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn code_schema() -> utoipa::openapi::Object {
    crate::http::schema::matching("^[A-Za-z0-9-]{1,16}$")
}

fn code_of(raw: &str) -> ApiResult<&str> {
    let ok = (1..=16).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(raw)
    } else {
        Err(bad("code", "1 to 16 letters, digits or hyphens"))
    }
}

fn level_schema() -> utoipa::openapi::Object {
    crate::http::schema::one_of(SiteLevel::ALL.map(|l| l.as_str()))
}

fn kind_schema() -> utoipa::openapi::Object {
    crate::http::schema::one_of(ProjectKind::ALL.map(|k| k.as_str()))
}

fn status_schema() -> utoipa::openapi::Object {
    crate::http::schema::one_of(ProjectStatus::ALL.map(|s| s.as_str()))
}

fn name_of(names: &HashMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// One of the pilot's programmes (工程), as the organisation names it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeBody {
    #[schema(schema_with = code_schema)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_20)]
    pub name: String,
}

/// How many sites of a level the district means to name.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteQuotaBody {
    #[schema(schema_with = level_schema)]
    pub level: String,
    #[schema(minimum = 0, maximum = 2000)]
    pub count: u32,
}

pub(crate) fn programme_bodies(p: &[Programme]) -> Vec<ProgrammeBody> {
    p.iter()
        .map(|p| ProgrammeBody {
            code: p.code.clone(),
            name: p.name.clone(),
        })
        .collect()
}

pub(crate) fn quota_bodies(q: &[SiteQuota]) -> Vec<SiteQuotaBody> {
    q.iter()
        .map(|q| SiteQuotaBody {
            level: q.level.as_str().into(),
            count: q.count,
        })
        .collect()
}

pub(crate) fn programmes_of(b: Vec<ProgrammeBody>) -> Vec<Programme> {
    b.into_iter()
        .map(|p| Programme {
            code: p.code,
            name: p.name,
        })
        .collect()
}

pub(crate) fn quotas_of(b: Vec<SiteQuotaBody>) -> ApiResult<Vec<SiteQuota>> {
    b.into_iter()
        .enumerate()
        .map(|(i, q)| {
            Ok(SiteQuota {
                level: SiteLevel::from_code(&q.level).ok_or_else(|| {
                    bad(
                        &format!("site_quotas[{i}].level"),
                        "district, unit or village",
                    )
                })?,
                count: q.count,
            })
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct SiteLevelView {
    pub level: String,
    pub level_name: String,
    /// 0: the plan sets none.
    pub quota: u32,
    pub sites: usize,
    pub named: usize,
    pub applied: usize,
    pub returned: usize,
    /// Not named by their due day.
    pub overdue: usize,
}

#[derive(Serialize, ToSchema)]
pub struct SiteView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub level_name: String,
    pub programme: String,
    pub programme_name: String,
    pub host_unit: String,
    pub host_name: String,
    pub region: Option<String>,
    pub region_name: Option<String>,
    pub due: String,
    pub description: String,
    pub status: String,
    pub status_name: String,
    /// Not named by its due day.
    pub overdue: bool,
    pub application_note: Option<String>,
    pub photos: Vec<String>,
    pub applied_by_name: Option<String>,
    pub applied_at: Option<String>,
    pub decision_note: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    /// The version to send with a change.
    pub version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SitesView {
    pub programmes: Vec<ProgrammeBody>,
    /// District, departments and towns, villages: each against its quota.
    pub levels: Vec<SiteLevelView>,
    /// The reader's sites (a unit: those it hosts), in code order.
    pub items: Vec<SiteView>,
}

fn site_view(
    s: zhili_store::SiteRow,
    programmes: &HashMap<String, String>,
    units: &HashMap<String, String>,
    regions: &HashMap<String, String>,
    today: i64,
) -> SiteView {
    let status = SiteStatus::from_code(&s.status);
    SiteView {
        level_name: SiteLevel::from_code(&s.level).map_or(s.level.clone(), |l| l.label_zh().into()),
        programme_name: name_of(programmes, &s.programme),
        host_name: name_of(units, &s.host_unit),
        region_name: s.region.as_ref().map(|r| name_of(regions, r)),
        due: date_string(s.due_day),
        status_name: status.map_or(s.status.clone(), |st| st.label_zh().into()),
        overdue: status != Some(SiteStatus::Named) && s.due_day < today,
        photos: serde_json::from_str(&s.photos).unwrap_or_default(),
        applied_at: s.applied_at.map(rfc3339),
        decided_at: s.decided_at.map(rfc3339),
        code: s.code,
        name: s.name,
        level: s.level,
        programme: s.programme,
        host_unit: s.host_unit,
        region: s.region,
        description: s.description,
        status: s.status,
        application_note: s.application_note,
        applied_by_name: s.applied_by_name,
        decision_note: s.decision_note,
        decided_by_name: s.decided_by_name,
        version: s.version,
    }
}

async fn one_site(state: &AppState, row: zhili_store::SiteRow) -> ApiResult<SiteView> {
    let (programmes, units) = uc::site_names(state).await?;
    let today = crate::usecase::pilot::today();
    Ok(site_view(
        row,
        &programmes,
        &units,
        &state.index().names,
        today,
    ))
}

#[utoipa::path(get, path = "/api/v1/pilot/sites", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, body = SitesView, description = "the demonstration sites, each level against its quota"),
              (status = 403, body = crate::http::error::ErrorBody, description = "villages and grid workers have no part in the pilot's plan")))]
pub async fn sites(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::Json<SitesView>> {
    let v = uc::sites(&state, &user.user).await?;
    let programmes: HashMap<String, String> = v
        .programmes
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect();
    Ok(axum::Json(SitesView {
        levels: v
            .levels
            .iter()
            .map(|(l, c)| SiteLevelView {
                level: l.as_str().into(),
                level_name: l.label_zh().into(),
                quota: c.quota,
                sites: c.sites,
                named: c.named,
                applied: c.applied,
                returned: c.returned,
                overdue: c.overdue,
            })
            .collect(),
        items: v
            .items
            .into_iter()
            .map(|s| site_view(s, &programmes, &v.unit_names, &v.region_names, v.today))
            .collect(),
        programmes: v
            .programmes
            .into_iter()
            .map(|p| ProgrammeBody {
                code: p.code,
                name: p.name,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    #[schema(schema_with = code_schema)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub name: String,
    #[schema(schema_with = level_schema)]
    pub level: String,
    #[schema(schema_with = code_schema)]
    pub programme: String,
    #[schema(schema_with = crate::http::schema::unit_id)]
    pub host_unit: String,
    /// A village for a village site, a town (or none) for a department's or a town's.
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::region_code_or_null)]
    pub region: Option<String>,
    #[schema(schema_with = crate::http::schema::date)]
    pub due: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub description: String,
}

#[utoipa::path(post, path = "/api/v1/pilot/sites", tag = "pilot", request_body = SiteBody, security(("bearer" = [])),
    responses((status = 201, body = SiteView, description = "set up, cultivating"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 409, body = crate::http::error::ErrorBody, description = "a site of that code exists"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a programme the plan does not name, an unknown unit, an area that does not fit the level")))]
pub async fn add_site(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<SiteBody>,
) -> ApiResult<(StatusCode, axum::Json<SiteView>)> {
    let level =
        SiteLevel::from_code(&b.level).ok_or_else(|| bad("level", "district, unit or village"))?;
    let draft = SiteDraft {
        code: b.code,
        name: b.name,
        level,
        programme: b.programme,
        host_unit: b.host_unit,
        region: b.region,
        due: day("due", &b.due)?,
        description: b.description,
    };
    let row = uc::add_site(&state, &user.user, draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(one_site(&state, row).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteApplicationBody {
    #[schema(minimum = 1)]
    pub version: i64,
    /// What was built and how it works.
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
    /// At least one photo of the site.
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/pilot/sites/{code}/application", tag = "pilot", request_body = SiteApplicationBody, security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9-]{1,16}$")),
    responses((status = 200, body = SiteView, description = "applied for acceptance"),
              (status = 403, body = crate::http::error::ErrorBody, description = "neither the host unit nor the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such site among the caller's, or a photo the caller did not upload"),
              (status = 409, body = crate::http::error::ErrorBody, description = "applied for or named already, or changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn apply_site(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<SiteApplicationBody>,
) -> ApiResult<axum::Json<SiteView>> {
    let code = code_of(&code)?;
    let row = uc::apply_site(&state, &user.user, code, b.version, &b.note, &b.photos).await?;
    Ok(axum::Json(one_site(&state, row).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteDecisionBody {
    #[schema(minimum = 1)]
    pub version: i64,
    /// Named (true) or returned to be improved (false).
    pub named: bool,
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/pilot/sites/{code}/decision", tag = "pilot", request_body = SiteDecisionBody, security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9-]{1,16}$")),
    responses((status = 200, body = SiteView, description = "named, or returned"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such site"),
              (status = 409, body = crate::http::error::ErrorBody, description = "not applied for, or changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn decide_site(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<SiteDecisionBody>,
) -> ApiResult<axum::Json<SiteView>> {
    let code = code_of(&code)?;
    let row = uc::decide_site(&state, &user.user, code, b.version, b.named, &b.note).await?;
    Ok(axum::Json(one_site(&state, row).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ProjectMilestoneView {
    pub title: String,
    pub due: String,
    pub done_on: Option<String>,
    pub late: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectReportView {
    pub on: String,
    pub at: String,
    pub by_name: String,
    pub spent_yuan: i64,
    /// The milestones reached, by their place in the list.
    pub milestones_done: Vec<usize>,
    pub status: String,
    pub status_name: String,
    pub note: String,
    pub photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectView {
    pub code: String,
    pub title: String,
    pub kind: String,
    pub kind_name: String,
    pub programme: String,
    pub lead_unit: String,
    pub lead_name: String,
    pub budget_yuan: i64,
    pub spent_yuan: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    pub status_name: String,
    /// Spent of the budget, and of the period gone by (0–1).
    pub spent_share: f64,
    pub elapsed_share: f64,
    pub late_milestones: usize,
    pub over_budget: bool,
    /// Spending behind the time gone by by more than a quarter of the budget, under way.
    pub lagging: bool,
    /// Past its end and not finished.
    pub overdue: bool,
    pub milestones: Vec<ProjectMilestoneView>,
    /// Latest first; only when one project is read (the ledger's list leaves them out).
    pub reports: Vec<ProjectReportView>,
    pub version: i64,
}

fn project_view(v: uc::ProjectView, units: &HashMap<String, String>, today: i64) -> ProjectView {
    let r = v.row;
    let status =
        |s: &str| ProjectStatus::from_code(s).map_or(s.to_string(), |x| x.label_zh().into());
    ProjectView {
        kind_name: ProjectKind::from_code(&r.kind).map_or(r.kind.clone(), |k| k.label_zh().into()),
        lead_name: name_of(units, &r.lead_unit),
        starts_on: date_string(r.starts_on),
        ends_on: date_string(r.ends_on),
        status_name: status(&r.status),
        spent_share: v.standing.spent_share,
        elapsed_share: v.standing.elapsed_share,
        late_milestones: v.standing.late_milestones,
        over_budget: v.standing.over_budget,
        lagging: v.standing.lagging,
        overdue: v.standing.overdue,
        milestones: v
            .milestones
            .into_iter()
            .map(|m| ProjectMilestoneView {
                late: m.done_on.is_none() && m.due < today,
                due: date_string(m.due),
                done_on: m.done_on.map(date_string),
                title: m.title,
            })
            .collect(),
        reports: v
            .reports
            .into_iter()
            .rev()
            .map(|e| ProjectReportView {
                on: date_string(e.on),
                at: rfc3339(e.at),
                status_name: status(&e.status),
                by_name: e.by_name,
                spent_yuan: e.spent_yuan,
                milestones_done: e.milestones_done,
                status: e.status,
                note: e.note,
                photos: e.photos,
            })
            .collect(),
        code: r.code,
        title: r.title,
        kind: r.kind,
        programme: r.programme,
        lead_unit: r.lead_unit,
        budget_yuan: r.budget_yuan,
        spent_yuan: r.spent_yuan,
        status: r.status,
        version: r.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeTotalsView {
    pub code: String,
    /// The code when the organisation no longer names it.
    pub name: String,
    pub projects: usize,
    pub key_projects: usize,
    pub budget_yuan: i64,
    pub spent_yuan: i64,
    /// Completed or in use.
    pub finished: usize,
    /// Late, over budget, spending behind or overdue.
    pub flagged: usize,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerView {
    /// The programmes in the plan's order, then any it no longer names.
    pub programmes: Vec<ProgrammeTotalsView>,
    /// The reader's projects (a unit: those it leads), in code order.
    pub items: Vec<ProjectView>,
}

#[utoipa::path(get, path = "/api/v1/pilot/projects", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, body = LedgerView, description = "the project ledger by programme"),
              (status = 403, body = crate::http::error::ErrorBody, description = "villages and grid workers have no part in the pilot's plan")))]
pub async fn projects(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::Json<LedgerView>> {
    let v = uc::projects(&state, &user.user).await?;
    let today = crate::usecase::pilot::today();
    Ok(axum::Json(LedgerView {
        programmes: v
            .programmes
            .into_iter()
            .map(|t| ProgrammeTotalsView {
                name: t.programme.map_or(t.code.clone(), |p| p.name),
                code: t.code,
                projects: t.projects,
                key_projects: t.key_projects,
                budget_yuan: t.budget_yuan,
                spent_yuan: t.spent_yuan,
                finished: t.finished,
                flagged: t.flagged,
            })
            .collect(),
        items: v
            .items
            .into_iter()
            .map(|p| project_view(p, &v.unit_names, today))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/pilot/projects/{code}", tag = "pilot", security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9-]{1,16}$")),
    responses((status = 200, body = ProjectView, description = "the project with its milestones and reports"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such project among the caller's"),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn project(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<ProjectView>> {
    let code = code_of(&code)?;
    let v = uc::project(&state, &user.user, code).await?;
    let units = crate::usecase::pilot::units(&state).await?;
    Ok(axum::Json(project_view(
        v,
        &units,
        crate::usecase::pilot::today(),
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectMilestoneBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub due: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    #[schema(schema_with = code_schema)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    #[schema(schema_with = code_schema)]
    pub programme: String,
    #[schema(schema_with = crate::http::schema::unit_id)]
    pub lead_unit: String,
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub budget_yuan: i64,
    #[schema(schema_with = crate::http::schema::date)]
    pub starts_on: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub ends_on: String,
    #[serde(default)]
    #[schema(max_items = 24)]
    pub milestones: Vec<ProjectMilestoneBody>,
}

#[utoipa::path(post, path = "/api/v1/pilot/projects", tag = "pilot", request_body = ProjectBody, security(("bearer" = [])),
    responses((status = 201, body = ProjectView, description = "entered in the ledger, planned"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 409, body = crate::http::error::ErrorBody, description = "a project of that code exists"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a programme the plan does not name, an unknown unit, a budget out of bounds, a period out of order, a milestone outside it")))]
pub async fn add_project(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<ProjectBody>,
) -> ApiResult<(StatusCode, axum::Json<ProjectView>)> {
    let kind = ProjectKind::from_code(&b.kind).ok_or_else(|| bad("kind", "innovation or key"))?;
    if b.milestones.len() > MAX_MILESTONES {
        return Err(bad("milestones", "at most 24"));
    }
    let mut milestones = Vec::with_capacity(b.milestones.len());
    for (i, m) in b.milestones.into_iter().enumerate() {
        milestones.push((m.title, day(&format!("milestones[{i}].due"), &m.due)?));
    }
    let draft = ProjectDraft {
        code: b.code,
        title: b.title,
        kind,
        programme: b.programme,
        lead_unit: b.lead_unit,
        budget_yuan: b.budget_yuan,
        starts_on: day("starts_on", &b.starts_on)?,
        ends_on: day("ends_on", &b.ends_on)?,
        milestones,
    };
    let v = uc::add_project(&state, &user.user, draft).await?;
    let units = crate::usecase::pilot::units(&state).await?;
    let view = project_view(v, &units, crate::usecase::pilot::today());
    Ok((StatusCode::CREATED, axum::Json(view)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectReportBody {
    #[schema(minimum = 1)]
    pub version: i64,
    /// Spent since the last report, in yuan.
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub spent_yuan: i64,
    /// The milestones reached now, by their place in the list.
    #[serde(default)]
    #[schema(max_items = 24)]
    pub milestones_done: Vec<usize>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/pilot/projects/{code}/reports", tag = "pilot", request_body = ProjectReportBody, security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[A-Za-z0-9-]{1,16}$")),
    responses((status = 200, body = ProjectView, description = "reported: the spending added, the milestones reached, the status moved"),
              (status = 403, body = crate::http::error::ErrorBody, description = "neither the lead unit nor the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such project among the caller's, or a photo the caller did not upload"),
              (status = 409, body = crate::http::error::ErrorBody, description = "changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a milestone reached already, a status the project cannot move to, spending out of bounds")))]
pub async fn report_project(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(b): Json<ProjectReportBody>,
) -> ApiResult<axum::Json<ProjectView>> {
    let code = code_of(&code)?;
    let status = ProjectStatus::from_code(&b.status).ok_or_else(|| {
        bad(
            "status",
            "planned, underway, suspended, completed or in_use",
        )
    })?;
    if b.milestones_done.len() > MAX_MILESTONES {
        return Err(bad("milestones_done", "at most 24"));
    }
    if !(0..=MAX_YUAN).contains(&b.spent_yuan) {
        return Err(bad("spent_yuan", "0 to 10000000000"));
    }
    let report = ProjectReport {
        spent_yuan: b.spent_yuan,
        milestones_done: b.milestones_done,
        status,
        note: b.note,
    };
    let v = uc::report_project(&state, &user.user, code, b.version, report, &b.photos).await?;
    let units = crate::usecase::pilot::units(&state).await?;
    Ok(axum::Json(project_view(
        v,
        &units,
        crate::usecase::pilot::today(),
    )))
}

#[utoipa::path(get, path = "/api/v1/pilot/ledger/export", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, description = "the project ledger by programme with subtotals, and the demonstration sites by level (.xlsx): what the caller reads",
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = crate::http::error::ErrorBody, description = "villages and grid workers have no part in the pilot's plan")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<axum::response::Response> {
    let (name, bytes) =
        crate::usecase::pilot::ledger_sheet::ledger_sheet(&state, &user.user).await?;
    Ok(crate::http::download::xlsx(
        "pilot-ledger.xlsx",
        &name,
        bytes,
    ))
}
