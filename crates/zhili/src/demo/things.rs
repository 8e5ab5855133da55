//! The demo city's components and cameras: components of every class in each grid with
//! their responsible departments and a few damaged or lost, and cameras on roads, schools and
//! markets, some offline — more in the remote townships, so some areas miss the 98 % target.

use super::city::{is_urban, CityPlan};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zhili_domain::org::OrgKind;
use zhili_domain::thing::{ThingKind, ThingState};
use zhili_store::NewThing;

/// (class, subclass, name, responsible department, how many per grid on average)
const COMPONENTS: [(&str, &str, &str, &str, f64); 14] = [
    ("01", "01", "上水井盖", "D08", 1.2),
    ("01", "02", "污水井盖", "D08", 1.2),
    ("01", "03", "路灯", "D09", 2.0),
    ("01", "04", "消防栓", "D19", 0.5),
    ("01", "05", "电力设施", "D08", 0.4),
    ("02", "01", "交通信号灯", "D14", 0.2),
    ("02", "02", "交通标志牌", "D14", 0.6),
    ("02", "03", "道路护栏", "D14", 0.5),
    ("02", "04", "公交站亭", "D14", 0.2),
    ("03", "01", "垃圾箱", "D09", 1.5),
    ("03", "02", "公共厕所", "D09", 0.2),
    ("03", "03", "户外广告牌", "D09", 0.3),
    ("04", "01", "行道树", "D09", 1.0),
    ("05", "01", "危房", "D08", 0.05),
];
const COVERAGE: [(&str, f64); 5] = [
    ("road", 5.0),
    ("community", 3.0),
    ("school", 1.0),
    ("market", 1.0),
    ("river", 0.5),
];

pub fn generate(plan: &CityPlan, seed: u64, now: i64) -> Vec<NewThing> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5bd1_e995);
    let district = plan.district.code.as_str();
    let mut out = Vec::new();
    let mut sequence = std::collections::HashMap::<(&str, &str), u32>::new();
    let mut camera_no = 0;
    for grid in &plan.grids {
        let urban = grid
            .code
            .parent()
            .and_then(|v| v.parent())
            .is_some_and(|t| is_urban(&t));
        let point = |rng: &mut ChaCha8Rng| super::city::random_point(&grid.shape, rng);
        let density = if urban { 2.0 } else { 0.8 };
        for (class, subclass, name, department, mean) in COMPONENTS {
            let n = (mean * density * rng.gen_range(0.5..1.5)).round() as usize;
            for _ in 0..n {
                let seq = sequence.entry((class, subclass)).or_default();
                *seq += 1;
                let (lon, lat) = point(&mut rng);
                let state = match rng.gen_range(0..1000) {
                    0..=14 => ThingState::Damaged,
                    15..=19 => ThingState::Lost,
                    20..=24 => ThingState::Occupied,
                    _ => ThingState::Normal,
                };
                out.push(NewThing {
                    kind: ThingKind::Component,
                    code: format!("{district}{class}{subclass}{:06}", seq),
                    name: name.into(),
                    class: class.into(),
                    subclass: subclass.into(),
                    grid_code: grid.code.clone(),
                    lon,
                    lat,
                    department: Some(department.into()),
                    state,
                    coverage: None,
                    last_seen: None,
                });
            }
        }
        // Remote grids have fewer cameras and worse links.
        let cameras = if urban {
            rng.gen_range(2..5)
        } else {
            rng.gen_range(1..3)
        };
        let offline_share = if urban { 0.01 } else { 0.025 };
        for _ in 0..cameras {
            camera_no += 1;
            let (lon, lat) = point(&mut rng);
            let online = !rng.gen_bool(offline_share);
            let total: f64 = COVERAGE.iter().map(|c| c.1).sum();
            let mut pick = rng.gen_range(0.0..total);
            let coverage = COVERAGE
                .iter()
                .find(|(_, w)| {
                    pick -= w;
                    pick < 0.0
                })
                .map_or("other", |c| c.0);
            out.push(NewThing {
                kind: ThingKind::Camera,
                code: format!("XL{district}{camera_no:06}"),
                name: format!("{}视频点{}", grid.name, camera_no),
                class: String::new(),
                subclass: String::new(),
                grid_code: grid.code.clone(),
                lon,
                lat,
                department: Some("D01".into()),
                state: if online {
                    ThingState::Online
                } else {
                    ThingState::Offline
                },
                coverage: Some(coverage.into()),
                last_seen: Some(if online {
                    now
                } else {
                    now - rng.gen_range(1..72) * 3_600_000
                }),
            });
        }
    }
    out
}

/// Organisations and sites: a school and a clinic in most villages, enterprises everywhere,
/// delivery points and hazardous-chemical sites in the towns.
pub fn orgs(plan: &CityPlan, key: &crate::crypto::DataKey, seed: u64) -> Vec<zhili_store::NewOrg> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x2545_f491);
    let district = plan.district.code.as_str();
    let mut out = Vec::new();
    let mut n = 0u32;
    for village in &plan.villages {
        let grids: Vec<_> = plan
            .grids
            .iter()
            .filter(|g| g.code.as_str().starts_with(village.code.as_str()))
            .collect();
        if grids.is_empty() {
            continue;
        }
        let urban = village.code.parent().is_some_and(|t| is_urban(&t));
        let mut sites: Vec<(&str, String, &str)> = Vec::new();
        if rng.gen_bool(0.7) {
            sites.push(("school", format!("{}小学", village.name), "52"));
        }
        if rng.gen_bool(0.9) {
            sites.push(("hospital", format!("{}卫生室", village.name), "52"));
        }
        for i in 0..rng.gen_range(if urban { 4..10 } else { 1..4 }) {
            sites.push((
                "enterprise",
                format!(
                    "{}{}有限公司",
                    village.name,
                    ["建材", "农业", "商贸", "食品", "物业", "运输"][i % 6]
                ),
                "91",
            ));
        }
        if urban || rng.gen_bool(0.3) {
            sites.push(("logistics", format!("{}快递服务站", village.name), "92"));
        }
        if rng.gen_bool(if urban { 0.15 } else { 0.05 }) {
            sites.push((
                "hazardous_chemicals",
                format!("{}加油站", village.name),
                "91",
            ));
        }
        if rng.gen_bool(0.4) {
            sites.push(("social_org", format!("{}老年协会", village.name), "51"));
        }
        for (kind, name, prefix) in sites {
            n += 1;
            let grid = grids[rng.gen_range(0..grids.len())];
            let (lon, lat) = super::city::random_point(&grid.shape, &mut rng);
            let phone = format!("13{:09}", rng.gen_range(0..1_000_000_000u64));
            out.push(zhili_store::NewOrg {
                kind: OrgKind::from_code(kind).expect("a demo site's kind"),
                name,
                credit_code: Some(zhili_domain::org::compose_credit_code(
                    prefix,
                    district,
                    &format!("MA{n:07}"),
                )),
                address: format!("{}{}号", village.name, rng.gen_range(1..200)),
                grid_code: grid.code.clone(),
                lon,
                lat,
                contact_name: ["负责人", "站长", "法定代表人"][rng.gen_range(0..3)].into(),
                contact_phone_sealed: Some(
                    key.seal(&phone, crate::crypto::Sealed::OrgContactPhone),
                ),
                contact_phone_masked: Some(crate::crypto::mask_phone(&phone)),
                staff: rng.gen_range(2..200),
            });
        }
    }
    out
}
