//! The Qianjiang demo city: real district outline, towns and villages; synthesized
//! boundaries (see `city`); the units of the three levels and the 26 departments; a demo
//! account for every role.

pub mod city;
pub mod data;
pub mod deliberations;
pub mod desk;
pub mod history;
pub mod mediation;
pub mod patrols;
pub mod pilot;
pub mod pilot_checklist;
pub mod pilot_ledger;
pub mod pilot_meetings;
pub mod pilot_monthly;
pub mod pilot_reviews;
pub mod points;
pub mod population;
pub mod residents;
pub mod risk;
pub mod situations;
pub mod staffing;
pub mod surveys;
pub mod systems;
pub mod things;
pub mod wule;

use city::{CityPlan, PlannedRegion};
use zhili_domain::unit::{centre_id, station_id};
use zhili_domain::{Role, Unit, UnitKind};
use zhili_spatial::geojson;
use zhili_store::{CityLoad, NewRegion, NewUser};

fn new_region(r: &PlannedRegion) -> NewRegion {
    NewRegion {
        code: r.code.clone(),
        name: r.name.clone(),
        kind: r.kind,
        geometry: geojson::to_geometry(&r.shape).to_string(),
    }
}

/// Everything the demo database starts with. Every demo account shares one password, so
/// they share one argon2id hash (hashing ~1,900 times would take a minute on two cores).
pub fn city_load(
    plan: &CityPlan,
    password_hash: &str,
    key: &crate::crypto::DataKey,
    seed: u64,
    now: i64,
) -> CityLoad {
    let district = &plan.district.code;
    let mut regions = vec![new_region(&plan.district)];
    regions.extend(plan.towns.iter().map(new_region));
    regions.extend(plan.villages.iter().map(new_region));
    regions.extend(plan.grids.iter().map(new_region));

    let mut units = vec![Unit {
        id: centre_id(district).to_string(),
        name: "黔江区综治中心".into(),
        kind: UnitKind::Centre,
        region_code: district.clone(),
    }];
    units.extend(plan.towns.iter().map(|t| Unit {
        id: centre_id(&t.code).to_string(),
        name: format!("{}综治中心", t.name),
        kind: UnitKind::Centre,
        region_code: t.code.clone(),
    }));
    units.extend(plan.villages.iter().map(|v| Unit {
        id: station_id(&v.code).to_string(),
        name: format!("{}综治站", v.name),
        kind: UnitKind::Station,
        region_code: v.code.clone(),
    }));
    let police = police_posts(plan);
    units.extend(police.iter().map(|(id, name, area)| Unit {
        id: id.clone(),
        name: name.clone(),
        kind: UnitKind::PolicePost,
        region_code: area.clone(),
    }));
    let departments = data::departments();
    units.extend(departments.iter().map(|d| Unit {
        id: d.code.clone(),
        name: d.name.clone(),
        kind: UnitKind::Department,
        region_code: district.clone(),
    }));

    let user = |username: String,
                display_name: String,
                role: Role,
                unit: Option<String>,
                region: &zhili_domain::RegionCode,
                department: Option<String>| NewUser {
        username,
        display_name,
        role,
        unit_id: unit,
        region_code: region.clone(),
        department,
        password_hash: password_hash.to_string(),
        phone_enc: None,
        phone_masked: None,
        // The demo's accounts share the password the demo printed, to be tried at once.
        must_change_password: false,
    };
    // Grid workers and station operators have a name and a work phone colleagues call
    // (the phone is synthetic: 199 and the account's number in the district).
    let mut staffed = 0u64;
    let mut staff = |mut u: NewUser| {
        staffed += 1;
        let phone = format!(
            "199{:08}",
            (seed.wrapping_mul(7919) + staffed * 104_729) % 100_000_000
        );
        u.phone_enc = Some(key.seal(&phone, crate::crypto::Sealed::StaffPhone));
        u.phone_masked = Some(crate::crypto::mask_phone(&phone));
        u.display_name = population::person_name(seed ^ staffed);
        u
    };
    let centre = Some(centre_id(district).to_string());
    let mut users = vec![
        user(
            "admin".into(),
            "系统管理员".into(),
            Role::Admin,
            centre.clone(),
            district,
            None,
        ),
        user(
            "district".into(),
            "区综治中心指挥长".into(),
            Role::DistrictCommander,
            centre.clone(),
            district,
            None,
        ),
        user(
            "district-operator".into(),
            "区综治中心受理员".into(),
            Role::DistrictOperator,
            centre.clone(),
            district,
            None,
        ),
        user(
            "leader".into(),
            "区领导".into(),
            Role::Leader,
            centre,
            district,
            None,
        ),
        user(
            "pilot".into(),
            "区委政法委试点办".into(),
            Role::PilotOffice,
            None,
            district,
            None,
        ),
    ];
    users.extend(plan.towns.iter().map(|t| {
        user(
            format!("town-{}", t.code),
            format!("{}综治中心受理员", t.name),
            Role::TownOperator,
            Some(centre_id(&t.code).to_string()),
            &t.code,
            None,
        )
    }));
    users.extend(plan.villages.iter().map(|v| {
        staff(user(
            format!("village-{}", v.code),
            String::new(),
            Role::VillageOperator,
            Some(station_id(&v.code).to_string()),
            &v.code,
            None,
        ))
    }));
    users.extend(plan.grids.iter().map(|g| {
        let village = g.code.parent().expect("grid has a village");
        staff(user(
            format!("grid-{}", g.code),
            String::new(),
            Role::GridWorker,
            Some(station_id(&village).to_string()),
            &g.code,
            None,
        ))
    }));
    // The rest of the grids' staff (posted to their grids by `demo::staffing`): grid leaders,
    // a part-time worker and an assistant in some grids. Added after everyone else so that the
    // names and phones above stay as they were.
    for (username, role, unit, region) in staffing::extra_accounts(plan) {
        users.push(staff(user(
            username,
            String::new(),
            role,
            Some(unit),
            &region,
            None,
        )));
    }
    // The police who take cases at a window or post act for it as a department's handlers act
    // for theirs: they see what is dispatched to their unit.
    users.extend(police.iter().map(|(id, name, _)| {
        user(
            format!("police-{id}"),
            format!("{name}民警"),
            Role::DepartmentHandler,
            Some(id.clone()),
            district,
            Some(id.clone()),
        )
    }));
    users.extend(departments.iter().map(|d| {
        user(
            format!("dept-{}", d.code),
            format!("{}处置员", d.short_name),
            Role::DepartmentHandler,
            Some(d.code.clone()),
            district,
            Some(d.code.clone()),
        )
    }));

    CityLoad {
        regions,
        units,
        users,
        meta: vec![
            ("district_code".into(), district.to_string()),
            ("demo_seed".into(), seed.to_string()),
            ("demo_built_at".into(), zhili_domain::time::rfc3339(now)),
        ],
    }
}

