use super::*;
use crate::calendar::{HOUR_MS, MINUTE_MS};
use crate::time::days_from_civil;

/// Beijing wall time to an instant.
fn at(y: i64, mo: u32, d: u32, h: i64) -> i64 {
    days_from_civil(y, mo, d) * DAY_MS + h * HOUR_MS - crate::calendar::CHINA_OFFSET_MS
}

const OPERATOR: Who = Who {
    manages: true,
    mediates: false,
    court: false,
};
const MEDIATOR: Who = Who {
    manages: false,
    mediates: true,
    court: false,
};
const COURT: Who = Who {
    manages: false,
    mediates: false,
    court: true,
};
const NOBODY: Who = Who {
    manages: false,
    mediates: false,
    court: false,
};

fn cal() -> WorkingCalendar {
    WorkingCalendar::default()
}

fn step(c: &Case, who: Who, cmd: Command, now: i64) -> Case {
    apply(c, who, &cmd, now, &cal())
        .unwrap_or_else(|e| panic!("{} refused: {}", cmd.name(), e.message))
        .case
}

fn refused(c: &Case, who: Who, cmd: Command, now: i64) -> DomainError {
    apply(c, who, &cmd, now, &cal()).expect_err("must be refused")
}

/// Registered, both consented, a mediator assigned: mediation under way.
fn mediating(now: i64) -> Case {
    let c = Case::registered(Origin::Event, 2, Limits::default()).unwrap();
    let c = step(
        &c,
        OPERATOR,
        Command::Assign {
            mediators: vec!["m1".into()],
        },
        now,
    );
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 0,
            given: true,
        },
        now,
    );
    assert_eq!(
        c.status,
        Status::Registered,
        "one party's consent is not enough"
    );
    step(
        &c,
        MEDIATOR,
        Command::Consent {
            party: 1,
            given: true,
        },
        now,
    )
}

fn session(c: &Case, now: i64) -> Case {
    step(
        c,
        MEDIATOR,
        Command::Session {
            attendees: 3,
            minutes: "双方陈述事实，调解员释法说理".into(),
        },
        now,
    )
}

#[test]
fn a_case_walks_from_consent_to_agreement_confirmation_performance_and_follow_up() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    assert_eq!(c.status, Status::Mediating);
    // One month to settle, in calendar time.
    assert_eq!((c.step_started, c.due), (Some(t0), Some(t0 + 30 * DAY_MS)));
    let c = session(&c, t0 + HOUR_MS);
    let c = session(&c, t0 + 3 * DAY_MS);
    assert_eq!(c.sessions, 2);
    let agreed_at = t0 + 4 * DAY_MS;
    let c = step(
        &c,
        MEDIATOR,
        Command::Agree {
            form: AgreementForm::Written,
            perform_by: agreed_at + 14 * DAY_MS,
        },
        agreed_at,
    );
    assert_eq!(
        (c.status, c.agreed_at, c.due),
        (
            Status::Agreed,
            Some(agreed_at),
            Some(agreed_at + 14 * DAY_MS)
        )
    );
    assert_eq!(c.confirmation_open_until(), Some(agreed_at + 30 * DAY_MS));
    let c = step(
        &c,
        OPERATOR,
        Command::ApplyConfirmation { joint: true },
        agreed_at + 2 * DAY_MS,
    );
    assert_eq!(
        c.confirmation,
        Some(Confirmation::Applied {
            at: agreed_at + 2 * DAY_MS
        })
    );
    assert_eq!(c.confirmation_open_until(), None, "applied for once");
    let c = step(
        &c,
        COURT,
        Command::RecordConfirmation { confirmed: true },
        agreed_at + 5 * DAY_MS,
    );
    assert!(matches!(
        c.confirmation,
        Some(Confirmation::Confirmed { .. })
    ));
    let performed_at = at(2026, 11, 16, 10);
    let c = step(
        &c,
        OPERATOR,
        Command::RecordPerformance { performed: true },
        performed_at,
    );
    assert_eq!(c.status, Status::Performed);
    // The follow-up visit within ten working days (70 working hours).
    assert_eq!(c.due, Some(cal().add_working(performed_at, 70 * HOUR_MS)));
    let c = step(
        &c,
        MEDIATOR,
        Command::FollowUp {
            note: "回访：双方已按协议履行，关系缓和".into(),
        },
        performed_at + DAY_MS,
    );
    assert_eq!(
        (c.status, c.closed_at, c.due),
        (Status::Closed, Some(performed_at + DAY_MS), None)
    );
    assert!(c.status.settled() && !c.status.is_open());
}

