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

#[tokio::test]
async fn a_sensitive_notes_text_cannot_be_found_by_searching_it() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let (st, note) = s
            .post("/api/v1/situations", Some(&district), Some("application/json"),
                json!({"region_code": "500114001001001", "kind": "stability", "source": "resident", "sensitivity": 3,
                    "title": "拟集体上访苗头", "content": "赵六等人拟就征地补偿集体上访"}).to_string())
            .await;
        assert_eq!(st, StatusCode::CREATED, "{note}");
        let town = s.token("town-500114001").await;
        // The list shows the note (without its text), so its title is searchable…
        let (_, by_title) = s.get("/api/v1/situations?q=%E4%B8%8A%E8%AE%BF%E8%8B%97%E5%A4%B4", Some(&town)).await;
        assert_eq!(by_title["total"], 1, "{by_title}");
        assert!(by_title["items"][0]["content"].is_null());
        // …but not its text, one character or many, for any reader.
        for token in [&town, &district] {
            for q in ["%E8%B5%B5", "%E8%B5%B5%E5%85%AD%E7%AD%89%E4%BA%BA", "%E5%BE%81%E5%9C%B0"] {
                let (_, found) = s.get(&format!("/api/v1/situations?q={q}"), Some(token)).await;
                assert_eq!(found["total"], 0, "{q}: {found}");
            }
        }
        s
    })
    .await;
}

#[tokio::test]
async fn search_text_is_bounded_everywhere() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let admin = s.token("admin").await;
        for (path, token) in [
            ("/api/v1/situations", &worker),
            ("/api/v1/events", &worker),
            ("/api/v1/people", &worker),
            ("/api/v1/houses", &worker),
            ("/api/v1/people/export", &worker),
            ("/api/v1/users", &admin),
        ] {
            let ok = "路".repeat(100);
            let (st, b) = s.get(&format!("{path}?q={ok}"), Some(token)).await;
            assert!(st.is_success(), "{path}: {st} {b}");
            for long in [101, 5_001, 50_001] {
                let (st, b) = s
                    .get(&format!("{path}?q={}", "a".repeat(long)), Some(token))
                    .await;
                assert_error(st, &b, 422, "invalid_parameter");
                assert_eq!(b["details"]["field"], "q", "{path}");
            }
        }
        let (st, b) = s
            .get(
                &format!("/api/v1/situations?tag={}", "x".repeat(101)),
                Some(&worker),
            )
            .await;
        assert_error(st, &b, 422, "invalid_parameter");
        s
    })
    .await;
}

#[tokio::test]
async fn a_live_stream_ends_with_its_session() {
    on_every_backend(|s| async move {
        for ending in ["logout", "password"] {
            let token = s.token("town-500114001").await;
            let mut stream = s
                .http
                .get(format!("{}/api/v1/events/stream", s.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(stream.status(), StatusCode::OK);
            match ending {
                "logout" => {
                    let (st, _) = s.post("/api/v1/auth/logout", Some(&token), None, "").await;
                    assert_eq!(st, StatusCode::NO_CONTENT);
                }
                _ => {
                    let admin = s.token("admin").await;
                    let (st, b) = s
                        .post_put(
                            "/api/v1/users/town-500114001/password",
                            Some(&admin),
                            json!({"password": PASSWORD}).to_string(),
                        )
                        .await;
                    assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
                }
            }
            let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
                while let Ok(Some(_)) = stream.chunk().await {}
            })
            .await;
            assert!(ended.is_ok(), "the stream ends after {ending}");
        }
        s
    })
    .await;
}

const JPEG: &[u8] = include_bytes!("../../../zhili-domain/src/image/photo.jpg");

