//! Place cells: a fixed lattice over the globe that turns "reports near this point" into an
//! exact index lookup (category, cell, time) instead of a scan of every recent report.

/// Cell size in degrees: 0.002° is about 222 m north–south and 193 m east–west at the
/// district's latitude, so a 100 m search touches at most 3 × 3 cells.
pub const CELL_DEG: f64 = 0.002;
const COLUMNS: i64 = 1_000_000;

fn index(v: f64, offset: f64) -> i64 {
    ((v + offset) / CELL_DEG).floor() as i64
}

/// The cell holding a WGS84 point.
pub fn cell_of(lon: f64, lat: f64) -> i64 {
    index(lat, 90.0) * COLUMNS + index(lon, 180.0)
}

/// Every cell a lon/lat box `[min_lon, min_lat, max_lon, max_lat]` touches. A box wider
/// than 8 cells is not a "near" search: it is cut to the 8 × 8 cells from its south-west
/// corner, so no caller can ask for an unbounded list.
pub fn cells_within(bbox: [f64; 4]) -> Vec<i64> {
    let (x0, y0) = (index(bbox[0], 180.0), index(bbox[1], 90.0));
    let (x1, y1) = (
        index(bbox[2], 180.0).clamp(x0, x0 + 7),
        index(bbox[3], 90.0).clamp(y0, y0 + 7),
    );
    let mut cells = Vec::with_capacity(((x1 - x0 + 1) * (y1 - y0 + 1)) as usize);
    for y in y0..=y1 {
        for x in x0..=x1 {
            cells.push(y * COLUMNS + x);
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_lies_in_the_cells_of_any_box_around_it() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..10_000 {
            let lon = 108.5 + next() * 0.5;
            let lat = 29.2 + next() * 0.5;
            let r = next() * 0.0012;
            let cells = cells_within([lon - r, lat - r, lon + r, lat + r]);
            assert!(cells.contains(&cell_of(lon, lat)));
            // and any point inside the box too
            let (px, py) = (lon - r + 2.0 * r * next(), lat - r + 2.0 * r * next());
            assert!(cells.contains(&cell_of(px, py)), "{px} {py} r={r}");
            assert!(cells.len() <= 9, "a 100 m box touches at most 3 x 3 cells");
        }
    }

    #[test]
    fn neighbouring_cells_differ_and_edges_belong_to_one_cell() {
        assert_ne!(cell_of(108.7701, 29.5301), cell_of(108.7721, 29.5301));
        assert_eq!(cell_of(108.0, 29.0), cell_of(108.0 + 1e-9, 29.0 + 1e-9));
        assert!(cell_of(-180.0, -90.0) >= 0);
        assert!(cell_of(180.0, 90.0) > cell_of(179.99, 89.99));
    }

    #[test]
    fn a_huge_box_is_bounded() {
        assert_eq!(cells_within([100.0, 20.0, 120.0, 40.0]).len(), 64);
    }
}
