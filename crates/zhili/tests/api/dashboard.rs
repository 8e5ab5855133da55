use super::*;

#[tokio::test]
async fn summary_counts_and_rates_for_the_callers_area() {
    on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let village = s.token("village-500114001001").await;
            let worker = s.token("grid-500114001001001").await;
            let d09 = s.token("dept-D09").await;
            let new = |category: &'static str| {
                let s = &s;
                let worker = worker.clone();
                async move {
                    let body = json!({"channel": "grid_patrol", "category": category, "description": "测试", "location": {"lon": p.x, "lat": p.y}}).to_string();
                    let (_, e) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
                    e["id"].as_i64().unwrap()
                }
            };
            let act = |id: i64, token: String, body: Value| {
                let s = &s;
                async move {
                    let (st, b) = s.post(&format!("/api/v1/events/{id}/actions"), Some(&token), Some("application/json"), body.to_string()).await;
                    assert_eq!(st, StatusCode::OK, "{b}");
                }
            };
            let a = new("0602").await;
            for (token, body) in [
                (&village, json!({"action": "register"})),
                (&village, json!({"action": "dispatch"})),
                (&d09, json!({"action": "accept"})),
                (&d09, json!({"action": "handle", "feedback": "修好了"})),
                (&worker, json!({"action": "verify", "passed": true})),
                (&village, json!({"action": "close"})),
                (&village, json!({"action": "evaluate", "satisfaction": 5})),
            ] {
                act(a, token.clone(), body).await;
            }
            let b = new("0602").await;
            act(b, village.clone(), json!({"action": "register"})).await;
            let c = new("1301").await;
            act(c, village.clone(), json!({"action": "reject", "reason": "非本辖区事项"})).await;

            let district = s.token("district").await;
            let (st, sum) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            assert_eq!(st, StatusCode::OK, "{sum}");
            let r = &sum["region"];
            assert_eq!((r["code"].as_str(), r["name"].as_str()), (Some("500114"), Some("黔江区")));
            assert_eq!(r["total"], 3);
            assert_eq!(r["today_intake"], 3);
            assert_eq!(r["by_status"], json!({"evaluated": 1, "registered": 1, "rejected": 1}));
            assert_eq!(r["open"], 1);
            assert_eq!((r["due_to_close"].as_i64(), r["closed"].as_i64()), (Some(1), Some(1)));
            assert_eq!(r["closure_rate"], 1.0);
            assert_eq!(r["satisfaction_rate"], 1.0);
            assert_eq!(r["rework_rate"], 0.0);
            let towns = sum["by_region"].as_array().unwrap();
            assert_eq!(towns.len(), 1, "only towns with events");
            assert_eq!((towns[0]["code"].as_str(), towns[0]["name"].as_str(), towns[0]["total"].as_i64()), (Some("500114001"), Some("城东街道"), Some(3)));
            let depts = sum["by_department"].as_array().unwrap();
            assert_eq!(depts.len(), 26);
            let d09row = depts.iter().find(|d| d["code"] == "D09").unwrap();
            assert_eq!((d09row["total"].as_i64(), d09row["closed"].as_i64()), (Some(1), Some(1)));

            // A town sees its villages; a region outside the scope is not found.
            let town = s.token("town-500114001").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&town)).await;
            assert_eq!(sum["by_region"][0]["code"], "500114001001");
            let (st, b) = s.get("/api/v1/dashboard/summary?region=500114002", Some(&town)).await;
            assert_error(st, &b, 404, "not_found");
            let other = s.token("town-500114002").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&other)).await;
            assert_eq!(sum["region"]["total"], 0);
            assert!(sum["region"]["closure_rate"].is_null(), "no denominator, no rate");
            let (st, b) = s.get("/api/v1/dashboard/summary?region=x", Some(&town)).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The trend: today's three reports by major class, one closure; other days empty.
            let (st, tr) = s.get("/api/v1/dashboard/trend?days=7", Some(&district)).await;
            assert_eq!(st, StatusCode::OK, "{tr}");
            let days = tr["days"].as_array().unwrap();
            assert_eq!(days.len(), 7);
            assert_eq!(tr["reported"], json!([0, 0, 0, 0, 0, 0, 3]));
            assert_eq!(tr["closed"], json!([0, 0, 0, 0, 0, 0, 1]));
            let majors: Vec<(&str, i64)> = tr["categories"].as_array().unwrap().iter()
                .map(|c| (c["code"].as_str().unwrap(), c["reported"][6].as_i64().unwrap())).collect();
            assert_eq!(majors, vec![("06", 2), ("13", 1)], "the busiest class first");
            assert!(tr["categories"][0]["name"].as_str().is_some_and(|n| !n.is_empty() && n != "06"));
            let today = days[6].as_str().unwrap();
            assert_eq!(today, &zhili_domain::time::rfc3339(zhili::now_ms() + 8 * 3_600_000)[..10]);
            let (_, tr) = s.get("/api/v1/dashboard/trend", Some(&other)).await;
            assert_eq!(tr["reported"].as_array().unwrap().len(), 30);
            assert!(tr["reported"].as_array().unwrap().iter().all(|n| n == 0), "another town's events are not counted");
            let d01 = s.token("dept-D01").await;
            let (_, tr) = s.get("/api/v1/dashboard/trend?days=1", Some(&d01)).await;
            assert_eq!(tr["reported"], json!([0]), "a department sees only what it leads or assists");
            let (_, tr) = s.get("/api/v1/dashboard/trend?days=1", Some(&d09)).await;
            assert_eq!(tr["reported"], json!([1]));
            for bad in ["days=0", "days=367", "days=x", "region=500114002", "until=1"] {
                let (st, b) = s.get(&format!("/api/v1/dashboard/trend?{bad}"), Some(&town)).await;
                assert!(st.is_client_error(), "{bad}: {st} {b}");
            }
            totals_agree(&s.store).await;

            // Answers are shared while nothing changes, and a change is seen by the next read.
            let (_, before) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            let (_, again) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            assert_eq!(before, again);
            let leader = s.token("leader").await;
            let (_, led) = s.get("/api/v1/dashboard/summary", Some(&leader)).await;
            assert!(led["overdue_visits"].is_null(), "the same area, another role's answer: {led}");
            assert!(before["overdue_visits"].is_i64());
            new("0602").await;
            let (_, after) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            assert_eq!(after["region"]["total"], 4, "{after}");
            assert_eq!(after["region"]["today_intake"], 4);
            let (_, led) = s.get("/api/v1/dashboard/summary", Some(&leader)).await;
            assert_eq!(led["region"]["total"], 4);
            s
        })
        .await;
}
