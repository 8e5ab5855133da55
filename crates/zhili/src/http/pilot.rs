//! The pilot's plan over HTTP: the organisation ("1+5+29+N"), the year's key tasks and their
//! targets with milestones, the units' progress reports with evidence, and the overview the
//! pilot office, the leaders and each unit read (a unit sees its own targets only).

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::{self as uc, overview, progress};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::organisation::{Group, Official, Organisation};
use zhili_domain::assess::plan::{MilestoneDraft, TaskDraft, When};
use zhili_domain::assess::{GroupKind, MilestoneState, TargetState};
use zhili_domain::calendar::date_string;
use zhili_domain::ErrorCode;

/// An organisation of some hundred groups with their members, however its text is escaped.
pub const ORGANISATION_LIMIT: usize = 4 << 20;

fn group_kind() -> utoipa::openapi::Object {
    crate::http::schema::one_of(GroupKind::ALL.map(|k| k.as_str()))
}

fn target_state() -> utoipa::openapi::Object {
    crate::http::schema::one_of(TargetState::ALL.map(|k| k.as_str()))
}

fn milestone_state() -> utoipa::openapi::Object {
    crate::http::schema::one_of(MilestoneState::ALL.map(|k| k.as_str()))
}

fn evidence_kind() -> utoipa::openapi::Object {
    crate::http::schema::one_of(progress::EVIDENCE_KINDS)
}

fn group_code() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^[A-Za-z0-9-]{1,16}$"))
        .build()
}

fn units_200() -> utoipa::openapi::schema::Array {
    crate::http::schema::unit_list(200)
}

fn units_30() -> utoipa::openapi::schema::Array {
    crate::http::schema::unit_list(30)
}

fn group_code_or_null() -> utoipa::openapi::Object {
    crate::http::schema::or_null(group_code())
}

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn day(field: &str, raw: &str) -> ApiResult<i64> {
    zhili_domain::time::parse_date(raw).ok_or_else(|| bad(field, "a date, YYYY-MM-DD"))
}

/// A person of the organisation: a named official, with their account when they have one.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficialBody {
    #[schema(schema_with = crate::http::schema::line_40)]
    pub name: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::line_50_or_null)]
    pub username: Option<String>,
}

/// A group of the organisation.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotGroupBody {
    #[schema(schema_with = group_code)]
    pub code: String,
    #[schema(schema_with = group_kind)]
    pub kind: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub name: String,
    /// The code of the group it sits under (none for the leading group).
    #[serde(default)]
    #[schema(schema_with = group_code_or_null)]
    pub parent: Option<String>,
    pub leader: OfficialBody,
    /// The unit answering for the group (task forces and units' groups).
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::unit_id_or_null)]
    pub lead_unit: Option<String>,
    #[serde(default)]
    #[schema(schema_with = units_200)]
    pub units: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub members: Vec<OfficialBody>,
}

/// The pilot's organisation as the pilot office keeps it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotOrganisationBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub office: String,
    #[serde(default)]
    #[schema(max_items = 200)]
    pub office_members: Vec<OfficialBody>,
    #[schema(min_items = 1, max_items = 600)]
    pub groups: Vec<PilotGroupBody>,
    /// The programmes (工程) the sites and projects are grouped by.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub programmes: Vec<super::pilot_ledger::ProgrammeBody>,
    /// Demonstration sites the district means to name, by level.
    #[serde(default)]
    #[schema(max_items = 3)]
    pub site_quotas: Vec<super::pilot_ledger::SiteQuotaBody>,
}

#[derive(Serialize, ToSchema)]
pub struct PilotOrganisationView {
    /// 0: none kept yet.
    pub version: i64,
    pub organisation: Option<PilotOrganisationBody>,
    /// Groups of each kind: leading groups, working groups, task forces, units' groups.
    pub shape: Vec<usize>,
    /// The units named in it, by id.
    pub unit_names: std::collections::BTreeMap<String, String>,
}

fn official_of(o: OfficialBody) -> Official {
    Official {
        name: o.name,
        title: o.title,
        username: o.username,
    }
}

fn official_body(o: &Official) -> OfficialBody {
    OfficialBody {
        name: o.name.clone(),
        title: o.title.clone(),
        username: o.username.clone(),
    }
}

