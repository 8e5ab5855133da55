//! `cargo bench -p zhili --bench mediation`: people's mediation at district scale on SQLite
//! (release build, one thread of work at a time). Builds the demo city with its committees and
//! 100,000 cases over a year (walked through the statute's machine), then times:
//! - listing the district's cases with the filters the pages use (p50/p99 over 200 runs each;
//!   the figure to reach: p99 ≤ 20 ms);
//! - the annual star review of every room over the year (≤ 2 s);
//! - making an agreement .docx, sealed and recorded (≤ 50 ms).
//!
//! Set ZHILI_BENCH_CASES to change the number of cases, ZHILI_BENCH_KEEP=1 to keep the database
//! (its path is printed) for reading query plans.

use std::sync::Arc;
use std::time::Instant;
use zhili::demo;
use zhili_domain::calendar::DAY_MS;
use zhili_domain::chain::Actor;
use zhili_domain::mediation::Status;
use zhili_domain::user::LoginPolicy;
use zhili_domain::Scope;
use zhili_store::prelude::*;
use zhili_store::CaseFilter;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cases: usize = std::env::var("ZHILI_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("zhili-bench-mediation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("bench.db").display());
    let store = Arc::new(zhili_store::open(&url).await.unwrap());
    let now = zhili::now_ms();
    let key = zhili::crypto::DataKey::generate();
    let t = Instant::now();
    let plan = demo::city::synthesize(2026, &mut |_, _| {});
    let hash = zhili::auth::hash_password("bench-password-2026").unwrap();
    store
        .load_city(
            &Actor::system(),
            &demo::city_load(&plan, &hash, &key, 2026, now),
            now,
        )
        .await
        .unwrap();
    let state = zhili::state::AppState::new(store.clone(), LoginPolicy::default(), key.clone())
        .await
        .unwrap();
    // Disputes spread over the year in every grid; about a third go to mediation.
    let disputes: Vec<demo::mediation::DisputeEvent> = (0..(cases as f64 / 0.35) as usize)
        .map(|i| {
            let g = &plan.grids[(i * 7919) % plan.grids.len()];
            demo::mediation::DisputeEvent {
                id: i as i64 + 1,
                category: format!("01{:02}", 1 + i % 10),
                grid: g.code.clone(),
                reported_at: now - 2 * DAY_MS - ((i as i64 * 7_777_777) % (360 * DAY_MS)),
            }
        })
        .collect();
    let committees = demo::mediation::committees(&plan, &key, 2026, now);
    let mut load = demo::mediation::cases(
        &plan,
        &committees,
        &key,
        &disputes,
        &state.reference().calendar,
        2026,
        now,
    );
    load.committees = committees;
    let made = load.cases.len();
    store
        .load_mediation(&Actor::system(), &load, now)
        .await
        .unwrap();
    println!(
        "{made} cases of {} committees loaded in {:.1} s",
        load.committees.len(),
        t.elapsed().as_secs_f64()
    );
    // The load's write-ahead log is folded into the database now, as a serving store does in
    // the background long before anyone makes a document: otherwise the first write after the
    // load pays for the whole load's checkpoint.
    let t = Instant::now();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    println!(
        "checkpoint after the load: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let district = store.find_login("district").await.unwrap().unwrap().user;
    let village = plan.villages[0].code.clone();
    let operator = store
        .find_login(&format!("village-{village}"))
        .await
        .unwrap()
        .unwrap()
        .user;
    let page = |f: CaseFilter| CaseFilter { limit: 20, ..f };
    let runs: [(&str, Scope, CaseFilter); 6] = [
        (
            "district, all, newest first",
            district.scope(),
            page(CaseFilter::default()),
        ),
        (
            "district, open",
            district.scope(),
            page(CaseFilter {
                statuses: Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
                ..Default::default()
            }),
        ),
        (
            "district, overdue",
            district.scope(),
            page(CaseFilter {
                overdue_at: Some(now),
                ..Default::default()
            }),
        ),
        (
            "district, one kind, page 50",
            district.scope(),
            CaseFilter {
                category: Some("0102".into()),
                limit: 20,
                offset: 49 * 20,
                ..Default::default()
            },
        ),
        (
            "district, a party's name",
            district.scope(),
            page(CaseFilter {
                text: Some("张".into()),
                ..Default::default()
            }),
        ),
        (
            "a village mediator's own open cases",
            operator.scope(),
            page(CaseFilter {
                mediator_username: Some(operator.username.clone()),
                statuses: Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
                ..Default::default()
            }),
        ),
    ];
    println!("listing cases (ms):");
    for (name, scope, filter) in &runs {
        let mut times = Vec::with_capacity(200);
        let mut total = 0;
        for _ in 0..200 {
            let t = Instant::now();
            let (n, _) = store.cases(scope, filter).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = n;
        }
        times.sort_by(f64::total_cmp);
        println!(
            "  {name:<40} {total:>7} found   p50 {:>6.2}   p99 {:>6.2}",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }

    let year = zhili_domain::time::civil_from_days(zhili_domain::calendar::china_day(now)).0;
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (_, rooms) = zhili::usecase::mediation::stars::preview(&state, &district, year)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert!(!rooms.is_empty());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "star review of every room over {year}: median {:.3} s, worst {:.3} s",
        percentile(&times, 0.5),
        times[times.len() - 1]
    );

    // An agreement's .docx: made, sealed, hashed into the record.
    let (_, written) = store
        .cases(
            &district.scope(),
            &CaseFilter {
                statuses: vec![Status::Closed],
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut times = Vec::new();
    let mut made = 0;
    for c in written
        .iter()
        .filter(|c| c.case.agreement == Some(zhili_domain::mediation::AgreementForm::Written))
        .take(50)
    {
        let t = Instant::now();
        let (record, _) =
            zhili::usecase::mediation::documents::generate(&state, &district, c.id, "agreement")
                .await
                .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        made += record.size;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "agreement .docx (made, sealed, recorded): {} documents, median {:.2} ms, p99 {:.2} ms, {:.1} KB each",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        made as f64 / times.len().max(1) as f64 / 1024.0
    );
    drop(state);
    if std::env::var_os("ZHILI_BENCH_KEEP").is_some() {
        println!("database kept: {url}");
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
