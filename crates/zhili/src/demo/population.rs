//! The demo city's people: houses in every grid, residents with valid synthetic ID numbers
//! (local, and migrants registered elsewhere), population types at plausible shares, key
//! groups at rates of the order published for Chongqing districts, and a year of visits by
//! the grid workers — with some visits missed, so the warnings have something to show.

use super::city::{is_urban, CityPlan};
use crate::crypto::DataKey;
use crate::people::blind_id;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use zhili_domain::calendar::DAY_MS;
use zhili_domain::id_number;
use zhili_domain::person::KeyGroup;
use zhili_store::{KeyRoleRecord, NewHouse, NewPerson, NewVisit, PopulationLoad};

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "罗", "冉", "田", "向", "彭", "谢", "龚",
];
const GIVEN: [&str; 30] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "平", "建国", "玉兰", "志强", "桂英", "海燕", "德明", "子涵", "浩然",
    "欣怡", "宇轩",
];
/// A plausible name, the same for the same seed.
pub fn person_name(seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    format!(
        "{}{}",
        SURNAMES[rng.gen_range(0..SURNAMES.len())],
        GIVEN[rng.gen_range(0..GIVEN.len())]
    )
}

/// Where migrants' ID numbers were first issued: neighbouring counties and big cities.
const ELSEWHERE: [&str; 8] = [
    "500101", "500115", "500241", "500242", "422801", "522201", "420106", "510104",
];

/// Key groups per 10,000 residents, and (for severe mental illness) risk-level shares.
const RATES: [(KeyGroup, f64); 6] = [
    (KeyGroup::ReleasedPrisoner, 10.0),
    (KeyGroup::CommunityCorrection, 5.0),
    (KeyGroup::DrugUser, 9.0),
    (KeyGroup::SevereMentalIllness, 40.0),
    (KeyGroup::KeyYouth, 10.0),
    (KeyGroup::RepeatPetitioner, 2.0),
];

pub struct PopulationParams {
    pub seed: u64,
    pub now: i64,
    /// About this many people (the houses per grid follow from it).
    pub people: usize,
}

pub fn generate(plan: &CityPlan, key: &DataKey, p: &PopulationParams) -> PopulationLoad {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x9e37_79b9);
    let mut load = PopulationLoad::default();
    let today = zhili_domain::calendar::china_day(p.now);
    let per_grid = (p.people / plan.grids.len().max(1)).max(4);
    let mut numbers = HashSet::new();
    for grid in &plan.grids {
        let urban = grid
            .code
            .parent()
            .and_then(|v| v.parent())
            .is_some_and(|t| is_urban(&t));
        let village_name = plan
            .villages
            .iter()
            .find(|v| grid.code.as_str().starts_with(v.code.as_str()))
            .map(|v| v.name.clone())
            .unwrap_or_default();
        // Town grids are denser; every grid has its share either way.
        let residents = (per_grid as f64 * if urban { 1.6 } else { 0.85 }) as usize;
        let mut placed = 0;
        let mut house_no = 1;
        while placed < residents {
            let (lon, lat) = super::city::random_point(&grid.shape, &mut rng);
            let rented = rng.gen_bool(if urban { 0.25 } else { 0.08 });
            let usage = if rng.gen_bool(0.06) {
                "商铺"
            } else if rented {
                "出租屋"
            } else {
                "住宅"
            };
            load.houses.push(NewHouse {
                code: format!("{}{:04}", grid.code, house_no),
                address: format!("{village_name}{}号", house_no),
                grid_code: grid.code.clone(),
                lon: Some(lon),
                lat: Some(lat),
                usage: usage.to_string(),
                rented,
                hazards: if rng.gen_bool(0.03) {
                    "电动车室内充电".into()
                } else {
                    String::new()
                },
            });
            let house = load.houses.len() - 1;
            house_no += 1;
            let household = rng.gen_range(1..=5);
            for _ in 0..household {
                let population = if rented && rng.gen_bool(0.6) {
                    "floating"
                } else if !urban && rng.gen_bool(0.06) {
                    "left_behind"
                } else if rng.gen_bool(0.1) {
                    "floating"
                } else {
                    "registered"
                };
                let region = if population == "floating" {
                    ELSEWHERE[rng.gen_range(0..ELSEWHERE.len())]
                } else {
                    "500114"
                };
                // Ages 0–90, fewer of the oldest.
                let age_days = (rng.gen_range(0.0f64..1.0).powf(1.25) * 90.0 * 365.25) as i64;
                let number = loop {
                    let n = id_number::compose(region, today - age_days, rng.gen_range(0..1000));
                    if numbers.insert(n.clone()) {
                        break n;
                    }
                };
                let resident =
                    id_number::parse(&number, today).expect("composed numbers are valid");
                let phone = (age_days > 16 * 365 && rng.gen_bool(0.85)).then(|| {
                    format!(
                        "1{}{:09}",
                        [3, 5, 7, 8, 9][rng.gen_range(0..5)],
                        rng.gen_range(0..1_000_000_000u64)
                    )
                });
                let (y, m, d) = resident.birth_date;
                // The fields each population type is registered with (zhili_domain::person).
                let details = match population {
                    "floating" => {
                        let reason = ["务工", "经商", "就学", "投亲"][rng.gen_range(0..4)];
                        let arrived =
                            zhili_domain::calendar::date_string(today - rng.gen_range(30..3650));
                        serde_json::json!({"origin": region, "reason": reason, "arrived": arrived})
                            .to_string()
                    }
                    "left_behind" => {
                        let kind = if age_days < 16 * 365 {
                            "儿童"
                        } else if age_days > 60 * 365 {
                            "老人"
                        } else {
                            "妇女"
                        };
                        serde_json::json!({"kind": kind}).to_string()
                    }
                    _ => "{}".into(),
                };
                load.people.push((
                    NewPerson {
                        id_type: "111".into(),
                        id_blind: blind_id(key, &number),
                        id_blinds_older: Vec::new(),
                        id_sealed: key.seal(&number, crate::crypto::Sealed::PersonIdNumber),
                        id_masked: id_number::mask(&number),
                        name: format!(
                            "{}{}",
                            SURNAMES[rng.gen_range(0..SURNAMES.len())],
                            GIVEN[rng.gen_range(0..GIVEN.len())]
                        ),
                        sex: Some(resident.sex.as_str().into()),
                        birth_date: Some(format!("{y:04}-{m:02}-{d:02}")),
                        phone_sealed: phone
                            .as_deref()
                            .map(|ph| key.seal(ph, crate::crypto::Sealed::PersonPhone)),
                        phone_masked: phone.as_deref().map(crate::crypto::mask_phone),
                        population_type: population.into(),
                        house_id: None,
                        grid_code: grid.code.clone(),
                        details,
                    },
                    Some(house),
                ));
                placed += 1;
                key_roles(&mut rng, &mut load, age_days, p.now);
            }
        }
    }
    load
}

