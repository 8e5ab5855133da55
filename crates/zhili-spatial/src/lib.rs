//! The spatial layer: coordinate systems, GeoJSON reading, the in-memory locate index,
//! validation of boundary files, and partitioning (for the synthesized demo city).
//! Depends on the domain core only; no I/O beyond parsing bytes it is handed.

pub mod crs;
pub mod geojson;
pub mod locate;
pub mod partition;
pub mod validate;

pub use crs::Crs;
pub use locate::{LocateHit, LocateIndex, ShapeRef};

/// Area in square metres (spherical approximation, good to a fraction of a percent here).
pub fn area_m2(shape: &geo::MultiPolygon<f64>) -> f64 {
    use geo::ChamberlainDuquetteArea;
    shape.chamberlain_duquette_unsigned_area()
}

/// Rounds every coordinate to 1e-7 degrees (about 1 cm), the precision we store and serve.
pub fn snap(shape: &geo::MultiPolygon<f64>) -> geo::MultiPolygon<f64> {
    use geo::MapCoords;
    shape.map_coords(|c| geo::Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    })
}
