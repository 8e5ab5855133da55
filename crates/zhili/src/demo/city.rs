//! Synthesized boundaries for the demo city. Inside the real district outline: 30 towns
//! tile the district, the villages of each town tile it, and 1,662 grids tile the villages,
//! by nested Voronoi partitions (deterministic for a seed). The six urban streets crowd
//! round the real city centre with their communities packed near it, so their grids are
//! small; rural townships spread out with large grids.

use super::data::{self, TownRow, VillageRow};
use geo::{BoundingRect, Coord, MultiPolygon};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::{RegionCode, RegionKind};
use zhili_spatial::{geojson, partition};

pub const GRID_TOTAL: usize = 1662;
/// 黔江城区 (the urban core), WGS84.
const CITY_CENTRE: Coord<f64> = Coord {
    x: 108.7708,
    y: 29.5330,
};
const URBAN_STREETS: [&str; 6] = [
    "500114001",
    "500114002",
    "500114003",
    "500114004",
    "500114005",
    "500114006",
];
const M_PER_DEG: f64 = 111_195.0;
/// Vertices within this many degrees are the same vertex (≈ 0.1 mm).
const WELD_DEG: f64 = 1e-9;

#[derive(Clone)]
pub struct PlannedRegion {
    pub code: RegionCode,
    pub name: String,
    pub kind: RegionKind,
    pub shape: MultiPolygon<f64>,
}

pub struct CityPlan {
    pub district: PlannedRegion,
    pub towns: Vec<PlannedRegion>,
    pub villages: Vec<PlannedRegion>,
    pub grids: Vec<PlannedRegion>,
}

pub fn is_urban(town: &RegionCode) -> bool {
    URBAN_STREETS.contains(&town.as_str())
}

fn district_outline() -> MultiPolygon<f64> {
    let doc: serde_json::Value =
        serde_json::from_str(data::DISTRICT_GEOJSON).expect("embedded outline is JSON");
    geojson::parse_polygonal(&doc["features"][0]["geometry"])
        .expect("embedded outline is a polygon")
}

/// A point drawn from a normal distribution around `c` with spread `sigma_m` metres.
fn gaussian_near(rng: &mut ChaCha8Rng, c: Coord<f64>, sigma_m: f64) -> Coord<f64> {
    let (u1, u2): (f64, f64) = (rng.gen_range(1e-12..1.0), rng.gen());
    let r = (-2.0 * u1.ln()).sqrt() * sigma_m;
    let a = u2 * std::f64::consts::TAU;
    let kx = M_PER_DEG * c.y.to_radians().cos();
    Coord {
        x: c.x + r * a.cos() / kx,
        y: c.y + r * a.sin() / M_PER_DEG,
    }
}

fn uniform_in(rng: &mut ChaCha8Rng, shape: &MultiPolygon<f64>) -> Coord<f64> {
    let r = shape.bounding_rect().expect("non-empty shape");
    Coord {
        x: rng.gen_range(r.min().x..=r.max().x),
        y: rng.gen_range(r.min().y..=r.max().y),
    }
}

fn distance_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let kx = M_PER_DEG * a.y.to_radians().cos();
    (((a.x - b.x) * kx).powi(2) + ((a.y - b.y) * M_PER_DEG).powi(2)).sqrt()
}

/// How many grids each village gets: urban communities many, rural villages few; the
/// total is exactly `GRID_TOTAL` (largest remainder).
pub fn grid_counts(villages: &[VillageRow]) -> Vec<usize> {
    let weight = |v: &VillageRow| match (
        is_urban(&v.town_code),
        v.code.village_kind() == Some(RegionKind::Community),
    ) {
        (true, true) => 16.0,
        (true, false) => 5.0,
        (false, true) => 6.0,
        (false, false) => 5.0,
    };
    let total: f64 = villages.iter().map(weight).sum();
    let exact: Vec<f64> = villages
        .iter()
        .map(|v| weight(v) / total * GRID_TOTAL as f64)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| (e.floor() as usize).max(1)).collect();
    let mut order: Vec<usize> = (0..villages.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while counts.iter().sum::<usize>() < GRID_TOTAL {
        counts[order[i % order.len()]] += 1;
        i += 1;
    }
    while counts.iter().sum::<usize>() > GRID_TOTAL {
        let j = order[order.len() - 1 - (i % order.len())];
        if counts[j] > 1 {
            counts[j] -= 1;
        }
        i += 1;
    }
    counts
}

