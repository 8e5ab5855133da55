//! `/api/v1/resident/…`: residents' own doors. A resident signs in with a code sent to their
//! phone and holds a token that opens these doors only (a staff token opens none of them,
//! and theirs opens no staff door). Every answer is about the caller's own account, reports
//! and messages, or their village's public notices.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::events::Location;
use crate::state::AppState;
use crate::usecase::residents as uc;
use axum::extract::{FromRequestParts, State};
use axum::http::{request::Parts, HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::time;
use zhili_domain::ErrorCode;
use zhili_store::{EventRecord, ResidentRecord};

/// The signed-in resident, from `Authorization: Bearer zr_…`.
pub struct CurrentResident {
    pub resident: ResidentRecord,
    pub token_hash: String,
}

impl FromRequestParts<Arc<AppState>> for CurrentResident {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "sign in with a code sent to your phone and send Authorization: Bearer <token>",
            )
            .zh("请先用手机验证码登录")
        };
        let token = super::bearer_token(parts)
            .filter(|t| t.starts_with("zr_"))
            .ok_or_else(unauthenticated)?;
        let token_hash = crate::auth::token_hash(token);
        let resident = state
            .store
            .resident_by_token(&token_hash, crate::now_ms())
            .await?
            .ok_or_else(unauthenticated)?;
        Ok(CurrentResident {
            resident,
            token_hash,
        })
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// A mainland mobile number (11 digits; +86, spaces and dashes allowed).
    #[schema(max_length = 20, pattern = "^[+0-9 -]*$")]
    pub phone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CodeSentView {
    /// Seconds the code is good for.
    pub expires_in_s: i64,
    /// Seconds before another code may be asked for.
    pub resend_after_s: i64,
}

fn from(state: &AppState, peer: std::net::SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    state.client_address(peer.ip(), headers)
}

#[utoipa::path(post, path = "/api/v1/resident/code", tag = "residents", request_body = CodeRequest,
    responses((status = 202, body = CodeSentView, description = "a code is on its way to the number (held in the outbox when no SMS provider is configured)"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter: `phone` is not a mainland mobile number"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: a code for this number less than a minute ago, ten today, or too many requests from this address; `Retry-After` tells when")))]
