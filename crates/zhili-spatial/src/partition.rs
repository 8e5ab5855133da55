//! Partitioning a region into children: seeds spread over the parent, Voronoi cells clipped
//! to it, a reading order (north→south, west→east) for numbering, and welding of the shared
//! vertices so neighbours meet exactly. Used to synthesize the demo city's boundaries.

use crate::locate::point_in_shape;
use geo::{BooleanOps, BoundingRect, Centroid, Coord, LineString, MultiPolygon, Polygon};
use std::collections::HashMap;

/// A local equirectangular frame: distances in it are isotropic near the parent's latitude.
struct Frame {
    kx: f64,
}

impl Frame {
    fn of(shape: &MultiPolygon<f64>) -> Frame {
        let lat = shape
            .bounding_rect()
            .map_or(0.0, |r| (r.min().y + r.max().y) / 2.0);
        Frame {
            kx: lat.to_radians().cos(),
        }
    }
}

/// Spreads `n` more seeds over `parent` (after `existing` ones) by best-candidate sampling;
/// `draw` proposes candidate points.
/// Proposals outside the parent are refused; of `k` proposals the one farthest from the
/// seeds placed so far wins, which spaces seeds evenly while following `draw`'s density.
pub fn spread_seeds(
    parent: &MultiPolygon<f64>,
    existing: &[Coord<f64>],
    n: usize,
    k: usize,
    draw: &mut dyn FnMut() -> Coord<f64>,
) -> Vec<Coord<f64>> {
    let frame = Frame::of(parent);
    let mut seeds: Vec<Coord<f64>> = existing.to_vec();
    let target = existing.len() + n;
    let mut attempts = 0usize;
    while seeds.len() < target {
        let mut best: Option<(f64, Coord<f64>)> = None;
        let mut tried = 0;
        while tried < k.max(1) {
            attempts += 1;
            let c = draw();
            if !point_in_shape(parent, c.x, c.y) {
                if attempts > 1_000_000 {
                    break;
                }
                continue;
            }
            tried += 1;
            let d = seeds
                .iter()
                .map(|s| ((s.x - c.x) * frame.kx).powi(2) + (s.y - c.y).powi(2))
                .fold(f64::INFINITY, f64::min);
            if best.is_none_or(|(bd, _)| d > bd) {
                best = Some((d, c));
            }
        }
        match best {
            Some((_, c)) => seeds.push(c),
            None => break, // the parent has (almost) no area; the caller checks the count
        }
    }
    seeds.split_off(existing.len())
}

/// The Voronoi cell of every seed, clipped to the parent. Cells are built from half-planes
/// in the local frame, then intersected with the parent (which may be non-convex).
pub fn voronoi_cells(parent: &MultiPolygon<f64>, seeds: &[Coord<f64>]) -> Vec<MultiPolygon<f64>> {
    let Some(rect) = parent.bounding_rect() else {
        return vec![MultiPolygon(vec![]); seeds.len()];
    };
    let frame = Frame::of(parent);
    let to_local = |c: Coord<f64>| (c.x * frame.kx, c.y);
    let pad = (rect.width() + rect.height()) * 0.1 + 1e-6;
    let (x0, y0) = to_local(Coord {
        x: rect.min().x - pad,
        y: rect.min().y - pad,
    });
    let (x1, y1) = to_local(Coord {
        x: rect.max().x + pad,
        y: rect.max().y + pad,
    });
    let local: Vec<(f64, f64)> = seeds.iter().map(|&s| to_local(s)).collect();
    local
        .iter()
        .enumerate()
        .map(|(i, &(sx, sy))| {
            let mut cell = vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)];
            for (j, &(tx, ty)) in local.iter().enumerate() {
                if i != j {
                    // Keep p with (p - mid)·(t - s) ≤ 0: the side nearer to s.
                    let (nx, ny) = (tx - sx, ty - sy);
                    let c = nx * (sx + tx) / 2.0 + ny * (sy + ty) / 2.0;
                    cell = clip_half_plane(&cell, nx, ny, c);
                }
            }
            if cell.len() < 3 {
                return MultiPolygon(vec![]);
            }
            let mut ring: Vec<Coord<f64>> = cell
                .iter()
                .map(|&(x, y)| Coord { x: x / frame.kx, y })
                .collect();
            ring.push(ring[0]);
            parent.intersection(&Polygon::new(LineString(ring), vec![]))
        })
        .collect()
}

