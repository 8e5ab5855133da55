//! Rotating the data key while the server serves and writes: `zhili key rotate` (the real
//! binary), the server's background re-seal, `zhili key status`, `zhili key retire` — on both
//! backends. Every value moves to the new key, the blind index with it; nothing stops
//! answering; a code sent before the rotation still signs in after it; no plain value is
//! ever written.

use super::residents::{code_from_outbox, id_for, post_json_open, resident_token};
use super::*;

fn cli(db: &TestDb, key_file: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_zhili"));
    cmd.args(args)
        .env_remove("ZHILI_DATABASE_URL")
        .env_remove("ZHILI_DATA_KEY")
        .env_remove("ZHILI_KEY_FILE")
        .arg("--key-file")
        .arg(key_file);
    match db.url.strip_prefix("sqlite:") {
        Some(path) => cmd.args(["--db", path]),
        None => cmd.args(["--database", &db.url]),
    };
    cmd.output().unwrap()
}

fn succeeded(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    format!("{}{err}", String::from_utf8_lossy(&out.stdout))
}

/// Values of every sealed column not under key `current`.
async fn left_under_older(s: &Server, current: u32) -> i64 {
    let mut n = 0;
    for table in zhili_store::SEALED_TABLES {
        n += s
            .store
            .count_stale_sealed(table, current)
            .await
            .unwrap()
            .iter()
            .sum::<i64>();
    }
    n
}

