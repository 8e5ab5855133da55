//! `cargo bench -p zhili --bench locate`: time `locate` on the demo city, single thread.
//! Points are drawn uniformly over the district's bounding box (inside and outside), and
//! separately only from boundary strips, the slow path. Timing is per batch of 256 points;
//! the figures are the median and p99 of the per-point time over batches.

use geo::BoundingRect;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Instant;
use zhili::demo::city;
use zhili_spatial::LocateIndex;

fn main() {
    let t = Instant::now();
    let plan = city::synthesize(2026, &mut |_, _| {});
    println!(
        "demo city synthesized in {:.2} s ({} grids)",
        t.elapsed().as_secs_f64(),
        plan.grids.len()
    );
    let t = Instant::now();
    let index = LocateIndex::build(plan.grids.iter().map(|g| g.shape.clone()).collect(), 30.0);
    println!(
        "locate index built in {:.3} s, ~{:.1} MB",
        t.elapsed().as_secs_f64(),
        index.heap_bytes() as f64 / 1e6
    );

    let r = plan.district.shape.bounding_rect().expect("outline");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let uniform: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| {
            (
                rng.gen_range(r.min().x..r.max().x),
                rng.gen_range(r.min().y..r.max().y),
            )
        })
        .collect();
    let near: Vec<(f64, f64)> = uniform
        .iter()
        .copied()
        .filter(|&(x, y)| index.locate(x, y).is_some_and(|h| h.near_boundary))
        .collect();
    let inside = uniform
        .iter()
        .filter(|&&(x, y)| index.locate(x, y).is_some())
        .count();
    println!(
        "{} of {} uniform points inside coverage, {} within 30 m of an edge",
        inside,
        uniform.len(),
        near.len()
    );

    for (name, points) in [
        ("uniform over the district", &uniform),
        ("near a grid edge (slow path)", &near),
    ] {
        let mut per_point: Vec<f64> = Vec::new();
        for _round in 0..5 {
            for batch in points.chunks(256) {
                let t = Instant::now();
                for &(x, y) in batch {
                    black_box(index.locate(black_box(x), black_box(y)));
                }
                per_point.push(t.elapsed().as_nanos() as f64 / batch.len() as f64);
            }
        }
        per_point.sort_by(f64::total_cmp);
        let pct = |p: f64| per_point[((per_point.len() - 1) as f64 * p) as usize];
        println!(
            "locate, {name}: median {:.1} ns/point, p99 {:.1} ns/point ({} batches)",
            pct(0.5),
            pct(0.99),
            per_point.len()
        );
    }
}
