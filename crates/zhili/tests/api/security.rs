//! Regression tests for the defects an outside probe found (issue 11): each fails on the
//! code before its fix. They attack as an ordinary account (or none) would.

use super::*;
use std::io::Write;

/// A sign-in from a given loopback address (127.0.0.0/8 is all this machine), with the
/// answer's status, body and `Retry-After`.
async fn login_from(
    s: &Server,
    ip: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value, Option<u64>) {
    let client = reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let resp = client
        .post(format!("{}/api/v1/auth/login", s.base))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body, retry)
}

/// A workbook made of the given parts, as a hostile sender would write it.
fn archive(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_small_sheet_declaring_the_whole_grid_is_refused_and_the_server_lives() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let grid = s.token("grid-500114001001001").await;
        // The probe's file: cells A1 and XFD1048576 (5 KB; building its range took 512 GiB).
        let corner = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>证件号码</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
        let corner = archive(&[("xl/worksheets/sheet1.xml", corner.as_bytes())]);
        assert!(corner.len() < 5_000);
        // A sheet that claims to unpack to 1 GiB (refused before anything is unpacked).
        let mut bomb = archive(&[("xl/worksheets/sheet1.xml", b"<worksheet/>")]);
        let cd = bomb.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        bomb[cd + 24..cd + 28].copy_from_slice(&(1u32 << 30).to_le_bytes());
        for (token, path) in [
            (&grid, "/api/v1/import/people?dry_run=true"),
            (&village, "/api/v1/import/things?dry_run=true"),
            (&village, "/api/v1/people/import"),
        ] {
            let (st, b) = s
                .post(path, Some(token), Some("application/octet-stream"), corner.clone())
                .await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "file", "{b}");
            assert!(b["message"].as_str().unwrap().contains("column XFD"), "{b}");
            assert!(b["message_zh"].is_string(), "{b}");
            let (st, b) = s
                .post(path, Some(token), Some("application/octet-stream"), bomb.clone())
                .await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert!(b["message"].as_str().unwrap().contains("unpacks to more than"), "{b}");
        }
        let (st, _) = s.get("/healthz", None).await;
        assert_eq!(st, StatusCode::OK, "the server lives");
        s
    })
    .await;
}

#[tokio::test]
async fn concurrent_wrong_passwords_are_all_counted() {
    on_every_backend(|s| async move {
        let name = "town-500114002";
        let mut answers: Vec<u16> = Vec::new();
        for _round in 0..3 {
            let tries: Vec<_> = (0..40)
                .map(|_| login_from(&s, "127.0.0.1", name, "wrong password"))
                .collect();
            for (st, b, retry) in futures_util::future::join_all(tries).await {
                match st.as_u16() {
                    401 => assert_eq!(b["code"], "invalid_credentials"),
                    429 => {
                        assert_eq!(b["code"], "account_locked");
                        assert!(retry.is_some_and(|r| r >= 1), "Retry-After on 429");
                    }
                    503 => assert_eq!(b["code"], "busy"),
                    other => panic!("{other}: {b}"),
                }
                answers.push(st.as_u16());
            }
        }
        let wrong = answers.iter().filter(|&&a| a == 401).count();
        assert_eq!(
            wrong, 4,
            "exactly four wrong passwords are told wrong: {answers:?}"
        );
        assert!(
            answers.iter().filter(|&&a| a == 429).count() >= 100,
            "{answers:?}"
        );
        // The right password from the same place is refused while the lock lasts.
        let (st, b, retry) = login_from(&s, "127.0.0.1", name, PASSWORD).await;
        assert_error(st, &b, 429, "account_locked");
        assert!(retry.is_some_and(|r| r > 60), "{retry:?}");
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        let failures = actions
            .iter()
            .filter(|a| a.action == "auth.login_failed" && a.subject == format!("user:{name}"))
            .count();
        assert_eq!(failures, 5, "every counted failure is in the record");
        s
    })
    .await;
}

