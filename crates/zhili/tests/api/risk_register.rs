use super::*;

/// Five disputes in a village today, evaluated: the spike alert's id.
async fn spike(s: &Server, village: &str, commander: &str) -> i64 {
    let grid = "500114001001001";
    let p = deep_point(grid);
    for n in 0..5 {
        let (status, e) = post_json(s, "/api/v1/events", village,
            json!({"channel": "grid_patrol", "category": "0102", "description": format!("邻里争吵第{n}起"),
                   "location": {"lon": p.x, "lat": p.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
    }
    let (status, done) = s
        .post(
            "/api/v1/risk/evaluate",
            Some(commander),
            None,
            String::new(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, page) = s
        .get(
            "/api/v1/risk/alerts?indicator=DISPUTE_SPIKE",
            Some(commander),
        )
        .await;
    page["items"][0]["id"].as_i64().expect("a spike alert")
}

fn in_days(n: i64) -> String {
    zhili_domain::calendar::date_string(zhili_domain::calendar::china_day(zhili::now_ms()) + n)
}

#[tokio::test]
async fn an_alert_becomes_a_register_entry_owned_by_a_department_and_an_event() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let other = s.token("village-500114001002").await;
        let commander = s.token("district").await;
        let justice = s.token("dept-D04").await;
        let police = s.token("dept-D01").await;
        // The alert arrives live where its village is seen, and nowhere else.
        let stream = |token: String| {
            let s = &s;
            async move { s.http.get(format!("{}/api/v1/events/stream", s.base)).bearer_auth(token).send().await.unwrap() }
        };
        let mut town = stream(s.token("town-500114001").await).await;
        let mut other_town = stream(s.token("town-500114002").await).await;
        let id = spike(&s, &village, &commander).await;
        let wait = std::time::Duration::from_secs(5);
        let got = super::live::read_until(&mut town, "event: alert", wait).await.expect("the town hears of the alert live");
        assert!(got.contains("\"indicator_code\":\"DISPUTE_SPIKE\"") && got.contains(&format!("\"id\":{id}")), "{got}");
        assert!(super::live::read_until(&mut other_town, "event: alert", std::time::Duration::from_millis(500)).await.is_none());
        // A second server on the same database, as behind a load balancer (PostgreSQL): the alert
        // an evaluation there raises streams on this server too.
        if s.store.listen("probe").await.unwrap().is_some() {
            let second = AppState::new(s.store.clone(), LoginPolicy::default(), zhili::crypto::DataKey::generate()).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base2 = format!("http://{}", listener.local_addr().unwrap());
            let task2 = tokio::spawn(async move { zhili::http::serve(second, listener).await.unwrap() });
            let mut district_here = stream(commander.clone()).await;
            let p2 = deep_point("500114002001001");
            let village2 = s.token("village-500114002001").await;
            for n in 0..5 {
                let body = json!({"channel": "grid_patrol", "category": "0102", "description": format!("宅基地纠纷第{n}起"),
                    "location": {"lon": p2.x, "lat": p2.y}}).to_string();
                let r = s.http.post(format!("{base2}/api/v1/events")).bearer_auth(&village2)
                    .header("content-type", "application/json").body(body).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
            }
            let r = s.http.post(format!("{base2}/api/v1/risk/evaluate")).bearer_auth(&commander).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let got = super::live::read_until(&mut district_here, "\"area_code\":\"500114002001\"", wait).await;
            assert!(got.is_some_and(|g| g.contains("event: alert")), "an alert raised on another server streams here");
            task2.abort();
        }
        // What the alert counted: the five reports, as links.
        let (status, counted) = s.get(&format!("/api/v1/risk/alerts/{id}/events"), Some(&village)).await;
        assert_eq!(status, StatusCode::OK, "{counted}");
        assert_eq!(counted["total"], 5, "{counted}");
        assert_eq!(counted["items"].as_array().unwrap().len(), 5);
        let (status, _) = s.get(&format!("/api/v1/risk/alerts/{id}/events"), Some(&other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Registered from the alert in one step, owned by the justice bureau.
        let entry = |title: &str, review: String| json!({
            "area_code": "500114001001", "title": title, "description": "同一村五起邻里纠纷",
            "level": "orange", "owner_unit": "D04", "measures": "司法所牵头逐户调解",
            "review_on": review, "alert_id": id, "alert_version": 1});
        let (status, body) = post_json(&s, "/api/v1/risk/register", &commander, entry(" ", in_days(7))).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "title");
        let (status, body) = post_json(&s, "/api/v1/risk/register", &commander, entry("邻里纠纷聚集", in_days(-1))).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "review_on");
        let mut foreign = entry("邻里纠纷聚集", in_days(7));
        foreign["area_code"] = json!("500114001001");
        let (status, body) = post_json(&s, "/api/v1/risk/register", &other, foreign).await;
        assert_error(status, &body, 404, "not_found");
        let mut unknown = entry("邻里纠纷聚集", in_days(7));
        unknown["links"] = json!([{"kind": "event", "id": 999999}]);
        let (status, body) = post_json(&s, "/api/v1/risk/register", &commander, unknown).await;
        assert_error(status, &body, 404, "not_found");
        assert_eq!(body["details"]["field"], "links[1].id", "{body}");
        let (status, risk) = post_json(&s, "/api/v1/risk/register", &commander, entry("邻里纠纷聚集", in_days(7))).await;
        assert_eq!(status, StatusCode::CREATED, "{risk}");
        assert_eq!(risk["owner_unit_name"], "黔江区司法局");
        assert_eq!(risk["status_name"], "待管控");
        assert_eq!(risk["links"], json!([{"kind": "alert", "id": id}]));
        let rid = risk["id"].as_i64().unwrap();
        // The alert says so, and is not registered twice.
        let (_, a) = s.get(&format!("/api/v1/risk/alerts/{id}"), Some(&village)).await;
        assert_eq!(a["risk_id"], rid, "{a}");
        assert_eq!(a["state"], "acknowledged");
        let (status, body) = post_json(&s, "/api/v1/risk/register", &commander, entry("再登记", in_days(7))).await;
        assert_error(status, &body, 409, "conflict");
        // The owner department sees and works it; another does not see it.
        let (_, mine) = s.get("/api/v1/risk/register", Some(&justice)).await;
        assert_eq!(mine["total"], 1, "{mine}");
        let (_, theirs) = s.get("/api/v1/risk/register", Some(&police)).await;
        assert_eq!(theirs["total"], 0, "{theirs}");
        // Its sector's other department (矛盾纠纷化解: D04 with D02) reads it for the sector's
        // assessment, but the owner works it.
        let peer = s.token("dept-D02").await;
        let (_, sector) = s.get("/api/v1/risk/register", Some(&peer)).await;
        assert_eq!(sector["total"], 1, "{sector}");
        let (status, _) = s.get(&format!("/api/v1/risk/register/{rid}"), Some(&peer)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = post_json(&s, &format!("/api/v1/risk/register/{rid}/actions"), &peer, json!({"action": "control"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (_, town) = s.get("/api/v1/risk/register", Some(&s.token("town-500114001").await)).await;
        assert_eq!(town["total"], 1);
        let (_, next) = s.get("/api/v1/risk/register", Some(&other)).await;
        assert_eq!(next["total"], 0);
        let step = |token: String, body: Value| {
            let s = &s;
            async move { post_json(s, &format!("/api/v1/risk/register/{rid}/actions"), &token, body).await }
        };
        let (status, body) = step(police.clone(), json!({"action": "control"})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = step(justice.clone(), json!({"action": "control", "version": 1})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "controlled");
        let (status, body) = step(justice.clone(), json!({"action": "close", "note": " ", "version": 2})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "note");
        let (status, body) = step(justice.clone(), json!({"action": "close", "note": "五起纠纷均调解成功", "version": 2})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status_name"], "已销号");
        let (status, body) = step(justice.clone(), json!({"action": "close", "note": "再销号"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let recorded = s.store.actions_of(&format!("risk:{rid}")).await.unwrap();
        let said: Vec<&str> = recorded.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(said, ["risk.register", "risk.control", "risk.close"]);
        // The alert turned into an event in one step, at its village, owned by the caller.
        let (status, body) = post_json(&s, &format!("/api/v1/risk/alerts/{id}/event"), &village,
            json!({"category": "9999", "description": "邻里纠纷聚集，请村调委会介入"})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, made) = post_json(&s, &format!("/api/v1/risk/alerts/{id}/event"), &village,
            json!({"category": "0102", "description": "邻里纠纷聚集，请村调委会介入"})).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let eid = made["event_id"].as_i64().unwrap();
        assert_eq!(made["alert"]["event_id"], eid);
        let (_, e) = s.get(&format!("/api/v1/events/{eid}"), Some(&village)).await;
        assert_eq!(e["channel"], "assessment", "{e}");
        assert!(e["grid_code"].as_str().unwrap().starts_with("500114001001"), "{e}");
        let (status, body) = post_json(&s, &format!("/api/v1/risk/alerts/{id}/event"), &village,
            json!({"category": "0102", "description": "再转一次"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        // Nobody reports through the meetings' own channel.
        let p = deep_point("500114001001001");
        let (status, body) = post_json(&s, "/api/v1/events", &village,
            json!({"channel": "assessment", "category": "0102", "description": "冒充交办", "location": {"lon": p.x, "lat": p.y}})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        s
    })
    .await;
}

#[tokio::test]
async fn a_district_meeting_dispatches_its_decisions_and_the_week_drafts_its_report() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let commander = s.token("district").await;
        let town = s.token("town-500114001").await;
        let justice = s.token("dept-D04").await;
        let police = s.token("dept-D01").await;
        let _ = spike(&s, &village, &commander).await;
        let at = zhili_domain::time::rfc3339(zhili::now_ms() + 3_600_000);
        let meeting = |kind: &str| json!({"kind": kind, "title": "第48周综合研判会", "scheduled_at": at});
        let (status, body) = post_json(&s, "/api/v1/risk/meetings", &town, meeting("district")).await;
        assert_error(status, &body, 403, "forbidden");
        let mut sector = meeting("sector");
        sector["sector"] = json!("S99");
        let (status, body) = post_json(&s, "/api/v1/risk/meetings", &commander, sector).await;
        assert_error(status, &body, 404, "not_found");
        let (status, m) = post_json(&s, "/api/v1/risk/meetings", &commander, meeting("district")).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["kind_name"], "区级综合研判");
        assert_eq!(m["status"], "scheduled");
        let mid = m["id"].as_i64().unwrap();
        let mut s02 = meeting("sector");
        s02["sector"] = json!("S02");
        let (status, sm) = post_json(&s, "/api/v1/risk/meetings", &commander, s02).await;
        assert_eq!(status, StatusCode::CREATED, "{sm}");
        assert_eq!(sm["sector_name"], "矛盾纠纷化解");
        // A department reads the district's meetings and its own sector's.
        let (_, seen) = s.get("/api/v1/risk/meetings", Some(&justice)).await;
        assert_eq!(seen.as_array().unwrap().len(), 2, "{seen}");
        let (_, seen) = s.get("/api/v1/risk/meetings", Some(&police)).await;
        assert_eq!(seen.as_array().unwrap().len(), 1, "{seen}");
        let (_, seen) = s.get("/api/v1/risk/meetings", Some(&town)).await;
        assert_eq!(seen.as_array().unwrap().len(), 0, "{seen}");
        // The district regroups its sectors: the justice bureau leaves S02 for a sector of its
        // own, and reads that sector's meetings instead.
        let (_, shipped) = s.get("/api/v1/risk/sectors", Some(&commander)).await;
        let mut grouping: Vec<Value> = shipped.as_array().unwrap().clone();
        assert_eq!(grouping.len(), 13);
        for g in grouping.iter_mut() {
            let kept: Vec<Value> = g["departments"].as_array().unwrap().iter().filter(|d| *d != "D04").cloned().collect();
            g["departments"] = json!(kept);
        }
        grouping.retain(|g| !g["departments"].as_array().unwrap().is_empty());
        grouping.push(json!({"code": "S14", "name": "法治保障", "departments": ["D04"]}));
        let admin = s.token("admin").await;
        let (status, body) = s.post_put("/api/v1/risk/sectors", Some(&commander), json!({"sectors": grouping}).to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let mut twice = grouping.clone();
        twice[0]["departments"].as_array_mut().unwrap().push(json!("D04"));
        let (status, body) = s.post_put("/api/v1/risk/sectors", Some(&admin), json!({"sectors": twice}).to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], format!("sectors[{}].departments[0]", grouping.len() - 1), "{body}");
        let (status, now) = s.post_put("/api/v1/risk/sectors", Some(&admin), json!({"sectors": grouping}).to_string()).await;
        assert_eq!(status, StatusCode::OK, "{now}");
        assert!(now.as_array().unwrap().iter().any(|g| g["code"] == "S14"), "{now}");
        let (_, seen) = s.get("/api/v1/risk/meetings", Some(&justice)).await;
        assert_eq!(seen.as_array().unwrap().len(), 1, "the district's only: {seen}");
        let mut s14 = meeting("sector");
        s14["sector"] = json!("S14");
        let (status, m14) = post_json(&s, "/api/v1/risk/meetings", &commander, s14).await;
        assert_eq!(status, StatusCode::CREATED, "{m14}");
        assert_eq!(m14["sector_name"], "法治保障");
        let (_, seen) = s.get("/api/v1/risk/meetings", Some(&justice)).await;
        assert_eq!(seen.as_array().unwrap().len(), 2, "{seen}");
        // Held: a bad decision refuses the whole record; a good one dispatches each decision.
        let record = |due: String, unit: &str| json!({"version": 1, "attendees": ["区委政法委 王某", "区司法局 李某"],
            "minutes": "本周邻里纠纷在城西街道明显上升。",
            "decisions": [{"text": "司法局牵头开展邻里纠纷专项调解", "lead_unit": unit, "category": "0102", "due_on": due}]});
        let path = format!("/api/v1/risk/meetings/{mid}/record");
        let (status, body) = post_json(&s, &path, &commander, record(in_days(-1), "D04")).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "decisions[0].due_on");
        let (status, body) = post_json(&s, &path, &commander, record(in_days(14), "D98")).await;
        assert_error(status, &body, 404, "not_found");
        assert_eq!(body["details"]["field"], "decisions[0].lead_unit");
        let (status, held) = post_json(&s, &path, &commander, record(in_days(14), "D04")).await;
        assert_eq!(status, StatusCode::OK, "{held}");
        assert_eq!(held["status"], "held");
        assert_eq!(held["attendees"].as_array().unwrap().len(), 2);
        assert!(!held["material"]["alerts"].as_array().unwrap().is_empty(), "what it looked at: {held}");
        let d = &held["decisions"][0];
        assert_eq!(d["lead_unit_name"], "黔江区司法局");
        let eid = d["event_id"].as_i64().expect("dispatched as an event");
        let (status, body) = post_json(&s, &path, &commander, record(in_days(14), "D04")).await;
        assert_error(status, &body, 409, "conflict");
        // The minutes, to sign and file: who met, what they looked at, what they decided.
        let minutes = |token: String, id: i64| {
            let s = &s;
            async move {
                let resp = s.http.get(format!("{}/api/v1/risk/meetings/{id}/minutes", s.base))
                    .bearer_auth(&token).send().await.unwrap();
                (resp.status(), resp.bytes().await.unwrap())
            }
        };
        let (status, bytes) = minutes(commander.clone(), mid).await;
        assert_eq!(status, StatusCode::OK);
        let text = super::mediation::docx_text(&bytes);
        for want in ["会议纪要", "区级综合研判", "区委政法委 王某、区司法局 李某", "研判材料", "邻里纠纷在城西街道明显上升",
                     "议定事项", "司法局牵头开展邻里纠纷专项调解", "黔江区司法局", &format!("事件 {eid}"), "主持人（签字）"] {
            assert!(text.contains(want), "{want} in the minutes:\n{text}");
        }
        assert_eq!(minutes(commander.clone(), m14["id"].as_i64().unwrap()).await.0, StatusCode::CONFLICT, "not held yet");
        assert_eq!(minutes(town.clone(), mid).await.0, StatusCode::NOT_FOUND);
        // The task waits in the justice bureau's to-do list, dispatched by the district.
        let (_, e) = s.get(&format!("/api/v1/events/{eid}"), Some(&justice)).await;
        assert_eq!(e["status"], "dispatched", "{e}");
        assert_eq!(e["lead_unit"], "D04");
        assert_eq!(e["channel"], "assessment");
        assert!(e["description"].as_str().unwrap().contains("研判交办"));
        let (_, todo) = s.get("/api/v1/events?waiting=true", Some(&justice)).await;
        assert!(todo["items"].as_array().unwrap().iter().any(|x| x["id"] == eid), "{todo}");
        // Taken up, its handling is due by the decision's day, not the category's usual limit.
        let (status, taken) = post_json(&s, &format!("/api/v1/events/{eid}/actions"), &justice,
            json!({"action": "accept", "version": e["version"]})).await;
        assert_eq!(status, StatusCode::OK, "{taken}");
        let due = taken["due_at"].as_str().expect("a handling deadline").to_string();
        let due_day = &due[..10];
        assert!(due_day <= in_days(14).as_str() && due_day >= in_days(7).as_str(), "due {due}");
        // The week's report drafts itself, each figure with its source.
        let resp = s.http.get(format!("{}/api/v1/risk/report?period=week", s.base))
            .bearer_auth(&commander).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
        let text = super::mediation::docx_text(&resp.bytes().await.unwrap());
        for want in ["风险研判周报告", "本期共受理事件 6 件", "来源：事件库", "本期发出预警", "风险预警库", "研判意见", "签发人"] {
            assert!(text.contains(want), "{want} in the report:\n{text}");
        }
        let (status, body) = s.get("/api/v1/risk/report?period=year", Some(&commander)).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = s.get("/api/v1/risk/report?period=week", Some(&s.token(&format!("grid-{}", "500114001001001")).await)).await;
        assert_error(status, &body, 403, "forbidden");
        s
    })
    .await;
}

#[tokio::test]
async fn a_major_decision_is_assessed_before_it_is_implemented() {
    on_every_backend(|s| async move {
        let town = s.token("town-500114001").await;
        let other = s.token("town-500114002").await;
        let village = s.token("village-500114001001").await;
        let decision = json!({"title": "老旧小区改造征收补偿方案", "description": "涉及 320 户的房屋征收补偿。",
            "area_code": "500114001", "decision_unit": "C500114001", "track": "normal"});
        let (status, body) = post_json(&s, "/api/v1/risk/decisions", &village, decision.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, "/api/v1/risk/decisions", &other, decision.clone()).await;
        assert_error(status, &body, 404, "not_found");
        let (status, a) = post_json(&s, "/api/v1/risk/decisions", &town, decision).await;
        assert_eq!(status, StatusCode::CREATED, "{a}");
        assert_eq!(a["status_name"], "征求意见");
        let id = a["id"].as_i64().unwrap();
        let step = |token: String, body: Value| {
            let s = &s;
            async move { post_json(s, &format!("/api/v1/risk/decisions/{id}/steps"), &token, body).await }
        };
        let (status, body) = step(town.clone(), json!({"step": "consult", "kind": "interview", "summary": "走访 40 户", "participants": 40})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = step(town.clone(), json!({"step": "rate", "risks": [
            {"title": "补偿标准争议引发群体上访", "likelihood": 4, "impact": 4, "measures": "公开补偿标准，逐户算账"},
            {"title": "施工扰民", "likelihood": 2, "impact": 2, "measures": "限定施工时段"}]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["worst"], "high");
        // Interviews alone are not enough on the normal track.
        let (status, body) = step(town.clone(), json!({"step": "conclude", "level": "high"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        // The report drafts itself as it goes: unsigned, it is a draft for comment.
        let report = |token: String| {
            let s = &s;
            async move {
                let resp = s.http.get(format!("{}/api/v1/risk/decisions/{id}/report", s.base))
                    .bearer_auth(&token).send().await.unwrap();
                let status = resp.status();
                (status, resp.bytes().await.unwrap())
            }
        };
        let (status, bytes) = report(town.clone()).await;
        assert_eq!(status, StatusCode::OK);
        let text = super::mediation::docx_text(&bytes);
        for want in ["社会稳定风险评估报告（征求意见稿）", "走访约谈", "补偿标准争议引发群体上访", "高风险", "评估结论尚未签署"] {
            assert!(text.contains(want), "{want} in:\n{text}");
        }
        assert_eq!(report(other.clone()).await.0, StatusCode::NOT_FOUND);
        let (status, body) = step(town.clone(), json!({"step": "consult", "kind": "hearing", "summary": "听证会一次", "participants": 0})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "participants");
        let (status, body) = step(town.clone(), json!({"step": "consult", "kind": "hearing", "summary": "听证会一次", "participants": 25})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["heard_enough"].as_bool().unwrap());
        let (status, body) = step(town.clone(), json!({"step": "conclude", "level": "low"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "reason");
        let (status, body) = step(town.clone(), json!({"step": "conclude", "level": "high", "version": 4})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!((body["level_name"].as_str(), body["signed_by"].as_str()), (Some("高风险"), Some("town-500114001")));
        let (status, body) = step(town.clone(), json!({"step": "decide", "verdict": "implement"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let (status, body) = step(town.clone(), json!({"step": "decide", "verdict": "postpone"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = step(town.clone(), json!({"step": "implement"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let text = super::mediation::docx_text(&report(town.clone()).await.1);
        for want in ["老旧小区改造征收补偿方案社会稳定风险评估报告", "风险等级为高风险", "签署人：town-500114001", "暂缓实施", "参与群众及相关方 65 人次"] {
            assert!(text.contains(want), "{want} in:\n{text}");
        }
        assert!(!text.contains("征求意见稿"));
        let (status, _) = s.get(&format!("/api/v1/risk/decisions/{id}"), Some(&other)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let recorded = s.store.actions_of(&format!("stability:{id}")).await.unwrap();
        let said: Vec<&str> = recorded.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(said, ["stability.register", "stability.consult", "stability.rate", "stability.consult", "stability.conclude", "stability.decide"]);
        s
    })
    .await;
}
