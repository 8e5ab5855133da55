//! Residents' points (积分制): the village's rule book, entries awarded by staff or claimed by
//! residents, the village's approval, the public notice (公示) and appeals, crediting to the
//! ledger once the notice is over, points for a verified report, expiry. The shop and the
//! lists are in their own modules.

mod lists;
mod resident;
mod shop;
pub mod spec;

pub use lists::*;
pub use resident::*;
pub use shop::*;

use super::{forbidden, invalid, not_found, Error, Result};
use crate::state::AppState;
use spec::CatalogueSpec;
use zhili_domain::chain::Actor;
use zhili_domain::event::Status;
use zhili_domain::points::{self as rules, Awarder, EntryState, Move};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Level, RegionCode, Role};
use zhili_store::{
    CatalogueRecord, EntryMove, NewPointEntry, PointEntryRecord, PointJob, PointOutcome,
    ResidentRecord, Settled,
};

/// Entries settled per pass of the background task.
const SETTLE_BATCH: i64 = 2000;

/// The village a staff member works in (a grid worker's is their grid's), if any.
pub fn village_of(user: &User) -> Option<RegionCode> {
    match user.role {
        Role::VillageOperator | Role::GridWorker | Role::GridLeader => {
            user.region_code.ancestor_at(Level::Village)
        }
        _ => None,
    }
}

/// The area whose community work (points, deliberation, 五乐, joint defence) a staff member
/// reads: their village (a grid worker's is their grid's), or their whole area above it. The
/// villages' staff and the centres read it; departments and administrators do not.
pub fn community_area(user: &User) -> Result<String> {
    if !(user.role.works_the_grids() || user.role == Role::Leader) {
        return Err(forbidden(
            "community work is the villages' and the centres'",
        ));
    }
    Ok(village_of(user)
        .map(|v| v.to_string())
        .unwrap_or_else(|| user.region_code.to_string()))
}

fn awarder_of(user: &User) -> Option<Awarder> {
    match user.role {
        // A grid leader puts items forward as the grid staff do, on the grids they lead.
        Role::GridWorker | Role::GridLeader => Some(Awarder::GridWorker),
        Role::VillageOperator => Some(Awarder::VillageOperator),
        _ => None,
    }
}

fn no_rule_book() -> Error {
    DomainError::new(
        ErrorCode::NotFound,
        "the village has adopted no points rules",
    )
    .zh("本村尚未制定积分规则")
    .into()
}

/// A village adopts a new version of its rule book (the village's station records what its
/// assembly adopted, and when).
pub async fn adopt(
    state: &AppState,
    user: &User,
    c: &CatalogueSpec,
    adopted_on: &str,
    adopted_by: &str,
) -> Result<CatalogueRecord> {
    if user.role != Role::VillageOperator {
        return Err(forbidden(
            "the village's station records the rules its assembly adopted",
        ));
    }
    let catalogue = c.to_domain();
    let mut problems = catalogue.check().err().unwrap_or_default();
    if zhili_domain::time::parse_date(adopted_on).is_none() {
        problems.push(DomainError::invalid("adopted_on", "a date YYYY-MM-DD").zh("请填写通过日期"));
    }
    let adopted_by = zhili_domain::text::line("adopted_by", adopted_by, 60)
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    if !problems.is_empty() {
        return Err(Error::problems(problems));
    }
    let record = CatalogueRecord {
        village_code: user.region_code.to_string(),
        version: 0,
        catalogue,
        adopted_on: adopted_on.to_string(),
        adopted_by,
        created_by: user.username.clone(),
        created_at: crate::now_ms(),
    };
    let version = state
        .store
        .save_point_catalogue(&user.actor(), &record, record.created_at)
        .await?;
    Ok(CatalogueRecord { version, ..record })
}

/// The rule book in force in a village.
pub async fn rule_book(state: &AppState, village: &str) -> Result<CatalogueRecord> {
    state
        .store
        .point_catalogue(village)
        .await?
        .ok_or_else(no_rule_book)
}

/// The village whose points a staff member reads: the one named (inside their area) or their
/// own.
pub fn village_for(user: &User, named: Option<&RegionCode>) -> Result<RegionCode> {
    if !(user.role.works_the_grids() || user.role == Role::Leader) {
        return Err(forbidden("points are the villages' and the centres' work"));
    }
    let own = village_of(user);
    match named {
        None => own.ok_or_else(|| invalid("village_code", "name the village")),
        Some(v) if v.level() != Level::Village => {
            Err(invalid("village_code", "a village's 12-digit code"))
        }
        // Grid staff read their own village; the others any village in their area.
        Some(v)
            if own.as_ref() == Some(v)
                || (!user.role.on_the_grids()
                    && v.as_str().starts_with(user.region_code.as_str())) =>
        {
            Ok(v.clone())
        }
        Some(v) => Err(not_found("village_code", format!("village {v} not found"))),
    }
}