#[tokio::test]
async fn only_the_uploader_attaches_a_photo_and_uploads_tell_nothing_of_others() {
    on_every_backend(|s| async move {
        let owner = s.token("grid-500114001001001").await;
        let stranger = s.token("grid-500114002001001").await;
        let (st, photo) = s
            .post(
                "/api/v1/attachments",
                Some(&owner),
                Some("image/jpeg"),
                JPEG.to_vec(),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{photo}");
        let id = photo["id"].as_str().unwrap().to_string();
        // The stranger's own report naming the owner's photo: refused as if it did not exist.
        let p = deep_point("500114002001001");
        let report = |photos: Vec<String>| {
            json!({"channel": "grid_patrol", "category": "0602", "description": "路灯不亮",
            "location": {"lon": p.x, "lat": p.y}, "attachments": photos})
            .to_string()
        };
        let (st, b) = s
            .post(
                "/api/v1/events",
                Some(&stranger),
                Some("application/json"),
                report(vec![id.clone()]),
            )
            .await;
        assert_error(st, &b, 404, "not_found");
        assert_eq!(b["details"]["field"], "attachments[0]");
        let (st, _) = s
            .get(&format!("/api/v1/attachments/{id}"), Some(&stranger))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        // Sending the same bytes answers exactly as a first upload does: 201.
        let (st, again) = s
            .post(
                "/api/v1/attachments",
                Some(&stranger),
                Some("image/jpeg"),
                JPEG.to_vec(),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{again}");
        assert_eq!(again["id"], photo["id"]);
        // Having sent them, the stranger may use them (they hold the bytes anyway).
        let (st, b) = s
            .post(
                "/api/v1/events",
                Some(&stranger),
                Some("application/json"),
                report(vec![id.clone()]),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        // A second upload by the same person says so.
        let (st, _) = s
            .post(
                "/api/v1/attachments",
                Some(&owner),
                Some("image/jpeg"),
                JPEG.to_vec(),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        // What follows the image's end is not kept.
        let mut with_payload = JPEG.to_vec();
        with_payload.extend_from_slice(b"PK\x03\x04 appended archive");
        let (st, b) = s
            .post(
                "/api/v1/attachments",
                Some(&owner),
                Some("image/jpeg"),
                with_payload,
            )
            .await;
        assert_eq!(
            (st, b["id"].as_str()),
            (StatusCode::OK, Some(id.as_str())),
            "{b}"
        );
        assert_eq!(b["size"].as_u64(), Some(JPEG.len() as u64));
        s
    })
    .await;
}

#[tokio::test]
async fn csv_exports_defuse_formulas_and_answers_are_not_cached_or_framed() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let (st, b) = s
            .post("/api/v1/people", Some(&worker), Some("application/json"),
                json!({"id_number": id_for((1980, 3, 3), 11), "name": "=HYPERLINK(\"http://evil\",\"点我\")", "grid_code": "500114001001001"}).to_string())
            .await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        let resp = s
            .http
            .get(format!("{}/api/v1/people/export?format=csv", s.base))
            .bearer_auth(&worker)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let text = resp.text().await.unwrap();
        assert!(text.contains("\"'=HYPERLINK("), "{text}");
        assert!(!text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"), "{text}");

        let resp = s.http.get(format!("{}/api/v1/people", s.base)).bearer_auth(&worker).send().await.unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let resp = s.http.get(format!("{}/", s.base)).send().await.unwrap();
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
        assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        s
    })
    .await;
}

#[tokio::test]
async fn bodies_must_end_with_their_document_and_hold_no_control_or_bidi_characters() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let body = |name: &str| json!({"id_number": id_for((1975, 7, 7), 21), "name": name, "grid_code": "500114001001001"}).to_string();
        let (st, b) = s.post("/api/v1/people", Some(&worker), Some("application/json"), body("李四") + "}xyz").await;
        assert_error(st, &b, 400, "invalid_json");
        for bad in ["李\u{0}四", "李\u{202e}四", "李\u{2066}四"] {
            let (st, b) = s.post("/api/v1/people", Some(&worker), Some("application/json"), body(bad)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "name", "{b}");
        }
        let (st, b) = s.post("/api/v1/people", Some(&worker), Some("application/json"), r#"{"id_number":"x","name":"a\u202Eb","grid_code":"1"}"#.to_string()).await;
        assert_error(st, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "name");
        // Whitespace after the document is fine.
        let (st, b) = s.post("/api/v1/people", Some(&worker), Some("application/json"), body("李四") + " \n").await;
        assert_eq!(st, StatusCode::CREATED, "{b}");
        s
    })
    .await;
}

