//! `/api/v1/basemap`: what the maps draw under the boundaries — nothing (the default: the
//! demo and any district run fully offline), the tiles of an MBTiles file this server holds,
//! or a tile service the browser loads from.

use super::error::{ApiError, ApiResult, Path, Query};
use super::CurrentUser;
use crate::basemap::{valid_tile, Basemap};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::ErrorCode;

#[derive(Serialize, ToSchema)]
pub struct BasemapView {
    /// none, file (tiles from this server) or service (tiles from the configured service)
    pub kind: String,
    /// The tile URL template with {z}, {x}, {y}, when there is a basemap.
    pub tiles: Option<String>,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// [west, south, east, north] the tiles cover, when known.
    pub bounds: Option<Vec<f64>>,
    pub attribution: String,
}

#[utoipa::path(get, path = "/api/v1/basemap", tag = "regions", security(("bearer" = [])),
    responses((status = 200, body = BasemapView)))]
pub async fn describe(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> axum::Json<BasemapView> {
    axum::Json(match state.basemap().as_deref() {
        None => BasemapView {
            kind: "none".into(),
            tiles: None,
            min_zoom: 0,
            max_zoom: 0,
            bounds: None,
            attribution: String::new(),
        },
        Some(Basemap::File(f)) => BasemapView {
            kind: "file".into(),
            tiles: Some("/api/v1/basemap/tiles/{z}/{x}/{y}".into()),
            min_zoom: f.min_zoom,
            max_zoom: f.max_zoom,
            bounds: f.bounds.map(|b| b.to_vec()),
            attribution: f.attribution.clone(),
        },
        Some(Basemap::Service(s)) => BasemapView {
            kind: "service".into(),
            tiles: Some(s.url.clone()),
            min_zoom: 0,
            max_zoom: 18,
            bounds: None,
            attribution: s.attribution.clone(),
        },
    })
}

#[utoipa::path(get, path = "/api/v1/basemap/tiles/{z}/{x}/{y}", tag = "regions",
    params(("z" = u8, Path, maximum = 22), ("x" = u32, Path), ("y" = u32, Path)), security(("bearer" = [])),
    responses((status = 200, description = "the tile (image/png, image/jpeg or image/webp)"),
              (status = 204, description = "the file has no tile there"),
              (status = 404, body = super::error::ErrorBody, description = "not_found: this server serves no basemap file"),
              (status = 422, body = super::error::ErrorBody, description = "invalid_parameter: not a tile (x or y beyond 2^z, z beyond 22)")))]
pub async fn tile(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    Path((z, x, y)): Path<(String, String, String)>,
    _q: Query<super::handlers::NoParams>,
) -> ApiResult<axum::response::Response> {
    let Some(basemap) = state.basemap() else {
        return Err(ApiError::not_found("basemap file"));
    };
    let Basemap::File(file) = basemap.as_ref() else {
        return Err(ApiError::not_found("basemap file"));
    };
    let bad = || {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "z",
            "not a tile: z from 0 to 22, x and y below 2^z",
        )
    };
    let (z, x, y) = match (z.parse::<u8>(), x.parse::<u32>(), y.parse::<u32>()) {
        (Ok(z), Ok(x), Ok(y)) if valid_tile(z, x, y) => (z, x, y),
        _ => return Err(bad()),
    };
    let data = file
        .tile(z, x, y)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let cache = HeaderValue::from_static("private, max-age=86400");
    Ok(match data {
        Some(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(file.content_type),
                ),
                (header::CACHE_CONTROL, cache),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, cache)]).into_response(),
    })
}
