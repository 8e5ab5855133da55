//! The handlers of `/api/v1`. Each reads its input through the strict extractors, asks the
//! store (always with the caller's scope) or the region index, and answers JSON.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::regions::Named;
use crate::state::AppState;
use crate::usecase::grid_import::{self as import, ImportReport};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::user::User;
use zhili_domain::{time, ErrorCode, Level, RegionCode, Unit, UnitKind};
use zhili_spatial::Crs;
use zhili_store::{RegionFilter, RegionRecord};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health)))]
pub async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin, district_commander, district_operator, town_operator, village_operator,
    /// grid_worker, grid_leader, department_handler, leader, pilot_office
    pub role: String,
    pub role_label: String,
    pub unit_id: Option<String>,
    /// Root of the user's region scope.
    pub region_code: String,
    pub department: Option<String>,
    /// For grid staff: the grids they serve, lead or cover now (their scope); otherwise empty.
    pub grids: Vec<String>,
    /// The password was set by an administrator or has expired: until it is changed
    /// (`POST /api/v1/auth/password`) every other request answers 403 `password_change_required`.
    pub must_change_password: bool,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            role_label: u.role.label_zh().into(),
            unit_id: u.unit_id.clone(),
            region_code: u.region_code.to_string(),
            department: u.department.clone(),
            grids: if u.role.on_the_grids() {
                u.scope()
                    .prefixes()
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            } else {
                Vec::new()
            },
            must_change_password: u.must_change_password,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: String,
    pub user: UserView,
}

/// The answer when every password check is taken.
pub fn busy() -> ApiError {
    crate::usecase::accounts::busy().into()
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = super::error::ErrorBody, description = "invalid_credentials"),
              (status = 403, body = super::error::ErrorBody, description = "account_disabled: the right password for an account an administrator stopped"),
              (status = 429, body = super::error::ErrorBody, description = "account_locked: too many wrong passwords for this name from this place (or from places it has not signed in from); rate_limited: too many sign-ins a minute for this name or from this address; `Retry-After` tells when"),
              (status = 503, body = super::error::ErrorBody, description = "busy: every password check is taken; `Retry-After` tells when to try again")))]
pub async fn login(
    State(state): State<Arc<AppState>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    use crate::usecase::sign_in::Refusal;
    let place = state.client_address(peer.ip(), &headers).to_string();
    match crate::usecase::sign_in::sign_in(&state, &req.username, &req.password, &place).await {
        Ok(s) => Ok(axum::Json(LoginResponse {
            token: s.token,
            expires_at: time::rfc3339(s.expires_at),
            user: UserView::from(&s.user),
        })),
        Err(Refusal::Wrong) => Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "wrong username or password",
        )
        .zh("用户名或密码错误")),
        Err(Refusal::Locked { until, now }) => {
            Err(ApiError::from(state.policy.locked_error(until, now)).retry_after_ms(until - now))
        }
        Err(Refusal::Disabled) => Err(ApiError::new(
            ErrorCode::AccountDisabled,
            "this account is stopped; ask an administrator",
        )
        .zh("账号已停用，请联系系统管理员")),
        Err(Refusal::Busy) => Err(busy()),
        Err(Refusal::Limited(e)) => Err(e.into()),
        Err(Refusal::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    #[schema(max_length = 1024)]
    pub current_password: String,
    #[schema(schema_with = super::schema::password)]
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChangeRequest, security(("bearer" = [])),
    responses((status = 200, body = LoginResponse, description = "changed: every session of the account has ended, this one too; the answer is a new session"),
              (status = 401, body = super::error::ErrorBody, description = "invalid_credentials: the current password is wrong"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter (field new_password): too short, too few kinds of character, the account's name, or one of the last five"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many tries a minute for this account or from this address; `Retry-After` tells when"),
              (status = 503, body = super::error::ErrorBody, description = "busy: every password check is taken; `Retry-After` tells when to try again")))]
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(req): Json<PasswordChangeRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    use crate::usecase::sign_in::{ChangeRefusal, Refusal};
    let place = user.place.to_string();
    match crate::usecase::sign_in::change_own_password(
        &state,
        &user.user,
        &req.current_password,
        req.new_password,
        &place,
    )
    .await
    {
        Ok(s) => {
            state.forget_token(&user.token_hash);
            Ok(axum::Json(LoginResponse {
                token: s.token,
                expires_at: time::rfc3339(s.expires_at),
                user: UserView::from(&s.user),
            }))
        }
        Err(ChangeRefusal::Wrong) => Err(ApiError::field(
            ErrorCode::InvalidCredentials,
            "current_password",
            "the current password is wrong",
        )
        .zh("当前密码不正确")),
        Err(ChangeRefusal::Invalid(mut e)) => {
            // The policy names the password; this request calls it new_password.
            e.field = Some("new_password".into());
            Err(e.into())
        }
        Err(ChangeRefusal::Refusal(Refusal::Busy)) => Err(busy()),
        Err(ChangeRefusal::Refusal(Refusal::Limited(e))) => Err(e.into()),
        Err(ChangeRefusal::Refusal(Refusal::Store(e))) => Err(e.into()),
        Err(ChangeRefusal::Refusal(_)) => Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "the password could not be changed; sign in again",
        )),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "the token no longer works")))]
