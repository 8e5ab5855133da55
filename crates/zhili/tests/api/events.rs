use super::*;

fn report_body(category: &str, p: Coord<f64>, phone: Option<&str>) -> String {
    let mut body = json!({
        "channel": "grid_patrol",
        "category": category,
        "description": "文汇社区路灯不亮",
        "location": {"lon": p.x, "lat": p.y},
        "occurred_at": "2026-11-27T08:00:00+08:00",
    });
    if let Some(phone) = phone {
        body["reporter"] = json!({"name": "张三", "phone": phone});
    }
    body.to_string()
}

async fn act(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    s.post(
        &format!("/api/v1/events/{id}/actions"),
        Some(token),
        Some("application/json"),
        body.to_string(),
    )
    .await
}

#[tokio::test]
async fn a_case_walks_the_whole_loop_through_the_api() {
    on_every_backend(|s| async move {
        let grid_code = "500114001001001";
        let p = deep_point(grid_code);
        let worker = s.token(&format!("grid-{grid_code}")).await;
        let (st, created) = s
            .post(
                "/api/v1/events",
                Some(&worker),
                Some("application/json"),
                report_body("0602", p, Some("+86 138-1234-5678")),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["status"], "reported");
        assert!(created["case_number"]
            .as_str()
            .unwrap()
            .starts_with("500114-"));
        assert_eq!(created["region"]["grid"]["code"], grid_code);
        assert_eq!(created["region"]["village"]["name"], "文汇社区");
        assert!(created["duplicate_of_suggestion"].is_null());

        // The same subcategory 30 m away within a day is suggested as a duplicate.
        let near = Coord {
            x: p.x + 30.0 / (111_195.0 * p.y.to_radians().cos()),
            y: p.y,
        };
        let (_, dup) = s
            .post(
                "/api/v1/events",
                Some(&worker),
                Some("application/json"),
                report_body("0602", near, None),
            )
            .await;
        assert_eq!(dup["duplicate_of_suggestion"], id, "{dup}");
        let dup_id = dup["id"].as_i64().unwrap();

        let village = s.token("village-500114001001").await;
        let (st, d) = act(&s, &village, dup_id, json!({"action": "merge", "into": id})).await;
        assert_eq!(
            (st, d["status"].as_str()),
            (StatusCode::OK, Some("merged")),
            "{d}"
        );
        assert_eq!(d["merged_into"], id);

        let (st, d) = act(&s, &village, id, json!({"action": "register"})).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        assert_eq!(d["status"], "registered");
        assert_eq!(d["matter_class"], "大事");
        assert_eq!(d["suggested_lead"], "D09", "路灯故障 is led by 城管");
        // Dispatch with the suggestion (no lead given).
        let (st, d) = act(
            &s,
            &village,
            id,
            json!({"action": "dispatch", "opinion": "请城管处置", "version": d["version"]}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{d}");
        assert_eq!(
            (d["status"].as_str(), d["lead_unit"].as_str()),
            (Some("dispatched"), Some("D09"))
        );

        // Only the lead unit accepts.
        let d01 = s.token("dept-D01").await;
        let (st, b) = act(&s, &d01, id, json!({"action": "accept"})).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "D01 does not even see it: {b}");
        let d09 = s.token("dept-D09").await;
        let (st, b) = act(&s, &worker, id, json!({"action": "accept"})).await;
        assert_error(st, &b, 409, "invalid_transition");
        let (st, d) = act(&s, &d09, id, json!({"action": "accept"})).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        let (st, d) = act(
            &s,
            &d09,
            id,
            json!({"action": "request_extension", "hours": 8, "reason": "等待配件"}),
        )
        .await;
        assert_eq!(
            (st, d["pending_extension_hours"].as_f64()),
            (StatusCode::OK, Some(8.0)),
            "{d}"
        );
        let due_before = d["due_at"].as_str().unwrap().to_string();
        let (st, d) = act(&s, &village, id, json!({"action": "approve_extension"})).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            d["due_at"].as_str().unwrap() > due_before.as_str(),
            "the extension moves the due time"
        );
        let (st, d) = act(
            &s,
            &d09,
            id,
            json!({"action": "handle", "feedback": "已更换灯泡"}),
        )
        .await;
        assert_eq!(
            (st, d["status"].as_str()),
            (StatusCode::OK, Some("handled"))
        );
        let (st, d) = act(
            &s,
            &worker,
            id,
            json!({"action": "verify", "passed": false, "opinion": "仍不亮"}),
        )
        .await;
        assert_eq!(
            (st, d["status"].as_str(), d["counters"]["reworks"].as_i64()),
            (StatusCode::OK, Some("accepted"), Some(1))
        );
        act(
            &s,
            &d09,
            id,
            json!({"action": "handle", "feedback": "已更换线路"}),
        )
        .await;
        let (_, d) = act(&s, &worker, id, json!({"action": "verify", "passed": true})).await;
        assert_eq!(d["status"], "verified");
        let (_, d) = act(&s, &village, id, json!({"action": "close"})).await;
        assert_eq!(d["status"], "closed");
        let (st, d) = act(
            &s,
            &village,
            id,
            json!({"action": "evaluate", "satisfaction": 5}),
        )
        .await;
        assert_eq!(
            (st, d["status"].as_str(), d["satisfaction"].as_i64()),
            (StatusCode::OK, Some("evaluated"), Some(5))
        );

        let (st, d) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
        assert_eq!(st, StatusCode::OK);
        let actions: Vec<&str> = d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "report",
                "register",
                "dispatch",
                "accept",
                "request_extension",
                "approve_extension",
                "handle",
                "verify",
                "handle",
                "verify",
                "close",
                "evaluate"
            ]
        );
        let first = &d["timeline"][2];
        assert_eq!(
            (
                first["actor"].as_str(),
                first["unit"].as_str(),
                first["opinion"].as_str()
            ),
            (
                Some("village-500114001001"),
                Some("S500114001001"),
                Some("请城管处置")
            )
        );
        let steps: Vec<&str> = d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["step"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps,
            ["register", "dispatch", "take_up", "handle", "verify", "handle", "verify", "close"]
        );
        assert!(d["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["on_time"].is_boolean() && t["due_at"].is_string()));
        assert_eq!(d["reporter_phone"], "138****5678");

        // Lists: scoped and filtered; the phone only masked.
        let (_, list) = s
            .get("/api/v1/events?status=evaluated", Some(&village))
            .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["reporter_phone"], "138****5678");
        let other_town = s.token("town-500114002").await;
        let (_, list) = s.get("/api/v1/events", Some(&other_town)).await;
        assert_eq!(list["total"], 0);
        let (st, _) = s
            .get(&format!("/api/v1/events/{id}"), Some(&other_town))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let district = s.token("district").await;
        // A district's and a town's unfiltered lists are counted from the running totals and
        // read along the table: the same events as the rows themselves, newest first.
        for token in [&district, &s.token("town-500114001").await] {
            let (_, list) = s.get("/api/v1/events?page_size=100", Some(token)).await;
            let ids: Vec<i64> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect();
            assert!(
                ids.len() >= 2 && ids.windows(2).all(|w| w[0] > w[1]),
                "{ids:?}"
            );
            assert_eq!(list["total"].as_i64(), Some(ids.len() as i64));
        }
        let (_, list) = s
            .get("/api/v1/events?q=路灯&page_size=1", Some(&district))
            .await;
        assert_eq!(
            (
                list["total"].as_i64(),
                list["items"].as_array().unwrap().len()
            ),
            (Some(2), 1)
        );
        totals_agree(&s.store).await;
        s
    })
    .await;
}

