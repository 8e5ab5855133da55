//! `/api/v1/map/…`: what the command-centre map draws. Boundaries are served as one GeoJSON
//! FeatureCollection per level and area, built once per boundary generation and revalidated
//! by ETag (a repeat load is a 304 with no body); open events as a compact FeatureCollection.

use super::error::{ApiError, ApiResult, Query};
use super::CurrentUser;
use crate::open_layer::MAX_POINTS;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use zhili_domain::event::Warning;
use zhili_domain::{ErrorCode, Level};
use zhili_store::{EventPoint, RegionFilter};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoundariesQuery {
    /// town, village or grid
    #[param(pattern = "^(town|village|grid)$")]
    pub level: String,
}

fn json_response(body: Bytes, etag: Option<&str>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    // Bytes: a cached layer is shared by every answer, never copied.
    (StatusCode::OK, headers, body).into_response()
}

#[utoipa::path(get, path = "/api/v1/map/boundaries", tag = "regions", params(BoundariesQuery), security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection: properties code, name", content_type = "application/geo+json"),
              (status = 304, description = "unchanged since the ETag given in If-None-Match")))]
pub async fn boundaries(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<BoundariesQuery>,
    request_headers: HeaderMap,
) -> ApiResult<Response> {
    let level = match Level::parse(&q.level) {
        Some(l @ (Level::Town | Level::Village | Level::Grid)) => l,
        _ => {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                "level",
                format!("level {:?} is not town, village or grid", q.level),
            ))
        }
    };
    let scope = user.user.scope();
    let generation = state.index().generation;
    let etag = format!("\"b{generation}-{}-{}\"", level.as_str(), scope.key());
    if super::etag_matches(&request_headers, &etag) {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    if let Some(body) = state.cached_map(&etag) {
        return Ok(json_response(body, Some(&etag)));
    }
    let regions = state
        .store
        .list_regions(
            &scope,
            &RegionFilter {
                level: Some(level),
                with_geometry: true,
                ..Default::default()
            },
        )
        .await?;
    // The stored geometries are GeoJSON already: spliced in, not parsed and re-written.
    let mut out = String::with_capacity(regions.len() * 2048);
    out.push_str(r#"{"type":"FeatureCollection","features":["#);
    let mut first = true;
    for r in &regions {
        let Some(geometry) = &r.geometry else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        let properties = serde_json::json!({"code": r.region.code.as_str(), "name": r.region.name});
        out.push_str(&format!(
            r#"{{"type":"Feature","id":{},"properties":{},"geometry":{}}}"#,
            r.region.code.as_str(),
            properties,
            geometry
        ));
    }
    out.push_str("]}");
    let body = Bytes::from(out);
    state.cache_map(&etag, body.clone());
    Ok(json_response(body, Some(&etag)))
}

#[utoipa::path(get, path = "/api/v1/map/events", tag = "events", security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection of the open events in scope: properties id, status, warning (none, yellow, red), category, grid", content_type = "application/geo+json")))]
pub async fn open_events(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
    request_headers: HeaderMap,
) -> ApiResult<Response> {
    let scope = user.user.scope();
    let now = crate::now_ms();
    let root = state.index().root.clone();
    let reference = state.reference();
    match root {
        // Region scopes read the district's layer kept in memory.
        Some(root) if scope.department.is_none() => {
            let layer = state
                .open_events
                .current(state.store.as_ref(), &root, &reference)
                .await?;
            // Warnings move with the clock: an answer is good for the minute it was made in.
            let etag = format!("\"e{}-{}-{}\"", layer.seq, scope.key(), now / 60_000);
            if super::etag_matches(&request_headers, &etag) {
                let mut headers = HeaderMap::new();
                headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("ascii"));
                return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
            }
            let key = scope.key();
            if let Some(body) = state.open_event_answers.get(&key, &etag) {
                return Ok(json_response(body, Some(&etag)));
            }
            let points = layer
                .points
                .values()
                .rev()
                .filter(|p| scope.covers_code(&p.point.grid_code))
                .take(MAX_POINTS)
                .map(|p| (&p.point, p.warning(now)));
            let body = features(points);
            state
                .open_event_answers
                .put(key, etag.clone(), body.clone());
            Ok(json_response(body, Some(&etag)))
        }
        // A department's work (lead or assisting) is known to storage only.
        _ => {
            let points = state
                .store
                .open_event_points(&scope, MAX_POINTS as i64)
                .await?;
            let calendar = &reference.calendar;
            let judged = points.iter().map(|p| {
                let warning = Warning::of(p.step_started, p.step_due, p.clock, now, calendar);
                (p, warning)
            });
            Ok(json_response(features(judged), None))
        }
    }
}

