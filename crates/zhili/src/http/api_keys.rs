//! `/api/v1/api-keys`: the departments' systems' keys — issued by an administrator and shown
//! once, listed, revoked, rotated; and `whoami`, where a system checks the key it was given.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::api_keys::{self as uc, NewKey};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::time::{parse_rfc3339, rfc3339};
use zhili_domain::ErrorCode;
use zhili_store::ApiKeyRecord;

type Err = super::error::ErrorBody;

/// A system authenticated by its key (`Authorization: Bearer zk_…`): no key at all is 401, as
/// HTTP has it; any key that does not work — malformed, unknown, expired, revoked — is the same
/// 403.
pub struct CurrentKey(pub ApiKeyRecord);

impl FromRequestParts<Arc<AppState>> for CurrentKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let presented = super::bearer_token(parts)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "send Authorization: Bearer <API key>",
                )
                .zh("请在 Authorization 头中提供接口密钥")
            })?;
        Ok(CurrentKey(uc::authenticate(state, presented).await?))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub unit_id: String,
    pub unit_name: String,
    /// The system it is for.
    pub name: String,
    /// `zk_` and the key's public id: how the key is recognised in lists and the record.
    pub public_part: String,
    /// Intake channels it reports through (video_alert, hotline, department).
    pub channels: Vec<String>,
    /// own_events, feed
    pub reads: Vec<String>,
    pub area_code: String,
    pub area_name: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    /// The key it succeeded in a rotation.
    pub rotated_from: Option<i64>,
    /// Whether it works now.
    pub working: bool,
}

type UnitNames = std::collections::HashMap<String, String>;

async fn unit_names(state: &AppState) -> ApiResult<UnitNames> {
    Ok(crate::usecase::risk::unit_names(state).await?)
}

