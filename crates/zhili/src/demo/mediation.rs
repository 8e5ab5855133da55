//! The demo city's people's mediation: the district's dispute-resolution centre, five trade
//! committees, a committee in every town and village with its room (168 of them star-rated, as
//! the seed's district had), a few hundred mediators (each village's station operator and one
//! grid worker among them, so they find their cases in their queue), and a year of cases opened
//! from the demo's dispute events and walked through the statute's machine: settled and
//! performed, confirmed by the court, refused, terminated, referred out, and some still running.

use super::city::CityPlan;
use crate::crypto::{DataKey, Sealed};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::calendar::{WorkingCalendar, DAY_MS, HOUR_MS};
use zhili_domain::chain::Actor;
use zhili_domain::mediation::{
    self as m, AgreementForm, Case, Command, CommitteeKind, Grade, Limits, Origin, PartyKind,
    Referral, Who,
};
use zhili_domain::unit::{centre_id, station_id};
use zhili_domain::RegionCode;
use zhili_store::{
    CaseStep, MediationLoad, NewCase, NewCommittee, NewMediator, NewParty, NewRoom, StarRecord,
};

/// A dispute event of the demo's history, as the cases need it.
#[derive(Clone, Debug)]
pub struct DisputeEvent {
    pub id: i64,
    pub category: String,
    pub grid: RegionCode,
    pub reported_at: i64,
}

const TRADES: [(&str, &str, &str); 5] = [
    ("医患", "黔江区医疗纠纷人民调解委员会", "医疗纠纷"),
    (
        "交通",
        "黔江区道路交通事故纠纷人民调解委员会",
        "交通事故纠纷",
    ),
    ("劳动", "黔江区劳动争议人民调解委员会", "劳动争议"),
    (
        "婚姻家庭",
        "黔江区婚姻家庭纠纷人民调解委员会",
        "婚姻家庭纠纷",
    ),
    ("物业", "黔江区物业纠纷人民调解委员会", "物业纠纷"),
];

fn star_history(stars: i64, reviewer: &str, now: i64) -> Vec<StarRecord> {
    if stars == 0 {
        return vec![];
    }
    let year_ms = 365 * DAY_MS;
    let (this_year, _, _) = zhili_domain::time::civil_from_days(now.div_euclid(DAY_MS));
    // Last year's review, and the one before (a level lower, or the same).
    let before = (stars - (stars % 2)).max(1);
    vec![
        StarRecord {
            year: this_year - 2,
            stars: before,
            score: None,
            basis: "{\"source\":\"demo\"}".into(),
            decided_by: reviewer.into(),
            decided_at: now - 2 * year_ms + 10 * DAY_MS,
        },
        StarRecord {
            year: this_year - 1,
            stars,
            score: None,
            basis: "{\"source\":\"demo\"}".into(),
            decided_by: reviewer.into(),
            decided_at: now - year_ms + 10 * DAY_MS,
        },
    ]
}

fn mediator(
    rng: &mut ChaCha8Rng,
    key: &DataKey,
    region: &RegionCode,
    grade: Grade,
    specialities: &[&str],
    full_time: bool,
    username: Option<String>,
) -> NewMediator {
    let phone = format!("198{:08}", rng.gen_range(0..100_000_000u64));
    NewMediator {
        name: super::population::person_name(rng.gen()),
        grade,
        specialities: specialities.iter().map(|s| s.to_string()).collect(),
        region_code: region.clone(),
        full_time,
        username,
        phone_sealed: Some(key.seal(&phone, Sealed::StaffPhone)),
        phone_masked: Some(crate::crypto::mask_phone(&phone)),
    }
}

