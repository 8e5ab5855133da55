//! Public notices (公示公告) posted by the centres and stations and read by their residents;
//! a resident's own messages; the outbox of text messages, for administrators.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::residents::CurrentResident;
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::{time, ErrorCode, RegionCode};
use zhili_store::{MessageRecord, NoticeRecord};

#[derive(Serialize, ToSchema)]
pub struct PublicNoticeView {
    pub id: i64,
    pub region_code: String,
    /// The area by name.
    pub region_name: String,
    pub title: String,
    pub body: String,
    pub posted_at: String,
    pub withdrawn_at: Option<String>,
}

fn notice_view(state: &AppState, n: NoticeRecord) -> PublicNoticeView {
    PublicNoticeView {
        region_name: state
            .index()
            .names
            .get(n.region_code.as_str())
            .cloned()
            .unwrap_or_default(),
        id: n.id,
        region_code: n.region_code.to_string(),
        title: n.title,
        body: n.body,
        posted_at: time::rfc3339(n.posted_at),
        withdrawn_at: n.withdrawn_at.map(time::rfc3339),
    }
}

/// A text message sent to the resident (a notice of their report).
#[derive(Serialize, ToSchema)]
pub struct ResidentMessageView {
    pub id: i64,
    /// registered, to_confirm, rejected, merged, dispatched, handled, closed
    pub kind: String,
    pub body: String,
    pub event_id: Option<i64>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ResidentNotices {
    /// Messages about their reports, newest first.
    pub messages: Vec<ResidentMessageView>,
    /// Their village's, town's and district's public notices (none before they link
    /// themselves to their registered person).
    pub notices: Vec<PublicNoticeView>,
}

#[utoipa::path(get, path = "/api/v1/resident/notices", tag = "residents", security(("resident" = [])),
    responses((status = 200, body = ResidentNotices)))]
pub async fn resident_notices(
    State(state): State<Arc<AppState>>,
    r: CurrentResident,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<ResidentNotices>> {
    let messages = state.store.resident_messages(r.resident.id, 50).await?;
    let notices = crate::usecase::residents::public_notices(&state, &r.resident).await?;
    Ok(axum::Json(ResidentNotices {
        messages: messages
            .into_iter()
            .map(|m| ResidentMessageView {
                id: m.id,
                kind: m.kind,
                body: m.body,
                event_id: m.event_id,
                at: time::rfc3339(m.created_at),
            })
            .collect(),
        notices: notices
            .into_iter()
            .map(|n| notice_view(&state, n))
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    /// The village, town or district it is for; the poster's own area when absent.
    #[serde(default)]
    #[schema(schema_with = super::schema::region_code_or_null)]
    pub region_code: Option<String>,
    #[schema(schema_with = super::schema::line_60)]
    pub title: String,
    #[schema(schema_with = super::schema::note_4000)]
    pub body: String,
}

#[utoipa::path(get, path = "/api/v1/notices", tag = "residents", security(("bearer" = [])),
    responses((status = 200, body = [PublicNoticeView], description = "the notices posted in the caller's area, newest first, withdrawn ones included")))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::Json<Vec<PublicNoticeView>>> {
    let list = crate::usecase::notices::list(&state, &user.user).await?;
    Ok(axum::Json(
        list.into_iter().map(|n| notice_view(&state, n)).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/notices", tag = "residents", request_body = NoticeBody, security(("bearer" = [])),
    responses((status = 201, body = PublicNoticeView, description = "posted: the area's residents read it"),
              (status = 403, body = super::error::ErrorBody, description = "only the centres and stations post notices"),
              (status = 404, body = super::error::ErrorBody, description = "an area outside the caller's")))]
pub async fn post(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(b): Json<NoticeBody>,
) -> ApiResult<(StatusCode, axum::Json<PublicNoticeView>)> {
    let region = b
        .region_code
        .as_deref()
        .map(|c| {
            RegionCode::parse(c).map_err(|_| {
                ApiError::field(ErrorCode::InvalidParameter, "region_code", "a region code")
            })
        })
        .transpose()?;
    let n = crate::usecase::notices::post(&state, &user.user, region, &b.title, &b.body).await?;
    Ok((StatusCode::CREATED, axum::Json(notice_view(&state, n))))
}

#[utoipa::path(post, path = "/api/v1/notices/{id}/withdrawal", tag = "residents", params(("id" = i64, Path, minimum = 1)), security(("bearer" = [])),
    responses((status = 204, description = "withdrawn: residents no longer see it"),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn withdraw(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    crate::usecase::notices::withdraw(&state, &user.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// The last four digits of the number.
    #[param(pattern = "^[0-9]{4}$")]
    pub phone_last4: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0, maximum = 1000000)]
    pub offset: Option<i64>,
}

/// A text message as the outbox keeps it (the number masked).
#[derive(Serialize, ToSchema)]
pub struct OutboxMessageView {
    pub id: i64,
    pub phone: String,
    /// code, or a notice's kind
    pub kind: String,
    pub body: String,
    pub event_id: Option<i64>,
    pub created_at: String,
    /// queued, sent, held (no SMS provider: kept here) or failed
    pub state: String,
    /// The sender that settled it.
    pub via: Option<String>,
    pub sent_at: Option<String>,
    pub tries: i64,
    pub error: Option<String>,
}

fn outbox_view(m: MessageRecord) -> OutboxMessageView {
    OutboxMessageView {
        id: m.id,
        phone: m.phone_masked,
        kind: m.kind,
        body: m.body,
        event_id: m.event_id,
        created_at: time::rfc3339(m.created_at),
        state: m.state,
        via: m.via,
        sent_at: m.sent_at.map(time::rfc3339),
        tries: m.tries,
        error: m.error,
    }
}

#[utoipa::path(get, path = "/api/v1/outbox", tag = "residents", params(OutboxQuery), security(("bearer" = [])),
    responses((status = 200, body = [OutboxMessageView], description = "text messages, newest first (each reading is recorded)"),
              (status = 403, body = super::error::ErrorBody, description = "administrators only")))]
pub async fn outbox(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<axum::Json<Vec<OutboxMessageView>>> {
    if !user.user.role.administers() {
        return Err(ApiError::forbidden("administrators only"));
    }
    let limit = q.limit.unwrap_or(100);
    let offset = q.offset.unwrap_or(0);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "limit",
            "1 to 500",
        ));
    }
    if !(0..=1_000_000).contains(&offset) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "offset",
            "0 to 1000000",
        ));
    }
    let last4 = q.phone_last4.as_deref();
    if last4.is_some_and(|d| d.len() != 4 || !d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "phone_last4",
            "four digits",
        ));
    }
    let list =
        crate::usecase::residents::read_outbox(&state, &user.user, last4, limit, offset).await?;
    Ok(axum::Json(list.into_iter().map(outbox_view).collect()))
}
