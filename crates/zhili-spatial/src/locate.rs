//! The locate index: a point → the shape (grid) containing it, plus whether it lies within
//! `near_m` metres of any edge, in well under a microsecond.
//!
//! The bounding box is cut into a raster of ~50 m cells. A cell no edge comes near (within
//! the cell expanded by `near_m`) lies wholly inside one shape, or wholly outside all: it
//! stores that answer, and most queries end there. A boundary cell keeps the edges near it
//! and a reference point whose owner was found once at build time; a query counts, per
//! shape, how many of that shape's edges the segment reference→point crosses (every such
//! edge is in the cell's list, because the segment stays inside the cell), so the parity
//! tells inside or outside without touching the rest of the polygon. Exact-degenerate
//! cases (the point on a vertex, collinear edges) fall back to a full point-in-polygon test.

use geo::MultiPolygon;

const EARTH_RADIUS_M: f64 = 6_371_008.8;
const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
const CELL_M: f64 = 50.0;
const MAX_CELLS: f64 = 8_000_000.0;
const BOUNDARY: u32 = 1 << 31;
const NO_OWNER: u32 = u32::MAX;
/// Points closer than this to an edge but inside no shape (a rounding sliver between two
/// neighbours) belong to the nearer neighbour rather than to "outside coverage".
const SLIVER_M: f64 = 0.01;

/// Which shape a point is in, by its index in the slice the index was built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocateHit {
    pub shape: u32,
    pub near_boundary: bool,
}

/// A shape handed to the builder.
pub type ShapeRef<'a> = &'a MultiPolygon<f64>;

#[derive(Clone, Copy, Debug)]
struct Seg {
    ax: f64,
    ay: f64,
    bx: f64,
    by: f64,
    owner: u32,
}

#[derive(Clone, Copy, Debug)]
struct BoundaryCell {
    ref_x: f64,
    ref_y: f64,
    ref_owner: u32,
    start: u32,
    len: u32,
}

pub struct LocateIndex {
    min_x: f64,
    min_y: f64,
    cw: f64,
    ch: f64,
    nx: usize,
    ny: usize,
    near_m: f64,
    /// 0 = outside; 1..BOUNDARY = interior of shape (v-1); BOUNDARY|i = boundary cell i.
    cells: Vec<u32>,
    boundary: Vec<BoundaryCell>,
    cell_segs: Vec<u32>,
    segs: Vec<Seg>,
    shapes: Vec<MultiPolygon<f64>>,
    buckets: ShapeBuckets,
}

