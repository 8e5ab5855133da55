//! The embedded web app: hashed assets cached for good, `index.html` for every app route.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

fn find(path: &str) -> Option<&'static (&'static str, &'static [u8], &'static str, &'static str)> {
    ASSETS.iter().find(|(p, ..)| *p == path)
}

/// GET of anything outside `/api`: an asset by its path, else the app's page (its router
/// handles `/command`, `/events/42` …). Unknown `/api/…` paths never get here.
pub async fn serve(uri: Uri, request_headers: HeaderMap, tile_origin: Option<&str>) -> Response {
    let path = uri.path();
    let asset = find(path).or_else(|| {
        (!path.starts_with("/assets/"))
            .then(|| find("/index.html"))
            .flatten()
    });
    let Some((name, bytes, content_type, etag)) = asset else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, HeaderValue::from_static(etag));
    // Vite names assets by their content: they never change under a name.
    let cache = if name.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if super::etag_matches(&request_headers, etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if *name == "/index.html" {
        // Everything the app loads comes from here; a worker is made from a same-origin
        // script; map tiles are drawn from GeoJSON, so no image or font leaves the origin.
        // An operator's tile service (checked to be a plain origin) is the one exception.
        let extra = tile_origin.map(|o| format!(" {o}")).unwrap_or_default();
        let policy = format!("default-src 'self'; img-src 'self' blob: data:{extra}; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'{extra}");
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy).unwrap_or_else(|_| {
                HeaderValue::from_static("default-src 'self'; img-src 'self' blob: data:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'")
            }),
        );
    }
    (StatusCode::OK, headers, *bytes).into_response()
}