/// The committees with their rooms and mediators. Positions: the district centre first, then
/// the trade committees, the towns', then the villages' (in the plan's order).
pub fn committees(plan: &CityPlan, key: &DataKey, seed: u64, now: i64) -> Vec<NewCommittee> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d65_6469);
    let reviewer = format!("dept-{}", m::JUSTICE_BUREAU);
    let district = &plan.district.code;
    let mut out = Vec::new();
    out.push(NewCommittee {
        name: "黔江区矛盾纠纷多元化解中心".into(),
        kind: CommitteeKind::District,
        trade: None,
        region_code: district.clone(),
        unit_id: Some(centre_id(district).to_string()),
        rooms: vec![NewRoom {
            name: "区矛盾纠纷多元化解中心联合调解室".into(),
            region_code: district.clone(),
            stars: star_history(5, &reviewer, now),
        }],
        mediators: (0..8)
            .map(|i| {
                let grade = if i == 0 { Grade::Chief } else { Grade::First };
                mediator(&mut rng, key, district, grade, &["综合"], true, None)
            })
            .collect(),
    });
    for (trade, name, speciality) in TRADES {
        out.push(NewCommittee {
            name: name.into(),
            kind: CommitteeKind::Trade,
            trade: Some(trade.into()),
            region_code: district.clone(),
            unit_id: Some(m::JUSTICE_BUREAU.into()),
            rooms: vec![NewRoom {
                name: format!("{}调解室", name.trim_end_matches("人民调解委员会")),
                region_code: district.clone(),
                stars: star_history(4, &reviewer, now),
            }],
            mediators: (0..4)
                .map(|i| {
                    let grade = if i == 0 { Grade::First } else { Grade::Second };
                    mediator(&mut rng, key, district, grade, &[speciality], i < 2, None)
                })
                .collect(),
        });
    }
    for t in &plan.towns {
        let stars = rng.gen_range(3..=5);
        out.push(NewCommittee {
            name: format!("{}人民调解委员会", t.name),
            kind: CommitteeKind::Town,
            trade: None,
            region_code: t.code.clone(),
            unit_id: Some(centre_id(&t.code).to_string()),
            rooms: vec![NewRoom {
                name: format!("{}调解室", t.name),
                region_code: t.code.clone(),
                stars: star_history(stars, &reviewer, now),
            }],
            mediators: (0..3)
                .map(|i| {
                    let grade = if i == 0 { Grade::First } else { Grade::Second };
                    mediator(
                        &mut rng,
                        key,
                        &t.code,
                        grade,
                        &["邻里纠纷", "土地山林权属纠纷"],
                        i == 0,
                        None,
                    )
                })
                .collect(),
        });
    }
    // 168 rated rooms in all: the district's, the five trades', the towns' and the rest among
    // the villages.
    let rated_villages = 168usize.saturating_sub(1 + TRADES.len() + plan.towns.len());
    for (i, v) in plan.villages.iter().enumerate() {
        // 97 is prime to the village count: `i * 97 mod n` visits each village once.
        let stars = if (i * 97) % plan.villages.len().max(1) < rated_villages {
            rng.gen_range(1..=4)
        } else {
            0
        };
        let first_grid = plan
            .grids
            .iter()
            .find(|g| g.code.parent().as_ref() == Some(&v.code));
        let mut mediators = vec![mediator(
            &mut rng,
            key,
            &v.code,
            Grade::Second,
            &["婚姻家庭纠纷", "邻里纠纷"],
            false,
            Some(format!("village-{}", v.code)),
        )];
        if let Some(g) = first_grid {
            mediators.push(mediator(
                &mut rng,
                key,
                &v.code,
                Grade::Third,
                &["邻里纠纷"],
                false,
                Some(format!("grid-{}", g.code)),
            ));
        }
        mediators.push(mediator(
            &mut rng,
            key,
            &v.code,
            Grade::Ordinary,
            &["债务纠纷"],
            false,
            None,
        ));
        out.push(NewCommittee {
            name: format!("{}人民调解委员会", v.name),
            kind: CommitteeKind::Village,
            trade: None,
            region_code: v.code.clone(),
            unit_id: Some(station_id(&v.code).to_string()),
            rooms: vec![NewRoom {
                name: format!("{}调解室", v.name),
                region_code: v.code.clone(),
                stars: star_history(stars, &reviewer, now),
            }],
            mediators,
        });
    }
    out
}

