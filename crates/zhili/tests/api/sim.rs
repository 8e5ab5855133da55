use super::*;

#[tokio::test]
async fn the_load_command_reports_and_everything_it_sends_succeeds() {
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    let params = zhili::sim::SimParams {
        target: s.base.clone(),
        rate: 40.0,
        duration: std::time::Duration::from_secs(2),
        concurrency: 4,
        password: PASSWORD.into(),
        reporters: 4,
        handling_share: 0.25,
        open311_key: None,
        watch_streams: false,
    };
    let report = zhili::sim::run(params.clone()).await.unwrap();
    assert_eq!(report.errors, 0, "{:?}", report.samples);
    assert!(report.intake.len() >= 20, "{} intakes", report.intake.len());
    let district = s.token("district").await;
    let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
    assert_eq!(page["total"].as_u64(), Some(report.intake.len() as u64));
    // The same load through Open311, as a hotline system with its key: every request filed.
    let admin = s.token("admin").await;
    let body = json!({"unit_id": "C500114", "name": "12345 热线平台", "channels": ["hotline"], "reads": [],
        "area_code": null, "expires_at": zhili_domain::time::rfc3339(zhili::now_ms() + 86_400_000)});
    let (_, issued) = post_json(&s, "/api/v1/api-keys", &admin, body).await;
    let systems = zhili::sim::run(zhili::sim::SimParams {
        open311_key: Some(issued["key"].as_str().unwrap().to_string()),
        ..params
    })
    .await
    .unwrap();
    assert_eq!(systems.errors, 0, "{:?}", systems.samples);
    let (_, page) = s
        .get(
            "/api/v1/events?channel=hotline&page_size=1",
            Some(&district),
        )
        .await;
    assert_eq!(page["total"].as_u64(), Some(systems.intake.len() as u64));
    // The read load: the dashboard over and over, every answer a success.
    let reads = zhili::sim::run_reads(zhili::sim::ReadParams {
        target: s.base.clone(),
        path: "/api/v1/dashboard/summary".into(),
        username: "district".into(),
        password: PASSWORD.into(),
        duration: std::time::Duration::from_millis(500),
        concurrency: 2,
    })
    .await
    .unwrap();
    assert_eq!(reads.errors, 0, "{:?}", reads.samples);
    assert!(!reads.reads.is_empty());
    let wrong = zhili::sim::run_reads(zhili::sim::ReadParams {
        target: s.base.clone(),
        path: "/api/v1/nothing".into(),
        username: "district".into(),
        password: PASSWORD.into(),
        duration: std::time::Duration::from_millis(100),
        concurrency: 1,
    })
    .await;
    assert!(wrong.is_err(), "a wrong path fails at once");
    s.stop().await;
    db.drop_database().await.unwrap();
}

/// Two servers on one PostgreSQL database, as behind a load balancer: the load takes turns
/// between them, and each one's live stream tells of every report, its own and the other's.
#[tokio::test]
async fn two_servers_on_one_database_stream_every_report() {
    let Ok(admin) = std::env::var("ZHILI_TEST_DATABASE_URL") else {
        return;
    };
    if admin.is_empty() {
        return;
    }
    let db = TestDb::postgres(&admin).await.unwrap();
    let s = Server::start(&db).await;
    let second = AppState::new(
        s.store.clone(),
        LoginPolicy::default(),
        zhili::crypto::DataKey::generate(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base2 = format!("http://{}", listener.local_addr().unwrap());
    let task2 = tokio::spawn(async move { zhili::http::serve(second, listener).await.unwrap() });
    let report = zhili::sim::run(zhili::sim::SimParams {
        target: format!("{},{base2}", s.base),
        rate: 60.0,
        duration: std::time::Duration::from_secs(3),
        concurrency: 4,
        password: PASSWORD.into(),
        reporters: 4,
        handling_share: 0.25,
        open311_key: None,
        watch_streams: true,
    })
    .await
    .unwrap();
    assert_eq!(report.errors, 0, "{:?}", report.samples);
    assert!(
        report.created.len() >= 60,
        "{} reports",
        report.created.len()
    );
    assert_eq!(report.streams.len(), 2);
    for t in &report.streams {
        assert_eq!(t.missing, 0, "the stream of {} missed reports", t.target);
        assert_eq!(t.seen, report.created.len());
    }
    task2.abort();
    s.stop().await;
    db.drop_database().await.unwrap();
}
