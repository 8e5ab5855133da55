//! The pilot's work meetings (工作例会) over HTTP: recorded by the pilot office with who chaired
//! and attended, the minutes and the decisions, each decision a target of the unit charged
//! with it; read by the office and, for the decisions that charge it, by each unit.

use crate::http::error::{ApiError, ApiResult, Json, Query};
use crate::http::pilot::{target_view, PilotTargetView, PilotYearQuery};
use crate::http::pilot_inspections::{day, FindingBody};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::inspections as uc;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::meeting::{Decision, MeetingDraft};
use zhili_domain::calendar::date_string;
use zhili_domain::ErrorCode;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkMeetingBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(schema_with = crate::http::schema::line_100)]
    pub title: String,
    #[schema(schema_with = crate::http::schema::date)]
    pub held_on: String,
    /// Who chaired it, by name and title.
    #[schema(schema_with = crate::http::schema::line_50)]
    pub chair: String,
    /// The chair's account, for their record (实绩档案).
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z0-9._-]{0,64}$", nullable)]
    pub chair_username: Option<String>,
    #[schema(schema_with = crate::http::schema::note)]
    pub attendees: String,
    #[schema(schema_with = crate::http::schema::note_5000)]
    pub minutes: String,
    /// 议定事项: each a target of the unit charged with it, due by its day.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub decisions: Vec<FindingBody>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkMeetingView {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub held_on: String,
    pub chair: String,
    pub chair_username: Option<String>,
    pub attendees: String,
    pub minutes: String,
    /// The task its decisions are targets of.
    pub task_id: i64,
    /// The decisions the caller reads (a unit: those charging it).
    pub decisions: Vec<PilotTargetView>,
}

fn view(i: uc::InspectionView, user: &zhili_domain::user::User) -> WorkMeetingView {
    WorkMeetingView {
        id: i.row.id,
        year: i.row.year,
        title: i.row.title,
        held_on: date_string(i.row.held_on),
        chair: i.row.chair,
        chair_username: i.row.chair_username,
        attendees: i.row.inspectors,
        minutes: i.row.summary,
        task_id: i.row.task_id,
        decisions: i
            .rectifications
            .into_iter()
            .map(|t| target_view(t, user))
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/meetings", tag = "pilot", params(PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = [WorkMeetingView], description = "the year's work meetings, the latest first (a unit: those whose decisions charge it, with those decisions)"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<Vec<WorkMeetingView>>> {
    if !(2000..=2100).contains(&q.year) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "year",
            "2000 to 2100",
        ));
    }
    let list = uc::meetings(&state, &user.user, q.year).await?;
    Ok(axum::Json(
        list.into_iter().map(|i| view(i, &user.user)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/pilot/meetings", tag = "pilot", request_body = WorkMeetingBody, security(("bearer" = [])),
    responses((status = 201, body = WorkMeetingView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 409, body = crate::http::error::ErrorBody, description = "the year's assessment is published: its plan is closed"),
              (status = 422, body = crate::http::error::ErrorBody, description = "the field at fault: a day outside the year or not yet come, a chair's account that does not exist, a deadline not after the meeting, a unit that does not exist")))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<WorkMeetingBody>,
) -> ApiResult<(StatusCode, axum::Json<WorkMeetingView>)> {
    let held_on = day("held_on", &b.held_on)?;
    let mut decisions = Vec::with_capacity(b.decisions.len());
    for (i, f) in b.decisions.into_iter().enumerate() {
        decisions.push(Decision {
            text: f.text,
            unit: f.unit,
            due: day(&format!("decisions[{i}].due"), &f.due)?,
        });
    }
    let done = uc::record_meeting(
        &state,
        &user.user,
        MeetingDraft {
            year: b.year,
            title: b.title,
            held_on,
            chair: b.chair,
            chair_username: b.chair_username,
            attendees: b.attendees,
            minutes: b.minutes,
            decisions,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(view(done, &user.user))))
}