#[tokio::test]
async fn escalation_private_matters_and_concurrent_actions() {
    on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let village = s.token("village-500114001001").await;
            // 0110 债务纠纷 is a 私事: closed with guidance once the resident confirms.
            let (_, e) = s.post("/api/v1/events", Some(&village), Some("application/json"), report_body("0110", p, None)).await;
            let id = e["id"].as_i64().unwrap();
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, b) = act(&s, &village, id, json!({"action": "dispatch", "lead": "D04"})).await;
            assert_error(st, &b, 409, "invalid_transition");
            let (st, b) = act(&s, &village, id, json!({"action": "close"})).await;
            assert_error(st, &b, 409, "invalid_transition");
            assert_eq!(b["details"]["field"], "resident_confirmed");
            let (st, d) = act(&s, &village, id, json!({"action": "close", "resident_confirmed": true, "opinion": "已告知可申请人民调解"})).await;
            assert_eq!((st, d["status"].as_str()), (StatusCode::OK, Some("closed")));

            // Escalation: village → town; the village no longer manages it; the town does.
            let (_, e) = s.post("/api/v1/events", Some(&village), Some("application/json"), report_body("0201", p, None)).await;
            let id = e["id"].as_i64().unwrap();
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, d) = act(&s, &village, id, json!({"action": "escalate", "reason": "村级无法处置"})).await;
            assert_eq!((st, d["owner"].as_str()), (StatusCode::OK, Some("C500114001")), "{d}");
            let (st, _) = act(&s, &village, id, json!({"action": "dispatch"})).await;
            assert_eq!(st, StatusCode::CONFLICT);
            let district = s.token("district").await;
            let (st, d) = act(&s, &district, id, json!({"action": "supervise", "level": 2})).await;
            assert_eq!((st, d["counters"]["supervision_level"].as_i64()), (StatusCode::OK, Some(2)));

            // Two dispatches at once: exactly one wins, the other is told 409.
            let town = s.token("town-500114001").await;
            let body = json!({"action": "dispatch", "lead": "D01"}).to_string();
            let path = format!("/api/v1/events/{id}/actions");
            let (a, b) = tokio::join!(
                s.post(&path, Some(&town), Some("application/json"), body.clone()),
                s.post(&path, Some(&town), Some("application/json"), body.clone())
            );
            let mut statuses = [a.0.as_u16(), b.0.as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&town)).await;
            let dispatches = d["timeline"].as_array().unwrap().iter().filter(|t| t["action"] == "dispatch").count();
            assert_eq!(dispatches, 1, "the loser wrote nothing");
            totals_agree(&s.store).await;
            s
        })
        .await;
}