async fn organisation_view(
    state: &AppState,
    o: uc::OrganisationInForce,
) -> ApiResult<PilotOrganisationView> {
    let names = uc::units(state).await?;
    let mut unit_names = std::collections::BTreeMap::new();
    if let Some(org) = &o.organisation {
        for g in &org.groups {
            for u in g.lead_unit.iter().chain(&g.units) {
                if let Some(n) = names.get(u) {
                    unit_names.insert(u.clone(), n.clone());
                }
            }
        }
    }
    Ok(PilotOrganisationView {
        version: o.version,
        shape: o
            .organisation
            .as_ref()
            .map(|org| org.shape().to_vec())
            .unwrap_or_else(|| vec![0; 4]),
        organisation: o.organisation.map(|org| PilotOrganisationBody {
            office: org.office.clone(),
            office_members: org.office_members.iter().map(official_body).collect(),
            groups: org
                .groups
                .iter()
                .map(|g| PilotGroupBody {
                    code: g.code.clone(),
                    kind: g.kind.as_str().into(),
                    name: g.name.clone(),
                    parent: g.parent.clone(),
                    leader: official_body(&g.leader),
                    lead_unit: g.lead_unit.clone(),
                    units: g.units.clone(),
                    members: g.members.iter().map(official_body).collect(),
                })
                .collect(),
            programmes: super::pilot_ledger::programme_bodies(&org.programmes),
            site_quotas: super::pilot_ledger::quota_bodies(&org.site_quotas),
        }),
        unit_names,
    })
}

#[utoipa::path(get, path = "/api/v1/pilot/organisation", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, body = PilotOrganisationView, description = "the organisation in force (version 0 and none: not kept yet)"),
              (status = 403, body = crate::http::error::ErrorBody, description = "villages and grid workers have no part in the pilot's plan")))]
pub async fn get_organisation(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<PilotOrganisationView>> {
    uc::target_scope(&user.user)?;
    let o = uc::organisation(&state).await?;
    Ok(axum::Json(organisation_view(&state, o).await?))
}

#[utoipa::path(put, path = "/api/v1/pilot/organisation", tag = "pilot", request_body = PilotOrganisationBody,
    security(("bearer" = [])),
    responses((status = 200, body = PilotOrganisationView, description = "the new version, recorded"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a level out of order, a code twice, a unit or account that does not exist")))]
pub async fn put_organisation(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<PilotOrganisationBody>,
) -> ApiResult<axum::Json<PilotOrganisationView>> {
    let mut groups = Vec::with_capacity(b.groups.len());
    for (i, g) in b.groups.into_iter().enumerate() {
        let kind = GroupKind::from_code(&g.kind)
            .ok_or_else(|| bad(&format!("groups[{i}].kind"), "no such kind of group"))?;
        groups.push(Group {
            code: g.code,
            kind,
            name: g.name,
            parent: g.parent,
            leader: official_of(g.leader),
            lead_unit: g.lead_unit,
            units: g.units,
            members: g.members.into_iter().map(official_of).collect(),
        });
    }
    let org = Organisation {
        office: b.office,
        office_members: b.office_members.into_iter().map(official_of).collect(),
        groups,
        programmes: super::pilot_ledger::programmes_of(b.programmes),
        site_quotas: super::pilot_ledger::quotas_of(b.site_quotas)?,
    };
    let o = uc::set_organisation(&state, &user.user, org).await?;
    Ok(axum::Json(organisation_view(&state, o).await?))
}

/// The year a list is read for.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PilotYearQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: i32,
}

fn year_of(year: i32) -> ApiResult<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(bad("year", "2000 to 2100"))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotTaskBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = group_code)]
    pub code: String,
    #[schema(schema_with = crate::http::schema::line_200)]
    pub title: String,
    /// The code of the task force (工作专班) that owns it.
    #[schema(schema_with = group_code)]
    pub task_force: String,
}

#[derive(Serialize, ToSchema)]
pub struct PilotTaskView {
    pub id: i64,
    pub year: i64,
    pub code: String,
    pub title: String,
    pub task_force: String,
    pub created_by: String,
    pub created_at: String,
}