#[tokio::test]
async fn password_checks_are_bounded_and_unknown_names_cost_the_same() {
    on_every_backend(|s| async move {
        // 150 sign-ins for names that do not exist, all at once.
        let names: Vec<String> = (0..150).map(|i| format!("ghost-{i}")).collect();
        let tries: Vec<_> = names
            .iter()
            .map(|n| login_from(&s, "127.0.0.1", n, "wrong password"))
            .collect();
        let mut busy = 0;
        for (st, b, retry) in futures_util::future::join_all(tries).await {
            match st.as_u16() {
                401 => assert_eq!(b["code"], "invalid_credentials"),
                503 => {
                    assert_eq!(b["code"], "busy");
                    assert!(retry.is_some(), "Retry-After on 503");
                    busy += 1;
                }
                other => panic!("{other}: {b}"),
            }
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let peak = s.state.password_checks.peak();
        assert!(
            (1..=cores).contains(&peak),
            "at most one password check per core ran at once: {peak}"
        );
        eprintln!("{busy} of 150 answered busy");
        // The bound spent itself: sign-ins work again.
        let _ = s.token("district").await;
        s
    })
    .await;
}

#[tokio::test]
async fn a_lock_holds_only_where_the_attack_comes_from() {
    on_every_backend(|s| async move {
        let name = "town-500114003";
        // The owner signs in from their office: a familiar place from now on.
        let (st, _, _) = login_from(&s, "127.0.0.2", name, PASSWORD).await;
        assert_eq!(st, StatusCode::OK);
        // An attack from elsewhere locks the account there…
        for _ in 0..4 {
            let (st, b, _) = login_from(&s, "127.0.0.9", name, "guess").await;
            assert_error(st, &b, 401, "invalid_credentials");
        }
        let (st, b, _) = login_from(&s, "127.0.0.9", name, "guess").await;
        assert_error(st, &b, 429, "account_locked");
        let (st, _, _) = login_from(&s, "127.0.0.9", name, PASSWORD).await;
        assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
        // …but not at the owner's office, nor yet at a new place.
        let (st, _, _) = login_from(&s, "127.0.0.2", name, PASSWORD).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _, _) = login_from(&s, "127.0.0.3", name, PASSWORD).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "a new place is not held by one attacker"
        );
        // An attack from many places locks every unfamiliar place, the office still not.
        for ip in 10..14 {
            for _ in 0..5 {
                login_from(&s, &format!("127.0.0.{ip}"), name, "guess").await;
            }
        }
        let (st, b, _) = login_from(&s, "127.0.0.20", name, PASSWORD).await;
        assert_error(st, &b, 429, "account_locked");
        let (st, _, _) = login_from(&s, "127.0.0.2", name, PASSWORD).await;
        assert_eq!(st, StatusCode::OK, "the owner's own place gets through");

        // Names that are not accounts lock exactly like accounts: locking tells nothing.
        for (who, exists) in [("town-500114004", true), ("town-999999999", false)] {
            let mut seen = Vec::new();
            for _ in 0..6 {
                let (st, b, _) = login_from(&s, "127.0.0.5", who, "guess").await;
                seen.push((st.as_u16(), b["code"].as_str().unwrap_or("").to_string()));
            }
            assert_eq!(
                seen.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
                [401, 401, 401, 401, 429, 429],
                "{who} (exists: {exists})"
            );
        }
        s
    })
    .await;
}

fn id_for(day: (i64, u32, u32), seq: u32) -> String {
    zhili_domain::id_number::compose(
        "500114",
        zhili_domain::time::days_from_civil(day.0, day.1, day.2),
        seq,
    )
}

