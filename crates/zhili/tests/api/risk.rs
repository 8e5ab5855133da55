use super::*;

/// A new catalogue of `indicators` put by `token`.
async fn put_catalogue(s: &Server, token: &str, indicators: &[Value]) -> (StatusCode, Value) {
    s.post_put(
        "/api/v1/risk/indicators",
        Some(token),
        json!({ "indicators": indicators }).to_string(),
    )
    .await
}

fn dispute_spike(level: &str) -> Value {
    json!({"code": "TEST_SPIKE", "name": "纠纷突增（测试）", "definition": "村每日纠纷较前一周异常增多",
           "level": level, "source": "events", "categories": ["01"], "period_days": 1,
           "detector": {"kind": "ears", "variant": "c1"}, "raise_after": 1, "clear_after": 2, "min_count": 3})
}

#[tokio::test]
async fn the_district_keeps_its_risk_indicators_as_versioned_data() {
    on_every_backend(|s| async move {
        let commander = s.token("district").await;
        let admin = s.token("admin").await;
        // The shipped catalogue until the district keeps its own.
        let (status, shipped) = s.get("/api/v1/risk/indicators", Some(&commander)).await;
        assert_eq!(status, StatusCode::OK, "{shipped}");
        assert_eq!(shipped["version"], 0);
        let list = shipped["indicators"].as_array().unwrap();
        assert_eq!(list.len(), 13);
        let spike = list.iter().find(|i| i["code"] == "DISPUTE_SPIKE").unwrap();
        assert_eq!(spike["level_name"], "村（社区）");
        assert_eq!(spike["source_name"], "事件数");
        assert_eq!(spike["detector"], json!({"kind": "ears", "variant": "c2"}));
        // Only an administrator edits it, every field checked with the indicator named.
        let mut indicators: Vec<Value> = list
            .iter()
            .map(|i| {
                let mut i = i.clone();
                let o = i.as_object_mut().unwrap();
                o.remove("level_name");
                o.remove("source_name");
                i
            })
            .collect();
        let (status, body) = put_catalogue(&s, &commander, &indicators).await;
        assert_error(status, &body, 403, "forbidden");
        let mut bad = indicators.clone();
        bad[5]["detector"]["z"] = json!(0.1);
        let (status, body) = put_catalogue(&s, &admin, &bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(
            body["details"]["field"], "indicators[5].detector.z",
            "{body}"
        );
        let mut bad = indicators.clone();
        bad[0]["categories"] = json!(["99"]);
        let (status, body) = put_catalogue(&s, &admin, &bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(
            body["details"]["field"], "indicators[0].categories[0]",
            "{body}"
        );
        let mut bad = indicators.clone();
        bad[1]["code"] = bad[0]["code"].clone();
        let (status, body) = put_catalogue(&s, &admin, &bad).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "indicators[1].code", "{body}");
        // Nothing of the refused edits was kept.
        let (_, still) = s.get("/api/v1/risk/indicators", Some(&commander)).await;
        assert_eq!(still["version"], 0);
        // A good edit is the next version, recorded.
        indicators[0]["min_count"] = json!(4);
        indicators.push(dispute_spike("town"));
        let (status, saved) = put_catalogue(&s, &admin, &indicators).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["version"], 1);
        let (_, now) = s.get("/api/v1/risk/indicators", Some(&commander)).await;
        assert_eq!(now["version"], 1);
        assert_eq!(now["indicators"].as_array().unwrap().len(), 14);
        assert_eq!(now["indicators"][0]["min_count"], 4.0);
        let recorded = s.store.actions_of("risk_catalogues:1").await.unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].action, "risk.indicators");
        s
    })
    .await;
}

