//! The binary itself: imports and audit from the command line, and durability under kill -9.

use super::*;

pub(crate) fn zhili() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_zhili"))
}

/// A scratch folder holding a demo database built by the real binary.
fn demo_db(purpose: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("zhili_{purpose}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let out = zhili()
        .args([
            "demo",
            "--db",
            db.to_str().unwrap(),
            "--password",
            PASSWORD,
            "--no-serve",
            "--people",
            "3000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1662 grids"));
    (dir, db)
}

#[test]
fn cli_import_reports_every_problem_and_audit_names_the_broken_record() {
    let (dir, db) = demo_db("cli");

    let bad = dir.join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"500114001001001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[108,29],[109,30],[109,29],[108,30],[108,29]]]}},{"type":"Feature","properties":{"code":"123","name":"y"},"geometry":null}]}"#).unwrap();
    let out = zhili()
        .args([
            "import",
            "grids",
            bad.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("feature 0 (500114001001001)") && err.contains("self-intersection"),
        "{err}"
    );
    assert!(
        err.contains("feature 1 (123)") && err.contains("invalid_code"),
        "{err}"
    );

    let out = zhili()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = zhili()
        .args([
            "user",
            "add",
            "ops-1",
            "--role",
            "town_operator",
            "--region",
            "500114002",
            "--unit",
            "C500114002",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("ZHILI_USER_PASSWORD", "A long password 1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhili()
        .args([
            "user",
            "add",
            "ops-2",
            "--role",
            "town_operator",
            "--region",
            "500114",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("ZHILI_USER_PASSWORD", "A long password 1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("region"));
    // The machine's `user add` is the API's use case: a taken name, a unit that is not there
    // and a short password are refused with the API's codes and fields, and nothing is added.
    let add = |name: &str, unit: &str, password: &str| {
        zhili()
            .args([
                "user",
                "add",
                name,
                "--role",
                "town_operator",
                "--region",
                "500114002",
                "--unit",
                unit,
                "--db",
                db.to_str().unwrap(),
            ])
            .env("ZHILI_USER_PASSWORD", password)
            .output()
            .unwrap()
    };
    for (name, unit, password, expected) in [
        (
            "ops-1",
            "C500114002",
            "A long password 1",
            "conflict (username)",
        ),
        (
            "ops-3",
            "C500114999",
            "A long password 1",
            "not_found (unit_id)",
        ),
        (
            "ops-3",
            "C500114002",
            "short",
            "invalid_parameter (password)",
        ),
    ] {
        let out = add(name, unit, password);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} {unit}");
        assert!(err.contains(expected), "{expected}: {err}");
    }
    let out = zhili()
        .args(["user", "passwd", "ops-1", "--db", db.to_str().unwrap()])
        .env("ZHILI_USER_PASSWORD", "Another long one 2")
        .output()
        .unwrap();
    assert!(out.status.success());

    // Points located from a file: split over threads, with quotes, in GCJ-02, as GeoJSON.
    let p = deep_point("500114001001001");
    let q = deep_point("500114002001001");
    let run = |args: &[&str]| {
        let mut all = vec!["locate"];
        all.extend_from_slice(args);
        all.extend(["--db", db.to_str().unwrap()]);
        zhili().args(&all).output().unwrap()
    };
    let plain = dir.join("points.csv");
    let mut rows = String::from("\u{feff}名称,经度,纬度\r\n");
    for i in 0..50 {
        let (x, y) = if i % 2 == 0 { (p.x, p.y) } else { (q.x, q.y) };
        rows.push_str(&format!("p{i},{x},{y}\r\n"));
    }
    rows.push_str("far,100.0,20.0\r\nbad,abc,29.5\r\nshort\r\n");
    std::fs::write(&plain, rows).unwrap();
    let out = run(&[plain.to_str().unwrap(), "--threads", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("53 rows: 50 in a grid, 1 outside the district's grids, 2 with unreadable coordinates (the first on line 53)"), "{err}");
    let located = std::fs::read_to_string(dir.join("points.located.csv")).unwrap();
    let lines: Vec<&str> = located.lines().collect();
    assert_eq!(lines[0], "名称,经度,纬度,district_code,district_name,town_code,town_name,village_code,village_name,grid_code,grid_name,near_boundary,problem");
    assert_eq!(lines.len(), 54, "every row, in order");
    for (i, line) in lines[1..51].iter().enumerate() {
        let grid = if i % 2 == 0 {
            "500114001001001"
        } else {
            "500114002001001"
        };
        assert!(
            line.starts_with(&format!("p{i},")) && line.contains(&format!(",{grid},")),
            "{line}"
        );
        assert!(
            line.contains(",500114,黔江区,") && line.ends_with(",false,"),
            "{line}"
        );
    }
    assert!(lines[51].starts_with("far,") && lines[51].ends_with(",,,,,,,,,outside"));
    assert!(
        lines[52].ends_with(",bad_coordinates") && lines[53] == "short,,,,,,,,,bad_coordinates"
    );
    // Quoted cells (a comma in a name) and GCJ-02 coordinates.
    let quoted = dir.join("shops.csv");
    let (gx, gy) = zhili_spatial::crs::wgs84_to_gcj02(p.x, p.y);
    std::fs::write(
        &quoted,
        format!("name,lng,lat\n\"王家,小卖部\",{gx},{gy}\n"),
    )
    .unwrap();
    let out = run(&[
        quoted.to_str().unwrap(),
        "--crs",
        "gcj02",
        "--out",
        dir.join("shops.out.csv").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let located = std::fs::read_to_string(dir.join("shops.out.csv")).unwrap();
    assert!(
        located
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("\"王家,小卖部\","),
        "{located}"
    );
    assert!(
        located.contains(",500114001001001,"),
        "located after conversion from GCJ-02: {located}"
    );
    // GeoJSON: properties added; a line is not a point.
    let gj = dir.join("points.geojson");
    std::fs::write(&gj, json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": [q.x, q.y]}},
        {"type": "Feature", "properties": null, "geometry": {"type": "LineString", "coordinates": [[q.x, q.y], [p.x, p.y]]}}]}).to_string()).unwrap();
    let out = run(&[gj.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.join("points.located.geojson")).unwrap())
            .unwrap();
    assert_eq!(
        doc["features"][0]["properties"]["grid_code"],
        "500114002001001"
    );
    assert_eq!(doc["features"][0]["properties"]["name"], "a");
    assert_eq!(doc["features"][1]["properties"]["problem"], "not_a_point");
    // Refused, with what is wrong: no coordinate columns; an unknown system.
    let none = dir.join("none.csv");
    std::fs::write(&none, "a,b\n1,2\n").unwrap();
    let out = run(&[none.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no longitude column"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[plain.to_str().unwrap(), "--crs", "EPSG:3857"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--crs"));

    // Verify while another process keeps writing: records appended meanwhile never make an
    // intact chain look broken (the records and the head are read consistently).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let wrote = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writer = {
        let (stop, wrote, url) = (
            stop.clone(),
            wrote.clone(),
            format!("sqlite:{}", db.display()),
        );
        rt.spawn(async move {
            let store = zhili_store::open(&url).await.unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let action = Actor::system().action(zhili::now_ms(), "test.write", "test:audit");
                store.record_read(action).await.unwrap();
                wrote.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    // The verifications start once the writer is writing (a verification now takes less
    // time than opening the store).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while wrote.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the writer never wrote"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let before = wrote.load(std::sync::atomic::Ordering::Relaxed);
    for round in 0..2 {
        let out = zhili()
            .args(["audit", "verify", "--db", db.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // A later run reads only what came after the last one's checkpoint.
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            round == 0 || said.contains("after the checkpoint"),
            "{said}"
        );
    }
    let during = wrote.load(std::sync::atomic::Ordering::Relaxed) - before;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rt.block_on(writer).unwrap();
    assert!(during > 0, "the writer wrote while verify ran");

    // Alter one record behind the system's back: verify names it and fails.
    rt.block_on(async {
        let store = zhili_store::open(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE actions SET actor = 'mallory' WHERE seq = 42")
            .execute(store.pool())
            .await
            .unwrap();
    });
    let out = zhili()
        .args(["audit", "verify", "--full", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("record 42"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The checkpoint's own record altered: a run from the checkpoint says so.
    rt.block_on(async {
        let store = zhili_store::open(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let mark = store.meta("audit_checkpoint").await.unwrap().unwrap();
        let seq: i64 = mark.split(' ').next().unwrap().parse().unwrap();
        sqlx::query("UPDATE actions SET hash = 'x' || substr(hash, 2) WHERE seq = $1")
            .bind(seq)
            .execute(store.pool())
            .await
            .unwrap();
    });
    let out = zhili()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no longer matches the last verification"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let (dir, db) = demo_db("kill");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = zhili()
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        // A load from a few accounts, well past a person's rate.
        .env("ZHILI_RATE_LIMITS", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = rt.block_on(async {
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let resp = http
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .json(&json!({"username": "leader", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    });
    // SIGKILL: no shutdown, no flush. What was acknowledged must be on disk.
    child.kill().unwrap();
    child.wait().unwrap();
    rt.block_on(async {
        let store = zhili_store::open(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let user = store
            .user_by_token(&zhili::auth::token_hash(&token), zhili::now_ms())
            .await
            .unwrap();
        assert_eq!(user.map(|u| u.username).as_deref(), Some("leader"));
        let actions = store.actions(0, i64::MAX).await.unwrap();
        chain::verify(&actions).unwrap();
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.login" && a.subject == "user:leader"));
    });
    std::fs::remove_dir_all(&dir).ok();
}
