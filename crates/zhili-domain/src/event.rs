//! The event closed loop as a state machine: which action is allowed from which state, by
//! whom, and what it does to the case and its deadlines. Pure: the caller brings the case,
//! the actor, the command, the time and the calendar; it gets back the new case and what to
//! record, or a refusal.

use crate::calendar::{Clock, WorkingCalendar, HOUR_MS};
use crate::code::RegionCode;
use crate::error::{DomainError, ErrorCode};
use crate::region::Level;
use crate::role::Role;
use crate::unit::{centre_id, station_id, UnitId};

pub use reporter::apply_by_reporter;
pub use words::{Channel, MatterClass, Status, Turn};

/// The timed steps of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Register,
    Dispatch,
    TakeUp,
    Handle,
    Verify,
    Close,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Register => "register",
            Step::Dispatch => "dispatch",
            Step::TakeUp => "take_up",
            Step::Handle => "handle",
            Step::Verify => "verify",
            Step::Close => "close",
        }
    }
}

/// The limits a case runs on, copied onto it at intake so later edits of reference data
/// never move the deadlines of cases already running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub register_ms: i64,
    pub dispatch_ms: i64,
    pub take_up_ms: i64,
    pub handle_ms: i64,
    pub verify_ms: i64,
    pub close_ms: i64,
    pub clock: Clock,
}

impl Limits {
    pub fn of(&self, step: Step) -> i64 {
        match step {
            Step::Register => self.register_ms,
            Step::Dispatch => self.dispatch_ms,
            Step::TakeUp => self.take_up_ms,
            Step::Handle => self.handle_ms,
            Step::Verify => self.verify_ms,
            Step::Close => self.close_ms,
        }
    }

