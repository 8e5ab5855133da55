//! The demo city's risk work: a few villages where disputes are spiking today, the alerts the
//! indicators raise over the year's reports, a register of risks owned by departments and
//! stations (some under control, some closed, some past their review day), and a year of
//! assessment meetings — the district's every week, each sector's every quarter — whose
//! decisions put the serious events of the week under supervision.
//!
//! Built at the demo's first serve, because it goes through the running system: reports are
//! made and alerts evaluated by the use cases, and the current risks are registered by the
//! district commander the way the browser does. The past (meetings held, risks registered
//! weeks ago) is written with its own times.

use super::account as user;
use crate::state::AppState;
use crate::usecase::intake::{self, Report};
use crate::usecase::risk::{self as uc, meetings::area_point, register::RegisterRisk};
use rand::{rngs::StdRng, Rng, SeedableRng};
use zhili_domain::calendar::{china_day, date_string, CHINA_OFFSET_MS, DAY_MS, HOUR_MS};
use zhili_domain::event::Channel;
use zhili_domain::risk::{AlertLevel, AlertState, RiskDraft, RiskStatus, RiskStep};
use zhili_domain::user::User;
use zhili_domain::{RegionCode, Scope};
use zhili_store::{AlertFilter, DecisionRow, EventFilter, MeetingRow, RiskRecord};

/// What the demo's risk work made.
#[derive(Debug, Default)]
pub struct RiskDemo {
    pub spike_reports: usize,
    pub alerts_raised: usize,
    pub risks: usize,
    pub meetings: usize,
    pub decisions: usize,
}

const SPIKE_TEXTS: [&str; 7] = [
    "两户因宅基地界址争吵，情绪激动",
    "邻居因排水沟堵塞发生口角",
    "楼上漏水导致楼下墙面受损，双方争执",
    "因承包地灌溉用水顺序发生争执",
    "家庭赡养费分担纠纷，老人来站求助",
    "修路占用部分自留地，村民有意见",
    "养狗扰民引发邻里冲突",
];

/// Who follows a risk of `indicator` (a department for a district's sector, else the station
/// or centre of its area).
fn owner_of(indicator: &str, area: &str) -> String {
    match indicator {
        "GROUP_PETITION" | "REPEAT_PETITION" => "D05".into(),
        "SAFETY_HAZARD" => "D11".into(),
        "PUBLIC_ORDER" => "D01".into(),
        "SPECIAL_GROUPS" | "MEDIATION_FAIL" => "D04".into(),
        _ => match RegionCode::parse(area) {
            Ok(code) if code.level() == zhili_domain::Level::Village => {
                zhili_domain::unit::station_id(&code).to_string()
            }
            Ok(code) => zhili_domain::unit::centre_id(&code).to_string(),
            Err(_) => "D04".into(),
        },
    }
}

fn measures_of(indicator: &str) -> &'static str {
    match indicator {
        "DISPUTE_SPIKE" | "REPEAT_DISPUTE" => {
            "村调委会逐户走访当事人，司法所派员指导调解；网格员每日报告动态，一周后复核。"
        }
        "GROUP_PETITION" | "REPEAT_PETITION" => {
            "信访办牵头，属地镇街落实包案领导，逐一回应诉求，防止越级聚集。"
        }
        "SAFETY_HAZARD" => "应急局组织排查整改，属地镇街落实隐患点位专人盯守。",
        "PUBLIC_ORDER" => "公安分局加强重点时段巡逻，网格员配合开展治安防范宣传。",
        _ => "责任单位制定处置方案，网格员跟踪报告，按期复核。",
    }
}

