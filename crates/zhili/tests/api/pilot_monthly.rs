use super::*;
use zhili_domain::assess::monthly::Month;

#[tokio::test]
async fn a_unit_drafts_edits_and_submits_its_monthly_report_and_the_office_returns_one() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let d09 = s.token("dept-D09").await;
        let d01 = s.token("dept-D01").await;
        let grid = s.token("grid-500114001001001").await;
        // Last month, in whatever year it falls, and a target of 城管 with a milestone in it.
        let today = zhili_domain::calendar::china_day(zhili::now_ms());
        let this = Month::of_day(today);
        let last = Month::of_day(this.first_day() - 1);
        let (status, body) = s.post_put("/api/v1/pilot/organisation", Some(&pilot), super::pilot::organisation().to_string()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, task) = post_json(&s, "/api/v1/pilot/tasks", &pilot,
            json!({"year": last.year, "code": "K001", "title": "推进城市管理进社区", "task_force": "T01"})).await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        let milestone_day = zhili_domain::calendar::date_string(last.first_day() + 5);
        let (status, target) = post_json(&s, "/api/v1/pilot/targets", &pilot,
            json!({"task_id": task["id"], "title": "城管服务点全覆盖", "lead_unit": "D09", "partners": ["C500114001"],
                   "weight": 1, "due": format!("{}-12-31", last.year),
                   "milestones": [{"title": "服务点选址", "due": milestone_day, "weight": 1}]})).await;
        assert_eq!(status, StatusCode::CREATED, "{target}");

        // The draft comes from the record: the target, its late milestone, the events.
        let path = format!("/api/v1/pilot/monthly/{}/D09", last.as_string());
        let (status, draft) = s.get(&path, Some(&d09)).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!((draft["state"].clone(), draft["version"].as_i64()), (Value::Null, Some(0)));
        assert!(draft["done"].as_str().unwrap().contains("城管服务点全覆盖（牵头）"), "{draft}");
        assert!(draft["problems"].as_str().unwrap().contains("服务点选址"), "{draft}");
        assert_eq!(draft["figures"]["targets"][0]["late"].as_array().map(Vec::len), Some(1));

        // Another unit's report is absent to it; a grid worker reads none; a month not begun is 422.
        let (status, body) = s.get(&path, Some(&d01)).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = s.get(&path, Some(&grid)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get(&format!("/api/v1/pilot/monthly/{}/D09", this.next().as_string()), Some(&d09)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = s.get("/api/v1/pilot/monthly/2026-13/D09", Some(&d09)).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // Kept as a draft at version 0; a stale write is 409; the month under way is not reported.
        let body = |version: i64, submit: bool| json!({"version": version, "done": draft["done"], "problems": "服务点选址因用地协调滞后",
            "next": "完成选址并启动建设", "submit": submit});
        let (status, b) = s.post_put(&format!("/api/v1/pilot/monthly/{}/D09", this.as_string()), Some(&d09), body(0, false).to_string()).await;
        assert_error(status, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "month");
        let (status, b) = s.post_put(&path, Some(&pilot), body(0, false).to_string()).await;
        assert_error(status, &b, 403, "forbidden");
        let mut empty = body(0, false);
        empty["problems"] = json!("  ");
        let (status, b) = s.post_put(&path, Some(&d09), empty.to_string()).await;
        assert_error(status, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "problems");
        let (status, saved) = s.post_put(&path, Some(&d09), body(0, false).to_string()).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!((saved["state"].as_str(), saved["version"].as_i64()), (Some("draft"), Some(1)));
        let (status, b) = s.post_put(&path, Some(&d09), body(0, false).to_string()).await;
        assert_error(status, &b, 409, "conflict");

        // Submitted, it is the office's: the unit cannot change it; the office sees who is missing.
        let (status, sent) = s.post_put(&path, Some(&d09), body(1, true).to_string()).await;
        assert_eq!((status, sent["state"].as_str()), (StatusCode::OK, Some("submitted")), "{sent}");
        assert!(sent["submitted_at"].is_string());
        let (status, b) = s.post_put(&path, Some(&d09), body(2, false).to_string()).await;
        assert_error(status, &b, 409, "conflict");
        let (status, all) = s.get(&format!("/api/v1/pilot/monthly?month={}", last.as_string()), Some(&pilot)).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        let states: Vec<(String, Value)> = all.as_array().unwrap().iter().map(|r| (r["unit"].as_str().unwrap().to_string(), r["state"].clone())).collect();
        assert_eq!(states, [("C500114001".to_string(), Value::Null), ("D09".to_string(), json!("submitted"))]);
        let (_, own) = s.get(&format!("/api/v1/pilot/monthly?month={}", last.as_string()), Some(&d09)).await;
        assert_eq!(own.as_array().map(Vec::len), Some(1));

        // The office returns it with a reason; the unit revises and submits again.
        let back = format!("{path}/return");
        let (status, b) = post_json(&s, &back, &d09, json!({"version": 2, "reason": "自己退回"})).await;
        assert_error(status, &b, 403, "forbidden");
        let (status, b) = post_json(&s, &back, &pilot, json!({"version": 2, "reason": " "})).await;
        assert_error(status, &b, 422, "invalid_parameter");
        let (status, returned) = post_json(&s, &back, &pilot, json!({"version": 2, "reason": "请补充选址协调的具体措施"})).await;
        assert_eq!((status, returned["state"].as_str()), (StatusCode::OK, Some("returned")), "{returned}");
        assert_eq!(returned["returned_reason"], "请补充选址协调的具体措施");
        let (status, b) = post_json(&s, &back, &pilot, json!({"version": 3, "reason": "再退"})).await;
        assert_error(status, &b, 409, "conflict");
        let (status, again) = s.post_put(&path, Some(&d09), body(3, true).to_string()).await;
        assert_eq!((status, again["state"].as_str()), (StatusCode::OK, Some("submitted")), "{again}");

        // Filed as .docx, with the record's figures annexed.
        let resp = s.http.get(format!("{}{path}/document", s.base)).bearer_auth(&pilot).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let text = zhili::docx::text_of(&resp.bytes().await.unwrap()).unwrap();
        for want in ["黔江区城市管理局", "月度报告", "服务点选址因用地协调滞后", "城管服务点全覆盖", "已于"] {
            assert!(text.contains(want), "the report says {want}: {text}");
        }
        let actions = s.store.actions(0, 100_000).await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.action.as_str()).filter(|a| a.starts_with("pilot.monthly")).collect();
        assert_eq!(kinds, ["pilot.monthly.save", "pilot.monthly.submit", "pilot.monthly.return", "pilot.monthly.submit"]);
        s
    })
    .await;
}
