//! Webhook deliveries are durable: the real binary serves, reports pour in, every one heard by
//! three subscriptions whose receiver verifies each signature; the server is killed with
//! SIGKILL mid-load and started again, and every delivery of every acknowledged report still
//! arrives — on every backend.

use super::*;

fn zhili() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_zhili"))
}

fn serve(db: &TestDb, key: &zhili::crypto::DataKey, port: u16) -> std::process::Child {
    let mut cmd = zhili();
    cmd.arg("serve");
    match db.url.strip_prefix("sqlite:") {
        Some(path) => cmd.args(["--db", path]),
        None => cmd.args(["--database", &db.url]),
    };
    cmd.args(["--bind", &format!("127.0.0.1:{port}")])
        .env("ZHILI_DATA_KEY", key.to_text())
        .env("ZHILI_WEBHOOK_ALLOW", "127.0.0.0/8")
        // A load from a few accounts, well past a person's rate.
        .env("ZHILI_RATE_LIMITS", "off")
        .env_remove("ZHILI_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

async fn until_up(base: &str) {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server did not start at {base}");
}

#[test]
fn webhook_deliveries_survive_kill_9() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for db in TestDb::all().await {
            let key = zhili::crypto::DataKey::generate();
            let store = db.open().await.unwrap();
            let load = demo::city_load(plan(), password_hash(), &key, 2026, 1_790_000_000_000);
            store
                .load_city(&Actor::system(), &load, 1_790_000_000_000)
                .await
                .unwrap();
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let base = format!("http://127.0.0.1:{port}");
            let mut child = serve(&db, &key, port);
            until_up(&base).await;
            let params = zhili::sim_webhooks::WebhookParams {
                sim: zhili::sim::SimParams {
                    target: base.clone(),
                    rate: 60.0,
                    duration: std::time::Duration::from_secs(8),
                    concurrency: 4,
                    password: PASSWORD.into(),
                    reporters: 4,
                    handling_share: 0.0,
                    open311_key: None,
                    watch_streams: false,
                },
                subscriptions: 3,
                unit: "C500114".into(),
                drain: std::time::Duration::from_secs(90),
            };
            let run = tokio::spawn(zhili::sim_webhooks::run(params));
            // Kill once deliveries are flowing: some delivered, more queued behind them.
            let mut flowing = false;
            for _ in 0..600 {
                let delivered = store
                    .deliveries(1, Some("delivered"), None, 30)
                    .await
                    .unwrap()
                    .len();
                if delivered >= 30 {
                    flowing = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert!(flowing, "no deliveries before the kill");
            child.kill().unwrap(); // SIGKILL: no shutdown, nothing flushed
            child.wait().unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let mut child = serve(&db, &key, port);
            until_up(&base).await;
            let report = run.await.unwrap().unwrap();
            child.kill().unwrap();
            child.wait().unwrap();
            eprintln!(
                "{:?}: {} reports acknowledged, {} failed during the kill; {} of {} deliveries, {} duplicates",
                db.backend,
                report.intake.created.len(),
                report.intake.errors,
                report.delivered,
                report.expected,
                report.duplicates
            );
            assert!(report.expected >= 3 * 100, "{} expected", report.expected);
            assert!(
                report.intake.errors > 0,
                "the kill came during the load (reports failed while the server was down)"
            );
            assert_eq!(report.bad_signatures, 0);
            assert_eq!(
                (report.lost, report.delivered),
                (0, report.expected),
                "every acknowledged report's deliveries arrive despite the kill"
            );
            let actions = store.actions(0, i64::MAX).await.unwrap();
            chain::verify(&actions).unwrap();
            db.drop_database().await.unwrap();
        }
    });
}