impl LocateIndex {
    pub fn build(shapes: Vec<MultiPolygon<f64>>, near_m: f64) -> LocateIndex {
        let segs = collect_segments(&shapes);
        let bbox = segs.iter().fold(None, |acc: Option<[f64; 4]>, s| {
            let [x0, y0, x1, y1] = acc.unwrap_or([s.ax, s.ay, s.ax, s.ay]);
            Some([
                x0.min(s.ax).min(s.bx),
                y0.min(s.ay).min(s.by),
                x1.max(s.ax).max(s.bx),
                y1.max(s.ay).max(s.by),
            ])
        });
        let Some([min_x, min_y, max_x, max_y]) = bbox else {
            return LocateIndex {
                min_x: 0.0,
                min_y: 0.0,
                cw: 1.0,
                ch: 1.0,
                nx: 0,
                ny: 0,
                near_m,
                cells: vec![],
                boundary: vec![],
                cell_segs: vec![],
                segs,
                buckets: ShapeBuckets::build(&shapes),
                shapes,
            };
        };
        let cos_mid = ((min_y + max_y) / 2.0).to_radians().cos().max(0.01);
        let mut ch = CELL_M / M_PER_DEG;
        let mut cw = ch / cos_mid;
        let (w, h) = (max_x - min_x, max_y - min_y);
        let cells_needed = (w / cw + 1.0) * (h / ch + 1.0);
        if cells_needed > MAX_CELLS {
            let f = (cells_needed / MAX_CELLS).sqrt();
            ch *= f;
            cw *= f;
        }
        let nx = (w / cw).floor() as usize + 1;
        let ny = (h / ch).floor() as usize + 1;
        // Margins in degrees, taken at the latitude where a metre is most degrees (conservative).
        let cos_min = min_y.abs().max(max_y.abs()).to_radians().cos().max(0.01);
        let my = near_m / M_PER_DEG * 1.01 + 1e-9;
        let mx = near_m / (M_PER_DEG * cos_min) * 1.01 + 1e-9;

        // (cell, segment) pairs, then grouped by cell.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (si, s) in segs.iter().enumerate() {
            let cx0 = (((s.ax.min(s.bx) - mx - min_x) / cw).floor().max(0.0) as usize).min(nx - 1);
            let cx1 = (((s.ax.max(s.bx) + mx - min_x) / cw).floor().max(0.0) as usize).min(nx - 1);
            let cy0 = (((s.ay.min(s.by) - my - min_y) / ch).floor().max(0.0) as usize).min(ny - 1);
            let cy1 = (((s.ay.max(s.by) + my - min_y) / ch).floor().max(0.0) as usize).min(ny - 1);
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    let rx0 = min_x + cx as f64 * cw - mx;
                    let ry0 = min_y + cy as f64 * ch - my;
                    if segment_hits_rect(s, rx0, ry0, rx0 + cw + 2.0 * mx, ry0 + ch + 2.0 * my) {
                        pairs.push(((cy * nx + cx) as u32, si as u32));
                    }
                }
            }
        }
        pairs.sort_unstable();

        let buckets = ShapeBuckets::build(&shapes);
        let mut cells = vec![0u32; nx * ny];
        let mut boundary = Vec::new();
        let mut cell_segs = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let cell = pairs[i].0;
            let start = cell_segs.len() as u32;
            while i < pairs.len() && pairs[i].0 == cell {
                cell_segs.push(pairs[i].1);
                i += 1;
            }
            let (cx, cy) = (cell as usize % nx, cell as usize / nx);
            let list = &cell_segs[start as usize..];
            let (ref_x, ref_y) = reference_point(
                &segs,
                list,
                min_x + (cx as f64 + 0.5) * cw,
                min_y + (cy as f64 + 0.5) * ch,
                cw,
                ch,
            );
            let ref_owner = buckets.owner(&shapes, ref_x, ref_y).unwrap_or(NO_OWNER);
            cells[cell as usize] = BOUNDARY | boundary.len() as u32;
            boundary.push(BoundaryCell {
                ref_x,
                ref_y,
                ref_owner,
                start,
                len: list.len() as u32,
            });
        }
        // Free cells: a run of them along a row has no edge inside, so one owner for the run.
        for cy in 0..ny {
            let mut cx = 0;
            while cx < nx {
                if cells[cy * nx + cx] != 0 {
                    cx += 1;
                    continue;
                }
                let owner = buckets.owner(
                    &shapes,
                    min_x + (cx as f64 + 0.5) * cw,
                    min_y + (cy as f64 + 0.5) * ch,
                );
                let v = owner.map_or(0, |o| o + 1);
                while cx < nx && cells[cy * nx + cx] == 0 {
                    cells[cy * nx + cx] = v;
                    if v == 0 {
                        // Mark "outside" distinctly so the run loop terminates; restored below.
                        cells[cy * nx + cx] = u32::MAX;
                    }
                    cx += 1;
                }
            }
        }
        for v in cells.iter_mut() {
            if *v == u32::MAX {
                *v = 0;
            }
        }
        LocateIndex {
            min_x,
            min_y,
            cw,
            ch,
            nx,
            ny,
            near_m,
            cells,
            boundary,
            cell_segs,
            segs,
            shapes,
            buckets,
        }
    }

    pub fn shape_count(&self) -> usize {
        self.shapes.len()
    }

    /// Approximate heap size, for the record of what the server holds in memory.
    pub fn heap_bytes(&self) -> usize {
        self.cells.len() * 4
            + self.boundary.len() * std::mem::size_of::<BoundaryCell>()
            + self.cell_segs.len() * 4
            + self.segs.len() * std::mem::size_of::<Seg>() * 2
    }

    pub fn locate(&self, lon: f64, lat: f64) -> Option<LocateHit> {
        let fx = (lon - self.min_x) / self.cw;
        let fy = (lat - self.min_y) / self.ch;
        if !(fx >= 0.0 && fy >= 0.0) {
            return None; // also catches NaN
        }
        let (cx, cy) = (fx as usize, fy as usize);
        if cx >= self.nx || cy >= self.ny {
            return None;
        }
        let v = self.cells[cy * self.nx + cx];
        if v == 0 {
            return None;
        }
        if v & BOUNDARY == 0 {
            return Some(LocateHit {
                shape: v - 1,
                near_boundary: false,
            });
        }
        self.locate_in_boundary_cell(&self.boundary[(v & !BOUNDARY) as usize], lon, lat)
    }

    fn locate_in_boundary_cell(&self, b: &BoundaryCell, x: f64, y: f64) -> Option<LocateHit> {
        let list = &self.cell_segs[b.start as usize..(b.start + b.len) as usize];
        let kx = M_PER_DEG * y.to_radians().cos();
        let mut min_d2 = f64::INFINITY;
        let mut nearest_owner = NO_OWNER;
        // (owner, crossings parity) for the few shapes with edges here.
        let mut parity: [(u32, bool); 16] = [(NO_OWNER, false); 16];
        let mut n_owners = 0;
        let mut degenerate = false;
        for &si in list {
            let s = &self.segs[si as usize];
            let d2 = dist2_m(s, x, y, kx);
            if d2 < min_d2 {
                min_d2 = d2;
                nearest_owner = s.owner;
            }
            let crossed = match crossing(s, b.ref_x, b.ref_y, x, y) {
                Crossing::Yes => true,
                Crossing::No => false,
                Crossing::Degenerate => {
                    degenerate = true;
                    false
                }
            };
            if let Some(entry) = parity[..n_owners].iter_mut().find(|(o, _)| *o == s.owner) {
                entry.1 ^= crossed;
            } else if n_owners < parity.len() {
                parity[n_owners] = (s.owner, crossed);
                n_owners += 1;
            } else {
                degenerate = true;
            }
        }
        let near_boundary = min_d2 <= self.near_m * self.near_m;
        let mut owner = None;
        if !degenerate {
            // The reference point's owner stays the owner unless one of its edges was crossed.
            let ref_flipped = parity[..n_owners]
                .iter()
                .any(|&(o, p)| o == b.ref_owner && p);
            if b.ref_owner != NO_OWNER && !ref_flipped {
                owner = Some(b.ref_owner);
            } else {
                owner = parity[..n_owners]
                    .iter()
                    .find(|&&(o, p)| p && o != b.ref_owner)
                    .map(|&(o, _)| o);
            }
        } else {
            for &(o, _) in parity[..n_owners]
                .iter()
                .chain(std::iter::once(&(b.ref_owner, false)))
            {
                if o != NO_OWNER && point_in_shape(&self.shapes[o as usize], x, y) {
                    owner = Some(o);
                    break;
                }
            }
        }
        if owner.is_none() && min_d2 <= SLIVER_M * SLIVER_M {
            owner = Some(nearest_owner);
        }
        owner.map(|shape| LocateHit {
            shape,
            near_boundary,
        })
    }

    /// The slow, obviously-correct answer, for tests and fallbacks.
    pub fn locate_exhaustive(&self, lon: f64, lat: f64) -> Option<u32> {
        self.buckets.owner(&self.shapes, lon, lat)
    }
}

