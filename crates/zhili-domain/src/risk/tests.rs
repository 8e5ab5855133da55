use super::*;

fn spec() -> IndicatorSpec {
    IndicatorSpec {
        code: "DISPUTES".into(),
        name: "矛盾纠纷突增".into(),
        definition: "网格每日矛盾纠纷事件数较前一周异常增多".into(),
        level: "grid".into(),
        source: "events".into(),
        categories: vec!["01".into()],
        channels: vec![],
        period_days: 1,
        detector: Detector::Ears {
            variant: EarsVariant::C2,
        },
        raise_after: 1,
        clear_after: 2,
        min_count: 3.0,
        level_steps: DEFAULT_LEVEL_STEPS,
        enabled: true,
    }
}

fn days(n: usize) -> Vec<Day> {
    (0..n)
        .map(|i| Day {
            weekday: (i % 7) as u8,
            working: i % 7 < 5,
        })
        .collect()
}

#[test]
fn an_alert_rises_after_n_breaches_and_clears_after_m_quiet_periods_without_flapping() {
    let mut w = Watch::default();
    let turns: Vec<Turn> = [true, true, false, true, true, false, false, false]
        .into_iter()
        .map(|b| w.step(b, 2, 3))
        .collect();
    use Turn::*;
    assert_eq!(turns, [Stay, Raise, Stay, Stay, Stay, Stay, Stay, Clear]);
}

#[test]
fn a_level_follows_how_far_past_its_bound_a_count_went() {
    let at = |observed: f64| Check {
        observed,
        expected: 2.0,
        bound: 10.0,
        breach: true,
    };
    let steps = DEFAULT_LEVEL_STEPS;
    assert_eq!(AlertLevel::of(&at(11.0), steps), AlertLevel::Blue);
    assert_eq!(AlertLevel::of(&at(12.0), steps), AlertLevel::Yellow);
    assert_eq!(AlertLevel::of(&at(16.0), steps), AlertLevel::Orange);
    assert_eq!(AlertLevel::of(&at(25.0), steps), AlertLevel::Red);
    assert_eq!(AlertLevel::Red.label_zh(), "红色");
}

#[test]
fn watching_a_series_gives_episodes_with_their_peak_and_a_small_count_is_no_breach() {
    let ind = Indicator::check(spec()).unwrap();
    let mut series = vec![1.0; 30];
    // A spike of 2 reports in a quiet grid is below min_count: no alert.
    series[12] = 2.0;
    // A real burst over three days, peaking on the second.
    series[20] = 6.0;
    series[21] = 14.0;
    series[22] = 5.0;
    let (checks, episodes) = watch(&ind, &series, &days(series.len()));
    assert_eq!(checks.len(), 30);
    assert_eq!(episodes.len(), 1, "{episodes:?}");
    let e = &episodes[0];
    assert_eq!((e.start, e.peak_at), (20, 21));
    assert_eq!(e.peak.observed, 14.0);
    assert_eq!(e.level, AlertLevel::Red);
    assert!(e.end.is_some_and(|end| end > 22));
}

#[test]
fn a_backtest_counts_alerts_that_came_before_incidents_and_the_ones_it_missed() {
    let peak = Check {
        observed: 9.0,
        expected: 2.0,
        bound: 5.0,
        breach: true,
    };
    let episode = |start| Episode {
        start,
        end: Some(start + 3),
        peak,
        peak_at: start,
        level: AlertLevel::Orange,
    };
    let episodes = [episode(10), episode(40), episode(70)];
    // Incident on 12 (warned 2 ahead), on 41 (1 ahead), on 100 (missed); the alert on 70 was false.
    let b = backtest(&episodes, &[12, 41, 100], 3);
    assert_eq!(b.fired, 3);
    assert_eq!(b.hits, 2);
    assert_eq!(b.missed, 1);
    assert_eq!(b.leads, vec![2, 1]);
    // An alert raised a period after the incident began catches it late.
    let b = backtest(&episodes, &[69], 3);
    assert_eq!((b.hits, b.missed, b.leads.clone()), (0, 0, vec![-1]));
}

#[test]
fn an_indicator_is_checked_field_by_field() {
    assert!(Indicator::check(spec()).is_ok());
    let refused = |f: &dyn Fn(&mut IndicatorSpec)| {
        let mut s = spec();
        f(&mut s);
        Indicator::check(s).unwrap_err().field.unwrap()
    };
    assert_eq!(refused(&|s| s.code = "r1".into()), "code");
    assert_eq!(refused(&|s| s.source = "rumours".into()), "source");
    assert_eq!(refused(&|s| s.level = "province".into()), "level");
    assert_eq!(
        refused(&|s| s.categories = vec!["01".into(), "1x".into()]),
        "categories[1]"
    );
    assert_eq!(
        refused(&|s| s.channels = vec!["pigeon".into()]),
        "channels[0]"
    );
    assert_eq!(refused(&|s| s.period_days = 3), "period_days");
    assert_eq!(refused(&|s| s.raise_after = 0), "raise_after");
    assert_eq!(refused(&|s| s.min_count = f64::NAN), "min_count");
    assert_eq!(refused(&|s| s.level_steps = [2.0, 1.5, 3.0]), "level_steps");
    assert_eq!(
        refused(&|s| {
            s.source = "repeat_disputes".into();
        }),
        "categories"
    );
    assert_eq!(
        refused(&|s| {
            s.detector = Detector::Seasonal {
                by: Season::Weekday,
                weeks: 4,
                z: 3.0,
            };
            s.period_days = 7;
        }),
        "detector.kind"
    );
    assert_eq!(
        refused(&|s| {
            s.detector = Detector::Cusum {
                baseline: 28,
                k: 0.5,
                h: 0.0,
            }
        }),
        "detector.h"
    );
    assert_eq!(
        refused(&|s| s.detector = Detector::Threshold { limit: -1.0 }),
        "detector.limit"
    );
}

#[test]
fn a_catalogue_names_the_indicator_at_fault_and_refuses_a_code_twice() {
    let mut bad = spec();
    bad.detector = Detector::Seasonal {
        by: Season::DayKind,
        weeks: 40,
        z: 3.0,
    };
    let e = check_catalogue(vec![spec(), bad]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("indicators[1].detector.weeks"));
    let e = check_catalogue(vec![spec(), spec()]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("indicators[1].code"));
    let e = check_catalogue(vec![]).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("indicators"));
}

#[test]
fn a_spec_is_stored_as_json_and_read_back_the_same() {
    let ind = Indicator::check(spec()).unwrap();
    let text = serde_json::to_string(&ind.spec()).unwrap();
    assert!(
        text.contains(r#""detector":{"kind":"ears","variant":"c2"}"#),
        "{text}"
    );
    let back: IndicatorSpec = serde_json::from_str(&text).unwrap();
    assert_eq!(Indicator::check(back).unwrap(), ind);
    // An unknown field or detector is refused when read, not ignored.
    let odd = text.replace(r#""min_count""#, r#""min_cont""#);
    assert!(serde_json::from_str::<IndicatorSpec>(&odd).is_err());
    let odd = text.replace(r#""kind":"ears""#, r#""kind":"crystal_ball""#);
    assert!(serde_json::from_str::<IndicatorSpec>(&odd).is_err());
}