fn features<'a>(points: impl Iterator<Item = (&'a EventPoint, Warning)>) -> Bytes {
    use std::fmt::Write;
    let mut out = String::with_capacity(1 << 20);
    out.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, (p, warning)) in points.enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing into the one buffer: no string per feature. Five decimals: about a metre.
        let _ = write!(
            out,
            r#"{{"type":"Feature","id":{},"properties":{{"id":{},"status":"{}","warning":"{}","category":"{}","grid":"{}"}},"geometry":{{"type":"Point","coordinates":[{:.5},{:.5}]}}}}"#,
            p.id,
            p.id,
            p.status.as_str(),
            warning.as_str(),
            p.category,
            p.grid_code,
            p.lon,
            p.lat
        );
    }
    out.push_str("]}");
    Bytes::from(out)
}

/// Most points one place layer answer carries; the map asks again as the view narrows.
const MAX_PLACE_POINTS: i64 = 5_000;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// houses, orgs, components, cameras or disputes (open mediation cases)
    #[param(pattern = "^(houses|orgs|components|cameras|disputes)$")]
    pub layer: String,
    /// Two opposite corners, lon,lat,lon,lat (WGS 84), e.g. the map's view: min lon, min lat, max lon, max lat
    #[param(
        pattern = r"^-?[0-9]{1,3}(\.[0-9]{1,17})?,-?[0-9]{1,3}(\.[0-9]{1,17})?,-?[0-9]{1,3}(\.[0-9]{1,17})?,-?[0-9]{1,3}(\.[0-9]{1,17})?$"
    )]
    pub bbox: String,
}

#[utoipa::path(get, path = "/api/v1/map/places", tag = "things", params(PlacesQuery), security(("bearer" = [])),
    responses((status = 200, description = "GeoJSON FeatureCollection of the layer's points in the box and the caller's area: properties id, label, kind, state; `truncated` when more than 5,000 matched", content_type = "application/geo+json"),
              (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn places(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<PlacesQuery>,
) -> ApiResult<Response> {
    use zhili_store::PlaceLayer;
    let bad = |field: &str, m: &str| ApiError::field(ErrorCode::InvalidParameter, field, m);
    let layer = match q.layer.as_str() {
        "houses" => PlaceLayer::Houses,
        "orgs" => PlaceLayer::Orgs,
        "components" => PlaceLayer::Components,
        "cameras" => PlaceLayer::Cameras,
        "disputes" => PlaceLayer::Disputes,
        _ => {
            return Err(bad(
                "layer",
                "houses, orgs, components, cameras or disputes",
            ))
        }
    };
    if matches!(layer, PlaceLayer::Houses | PlaceLayer::Orgs)
        && !zhili_domain::person::may_read(user.user.role)
    {
        return Err(ApiError::forbidden("this role does not read the registry"));
    }
    let bbox: Vec<f64> = q
        .bbox
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("bbox", "four numbers: min lon, min lat, max lon, max lat"))?;
    let [x0, y0, x1, y1] = bbox[..] else {
        return Err(bad(
            "bbox",
            "four numbers: min lon, min lat, max lon, max lat",
        ));
    };
    if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
        return Err(bad("bbox", "four finite numbers"));
    }
    // Two opposite corners, in either order.
    let (x0, x1, y0, y1) = (x0.min(x1), x0.max(x1), y0.min(y1), y0.max(y1));
    let points = state
        .store
        .map_points(
            &user.user.scope(),
            layer,
            [x0, y0, x1, y1],
            MAX_PLACE_POINTS + 1,
        )
        .await?;
    let truncated = points.len() as i64 > MAX_PLACE_POINTS;
    // Written straight out: a district's cameras are thousands of features.
    use std::fmt::Write;
    let text = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(points.len() * 160 + 64);
    let _ = write!(
        out,
        "{{\"type\":\"FeatureCollection\",\"truncated\":{truncated},\"features\":["
    );
    for (i, p) in points.iter().take(MAX_PLACE_POINTS as usize).enumerate() {
        let _ = write!(
            out,
            "{}{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.6},{:.6}]}},\"properties\":{{\"id\":{},\"label\":{},\"kind\":{},\"state\":{}}}}}",
            if i > 0 { "," } else { "" },
            p.lon,
            p.lat,
            p.id,
            text(&p.label),
            text(&p.kind),
            text(&p.state)
        );
    }
    out.push_str("]}");
    Ok(json_response(Bytes::from(out), None))
}
