use super::*;

#[tokio::test]
async fn admins_edit_categories_rules_and_calendar_without_moving_running_deadlines() {
    on_every_backend(|s| async move {
            let admin = s.token("admin").await;
            let district = s.token("district").await;
            let worker = s.token("grid-500114001001001").await;
            let village = s.token("village-500114001001").await;
            let p = deep_point("500114001001001");
            let report = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let ct = Some("application/json");

            let (st, cats) = s.get("/api/v1/reference/categories", Some(&worker)).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(cats.as_array().unwrap().len(), 62);
            let lamp = cats.as_array().unwrap().iter().find(|c| c["code"] == "0602").unwrap().clone();
            assert_eq!((lamp["version"].as_i64(), lamp["lead"].as_str(), lamp["accept_hours"].as_f64()), (Some(1), Some("D09"), Some(4.0)));

            let (_, a) = s.post("/api/v1/events", Some(&worker), ct, report.clone()).await;
            let (_, a_before) = s.get(&format!("/api/v1/events/{}", a["id"]), Some(&district)).await;

            let mut body = lamp.clone();
            for k in ["code", "version"] {
                body.as_object_mut().unwrap().remove(k);
            }
            body["accept_hours"] = json!(1.0);
            let (st, b) = s.post_put("/api/v1/reference/categories/0602", Some(&district), body.to_string()).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, updated) = s.post_put("/api/v1/reference/categories/0602", Some(&admin), body.to_string()).await;
            assert_eq!(st, StatusCode::OK, "{updated}");
            assert_eq!((updated["version"].as_i64(), updated["accept_hours"].as_f64()), (Some(2), Some(1.0)));

            let (_, b_ev) = s.post("/api/v1/events", Some(&worker), ct, report.clone()).await;
            let (_, b_detail) = s.get(&format!("/api/v1/events/{}", b_ev["id"]), Some(&district)).await;
            let (_, a_after) = s.get(&format!("/api/v1/events/{}", a["id"]), Some(&district)).await;
            assert_eq!(a_after["due_at"], a_before["due_at"], "a running case keeps its deadline");
            assert!(b_detail["due_at"].as_str().unwrap() < a_after["due_at"].as_str().unwrap(), "a new case runs on the new limit");

            for (patch, field, status, code) in [(json!({"lead": "D99"}), "lead", 404, "not_found"), (json!({"matter_class": "中事"}), "matter_class", 422, "invalid_parameter"), (json!({"handle_hours": 0}), "handle_hours", 422, "invalid_parameter")] {
                let mut bad = body.clone();
                for (k, v) in patch.as_object().unwrap() {
                    bad[k] = v.clone();
                }
                let (st, b) = s.post_put("/api/v1/reference/categories/0602", Some(&admin), bad.to_string()).await;
                assert_error(st, &b, status, code);
                assert_eq!(b["details"]["field"], field);
            }

            // Dispatch rules: street lamps in 城东 go to 交通 with 城管 assisting.
            let rules = json!([{"category_prefix": "06", "region": "500114001", "lead": "D14", "assisting": ["D09"]}]);
            let (st, _) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), rules.to_string()).await;
            assert_eq!(st, StatusCode::OK);
            let id = b_ev["id"].as_i64().unwrap();
            s.post(&format!("/api/v1/events/{id}/actions"), Some(&village), ct, json!({"action": "register"}).to_string()).await;
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
            assert_eq!((d["suggested_lead"].as_str(), d["suggested_assisting"][0].as_str()), (Some("D14"), Some("D09")));
            let (st, b) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), json!([{"category_prefix": "6", "region": "500114", "lead": "D14"}]).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "[0].category_prefix");
            let (st, b) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), json!([{"category_prefix": "06", "region": "500114", "lead": "D77"}]).to_string()).await;
            assert_error(st, &b, 404, "not_found");

            // The calendar of another year.
            let cal = json!({"working_hours": "09:00-12:00,13:30-17:30", "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]});
            let (st, _) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), cal.to_string()).await;
            assert_eq!(st, StatusCode::OK);
            let (_, got) = s.get("/api/v1/reference/calendar/2027", Some(&worker)).await;
            assert_eq!(got["days"].as_array().unwrap().len(), 1);
            assert_eq!(got["working_hours"], "09:00-12:00,13:30-17:30");
            let (_, y2026) = s.get("/api/v1/reference/calendar/2026", Some(&worker)).await;
            assert_eq!(y2026["days"].as_array().unwrap().len(), 39, "other years untouched");
            let bad = json!({"working_hours": "09:00-12:00", "days": [{"date": "2026-01-01", "kind": "holiday", "name": "x"}]});
            let (st, b) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), bad.to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "days[0].date");
            let (st, b) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), json!({"working_hours": "25:00-26:00", "days": []}).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            s
        })
        .await;
}

