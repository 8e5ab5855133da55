//! Leaders' performance records (实绩档案) over HTTP, and their annual report (述职) drafted
//! as .docx.

use crate::http::error::{ApiError, ApiResult, Path, Query};
use crate::http::pilot::{target_view, PilotTargetView, PilotYearQuery};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::pilot::leaders as uc;
use axum::extract::State;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::assess::organisation::Group;
use zhili_domain::calendar::date_string;
use zhili_domain::ErrorCode;

#[derive(Serialize, ToSchema)]
pub struct LedGroupView {
    pub code: String,
    pub kind: String,
    pub kind_name: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderView {
    pub username: String,
    pub name: String,
    pub title: String,
    pub groups: Vec<LedGroupView>,
}

fn groups_view(groups: &[Group]) -> Vec<LedGroupView> {
    groups
        .iter()
        .map(|g| LedGroupView {
            code: g.code.clone(),
            kind: g.kind.as_str().into(),
            kind_name: g.kind.label_zh().into(),
            name: g.name.clone(),
        })
        .collect()
}

fn year_of(year: i32) -> ApiResult<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "year",
            "2000 to 2100",
        ))
    }
}

fn username_of(raw: &str) -> ApiResult<&str> {
    let ok = (2..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(raw)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "username",
            "2 to 64 letters, digits, dots, underscores or hyphens",
        ))
    }
}

#[utoipa::path(get, path = "/api/v1/pilot/leaders", tag = "pilot", security(("bearer" = [])),
    responses((status = 200, body = [LeaderView], description = "the cadres with an account who lead a group of the organisation"),
              (status = 403, body = crate::http::error::ErrorBody)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<crate::http::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<LeaderView>>> {
    let list = uc::leaders(&state, &user.user).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|(username, o, groups)| LeaderView {
                username,
                name: o.name,
                title: o.title,
                groups: groups_view(&groups),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct LeaderMeetingView {
    pub id: i64,
    pub title: String,
    pub held_on: Option<String>,
    pub decisions: usize,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderInspectionView {
    pub id: i64,
    pub title: String,
    pub held_on: String,
    /// Findings in the leader's units, and how many are put right.
    pub found: usize,
    pub rectified: usize,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderStandingView {
    /// towns or departments
    pub group: String,
    pub unit: String,
    pub name: String,
    pub total: f64,
    pub rank: usize,
    pub of: usize,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderRecordView {
    pub year: i32,
    pub username: String,
    pub name: String,
    pub title: String,
    pub groups: Vec<LedGroupView>,
    pub targets: Vec<PilotTargetView>,
    pub percent: f64,
    /// Events they supervised in the year (督办), counted in the record.
    pub supervised: i64,
    pub meetings: Vec<LeaderMeetingView>,
    /// The pilot's work meetings they chaired.
    pub chaired: Vec<LeaderMeetingView>,
    pub inspections: Vec<LeaderInspectionView>,
    pub standings: Vec<LeaderStandingView>,
}

#[utoipa::path(get, path = "/api/v1/pilot/leaders/{username}/record", tag = "pilot",
    params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$"), PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, body = LeaderRecordView), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "they lead no group of the organisation")))]
pub async fn record(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::Json<LeaderRecordView>> {
    let (username, year) = (username_of(&username)?, year_of(q.year)?);
    let r = uc::record(&state, &user.user, username, year).await?;
    Ok(axum::Json(LeaderRecordView {
        year: r.year,
        username: r.username,
        name: r.official.name,
        title: r.official.title,
        groups: groups_view(&r.groups),
        targets: r
            .targets
            .into_iter()
            .map(|t| target_view(t, &user.user))
            .collect(),
        percent: (r.percent * 10.0).round() / 10.0,
        supervised: r.supervised,
        meetings: r
            .meetings
            .into_iter()
            .map(|m| LeaderMeetingView {
                id: m.id,
                title: m.title,
                held_on: m
                    .held_at
                    .map(|t| date_string(zhili_domain::calendar::china_day(t))),
                decisions: m.decisions.len(),
            })
            .collect(),
        chaired: r
            .chaired
            .into_iter()
            .map(|(m, decisions)| LeaderMeetingView {
                id: m.id,
                title: m.title,
                held_on: Some(date_string(m.held_on)),
                decisions,
            })
            .collect(),
        inspections: r
            .inspections
            .into_iter()
            .map(|i| LeaderInspectionView {
                id: i.inspection.id,
                title: i.inspection.title,
                held_on: date_string(i.inspection.held_on),
                found: i.found,
                rectified: i.rectified,
            })
            .collect(),
        standings: r
            .standings
            .into_iter()
            .map(|s| LeaderStandingView {
                group: s.group.as_str().into(),
                unit: s.unit,
                name: s.name,
                total: s.total,
                rank: s.rank,
                of: s.of,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/pilot/leaders/{username}/report", tag = "pilot",
    params(("username" = String, Path, pattern = "^[A-Za-z0-9._-]{2,64}$"), PilotYearQuery), security(("bearer" = [])),
    responses((status = 200, description = "the annual report (述职) drafted from the record (.docx)",
                content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody, description = "they lead no group of the organisation")))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(username): Path<String>,
    Query(q): Query<PilotYearQuery>,
) -> ApiResult<axum::response::Response> {
    let (username, year) = (username_of(&username)?, year_of(q.year)?);
    let (name, bytes) = uc::report(&state, &user.user, username, year).await?;
    Ok(crate::http::download::docx(
        &format!("report-{username}-{year}.docx"),
        &name,
        bytes,
    ))
}
