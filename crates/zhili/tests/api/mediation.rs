use super::*;

/// The demo's committees, rooms and mediators on the server's database.
async fn committees(s: &Server) {
    let now = zhili::now_ms();
    let list = demo::mediation::committees(plan(), &s.state.key, 7, now);
    s.store
        .add_committees(&Actor::system(), &list, now)
        .await
        .unwrap();
}

async fn step(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(
        s,
        &format!("/api/v1/mediation/cases/{id}/steps"),
        token,
        body,
    )
    .await
}

/// The first village and its first grid (whose worker is one of the village's mediators).
fn village_and_grid() -> (String, String) {
    let v = &plan().villages[0];
    let g = plan()
        .grids
        .iter()
        .find(|g| g.code.parent().as_ref() == Some(&v.code))
        .unwrap();
    (v.code.to_string(), g.code.to_string())
}

fn id_number(seq: u32) -> String {
    let day = zhili_domain::time::days_from_civil(1980, 5, 17);
    zhili_domain::id_number::compose("500114", day, seq)
}

/// A .docx's paragraphs as python-docx (PyPI's reader of Word files) reads them: the file opens
/// in a library no one here wrote. Without it (outside CI), the project's own reader.
pub(crate) fn docx_text(bytes: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("zhili-{}-{}.docx", std::process::id(), bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            // The paragraphs, then each table's rows (cells joined by " | ").
            "import docx, sys\nd = docx.Document(sys.argv[1])\nout = [p.text for p in d.paragraphs]\nfor t in d.tables:\n    out += [' | '.join(c.text for c in r.cells) for r in t.rows]\nprint('\\n'.join(out))",
        ])
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        other => {
            assert!(
                std::env::var("CI").is_err(),
                "python-docx reads the document (pip install python-docx): {other:?}"
            );
            eprintln!("python-docx is not installed: the project's own reader checks the document");
            zhili::docx::text_of(bytes).unwrap()
        }
    }
}

async fn village_committee(s: &Server, token: &str, village: &str) -> i64 {
    let (status, list) = s.get("/api/v1/mediation/committees", Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "village" && c["region_code"] == village)
        .unwrap_or_else(|| panic!("no committee of {village}: {list}"));
    // A grid worker sees the committees that serve their grid: the village's, the town's and
    // the district's, not another village's.
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|c| village.starts_with(c["region_code"].as_str().unwrap())
            || c["region_code"].as_str().unwrap().starts_with(village)));
    c["id"].as_i64().unwrap()
}