#[tokio::test]
async fn entering_a_years_calendar_moves_the_running_deadlines_that_cross_it() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let district = s.token("district").await;
        let worker = s.token("grid-500114001001001").await;
        let ct = Some("application/json");
        // A category whose acceptance takes 2,000 working hours: the step runs through all
        // of next year, whatever today is.
        let (_, cats) = s.get("/api/v1/reference/categories", Some(&admin)).await;
        let mut slow = cats.as_array().unwrap().iter().find(|c| c["code"] == "0602").unwrap().clone();
        for k in ["code", "version"] {
            slow.as_object_mut().unwrap().remove(k);
        }
        slow["accept_hours"] = json!(2000.0);
        let (st, _) = s.post_put("/api/v1/reference/categories/0602", Some(&admin), slow.to_string()).await;
        assert_eq!(st, StatusCode::OK);
        let p = deep_point("500114001001001");
        let report = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯不亮", "location": {"lon": p.x, "lat": p.y}});
        let (_, ev) = s.post("/api/v1/events", Some(&worker), ct, report.to_string()).await;
        let id = ev["id"].as_i64().unwrap();
        let (_, before) = s.get(&format!("/api/v1/events/{id}"), Some(&district)).await;
        assert_eq!(before["due_provisional"], true, "{before}");

        // Next year's March as holidays: every weekday of it leaves the count.
        let today = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
        let next_year = zhili_domain::time::civil_from_days(today / 86_400_000).0 + 1;
        let days: Vec<_> = (1..=31).map(|d| json!({"date": format!("{next_year}-03-{d:02}"), "kind": "holiday", "name": "测试假期"})).collect();
        let (_, cal) = s.get(&format!("/api/v1/reference/calendar/{next_year}"), Some(&admin)).await;
        let body = json!({"working_hours": cal["working_hours"], "days": days});
        let (st, b) = s.post_put(&format!("/api/v1/reference/calendar/{next_year}"), Some(&district), body.to_string()).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, saved) = s.post_put(&format!("/api/v1/reference/calendar/{next_year}"), Some(&admin), body.to_string()).await;
        assert_eq!(st, StatusCode::OK, "{saved}");
        assert!(saved["moved_deadlines"].as_i64().unwrap() >= 1, "{saved}");

        let (_, after) = s.get(&format!("/api/v1/events/{id}"), Some(&district)).await;
        assert!(after["due_at"].as_str().unwrap() > before["due_at"].as_str().unwrap(), "{before} {after}");
        assert_eq!(after["version"].as_i64(), before["version"].as_i64().map(|v| v + 1));
        let moved = after["timeline"].as_array().unwrap().iter().find(|x| x["action"] == "due_moved").expect("the move is on the record");
        assert!(moved["opinion"].as_str().unwrap().contains("工作日历调整"), "{moved}");
        assert_eq!(moved["actor"], "admin");

        // Saving the same year again moves nothing.
        let (_, again) = s.post_put(&format!("/api/v1/reference/calendar/{next_year}"), Some(&admin), body.to_string()).await;
        assert_eq!(again["moved_deadlines"], 0);
        s
    })
    .await;
}

#[tokio::test]
async fn time_limits_are_saved_together_or_not_at_all() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let district = s.token("district").await;
        let path = "/api/v1/reference/time-limits";
        let (_, cats) = s.get("/api/v1/reference/categories", Some(&admin)).await;
        let of = |cats: &Value, code: &str| cats.as_array().unwrap().iter().find(|c| c["code"] == code).unwrap().clone();
        let lamp = of(&cats, "0602");
        let edits = json!([
            {"code": "0602", "accept_hours": 2.0, "handle_hours": 35.0},
            {"code": "0101", "accept_hours": of(&cats, "0101")["accept_hours"], "handle_hours": of(&cats, "0101")["handle_hours"]},
            {"code": "0603", "accept_hours": 7.0, "handle_hours": 70.0},
        ]);
        let (st, b) = s.post_put(path, Some(&district), edits.to_string()).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, changed) = s.post_put(path, Some(&admin), edits.to_string()).await;
        assert_eq!(st, StatusCode::OK, "{changed}");
        let codes: Vec<_> = changed.as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_string()).collect();
        assert_eq!(codes, ["0602", "0603"], "an unchanged row makes no version");
        let (_, now) = s.get("/api/v1/reference/categories", Some(&admin)).await;
        assert_eq!(of(&now, "0602")["version"].as_i64(), lamp["version"].as_i64().map(|v| v + 1));
        assert_eq!((of(&now, "0602")["handle_hours"].as_f64(), of(&now, "0602")["major"].clone()), (Some(35.0), lamp["major"].clone()));

        // One bad row and nothing is written.
        for (bad, status, code, field) in [
            (json!([{"code": "0602", "accept_hours": 3.0, "handle_hours": 35.0}, {"code": "0603", "accept_hours": 0.0, "handle_hours": 7.0}]), 422, "invalid_parameter", "[1].accept_hours"),
            (json!([{"code": "0602", "accept_hours": 3.0, "handle_hours": 35.0}, {"code": "9999", "accept_hours": 1.0, "handle_hours": 7.0}]), 404, "not_found", "[1].code"),
            (json!([{"code": "0602", "accept_hours": 3.0, "handle_hours": 35.0}, {"code": "0602", "accept_hours": 1.0, "handle_hours": 7.0}]), 422, "invalid_parameter", "[1].code"),
        ] {
            let (st, b) = s.post_put(path, Some(&admin), bad.to_string()).await;
            assert_error(st, &b, status, code);
            assert_eq!(b["details"]["field"], field);
        }
        let (_, after) = s.get("/api/v1/reference/categories", Some(&admin)).await;
        assert_eq!(of(&after, "0602"), of(&now, "0602"), "a refused save writes nothing");
        s
    })
    .await;
}
