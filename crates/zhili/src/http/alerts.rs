//! Risk alerts over HTTP: the list and one alert with its chart, what people do with it, and
//! an evaluation on demand (the server also evaluates after reports arrive and every few
//! minutes).

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::risk as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::date_string;
use zhili_domain::risk::{AlertCommand, AlertLevel, AlertState};
use zhili_domain::{ErrorCode, Role};
use zhili_store::{AlertFilter, AlertRecord};

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

#[derive(Serialize, ToSchema)]
pub struct AlertPoint {
    /// The period's first day.
    pub day: String,
    pub observed: f64,
    /// Null before the detector has its history.
    pub expected: Option<f64>,
    pub bound: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub indicator_code: String,
    pub indicator_name: String,
    /// The catalogue version that raised it.
    pub catalogue_version: i64,
    /// grid, village, town, district, department
    pub area_level: String,
    pub area_code: String,
    pub area_name: String,
    /// blue, yellow, orange, red: the highest it reached.
    pub level: String,
    pub level_name: String,
    /// open, acknowledged, silenced, cleared — as it reads now (a silence ended reads open).
    pub state: String,
    pub state_name: String,
    pub raised_on: String,
    pub cleared_on: Option<String>,
    pub peak_on: String,
    /// At its peak: the count, what the baseline expected, and the bound it crossed.
    pub observed: f64,
    pub expected: f64,
    pub bound: f64,
    /// The periods around it, for its chart.
    pub history: Vec<AlertPoint>,
    pub assigned_unit: Option<String>,
    pub silenced_until: Option<String>,
    pub silence_reason: Option<String>,
    pub event_id: Option<i64>,
    /// The register entry made of it.
    pub risk_id: Option<i64>,
    pub version: i64,
}

pub(crate) fn view(state: &AppState, a: AlertRecord, now: i64) -> AlertView {
    let points: Vec<(i64, f64, Option<f64>, Option<f64>)> =
        serde_json::from_str(&a.history).unwrap_or_default();
    let read = a.handling.state_at(now);
    let level = AlertLevel::parse(&a.level);
    AlertView {
        id: a.id,
        area_name: state
            .index()
            .names
            .get(&a.area_code)
            .cloned()
            .unwrap_or_else(|| a.area_code.clone()),
        indicator_code: a.indicator_code,
        indicator_name: a.indicator_name,
        catalogue_version: a.catalogue_version,
        area_level: a.area_level,
        area_code: a.area_code,
        level_name: level.map(|l| l.label_zh()).unwrap_or_default().into(),
        level: a.level,
        state: read.as_str().into(),
        state_name: read.label_zh().into(),
        raised_on: date_string(a.raised_on),
        cleared_on: a.cleared_on.map(date_string),
        peak_on: date_string(a.peak_on),
        observed: a.observed,
        expected: a.expected,
        bound: a.bound,
        history: points
            .into_iter()
            .map(|(day, observed, expected, bound)| AlertPoint {
                day: date_string(day),
                observed,
                expected,
                bound,
            })
            .collect(),
        assigned_unit: a.handling.assigned_unit,
        silenced_until: a.handling.silenced_until.map(zhili_domain::time::rfc3339),
        silence_reason: a.handling.silence_reason,
        event_id: a.handling.event_id,
        risk_id: a.handling.risk_id,
        version: a.version,
    }
}

