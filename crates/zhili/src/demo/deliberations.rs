//! The demo's deliberation: a year of meetings in the six villages where the demo's residents
//! live — a council each month and a yard meeting each quarter, taking up the village's 小事 of
//! the weeks before, with their decisions, most carried out. The past year's are written with
//! their own days through the store; this week's council goes through the use case and settles
//! one of the village's open 小事, which closes with the meeting on its record.

use super::account;
use crate::state::AppState;
use crate::usecase::deliberations::{
    self as uc, DeliberationDecisionSpec, DeliberationKind, DeliberationSpec,
};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::deliberation::{Decision, Meeting, MeetingKind};
use zhili_domain::event::{MatterClass, Status};
use zhili_domain::Scope;
use zhili_store::{EventFilter, PeopleFilter};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Default)]
pub struct DeliberationDemo {
    pub meetings: usize,
    pub decisions: usize,
    pub settled: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const TOPICS: [(&str, &str, &str); 8] = [
    (
        "村道两侧环境整治分工",
        "按户划分卫生责任区，每月评比一次",
        "村委会",
    ),
    (
        "灌溉渠清淤",
        "沿渠各户出工一天，雨季前完成清淤",
        "各村民小组组长",
    ),
    (
        "院坝公共区域堆放管理",
        "柴草统一堆放到村东空地，三日内清理完毕",
        "网格员",
    ),
    (
        "邻里宅基地界址争议",
        "请村调委会到现场测量，按原界址恢复",
        "村人民调解委员会",
    ),
    (
        "积分超市商品调整",
        "增加食用油、洗衣粉，减少毛巾",
        "村综治站",
    ),
    (
        "大院联防巡逻排班",
        "每晚两人一组，轮流值守至十一点",
        "联防队长",
    ),
    ("公共照明路灯维护", "统计损坏路灯报镇街综治中心", "网格员"),
    (
        "留守老人结对帮扶",
        "党员每人联系两户留守老人，每周探望一次",
        "村党支部",
    ),
];

pub async fn write(state: &AppState, seed: u64) -> Result<DeliberationDemo, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4445_4c49);
    let mut done = DeliberationDemo::default();
    let now = crate::now_ms();
    let today = (now + 8 * 3_600_000).div_euclid(DAY_MS);
    for village in super::residents::villages(state) {
        let station = account(state, &format!("village-{village}")).await?;
        let scope = Scope::whole(village.clone());
        let (_, people) = state
            .store
            .list_people(
                &scope,
                &PeopleFilter {
                    region: Some(village.clone()),
                    limit: 60,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        let names: Vec<String> = people.iter().map(|p| p.person.name.clone()).collect();
        let (events, _) = state
            .store
            .list_events(
                &scope,
                &EventFilter {
                    region: Some(village.clone()),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        let small: Vec<_> = events
            .iter()
            .filter(|e| e.case.class == MatterClass::Minor)
            .collect();
        let host = names.first().cloned().unwrap_or_else(|| "村支书".into());
        // A council each month and a yard meeting each quarter, the past year.
        for month in (1..=12).rev() {
            for kind in [MeetingKind::Council, MeetingKind::Yard] {
                if kind == MeetingKind::Yard && month % 3 != 0 {
                    continue;
                }
                let held_day = today - month * 30 + rng.gen_range(0..20);
                let held_ms = held_day * DAY_MS;
                let count = rng.gen_range(3..8).min(names.len().max(1));
                let mut attendees: Vec<String> =
                    names.choose_multiple(&mut rng, count).cloned().collect();
                if attendees.is_empty() {
                    attendees.push(host.clone());
                }
                let count = rng.gen_range(1..4);
                let topics: Vec<&(&str, &str, &str)> =
                    TOPICS.choose_multiple(&mut rng, count).collect();
                // The 小事 reported in the weeks before, closed since, taken up.
                let matters: Vec<i64> = small
                    .iter()
                    .filter(|e| e.reported_at < held_ms && e.reported_at > held_ms - 30 * DAY_MS)
                    .take(2)
                    .map(|e| e.id)
                    .collect();
                let mut decisions: Vec<Decision> = topics
                    .iter()
                    .map(|t| Decision {
                        text: t.1.into(),
                        carried_by: t.2.into(),
                        due_day: held_day + rng.gen_range(3..30),
                        event_id: None,
                        settles: false,
                    })
                    .collect();
                for id in &matters {
                    decisions.push(Decision {
                        text: "双方当面协商，按议定方案处理".into(),
                        carried_by: "村人民调解委员会".into(),
                        due_day: held_day + 7,
                        event_id: Some(*id),
                        settles: false,
                    });
                }
                let meeting = Meeting {
                    kind,
                    title: topics[0].0.into(),
                    held_day,
                    place: if kind == MeetingKind::Yard {
                        "村委会院坝".into()
                    } else {
                        "村委会议室".into()
                    },
                    host: host.clone(),
                    headcount: if kind == MeetingKind::Yard {
                        rng.gen_range(25..80)
                    } else {
                        attendees.len() as i64 + rng.gen_range(0..4)
                    },
                    attendees,
                    agenda: topics.iter().map(|t| t.0.to_string()).collect(),
                    matters,
                    minutes: "与会人员逐项讨论，形成一致意见。".into(),
                    decisions,
                };
                let id = state
                    .store
                    .record_meeting(
                        &station.actor(),
                        village.as_str(),
                        &meeting,
                        held_ms + 3_600_000,
                    )
                    .await
                    .map_err(err)?;
                done.meetings += 1;
                done.decisions += meeting.decisions.len();
                for (seq, d) in meeting.decisions.iter().enumerate() {
                    let due_ms = d.due_day * DAY_MS;
                    if due_ms < now && rng.gen_bool(0.85) {
                        state
                            .store
                            .complete_decision(
                                &station.actor(),
                                id,
                                seq as i64,
                                "已按议定事项落实",
                                due_ms,
                            )
                            .await
                            .map_err(err)?;
                    }
                }
            }
        }
        // This week's council settles one of the village's open 小事 the station can close.
        let open = small.iter().find(|e| {
            matches!(
                e.case.status,
                Status::Registered
                    | Status::Dispatched
                    | Status::Accepted
                    | Status::Handled
                    | Status::Verified
            ) && e
                .case
                .lead_unit
                .as_deref()
                .is_none_or(|u| u == format!("S{village}"))
        });
        if let Some(e) = open {
            let spec = DeliberationSpec {
                kind: DeliberationKind::Council,
                title: "本周群众反映问题议事".into(),
                held_on: {
                    let (y, m, d) = zhili_domain::time::civil_from_days(today);
                    format!("{y:04}-{m:02}-{d:02}")
                },
                place: "村委会议室".into(),
                host: host.clone(),
                attendees: names.iter().take(5).cloned().collect(),
                headcount: 9,
                agenda: vec![format!(
                    "{}（{}）",
                    e.description.chars().take(30).collect::<String>(),
                    e.case_number
                )],
                matters: vec![e.id],
                minutes: "听取当事双方意见，议定处理办法。".into(),
                decisions: vec![DeliberationDecisionSpec {
                    text: "由村调委会牵头，当事双方协商一致，本周内处理完毕".into(),
                    carried_by: "村人民调解委员会".into(),
                    due_on: {
                        let (y, m, d) = zhili_domain::time::civil_from_days(today + 5);
                        format!("{y:04}-{m:02}-{d:02}")
                    },
                    event_id: Some(e.id),
                    settles: true,
                }],
            };
            if uc::record(state, &station, spec).await.is_ok() {
                done.meetings += 1;
                done.decisions += 1;
                done.settled += 1;
            }
        }
    }
    Ok(done)
}
