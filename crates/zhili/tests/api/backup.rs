//! `zhili backup` while reports pour in, then `zhili restore`: every report acknowledged before
//! the backup began is in the restored database, its record verifies, its key opens only with
//! the passphrase, and a damaged copy is refused (SQLite; PostgreSQL uses its own tools).

use super::*;

const PASSPHRASE: &str = "长江 long river 2026";

fn zhili(args: &[&str], key: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zhili"));
    cmd.args(args)
        .env(zhili::backup::PASSPHRASE_ENV, PASSPHRASE)
        .env_remove("ZHILI_DATABASE_URL")
        .env_remove("ZHILI_DATA_KEY")
        .env_remove("ZHILI_KEY_FILE");
    if let Some(k) = key {
        cmd.env("ZHILI_DATA_KEY", k);
    }
    cmd.output().unwrap()
}

#[tokio::test]
async fn a_backup_under_load_restores_every_acknowledged_report() {
    for db in TestDb::all().await {
        let Some(path) = db.url.strip_prefix("sqlite:").map(str::to_string) else {
            continue;
        };
        let s = Server::start(&db).await;
        let key = s.state.key.to_text();
        let dir = tempfile_dir(&path, "backups");
        let (before, during) = reports_during(&s, {
            let (path, dir, key) = (path.clone(), dir.clone(), key.clone());
            move || zhili(&["backup", "--db", &path, "--to", &dir], Some(&key))
        })
        .await;
        assert!(during > 0, "reports went on during the backup");
        let taken: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(taken.len(), 1);
        let backup = taken[0].to_str().unwrap().to_string();
        let names: std::collections::BTreeSet<String> = std::fs::read_dir(&backup)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            ["key.sealed", "manifest.json", "zhili.db"]
                .map(String::from)
                .into(),
            "the key travels only sealed"
        );
        assert!(!std::fs::read_to_string(format!("{backup}/key.sealed"))
            .unwrap()
            .contains(&key));

        // A wrong passphrase opens nothing and writes nothing.
        let restored = format!("{path}.restored");
        let mut wrong = std::process::Command::new(env!("CARGO_BIN_EXE_zhili"));
        let out = wrong
            .args(["restore", "--from", &backup, "--db", &restored])
            .env(zhili::backup::PASSPHRASE_ENV, "not the passphrase at all")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase"));
        assert!(!std::path::Path::new(&restored).exists());

        assert_succeeded(&zhili(
            &["restore", "--from", &backup, "--db", &restored],
            None,
        ));
        assert_eq!(
            std::fs::read_to_string(format!("{restored}.key")).unwrap(),
            key,
            "the key file is written beside the restored database"
        );
        let back = SqlStore::open(&format!("sqlite:{restored}")).await.unwrap();
        let all = zhili_domain::Scope::whole(zhili_domain::RegionCode::parse("500114").unwrap());
        for id in &before {
            assert!(
                back.get_event(&all, *id).await.unwrap().is_some(),
                "report {id} was acknowledged before the backup began"
            );
        }
        let record = back.actions(0, i64::MAX).await.unwrap();
        chain::verify(&record).unwrap();
        assert_eq!(record.last().unwrap().action, "backup.restore");
        // Restoring over an existing database is refused.
        let out = zhili(&["restore", "--from", &backup, "--db", &restored], None);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

        // A copy altered after the backup is refused before anything is written.
        let copy = format!("{backup}/zhili.db");
        let mut bytes = std::fs::read(&copy).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&copy, bytes).unwrap();
        let elsewhere = format!("{path}.elsewhere");
        let out = zhili(&["restore", "--from", &backup, "--db", &elsewhere], None);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("does not match its manifest"));
        assert!(!std::path::Path::new(&elsewhere).exists());

        let taken = s.store.actions(0, i64::MAX).await.unwrap();
        assert!(taken.iter().any(|a| a.action == "backup.take"));

        // Scheduled rounds keep the newest ones.
        let scheduled = tempfile_dir(&path, "scheduled");
        let schedule = zhili::backup::Schedule {
            under: scheduled.clone().into(),
            every: std::time::Duration::from_secs(3600),
            keep: 2,
            passphrase: PASSPHRASE.into(),
        };
        let mut made = Vec::new();
        for i in 0..3 {
            let at = 1_796_401_805_000 + i * 3_600_000;
            made.push(
                zhili::backup::scheduled_round(&s.store, &s.state.key, &schedule, at)
                    .await
                    .unwrap(),
            );
        }
        let mut left: Vec<_> = std::fs::read_dir(&scheduled)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        left.sort();
        assert_eq!(left, made[1..], "the oldest removed, the newest two kept");
        let _ = std::fs::remove_dir_all(&scheduled);
        // The server will not start with a schedule it cannot seal.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zhili"))
            .args(["serve", "--db", &path, "--backup-dir", &scheduled])
            .env_remove(zhili::backup::PASSPHRASE_ENV)
            .env_remove("ZHILI_DATABASE_URL")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(zhili::backup::PASSPHRASE_ENV));
        drop(back);
        s.stop().await;
        for f in [restored.clone(), format!("{restored}.key")] {
            let _ = std::fs::remove_file(f);
        }
        let _ = SqlStore::destroy(&format!("sqlite:{restored}")).await;
        let _ = std::fs::remove_dir_all(&dir);
        db.drop_database().await.unwrap();
    }
}

