//! The population registry's changes: a person or a house registered, a key role added, a
//! visit recorded, and a key person's event opened (through the one intake).

use super::intake::{self, Reported};
use super::{evidence, forbidden, invalid, not_found, Error, Result};
use crate::people::PersonInput;
use crate::places::HouseInput;
use crate::state::AppState;
use zhili_domain::calendar::{china_day, DAY_MS};
use zhili_domain::chain::Actor;
use zhili_domain::event::Channel;
use zhili_domain::person::{self, KeyGroup};
use zhili_domain::situation::LinkTarget;
use zhili_domain::user::User;
use zhili_store::{HouseRecord, KeyRoleRecord, NewVisit, PersonRecord, StoreError, VisitRecord};

/// How far back a visit may be recorded, and how far ahead of the clock (phones drift).
pub const VISIT_BACKDATE_MS: i64 = 30 * DAY_MS;

fn registrar(user: &User) -> Result<Actor> {
    if person::may_register(user.role) {
        Ok(user.actor())
    } else {
        Err(forbidden("this role does not register people"))
    }
}

/// Who works with key groups: those who visit them.
pub fn key_group_worker(user: &User) -> Result<Actor> {
    if person::sees_key_groups(user.role) {
        Ok(user.actor())
    } else {
        Err(forbidden(
            "key groups are seen only by those who visit them",
        ))
    }
}

fn key_group(raw: &str) -> Result<KeyGroup> {
    KeyGroup::parse(raw).ok_or_else(|| invalid("kind", format!("{raw:?} is not a key group")))
}

async fn person_in_area(state: &AppState, user: &User, id: i64) -> Result<PersonRecord> {
    state
        .store
        .get_person(&user.scope(), id)
        .await?
        .ok_or_else(|| not_found("id", format!("person {id} not found")))
}

/// Registers a person in a grid of the caller's area; the identity number must not be
/// registered anywhere (the check is a lookup charged to the caller's budget).
pub async fn register_person(
    state: &AppState,
    user: &User,
    input: PersonInput,
) -> Result<PersonRecord> {
    let actor = registrar(user)?;
    let scope = user.scope();
    if let Some(h) = input.house_id {
        let house = state.store.get_house(&scope, h).await?;
        if house.is_none_or(|h| h.house.grid_code.as_str() != input.grid_code.trim()) {
            return Err(invalid(
                "house_id",
                format!("no house {h} in grid {}", input.grid_code),
            ));
        }
    }
    let now = crate::now_ms();
    let new = crate::people::prepare(&input, &state.key, &state.index(), &scope, china_day(now))
        .map_err(Error::problems)?;
    // The duplicate check is a lookup of the number like any other.
    state
        .charge_lookups(&actor, 1, "people", "registration's duplicate check")
        .await?;
    let ids = state
        .store
        .create_people(&actor, std::slice::from_ref(&new), now)
        .await?;
    state
        .store
        .get_person(&scope, ids[0])
        .await?
        .ok_or_else(|| StoreError::Internal("the new person vanished".into()).into())
}

/// Registers a house in a grid of the caller's area (its position, when given, inside it).
pub async fn register_house(
    state: &AppState,
    user: &User,
    input: HouseInput,
) -> Result<HouseRecord> {
    let actor = registrar(user)?;
    let house = crate::places::prepare_house(&input, &state.index(), &user.scope())
        .map_err(Error::problems)?;
    let id = state
        .store
        .create_houses(&actor, std::slice::from_ref(&house), crate::now_ms())
        .await?[0];
    Ok(HouseRecord {
        id,
        house,
        occupants: 0,
    })
}

