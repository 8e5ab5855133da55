//! PostgreSQL's monthly partitions of the events and the record: history lands in its month,
//! a closed month is detached for archiving only when the record stays verifiable without it,
//! and the rest reads and verifies as before.

use super::*;
use zhili::demo::history::{generate, HistoryParams};
use zhili_domain::time::Month;

fn run(args: &[&str]) -> (bool, String) {
    let out = super::cli::zhili().args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Twenty days of history ending on the 25th of `month` at noon, Beijing time.
fn month_of_history(
    month: Month,
    reference: &zhili::reference::Reference,
    key: &zhili::crypto::DataKey,
    seed: u64,
    closed_only: bool,
) -> Vec<zhili_store::HistoryItem> {
    let now = month.start_ms() + 24 * 86_400_000 + 12 * 3_600_000;
    let params = HistoryParams {
        events: 400,
        days: 20,
        now,
        seed,
    };
    let (items, _) = generate(plan(), reference, key, &params, &mut |_, _| {});
    let last = |i: &zhili_store::HistoryItem| {
        i.changes
            .last()
            .map(|c| c.change.case.status)
            .unwrap_or(i.event.case.status)
    };
    items
        .into_iter()
        .filter(|i| !closed_only || !last(i).is_open())
        .collect()
}

#[tokio::test]
async fn months_are_partitions_and_a_closed_one_detaches_for_archiving() {
    let Ok(admin) = std::env::var("ZHILI_TEST_DATABASE_URL") else {
        return;
    };
    if admin.is_empty() {
        return;
    }
    let db = TestDb::postgres(&admin).await.unwrap();
    let store = Arc::new(db.open().await.unwrap());
    let this = Month::of(zhili::now_ms());
    let (old, middle, last) = (
        this.prev().prev().prev().prev(),
        this.prev().prev(),
        this.prev(),
    );
    // The city set up in the oldest month, then three months of history, in the order they
    // happened: the record's seq follows its time, as a live system's does.
    let key = zhili::crypto::DataKey::generate();
    let set_up = old.start_ms() + 86_400_000;
    let load = demo::city_load(plan(), password_hash(), &key, 2026, set_up);
    store
        .load_city(&Actor::system(), &load, set_up)
        .await
        .unwrap();
    let reference = zhili::reference::Reference::from_data(&zhili::reference::defaults()).unwrap();
    let first = month_of_history(old, &reference, &key, 1, true);
    let second = month_of_history(middle, &reference, &key, 2, true);
    let third = month_of_history(last, &reference, &key, 3, false);
    assert!(third.iter().any(|i| i
        .changes
        .last()
        .is_none_or(|c| c.change.case.status.is_open())));
    for items in [&first, &second, &third] {
        store.load_history(items).await.unwrap();
    }
    // What arrived for months not made yet waits in the default partition until maintained.
    let made = store.maintain_partitions(zhili::now_ms()).await.unwrap();
    assert!(
        made.contains(&format!("events_p{}", old.compact())),
        "{made:?}"
    );
    let parts = store.partitions().await.unwrap();
    let rows = |table: &str, month: Option<Month>| {
        parts
            .iter()
            .find(|p| p.table == table && p.month == month)
            .map(|p| p.rows)
    };
    assert_eq!(rows("events", Some(old)), Some(first.len() as i64));
    assert_eq!(rows("events", Some(last)), Some(third.len() as i64));
    assert_eq!(
        rows("events", None),
        Some(0),
        "nothing left in the default partition"
    );
    assert_eq!(rows("actions", None), Some(0));
    assert!(
        rows("events", Some(this.next().next())).is_some(),
        "the coming months are made"
    );
    let url = db.url.clone();
    let (ok, listed) = run(&["partitions", "list", "--database", &url]);
    assert!(
        ok && listed.contains(&format!("events_p{}", middle.compact())),
        "{listed}"
    );

    // Refused: a month not over, a month with open cases, a month whose records come after
    // another month's still attached.
    let (ok, said) = run(&[
        "partitions",
        "detach",
        &this.to_string(),
        "--database",
        &url,
    ]);
    assert!(!ok && said.contains("not over"), "{said}");
    let (ok, said) = run(&[
        "partitions",
        "detach",
        &last.to_string(),
        "--database",
        &url,
    ]);
    assert!(!ok && said.contains("still open"), "{said}");
    let (ok, said) = run(&[
        "partitions",
        "detach",
        &middle.to_string(),
        "--database",
        &url,
    ]);
    assert!(!ok && said.contains("not the oldest"), "{said}");
    let (ok, said) = run(&["partitions", "detach", "2026-13", "--database", &url]);
    assert!(!ok && said.contains("YYYY-MM"), "{said}");

    // The oldest closed month detaches; what stays verifies from where the archive ends, and
    // the detachment is itself in the record.
    let (ok, said) = run(&["partitions", "detach", &old.to_string(), "--database", &url]);
    assert!(ok, "{said}");
    assert!(
        said.contains(&format!("events_archived_p{}", old.compact())),
        "{said}"
    );
    let (ok, said) = run(&["audit", "verify", "--full", "--database", &url]);
    assert!(ok && said.contains("after the archived months"), "{said}");
    let archived: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM events_archived_p{}",
        old.compact()
    ))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        archived,
        first.len() as i64,
        "the archive holds the month whole"
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(left, (second.len() + third.len()) as i64);
    let detach = store.actions_of(&format!("month:{old}")).await.unwrap();
    assert_eq!(detach.len(), 1);
    assert_eq!(detach[0].action, "partition.detach");
    // The next month is now the oldest: it detaches too.
    let (ok, said) = run(&[
        "partitions",
        "detach",
        &middle.to_string(),
        "--database",
        &url,
    ]);
    assert!(ok, "{said}");
    // A run from the last verification's checkpoint reads what came since.
    let (ok, said) = run(&["audit", "verify", "--database", &url]);
    assert!(ok && said.contains("after the checkpoint"), "{said}");
    // A record altered in what stays attached is still found.
    sqlx::query(
        "UPDATE actions SET actor = 'mallory' WHERE seq = (SELECT MAX(seq) - 3 FROM actions)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let (ok, said) = run(&["audit", "verify", "--full", "--database", &url]);
    assert!(!ok && said.contains("broken"), "{said}");
    drop(store);
    db.drop_database().await.unwrap();
}
