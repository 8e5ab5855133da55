//! Acting on an event: one step of the closed loop (register, dispatch, handle, verify …) by
//! one user. The state machine in `zhili_domain::event` decides whether the step is allowed
//! and what it does; this resolves what the caller left to the system (the dispatch rules'
//! suggestion), checks what the step names (the merge target, the units, the photos) and
//! writes the change with its record.

use super::evidence;
use crate::state::{AppState, EventNotice};
use zhili_domain::event::{self, Command, Status};
use zhili_domain::reference::suggest_dispatch;
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode, Level, Scope, UnitId};
use zhili_store::{ChangeRequest, EventChange, EventRecord, StoreError};

/// At most this many units assist a lead unit.
pub const MAX_ASSISTING: usize = 20;

/// A step as the caller asks for it: the domain's command, or a dispatch whose units may be
/// left to the dispatch rules.
#[derive(Clone, Debug)]
pub enum Step {
    /// A step as the domain names it (a merge's target is checked before it is taken).
    Do(Command),
    /// Without a lead, the rules' suggestion (lead and assisting units) is taken.
    Dispatch {
        lead: Option<String>,
        assisting: Option<Vec<String>>,
    },
}

/// One step on one event.
#[derive(Clone, Debug)]
pub struct Act {
    pub event: i64,
    /// The version the caller saw: a change by someone else since is refused.
    pub version: Option<i64>,
    pub step: Step,
    /// Free text for the record (the step's reason or feedback when absent).
    pub opinion: Option<String>,
    /// Photo ids the caller uploaded as evidence.
    pub photos: Vec<String>,
}

fn not_found(what: String, field: &str) -> StoreError {
    StoreError::Domain(DomainError::new(ErrorCode::NotFound, what).with_field(field))
}

/// Takes `act.step` on the event as `user`, writes it with its record and tells the live
/// streams; answers the event as it now is.
pub async fn act(state: &AppState, user: &User, act: Act) -> Result<EventRecord, StoreError> {
    let e = state
        .store
        .get_event(&user.scope(), act.event)
        .await?
        .ok_or_else(|| not_found(format!("event {} not found", act.event), "id"))?;
    if let Some(v) = act.version {
        if v != e.version {
            return Err(StoreError::Domain(DomainError::new(
                ErrorCode::InvalidTransition,
                format!("the event is at version {}, not {v}; reload it", e.version),
            )));
        }
    }
    if let Some(o) = &act.opinion {
        super::intake::text("opinion", o, 2000)?;
    }
    let (command, merged_into) = command_of(state, user, &e, act.step).await?;
    let now = crate::now_ms();
    let outcome = event::apply(
        &e.case,
        &event::Actor {
            role: user.role,
            unit: user.unit_id.clone(),
            region: user.region_code.clone(),
            grids: user.grids.clone(),
        },
        &command,
        now,
        &state.reference().calendar,
    )?;
    let opinion = act.opinion.or_else(|| command.text().map(str::to_string));
    let change = EventChange {
        action: command.name().to_string(),
        case: outcome.case,
        from: e.case.status,
        opinion,
        attachments: evidence::checked_photos(state, &user.username, "attachments", &act.photos)
            .await?,
        step_done: outcome.step_done,
        merged_into,
    };
    let action = change.action.clone();
    let updated = state
        .submit_change(ChangeRequest {
            actor: user.actor(),
            id: act.event,
            expected_version: e.version,
            change,
            now,
        })
        .await?;
    state.notify(EventNotice::of(&updated, &action, now));
    if updated.case.status == Status::Verified && e.case.status != Status::Verified {
        // Points owed for the event (a verified hazard report) follow it. The step stands
        // whatever happens to them: entries still waiting are released by the next settling
        // pass, which looks at their events' states.
        if let Err(err) =
            super::points::event_verified(state, updated.id, updated.resident_id).await
        {
            tracing::warn!(event = updated.id, error = %err, "points for a verified event were not raised");
        }
    }
    Ok(updated)
}

