//! `/api/v1/people/{id}/key-roles`, `/visits`, `/visits/due` and a key person's event: the
//! key groups (重点人群) and their visits, seen only by those who visit them.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::people::{self, KeyRoleRequest, VisitReport};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::DAY_MS;
use zhili_domain::{time, ErrorCode};
use zhili_store::KeyRoleRecord;

use super::people::key_group_worker;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRoleBody {
    /// released_prisoner, community_correction, drug_user, severe_mental_illness, key_youth,
    /// repeat_petitioner (or the Chinese name)
    #[schema(schema_with = super::schema::key_group)]
    pub kind: String,
    /// 0–5, for severe mental illness only.
    #[schema(minimum = 0, maximum = 5)]
    pub risk_level: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/key-roles", tag = "people", params(("id" = i64, Path, minimum = 1)), request_body = KeyRoleBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = KeyRoleView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn add_key_role(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<KeyRoleBody>,
) -> ApiResult<(StatusCode, axum::Json<KeyRoleView>)> {
    let id = super::events::parse_id(&id)?;
    let request = KeyRoleRequest {
        kind: body.kind,
        risk_level: body.risk_level,
        details: body.details.unwrap_or_default(),
    };
    let role = people::add_key_role(&state, &user.user, id, request).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(role_view(&role, crate::now_ms())),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    /// The key group the visit is for.
    #[schema(schema_with = super::schema::key_group)]
    pub kind: String,
    /// RFC 3339; default now. At most 30 days back, not in the future.
    pub at: Option<String>,
    #[schema(schema_with = super::schema::note_200)]
    pub place: String,
    #[schema(schema_with = super::schema::note)]
    pub findings: String,
    /// Photo ids from POST /api/v1/attachments.
    #[schema(schema_with = super::schema::photo_ids_or_null)]
    pub attachments: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/visits", tag = "people", params(("id" = i64, Path, minimum = 1)), request_body = VisitBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area, or a photo not uploaded"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = VisitView), (status = 422, body = super::error::ErrorBody)))]
pub async fn record_visit(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<VisitBody>,
) -> ApiResult<(StatusCode, axum::Json<VisitView>)> {
    let id = super::events::parse_id(&id)?;
    let at = match body.at.as_deref() {
        None => None,
        Some(s) => Some(time::parse_rfc3339(s).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "at",
                "an RFC 3339 time in the last 30 days",
            )
        })?),
    };
    let report = VisitReport {
        kind: body.kind,
        at,
        place: body.place,
        findings: body.findings,
        photos: body.attachments.unwrap_or_default(),
    };
    let v = people::record_visit(&state, &user.user, id, report).await?;
    Ok((StatusCode::CREATED, axum::Json(visit_view(v))))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DueVisitView {
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub kind: String,
    pub label: String,
    pub risk_level: Option<i64>,
    pub last_visit_at: Option<String>,
    pub next_visit_due: String,
    pub days_overdue: i64,
    pub grid_code: String,
    pub grid_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct DuePage {
    pub total: i64,
    pub items: Vec<DueVisitView>,
}

#[utoipa::path(get, path = "/api/v1/visits/due", tag = "people", params(DueQuery), security(("bearer" = [])),
    responses((status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 200, body = DuePage, description = "key people whose visit is overdue, the longest overdue first")))]
pub async fn due(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<DueQuery>,
) -> ApiResult<axum::Json<DuePage>> {
    key_group_worker(&user)?;
    let region = super::things::region_of(q.region.as_deref())?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "1 to 500",
        ));
    }
    let now = crate::now_ms();
    let (total, rows) = state
        .store
        .due_visits(&user.user.scope(), region.as_ref(), now, limit)
        .await?;
    let index = state.index();
    Ok(axum::Json(DuePage {
        total,
        items: rows
            .into_iter()
            .map(|d| DueVisitView {
                person_id: d.role.person_id,
                name: d.name,
                id_number: d.id_masked,
                label: d.role.kind.label_zh().into(),
                kind: d.role.kind.as_str().into(),
                risk_level: d.role.risk_level,
                last_visit_at: d.role.last_visit_at.map(time::rfc3339),
                next_visit_due: time::rfc3339(d.role.next_visit_due),
                days_overdue: (now - d.role.next_visit_due) / DAY_MS,
                grid_name: index
                    .names
                    .get(&d.role.grid_code)
                    .cloned()
                    .unwrap_or_default(),
                grid_code: d.role.grid_code,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct KeyRoleEventBody {
    /// What is wrong; a default names the person's group and how overdue the visit is.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/people/{id}/key-roles/{kind}/event", tag = "people", params(("id" = i64, Path, minimum = 1), ("kind" = String, Path, pattern = "^(released_prisoner|community_correction|drug_user|severe_mental_illness|key_youth|repeat_petitioner|安置帮教人员|社区矫正对象|吸毒人员|严重精神障碍患者|重点青少年|重复信访人员)$")),
    request_body = KeyRoleEventBody, security(("bearer" = [])),
    responses((status = 409, body = super::error::ErrorBody, description = "conflict: the person has no house with a position to place the event at"), (status = 404, body = super::error::ErrorBody, description = "not_found: no such person in the area"), (status = 403, body = super::error::ErrorBody, description = "a role that does not visit key groups"), (status = 201, body = super::events::CreatedEvent, description = "an event of the group's category (特殊人群 09xx, 重复信访 1002) at the person's house"),
              (status = 422, body = super::error::ErrorBody, description = "the person has no house with a position")))]
pub async fn open_event(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path((id, kind)): Path<(String, String)>,
    Json(body): Json<KeyRoleEventBody>,
) -> ApiResult<(StatusCode, axum::Json<super::events::CreatedEvent>)> {
    let id = super::events::parse_id(&id)?;
    let reported =
        people::key_person_event(&state, &user.user, id, &kind, body.description).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(super::events::created(&state, reported)),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct KeyRoleView {
    pub kind: String,
    pub label: String,
    pub risk_level: Option<i64>,
    pub visit_every_days: i64,
    pub since: String,
    pub last_visit_at: Option<String>,
    pub next_visit_due: String,
    pub overdue: bool,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

pub(super) fn role_view(k: &KeyRoleRecord, now: i64) -> KeyRoleView {
    KeyRoleView {
        label: k.kind.label_zh().into(),
        kind: k.kind.as_str().into(),
        risk_level: k.risk_level,
        visit_every_days: k.visit_every_days,
        since: time::rfc3339(k.since),
        last_visit_at: k.last_visit_at.map(time::rfc3339),
        next_visit_due: time::rfc3339(k.next_visit_due),
        overdue: k.next_visit_due < now,
        details: serde_json::from_str(&k.details).unwrap_or_default(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct VisitView {
    pub id: i64,
    pub kind: String,
    pub at: String,
    pub place: String,
    pub findings: String,
    pub attachments: Vec<String>,
    pub visitor: String,
}

pub(super) fn visit_view(v: zhili_store::VisitRecord) -> VisitView {
    VisitView {
        id: v.id,
        kind: v.visit.kind.as_str().into(),
        at: time::rfc3339(v.visit.at),
        place: v.visit.place,
        findings: v.visit.findings,
        attachments: serde_json::from_str(&v.visit.attachments).unwrap_or_default(),
        visitor: v.visitor,
    }
}
