use super::organisation::{Group, GroupKind, Official, Organisation};
use super::plan::*;
use super::MilestoneState;
use crate::calendar::{DayKind, WorkingCalendar};
use crate::time::days_from_civil;

fn person(name: &str, username: Option<&str>) -> Official {
    Official {
        name: name.into(),
        title: "区委常委".into(),
        username: username.map(Into::into),
    }
}

fn group(code: &str, kind: GroupKind, parent: Option<&str>, lead: Option<&str>) -> Group {
    Group {
        code: code.into(),
        kind,
        name: format!("{code} 组"),
        parent: parent.map(Into::into),
        leader: person("张三", None),
        lead_unit: lead.map(Into::into),
        units: vec![],
        members: vec![],
    }
}

fn organisation() -> Organisation {
    Organisation {
        office: "区委政法委（试点办）".into(),
        office_members: vec![person("李四", Some("pilot"))],
        groups: vec![
            group("L", GroupKind::LeadingGroup, None, None),
            group("W1", GroupKind::WorkingGroup, Some("L"), None),
            group("T01", GroupKind::TaskForce, Some("W1"), Some("D01")),
            group("U-D01", GroupKind::UnitGroup, Some("T01"), Some("D01")),
        ],
        programmes: vec![],
        site_quotas: vec![],
    }
}

fn units(u: &str) -> bool {
    matches!(u, "D01" | "D09" | "C500114001")
}

fn users(u: &str) -> bool {
    u == "pilot"
}

#[test]
fn an_organisation_is_one_leading_group_with_its_levels_in_order() {
    let org = organisation().check(&units, &users).unwrap();
    assert_eq!(org.shape(), [1, 1, 1, 1]);

    let field = |o: Organisation| o.check(&units, &users).unwrap_err().field;
    let mut o = organisation();
    o.groups[2].parent = Some("L".into());
    assert_eq!(
        field(o).as_deref(),
        Some("groups[2].parent"),
        "a task force sits under a working group"
    );
    let mut o = organisation();
    o.groups[2].lead_unit = None;
    assert_eq!(field(o).as_deref(), Some("groups[2].lead_unit"));
    let mut o = organisation();
    o.groups[3].units = vec!["D99".into()];
    assert_eq!(field(o).as_deref(), Some("groups[3].units[0]"));
    let mut o = organisation();
    o.groups[1].code = "L".into();
    assert_eq!(field(o).as_deref(), Some("groups[1].code"));
    let mut o = organisation();
    o.groups
        .push(group("L2", GroupKind::LeadingGroup, None, None));
    assert_eq!(field(o).as_deref(), Some("groups"), "two leading groups");
    let mut o = organisation();
    o.office_members[0].username = Some("nobody".into());
    assert_eq!(field(o).as_deref(), Some("office_members[0].username"));
}

fn draft() -> TargetDraft {
    TargetDraft {
        title: "矛盾纠纷多元化解".into(),
        lead_unit: "D01".into(),
        partners: vec!["D09".into()],
        weight: 2.0,
        due: days_from_civil(2026, 12, 31),
        milestones: vec![
            MilestoneDraft {
                title: "验收".into(),
                when: When::WorkingDaysBefore(0),
                weight: 1.0,
            },
            MilestoneDraft {
                title: "方案".into(),
                when: When::On(days_from_civil(2026, 3, 31)),
                weight: 1.0,
            },
        ],
    }
}

#[test]
fn a_target_is_checked_against_its_year_and_its_milestones_scheduled_back() {
    let mut cal = WorkingCalendar::default();
    // 31 December 2026 is a Thursday; make it a holiday: the last milestone moves back a day.
    cal.set_day("2026-12-31", DayKind::Holiday).unwrap();
    let t = draft().check(2026, &units, &cal).unwrap();
    assert_eq!(t.milestones[0].title, "方案", "milestones in day order");
    assert_eq!(t.milestones[1].due, days_from_civil(2026, 12, 30));

    let field = |d: TargetDraft| d.check(2026, &units, &cal).unwrap_err().field;
    let mut d = draft();
    d.due = days_from_civil(2027, 1, 5);
    assert_eq!(
        field(d).as_deref(),
        Some("due"),
        "a date outside the period"
    );
    let mut d = draft();
    d.milestones[1].when = When::On(days_from_civil(2025, 12, 1));
    assert_eq!(field(d).as_deref(), Some("milestones[1].due"));
    let mut d = draft();
    d.milestones[0].when = When::WorkingDaysBefore(400);
    assert_eq!(
        field(d).as_deref(),
        Some("milestones[0].working_days_before")
    );
    let mut d = draft();
    d.partners = vec!["D01".into()];
    assert_eq!(
        field(d).as_deref(),
        Some("partners[0]"),
        "the lead is not its own partner"
    );
    let mut d = draft();
    d.weight = 0.0;
    assert_eq!(field(d).as_deref(), Some("weight"));
    let mut d = draft();
    d.milestones.clear();
    assert_eq!(field(d).as_deref(), Some("milestones"));
}

#[test]
fn the_lead_moves_the_percentage_and_partners_report_what_they_did() {
    let p = |percent: Option<f64>, done: Vec<usize>| ProgressDraft {
        note: "完成排查".into(),
        percent,
        milestones_done: done,
    };
    assert!(check_progress(p(Some(40.0), vec![0]), Part::Lead, &[false, false]).is_ok());
    assert!(check_progress(p(None, vec![]), Part::Partner, &[false]).is_ok());
    let e = check_progress(p(Some(40.0), vec![]), Part::Partner, &[false]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("percent"));
    let e = check_progress(p(None, vec![]), Part::None, &[false]).unwrap_err();
    assert_eq!(e.code, crate::ErrorCode::Forbidden);
    let e = check_progress(p(None, vec![0]), Part::Lead, &[true]).unwrap_err();
    assert_eq!(
        e.field.as_deref(),
        Some("milestones_done[0]"),
        "done already"
    );
    let e = check_progress(p(None, vec![3]), Part::Lead, &[false]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("milestones_done[0]"));
    let e = check_progress(p(Some(120.0), vec![]), Part::Lead, &[false]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("percent"));
}

#[test]
fn a_target_warns_yellow_before_a_milestone_and_red_after_it() {
    let cal = WorkingCalendar::default();
    let due = days_from_civil(2026, 6, 30);
    let m = |done_on| MilestoneFacts {
        due,
        done_on,
        weight: 1.0,
    };
    let (_, s) = target_state(&[m(None)], 10.0, due - 30, &cal);
    assert_eq!(s, TargetState::OnTrack);
    let (_, s) = target_state(&[m(None)], 10.0, due - 2, &cal);
    assert_eq!((s, s.light()), (TargetState::DueSoon, Some("yellow")));
    let (states, s) = target_state(&[m(None)], 10.0, due + 1, &cal);
    assert_eq!(
        (states[0], s, s.light()),
        (MilestoneState::Late, TargetState::Late, Some("red"))
    );
    let (states, s) = target_state(&[m(Some(due + 3))], 100.0, due + 5, &cal);
    assert_eq!(
        (states[0], s),
        (MilestoneState::DoneLate, TargetState::Done)
    );
    assert_eq!(milestone_progress(&[m(Some(due)), m(None)]), 50.0);
}
