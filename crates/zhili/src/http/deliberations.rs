//! `/api/v1/deliberations/…`: a village's deliberation meetings (议事会, 坝坝会) — recorded by its
//! station with the 小事 they took up and their decisions (a settling decision closes its
//! matter), read by the centres above, followed up decision by decision.

use super::error::{ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::deliberations::{self as uc, DeliberationSpec};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::time::{civil_from_days, rfc3339};
use zhili_store::MeetingRecord;

type Err = super::error::ErrorBody;

fn date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Serialize, ToSchema)]
pub struct DeliberationDecisionView {
    pub seq: i64,
    pub text: String,
    pub carried_by: String,
    pub due_on: String,
    pub event_id: Option<i64>,
    pub settles: bool,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub done_note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliberationView {
    pub id: i64,
    pub village_code: String,
    pub village_name: String,
    /// council (村民议事会) or yard (坝坝会)
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub attendees: Vec<String>,
    pub headcount: i64,
    pub agenda: Vec<String>,
    pub matters: Vec<i64>,
    pub minutes: String,
    pub decisions: Vec<DeliberationDecisionView>,
    pub recorded_by: String,
    pub recorded_at: String,
}

fn view(state: &AppState, m: MeetingRecord) -> DeliberationView {
    let decisions = m
        .meeting
        .decisions
        .into_iter()
        .zip(m.done)
        .map(|(d, done)| DeliberationDecisionView {
            seq: done.seq,
            text: d.text,
            carried_by: d.carried_by,
            due_on: date(d.due_day),
            event_id: d.event_id,
            settles: d.settles,
            done_at: done.done_at.map(rfc3339),
            done_by: done.done_by,
            done_note: done.done_note,
        })
        .collect();
    DeliberationView {
        id: m.id,
        village_name: state
            .index()
            .names
            .get(&m.village_code)
            .cloned()
            .unwrap_or_default(),
        village_code: m.village_code,
        kind: m.meeting.kind.as_str().into(),
        kind_label: m.meeting.kind.label_zh().into(),
        title: m.meeting.title,
        held_on: date(m.meeting.held_day),
        place: m.meeting.place,
        host: m.meeting.host,
        attendees: m.meeting.attendees,
        headcount: m.meeting.headcount,
        agenda: m.meeting.agenda,
        matters: m.meeting.matters,
        minutes: m.meeting.minutes,
        decisions,
        recorded_by: m.recorded_by,
        recorded_at: rfc3339(m.recorded_at),
    }
}

#[utoipa::path(get, path = "/api/v1/deliberations", tag = "deliberations", security(("bearer" = [])),
    responses((status = 200, body = [DeliberationView], description = "the meetings of the caller's area (a grid worker: their village's), latest held first"),
              (status = 403, body = Err)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<DeliberationView>>> {
    let all = uc::list(&state, &user.user).await?;
    Ok(axum::Json(
        all.into_iter().map(|m| view(&state, m)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/deliberations", tag = "deliberations", request_body = DeliberationSpec, security(("bearer" = [])),
    responses((status = 201, body = DeliberationView, description = "recorded; each 小事 a decision settles walked to closure with the meeting on its record"),
              (status = 403, body = Err, description = "the village's station records its meetings"),
              (status = 404, body = Err, description = "a matter that is not an event of the village"),
              (status = 409, body = Err, description = "a settled matter moved on by someone else meanwhile"),
              (status = 422, body = Err, description = "every problem with its field: dates, lists, a 大事 taken up, a matter the village cannot close from where it stands")))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<DeliberationSpec>,
) -> ApiResult<(StatusCode, axum::Json<DeliberationView>)> {
    let m = uc::record(&state, &user.user, b).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, m))))
}

#[utoipa::path(get, path = "/api/v1/deliberations/{id}", tag = "deliberations", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = DeliberationView), (status = 403, body = Err), (status = 404, body = Err)))]
pub async fn one(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<DeliberationView>> {
    Ok(axum::Json(view(
        &state,
        uc::get(&state, &user.user, id).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliberationDecisionDone {
    /// How it was carried out.
    #[schema(max_length = 500)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/deliberations/{id}/decisions/{seq}/completion", tag = "deliberations",
    params(("id" = i64, Path, minimum = 1), ("seq" = i64, Path, minimum = 0)), request_body = DeliberationDecisionDone, security(("bearer" = [])),
    responses((status = 200, body = DeliberationView, description = "the decision marked carried out"),
              (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "carried out already"), (status = 422, body = Err)))]
pub async fn complete(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, seq)): Path<(i64, i64)>,
    Json(b): Json<DeliberationDecisionDone>,
) -> ApiResult<axum::Json<DeliberationView>> {
    Ok(axum::Json(view(
        &state,
        uc::complete(&state, &user.user, id, seq, &b.note).await?,
    )))
}
