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

/// Area in square metres: the shoelace formula in a local equirectangular frame (good to
/// a fraction of a percent at district scale). Coordinates are taken relative to a vertex
/// of the shape, so slivers of a square metre are measured as such; formulas on absolute
/// longitudes lose them to cancellation.
pub fn area_m2(shape: &geo::MultiPolygon<f64>) -> f64 {
    const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
    let Some(origin) = shape
        .0
        .first()
        .and_then(|p| p.exterior().0.first())
        .copied()
    else {
        return 0.0;
    };
    let kx = M_PER_DEG * origin.y.to_radians().cos();
    let ring_area = |ring: &geo::LineString<f64>| {
        let mut twice = 0.0;
        for w in ring.0.windows(2) {
            let (ax, ay) = ((w[0].x - origin.x) * kx, (w[0].y - origin.y) * M_PER_DEG);
            let (bx, by) = ((w[1].x - origin.x) * kx, (w[1].y - origin.y) * M_PER_DEG);
            twice += ax * by - bx * ay;
        }
        (twice / 2.0).abs()
    };
    shape
        .0
        .iter()
        .map(|p| ring_area(p.exterior()) - p.interiors().iter().map(ring_area).sum::<f64>())
        .sum()
}

#[cfg(test)]
mod tests {
    use geo::polygon;

    #[test]
    fn area_of_a_known_square_and_a_sliver() {
        // 0.01° × 0.01° at 29.5°N ≈ 1111.95 m × 967.8 m.
        let sq = geo::MultiPolygon(vec![
            polygon![(x: 108.0, y: 29.5), (x: 108.01, y: 29.5), (x: 108.01, y: 29.51), (x: 108.0, y: 29.51), (x: 108.0, y: 29.5)],
        ]);
        let a = super::area_m2(&sq);
        assert!((a - 1_076_100.0).abs() < 2_000.0, "{a}");
        // A 1 mm × 1 km sliver is one square metre.
        let sliver = geo::MultiPolygon(vec![
            polygon![(x: 108.0, y: 29.5), (x: 108.0 + 1e-8, y: 29.5), (x: 108.0 + 1e-8, y: 29.509), (x: 108.0, y: 29.509), (x: 108.0, y: 29.5)],
        ]);
        let s = super::area_m2(&sliver);
        assert!((s - 0.97).abs() < 0.05, "{s}");
    }
}