/// A key group membership as asked for.
#[derive(Clone, Debug, Default)]
pub struct KeyRoleRequest {
    /// The group's code or Chinese name.
    pub kind: String,
    /// 0–5, for severe mental illness only.
    pub risk_level: Option<i64>,
    /// The group's own fields (矫正类别, 管控状态, 主要诉求 …).
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// Puts a person of the caller's area in a key group, with the visits it calls for.
pub async fn add_key_role(
    state: &AppState,
    user: &User,
    person_id: i64,
    r: KeyRoleRequest,
) -> Result<KeyRoleRecord> {
    let actor = key_group_worker(user)?;
    let found = person_in_area(state, user, person_id).await?;
    let kind = key_group(&r.kind)?;
    let risk = match (kind.has_risk_level(), r.risk_level) {
        (true, Some(level @ 0..=5)) => Some(level),
        (true, _) => return Err(invalid("risk_level", "0 to 5")),
        (false, None) => None,
        (false, Some(_)) => {
            return Err(invalid(
                "risk_level",
                "only severe mental illness has a risk level",
            ))
        }
    };
    let every = kind.visit_every_days(risk.map(|r| r as u8));
    let now = crate::now_ms();
    let mut problems = Vec::new();
    let pairs = crate::people::detail_pairs(&r.details, &mut problems);
    problems.extend(person::check_fields(
        kind.fields(),
        (kind.as_str(), kind.label_zh()),
        &pairs,
        china_day(now),
    ));
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    let role = KeyRoleRecord {
        person_id,
        kind,
        risk_level: risk,
        visit_every_days: every,
        details: crate::people::details_json(pairs),
        since: now,
        last_visit_at: None,
        // A first visit within a week of joining, or sooner if the group's interval is shorter.
        next_visit_due: now + every.min(7) * DAY_MS,
        grid_code: found.person.grid_code.to_string(),
    };
    state.store.add_key_role(&actor, &role, now).await?;
    Ok(role)
}

/// A visit to a key person as the visitor reports it.
#[derive(Clone, Debug, Default)]
pub struct VisitReport {
    /// The key group the visit is for.
    pub kind: String,
    /// When it took place, if not now: at most 30 days back, not in the future.
    pub at: Option<i64>,
    pub place: String,
    pub findings: String,
    /// Photo ids the visitor uploaded.
    pub photos: Vec<String>,
}

/// Records a visit to a person of the caller's area; the group's next visit falls due from it.
pub async fn record_visit(
    state: &AppState,
    user: &User,
    person_id: i64,
    v: VisitReport,
) -> Result<VisitRecord> {
    let actor = key_group_worker(user)?;
    person_in_area(state, user, person_id).await?;
    let kind = key_group(&v.kind)?;
    let now = crate::now_ms();
    let at = match v.at {
        None => now,
        Some(t) if t <= now + intake::CLOCK_SKEW_MS && t >= now - VISIT_BACKDATE_MS => t,
        Some(_) => return Err(invalid("at", "an RFC 3339 time in the last 30 days")),
    };
    let place = zhili_domain::text::note("place", &v.place, 200)?;
    let findings = zhili_domain::text::note("findings", &v.findings, 2000)?;
    let attachments =
        evidence::checked_photos(state, &user.username, "attachments", &v.photos).await?;
    let visit = NewVisit {
        person_id,
        kind,
        at,
        place,
        findings,
        attachments,
    };
    Ok(state.store.record_visit(&actor, &visit, now).await?)
}

/// Opens an event about a key person of the caller's area at their house: the group's
/// category (特殊人群 09xx, 重复信访 1002), reported by the one intake, linked to the person.
pub async fn key_person_event(
    state: &AppState,
    user: &User,
    person_id: i64,
    group: &str,
    description: Option<String>,
) -> Result<Reported> {
    key_group_worker(user)?;
    let scope = user.scope();
    let found = person_in_area(state, user, person_id).await?;
    let group = key_group(group)?;
    let role = state
        .store
        .key_roles(&scope, person_id)
        .await?
        .into_iter()
        .find(|k| k.kind == group)
        .ok_or_else(|| not_found("kind", format!("person {person_id} in {}", group.as_str())))?;
    let house = match found.person.house_id {
        Some(h) => state.store.get_house(&scope, h).await?,
        None => None,
    };
    let Some((lon, lat)) = house.and_then(|h| h.house.lon.zip(h.house.lat)) else {
        return Err(zhili_domain::DomainError::new(
            zhili_domain::ErrorCode::Conflict,
            "the person has no house with a position to place the event at",
        )
        .with_field("house_id")
        .into());
    };
    let now = crate::now_ms();
    let description = description
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| {
            let overdue = (now - role.next_visit_due) / DAY_MS;
            let (name, label) = (&found.person.name, group.label_zh());
            if overdue > 0 {
                format!("{name}（{label}）走访超期{overdue}天，需核实管控情况")
            } else {
                format!("{name}（{label}）情况异常，需核实")
            }
        });
    let report = intake::Report {
        channel: Channel::GridPatrol,
        category: group.event_category().into(),
        description,
        lon,
        lat,
        occurred_at: None,
        reporter_name: None,
        reporter_phone: None,
        photos: Vec::new(),
        links: vec![evidence::LinkRef {
            kind: LinkTarget::Person.as_str().into(),
            id: person_id,
        }],
    };
    Ok(intake::report(state, user, report).await?)
}