/// An entry as a staff member or a resident puts it forward.
#[derive(Clone, Debug)]
pub struct Request {
    pub person_id: i64,
    pub item: String,
    pub note: String,
    pub event_id: Option<i64>,
    /// The caller's key: the same key makes the entry once.
    pub key: Option<String>,
}

fn key_checked(key: &Option<String>) -> Result<()> {
    match key {
        Some(k)
            if !(1..=64).contains(&k.len())
                || !k
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Err(invalid("key", "1 to 64 letters, digits, '-' or '_'"))
        }
        _ => Ok(()),
    }
}

/// Builds the entry for an item of the village's rule book, with its cap's period and the
/// state it starts in (waiting for its event, or for approval).
/// Who puts an entry forward, how, and under which key.
pub(crate) struct Origin {
    pub by: String,
    pub idem: Option<String>,
    /// award, claim or report
    pub kind: &'static str,
}

pub(crate) fn entry_for(
    book: &CatalogueRecord,
    who: Awarder,
    r: &Request,
    event_status: Option<Status>,
    origin: Origin,
    now: i64,
) -> Result<NewPointEntry> {
    let item = book.catalogue.item(&r.item).ok_or_else(|| {
        Error::from(
            DomainError::invalid("item", format!("no item {} in the village's rules", r.item))
                .zh("本村积分规则中没有该项目"),
        )
    })?;
    if !item.awarders.contains(&who) {
        return Err(forbidden(match who {
            Awarder::Resident => "residents do not claim this item themselves",
            _ => "the village's rules do not let this role put this item forward",
        }));
    }
    let note = zhili_domain::text::note("note", &r.note, 500)?;
    let state = match (item.needs_verified_event, r.event_id, event_status) {
        (true, None, _) => {
            return Err(invalid(
                "event_id",
                "this item is earned by an event that passes verification: name it",
            ))
        }
        (_, Some(_), Some(Status::Rejected | Status::Merged)) => {
            return Err(
                DomainError::invalid("event_id", "the event was rejected or merged")
                    .zh("该事件已被退回或合并")
                    .into(),
            )
        }
        (true, Some(_), Some(Status::Verified | Status::Closed | Status::Evaluated)) => {
            EntryState::Pending
        }
        (true, Some(_), _) => EntryState::AwaitingEvent,
        (false, _, _) => EntryState::Pending,
    };
    let cap = item.cap.map(|c| {
        let key = rules::period_key(c.per, now);
        let bounds = match c.per {
            rules::Period::Year => {
                let (from, _) = rules::period_bounds(&format!("{key}-Q1")).expect("a year");
                let (_, to) = rules::period_bounds(&format!("{key}-Q4")).expect("a year");
                (from, to)
            }
            _ => rules::period_bounds(&key).expect("a period key"),
        };
        (c, bounds.0, bounds.1)
    });
    Ok(NewPointEntry {
        village_code: book.village_code.clone(),
        person_id: r.person_id,
        catalogue_version: book.version,
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        category: item.category.clone(),
        points: item.points,
        state,
        origin: origin.kind.into(),
        note,
        event_id: r.event_id,
        requested_by: origin.by,
        idem: origin.idem,
        cap,
    })
}

/// Writes an entry for a person whose name and grid the caller read; answers it as written
/// (read back only when its key had made one before, which may say something else).
async fn write(
    state: &AppState,
    actor: Actor,
    entry: NewPointEntry,
    person: (&str, &str),
) -> Result<PointEntryRecord> {
    let now = crate::now_ms();
    let outcome = state
        .write_points(PointJob::Request {
            actor,
            entry: entry.clone(),
            now,
        })
        .await?;
    match outcome {
        PointOutcome::Requested { id, replay: false } => Ok(PointEntryRecord {
            id,
            entry,
            person_name: person.0.to_string(),
            grid_code: person.1.to_string(),
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            notice_ends: None,
            appeal: None,
            appealed_by: None,
            appealed_at: None,
            appeal_answer: None,
            credited_at: None,
        }),
        PointOutcome::Requested { id, replay: true } => entry_found(state, id).await,
        PointOutcome::Redeemed { .. } => Err(zhili_store::StoreError::Internal(
            "a request answered as a redemption".into(),
        )
        .into()),
    }
}

async fn entry_found(state: &AppState, id: i64) -> Result<PointEntryRecord> {
    state
        .store
        .point_entry(id)
        .await?
        .ok_or_else(|| not_found("id", format!("entry {id} not found")))
}