/// Perhaps puts the person just added into key groups, with a year of visits.
/// A key group's required fields (zhili_domain::person::KeyGroup::fields), filled plausibly:
/// a choice among the field's values, dates around when the person joined the group.
fn group_details(rng: &mut ChaCha8Rng, group: KeyGroup, since: i64) -> String {
    const CLAIMS: [&str; 4] = ["征地补偿", "拖欠工程款", "医疗纠纷赔偿", "宅基地权属"];
    let since_day = since.div_euclid(DAY_MS);
    let mut details = serde_json::Map::new();
    for f in group.fields().iter().filter(|f| f.required) {
        let value = if !f.choices.is_empty() {
            f.choices[rng.gen_range(0..f.choices.len())].to_string()
        } else if f.date != zhili_domain::person::Date::No {
            zhili_domain::calendar::date_string(since_day - rng.gen_range(0..60))
        } else {
            CLAIMS[rng.gen_range(0..CLAIMS.len())].to_string()
        };
        details.insert(f.key.into(), serde_json::Value::String(value));
    }
    serde_json::Value::Object(details).to_string()
}

fn key_roles(rng: &mut ChaCha8Rng, load: &mut PopulationLoad, age_days: i64, now: i64) {
    let person = load.people.len() - 1;
    let grid = load.people[person].0.grid_code.to_string();
    for (group, per_10k) in RATES {
        let adult = age_days >= 18 * 365;
        let fits = match group {
            KeyGroup::KeyYouth => (12 * 365..25 * 365).contains(&age_days),
            _ => adult,
        };
        if !fits || !rng.gen_bool(per_10k / 10_000.0 * 1.2) {
            continue;
        }
        let risk = group.has_risk_level().then(|| {
            let x: f64 = rng.gen();
            match x {
                x if x < 0.55 => 0,
                x if x < 0.78 => 1,
                x if x < 0.90 => 2,
                x if x < 0.96 => 3,
                x if x < 0.99 => 4,
                _ => 5,
            }
        });
        let every = group.visit_every_days(risk.map(|r| r as u8));
        let since = now - rng.gen_range(20..400) * DAY_MS;
        let mut at = since + rng.gen_range(1..7) * DAY_MS;
        let mut last = None;
        // Most keep to their schedule; some visits slip, and a few people are missed lately.
        let neglected = rng.gen_bool(0.08);
        while at < now - if neglected { every * DAY_MS * 3 / 2 } else { 0 } {
            load.visits.push((
                NewVisit {
                    person_id: person as i64,
                    kind: group,
                    at,
                    place: ["家中", "村(居)委会", "工作单位", "电话随访"][rng.gen_range(0..4)]
                        .into(),
                    findings: [
                        "情况稳定",
                        "按时服药，情绪平稳",
                        "已落实帮扶措施",
                        "家属配合，无异常",
                        "思想动态正常",
                    ][rng.gen_range(0..5)]
                    .into(),
                    attachments: "[]".into(),
                },
                format!("grid-{grid}"),
            ));
            last = Some(at);
            at += (every as f64 * DAY_MS as f64 * rng.gen_range(0.7..1.08)) as i64;
        }
        let next_due = last.map_or(since + every.min(7) * DAY_MS, |l| l + every * DAY_MS);
        let details = group_details(rng, group, since);
        load.roles.push(KeyRoleRecord {
            person_id: person as i64,
            kind: group,
            risk_level: risk,
            visit_every_days: every,
            details,
            since,
            last_visit_at: last,
            next_visit_due: next_due,
            grid_code: grid.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_key_roles_carry_the_fields_their_group_requires() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let now = 1_795_000_000_000;
        let today = zhili_domain::calendar::china_day(now);
        for group in KeyGroup::ALL {
            for _ in 0..20 {
                let details = group_details(&mut rng, group, now - 100 * DAY_MS);
                let map: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&details).unwrap();
                let pairs: Vec<(String, String)> = map
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap().to_string()))
                    .collect();
                let problems = zhili_domain::person::check_fields(
                    group.fields(),
                    (group.as_str(), group.label_zh()),
                    &pairs,
                    today,
                );
                assert!(problems.is_empty(), "{group:?}: {problems:?}");
            }
        }
    }
}
