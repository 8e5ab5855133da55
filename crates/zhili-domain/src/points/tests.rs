use super::*;

fn item(code: &str, points: i64) -> Item {
    Item {
        code: code.into(),
        name: "参加环境整治".into(),
        category: "公益行动".into(),
        points,
        cap: Some(Cap {
            times: 2,
            per: Period::Month,
        }),
        awarders: vec![Awarder::GridWorker, Awarder::VillageOperator],
        needs_verified_event: false,
        on_resident_report: false,
    }
}

fn catalogue() -> Catalogue {
    Catalogue {
        notice_days: 7,
        expiry_days: 365,
        items: vec![item("GY01", 10), item("FG01", -5)],
    }
}

#[test]
fn a_sound_catalogue_passes() {
    assert_eq!(catalogue().check(), Ok(()));
}

#[test]
fn every_problem_is_named_with_its_field() {
    let mut c = catalogue();
    c.notice_days = 0;
    c.items[0].points = 0;
    c.items[1].code = "GY01".into();
    c.items[1].awarders = vec![Awarder::Resident];
    c.items.push(Item {
        category: "别的".into(),
        ..item("X", 5)
    });
    let fields: Vec<String> = c
        .check()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field.unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "notice_days",
            "items[0].points",
            "items[1].code",
            "items[1].awarders",
            "items[2].category"
        ]
    );
}

#[test]
fn points_for_a_residents_report_wait_for_verification() {
    let mut c = catalogue();
    c.items[0].on_resident_report = true;
    let e = c.check().unwrap_err();
    assert_eq!(e[0].field.as_deref(), Some("items[0].on_resident_report"));
    c.items[0].needs_verified_event = true;
    assert_eq!(c.check(), Ok(()));
}

#[test]
fn an_entry_goes_through_approval_notice_and_appeal() {
    use EntryState as S;
    assert_eq!(next(S::AwaitingEvent, Move::EventVerified), Ok(S::Pending));
    assert_eq!(next(S::Pending, Move::Approve), Ok(S::Notice));
    assert_eq!(next(S::Notice, Move::Appeal), Ok(S::Appealed));
    assert_eq!(next(S::Appealed, Move::DismissAppeal), Ok(S::Notice));
    assert_eq!(next(S::Appealed, Move::UpholdAppeal), Ok(S::Voided));
    assert_eq!(next(S::Notice, Move::NoticeOver), Ok(S::Credited));
    // Nothing skips the notice, and nothing credited moves again.
    for m in [Move::NoticeOver, Move::Appeal] {
        assert!(next(S::Pending, m).is_err());
    }
    for m in [Move::Approve, Move::Reject, Move::Appeal, Move::NoticeOver] {
        let e = next(S::Credited, m).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidTransition);
    }
    assert!(next(S::AwaitingEvent, Move::Approve).is_err());
}

#[test]
fn periods_follow_beijing_calendar() {
    // 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Beijing: April, the second quarter.
    let at = days_from_civil(2026, 3, 31) * DAY_MS + 16 * 3_600_000 + 30 * 60_000;
    assert_eq!(period_key(Period::Month, at), "2026-04");
    assert_eq!(period_key(Period::Quarter, at), "2026-Q2");
    assert_eq!(period_key(Period::Year, at), "2026");
    let (start, end) = period_bounds("2026-04").unwrap();
    assert!(start <= at && at < end);
    assert_eq!(end - start, 30 * DAY_MS);
    let (qs, qe) = period_bounds("2026-Q4").unwrap();
    assert_eq!(period_key(Period::Month, qs), "2026-10");
    assert_eq!(period_key(Period::Year, qe), "2027");
    for bad in [
        "2026-13", "2026-Q5", "2026-4", "26-04", "2026", "x-01", "2026-Q0",
    ] {
        assert_eq!(period_bounds(bad), None, "{bad}");
    }
}

#[test]
fn caps_count_what_the_person_already_has() {
    let i = item("GY01", 10);
    assert!(within_cap(&i.name, i.cap, 1).is_ok());
    let e = within_cap(&i.name, i.cap, 2).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("item"));
    assert!(e.message_zh.unwrap().contains("每月最多2次"));
    assert!(within_cap(&i.name, None, 1000).is_ok());
}

#[test]
fn a_deduction_never_takes_the_balance_below_zero() {
    assert_eq!(deduction_taken(20, -5), -5);
    assert_eq!(deduction_taken(3, -5), -3);
    assert_eq!(deduction_taken(0, -5), 0);
}

#[test]
fn the_oldest_points_expire_first() {
    // 100 credited last year, 30 spent since: 70 expire.
    assert_eq!(expiring(100, 30), 70);
    // Once expired (the expiry is itself a debit), nothing expires twice.
    assert_eq!(expiring(100, 100), 0);
    // Spent more than matured: the newer points paid, nothing old is left.
    assert_eq!(expiring(100, 150), 0);
}

#[test]
fn ties_share_a_rank() {
    assert_eq!(ranks(&[90, 80, 80, 70, 70, 70, 10]), [1, 2, 2, 4, 4, 4, 7]);
    assert!(ranks(&[]).is_empty());
}

#[test]
fn goods_say_where_their_money_comes_from() {
    assert!(check_goods("洗衣粉", 50, 10, "村集体经济").is_empty());
    let fields: Vec<_> = check_goods("", 0, -1, " ")
        .into_iter()
        .map(|e| e.field.unwrap())
        .collect();
    assert_eq!(fields, ["name", "price", "stock", "funding"]);
}