#[tokio::test]
async fn a_grid_file_of_identical_squares_answers_a_bounded_report() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let g = grid("500114001001001");
        let shape = geo::MultiPolygon::new(vec![geo::Rect::new(
            geo::coord! {x: g.shape.0[0].exterior().0[0].x, y: g.shape.0[0].exterior().0[0].y},
            geo::coord! {x: g.shape.0[0].exterior().0[0].x + 0.001, y: g.shape.0[0].exterior().0[0].y + 0.001},
        )
        .to_polygon()]);
        let features: Vec<Value> = (0..300)
            .map(|i| feature(&format!("500114001001{:03}", i % 999 + 1), "方块", &shape))
            .collect();
        let file = json!({"type": "FeatureCollection", "features": features}).to_string();
        let (st, report) = s.post("/api/v1/grids/import?dry_run=true", Some(&admin), Some("application/geo+json"), file).await;
        assert!(st == StatusCode::OK || st == StatusCode::UNPROCESSABLE_ENTITY, "{st}");
        let report = if report["details"].is_object() && report["details"]["problems"].is_array() { report["details"].clone() } else { report };
        let problems = report["problems"].as_array().expect("problems");
        let counts = report["problem_counts"].as_array().expect("counts");
        for c in counts {
            assert!(c["reported"].as_u64() <= Some(100), "{c}");
            let kind = c["problem"].as_str().unwrap();
            let listed = problems.iter().filter(|p| p["problem"] == kind).count() as u64;
            assert_eq!(Some(listed), c["reported"].as_u64(), "{c}");
        }
        assert!(counts.iter().any(|c| c["problem"] == "overlap" && c["at_least"] == true), "{counts:?}");
        s
    })
    .await;
}

#[tokio::test]
async fn the_duplicate_suggestion_names_only_events_the_reporter_may_open() {
    on_every_backend(|s| async move {
        // Two grids of one village that meet: walk from one grid's inside to another's and
        // take the first step that crosses from one grid into the next (a few metres apart).
        let index = s.state.index();
        let grid_at = |p: geo::Coord<f64>| {
            index
                .locate
                .locate(p.x, p.y)
                .map(|h| index.grids[h.shape as usize].grid_code.to_string())
        };
        let (from, to) = (deep_point("500114001001001"), deep_point("500114001001003"));
        let mut crossing = None;
        let steps = 2_000;
        for i in 0..steps {
            let at = |k: usize| {
                let t = k as f64 / steps as f64;
                geo::coord! {x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t}
            };
            let (p, q) = (at(i), at(i + 1));
            if let (Some(gp), Some(gq)) = (grid_at(p), grid_at(q)) {
                if gp != gq && gp.starts_with("500114001001") && gq.starts_with("500114001001") {
                    crossing = Some(((gp, p), (gq, q)));
                    break;
                }
            }
        }
        let ((a, pa), (b, pb)) = crossing.expect("two neighbouring grids in the village");
        let body = |p: geo::Coord<f64>| json!({"channel": "grid_patrol", "category": "0602", "description": "路灯不亮", "location": {"lon": p.x, "lat": p.y}}).to_string();
        let (st, first) = s.post("/api/v1/events", Some(&s.token(&format!("grid-{a}")).await), Some("application/json"), body(pa)).await;
        assert_eq!(st, StatusCode::CREATED, "{first}");
        let (st, second) = s.post("/api/v1/events", Some(&s.token(&format!("grid-{b}")).await), Some("application/json"), body(pb)).await;
        assert_eq!(st, StatusCode::CREATED, "{second}");
        assert!(second["duplicate_of_suggestion"].is_null(), "the next grid's event is not named: {second}");
        // The station, which sees both, is told on the event's page.
        let village = s.token("village-500114001001").await;
        let (_, page) = s.get(&format!("/api/v1/events/{}", second["id"]), Some(&village)).await;
        assert_eq!(page["duplicate_of"], first["id"], "{page}");
        let (_, page) = s.get(&format!("/api/v1/events/{}", second["id"]), Some(&s.token(&format!("grid-{b}")).await)).await;
        assert!(page["duplicate_of"].is_null(), "{page}");
        s
    })
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_the_place() {
    on_every_backend(|s| async move {
        let login = |forwarded: &'static str, password: &'static str| {
            let s = &s;
            async move {
                let resp = s
                    .http
                    .post(format!("{}/api/v1/auth/login", s.base))
                    .header("x-forwarded-for", forwarded)
                    .json(&json!({"username": "town-500114105", "password": password}))
                    .send()
                    .await
                    .unwrap();
                resp.status()
            }
        };
        // Not yet trusted: the header is ignored, every attempt is from 127.0.0.1.
        for _ in 0..5 {
            login("10.0.0.9", "guess").await;
        }
        assert_eq!(
            login("10.0.0.2", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        // Trusted: the client the proxy names is the place (what a client wrote left of it
        // is not believed).
        *s.state.trusted_proxies.write().unwrap() = vec!["127.0.0.1".parse().unwrap()];
        assert_eq!(login("10.0.0.2", PASSWORD).await, StatusCode::OK);
        for _ in 0..5 {
            login("10.0.0.2, 10.0.0.9", "guess").await;
        }
        assert_eq!(
            login("10.0.0.9", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(login("10.0.0.9, 10.0.0.2", PASSWORD).await, StatusCode::OK);
        s
    })
    .await;
}
