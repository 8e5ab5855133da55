//! `/api/v1/grid-staff`, `/api/v1/grid-covers`: grid staffing — who holds which post on each
//! grid (网格长 with 一人兼, 专职/兼职网格员, 网格协管员) and who covers a grid while its worker
//! is away.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::staffing::{self as uc, ArrangeCover, GridPostKind, GridPostingBody};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::time::{parse_rfc3339, rfc3339};
use zhili_domain::ErrorCode;
use zhili_store::{CoverRecord, PostingRecord};

type Err = super::error::ErrorBody;

#[derive(Serialize, ToSchema)]
pub struct GridPostingView {
    pub id: i64,
    pub grid_code: String,
    pub username: String,
    pub display_name: String,
    /// The work phone, masked.
    pub phone_masked: Option<String>,
    pub post: GridPostKind,
    /// 网格长, 专职网格员, 兼职网格员 or 网格协管员
    pub post_label: String,
    /// 一人兼: also the village's party-branch head.
    pub party_branch_head: bool,
    pub since: String,
    /// Set once the posting has ended.
    pub ended_at: Option<String>,
}

fn posting_view(p: PostingRecord) -> GridPostingView {
    GridPostingView {
        id: p.id,
        grid_code: p.grid_code,
        username: p.username,
        display_name: p.display_name,
        phone_masked: p.phone_masked,
        post: GridPostKind::of(p.post),
        post_label: p.post.label_zh().into(),
        party_branch_head: p.party_branch_head,
        since: rfc3339(p.since),
        ended_at: p.ended_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct GridCoverView {
    pub id: i64,
    pub grid_code: String,
    pub absent_username: String,
    pub absent_name: String,
    pub cover_username: String,
    pub cover_name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub reason: String,
    /// Whether the cover runs now.
    pub running: bool,
    pub cancelled_at: Option<String>,
    pub arranged_by: String,
}

fn cover_view(c: CoverRecord) -> GridCoverView {
    let running = zhili_domain::staffing::covering(
        c.starts_at,
        c.ends_at,
        c.cancelled_at.is_some(),
        crate::now_ms(),
    );
    GridCoverView {
        id: c.id,
        grid_code: c.grid_code,
        absent_username: c.absent_username,
        absent_name: c.absent_name,
        cover_username: c.cover_username,
        cover_name: c.cover_name,
        starts_at: rfc3339(c.starts_at),
        ends_at: rfc3339(c.ends_at),
        reason: c.reason,
        running,
        cancelled_at: c.cancelled_at.map(rfc3339),
        arranged_by: c.created_by,
    }
}

#[derive(Serialize, ToSchema)]
pub struct GridStaffView {
    pub grid_code: String,
    pub grid_name: String,
    /// Who holds a post on the grid, the leader first.
    pub staff: Vec<GridPostingView>,
    /// Covers of the grid not yet over, soonest first.
    pub covers: Vec<GridCoverView>,
}

#[derive(Serialize, ToSchema)]
pub struct GridStaffAccount {
    pub username: String,
    pub display_name: String,
    /// grid_worker or grid_leader
    pub role: String,
    pub role_label: String,
    /// A grid worker's grid, a grid leader's village.
    pub region_code: String,
}

#[derive(Serialize, ToSchema)]
pub struct GridRosterView {
    pub region_code: String,
    pub region_name: String,
    pub grids: Vec<GridStaffView>,
    /// For those who arrange staffing: the grid workers' and grid leaders' accounts of the
    /// area, to post or to name in a cover (empty for everyone else).
    pub accounts: Vec<GridStaffAccount>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// A town, a village or a grid of the caller's area (default: the caller's own area).
    #[param(pattern = "^[0-9]{9}([0-9]{3}([0-9]{3})?)?$")]
    pub region: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/grid-staff", tag = "staffing", params(RosterQuery), security(("bearer" = [])),
    responses((status = 200, body = GridRosterView, description = "the grids of the area the caller sees, with their staff and covers"),
              (status = 403, body = Err, description = "departments do not read the grids' staffing"),
              (status = 404, body = Err, description = "a region outside the caller's area"),
              (status = 422, body = Err, description = "not a region code, or the whole district (choose a town)")))]
pub async fn roster(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<RosterQuery>,
) -> ApiResult<axum::Json<GridRosterView>> {
    if q.region.as_ref().is_some_and(|r| r.len() > 15) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "region",
            "a region code",
        ));
    }
    let r = uc::roster(&state, &user.user, q.region.as_deref()).await?;
    let mut grids: Vec<GridStaffView> = r
        .grids
        .into_iter()
        .map(|(code, name)| GridStaffView {
            grid_code: code.to_string(),
            grid_name: name,
            staff: Vec::new(),
            covers: Vec::new(),
        })
        .collect();
    let at = |grids: &[GridStaffView], code: &str| grids.iter().position(|g| g.grid_code == code);
    for p in r.postings {
        if let Some(i) = at(&grids, &p.grid_code) {
            grids[i].staff.push(posting_view(p));
        }
    }
    for c in r.covers {
        if let Some(i) = at(&grids, &c.grid_code) {
            grids[i].covers.push(cover_view(c));
        }
    }
    let names = &state.index().names;
    Ok(axum::Json(GridRosterView {
        region_name: names.get(r.region.as_str()).cloned().unwrap_or_default(),
        region_code: r.region.to_string(),
        grids,
        accounts: r
            .accounts
            .into_iter()
            .map(|u| GridStaffAccount {
                username: u.username,
                display_name: u.display_name,
                role: u.role.as_str().into(),
                role_label: u.role.label_zh().into(),
                region_code: u.region_code.to_string(),
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/grid-staff/roster.xlsx", tag = "staffing", params(RosterQuery), security(("bearer" = [])),
    responses((status = 200, description = "网格力量花名册: every grid of the area with its staff (phones masked) and a sheet of the covers not yet over (.xlsx); recorded",
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err)))]
pub async fn roster_sheet(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<RosterQuery>,
) -> ApiResult<axum::response::Response> {
    if q.region.as_ref().is_some_and(|r| r.len() > 15) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "region",
            "a region code",
        ));
    }
    let (name, bytes) =
        crate::usecase::staffing_sheet::roster_sheet(&state, &user.user, q.region.as_deref())
            .await?;
    Ok(super::download::xlsx("grid-staff.xlsx", &name, bytes))
}

