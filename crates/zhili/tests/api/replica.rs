//! Reads that tolerate lag from a real streaming replica (`--read-database`): started by
//! `bench/pg-replica.sh` in `.ci/run`, its URL in ZHILI_TEST_REPLICA_URL. With the replica's
//! replay paused, a new report shows in the inbox (the primary) and not yet on the dashboard
//! (the replica); once replay resumes the dashboard catches up.

use super::*;
use zhili_store::SqlStore;

async fn replica_caught_up(primary: &SqlStore, replica: &mut sqlx::AnyConnection) -> bool {
    let lsn: String = sqlx::query_scalar("SELECT pg_current_wal_lsn()::text")
        .fetch_one(primary.pool())
        .await
        .unwrap();
    sqlx::query_scalar::<_, bool>(
        "SELECT COALESCE(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0, false)",
    )
    .bind(lsn)
    .fetch_one(&mut *replica)
    .await
    .unwrap()
}

async fn inbox(s: &Server, token: &str) -> i64 {
    let (_, page) = s.get("/api/v1/events?page_size=1", Some(token)).await;
    page["total"].as_i64().unwrap()
}

async fn district_total(s: &Server, token: &str) -> i64 {
    let (st, sum) = s.get("/api/v1/dashboard/summary", Some(token)).await;
    assert_eq!(st, StatusCode::OK, "{sum}");
    sum["region"]["total"].as_i64().unwrap()
}

#[tokio::test]
async fn lagging_reads_come_from_the_replica() {
    let (Ok(admin), Ok(replica_url)) = (
        std::env::var("ZHILI_TEST_DATABASE_URL"),
        std::env::var("ZHILI_TEST_REPLICA_URL"),
    ) else {
        return;
    };
    if admin.is_empty() || replica_url.is_empty() {
        return;
    }
    let db = TestDb::postgres(&admin).await.unwrap();
    let s = Server::start(&db).await;
    let name = db
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let replica_db = zhili_store::testing::with_database(&replica_url, name);
    let mut control = <sqlx::AnyConnection as sqlx::Connection>::connect(&replica_db).await;
    for _ in 0..100 {
        if control.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        control = <sqlx::AnyConnection as sqlx::Connection>::connect(&replica_db).await;
    }
    let mut control = control.expect("the new database reaches the replica");
    for _ in 0..150 {
        if replica_caught_up(&s.store, &mut control).await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let reads = SqlStore::open_read_only(&replica_db)
        .await
        .expect("the replica holds this schema");
    s.state.set_lagging_reads(Arc::new(reads));

    let district = s.token("district").await;
    let before = district_total(&s, &district).await;
    let inbox_before = inbox(&s, &district).await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&mut control)
        .await
        .unwrap();
    let worker = s.token("grid-500114001001001").await;
    let p = deep_point("500114001001001");
    let (st, e) = post_json(&s, "/api/v1/events", &worker,
        json!({"channel": "grid_patrol", "category": "0602", "description": "复制延迟测试", "location": {"lon": p.x, "lat": p.y}})).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    // The inbox reads the primary at once; the dashboard the paused replica.
    assert_eq!(inbox(&s, &district).await, inbox_before + 1);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        district_total(&s, &district).await,
        before,
        "the dashboard reads the replica"
    );
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&mut control)
        .await
        .unwrap();
    let mut seen = before;
    for _ in 0..150 {
        seen = district_total(&s, &district).await;
        if seen == before + 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(seen, before + 1, "the replica catches up");

    // Nothing is written through a read store, even one opened on the primary; a read
    // database must be PostgreSQL.
    let on_primary = SqlStore::open_read_only(&db.url).await.unwrap();
    assert!(on_primary.set_meta("probe", "x").await.is_err());
    assert!(SqlStore::open_read_only("sqlite:/tmp/x.db").await.is_err());
    drop(control);
    s.stop().await;
    db.drop_database().await.unwrap();
}
