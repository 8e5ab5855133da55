//! The risk register over HTTP: the list (overdue reviews counted), one risk, registering
//! (from an alert in one step), editing, and its status steps; the thirteen sectors.

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::risk::register as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::risk::{
    review_overdue, AlertLevel, RiskDraft, RiskLink, RiskLinkKind, RiskStatus, RiskStep,
};
use zhili_domain::ErrorCode;
use zhili_store::{RiskFilter, RiskRecord};

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn day(field: &str, raw: &str) -> Result<i64, ApiError> {
    zhili_domain::time::parse_date(raw).ok_or_else(|| bad(field, "a date, YYYY-MM-DD"))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskLinkBody {
    /// alert, event, case (mediation), person
    #[schema(schema_with = link_kind)]
    pub kind: String,
    #[schema(minimum = 1)]
    pub id: i64,
}

fn link_kind() -> utoipa::openapi::Object {
    crate::http::schema::one_of(RiskLinkKind::ALL.map(|k| k.as_str()))
}

fn risk_level() -> utoipa::openapi::Object {
    crate::http::schema::one_of(AlertLevel::ALL.map(|k| k.as_str()))
}

fn risk_status() -> utoipa::openapi::Object {
    crate::http::schema::one_of(RiskStatus::ALL.map(|k| k.as_str()))
}

#[derive(Serialize, ToSchema)]
pub struct RiskView {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// blue, yellow, orange, red
    pub level: String,
    pub level_name: String,
    pub area_code: String,
    pub area_name: String,
    pub owner_unit: String,
    pub owner_unit_name: String,
    pub measures: String,
    pub review_on: String,
    /// The review day has passed and the risk is not closed.
    pub review_overdue: bool,
    /// open, controlled, closed
    pub status: String,
    pub status_name: String,
    pub links: Vec<RiskLinkBody>,
    /// What closed or reopened it last.
    pub note: Option<String>,
    pub registered_by: String,
    pub registered_at: String,
    pub version: i64,
}

fn view(
    state: &AppState,
    names: &std::collections::HashMap<String, String>,
    r: RiskRecord,
    today: i64,
) -> RiskView {
    let status = RiskStatus::from_code(&r.status).unwrap_or(RiskStatus::Open);
    let level = AlertLevel::parse(&r.level);
    RiskView {
        id: r.id,
        links: uc::links_of(&r)
            .into_iter()
            .map(|l| RiskLinkBody {
                kind: l.kind.as_str().into(),
                id: l.id,
            })
            .collect(),
        area_name: state
            .index()
            .names
            .get(&r.area_code)
            .cloned()
            .unwrap_or_else(|| r.area_code.clone()),
        owner_unit_name: names
            .get(&r.owner_unit)
            .cloned()
            .unwrap_or_else(|| r.owner_unit.clone()),
        level_name: level.map(|l| l.label_zh()).unwrap_or_default().into(),
        review_overdue: review_overdue(status, r.review_on, today),
        status_name: status.label_zh().into(),
        review_on: date_string(r.review_on),
        registered_at: zhili_domain::time::rfc3339(r.registered_at),
        title: r.title,
        description: r.description,
        level: r.level,
        area_code: r.area_code,
        owner_unit: r.owner_unit,
        measures: r.measures,
        status: r.status,
        note: r.note,
        registered_by: r.registered_by,
        version: r.version,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RiskQuery {
    /// open, controlled or closed; none: all.
    #[param(schema_with = risk_status)]
    pub status: Option<String>,
    /// Only those whose review day has passed (not closed).
    pub overdue: Option<bool>,
    #[param(schema_with = crate::http::schema::region_code)]
    pub region: Option<String>,
    #[param(max_length = 32)]
    pub owner_unit: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RiskPage {
    pub total: i64,
    /// Of all the caller's risks, those whose review is overdue.
    pub overdue: i64,
    pub items: Vec<RiskView>,
}

#[utoipa::path(get, path = "/api/v1/risk/register", tag = "risk", params(RiskQuery), security(("bearer" = [])),
    responses((status = 200, body = RiskPage, description = "the caller's risks: not closed first, the most pressing review first")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<RiskQuery>,
) -> ApiResult<axum::Json<RiskPage>> {
    let today = china_day(crate::now_ms());
    let statuses = match q.status.as_deref() {
        None => vec![],
        Some(s) => vec![RiskStatus::from_code(s)
            .ok_or_else(|| bad("status", "open, controlled or closed"))?
            .as_str()
            .to_string()],
    };
    let region = q
        .region
        .as_deref()
        .map(|r| zhili_domain::RegionCode::parse(r).map_err(|_| bad("region", "a region code")))
        .transpose()?;
    if q.owner_unit
        .as_ref()
        .is_some_and(|u| u.chars().count() > 32)
    {
        return Err(bad("owner_unit", "a unit id, at most 32 characters"));
    }
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if !(0..=100_000).contains(&offset) {
        return Err(bad("offset", "0 to 100000"));
    }
    let scope = crate::usecase::risk::reading_scope(&state, &user.user).await?;
    let (total, items) = state
        .store
        .risks(
            &scope,
            &RiskFilter {
                statuses,
                review_before: q.overdue.unwrap_or(false).then_some(today),
                region,
                owner_unit: q.owner_unit,
                limit,
                offset,
                ..Default::default()
            },
        )
        .await?;
    let (overdue, _) = state
        .store
        .risks(
            &scope,
            &RiskFilter {
                review_before: Some(today),
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
    Ok(axum::Json(RiskPage {
        total,
        overdue,
        items: {
            let names = crate::usecase::risk::unit_names(&state).await?;
            items
                .into_iter()
                .map(|r| view(&state, &names, r, today))
                .collect()
        },
    }))
}

#[utoipa::path(get, path = "/api/v1/risk/register/{id}", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = RiskView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<RiskView>> {
    let id = crate::http::events::parse_id(&id)?;
    let r = state
        .store
        .risk(
            &crate::usecase::risk::reading_scope(&state, &user.user).await?,
            id,
        )
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("risk {id} not found")))?;
    Ok(axum::Json(view(
        &state,
        &crate::usecase::risk::unit_names(&state).await?,
        r,
        china_day(crate::now_ms()),
    )))
}

/// What a risk says.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    /// The area it is in (village, town or district; a grid's village is usual).
    #[schema(schema_with = crate::http::schema::region_code)]
    pub area_code: String,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub description: String,
    #[schema(schema_with = risk_level)]
    pub level: String,
    /// The unit that follows it (a department, centre or station).
    #[schema(max_length = 32)]
    pub owner_unit: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub measures: String,
    /// The next review, from today to a year ahead.
    #[schema(schema_with = crate::http::schema::date)]
    pub review_on: String,
    #[schema(max_items = 50)]
    pub links: Option<Vec<RiskLinkBody>>,
    /// Registered from this alert (which is then marked as registered).
    #[schema(minimum = 1)]
    pub alert_id: Option<i64>,
    /// The alert's version as read.
    #[schema(minimum = 1)]
    pub alert_version: Option<i64>,
}

fn draft(
    title: String,
    description: String,
    level: &str,
    owner_unit: String,
    measures: String,
    review_on: &str,
    links: Option<Vec<RiskLinkBody>>,
) -> Result<RiskDraft, ApiError> {
    let links = links
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            Ok(RiskLink {
                kind: RiskLinkKind::from_code(&l.kind).ok_or_else(|| {
                    bad(&format!("links[{i}].kind"), "alert, event, case or person")
                })?,
                id: l.id,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(RiskDraft {
        title,
        description,
        level: AlertLevel::from_code(level)
            .ok_or_else(|| bad("level", "blue, yellow, orange or red"))?,
        owner_unit,
        measures,
        review_on: day("review_on", review_on)?,
        links,
    })
}

#[utoipa::path(post, path = "/api/v1/risk/register", tag = "risk", request_body = RiskBody, security(("bearer" = [])),
    responses((status = 201, body = RiskView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the area, owner unit, alert or a link is not the caller's"),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: the alert is registered already; conflict: it changed meanwhile")))]
pub async fn register(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<RiskBody>,
) -> ApiResult<(StatusCode, axum::Json<RiskView>)> {
    if b.alert_version.is_some() && b.alert_id.is_none() {
        return Err(bad("alert_version", "only with alert_id"));
    }
    let draft = draft(
        b.title,
        b.description,
        &b.level,
        b.owner_unit,
        b.measures,
        &b.review_on,
        b.links,
    )?;
    let r = uc::register(
        &state,
        &user.user,
        uc::RegisterRisk {
            area_code: b.area_code,
            draft,
            from_alert: b.alert_id.map(|id| (id, b.alert_version)),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(
            &state,
            &crate::usecase::risk::unit_names(&state).await?,
            r,
            china_day(crate::now_ms()),
        )),
    ))
}

/// A risk's new wording, level, owner, measures, review day and links.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskEditBody {
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub description: String,
    #[schema(schema_with = risk_level)]
    pub level: String,
    #[schema(max_length = 32)]
    pub owner_unit: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub measures: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub review_on: String,
    #[schema(max_items = 50)]
    pub links: Option<Vec<RiskLinkBody>>,
}

#[utoipa::path(put, path = "/api/v1/risk/register/{id}", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = RiskEditBody, security(("bearer" = [])),
    responses((status = 200, body = RiskView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: closed; conflict: changed meanwhile")))]
pub async fn edit(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<RiskEditBody>,
) -> ApiResult<axum::Json<RiskView>> {
    let id = crate::http::events::parse_id(&id)?;
    let draft = draft(
        b.title,
        b.description,
        &b.level,
        b.owner_unit,
        b.measures,
        &b.review_on,
        b.links,
    )?;
    let r = uc::edit(&state, &user.user, id, b.version, draft).await?;
    Ok(axum::Json(view(
        &state,
        &crate::usecase::risk::unit_names(&state).await?,
        r,
        china_day(crate::now_ms()),
    )))
}

/// A change of a risk's status.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum RiskActionBody {
    /// Its measures hold (已管控).
    Control {
        #[schema(minimum = 1)]
        version: Option<i64>,
    },
    /// Closed (销号), with what settled it.
    Close {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note)]
        note: String,
    },
    /// Open again, with why.
    Reopen {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note)]
        reason: String,
    },
}

#[utoipa::path(post, path = "/api/v1/risk/register/{id}/actions", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = RiskActionBody, security(("bearer" = [])),
    responses((status = 200, body = RiskView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: not from this status; conflict: changed meanwhile")))]
pub async fn act(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<RiskActionBody>,
) -> ApiResult<axum::Json<RiskView>> {
    let id = crate::http::events::parse_id(&id)?;
    let (version, step) = match b {
        RiskActionBody::Control { version } => (version, RiskStep::Control),
        RiskActionBody::Close { version, note } => (version, RiskStep::Close { note }),
        RiskActionBody::Reopen { version, reason } => (version, RiskStep::Reopen { reason }),
    };
    let r = uc::step(&state, &user.user, id, version, step).await?;
    Ok(axum::Json(view(
        &state,
        &crate::usecase::risk::unit_names(&state).await?,
        r,
        china_day(crate::now_ms()),
    )))
}

/// A sector assessment (行业研判) and the departments it groups.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectorView {
    #[schema(pattern = "^S[0-9]{2}$", example = "S02")]
    pub code: String,
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    #[schema(min_items = 1, max_items = 60)]
    pub departments: Vec<String>,
}

fn sector_views(sectors: Vec<zhili_domain::risk::Sector>) -> Vec<SectorView> {
    sectors
        .into_iter()
        .map(|s| SectorView {
            code: s.code,
            name: s.name,
            departments: s.departments,
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/risk/sectors", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = [SectorView], description = "the sector assessments in force and their departments")))]
pub async fn sectors(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<SectorView>>> {
    let (_, sectors) = crate::usecase::risk::sectors(&state).await?;
    Ok(axum::Json(sector_views(sectors)))
}

/// A new grouping of the departments into sector assessments.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectorsBody {
    #[schema(min_items = 1, max_items = 40)]
    pub sectors: Vec<SectorView>,
}

#[utoipa::path(put, path = "/api/v1/risk/sectors", tag = "risk", request_body = SectorsBody, security(("bearer" = [])),
    responses((status = 200, body = [SectorView], description = "the grouping now in force (a new version, recorded)"),
              (status = 403, body = crate::http::error::ErrorBody, description = "only an administrator"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a code, a name, a department unknown or in two sectors")))]
pub async fn set_sectors(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<SectorsBody>,
) -> ApiResult<axum::Json<Vec<SectorView>>> {
    let sectors = b
        .sectors
        .into_iter()
        .map(|s| zhili_domain::risk::Sector {
            code: s.code,
            name: s.name,
            departments: s.departments,
        })
        .collect();
    let (_, sectors) = crate::usecase::risk::set_sectors(&state, &user.user, sectors).await?;
    Ok(axum::Json(sector_views(sectors)))
}
