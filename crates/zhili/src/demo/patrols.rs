//! The demo's "1+X" joint defence: in the six villages where the demo's residents live, two
//! compounds each with their lead unit and members, a night route of four checkpoints around a
//! point well inside one of the village's grids, and eight weeks of shifts twice a week — the
//! check-ins judged by the domain's rules as they would have been (most clean, a few away from
//! their checkpoint or on a mocked position, a few checkpoints missed) — and tonight's shift
//! scheduled for the grid worker to walk. Written with their own times through the store.

use super::account;
use crate::state::AppState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::patrol::{self as rules, CheckIn, Checkpoint, Previous, Route};
use zhili_store::{CheckInRecord, CompoundRecord, RouteRecord, ShiftRecord};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

#[derive(Debug, Default)]
pub struct PatrolsDemo {
    pub compounds: usize,
    pub shifts: usize,
    pub check_ins: usize,
    pub flagged: usize,
    pub missed: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const COMPOUNDS: [(&str, &str, [&str; 4]); 2] = [
    (
        "老街大院",
        "村（居）委会",
        ["一组", "二组", "老街商户", "村小学"],
    ),
    (
        "新村安置点",
        "安置点物业",
        ["一栋", "二栋", "三栋", "幼儿园"],
    ),
];

pub async fn write(state: &AppState, seed: u64) -> Result<PatrolsDemo, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5041_5452);
    let mut done = PatrolsDemo::default();
    let now = crate::now_ms();
    let index = state.index();
    for village in super::residents::villages(state) {
        let station = account(state, &format!("village-{village}")).await?.actor();
        let grids: Vec<_> = index
            .grids
            .iter()
            .filter(|g| g.grid_code.as_str().starts_with(village.as_str()))
            .collect();
        for (k, (name, lead, members)) in COMPOUNDS.iter().enumerate() {
            let Some(grid) = grids.get(k % grids.len().max(1)) else {
                continue;
            };
            let worker = account(state, &format!("grid-{}", grid.grid_code))
                .await?
                .actor();
            let mut c = CompoundRecord {
                id: 0,
                village_code: village.to_string(),
                name: name.to_string(),
                lead_unit: lead.to_string(),
                members: members.iter().map(|m| m.to_string()).collect(),
                created_by: station.username.clone(),
                created_at: now - 70 * DAY_MS,
            };
            c.id = state
                .store
                .create_compound(&station, &c)
                .await
                .map_err(err)?;
            done.compounds += 1;
            // Four checkpoints 30 m apart around the grid's inside point.
            let (lon, lat) = grid.anchor;
            let metre = 1.0 / (111_195.0 * lat.to_radians().cos());
            let route = Route {
                name: "夜间巡逻".into(),
                checkpoints: ["大门", "车棚", "后院", "广场"]
                    .iter()
                    .enumerate()
                    .map(|(i, n)| Checkpoint {
                        name: n.to_string(),
                        lon: lon + (i as f64 - 1.5) * 30.0 * metre,
                        lat,
                        radius_m: 40.0,
                    })
                    .collect(),
            };
            let codes: Vec<String> = (0..4)
                .map(|_| format!("zlp{:016x}", rng.gen::<u64>()))
                .collect();
            let mut r = RouteRecord {
                id: 0,
                compound_id: c.id,
                route: route.clone(),
                codes: codes.clone(),
                created_at: c.created_at,
            };
            r.id = state.store.create_route(&station, &r).await.map_err(err)?;
            // Twice a week for eight weeks, 20:00 to 23:00 Beijing time; tonight's still open.
            let today = (now + 8 * HOUR_MS).div_euclid(DAY_MS) * DAY_MS - 8 * HOUR_MS;
            for n in (0..=16).rev() {
                let starts = today - n * 3 * DAY_MS - (n % 2) * DAY_MS + 20 * HOUR_MS;
                let mut s = ShiftRecord {
                    id: 0,
                    route_id: r.id,
                    village_code: village.to_string(),
                    team: format!("{name}联防队 第{}组", n % 3 + 1),
                    starts_at: starts,
                    ends_at: starts + 3 * HOUR_MS,
                    ended_at: None,
                    missed: None,
                    created_by: station.username.clone(),
                };
                s.id = state.store.create_shift(&station, &s).await.map_err(err)?;
                done.shifts += 1;
                if n == 0 {
                    continue; // tonight's, for the patrol to walk
                }
                let mut previous: Option<Previous> = None;
                let mut clean = Vec::new();
                let mut at = starts + rng.gen_range(5..20) * 60_000;
                for (i, p) in route.checkpoints.iter().enumerate() {
                    if rng.gen_bool(0.04) {
                        continue; // skipped
                    }
                    let (mut plon, plat) = (p.lon + rng.gen_range(-8.0..8.0) * metre, p.lat);
                    let far = rng.gen_bool(0.04);
                    if far {
                        plon += 150.0 * metre;
                    }
                    let claim = CheckIn {
                        checkpoint: i,
                        at,
                        lon: plon,
                        lat: plat,
                        accuracy_m: rng.gen_range(5.0..25.0),
                        mock_hint: rng.gen_bool(0.02),
                        scanned: rng.gen_bool(0.6).then(|| codes[i].clone()),
                    };
                    let flags = rules::judge(
                        &route,
                        &codes[i],
                        (s.starts_at, s.ends_at),
                        previous,
                        &claim,
                    );
                    if flags.is_empty() {
                        clean.push(i);
                    } else {
                        done.flagged += 1;
                    }
                    state
                        .store
                        .record_check_in(
                            &worker,
                            &CheckInRecord {
                                id: 0,
                                shift_id: s.id,
                                checkpoint: i,
                                at,
                                received_at: at,
                                lon: claim.lon,
                                lat: claim.lat,
                                accuracy_m: claim.accuracy_m,
                                mock_hint: claim.mock_hint,
                                scanned: claim.scanned.is_some(),
                                flags,
                                by: worker.username.clone(),
                                event_id: None,
                            },
                        )
                        .await
                        .map_err(err)?;
                    done.check_ins += 1;
                    previous = Some(Previous {
                        at,
                        lon: claim.lon,
                        lat: claim.lat,
                    });
                    at += rng.gen_range(4..15) * 60_000;
                }
                let missed = rules::missed(&route, &clean);
                done.missed += missed.len();
                state
                    .store
                    .end_shift(&worker, s.id, &missed, s.ends_at)
                    .await
                    .map_err(err)?;
            }
        }
    }
    Ok(done)
}
