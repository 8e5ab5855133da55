use super::*;

const GRID: &str = "500114001001001";
const VILLAGE: &str = "500114001001";

#[tokio::test]
async fn a_patrol_checks_in_its_doubtful_check_ins_are_flagged_and_a_finding_becomes_an_event() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let other = s.token("village-500114002001").await;
        let dept = s.token("dept-D09").await;
        let p = deep_point(GRID);
        // Checkpoints about 80 m apart along the grid's inside point.
        let step = 80.0 / (111_195.0 * p.y.to_radians().cos());
        let cp = |i: f64| json!({"name": format!("打卡点{i}"), "lon": p.x + i * step, "lat": p.y, "radius_m": 40});

        let (status, body) = post_json(&s, "/api/v1/compounds", &worker, json!({"name": "东门大院", "lead_unit": "村委会", "members": ["田家"]})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, "/api/v1/compounds", &village, json!({"name": "", "lead_unit": "村委会", "members": []})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, compound) = post_json(&s, "/api/v1/compounds", &village, json!({"name": "东门大院", "lead_unit": "村委会", "members": ["田家", "向家", "村小学"]})).await;
        assert_eq!(status, StatusCode::CREATED, "{compound}");
        let cid = compound["id"].as_i64().unwrap();
        let (status, body) = post_json(&s, &format!("/api/v1/compounds/{cid}/routes"), &village, json!({"name": "夜巡", "checkpoints": [cp(0.0)]})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(&s, &format!("/api/v1/compounds/{cid}/routes"), &other, json!({"name": "夜巡", "checkpoints": [cp(0.0), cp(1.0)]})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, route) = post_json(&s, &format!("/api/v1/compounds/{cid}/routes"), &village, json!({"name": "夜巡", "checkpoints": [cp(0.0), cp(1.0), cp(2.0)]})).await;
        assert_eq!(status, StatusCode::CREATED, "{route}");
        let codes: Vec<String> = route["checkpoints"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect();
        let (_, seen) = s.get(&format!("/api/v1/compounds/{cid}/routes"), Some(&worker)).await;
        assert!(seen[0]["checkpoints"][0]["code"].is_null(), "the codes are the station's to print: {seen}");

        let now = zhili::now_ms();
        let (status, body) = post_json(&s, "/api/v1/patrol/shifts", &village, json!({"route_id": route["id"], "team": "联防一组", "starts_at": zhili_domain::time::rfc3339(now), "ends_at": zhili_domain::time::rfc3339(now + 30 * 3_600_000)})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, shift) = post_json(&s, "/api/v1/patrol/shifts", &village, json!({"route_id": route["id"], "team": "联防一组：田国强、向春兰", "starts_at": zhili_domain::time::rfc3339(now - 60_000), "ends_at": zhili_domain::time::rfc3339(now + 2 * 3_600_000)})).await;
        assert_eq!(status, StatusCode::CREATED, "{shift}");
        let sid = shift["id"].as_i64().unwrap();
        let at = |i: f64| (p.x + i * step, p.y);

        // At the first two checkpoints: clean (the code scanned at the first).
        let checkin = format!("/api/v1/patrol/shifts/{sid}/check-ins");
        let (status, c0) = post_json(&s, &checkin, &worker, json!({"checkpoint": 0, "lon": at(0.0).0, "lat": at(0.0).1, "accuracy_m": 8, "code": codes[0]})).await;
        assert_eq!((status, c0["flags"].clone()), (StatusCode::CREATED, json!([])), "{c0}");
        let (status, c1) = post_json(&s, &checkin, &worker, json!({"checkpoint": 1, "lon": at(1.0).0, "lat": at(1.0).1, "accuracy_m": 12,
            "finding": {"category": "0602", "description": "车棚路灯不亮"}})).await;
        assert_eq!((status, c1["flags"].clone()), (StatusCode::CREATED, json!([])), "{c1}");
        let event = c1["event_id"].as_i64().unwrap();
        let (status, e) = s.get(&format!("/api/v1/events/{event}"), Some(&village)).await;
        assert_eq!((status, e["channel"].as_str()), (StatusCode::OK, Some("grid_patrol")), "{e}");
        // At the third: half a kilometre away, on a mocked position, with the wrong code.
        let (status, c2) = post_json(&s, &checkin, &worker, json!({"checkpoint": 2, "lon": at(8.0).0, "lat": at(8.0).1, "accuracy_m": 10, "mock_hint": true, "code": codes[0]})).await;
        assert_eq!(status, StatusCode::CREATED, "{c2}");
        assert_eq!(c2["flags"], json!(["far", "too_fast", "mocked", "wrong_code"]), "{c2}");
        assert!(c2["flag_labels"].to_string().contains("疑似虚拟定位"), "{c2}");
        let (status, body) = post_json(&s, &checkin, &worker, json!({"checkpoint": 3, "lon": at(0.0).0, "lat": at(0.0).1, "accuracy_m": 8})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(&s, &checkin, &dept, json!({"checkpoint": 0, "lon": at(0.0).0, "lat": at(0.0).1, "accuracy_m": 8})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, &checkin, &other, json!({"checkpoint": 0, "lon": at(0.0).0, "lat": at(0.0).1, "accuracy_m": 8})).await;
        assert_error(status, &body, 404, "not_found");

        // Ended: the checkpoint without a clean check-in is missed; nothing more comes in.
        let (status, ended) = post_json(&s, &format!("/api/v1/patrol/shifts/{sid}/end"), &worker, json!({})).await;
        assert_eq!((status, ended["missed"].clone()), (StatusCode::OK, json!([2])), "{ended}");
        assert!(ended["shift"]["ended_at"].is_string(), "{ended}");
        let (status, body) = post_json(&s, &checkin, &worker, json!({"checkpoint": 2, "lon": at(2.0).0, "lat": at(2.0).1, "accuracy_m": 8})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = post_json(&s, &format!("/api/v1/patrol/shifts/{sid}/end"), &worker, json!({})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, list) = s.get("/api/v1/patrol/shifts", Some(&s.token("town-500114001").await)).await;
        assert_eq!((status, list[0]["id"].as_i64()), (StatusCode::OK, Some(sid)), "{list}");
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        for verb in ["patrol.compound", "patrol.route", "patrol.shift", "patrol.check_in", "patrol.end"] {
            assert!(actions.iter().any(|a| a.action == verb), "{verb}");
        }
        s
    })
    .await;
}

#[tokio::test]
async fn a_case_is_dispatched_to_a_village_police_post_which_takes_it_in_the_polices_terms() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let district = s.token("district").await;
        let (status, posts) = s.get("/api/v1/police-posts", Some(&district)).await;
        assert_eq!((status, posts.as_array().map(Vec::len)), (StatusCode::OK, Some(5)), "{posts}");
        assert!(posts.to_string().contains("城东派出所综合服务窗口"), "{posts}");
        let (_, mine) = s.get("/api/v1/police-posts", Some(&village)).await;
        assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
        let post = format!("P{VILLAGE}");
        assert_eq!(mine[0]["id"], post);
        let p = deep_point(GRID);
        let (status, e) = post_json(&s, "/api/v1/events", &worker,
            json!({"channel": "grid_patrol", "category": "0201", "description": "夜间有人撬车棚锁", "location": {"lon": p.x, "lat": p.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        let id = e["id"].as_i64().unwrap();
        let act = |token: String, body: Value| {
            let s = &s;
            async move { post_json(s, &format!("/api/v1/events/{id}/actions"), &token, body).await }
        };
        let (status, d) = act(village.clone(), json!({"action": "register", "matter_class": "大事", "reason": "涉嫌盗窃，交警务室"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(village.clone(), json!({"action": "dispatch", "lead": post})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let police = s.token(&format!("police-{post}")).await;
        let (status, seen) = s.get(&format!("/api/v1/events/{id}"), Some(&police)).await;
        assert_eq!((status, seen["police_class"].as_str()), (StatusCode::OK, Some("治安案件")), "{seen}");
        let (status, d) = act(police.clone(), json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(police, json!({"action": "handle", "feedback": "已调取监控，嫌疑人已找到"})).await;
        assert_eq!((status, d["status"].as_str()), (StatusCode::OK, Some("handled")), "{d}");
        s
    })
    .await;
}
