use super::*;

fn scheme() -> Scheme {
    let dims = ["乐学养心", "乐居舒心", "乐业安心", "乐善暖心", "乐和齐心"];
    Scheme {
        dimensions: dims
            .iter()
            .enumerate()
            .map(|(i, n)| Dimension {
                key: format!("d{i}"),
                name: n.to_string(),
                items: (0..2)
                    .map(|j| Criterion {
                        key: format!("d{i}i{j}"),
                        text: format!("细则{i}{j}"),
                        max: 10,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn full(points: i64) -> Vec<Score> {
    scheme()
        .items()
        .map(|c| Score {
            item: c.key.clone(),
            points,
            evidence: "活动记录、照片".into(),
        })
        .collect()
}

#[test]
fn a_scheme_adds_up_to_one_hundred_over_five_dimensions() {
    assert_eq!(scheme().check(), Ok(()));
    let mut s = scheme();
    s.dimensions[0].items[0].max = 11;
    s.dimensions.pop();
    let fields: Vec<_> = s
        .check()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field.unwrap())
        .collect();
    assert_eq!(fields, ["dimensions", "dimensions"]);
}

#[test]
fn a_self_assessment_scores_every_item_within_its_points_with_evidence() {
    let (scores, total) = scheme().self_assessment(&full(9)).unwrap();
    assert_eq!((scores.len(), total), (10, 90));
    let mut bad = full(9);
    bad[0].points = 11;
    bad[1].evidence = "  ".into();
    bad.pop();
    bad.push(Score {
        item: "nope".into(),
        points: 1,
        evidence: "x".into(),
    });
    let fields: Vec<_> = scheme()
        .self_assessment(&bad)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field.unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "scores[9].item",
            "scores[0].points",
            "scores[1].evidence",
            "scores.d4i1"
        ]
    );
    // No points, no evidence needed.
    let mut none = full(0);
    none[0].evidence.clear();
    assert_eq!(scheme().self_assessment(&none).unwrap().1, 0);
}

#[test]
fn the_town_changes_points_only_with_a_reason() {
    let (own, _) = scheme().self_assessment(&full(10)).unwrap();
    let (after, total) = scheme()
        .review(
            &own,
            &[Adjustment {
                item: "d0i0".into(),
                points: 6,
                reason: "书屋开放记录不全".into(),
            }],
        )
        .unwrap();
    assert_eq!((after[0].points, total), (6, 96));
    let e = scheme()
        .review(
            &own,
            &[Adjustment {
                item: "d0i0".into(),
                points: 6,
                reason: " ".into(),
            }],
        )
        .unwrap_err();
    assert_eq!(e[0].field.as_deref(), Some("adjustments[0].reason"));
}

#[test]
fn grades_and_steps() {
    assert_eq!(
        (grade(95), grade(85), grade(60), grade(59)),
        ("五乐示范社区", "五乐达标社区", "基本达标", "未达标")
    );
    assert!(step(State::Draft, State::Submitted).is_ok());
    assert!(step(State::Submitted, State::Returned).is_ok());
    assert!(step(State::Returned, State::Submitted).is_ok());
    assert!(step(State::Reviewed, State::Submitted).is_err());
    assert!(step(State::Draft, State::Reviewed).is_err());
}

#[test]
fn a_draft_may_be_incomplete_but_not_out_of_bounds() {
    let mut partial = full(4);
    partial.truncate(3);
    partial[1].evidence.clear();
    assert_eq!(scheme().draft(&partial).unwrap().1, 12);
    partial[2].points = 11;
    partial[0].evidence = "长".repeat(501);
    let fields: Vec<_> = scheme()
        .draft(&partial)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field.unwrap())
        .collect();
    assert_eq!(fields, ["scores[0].evidence", "scores[2].points"]);
}
