use super::*;
use crate::calendar::WorkingCalendar;
use crate::time::days_from_civil;
use std::collections::HashMap;

fn scheme_json() -> serde_json::Value {
    serde_json::json!({
        "year": 2026, "group": "towns", "name": " 2026 年度试点工作考核 ", "lead_share": 1.0, "partner_share": 0.5,
        "tie_break": ["A2", "B1"],
        "items": [
            {"code": "A", "name": "事件办理", "points": 60, "children": [
                {"code": "A1", "name": "按期办结", "points": 30,
                 "rule": {"kind": "proportional", "figure": "on_time_rate", "zero_at": 60, "full_at": 100}},
                {"code": "A2", "name": "超期事件", "points": 20,
                 "rule": {"kind": "deduct", "figure": "overdue_events", "per": 0.5, "cap": 20}},
                {"code": "A3", "name": "群众安全感", "points": 10,
                 "rule": {"kind": "survey", "figure": "security_sense", "threshold": 96, "per_point": 0.25}}
            ]},
            {"code": "B", "name": "目标任务", "points": 40, "children": [
                {"code": "B1", "name": "目标完成", "points": 30,
                 "rule": {"kind": "proportional", "figure": "target_completion", "zero_at": 0, "full_at": 100}},
                {"code": "B2", "name": "工作创新", "points": 10, "rule": {"kind": "manual"}}
            ]}
        ],
        "adjustments": [
            {"kind": "bonus", "code": "X1", "name": "创新加分", "figure": "innovations", "per": 0.5, "cap": 2},
            {"kind": "veto", "code": "X2", "name": "重大案事件", "figure": "major_incidents", "penalty": 30},
            {"kind": "rank_change", "code": "X3", "name": "排名进退", "figure": "rank_change", "per_place": 0.5, "cap": 2}
        ]
    })
}

fn scheme() -> Scheme {
    serde_json::from_value::<Scheme>(scheme_json())
        .unwrap()
        .check()
        .unwrap()
}

fn field_of(mut edit: impl FnMut(&mut serde_json::Value)) -> String {
    let mut v = scheme_json();
    edit(&mut v);
    let s: Scheme = serde_json::from_value(v).unwrap();
    s.check().unwrap_err().field.unwrap()
}

fn figures(pairs: &[(Figure, f64)]) -> UnitFigures {
    UnitFigures {
        figures: pairs
            .iter()
            .map(|(f, v)| {
                (
                    *f,
                    Measured {
                        value: *v,
                        source: format!("{}，2026 年", f.label_zh()),
                    },
                )
            })
            .collect(),
        manual: [(
            "B2".to_string(),
            Measured {
                value: 8.0,
                source: "评审录入".into(),
            },
        )]
        .into(),
    }
}

#[test]
fn a_scheme_adds_up_at_every_node_and_names_the_field_at_fault() {
    let s = scheme();
    assert_eq!(s.name, "2026 年度试点工作考核");
    assert_eq!(s.leaves().count(), 5);
    assert!(s.figures().contains(&Figure::MajorIncidents));
    assert_eq!(
        field_of(|v| v["items"][1]["points"] = 50.into()),
        "items[1].children"
    );
    assert_eq!(
        field_of(|v| v["items"][1]["children"][0]["points"] = 40.into()),
        "items[1].children"
    );
    assert_eq!(
        field_of(|v| {
            v["items"][0]["points"] = 70.into();
            v["items"][0]["children"][0]["points"] = 40.into();
        }),
        "items",
        "the top adds up to 100"
    );
    assert_eq!(
        field_of(|v| v["items"][0]["rule"] = serde_json::json!({"kind": "manual"})),
        "items[0].rule"
    );
    assert_eq!(
        field_of(|v| {
            v["items"][1]["children"][1]
                .as_object_mut()
                .unwrap()
                .remove("rule");
        }),
        "items[1].children[1].rule",
        "a scored item with no rule"
    );
    assert_eq!(
        field_of(|v| v["items"][0]["children"][1]["rule"]["cap"] = 25.into()),
        "items[0].children[1].rule.cap"
    );
    assert_eq!(
        field_of(|v| v["items"][0]["children"][0]["rule"]["full_at"] = 60.into()),
        "items[0].children[0].rule.full_at"
    );
    assert_eq!(
        field_of(|v| v["items"][1]["code"] = "A".into()),
        "items[1].code"
    );
    assert_eq!(
        field_of(|v| v["tie_break"][0] = "A".into()),
        "tie_break[0]",
        "a node is no scored item"
    );
    assert_eq!(
        field_of(|v| v["adjustments"][0]["cap"] = 0.into()),
        "adjustments[0].cap"
    );
    assert_eq!(
        field_of(|v| v["adjustments"][1]["code"] = "A1".into()),
        "adjustments[1].code"
    );
    assert_eq!(field_of(|v| v["lead_share"] = 0.into()), "lead_share");
    assert_eq!(field_of(|v| v["year"] = 1999.into()), "year");
    // A figure the system does not know, or a field it does not read, is no scheme.
    let mut v = scheme_json();
    v["items"][0]["children"][0]["rule"]["figure"] = "happiness".into();
    assert!(serde_json::from_value::<Scheme>(v).is_err());
    let mut v = scheme_json();
    v["group"] = "villages".into();
    assert!(serde_json::from_value::<Scheme>(v).is_err());
    let mut v = scheme_json();
    v["items"][0]["weight"] = 3.into();
    assert!(serde_json::from_value::<Scheme>(v).is_err());
}