/// What each dispute category's cases are about: (title, facts, the terms settled on).
fn texts(category: &str) -> (&'static str, &'static str, &'static str) {
    match category {
        "0101" => (
            "夫妻因家庭琐事发生矛盾",
            "双方因家庭开支和子女抚养问题多次争吵，一方提出离婚，亲属请求调解。",
            "双方各自检讨，约定家庭开支共同商量，男方每月按时交付家用。",
        ),
        "0102" => (
            "相邻通行及排水纠纷",
            "两户相邻，一方修建围墙影响另一方通行和排水，双方发生口角。",
            "修建方拆除围墙超出部分，预留一米通道，排水沟由双方共同疏通。",
        ),
        "0103" => (
            "林地边界权属争议",
            "两户对承包林地边界认识不一，因砍伐林木发生争执。",
            "以林权证四至为准现场确认界桩，已砍林木按株数折价补偿。",
        ),
        "0104" => (
            "务工人员追讨劳务报酬",
            "工人在工地务工三个月，包工头以工程款未结算为由拖欠报酬。",
            "包工头分两期支付拖欠报酬，总包单位承担连带保证责任。",
        ),
        "0105" => (
            "业主与物业服务企业费用争议",
            "业主以电梯故障频发为由拒交物业费，物业公司催收引发矛盾。",
            "物业公司限期维修电梯并公示维保记录，业主补交物业费。",
        ),
        "0106" => (
            "征地补偿分配争议",
            "村民对征地补偿款在家庭成员间的分配存在分歧。",
            "按户籍登记人口平均分配，老人份额由赡养人共同管理。",
        ),
        "0107" => (
            "患者家属对治疗结果有异议",
            "患者术后出现并发症，家属认为医院存在过错，要求赔偿。",
            "医院一次性给予补偿，家属放弃其他主张，双方不再就此事争议。",
        ),
        "0108" => (
            "购买商品质量争议",
            "消费者购买的家电使用一周出现故障，商家拒绝退换。",
            "商家为消费者更换同型号新品，并承担运费。",
        ),
        "0109" => (
            "交通事故损害赔偿",
            "两车刮擦致一方车辆受损、驾驶人轻微受伤，双方对赔偿数额有争议。",
            "过错方赔偿车辆维修费和医疗费，保险公司按保单理赔。",
        ),
        _ => (
            "民间借贷纠纷",
            "借款人到期未还款，出借人多次催要未果。",
            "借款人分三期归还本金，免除部分利息。",
        ),
    }
}

fn step(
    name: &str,
    at: i64,
    actor: &str,
    from: &Case,
    to: &Case,
    detail: serde_json::Value,
) -> CaseStep {
    CaseStep {
        step: name.into(),
        at,
        actor: actor.into(),
        actor_name: None,
        from_status: Some(from.status.as_str().into()),
        to_status: Some(to.status.as_str().into()),
        detail: detail.to_string(),
    }
}

