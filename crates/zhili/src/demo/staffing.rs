//! The demo's grid staffing: every grid's full-time worker posted to it; each village's grid
//! leader (two where a village has six grids or more, each leading half), most of them also the
//! party-branch head (一人兼); a grid assistant in each village's first grid and a part-time
//! worker in its second; and a few workers away on leave now, covered by a neighbour, with some
//! covers arranged for next week. Posted through the use cases, as the village stations would.

use super::account;
use super::city::CityPlan;
use crate::state::AppState;
use crate::usecase::staffing::{self as uc, ArrangeCover, GridPostKind, GridPostingBody};
use zhili_domain::unit::station_id;
use zhili_domain::{RegionCode, Role};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default)]
pub struct StaffingDemo {
    pub postings: usize,
    pub leaders: usize,
    pub covers: usize,
}

/// The grids of each village, in code order.
fn villages<'a>(grids: impl Iterator<Item = &'a RegionCode>) -> Vec<(RegionCode, Vec<RegionCode>)> {
    let mut by_village: std::collections::BTreeMap<RegionCode, Vec<RegionCode>> =
        Default::default();
    for g in grids {
        if let Some(v) = g.parent() {
            by_village.entry(v).or_default().push(g.clone());
        }
    }
    by_village
        .into_iter()
        .map(|(v, mut grids)| {
            grids.sort();
            grids.dedup();
            (v, grids)
        })
        .collect()
}

/// A village's grid leaders and the grids each leads.
fn leaders(village: &RegionCode, grids: &[RegionCode]) -> Vec<(String, Vec<RegionCode>)> {
    if grids.len() >= 6 {
        let (a, b) = grids.split_at(grids.len() / 2);
        vec![
            (format!("leader-{village}"), a.to_vec()),
            (format!("leader-{village}-2"), b.to_vec()),
        ]
    } else {
        vec![(format!("leader-{village}"), grids.to_vec())]
    }
}

/// The accounts staffing adds to the city: (username, role, unit, anchor).
pub fn extra_accounts(plan: &CityPlan) -> Vec<(String, Role, String, RegionCode)> {
    let mut out = Vec::new();
    for (village, grids) in villages(plan.grids.iter().map(|g| &g.code)) {
        let station = station_id(&village).to_string();
        for (name, _) in leaders(&village, &grids) {
            out.push((name, Role::GridLeader, station.clone(), village.clone()));
        }
        if let Some(first) = grids.first() {
            out.push((
                format!("assist-{first}"),
                Role::GridWorker,
                station.clone(),
                first.clone(),
            ));
        }
        if let Some(second) = grids.get(1) {
            out.push((
                format!("parttime-{second}"),
                Role::GridWorker,
                station.clone(),
                second.clone(),
            ));
        }
    }
    out
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub async fn write(state: &AppState) -> Result<StaffingDemo, String> {
    let mut done = StaffingDemo::default();
    let now = crate::now_ms();
    let index = state.index();
    let all = villages(index.grids.iter().map(|g| &g.grid_code));
    drop(index);
    for (n, (village, grids)) in all.into_iter().enumerate() {
        let station = account(state, &format!("village-{village}")).await?;
        let post = |username: String, grid: &RegionCode, post: GridPostKind, head: bool| {
            let station = station.clone();
            let grid = grid.to_string();
            async move {
                uc::post(
                    state,
                    &station,
                    GridPostingBody {
                        username,
                        grid_code: grid,
                        post,
                        party_branch_head: head,
                    },
                )
                .await
                .map_err(err)
            }
        };
        for g in &grids {
            post(format!("grid-{g}"), g, GridPostKind::FullTime, false).await?;
            done.postings += 1;
        }
        // Two villages in three: the grid leader is also the party-branch head (一人兼).
        for (i, (leader, led)) in leaders(&village, &grids).into_iter().enumerate() {
            for g in &led {
                post(
                    leader.clone(),
                    g,
                    GridPostKind::Leader,
                    i == 0 && n % 3 != 2,
                )
                .await?;
                done.postings += 1;
            }
            done.leaders += 1;
        }
        if let Some(first) = grids.first() {
            post(
                format!("assist-{first}"),
                first,
                GridPostKind::Assistant,
                false,
            )
            .await?;
            done.postings += 1;
        }
        if let Some(second) = grids.get(1) {
            post(
                format!("parttime-{second}"),
                second,
                GridPostKind::PartTime,
                false,
            )
            .await?;
            done.postings += 1;
        }
        // Every seventh village: its third grid's worker is on leave this week, covered by the
        // second grid's; every eleventh: a training next week, covered by the leader.
        if grids.len() >= 3 && n % 7 == 3 {
            uc::cover(
                state,
                &station,
                ArrangeCover {
                    grid_code: grids[2].to_string(),
                    absent: format!("grid-{}", grids[2]),
                    cover: format!("grid-{}", grids[1]),
                    starts_at: now - 2 * DAY_MS,
                    ends_at: now + 4 * DAY_MS,
                    reason: "年休假".into(),
                },
            )
            .await
            .map_err(err)?;
            done.covers += 1;
        }
        if grids.len() >= 2 && n % 11 == 5 {
            uc::cover(
                state,
                &station,
                ArrangeCover {
                    grid_code: grids[0].to_string(),
                    absent: format!("grid-{}", grids[0]),
                    cover: format!("leader-{village}"),
                    starts_at: now + 7 * DAY_MS,
                    ends_at: now + 10 * DAY_MS,
                    reason: "参加区网格员业务培训".into(),
                },
            )
            .await
            .map_err(err)?;
            done.covers += 1;
        }
    }
    Ok(done)
}
