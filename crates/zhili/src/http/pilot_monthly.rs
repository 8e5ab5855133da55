//! Monthly reports over HTTP: where every unit's report on a month stands, a unit's report
//! (kept, or drafted from the record), written and submitted by the unit, returned by the pilot
//! office, and the .docx.

use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::monthly as uc;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::monthly::{Month, Sections};
use zhili_domain::calendar::date_string;
use zhili_domain::time::rfc3339;
use zhili_domain::ErrorCode;

fn month_of(raw: &str) -> ApiResult<Month> {
    Month::parse(raw)
        .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, "month", "a month, YYYY-MM"))
}

fn unit_of(raw: &str) -> ApiResult<&str> {
    let ok = (2..=20).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(raw)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "unit",
            "a unit's id",
        ))
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// The month reported on, YYYY-MM.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

/// A target as the month left it for the unit.
#[derive(Serialize, ToSchema)]
pub struct TargetMonthView {
    pub id: i64,
    pub title: String,
    /// The unit leads it (else it partners).
    pub lead: bool,
    pub percent: f64,
    pub completed: Vec<String>,
    pub late: Vec<String>,
    pub coming: Vec<String>,
}

/// The record's figures a report was drafted from.
#[derive(Serialize, ToSchema)]
pub struct MonthlyFiguresView {
    pub targets: Vec<TargetMonthView>,
    pub reports: usize,
    pub closed: i64,
    pub on_time: i64,
    pub rated: i64,
    pub satisfied: i64,
    pub mediation_ended: i64,
    pub mediation_settled: i64,
}

/// A unit's report on a month.
#[derive(Serialize, ToSchema)]
pub struct MonthlyReportView {
    pub unit: String,
    pub unit_name: String,
    pub month: String,
    /// draft, submitted, returned; null: nothing kept yet (the sections are the draft).
    #[schema(schema_with = state_or_null)]
    pub state: Option<String>,
    pub state_name: String,
    pub done: String,
    pub problems: String,
    pub next: String,
    pub figures: MonthlyFiguresView,
    /// The version to send back with a change (0: nothing kept yet).
    pub version: i64,
    pub due: String,
    /// Submitted after its due day, or not submitted with the day past.
    pub late: bool,
    pub saved_by_name: Option<String>,
    pub submitted_at: Option<String>,
    pub returned_reason: Option<String>,
    pub returned_by_name: Option<String>,
}

fn state_or_null() -> utoipa::openapi::Object {
    crate::http::schema::or_null(crate::http::schema::one_of(
        zhili_domain::assess::monthly::ReportState::ALL.map(|s| s.as_str()),
    ))
}

fn view(r: uc::MonthlyReport) -> MonthlyReportView {
    let f = r.figures;
    MonthlyReportView {
        unit: r.unit,
        unit_name: r.unit_name,
        month: r.month.as_string(),
        state: r.state.map(|s| s.as_str().into()),
        state_name: r.state.map_or("未报送", |s| s.label_zh()).into(),
        done: r.sections.done,
        problems: r.sections.problems,
        next: r.sections.next,
        figures: MonthlyFiguresView {
            targets: f
                .targets
                .into_iter()
                .map(|t| TargetMonthView {
                    id: t.id,
                    title: t.title,
                    lead: t.lead,
                    percent: t.percent,
                    completed: t.completed,
                    late: t.late,
                    coming: t.coming,
                })
                .collect(),
            reports: f.reports,
            closed: f.closed,
            on_time: f.on_time,
            rated: f.rated,
            satisfied: f.satisfied,
            mediation_ended: f.mediation_ended,
            mediation_settled: f.mediation_settled,
        },
        version: r.version,
        due: date_string(r.due_day),
        late: r.late,
        saved_by_name: r.row.as_ref().map(|x| x.saved_by_name.clone()),
        submitted_at: r.row.as_ref().and_then(|x| x.submitted_at).map(rfc3339),
        returned_reason: r.row.as_ref().and_then(|x| x.returned_reason.clone()),
        returned_by_name: r.row.as_ref().and_then(|x| x.returned_by_name.clone()),
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/monthly", tag = "pilot", params(MonthQuery), security(("bearer" = [])),
    responses((status = 200, body = [MonthlyReportView], description = "each unit with targets and its report on the month (missing ones with no state); a unit its own"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody, description = "a month not begun")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<MonthQuery>,
) -> ApiResult<axum::Json<Vec<MonthlyReportView>>> {
    let month = month_of(&q.month)?;
    let list = uc::month(&state, &user.user, month).await?;
    Ok(axum::Json(list.into_iter().map(view).collect()))
}

#[utoipa::path(get, path = "/api/v1/pilot/monthly/{month}/{unit}", tag = "pilot", security(("bearer" = [])),
    params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$"), ("unit" = String, Path, max_length = 20)),
    responses((status = 200, body = MonthlyReportView, description = "the report kept, or drafted from the record"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "another unit's, or no such unit"),
              (status = 422, body = crate::http::error::ErrorBody, description = "a month not begun")))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((month, unit)): Path<(String, String)>,
) -> ApiResult<axum::Json<MonthlyReportView>> {
    let (month, unit) = (month_of(&month)?, unit_of(&unit)?);
    Ok(axum::Json(view(
        uc::report(&state, &user.user, unit, month).await?,
    )))
}