fn collect_segments(shapes: &[MultiPolygon<f64>]) -> Vec<Seg> {
    let mut segs = Vec::new();
    for (owner, shape) in shapes.iter().enumerate() {
        for poly in &shape.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for w in ring.0.windows(2) {
                    if w[0] != w[1] {
                        segs.push(Seg {
                            ax: w[0].x,
                            ay: w[0].y,
                            bx: w[1].x,
                            by: w[1].y,
                            owner: owner as u32,
                        });
                    }
                }
            }
        }
    }
    segs
}

/// The cell centre, nudged off any edge or vertex so parity counting from it is well defined.
fn reference_point(segs: &[Seg], list: &[u32], cx: f64, cy: f64, cw: f64, ch: f64) -> (f64, f64) {
    let clear = |x: f64, y: f64| {
        list.iter().all(|&si| {
            let s = &segs[si as usize];
            let o = orient(s.ax, s.ay, s.bx, s.by, x, y);
            o.abs() > 1e-18 && (s.ax, s.ay) != (x, y)
        })
    };
    for k in 0..8 {
        let (x, y) = (cx + cw * 0.0173 * k as f64, cy + ch * 0.0311 * k as f64);
        if clear(x, y) {
            return (x, y);
        }
    }
    (cx, cy)
}

fn orient(ax: f64, ay: f64, bx: f64, by: f64, cx: f64, cy: f64) -> f64 {
    (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
}

enum Crossing {
    Yes,
    No,
    Degenerate,
}

fn crossing(s: &Seg, rx: f64, ry: f64, qx: f64, qy: f64) -> Crossing {
    // Quick reject on bounding boxes.
    if s.ax.max(s.bx) < rx.min(qx)
        || s.ax.min(s.bx) > rx.max(qx)
        || s.ay.max(s.by) < ry.min(qy)
        || s.ay.min(s.by) > ry.max(qy)
    {
        return Crossing::No;
    }
    let d1 = orient(s.ax, s.ay, s.bx, s.by, rx, ry);
    let d2 = orient(s.ax, s.ay, s.bx, s.by, qx, qy);
    let d3 = orient(rx, ry, qx, qy, s.ax, s.ay);
    let d4 = orient(rx, ry, qx, qy, s.bx, s.by);
    if d1 == 0.0 || d2 == 0.0 || d3 == 0.0 || d4 == 0.0 {
        return Crossing::Degenerate;
    }
    if (d1 > 0.0) != (d2 > 0.0) && (d3 > 0.0) != (d4 > 0.0) {
        Crossing::Yes
    } else {
        Crossing::No
    }
}

/// Squared distance in metres from (x, y) to the segment, on a local flat approximation.
fn dist2_m(s: &Seg, x: f64, y: f64, kx: f64) -> f64 {
    let (ax, ay) = ((s.ax - x) * kx, (s.ay - y) * M_PER_DEG);
    let (bx, by) = ((s.bx - x) * kx, (s.by - y) * M_PER_DEG);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (px, py) = (ax + t * dx, ay + t * dy);
    px * px + py * py
}

/// Liang–Barsky: does the segment touch the rectangle?
fn segment_hits_rect(s: &Seg, x0: f64, y0: f64, x1: f64, y1: f64) -> bool {
    let (dx, dy) = (s.bx - s.ax, s.by - s.ay);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, s.ax - x0),
        (dx, x1 - s.ax),
        (-dy, s.ay - y0),
        (dy, y1 - s.ay),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// Even-odd point-in-polygon over every ring of every part.
pub fn point_in_shape(shape: &MultiPolygon<f64>, x: f64, y: f64) -> bool {
    let mut inside = false;
    for poly in &shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for w in ring.0.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x {
                    inside = !inside;
                }
            }
        }
    }
    inside
}

