//! The demo's residents' points: fourteen months of them in the six villages where the demo's residents
//! live. Each village adopted the district's model rules a year ago and stocked its shop (each
//! item with where its money comes from); week by week its grid workers and station put
//! entries forward, the station approves most two days later and rejects a few, some are
//! appealed on notice (most appeals dismissed), the notice runs out and the points are
//! credited, people redeem what they can afford, and the oldest points have expired a year
//! after they were credited. The last days' entries still wait for approval or sit on notice; every month that is
//! over is posted. Written with the year's own times through the store (the use cases take
//! the clock's time); the rules are the domain's.

use super::account;
use crate::state::AppState;
use crate::usecase::points::{self as uc, Origin, Request};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use zhili_domain::chain::Actor;
use zhili_domain::points::{self as rules, Awarder, EntryState, Period};
use zhili_domain::Scope;
use zhili_store::{
    CatalogueRecord, EntryMove, NewGoods, NewRedemption, PeopleFilter, PointJob, PointOutcome,
    PublicationRecord,
};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// Fourteen months: the first weeks' points have expired by today.
const WEEKS: i64 = 60;

#[derive(Debug, Default)]
pub struct PointsDemo {
    pub villages: usize,
    pub entries: usize,
    pub credited: usize,
    pub appealed: usize,
    pub rejected: usize,
    pub redeemed: usize,
    pub expired: usize,
    pub posted: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// What is put forward, how often: (item, weight, by the station rather than a grid worker).
const MIX: [(&str, u32, bool); 12] = [
    ("GY01", 18, false),
    ("GY02", 16, false),
    ("WM02", 14, false),
    ("WM01", 8, false),
    ("XX01", 10, false),
    ("CT02", 8, false),
    ("ZJ01", 5, false),
    ("PA02", 7, false),
    ("CT01", 3, true),
    ("QL01", 2, true),
    ("WM03", 5, false),
    ("ZJ02", 2, true),
];

const GOODS: [(&str, i64, i64, &str); 5] = [
    ("洗衣粉（1kg）", 20, 60, "村集体经济"),
    ("食用油（5L）", 80, 30, "乡贤捐赠"),
    ("电饭煲", 300, 5, "区级乡村治理专项资金"),
    ("毛巾两条", 15, 80, "爱心企业捐赠"),
    ("理发券", 10, 100, "村集体经济"),
];

pub async fn write(state: &AppState, seed: u64) -> Result<PointsDemo, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5049_4e54);
    let mut done = PointsDemo::default();
    let now = crate::now_ms();
    let start = now - WEEKS * WEEK_MS;
    let template = uc::spec::template().to_domain();
    let weights: u32 = MIX.iter().map(|m| m.1).sum();
    for village in super::residents::villages(state) {
        done.villages += 1;
        let station = account(state, &format!("village-{village}")).await?;
        let adopted = zhili_domain::time::civil_from_days((start - 10 * DAY_MS) / DAY_MS);
        let mut book = CatalogueRecord {
            village_code: village.to_string(),
            version: 0,
            catalogue: template.clone(),
            adopted_on: format!("{:04}-{:02}-{:02}", adopted.0, adopted.1, adopted.2),
            adopted_by: "村民代表大会".into(),
            created_by: station.username.clone(),
            created_at: start,
        };
        book.version = state
            .store
            .save_point_catalogue(&station.actor(), &book, start)
            .await
            .map_err(err)?;
        let mut goods = Vec::new();
        for (name, price, stock, funding) in GOODS {
            let id = state
                .store
                .create_point_goods(
                    &station.actor(),
                    &NewGoods {
                        village_code: village.to_string(),
                        name: name.into(),
                        price,
                        stock,
                        funding: funding.into(),
                    },
                    start,
                )
                .await
                .map_err(err)?;
            goods.push((id, price));
        }
        // The people of the village; the first five are the demo's residents, keen ones.
        let (_, people) = state
            .store
            .list_people(
                &Scope::whole(village.clone()),
                &PeopleFilter {
                    region: Some(village.clone()),
                    limit: 300,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        if people.is_empty() {
            continue;
        }
        let mut workers: HashMap<String, Actor> = HashMap::new();
        let mut balances: HashMap<i64, i64> = HashMap::new();
        for week in 0..WEEKS {
            let t0 = start + week * WEEK_MS;
            // Entries put forward this week, each at its own moment.
            let mut jobs = Vec::new();
            for _ in 0..rng.gen_range(10..22) {
                let p = if rng.gen_bool(0.25) {
                    &people[rng.gen_range(0..people.len().min(5))]
                } else {
                    &people[rng.gen_range(0..people.len())]
                };
                let mut roll = rng.gen_range(0..weights);
                let (item, _, by_station) = *MIX
                    .iter()
                    .find(|m| {
                        let hit = roll < m.1;
                        roll = roll.saturating_sub(m.1);
                        hit
                    })
                    .expect("a weighted pick");
                let grid = p.person.grid_code.to_string();
                let actor = if by_station {
                    station.actor()
                } else {
                    let name = format!("grid-{grid}");
                    if !workers.contains_key(&name) {
                        workers.insert(name.clone(), account(state, &name).await?.actor());
                    }
                    workers[&name].clone()
                };
                let at = t0 + rng.gen_range(0..5 * DAY_MS);
                let who = if by_station {
                    Awarder::VillageOperator
                } else {
                    Awarder::GridWorker
                };
                let note = match item {
                    "GY01" => "参加村道两侧环境整治",
                    "GY02" => "参加志愿服务队活动",
                    "WM02" => "垃圾分类投放准确",
                    "WM01" => "美丽庭院评比达标",
                    "XX01" => "参加农民夜校学习",
                    "CT02" => "帮助邻居抢收庄稼",
                    "ZJ01" => "协助调解邻里宅基地纠纷",
                    "PA02" => "参加大院联防夜间巡逻",
                    "CT01" => "照顾瘫痪老人多年，经村民评议",
                    "QL01" => "带动五户村民发展中药材种植",
                    "WM03" => "柴草堆放占用道路，经劝导后清理",
                    _ => "违反村规民约乱搭乱建",
                };
                let r = Request {
                    person_id: p.id,
                    item: item.into(),
                    note: note.into(),
                    event_id: None,
                    key: None,
                };
                let origin = Origin {
                    by: actor.username.clone(),
                    idem: None,
                    kind: "award",
                };
                // An entry the rules refuse (a cap reached) is not put forward.
                if let Ok(entry) = uc::entry_for(&book, who, &r, None, origin, at) {
                    jobs.push(PointJob::Request {
                        actor,
                        entry,
                        now: at,
                    });
                }
            }
            let mut made = Vec::new();
            for out in state.store.point_batch(&jobs).await.map_err(err)? {
                if let Ok(PointOutcome::Requested { id, .. }) = out {
                    made.push(id);
                }
            }
            done.entries += made.len();
            // This week's decisions come two days before today at the latest; half of this
            // week's entries still wait for the station, and what it approved sits on notice.
            let decided_at = (t0 + 5 * DAY_MS + rng.gen_range(0..DAY_MS)).min(now - 2 * DAY_MS);
            let this_week = t0 + WEEK_MS >= now;
            if this_week {
                made.retain(|_| rng.gen_bool(0.5));
            }
            let mut moves = Vec::new();
            for id in &made {
                if rng.gen_bool(0.05) {
                    moves.push(EntryMove {
                        id: *id,
                        from: EntryState::Pending,
                        to: EntryState::Rejected,
                        note: Some("无佐证材料，评议未通过".into()),
                        notice_ends: None,
                    });
                    done.rejected += 1;
                } else {
                    moves.push(EntryMove {
                        id: *id,
                        from: EntryState::Pending,
                        to: EntryState::Notice,
                        note: None,
                        notice_ends: Some(rules::notice_ends(&book.catalogue, decided_at)),
                    });
                }
            }
            state
                .store
                .move_point_entries(&station.actor(), &moves, decided_at)
                .await
                .map_err(err)?;
            // A few are appealed while on notice; the station decides three days on.
            let appealed: Vec<i64> = moves
                .iter()
                .filter(|m| m.to == EntryState::Notice)
                .map(|m| m.id)
                .filter(|_| rng.gen_bool(if this_week { 0.1 } else { 0.03 }))
                .collect();
            let worker = workers.values().next().cloned().unwrap_or(station.actor());
            let appeals: Vec<EntryMove> = appealed
                .iter()
                .map(|id| EntryMove {
                    id: *id,
                    from: EntryState::Notice,
                    to: EntryState::Appealed,
                    note: Some("群众反映当天未见其参加".into()),
                    notice_ends: None,
                })
                .collect();
            state
                .store
                .move_point_entries(&worker, &appeals, decided_at + DAY_MS)
                .await
                .map_err(err)?;
            done.appealed += appeals.len();
            // This week's appeals are still open for the station to decide.
            let answers: Vec<EntryMove> = appealed
                .iter()
                .filter(|_| !this_week)
                .map(|id| {
                    let upheld = rng.gen_bool(0.4);
                    EntryMove {
                        id: *id,
                        from: EntryState::Appealed,
                        to: if upheld {
                            EntryState::Voided
                        } else {
                            EntryState::Notice
                        },
                        note: Some(if upheld {
                            "经核实异议属实，撤销该积分".into()
                        } else {
                            "经核实签到表有其签名，异议不成立".into()
                        }),
                        notice_ends: None,
                    }
                })
                .collect();
            state
                .store
                .move_point_entries(&station.actor(), &answers, decided_at + 3 * DAY_MS)
                .await
                .map_err(err)?;
            let settled = state
                .store
                .settle_points((t0 + WEEK_MS).min(now), 10_000)
                .await
                .map_err(err)?;
            done.credited += settled.credited;
            done.expired += settled.expired;
            // Some spend what they have at the station's counter.
            for a in state
                .store
                .point_accounts(village.as_str(), 500)
                .await
                .map_err(err)?
            {
                balances.insert(a.person_id, a.balance);
            }
            let mut redemptions = Vec::new();
            let mut spenders: Vec<(&i64, &i64)> =
                balances.iter().filter(|(_, b)| **b >= 10).collect();
            spenders.sort();
            spenders.shuffle(&mut rng);
            for (n, (person, balance)) in spenders.into_iter().take(4).enumerate() {
                let affordable: Vec<&(i64, i64)> =
                    goods.iter().filter(|g| g.1 <= *balance).collect();
                let Some(&&(goods_id, _)) = affordable.choose(&mut rng) else {
                    continue;
                };
                redemptions.push(PointJob::Redeem {
                    actor: station.actor(),
                    redemption: NewRedemption {
                        goods_id,
                        person_id: *person,
                        village_code: village.to_string(),
                        idem: format!("demo-{week}-{n}"),
                        by: station.username.clone(),
                    },
                    now: (t0 + 6 * DAY_MS).min(now),
                });
            }
            for out in state.store.point_batch(&redemptions).await.map_err(err)? {
                if matches!(out, Ok(PointOutcome::Redeemed { .. })) {
                    done.redeemed += 1;
                }
            }
        }
        // The months that are over are posted, each early in the next.
        let mut month_start = start;
        loop {
            let key = rules::period_key(Period::Month, month_start);
            let Some((_, end)) = rules::period_bounds(&key) else {
                break;
            };
            if end + 3 * DAY_MS > now {
                break;
            }
            let list = uc::month_list(state, &village, &key).await.map_err(err)?;
            state
                .store
                .publish_point_month(
                    &station.actor(),
                    &PublicationRecord {
                        village_code: village.to_string(),
                        month: key,
                        body: serde_json::to_string(&list).map_err(err)?,
                        published_by: station.username.clone(),
                        published_at: end + 3 * DAY_MS,
                    },
                )
                .await
                .map_err(err)?;
            done.posted += 1;
            month_start = end;
        }
    }
    let settled = state.store.settle_points(now, 10_000).await.map_err(err)?;
    done.credited += settled.credited;
    done.expired += settled.expired;
    Ok(done)
}
