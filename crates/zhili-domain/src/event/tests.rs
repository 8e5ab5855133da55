use super::*;
use crate::calendar::{DAY_MS, MINUTE_MS};
use crate::time::days_from_civil;

const GRID: &str = "500114001001003";
const VILLAGE: &str = "500114001001";

fn u(s: &str) -> crate::unit::UnitId {
    crate::unit::UnitId::parse(s).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Monday 2026-11-30 09:00 in China.
fn monday_9() -> i64 {
    days_from_civil(2026, 11, 30) * DAY_MS + 9 * HOUR_MS - 8 * HOUR_MS
}

fn cal() -> WorkingCalendar {
    WorkingCalendar::default()
}

fn limits() -> Limits {
    Limits::for_category(4.0, 40.0, false)
}

fn new_case(class: MatterClass) -> Case {
    Case::reported(
        code(GRID),
        class,
        limits(),
        station_id(&code(VILLAGE)),
        monday_9(),
        &cal(),
    )
}

fn actor(role: Role, unit: &str, region: &str) -> Actor {
    Actor {
        role,
        unit: Some(unit.to_string()),
        region: code(region),
        grids: Vec::new(),
    }
}

fn village_op() -> Actor {
    actor(Role::VillageOperator, "S500114001001", VILLAGE)
}
fn other_village_op() -> Actor {
    actor(Role::VillageOperator, "S500114001002", "500114001002")
}
fn town_op() -> Actor {
    actor(Role::TownOperator, "C500114001", "500114001")
}
fn district_op() -> Actor {
    actor(Role::DistrictOperator, "C500114", "500114")
}
fn dept(d: &str) -> Actor {
    actor(Role::DepartmentHandler, d, "500114")
}
fn worker() -> Actor {
    actor(Role::GridWorker, "S500114001001", GRID)
}
fn leader() -> Actor {
    actor(Role::Leader, "C500114", "500114")
}

fn all_commands() -> Vec<Command> {
    vec![
        Command::Register {
            class: None,
            reason: None,
        },
        Command::Reject {
            reason: "重复报送".into(),
        },
        Command::Merge { into: 1 },
        Command::Dispatch {
            lead: u("D09"),
            assisting: vec![u("D01")],
        },
        Command::Accept,
        Command::Return {
            reason: "不属于本单位职责".into(),
        },
        Command::Handle {
            feedback: "已清理".into(),
        },
        Command::Verify { passed: true },
        Command::Close {
            resident_confirmed: false,
        },
        Command::Evaluate { satisfaction: 5 },
        Command::Escalate {
            reason: "村级无法处置".into(),
        },
        Command::Supervise { level: 2 },
        Command::RequestExtension {
            hours: 8.0,
            reason: "需协调多部门".into(),
        },
        Command::ApproveExtension { approved: true },
        Command::Defer {
            reason: "待汛期结束".into(),
        },
        Command::Resume,
        Command::Reopen {
            reason: "问题复发".into(),
        },
    ]
}

/// The actor who would rightly take each action.
fn right_actor(c: &Command) -> Actor {
    match c {
        Command::Accept
        | Command::Return { .. }
        | Command::Handle { .. }
        | Command::RequestExtension { .. } => dept("D09"),
        Command::Verify { .. } => worker(),
        Command::Supervise { .. } => town_op(),
        _ => village_op(),
    }
}

/// A 大事 case sitting in `status`, with what that state implies already in place.
fn case_in(status: Status) -> Case {
    let mut c = new_case(MatterClass::Major);
    c.status = status;
    if matches!(
        status,
        Status::Dispatched
            | Status::Accepted
            | Status::Handled
            | Status::Verified
            | Status::Closed
            | Status::Evaluated
    ) {
        c.lead_unit = Some(u("D09"));
    }
    if status == Status::Accepted {
        c.pending_extension_ms = None;
    }
    if matches!(status, Status::Closed | Status::Evaluated) {
        c.closed_at = Some(monday_9());
        c.step_started = None;
        c.step_due = None;
    }
    if status == Status::Deferred {
        c.deferred_from = Some(Status::Registered);
        c.remaining_ms = Some(HOUR_MS);
    }
    c
}

fn allowed(status: Status, command: &Command) -> bool {
    use Status as S;
    match command {
        Command::Register { .. } | Command::Reject { .. } | Command::Merge { .. } => {
            status == S::Reported
        }
        Command::Dispatch { .. } | Command::Escalate { .. } => status == S::Registered,
        Command::Accept => status == S::Dispatched,
        Command::Return { .. } => matches!(status, S::Dispatched | S::Accepted),
        Command::Handle { .. } | Command::RequestExtension { .. } => status == S::Accepted,
        Command::ApproveExtension { .. } => false, // needs a pending request; tested separately
        Command::Verify { .. } => status == S::Handled,
        Command::Close { .. } => false, // without resident confirmation only Verified closes; below
        Command::Evaluate { .. } => status == S::Closed,
        Command::Supervise { .. } => matches!(
            status,
            S::Registered | S::Dispatched | S::Accepted | S::Handled | S::Verified | S::Deferred
        ),
        Command::Defer { .. } => matches!(status, S::Registered | S::Dispatched | S::Accepted),
        Command::Resume => status == S::Deferred,
        Command::Reopen { .. } => matches!(status, S::Closed | S::Evaluated),
    }
}

#[test]
fn every_action_from_every_state() {
    let now = monday_9() + 10 * MINUTE_MS;
    for status in Status::ALL {
        for command in all_commands() {
            let case = case_in(status);
            let mut expect = allowed(status, &command);
            if matches!(command, Command::Close { .. }) {
                expect = status == Status::Verified;
            }
            let got = apply(&case, &right_actor(&command), &command, now, &cal());
            assert_eq!(
                got.is_ok(),
                expect,
                "{} from {}: {got:?}",
                command.name(),
                status.as_str()
            );
            if let Err(e) = got {
                assert_eq!(
                    e.code,
                    ErrorCode::InvalidTransition,
                    "{} from {}",
                    command.name(),
                    status.as_str()
                );
            }
        }
    }
}

#[test]
fn only_the_right_people_may_act() {
    let now = monday_9() + 10 * MINUTE_MS;
    let strangers = [
        leader(),
        other_village_op(),
        dept("D01"),
        actor(Role::GridWorker, "S500114001001", "500114001001004"),
        actor(Role::Admin, "C500114", "500114"),
    ];
    for status in Status::ALL {
        for command in all_commands() {
            let case = case_in(status);
            if apply(&case, &right_actor(&command), &command, now, &cal()).is_err() {
                continue;
            }
            for stranger in &strangers {
                let r = apply(&case, stranger, &command, now, &cal());
                assert!(
                    r.is_err(),
                    "{:?} may not {} from {}",
                    stranger.role,
                    command.name(),
                    status.as_str()
                );
            }
        }
    }
    // Centres above the owner manage too; a department does not register.
    let case = case_in(Status::Reported);
    let register = Command::Register {
        class: None,
        reason: None,
    };
    assert!(apply(&case, &town_op(), &register, now, &cal()).is_ok());
    assert!(apply(&case, &district_op(), &register, now, &cal()).is_ok());
    assert!(apply(&case, &dept("D09"), &register, now, &cal()).is_err());
    // Once escalated to the town, the village station no longer manages it.
    let mut town_case = case_in(Status::Registered);
    town_case.owner = u("C500114001");
    let dispatch = Command::Dispatch {
        lead: u("D09"),
        assisting: vec![],
    };
    assert!(apply(&town_case, &village_op(), &dispatch, now, &cal()).is_err());
    assert!(apply(&town_case, &town_op(), &dispatch, now, &cal()).is_ok());
    // Supervision comes from above the owner.
    let sup = Command::Supervise { level: 1 };
    assert!(apply(&town_case, &town_op(), &sup, now, &cal()).is_err());
    assert!(apply(&town_case, &district_op(), &sup, now, &cal()).is_ok());
}

#[test]
fn a_case_walks_the_whole_loop_on_working_time() {
    let c = cal();
    let t0 = monday_9();
    let case = new_case(MatterClass::Major);
    assert_eq!(
        case.step_due,
        Some(t0 + 4 * HOUR_MS + 2 * HOUR_MS),
        "4 working hours, lunch skipped: 15:00"
    );
    let step =
        |case: &Case, who: Actor, cmd: Command, at: i64| apply(case, &who, &cmd, at, &c).unwrap();

    let o = step(
        &case,
        village_op(),
        Command::Register {
            class: None,
            reason: None,
        },
        t0 + 30 * MINUTE_MS,
    );
    assert_eq!(
        o.step_done,
        Some(StepDone {
            step: Step::Register,
            due: t0 + 6 * HOUR_MS,
            on_time: true
        })
    );
    let o = step(
        &o.case,
        village_op(),
        Command::Dispatch {
            lead: u("D09"),
            assisting: vec![u("D01")],
        },
        t0 + 2 * HOUR_MS,
    );
    assert_eq!(
        o.step_done.map(|d| d.on_time),
        Some(false),
        "dispatch took 1.5 working hours of its 1"
    );
    assert_eq!(o.case.lead_unit.as_deref(), Some("D09"));
    let o = step(
        &o.case,
        dept("D09"),
        Command::Accept,
        t0 + 2 * HOUR_MS + 10 * MINUTE_MS,
    );
    assert_eq!(o.case.status, Status::Accepted);
    let due_handle = o.case.step_due.unwrap();
    // Extension: 8 working hours later.
    let o = step(
        &o.case,
        dept("D09"),
        Command::RequestExtension {
            hours: 8.0,
            reason: "等待配件".into(),
        },
        t0 + 3 * HOUR_MS,
    );
    let o = step(
        &o.case,
        village_op(),
        Command::ApproveExtension { approved: true },
        t0 + 3 * HOUR_MS,
    );
    assert_eq!(
        o.case.step_due,
        Some(c.add_working(due_handle, 8 * HOUR_MS))
    );
    assert_eq!(o.case.extensions, 1);
    let o = step(
        &o.case,
        dept("D09"),
        Command::Handle {
            feedback: "已修复".into(),
        },
        t0 + DAY_MS,
    );
    let o = step(
        &o.case,
        worker(),
        Command::Verify { passed: false },
        t0 + DAY_MS + HOUR_MS,
    );
    assert_eq!((o.case.status, o.case.reworks), (Status::Accepted, 1));
    let o = step(
        &o.case,
        dept("D09"),
        Command::Handle {
            feedback: "已彻底修复".into(),
        },
        t0 + DAY_MS + 2 * HOUR_MS,
    );
    let o = step(
        &o.case,
        worker(),
        Command::Verify { passed: true },
        t0 + DAY_MS + 3 * HOUR_MS,
    );
    let o = step(
        &o.case,
        village_op(),
        Command::Close {
            resident_confirmed: false,
        },
        t0 + DAY_MS + 3 * HOUR_MS + 5 * MINUTE_MS,
    );
    assert_eq!(o.case.status, Status::Closed);
    assert!(o.case.step_due.is_none());
    let o = step(
        &o.case,
        village_op(),
        Command::Evaluate { satisfaction: 4 },
        t0 + 2 * DAY_MS,
    );
    assert_eq!(
        (o.case.status, o.case.satisfaction),
        (Status::Evaluated, Some(4))
    );
    // Reopened by the reporter within a week; not after.
    let reopened = step(
        &o.case,
        village_op(),
        Command::Reopen {
            reason: "又坏了".into(),
        },
        t0 + 5 * DAY_MS,
    );
    assert_eq!(
        (
            reopened.case.status,
            reopened.case.reopens,
            reopened.case.lead_unit.clone()
        ),
        (Status::Registered, 1, None)
    );
    let late = apply(
        &o.case,
        &village_op(),
        &Command::Reopen {
            reason: "又坏了".into(),
        },
        t0 + 9 * DAY_MS,
        &c,
    );
    assert_eq!(late.unwrap_err().code, ErrorCode::InvalidTransition);
}

#[test]
fn returns_escalations_and_deferral() {
    let c = cal();
    let t0 = monday_9();
    let registered = apply(
        &new_case(MatterClass::Minor),
        &village_op(),
        &Command::Register {
            class: None,
            reason: None,
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    // 小事 stays with the village.
    let to_dept = apply(
        &registered,
        &village_op(),
        &Command::Dispatch {
            lead: u("D09"),
            assisting: vec![],
        },
        t0,
        &c,
    );
    assert_eq!(to_dept.unwrap_err().field.as_deref(), Some("lead"));
    let to_station = apply(
        &registered,
        &village_op(),
        &Command::Dispatch {
            lead: u("S500114001001"),
            assisting: vec![u("D09")],
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    // The station returns it; it goes back for re-dispatch, counted.
    let returned = apply(
        &to_station,
        &village_op(),
        &Command::Return {
            reason: "需上级协调".into(),
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(
        (
            returned.status,
            returned.returns,
            returned.lead_unit.clone()
        ),
        (Status::Registered, 1, None)
    );
    // Escalation: village → town → district, then no further; a 小事 becomes a 大事.
    let up1 = apply(
        &returned,
        &village_op(),
        &Command::Escalate {
            reason: "村级无法处置".into(),
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(
        (up1.owner.as_str(), up1.class, up1.escalations),
        ("C500114001", MatterClass::Major, 1)
    );
    assert!(
        apply(
            &up1,
            &village_op(),
            &Command::Escalate { reason: "x".into() },
            t0,
            &c
        )
        .is_err(),
        "no longer the village's"
    );
    let up2 = apply(
        &up1,
        &town_op(),
        &Command::Escalate {
            reason: "镇级无法处置".into(),
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(up2.owner, "C500114");
    assert_eq!(
        apply(
            &up2,
            &district_op(),
            &Command::Escalate { reason: "x".into() },
            t0,
            &c
        )
        .unwrap_err()
        .code,
        ErrorCode::InvalidTransition
    );
    // Deferral pauses the clock; resume restores the time that was left.
    let dispatched = apply(
        &up2,
        &district_op(),
        &Command::Dispatch {
            lead: u("D09"),
            assisting: vec![],
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    let accepted = apply(
        &dispatched,
        &dept("D09"),
        &Command::Accept,
        t0 + 10 * MINUTE_MS,
        &c,
    )
    .unwrap()
    .case;
    let left = c.working_between(t0 + HOUR_MS, accepted.step_due.unwrap());
    let deferred = apply(
        &accepted,
        &district_op(),
        &Command::Defer {
            reason: "等待汛期结束".into(),
        },
        t0 + HOUR_MS,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(
        (deferred.status, deferred.step_due),
        (Status::Deferred, None)
    );
    assert_eq!(
        deferred.warning(t0 + 100 * DAY_MS, &c),
        Warning::None,
        "no warning while paused"
    );
    let later = t0 + 30 * DAY_MS;
    let resumed = apply(&deferred, &district_op(), &Command::Resume, later, &c)
        .unwrap()
        .case;
    assert_eq!(resumed.status, Status::Accepted);
    assert_eq!(resumed.step_due, Some(c.add_working(later, left)));
}

#[test]
fn private_matters_close_with_guidance_and_confirmation() {
    let c = cal();
    let t0 = monday_9();
    let reg = apply(
        &new_case(MatterClass::Private),
        &village_op(),
        &Command::Register {
            class: None,
            reason: None,
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert!(apply(
        &reg,
        &village_op(),
        &Command::Dispatch {
            lead: u("D09"),
            assisting: vec![]
        },
        t0,
        &c
    )
    .is_err());
    assert_eq!(
        apply(
            &reg,
            &village_op(),
            &Command::Close {
                resident_confirmed: false
            },
            t0,
            &c
        )
        .map_err(|e| (e.code, e.field))
        .unwrap_err(),
        (
            ErrorCode::InvalidTransition,
            Some("resident_confirmed".to_string())
        )
    );
    let closed = apply(
        &reg,
        &village_op(),
        &Command::Close {
            resident_confirmed: true,
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(closed.status, Status::Closed);
    // Reclassifying at registration needs a reason.
    let r = apply(
        &new_case(MatterClass::Private),
        &village_op(),
        &Command::Register {
            class: Some(MatterClass::Major),
            reason: None,
        },
        t0,
        &c,
    );
    assert_eq!(r.unwrap_err().field.as_deref(), Some("reason"));
    let r = apply(
        &new_case(MatterClass::Private),
        &village_op(),
        &Command::Register {
            class: Some(MatterClass::Major),
            reason: Some("涉及多户".into()),
        },
        t0,
        &c,
    )
    .unwrap();
    assert_eq!(r.case.class, MatterClass::Major);
}

#[test]
fn warnings_at_eighty_and_hundred_percent() {
    let c = cal();
    let t0 = monday_9();
    let case = new_case(MatterClass::Major); // 4 working hours to register, due 15:00
    assert_eq!(case.warning(t0 + HOUR_MS, &c), Warning::None);
    // 80% of 4 h = 3.2 h: 09:00 + 3 h (to 12:00) + 0.2 h after lunch = 14:12.
    assert_eq!(
        case.warning(t0 + 5 * HOUR_MS + 11 * MINUTE_MS, &c),
        Warning::None
    );
    assert_eq!(
        case.warning(t0 + 5 * HOUR_MS + 12 * MINUTE_MS, &c),
        Warning::Yellow
    );
    assert_eq!(case.warning(t0 + 6 * HOUR_MS, &c), Warning::Red);
    // Urgent categories count calendar time.
    let urgent = Case::reported(
        code(GRID),
        MatterClass::Major,
        Limits::for_category(0.5, 4.0, true),
        station_id(&code(VILLAGE)),
        t0,
        &c,
    );
    assert_eq!(urgent.step_due, Some(t0 + 30 * MINUTE_MS));
}

#[test]
fn parameters_are_checked() {
    let c = cal();
    let t0 = monday_9();
    let accepted = case_in(Status::Accepted);
    for (cmd, field) in [
        (
            Command::Handle {
                feedback: " ".into(),
            },
            "feedback",
        ),
        (
            Command::RequestExtension {
                hours: -1.0,
                reason: "x".into(),
            },
            "hours",
        ),
        (
            Command::RequestExtension {
                hours: f64::NAN,
                reason: "x".into(),
            },
            "hours",
        ),
        (Command::Return { reason: "".into() }, "reason"),
    ] {
        let e = apply(&accepted, &dept("D09"), &cmd, t0, &c).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{cmd:?}");
    }
    let closed = case_in(Status::Closed);
    assert_eq!(
        apply(
            &closed,
            &village_op(),
            &Command::Evaluate { satisfaction: 6 },
            t0,
            &c
        )
        .unwrap_err()
        .field
        .as_deref(),
        Some("satisfaction")
    );
    let reg = case_in(Status::Registered);
    assert_eq!(
        apply(&reg, &town_op(), &Command::Supervise { level: 4 }, t0, &c)
            .unwrap_err()
            .field
            .as_deref(),
        Some("level")
    );
    // One extension request at a time.
    let asked = apply(
        &accepted,
        &dept("D09"),
        &Command::RequestExtension {
            hours: 4.0,
            reason: "x".into(),
        },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert!(apply(
        &asked,
        &dept("D09"),
        &Command::RequestExtension {
            hours: 4.0,
            reason: "x".into()
        },
        t0,
        &c
    )
    .is_err());
    let denied = apply(
        &asked,
        &village_op(),
        &Command::ApproveExtension { approved: false },
        t0,
        &c,
    )
    .unwrap()
    .case;
    assert_eq!(
        (
            denied.pending_extension_ms,
            denied.extensions,
            denied.step_due
        ),
        (None, 0, asked.step_due)
    );
}

#[test]
fn the_allowed_actions_are_exactly_those_the_machine_accepts() {
    let case = new_case(MatterClass::Major);
    let now = monday_9() + 60_000;
    let station = actor(Role::VillageOperator, &station_id(&code(VILLAGE)), VILLAGE);
    assert_eq!(
        allowed_actions(&case, &station, now, &cal()),
        ["register", "reject", "merge"]
    );
    let leader = actor(Role::Leader, "C500114", "500114");
    assert!(allowed_actions(&case, &leader, now, &cal()).is_empty());
    let stranger = actor(Role::VillageOperator, "S500114002001", "500114002001");
    assert!(!allowed_actions(&case, &stranger, now, &cal()).contains(&"register"));
    // After registering, the station dispatches; nobody registers twice.
    let registered = apply(
        &case,
        &station,
        &Command::Register {
            class: None,
            reason: None,
        },
        now,
        &cal(),
    )
    .unwrap()
    .case;
    let next = allowed_actions(&registered, &station, now, &cal());
    assert!(
        next.contains(&"dispatch") && !next.contains(&"register"),
        "{next:?}"
    );
}

#[test]
fn the_yellow_instant_judges_exactly_as_the_share_of_the_limit_used() {
    let mut c = cal();
    c.set_day("2026-12-02", crate::calendar::DayKind::Holiday)
        .unwrap();
    c.set_day("2026-12-05", crate::calendar::DayKind::Workday)
        .unwrap();
    let t0 = monday_9() - 2 * DAY_MS;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: i64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as i64
    };
    for _ in 0..3000 {
        let clock = if next(2) == 0 {
            Clock::Working
        } else {
            Clock::Calendar
        };
        let start = t0 + next(7 * DAY_MS);
        let due = c.due(start, 1 + next(60 * HOUR_MS), clock);
        let yellow = Warning::yellow_at(Some(start), Some(due), clock, &c);
        // Random instants, and the millisecond on either side of the turn itself.
        let edges = yellow.map(|y| [y - 1, y]).unwrap_or([start, start]);
        let random: Vec<i64> = (0..20)
            .map(|_| start + next(due - start + 2 * HOUR_MS))
            .collect();
        for now in edges.into_iter().chain(random) {
            // The rule as written: red past due, yellow from 80% of the limit used.
            let limit = c.elapsed(start, due, clock);
            let used = c.elapsed(start, now, clock);
            let want = if now >= due {
                Warning::Red
            } else if limit > 0 && used * 5 >= limit * 4 {
                Warning::Yellow
            } else {
                Warning::None
            };
            assert_eq!(
                Warning::at(yellow, Some(due), now),
                want,
                "start {start} due {due} now {now}"
            );
        }
    }
    assert_eq!(Warning::at(None, None, t0), Warning::None);
}

#[test]
fn a_case_waits_for_the_one_whose_move_it_is() {
    let grid = RegionCode::parse("500114001001003").unwrap();
    let mut case = Case::reported(
        grid.clone(),
        MatterClass::Major,
        limits(),
        u("S500114001001"),
        0,
        &WorkingCalendar::default(),
    );
    let station = Actor {
        role: Role::VillageOperator,
        unit: Some("S500114001001".into()),
        region: RegionCode::parse("500114001001").unwrap(),
        grids: Vec::new(),
    };
    let town = Actor {
        role: Role::TownOperator,
        unit: Some("C500114001".into()),
        region: RegionCode::parse("500114001").unwrap(),
        grids: Vec::new(),
    };
    let department = Actor {
        role: Role::DepartmentHandler,
        unit: Some("D09".into()),
        region: RegionCode::parse("500114").unwrap(),
        grids: Vec::new(),
    };
    let worker = Actor {
        role: Role::GridWorker,
        unit: Some("S500114001001".into()),
        region: grid.clone(),
        grids: Vec::new(),
    };
    let others_worker = Actor {
        region: RegionCode::parse("500114001001004").unwrap(),
        ..worker.clone()
    };
    let who = |case: &Case| {
        [&station, &town, &department, &worker, &others_worker].map(|a| waits_for(case, a))
    };
    // The owner registers (the town above manages it but is not waited for).
    assert_eq!(who(&case), [true, false, false, false, false]);
    case.status = Status::Dispatched;
    case.lead_unit = Some(u("D09"));
    assert_eq!(who(&case), [false, false, true, false, false]);
    case.status = Status::Handled;
    assert_eq!(who(&case), [false, false, false, true, false]);
    case.status = Status::Verified;
    assert_eq!(who(&case), [true, false, false, false, false]);
    case.owner = u("C500114001");
    assert_eq!(who(&case), [false, true, false, false, false]);
    for done in [
        Status::Closed,
        Status::Evaluated,
        Status::Rejected,
        Status::Merged,
    ] {
        case.status = done;
        assert_eq!(who(&case), [false; 5], "{done:?}");
    }
    // Every state names whose turn it is, and the lists cover them all once.
    let all: usize = [Turn::Owner, Turn::Lead, Turn::GridWorker, Turn::Nobody]
        .into_iter()
        .map(|t| Status::waiting_for(t).count())
        .sum();
    assert_eq!(all, Status::ALL.len());
}

#[test]
fn a_resident_account_rates_its_own_case_and_confirms_a_private_matter() {
    use crate::error::ErrorCode;
    let cal = WorkingCalendar::default();
    let t = 1_800_000_000_000;
    let mut case = Case::reported(
        RegionCode::parse("500114001001001").unwrap(),
        MatterClass::Private,
        Limits::for_category(2.0, 24.0, false),
        UnitId::parse("S500114001001").unwrap(),
        t,
        &cal,
    );
    let confirm = Command::Close {
        resident_confirmed: true,
    };
    // Not through an account: not the reporter's to do.
    assert!(apply_by_reporter(&case, &confirm, t, &cal).is_err());
    case.reporter_account = true;
    assert!(
        apply_by_reporter(&case, &confirm, t, &cal).is_err(),
        "not registered yet"
    );
    case.status = Status::Registered;
    let closed = apply_by_reporter(&case, &confirm, t + 1, &cal)
        .unwrap()
        .case;
    assert_eq!(
        (closed.status, closed.closed_at),
        (Status::Closed, Some(t + 1))
    );
    let rated = apply_by_reporter(&closed, &Command::Evaluate { satisfaction: 4 }, t + 2, &cal)
        .unwrap()
        .case;
    assert_eq!(
        (rated.status, rated.satisfaction),
        (Status::Evaluated, Some(4))
    );
    assert!(
        apply_by_reporter(&rated, &Command::Evaluate { satisfaction: 5 }, t + 3, &cal).is_err()
    );
    let e = apply_by_reporter(&closed, &Command::Evaluate { satisfaction: 6 }, t + 2, &cal)
        .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("satisfaction"));
    // The reporter cannot take a staff step; the centre cannot rate for them.
    assert!(apply_by_reporter(&case, &Command::Accept, t, &cal).is_err());
    let centre = Actor {
        role: Role::VillageOperator,
        unit: Some("S500114001001".into()),
        region: RegionCode::parse("500114001001").unwrap(),
        grids: Vec::new(),
    };
    let e = apply(
        &closed,
        &centre,
        &Command::Evaluate { satisfaction: 5 },
        t + 2,
        &cal,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidTransition);
}