fn task_view(t: zhili_store::TaskRow) -> PilotTaskView {
    PilotTaskView {
        id: t.id,
        year: t.year,
        code: t.code,
        title: t.title,
        task_force: t.task_force,
        created_by: t.created_by,
        created_at: zhili_domain::time::rfc3339(t.created_at),
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/tasks", tag = "pilot", params(PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = [PilotTaskView]), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn tasks(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<Vec<PilotTaskView>>> {
    let year = year_of(q.year)?;
    let tasks = uc::tasks(&state, &user.user, year).await?;
    Ok(axum::Json(tasks.into_iter().map(task_view).collect()))
}

#[utoipa::path(post, path = "/api/v1/pilot/tasks", tag = "pilot", request_body = PilotTaskBody, security(("bearer" = [])),
    responses((status = 201, body = PilotTaskView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "the year has a task of that code"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: no such task force")))]
pub async fn add_task(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<PilotTaskBody>,
) -> ApiResult<(StatusCode, axum::Json<PilotTaskView>)> {
    let draft = TaskDraft {
        year: b.year,
        code: b.code,
        title: b.title,
        task_force: b.task_force,
    };
    let t = uc::add_task(&state, &user.user, draft).await?;
    Ok((StatusCode::CREATED, axum::Json(task_view(t))))
}

/// A milestone as planned: on a day, or a number of working days before the target's due day.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotMilestoneBody {
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::date_or_null)]
    pub due: Option<String>,
    /// Scheduled back from the target's due day on the working calendar (倒排工期).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 250)]
    pub working_days_before: Option<u32>,
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub weight: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PilotTargetBody {
    #[schema(minimum = 1)]
    pub task_id: i64,
    #[schema(schema_with = crate::http::schema::line_200)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::unit_id)]
    pub lead_unit: String,
    #[serde(default)]
    #[schema(schema_with = units_30)]
    pub partners: Vec<String>,
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub weight: f64,
    #[schema(schema_with = crate::http::schema::date)]
    pub due: String,
    #[schema(min_items = 1, max_items = 24)]
    pub milestones: Vec<PilotMilestoneBody>,
}

#[derive(Serialize, ToSchema)]
pub struct PilotMilestoneView {
    pub seq: i64,
    pub title: String,
    pub due: String,
    pub weight: f64,
    pub done_on: Option<String>,
    #[schema(schema_with = milestone_state)]
    pub state: String,
    pub state_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PilotTargetView {
    pub id: i64,
    pub task_id: i64,
    pub task_code: String,
    pub task_title: String,
    pub task_force: String,
    pub year: i64,
    pub title: String,
    pub lead_unit: String,
    pub lead_name: String,
    pub partners: Vec<String>,
    pub partner_names: Vec<String>,
    pub weight: f64,
    pub due: String,
    pub percent: f64,
    /// The version a progress report names.
    pub version: i64,
    #[schema(schema_with = target_state)]
    pub state: String,
    pub state_name: String,
    /// red (late) or yellow (a milestone near), none otherwise.
    pub light: Option<String>,
    pub milestones: Vec<PilotMilestoneView>,
    /// The caller's part: lead, partner or none (reads only).
    pub my_part: String,
    pub created_by: String,
}

pub(crate) fn target_view(v: uc::TargetView, user: &zhili_domain::user::User) -> PilotTargetView {
    let part = match progress::part(user, &v.row) {
        zhili_domain::assess::Part::Lead => "lead",
        zhili_domain::assess::Part::Partner => "partner",
        zhili_domain::assess::Part::None => "none",
    };
    PilotTargetView {
        id: v.row.id,
        task_id: v.row.task_id,
        task_code: v.row.task_code,
        task_title: v.row.task_title,
        task_force: v.row.task_force,
        year: v.row.year,
        title: v.row.title,
        lead_unit: v.row.lead_unit,
        lead_name: v.lead_name,
        partners: v.row.partners,
        partner_names: v.partner_names,
        weight: v.row.weight,
        due: date_string(v.row.due_day),
        percent: v.row.percent,
        version: v.row.version,
        state: v.state.as_str().into(),
        state_name: v.state.label_zh().into(),
        light: v.state.light().map(Into::into),
        milestones: v
            .milestones
            .into_iter()
            .map(|m| PilotMilestoneView {
                seq: m.row.seq,
                title: m.row.title,
                due: date_string(m.row.due_day),
                weight: m.row.weight,
                done_on: m.row.done_on.map(date_string),
                state: m.state.as_str().into(),
                state_name: m.state.label_zh().into(),
            })
            .collect(),
        my_part: part.into(),
        created_by: v.row.created_by,
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/targets", tag = "pilot", params(PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = [PilotTargetView], description = "the year's targets the caller reads: all for the pilot office, leaders and the district; a unit's own"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn targets(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<Vec<PilotTargetView>>> {
    let year = year_of(q.year)?;
    let views = uc::targets(&state, &user.user, year).await?;
    Ok(axum::Json(
        views
            .into_iter()
            .map(|v| target_view(v, &user.user))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/pilot/targets", tag = "pilot", request_body = PilotTargetBody, security(("bearer" = [])),
    responses((status = 201, body = PilotTargetView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such task"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a day outside the task's year, a milestone after the due day, a unit that does not exist, a partner that is the lead")))]
pub async fn add_target(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<PilotTargetBody>,
) -> ApiResult<(StatusCode, axum::Json<PilotTargetView>)> {
    let due = day("due", &b.due)?;
    let mut milestones = Vec::with_capacity(b.milestones.len());
    for (i, m) in b.milestones.into_iter().enumerate() {
        let at = |f: &str| format!("milestones[{i}].{f}");
        let when = match (m.due, m.working_days_before) {
            (Some(d), None) => When::On(day(&at("due"), &d)?),
            (None, Some(n)) => When::WorkingDaysBefore(n),
            _ => return Err(bad(&at("due"), "a day or working_days_before, one of them")),
        };
        milestones.push(MilestoneDraft {
            title: m.title,
            when,
            weight: m.weight,
        });
    }
    let v = uc::add_target(
        &state,
        &user.user,
        uc::NewTarget {
            task_id: b.task_id,
            title: b.title,
            lead_unit: b.lead_unit,
            partners: b.partners,
            weight: b.weight,
            due,
            milestones,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(target_view(v, &user.user))))
}

#[utoipa::path(get, path = "/api/v1/pilot/targets/{id}", tag = "pilot", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = PilotTargetView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such target, or not the caller's unit's")))]
pub async fn target(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<PilotTargetView>> {
    let id = crate::http::events::parse_id(&id)?;
    let v = uc::target(&state, &user.user, id).await?;
    Ok(axum::Json(target_view(v, &user.user)))
}

/// A link to what shows the work: an event, a mediation case or a meeting the reporter reads.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceLinkBody {
    #[schema(schema_with = evidence_kind)]
    pub kind: String,
    #[schema(minimum = 1)]
    pub id: i64,
}

/// A unit's progress report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressBody {
    /// The target's version as read.
    #[schema(minimum = 1)]
    pub version: i64,
    #[schema(schema_with = crate::http::schema::note)]
    pub note: String,
    /// The new percentage (the lead unit only).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub percent: Option<f64>,
    /// Milestones (seq) now done (the lead unit only).
    #[serde(default)]
    #[schema(max_items = 24)]
    pub milestones_done: Vec<i64>,
    /// Photo ids from POST /api/v1/attachments.
    #[serde(default)]
    #[schema(schema_with = crate::http::schema::photo_ids)]
    pub photos: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 20)]
    pub links: Vec<EvidenceLinkBody>,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceLinkView {
    #[schema(schema_with = evidence_kind)]
    pub kind: String,
    pub id: i64,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProgressView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub percent: Option<f64>,
    pub milestones_done: Vec<i64>,
    pub note: String,
    pub photos: Vec<String>,
    pub links: Vec<EvidenceLinkView>,
    pub reported_by: String,
    pub reported_at: String,
}

#[utoipa::path(post, path = "/api/v1/pilot/targets/{id}/progress", tag = "pilot", params(("id" = i64, Path, minimum = 1)),
    request_body = ProgressBody, security(("bearer" = [])),
    responses((status = 200, body = PilotTargetView, description = "the target as it now stands"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the target's lead or partner unit"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no such target for the caller, or a photo or link they may not use"),
              (status = 409, body = crate::http::error::ErrorBody, description = "the target changed since it was read"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a partner moving the percentage, a milestone done already")))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<ProgressBody>,
) -> ApiResult<axum::Json<PilotTargetView>> {
    let id = crate::http::events::parse_id(&id)?;
    let v = progress::report(
        &state,
        &user.user,
        id,
        progress::Report {
            version: b.version,
            note: b.note,
            percent: b.percent,
            milestones_done: b.milestones_done,
            photos: b.photos,
            links: b.links.into_iter().map(|l| (l.kind, l.id)).collect(),
        },
    )
    .await?;
    Ok(axum::Json(target_view(v, &user.user)))
}

#[utoipa::path(get, path = "/api/v1/pilot/targets/{id}/progress", tag = "pilot", params(("id" = i64, Path, minimum = 1)),
    security(("bearer" = [])),
    responses((status = 200, body = [ProgressView], description = "the target's reports, newest first"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn reports(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<ProgressView>>> {
    let id = crate::http::events::parse_id(&id)?;
    let list = progress::reports(&state, &user.user, id).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|r| ProgressView {
                id: r.row.id,
                unit: r.row.unit_id,
                unit_name: r.unit_name,
                percent: r.row.percent,
                milestones_done: r.row.milestones_done,
                note: r.row.note,
                photos: r.photos,
                links: r
                    .links
                    .into_iter()
                    .map(|l| EvidenceLinkView {
                        kind: l.kind,
                        id: l.id,
                        label: l.label,
                    })
                    .collect(),
                reported_by: r.row.reported_by,
                reported_at: zhili_domain::time::rfc3339(r.row.reported_at),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PilotWarningView {
    pub target_id: i64,
    pub target_title: String,
    pub task_code: String,
    pub seq: i64,
    pub milestone: String,
    pub due: String,
    #[schema(schema_with = milestone_state)]
    pub state: String,
    /// red or yellow
    pub light: String,
    pub lead_unit: String,
    pub lead_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PilotLineView {
    pub code: String,
    pub name: String,
    pub leader: String,
    pub targets: usize,
    pub late: usize,
    pub done: usize,
    pub percent: f64,
}

#[derive(Serialize, ToSchema)]
pub struct PilotStateCount {
    #[schema(schema_with = target_state)]
    pub state: String,
    pub name: String,
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct PilotOverviewView {
    pub year: i32,
    pub tasks: usize,
    pub targets: usize,
    pub by_state: Vec<PilotStateCount>,
    /// Weighted progress of the targets read (0–100).
    pub percent: f64,
    /// Late milestones (red) first, then those near (yellow).
    pub warnings: Vec<PilotWarningView>,
    pub task_forces: Vec<PilotLineView>,
    pub units: Vec<PilotLineView>,
    /// The acceptance checklist's readiness over the requirements the caller reads.
    pub checklist: crate::http::pilot_checklist::ReadinessView,
}

fn line(l: overview::Line) -> PilotLineView {
    PilotLineView {
        code: l.code,
        name: l.name,
        leader: l.leader,
        targets: l.targets,
        late: l.late,
        done: l.done,
        percent: (l.percent * 10.0).round() / 10.0,
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/overview", tag = "pilot", params(PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = PilotOverviewView, description = "where the year's targets the caller reads stand today"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn get_overview(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<PilotOverviewView>> {
    let year = year_of(q.year)?;
    let o = overview::overview(&state, &user.user, year).await?;
    let checklist = crate::usecase::pilot::checklist::view(&state, &user.user).await?;
    Ok(axum::Json(PilotOverviewView {
        checklist: crate::http::pilot_checklist::readiness_view(&checklist.readiness),
        year: o.year,
        tasks: o.tasks,
        targets: o.targets,
        by_state: o
            .by_state
            .into_iter()
            .map(|(s, count)| PilotStateCount {
                state: s.as_str().into(),
                name: s.label_zh().into(),
                count,
            })
            .collect(),
        percent: (o.percent * 10.0).round() / 10.0,
        warnings: o
            .warnings
            .into_iter()
            .map(|w| PilotWarningView {
                target_id: w.target_id,
                target_title: w.target_title,
                task_code: w.task_code,
                seq: w.seq,
                milestone: w.milestone,
                due: date_string(w.due_day),
                light: if w.state == MilestoneState::Late {
                    "red"
                } else {
                    "yellow"
                }
                .into(),
                state: w.state.as_str().into(),
                lead_unit: w.lead_unit,
                lead_name: w.lead_name,
            })
            .collect(),
        task_forces: o.task_forces.into_iter().map(line).collect(),
        units: o.units.into_iter().map(line).collect(),
    }))
}