#[tokio::test]
async fn identity_number_lookups_are_recorded_budgeted_and_answer_only_for_the_area() {
    on_every_backend(|s| async move {
        let here = s.token("grid-500114001001001").await;
        let next_door = s.token("grid-500114001001002").await;
        let (theirs, mine) = (id_for((1986, 2, 28), 123), id_for((1990, 6, 1), 42));
        for (token, number, grid) in [
            (&here, &theirs, "500114001001001"),
            (&next_door, &mine, "500114001001002"),
        ] {
            let (st, b) = s
                .post("/api/v1/people", Some(token), Some("application/json"),
                    json!({"id_number": number, "name": "张三", "grid_code": grid}).to_string())
                .await;
            assert_eq!(st, StatusCode::CREATED, "{b}");
            // What anyone sees unrevealed: four characters, a band, no birth date.
            assert_eq!(b["id_number"], format!("{}**************", &number[..4]));
            assert!(b["birth_date"].is_null() && b["age_band"].is_string(), "{b}");
        }
        s.state
            .lookup_budget
            .store(7, std::sync::atomic::Ordering::Relaxed);

        // A dry-run import next door with a candidate for the other grid's person: it tells
        // nothing about them (only the worker's own registration is "registered already").
        let sheet = format!(
            "证件号码,姓名,网格编码\n{theirs},甲,500114001001002\n{mine},乙,500114001001002\n{},丙,500114001001002\n",
            id_for((1991, 1, 1), 5)
        );
        let (st, report) = s
            .post("/api/v1/import/people?dry_run=true", Some(&next_door), Some("text/csv"), sheet.clone())
            .await;
        assert_eq!(st, StatusCode::OK, "{report}");
        let problems = report["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{report}");
        assert_eq!((problems[0]["row"].as_i64(), problems[0]["reason"].as_str()), (Some(3), Some("registered already")));
        // The real import fails without naming the row registered elsewhere.
        let (st, b) = s
            .post("/api/v1/import/people?partial=true", Some(&next_door), Some("text/csv"),
                format!("证件号码,姓名,网格编码\n{theirs},甲,500114001001002\n"))
            .await;
        assert_error(st, &b, 409, "conflict");
        assert!(!b.to_string().contains("row"), "{b}");

        // A search by the number next door finds nothing, and costs like any lookup.
        let (st, none) = s.get(&format!("/api/v1/people?q={theirs}"), Some(&next_door)).await;
        assert_eq!((st, none["total"].as_i64()), (StatusCode::OK, Some(0)));
        // 1 + 3 + 1 + 1 of 7 spent: one more, then 429 with when to retry.
        let (st, _) = s.get(&format!("/api/v1/people?q={mine}"), Some(&next_door)).await;
        assert_eq!(st, StatusCode::OK);
        let resp = s
            .http
            .get(format!("{}/api/v1/people?q={mine}", s.base))
            .bearer_auth(&next_door)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(resp.headers().get("retry-after").is_some());
        let b: Value = resp.json().await.unwrap();
        assert_eq!(b["code"], "rate_limited");
        // An import that needs more than is left is refused whole, before any lookup.
        let (st, b) = s
            .post("/api/v1/import/people?dry_run=true", Some(&next_door), Some("text/csv"), sheet)
            .await;
        assert_error(st, &b, 429, "rate_limited");
        // Searching by name is no lookup of a number.
        let (st, _) = s.get("/api/v1/people?q=%E5%BC%A0", Some(&next_door)).await;
        assert_eq!(st, StatusCode::OK);
        // Other accounts have their own budget.
        let (st, found) = s.get(&format!("/api/v1/people?q={theirs}"), Some(&here)).await;
        assert_eq!((st, found["total"].as_i64()), (StatusCode::OK, Some(1)));

        // Every lookup is in the record, by account.
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        let charged: i64 = actions
            .iter()
            .filter(|a| a.action == "person.lookup" && a.actor == "grid-500114001001002")
            .map(|a| {
                let note = a.opinion.as_deref().unwrap_or("");
                note.split(' ').next().unwrap().parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(charged, 7, "the registration, both imports' rows and two searches");
        s
    })
    .await;
}