#[tokio::test]
async fn the_data_key_rotates_while_serving_and_every_value_moves() {
    for db in TestDb::all().await {
        let dir = std::env::temp_dir().join(format!(
            "zhili-rotate-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let key_file = dir.join("zhili.key");
        let key = zhili::crypto::DataKey::load_or_create(&key_file).unwrap();
        let s = Server::start_with_key(&db, key).await;
        small_city(&s).await;
        let worker = s.token("grid-500114001001001").await;
        let desk = s.token("district-operator").await;
        let admin = s.token("admin").await;

        // A person, a caller and a resident with numbers we know, before the rotation.
        let number = id_for((1979, 6, 30), 321);
        let (st, person) = post_json(
            &s,
            "/api/v1/people",
            &worker,
            json!({"id_type": "111", "id_number": number,
            "name": "韩梅", "phone": "13900139000", "grid_code": "500114001001001"}),
        )
        .await;
        assert_eq!(st, StatusCode::CREATED, "{person}");
        let person_id = person["id"].as_i64().unwrap();
        let appeal = json!({"phone": "13800138000", "name": "刘先生", "channel": "hotline", "category": "0602",
            "description": "正街路灯连续三晚不亮", "place": "500114001001001"});
        let (st, taken) = post_json(&s, "/api/v1/desk/appeals", &desk, appeal.clone()).await;
        assert_eq!(st, StatusCode::CREATED, "{taken}");
        let resident = resident_token(&s, &admin, "13700137001").await;
        // A code asked for now and answered after the rotation.
        let (st, b) =
            post_json_open(&s, "/api/v1/resident/code", json!({"phone": "13700137002"})).await;
        assert_eq!(st, StatusCode::ACCEPTED, "{b}");
        let code = code_from_outbox(&s, &admin, "7002").await;
        assert!(
            left_under_older(&s, 1).await > 5_000,
            "the city's values are under k0"
        );

        // The operator rotates while reports keep coming.
        let writing = {
            let (base, desk, appeal) = (s.base.clone(), desk.clone(), appeal.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut taken = 0;
                let until = std::time::Instant::now() + std::time::Duration::from_secs(4);
                while std::time::Instant::now() < until && taken < 30 {
                    let resp = http
                        .post(format!("{base}/api/v1/desk/appeals"))
                        .bearer_auth(&desk)
                        .json(&appeal)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        resp.status(),
                        StatusCode::CREATED,
                        "{}",
                        resp.text().await.unwrap()
                    );
                    taken += 1;
                }
                taken
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let said = succeeded(&cli(&db, &key_file, &["key", "rotate"]));
        assert!(said.contains("k1, k0 (current: k1)"), "{said}");
        let during = writing.await.unwrap();
        assert!(during > 0);

        // The server reads the ring again and re-seals in the background.
        let started = std::time::Instant::now();
        while left_under_older(&s, 1).await > 0 {
            assert!(
                started.elapsed().as_secs() < 120,
                "the re-seal did not finish"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert_eq!(s.state.key.ids(), vec![1, 0]);
        let status = succeeded(&cli(&db, &key_file, &["key", "status"]));
        assert!(status.contains("\n0 values under an older key"), "{status}");
        assert!(
            status.contains("people") && status.contains("done"),
            "{status}"
        );

        // Everything answers as before, through the re-keyed indexes.
        let (_, found) = s
            .get(&format!("/api/v1/people?q={number}"), Some(&worker))
            .await;
        assert_eq!(found["items"][0]["id"].as_i64(), Some(person_id), "{found}");
        let (_, full) = s
            .get(
                &format!("/api/v1/people/{person_id}?reason=%E6%A0%B8%E5%AF%B9"),
                Some(&worker),
            )
            .await;
        assert_eq!(
            (full["id_number"].as_str(), full["phone"].as_str()),
            (Some(number.as_str()), Some("13900139000"))
        );
        let (st, b) = post_json(
            &s,
            "/api/v1/people",
            &worker,
            json!({"id_number": number, "name": "韩梅",
            "grid_code": "500114001001001"}),
        )
        .await;
        assert_error(st, &b, 409, "conflict");
        let (_, calls) = s
            .get("/api/v1/desk/callers?phone=13800138000", Some(&desk))
            .await;
        assert_eq!(
            calls["events"].as_array().map(Vec::len),
            Some(1 + during),
            "{calls}"
        );
        let (st, me) = s.get("/api/v1/resident/me", Some(&resident)).await;
        assert_eq!(st, StatusCode::OK, "{me}");
        let (st, session) = post_json_open(
            &s,
            "/api/v1/resident/session",
            json!({"phone": "13700137002", "code": code}),
        )
        .await;
        assert_eq!(
            st,
            StatusCode::OK,
            "a code sent under the old key signs in: {session}"
        );
        let again = s
            .store
            .resident_by_phone(&s.state.key.blinds("resident.phone", "13700137001"))
            .await
            .unwrap();
        assert!(again.is_some(), "found by the re-keyed index");
        let blind = s.state.key.blind("id_number", &number);
        let listed = s
            .store
            .list_people(
                &zhili_domain::Scope::whole(zhili_domain::RegionCode::parse("500114").unwrap()),
                &zhili_store::PeopleFilter {
                    id_blinds: vec![blind],
                    limit: 5,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(listed.0, 1, "stored under the new key's index");

        // No plain value was written: the file and its log hold the number nowhere.
        if let Some(path) = db.url.strip_prefix("sqlite:") {
            for file in [path.to_string(), format!("{path}-wal")] {
                let bytes = std::fs::read(&file).unwrap_or_default();
                assert!(
                    !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                    "{file} holds the number"
                );
            }
        }

        // The record tells who rotated and what moved; it verifies.
        let actions = s.store.actions(0, 1_000_000).await.unwrap();
        let rotate = actions
            .iter()
            .find(|a| a.action == "key.rotate")
            .expect("the rotation is recorded");
        assert!(rotate.actor.starts_with("cli:"), "{}", rotate.actor);
        assert!(actions
            .iter()
            .any(|a| a.action == "key.reseal" && a.subject == "table:people"));
        assert!(actions
            .iter()
            .any(|a| a.action == "key.resealed" && a.subject == "table:events"));

        // Retired: the ring holds the new key alone; the server follows; nothing is lost.
        let said = succeeded(&cli(&db, &key_file, &["key", "retire"]));
        assert!(said.contains("k1 (current: k1)"), "{said}");
        let text = std::fs::read_to_string(&key_file).unwrap();
        assert_eq!(
            (text.lines().count(), text.starts_with("k1:")),
            (1, true),
            "{text}"
        );
        let started = std::time::Instant::now();
        while s.state.key.ids() != vec![1] {
            assert!(
                started.elapsed().as_secs() < 20,
                "the server kept the old key"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let (_, full) = s
            .get(
                &format!("/api/v1/people/{person_id}?reason=%E6%A0%B8%E5%AF%B9"),
                Some(&worker),
            )
            .await;
        assert_eq!(full["id_number"].as_str(), Some(number.as_str()));
        let out = cli(&db, &key_file, &["key", "retire"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to retire"));
        let actions = s.store.actions(0, 1_000_000).await.unwrap();
        assert!(actions.iter().any(|a| a.action == "key.retire"));

        s.stop().await;
        let _ = std::fs::remove_dir_all(&dir);
        db.drop_database().await.unwrap();
    }
}