#[test]
fn every_point_of_a_sheet_says_where_it_came_from() {
    let s = scheme();
    let sheet = score(
        &s,
        &figures(&[
            (Figure::OnTimeRate, 90.0),
            (Figure::OverdueEvents, 12.0),
            (Figure::SecuritySense, 94.5),
            (Figure::TargetCompletion, 80.0),
            (Figure::Innovations, 6.0),
            (Figure::MajorIncidents, 0.0),
            (Figure::RankChange, -3.0),
        ]),
    );
    let score_of = |c: &str| sheet.line(c).unwrap().score;
    assert_eq!(
        score_of("A1"),
        22.5,
        "90 between 60 and 100: three quarters of 30"
    );
    assert_eq!(score_of("A2"), 14.0, "12 × 0.5 off");
    assert_eq!(score_of("A3"), 9.63, "1.5 points below 96: 0.375 off");
    assert_eq!(score_of("A"), 46.13);
    assert_eq!(score_of("B1"), 24.0);
    assert_eq!(score_of("B2"), 8.0);
    assert_eq!(score_of("X1"), 2.0, "capped");
    assert_eq!(score_of("X2"), 0.0);
    assert_eq!(score_of("X3"), -1.5);
    assert_eq!(sheet.total, 78.63);
    assert!(!sheet.vetoed);
    let a1 = sheet.line("A1").unwrap();
    assert_eq!(a1.source.as_deref(), Some("按期办结率，2026 年"));
    assert!(a1.how.contains("按比例"), "{}", a1.how);
    assert_eq!((sheet.line("A").unwrap().depth, a1.depth), (0, 1));
    // Deducted until nothing is left, never below.
    let many = score(&s, &figures(&[(Figure::OverdueEvents, 100.0)]));
    assert_eq!(many.line("A2").unwrap().score, 0.0);
    // What is not measured counts nothing and says so; a veto takes its penalty.
    assert!(many.line("A1").unwrap().missing);
    let vetoed = score(
        &s,
        &figures(&[(Figure::OnTimeRate, 100.0), (Figure::MajorIncidents, 1.0)]),
    );
    assert!(vetoed.vetoed);
    assert_eq!(vetoed.line("X2").unwrap().score, -30.0);
    assert_eq!(
        vetoed.total, 8.0,
        "A1 30 and B2 8, the rest unmeasured, less the veto's 30"
    );
}

#[test]
fn rankings_put_a_veto_last_break_ties_by_items_and_then_share() {
    let s = scheme();
    let base = [
        (Figure::OnTimeRate, 100.0),
        (Figure::TargetCompletion, 100.0),
    ];
    let a = score(
        &s,
        &figures(&[base[0], base[1], (Figure::OverdueEvents, 2.0)]),
    );
    // The same total by another road: fewer points on A2 (the first tie-break) is behind.
    let mut f = figures(&[base[0], base[1], (Figure::OverdueEvents, 0.0)]);
    f.manual.insert(
        "B2".into(),
        Measured {
            value: 7.0,
            source: "评审录入".into(),
        },
    );
    let b = score(&s, &f);
    assert_eq!(a.total, b.total);
    let c = a.clone();
    let vetoed = score(
        &s,
        &figures(&[
            base[0],
            base[1],
            (Figure::OverdueEvents, 0.0),
            (Figure::MajorIncidents, 1.0),
            (Figure::Innovations, 100.0),
        ]),
    );
    assert_eq!(
        rank(&s, &[a.clone(), b.clone(), c, vetoed]),
        vec![2, 1, 2, 4]
    );
    // What if the unit had one overdue event fewer: its score and rank move.
    let better = score(
        &s,
        &figures(&[base[0], base[1], (Figure::OverdueEvents, 1.0)]),
    );
    assert!(better.total > a.total);
    assert_eq!(rank(&s, &[better, b]), vec![1, 2]);
}