/// A staff member awards (or deducts) an item to a registered person of their village (a
/// grid worker: of their grid).
pub async fn award(state: &AppState, user: &User, r: Request) -> Result<PointEntryRecord> {
    let who = awarder_of(user).ok_or_else(|| {
        forbidden("points are put forward by the village's station and its grid workers")
    })?;
    key_checked(&r.key)?;
    let village = village_of(user).expect("a village or grid role");
    // Anyone the caller cannot see, and anyone registered elsewhere, is refused alike.
    let person = state
        .store
        .get_person(&user.scope(), r.person_id)
        .await?
        .filter(|p| p.person.grid_code.as_str().starts_with(village.as_str()))
        .ok_or_else(|| {
            Error::from(
                DomainError::invalid(
                    "person_id",
                    "not a registered person of your village or grid",
                )
                .zh("不是本村（网格）的登记人员"),
            )
        })?;
    let book = rule_book(state, village.as_str()).await?;
    let status = match r.event_id {
        Some(id) => Some(
            state
                .store
                .get_event(&user.scope(), id)
                .await?
                .ok_or_else(|| not_found("event_id", format!("event {id} not found")))?
                .case
                .status,
        ),
        None => None,
    };
    let idem = r.key.as_ref().map(|k| format!("{}:{k}", user.username));
    let r = Request {
        person_id: person.id,
        ..r
    };
    let origin = Origin {
        by: user.username.clone(),
        idem,
        kind: "award",
    };
    let entry = entry_for(&book, who, &r, status, origin, crate::now_ms())?;
    let grid = person.person.grid_code.to_string();
    write(state, user.actor(), entry, (&person.person.name, &grid)).await
}

/// A linked resident claims an item for themself, for the village to approve.
pub async fn claim(
    state: &AppState,
    res: &ResidentRecord,
    mut r: Request,
) -> Result<PointEntryRecord> {
    let (Some(person), Some(grid)) = (res.person_id, &res.grid_code) else {
        return Err(forbidden(
            "link your account to your registered person first",
        ));
    };
    key_checked(&r.key)?;
    r.person_id = person;
    let village = grid
        .ancestor_at(Level::Village)
        .expect("a grid has a village");
    let book = rule_book(state, village.as_str()).await?;
    let status = match r.event_id {
        Some(id) => Some(
            state
                .store
                .resident_event(res.id, id)
                .await?
                .ok_or_else(|| {
                    not_found("event_id", format!("event {id} is not one of your reports"))
                })?
                .case
                .status,
        ),
        None => None,
    };
    let actor = res.actor();
    let idem = r.key.as_ref().map(|k| format!("{}:{k}", actor.username));
    let origin = Origin {
        by: actor.username.clone(),
        idem,
        kind: "claim",
    };
    let entry = entry_for(
        &book,
        Awarder::Resident,
        &r,
        status,
        origin,
        crate::now_ms(),
    )?;
    let name = res.display_name.clone().unwrap_or_default();
    write(state, actor, entry, (&name, grid.as_str())).await
}

/// What the village decides about an entry.
#[derive(Clone, Debug)]
pub enum Decision {
    Approve,
    Reject { reason: String },
    UpholdAppeal { answer: String },
    DismissAppeal { answer: String },
}

/// The village's station decides an entry of its village.
pub async fn decide(
    state: &AppState,
    user: &User,
    id: i64,
    d: Decision,
) -> Result<PointEntryRecord> {
    if user.role != Role::VillageOperator {
        return Err(forbidden("the village's station approves points"));
    }
    let e = entry_found(state, id)
        .await
        .ok()
        .filter(|e| e.entry.village_code == user.region_code.as_str())
        .ok_or_else(|| not_found("id", format!("entry {id} not found")))?;
    let (m, note) = match d {
        Decision::Approve => (Move::Approve, None),
        Decision::Reject { reason } => (Move::Reject, Some(reason)),
        Decision::UpholdAppeal { answer } => (Move::UpholdAppeal, Some(answer)),
        Decision::DismissAppeal { answer } => (Move::DismissAppeal, Some(answer)),
    };
    let note = note
        .map(|n| zhili_domain::text::note("reason", &n, 500))
        .transpose()?;
    let to = rules::next(e.entry.state, m)?;
    let now = crate::now_ms();
    let notice_ends = match m {
        Move::Approve => {
            let book = state
                .store
                .point_catalogue_versions(&e.entry.village_code)
                .await?
                .into_iter()
                .find(|b| b.version == e.entry.catalogue_version)
                .ok_or_else(no_rule_book)?;
            Some(rules::notice_ends(&book.catalogue, now))
        }
        _ => None,
    };
    moved(
        state,
        &user.actor(),
        EntryMove {
            id,
            from: e.entry.state,
            to,
            note,
            notice_ends,
        },
        now,
    )
    .await?;
    entry_found(state, id).await
}