/// Sutherland–Hodgman against one half-plane n·p ≤ c (the subject is convex).
fn clip_half_plane(poly: &[(f64, f64)], nx: f64, ny: f64, c: f64) -> Vec<(f64, f64)> {
    let inside = |p: (f64, f64)| nx * p.0 + ny * p.1 <= c;
    let mut out = Vec::with_capacity(poly.len() + 1);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (ia, ib) = (inside(a), inside(b));
        if ia {
            out.push(a);
        }
        if ia != ib {
            let da = nx * a.0 + ny * a.1 - c;
            let db = nx * b.0 + ny * b.1 - c;
            let t = da / (da - db);
            out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    out
}

/// Lloyd relaxation: moves each seed not marked `fixed` to its cell's centroid, making
/// cells rounder and more even in size.
pub fn relax(parent: &MultiPolygon<f64>, seeds: &mut [Coord<f64>], fixed: &[bool], rounds: usize) {
    for _ in 0..rounds {
        let cells = voronoi_cells(parent, seeds);
        for (i, cell) in cells.iter().enumerate() {
            if fixed.get(i).copied().unwrap_or(false) {
                continue;
            }
            if let Some(c) = cell.centroid() {
                if point_in_shape(parent, c.x(), c.y()) {
                    seeds[i] = c.0;
                }
            }
        }
    }
}

/// Indices of `shapes` in reading order: rows from north to south, west to east in a row.
/// Row height is the side of an average shape, so a row holds shapes that sit side by side.
pub fn reading_order(shapes: &[MultiPolygon<f64>]) -> Vec<usize> {
    let centres: Vec<(f64, f64)> = shapes
        .iter()
        .map(|s| s.centroid().map_or((0.0, 0.0), |p| (p.x(), p.y())))
        .collect();
    let (mut y_min, mut y_max) = (f64::MAX, f64::MIN);
    for &(_, y) in &centres {
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    let rows = (shapes.len() as f64).sqrt().ceil().max(1.0);
    let row_h = ((y_max - y_min) / rows).max(1e-12);
    let mut order: Vec<usize> = (0..shapes.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = ((y_max - centres[a].1) / row_h).floor() as i64;
        let rb = ((y_max - centres[b].1) / row_h).floor() as i64;
        ra.cmp(&rb).then(centres[a].0.total_cmp(&centres[b].0))
    });
    order
}

/// Makes vertices that are within `tol` degrees of each other identical across all shapes,
/// then rounds to `tol`, so that neighbours computed separately share their edges exactly.
pub fn weld(shapes: &mut [MultiPolygon<f64>], tol: f64) {
    let key = |c: Coord<f64>| ((c.x / tol).round() as i64, (c.y / tol).round() as i64);
    // Dividing by the integer inverse gives the double nearest the decimal (29.545680025,
    // not 29.545680025000003), so coordinates print as short as they are.
    let inv = (1.0 / tol).round();
    let mut canon: HashMap<(i64, i64), Coord<f64>> = HashMap::new();
    let mut snap = |c: Coord<f64>| -> Coord<f64> {
        let (kx, ky) = key(c);
        for dx in -1..=1 {
            for dy in -1..=1 {
                if let Some(&found) = canon.get(&(kx + dx, ky + dy)) {
                    if (found.x - c.x).abs() <= tol && (found.y - c.y).abs() <= tol {
                        return found;
                    }
                }
            }
        }
        let rounded = Coord {
            x: kx as f64 / inv,
            y: ky as f64 / inv,
        };
        canon.insert((kx, ky), rounded);
        rounded
    };
    for shape in shapes.iter_mut() {
        let polys = std::mem::take(&mut shape.0);
        shape.0 = polys
            .into_iter()
            .filter_map(|p| {
                let (ext, ints) = p.into_inner();
                let ext = weld_ring(ext, &mut snap)?;
                let ints = ints
                    .into_iter()
                    .filter_map(|r| weld_ring(r, &mut snap))
                    .collect();
                Some(Polygon::new(ext, ints))
            })
            .collect();
    }
}

fn weld_ring(
    ring: LineString<f64>,
    snap: &mut dyn FnMut(Coord<f64>) -> Coord<f64>,
) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in ring.0 {
        let s = snap(c);
        if out.last() != Some(&s) {
            out.push(s);
        }
    }
    if out.first() != out.last() {
        let first = out[0];
        out.push(first);
    }
    (out.len() >= 4).then_some(LineString(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::area_m2;
    use geo::polygon;

    #[test]
    fn cells_tile_the_parent() {
        let parent = MultiPolygon(vec![
            polygon![(x: 108.0, y: 29.0), (x: 108.2, y: 29.0), (x: 108.2, y: 29.1), (x: 108.1, y: 29.05), (x: 108.0, y: 29.1), (x: 108.0, y: 29.0)],
        ]);
        let mut state = 12345u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut draw = || Coord {
            x: 108.0 + 0.2 * uniform(),
            y: 29.0 + 0.1 * uniform(),
        };
        let mut seeds = spread_seeds(&parent, &[], 12, 8, &mut draw);
        assert_eq!(seeds.len(), 12);
        relax(&parent, &mut seeds, &[], 2);
        let mut cells = voronoi_cells(&parent, &seeds);
        weld(&mut cells, 1e-9);
        use geo::Area;
        let total: f64 = cells.iter().map(|c| c.unsigned_area()).sum();
        let parent_area = parent.unsigned_area();
        let mut overlap = 0.0;
        for i in 0..cells.len() {
            for j in i + 1..cells.len() {
                overlap += cells[i].intersection(&cells[j]).unsigned_area();
            }
        }
        // Planar areas in square degrees are exactly additive; 1e-10 deg² is about 1 m².
        assert!(
            (total - parent_area).abs() < 1e-10,
            "{total} vs {parent_area}"
        );
        assert!(overlap < 1e-10, "overlap {overlap}");
        assert!(area_m2(&parent) > 1e8);
        let order = reading_order(&cells);
        assert_eq!(order.len(), 12);
        let first = cells[order[0]].centroid().unwrap();
        let last = cells[order[11]].centroid().unwrap();
        assert!(first.y() > last.y());
    }
}
