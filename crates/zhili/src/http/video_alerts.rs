//! `/api/v1/video-alerts`: the video platform (雪亮工程) posts a camera's alert with its key;
//! it becomes an event with the snapshot (`usecase::video_alerts`). The alert types it may post
//! are listed for its vendor.

use super::api_keys::CurrentKey;
use super::error::{ApiError, ApiResult, Json};
use crate::state::AppState;
use crate::usecase::video_alerts::{self as uc, VideoAlert};
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::image::MAX_BYTES;
use zhili_domain::ErrorCode;

type Err = super::error::ErrorBody;

/// The largest body: a snapshot of the largest photo, base64-encoded, and the fields.
pub const BODY_LIMIT: usize = MAX_BYTES / 3 * 4 + 64 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoAlertBody {
    /// The camera's code as registered (部件与视频).
    #[schema(min_length = 1, max_length = 64)]
    pub camera_code: String,
    /// One of `GET /api/v1/video-alerts/types`.
    #[schema(min_length = 1, max_length = 40)]
    pub alert_type: String,
    /// When the camera saw it (RFC 3339); now when absent. At most seven days old.
    #[schema(format = DateTime)]
    pub occurred_at: Option<String>,
    /// The snapshot: a JPEG, PNG or WebP image, base64 (standard alphabet), at most 10 MB.
    #[schema(min_length = 1, max_length = 13_981_016)]
    pub snapshot: String,
    /// What the platform says besides the type.
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct VideoAlertRaised {
    pub event_id: i64,
    pub case_number: String,
    /// The camera's open event of the same kind from the last half hour: nothing new was
    /// written.
    pub repeat: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VideoAlertTypeView {
    pub code: String,
    pub name: String,
    /// The event category it becomes.
    pub category: String,
}

#[utoipa::path(post, path = "/api/v1/video-alerts", tag = "integration", request_body = VideoAlertBody, security(("system_key" = [])),
    responses((status = 201, body = VideoAlertRaised, description = "an event raised at the camera's place with the snapshot"),
              (status = 200, body = VideoAlertRaised, description = "a repeat of the camera's open alert: that event, nothing written"),
              (status = 401, body = Err, description = "no key sent"),
              (status = 403, body = Err, description = "a key that does not work, or one without the video_alert channel"),
              (status = 404, body = Err, description = "no such camera in the key's area"),
              (status = 413, body = Err, description = "a snapshot past 10 MB"),
              (status = 415, body = Err, description = "a snapshot that is not a JPEG, PNG or WebP image, as photos are refused"),
              (status = 422, body = Err, description = "an unknown alert type, a snapshot not in base64, a time ahead or past seven days")))]
pub async fn raise(
    State(state): State<Arc<AppState>>,
    CurrentKey(key): CurrentKey,
    Json(b): Json<VideoAlertBody>,
) -> ApiResult<(StatusCode, axum::Json<VideoAlertRaised>)> {
    if b.snapshot.len() > BODY_LIMIT {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "a snapshot of at most 10 MB",
        ));
    }
    let snapshot = base64::engine::general_purpose::STANDARD
        .decode(b.snapshot.trim())
        .map_err(|_| {
            ApiError::from(
                zhili_domain::DomainError::invalid("snapshot", "not base64 (standard alphabet)")
                    .zh("快照须为 base64 编码的图片"),
            )
        })?;
    let occurred_at = b
        .occurred_at
        .as_deref()
        .map(|t| {
            zhili_domain::time::parse_rfc3339(t).ok_or_else(|| {
                ApiError::from(
                    zhili_domain::DomainError::invalid("occurred_at", "an RFC 3339 time")
                        .zh("时间格式不正确"),
                )
            })
        })
        .transpose()?;
    let raised = uc::raise(
        &state,
        &key,
        VideoAlert {
            camera_code: b.camera_code,
            alert_type: b.alert_type,
            occurred_at,
            snapshot,
            description: b.description,
        },
    )
    .await?;
    let status = if raised.repeat {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        axum::Json(VideoAlertRaised {
            event_id: raised.event.id,
            case_number: raised.event.case_number,
            repeat: raised.repeat,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/video-alerts/types", tag = "integration", security(("system_key" = [])),
    responses((status = 200, body = [VideoAlertTypeView], description = "the alert types a platform posts and the category each becomes"),
              (status = 401, body = Err, description = "no key sent"),
              (status = 403, body = Err, description = "a key that does not work")))]
pub async fn types(CurrentKey(_key): CurrentKey) -> axum::Json<Vec<VideoAlertTypeView>> {
    axum::Json(
        crate::reference::video_alert_types()
            .into_iter()
            .map(|t| VideoAlertTypeView {
                code: t.code.into(),
                name: t.name.into(),
                category: t.category.into(),
            })
            .collect(),
    )
}
