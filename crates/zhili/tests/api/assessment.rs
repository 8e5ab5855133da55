use super::*;

/// A change to a scheme's body that makes it wrong.
type Edit = fn(&mut Value);

fn row(code: &str, points: f64, parent: Option<&str>, rule: Option<Value>) -> Value {
    json!({"code": code, "name": format!("项目{code}"), "points": points, "parent": parent, "rule": rule})
}

/// A scheme whose rows list the nodes first, then their items.
fn scheme() -> Value {
    json!({
        "name": "2027 年度镇街考核", "lead_share": 1.0, "partner_share": 0.5, "tie_break": ["A1"],
        "items": [
            row("A", 60.0, None, None),
            row("B", 40.0, None, None),
            row("A1", 40.0, Some("A"), Some(json!({"kind": "proportional", "figure": "on_time_rate", "zero_at": 60, "full_at": 100}))),
            row("A2", 20.0, Some("A"), Some(json!({"kind": "deduct", "figure": "overdue_events", "per": 0.5, "cap": 20}))),
            row("B1", 40.0, Some("B"), Some(json!({"kind": "manual"}))),
        ],
        "adjustments": [{"kind": "veto", "code": "X1", "name": "重大案事件", "figure": "major_incidents", "penalty": 30}]
    })
}

#[tokio::test]
async fn the_assessment_schemes_are_data_the_district_keeps_by_year_and_group() {
    on_every_backend(|s| async move {
        let town = s.token("town-500114001").await;
        let commander = s.token("district").await;
        let admin = s.token("admin").await;
        // The shipped 2026 schemes, read by the units they score: rows with their depth.
        let (status, shipped) = s
            .get("/api/v1/assessment/schemes/2026/towns", Some(&town))
            .await;
        assert_eq!(status, StatusCode::OK, "{shipped}");
        assert_eq!(
            (shipped["version"].as_i64(), shipped["group_name"].as_str()),
            (Some(0), Some("镇街"))
        );
        let items = shipped["items"].as_array().unwrap();
        assert_eq!(
            (items[0]["parent"].is_null(), items[0]["depth"].as_u64()),
            (true, Some(0))
        );
        assert_eq!(
            (items[1]["parent"].as_str(), items[1]["depth"].as_u64()),
            (Some("T"), Some(1))
        );
        let total: f64 = items
            .iter()
            .filter(|i| i["depth"] == 0)
            .map(|i| i["points"].as_f64().unwrap())
            .sum();
        assert_eq!(total, 100.0);
        assert!(shipped["figures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "security_sense" && f["automatic"] == false));
        let (status, departments) = s
            .get("/api/v1/assessment/schemes/2026/departments", Some(&town))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_ne!(departments["name"], shipped["name"]);
        let (status, body) = s
            .get("/api/v1/assessment/schemes/2027/towns", Some(&town))
            .await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = s
            .get("/api/v1/assessment/schemes/2026/villages", Some(&town))
            .await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "group");
        // Kept by the administrator alone; each fault named by its row.
        let put = |token: String, body: Value| {
            let s = &s;
            async move {
                s.post_put(
                    "/api/v1/assessment/schemes/2027/towns",
                    Some(&token),
                    body.to_string(),
                )
                .await
            }
        };
        let (status, body) = put(commander.clone(), scheme()).await;
        assert_error(status, &body, 403, "forbidden");
        let faults: Vec<(Edit, &str)> = vec![
            (
                |v: &mut Value| v["items"][2]["points"] = json!(35),
                "items[0].points",
            ),
            (
                |v: &mut Value| v["items"][3]["rule"]["cap"] = json!(25),
                "items[3].rule.cap",
            ),
            (
                |v: &mut Value| v["items"][0]["rule"] = json!({"kind": "manual"}),
                "items[0].rule",
            ),
            (
                |v: &mut Value| v["items"][4]["rule"] = Value::Null,
                "items[4].rule",
            ),
            (
                |v: &mut Value| v["items"][2]["parent"] = json!("B1"),
                "items[2].parent",
            ),
            (
                |v: &mut Value| v["items"][2]["rule"]["figure"] = json!("happiness"),
                "items[2].rule.figure",
            ),
            (
                |v: &mut Value| v["items"][4]["code"] = json!("A1"),
                "items[4].code",
            ),
            (
                |v: &mut Value| v["tie_break"] = json!(["A"]),
                "tie_break[0]",
            ),
            (
                |v: &mut Value| v["adjustments"][0]["code"] = json!("A2"),
                "adjustments[0].code",
            ),
        ];
        for (edit, field) in faults {
            let mut body = scheme();
            edit(&mut body);
            let (status, answer) = put(admin.clone(), body).await;
            assert_error(status, &answer, 422, "invalid_parameter");
            assert_eq!(answer["details"]["field"], field, "{answer}");
        }
        let (status, set) = put(admin.clone(), scheme()).await;
        assert_eq!(status, StatusCode::OK, "{set}");
        assert_eq!(
            (set["version"].as_i64(), set["set_by"].as_str()),
            (Some(1), Some("admin"))
        );
        // In force from then on, as the rows were given (parents first), recorded.
        let (_, read) = s
            .get("/api/v1/assessment/schemes/2027/towns", Some(&town))
            .await;
        let codes: Vec<&str> = read["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["A", "A1", "A2", "B", "B1"]);
        assert_eq!(read["adjustments"][0]["kind"], "veto");
        let (status, again) = put(admin.clone(), read_back(&read)).await;
        assert_eq!(
            (status, again["version"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{again}"
        );
        let recorded = s
            .store
            .actions_of("assessment_scheme:2027:towns:1")
            .await
            .unwrap();
        assert_eq!(recorded.len(), 1);
        s
    })
    .await;
}

/// What a page sends back after reading a scheme: its own fields, the rows without depth.
fn read_back(v: &Value) -> Value {
    let items: Vec<Value> = v["items"].as_array().unwrap().iter().map(|i| {
        json!({"code": i["code"], "name": i["name"], "points": i["points"], "parent": i["parent"], "rule": i["rule"]})
    }).collect();
    json!({"name": v["name"], "lead_share": v["lead_share"], "partner_share": v["partner_share"],
           "tie_break": v["tie_break"], "items": items, "adjustments": v["adjustments"]})
}

#[tokio::test]
async fn every_unit_is_scored_from_the_record_and_a_what_if_moves_one() {
    on_every_backend(|s| async move {
        let commander = s.token("district").await;
        let town = s.token("town-500114001").await;
        // A town reads its own sheet only, and not the departments'.
        let (status, own) = s.get("/api/v1/assessment/scores?year=2026&group=towns", Some(&town)).await;
        assert_eq!((status, own["units"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{own}");
        let (status, body) = s.get("/api/v1/assessment/scores?year=2026&group=departments", Some(&town)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.get("/api/v1/assessment/scores?year=2026&group=villages", Some(&commander)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, page) = s.get("/api/v1/assessment/scores?year=2026&group=towns", Some(&commander)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let units = page["units"].as_array().unwrap();
        assert!(!units.is_empty());
        assert_eq!(units[0]["rank"], 1);
        for u in units {
            // The total is its top items and adjustments, each line says where it came from.
            let lines = u["lines"].as_array().unwrap();
            let top: f64 = lines.iter().filter(|l| l["depth"] == 0).map(|l| l["score"].as_f64().unwrap()).sum();
            assert!((top - u["total"].as_f64().unwrap()).abs() < 0.011, "{u}");
            let overdue = lines.iter().find(|l| l["figure"] == "overdue_events").unwrap();
            assert!(overdue["source"].as_str().unwrap().starts_with("事件库：截至"), "{overdue}");
            let manual = lines.iter().find(|l| l["code"] == "M1").unwrap();
            assert_eq!((manual["missing"].as_bool(), manual["how"].as_str()), (Some(true), Some("待评审评分")));
        }
        let (_, departments) = s.get("/api/v1/assessment/scores?year=2026&group=departments", Some(&commander)).await;
        assert!(departments["units"].as_array().unwrap().iter().any(|u| u["unit"] == "D04" && u["name"] == "黔江区司法局"));
        // What if the town had a hundred overdue events: its deduction is full, its total lower.
        let what = json!({"year": 2026, "group": "towns", "unit": "500114001", "figure": "overdue_events", "value": 100});
        let (status, w) = post_json(&s, "/api/v1/assessment/what-if", &commander, what.clone()).await;
        assert_eq!(status, StatusCode::OK, "{w}");
        let e3 = |v: &Value| v["lines"].as_array().unwrap().iter().find(|l| l["code"] == "E3").unwrap().clone();
        assert_eq!(e3(&w["after"])["score"], 0.0);
        assert_eq!(e3(&w["after"])["source"], "假设值（模拟测算）");
        assert!(w["after"]["total"].as_f64().unwrap() < w["before"]["total"].as_f64().unwrap(), "{w}");
        assert!(w["after"]["rank"].as_u64().unwrap() >= w["before"]["rank"].as_u64().unwrap());
        let mut nobody = what.clone();
        nobody["unit"] = json!("500114999");
        let (status, body) = post_json(&s, "/api/v1/assessment/what-if", &commander, nobody).await;
        assert_error(status, &body, 404, "not_found");
        let mut unknown = what.clone();
        unknown["figure"] = json!("happiness");
        let (status, body) = post_json(&s, "/api/v1/assessment/what-if", &commander, unknown).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "figure");
        let (status, body) = post_json(&s, "/api/v1/assessment/what-if", &town, what).await;
        assert_error(status, &body, 403, "forbidden");
        s
    })
    .await;
}