/// A coarse bucket grid of shape bounding boxes, for the build and the exhaustive path.
struct ShapeBuckets {
    min_x: f64,
    min_y: f64,
    bw: f64,
    bh: f64,
    n: usize,
    bboxes: Vec<[f64; 4]>,
    buckets: Vec<Vec<u32>>,
}

impl ShapeBuckets {
    fn build(shapes: &[MultiPolygon<f64>]) -> ShapeBuckets {
        use geo::BoundingRect;
        let bboxes: Vec<[f64; 4]> = shapes
            .iter()
            .map(|s| {
                s.bounding_rect().map_or([f64::NAN; 4], |r| {
                    [r.min().x, r.min().y, r.max().x, r.max().y]
                })
            })
            .collect();
        let valid = bboxes.iter().filter(|b| b[0].is_finite());
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for b in valid {
            x0 = x0.min(b[0]);
            y0 = y0.min(b[1]);
            x1 = x1.max(b[2]);
            y1 = y1.max(b[3]);
        }
        let n = 64;
        if x0 > x1 {
            return ShapeBuckets {
                min_x: 0.0,
                min_y: 0.0,
                bw: 1.0,
                bh: 1.0,
                n,
                bboxes,
                buckets: vec![vec![]; n * n],
            };
        }
        let bw = ((x1 - x0) / n as f64).max(1e-9);
        let bh = ((y1 - y0) / n as f64).max(1e-9);
        let mut buckets = vec![Vec::new(); n * n];
        let clamp = |v: f64| (v.max(0.0) as usize).min(n - 1);
        for (i, b) in bboxes.iter().enumerate().filter(|(_, b)| b[0].is_finite()) {
            for by in clamp((b[1] - y0) / bh)..=clamp((b[3] - y0) / bh) {
                for bx in clamp((b[0] - x0) / bw)..=clamp((b[2] - x0) / bw) {
                    buckets[by * n + bx].push(i as u32);
                }
            }
        }
        ShapeBuckets {
            min_x: x0,
            min_y: y0,
            bw,
            bh,
            n,
            bboxes,
            buckets,
        }
    }