async fn moved(state: &AppState, actor: &Actor, m: EntryMove, now: i64) -> Result<()> {
    let done = state.store.move_point_entries(actor, &[m], now).await?;
    if done.first() != Some(&true) {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the entry was decided by someone else")
                .zh("该积分申报已被他人处理，请刷新")
                .into(),
        );
    }
    Ok(())
}

/// An appeal during the notice, by staff of the village or by a resident of it.
async fn appeal(
    state: &AppState,
    actor: &Actor,
    village: &str,
    id: i64,
    reason: &str,
) -> Result<PointEntryRecord> {
    let e = entry_found(state, id)
        .await
        .ok()
        .filter(|e| e.entry.village_code == village)
        .ok_or_else(|| not_found("id", format!("entry {id} not found")))?;
    let reason = zhili_domain::text::note("reason", reason, 500)?;
    let to = rules::next(e.entry.state, Move::Appeal)?;
    let now = crate::now_ms();
    if e.notice_ends.is_some_and(|end| end <= now) {
        return Err(
            DomainError::new(ErrorCode::InvalidTransition, "the notice is over")
                .zh("公示期已结束")
                .into(),
        );
    }
    moved(
        state,
        actor,
        EntryMove {
            id,
            from: e.entry.state,
            to,
            note: Some(reason),
            notice_ends: None,
        },
        now,
    )
    .await?;
    entry_found(state, id).await
}

pub async fn appeal_as_staff(
    state: &AppState,
    user: &User,
    id: i64,
    reason: &str,
) -> Result<PointEntryRecord> {
    let village = village_of(user).ok_or_else(|| {
        forbidden("appeals come from the village: its station, its grid workers, its residents")
    })?;
    appeal(state, &user.actor(), village.as_str(), id, reason).await
}

pub async fn appeal_as_resident(
    state: &AppState,
    res: &ResidentRecord,
    id: i64,
    reason: &str,
) -> Result<PointEntryRecord> {
    let Some(grid) = &res.grid_code else {
        return Err(forbidden(
            "link your account to your registered person first",
        ));
    };
    let village = grid
        .ancestor_at(Level::Village)
        .expect("a grid has a village");
    appeal(state, &res.actor(), village.as_str(), id, reason).await
}

/// Credits what finished its notice and takes what expired, until nothing is due.
pub async fn settle(state: &AppState, now: i64) -> Result<Settled> {
    let mut total = Settled::default();
    loop {
        let done = state.store.settle_points(now, SETTLE_BATCH).await?;
        total.credited += done.credited;
        total.expired += done.expired;
        if done.credited < SETTLE_BATCH as usize && done.expired < SETTLE_BATCH as usize {
            return Ok(total);
        }
    }
}

/// An event passed verification: entries waiting for it go to their village, and a
/// resident's own report raises the item the reporter's village gives for it.
pub async fn event_verified(
    state: &AppState,
    event_id: i64,
    resident_id: Option<i64>,
) -> Result<()> {
    let now = crate::now_ms();
    state.store.release_point_entries(event_id, now).await?;
    let Some(resident) = resident_id else {
        return Ok(());
    };
    let Some(person_id) = state.store.person_of_resident(resident).await? else {
        return Ok(());
    };
    let Some(person) = state
        .store
        .get_person(
            &zhili_domain::Scope::whole(state.index().root.clone().ok_or_else(no_rule_book)?),
            person_id,
        )
        .await?
    else {
        return Ok(());
    };
    let village = person
        .person
        .grid_code
        .ancestor_at(Level::Village)
        .expect("a grid has a village");
    let Some(book) = state.store.point_catalogue(village.as_str()).await? else {
        return Ok(());
    };
    let Some(item) = book.catalogue.items.iter().find(|i| i.on_resident_report) else {
        return Ok(());
    };
    let r = Request {
        person_id,
        item: item.code.clone(),
        note: format!("居民上报事件 #{event_id} 经核查属实"),
        event_id: Some(event_id),
        key: None,
    };
    let origin = Origin {
        by: "system".into(),
        idem: Some(format!("report:{event_id}")),
        kind: "report",
    };
    let who = item.awarders.first().copied().unwrap_or(Awarder::Resident);
    let entry = entry_for(&book, who, &r, Some(Status::Verified), origin, now);
    match entry {
        Ok(entry) => match state
            .write_points(PointJob::Request {
                actor: Actor::system(),
                entry,
                now,
            })
            .await
        {
            // A cap reached or the report counted already: nothing more is owed.
            Ok(_) | Err(zhili_store::StoreError::Domain(_)) => Ok(()),
            Err(e) => Err(e.into()),
        },
        Err(_) => Ok(()),
    }
}
