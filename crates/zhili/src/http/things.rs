//! `/api/v1/things`: city components and cameras of the caller's area, their states, and
//! the camera uptime each area answers for (target 98 %).

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::org::OrgKind;
use zhili_domain::thing::{self, UPTIME_TARGET};
use zhili_domain::{time, ErrorCode, Level, RegionCode};
use zhili_store::{ThingFilter, ThingRecord};

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(ErrorCode::InvalidParameter, field, message)
}

fn kind_of(raw: &str) -> ApiResult<thing::ThingKind> {
    thing::ThingKind::parse(raw)
        .ok_or_else(|| bad("kind", format!("{raw:?} is not component or camera")))
}

fn state_of(raw: &str) -> ApiResult<thing::ThingState> {
    thing::ThingState::from_code(raw).ok_or_else(|| bad("state", format!("{raw:?} is not a state")))
}

pub(super) fn region_of(raw: Option<&str>) -> ApiResult<Option<RegionCode>> {
    raw.map(RegionCode::parse)
        .transpose()
        .map_err(|e| bad("region", e.message))
}

#[derive(Serialize, ToSchema)]
pub struct ThingView {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
    pub class: String,
    pub class_name: String,
    pub subclass: String,
    pub grid_code: String,
    /// The grid's name.
    pub grid_name: String,
    pub lon: f64,
    pub lat: f64,
    pub department: Option<String>,
    pub state: String,
    pub coverage: Option<String>,
    pub last_seen: Option<String>,
    pub updated_at: String,
}