/// A year of cases from the dispute events (about a third of them go to mediation, in the
/// event's village committee), with their whole history through the domain's machine.
pub fn cases(
    plan: &CityPlan,
    committees: &[NewCommittee],
    key: &DataKey,
    disputes: &[DisputeEvent],
    calendar: &WorkingCalendar,
    seed: u64,
    now: i64,
) -> MediationLoad {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6361_7365);
    let by_village: std::collections::HashMap<&str, usize> = committees
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == CommitteeKind::Village)
        .map(|(i, c)| (c.region_code.as_str(), i))
        .collect();
    let village_names: std::collections::HashMap<&str, &str> = plan
        .villages
        .iter()
        .map(|v| (v.code.as_str(), v.name.as_str()))
        .collect();
    let who = Who {
        manages: true,
        mediates: true,
        court: true,
    };
    let mut events: Vec<&DisputeEvent> = disputes
        .iter()
        .filter(|e| e.reported_at > now - 365 * DAY_MS && e.reported_at < now - HOUR_MS)
        .collect();
    events.sort_by_key(|e| (e.reported_at, e.id));
    // Earlier cases' parties by village, for the repeat disputes.
    let mut earlier: std::collections::HashMap<String, Vec<(usize, i64, Vec<NewParty>)>> =
        Default::default();
    let mut load = MediationLoad::default();
    for e in events {
        if !rng.gen_bool(0.35) {
            continue;
        }
        let Some(village) = e.grid.parent() else {
            continue;
        };
        let Some(&committee) = by_village.get(village.as_str()) else {
            continue;
        };
        let c = &committees[committee];
        let operator = c.mediators[0].username.clone().unwrap_or_default();
        let village_name = village_names.get(village.as_str()).copied().unwrap_or("");
        let (title, facts, terms) = texts(&e.category);
        // One case in twenty repeats an earlier dispute of the same parties in the village.
        let prior = earlier
            .get(village.as_str())
            .and_then(|list| {
                list.iter()
                    .rev()
                    .find(|(_, at, _)| *at > e.reported_at - 150 * DAY_MS)
            })
            .filter(|_| rng.gen_bool(0.05))
            .cloned();
        let parties: Vec<NewParty> = match &prior {
            Some((_, _, p)) => p.clone(),
            None => (0..2)
                .map(|_| {
                    let day = zhili_domain::time::days_from_civil(
                        rng.gen_range(1950..2000),
                        rng.gen_range(1..=12),
                        rng.gen_range(1..=28),
                    );
                    let number =
                        zhili_domain::id_number::compose("500114", day, rng.gen_range(1..999));
                    let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
                    NewParty {
                        name: super::population::person_name(rng.gen()),
                        kind: Some(PartyKind::Person),
                        id_blind: Some(crate::people::blind_id(key, &number)),
                        id_sealed: Some(key.seal(&number, Sealed::PersonIdNumber)),
                        id_masked: Some(zhili_domain::id_number::mask(&number)),
                        phone_sealed: Some(key.seal(&phone, Sealed::PersonPhone)),
                        phone_masked: Some(crate::crypto::mask_phone(&phone)),
                        person_id: None,
                        house_id: None,
                        address: format!("{village_name}{}组", rng.gen_range(1..12)),
                    }
                })
                .collect(),
        };
        // Registered a day or two after the report, but never after now (a recent report's
        // case was registered a few minutes ago, not tomorrow).
        let mut t = (e.reported_at + rng.gen_range(1..48) * HOUR_MS).min(now - 10 * 60_000);
        let Ok(mut case) = Case::registered(Origin::Event, parties.len(), Limits::default()) else {
            continue;
        };
        let names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
        let mut steps = vec![CaseStep {
            step: "register".into(),
            at: t,
            actor: operator.clone(),
            actor_name: None,
            from_status: None,
            to_status: Some(case.status.as_str().into()),
            detail: serde_json::json!({"origin": "event", "parties": names, "event_id": e.id})
                .to_string(),
        }];
        let go = |case: &mut Case,
                  cmd: Command,
                  at: i64,
                  detail: serde_json::Value,
                  steps: &mut Vec<CaseStep>|
         -> bool {
            match m::apply(case, who, &cmd, at, calendar) {
                Ok(out) => {
                    steps.push(step(cmd.name(), at, &operator, case, &out.case, detail));
                    *case = out.case;
                    true
                }
                Err(_) => false,
            }
        };
        // Mediators: the station operator, and in one case of three a second of the committee.
        let mut on_case = vec![0usize];
        if rng.gen_bool(0.33) && c.mediators.len() > 1 {
            on_case.push(rng.gen_range(1..c.mediators.len()));
        }
        let mediator_names: Vec<String> = on_case
            .iter()
            .map(|i| c.mediators[*i].name.clone())
            .collect();
        t += rng.gen_range(1..6) * HOUR_MS;
        go(
            &mut case,
            Command::Assign {
                mediators: on_case.iter().map(|i| i.to_string()).collect(),
            },
            t,
            serde_json::json!({"mediators": mediator_names}),
            &mut steps,
        );
        let roll: f64 = rng.gen();
        let refuses = roll < 0.05;
        for (i, name) in names.iter().enumerate() {
            t += rng.gen_range(1..24) * HOUR_MS;
            let given = !(refuses && i == 1);
            if t > now {
                break;
            }
            go(
                &mut case,
                Command::Consent { party: i, given },
                t,
                serde_json::json!({"party": name, "given": given}),
                &mut steps,
            );
        }
        let mut terms_text = None;
        if case.status == m::Status::Mediating {
            let sessions = rng.gen_range(1..=3);
            for s in 0..sessions {
                t += rng.gen_range(1..6) * DAY_MS;
                if t > now {
                    break;
                }
                let minutes = format!(
                    "第{}次调解：调解员向双方释明相关法律规定，双方陈述意见，{}",
                    s + 1,
                    if s + 1 == sessions {
                        "双方初步达成一致意见。"
                    } else {
                        "分歧仍较大，约定再次调解。"
                    }
                );
                let mut attendees = names.clone();
                attendees.extend(mediator_names.iter().cloned());
                go(
                    &mut case,
                    Command::Session {
                        attendees: attendees.len(),
                        minutes: minutes.clone(),
                    },
                    t,
                    serde_json::json!({"attendees": attendees, "minutes": minutes, "place": format!("{}调解室", village_name)}),
                    &mut steps,
                );
            }
            t += rng.gen_range(1..3) * DAY_MS;
            let outcome: f64 = rng.gen();
            if t <= now && case.sessions > 0 {
                if outcome < 0.82 {
                    let form = if rng.gen_bool(0.6) {
                        AgreementForm::Written
                    } else {
                        AgreementForm::Oral
                    };
                    let perform_by = t + rng.gen_range(7..45) * DAY_MS;
                    let agreement = serde_json::json!({"issues": facts, "terms": terms, "manner": "双方当面交付，村调委会见证", "perform_by": perform_by, "photos": []});
                    if go(
                        &mut case,
                        Command::Agree { form, perform_by },
                        t,
                        serde_json::json!({"form": form.as_str(), "agreement": agreement}),
                        &mut steps,
                    ) {
                        terms_text = Some(agreement.to_string());
                    }
                } else if outcome < 0.96 {
                    go(
                        &mut case,
                        Command::Terminate {
                            reason: "双方分歧较大，经多次调解未能达成协议".into(),
                            remedies_told: true,
                        },
                        t,
                        serde_json::json!({"reason": "双方分歧较大，经多次调解未能达成协议"}),
                        &mut steps,
                    );
                    if rng.gen_bool(0.5) {
                        t += DAY_MS;
                        go(
                            &mut case,
                            Command::ReferOut {
                                to: Referral::Litigation,
                                reason: "告知当事人可向人民法院提起诉讼".into(),
                                may_turn_violent: false,
                            },
                            t,
                            serde_json::json!({"to": "litigation", "reason": "告知当事人可向人民法院提起诉讼", "may_turn_violent": false}),
                            &mut steps,
                        );
                    }
                } else {
                    go(
                        &mut case,
                        Command::ReferOut {
                            to: Referral::Petition,
                            reason: "涉及政策性问题，移交信访部门".into(),
                            may_turn_violent: false,
                        },
                        t,
                        serde_json::json!({"to": "petition", "reason": "涉及政策性问题，移交信访部门", "may_turn_violent": false}),
                        &mut steps,
                    );
                }
            }
        }
        if case.agreement == Some(AgreementForm::Written) && rng.gen_bool(0.3) {
            t += rng.gen_range(2..20) * DAY_MS;
            if t <= now
                && go(
                    &mut case,
                    Command::ApplyConfirmation { joint: true },
                    t,
                    serde_json::json!({}),
                    &mut steps,
                )
            {
                t += rng.gen_range(1..4) * DAY_MS;
                let confirmed = rng.gen_bool(0.95);
                if t <= now {
                    go(
                        &mut case,
                        Command::RecordConfirmation { confirmed },
                        t,
                        serde_json::json!({"confirmed": confirmed, "ruling": if confirmed { "调解协议有效，予以确认" } else { "协议内容违反法律规定，不予确认" }}),
                        &mut steps,
                    );
                }
            }
        }
        if case.status == m::Status::Agreed {
            if let Some(due) = case.due.filter(|d| *d <= now) {
                let performed = rng.gen_bool(0.92);
                t = t.max(due - rng.gen_range(0..5) * DAY_MS);
                go(
                    &mut case,
                    Command::RecordPerformance { performed },
                    t,
                    serde_json::json!({"performed": performed}),
                    &mut steps,
                );
            }
        }
        if case.status == m::Status::Performed {
            let at = t + rng.gen_range(2..12) * DAY_MS;
            if at <= now && rng.gen_bool(0.9) {
                go(
                    &mut case,
                    Command::FollowUp {
                        note: "电话回访，双方对履行情况满意".into(),
                    },
                    at,
                    serde_json::json!({"note": "电话回访，双方对履行情况满意"}),
                    &mut steps,
                );
            }
        }
        let position = load.cases.len();
        let repeat_of = prior.map(|(p, _, _)| p as i64);
        let registered = steps[0].at;
        earlier.entry(village.to_string()).or_default().push((
            position,
            registered,
            parties.clone(),
        ));
        let new = NewCase {
            committee_id: committee as i64,
            room_id: Some(0),
            region_code: e.grid.clone(),
            category: e.category.clone(),
            title: title.into(),
            facts: facts.into(),
            event_id: Some(e.id),
            units: vec![],
            parties,
            mediator_ids: on_case.iter().map(|i| *i as i64).collect(),
            case,
            repeat_of,
            terms: terms_text,
            committee_name: c.name.clone(),
        };
        load.cases.push((
            new,
            Actor {
                username: operator.clone(),
                unit: c.unit_id.clone(),
            },
            registered,
            steps,
        ));
    }
    load
}

