//! The demo's residents with their own accounts: in six villages of six towns, five each,
//! signed up by a code from the outbox and linked to their registered person as a resident
//! would be; their reports — some finished and rated by them, one waiting for their rating,
//! a 私事 answered with guidance, one confirmed — and each village's public notices. All of it
//! goes through the use cases, so the record, the notices and the outbox are as in life.

use super::account;
use crate::crypto::Sealed;
use crate::state::AppState;
use crate::usecase::act::{self, Act, Step};
use crate::usecase::residents as uc;
use zhili_domain::event::{Command, Status};
use zhili_domain::{Level, RegionCode, Scope};
use zhili_store::{EventFilter, EventRecord, PeopleFilter, ResidentRecord};

/// What the demo's residents came to.
#[derive(Debug, Default)]
pub struct ResidentsDemo {
    pub residents: usize,
    pub reports: usize,
    pub rated: usize,
    pub notices: usize,
}

/// (category, what the resident writes); 0110 is a 私事 (a debt between neighbours).
const REPORTS: [(&str, &str); 6] = [
    ("0602", "小区门口路灯不亮，晚上回家很黑"),
    ("0702", "垃圾桶满了好几天没人清运，气味很大"),
    ("0102", "楼上装修噪音大，协商几次没有效果"),
    ("0601", "路面塌陷一个坑，电瓶车经过容易摔倒"),
    ("0110", "借给邻居的两万元到期不还，想知道怎么办"),
    ("0703", "河边有人倾倒建筑垃圾"),
];

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Six villages, one in each of the first six towns, with the grid each resident lives in.
pub(crate) fn villages(state: &AppState) -> Vec<RegionCode> {
    let index = state.index();
    let mut towns = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    let mut grids: Vec<&crate::regions::GridChain> = index.grids.iter().collect();
    grids.sort_by(|a, b| a.grid_code.cmp(&b.grid_code));
    for g in grids {
        let Some(village) = g.grid_code.ancestor_at(Level::Village) else {
            continue;
        };
        let Some(town) = g.grid_code.ancestor_at(Level::Town) else {
            continue;
        };
        if towns.insert(town) {
            out.push(village);
        }
        if out.len() == 6 {
            break;
        }
    }
    out
}

/// A resident signs up as anyone would: a code to their phone, read here from the outbox.
async fn sign_up(state: &AppState, n: usize) -> Result<ResidentRecord, String> {
    let phone = format!("1390000{n:04}");
    let from = std::net::IpAddr::from([10, 77, (n / 256) as u8, (n % 256) as u8]);
    uc::request_code(state, &phone, from).await.map_err(err)?;
    let held = state
        .store
        .outbox(Some(&phone[7..]), 1, 0)
        .await
        .map_err(err)?;
    let body = held.first().map(|m| m.body.clone()).unwrap_or_default();
    let code = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .ok_or("the demo's code is not in the outbox")?
        .to_string();
    Ok(uc::answer_code(state, &phone, &code, from)
        .await
        .map_err(err)?
        .resident)
}

/// Takes one step on an event as the account named.
async fn step(
    state: &AppState,
    who: &str,
    e: &EventRecord,
    step: Step,
    opinion: Option<&str>,
) -> Result<EventRecord, String> {
    let user = account(state, who).await?;
    act::act(
        state,
        &user,
        Act {
            event: e.id,
            version: Some(e.version),
            step,
            opinion: opinion.map(str::to_string),
            photos: vec![],
        },
    )
    .await
    .map_err(err)
}

/// The account that acts for a unit: a department's handler or a station's operator.
fn account_of(unit: &str) -> String {
    match unit.strip_prefix('S') {
        Some(village) => format!("village-{village}"),
        None => format!("dept-{unit}"),
    }
}