#[tokio::test]
async fn bad_event_input_is_a_clear_4xx() {
    on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let worker = s.token("grid-500114001001001").await;
            let ct = Some("application/json");
            let post = |body: Value| {
                let worker = worker.clone();
                let s = &s;
                async move { s.post("/api/v1/events", Some(&worker), ct, body.to_string()).await }
            };
            let base = json!({"channel": "grid_patrol", "category": "0602", "description": "x", "location": {"lon": p.x, "lat": p.y}});
            let with = |k: &str, v: Value| {
                let mut b = base.clone();
                b[k] = v;
                b
            };
            for (body, status, code, field) in [
                (with("category", json!("9999")), 404, "not_found", "category"),
                (with("channel", json!("pigeon")), 422, "invalid_parameter", "channel"),
                (with("description", json!("  ")), 422, "invalid_parameter", "description"),
                (with("location", json!({"lon": 200, "lat": 29.5})), 422, "invalid_parameter", "location.lon"),
                (with("location", json!({"lon": p.x})), 400, "missing_field", "location.lat"),
                (with("occurred_at", json!("yesterday")), 422, "invalid_parameter", "occurred_at"),
                (with("occurred_at", json!("2099-01-01T00:00:00Z")), 422, "invalid_parameter", "occurred_at"),
                (with("reporter", json!({"phone": "12"})), 422, "invalid_parameter", "reporter.phone"),
                (with("extra", json!(1)), 400, "unknown_field", "extra"),
            ] {
                let (st, b) = post(body.clone()).await;
                assert_error(st, &b, status, code);
                assert_eq!(b["details"]["field"], field, "{body}: {b}");
            }
            let (st, b) = post(with("location", json!({"lon": 116.39, "lat": 39.9}))).await;
            assert_error(st, &b, 404, "outside_coverage");
            // A grid worker reports in their own grid only.
            let other = deep_point("500114001001002");
            let (st, b) = post(with("location", json!({"lon": other.x, "lat": other.y}))).await;
            assert_error(st, &b, 404, "outside_coverage");
            let leader = s.token("leader").await;
            let (st, b) = s.post("/api/v1/events", Some(&leader), ct, base.to_string()).await;
            assert_error(st, &b, 403, "forbidden");

            let (_, e) = post(base.clone()).await;
            let id = e["id"].as_i64().unwrap();
            let village = s.token("village-500114001001").await;
            for (body, status, code, field) in [
                (json!({"action": "fly"}), 422, "invalid_parameter", Some("action")),
                (json!({"action": "reject"}), 400, "missing_field", Some("reason")),
                (json!({"action": "merge"}), 400, "missing_field", Some("into")),
                (json!({"action": "merge", "into": id}), 409, "invalid_transition", Some("into")),
                (json!({"action": "merge", "into": 999_999}), 404, "not_found", Some("into")),
                (json!({"action": "register", "matter_class": "中事"}), 422, "invalid_parameter", Some("matter_class")),
                (json!({"action": "register", "version": 99}), 409, "invalid_transition", None),
                (json!({"action": "accept"}), 409, "invalid_transition", None),
                (json!({"action": "register", "bogus": true}), 400, "unknown_field", Some("bogus")),
            ] {
                let (st, b) = act(&s, &village, id, body.clone()).await;
                assert_error(st, &b, status, code);
                if let Some(f) = field {
                    assert_eq!(b["details"]["field"], f, "{body}: {b}");
                }
            }
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, b) = act(&s, &village, id, json!({"action": "dispatch", "lead": "D99"})).await;
            assert_error(st, &b, 404, "not_found");
            assert_eq!(b["details"]["field"], "lead");
            let (st, b) = s.get("/api/v1/events/abc", Some(&village)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = s.get("/api/v1/events/999999", Some(&village)).await;
            assert_error(st, &b, 404, "not_found");
            for q in ["status=lost", "page=0", "page_size=500", "channel=x", "category=abc", "region=1"] {
                let (st, b) = s.get(&format!("/api/v1/events?{q}"), Some(&village)).await;
                assert_error(st, &b, 422, "invalid_parameter");
            }
            s
        })
        .await;
}