/// The unit's sections at the version read; `submit` sends it to the pilot office.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyWriteBody {
    #[schema(minimum = 0)]
    pub version: i64,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub done: String,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub problems: String,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub next: String,
    pub submit: bool,
}

#[utoipa::path(put, path = "/api/v1/pilot/monthly/{month}/{unit}", tag = "pilot", request_body = MonthlyWriteBody, security(("bearer" = [])),
    params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$"), ("unit" = String, Path, max_length = 20)),
    responses((status = 200, body = MonthlyReportView, description = "kept as a draft, or submitted"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not a unit's account"),
              (status = 404, body = crate::http::error::ErrorBody, description = "another unit's report"),
              (status = 409, body = crate::http::error::ErrorBody, description = "changed since the version read, or submitted (the office may return it)"),
              (status = 422, body = crate::http::error::ErrorBody, description = "a month not ended, an empty or overlong section")))]
pub async fn put(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((month, unit)): Path<(String, String)>,
    Json(b): Json<MonthlyWriteBody>,
) -> ApiResult<axum::Json<MonthlyReportView>> {
    let (month, unit) = (month_of(&month)?, unit_of(&unit)?);
    let w = uc::Write {
        version: b.version,
        sections: Sections {
            done: b.done,
            problems: b.problems,
            next: b.next,
        },
        submit: b.submit,
    };
    Ok(axum::Json(view(
        uc::write(&state, &user.user, unit, month, w).await?,
    )))
}

/// The pilot office's reason for sending a submitted report back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyReturnBody {
    #[schema(minimum = 1)]
    pub version: i64,
    #[schema(schema_with = crate::http::schema::note)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/pilot/monthly/{month}/{unit}/return", tag = "pilot", request_body = MonthlyReturnBody, security(("bearer" = [])),
    params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$"), ("unit" = String, Path, max_length = 20)),
    responses((status = 200, body = MonthlyReportView, description = "returned to the unit for revision"),
              (status = 403, body = crate::http::error::ErrorBody, description = "not the pilot office"),
              (status = 404, body = crate::http::error::ErrorBody, description = "no report kept"),
              (status = 409, body = crate::http::error::ErrorBody, description = "not submitted, or changed since the version read"),
              (status = 422, body = crate::http::error::ErrorBody, description = "no reason")))]
pub async fn send_back(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((month, unit)): Path<(String, String)>,
    Json(b): Json<MonthlyReturnBody>,
) -> ApiResult<axum::Json<MonthlyReportView>> {
    let (month, unit) = (month_of(&month)?, unit_of(&unit)?);
    Ok(axum::Json(view(
        uc::send_back(&state, &user.user, unit, month, b.version, &b.reason).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/pilot/monthly/{month}/{unit}/document", tag = "pilot", security(("bearer" = [])),
    params(("month" = String, Path, pattern = "^[0-9]{4}-[0-9]{2}$"), ("unit" = String, Path, max_length = 20)),
    responses((status = 200, description = "the report as .docx, with the record's figures annexed",
                content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody, description = "a month not begun")))]
pub async fn document(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((month, unit)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (month, unit) = (month_of(&month)?, unit_of(&unit)?);
    let (name, bytes) = uc::document(&state, &user.user, unit, month).await?;
    Ok(crate::http::download::docx(
        &format!("monthly-{unit}-{}.docx", month.as_string()),
        &name,
        bytes,
    ))
}
