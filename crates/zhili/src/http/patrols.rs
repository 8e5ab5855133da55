//! `/api/v1/compounds/…` and `/api/v1/patrol/…`: "1+X" joint defence — compounds, routes of
//! checkpoints with their QR codes, shifts, check-ins judged as they come, findings reported
//! as events, the checkpoints a shift missed.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::patrols::{self as uc, CheckInSpec, CheckpointSpec};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::time::{parse_rfc3339, rfc3339};
use zhili_domain::{ErrorCode, Role};
use zhili_store::{CheckInRecord, CompoundRecord, RouteRecord, ShiftRecord};

type Err = super::error::ErrorBody;

fn name_of(state: &AppState, code: &str) -> String {
    state.index().names.get(code).cloned().unwrap_or_default()
}

#[derive(Serialize, ToSchema)]
pub struct CompoundView {
    pub id: i64,
    pub village_code: String,
    pub village_name: String,
    pub name: String,
    pub lead_unit: String,
    pub members: Vec<String>,
    pub created_at: String,
}

fn compound_view(state: &AppState, c: CompoundRecord) -> CompoundView {
    CompoundView {
        id: c.id,
        village_name: name_of(state, &c.village_code),
        village_code: c.village_code,
        name: c.name,
        lead_unit: c.lead_unit,
        members: c.members,
        created_at: rfc3339(c.created_at),
    }
}

#[utoipa::path(get, path = "/api/v1/compounds", tag = "patrols", security(("bearer" = [])),
    responses((status = 200, body = [CompoundView], description = "the compounds of the caller's area"), (status = 403, body = Err)))]