pub async fn logout(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
) -> ApiResult<StatusCode> {
    crate::usecase::sign_in::sign_out(&state, &user.user, &user.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = UserView)))]
pub async fn me(user: CurrentUser, _params: Query<NoParams>) -> axum::Json<UserView> {
    axum::Json(UserView::from(&user.user))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionsQuery {
    /// town, village or grid (district too); all levels when absent
    #[param(schema_with = super::schema::level)]
    pub level: Option<String>,
    /// Only the children of this region code.
    #[param(schema_with = super::schema::region_code)]
    pub parent: Option<String>,
    /// Include boundaries as GeoJSON geometries.
    pub geometry: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    /// district, town, village, grid
    pub level: String,
    /// 区县, 街道/镇/乡, 社区/村, 综合网格/专属网格
    pub kind: String,
    pub parent_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Box<RawValue>>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionView,
    pub version: i64,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

fn region_view(r: RegionRecord) -> RegionView {
    RegionView {
        code: r.region.code.to_string(),
        name: r.region.name,
        level: r.region.level.as_str().into(),
        kind: r.region.kind.as_str().into(),
        parent_code: r.region.parent_code.map(|c| c.to_string()),
        // Stored geometry was validated on the way in; embed it as is rather than re-encoding.
        geometry: r.geometry.and_then(|g| RawValue::from_string(g).ok()),
    }
}

fn region_detail(r: RegionRecord) -> RegionDetail {
    let (version, from, to) = (r.region.version, r.region.valid_from, r.region.valid_to);
    RegionDetail {
        region: region_view(r),
        version,
        valid_from: time::rfc3339(from),
        valid_to: to.map(time::rfc3339),
    }
}

fn parse_code(field: &str, s: &str) -> ApiResult<RegionCode> {
    RegionCode::parse(s).map_err(|e| ApiError::field(ErrorCode::InvalidParameter, field, e.message))
}

#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionsQuery), security(("bearer" = [])),
    responses((status = 200, body = [RegionView], description = "regions in the caller's scope")))]
pub async fn list_regions(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<RegionsQuery>,
) -> ApiResult<axum::Json<Vec<RegionView>>> {
    let level = q
        .level
        .as_deref()
        .map(|l| {
            Level::parse(l).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "level",
                    format!("level {l:?} is not district, town, village or grid"),
                )
            })
        })
        .transpose()?;
    let parent = q
        .parent
        .as_deref()
        .map(|p| parse_code("parent", p))
        .transpose()?;
    let filter = RegionFilter {
        level,
        parent,
        with_geometry: q.geometry.unwrap_or(false),
    };
    let rows = state
        .store
        .list_regions(&user.user.scope(), &filter)
        .await?;
    Ok(axum::Json(rows.into_iter().map(region_view).collect()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Include the boundary as a GeoJSON geometry.
    pub geometry: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", params(("code" = String, Path, pattern = r"^[0-9]{4}(0[1-9]|[1-9][0-9])((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})?)?)?$"), RegionQuery), security(("bearer" = [])),
    responses((status = 200, body = RegionDetail), (status = 404, body = super::error::ErrorBody, description = "no such region in the caller's scope")))]