/// Builds the plan. `progress(done, total)` is told as towns are finished.
pub fn synthesize(seed: u64, progress: &mut dyn FnMut(u64, u64)) -> CityPlan {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let outline = district_outline();
    let towns = data::towns();
    let villages = data::villages();
    let counts = grid_counts(&villages);

    // Towns: urban streets on a ring round the centre, townships spread over the rest.
    let urban: Vec<&TownRow> = towns.iter().filter(|t| is_urban(&t.code)).collect();
    let rural: Vec<&TownRow> = towns.iter().filter(|t| !is_urban(&t.code)).collect();
    let mut seeds: Vec<Coord<f64>> = (0..urban.len())
        .map(|i| {
            let a =
                i as f64 / urban.len() as f64 * std::f64::consts::TAU + rng.gen_range(-0.2..0.2);
            let r = rng.gen_range(2_000.0..3_200.0);
            let kx = M_PER_DEG * CITY_CENTRE.y.to_radians().cos();
            Coord {
                x: CITY_CENTRE.x + r * a.cos() / kx,
                y: CITY_CENTRE.y + r * a.sin() / M_PER_DEG,
            }
        })
        .collect();
    let mut draw = || loop {
        let c = uniform_in(&mut rng, &outline);
        if distance_m(c, CITY_CENTRE) > 9_000.0 {
            break c;
        }
    };
    seeds.extend(partition::spread_seeds(
        &outline,
        &seeds,
        rural.len(),
        20,
        &mut draw,
    ));
    let fixed: Vec<bool> = (0..seeds.len()).map(|i| i < urban.len()).collect();
    partition::relax(&outline, &mut seeds, &fixed, 4);
    let mut town_shapes = partition::voronoi_cells(&outline, &seeds);
    partition::weld(&mut town_shapes, WELD_DEG);
    // Urban codes go round the ring; township codes follow the reading order of their cells.
    let rural_cells: Vec<MultiPolygon<f64>> = town_shapes[urban.len()..].to_vec();
    let rural_order = partition::reading_order(&rural_cells);
    let mut town_plan: Vec<(&TownRow, MultiPolygon<f64>, Coord<f64>)> = urban
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, town_shapes[i].clone(), seeds[i]))
        .collect();
    for (rank, &cell) in rural_order.iter().enumerate() {
        let i = urban.len() + cell;
        town_plan.push((rural[rank], town_shapes[i].clone(), seeds[i]));
    }

    let mut plan = CityPlan {
        district: PlannedRegion {
            code: RegionCode::parse("500114").expect("valid"),
            name: "黔江区".into(),
            kind: RegionKind::District,
            shape: outline.clone(),
        },
        towns: vec![],
        villages: vec![],
        grids: vec![],
    };
    let total_towns = town_plan.len() as u64;
    let mut village_shapes_all: Vec<MultiPolygon<f64>> = Vec::new();
    let mut village_rows_all: Vec<&VillageRow> = Vec::new();
    for (t, shape, seat) in &town_plan {
        // Villages: communities packed round the town seat, villages spread over the rest.
        let members: Vec<&VillageRow> = villages.iter().filter(|v| v.town_code == t.code).collect();
        let (communities, rural_villages): (Vec<&VillageRow>, Vec<&VillageRow>) = members
            .iter()
            .partition(|v| v.code.village_kind() == Some(RegionKind::Community));
        let sigma = if is_urban(&t.code) { 1_300.0 } else { 700.0 };
        let mut draw_near = || gaussian_near(&mut rng, *seat, sigma);
        let mut vseeds = partition::spread_seeds(shape, &[], communities.len(), 10, &mut draw_near);
        let mut draw_any = || uniform_in(&mut rng, shape);
        let more = partition::spread_seeds(shape, &vseeds, rural_villages.len(), 12, &mut draw_any);
        vseeds.extend(more);
        let vfixed: Vec<bool> = (0..vseeds.len()).map(|i| i < communities.len()).collect();
        partition::relax(shape, &mut vseeds, &vfixed, 2);
        let cells = partition::voronoi_cells(shape, &vseeds);
        let ordered: Vec<&VillageRow> = communities
            .iter()
            .chain(rural_villages.iter())
            .copied()
            .collect();
        village_rows_all.extend(ordered);
        village_shapes_all.extend(cells);
        plan.towns.push(PlannedRegion {
            code: t.code.clone(),
            name: t.name.clone(),
            kind: t.code.town_kind().expect("town code"),
            shape: shape.clone(),
        });
        progress(plan.towns.len() as u64, total_towns * 2);
    }
    partition::weld(&mut village_shapes_all, WELD_DEG);

    let count_of = |code: &RegionCode| {
        villages
            .iter()
            .position(|v| &v.code == code)
            .map(|i| counts[i])
            .unwrap_or(1)
    };
    let mut grid_shapes_all: Vec<MultiPolygon<f64>> = Vec::new();
    let mut grid_meta: Vec<(RegionCode, String, RegionKind)> = Vec::new();
    for (done, (v, vshape)) in village_rows_all.iter().zip(&village_shapes_all).enumerate() {
        let n = count_of(&v.code);
        let mut draw = || uniform_in(&mut rng, vshape);
        let mut gseeds = partition::spread_seeds(vshape, &[], n, 10, &mut draw);
        partition::relax(vshape, &mut gseeds, &[], 2);
        let cells = partition::voronoi_cells(vshape, &gseeds);
        let order = partition::reading_order(&cells);
        let vname = v.name();
        let urban_community =
            is_urban(&v.town_code) && v.code.village_kind() == Some(RegionKind::Community);
        for (serial, &i) in order.iter().enumerate() {
            let number = serial + 1;
            let code = RegionCode::parse(&format!("{}{:03}", v.code, number)).expect("grid code");
            // A few grids are dedicated (专属): a school, hospital, market or enterprise.
            let dedicated = rng.gen_bool(if urban_community { 0.06 } else { 0.015 });
            let (name, kind) = if dedicated {
                let what = ["学校", "医院", "农贸市场", "工业园区", "商圈"][rng.gen_range(0..5)];
                (format!("{vname}{what}专属网格"), RegionKind::DedicatedGrid)
            } else {
                (format!("{vname}第{number}网格"), RegionKind::GeneralGrid)
            };
            grid_meta.push((code, name, kind));
            grid_shapes_all.push(cells[i].clone());
        }
        plan.villages.push(PlannedRegion {
            code: v.code.clone(),
            name: vname,
            kind: v.code.village_kind().expect("village code"),
            shape: vshape.clone(),
        });
        if done % 8 == 0 {
            progress(
                total_towns + (done as u64 * total_towns / village_rows_all.len() as u64),
                total_towns * 2,
            );
        }
    }
    partition::weld(&mut grid_shapes_all, WELD_DEG);
    plan.grids = grid_meta
        .into_iter()
        .zip(grid_shapes_all)
        .map(|((code, name, kind), shape)| PlannedRegion {
            code,
            name,
            kind,
            shape,
        })
        .collect();
    plan.villages.sort_by(|a, b| a.code.cmp(&b.code));
    plan.towns.sort_by(|a, b| a.code.cmp(&b.code));
    progress(total_towns * 2, total_towns * 2);
    plan
}

