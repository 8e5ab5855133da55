//! Assessment meetings and reports over HTTP: meetings scheduled and held (decisions dispatched
//! as events), the week's or month's drafted report as .docx; and two steps from an alert — the
//! reports it counted, and the alert turned into an event.

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::risk::{self as uc, meetings, report};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::{china_day, date_string, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::risk::{Decision, MeetingKind, MeetingRecord};
use zhili_domain::ErrorCode;
use zhili_store::MeetingRow;

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn meeting_kind() -> utoipa::openapi::Object {
    crate::http::schema::one_of(MeetingKind::ALL.map(|k| k.as_str()))
}

#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    pub seq: i64,
    pub text: String,
    pub lead_unit: String,
    pub lead_unit_name: String,
    pub category: String,
    pub due_on: String,
    /// The event its task was dispatched as (null until it is).
    pub event_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingView {
    pub id: i64,
    /// district, sector, grassroots
    pub kind: String,
    pub kind_name: String,
    pub sector: Option<String>,
    pub sector_name: Option<String>,
    pub area_code: String,
    pub area_name: String,
    pub title: String,
    pub scheduled_at: String,
    /// scheduled, held
    pub status: String,
    pub held_at: Option<String>,
    pub attendees: Vec<String>,
    pub minutes: Option<String>,
    /// What it looked at: the alerts and risks standing when it was held.
    #[schema(value_type = Option<Object>)]
    pub material: Option<serde_json::Value>,
    pub convened_by: String,
    pub decisions: Vec<DecisionView>,
    pub version: i64,
}

fn view(
    state: &AppState,
    names: &std::collections::HashMap<String, String>,
    sectors: &[zhili_domain::risk::Sector],
    m: MeetingRow,
) -> MeetingView {
    let kind = MeetingKind::from_code(&m.kind);
    MeetingView {
        id: m.id,
        kind_name: kind.map(|k| k.label_zh()).unwrap_or_default().into(),
        sector_name: m
            .sector
            .as_ref()
            .and_then(|c| sectors.iter().find(|s| &s.code == c))
            .map(|s| s.name.clone()),
        area_name: state
            .index()
            .names
            .get(&m.area_code)
            .cloned()
            .unwrap_or_else(|| m.area_code.clone()),
        scheduled_at: zhili_domain::time::rfc3339(m.scheduled_at),
        held_at: m.held_at.map(zhili_domain::time::rfc3339),
        attendees: m
            .attendees
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default(),
        material: m
            .material
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok()),
        decisions: m
            .decisions
            .into_iter()
            .map(|d| DecisionView {
                seq: d.seq,
                lead_unit_name: names
                    .get(&d.lead_unit)
                    .cloned()
                    .unwrap_or_else(|| d.lead_unit.clone()),
                text: d.text,
                lead_unit: d.lead_unit,
                category: d.category,
                due_on: date_string(d.due_on),
                event_id: d.event_id,
            })
            .collect(),
        kind: m.kind,
        sector: m.sector,
        area_code: m.area_code,
        title: m.title,
        status: m.status,
        minutes: m.minutes,
        convened_by: m.convened_by,
        version: m.version,
    }
}

async fn answer(state: &AppState, m: MeetingRow) -> Result<MeetingView, ApiError> {
    let names = crate::usecase::risk::unit_names(state).await?;
    let (_, sectors) = crate::usecase::risk::sectors(state).await?;
    Ok(view(state, &names, &sectors, m))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// From this day (default: a year before today).
    #[param(schema_with = crate::http::schema::date)]
    pub from: Option<String>,
    /// Up to and including this day (default: a year after today).
    #[param(schema_with = crate::http::schema::date)]
    pub to: Option<String>,
}

fn day(field: &str, raw: &str) -> Result<i64, ApiError> {
    zhili_domain::time::parse_date(raw).ok_or_else(|| bad(field, "a date, YYYY-MM-DD"))
}

#[utoipa::path(get, path = "/api/v1/risk/meetings", tag = "risk", params(MeetingQuery), security(("bearer" = [])),
    responses((status = 200, body = [MeetingView], description = "the caller's meetings in the period, latest first (at most 200)")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<MeetingQuery>,
) -> ApiResult<axum::Json<Vec<MeetingView>>> {
    let today = china_day(crate::now_ms());
    let from = q
        .from
        .as_deref()
        .map(|d| day("from", d))
        .transpose()?
        .unwrap_or(today - 366);
    let to =
        q.to.as_deref()
            .map(|d| day("to", d))
            .transpose()?
            .unwrap_or(today + 366);
    if to < from {
        return Err(bad("to", "on or after from"));
    }
    let sector = meetings::reader_sector(&state, &user.user).await?;
    let rows = state
        .store
        .meetings(
            &zhili_store::MeetingReader {
                scope: &user.user.scope(),
                sector: sector.as_deref(),
            },
            from * DAY_MS - CHINA_OFFSET_MS,
            (to + 1) * DAY_MS - CHINA_OFFSET_MS,
            200,
        )
        .await?;
    let names = crate::usecase::risk::unit_names(&state).await?;
    let (_, sectors) = crate::usecase::risk::sectors(&state).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|m| view(&state, &names, &sectors, m))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/risk/meetings/{id}", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = MeetingView), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<MeetingView>> {
    let id = crate::http::events::parse_id(&id)?;
    let m = meetings::meeting(&state, &user.user, id).await?;
    Ok(axum::Json(answer(&state, m).await?))
}

