//! The demo's 五乐社区 evaluations: every community of the district assessed last year and
//! reviewed by its town (a few items lowered, with reasons); this year most have submitted, the
//! towns have reviewed some, a few were returned to redo and some are still drafting. Written
//! with their own times through the store; the scores and totals follow the domain's rules.

use super::account;
use crate::state::AppState;
use crate::usecase::wule::scheme;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::wule::{Adjustment, Score, State};
use zhili_domain::Level;
use zhili_store::WuleRecord;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default)]
pub struct WuleDemo {
    pub evaluated: usize,
    pub reviewed: usize,
    pub waiting: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const EVIDENCE: [&str; 5] = [
    "活动台账、签到表及照片",
    "工作记录与群众评议结果",
    "相关统计数据及佐证材料",
    "会议纪要与公示照片",
    "走访记录与满意度回访",
];

pub async fn write(state: &AppState, seed: u64) -> Result<WuleDemo, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5755_4c45);
    let mut done = WuleDemo::default();
    let scheme = scheme();
    let now = crate::now_ms();
    let today = (now + 8 * 3_600_000).div_euclid(DAY_MS);
    let year = zhili_domain::time::civil_from_days(today).0;
    let index = state.index();
    let mut villages: Vec<_> = index
        .grids
        .iter()
        .filter_map(|g| g.grid_code.ancestor_at(Level::Village))
        .collect();
    villages.sort();
    villages.dedup();
    for village in villages {
        let town = village
            .ancestor_at(Level::Town)
            .expect("a village has a town");
        let station = account(state, &format!("village-{village}")).await?.actor();
        let centre = account(state, &format!("town-{town}")).await?.actor();
        // How well the community does, and how much better this year.
        let strength: f64 = rng.gen_range(0.55..0.98);
        for (y, progress) in [(year - 1, 0.0), (year, rng.gen_range(-0.03..0.06))] {
            let fate = rng.gen_range(0..100);
            if y == year && fate < 12 {
                continue; // not started this year
            }
            let scores: Vec<Score> = scheme
                .items()
                .map(|c| {
                    let p = ((strength + progress + rng.gen_range(-0.15..0.15)) * c.max as f64)
                        .round()
                        .clamp(0.0, c.max as f64) as i64;
                    Score {
                        item: c.key.clone(),
                        points: p,
                        evidence: if p > 0 {
                            EVIDENCE[rng.gen_range(0..EVIDENCE.len())].into()
                        } else {
                            String::new()
                        },
                    }
                })
                .collect();
            let self_total: i64 = scores.iter().map(|s| s.points).sum();
            let submitted_at = if y == year {
                now - rng.gen_range(2..40) * DAY_MS
            } else {
                now - rng.gen_range(330..360) * DAY_MS
            };
            let mut r = WuleRecord {
                village_code: village.to_string(),
                year: y,
                state: State::Draft,
                scores,
                self_total,
                adjustments: vec![],
                final_total: None,
                review_note: None,
                updated_by: station.username.clone(),
                updated_at: submitted_at - DAY_MS,
                submitted_at: None,
                reviewed_by: None,
                reviewed_at: None,
            };
            state
                .store
                .save_wule(&station, &r, None, "wule.save")
                .await
                .map_err(err)?;
            if y == year && fate < 25 {
                done.waiting += 1;
                continue; // still drafting
            }
            r.state = State::Submitted;
            r.submitted_at = Some(submitted_at);
            r.updated_at = submitted_at;
            state
                .store
                .save_wule(&station, &r, Some(State::Draft), "wule.submit")
                .await
                .map_err(err)?;
            done.evaluated += 1;
            if y == year && fate < 40 {
                done.waiting += 1;
                continue; // with the town
            }
            let reviewed_at = (submitted_at + rng.gen_range(3..15) * DAY_MS).min(now);
            if y == year && fate < 46 {
                r.state = State::Returned;
                r.review_note = Some("部分佐证材料不全，请补充活动照片后重新提交".into());
                r.reviewed_by = Some(centre.username.clone());
                r.reviewed_at = Some(reviewed_at);
                r.updated_by = centre.username.clone();
                r.updated_at = reviewed_at;
                state
                    .store
                    .save_wule(&centre, &r, Some(State::Submitted), "wule.return")
                    .await
                    .map_err(err)?;
                continue;
            }
            // Reviewed: now and then an item lowered, with its reason.
            let mut adjustments = Vec::new();
            for s in &r.scores {
                if s.points >= 2 && rng.gen_bool(0.08) {
                    adjustments.push(Adjustment {
                        item: s.item.clone(),
                        points: s.points - 1,
                        reason: "实地核查台账不完整，酌情扣分".into(),
                    });
                }
            }
            let (_, total) = scheme
                .review(&r.scores, &adjustments)
                .map_err(|p| format!("{p:?}"))?;
            r.state = State::Reviewed;
            r.adjustments = adjustments;
            r.final_total = Some(total);
            r.reviewed_by = Some(centre.username.clone());
            r.reviewed_at = Some(reviewed_at);
            r.updated_by = centre.username.clone();
            r.updated_at = reviewed_at;
            state
                .store
                .save_wule(&centre, &r, Some(State::Submitted), "wule.review")
                .await
                .map_err(err)?;
            done.reviewed += 1;
        }
    }
    Ok(done)
}