/// Builds the demo's risk work (see the module).
pub async fn write(state: &AppState, seed: u64) -> Result<RiskDemo, String> {
    let err = |e: crate::usecase::Error| e.to_string();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5249_534b);
    let mut done = RiskDemo::default();
    let commander = user(state, "district").await?;
    let now = crate::now_ms();
    let today = china_day(now);
    let index = state.index();
    let root = index.root.clone().ok_or("the demo city has no district")?;
    let mut villages: Vec<RegionCode> = index
        .grids
        .iter()
        .filter_map(|g| g.grid_code.parent())
        .collect();
    villages.dedup();

    // Today's spikes: three villages where disputes come in one after another.
    for _ in 0..3 {
        let village = villages[rng.gen_range(0..villages.len())].clone();
        let operator = user(state, &format!("village-{village}")).await?;
        let grid = index
            .grids
            .iter()
            .find(|g| g.grid_code.parent().as_ref() == Some(&village))
            .map(|g| g.grid_code.clone())
            .ok_or("a village without grids")?;
        let (lon, lat) = area_point(state, &grid).await.map_err(err)?;
        for n in 0..rng.gen_range(6..9) {
            let r = Report {
                channel: Channel::GridPatrol,
                category: if n % 3 == 0 { "0101" } else { "0102" }.into(),
                description: SPIKE_TEXTS[(n + rng.gen_range(0..7)) % SPIKE_TEXTS.len()].into(),
                lon,
                lat,
                occurred_at: None,
                reporter_name: None,
                reporter_phone: None,
                photos: vec![],
                links: vec![],
            };
            intake::report(state, &operator, r)
                .await
                .map_err(|e| e.to_string())?;
            done.spike_reports += 1;
        }
    }
    let evaluated = uc::evaluate(state, crate::now_ms()).await.map_err(err)?;
    done.alerts_raised = evaluated.raised.len();

    // The register: the standing alerts the commander took up, the most serious first.
    let whole = Scope::whole(root.clone());
    let (_, mut standing) = state
        .store
        .alerts(
            &whole,
            &AlertFilter {
                states: vec![AlertState::Open],
                now,
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    standing.sort_by_key(|a| {
        std::cmp::Reverse((
            AlertLevel::parse(&a.level).map_or(0, |l| l as u8),
            a.raised_on,
        ))
    });
    // Today's spikes are left waiting for the commander.
    for (i, a) in standing
        .iter()
        .filter(|a| a.area_level != "department" && a.raised_on < today)
        .take(12)
        .enumerate()
    {
        let area_name = index.names.get(&a.area_code).cloned().unwrap_or_default();
        let registered = uc::register::register(
            state,
            &commander,
            RegisterRisk {
                area_code: a.area_code.clone(),
                draft: RiskDraft {
                    title: format!("{area_name}{}", a.indicator_name),
                    description: format!(
                        "{area_name}「{}」在 {} 达到 {}，基线预期 {:.1}。",
                        a.indicator_name,
                        date_string(a.peak_on),
                        a.observed,
                        a.expected
                    ),
                    level: AlertLevel::parse(&a.level).unwrap_or(AlertLevel::Yellow),
                    owner_unit: owner_of(&a.indicator_code, &a.area_code),
                    measures: measures_of(&a.indicator_code).into(),
                    review_on: today + rng.gen_range(3..28),
                    links: vec![],
                },
                from_alert: Some((a.id, Some(a.version))),
            },
        )
        .await
        .map_err(err)?;
        done.risks += 1;
        let step = match i % 6 {
            1 | 4 => Some(RiskStep::Control),
            5 => Some(RiskStep::Close {
                note: "经调解和走访，相关矛盾已化解，连续两周无新增。".into(),
            }),
            _ => None,
        };
        if let Some(step) = step {
            uc::register::step(state, &commander, registered.id, None, step)
                .await
                .map_err(err)?;
        }
    }
    // Risks registered weeks ago whose review day has passed: what the register warns of.
    for (k, village) in villages.iter().step_by(37).take(3).enumerate() {
        let at = now - (30 + 7 * k as i64) * DAY_MS;
        let name = index
            .names
            .get(village.as_str())
            .cloned()
            .unwrap_or_default();
        let record = RiskRecord {
            id: 0,
            title: format!("{name}土地承包经营权流转纠纷"),
            description: "村集体土地流转合同到期，部分农户对续签价格有异议，多次到村委会反映。"
                .into(),
            level: "yellow".into(),
            area_code: village.to_string(),
            owner_unit: "D16".into(),
            measures: "农业农村委指导村委会召开户代表会议，依法依规协商续签方案。".into(),
            review_on: today - 2 - k as i64,
            status: RiskStatus::Open.as_str().into(),
            links: "[]".into(),
            note: None,
            registered_by: commander.username.clone(),
            registered_at: at,
            version: 1,
            updated_at: at,
        };
        let action = commander
            .actor()
            .action(at, "risk.register", "risk:new")
            .states(None, Some("open"))
            .opinion(record.title.clone());
        state
            .store
            .register_risk(&record, action, None)
            .await
            .map_err(|e| e.to_string())?;
        done.risks += 1;
    }
    meetings(state, &commander, &root, today, &mut done).await?;
    Ok(done)
}

/// A year of meetings: the district's every Monday, each sector's in the first week of each
/// quarter; next Monday's district meeting scheduled.
async fn meetings(
    state: &AppState,
    commander: &User,
    root: &RegionCode,
    today: i64,
    done: &mut RiskDemo,
) -> Result<(), String> {
    let e = |e: zhili_store::StoreError| e.to_string();
    let whole = Scope::whole(root.clone());
    let sectors = crate::reference::risk_sectors();
    // Monday of this week (1970-01-05 was a Monday).
    let monday = today - (today - 4).rem_euclid(7);
    let names = &state.index().names;
    for week in (1..=52).rev() {
        let day = monday - 7 * week;
        let at = day * DAY_MS - CHINA_OFFSET_MS + 9 * HOUR_MS + 30 * 60_000;
        // The week before the meeting: what it looks at.
        let (from, to) = (day - 7, day);
        let ms = |d: i64| d * DAY_MS - CHINA_OFFSET_MS;
        let (reported, serious) = state
            .store
            .list_events(
                &whole,
                &EventFilter {
                    reported_from: Some(ms(from)),
                    reported_to: Some(ms(to)),
                    unmerged: true,
                    limit: 2000,
                    ..Default::default()
                },
            )
            .await
            .map(|(events, total)| {
                let serious: Vec<_> = events
                    .into_iter()
                    .filter(|x| {
                        (x.case.escalations > 0 || x.case.supervision_level > 0)
                            && x.case.lead_unit.is_some()
                    })
                    .collect();
                (total, serious)
            })
            .map_err(e)?;
        let (_, alerts) = state
            .store
            .alerts(
                &whole,
                &AlertFilter {
                    raised_from: Some(from),
                    raised_to: Some(to),
                    now: at,
                    limit: 8,
                    ..Default::default()
                },
            )
            .await
            .map_err(e)?;
        let material = serde_json::json!({
            "alerts": alerts.iter().map(|a| serde_json::json!({
                "id": a.id, "indicator": a.indicator_name,
                "area": names.get(&a.area_code).cloned().unwrap_or_default(),
                "level": a.level, "observed": a.observed, "expected": a.expected,
                "raised_on": date_string(a.raised_on),
            })).collect::<Vec<_>>(),
            "risks": [],
        });
        let mut sessions = vec![(
            "district",
            None,
            format!("{}综合研判会（第{}周）", date_string(day), 53 - week),
        )];
        if (53 - week) % 13 == 1 {
            for s in &sectors {
                sessions.push((
                    "sector",
                    Some(s.clone()),
                    format!("{}行业研判会（{}）", s.name, date_string(day)),
                ));
            }
        }
        for (kind, sector, title) in sessions {
            let picked: Vec<_> = serious
                .iter()
                .filter(|x| match &sector {
                    None => true,
                    Some(s) => x
                        .case
                        .lead_unit
                        .as_ref()
                        .is_some_and(|u| s.departments.iter().any(|d| *u == d.as_str())),
                })
                .take(2)
                .collect();
            let mut m = MeetingRow {
                id: 0,
                kind: kind.into(),
                sector: sector.as_ref().map(|s| s.code.clone()),
                area_code: root.to_string(),
                title,
                scheduled_at: at,
                status: "scheduled".into(),
                held_at: None,
                attendees: None,
                minutes: None,
                material: None,
                convened_by: commander.username.clone(),
                version: 1,
                updated_at: at - 3 * DAY_MS,
                decisions: vec![],
            };
            m.id = state
                .store
                .schedule_meeting(
                    &m,
                    commander
                        .actor()
                        .action(at - 3 * DAY_MS, "risk.meeting.schedule", "risk_meeting:new")
                        .opinion(m.title.clone()),
                )
                .await
                .map_err(e)?;
            let held_at = at + 2 * HOUR_MS;
            let attendees = match &sector {
                None => vec![
                    "区委政法委".to_string(),
                    "区综治中心".into(),
                    "区公安分局".into(),
                    "区信访办".into(),
                    "区司法局".into(),
                ],
                Some(s) => s
                    .departments
                    .iter()
                    .filter_map(|d| {
                        crate::demo::data::departments()
                            .into_iter()
                            .find(|x| &x.code == d)
                            .map(|x| x.name)
                    })
                    .collect(),
            };
            let held = MeetingRow {
                status: "held".into(),
                held_at: Some(held_at),
                attendees: Some(serde_json::to_string(&attendees).unwrap_or_default()),
                minutes: Some(format!(
                    "上周（{} 至 {}）全区受理事件 {reported} 件，发出风险预警 {} 条，升级或督办事件 {} 件。会议逐条研判预警和重点事件，明确责任单位和办结时限。",
                    date_string(from),
                    date_string(to - 1),
                    alerts.len(),
                    serious.len()
                )),
                material: Some(material.to_string()),
                updated_at: held_at,
                decisions: picked
                    .iter()
                    .enumerate()
                    .map(|(i, x)| DecisionRow {
                        seq: i as i64 + 1,
                        text: format!("对{}挂牌督办，承办单位限期办结并报告结果", x.case_number),
                        lead_unit: x.case.lead_unit.as_ref().map(|u| u.to_string()).unwrap_or_default(),
                        category: x.category.clone(),
                        due_on: day + 14,
                        event_id: None,
                    })
                    .collect(),
                ..m.clone()
            };
            state
                .store
                .hold_meeting(
                    &held,
                    commander
                        .actor()
                        .action(
                            held_at,
                            "risk.meeting.hold",
                            &format!("risk_meeting:{}", m.id),
                        )
                        .states(Some("scheduled"), Some("held")),
                )
                .await
                .map_err(e)?;
            // The decisions' tasks are the events they put under supervision.
            for (d, x) in held.decisions.iter().zip(&picked) {
                state
                    .store
                    .decision_dispatched(
                        m.id,
                        d.seq,
                        x.id,
                        commander
                            .actor()
                            .action(
                                held_at,
                                "risk.meeting.dispatch",
                                &format!("risk_meeting:{}", m.id),
                            )
                            .opinion(format!("决定 {} → 事件 {}", d.seq, x.id)),
                    )
                    .await
                    .map_err(e)?;
                done.decisions += 1;
            }
            done.meetings += 1;
        }
    }
    let next = (monday + 7) * DAY_MS - CHINA_OFFSET_MS + 9 * HOUR_MS + 30 * 60_000;
    let m = MeetingRow {
        id: 0,
        kind: "district".into(),
        sector: None,
        area_code: root.to_string(),
        title: format!("{}综合研判会", date_string(monday + 7)),
        scheduled_at: next,
        status: "scheduled".into(),
        held_at: None,
        attendees: None,
        minutes: None,
        material: None,
        convened_by: commander.username.clone(),
        version: 1,
        updated_at: crate::now_ms(),
        decisions: vec![],
    };
    state
        .store
        .schedule_meeting(
            &m,
            commander
                .actor()
                .action(crate::now_ms(), "risk.meeting.schedule", "risk_meeting:new")
                .opinion(m.title.clone()),
        )
        .await
        .map_err(e)?;
    done.meetings += 1;
    Ok(())
}