#[test]
fn milestones_are_scheduled_back_on_working_days_and_warn_then_turn_red() {
    let cal = WorkingCalendar::default();
    let monday = days_from_civil(2026, 12, 7);
    let sunday = monday - 1;
    assert_eq!(
        back_from(sunday, 0, &cal),
        monday - 3,
        "a Sunday's work is due on Friday"
    );
    assert_eq!(back_from(monday, 1, &cal), monday - 3);
    assert_eq!(back_from(monday, 5, &cal), monday - 7);
    assert_eq!(
        reverse_schedule(monday, &[10, 5, 0], &cal),
        vec![monday - 14, monday - 7, monday]
    );
    let state = |done: Option<i64>, today: i64| milestone_state(monday, done, today, 2, &cal);
    assert_eq!(state(None, monday - 7), MilestoneState::OnTrack);
    assert_eq!(
        state(None, monday - 3),
        MilestoneState::DueSoon,
        "Friday: one working day left"
    );
    assert_eq!(state(None, monday + 1), MilestoneState::Late);
    assert_eq!(state(Some(monday), monday + 9), MilestoneState::Done);
    assert_eq!(
        state(Some(monday + 2), monday + 9),
        MilestoneState::DoneLate
    );
}

#[test]
fn progress_rolls_up_by_weight_and_partners_count_at_their_share() {
    // A heavy target done and a light one not: by weight 80%, not the average's 50%.
    assert_eq!(roll_up(&[(4.0, 100.0), (1.0, 0.0)]), 80.0);
    assert_eq!(roll_up(&[]), 0.0);
    assert_eq!(roll_up(&[(1.0, 150.0)]), 100.0, "progress is at most 100");
    let shares = [
        Share {
            weight: 2.0,
            percent: 100.0,
            lead: true,
        },
        Share {
            weight: 2.0,
            percent: 40.0,
            lead: false,
        },
    ];
    // The led target weighs 2, the partnered one 2 × 0.5.
    assert_eq!(completion(&shares, 1.0, 0.5), Some(80.0));
    assert_eq!(
        completion(&shares[1..], 1.0, 0.0),
        None,
        "a partner share of 0 counts nothing"
    );
}

#[test]
fn a_scheme_goes_to_rows_and_back_and_a_parent_comes_first() {
    let s = scheme();
    let rows = rows_of(&s.items);
    assert_eq!(rows.len(), 7);
    assert_eq!((rows[1].0.parent.as_deref(), rows[1].1), (Some("A"), 1));
    let (back, places) = tree_of(rows.iter().map(|(r, _)| r.clone()).collect()).unwrap();
    assert_eq!(back, s.items);
    assert_eq!(places[1], vec![0, 0]);
    let mut late: Vec<FlatItem> = rows.into_iter().map(|(r, _)| r).collect();
    late.swap(0, 1);
    assert_eq!(
        tree_of(late).unwrap_err().field.as_deref(),
        Some("items[0].parent")
    );
}

#[test]
fn a_tree_field_is_named_by_the_row_that_holds_it() {
    let s = scheme();
    // Rows as a user might list them: the nodes first, then their items.
    let mut by_code: HashMap<String, FlatItem> = rows_of(&s.items)
        .into_iter()
        .map(|(r, _)| (r.code.clone(), r))
        .collect();
    let rows: Vec<FlatItem> = ["A", "B", "A1", "A2", "A3", "B1", "B2"]
        .iter()
        .map(|c| by_code.remove(*c).unwrap())
        .collect();
    let (_, places) = tree_of(rows).unwrap();
    assert_eq!(
        row_field(&places, "items[0].children[1].rule.cap"),
        "items[3].rule.cap"
    );
    assert_eq!(row_field(&places, "items[1].children"), "items[1].points");
    assert_eq!(
        row_field(&places, "items[1].children[1].code"),
        "items[6].code"
    );
    assert_eq!(row_field(&places, "items"), "items");
    assert_eq!(row_field(&places, "tie_break[0]"), "tie_break[0]");
    assert_eq!(row_field(&places, "items[9].code"), "items[9].code");
}
