//! `cargo bench -p zhili --bench residents`: residents as users on SQLite (release build).
//! Builds the demo city, then measures:
//! - sign-up: a code requested and answered, through the use cases, the outbox and the text
//!   sender (a sender that hands each code to the waiting resident, as a phone would), with
//!   32 residents at a time (the figure to reach: ≥ 500 sign-ups/s);
//! - a resident's page with 100,000 resident accounts and a year of reports, a tenth of them
//!   by residents: their session, their reports, their messages and their village's notices,
//!   as the page loads them (p50/p99 over 2,000 loads of different residents; ≤ 20 ms).
//!
//! - a district survey's results over 100,000 answers: weighted shares with margins for the
//!   district, its towns and every question (≤ 1 s).
//!
//! ZHILI_BENCH_SIGNUPS (default 5,000) and ZHILI_BENCH_RESIDENTS (default 100,000) change the
//! sizes; ZHILI_BENCH_KEEP=1 keeps the database (its path is printed).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use zhili::demo;
use zhili::texts::TextSender;
use zhili_domain::chain::Actor;
use zhili_domain::user::LoginPolicy;
use zhili_domain::{Level, RegionCode};
use zhili_store::prelude::*;
use zhili_store::MessageOutcome;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The phones of the benchmark: each code lands here, where its resident waits for it.
#[derive(Default)]
struct Phones {
    inbox: Mutex<HashMap<String, tokio::sync::oneshot::Sender<String>>>,
}

#[async_trait::async_trait]
impl TextSender for Phones {
    fn name(&self) -> &'static str {
        "bench-phones"
    }

    async fn send(&self, phone: &str, body: &str) -> MessageOutcome {
        let waiting = self.inbox.lock().unwrap().remove(phone);
        match waiting {
            Some(tx) => {
                let _ = tx.send(body.to_string());
                MessageOutcome::Sent
            }
            None => MessageOutcome::Failed("no phone waiting".into()),
        }
    }
}