/// The domain's command for a step, with what the step names checked: a merge target the
/// user can see that is still open (not found: 404; not mergeable: 409), dispatch units of
/// the event's district (404 when there is none by that id).
async fn command_of(
    state: &AppState,
    user: &User,
    e: &EventRecord,
    step: Step,
) -> Result<(Command, Option<i64>), StoreError> {
    Ok(match step {
        Step::Do(Command::Merge { into }) => {
            let target = state
                .store
                .get_event(&user.scope(), into)
                .await?
                .ok_or_else(|| not_found(format!("event {into} not found"), "into"))?;
            if target.id == e.id || matches!(target.case.status, Status::Rejected | Status::Merged)
            {
                return Err(StoreError::Domain(
                    DomainError::new(
                        ErrorCode::InvalidTransition,
                        format!("event {into} is not an open event to merge into"),
                    )
                    .with_field("into"),
                ));
            }
            (Command::Merge { into }, Some(into))
        }
        Step::Do(command) => (command, None),
        Step::Dispatch { lead, assisting } => {
            let reference = state.reference();
            let suggested = reference
                .categories
                .get(&e.category)
                .map(|c| suggest_dispatch(&reference.rules, c, &e.case.grid, &e.case.owner));
            let as_named = |u: UnitId| u.to_string();
            let (lead, assisting) = match (lead, suggested) {
                (Some(l), _) => (l, assisting.unwrap_or_default()),
                (None, Some((l, a))) => (
                    as_named(l),
                    assisting.unwrap_or_else(|| a.into_iter().map(as_named).collect()),
                ),
                (None, None) => {
                    return Err(StoreError::Domain(
                        DomainError::new(
                            ErrorCode::MissingField,
                            "no dispatch rule suggests a lead unit for this event; name `lead`",
                        )
                        .with_field("lead"),
                    ))
                }
            };
            if assisting.len() > MAX_ASSISTING {
                return Err(StoreError::Domain(DomainError::invalid(
                    "assisting",
                    format!("at most {MAX_ASSISTING} assisting units"),
                )));
            }
            // Any unit of the event's district may be named, whoever dispatches.
            let district =
                Scope::whole(e.case.grid.ancestor_at(Level::District).expect("district"));
            // A name that is not a unit id names no unit: 404, as an id nobody has.
            let mut units = Vec::with_capacity(1 + assisting.len());
            for (field, unit) in
                std::iter::once(("lead", &lead)).chain(assisting.iter().map(|a| ("assisting", a)))
            {
                match UnitId::parse(unit) {
                    Ok(id) if state.store.get_unit(&district, &id).await?.is_some() => {
                        units.push(id)
                    }
                    _ => return Err(not_found(format!("no unit {unit}"), field)),
                }
            }
            let lead = units.remove(0);
            (
                Command::Dispatch {
                    lead,
                    assisting: units,
                },
                None,
            )
        }
    })
}

/// At most this many events are taken up at once.
pub const MAX_BATCH: usize = 100;

/// Takes up (签收) several dispatched events at once, each as its own step with its own
/// record: one that cannot be taken up (not dispatched to the caller's unit, gone, changed)
/// is refused alone and the others still go through. Answers each event's outcome in order,
/// each event once.
pub async fn accept_many(
    state: &AppState,
    user: &User,
    ids: &[i64],
) -> Result<Vec<(i64, Result<EventRecord, StoreError>)>, StoreError> {
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(StoreError::Domain(DomainError::invalid(
            "ids",
            format!("from 1 to {MAX_BATCH} events"),
        )));
    }
    // An event named twice is taken up once (and answered once).
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    // Concurrently: the writer commits them together.
    let steps = ids.into_iter().map(|id| async move {
        let taken = act(
            state,
            user,
            Act {
                event: id,
                version: None,
                step: Step::Do(Command::Accept),
                opinion: None,
                photos: vec![],
            },
        )
        .await;
        (id, taken)
    });
    Ok(futures_util::future::join_all(steps).await)
}