#[tokio::test]
async fn phones_are_never_stored_in_the_clear() {
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    let worker = s.token("grid-500114001001001").await;
    let p = deep_point("500114001001001");
    let (st, _) = s
        .post(
            "/api/v1/events",
            Some(&worker),
            Some("application/json"),
            report_body("0602", p, Some("13987654321")),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    s.stop().await;
    let path = db.url.trim_start_matches("sqlite:").to_string();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(
        !haystack.contains("13987654321"),
        "the plain phone is in the database file"
    );
    assert!(haystack.contains("139****4321"));
    db.drop_database().await.unwrap();
}

/// `?waiting=true` is each user's to-do list: the case moves from the village's list to the
/// department's, to the grid worker's for verification, back to the village's to close, and
/// off every list when closed; the town above sees it in none of its own.
#[tokio::test]
async fn each_user_has_a_to_do_list_that_follows_the_case() {
    on_every_backend(|s| async move {
        let grid_code = "500114001001001";
        let worker = s.token(&format!("grid-{grid_code}")).await;
        let village = s.token("village-500114001001").await;
        let town = s.token("town-500114001").await;
        let d09 = s.token("dept-D09").await;
        let (st, created) = s
            .post(
                "/api/v1/events",
                Some(&worker),
                Some("application/json"),
                report_body("0602", deep_point(grid_code), None),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        let waits = |token: String| {
            let s = &s;
            async move {
                let (st, page) = s
                    .get("/api/v1/events?waiting=true&page_size=200", Some(&token))
                    .await;
                assert_eq!(st, StatusCode::OK, "{page}");
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["id"].as_i64() == Some(id))
            }
        };
        let lists = || async {
            [
                waits(village.clone()).await,
                waits(town.clone()).await,
                waits(d09.clone()).await,
                waits(worker.clone()).await,
            ]
        };
        assert_eq!(lists().await, [true, false, false, false], "reported");
        act(&s, &village, id, json!({"action": "register"})).await;
        assert_eq!(lists().await, [true, false, false, false], "registered");
        let (st, d) = act(
            &s,
            &village,
            id,
            json!({"action": "dispatch", "lead": "D09"}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{d}");
        assert_eq!(lists().await, [false, false, true, false], "dispatched");
        let (_, d) = act(&s, &d09, id, json!({"action": "accept"})).await;
        // The shipped calendar is 2026's: a deadline counted through any other year is
        // provisional until that year's schedule is entered.
        let year = |v: &Value| v.as_str().unwrap()[..4].to_string();
        let known = year(&d["due_at"]) == "2026" && year(&d["reported_at"]) == "2026";
        assert_eq!(d["due_provisional"], !known, "{d}");
        act(
            &s,
            &d09,
            id,
            json!({"action": "handle", "feedback": "已修复"}),
        )
        .await;
        assert_eq!(lists().await, [false, false, false, true], "handled");
        act(&s, &worker, id, json!({"action": "verify", "passed": true})).await;
        assert_eq!(lists().await, [true, false, false, false], "verified");
        let (st, d) = act(&s, &village, id, json!({"action": "close"})).await;
        assert_eq!(st, StatusCode::OK, "{d}");
        assert_eq!(lists().await, [false; 4], "closed");
        // The most urgent first: the list's due times never go down.
        let (_, page) = s
            .get("/api/v1/events?waiting=true&page_size=200", Some(&village))
            .await;
        let due: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["due_at"].as_str())
            .collect();
        assert!(due.windows(2).all(|w| w[0] <= w[1]), "{due:?}");
        s
    })
    .await;
}

#[tokio::test]
async fn a_department_takes_up_several_events_at_once_and_prints_their_work_orders() {
    on_every_backend(|s| async move {
        let worker = s.token("grid-500114001001001").await;
        let village = s.token("village-500114001001").await;
        let p = deep_point("500114001001001");
        let mut ids = Vec::new();
        for _ in 0..3 {
            let (_, e) = s
                .post(
                    "/api/v1/events",
                    Some(&worker),
                    Some("application/json"),
                    report_body("0602", p, Some("13800001111")),
                )
                .await;
            ids.push(e["id"].as_i64().unwrap());
        }
        for &id in &ids[..2] {
            let (st, d) = act(&s, &village, id, json!({"action": "register"})).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let (st, d) = act(&s, &village, id, json!({"action": "dispatch"})).await;
            assert_eq!(
                (st, d["lead_unit"].as_str()),
                (StatusCode::OK, Some("D09")),
                "{d}"
            );
        }
        let d09 = s.token("dept-D09").await;
        let (st, out) = s
            .post(
                "/api/v1/events/accept",
                Some(&d09),
                Some("application/json"),
                json!({"ids": [ids[0], ids[1], ids[2], 999_999]}).to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{out}");
        let accepted: Vec<i64> = out["accepted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(accepted, ids[..2]);
        let refused: Vec<(i64, &str)> = out["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_i64().unwrap(), r["code"].as_str().unwrap()))
            .collect();
        // The third is not theirs to see; an unknown id is not found either: nothing is confirmed.
        assert_eq!(refused, [(ids[2], "not_found"), (999_999, "not_found")]);
        for &id in &ids[..2] {
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&d09)).await;
            assert_eq!(d["status"], "accepted");
            assert!(d["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["action"] == "accept"));
        }
        // Taking up again is refused, alone.
        let (_, again) = s
            .post(
                "/api/v1/events/accept",
                Some(&d09),
                Some("application/json"),
                json!({"ids": [ids[0]]}).to_string(),
            )
            .await;
        assert_eq!(again["refused"][0]["code"], "invalid_transition", "{again}");
        let (_, twice) = s
            .post(
                "/api/v1/events/accept",
                Some(&d09),
                Some("application/json"),
                json!({"ids": [ids[2], ids[2]]}).to_string(),
            )
            .await;
        assert_eq!(
            twice["refused"].as_array().unwrap().len(),
            1,
            "an event named twice is answered once: {twice}"
        );
        for bad in [
            json!({"ids": []}),
            json!({"ids": (1..=101).collect::<Vec<i64>>()}),
        ] {
            let (st, b) = s
                .post(
                    "/api/v1/events/accept",
                    Some(&d09),
                    Some("application/json"),
                    bad.to_string(),
                )
                .await;
            assert_error(st, &b, 422, "invalid_parameter");
        }

        // Work orders: named, in order, without the reporter's phone; others' events left out.
        let list = format!("{},{},{}", ids[1], ids[0], ids[2]);
        let (st, csv) = s
            .get(
                &format!("/api/v1/events/work-orders?format=csv&ids={list}"),
                Some(&d09),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        let csv = csv.as_str().unwrap().to_string();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(
            lines[0].contains("案件编号")
                && lines[1].contains("处置中")
                && lines[1].contains("网格巡查"),
            "{csv}"
        );
        assert!(
            !csv.contains("13800001111") && !csv.contains("1111"),
            "no phone: {csv}"
        );
        let (st, _) = s
            .get(
                &format!("/api/v1/events/work-orders?ids={list}"),
                Some(&village),
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        for bad in ["", "1,,2", "abc"] {
            let (st, b) = s
                .get(&format!("/api/v1/events/work-orders?ids={bad}"), Some(&d09))
                .await;
            assert_error(st, &b, 422, "invalid_parameter");
        }
        s
    })
    .await;
}