pub async fn get_region(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Query(q): Query<RegionQuery>,
) -> ApiResult<axum::Json<RegionDetail>> {
    let code = parse_code("code", &code)?;
    let found = state
        .store
        .get_region(&user.user.scope(), &code, q.geometry.unwrap_or(false))
        .await?;
    found
        .map(|r| axum::Json(region_detail(r)))
        .ok_or_else(|| ApiError::not_found(&format!("region {code}")))
}

#[utoipa::path(get, path = "/api/v1/regions/{code}/versions", tag = "regions", params(("code" = String, Path, pattern = r"^[0-9]{4}(0[1-9]|[1-9][0-9])((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})?)?)?$")), security(("bearer" = [])),
    responses((status = 200, body = [RegionDetail], description = "every version, oldest first, with boundaries")))]
pub async fn region_versions(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    _params: Query<NoParams>,
) -> ApiResult<axum::Json<Vec<RegionDetail>>> {
    let code = parse_code("code", &code)?;
    let rows = state
        .store
        .region_versions(&user.user.scope(), &code)
        .await?;
    if rows.is_empty() {
        return Err(ApiError::not_found(&format!("region {code}")));
    }
    Ok(axum::Json(rows.into_iter().map(region_detail).collect()))
}

/// Someone to call about a grid.
#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub display_name: String,
    /// grid_worker (网格员) or village_operator (the village station: 网格长 and 站点).
    pub role: String,
    pub role_label: String,
    /// The work phone in full, to call (staff work phones are posted on each grid's public
    /// board; a resident's phone is never here).
    pub phone: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/regions/{code}/contacts", tag = "regions", params(("code" = String, Path, pattern = r"^[0-9]{4}(0[1-9]|[1-9][0-9])((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})((00[1-9]|0[1-9][0-9]|[1-3][0-9]{2})(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})?)?)?$")), security(("bearer" = [])),
    responses((status = 200, body = [ContactView], description = "a grid's workers and its village station's operators (a village: its operators); empty above the village"),
              (status = 404, body = super::error::ErrorBody, description = "no such region in the caller's scope")))]
pub async fn region_contacts(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    _params: Query<NoParams>,
) -> ApiResult<axum::Json<Vec<ContactView>>> {
    let code = parse_code("code", &code)?;
    if state
        .store
        .get_region(&user.user.scope(), &code, false)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found(&format!("region {code}")));
    }
    let village = match code.level() {
        zhili_domain::Level::Grid => code.parent(),
        zhili_domain::Level::Village => Some(code.clone()),
        _ => None,
    };
    let Some(village) = village else {
        return Ok(axum::Json(Vec::new()));
    };
    let contacts = state.store.grid_contacts(&code, &village).await?;
    Ok(axum::Json(
        contacts
            .into_iter()
            .map(|c| ContactView {
                phone: c
                    .phone_enc
                    .and_then(|p| state.key.open(&p, crate::crypto::Sealed::StaffPhone).ok()),
                display_name: c.display_name,
                role: c.role.as_str().into(),
                role_label: c.role.label_zh().into(),
            })
            .collect(),
    ))
}

/// For endpoints that take no query parameters: a stray one is a client mistake, refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// Longitude, degrees east.
    #[param(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Latitude, degrees north.
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// wgs84 (default), gcj02 or bd09
    #[param(schema_with = super::schema::crs)]
    pub crs: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LocateResponse {
    pub district: Named,
    pub town: Named,
    pub village: Named,
    pub grid: Named,
    /// Within 30 m of a grid edge.
    pub near_boundary: bool,
    /// The point in WGS84, as located.
    pub lon: f64,
    pub lat: f64,
}