/// Walks a report through the loop as the village station, the lead unit and the grid worker
/// would, to closure.
async fn walk_to_closure(state: &AppState, e: EventRecord) -> Result<EventRecord, String> {
    let village = e.case.village();
    let station = format!("village-{village}");
    let e = step(
        state,
        &station,
        &e,
        Step::Do(Command::Register {
            class: None,
            reason: None,
        }),
        None,
    )
    .await?;
    let e = step(
        state,
        &station,
        &e,
        Step::Dispatch {
            lead: None,
            assisting: None,
        },
        None,
    )
    .await?;
    let lead = account_of(e.case.lead_unit.as_deref().unwrap_or("D09"));
    let e = step(state, &lead, &e, Step::Do(Command::Accept), None).await?;
    let e = step(
        state,
        &lead,
        &e,
        Step::Do(Command::Handle {
            feedback: "已到现场处理完毕，并拍照留存".into(),
        }),
        None,
    )
    .await?;
    let worker = format!("grid-{}", e.case.grid);
    let e = step(
        state,
        &worker,
        &e,
        Step::Do(Command::Verify { passed: true }),
        None,
    )
    .await?;
    step(
        state,
        &station,
        &e,
        Step::Do(Command::Close {
            resident_confirmed: false,
        }),
        None,
    )
    .await
}

pub async fn write(state: &AppState) -> Result<ResidentsDemo, String> {
    let mut done = ResidentsDemo::default();
    let mut n = 0;
    for (v, village) in villages(state).into_iter().enumerate() {
        let scope = Scope::whole(village.clone());
        let (_, people) = state
            .store
            .list_people(
                &scope,
                &PeopleFilter {
                    region: Some(village.clone()),
                    limit: 5,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        // Where reports in this village were made: points known to lie in its grids.
        let (places, _) = state
            .store
            .list_events(
                &scope,
                &EventFilter {
                    region: Some(village.clone()),
                    limit: 5,
                    ..Default::default()
                },
            )
            .await
            .map_err(err)?;
        for (i, p) in people.iter().enumerate() {
            n += 1;
            let mut r = sign_up(state, n).await?;
            done.residents += 1;
            if p.person.id_type == "111" {
                let number = state
                    .key
                    .open(&p.person.id_sealed, Sealed::PersonIdNumber)
                    .map_err(err)?;
                r = uc::link(state, &r, &number, &p.person.name)
                    .await
                    .map_err(err)?;
            }
            let Some(place) = places.get(i % places.len().max(1)) else {
                continue;
            };
            let (category, text) = REPORTS[(v + i) % REPORTS.len()];
            let e = uc::report(
                state,
                &r,
                uc::ResidentReport {
                    category: category.into(),
                    description: text.into(),
                    lon: place.lon,
                    lat: place.lat,
                    occurred_at: None,
                    photos: vec![],
                },
            )
            .await
            .map_err(err)?;
            done.reports += 1;
            if category == "0110" {
                let station = format!("village-{}", e.case.village());
                let e = step(
                    state,
                    &station,
                    &e,
                    Step::Do(Command::Register {
                        class: None,
                        reason: Some(
                            "属于个人债务纠纷：可先协商或申请村人民调解委员会调解，协商不成可向人民法院起诉。"
                                .into(),
                        ),
                    }),
                    None,
                )
                .await?;
                if i % 2 == 0 {
                    uc::confirm(state, &r, e.id, Some(e.version))
                        .await
                        .map_err(err)?;
                }
                continue;
            }
            // Most are finished; one in five is still with the unit.
            if i == 4 {
                continue;
            }
            let closed = walk_to_closure(state, e).await?;
            // The last of each village waits for its resident's rating.
            if i < 3 && closed.case.status == Status::Closed {
                let stars = [5, 4, 5, 3][(v + i) % 4];
                uc::rate(
                    state,
                    &r,
                    closed.id,
                    Some(closed.version),
                    stars,
                    Some(if stars >= 4 {
                        "处理及时，满意"
                    } else {
                        "处理了，但拖得有点久"
                    }),
                )
                .await
                .map_err(err)?;
                done.rated += 1;
            }
        }
        let station = account(state, &format!("village-{village}")).await?;
        for (title, body) in [
            (
                "关于开展冬季消防安全隐患排查的通知",
                "本月起村（社区）综治站联合网格员入户排查电动车充电、燃气使用等消防隐患，请各户配合。发现隐患可在“我要上报”中随手拍上报。",
            ),
            (
                "村务公开：第四季度惠民资金使用情况",
                "第四季度共使用惠民资金 12.6 万元，主要用于道路维修和路灯更换，明细已在村务公开栏张贴，欢迎监督。",
            ),
        ] {
            crate::usecase::notices::post(state, &station, None, title, body)
                .await
                .map_err(err)?;
            done.notices += 1;
        }
    }
    Ok(done)
}