pub async fn request_code(
    State(state): State<Arc<AppState>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Json(b): Json<CodeRequest>,
) -> ApiResult<(StatusCode, axum::Json<CodeSentView>)> {
    let sent = uc::request_code(&state, &b.phone, from(&state, peer, &headers)).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(CodeSentView {
            expires_in_s: sent.expires_in_ms / 1000,
            resend_after_s: sent.resend_after_ms / 1000,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeAnswerBody {
    #[schema(max_length = 20, pattern = "^[+0-9 -]*$")]
    pub phone: String,
    /// The six digits sent.
    #[schema(max_length = 10)]
    pub code: String,
}

/// A resident's account as they see it.
#[derive(Serialize, ToSchema)]
pub struct ResidentView {
    pub id: i64,
    /// Their number, masked.
    pub phone: String,
    /// Linked to their registered person (and so to their village).
    pub linked: bool,
    pub name: Option<String>,
    pub grid_code: Option<String>,
    /// Their village, town and grid by name.
    pub area_name: Option<String>,
    pub created_at: String,
}

/// A grid's town, village and grid by name, as a resident reads where something is (a grid
/// named after its village is not preceded by the village again).
fn area_name(state: &AppState, grid: &zhili_domain::RegionCode) -> String {
    use zhili_domain::Level;
    let index = state.index();
    let name = |c: Option<zhili_domain::RegionCode>| {
        c.and_then(|c| index.names.get(c.as_str()).cloned())
            .unwrap_or_default()
    };
    let (town, village, cell) = (
        name(grid.ancestor_at(Level::Town)),
        name(grid.ancestor_at(Level::Village)),
        name(Some(grid.clone())),
    );
    if cell.starts_with(&village) {
        format!("{town} · {cell}")
    } else {
        format!("{town} · {village} · {cell}")
    }
}

fn resident_view(state: &AppState, r: &ResidentRecord) -> ResidentView {
    let area_name = r.grid_code.as_ref().map(|g| area_name(state, g));
    ResidentView {
        id: r.id,
        phone: r.phone_masked.clone(),
        linked: r.person_id.is_some(),
        name: r.display_name.clone(),
        grid_code: r.grid_code.as_ref().map(|g| g.to_string()),
        area_name,
        created_at: time::rfc3339(r.created_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResidentSession {
    /// Send as `Authorization: Bearer <token>` to the resident doors.
    pub token: String,
    pub expires_at: String,
    pub resident: ResidentView,
    /// The account was opened by this sign-in.
    pub created: bool,
}

#[utoipa::path(post, path = "/api/v1/resident/session", tag = "residents", request_body = CodeAnswerBody,
    responses((status = 200, body = ResidentSession, description = "signed in (and signed up, the first time)"),
              (status = 422, body = super::error::ErrorBody, description = "wrong_code (tries left said), code_expired (expired, used already, too many wrong answers, or none sent), invalid_parameter"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: too many answers from this address")))]
pub async fn sign_in(
    State(state): State<Arc<AppState>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Json(b): Json<CodeAnswerBody>,
) -> ApiResult<axum::Json<ResidentSession>> {
    let s = uc::answer_code(&state, &b.phone, &b.code, from(&state, peer, &headers)).await?;
    Ok(axum::Json(ResidentSession {
        token: s.token,
        expires_at: time::rfc3339(s.expires_at),
        resident: resident_view(&state, &s.resident),
        created: s.created,
    }))
}

#[utoipa::path(delete, path = "/api/v1/resident/session", tag = "residents", security(("resident" = [])),
    responses((status = 204, description = "the token no longer works")))]
pub async fn sign_out(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
) -> ApiResult<StatusCode> {
    uc::sign_out(&state, &r.resident, &r.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/resident/me", tag = "residents", security(("resident" = [])),
    responses((status = 200, body = ResidentView)))]
pub async fn me(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    _q: Query<super::handlers::NoParams>,
) -> axum::Json<ResidentView> {
    axum::Json(resident_view(&state, &r.resident))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// Their resident identity card number (checked through the blind index, never kept).
    #[schema(max_length = 30)]
    pub id_number: String,
    /// Their name as registered.
    #[schema(schema_with = super::schema::line_50)]
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/resident/link", tag = "residents", request_body = LinkBody, security(("resident" = [])),
    responses((status = 200, body = ResidentView, description = "linked to their registered person, house and village"),
              (status = 409, body = super::error::ErrorBody, description = "the account is linked already"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_id_number; or invalid_parameter `id_number`: no registered person can be linked with this number and name (unknown, another name, or linked to another account — which, is not told)"),
              (status = 429, body = super::error::ErrorBody, description = "rate_limited: five tries a day")))]
pub async fn link(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Json(b): Json<LinkBody>,
) -> ApiResult<axum::Json<ResidentView>> {
    let linked = uc::link(&state, &r.resident, &b.id_number, &b.name).await?;
    Ok(axum::Json(resident_view(&state, &linked)))
}

/// A report as its resident follows it.
#[derive(Serialize, ToSchema)]
pub struct ResidentEventView {
    pub id: i64,
    pub case_number: String,
    pub category: String,
    /// The category by name.
    pub category_name: String,
    pub description: String,
    pub status: String,
    /// The status by name (待受理, 已受理 …).
    pub status_label: String,
    /// 三事分流: major, minor or private.
    pub matter_class: String,
    pub reported_at: String,
    pub closed_at: Option<String>,
    pub satisfaction: Option<i64>,
    pub lon: f64,
    pub lat: f64,
    /// Where it was reported: town, village and grid by name.
    pub area_name: String,
    pub version: i64,
    /// Closed and not yet rated: the reporter rates it.
    pub may_rate: bool,
    /// A 私事 registered with guidance: the reporter confirms it is settled.
    pub may_confirm: bool,
    /// Still being worked on: the reporter may add to it.
    pub may_add: bool,
}

fn event_view(state: &AppState, e: &EventRecord) -> ResidentEventView {
    use zhili_domain::event::{MatterClass, Status};
    let category_name = state
        .reference()
        .categories
        .get(&e.category)
        .map(|c| format!("{} · {}", c.major, c.minor))
        .unwrap_or_else(|| e.category.clone());
    let s = e.case.status;
    ResidentEventView {
        id: e.id,
        case_number: e.case_number.clone(),
        category: e.category.clone(),
        category_name,
        description: e.description.clone(),
        status: s.as_str().into(),
        status_label: s.label_zh().into(),
        matter_class: e.case.class.as_str().into(),
        reported_at: time::rfc3339(e.reported_at),
        closed_at: e.case.closed_at.map(time::rfc3339),
        satisfaction: e.case.satisfaction,
        lon: e.lon,
        lat: e.lat,
        area_name: area_name(state, &e.case.grid),
        version: e.version,
        may_rate: s == Status::Closed,
        may_confirm: s == Status::Registered && e.case.class == MatterClass::Private,
        may_add: s.is_open(),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResidentEventsQuery {
    /// Reports before this id (the next page).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/resident/events", tag = "residents", params(ResidentEventsQuery), security(("resident" = [])),
    responses((status = 200, body = [ResidentEventView], description = "the caller's own reports, newest first")))]
pub async fn list_events(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Query(q): Query<ResidentEventsQuery>,
) -> ApiResult<axum::Json<Vec<ResidentEventView>>> {
    let limit = q.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "1 to 100",
        ));
    }
    if q.before.is_some_and(|b| b < 1) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "before",
            "an event id",
        ));
    }
    let list = state
        .store
        .resident_events(r.resident.id, q.before, limit)
        .await?;
    Ok(axum::Json(
        list.iter().map(|e| event_view(&state, e)).collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidentReportBody {
    /// Four-digit subcategory code (`GET /api/v1/resident/categories`).
    #[schema(pattern = "^[0-9]{4}$")]
    pub category: String,
    #[schema(schema_with = super::schema::note)]
    pub description: String,
    pub location: Location,
    /// When it happened, if not now (RFC 3339).
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// Photo ids from `POST /api/v1/resident/photos`.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub photos: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/resident/events", tag = "residents", request_body = ResidentReportBody, security(("resident" = [])),
    responses((status = 201, body = ResidentEventView, description = "reported; the village station (or the district centre) takes it in"),
              (status = 404, body = super::error::ErrorBody, description = "no such category, a photo that is not yours; outside_coverage: the place is outside the district's grids"),
              (status = 422, body = super::error::ErrorBody, description = "the field at fault")))]
pub async fn report(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Json(b): Json<ResidentReportBody>,
) -> ApiResult<(StatusCode, axum::Json<ResidentEventView>)> {
    let (lon, lat) = b.location.wgs84()?;
    let occurred_at = b
        .occurred_at
        .as_deref()
        .map(|t| {
            time::parse_rfc3339(t).ok_or_else(|| {
                ApiError::field(ErrorCode::InvalidParameter, "occurred_at", "RFC 3339")
            })
        })
        .transpose()?;
    let e = uc::report(
        &state,
        &r.resident,
        uc::ResidentReport {
            category: b.category,
            description: b.description,
            lon,
            lat,
            occurred_at,
            photos: b.photos,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(event_view(&state, &e))))
}

/// A step of a report as its resident follows it.
#[derive(Serialize, ToSchema)]
pub struct ReportStepView {
    pub at: String,
    /// report, register, reject, merge, dispatch, accept, handle, close, evaluate, reopen, supplement
    pub action: String,
    /// The step by name.
    pub label: String,
    /// The guidance, the reason, the handling, their own addition or comment.
    pub note: Option<String>,
    /// The unit it was sent to.
    pub unit: Option<String>,
    /// Photo ids (`GET /api/v1/resident/photos/{id}`).
    pub photos: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResidentEventDetail {
    pub event: ResidentEventView,
    pub progress: Vec<ReportStepView>,
}

fn step_label(action: &str) -> &'static str {
    match action {
        "report" => "提交上报",
        "register" => "受理",
        "reject" => "不予受理",
        "merge" => "合并办理",
        "dispatch" => "派遣",
        "accept" => "责任单位签收",
        "handle" => "处置完成",
        "close" => "办结",
        "evaluate" => "评价",
        "reopen" => "重新办理",
        "supplement" => "补充说明",
        _ => "办理",
    }
}

async fn detail(state: &AppState, e: EventRecord) -> ApiResult<axum::Json<ResidentEventDetail>> {
    let progress = uc::progress(state, &e).await?;
    Ok(axum::Json(ResidentEventDetail {
        event: event_view(state, &e),
        progress: progress
            .into_iter()
            .map(|p| ReportStepView {
                at: time::rfc3339(p.at),
                label: step_label(&p.action).into(),
                action: p.action,
                note: p.note,
                unit: p.unit,
                photos: p.photos,
            })
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/resident/events/{id}", tag = "residents", params(("id" = i64, Path, minimum = 1)), security(("resident" = [])),
    responses((status = 200, body = ResidentEventDetail), (status = 404, body = super::error::ErrorBody, description = "not one of the caller's reports")))]
pub async fn get_event(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ResidentEventDetail>> {
    let e = uc::own_event(&state, &r.resident, id).await?;
    detail(&state, e).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdditionBody {
    #[schema(schema_with = super::schema::note_1000)]
    pub text: String,
    #[serde(default)]
    #[schema(max_items = 9)]
    pub photos: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/resident/events/{id}/additions", tag = "residents", params(("id" = i64, Path, minimum = 1)), request_body = AdditionBody, security(("resident" = [])),
    responses((status = 201, body = ResidentEventDetail, description = "added to the report's record"),
              (status = 404, body = super::error::ErrorBody, description = "not one of the caller's reports, or a photo that is not theirs"),
              (status = 409, body = super::error::ErrorBody, description = "the report is finished")))]
pub async fn add_to(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
    Json(b): Json<AdditionBody>,
) -> ApiResult<(StatusCode, axum::Json<ResidentEventDetail>)> {
    uc::add_to(&state, &r.resident, id, &b.text, &b.photos).await?;
    let e = uc::own_event(&state, &r.resident, id).await?;
    Ok((StatusCode::CREATED, detail(&state, e).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: i64,
    #[serde(default)]
    #[schema(schema_with = super::schema::note_500_or_null)]
    pub comment: Option<String>,
    /// The version seen: a report changed since is refused (409).
    #[serde(default)]
    #[schema(minimum = 1, nullable)]
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/resident/events/{id}/rating", tag = "residents", params(("id" = i64, Path, minimum = 1)), request_body = RatingBody, security(("resident" = [])),
    responses((status = 200, body = ResidentEventDetail, description = "rated: the rating the satisfaction figures count"),
              (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody, description = "not closed, rated already, or changed since the version seen")))]
pub async fn rate(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
    Json(b): Json<RatingBody>,
) -> ApiResult<axum::Json<ResidentEventDetail>> {
    let e = uc::rate(
        &state,
        &r.resident,
        id,
        b.version,
        b.satisfaction,
        b.comment.as_deref(),
    )
    .await?;
    detail(&state, e).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    #[serde(default)]
    #[schema(minimum = 1, nullable)]
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/resident/events/{id}/confirmation", tag = "residents", params(("id" = i64, Path, minimum = 1)), request_body = ConfirmBody, security(("resident" = [])),
    responses((status = 200, body = ResidentEventDetail, description = "the 私事 is settled and closed"),
              (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody, description = "not a 私事 waiting for the reporter's confirmation")))]
pub async fn confirm(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<i64>,
    Json(b): Json<ConfirmBody>,
) -> ApiResult<axum::Json<ResidentEventDetail>> {
    let e = uc::confirm(&state, &r.resident, id, b.version).await?;
    detail(&state, e).await
}

#[utoipa::path(post, path = "/api/v1/resident/photos", tag = "residents", security(("resident" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the photo's bytes (JPEG, PNG or WebP; at most 10 MB)"),
    responses((status = 201, body = super::attachments::Photo, description = "stored; give its id in a report or an addition"),
              (status = 200, body = super::attachments::Photo, description = "these bytes were stored before"),
              (status = 413, body = super::error::ErrorBody, description = "payload_too_large"),
              (status = 415, body = super::error::ErrorBody, description = "unsupported_media_type: not a JPEG, PNG or WebP"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_image")))]
pub async fn upload_photo(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, axum::Json<super::attachments::Photo>)> {
    let bytes = super::error::read_body(request, &()).await?;
    let stored = crate::usecase::evidence::store_photo(&state, &r.resident.actor(), &bytes).await?;
    let status = if stored.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut photo = super::attachments::Photo::from(stored.info);
    photo.url = format!("/api/v1/resident/photos/{}", photo.id);
    Ok((status, axum::Json(photo)))
}

#[utoipa::path(get, path = "/api/v1/resident/photos/{id}", tag = "residents", security(("resident" = [])),
    params(("id" = String, Path, description = "SHA-256 of the photo (hex)")),
    responses((status = 200, description = "the photo", content_type = "image/*"), (status = 304, description = "unchanged (If-None-Match)"),
              (status = 404, body = super::error::ErrorBody, description = "not a photo the caller uploaded or one on their report")))]
pub async fn read_photo(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<axum::response::Response> {
    let found = if crate::usecase::evidence::is_photo_id(&id) {
        state.store.resident_photo(&r.resident, &id).await?
    } else {
        None
    };
    let (info, bytes) = found.ok_or_else(|| ApiError::not_found(&format!("photo {id}")))?;
    Ok(super::attachments::photo_response(&info, bytes, &headers))
}

/// A category a resident may report under.
#[derive(Serialize, ToSchema)]
pub struct ResidentCategoryView {
    pub code: String,
    /// 大类
    pub major: String,
    /// 小类
    pub minor: String,
}

#[utoipa::path(get, path = "/api/v1/resident/categories", tag = "residents", security(("resident" = [])),
    responses((status = 200, body = [ResidentCategoryView], description = "the categories in force, by major class")))]
pub async fn categories(
    State(state): State<Arc<AppState>>,
    _r: CurrentResident,
    _q: Query<super::handlers::NoParams>,
) -> axum::Json<Vec<ResidentCategoryView>> {
    let reference = state.reference();
    let mut list: Vec<ResidentCategoryView> = reference
        .categories
        .values()
        .map(|c| ResidentCategoryView {
            code: c.code.clone(),
            major: c.major.clone(),
            minor: c.minor.clone(),
        })
        .collect();
    list.sort_by(|a, b| a.code.cmp(&b.code));
    axum::Json(list)
}
