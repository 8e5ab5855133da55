//! Dispute mediation (人民调解): opening a case — from a dispute event in one step, on a party's
//! application, by the committee itself, or handed over by the police or the court — and every
//! step after it (`steps`). The state machine in `zhili_domain::mediation` decides; this checks
//! what each step names (committees, rooms, mediators, parties, the event), seals the parties'
//! identifiers, finds repeat disputes and writes each step with its record.

pub mod bodies;
pub mod documents;
pub mod limits;
mod on_the_spot;
pub mod stars;
pub mod stats;
mod steps;

pub use on_the_spot::{on_the_spot, Spot, SpotOutcome};
pub use steps::{step, Step, StepInput, Stepped};

use super::{forbidden, invalid, not_found, Error, Result};
use crate::crypto::{self, Sealed};
use crate::state::AppState;
use zhili_domain::mediation::{self as m, Case, Origin, PartyKind, Who};
use zhili_domain::user::User;
use zhili_domain::{DomainError, RegionCode, Role, Scope};
use zhili_store::{CaseRecord, CaseStep, NewCase, NewParty};

/// A dispute of the same parties or house coming back within this many days is a repeat.
pub const REPEAT_WINDOW_DAYS: i64 = 180;

/// A party as the opener gives it: a registered person (whose name and identifiers are taken
/// from the register), or a name with an optional ID number and phone.
#[derive(Clone, Debug, Default)]
pub struct PartyInput {
    pub person_id: Option<i64>,
    pub name: Option<String>,
    /// `person` (default) or `org`.
    pub kind: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub house_id: Option<i64>,
    pub address: Option<String>,
}

/// A case as its opener registers it.
#[derive(Clone, Debug, Default)]
pub struct Opening {
    pub committee_id: i64,
    pub room_id: Option<i64>,
    /// `application`, `self_initiated`, `event`, `police` or `court`; `event` when an event is
    /// named and nothing else is said.
    pub origin: Option<String>,
    /// The dispute event it comes from: its grid, category and parties' registered people.
    pub event_id: Option<i64>,
    /// Where the dispute is (a grid or village); the event's grid when an event is named.
    pub region_code: Option<String>,
    /// The dispute's category (0101–0110); the event's when an event is named.
    pub category: Option<String>,
    pub title: String,
    pub facts: String,
    pub parties: Vec<PartyInput>,
    /// Mediators of the committee chosen at once (the parties' choice or the committee's).
    pub mediator_ids: Vec<i64>,
}

/// Who may open cases: the centres and stations, grid workers (from their events), the justice
/// bureau, and the court and the police handing cases over.
fn may_open(user: &User) -> bool {
    match user.role {
        Role::DistrictCommander
        | Role::DistrictOperator
        | Role::TownOperator
        | Role::VillageOperator
        | Role::GridWorker
        | Role::GridLeader => true,
        Role::DepartmentHandler => matches!(
            user.unit_id.as_deref(),
            Some(m::JUSTICE_BUREAU | m::COURT | m::POLICE)
        ),
        Role::Admin | Role::Leader | Role::PilotOffice => false,
    }
}

/// Who registers committees and mediators: those who manage cases.
pub fn manages_bodies(user: &User) -> bool {
    manages(user)
}

/// The centres and stations, and the justice bureau, manage the cases they see.
fn manages(user: &User) -> bool {
    matches!(
        user.role,
        Role::DistrictCommander
            | Role::DistrictOperator
            | Role::TownOperator
            | Role::VillageOperator
    ) || (user.role == Role::DepartmentHandler
        && user.unit_id.as_deref() == Some(m::JUSTICE_BUREAU))
}

/// What `user` is to a case: its committee's managers are the centres and stations over its
/// area and the justice bureau; its mediators are those assigned (a manager records for an
/// assigned mediator who has no account); the court rules on confirmations.
pub fn who(user: &User, case: &CaseRecord) -> Who {
    let manages = manages(user);
    let mine = case
        .mediators
        .iter()
        .any(|md| md.username.as_deref() == Some(user.username.as_str()));
    let for_one_without_account = manages && case.mediators.iter().any(|md| md.username.is_none());
    Who {
        manages,
        mediates: mine || for_one_without_account,
        court: user.role == Role::DepartmentHandler && user.unit_id.as_deref() == Some(m::COURT),
    }
}