/// What the demo's mediation holds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Written {
    pub committees: usize,
    pub rooms: usize,
    pub rated: usize,
    pub mediators: usize,
    pub cases: usize,
    pub documents: usize,
}

/// Writes the committees and a year of cases from the dispute events the database holds.
pub async fn write(
    store: &zhili_store::SqlStore,
    plan: &CityPlan,
    key: &DataKey,
    seed: u64,
    now: i64,
) -> Result<Written, zhili_store::StoreError> {
    use zhili_store::prelude::*;
    let (events, _) = store
        .list_events(
            &zhili_domain::Scope::whole(plan.district.code.clone()),
            &zhili_store::EventFilter {
                category: Some("01".into()),
                limit: 500_000,
                ..Default::default()
            },
        )
        .await?;
    let disputes: Vec<DisputeEvent> = events
        .into_iter()
        .map(|e| DisputeEvent {
            id: e.id,
            category: e.category,
            grid: e.case.grid,
            reported_at: e.reported_at,
        })
        .collect();
    let reference = crate::reference::Reference::from_data(&store.reference().await?)
        .map_err(zhili_store::StoreError::Internal)?;
    let mut committees = committees(plan, key, seed, now);
    // Mediators who sign in are named as their accounts (the minutes name them too).
    for m in committees.iter_mut().flat_map(|c| c.mediators.iter_mut()) {
        if let Some(u) = &m.username {
            if let Some(login) = store.find_login(u).await? {
                m.name = login.user.display_name;
            }
        }
    }
    let mut load = cases(
        plan,
        &committees,
        key,
        &disputes,
        &reference.calendar,
        seed,
        now,
    );
    load.committees = committees;
    let mut written = Written {
        committees: load.committees.len(),
        rooms: load.committees.iter().map(|c| c.rooms.len()).sum(),
        rated: load
            .committees
            .iter()
            .flat_map(|c| &c.rooms)
            .filter(|r| r.stars.iter().any(|s| s.stars > 0))
            .count(),
        mediators: load.committees.iter().map(|c| c.mediators.len()).sum(),
        cases: load.cases.len(),
        documents: 0,
    };
    store.load_mediation(&Actor::system(), &load, now).await?;
    // The signed agreements of the latest settled cases, as their stations made them.
    let root = zhili_domain::Scope::whole(plan.district.code.clone());
    let (_, settled) = store
        .cases(
            &root,
            &zhili_store::CaseFilter {
                statuses: vec![zhili_domain::mediation::Status::Closed],
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
    for listed in settled
        .iter()
        .filter(|c| c.case.agreement == Some(zhili_domain::mediation::AgreementForm::Written))
    {
        let Some(c) = store.case(&root, listed.id).await? else {
            continue;
        };
        let actor = Actor {
            username: c.registered_by.clone(),
            unit: None,
        };
        let at = c.case.agreed_at.unwrap_or(now);
        crate::usecase::mediation::documents::keep(
            store,
            key,
            &actor,
            &c,
            zhili_domain::mediation::DocumentKind::Agreement,
            at,
        )
        .await
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
        written.documents += 1;
    }
    Ok(written)
}