#[tokio::test]
async fn a_backtest_replays_an_indicator_over_the_recorded_reports() {
    on_every_backend(|s| async move {
        let grid = "500114001001001";
        let village = s.token("village-500114001001").await;
        let commander = s.token("district").await;
        let p = deep_point(grid);
        // A burst of neighbours' quarrels today in one village; one of them is escalated.
        let mut ids = Vec::new();
        for n in 0..5 {
            let (status, e) = post_json(&s, "/api/v1/events", &village,
                json!({"channel": "grid_patrol", "category": "0102", "description": format!("邻里争吵第{n}起"),
                       "location": {"lon": p.x, "lat": p.y}})).await;
            assert_eq!(status, StatusCode::CREATED, "{e}");
            ids.push(e["id"].as_i64().unwrap());
        }
        // A merged duplicate is the report it was merged into: not counted twice.
        let (_, dup) = post_json(&s, "/api/v1/events", &village,
            json!({"channel": "grid_patrol", "category": "0102", "description": "邻里争吵（重复）",
                   "location": {"lon": p.x, "lat": p.y}})).await;
        let (status, body) = post_json(&s, &format!("/api/v1/events/{}/actions", dup["id"]), &village, json!({"action": "merge", "into": ids[0]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for action in [json!({"action": "register"}), json!({"action": "escalate", "reason": "双方冲突升级"})] {
            let (status, body) = post_json(&s, &format!("/api/v1/events/{}/actions", ids[1]), &village, action).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let today = zhili_domain::calendar::china_day(zhili::now_ms());
        let date = zhili_domain::calendar::date_string;
        let run = |indicator: Value, from: i64, to: i64| {
            json!({"indicator": indicator, "from": date(from), "to": date(to)})
        };
        let (status, b) = post_json(&s, "/api/v1/risk/backtest", &commander, run(dispute_spike("village"), today - 29, today)).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!(b["periods"], 30);
        assert_eq!(b["from"], date(today - 29));
        assert_eq!(b["to"], date(today));
        assert_eq!((b["fired"].as_i64(), b["hits"].as_i64(), b["missed"].as_i64()), (Some(1), Some(1), Some(0)), "{b}");
        assert_eq!(b["median_lead"], 0.0);
        assert_eq!(b["by_area"][0]["area_code"], "500114001001");
        assert!(!b["by_area"][0]["area_name"].as_str().unwrap().is_empty());
        // With a higher minimum the burst is no alert, and the escalation is a miss.
        let mut strict = dispute_spike("village");
        strict["min_count"] = json!(6);
        let (_, b) = post_json(&s, "/api/v1/risk/backtest", &commander, run(strict, today - 29, today)).await;
        assert_eq!((b["fired"].as_i64(), b["missed"].as_i64()), (Some(0), Some(1)), "{b}");
        // Only those who decide what goes live backtest; a village sees nothing of the district.
        let (status, body) = post_json(&s, "/api/v1/risk/backtest", &village, run(dispute_spike("village"), today - 29, today)).await;
        assert_error(status, &body, 403, "forbidden");
        // Bad input names its field.
        let mut weekly_seasonal = dispute_spike("village");
        weekly_seasonal["period_days"] = json!(7);
        weekly_seasonal["detector"] = json!({"kind": "seasonal", "by": "weekday", "weeks": 4, "z": 3});
        for (indicator, from, to, field) in [
            (weekly_seasonal, today - 29, today, "indicator.detector.kind"),
            (dispute_spike("department"), today - 29, today, "indicator.level"),
            (dispute_spike("village"), today - 800, today, "to"),
            (dispute_spike("village"), today, today - 3, "to"),
        ] {
            let (status, body) = post_json(&s, "/api/v1/risk/backtest", &commander, run(indicator, from, to)).await;
            assert_error(status, &body, 422, "invalid_parameter");
            assert_eq!(body["details"]["field"], field, "{body}");
        }
        let (status, body) = post_json(&s, "/api/v1/risk/backtest", &commander,
            json!({"indicator": dispute_spike("village"), "from": "2026-02-30", "to": date(today)})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "from", "{body}");
        s
    })
    .await;
}

#[tokio::test]
async fn a_spike_raises_one_alert_that_explains_itself_and_is_handled_in_scope() {
    on_every_backend(|s| async move {
        let grid = "500114001001001";
        let village = s.token("village-500114001001").await;
        let other = s.token("village-500114001002").await;
        let town = s.token("town-500114001").await;
        let commander = s.token("district").await;
        let admin = s.token("admin").await;
        let worker = s.token(&format!("grid-{grid}")).await;
        let p = deep_point(grid);
        for n in 0..5 {
            let (status, e) = post_json(&s, "/api/v1/events", &village,
                json!({"channel": "grid_patrol", "category": "0102", "description": format!("邻里争吵第{n}起"),
                       "location": {"lon": p.x, "lat": p.y}})).await;
            assert_eq!(status, StatusCode::CREATED, "{e}");
        }
        let (status, body) = post_json(&s, "/api/v1/risk/evaluate", &village, json!({})).await;
        assert_error(status, &body, 403, "forbidden");
        // Evaluated twice (and perhaps by the server itself meanwhile): one alert.
        for _ in 0..2 {
            let (status, done) = s.post("/api/v1/risk/evaluate", Some(&commander), None, String::new()).await;
            assert_eq!(status, StatusCode::OK, "{done}");
            assert_eq!(done["indicators"], 13, "every enabled indicator, whatever it counts: {done}");
        }
        let (status, page) = s.get("/api/v1/risk/alerts?indicator=DISPUTE_SPIKE", Some(&village)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 1, "{page}");
        let a = &page["items"][0];
        assert_eq!(a["area_code"], "500114001001");
        assert!(!a["area_name"].as_str().unwrap().starts_with("5001"), "a name, not a code: {a}");
        assert_eq!(a["state"], "open");
        assert_eq!(a["state_name"], "待处理");
        assert_eq!(a["level"], "red");
        assert_eq!(a["level_name"], "红色");
        assert_eq!(a["observed"], 5.0);
        assert_eq!(a["expected"], 0.0);
        assert!(a["bound"].as_f64().unwrap() < 5.0);
        let history = a["history"].as_array().unwrap();
        assert_eq!(history.len(), 30);
        assert_eq!(history.last().unwrap()["observed"], 5.0);
        let id = a["id"].as_i64().unwrap();
        // Scope: the town sees it, the next village does not.
        let (_, seen) = s.get("/api/v1/risk/alerts", Some(&town)).await;
        assert!(seen["items"].as_array().unwrap().iter().any(|x| x["id"] == id));
        let (_, unseen) = s.get("/api/v1/risk/alerts", Some(&other)).await;
        assert_eq!(unseen["total"], 0, "{unseen}");
        let (status, _) = s.get(&format!("/api/v1/risk/alerts/{id}"), Some(&other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Grouped by area and indicator in the store: as many groups as distinct pairs, their
        // counts adding up to the alerts, each led by its latest; a page counts groups.
        let (_, all) = s.get("/api/v1/risk/alerts?limit=200", Some(&commander)).await;
        let (status, grouped) = s.get("/api/v1/risk/alert-groups?limit=200", Some(&commander)).await;
        assert_eq!(status, StatusCode::OK, "{grouped}");
        let alerts = all["items"].as_array().unwrap();
        let pairs: std::collections::BTreeSet<(String, String)> = alerts.iter()
            .map(|a| (a["area_code"].to_string(), a["indicator_code"].to_string())).collect();
        let groups = grouped["items"].as_array().unwrap();
        assert_eq!((grouped["total"].as_u64(), groups.len()), (Some(pairs.len() as u64), pairs.len()), "{grouped}");
        assert_eq!(groups.iter().map(|g| g["count"].as_i64().unwrap()).sum::<i64>(), all["total"].as_i64().unwrap());
        for g in groups {
            let latest = alerts.iter().filter(|a| a["area_code"] == g["latest"]["area_code"] && a["indicator_code"] == g["latest"]["indicator_code"])
                .map(|a| a["id"].as_i64().unwrap()).max();
            assert_eq!(g["latest"]["id"].as_i64(), latest, "{g}");
        }
        let (_, first) = s.get("/api/v1/risk/alert-groups?limit=1", Some(&commander)).await;
        assert_eq!((first["total"].clone(), first["items"].as_array().map(Vec::len)), (grouped["total"].clone(), Some(1)));
        let (_, theirs) = s.get("/api/v1/risk/alert-groups?indicator=DISPUTE_SPIKE", Some(&other)).await;
        assert_eq!(theirs["total"], 0, "another village's groups are not counted: {theirs}");
        let (status, body) = s.get("/api/v1/risk/alert-groups?limit=201", Some(&commander)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        // Handled by those over the area (a grid worker's area is the grid, below the village's
        // alert); a silence needs a reason and an end within 30 days.
        let act = |token: String, body: Value| {
            let s = &s;
            async move { post_json(s, &format!("/api/v1/risk/alerts/{id}/actions"), &token, body).await }
        };
        let (status, body) = act(worker.clone(), json!({"action": "acknowledge"})).await;
        assert_error(status, &body, 404, "not_found");
        let leader = s.token("leader").await;
        let (status, body) = act(leader, json!({"action": "acknowledge"})).await;
        assert_error(status, &body, 403, "forbidden");
        let soon = zhili_domain::time::rfc3339(zhili::now_ms() + 3_600_000);
        let (status, body) = act(village.clone(), json!({"action": "silence", "reason": " ", "until": soon})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "reason");
        let past = zhili_domain::time::rfc3339(zhili::now_ms() - 1);
        let (status, body) = act(village.clone(), json!({"action": "silence", "reason": "已掌握", "until": past})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "until");
        let (status, body) = act(village.clone(), json!({"action": "acknowledge", "version": 1})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "acknowledged");
        let (status, body) = act(village.clone(), json!({"action": "acknowledge"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = act(commander.clone(), json!({"action": "assign", "unit": "D99", "version": 2})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = act(commander.clone(), json!({"action": "assign", "unit": "D04", "version": 1})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = act(commander.clone(), json!({"action": "assign", "unit": "D04", "version": 2})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["assigned_unit"], "D04");
        let (status, body) = act(village.clone(), json!({"action": "silence", "reason": "已安排村调委会介入", "until": soon})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "silenced");
        let recorded = s.store.actions_of(&format!("risk_alert:{id}")).await.unwrap();
        let said: Vec<&str> = recorded.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(said, ["risk.alert.raise", "risk.alert.acknowledge", "risk.alert.assign", "risk.alert.silence"]);
        assert!(recorded[3].opinion.as_deref().unwrap().contains("已安排村调委会介入"));
        // The indicator switched off: its alert clears at the next evaluation.
        let (_, catalogue) = s.get("/api/v1/risk/indicators", Some(&admin)).await;
        let indicators: Vec<Value> = catalogue["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let mut i = i.clone();
                let o = i.as_object_mut().unwrap();
                o.remove("level_name");
                o.remove("source_name");
                if o["code"] == "DISPUTE_SPIKE" {
                    o.insert("enabled".into(), json!(false));
                }
                i
            })
            .collect();
        let (status, body) = put_catalogue(&s, &admin, &indicators).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, done) = s.post("/api/v1/risk/evaluate", Some(&commander), None, String::new()).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        let (_, a) = s.get(&format!("/api/v1/risk/alerts/{id}"), Some(&village)).await;
        assert_eq!(a["state"], "cleared", "{a}");
        assert!(a["cleared_on"].is_string());
        s
    })
    .await;
}

#[tokio::test]
async fn sources_besides_reports_raise_alerts_too() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let commander = s.token("district").await;
        let worker = s.token("grid-500114001001001").await;
        let other = s.token("village-500114001002").await;
        // Sensitive notes in one village, counted per day against a threshold of one.
        let notes = json!({"code": "TEST_NOTES", "name": "涉稳信息（测试）", "definition": "村每日涉稳敏感信息超过一条",
            "level": "village", "source": "sensitive_notes", "period_days": 1,
            "detector": {"kind": "threshold", "limit": 1}, "raise_after": 1, "clear_after": 2, "min_count": 0});
        let (status, body) = put_catalogue(&s, &admin, std::slice::from_ref(&notes)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for n in 0..3 {
            let (st, note) = s.post("/api/v1/situations", Some(&worker), Some("application/json"),
                json!({"region_code": "500114001001001", "kind": "stability", "source": "resident", "sensitivity": 3,
                       "title": format!("拟集体上访苗头{n}"), "content": "村民拟就征地补偿集体上访。"}).to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{note}");
        }
        // A general note is not counted.
        let (st, _) = s.post("/api/v1/situations", Some(&worker), Some("application/json"),
            json!({"region_code": "500114001001001", "kind": "sentiment", "title": "路灯不亮", "content": "门前路灯不亮。"}).to_string()).await;
        assert_eq!(st, StatusCode::CREATED);
        let (status, done) = s.post("/api/v1/risk/evaluate", Some(&commander), None, String::new()).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        let (_, page) = s.get("/api/v1/risk/alerts?indicator=TEST_NOTES", Some(&commander)).await;
        assert_eq!(page["total"], 1, "{page}");
        let a = &page["items"][0];
        assert_eq!((a["area_code"].as_str(), a["observed"].as_f64()), (Some("500114001001"), Some(3.0)), "{a}");
        // What it counted are the notes, listed as links (a general note not among them).
        let path = format!("/api/v1/risk/alerts/{}/events", a["id"]);
        let (_, counted) = s.get(&path, Some(&commander)).await;
        assert_eq!(counted["total"], 3, "{counted}");
        assert!(counted["items"].as_array().unwrap().is_empty(), "{counted}");
        let records = counted["records"].as_array().unwrap();
        assert_eq!(records.len(), 3, "{counted}");
        assert!(records.iter().all(|r| r["kind"] == "situation"
            && r["label"].as_str().unwrap().starts_with("拟集体上访苗头")), "{counted}");
        // A department reads no sensitive notes: it learns how many, not which.
        let justice = s.token("dept-D04").await;
        let (status, counted) = s.get(&path, Some(&justice)).await;
        assert_eq!(status, StatusCode::OK, "{counted}");
        assert_eq!((counted["total"].as_i64(), counted["records"].as_array().map(Vec::len)), (Some(3), Some(0)), "{counted}");
        let (_, unseen) = s.get("/api/v1/risk/alerts?indicator=TEST_NOTES", Some(&other)).await;
        assert_eq!(unseen["total"], 0);
        // A rule on notes is replayed over the recorded notes too (today's included).
        let today = zhili_domain::calendar::china_day(zhili::now_ms());
        let day = |d: i64| zhili_domain::calendar::date_string(d);
        let (status, b) = post_json(&s, "/api/v1/risk/backtest", &commander,
            json!({"indicator": notes, "from": day(today - 29), "to": day(today + 1)})).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!((b["fired"].as_i64(), b["hits"].as_i64()), (Some(1), Some(0)), "{b}");
        assert_eq!(b["by_area"][0]["area_code"], "500114001001", "{b}");
        s
    })
    .await;
}