/// The seed's police below the district bureau: the 城东派出所 service window (综合服务窗口) in the
/// first town and police posts (警务室) in four of its villages — "完工投用…城东派出所综合服务窗口
/// 和4个村(社区)警务室". Their ids say what they are (`P` and the area they serve).
pub fn police_posts(plan: &CityPlan) -> Vec<(String, String, zhili_domain::RegionCode)> {
    let Some(town) = plan.towns.first() else {
        return vec![];
    };
    let window = match town.name.strip_suffix("街道") {
        Some(place) => format!("{place}派出所综合服务窗口"),
        None => format!("{}派出所综合服务窗口", town.name),
    };
    let mut out = vec![(format!("P{}", town.code), window, town.code.clone())];
    out.extend(
        plan.villages
            .iter()
            .filter(|v| v.code.parent().as_ref() == Some(&town.code))
            .take(4)
            .map(|v| {
                (
                    format!("P{}", v.code),
                    format!("{}警务室", v.name),
                    v.code.clone(),
                )
            }),
    );
    out
}

/// A demo account as the use cases take it (the demo's parts act as its people).
pub(crate) async fn account(
    state: &crate::state::AppState,
    name: &str,
) -> Result<zhili_domain::user::User, String> {
    state
        .store
        .find_login(name)
        .await
        .map_err(|e| e.to_string())?
        .map(|l| l.user)
        .ok_or_else(|| format!("the demo account {name} is missing"))
}