/// A meeting to convene.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingBody {
    #[schema(schema_with = meeting_kind)]
    pub kind: String,
    /// A sector meeting's sector (S01 … S13).
    #[schema(max_length = 8)]
    pub sector: Option<String>,
    /// A grassroots meeting's town or village.
    #[schema(schema_with = crate::http::schema::region_code)]
    pub area_code: Option<String>,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    /// RFC 3339, within a year of today.
    #[schema(max_length = 40)]
    pub scheduled_at: String,
}

#[utoipa::path(post, path = "/api/v1/risk/meetings", tag = "risk", request_body = MeetingBody, security(("bearer" = [])),
    responses((status = 201, body = MeetingView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the sector or area")))]
pub async fn schedule(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<MeetingBody>,
) -> ApiResult<(StatusCode, axum::Json<MeetingView>)> {
    let kind = MeetingKind::from_code(&b.kind)
        .ok_or_else(|| bad("kind", "district, sector or grassroots"))?;
    let scheduled_at = zhili_domain::time::parse_rfc3339(&b.scheduled_at)
        .ok_or_else(|| bad("scheduled_at", "a time with its offset (RFC 3339)"))?;
    let m = meetings::schedule(
        &state,
        &user.user,
        meetings::Schedule {
            kind,
            sector: b.sector,
            area_code: b.area_code,
            title: b.title,
            scheduled_at,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(answer(&state, m).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[schema(schema_with = crate::http::schema::note)]
    pub text: String,
    /// The unit that carries it out.
    #[schema(max_length = 32)]
    pub lead_unit: String,
    /// The event category its task is filed under.
    #[schema(schema_with = crate::http::schema::category)]
    pub category: String,
    /// From the meeting's day to a year after.
    #[schema(schema_with = crate::http::schema::date)]
    pub due_on: String,
}

/// What a meeting held records.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecordBody {
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(min_items = 1, max_items = 100)]
    pub attendees: Vec<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub minutes: String,
    #[schema(max_items = 30)]
    pub decisions: Vec<DecisionBody>,
}

#[utoipa::path(post, path = "/api/v1/risk/meetings/{id}/record", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = MeetingRecordBody, security(("bearer" = [])),
    responses((status = 200, body = MeetingView, description = "held; each decision dispatched as an event"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the meeting, a lead unit or a category"),
              (status = 409, body = crate::http::error::ErrorBody, description = "conflict: recorded already or changed meanwhile")))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<MeetingRecordBody>,
) -> ApiResult<axum::Json<MeetingView>> {
    let id = crate::http::events::parse_id(&id)?;
    let decisions = b
        .decisions
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            Ok(Decision {
                due_on: day(&format!("decisions[{i}].due_on"), &d.due_on)?,
                text: d.text,
                lead_unit: d.lead_unit,
                category: d.category,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let m = meetings::hold(
        &state,
        &user.user,
        id,
        b.version,
        MeetingRecord {
            attendees: b.attendees,
            minutes: b.minutes,
            decisions,
        },
    )
    .await?;
    Ok(axum::Json(answer(&state, m).await?))
}

#[utoipa::path(post, path = "/api/v1/risk/meetings/{id}/dispatch", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = MeetingView, description = "the decisions not yet dispatched (after a failure) dispatched now"),
              (status = 403, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn dispatch(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<MeetingView>> {
    let id = crate::http::events::parse_id(&id)?;
    let m = meetings::meeting(&state, &user.user, id).await?;
    if m.convened_by != user.user.username
        && !matches!(
            user.user.role,
            zhili_domain::Role::DistrictCommander | zhili_domain::Role::DistrictOperator
        )
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only the convener or the district centre dispatches a meeting's decisions",
        ));
    }
    meetings::dispatch_decisions(&state, &user.user, id).await?;
    let m = meetings::meeting(&state, &user.user, id).await?;
    Ok(axum::Json(answer(&state, m).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// week: the seven days ending on `date`; month: the calendar month holding it.
    #[param(pattern = "^(week|month)$")]
    pub period: String,
    /// Default: today.
    #[param(schema_with = crate::http::schema::date)]
    pub date: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/risk/report", tag = "risk", params(ReportQuery), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body = Vec<u8>,
               description = "the period's assessment report drafted for the caller's area, each figure with its source"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> ApiResult<Response> {
    let period = match q.period.as_str() {
        "week" => report::Period::Week,
        "month" => report::Period::Month,
        _ => return Err(bad("period", "week or month")),
    };
    let today = china_day(crate::now_ms());
    let date = q
        .date
        .as_deref()
        .map(|d| day("date", d))
        .transpose()?
        .unwrap_or(today);
    if date > today || date < today - 3660 {
        return Err(bad("date", "a day of the last ten years, not after today"));
    }
    let (file, bytes) = report::draft(&state, &user.user, period, date).await?;
    Ok(crate::http::download::docx(
        &format!("risk-report-{}-{}.docx", q.period, date_string(date)),
        &file,
        bytes,
    ))
}

#[utoipa::path(get, path = "/api/v1/risk/meetings/{id}/minutes", tag = "risk", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               description = "the minutes (会议纪要) of a meeting held, with what it looked at and its decisions, to sign and file"),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: not held yet")))]
pub async fn minutes(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<Response> {
    let id = crate::http::events::parse_id(&id)?;
    let (file, bytes) = crate::usecase::risk::minutes(&state, &user.user, id).await?;
    Ok(crate::http::download::docx(
        &format!("risk-meeting-{id}-minutes.docx"),
        &file,
        bytes,
    ))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContributingQuery {
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A record an alert's source counted, other than a report.
#[derive(Serialize, ToSchema)]
pub struct ContributingRecord {
    #[schema(example = "mediation_case")]
    pub kind: ContributingKind,
    pub id: i64,
    /// Its number and title, or its name.
    pub label: String,
    /// When it counted: registered, closed, noted, due.
    pub at: String,
}

#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ContributingKind {
    Event,
    MediationCase,
    Situation,
    Person,
    Camera,
}

#[derive(Serialize, ToSchema)]
pub struct ContributingView {
    /// How many the alert counted: the reports of its peak period, or its source's records
    /// (a flow's in the peak period, a standing count's now), including any the reader may
    /// not open.
    pub total: i64,
    /// The reports it counted (an indicator of reports).
    pub items: Vec<crate::http::events::EventSummary>,
    /// The records it counted (an indicator of another source), newest first.
    pub records: Vec<ContributingRecord>,
}

#[utoipa::path(get, path = "/api/v1/risk/alerts/{id}/events", tag = "risk", params(("id" = i64, Path, minimum = 1), ContributingQuery), security(("bearer" = [])),
    responses((status = 200, body = ContributingView, description = "what the alert counted: the reports of its peak period, or its source's records, newest first"),
              (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn contributing(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ContributingQuery>,
) -> ApiResult<axum::Json<ContributingView>> {
    let id = crate::http::events::parse_id(&id)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "1 to 200"));
    }
    let found = uc::contributing(&state, &user.user, id, limit).await?;
    let now = crate::now_ms();
    let records = found
        .records
        .into_iter()
        .map(|r| {
            let kind = match r.kind.as_str() {
                "event" => ContributingKind::Event,
                "mediation_case" => ContributingKind::MediationCase,
                "situation" => ContributingKind::Situation,
                "person" => ContributingKind::Person,
                "camera" => ContributingKind::Camera,
                other => {
                    return Err(
                        zhili_store::StoreError::Internal(format!("record kind {other}")).into(),
                    );
                }
            };
            Ok(ContributingRecord {
                kind,
                id: r.id,
                label: r.label,
                at: zhili_domain::time::rfc3339(r.at),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(axum::Json(ContributingView {
        total: found.total,
        items: found
            .events
            .iter()
            .map(|e| crate::http::events::summary(&state, e, now))
            .collect(),
        records,
    }))
}

/// An alert turned into an event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertEventBody {
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    #[schema(schema_with = crate::http::schema::category)]
    pub category: String,
    #[schema(schema_with = crate::http::schema::note)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct AlertEventView {
    pub event_id: i64,
    pub alert: crate::http::alerts::AlertView,
}

#[utoipa::path(post, path = "/api/v1/risk/alerts/{id}/event", tag = "risk", params(("id" = i64, Path, minimum = 1)), request_body = AlertEventBody, security(("bearer" = [])),
    responses((status = 201, body = AlertEventView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "not_found: the alert or the category"),
              (status = 409, body = crate::http::error::ErrorBody, description = "invalid_transition: cleared or an event already; conflict: changed meanwhile")))]
pub async fn to_event(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(b): Json<AlertEventBody>,
) -> ApiResult<(StatusCode, axum::Json<AlertEventView>)> {
    let id = crate::http::events::parse_id(&id)?;
    let (alert, event_id) = uc::to_event(
        &state,
        &user.user,
        id,
        b.version,
        &b.category,
        &b.description,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AlertEventView {
            event_id,
            alert: crate::http::alerts::view(&state, alert, crate::now_ms()),
        }),
    ))
}