pub async fn compounds(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<CompoundView>>> {
    let all = uc::compounds(&state, &user.user).await?;
    Ok(axum::Json(
        all.into_iter().map(|c| compound_view(&state, c)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompoundBody {
    #[schema(max_length = 40)]
    pub name: String,
    /// The "1": the unit leading the compound's defence.
    #[schema(max_length = 40)]
    pub lead_unit: String,
    /// The "X": member households and units.
    pub members: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/compounds", tag = "patrols", request_body = CompoundBody, security(("bearer" = [])),
    responses((status = 201, body = CompoundView), (status = 403, body = Err, description = "the village's station sets compounds up"),
              (status = 422, body = Err, description = "every problem with its field")))]
pub async fn create_compound(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<CompoundBody>,
) -> ApiResult<(StatusCode, axum::Json<CompoundView>)> {
    let c = uc::create_compound(&state, &user.user, &b.name, &b.lead_unit, &b.members).await?;
    Ok((StatusCode::CREATED, axum::Json(compound_view(&state, c))))
}

#[derive(Serialize, ToSchema)]
pub struct CheckpointView {
    pub seq: i64,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub radius_m: f64,
    /// The QR code to print at the checkpoint (the village's station only).
    pub code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RouteView {
    pub id: i64,
    pub compound_id: i64,
    pub name: String,
    pub checkpoints: Vec<CheckpointView>,
}

fn route_view(r: RouteRecord, codes: bool) -> RouteView {
    RouteView {
        id: r.id,
        compound_id: r.compound_id,
        name: r.route.name,
        checkpoints: r
            .route
            .checkpoints
            .into_iter()
            .zip(r.codes)
            .enumerate()
            .map(|(i, (c, code))| CheckpointView {
                seq: i as i64,
                name: c.name,
                lon: c.lon,
                lat: c.lat,
                radius_m: c.radius_m,
                code: codes.then_some(code),
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/compounds/{id}/routes", tag = "patrols", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = [RouteView]), (status = 403, body = Err), (status = 404, body = Err)))]
pub async fn routes(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<RouteView>>> {
    let station = user.user.role == Role::VillageOperator;
    let all = uc::routes(&state, &user.user, id).await?;
    Ok(axum::Json(
        all.into_iter().map(|r| route_view(r, station)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteBody {
    #[schema(max_length = 40)]
    pub name: String,
    /// In walking order, 2 to 50.
    pub checkpoints: Vec<CheckpointSpec>,
}

#[utoipa::path(post, path = "/api/v1/compounds/{id}/routes", tag = "patrols", params(("id" = i64, Path, minimum = 1)), request_body = RouteBody, security(("bearer" = [])),
    responses((status = 201, body = RouteView, description = "with each checkpoint's QR code to print"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 422, body = Err, description = "every problem of the route with its field")))]
pub async fn add_route(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<RouteBody>,
) -> ApiResult<(StatusCode, axum::Json<RouteView>)> {
    let r = uc::add_route(&state, &user.user, id, &b.name, &b.checkpoints).await?;
    Ok((StatusCode::CREATED, axum::Json(route_view(r, true))))
}

#[derive(Serialize, ToSchema)]
pub struct ShiftView {
    pub id: i64,
    pub route_id: i64,
    pub village_code: String,
    pub village_name: String,
    pub team: String,
    pub starts_at: String,
    pub ends_at: String,
    pub ended_at: Option<String>,
}

fn shift_view(state: &AppState, s: ShiftRecord) -> ShiftView {
    ShiftView {
        id: s.id,
        route_id: s.route_id,
        village_name: name_of(state, &s.village_code),
        village_code: s.village_code,
        team: s.team,
        starts_at: rfc3339(s.starts_at),
        ends_at: rfc3339(s.ends_at),
        ended_at: s.ended_at.map(rfc3339),
    }
}

#[utoipa::path(get, path = "/api/v1/patrol/shifts", tag = "patrols", security(("bearer" = [])),
    responses((status = 200, body = [ShiftView], description = "the shifts of the caller's area, latest first"), (status = 403, body = Err)))]
pub async fn shifts(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<ShiftView>>> {
    let all = uc::shifts(&state, &user.user).await?;
    Ok(axum::Json(
        all.into_iter().map(|s| shift_view(&state, s)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftBody {
    #[schema(minimum = 1)]
    pub route_id: i64,
    /// Who walks it.
    #[schema(max_length = 100)]
    pub team: String,
    /// RFC 3339
    pub starts_at: String,
    /// RFC 3339; within a day of the start.
    pub ends_at: String,
}

#[utoipa::path(post, path = "/api/v1/patrol/shifts", tag = "patrols", request_body = ShiftBody, security(("bearer" = [])),
    responses((status = 201, body = ShiftView), (status = 403, body = Err), (status = 404, body = Err, description = "a route outside the caller's village"),
              (status = 422, body = Err, description = "times out of bounds")))]
pub async fn schedule(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<ShiftBody>,
) -> ApiResult<(StatusCode, axum::Json<ShiftView>)> {
    let time = |field: &str, v: &str| {
        parse_rfc3339(v)
            .ok_or_else(|| ApiError::field(ErrorCode::InvalidParameter, field, "an RFC 3339 time"))
    };
    let (starts, ends) = (
        time("starts_at", &b.starts_at)?,
        time("ends_at", &b.ends_at)?,
    );
    let s = uc::schedule(&state, &user.user, b.route_id, &b.team, starts, ends).await?;
    Ok((StatusCode::CREATED, axum::Json(shift_view(&state, s))))
}

#[derive(Serialize, ToSchema)]
pub struct CheckInView {
    pub id: i64,
    pub checkpoint: i64,
    pub at: String,
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: f64,
    pub scanned: bool,
    /// far, coarse, too_fast, mocked, wrong_code, out_of_shift
    pub flags: Vec<String>,
    pub flag_labels: Vec<String>,
    pub by: String,
    /// The event a finding raised.
    pub event_id: Option<i64>,
}

fn check_in_view(c: CheckInRecord) -> CheckInView {
    CheckInView {
        id: c.id,
        checkpoint: c.checkpoint as i64,
        at: rfc3339(c.at),
        lon: c.lon,
        lat: c.lat,
        accuracy_m: c.accuracy_m,
        scanned: c.scanned,
        flags: c.flags.iter().map(|f| f.as_str().to_string()).collect(),
        flag_labels: c.flags.iter().map(|f| f.label_zh().to_string()).collect(),
        by: c.by,
        event_id: c.event_id,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ShiftDetailView {
    pub shift: ShiftView,
    pub route: RouteView,
    pub check_ins: Vec<CheckInView>,
    /// The checkpoints without a clean check-in (so far, or as the shift ended).
    pub missed: Vec<i64>,
}

fn detail_view(state: &AppState, d: uc::ShiftDetail) -> ShiftDetailView {
    ShiftDetailView {
        shift: shift_view(state, d.shift),
        route: route_view(d.route, false),
        check_ins: d.check_ins.into_iter().map(check_in_view).collect(),
        missed: d.missed.into_iter().map(|m| m as i64).collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/patrol/shifts/{id}", tag = "patrols", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = ShiftDetailView), (status = 403, body = Err), (status = 404, body = Err)))]
pub async fn shift(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ShiftDetailView>> {
    Ok(axum::Json(detail_view(
        &state,
        uc::shift(&state, &user.user, id).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/patrol/shifts/{id}/check-ins", tag = "patrols", params(("id" = i64, Path, minimum = 1)), request_body = CheckInSpec, security(("bearer" = [])),
    responses((status = 201, body = CheckInView, description = "recorded, with what is doubtful about it; a finding reported as an event"),
              (status = 403, body = Err, description = "check-ins come from the village's station and grid workers"),
              (status = 404, body = Err),
              (status = 409, body = Err, description = "the shift has ended"),
              (status = 422, body = Err, description = "a checkpoint not on the route, a bad position, a finding's bad category")))]
pub async fn check_in(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<CheckInSpec>,
) -> ApiResult<(StatusCode, axum::Json<CheckInView>)> {
    let c = uc::check_in(&state, &user.user, id, b).await?;
    Ok((StatusCode::CREATED, axum::Json(check_in_view(c))))
}

#[utoipa::path(post, path = "/api/v1/patrol/shifts/{id}/end", tag = "patrols", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = ShiftDetailView, description = "ended: the checkpoints it missed are warned of"),
              (status = 403, body = Err), (status = 404, body = Err), (status = 409, body = Err, description = "ended already")))]
pub async fn end(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ShiftDetailView>> {
    Ok(axum::Json(detail_view(
        &state,
        uc::end(&state, &user.user, id).await?,
    )))
}

#[derive(Serialize, ToSchema)]
pub struct PolicePostView {
    /// `P` and the area's code.
    pub id: String,
    pub name: String,
    pub area_code: String,
    pub area_name: String,
    pub lon: f64,
    pub lat: f64,
}

#[utoipa::path(get, path = "/api/v1/police-posts", tag = "patrols", security(("bearer" = [])),
    responses((status = 200, body = [PolicePostView], description = "the police station's window and village police posts of the caller's area, each at a point inside its area (the map's police layer); a dispatch names them like any unit")))]
pub async fn police_posts(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<PolicePostView>>> {
    let all = crate::usecase::police::posts(&state, &user.user).await?;
    Ok(axum::Json(
        all.into_iter()
            .map(|p| PolicePostView {
                area_name: name_of(&state, &p.area_code),
                id: p.id,
                name: p.name,
                area_code: p.area_code,
                lon: p.lon,
                lat: p.lat,
            })
            .collect(),
    ))
}
