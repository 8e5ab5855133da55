//! Turning what a house, an organisation or a component/camera registration says into what
//! is stored: every field checked on its own (so a spreadsheet row learns all that is wrong at
//! once), positions located to a grid of the caller's area, contact phones sealed and masked.
//! Shared by the API and the spreadsheet import, so both refuse the same things with the same
//! field names.

use crate::crypto::{self, DataKey};
use crate::regions::RegionIndex;
use zhili_domain::thing::{self, COVERAGE};
use zhili_domain::{DomainError, Level, RegionCode, Scope};
use zhili_store::{NewHouse, NewOrg, NewThing};

pub const HOUSE_USAGES: [&str; 5] = ["住宅", "商铺", "厂房", "出租屋", "其他"];

fn keep<T>(problems: &mut Vec<DomainError>, r: Result<T, DomainError>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

fn done<T>(value: Option<T>, problems: Vec<DomainError>) -> Result<T, Vec<DomainError>> {
    match value {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(problems),
    }
}

/// One line of 1 to `max` characters (see `zhili_domain::text::line`).
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    zhili_domain::text::line(field, raw, max)
}

/// The grid of the caller's area a position falls in.
pub fn grid_at(
    index: &RegionIndex,
    scope: &Scope,
    lon: f64,
    lat: f64,
) -> Result<RegionCode, DomainError> {
    if !(lon.is_finite() && lat.is_finite()) {
        return Err(DomainError::invalid("lon", "lon and lat must be numbers").zh("经纬度应为数字"));
    }
    index
        .locate
        .locate(lon, lat)
        .map(|h| index.grids[h.shape as usize].grid_code.clone())
        .filter(|g| scope.sees_region(g))
        .ok_or_else(|| {
            DomainError::invalid(
                "lon",
                format!("({lon}, {lat}) is not in a grid of your area"),
            )
            .zh(format!("位置（{lon}, {lat}）不在您辖区的网格内"))
        })
}

#[derive(Clone, Debug, Default)]
pub struct HouseInput {
    pub code: String,
    pub address: String,
    pub grid_code: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub usage: String,
    pub rented: bool,
    pub hazards: String,
}

pub fn prepare_house(
    i: &HouseInput,
    index: &RegionIndex,
    scope: &Scope,
) -> Result<NewHouse, Vec<DomainError>> {
    let mut problems = Vec::new();
    let code = keep(&mut problems, text("code", &i.code, 40));
    let address = keep(&mut problems, text("address", &i.address, 200));
    let grid = keep(
        &mut problems,
        RegionCode::parse(i.grid_code.trim())
            .map_err(|e| {
                DomainError::invalid("grid_code", e.message).zh(format!(
                    "网格编码“{}”格式不对（应为15位数字）",
                    i.grid_code.trim()
                ))
            })
            .and_then(|g| {
                if g.level() != Level::Grid
                    || index.chain(g.as_str()).is_none()
                    || !scope.sees_region(&g)
                {
                    Err(DomainError::invalid(
                        "grid_code",
                        format!("{g} is not a current grid in your area"),
                    )
                    .zh(format!("{g}不是您辖区内的现行网格")))
                } else {
                    Ok(g)
                }
            }),
    );
    match (i.lon, i.lat, &grid) {
        (Some(lon), Some(lat), Some(grid)) => {
            let hit = index.locate.locate(lon, lat);
            if hit.is_none_or(|h| index.grids[h.shape as usize].grid_code != *grid) {
                problems.push(
                    DomainError::invalid(
                        "lon",
                        format!("({lon}, {lat}) is not inside grid {grid}"),
                    )
                    .zh(format!("位置（{lon}, {lat}）不在网格{grid}内")),
                );
            }
        }
        (Some(_), None, _) | (None, Some(_), _) => problems.push(
            DomainError::invalid("lat", "give both lon and lat, or neither")
                .zh("经度和纬度应同时填写或同时不填"),
        ),
        _ => {}
    }
    if !HOUSE_USAGES.contains(&i.usage.trim()) {
        problems.push(
            DomainError::invalid("usage", format!("one of {}", HOUSE_USAGES.join(", ")))
                .zh(format!("用途应为{}之一", HOUSE_USAGES.join("、"))),
        );
    }
    let house = code
        .zip(address)
        .zip(grid)
        .map(|((code, address), grid)| NewHouse {
            code,
            address,
            grid_code: grid,
            lon: i.lon,
            lat: i.lat,
            usage: i.usage.trim().to_string(),
            rented: i.rented,
            hazards: i.hazards.trim().chars().take(500).collect(),
        });
    done(house, problems)
}

#[derive(Clone, Debug, Default)]
pub struct OrgInput {
    pub kind: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub staff: i64,
}