#[utoipa::path(get, path = "/api/v1/locate", tag = "regions", params(LocateQuery), security(("bearer" = [])),
    responses((status = 200, body = LocateResponse), (status = 404, body = super::error::ErrorBody, description = "outside_coverage")))]
pub async fn locate(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<LocateQuery>,
) -> ApiResult<axum::Json<LocateResponse>> {
    let crs = match q.crs.as_deref() {
        None => Crs::Wgs84,
        Some(name) => Crs::parse(name).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "crs",
                format!("crs {name:?} is not wgs84, gcj02 or bd09"),
            )
        })?,
    };
    if !q.lon.is_finite() || !(-180.0..=180.0).contains(&q.lon) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "lon",
            format!("longitude {} is outside -180..180", q.lon),
        ));
    }
    if !q.lat.is_finite() || !(-90.0..=90.0).contains(&q.lat) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "lat",
            format!("latitude {} is outside -90..90", q.lat),
        ));
    }
    let (lon, lat) = crs.to_wgs84(q.lon, q.lat);
    let index = state.index();
    let outside = || {
        ApiError::new(
            ErrorCode::OutsideCoverage,
            format!("({lon:.6}, {lat:.6}) is outside the grids you cover"),
        )
    };
    let hit = index.locate.locate(lon, lat).ok_or_else(outside)?;
    let chain = &index.grids[hit.shape as usize];
    // A point in someone else's area is, for this caller, outside coverage.
    if !user.user.scope().sees_region(&chain.grid_code) {
        return Err(outside());
    }
    Ok(axum::Json(LocateResponse {
        district: chain.district.clone(),
        town: chain.town.clone(),
        village: chain.village.clone(),
        grid: chain.grid.clone(),
        near_boundary: hit.near_boundary,
        lon,
        lat,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// department, centre or station
    #[param(schema_with = super::schema::unit_kind)]
    pub kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region_code: String,
}

impl From<Unit> for UnitView {
    fn from(u: Unit) -> Self {
        UnitView {
            id: u.id,
            name: u.name,
            kind: u.kind.as_str().into(),
            region_code: u.region_code.to_string(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/units", tag = "units", params(UnitsQuery), security(("bearer" = [])),
    responses((status = 200, body = [UnitView], description = "departments, and the centres and stations in the caller's scope")))]
pub async fn list_units(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<UnitsQuery>,
) -> ApiResult<axum::Json<Vec<UnitView>>> {
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            UnitKind::parse(k).ok_or_else(|| {
                ApiError::field(
                    ErrorCode::InvalidParameter,
                    "kind",
                    format!("kind {k:?} is not department, centre, station or police_post"),
                )
            })
        })
        .transpose()?;
    let units = state.store.list_units(&user.user.scope(), kind).await?;
    Ok(axum::Json(units.into_iter().map(UnitView::from).collect()))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Validate only; write nothing.
    pub dry_run: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/grids/import", tag = "regions", params(ImportQuery), security(("bearer" = [])),
    request_body(content = Object, description = "a GeoJSON FeatureCollection of grids: properties code (15 digits), name, kind (综合网格|专属网格)", content_type = "application/geo+json"),
    responses((status = 200, body = ImportReport), (status = 422, body = super::error::ErrorBody, description = "invalid_geometry: details.problems lists every problem"),
              (status = 403, body = super::error::ErrorBody, description = "admins only")))]
pub async fn import_grids(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<ImportQuery>,
    request: axum::extract::Request,
) -> ApiResult<impl IntoResponse> {
    // Refused before a body of up to 64 MiB is read.
    if !user.user.role.administers() {
        return Err(ApiError::forbidden("only administrators import boundaries"));
    }
    let bytes = super::error::read_body(request, &()).await?;
    let report =
        import::import_grids_as(&state, &user.user, &bytes, q.dry_run.unwrap_or(false)).await?;
    if !report.problems.is_empty() {
        let n = report.problems.len();
        return Err(ApiError::new(
            ErrorCode::InvalidGeometry,
            format!("the file has {n} problem(s); nothing was written"),
        )
        .with_details(serde_json::to_value(&report).unwrap_or_default()));
    }
    Ok(axum::Json(report))
}