#[tokio::main]
async fn main() {
    let signups = env_usize("ZHILI_BENCH_SIGNUPS", 5_000);
    let residents = env_usize("ZHILI_BENCH_RESIDENTS", 100_000);
    let dir = std::env::temp_dir().join(format!("zhili-bench-residents-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("bench.db").display());
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
    let phones = Arc::new(Phones::default());
    state.set_sender(phones.clone());
    tokio::spawn(zhili::texts::run_delivery(state.clone()));

    // Sign-ups: 32 residents at a time, each from its own address (a phone network's).
    let t = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..32 {
        let (state, phones, next) = (state.clone(), phones.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut took = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= signups {
                    return took;
                }
                let started = Instant::now();
                let phone = format!("138{n:08}");
                let from = std::net::IpAddr::from([10, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
                let (tx, rx) = tokio::sync::oneshot::channel();
                phones.inbox.lock().unwrap().insert(phone.clone(), tx);
                zhili::usecase::residents::request_code(&state, &phone, from)
                    .await
                    .unwrap();
                let body = rx.await.unwrap();
                let code: String = body
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .unwrap()
                    .to_string();
                zhili::usecase::residents::answer_code(&state, &phone, &code, from)
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
        "sign-up (code requested, sent, answered; 32 at a time): {signups} in {secs:.1} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
        signups as f64 / secs,
        percentile(&took, 0.5),
        percentile(&took, 0.99)
    );

    // A district of residents: accounts linked to grids across the district, a year of reports
    // of which a tenth came from residents, and notices in every village.
    let t = Instant::now();
    let pool = store.pool();
    let grids: Vec<RegionCode> = plan.grids.iter().map(|g| g.code.clone()).collect();
    let mut tx = pool.begin().await.unwrap();
    for i in signups..residents {
        let phone = format!("139{i:08}");
        sqlx::query("INSERT INTO residents (phone_blind, phone_sealed, phone_masked, grid_code, display_name, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(key.blind("resident.phone", &phone))
            .bind(key.seal(&phone, zhili::crypto::Sealed::ResidentPhone))
            .bind(zhili::crypto::mask_phone(&phone))
            .bind(grids[i % grids.len()].to_string())
            .bind(format!("居民{i}"))
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let reference = state.reference();
    let (items, _) = demo::history::generate(
        &plan,
        &reference,
        &key,
        &demo::history::HistoryParams {
            events: 60_000,
            days: 365,
            now,
            seed: 7,
        },
        &mut |_, _| {},
    );
    store.load_history(&items).await.unwrap();
    sqlx::query("UPDATE events SET resident_id = (id * 7919) % $1 + 1 WHERE id % 10 = 0")
        .bind(residents as i64)
        .execute(pool)
        .await
        .unwrap();
    let station = Actor {
        username: "bench".into(),
        unit: None,
    };
    let mut villages: Vec<RegionCode> = grids
        .iter()
        .filter_map(|g| g.ancestor_at(Level::Village))
        .collect();
    villages.dedup();
    for v in &villages {
        for k in 0..3 {
            store
                .post_notice(&station, v, &format!("通知{k}"), "内容", now)
                .await
                .unwrap();
        }
    }
    println!(
        "{residents} resident accounts, 60,000 reports (6,000 by residents), {} notices, in {:.1} s",
        villages.len() * 3,
        t.elapsed().as_secs_f64()
    );

    // Each page load: a session for a resident, then what their page reads.
    let mut tokens = Vec::new();
    for i in 0..2_000usize {
        let id = (i * 48_271) % residents + 1;
        let token = format!("bench-token-{i}");
        sqlx::query("INSERT INTO resident_sessions (token_hash, resident_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(zhili::auth::token_hash(&token))
            .bind(id as i64)
            .bind(now)
            .bind(now + 86_400_000)
            .execute(pool)
            .await
            .unwrap();
        tokens.push(token);
    }
    let mut took = Vec::new();
    for token in &tokens {
        let started = Instant::now();
        let r = store
            .resident_by_token(&zhili::auth::token_hash(token), zhili::now_ms())
            .await
            .unwrap()
            .unwrap();
        let events = store.resident_events(r.id, None, 20).await.unwrap();
        let messages = store.resident_messages(r.id, 50).await.unwrap();
        let notices = zhili::usecase::residents::public_notices(&state, &r)
            .await
            .unwrap();
        std::hint::black_box((events, messages, notices));
        took.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    took.sort_by(f64::total_cmp);
    println!(
        "a resident's page (session, reports, messages, notices) over {residents} accounts: p50 {:.2} ms, p99 {:.2} ms",
        percentile(&took, 0.5),
        percentile(&took, 0.99)
    );

    // A district survey round: the registry's population for the quotas, 100,000 answers spread
    // over the grids, then the district's results as its commander reads them.
    let population = demo::population::generate(
        &plan,
        &key,
        &demo::population::PopulationParams {
            seed: 7,
            now,
            people: 20_000,
        },
    );
    store
        .load_population(&Actor::system(), &population, now)
        .await
        .unwrap();
    let commander = store.find_login("district").await.unwrap().unwrap().user;
    let mut spec = zhili::usecase::surveys::spec::templates()["security"].clone();
    spec.sample_size = 100_000;
    let round = zhili::usecase::surveys::create(&state, &commander, spec)
        .await
        .unwrap();
    zhili::usecase::surveys::open(&state, &commander, round.id)
        .await
        .unwrap();
    let answers = env_usize("ZHILI_BENCH_ANSWERS", 100_000);
    let t = Instant::now();
    let quotas = store.survey_quotas(round.id, "").await.unwrap();
    let mut tally: HashMap<(String, String, String), i64> = HashMap::new();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..answers {
        use zhili_domain::survey::Answer;
        let grid = &quotas[(i * 7919) % quotas.len()].grid_code;
        let safe = ["very_safe", "safe", "fair", "unsafe", "very_unsafe"][(i * 31 + i / 7) % 5];
        let mut sheet = std::collections::BTreeMap::from([
            ("safe".to_string(), Answer::Choice(safe.into())),
            (
                "patrol".to_string(),
                Answer::Choice(["often", "sometimes", "never"][i % 3].into()),
            ),
            (
                "dispute".to_string(),
                Answer::Choice(if i % 9 == 0 { "yes" } else { "no" }.into()),
            ),
            ("score".to_string(), Answer::Scale((i % 5) as i64 + 1)),
        ]);
        if safe.ends_with("unsafe") {
            sheet.insert(
                "worry".into(),
                Answer::Choices(vec!["theft".into(), "fraud".into()]),
            );
        }
        if i % 9 == 0 {
            sheet.insert("resolved".into(), Answer::Choice("resolved".into()));
        }
        let counted = zhili_domain::survey::counters(
            &round.survey.headline,
            &sheet,
            zhili_domain::survey::Mode::Door,
        );
        for (q, v) in counted {
            *tally.entry((grid.clone(), q, v)).or_default() += 1;
        }
        sqlx::query("INSERT INTO survey_answers (id, survey_id, grid_code, mode, sheet) VALUES ($1, $2, $3, 'door', $4)")
            .bind(format!("{:032x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)))
            .bind(round.id)
            .bind(grid.clone())
            .bind(serde_json::to_string(&sheet).unwrap())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for ((grid, q, v), n) in tally {
        sqlx::query("INSERT INTO survey_tally (survey_id, grid_code, question, value, n) VALUES ($1, $2, $3, $4, $5)")
            .bind(round.id)
            .bind(grid)
            .bind(q)
            .bind(v)
            .bind(n)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    println!(
        "{answers} survey answers loaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut took = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let r = zhili::usecase::surveys::results(&state, &commander, round.id, None)
            .await
            .unwrap();
        took.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.answered as usize, answers);
        std::hint::black_box(r);
    }
    took.sort_by(f64::total_cmp);
    println!(
        "the district's survey results over {answers} answers (weighted shares and margins for the district, 30 towns, every question): median {:.0} ms, worst {:.0} ms of 5",
        percentile(&took, 0.5),
        took[took.len() - 1]
    );
    if std::env::var_os("ZHILI_BENCH_KEEP").is_some() {
        println!("kept: {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