fn view(index: &crate::regions::RegionIndex, t: &ThingRecord) -> ThingView {
    let n = &t.thing;
    ThingView {
        grid_name: index
            .names
            .get(n.grid_code.as_str())
            .cloned()
            .unwrap_or_default(),
        id: t.id,
        kind: n.kind.as_str().into(),
        code: n.code.clone(),
        name: n.name.clone(),
        class_name: thing::MAJOR_CLASSES
            .iter()
            .find(|(c, _)| *c == n.class)
            .map(|(_, name)| name.to_string())
            .unwrap_or_default(),
        class: n.class.clone(),
        subclass: n.subclass.clone(),
        grid_code: n.grid_code.to_string(),
        lon: n.lon,
        lat: n.lat,
        department: n.department.clone(),
        state: n.state.as_str().into(),
        coverage: n.coverage.clone(),
        last_seen: n.last_seen.map(time::rfc3339),
        updated_at: time::rfc3339(t.updated_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ThingsQuery {
    /// component or camera
    #[param(schema_with = super::schema::thing_kind)]
    pub kind: Option<String>,
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// Components: normal, damaged, lost, occupied; cameras: online, offline.
    #[param(schema_with = super::schema::thing_state)]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ThingPage {
    pub items: Vec<ThingView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/things", tag = "things", params(ThingsQuery), security(("bearer" = [])),
    responses((status = 200, body = ThingPage)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ThingsQuery>,
) -> ApiResult<axum::Json<ThingPage>> {
    let paging = super::error::Paging::of(q.page, q.page_size, 500)?;
    let filter = ThingFilter {
        kind: q.kind.as_deref().map(kind_of).transpose()?,
        region: region_of(q.region.as_deref())?,
        state: q.state.as_deref().map(state_of).transpose()?,
        code: None,
        limit: paging.size,
        offset: paging.offset(),
    };
    let (total, items) = state.store.list_things(&user.user.scope(), &filter).await?;
    Ok(axum::Json(ThingPage {
        items: items.iter().map(|t| view(&state.index(), t)).collect(),
        total,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThingBody {
    /// component or camera
    pub kind: String,
    /// Components: 16 digits (district, class, subclass, sequence); cameras: 1–40 characters.
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub department: Option<String>,
    /// Components: normal (default), damaged, lost, occupied; cameras: online (default), offline.
    pub state: Option<String>,
    /// Cameras: road, community, school, market, river, other.
    pub coverage: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/things", tag = "things", request_body = ThingBody, security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register components or cameras"), (status = 201, body = ThingView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<ThingBody>,
) -> ApiResult<(StatusCode, axum::Json<ThingView>)> {
    let input = crate::places::ThingInput {
        kind: body.kind,
        code: body.code,
        name: body.name,
        lon: body.lon,
        lat: body.lat,
        department: body.department,
        state: body.state,
        coverage: body.coverage,
    };
    let stored = crate::usecase::things::register_thing(&state, &user.user, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&state.index(), &stored)),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateBody {
    /// Components: normal, damaged, lost, occupied; cameras: online, offline.
    #[schema(schema_with = super::schema::thing_state)]
    pub state: String,
}

#[utoipa::path(put, path = "/api/v1/things/{id}/state", tag = "things", params(("id" = i64, Path, minimum = 1)), request_body = StateBody, security(("bearer" = [])),
    responses((status = 409, body = super::error::ErrorBody, description = "conflict: a state of the other kind of thing"), (status = 403, body = super::error::ErrorBody, description = "neither the responsible unit nor a centre of the area"), (status = 200, body = ThingView), (status = 404, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn set_state(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<StateBody>,
) -> ApiResult<axum::Json<ThingView>> {
    let id = super::events::parse_id(&id)?;
    let updated =
        crate::usecase::things::set_thing_state(&state, &user.user, id, &body.state).await?;
    Ok(axum::Json(view(&state.index(), &updated)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UptimeQuery {
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UptimeRow {
    pub code: String,
    pub name: String,
    pub total: i64,
    pub online: i64,
    pub rate: Option<f64>,
    /// Below the 98 % target.
    pub below_target: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Uptime {
    pub region: UptimeRow,
    pub target: f64,
    /// The child regions.
    pub by_region: Vec<UptimeRow>,
}

#[utoipa::path(get, path = "/api/v1/things/uptime", tag = "things", params(UptimeQuery), security(("bearer" = [])),
    responses((status = 200, body = Uptime, description = "cameras online over all cameras, for the area and each child region")))]
pub async fn uptime(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<UptimeQuery>,
) -> ApiResult<axum::Json<Uptime>> {
    let scope = user.user.scope();
    let region = match region_of(q.region.as_deref())? {
        Some(r) if scope.sees_region(&r) => r,
        Some(r) => return Err(ApiError::not_found(&format!("region {r}"))),
        None => scope.root.clone(),
    };
    let child_len = match region.level() {
        Level::District => 9,
        Level::Town => 12,
        Level::Village | Level::Grid => 15,
    };
    let counts = state
        .store
        .camera_counts(&scope, &region, child_len)
        .await?;
    let index = state.index();
    let row = |code: String, total: i64, online: i64| {
        let rate = thing::uptime(online, total);
        UptimeRow {
            name: index.names.get(&code).cloned().unwrap_or_default(),
            code,
            total,
            online,
            rate: rate.map(|r| (r * 10_000.0).round() / 10_000.0),
            below_target: rate.is_some_and(|r| r < UPTIME_TARGET),
        }
    };
    let (total, online) = counts
        .iter()
        .fold((0, 0), |(t, o), c| (t + c.total, o + c.online));
    Ok(axum::Json(Uptime {
        region: row(region.to_string(), total, online),
        target: UPTIME_TARGET,
        by_region: counts
            .into_iter()
            .map(|c| row(c.prefix, c.total, c.online))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OrgView {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub grid_code: String,
    pub lon: f64,
    pub lat: f64,
    pub contact_name: String,
    /// Masked.
    pub contact_phone: Option<String>,
    pub staff: i64,
}

fn org_view(id: i64, o: &zhili_store::NewOrg) -> OrgView {
    OrgView {
        id,
        kind_label: o.kind.label_zh().into(),
        kind: o.kind.as_str().into(),
        name: o.name.clone(),
        credit_code: o.credit_code.clone(),
        address: o.address.clone(),
        grid_code: o.grid_code.to_string(),
        lon: o.lon,
        lat: o.lat,
        contact_name: o.contact_name.clone(),
        contact_phone: o.contact_phone_masked.clone(),
        staff: o.staff,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    /// enterprise, social_org, school, hospital, hazardous_chemicals, logistics
    pub kind: String,
    pub name: String,
    /// Unified social credit code (GB 32100), checked when given.
    pub credit_code: Option<String>,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
    /// The responsible person.
    pub contact_name: String,
    pub contact_phone: Option<String>,
    #[serde(default)]
    pub staff: i64,
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "things", request_body = OrgBody, security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not register organisations"), (status = 201, body = OrgView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn create_org(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<OrgBody>,
) -> ApiResult<(StatusCode, axum::Json<OrgView>)> {
    let input = crate::places::OrgInput {
        kind: body.kind,
        name: body.name,
        credit_code: body.credit_code,
        address: body.address,
        lon: body.lon,
        lat: body.lat,
        contact_name: body.contact_name,
        contact_phone: body.contact_phone,
        staff: body.staff,
    };
    let o = crate::usecase::things::register_org(&state, &user.user, input).await?;
    Ok((StatusCode::CREATED, axum::Json(org_view(o.id, &o.org))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrgsQuery {
    #[param(schema_with = super::schema::org_kind)]
    pub kind: Option<String>,
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgPage {
    pub items: Vec<OrgView>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/orgs", tag = "things", params(OrgsQuery), security(("bearer" = [])),
    responses((status = 200, body = OrgPage)))]
pub async fn list_orgs(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<OrgsQuery>,
) -> ApiResult<axum::Json<OrgPage>> {
    let paging = super::error::Paging::of(q.page, q.page_size, 500)?;
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            OrgKind::from_code(k)
                .ok_or_else(|| bad("kind", format!("{k:?} is not an organisation kind")))
        })
        .transpose()?;
    let region = region_of(q.region.as_deref())?;
    let (total, orgs) = state
        .store
        .list_orgs(
            &user.user.scope(),
            kind,
            region.as_ref(),
            paging.size,
            paging.offset(),
        )
        .await?;
    Ok(axum::Json(OrgPage {
        items: orgs.iter().map(|o| org_view(o.id, &o.org)).collect(),
        total,
    }))
}