fn view(state: &AppState, units: &UnitNames, k: ApiKeyRecord) -> ApiKeyView {
    let now = crate::now_ms();
    let index = state.index();
    ApiKeyView {
        working: zhili_domain::apikey::usable(k.expires_at, k.revoked_at, now).is_ok(),
        unit_name: units
            .get(&k.unit_id)
            .cloned()
            .unwrap_or_else(|| k.unit_id.clone()),
        area_name: index.names.get(&k.area_code).cloned().unwrap_or_default(),
        id: k.id,
        unit_id: k.unit_id,
        name: k.name,
        public_part: k.public_part,
        channels: k.channels,
        reads: k.reads,
        area_code: k.area_code,
        created_by: k.created_by,
        created_at: rfc3339(k.created_at),
        expires_at: rfc3339(k.expires_at),
        revoked_at: k.revoked_at.map(rfc3339),
        last_used_at: k.last_used_at.map(rfc3339),
        rotated_from: k.rotated_from,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyIssued {
    /// The key itself: shown this once, kept nowhere.
    pub key: String,
    pub api_key: ApiKeyView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyBody {
    /// The unit the system belongs to (a department, a centre).
    #[schema(max_length = 32)]
    pub unit_id: String,
    /// The system (雪亮工程视频平台, 12345 热线系统 …).
    #[schema(max_length = 100)]
    pub name: String,
    /// video_alert, hotline or department.
    #[serde(default)]
    #[schema(max_items = 3)]
    pub channels: Vec<String>,
    /// own_events or feed.
    #[serde(default)]
    #[schema(max_items = 2)]
    pub reads: Vec<String>,
    /// The area it reports into and reads (default: the district).
    #[schema(max_length = 15)]
    pub area_code: Option<String>,
    /// RFC 3339, within three years.
    #[schema(max_length = 40)]
    pub expires_at: String,
}

fn too_long(field: &str, v: &str, n: usize) -> ApiResult<()> {
    if v.chars().count() > n {
        Err(ApiError::field(
            ErrorCode::InvalidParameter,
            field,
            format!("at most {n} characters"),
        ))
    } else {
        Ok(())
    }
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "integration", request_body = ApiKeyBody, security(("bearer" = [])),
    responses((status = 201, body = ApiKeyIssued, description = "issued; the key is in this answer only"),
              (status = 403, body = Err, description = "administrators issue keys"),
              (status = 404, body = Err, description = "no such unit"),
              (status = 422, body = Err, description = "an unknown channel or read, a channel people use, no scope at all, an area outside the district, a lifetime past three years")))]
pub async fn issue(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<ApiKeyBody>,
) -> ApiResult<(StatusCode, axum::Json<ApiKeyIssued>)> {
    too_long("unit_id", &b.unit_id, 32)?;
    too_long("name", &b.name, 100)?;
    too_long("area_code", b.area_code.as_deref().unwrap_or(""), 15)?;
    if b.channels.len() > 3 || b.reads.len() > 2 {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "channels",
            "at most three channels and two reads",
        ));
    }
    for (i, c) in b.channels.iter().chain(&b.reads).enumerate() {
        too_long(&format!("scopes[{i}]"), c, 32)?;
    }
    let expires_at = parse_rfc3339(&b.expires_at).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "expires_at",
            "an RFC 3339 time",
        )
    })?;
    let (rec, key) = uc::issue(
        &state,
        &user.user,
        NewKey {
            unit_id: b.unit_id,
            name: b.name,
            channels: b.channels,
            reads: b.reads,
            area_code: b.area_code,
            expires_at,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ApiKeyIssued {
            key,
            api_key: view(&state, &unit_names(&state).await?, rec),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "integration", security(("bearer" = [])),
    responses((status = 200, body = [ApiKeyView], description = "every key, newest first (never the key itself)"),
              (status = 403, body = Err)))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<ApiKeyView>>> {
    let keys = uc::list(&state, &user.user).await?;
    let units = unit_names(&state).await?;
    Ok(axum::Json(
        keys.into_iter().map(|k| view(&state, &units, k)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/api-keys/{id}/revoke", tag = "integration", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 200, body = ApiKeyView, description = "revoked at once"), (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "revoked already")))]
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ApiKeyView>> {
    let k = uc::revoke(&state, &user.user, id).await?;
    Ok(axum::Json(view(&state, &unit_names(&state).await?, k)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRotateBody {
    /// How long the old key keeps working beside the new one (0 to 720 hours; never past its
    /// own end).
    #[schema(minimum = 0, maximum = 720)]
    pub overlap_hours: i64,
}

#[utoipa::path(post, path = "/api/v1/api-keys/{id}/rotate", tag = "integration", params(("id" = i64, Path, minimum = 1)), request_body = ApiKeyRotateBody, security(("bearer" = [])),
    responses((status = 201, body = ApiKeyIssued, description = "the successor, with the same unit, scopes and end; the key is in this answer only"),
              (status = 403, body = Err), (status = 404, body = Err),
              (status = 409, body = Err, description = "the key no longer works"),
              (status = 422, body = Err, description = "an overlap outside 0 to 720 hours")))]
pub async fn rotate(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(b): Json<ApiKeyRotateBody>,
) -> ApiResult<(StatusCode, axum::Json<ApiKeyIssued>)> {
    let (rec, key) = uc::rotate(&state, &user.user, id, b.overlap_hours).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ApiKeyIssued {
            key,
            api_key: view(&state, &unit_names(&state).await?, rec),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/api-keys/whoami", tag = "integration", security(("system_key" = [])),
    responses((status = 200, body = ApiKeyView, description = "the key presented: its unit, scopes and end, for a system checking its configuration; the use is noted"),
              (status = 401, body = Err, description = "no key sent"),
              (status = 403, body = Err, description = "a malformed, unknown, expired or revoked key")))]
pub async fn whoami(
    State(state): State<Arc<AppState>>,
    key: CurrentKey,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<ApiKeyView>> {
    Ok(axum::Json(view(&state, &unit_names(&state).await?, key.0)))
}
