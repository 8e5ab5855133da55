use super::*;

const GRID: &str = "500114001001001";
const VILLAGE: &str = "500114001001";

/// A matter reported by the grid worker in the village: category `category` at a point of the
/// grid; the event's id.
async fn matter(s: &Server, category: &str, what: &str) -> i64 {
    let worker = s.token(&format!("grid-{GRID}")).await;
    let p = deep_point(GRID);
    let (status, e) = post_json(
        s,
        "/api/v1/events",
        &worker,
        json!({"channel": "grid_patrol", "category": category, "description": what, "location": {"lon": p.x, "lat": p.y}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    e["id"].as_i64().unwrap()
}

fn today() -> String {
    let day = (zhili::now_ms() + 8 * 3_600_000).div_euclid(86_400_000);
    let (y, m, d) = zhili_domain::time::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn in_days(n: i64) -> String {
    let day = (zhili::now_ms() + 8 * 3_600_000).div_euclid(86_400_000) + n;
    let (y, m, d) = zhili_domain::time::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn a_meeting_settles_a_small_matter_and_closes_it_with_the_meeting_on_record() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let other = s.token("village-500114002001").await;
        let town = s.token("town-500114001").await;
        let dept = s.token("dept-D09").await;
        let ditch = matter(&s, "0102", "三组两户因排水沟堵塞争吵").await;
        let later = matter(&s, "0102", "四组院坝占道堆放").await;
        let big = matter(&s, "0602", "主干道路灯不亮").await;
        // The station registered the first (a 小事 stays in the village).
        let (status, body) = post_json(&s, &format!("/api/v1/events/{ditch}/actions"), &village, json!({"action": "register"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let meeting = |matters: Value, decisions: Value| json!({
            "kind": "yard", "title": "三组排水沟清淤与院坝管理", "held_on": today(), "place": "三组晒坝",
            "host": "村支书 田国强", "attendees": ["田国强", "向春兰", "冉秀英"], "headcount": 38,
            "agenda": ["排水沟清淤分工", "院坝堆放"], "matters": matters, "minutes": "群众逐户发言，一致同意。",
            "decisions": decisions
        });
        let settle = json!([{"text": "沿沟五户各出工一天，周六前清淤完毕", "carried_by": "三组组长", "due_on": in_days(5), "event_id": ditch, "settles": true},
                            {"text": "院坝堆放下次再议", "carried_by": "村委会", "due_on": in_days(30), "event_id": later}]);

        // Only the station records; only 小事 of its village; every problem with its field.
        let (status, body) = post_json(&s, "/api/v1/deliberations", &worker, meeting(json!([ditch, later]), settle.clone())).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, "/api/v1/deliberations", &village, meeting(json!([ditch, big]), settle.clone())).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(body.to_string().contains("matters[1]"), "{body}");
        let (status, body) = post_json(&s, "/api/v1/deliberations", &other, meeting(json!([ditch]), json!([{"text": "x", "carried_by": "y", "due_on": in_days(1), "event_id": ditch, "settles": true}]))).await;
        assert_error(status, &body, 404, "not_found");
        let mut bad = meeting(json!([ditch, later]), settle.clone());
        bad["held_on"] = json!(in_days(3));
        bad["headcount"] = json!(1);
        bad["decisions"][0]["due_on"] = json!("2026-02-30");
        let (status, body) = post_json(&s, "/api/v1/deliberations", &village, bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        for field in ["held_on", "headcount", "decisions[0].due_on"] {
            assert!(body.to_string().contains(field), "{field}: {body}");
        }

        // Recorded: the settled 小事 walks to closure as the station's, naming the meeting.
        let (status, m) = post_json(&s, "/api/v1/deliberations", &village, meeting(json!([ditch, later]), settle)).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        let id = m["id"].as_i64().unwrap();
        assert_eq!((m["kind_label"].as_str(), m["decisions"].as_array().map(Vec::len)), (Some("坝坝会"), Some(2)), "{m}");
        let (_, e) = s.get(&format!("/api/v1/events/{ditch}"), Some(&village)).await;
        assert_eq!(e["status"], "closed", "{e}");
        let said = e["timeline"].to_string();
        assert!(said.contains(&format!("议事记录 #{id}")) && said.contains("沿沟五户各出工一天"), "{e}");
        let (_, untouched) = s.get(&format!("/api/v1/events/{later}"), Some(&village)).await;
        assert_eq!(untouched["status"], "reported", "a matter only taken up stays where it was");
        // A closed matter is not settled twice.
        let (status, body) = post_json(&s, "/api/v1/deliberations", &village, meeting(json!([ditch]),
            json!([{"text": "再次议定", "carried_by": "村委会", "due_on": in_days(1), "event_id": ditch, "settles": true}]))).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(body.to_string().contains("decisions[0].settles"), "{body}");

        // Read by the town above and the village's grid worker; not by a department.
        let (status, list) = s.get("/api/v1/deliberations", Some(&town)).await;
        assert_eq!((status, list[0]["id"].as_i64()), (StatusCode::OK, Some(id)), "{list}");
        let (status, one) = s.get(&format!("/api/v1/deliberations/{id}"), Some(&worker)).await;
        assert_eq!(status, StatusCode::OK, "{one}");
        let (status, body) = s.get("/api/v1/deliberations", Some(&dept)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get(&format!("/api/v1/deliberations/{id}"), Some(&other)).await;
        assert_error(status, &body, 404, "not_found");

        // Decisions followed up, once.
        let path = format!("/api/v1/deliberations/{id}/decisions/1/completion");
        let (status, done) = post_json(&s, &path, &village, json!({"note": "下次议事会已列入议程"})).await;
        assert_eq!((status, done["decisions"][1]["done_note"].as_str()), (StatusCode::OK, Some("下次议事会已列入议程")), "{done}");
        let (status, body) = post_json(&s, &path, &village, json!({"note": "again"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = post_json(&s, &format!("/api/v1/deliberations/{id}/decisions/9/completion"), &village, json!({"note": "x"})).await;
        assert_error(status, &body, 404, "not_found");
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        assert!(actions.iter().any(|a| a.action == "deliberation.record"));
        assert!(actions.iter().any(|a| a.action == "deliberation.decision_done"));
        s
    })
    .await;
}