#[test]
fn one_partys_clear_refusal_stops_mediation() {
    let t0 = at(2026, 11, 2, 9);
    let c = Case::registered(Origin::Application, 3, Limits::default()).unwrap();
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 0,
            given: true,
        },
        t0,
    );
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 2,
            given: false,
        },
        t0,
    );
    assert_eq!((c.status, c.closed_at), (Status::Refused, Some(t0)));
    // Nothing goes on: no more consent, no session, no agreement.
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Consent {
                party: 1,
                given: true
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        refused(
            &c,
            MEDIATOR,
            Command::Agree {
                form: AgreementForm::Oral,
                perform_by: t0 + DAY_MS
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    // A refusal may still be handed on (to the court, say).
    let out = apply(
        &c,
        OPERATOR,
        &Command::ReferOut {
            to: Referral::Litigation,
            reason: "当事人拒绝调解，告知其可向法院起诉".into(),
            may_turn_violent: false,
        },
        t0,
        &cal(),
    )
    .unwrap();
    assert_eq!(
        (out.case.status, out.raises_event),
        (Status::ReferredOut, false)
    );
}

#[test]
fn consent_is_answered_once_per_party_and_parties_are_bounded() {
    let t0 = at(2026, 11, 2, 9);
    let c = Case::registered(Origin::SelfInitiated, 2, Limits::default()).unwrap();
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 0,
            given: true,
        },
        t0,
    );
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Consent {
                party: 0,
                given: false
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Consent {
                party: 5,
                given: true
            },
            t0
        )
        .code,
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        refused(
            &c,
            NOBODY,
            Command::Consent {
                party: 1,
                given: true
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    assert!(
        Case::registered(Origin::Application, 1, Limits::default()).is_err(),
        "a dispute has two sides"
    );
    assert!(Case::registered(Origin::Application, MAX_PARTIES + 1, Limits::default()).is_err());
}

#[test]
fn only_the_right_people_take_each_step() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    // Assigning is the committee's; an agreement is the mediator's; a session needs both staff.
    assert_eq!(
        refused(
            &c,
            MEDIATOR,
            Command::Assign {
                mediators: vec!["m2".into()]
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    let c = session(&c, t0);
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Agree {
                form: AgreementForm::Oral,
                perform_by: t0 + DAY_MS
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        refused(
            &c,
            COURT,
            Command::Session {
                attendees: 2,
                minutes: "x".into()
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    assert_eq!(
        refused(
            &c,
            NOBODY,
            Command::Terminate {
                reason: "x".into(),
                remedies_told: true
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    // Mediators: deduplicated, at least one, at most five.
    let c = step(
        &c,
        OPERATOR,
        Command::Assign {
            mediators: vec!["m1".into(), " m1 ".into(), "m2".into()],
        },
        t0,
    );
    assert_eq!(c.mediators, ["m1", "m2"]);
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Assign {
                mediators: vec![" ".into()]
            },
            t0
        )
        .code,
        ErrorCode::InvalidParameter
    );
    let six = (1..=6).map(|i| format!("m{i}")).collect();
    assert_eq!(
        refused(&c, OPERATOR, Command::Assign { mediators: six }, t0).code,
        ErrorCode::InvalidParameter
    );
}

#[test]
fn an_agreement_needs_a_session_and_a_sensible_deadline() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    let e = refused(
        &c,
        MEDIATOR,
        Command::Agree {
            form: AgreementForm::Written,
            perform_by: t0 + DAY_MS,
        },
        t0,
    );
    assert!(e.message_zh.unwrap().contains("调解笔录"));
    let c = session(&c, t0);
    for bad in [t0, t0 - MINUTE_MS, t0 + 400 * DAY_MS] {
        assert_eq!(
            refused(
                &c,
                MEDIATOR,
                Command::Agree {
                    form: AgreementForm::Written,
                    perform_by: bad
                },
                t0
            )
            .field
            .as_deref(),
            Some("perform_by")
        );
    }
    let e = refused(
        &c,
        MEDIATOR,
        Command::Session {
            attendees: 1,
            minutes: "x".into(),
        },
        t0,
    );
    assert_eq!(e.field.as_deref(), Some("attendees"));
    let e = refused(
        &c,
        MEDIATOR,
        Command::Session {
            attendees: 2,
            minutes: "  ".into(),
        },
        t0,
    );
    assert_eq!(e.field.as_deref(), Some("minutes"));
}

#[test]
fn a_session_waits_for_a_mediator() {
    let t0 = at(2026, 11, 2, 9);
    let c = Case::registered(Origin::Police, 2, Limits::default()).unwrap();
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 0,
            given: true,
        },
        t0,
    );
    let c = step(
        &c,
        OPERATOR,
        Command::Consent {
            party: 1,
            given: true,
        },
        t0,
    );
    let e = refused(
        &c,
        OPERATOR,
        Command::Session {
            attendees: 2,
            minutes: "x".into(),
        },
        t0,
    );
    assert!(e.message_zh.unwrap().contains("调解员"));
}

#[test]
fn judicial_confirmation_is_for_written_agreements_within_thirty_days_applied_for_jointly() {
    let t0 = at(2026, 11, 2, 9);
    let c = session(&mediating(t0), t0);
    let oral = step(
        &c,
        MEDIATOR,
        Command::Agree {
            form: AgreementForm::Oral,
            perform_by: t0 + DAY_MS,
        },
        t0,
    );
    assert_eq!(
        refused(
            &oral,
            OPERATOR,
            Command::ApplyConfirmation { joint: true },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    let written = step(
        &c,
        MEDIATOR,
        Command::Agree {
            form: AgreementForm::Written,
            perform_by: t0 + 40 * DAY_MS,
        },
        t0,
    );
    assert!(refused(
        &written,
        OPERATOR,
        Command::ApplyConfirmation { joint: false },
        t0
    )
    .message_zh
    .unwrap()
    .contains("共同申请"));
    let late = t0 + 30 * DAY_MS + 1;
    assert!(refused(
        &written,
        OPERATOR,
        Command::ApplyConfirmation { joint: true },
        late
    )
    .message_zh
    .unwrap()
    .contains("30日"));
    step(
        &written,
        OPERATOR,
        Command::ApplyConfirmation { joint: true },
        t0 + 30 * DAY_MS,
    );
    // The court rules only on an application it has.
    assert_eq!(
        refused(
            &written,
            COURT,
            Command::RecordConfirmation { confirmed: true },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    let applied = step(
        &written,
        OPERATOR,
        Command::ApplyConfirmation { joint: true },
        t0 + DAY_MS,
    );
    let rejected = step(
        &applied,
        COURT,
        Command::RecordConfirmation { confirmed: false },
        t0 + 3 * DAY_MS,
    );
    assert_eq!(
        rejected.confirmation,
        Some(Confirmation::Rejected {
            applied_at: t0 + DAY_MS,
            at: t0 + 3 * DAY_MS
        })
    );
    assert_eq!(
        refused(
            &applied,
            MEDIATOR,
            Command::RecordConfirmation { confirmed: true },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
}

#[test]
fn extensions_need_every_party_and_are_bounded() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    assert!(refused(
        &c,
        OPERATOR,
        Command::Extend {
            days: 10,
            all_parties_agree: false
        },
        t0
    )
    .message_zh
    .unwrap()
    .contains("当事人同意"));
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Extend {
                days: 31,
                all_parties_agree: true
            },
            t0
        )
        .field
        .as_deref(),
        Some("days")
    );
    let c = step(
        &c,
        OPERATOR,
        Command::Extend {
            days: 10,
            all_parties_agree: true,
        },
        t0,
    );
    assert_eq!(c.due, Some(t0 + 40 * DAY_MS));
    let c = step(
        &c,
        OPERATOR,
        Command::Extend {
            days: 5,
            all_parties_agree: true,
        },
        t0,
    );
    assert_eq!((c.due, c.extensions), (Some(t0 + 45 * DAY_MS), 2));
    assert_eq!(
        refused(
            &c,
            OPERATOR,
            Command::Extend {
                days: 5,
                all_parties_agree: true
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
}

#[test]
fn an_overdue_case_warns_like_an_event() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    assert_eq!(c.warning(t0 + DAY_MS, &cal()), Warning::None);
    assert_eq!(c.warning(t0 + 25 * DAY_MS, &cal()), Warning::Yellow);
    assert_eq!(c.warning(t0 + 31 * DAY_MS, &cal()), Warning::Red);
    let done = step(
        &c,
        MEDIATOR,
        Command::Terminate {
            reason: "分歧过大".into(),
            remedies_told: true,
        },
        t0 + 31 * DAY_MS,
    );
    assert_eq!(
        done.warning(t0 + 60 * DAY_MS, &cal()),
        Warning::None,
        "a closed case no longer warns"
    );
}

#[test]
fn termination_tells_the_parties_their_remedies_and_a_violent_dispute_raises_an_event() {
    let t0 = at(2026, 11, 2, 9);
    let c = mediating(t0);
    assert!(refused(
        &c,
        MEDIATOR,
        Command::Terminate {
            reason: "分歧过大".into(),
            remedies_told: false
        },
        t0
    )
    .message_zh
    .unwrap()
    .contains("告知"));
    let out = apply(
        &c,
        OPERATOR,
        &Command::ReferOut {
            to: Referral::Litigation,
            reason: "一方扬言报复".into(),
            may_turn_violent: true,
        },
        t0,
        &cal(),
    )
    .unwrap();
    assert!(
        out.raises_event,
        "a dispute that may turn violent reaches the command centre"
    );
    let out = apply(
        &c,
        OPERATOR,
        &Command::ReferOut {
            to: Referral::Police,
            reason: "涉嫌违法".into(),
            may_turn_violent: false,
        },
        t0,
        &cal(),
    )
    .unwrap();
    assert!(out.raises_event, "so does one handed to the police");
    assert_eq!(out.case.referral, Some(Referral::Police));
    // An agreement being performed is not handed out; a breached one is.
    let agreed = step(
        &session(&c, t0),
        MEDIATOR,
        Command::Agree {
            form: AgreementForm::Written,
            perform_by: t0 + DAY_MS,
        },
        t0,
    );
    assert_eq!(
        refused(
            &agreed,
            OPERATOR,
            Command::ReferOut {
                to: Referral::Litigation,
                reason: "x".into(),
                may_turn_violent: false
            },
            t0
        )
        .code,
        ErrorCode::InvalidTransition
    );
    let breached = step(
        &agreed,
        OPERATOR,
        Command::RecordPerformance { performed: false },
        t0 + 2 * DAY_MS,
    );
    assert_eq!(breached.status, Status::Breached);
    step(
        &breached,
        OPERATOR,
        Command::ReferOut {
            to: Referral::Litigation,
            reason: "未履行协议，告知可起诉".into(),
            may_turn_violent: false,
        },
        t0 + 3 * DAY_MS,
    );
}

#[test]
fn vocabularies_read_back() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
        assert!(!s.label_zh().is_empty());
    }
    for o in Origin::ALL {
        assert_eq!(Origin::parse(o.as_str()), Some(o));
    }
    assert_eq!(Referral::parse("police"), Some(Referral::Police));
    assert_eq!(Status::parse("nope"), None);
}
