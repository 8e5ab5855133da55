//! Mediation committees (with their room) and mediators as a spreadsheet registers them: each
//! row checked field by field, as the other registries' rows are.

use crate::crypto::{self, DataKey, Sealed};
use crate::regions::RegionIndex;
use std::collections::HashMap;
use zhili_domain::mediation::{CommitteeKind, Grade};
use zhili_domain::{DomainError, RegionCode, Scope};
use zhili_store::{NewCommittee, NewMediator, NewRoom, StarRecord};

/// A committee row: the committee and the room it mediates in.
#[derive(Clone, Debug, Default)]
pub struct CommitteeInput {
    pub name: String,
    pub kind: String,
    pub trade: String,
    pub region_code: String,
    pub unit_id: String,
    pub room: String,
    pub stars: String,
}

/// A mediator row, of a committee named.
#[derive(Clone, Debug, Default)]
pub struct MediatorInput {
    pub committee: String,
    pub name: String,
    pub grade: String,
    pub specialities: String,
    pub full_time: bool,
    pub username: String,
    pub phone: String,
}

/// A mediator checked, with the committee it joins.
#[derive(Clone, Debug)]
pub struct MediatorRow {
    pub committee_id: i64,
    pub mediator: NewMediator,
}

fn keep<T>(problems: &mut Vec<DomainError>, r: Result<T, DomainError>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

/// Checks one committee row: its kind, its area (a village, town or the district of the
/// importer's), the room and its stars.
pub fn prepare_committee(
    c: &CommitteeInput,
    index: &RegionIndex,
    scope: &Scope,
    importer: &str,
    now: i64,
) -> Result<NewCommittee, Vec<DomainError>> {
    let mut problems = Vec::new();
    let name = keep(
        &mut problems,
        zhili_domain::text::line("name", &c.name, 100),
    );
    let kind = keep(
        &mut problems,
        CommitteeKind::parse(&c.kind).ok_or_else(|| {
            DomainError::invalid("kind", "village, town, district or trade")
                .zh("类型应为村（居）、镇（街道）、区或行业性专业性人民调解委员会")
        }),
    );
    let trade = c.trade.trim();
    if kind == Some(CommitteeKind::Trade) && trade.is_empty() {
        problems.push(
            DomainError::invalid("trade", "a trade committee names its trade")
                .zh("行业性专业性调解委员会须填写行业"),
        );
    }
    let region = keep(
        &mut problems,
        RegionCode::parse(c.region_code.trim())
            .map_err(|e| DomainError::invalid("region_code", e.message))
            .and_then(|r| {
                if index.names.contains_key(r.as_str())
                    && scope.sees_region(&r)
                    && r.level() != zhili_domain::Level::Grid
                {
                    Ok(r)
                } else {
                    Err(DomainError::invalid(
                        "region_code",
                        "a village, town or the district of yours",
                    )
                    .zh("服务区域应为您辖区内的村社、镇街或区"))
                }
            }),
    );
    let stars = match c.stars.trim() {
        "" => Some(0),
        s => keep(
            &mut problems,
            s.parse::<i64>()
                .ok()
                .filter(|n| (0..=5).contains(n))
                .ok_or_else(|| DomainError::invalid("stars", "0 to 5").zh("星级应为0至5")),
        ),
    };
    let room = c.room.trim();
    let room = if room.is_empty() {
        None
    } else {
        keep(&mut problems, zhili_domain::text::line("room", room, 100))
    };
    let (Some(name), Some(kind), Some(region), Some(stars)) = (name, kind, region, stars) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let year = zhili_domain::time::civil_from_days(zhili_domain::calendar::china_day(now)).0;
    Ok(NewCommittee {
        rooms: vec![NewRoom {
            name: room
                .unwrap_or_else(|| format!("{}调解室", name.trim_end_matches("人民调解委员会"))),
            region_code: region.clone(),
            stars: if stars > 0 {
                vec![StarRecord {
                    year,
                    stars,
                    score: None,
                    basis: "{\"source\":\"import\"}".into(),
                    decided_by: importer.into(),
                    decided_at: now,
                }]
            } else {
                vec![]
            },
        }],
        name,
        kind,
        trade: (!trade.is_empty()).then(|| trade.to_string()),
        region_code: region,
        unit_id: (!c.unit_id.trim().is_empty()).then(|| c.unit_id.trim().to_string()),
        mediators: vec![],
    })
}

/// Checks one mediator row against the committees the importer's area has (by name).
pub fn prepare_mediator(
    m: &MediatorInput,
    committees: &HashMap<String, (i64, RegionCode)>,
    key: &DataKey,
) -> Result<MediatorRow, Vec<DomainError>> {
    let mut problems = Vec::new();
    let committee = keep(
        &mut problems,
        committees.get(m.committee.trim()).cloned().ok_or_else(|| {
            DomainError::invalid(
                "committee",
                "no such committee in your area (register it first)",
            )
            .zh("辖区内没有此调解委员会（请先导入调解委员会）")
        }),
    );
    let name = keep(&mut problems, zhili_domain::person::check_name(&m.name));
    let grade = match m.grade.trim() {
        "" => Some(Grade::Ordinary),
        g => keep(
            &mut problems,
            Grade::parse(g).ok_or_else(|| {
                DomainError::invalid("grade", "首席调解员, 一级/二级/三级调解员 or 调解员")
                    .zh("等级应为首席调解员、一级调解员、二级调解员、三级调解员或调解员")
            }),
        ),
    };
    let specialities: Vec<String> = m
        .specialities
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if specialities.len() > 10
        || specialities
            .iter()
            .any(|s| s.chars().count() > 20 || s.contains('|'))
    {
        problems.push(
            DomainError::invalid("specialities", "at most 10, each up to 20 characters")
                .zh("专长最多10项，每项不超过20个字"),
        );
    }
    let username = m.username.trim();
    if !username.is_empty() {
        keep(
            &mut problems,
            zhili_domain::user::validate_username(username).map_err(|e| DomainError {
                field: Some("username".into()),
                ..e
            }),
        );
    }
    let phone = match m.phone.trim() {
        "" => None,
        p => keep(
            &mut problems,
            crypto::normalize_phone(p).map_err(|e| DomainError {
                field: Some("phone".into()),
                ..e
            }),
        ),
    };
    let (Some((committee_id, region)), Some(name), Some(grade)) = (committee, name, grade) else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(MediatorRow {
        committee_id,
        mediator: NewMediator {
            name,
            grade,
            specialities,
            region_code: region,
            full_time: m.full_time,
            username: (!username.is_empty()).then(|| username.to_string()),
            phone_sealed: phone.as_deref().map(|p| key.seal(p, Sealed::StaffPhone)),
            phone_masked: phone.as_deref().map(crypto::mask_phone),
        },
    })
}