pub fn prepare_org(
    i: &OrgInput,
    key: &DataKey,
    index: &RegionIndex,
    scope: &Scope,
) -> Result<NewOrg, Vec<DomainError>> {
    let mut problems = Vec::new();
    let kind = i.kind.trim();
    let kind = zhili_domain::org::OrgKind::parse(kind);
    if kind.is_none() {
        problems.push(DomainError::invalid(
            "kind",
            "enterprise, social_org, school, hospital, hazardous_chemicals or logistics (or their Chinese names)",
        ).zh("类型应为企业、社会组织、学校、医疗机构、危化品场所或寄递物流网点"));
    }
    let name = keep(&mut problems, text("name", &i.name, 100));
    let credit_code = keep(
        &mut problems,
        i.credit_code
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(zhili_domain::org::parse_credit_code)
            .transpose(),
    );
    let address = keep(&mut problems, text("address", &i.address, 200));
    let grid = keep(&mut problems, grid_at(index, scope, i.lon, i.lat));
    let contact_name = keep(&mut problems, text("contact_name", &i.contact_name, 50));
    let phone = keep(
        &mut problems,
        i.contact_phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(crypto::normalize_phone)
            .transpose()
            .map_err(|e| DomainError {
                field: Some("contact_phone".into()),
                ..e
            }),
    );
    if !(0..=1_000_000).contains(&i.staff) {
        problems.push(DomainError::invalid("staff", "0 to 1,000,000").zh("从业人数应为0至1000000"));
    }
    let org = (|| {
        Some(NewOrg {
            kind: kind?,
            name: name?,
            credit_code: credit_code?,
            address: address?,
            grid_code: grid?,
            lon: i.lon,
            lat: i.lat,
            contact_name: contact_name?,
            contact_phone_sealed: phone
                .as_ref()?
                .as_deref()
                .map(|p| key.seal(p, crate::crypto::Sealed::OrgContactPhone)),
            contact_phone_masked: phone.as_ref()?.as_deref().map(crypto::mask_phone),
            staff: i.staff,
        })
    })();
    done(org, problems)
}

#[derive(Clone, Debug, Default)]
pub struct ThingInput {
    /// component or camera
    pub kind: String,
    pub code: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub department: Option<String>,
    pub state: Option<String>,
    pub coverage: Option<String>,
}

/// `unit_exists` answers whether a responsible department's unit id is known.
pub fn prepare_thing(
    i: &ThingInput,
    index: &RegionIndex,
    scope: &Scope,
    unit_exists: &dyn Fn(&str) -> bool,
    now: i64,
) -> Result<NewThing, Vec<DomainError>> {
    let mut problems = Vec::new();
    let Some(kind) = thing::ThingKind::parse(&i.kind) else {
        let other = i.kind.trim();
        problems.push(
            DomainError::invalid("kind", format!("{other:?} is not component or camera"))
                .zh(format!("类型“{other}”应为部件或摄像头")),
        );
        return Err(problems);
    };
    let coded = if kind == thing::ThingKind::Component {
        match &index.root {
            Some(root) => keep(
                &mut problems,
                thing::parse_component_code(&i.code, root.as_str())
                    .map(|c| (c.major, c.minor, c.code)),
            ),
            None => {
                problems.push(DomainError::invalid("code", "no district loaded"));
                None
            }
        }
    } else {
        keep(&mut problems, text("code", &i.code, 40)).map(|c| (String::new(), String::new(), c))
    };
    let name = keep(&mut problems, text("name", &i.name, 100));
    let grid = keep(&mut problems, grid_at(index, scope, i.lon, i.lat));
    let states = kind.states();
    // A new thing's state is the kind's first.
    let state = match i.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(states[0]),
        Some(s) => thing::ThingState::from_code(s).filter(|s| states.contains(s)),
    };
    if state.is_none() {
        let codes: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        let labels: Vec<&str> = states.iter().map(|s| s.label_zh()).collect();
        problems.push(
            DomainError::invalid("state", format!("one of {}", codes.join(", ")))
                .zh(format!("状态应为{}之一", labels.join("、"))),
        );
    }
    let coverage = i
        .coverage
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let camera = thing::ThingKind::Camera;
    let coverage = match (kind, coverage) {
        (k, Some(c)) if k == camera && COVERAGE.contains(&c) => Some(c.to_string()),
        (k, None) if k == camera => Some("other".to_string()),
        (k, Some(_)) if k == camera => {
            problems.push(
                DomainError::invalid("coverage", format!("one of {}", COVERAGE.join(", ")))
                    .zh(format!("覆盖类型应为{}之一", COVERAGE.join("、"))),
            );
            None
        }
        (_, None) => None,
        (_, Some(_)) => {
            problems.push(
                DomainError::invalid("coverage", "only cameras have a coverage")
                    .zh("只有摄像头有覆盖类型"),
            );
            None
        }
    };
    let department = i
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string);
    if let Some(d) = &department {
        if !unit_exists(d) {
            problems.push(
                DomainError::invalid("department", format!("no unit {d}"))
                    .zh(format!("没有单位{d}")),
            );
        }
    }
    let new = coded.zip(name).zip(grid).zip(state).map(
        |((((class, subclass, code), name), grid), state)| NewThing {
            kind,
            code,
            name,
            class,
            subclass,
            grid_code: grid,
            lon: i.lon,
            lat: i.lat,
            department,
            last_seen: (state == thing::ThingState::Online).then_some(now),
            state,
            coverage,
        },
    );
    done(new, problems)
}
