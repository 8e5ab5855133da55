//! `/api/v1/attachments`: photos for reports and evidence. The bytes decide what a file is;
//! each photo is stored once under the SHA-256 of its content and is readable by whoever
//! uploaded it or may see an event showing it.

use super::error::{ApiError, ApiResult, Path};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use zhili_store::AttachmentInfo;

/// A stored photo.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Photo {
    /// SHA-256 of the bytes (hex): give it in `attachments` of a report or action.
    pub id: String,
    pub media_type: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    /// Where to read it.
    pub url: String,
}

impl From<AttachmentInfo> for Photo {
    fn from(a: AttachmentInfo) -> Photo {
        Photo {
            url: format!("/api/v1/attachments/{}", a.sha256),
            id: a.sha256,
            media_type: a.media_type,
            size: a.size,
            width: a.width,
            height: a.height,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/attachments", tag = "events", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the photo's bytes (JPEG, PNG or WebP; at most 10 MB)"),
    responses((status = 403, body = super::error::ErrorBody, description = "leaders have read-only access"), (status = 201, body = Photo, description = "stored (the first time you send these bytes, whoever sent them before); bytes after the image's end marker are not kept"),
              (status = 200, body = Photo, description = "you uploaded these bytes before"),
              (status = 413, body = super::error::ErrorBody, description = "payload_too_large"),
              (status = 415, body = super::error::ErrorBody, description = "unsupported_media_type: not a JPEG, PNG or WebP"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_image: broken, cut off, scans out of order, or data that does not fill the declared canvas")))]
pub async fn upload(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    request: axum::extract::Request,
) -> ApiResult<(StatusCode, axum::Json<Photo>)> {
    // Leaders are refused before their body is read.
    if !user.user.role.uploads_photos() {
        return Err(ApiError::forbidden("leaders have read-only access"));
    }
    let bytes = super::error::read_body(request, &()).await?;
    let stored = crate::usecase::evidence::upload_photo(&state, &user.user, &bytes).await?;
    let status = if stored.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let info = stored.info;
    Ok((status, axum::Json(info.into())))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "events", security(("bearer" = [])),
    params(("id" = String, Path, description = "SHA-256 of the photo (hex)")),
    responses((status = 200, description = "the photo", content_type = "image/*"), (status = 304, description = "unchanged (If-None-Match)"),
              (status = 404, body = super::error::ErrorBody, description = "no such photo, or not one you may see")))]
pub async fn read(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (info, bytes) = crate::usecase::evidence::read_photo(&state, &user.user, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(&format!("photo {id}")))?;
    Ok(photo_response(&info, bytes, &headers))
}

/// A photo as answered: cached privately for good under its id, sandboxed, never sniffed.
pub fn photo_response(info: &AttachmentInfo, bytes: Vec<u8>, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", info.sha256);
    // The content never changes under its id: cache for good, but only privately.
    let mut out = HeaderMap::new();
    out.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if super::etag_matches(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.media_type).expect("media type"),
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    (StatusCode::OK, out, bytes).into_response()
}