/// A point drawn uniformly inside a shape (rejection sampling in its bounding box).
pub fn random_point(shape: &MultiPolygon<f64>, rng: &mut impl rand::Rng) -> (f64, f64) {
    let r = shape.bounding_rect().expect("a planned region has a shape");
    loop {
        let (x, y) = (
            rng.gen_range(r.min().x..r.max().x),
            rng.gen_range(r.min().y..r.max().y),
        );
        if zhili_spatial::locate::point_in_shape(shape, x, y) {
            return (x, y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use zhili_spatial::validate::{self, tiling_problems};

    fn plan() -> &'static CityPlan {
        static PLAN: std::sync::OnceLock<CityPlan> = std::sync::OnceLock::new();
        PLAN.get_or_init(|| synthesize(2026, &mut |_, _| {}))
    }

    #[test]
    fn the_city_nests_exactly() {
        let plan = plan();
        assert_eq!(
            (plan.towns.len(), plan.villages.len(), plan.grids.len()),
            (30, 220, GRID_TOTAL)
        );
        let towns: Vec<&MultiPolygon<f64>> = plan.towns.iter().map(|t| &t.shape).collect();
        assert_eq!(
            tiling_problems(&plan.district.shape, &towns, 1.0),
            vec![],
            "towns tile the district"
        );
        for t in &plan.towns {
            let v: Vec<&MultiPolygon<f64>> = plan
                .villages
                .iter()
                .filter(|v| v.code.parent().as_ref() == Some(&t.code))
                .map(|v| &v.shape)
                .collect();
            assert!(!v.is_empty());
            assert_eq!(
                tiling_problems(&t.shape, &v, 1.0),
                vec![],
                "villages tile {}",
                t.name
            );
        }
        for v in &plan.villages {
            let g: Vec<&MultiPolygon<f64>> = plan
                .grids
                .iter()
                .filter(|g| g.code.parent().as_ref() == Some(&v.code))
                .map(|g| &g.shape)
                .collect();
            assert!(!g.is_empty());
            assert_eq!(
                tiling_problems(&v.shape, &g, 1.0),
                vec![],
                "grids tile {}",
                v.name
            );
        }
    }

    #[test]
    fn urban_grids_are_small_and_rural_ones_large() {
        let plan = plan();
        let mean = |urban: bool| {
            let areas: Vec<f64> = plan
                .grids
                .iter()
                .filter(|g| {
                    is_urban(&g.code.ancestor_at(zhili_domain::Level::Town).unwrap()) == urban
                        && g.code.parent().unwrap().village_kind()
                            == Some(if urban {
                                RegionKind::Community
                            } else {
                                RegionKind::Village
                            })
                })
                .map(|g| zhili_spatial::area_m2(&g.shape))
                .collect();
            areas.iter().sum::<f64>() / areas.len() as f64
        };
        let (urban, rural) = (mean(true), mean(false));
        assert!(
            urban * 3.0 < rural,
            "urban community grids {urban:.0} m², rural village grids {rural:.0} m²"
        );
    }

    #[test]
    fn every_grid_passes_the_import_validator() {
        // The demo's own boundaries, written out as an import file, must import cleanly.
        let plan = plan();
        let features: Vec<serde_json::Value> = plan
            .grids
            .iter()
            .map(|g| serde_json::json!({"type": "Feature", "properties": {"code": g.code.as_str(), "name": g.name, "kind": g.kind.as_str()}, "geometry": geojson::to_geometry(&g.shape)}))
            .collect();
        let doc =
            serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
        let (grids, problems) = validate::read_grid_file(doc.as_bytes());
        assert_eq!(problems, vec![]);
        let villages: HashMap<RegionCode, MultiPolygon<f64>> = plan
            .villages
            .iter()
            .map(|v| (v.code.clone(), v.shape.clone()))
            .collect();
        assert_eq!(
            validate::check_grids(
                &grids,
                &|c| villages.get(c).cloned(),
                validate::DEFAULT_TOLERANCE_M2
            ),
            vec![]
        );
    }

    #[test]
    fn same_seed_same_city() {
        let again = synthesize(2026, &mut |_, _| {});
        assert_eq!(again.grids.len(), plan().grids.len());
        assert!(again
            .grids
            .iter()
            .zip(&plan().grids)
            .all(|(a, b)| a.code == b.code && a.shape == b.shape && a.name == b.name));
    }

    #[test]
    fn locate_agrees_with_point_in_polygon_across_the_city() {
        use rand::{Rng, SeedableRng};
        let plan = plan();
        let index = zhili_spatial::LocateIndex::build(
            plan.grids.iter().map(|g| g.shape.clone()).collect(),
            30.0,
        );
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let r = plan.district.shape.bounding_rect().unwrap();
        let mut inside = 0;
        for _ in 0..200_000 {
            let (x, y) = (
                rng.gen_range(r.min().x..r.max().x),
                rng.gen_range(r.min().y..r.max().y),
            );
            let fast = index.locate(x, y).map(|h| h.shape);
            assert_eq!(fast, index.locate_exhaustive(x, y), "at {x},{y}");
            inside += fast.is_some() as usize;
        }
        assert!(inside > 100_000, "{inside}");
    }

    #[test]
    fn grid_counts_sum_exactly_and_favour_urban_communities() {
        let villages = data::villages();
        let counts = grid_counts(&villages);
        assert_eq!(counts.iter().sum::<usize>(), GRID_TOTAL);
        assert!(counts.iter().all(|&c| c >= 1));
        let urban: Vec<usize> = villages
            .iter()
            .zip(&counts)
            .filter(|(v, _)| {
                is_urban(&v.town_code) && v.code.village_kind() == Some(RegionKind::Community)
            })
            .map(|(_, &c)| c)
            .collect();
        let rural: Vec<usize> = villages
            .iter()
            .zip(&counts)
            .filter(|(v, _)| !is_urban(&v.town_code))
            .map(|(_, &c)| c)
            .collect();
        assert!(
            urban.iter().min() > rural.iter().max(),
            "urban communities have the most grids"
        );
    }
}