/// Reports from four clients in a loop; once 40 are acknowledged, `copy` runs (and must
/// succeed) while they go on. Answers the ids acknowledged before it began, and how many were
/// acknowledged while it ran.
async fn reports_during(
    s: &Server,
    copy: impl FnOnce() -> std::process::Output + Send + 'static,
) -> (Vec<i64>, usize) {
    let worker = s.token("grid-500114001001001").await;
    let p = deep_point("500114001001001");
    let body = json!({"channel": "grid_patrol", "category": "0701", "description": "备份时上报",
        "location": {"lon": p.x, "lat": p.y}})
    .to_string();
    let acked = Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (http, base, worker, body) =
            (s.http.clone(), s.base.clone(), worker.clone(), body.clone());
        let (acked, stop) = (acked.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = http
                    .post(format!("{base}/api/v1/events"))
                    .bearer_auth(&worker)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                let made: Value = resp.json().await.unwrap();
                acked.lock().unwrap().push(made["id"].as_i64().unwrap());
            }
        }));
    }
    while acked.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<i64> = acked.lock().unwrap().clone();
    assert_succeeded(&tokio::task::spawn_blocking(copy).await.unwrap());
    let during = acked.lock().unwrap().len() - before.len();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    (before, during)
}

/// PostgreSQL's own tools, as docs/operating.md gives them: `pg_dump` of the live database
/// under the same load, `pg_restore` into a new database, then `zhili audit verify --full`.
#[tokio::test]
async fn postgresql_dumped_under_load_restores_every_acknowledged_report() {
    for db in TestDb::all().await {
        if db.url.starts_with("sqlite:") {
            continue;
        }
        let admin = std::env::var("ZHILI_TEST_DATABASE_URL").unwrap();
        let s = Server::start(&db).await;
        let dump = std::env::temp_dir().join(format!("zhili-dump-{}.pgdump", std::process::id()));
        let (before, during) = reports_during(&s, {
            let (url, dump) = (db.url.clone(), dump.clone());
            move || {
                std::process::Command::new("pg_dump")
                    .args(["--format=custom", "--file"])
                    .arg(&dump)
                    .args(["--dbname", &url])
                    .output()
                    .unwrap()
            }
        })
        .await;
        assert!(during > 0, "reports went on during the dump");
        let target = TestDb::postgres(&admin).await.unwrap();
        succeeds(
            std::process::Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--dbname", &target.url])
                .arg(&dump),
        );
        succeeds(
            std::process::Command::new(env!("CARGO_BIN_EXE_zhili")).args([
                "audit",
                "verify",
                "--full",
                "--database",
                &target.url,
            ]),
        );
        let back = target.open().await.unwrap();
        let all = zhili_domain::Scope::whole(zhili_domain::RegionCode::parse("500114").unwrap());
        for id in &before {
            assert!(
                back.get_event(&all, *id).await.unwrap().is_some(),
                "report {id} was acknowledged before the dump began"
            );
        }
        back.pool().close().await;
        drop(back);
        let _ = std::fs::remove_file(&dump);
        s.stop().await;
        target.drop_database().await.unwrap();
        db.drop_database().await.unwrap();
    }
}

fn assert_succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn succeeds(cmd: &mut std::process::Command) {
    assert_succeeded(&cmd.output().unwrap());
}

/// A directory beside the test's database, not yet made.
fn tempfile_dir(db_path: &str, name: &str) -> String {
    format!("{db_path}.{name}")
}