#[utoipa::path(post, path = "/api/v1/grid-staff", tag = "staffing", request_body = GridPostingBody, security(("bearer" = [])),
    responses((status = 201, body = GridPostingView),
              (status = 403, body = Err, description = "the centres and stations arrange staffing"),
              (status = 404, body = Err, description = "a grid or an account outside the caller's area"),
              (status = 409, body = Err, description = "the person already holds a post on the grid"),
              (status = 422, body = Err, description = "the account's role does not fit the post, the grid is not theirs, or 一人兼 on a post other than the leader's")))]
pub async fn post(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<GridPostingBody>,
) -> ApiResult<(StatusCode, axum::Json<GridPostingView>)> {
    let p = uc::post(&state, &user.user, b).await?;
    Ok((StatusCode::CREATED, axum::Json(posting_view(p))))
}

#[utoipa::path(post, path = "/api/v1/grid-staff/{id}/end", tag = "staffing",
    params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = GridPostingView, description = "ended; the history keeps it"),
              (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "already ended")))]
pub async fn end(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<GridPostingView>> {
    let p = uc::end_posting(&state, &user.user, id).await?;
    Ok(axum::Json(posting_view(p)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GridCoverBody {
    #[schema(max_length = 15)]
    pub grid_code: String,
    /// The username of who is away (the grid's worker or leader).
    #[schema(max_length = 64)]
    pub absent: String,
    /// The username of who stands in (a grid worker or a grid leader of the area).
    #[schema(max_length = 64)]
    pub cover: String,
    /// RFC 3339
    #[schema(max_length = 40)]
    pub starts_at: String,
    /// RFC 3339; at most 92 days after the start.
    #[schema(max_length = 40)]
    pub ends_at: String,
    /// Why (年假, 病假, 培训 …).
    #[schema(max_length = 200)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/grid-covers", tag = "staffing", request_body = GridCoverBody, security(("bearer" = [])),
    responses((status = 201, body = GridCoverView, description = "arranged; the one covering sees the grid while it runs"),
              (status = 403, body = Err), (status = 404, body = Err, description = "a grid or an account outside the caller's area"),
              (status = 409, body = Err, description = "someone already covers that grid for that person for part of the time"),
              (status = 422, body = Err, description = "times out of order, past or over 92 days; the same person; no reason; the absent person not on that grid")))]
pub async fn cover(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<GridCoverBody>,
) -> ApiResult<(StatusCode, axum::Json<GridCoverView>)> {
    for (field, v) in [
        ("grid_code", &b.grid_code),
        ("absent", &b.absent),
        ("cover", &b.cover),
    ] {
        if v.len() > 64 {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                field,
                "too long",
            ));
        }
    }
    let time = |field: &str, v: &str| {
        parse_rfc3339(v)
            .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, field, "an RFC 3339 time"))
    };
    let c = uc::cover(
        &state,
        &user.user,
        ArrangeCover {
            starts_at: time("starts_at", &b.starts_at)?,
            ends_at: time("ends_at", &b.ends_at)?,
            grid_code: b.grid_code,
            absent: b.absent,
            cover: b.cover,
            reason: b.reason,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(cover_view(c))))
}

#[utoipa::path(post, path = "/api/v1/grid-covers/{id}/cancel", tag = "staffing",
    params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = GridCoverView), (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "over or cancelled already")))]
pub async fn cancel(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<GridCoverView>> {
    let c = uc::cancel_cover(&state, &user.user, id).await?;
    Ok(axum::Json(cover_view(c)))
}