#[tokio::test]
async fn a_dispute_event_becomes_a_case_that_walks_the_statute_to_its_end() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let worker = s.token(&format!("grid-{grid_code}")).await;
        let operator = s.token(&format!("village-{village}")).await;
        let p = deep_point(&grid_code);
        // The grid worker reports a neighbours' quarrel …
        let (status, event) = post_json(
            &s,
            "/api/v1/events",
            &worker,
            json!({"channel": "grid_patrol", "category": "0102", "description": "两户因排水沟发生争吵",
                   "location": {"lon": p.x, "lat": p.y}}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{event}");
        let event_id = event["id"].as_i64().unwrap();
        // … and opens a case from it in one step.
        let committee = village_committee(&s, &worker, &village).await;
        let plain = id_number(11);
        let (status, case) = post_json(
            &s,
            "/api/v1/mediation/cases",
            &worker,
            json!({"committee_id": committee, "event_id": event_id, "title": "相邻排水纠纷",
                   "facts": "两户因排水沟堵塞发生争吵，请求调解。",
                   "parties": [{"name": "张三", "id_number": plain, "phone": "13800138000"}, {"name": "李四"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let id = case["id"].as_i64().unwrap();
        assert_eq!(case["status"], "registered");
        assert_eq!(case["origin"], "event");
        assert_eq!(case["event_id"], event_id);
        assert_eq!(case["region_code"], grid_code);
        assert_eq!(case["category_name"], "邻里纠纷");
        assert!(case["number"].as_str().unwrap().starts_with("黔调〔"));
        // The identifiers are masked wherever the case is shown.
        assert!(!case.to_string().contains(&plain));
        assert!(!case.to_string().contains("13800138000"));
        assert_eq!(case["parties"][0]["phone"], "138****8000");
        // On the map's dispute layer where the event was reported, for those who see the case.
        let bbox = format!("{},{},{},{}", p.x - 0.01, p.y - 0.01, p.x + 0.01, p.y + 0.01);
        let (status, layer) = s
            .get(&format!("/api/v1/map/places?layer=disputes&bbox={bbox}"), Some(&operator))
            .await;
        assert_eq!(status, StatusCode::OK, "{layer}");
        assert!(layer["features"].as_array().unwrap().iter().any(|f| f["properties"]["id"] == id), "{layer}");
        let outsider = s.token("dept-D09").await;
        let (_, hidden) = s
            .get(&format!("/api/v1/map/places?layer=disputes&bbox={bbox}"), Some(&outsider))
            .await;
        assert_eq!(hidden["features"], json!([]));
        // The station takes the event up itself (a 小事 stays with the village): the case's
        // outcome will be its handling.
        for action in ["register", "dispatch", "accept"] {
            let (status, body) = post_json(&s, &format!("/api/v1/events/{event_id}/actions"), &operator, json!({"action": action})).await;
            assert_eq!(status, StatusCode::OK, "{action}: {body}");
        }
        // The case is found from its event.
        let (_, from_event) = s
            .get(&format!("/api/v1/mediation/cases?event_id={event_id}"), Some(&operator))
            .await;
        assert_eq!(from_event["total"], 1, "{from_event}");
        // The station's operator takes both parties' consent …
        let (_, detail) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&operator)).await;
        let allowed: Vec<&str> = detail["allowed_steps"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(allowed.contains(&"consent") && allowed.contains(&"assign"), "{allowed:?}");
        assert!(!allowed.contains(&"agree"), "{allowed:?}");
        for party in [0, 1] {
            let (status, body) = step(&s, &operator, id, json!({"step": "consent", "party": party, "given": true})).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (_, detail) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&operator)).await;
        assert_eq!(detail["status"], "mediating");
        assert!(detail["due"].is_string());
        // … and assigns himself, the village's mediator.
        let (_, mediators) = s
            .get(&format!("/api/v1/mediation/mediators?committee_id={committee}"), Some(&operator))
            .await;
        let me = mediators
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["username"] == format!("village-{village}"))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, body) = step(&s, &operator, id, json!({"step": "assign", "mediator_ids": [me]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Two sessions with their minutes.
        for n in 1..=2 {
            let (status, body) = step(
                &s,
                &operator,
                id,
                json!({"step": "session", "attendees": ["张三", "李四", "调解员"], "minutes": format!("第{n}次调解，双方陈述意见。"), "place": "村调解室"}),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        // A written agreement with the statute's fields.
        let perform_by = &zhili_domain::time::rfc3339(zhili::now_ms() + 10 * 86_400_000)[..10];
        let (status, body) = step(
            &s,
            &operator,
            id,
            json!({"step": "agree", "form": "written", "issues": "排水沟堵塞致一方院坝积水",
                   "terms": "张三于十日内疏通排水沟，李四承担一半费用。", "manner": "现场交付，村调委会见证",
                   "perform_by": perform_by}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let case = &body["case"];
        assert_eq!(case["status"], "agreed");
        assert_eq!(case["agreement"]["form"], "written");
        assert_eq!(case["agreement"]["terms"], "张三于十日内疏通排水沟，李四承担一半费用。");
        assert!(case["confirmation_open_until"].is_string());
        // The agreement handled the dispute event, which goes on to verification.
        assert_eq!(body["handled_event"], event_id);
        let (_, ev) = s.get(&format!("/api/v1/events/{event_id}"), Some(&operator)).await;
        assert_eq!(ev["status"], "handled", "{ev}");
        let handled = ev["timeline"].as_array().unwrap().iter().find(|x| x["action"] == "handle").unwrap();
        assert!(handled["opinion"].as_str().unwrap().contains("张三于十日内疏通排水沟"), "{handled}");
        // The agreement as a .docx people sign: the statute's fields, the parties' full
        // identifiers (for the signed copy only), its hash in the record.
        let (status, body) = post_json(&s, &format!("/api/v1/mediation/cases/{id}/documents"), &worker, json!({"kind": "agreement"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, doc) = post_json(&s, &format!("/api/v1/mediation/cases/{id}/documents"), &operator, json!({"kind": "agreement"})).await;
        assert_eq!(status, StatusCode::CREATED, "{doc}");
        let resp = s
            .http
            .get(format!("{}/api/v1/mediation/documents/{}", s.base, doc["id"]))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
        let bytes = resp.bytes().await.unwrap();
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), doc["sha256"].as_str().unwrap());
        let text = docx_text(&bytes);
        for want in ["人民调解协议书", "张三", plain.as_str(), "13800138000", "排水沟堵塞致一方院坝积水", "张三于十日内疏通排水沟，李四承担一半费用。", "现场交付，村调委会见证", "人民调解委员会（印）", case["number"].as_str().unwrap()] {
            assert!(text.contains(want), "{want} in the agreement:\n{text}");
        }
        let recorded = s.store.actions_of(&format!("mediation_case:{id}")).await.unwrap();
        assert!(recorded.iter().any(|a| a.action == "mediation.document" && a.opinion.as_deref().unwrap_or("").contains(doc["sha256"].as_str().unwrap())));
        let (_, detail) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&operator)).await;
        assert_eq!(detail["documents"][0]["kind"], "agreement");
        let (_, seen) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&worker)).await;
        assert_eq!(seen["documents"], json!([]), "the opener who is not the case's mediator does not see them");
        // Judicial confirmation: both parties together, then the court's ruling.
        let (status, body) = step(&s, &operator, id, json!({"step": "apply_confirmation", "joint": false})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let court = s.token("dept-D02").await;
        let (status, _) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&court)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the court sees a case once it is referred");
        let (status, body) = step(&s, &operator, id, json!({"step": "apply_confirmation", "joint": true})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, detail) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&court)).await;
        assert_eq!(detail["allowed_steps"], json!(["record_confirmation"]), "{detail}");
        let (status, body) = step(&s, &court, id, json!({"step": "record_confirmation", "confirmed": true, "ruling": "调解协议有效，予以确认"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["case"]["confirmation"]["state"], "confirmed");
        // Performance and the follow-up visit close it.
        let (status, body) = step(&s, &operator, id, json!({"step": "record_performance", "performed": true})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["case"]["status"], "performed");
        let (status, body) = step(&s, &worker, id, json!({"step": "follow_up", "note": "电话回访，双方满意"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = step(&s, &operator, id, json!({"step": "follow_up", "note": "电话回访，双方满意"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let case = &body["case"];
        assert_eq!(case["status"], "closed");
        assert_eq!(case["allowed_steps"], json!([]));
        let steps: Vec<&str> = case["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(
            steps,
            ["register", "consent", "consent", "assign", "session", "session", "agree", "apply_confirmation", "record_confirmation", "record_performance", "follow_up"]
        );
        assert_eq!(case["steps"][4]["detail"]["minutes"], "第1次调解，双方陈述意见。");
        // Every step is in the hash-chained record.
        let actions = s.store.actions_of(&format!("mediation_case:{id}")).await.unwrap();
        let stepped = actions.iter().filter(|a| !a.action.starts_with("mediation.document")).count();
        assert_eq!(stepped, steps.len());
        assert_eq!(actions.len(), steps.len() + 2, "the document's making and its reading");
        assert!(!actions.iter().any(|a| format!("{a:?}").contains(&plain)));
        // Nothing the database holds shows the plain number (the document is sealed too).
        let rows: Vec<String> = sqlx::query_scalar("SELECT sealed FROM mediation_documents")
            .fetch_all(s.store.pool())
            .await
            .unwrap();
        assert!(rows.iter().all(|r| !r.contains(&plain)));
        // A later dispute of the same party is flagged as a repeat and listed for the centre.
        let (status, again) = post_json(
            &s,
            "/api/v1/mediation/cases",
            &operator,
            json!({"committee_id": committee, "origin": "application", "region_code": village, "category": "0110",
                   "title": "借款纠纷", "facts": "借款到期未还。",
                   "parties": [{"name": "张三", "id_number": plain}, {"name": "王五", "kind": "person"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(again["repeat_of"], id);
        let (_, repeats) = s.get("/api/v1/mediation/cases?repeats=true", Some(&operator)).await;
        assert_eq!(repeats["total"], 1, "{repeats}");
        // Found by a party's name or part of it, the title, or any part of the number's digits.
        let number = case["number"].as_str().unwrap().to_string();
        let serial: String = number.chars().filter(char::is_ascii_digit).skip(4).collect();
        for (q, want) in [("张三", 2), ("李四", 1), ("王", 1), ("排水", 1), ("借款纠纷", 1), (serial.as_str(), 1), ("〔", 2), ("赵六", 0), ("排水 借款", 0)] {
            let (status, found) = s
                .get(&format!("/api/v1/mediation/cases?q={q}"), Some(&operator))
                .await;
            assert_eq!(status, StatusCode::OK, "{found}");
            assert_eq!(found["total"], want, "{q}: {found}");
        }
        // The event's own timeline says where it went and how it ended.
        let (_, ev) = s.get(&format!("/api/v1/events/{event_id}"), Some(&operator)).await;
        let said: Vec<&str> = ev["timeline"].as_array().unwrap().iter().map(|x| x["action"].as_str().unwrap()).collect();
        assert!(said.contains(&"mediation_opened") && said.contains(&"mediation_outcome"), "{said:?}");
        let (_, first) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&operator)).await;
        assert_eq!(first["repeats"], 1);
        s
    })
    .await;
}

#[tokio::test]
async fn a_refusal_stops_a_case_an_overdue_one_warns_and_a_violent_one_raises_an_event() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let operator = s.token(&format!("village-{village}")).await;
        let committee = village_committee(&s, &operator, &village).await;
        let open = |title: &'static str| {
            json!({"committee_id": committee, "origin": "application", "region_code": grid_code, "category": "0101",
                   "title": title, "facts": "夫妻争吵。", "parties": [{"name": "赵六"}, {"name": "钱七"}]})
        };
        let (_, refused) = post_json(&s, "/api/v1/mediation/cases", &operator, open("家庭纠纷")).await;
        let id = refused["id"].as_i64().unwrap();
        let (status, body) = step(&s, &operator, id, json!({"step": "consent", "party": 1, "given": false})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["case"]["status"], "refused");
        assert_eq!(body["case"]["parties"][1]["consent"], "refused");
        let (status, body) = post_json(&s, &format!("/api/v1/mediation/cases/{id}/documents"), &operator, json!({"kind": "agreement"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = step(&s, &operator, id, json!({"step": "consent", "party": 0, "given": true})).await;
        assert_error(status, &body, 409, "invalid_transition");
        assert!(body["message_zh"].as_str().unwrap().contains("当事人拒绝调解"), "{body}");
        // Referred to the police as it may turn violent: without an event it needs a place,
        // then it raises an event to the command centre.
        let refer = json!({"step": "refer_out", "to": "police", "reason": "一方扬言报复", "may_turn_violent": true});
        let (status, body) = step(&s, &operator, id, refer.clone()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "location");
        let p = deep_point(&grid_code);
        let mut with_place = refer.clone();
        with_place["location"] = json!({"lon": p.x, "lat": p.y});
        let (status, body) = step(&s, &operator, id, with_place).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["case"]["status"], "referred_out");
        let event = body["raised_event"].as_i64().unwrap();
        let district = s.token("district").await;
        let (_, e) = s.get(&format!("/api/v1/events/{event}"), Some(&district)).await;
        assert_eq!(e["channel"], "department", "{e}");
        assert!(e["description"].as_str().unwrap().contains("可能激化"), "{e}");
        // The police sees what was referred to it; another department does not.
        let police = s.token("dept-D01").await;
        let (status, _) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&police)).await;
        assert_eq!(status, StatusCode::OK);
        let other = s.token("dept-D09").await;
        let (status, _) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, listed) = s.get("/api/v1/mediation/cases", Some(&other)).await;
        assert_eq!(listed["total"], 0);
        // The justice bureau sees every case; another village's station none of these.
        let justice = s.token("dept-D04").await;
        let (_, all) = s.get("/api/v1/mediation/cases", Some(&justice)).await;
        assert_eq!(all["total"], 1);
        let elsewhere = s.token(&format!("village-{}", plan().villages[5].code)).await;
        let (status, _) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&elsewhere)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // An overdue case warns red and is listed as overdue.
        let (_, running) = post_json(&s, "/api/v1/mediation/cases", &operator, open("赡养纠纷")).await;
        let late = running["id"].as_i64().unwrap();
        for party in [0, 1] {
            step(&s, &operator, late, json!({"step": "consent", "party": party, "given": true})).await;
        }
        sqlx::query("UPDATE mediation_cases SET due = $1, step_started = $2 WHERE id = $3")
            .bind(zhili::now_ms() - 3_600_000)
            .bind(zhili::now_ms() - 40 * 86_400_000)
            .bind(late)
            .execute(s.store.pool())
            .await
            .unwrap();
        let (_, overdue) = s.get("/api/v1/mediation/cases?overdue=true", Some(&operator)).await;
        assert_eq!(overdue["total"], 1, "{overdue}");
        assert_eq!(overdue["items"][0]["warning"], "red");
        // A stale version is a conflict; leaders look and never act.
        let (status, body) = step(&s, &operator, late, json!({"step": "extend", "days": 10, "all_parties_agree": true, "version": 1})).await;
        assert_error(status, &body, 409, "conflict");
        let leader = s.token("leader").await;
        let (status, body) = step(&s, &leader, late, json!({"step": "extend", "days": 10, "all_parties_agree": true})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = step(&s, &operator, late, json!({"step": "extend", "days": 10, "all_parties_agree": false})).await;
        assert_error(status, &body, 409, "invalid_transition");
        s
    })
    .await;
}

#[tokio::test]
async fn bad_cases_are_refused_field_by_field_and_nothing_is_written() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let operator = s.token(&format!("village-{village}")).await;
        let committee = village_committee(&s, &operator, &village).await;
        let base = json!({"committee_id": committee, "origin": "application", "region_code": grid_code, "category": "0102",
                          "title": "纠纷", "facts": "事实。", "parties": [{"name": "甲"}, {"name": "乙"}]});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("parties", json!([{"name": "甲"}]))).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(
            &s,
            "/api/v1/mediation/cases",
            &operator,
            with("parties", json!([{"name": "甲", "id_number": "500114198005170000"}, {"name": "", "phone": "12"}])),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields: Vec<&str> = body["details"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["parties[0].id_number", "parties[1].name", "parties[1].phone"], "{body}");
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("category", json!("0201"))).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(body.to_string().contains("矛盾纠纷"), "{body}");
        // Another village's committee and another area are not the caller's.
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("committee_id", json!(committee + 1))).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("region_code", json!(plan().villages[5].code.to_string()))).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("mediator_ids", json!([999_999]))).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &operator, with("origin", json!("rumour"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let admin = s.token("admin").await;
        let (status, body) = post_json(&s, "/api/v1/mediation/cases", &admin, base.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (_, none) = s.get("/api/v1/mediation/cases", Some(&operator)).await;
        assert_eq!(none["total"], 0, "nothing was written");
        // A step that is not one, or names what the case does not have.
        let (_, case) = post_json(&s, "/api/v1/mediation/cases", &operator, base.clone()).await;
        let id = case["id"].as_i64().unwrap();
        let (status, body) = step(&s, &operator, id, json!({"step": "dance"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = step(&s, &operator, id, json!({"step": "consent", "party": 7, "given": true})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = step(&s, &operator, id, json!({"step": "agree", "form": "written", "issues": "x", "terms": "y", "manner": "z", "perform_by": "2026-02-30"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = step(&s, &operator, id, json!({"step": "session", "attendees": ["甲", "乙"], "minutes": "记录"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, _) = step(&s, &operator, 999_999, json!({"step": "consent", "party": 0, "given": true})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        s
    })
    .await;
}

#[tokio::test]
async fn a_mediator_records_an_on_the_spot_mediation_in_one_request() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let worker = s.token(&format!("grid-{grid_code}")).await;
        let committee = village_committee(&s, &worker, &village).await;
        let body = json!({"committee_id": committee, "region_code": grid_code, "category": "0102", "title": "占道堆放杂物争执",
                          "facts": "两户因楼道堆放杂物争执，网格员当场调解。", "parties": [{"name": "孙一"}, {"name": "周二"}],
                          "agreed": true, "terms": "孙一当日清理杂物，双方互相谅解。"});
        let (status, case) = post_json(&s, "/api/v1/mediation/on-the-spot", &worker, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(case["status"], "agreed");
        assert_eq!(case["agreement"]["form"], "oral");
        let steps: Vec<&str> = case["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(steps, ["register", "consent", "consent", "session", "agree"]);
        assert!(case["steps"][0]["actor_name"].is_string(), "names, not accounts: {case}");
        // One who is not the committee's mediator cannot; a failed one is terminated.
        let other = plan()
            .grids
            .iter()
            .filter(|g| g.code.parent().map(|v| v.to_string()) == Some(village.clone()))
            .nth(1)
            .unwrap()
            .code
            .to_string();
        let stranger = s.token(&format!("grid-{other}")).await;
        let mut there = body.clone();
        there["region_code"] = json!(other);
        let (status, refused) = post_json(&s, "/api/v1/mediation/on-the-spot", &stranger, there).await;
        assert_error(status, &refused, 403, "forbidden");
        let mut failed = body.clone();
        failed["agreed"] = json!(false);
        failed["reason"] = json!("双方各执一词");
        let (status, case) = post_json(&s, "/api/v1/mediation/on-the-spot", &worker, failed).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(case["status"], "terminated");
        // Nothing half-written when the outcome is not whole.
        let mut half = body.clone();
        half["terms"] = json!(null);
        let (status, _) = post_json(&s, "/api/v1/mediation/on-the-spot", &worker, half).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, all) = s.get("/api/v1/mediation/cases", Some(&worker)).await;
        assert_eq!(all["total"], 2);
        s
    })
    .await;
}

#[tokio::test]
async fn a_rooms_record_makes_its_star_review_and_a_reviewer_adjusts_it_with_a_reason() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let worker = s.token(&format!("grid-{grid_code}")).await;
        let operator = s.token(&format!("village-{village}")).await;
        let district = s.token("district").await;
        let committee = village_committee(&s, &worker, &village).await;
        let year = zhili_domain::time::civil_from_days(zhili_domain::calendar::china_day(zhili::now_ms())).0;
        let room_of = |review: &Value| {
            review["rooms"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["region_code"] == village)
                .cloned()
                .unwrap()
        };
        let (status, before) = s.get(&format!("/api/v1/mediation/star-review/{year}"), Some(&district)).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(room_of(&before)["cases"], 0);
        // A case settled on the spot, performed and followed up, in the village's room.
        let (_, case) = post_json(
            &s,
            "/api/v1/mediation/on-the-spot",
            &worker,
            json!({"committee_id": committee, "region_code": grid_code, "category": "0102", "title": "争执", "facts": "邻里争执。",
                   "parties": [{"name": "甲"}, {"name": "乙"}], "agreed": true, "terms": "互相谅解。"}),
        )
        .await;
        let id = case["id"].as_i64().unwrap();
        step(&s, &operator, id, json!({"step": "record_performance", "performed": true})).await;
        let (status, body) = step(&s, &operator, id, json!({"step": "follow_up", "note": "已回访"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, after) = s.get(&format!("/api/v1/mediation/star-review/{year}"), Some(&district)).await;
        let room = room_of(&after);
        assert_eq!(room["cases"], 1, "{room}");
        assert_eq!(room["success_rate"], 1.0);
        assert_eq!(room["follow_up_rate"], 1.0);
        assert_eq!(room["computed_stars"], 0, "one case is too few to rate");
        // The reviewer rates it anyway, saying why; an adjustment without a reason is refused.
        let room_id = room["room_id"].as_i64().unwrap();
        let (status, body) = post_json(&s, &format!("/api/v1/mediation/star-review/{year}"), &district,
            json!({"adjustments": [{"room_id": room_id, "stars": 3, "reason": " "}]})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, decided) = post_json(&s, &format!("/api/v1/mediation/star-review/{year}"), &district,
            json!({"adjustments": [{"room_id": room_id, "stars": 3, "reason": "新建调解室，规范化建设达标"}]})).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        let room = room_of(&decided);
        assert_eq!(room["decided_stars"], 3);
        assert_eq!(room["adjustment_reason"], "新建调解室，规范化建设达标");
        let (_, rooms) = s.get(&format!("/api/v1/mediation/rooms?committee_id={committee}"), Some(&operator)).await;
        assert_eq!(rooms[0]["stars"], 3, "{rooms}");
        assert!(rooms[0]["history"].as_array().unwrap().iter().any(|h| h["year"] == year && h["stars"] == 3));
        let (_, board) = s.get("/api/v1/mediation/board", Some(&district)).await;
        assert!(board["by_stars"][3]["rooms"].as_i64().unwrap() >= 1, "{board}");
        let recorded = s.store.actions_of(&format!("mediation_room:{room_id}")).await.unwrap();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].action, "mediation.stars.adjust");
        // Only the district centre and the justice bureau review; criteria are checked data.
        let (status, _) = s.get(&format!("/api/v1/mediation/star-review/{year}"), Some(&operator)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, criteria) = s.get("/api/v1/mediation/star-criteria", Some(&district)).await;
        assert_eq!(criteria["version"], 0);
        let mut edited = json!({"indicators": criteria["indicators"].as_array().unwrap().iter()
                .map(|i| json!({"key": i["key"], "weight": i["weight"], "target": i["target"], "lower_is_better": i["lower_is_better"]})).collect::<Vec<_>>(),
            "thresholds": criteria["thresholds"], "min_cases": 1});
        let (status, body) = s.post_put("/api/v1/mediation/star-criteria", Some(&district), edited.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["version"], 1);
        let (_, rescored) = s.get(&format!("/api/v1/mediation/star-review/{year}"), Some(&district)).await;
        // One case now counts: every rate at its target, one case of the twenty volume asks for.
        let room = room_of(&rescored);
        assert_eq!((room["score"].as_f64(), room["computed_stars"].as_i64()), (Some(81.0), Some(4)), "{room}");
        edited["indicators"][0]["weight"] = json!(99);
        let (status, body) = s.post_put("/api/v1/mediation/star-criteria", Some(&district), edited.to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        s
    })
    .await;
}

#[tokio::test]
async fn statistics_count_the_areas_cases_and_export_the_official_sheet() {
    on_every_backend(|s| async move {
        let now = zhili::now_ms();
        // The demo's committees and a year of cases from the events of a small history.
        let reference =
            zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
        let (items, _) = zhili::demo::history::generate(
            plan(),
            &reference,
            &s.state.key,
            &zhili::demo::history::HistoryParams {
                events: 2000,
                days: 90,
                now,
                seed: 9,
            },
            &mut |_, _| {},
        );
        s.store.load_history(&items).await.unwrap();
        demo::mediation::write(&s.store, plan(), &s.state.key, 9, now)
            .await
            .unwrap();
        let district = s.token("district").await;
        let from = &zhili_domain::time::rfc3339(now - 120 * 86_400_000)[..10];
        let (status, by_kind) = s
            .get(
                &format!("/api/v1/mediation/stats?group=category&from={from}"),
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{by_kind}");
        let total = by_kind["total"]["cases"].as_i64().unwrap();
        assert!(total > 20, "{by_kind}");
        let summed: i64 = by_kind["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["cases"].as_i64().unwrap())
            .sum();
        assert_eq!(summed, total, "each case has one kind");
        assert!(by_kind["rows"].as_array().unwrap().iter().all(|r| r["name"]
            .as_str()
            .unwrap()
            .ends_with("纠纷")
            || r["name"].as_str().unwrap().contains("欠薪")));
        let (_, listed) = s
            .get("/api/v1/mediation/cases?page_size=1", Some(&district))
            .await;
        assert_eq!(
            listed["total"].as_i64().unwrap(),
            total,
            "every case of the period is counted"
        );
        // A town sees its own; the rows of a town grouping are its villages' sum.
        let town = s.token("town-500114001").await;
        let (_, mine) = s
            .get(
                &format!("/api/v1/mediation/stats?group=village&from={from}"),
                Some(&town),
            )
            .await;
        let (_, towns) = s
            .get(
                &format!("/api/v1/mediation/stats?group=town&from={from}"),
                Some(&district),
            )
            .await;
        let that = towns["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "500114001")
            .map_or(0, |r| r["cases"].as_i64().unwrap());
        assert_eq!(mine["total"]["cases"].as_i64().unwrap(), that);
        // The sheet offices file.
        let resp = s
            .http
            .get(format!(
                "{}/api/v1/mediation/stats/export?group=town&from={from}",
                s.base
            ))
            .bearer_auth(&district)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = resp.bytes().await.unwrap();
        let part = |name: &str| {
            use std::io::Read;
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
            let mut text = String::new();
            zip.by_name(name)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        let strings = part("xl/sharedStrings.xml");
        for want in [
            "矛盾纠纷排查化解情况统计表",
            "统计时段",
            "镇街",
            "调解成功率",
            "司法确认率",
            "合计",
        ] {
            assert!(strings.contains(want), "{want} in the sheet");
        }
        assert!(
            part("xl/worksheets/sheet1.xml").contains(&format!("<v>{total}</v>")),
            "the total row counts {total}"
        );
        // Bad periods are refused.
        let (status, body) = s
            .get(
                "/api/v1/mediation/stats?from=2026-03-01&to=2026-02-01",
                Some(&district),
            )
            .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, _) = s
            .get("/api/v1/mediation/stats?group=planet", Some(&district))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        s
    })
    .await;
}

#[tokio::test]
async fn committees_and_mediators_are_imported_from_sheets_row_by_row() {
    on_every_backend(|s| async move {
        let village = plan().villages[3].code.to_string();
        let operator = s.token(&format!("village-{village}")).await;
        let upload = |sheet: &'static str, query: &'static str, text: String| {
            let s = &s;
            let operator = operator.clone();
            async move {
                s.post(
                    &format!("/api/v1/import/{sheet}{query}"),
                    Some(&operator),
                    Some("application/octet-stream"),
                    text.into_bytes(),
                )
                .await
            }
        };
        let committees = format!(
            "委员会名称,类型,行业,服务区域编码,运行单位,调解室名称,调解室星级\n\
             测试村人民调解委员会,村（居）人民调解委员会,,{village},,测试村调解室,4\n\
             坏委员会,不存在,,500114999,,,9\n"
        );
        let (status, report) = upload("committees", "?partial=true", committees.clone()).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["written"], 1, "{report}");
        let bad: Vec<&str> = report["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
        assert_eq!(bad, ["kind", "region_code", "stars"], "{report}");
        // Again: registered already.
        let (_, again) = upload("committees", "?dry_run=true", committees).await;
        assert_eq!(again["problems"][0]["code"], "conflict", "{again}");
        let mediators = "调解委员会,姓名,等级,专长,是否专职,登录账号,联系电话\n\
                         测试村人民调解委员会,王五,二级调解员,邻里纠纷、婚姻家庭纠纷,否,,13800138000\n\
                         没有的委员会,赵六,,,,,\n"
            .to_string();
        let (status, report) = upload("mediators", "", mediators.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "all or nothing: {report}");
        let (_, report) = upload("mediators", "?partial=true", mediators).await;
        assert_eq!(report["written"], 1, "{report}");
        assert_eq!(report["problems"][0]["field"], "committee");
        let (_, list) = s.get("/api/v1/mediation/committees", Some(&operator)).await;
        let mine = list.as_array().unwrap().iter().find(|c| c["name"] == "测试村人民调解委员会").unwrap().clone();
        assert_eq!(mine["mediators"], 1);
        let (_, rooms) = s.get(&format!("/api/v1/mediation/rooms?committee_id={}", mine["id"]), Some(&operator)).await;
        assert_eq!(rooms[0]["stars"], 4);
        let (_, people) = s.get(&format!("/api/v1/mediation/mediators?committee_id={}", mine["id"]), Some(&operator)).await;
        assert_eq!(people[0]["name"], "王五");
        assert_eq!(people[0]["phone"], "138****8000");
        assert_eq!(people[0]["specialities"], json!(["邻里纠纷", "婚姻家庭纠纷"]));
        // A grid worker does not register them; the templates say the columns.
        let grid = s.token("grid-500114001001001").await;
        let (status, _) = s
            .post("/api/v1/import/committees", Some(&grid), Some("application/octet-stream"), b"x".to_vec())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = s.get("/api/v1/import/mediators/template?format=csv", Some(&operator)).await;
        assert_eq!(status, StatusCode::OK);
        s
    })
    .await;
}

#[tokio::test]
async fn the_district_sets_the_time_limits_and_new_cases_take_them() {
    on_every_backend(|s| async move {
        committees(&s).await;
        let (village, grid_code) = village_and_grid();
        let operator = s.token(&format!("village-{village}")).await;
        let district = s.token("district").await;
        let (_, shipped) = s.get("/api/v1/mediation/limits", Some(&operator)).await;
        assert_eq!(
            shipped,
            json!({"version": 0, "settle_days": 30, "follow_up_days": 10, "max_extensions": 2, "confirm_window_days": 30})
        );
        let set = json!({"settle_days": 20, "follow_up_days": 5, "max_extensions": 1});
        let (status, _) = s.post_put("/api/v1/mediation/limits", Some(&operator), set.to_string()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, bad) = s
            .post_put("/api/v1/mediation/limits", Some(&district), json!({"settle_days": 0, "follow_up_days": 5, "max_extensions": 1}).to_string())
            .await;
        assert_error(status, &bad, 422, "invalid_parameter");
        let (status, now_set) = s.post_put("/api/v1/mediation/limits", Some(&district), set.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{now_set}");
        assert_eq!(now_set["version"], 1);
        let committee = village_committee(&s, &operator, &village).await;
        let (_, case) = post_json(
            &s,
            "/api/v1/mediation/cases",
            &operator,
            json!({"committee_id": committee, "origin": "application", "region_code": grid_code, "category": "0102",
                   "title": "纠纷", "facts": "事实。", "parties": [{"name": "甲"}, {"name": "乙"}]}),
        )
        .await;
        let id = case["id"].as_i64().unwrap();
        for party in [0, 1] {
            step(&s, &operator, id, json!({"step": "consent", "party": party, "given": true})).await;
        }
        let (_, c) = s.get(&format!("/api/v1/mediation/cases/{id}"), Some(&operator)).await;
        let due = zhili_domain::time::parse_rfc3339(c["due"].as_str().unwrap()).unwrap();
        let days = (due - zhili::now_ms()) as f64 / 86_400_000.0;
        assert!((19.9..=20.0).contains(&days), "settles in the 20 days set: {days}");
        let recorded = s.store.actions_of("mediation_limits:1").await.unwrap();
        assert_eq!(recorded[0].action, "mediation.limits");
        s
    })
    .await;
}
