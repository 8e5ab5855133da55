use super::*;

async fn act(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(s, &format!("/api/v1/events/{id}/actions"), token, body).await
}

/// Walks an event to closure as the district centre (it owns hotline cases), its lead and the
/// grid worker.
pub(crate) async fn close(s: &Server, id: i64) {
    let district = s.token("district-operator").await;
    let (status, d) = act(s, &district, id, json!({"action": "register"})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let (status, d) = act(s, &district, id, json!({"action": "dispatch"})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let lead = d["lead_unit"].as_str().unwrap().to_string();
    let handler = match lead.strip_prefix('S') {
        Some(v) => s.token(&format!("village-{v}")).await,
        None => s.token(&format!("dept-{lead}")).await,
    };
    let (status, d) = act(s, &handler, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let (status, d) = act(
        s,
        &handler,
        id,
        json!({"action": "handle", "feedback": "已修复"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let grid = d["grid_code"].as_str().unwrap().to_string();
    let worker = s.token(&format!("grid-{grid}")).await;
    let (status, d) = act(s, &worker, id, json!({"action": "verify", "passed": true})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let (status, d) = act(s, &district, id, json!({"action": "close"})).await;
    assert_eq!(status, StatusCode::OK, "{d}");
}

#[tokio::test]
async fn the_desk_finds_a_caller_takes_an_appeal_gives_the_receipt_and_replies() {
    on_every_backend(|s| async move {
        let desk = s.token("district-operator").await;
        let admin = s.token("admin").await;
        let worker = s.token("grid-500114001001001").await;
        let appeal = json!({"phone": "138-0013-8000", "name": "刘先生", "channel": "hotline", "category": "0602",
            "description": "正街路灯连续三晚不亮", "place": "500114001001001"});

        // Only the centres' operators work the desk.
        let (status, body) = post_json(&s, "/api/v1/desk/appeals", &worker, appeal.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get("/api/v1/desk/callers?phone=13800138000", Some(&worker)).await;
        assert_error(status, &body, 403, "forbidden");
        // A place is a grid or a village; without one and without a position, refused.
        for (field, value) in [("place", json!("500114001")), ("place", Value::Null), ("channel", json!("grid_patrol"))] {
            let mut bad = appeal.clone();
            bad[field] = value;
            let (status, body) = post_json(&s, "/api/v1/desk/appeals", &desk, bad).await;
            assert_error(status, &body, 422, "invalid_parameter");
            assert_eq!(body["details"]["field"], field, "{body}");
        }

        // Taken in one form; the receipt goes to a mobile, a landline gets the printed one.
        let (status, taken) = post_json(&s, "/api/v1/desk/appeals", &desk, appeal.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{taken}");
        let case_number = taken["event"]["case_number"].as_str().unwrap().to_string();
        assert_eq!((taken["event"]["channel"].as_str(), taken["event"]["grid_code"].as_str(), taken["receipt_sent"].as_bool()),
            (Some("hotline"), Some("500114001001001"), Some(true)));
        assert!(taken["receipt"].as_str().unwrap().contains(&case_number));
        let first = taken["event"]["id"].as_i64().unwrap();
        let mut village = appeal.clone();
        village["place"] = json!("500114001002");
        village["channel"] = json!("walk_in");
        village["category"] = json!("0702");
        let (status, second) = post_json(&s, "/api/v1/desk/appeals", &desk, village).await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        assert!(second["event"]["grid_code"].as_str().unwrap().starts_with("500114001002"), "placed in the village");
        let mut landline = appeal.clone();
        landline["phone"] = json!("023-7922 1234");
        let (status, fixed) = post_json(&s, "/api/v1/desk/appeals", &desk, landline).await;
        assert_eq!(status, StatusCode::CREATED, "{fixed}");
        assert_eq!(fixed["receipt_sent"], false);
        let (_, outbox) = s.get("/api/v1/outbox?phone_last4=8000", Some(&admin)).await;
        let receipts: Vec<&Value> = outbox.as_array().unwrap().iter().filter(|m| m["kind"] == "receipt").collect();
        assert_eq!(receipts.len(), 2, "{outbox}");
        assert!(receipts.iter().any(|m| m["body"].as_str().unwrap().contains(&case_number)));

        // The caller found by number: both reports, newest first; the lookup is recorded.
        let (status, caller) = s.get("/api/v1/desk/callers?phone=%2B86%20138%200013%208000", Some(&desk)).await;
        assert_eq!(status, StatusCode::OK, "{caller}");
        assert_eq!(caller["phone"], "138****8000");
        let ids: Vec<i64> = caller["events"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [second["event"]["id"].as_i64().unwrap(), first]);
        assert_eq!(caller["has_account"], false);
        let (status, body) = s.get("/api/v1/desk/callers?phone=12", Some(&desk)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        assert!(actions.iter().any(|a| a.action == "person.lookup" && a.subject == "caller"
            && a.opinion.as_deref().is_some_and(|o| o.contains("138****8000"))), "the lookup is in the record");
        assert!(!actions.iter().any(|a| a.opinion.as_deref().is_some_and(|o| o.contains("13800138000"))), "never the number itself");

        // The reply once the case is closed: in time, the caller's rating becomes the case's.
        let reply = json!({"channel": "phone", "reached": true, "said": "已告知路灯已修复，来电人表示满意", "satisfaction": 4});
        let (status, body) = post_json(&s, &format!("/api/v1/events/{first}/reply"), &desk, reply.clone()).await;
        assert_error(status, &body, 409, "invalid_transition");
        close(&s, first).await;
        let (_, waiting) = s.get("/api/v1/desk/replies-due", Some(&desk)).await;
        assert_eq!(waiting.as_array().unwrap().iter().map(|w| w["event"]["id"].as_i64().unwrap()).collect::<Vec<_>>(), [first]);
        assert_eq!(waiting[0]["overdue"], false);
        let (status, body) = post_json(&s, &format!("/api/v1/events/{first}/reply"), &desk, json!({"channel": "sms", "reached": true, "said": "已短信告知", "satisfaction": 5})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "satisfaction");
        let (status, replied) = post_json(&s, &format!("/api/v1/events/{first}/reply"), &desk, reply.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{replied}");
        assert_eq!((replied["on_time"].as_bool(), replied["satisfaction"].as_i64()), (Some(true), Some(4)));
        let (status, body) = post_json(&s, &format!("/api/v1/events/{first}/reply"), &desk, reply.clone()).await;
        assert_error(status, &body, 409, "conflict");
        let (_, seen) = s.get(&format!("/api/v1/events/{first}"), Some(&desk)).await;
        assert_eq!((seen["status"].as_str(), seen["satisfaction"].as_i64()), (Some("evaluated"), Some(4)));
        let (_, waiting) = s.get("/api/v1/desk/replies-due", Some(&desk)).await;
        assert_eq!(waiting, json!([]));

        // A grid worker's own report is not the desk's to reply to.
        let p = deep_point("500114001001001");
        let (status, patrol) = post_json(&s, "/api/v1/events", &worker, json!({"channel": "grid_patrol", "category": "0602", "description": "路灯", "location": {"lon": p.x, "lat": p.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{patrol}");
        let patrol = patrol["id"].as_i64().unwrap();
        close(&s, patrol).await;
        let (status, body) = post_json(&s, &format!("/api/v1/events/{patrol}/reply"), &desk, reply).await;
        assert_error(status, &body, 409, "invalid_transition");

        // The hotline's figures.
        let (status, f) = s.get("/api/v1/desk/figures?days=7", Some(&desk)).await;
        assert_eq!(status, StatusCode::OK, "{f}");
        assert_eq!((f["answered"].as_i64(), f["solved_rate"].as_f64(), f["replied_on_time_rate"].as_f64(), f["satisfied_rate"].as_f64()),
            (Some(3), Some(33.3), Some(100.0), Some(100.0)), "{f}");
        let (status, body) = s.get("/api/v1/desk/figures?days=400", Some(&desk)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        s
    })
    .await;
}
