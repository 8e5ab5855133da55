//! The pilot office's quarterly inspections over HTTP: recorded with their findings, each
//! becoming a rectification target of the unit at fault; read by the office and, for its own
//! rectifications, by each unit.

use crate::http::error::{ApiError, ApiResult, Json, Query};
use crate::http::pilot::{target_view, PilotTargetView, PilotYearQuery};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::inspections as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::inspection::{Finding, InspectionDraft};
use zhili_domain::calendar::date_string;
use zhili_domain::ErrorCode;

pub(crate) fn day(field: &str, raw: &str) -> ApiResult<i64> {
    zhili_domain::time::parse_date(raw)
        .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, field, "a date, YYYY-MM-DD"))
}

/// A finding: what is wrong, the unit that puts it right and by when.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    #[schema(schema_with = crate::http::schema::line_200)]
    pub text: String,
    #[schema(schema_with = crate::http::schema::unit_id)]
    pub unit: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub due: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(minimum = 1, maximum = 4)]
    pub quarter: u8,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub held_on: String,
    #[schema(schema_with = crate::http::schema::line_200)]
    pub inspectors: String,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub summary: String,
    #[serde(default)]
    #[schema(max_items = 100)]
    pub findings: Vec<FindingBody>,
}

#[derive(Serialize, ToSchema)]
pub struct InspectionView {
    pub id: i64,
    pub year: i64,
    pub quarter: i64,
    pub title: String,
    pub held_on: String,
    pub inspectors: String,
    pub summary: String,
    /// The task its rectifications are targets of.
    pub task_id: i64,
    pub recorded_by: String,
    /// The rectifications the caller reads (a unit: its own).
    pub rectifications: Vec<PilotTargetView>,
}

fn view(i: uc::InspectionView, user: &zhili_domain::user::User) -> InspectionView {
    InspectionView {
        id: i.row.id,
        year: i.row.year,
        quarter: i.row.quarter,
        title: i.row.title,
        held_on: date_string(i.row.held_on),
        inspectors: i.row.inspectors,
        summary: i.row.summary,
        task_id: i.row.task_id,
        recorded_by: i.row.recorded_by,
        rectifications: i
            .rectifications
            .into_iter()
            .map(|t| target_view(t, user))
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/inspections", tag = "pilot", params(PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = [InspectionView], description = "the year's inspections, the latest first (a unit: those that found something of its, with its rectifications)"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<Vec<InspectionView>>> {
    if !(2000..=2100).contains(&q.year) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "year",
            "2000 to 2100",
        ));
    }
    let list = uc::inspections(&state, &user.user, q.year).await?;
    Ok(axum::Json(
        list.into_iter().map(|i| view(i, &user.user)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/pilot/inspections", tag = "pilot", request_body = InspectionBody, security(("bearer" = [])),
    responses((status = 201, body = InspectionView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "another inspection was recorded at the same moment"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a day outside the quarter or not yet come, a deadline not after the inspection, a unit that does not exist")))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<InspectionBody>,
) -> ApiResult<(StatusCode, axum::Json<InspectionView>)> {
    let held_on = day("held_on", &b.held_on)?;
    let mut findings = Vec::with_capacity(b.findings.len());
    for (i, f) in b.findings.into_iter().enumerate() {
        findings.push(Finding {
            text: f.text,
            unit: f.unit,
            due: day(&format!("findings[{i}].due"), &f.due)?,
        });
    }
    let done = uc::record(
        &state,
        &user.user,
        InspectionDraft {
            year: b.year,
            quarter: b.quarter,
            title: b.title,
            held_on,
            inspectors: b.inspectors,
            summary: b.summary,
            findings,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(view(done, &user.user))))
}