/// The steps `user` may take on `case` now (a page shows exactly these).
pub fn allowed_steps(user: &User, case: &CaseRecord, now: i64) -> Vec<&'static str> {
    use m::Status as S;
    if user.role.read_only() {
        return vec![];
    }
    let w = who(user, case);
    let staff = w.manages || w.mediates;
    let c = &case.case;
    let mut out = Vec::new();
    let mut may = |ok: bool, name: &'static str| {
        if ok {
            out.push(name)
        }
    };
    may(staff && c.status == S::Registered, "consent");
    may(
        w.manages && matches!(c.status, S::Registered | S::Mediating),
        "assign",
    );
    may(
        staff && c.status == S::Mediating && !c.mediators.is_empty(),
        "session",
    );
    may(
        w.manages && c.status == S::Mediating && c.extensions < c.limits.max_extensions,
        "extend",
    );
    may(
        w.mediates && c.status == S::Mediating && c.sessions > 0,
        "agree",
    );
    may(
        staff && matches!(c.status, S::Registered | S::Mediating),
        "terminate",
    );
    may(
        w.manages && c.confirmation_open_until().is_some_and(|u| now <= u),
        "apply_confirmation",
    );
    may(
        (w.court || w.manages) && matches!(c.confirmation, Some(m::Confirmation::Applied { .. })),
        "record_confirmation",
    );
    may(staff && c.status == S::Agreed, "record_performance");
    may(staff && c.status == S::Performed, "follow_up");
    may(
        w.manages
            && matches!(
                c.status,
                S::Registered | S::Mediating | S::Refused | S::Terminated | S::Breached
            ),
        "refer_out",
    );
    out
}

/// The scope a user reads cases in: their area (a department: what it was referred; the justice
/// bureau: everything), the same rule the store applies.
pub fn scope(user: &User) -> Scope {
    user.scope()
}