fn alert_state() -> utoipa::openapi::Object {
    crate::http::schema::one_of(zhili_domain::risk::AlertState::ALL.map(|s| s.as_str()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// open, acknowledged, silenced or cleared; none: all.
    #[param(schema_with = alert_state)]
    pub state: Option<String>,
    #[param(max_length = 16)]
    pub indicator: Option<String>,
    /// Only inside this region.
    #[param(schema_with = crate::http::schema::region_code)]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertPage {
    pub total: i64,
    pub items: Vec<AlertView>,
}

/// The list's filter from its query, every bound checked.
fn filter_of(q: AlertQuery, now: i64) -> ApiResult<AlertFilter> {
    let states = match q.state.as_deref() {
        None => vec![],
        Some(s) => vec![AlertState::from_code(s)
            .ok_or_else(|| bad("state", "open, acknowledged, silenced or cleared"))?],
    };
    let region = q
        .region
        .as_deref()
        .map(|r| zhili_domain::RegionCode::parse(r).map_err(|_| bad("region", "a region code")))
        .transpose()?;
    if q.indicator.as_ref().is_some_and(|i| i.chars().count() > 16) {
        return Err(bad(
            "indicator",
            "an indicator's code, at most 16 characters",
        ));
    }
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    if !(0..=100_000).contains(&offset) {
        return Err(bad("offset", "0 to 100000"));
    }
    Ok(AlertFilter {
        states,
        indicator: q.indicator,
        region,
        now,
        limit,
        offset,
        ..Default::default()
    })
}

#[utoipa::path(get, path = "/api/v1/risk/alerts", tag = "risk", params(AlertQuery), security(("bearer" = [])),
    responses((status = 200, body = AlertPage, description = "the caller's area's alerts, newest first")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<AlertQuery>,
) -> ApiResult<axum::Json<AlertPage>> {
    let now = crate::now_ms();
    let filter = filter_of(q, now)?;
    let scope = crate::usecase::risk::reading_scope(&state, &user.user).await?;
    let (total, items) = state.store.alerts(&scope, &filter).await?;
    Ok(axum::Json(AlertPage {
        total,
        items: items.into_iter().map(|a| view(&state, a, now)).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertGroupView {
    /// How many alerts of this indicator the area has had (within the filter).
    pub count: i64,
    /// The latest raised.
    pub latest: AlertView,
}

#[derive(Serialize, ToSchema)]
pub struct AlertGroupPage {
    /// How many groups (area and indicator) the filter holds.
    pub total: i64,
    pub items: Vec<AlertGroupView>,
}

#[utoipa::path(get, path = "/api/v1/risk/alert-groups", tag = "risk", params(AlertQuery), security(("bearer" = [])),
    responses((status = 200, body = AlertGroupPage, description = "the caller's area's alerts grouped by area and indicator, counted in the store, the group with the latest raised first; limit and offset count groups")))]
pub async fn groups(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<AlertQuery>,
) -> ApiResult<axum::Json<AlertGroupPage>> {
    let now = crate::now_ms();
    let filter = filter_of(q, now)?;
    let (total, groups) = state
        .store
        .alert_groups(
            &crate::usecase::risk::reading_scope(&state, &user.user).await?,
            &filter,
        )
        .await?;
    Ok(axum::Json(AlertGroupPage {
        total,
        items: groups
            .into_iter()
            .map(|(count, a)| AlertGroupView {
                count,
                latest: view(&state, a, now),
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/risk/alerts/{id}", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = AlertView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<AlertView>> {
    let id = crate::http::events::parse_id(&id)?;
    let a = state
        .store
        .alert(
            &crate::usecase::risk::reading_scope(&state, &user.user).await?,
            id,
        )
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("alert {id} not found")))?;
    Ok(axum::Json(view(&state, a, crate::now_ms())))
}

/// What someone does with an alert.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AlertActionBody {
    /// Seen and being looked at.
    Acknowledge {
        #[schema(minimum = 1)]
        version: Option<i64>,
    },
    /// Handed to a unit to follow.
    Assign {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(max_length = 32)]
        unit: String,
    },
    /// Quiet until `until` (within 30 days), only with a reason.
    Silence {
        #[schema(minimum = 1)]
        version: Option<i64>,
        #[schema(schema_with = crate::http::schema::note_500)]
        reason: String,
        /// RFC 3339, e.g. 2026-12-03T18:00:00+08:00.
        #[schema(max_length = 40)]
        until: String,
    },
}

#[utoipa::path(post, path = "/api/v1/risk/alerts/{id}/actions", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = AlertActionBody, security(("bearer" = [])),
    responses((status = 200, body = AlertView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the alert or the unit named"),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: not possible now; conflict: changed meanwhile")))]
pub async fn act(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<AlertActionBody>,
) -> ApiResult<axum::Json<AlertView>> {
    let alert_id = crate::http::events::parse_id(&id)?;
    let (version, command) = match body {
        AlertActionBody::Acknowledge { version } => (version, AlertCommand::Acknowledge),
        AlertActionBody::Assign { version, unit } => (version, AlertCommand::Assign { unit }),
        AlertActionBody::Silence {
            version,
            reason,
            until,
        } => (
            version,
            AlertCommand::Silence {
                reason,
                until: zhili_domain::time::parse_rfc3339(&until)
                    .ok_or_else(|| bad("until", "a time with its offset (RFC 3339)"))?,
            },
        ),
    };
    let a = uc::handle(
        &state,
        &user.user,
        uc::Handle {
            alert_id,
            version,
            command,
        },
    )
    .await?;
    Ok(axum::Json(view(&state, a, crate::now_ms())))
}

#[derive(Serialize, ToSchema)]
pub struct EvaluatedView {
    pub indicators: usize,
    pub areas: usize,
    pub raised: Vec<i64>,
    pub risen: usize,
    pub cleared: usize,
}

#[utoipa::path(post, path = "/api/v1/risk/evaluate", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = EvaluatedView), (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn evaluate(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<EvaluatedView>> {
    if !matches!(
        user.user.role,
        Role::Admin | Role::DistrictCommander | Role::DistrictOperator
    ) {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only the administrator and the district centre evaluate on demand",
        ));
    }
    let done = uc::evaluate(&state, crate::now_ms()).await?;
    Ok(axum::Json(EvaluatedView {
        indicators: done.indicators,
        areas: done.areas,
        raised: done.raised,
        risen: done.risen,
        cleared: done.cleared,
    }))
}
