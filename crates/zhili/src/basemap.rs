//! The basemap under the boundaries, when the operator supplies one — never required: without
//! it the maps draw the grids on a plain background and nothing leaves the server. Either a
//! raster MBTiles file served by zhili itself (`zhili serve --basemap FILE`), or a tile service
//! the browser loads directly (`--tile-url`, e.g. 天地图 with its key). Coordinates here are
//! WGS 84, like 天地图's CGCS2000 tiles; a GCJ-02 service would draw everything offset.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::Row;
use std::path::Path;

/// Deepest zoom a tile is asked for.
pub const MAX_ZOOM: u8 = 22;

pub enum Basemap {
    /// Raster tiles from an MBTiles file on this machine.
    File(MbTiles),
    /// An XYZ tile service the browser loads from.
    Service(TileService),
}

pub struct TileService {
    /// With `{z}`, `{x}` and `{y}`, e.g. `https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY`.
    pub url: String,
    /// Scheme, host and port: what the page's content security policy lets it load.
    pub origin: String,
    pub attribution: String,
}

impl TileService {
    pub fn new(url: &str, attribution: Option<&str>) -> Result<TileService, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or("the tile URL starts with https:// (or http://)")?;
        for part in ["{z}", "{x}", "{y}"] {
            if !url.contains(part) {
                return Err(format!("the tile URL has no {part}"));
            }
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let valid_host = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        if !valid_host
            || url.len() > 2000
            || url
                .chars()
                .any(|c| c.is_whitespace() || c == '"' || c == ';')
        {
            return Err("the tile URL's host is not a plain host name".into());
        }
        let scheme = if url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        Ok(TileService {
            url: url.to_string(),
            origin: format!("{scheme}://{host}"),
            attribution: attribution.unwrap_or_default().trim().to_string(),
        })
    }
}

/// A raster MBTiles file (the MBTiles 1.3 layout: `metadata` and `tiles` with TMS rows),
/// opened read-only.
pub struct MbTiles {
    pool: SqlitePool,
    /// The tiles' media type (image/png, image/jpeg or image/webp).
    pub content_type: &'static str,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// [west, south, east, north], when the file says.
    pub bounds: Option<[f64; 4]>,
    pub attribution: String,
}

impl MbTiles {
    /// Opens and checks the file: its tables, its format (raster only: a vector file needs a
    /// style this server does not have) and its zoom range.
    pub async fn open(path: &Path) -> Result<MbTiles, String> {
        if !path.is_file() {
            return Err(format!("{}: no such file", path.display()));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .immutable(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| format!("{}: not an MBTiles file ({e})", path.display()))?;
        let rows = sqlx::query("SELECT name, value FROM metadata")
            .fetch_all(&pool)
            .await
            .map_err(|e| format!("{}: no metadata table ({e})", path.display()))?;
        let meta = |key: &str| {
            rows.iter().find_map(|r| {
                let name: String = r.try_get("name").ok()?;
                (name == key)
                    .then(|| r.try_get::<String, _>("value").ok())
                    .flatten()
            })
        };
        let content_type = match meta("format").as_deref() {
            Some("png") => "image/png",
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("webp") => "image/webp",
            Some("pbf") => {
                return Err(format!(
                    "{}: vector tiles (pbf) need a style; give a raster MBTiles (png, jpg or webp)",
                    path.display()
                ))
            }
            other => {
                return Err(format!(
                    "{}: tile format {other:?} is not png, jpg or webp",
                    path.display()
                ))
            }
        };
        let range: (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles")
                .fetch_one(&pool)
                .await
                .map_err(|e| format!("{}: no tiles table ({e})", path.display()))?;
        let zoom = |key: &str, found: Option<i64>| {
            meta(key)
                .and_then(|v| v.trim().parse::<i64>().ok())
                .or(found)
                .unwrap_or(0)
                .clamp(0, MAX_ZOOM as i64) as u8
        };
        let (min_zoom, max_zoom) = (zoom("minzoom", range.0), zoom("maxzoom", range.1));
        if range.0.is_none() {
            return Err(format!("{}: the file holds no tiles", path.display()));
        }
        let bounds = meta("bounds").and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            (v.len() == 4 && v.iter().all(|x| x.is_finite())).then(|| [v[0], v[1], v[2], v[3]])
        });
        Ok(MbTiles {
            pool,
            content_type,
            min_zoom: min_zoom.min(max_zoom),
            max_zoom,
            bounds,
            attribution: meta("attribution").unwrap_or_default(),
        })
    }

    /// The tile at z/x/y (XYZ numbering, as MapLibre asks), if the file has it.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        let row = (1u64 << z) - 1 - y as u64;
        sqlx::query_scalar::<_, Vec<u8>>(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
        )
        .bind(z as i64)
        .bind(x as i64)
        .bind(row as i64)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| e.to_string())
    }
}

/// Whether z/x/y names a tile: the zoom within bounds and x, y below 2^z.
pub fn valid_tile(z: u8, x: u32, y: u32) -> bool {
    z <= MAX_ZOOM && (x as u64) < (1u64 << z) && (y as u64) < (1u64 << z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_service_names_its_origin_and_its_placeholders() {
        let s = TileService::new(
            "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=abc",
            Some("天地图"),
        )
        .unwrap();
        assert_eq!(s.origin, "https://t0.tianditu.gov.cn");
        assert!(TileService::new("ftp://x/{z}/{x}/{y}", None).is_err());
        assert!(TileService::new("https://x.example/{z}/{x}", None).is_err());
        assert!(TileService::new("https://x.example;/{z}/{x}/{y}", None).is_err());
        assert!(TileService::new("https://a b/{z}/{x}/{y}", None).is_err());
    }

    #[test]
    fn tiles_are_within_their_zoom() {
        assert!(valid_tile(0, 0, 0));
        assert!(!valid_tile(0, 1, 0));
        assert!(valid_tile(3, 7, 7) && !valid_tile(3, 8, 0));
        assert!(!valid_tile(23, 0, 0));
    }
}