fn problem(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// Checks and seals one party; problems are pushed, the party answered when it is whole.
async fn party(
    state: &AppState,
    scope: &Scope,
    i: usize,
    p: &PartyInput,
    today: i64,
    problems: &mut Vec<DomainError>,
    older_blinds: &mut Vec<String>,
) -> Result<Option<NewParty>> {
    let field = |f: &str| format!("parties[{i}].{f}");
    let mut out = NewParty {
        kind: Some(PartyKind::Person),
        house_id: p.house_id,
        ..NewParty::default()
    };
    if let Some(k) = p.kind.as_deref() {
        match PartyKind::from_code(k) {
            Some(k) => out.kind = Some(k),
            None => problems.push(problem(
                &field("kind"),
                "person or org",
                "当事人类型应为自然人或法人或其他组织",
            )),
        }
    }
    if let Some(pid) = p.person_id {
        let Some(person) = state.store.get_person(scope, pid).await? else {
            return Err(not_found(&field("person_id"), format!("no person {pid}")));
        };
        out.name = person.person.name;
        out.id_blind = Some(person.person.id_blind);
        out.id_sealed = Some(person.person.id_sealed);
        out.id_masked = Some(person.person.id_masked);
        out.phone_sealed = person.person.phone_sealed;
        out.phone_masked = person.person.phone_masked;
        out.person_id = Some(pid);
        out.house_id = out.house_id.or(person.person.house_id);
        out.address = person.house_address.unwrap_or_default();
    } else {
        match p.name.as_deref().map(zhili_domain::person::check_name) {
            Some(Ok(n)) => out.name = n,
            Some(Err(e)) => problems.push(DomainError {
                field: Some(field("name")),
                ..e
            }),
            None => problems.push(problem(
                &field("name"),
                "a party has a name or is a registered person",
                "请填写当事人姓名或从人口库选择",
            )),
        }
        if let Some(number) = p.id_number.as_deref().filter(|n| !n.trim().is_empty()) {
            let id_type = if out.kind == Some(PartyKind::Org) {
                // An organisation's unified credit code is checked as such elsewhere; here it
                // is kept sealed like a document number.
                "553"
            } else {
                "111"
            };
            match zhili_domain::person::check_document(id_type, number, today) {
                Ok((n, _)) => {
                    let mut blinds = crate::people::blind_ids(&state.key, &n);
                    older_blinds.extend(blinds.split_off(1));
                    out.id_blind = blinds.pop();
                    out.id_sealed = Some(state.key.seal(&n, Sealed::PersonIdNumber));
                    out.id_masked = Some(zhili_domain::id_number::mask(&n));
                }
                Err(e) => problems.push(DomainError {
                    field: Some(field("id_number")),
                    ..e
                }),
            }
        }
        if let Some(phone) = p.phone.as_deref().filter(|n| !n.trim().is_empty()) {
            match crypto::normalize_phone(phone) {
                Ok(d) => {
                    out.phone_sealed = Some(state.key.seal(&d, Sealed::PersonPhone));
                    out.phone_masked = Some(crypto::mask_phone(&d));
                }
                Err(e) => problems.push(DomainError {
                    field: Some(field("phone")),
                    ..e
                }),
            }
        }
    }
    if let Some(h) = p.house_id {
        if state.store.get_house(scope, h).await?.is_none() {
            return Err(not_found(&field("house_id"), format!("no house {h}")));
        }
    }
    if let Some(a) = p.address.as_deref().filter(|a| !a.trim().is_empty()) {
        match zhili_domain::text::line(&field("address"), a, 200) {
            Ok(a) => out.address = a,
            Err(e) => problems.push(e),
        }
    }
    Ok(Some(out))
}

/// Opens a case: checks everything it names, seals its parties, flags a repeat dispute and
/// writes it with its first record. Answers the case as stored.
pub async fn open(state: &AppState, user: &User, o: Opening) -> Result<CaseRecord> {
    if !may_open(user) {
        return Err(forbidden("this role does not open mediation cases"));
    }
    let scope = user.scope();
    let now = crate::now_ms();
    let reference = state.reference();
    let mut problems = Vec::new();
    let event = match o.event_id {
        Some(id) => Some(
            state
                .store
                .get_event(&scope, id)
                .await?
                .ok_or_else(|| not_found("event_id", format!("no event {id}")))?,
        ),
        None => None,
    };
    let origin = match o.origin.as_deref() {
        Some(s) => Origin::parse(s).ok_or_else(|| {
            invalid(
                "origin",
                "application, self_initiated, event, police or court",
            )
        })?,
        None if event.is_some() => Origin::Event,
        None => return Err(invalid("origin", "say how the case came")),
    };
    if origin == Origin::Event && event.is_none() {
        return Err(invalid("event_id", "a case from an event names the event"));
    }
    let category_code = match (&event, o.category.as_deref()) {
        (Some(e), None) => e.category.clone(),
        (_, Some(c)) => c.trim().to_string(),
        (None, None) => return Err(invalid("category", "the dispute's category")),
    };
    match reference.categories.get(&category_code) {
        Some(c) if c.opens_dispute => {}
        _ => problems.push(problem(
            "category",
            format!("{category_code:?} is not a dispute category"),
            "该类别不是矛盾纠纷类别",
        )),
    }
    let region = match (&event, o.region_code.as_deref()) {
        (Some(e), _) => e.case.grid.clone(),
        (None, Some(r)) => {
            let r = RegionCode::parse(r.trim()).map_err(|e| invalid("region_code", e.message))?;
            if !state.index().names.contains_key(r.as_str()) || !scope.sees_region(&r) {
                return Err(not_found(
                    "region_code",
                    format!("{r} is not an area of yours"),
                ));
            }
            r
        }
        (None, None) => return Err(invalid("region_code", "where the dispute is")),
    };
    // The committee serves the dispute's area; rooms and mediators are the committee's.
    let committees = state
        .store
        .committees(&Scope::whole(region.clone()))
        .await?;
    let Some(committee) = committees.iter().find(|c| c.id == o.committee_id) else {
        return Err(not_found(
            "committee_id",
            format!(
                "committee {} does not serve {}",
                o.committee_id,
                region.as_str()
            ),
        ));
    };
    // Mediated in the committee's room unless another of its rooms is named.
    let rooms = state
        .store
        .rooms(
            &Scope::whole(committee.region_code.clone()),
            Some(committee.id),
        )
        .await?;
    let room_id = match o.room_id {
        Some(room) if rooms.iter().any(|r| r.id == room) => Some(room),
        Some(room) => {
            return Err(not_found(
                "room_id",
                format!("room {room} is not the committee's"),
            ))
        }
        None => rooms.first().map(|r| r.id),
    };
    let mediators = if o.mediator_ids.is_empty() {
        vec![]
    } else {
        state
            .store
            .mediators(
                &Scope::whole(committee.region_code.clone()),
                Some(committee.id),
                true,
            )
            .await?
    };
    let mut mediator_ids: Vec<i64> = Vec::new();
    for id in &o.mediator_ids {
        let Some(md) = mediators.iter().find(|m| m.id == *id) else {
            return Err(not_found(
                "mediator_ids",
                format!("mediator {id} is not the committee's"),
            ));
        };
        if !mediator_ids.contains(&md.id) {
            mediator_ids.push(md.id);
        }
    }
    let manages = manages(user);
    let only_self = mediators
        .iter()
        .filter(|m| mediator_ids.contains(&m.id))
        .all(|m| m.mediator.username.as_deref() == Some(user.username.as_str()));
    if !mediator_ids.is_empty() && !manages && !only_self {
        return Err(forbidden(
            "the committee assigns mediators; you may name only yourself",
        ));
    }
    if mediator_ids.len() > m::MAX_MEDIATORS {
        problems.push(problem(
            "mediator_ids",
            format!("at most {} mediators", m::MAX_MEDIATORS),
            format!("最多指定{}名调解员", m::MAX_MEDIATORS),
        ));
    }
    let title = zhili_domain::text::line("title", &o.title, 100);
    let facts = zhili_domain::text::note("facts", &o.facts, 2000);
    let title = title.map_err(|e| problems.push(e)).ok();
    let facts = facts.map_err(|e| problems.push(e)).ok();
    if o.parties.len() > m::MAX_PARTIES {
        return Err(invalid(
            "parties",
            format!("a dispute has 2 to {} parties", m::MAX_PARTIES),
        ));
    }
    let mut parties = Vec::with_capacity(o.parties.len());
    // Typed numbers' indexes under the ring's older keys: an earlier case's parties may still
    // be indexed under one while a rotation re-keys (registered people match by their id).
    let mut older_blinds = Vec::new();
    for (i, p) in o.parties.iter().enumerate() {
        if let Some(p) = party(state, &scope, i, p, now, &mut problems, &mut older_blinds).await? {
            parties.push(p);
        }
    }
    let (_, in_force) = limits::limits(state).await?;
    let case = match Case::registered(origin, o.parties.len(), in_force) {
        Ok(mut c) => {
            c.mediators = mediator_ids.iter().map(i64::to_string).collect();
            Some(c)
        }
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let (Some(title), Some(facts), Some(case)) = (title, facts, case) else {
        return Err(Error::problems(problems));
    };
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    let mut blinds: Vec<String> = parties.iter().filter_map(|p| p.id_blind.clone()).collect();
    blinds.extend(older_blinds);
    let people: Vec<i64> = parties.iter().filter_map(|p| p.person_id).collect();
    let houses: Vec<i64> = parties.iter().filter_map(|p| p.house_id).collect();
    let repeat_of = state
        .store
        .earlier_case(
            &blinds,
            &people,
            &houses,
            now - REPEAT_WINDOW_DAYS * zhili_domain::calendar::DAY_MS,
        )
        .await?;
    let mut units = Vec::new();
    if origin == Origin::Court {
        units.push(m::COURT.to_string());
    }
    if origin == Origin::Police {
        units.push(m::POLICE.to_string());
    }
    let new = NewCase {
        committee_id: committee.id,
        room_id,
        region_code: region,
        category: category_code,
        title,
        facts,
        event_id: event.as_ref().map(|e| e.id),
        units,
        parties,
        mediator_ids,
        case,
        repeat_of,
        terms: None,
        committee_name: committee.name.clone(),
    };
    let detail = serde_json::json!({
        "origin": origin.as_str(),
        "parties": new.parties.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "event_id": new.event_id,
        "repeat_of": repeat_of,
    });
    let first = CaseStep {
        step: "register".into(),
        at: now,
        actor: user.username.clone(),
        actor_name: None,
        from_status: None,
        to_status: Some(new.case.status.as_str().into()),
        detail: detail.to_string(),
    };
    let (id, _) = state
        .store
        .open_case(&user.actor(), &new, &first, now)
        .await?;
    state
        .store
        .case(&Scope::whole(new.region_code.clone()), id)
        .await?
        .ok_or_else(|| Error::Store(zhili_store::StoreError::Internal("case not written".into())))
}