    /// From a category's acceptance and handling limits (hours) and the loop's step limits.
    pub fn for_category(accept_hours: f64, handle_hours: f64, urgent: bool) -> Limits {
        let h = |x: f64| (x * HOUR_MS as f64).round() as i64;
        Limits {
            register_ms: h(accept_hours),
            dispatch_ms: HOUR_MS,
            take_up_ms: HOUR_MS,
            handle_ms: h(handle_hours),
            verify_ms: if urgent { 2 * HOUR_MS } else { 8 * HOUR_MS },
            close_ms: 2 * HOUR_MS,
            clock: if urgent {
                Clock::Calendar
            } else {
                Clock::Working
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning {
    None,
    /// 80% of the step's limit used.
    Yellow,
    /// The step is overdue.
    Red,
}

impl Warning {
    /// Red once the running step is past due; yellow once 80% of its limit is used.
    pub fn of(
        step_started: Option<i64>,
        step_due: Option<i64>,
        clock: Clock,
        now: i64,
        cal: &WorkingCalendar,
    ) -> Warning {
        if step_due.is_some_and(|due| now >= due) {
            return Warning::Red;
        }
        Warning::at(
            Warning::yellow_at(step_started, step_due, clock, cal),
            step_due,
            now,
        )
    }

    /// The instant the running step turns yellow (80% of its limit used), for callers that
    /// judge many events at many instants: `at` is then a pair of comparisons.
    pub fn yellow_at(
        step_started: Option<i64>,
        step_due: Option<i64>,
        clock: Clock,
        cal: &WorkingCalendar,
    ) -> Option<i64> {
        let (start, due) = (step_started?, step_due?);
        let limit = cal.elapsed(start, due, clock);
        // used * 5 >= limit * 4  <=>  used >= ceil(limit * 4 / 5); elapsed time reaches a
        // working duration first at the instant `due` gives for it.
        (limit > 0).then(|| cal.due(start, (limit * 4 + 4) / 5, clock))
    }

    /// The warning now, from `yellow_at` and the step's due time.
    pub fn at(yellow_at: Option<i64>, step_due: Option<i64>, now: i64) -> Warning {
        match (yellow_at, step_due) {
            (_, Some(due)) if now >= due => Warning::Red,
            (Some(yellow), _) if now >= yellow => Warning::Yellow,
            _ => Warning::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Warning::None => "none",
            Warning::Yellow => "yellow",
            Warning::Red => "red",
        }
    }
}

/// What the state machine needs to know of an event.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub status: Status,
    pub class: MatterClass,
    pub grid: RegionCode,
    /// The centre or station responsible for the case (unit id).
    pub owner: UnitId,
    pub lead_unit: Option<UnitId>,
    pub assisting_units: Vec<UnitId>,
    pub limits: Limits,
    /// When the running step started and is due (None when no step runs).
    pub step_started: Option<i64>,
    pub step_due: Option<i64>,
    /// While deferred: the state to resume and the step time that was left.
    pub deferred_from: Option<Status>,
    pub remaining_ms: Option<i64>,
    /// An extension asked for and not yet decided (ms of working time).
    pub pending_extension_ms: Option<i64>,
    pub closed_at: Option<i64>,
    pub returns: i64,
    pub reworks: i64,
    pub escalations: i64,
    pub supervision_level: i64,
    pub extensions: i64,
    pub deferrals: i64,
    pub reopens: i64,
    pub satisfaction: Option<i64>,
    /// Reported by a resident through their own account: they rate it and confirm a 私事
    /// themselves (`apply_by_reporter`); the centre no longer enters a rating for them.
    pub reporter_account: bool,
}

impl Case {
    /// A new report: owned by the village station (or the district centre for channels that
    /// arrive there: hotline, video alerts, department referrals).
    pub fn reported(
        grid: RegionCode,
        class: MatterClass,
        limits: Limits,
        owner: UnitId,
        now: i64,
        cal: &WorkingCalendar,
    ) -> Case {
        Case {
            status: Status::Reported,
            class,
            grid,
            owner,
            lead_unit: None,
            assisting_units: vec![],
            limits,
            step_started: Some(now),
            step_due: Some(cal.due(now, limits.register_ms, limits.clock)),
            deferred_from: None,
            remaining_ms: None,
            pending_extension_ms: None,
            closed_at: None,
            returns: 0,
            reworks: 0,
            escalations: 0,
            supervision_level: 0,
            extensions: 0,
            deferrals: 0,
            reopens: 0,
            satisfaction: None,
            reporter_account: false,
        }
    }

    pub fn village(&self) -> RegionCode {
        self.grid
            .ancestor_at(Level::Village)
            .expect("a grid has a village")
    }

    /// The level of the owning centre: village station, town centre or district centre.
    pub fn owner_level(&self) -> Level {
        self.owner.level().unwrap_or(Level::District)
    }

    pub fn warning(&self, now: i64, cal: &WorkingCalendar) -> Warning {
        Warning::of(
            self.step_started,
            self.step_due,
            self.limits.clock,
            now,
            cal,
        )
    }
}

/// Who is acting, as far as the machine cares.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    pub role: Role,
    pub unit: Option<String>,
    /// The root of the actor's scope.
    pub region: RegionCode,
    /// For staff on the grids: the other grids they lead or cover (their own is `region`).
    pub grids: Vec<RegionCode>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Register {
        class: Option<MatterClass>,
        reason: Option<String>,
    },
    Reject {
        reason: String,
    },
    Merge {
        into: i64,
    },
    Dispatch {
        lead: UnitId,
        assisting: Vec<UnitId>,
    },
    Accept,
    Return {
        reason: String,
    },
    Handle {
        feedback: String,
    },
    Verify {
        passed: bool,
    },
    Close {
        resident_confirmed: bool,
    },
    Evaluate {
        satisfaction: i64,
    },
    Escalate {
        reason: String,
    },
    Supervise {
        level: i64,
    },
    RequestExtension {
        hours: f64,
        reason: String,
    },
    ApproveExtension {
        approved: bool,
    },
    Defer {
        reason: String,
    },
    Resume,
    Reopen {
        reason: String,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Register { .. } => "register",
            Command::Reject { .. } => "reject",
            Command::Merge { .. } => "merge",
            Command::Dispatch { .. } => "dispatch",
            Command::Accept => "accept",
            Command::Return { .. } => "return",
            Command::Handle { .. } => "handle",
            Command::Verify { .. } => "verify",
            Command::Close { .. } => "close",
            Command::Evaluate { .. } => "evaluate",
            Command::Escalate { .. } => "escalate",
            Command::Supervise { .. } => "supervise",
            Command::RequestExtension { .. } => "request_extension",
            Command::ApproveExtension { .. } => "approve_extension",
            Command::Defer { .. } => "defer",
            Command::Resume => "resume",
            Command::Reopen { .. } => "reopen",
        }
    }

    /// The command's own words for the record: its reason or what was done.
    pub fn text(&self) -> Option<&str> {
        match self {
            Command::Register { reason, .. } => reason.as_deref(),
            Command::Reject { reason }
            | Command::Return { reason }
            | Command::Escalate { reason }
            | Command::RequestExtension { reason, .. }
            | Command::Defer { reason }
            | Command::Reopen { reason } => Some(reason),
            Command::Handle { feedback } => Some(feedback),
            _ => None,
        }
    }
}

/// A completed timed step: was it done in time?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepDone {
    pub step: Step,
    pub due: i64,
    pub on_time: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub case: Case,
    pub step_done: Option<StepDone>,
}