    fn owner(&self, shapes: &[MultiPolygon<f64>], x: f64, y: f64) -> Option<u32> {
        let fx = (x - self.min_x) / self.bw;
        let fy = (y - self.min_y) / self.bh;
        if !(fx >= 0.0 && fy >= 0.0) || fx >= self.n as f64 + 1e-9 || fy >= self.n as f64 + 1e-9 {
            return None;
        }
        let (bx, by) = ((fx as usize).min(self.n - 1), (fy as usize).min(self.n - 1));
        self.buckets[by * self.n + bx].iter().copied().find(|&i| {
            let b = self.bboxes[i as usize];
            x >= b[0]
                && x <= b[2]
                && y >= b[1]
                && y <= b[3]
                && point_in_shape(&shapes[i as usize], x, y)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    fn square(x0: f64, y0: f64, s: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x0 + s, y: y0), (x: x0 + s, y: y0 + s), (x: x0, y: y0 + s), (x: x0, y: y0)],
        ])
    }

    fn two_by_two() -> LocateIndex {
        // Four 0.01° squares (≈ 1 km) around (108.77, 29.53).
        let s = 0.01;
        LocateIndex::build(
            vec![
                square(108.76, 29.52, s),
                square(108.77, 29.52, s),
                square(108.76, 29.53, s),
                square(108.77, 29.53, s),
            ],
            30.0,
        )
    }

    #[test]
    fn finds_the_containing_square() {
        let idx = two_by_two();
        assert_eq!(idx.locate(108.765, 29.525).map(|h| h.shape), Some(0));
        assert_eq!(idx.locate(108.775, 29.525).map(|h| h.shape), Some(1));
        assert_eq!(idx.locate(108.765, 29.535).map(|h| h.shape), Some(2));
        assert_eq!(idx.locate(108.775, 29.535).map(|h| h.shape), Some(3));
        assert_eq!(idx.locate(108.70, 29.50), None);
        assert_eq!(idx.locate(f64::NAN, 29.5), None);
    }

    #[test]
    fn near_boundary_is_thirty_metres() {
        let idx = two_by_two();
        let deg_per_m_lon = 1.0 / (M_PER_DEG * 29.525f64.to_radians().cos());
        let hit = |m: f64| idx.locate(108.77 - m * deg_per_m_lon, 29.525).unwrap();
        assert!(hit(10.0).near_boundary);
        assert!(hit(29.0).near_boundary);
        assert!(!hit(31.0).near_boundary);
        assert!(!hit(200.0).near_boundary);
        assert_eq!(hit(10.0).shape, 0);
        assert_eq!(hit(-10.0).shape, 1);
        // Near the outer edge too.
        assert!(idx.locate(108.7601, 29.525).unwrap().near_boundary);
    }

    #[test]
    fn holes_are_outside() {
        let outer = polygon![
            exterior: [(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 0.4, y: 0.4), (x: 0.6, y: 0.4), (x: 0.6, y: 0.6), (x: 0.4, y: 0.6), (x: 0.4, y: 0.4)]],
        ];
        let idx = LocateIndex::build(vec![MultiPolygon(vec![outer])], 30.0);
        assert_eq!(idx.locate(0.5, 0.5), None);
        assert_eq!(idx.locate(0.2, 0.2).map(|h| h.shape), Some(0));
        assert_eq!(
            idx.locate(0.3999, 0.5).map(|h| (h.shape, h.near_boundary)),
            Some((0, true))
        );
        assert_eq!(idx.locate(0.4001, 0.5), None);
    }

    #[test]
    fn agrees_with_the_exhaustive_answer_on_random_points() {
        use rand::{Rng, SeedableRng};
        // Irregular shapes: a star-ish polygon and its complement in a box.
        let star: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let a = i as f64 / 40.0 * std::f64::consts::TAU;
                let r = if i % 2 == 0 { 0.05 } else { 0.02 };
                (108.8 + r * a.cos(), 29.5 + r * a.sin())
            })
            .collect();
        let mut ring: Vec<geo::Coord<f64>> =
            star.iter().map(|&(x, y)| geo::Coord { x, y }).collect();
        ring.push(ring[0]);
        let star_poly = geo::Polygon::new(geo::LineString(ring.clone()), vec![]);
        let mut hole = ring.clone();
        hole.reverse();
        let boxed = geo::Polygon::new(
            geo::LineString(vec![
                geo::Coord { x: 108.7, y: 29.4 },
                geo::Coord { x: 108.9, y: 29.4 },
                geo::Coord { x: 108.9, y: 29.6 },
                geo::Coord { x: 108.7, y: 29.6 },
                geo::Coord { x: 108.7, y: 29.4 },
            ]),
            vec![geo::LineString(hole)],
        );
        let idx = LocateIndex::build(
            vec![MultiPolygon(vec![star_poly]), MultiPolygon(vec![boxed])],
            30.0,
        );
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100_000 {
            let (x, y) = (rng.gen_range(108.68..108.92), rng.gen_range(29.38..29.62));
            assert_eq!(
                idx.locate(x, y).map(|h| h.shape),
                idx.locate_exhaustive(x, y),
                "at {x},{y}"
            );
        }
    }
}
