use super::*;
use zhili::demo::history::{generate, HistoryParams};

#[tokio::test]
async fn the_demo_year_walks_every_path_through_the_real_state_machine() {
    on_every_backend(|s| async move {
            let reference = zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
            let key = zhili::crypto::DataKey::generate();
            let now = zhili::now_ms();
            let params = HistoryParams { events: 1500, days: 365, now, seed: 7 };
            let (items, stats) = generate(plan(), &reference, &key, &params, &mut |_, _| {});
            assert_eq!(stats.refused, 0, "the generator only takes actions the machine allows");
            assert!(stats.events > 1400);
            let last = |i: &zhili_store::HistoryItem| i.changes.last().map(|c| c.change.case.clone()).unwrap_or_else(|| i.event.case.clone());
            let count = |f: &dyn Fn(&zhili_domain::event::Case) -> bool| items.iter().filter(|i| f(&last(i))).count();
            assert!(count(&|c| c.returns > 0) > 0, "returns");
            assert!(count(&|c| c.reworks > 0) > 0, "rework");
            assert!(count(&|c| c.escalations > 0) > 0, "escalations");
            assert!(count(&|c| c.supervision_level > 0) > 0, "supervision");
            assert!(count(&|c| c.extensions > 0) > 0, "extensions");
            assert!(count(&|c| c.deferrals > 0) > 0, "deferrals");
            assert!(count(&|c| c.satisfaction.is_some()) > items.len() / 3, "ratings");
            assert!(count(&|c| c.status.is_open()) > 0, "some still open now");
            assert!(items.iter().all(|i| i.reported_at <= now && i.changes.iter().all(|c| c.at <= now)), "nothing happens after now");
            // As the demo writes its year: in chunks, through the bulk load.
            let mut load = s.store.begin_history_load().await.unwrap();
            for chunk in items.chunks(600) {
                load.load(chunk.to_vec()).await.unwrap();
            }
            load.finish().await.unwrap();

            let district = s.token("district").await;
            let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
            assert_eq!(page["total"].as_u64(), Some(items.len() as u64));
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            let closure = sum["region"]["closure_rate"].as_f64().unwrap();
            assert!((0.6..=1.0).contains(&closure), "closure rate {closure}");
            // A year holds cases overdue now, by town and by department: what `totals_agree`
            // below compares with counting them one by one.
            assert!(sum["region"]["overdue"].as_i64().unwrap() > 0, "{}", sum["region"]);
            let by_department: i64 = sum["by_department"].as_array().unwrap().iter().map(|d| d["overdue"].as_i64().unwrap()).sum();
            assert!(by_department > 0);
            let urban: i64 = sum["by_region"].as_array().unwrap().iter().filter(|t| t["code"].as_str().unwrap() < "500114100").map(|t| t["total"].as_i64().unwrap()).sum();
            assert!(urban as f64 > 0.4 * items.len() as f64, "denser in the urban streets: {urban}");
            // A historic case reads like a live one, and new cases number on after history.
            let id = page["items"][0]["id"].as_i64().unwrap();
            let (st, d) = s.get(&format!("/api/v1/events/{id}"), Some(&district)).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(d["timeline"][0]["action"], "report");
            let worker = s.token("grid-500114001001001").await;
            let p = deep_point("500114001001001");
            let body = json!({"channel": "grid_patrol", "category": "0602", "description": "新报", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let (st, e) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
            assert_eq!(st, StatusCode::CREATED, "{e}");
            assert!(e["id"].as_i64().unwrap() > items.len() as i64);
            totals_agree(&s.store).await;
            s
        })
        .await;
}

/// The loaded tables' own indexes, by name (SQLite).
async fn loaded_indexes(store: &SqlStore) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
         AND tbl_name IN ('events', 'event_units', 'event_attachments', 'event_steps', 'actions') ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_history_load_cut_short_leaves_its_indexes_to_the_next_open() {
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    let before = loaded_indexes(&s.store).await;
    assert!(before.len() > 10, "{before:?}");
    let reference =
        zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
    let key = zhili::crypto::DataKey::generate();
    let cases = |events, days, seed| {
        let params = HistoryParams {
            events,
            days,
            now: zhili::now_ms(),
            seed,
        };
        generate(plan(), &reference, &key, &params, &mut |_, _| {}).0
    };
    let items = cases(400, 365, 11);
    let (first, rest) = items.split_at(items.len() / 2);

    let mut load = s.store.begin_history_load().await.unwrap();
    assert!(
        loaded_indexes(&s.store).await.is_empty(),
        "dropped for the load"
    );
    load.load(first.to_vec()).await.unwrap();
    drop(load); // cut short: never finished
    assert!(loaded_indexes(&s.store).await.is_empty());
    let reopened = db.open().await.unwrap();
    assert_eq!(
        loaded_indexes(&reopened).await,
        before,
        "built again at the next open"
    );
    drop(reopened);

    // A load after it numbers on from the first, and its end builds them again too.
    let mut load = s.store.begin_history_load().await.unwrap();
    load.load(rest.to_vec()).await.unwrap();
    load.finish().await.unwrap();
    assert_eq!(loaded_indexes(&s.store).await, before);
    let district = s.token("district").await;
    let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
    assert_eq!(page["total"].as_u64(), Some(items.len() as u64));

    // Someone writes while a load goes on: the load's next chunk, built from where the
    // database stood before, refuses to write over it, and nothing of that chunk is written.
    // (Live intake itself cannot run meanwhile: its near-duplicate check names its index.)
    let more = cases(60, 30, 12);
    let (first, rest) = more.split_at(more.len() / 2);
    let (other, rest) = rest.split_at(1);
    let mut load = s.store.begin_history_load().await.unwrap();
    load.load(first.to_vec()).await.unwrap();
    s.store.load_history(other).await.unwrap();
    load.load(rest.to_vec()).await.unwrap();
    let refused = load.finish().await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("written to during the history load"),
        "{refused}"
    );
    let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
    assert_eq!(
        page["total"].as_u64(),
        Some((items.len() + first.len() + 1) as u64)
    );
    drop(db.open().await.unwrap());
    assert_eq!(
        loaded_indexes(&s.store).await,
        before,
        "built again at the next open"
    );
    totals_agree(&s.store).await;
    s.stop().await; // the chain checked whole
    db.drop_database().await.unwrap();
}