/// A reporter may reopen a closed case within this time.
pub const REOPEN_WINDOW_MS: i64 = 7 * 24 * HOUR_MS;

fn refuse(msg: impl Into<String>) -> DomainError {
    DomainError::new(ErrorCode::InvalidTransition, msg)
}

fn need_text(field: &str, text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::invalid(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if text.chars().count() > 2000 {
        return Err(DomainError::invalid(
            field,
            format!("{field} is longer than 2000 characters"),
        ));
    }
    Ok(())
}

const CENTRE_ROLES: [Role; 4] = [
    Role::VillageOperator,
    Role::TownOperator,
    Role::DistrictOperator,
    Role::DistrictCommander,
];

/// The owning centre's staff, or a centre above it with the case in its scope.
fn manages(actor: &Actor, case: &Case) -> bool {
    CENTRE_ROLES.contains(&actor.role)
        && actor.region.contains(&case.grid)
        && actor.region.level() <= case.owner_level()
}

/// The unit the case is dispatched to.
fn leads(actor: &Actor, case: &Case) -> bool {
    let role_ok = actor.role == Role::DepartmentHandler || CENTRE_ROLES.contains(&actor.role);
    role_ok && case.lead_unit.is_some() && actor.unit.as_deref() == case.lead_unit.as_deref()
}

/// Whether the case waits for `actor` now: the owning unit's operators, the lead unit's
/// handlers, or the grid's worker, as `Status::turn` says — what a to-do list shows.
pub fn waits_for(case: &Case, actor: &Actor) -> bool {
    let mine =
        |unit: Option<&UnitId>| unit.is_some_and(|u| actor.unit.as_deref() == Some(u.as_str()));
    match case.status.turn() {
        Turn::Owner => CENTRE_ROLES.contains(&actor.role) && mine(Some(&case.owner)),
        Turn::Lead => {
            (actor.role == Role::DepartmentHandler || CENTRE_ROLES.contains(&actor.role))
                && mine(case.lead_unit.as_ref())
        }
        Turn::GridWorker => grid_worker_of(actor, case),
        Turn::Nobody => false,
    }
}

/// The grid's staff, on site: its grid worker, or whoever leads or covers the grid.
fn grid_worker_of(actor: &Actor, case: &Case) -> bool {
    actor.role.on_the_grids() && (actor.region == case.grid || actor.grids.contains(&case.grid))
}

/// A centre above the owner (or the district commander) may supervise.
fn supervises(actor: &Actor, case: &Case) -> bool {
    CENTRE_ROLES.contains(&actor.role)
        && actor.region.contains(&case.grid)
        && (actor.region.level() < case.owner_level() || actor.role == Role::DistrictCommander)
}

impl Case {
    /// The start of a new running step (or none), with its due time.
    fn enter(&mut self, status: Status, now: i64, cal: &WorkingCalendar) {
        self.status = status;
        match status.running_step() {
            Some(step) => {
                self.step_started = Some(now);
                self.step_due = Some(cal.due(now, self.limits.of(step), self.limits.clock));
            }
            None => {
                self.step_started = None;
                self.step_due = None;
            }
        }
    }
}

/// Applies `command` by `actor` at `now`. The case is unchanged on refusal.
pub fn apply(
    case: &Case,
    actor: &Actor,
    command: &Command,
    now: i64,
    cal: &WorkingCalendar,
) -> Result<Outcome, DomainError> {
    use Command as C;
    use Status as S;
    let mut next = case.clone();
    let done = |step: Step| {
        let due = case.step_due.unwrap_or(now);
        StepDone {
            step,
            due,
            on_time: now <= due,
        }
    };
    let mut step_done = None;
    let not_now = || {
        refuse(format!(
            "{} is not possible while the event is {}",
            command.name(),
            case.status.as_str()
        ))
    };
    let not_you = || refuse(format!("you may not {} this event", command.name()));
    if actor.role.read_only() {
        return Err(refuse("leaders have read-only access"));
    }
    match (case.status, command) {
        (S::Reported, C::Register { class, reason }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            if let Some(class) = class {
                if *class != case.class {
                    need_text("reason", reason.as_deref().unwrap_or(""))?;
                    next.class = *class;
                }
            }
            step_done = Some(done(Step::Register));
            next.enter(S::Registered, now, cal);
        }
        (S::Reported, C::Reject { reason }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            step_done = Some(done(Step::Register));
            next.enter(S::Rejected, now, cal);
        }
        (S::Reported, C::Merge { .. }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            step_done = Some(done(Step::Register));
            next.enter(S::Merged, now, cal);
        }
        (S::Registered, C::Dispatch { lead, assisting }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            if case.class == MatterClass::Private {
                return Err(refuse("a 私事 is closed with guidance, not dispatched"));
            }
            let station = station_id(&case.village());
            if case.class == MatterClass::Minor && *lead != station {
                return Err(DomainError::invalid(
                    "lead",
                    format!("a 小事 stays with the village: its lead is {station}"),
                ));
            }
            if assisting.contains(lead) {
                return Err(DomainError::invalid(
                    "assisting",
                    "the lead unit cannot also assist",
                ));
            }
            next.lead_unit = Some(lead.clone());
            next.assisting_units = assisting.clone();
            step_done = Some(done(Step::Dispatch));
            next.enter(S::Dispatched, now, cal);
        }
        (S::Dispatched, C::Accept) => {
            if !leads(actor, case) {
                return Err(not_you());
            }
            step_done = Some(done(Step::TakeUp));
            next.enter(S::Accepted, now, cal);
        }
        (S::Dispatched | S::Accepted, C::Return { reason }) => {
            if !leads(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            next.returns += 1;
            next.lead_unit = None;
            next.assisting_units.clear();
            next.pending_extension_ms = None;
            next.enter(S::Registered, now, cal);
        }
        (S::Accepted, C::Handle { feedback }) => {
            if !leads(actor, case) {
                return Err(not_you());
            }
            need_text("feedback", feedback)?;
            step_done = Some(done(Step::Handle));
            next.pending_extension_ms = None;
            next.enter(S::Handled, now, cal);
        }
        (S::Handled, C::Verify { passed }) => {
            if !(grid_worker_of(actor, case) || manages(actor, case)) {
                return Err(not_you());
            }
            step_done = Some(done(Step::Verify));
            if *passed {
                next.enter(S::Verified, now, cal);
            } else {
                next.reworks += 1;
                next.enter(S::Accepted, now, cal);
            }
        }
        (S::Verified, C::Close { .. }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            step_done = Some(done(Step::Close));
            next.enter(S::Closed, now, cal);
            next.closed_at = Some(now);
        }
        (S::Registered, C::Close { resident_confirmed }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            if case.class != MatterClass::Private {
                return Err(not_now());
            }
            // Not yet: the resident has still to confirm.
            if !resident_confirmed {
                return Err(DomainError::new(
                    ErrorCode::InvalidTransition,
                    "a 私事 closes once the resident confirms the guidance",
                )
                .with_field("resident_confirmed"));
            }
            step_done = Some(done(Step::Dispatch));
            next.enter(S::Closed, now, cal);
            next.closed_at = Some(now);
        }
        (S::Closed, C::Evaluate { satisfaction }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            if case.reporter_account {
                return Err(DomainError::new(
                    ErrorCode::InvalidTransition,
                    "the resident who reported this rates it on their own page",
                )
                .zh("该事件由群众本人评价"));
            }
            reporter::rate(&mut next, *satisfaction, now, cal)?;
        }
        (S::Registered, C::Escalate { reason }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            let up = match case.owner_level() {
                Level::Village => centre_id(&case.grid.ancestor_at(Level::Town).expect("town")),
                Level::Town => {
                    centre_id(&case.grid.ancestor_at(Level::District).expect("district"))
                }
                _ => {
                    return Err(refuse(
                        "the district centre is the top level; there is no one to escalate to",
                    ))
                }
            };
            next.owner = up;
            next.escalations += 1;
            // A matter the village cannot handle is no longer a 小事.
            if next.class == MatterClass::Minor {
                next.class = MatterClass::Major;
            }
            next.enter(S::Registered, now, cal);
        }
        (s, C::Supervise { level }) if s.is_open() && s != S::Reported => {
            if !supervises(actor, case) {
                return Err(not_you());
            }
            if !(1..=3).contains(level) {
                return Err(DomainError::invalid("level", "supervision level is 1 to 3"));
            }
            next.supervision_level = next.supervision_level.max(*level);
        }
        (S::Accepted, C::RequestExtension { hours, reason }) => {
            if !leads(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            if !(hours.is_finite() && *hours > 0.0 && *hours <= 2000.0) {
                return Err(DomainError::invalid(
                    "hours",
                    "an extension is more than 0 and at most 2000 hours",
                ));
            }
            if case.pending_extension_ms.is_some() {
                return Err(refuse(
                    "an extension request is already waiting for a decision",
                ));
            }
            next.pending_extension_ms = Some((hours * HOUR_MS as f64).round() as i64);
        }
        (S::Accepted, C::ApproveExtension { approved }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            let Some(extra) = case.pending_extension_ms else {
                return Err(refuse("no extension request is waiting"));
            };
            next.pending_extension_ms = None;
            if *approved {
                next.extensions += 1;
                let due = case.step_due.unwrap_or(now);
                next.step_due = Some(cal.due(due, extra, case.limits.clock));
            }
        }
        (S::Registered | S::Dispatched | S::Accepted, C::Defer { reason }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            let due = case.step_due.unwrap_or(now);
            next.remaining_ms = Some(cal.elapsed(now, due, case.limits.clock));
            next.deferred_from = Some(case.status);
            next.deferrals += 1;
            next.status = S::Deferred;
            next.step_started = None;
            next.step_due = None;
        }
        (S::Deferred, C::Resume) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            let back = case.deferred_from.unwrap_or(S::Registered);
            next.status = back;
            next.step_started = Some(now);
            next.step_due = Some(cal.due(now, case.remaining_ms.unwrap_or(0), case.limits.clock));
            next.deferred_from = None;
            next.remaining_ms = None;
        }
        (S::Closed | S::Evaluated, C::Reopen { reason }) => {
            if !manages(actor, case) {
                return Err(not_you());
            }
            need_text("reason", reason)?;
            if case
                .closed_at
                .is_none_or(|closed| now - closed > REOPEN_WINDOW_MS)
            {
                return Err(refuse(
                    "a case can be reopened within 7 days of closure only",
                ));
            }
            next.reopens += 1;
            next.lead_unit = None;
            next.assisting_units.clear();
            next.closed_at = None;
            next.satisfaction = None;
            next.enter(S::Registered, now, cal);
        }
        _ => return Err(not_now()),
    }
    Ok(Outcome {
        case: next,
        step_done,
    })
}

mod reporter;
mod words;

#[cfg(test)]
mod tests;

/// The actions `actor` may take on `case` now: each action is tried on the machine with
/// ordinary parameters, so this list can never disagree with `apply`.
pub fn allowed_actions(
    case: &Case,
    actor: &Actor,
    now: i64,
    cal: &WorkingCalendar,
) -> Vec<&'static str> {
    let reason = || "—".to_string();
    let candidates = [
        Command::Register {
            class: None,
            reason: None,
        },
        Command::Reject { reason: reason() },
        Command::Merge { into: 0 },
        // Whether a dispatch is open at all: to the lead any case may have, its village's station.
        Command::Dispatch {
            lead: station_id(&case.village()),
            assisting: vec![],
        },
        Command::Accept,
        Command::Return { reason: reason() },
        Command::Handle { feedback: reason() },
        Command::Verify { passed: true },
        Command::Close {
            resident_confirmed: true,
        },
        Command::Evaluate { satisfaction: 5 },
        Command::Escalate { reason: reason() },
        Command::Supervise {
            level: (case.supervision_level + 1).min(3),
        },
        Command::RequestExtension {
            hours: 8.0,
            reason: reason(),
        },
        Command::ApproveExtension { approved: true },
        Command::Defer { reason: reason() },
        Command::Resume,
        Command::Reopen { reason: reason() },
    ];
    candidates
        .iter()
        .filter(|c| apply(case, actor, c, now, cal).is_ok())
        .map(Command::name)
        .collect()
}
