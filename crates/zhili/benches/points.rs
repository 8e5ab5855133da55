//! `cargo bench -p zhili --bench points`: residents' points (release build). Builds the demo
//! city with 10,000 registered people in one village, then measures:
//! - awards: entries put forward by the village's station through the use case and the points
//!   writer (each durable before it is answered), 64 at a time (the figure to reach: ≥ 5,000/s
//!   on SQLite);
//! - redemptions: 10,000 attempts at once, each by a different person with enough points,
//!   against a stock of 100 (exactly 100 paid, no balance below zero, nothing paid twice);
//! - a month's list (公示榜) over a year of the village's ledger (p50/p99 of 50; ≤ 100 ms).
//!
//! ZHILI_BENCH_DATABASE_URL runs it on PostgreSQL (an empty database, created beforehand);
//! ZHILI_BENCH_AWARDS (default 20,000) changes the number of awards.

use std::sync::Arc;
use std::time::Instant;
use zhili::demo;
use zhili::usecase::points as uc;
use zhili_domain::chain::Actor;
use zhili_domain::user::LoginPolicy;
use zhili_domain::Level;
use zhili_store::prelude::*;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

const PEOPLE: i64 = 10_000;
const WEEK_MS: i64 = 7 * 86_400_000;

#[tokio::main]
async fn main() {
    let awards: usize = std::env::var("ZHILI_BENCH_AWARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let url = match std::env::var("ZHILI_BENCH_DATABASE_URL") {
        Ok(u) => u,
        Err(_) => {
            let dir =
                std::env::temp_dir().join(format!("zhili-bench-points-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite:{}", dir.join("bench.db").display())
        }
    };
    let store = Arc::new(zhili_store::open(&url).await.unwrap());
    let now = zhili::now_ms();
    let key = zhili::crypto::DataKey::generate();
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
    let grid = plan.grids[0].code.clone();
    let village = grid.ancestor_at(Level::Village).unwrap();
    let pool = store.pool();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..PEOPLE {
        sqlx::query("INSERT INTO people (id_type, id_blind, id_sealed, id_masked, name, population_type, grid_code, created_at) VALUES ('111', $1, 'x', 'x', $2, 'registered', $3, $4)")
            .bind(format!("bench-{i}"))
            .bind(format!("居民{i}"))
            .bind(grid.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let base: i64 = sqlx::query_scalar("SELECT MIN(id) FROM people WHERE id_blind LIKE 'bench-%'")
        .fetch_one(pool)
        .await
        .unwrap();
    let station = store
        .find_login(&format!("village-{village}"))
        .await
        .unwrap()
        .unwrap()
        .user;
    // The village's rules: the district's model with an uncapped item the station gives.
    let mut rules = uc::spec::template();
    rules.items.push(uc::spec::ItemSpec {
        code: "BENCH".into(),
        name: "参加集体劳动".into(),
        category: "公益行动".into(),
        points: 10,
        cap: None,
        awarders: vec![uc::spec::AwarderSpec::VillageOperator],
        needs_verified_event: false,
        on_resident_report: false,
    });
    uc::adopt(&state, &station, &rules, "2026-01-05", "村民代表大会")
        .await
        .unwrap();

    // Awards: 64 at a time through the use case and the points writer.
    let t = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..64 {
        let (state, station, next) = (state.clone(), station.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut took = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= awards {
                    return took;
                }
                let started = Instant::now();
                uc::award(
                    &state,
                    &station,
                    uc::Request {
                        person_id: base + n as i64 % PEOPLE,
                        item: "BENCH".into(),
                        note: "清理河道".into(),
                        event_id: None,
                        key: Some(format!("bench-{n}")),
                    },
                )
                .await
                .unwrap();
                took.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }));
    }
    let mut took = Vec::new();
    for w in workers {
        took.extend(w.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    took.sort_by(f64::total_cmp);
    println!(
        "awards (use case, points writer, durable; 64 at a time): {awards} in {secs:.1} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
        awards as f64 / secs,
        percentile(&took, 0.5),
        percentile(&took, 0.99)
    );

    // Approved and past their notice: everyone has points.
    sqlx::query(
        "UPDATE point_entries SET state = 'notice', notice_ends = $1 WHERE state = 'pending'",
    )
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    let t = Instant::now();
    let settled = uc::settle(&state, now + 8 * 86_400_000).await.unwrap();
    println!(
        "settling: {} entries credited in {:.1} s",
        settled.credited,
        t.elapsed().as_secs_f64()
    );

    // 10,000 attempts at once against a stock of 100.
    let goods = uc::add_goods(&state, &station, "电饭煲", 10, 100, "乡贤捐赠")
        .await
        .unwrap();
    let t = Instant::now();
    let mut asks = Vec::new();
    for p in base..base + PEOPLE {
        let (state, station) = (state.clone(), station.clone());
        asks.push(tokio::spawn(async move {
            uc::redeem_for(&state, &station, p, goods.id, &format!("rush-{p:08}")).await
        }));
    }
    let mut paid = 0;
    let mut refused = 0;
    for a in asks {
        match a.await.unwrap() {
            Ok(r) if !r.replay => paid += 1,
            Ok(_) => panic!("a fresh key answered as a replay"),
            Err(_) => refused += 1,
        }
    }
    let negative: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM point_accounts WHERE balance < 0")
        .fetch_one(pool)
        .await
        .unwrap();
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM point_goods WHERE id = $1")
        .bind(goods.id)
        .fetch_one(pool)
        .await
        .unwrap();
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM point_redemptions WHERE goods_id = $1")
            .bind(goods.id)
            .fetch_one(pool)
            .await
            .unwrap();
    println!(
        "redemptions: {PEOPLE} at once against a stock of 100 in {:.1} s: {paid} paid, {refused} refused, stock left {stock}, {rows} redemption rows, {negative} balances below zero",
        t.elapsed().as_secs_f64()
    );
    assert_eq!((paid, stock, rows, negative), (100, 0, 100, 0));

    // A year of the village's ledger: every person moves about once a week.
    let t = Instant::now();
    let year_village = plan
        .grids
        .iter()
        .map(|g| g.code.ancestor_at(Level::Village).unwrap())
        .find(|v| *v != village)
        .unwrap();
    let year_grid = plan
        .grids
        .iter()
        .find(|g| g.code.as_str().starts_with(year_village.as_str()))
        .unwrap()
        .code
        .clone();
    let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM people")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let movers = 2_000i64;
    for i in 0..movers {
        sqlx::query("INSERT INTO people (id_type, id_blind, id_sealed, id_masked, name, population_type, grid_code, created_at) VALUES ('111', $1, 'x', 'x', $2, 'registered', $3, $4)")
            .bind(format!("year-{i}"))
            .bind(format!("村民{i}"))
            .bind(year_grid.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let mut rows = 0;
    for i in 0..movers {
        let person = first + i;
        let mut balance = 0;
        for w in 0..52 {
            let at = now - (52 - w) * WEEK_MS + i * 1_000;
            let (kind, amount) = if w % 6 == 5 && balance >= 20 {
                ("redeem", -20)
            } else {
                ("award", 5)
            };
            balance += amount;
            sqlx::query("INSERT INTO point_ledger (person_id, village_code, kind, amount, asked, balance_after, movement, at, by_user) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, 'bench')")
                .bind(person)
                .bind(year_village.to_string())
                .bind(kind)
                .bind(amount)
                .bind(balance)
                .bind(format!("year:{person}:{w}"))
                .bind(at)
                .execute(&mut *tx)
                .await
                .unwrap();
            rows += 1;
        }
        sqlx::query(
            "INSERT INTO point_accounts (person_id, village_code, balance) VALUES ($1, $2, $3)",
        )
        .bind(person)
        .bind(year_village.to_string())
        .bind(balance)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    println!(
        "a year of ledger for {movers} people of a village: {rows} movements in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let month = zhili_domain::points::period_key(
        zhili_domain::points::Period::Month,
        now - 60 * 86_400_000,
    );
    let mut took = Vec::new();
    let mut listed = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let list = uc::month_list(&state, &year_village, &month).await.unwrap();
        took.push(t.elapsed().as_secs_f64() * 1000.0);
        listed = list.rows.len();
    }
    took.sort_by(f64::total_cmp);
    println!(
        "a month's list over the year ({listed} people): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&took, 0.5),
        percentile(&took, 0.99)
    );
}
