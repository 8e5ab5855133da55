use super::residents::{id_for, resident_token};
use super::*;
use zhili_store::{NewPointEntry, PointJob};

const GRID: &str = "500114001001001";
const VILLAGE: &str = "500114001001";
/// A grid of another village of the same town.
const NEIGHBOUR_GRID: &str = "500114001002001";
const DAY_MS: i64 = 86_400_000;

async fn person(s: &Server, grid: &str, seq: u32, name: &str) -> i64 {
    let worker = s.token(&format!("grid-{grid}")).await;
    let (status, p) = post_json(
        s,
        "/api/v1/people",
        &worker,
        json!({"id_number": id_for((1980, 3, 1), seq), "name": name, "grid_code": grid,
               "population_type": "户籍人口", "phone": format!("1370001{seq:04}")}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_i64().unwrap()
}

async fn adopt(s: &Server, village: &str) -> Value {
    let (status, template) = s.get("/api/v1/points/template", Some(village)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, book) = post_json(
        s,
        "/api/v1/points/rules",
        village,
        json!({"rules": template, "adopted_on": "2026-03-01", "adopted_by": "村民代表大会"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{book}");
    book
}

async fn award(s: &Server, token: &str, body: Value) -> (StatusCode, Value) {
    post_json(s, "/api/v1/points/entries", token, body).await
}

async fn decide(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    post_json(
        s,
        &format!("/api/v1/points/entries/{id}/decision"),
        token,
        body,
    )
    .await
}

async fn balance(s: &Server, token: &str, person: i64) -> i64 {
    let (status, a) = s
        .get(&format!("/api/v1/points/accounts/{person}"), Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    a["account"]["balance"].as_i64().unwrap_or(0)
}

/// Credits a person `points` straight through the store (no cap, no item): a test's way to a
/// balance without a year of entries.
async fn credit(s: &Server, person: i64, points: i64) {
    let now = zhili::now_ms();
    let book = s.store.point_catalogue(VILLAGE).await.unwrap().unwrap();
    let out = s
        .store
        .point_batch(&[PointJob::Request {
            actor: Actor::system(),
            entry: NewPointEntry {
                village_code: VILLAGE.into(),
                person_id: person,
                catalogue_version: book.version,
                item_code: "GY02".into(),
                item_name: "志愿服务（每次）".into(),
                category: "公益行动".into(),
                points,
                state: zhili_domain::points::EntryState::Pending,
                origin: "award".into(),
                note: "测试".into(),
                event_id: None,
                requested_by: "test".into(),
                idem: None,
                cap: None,
            },
            now,
        }])
        .await
        .unwrap();
    let Ok(zhili_store::PointOutcome::Requested { id, .. }) = out[0] else {
        panic!("{out:?}")
    };
    let village = s.token(&format!("village-{VILLAGE}")).await;
    let (status, body) = decide(s, &village, id, json!({"decision": "approve"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    zhili::usecase::points::settle(&s.state, now + 8 * DAY_MS)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_award_goes_through_approval_notice_and_appeal_to_the_ledger() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let neighbour = s.token(&format!("grid-{NEIGHBOUR_GRID}")).await;
        let other_town = s.token("town-500114002").await;
        let admin = s.token("admin").await;
        let a = person(&s, GRID, 501, "王大山").await;
        let b = person(&s, GRID, 502, "李小梅").await;
        let elsewhere = person(&s, NEIGHBOUR_GRID, 503, "赵四").await;

        // No rules, no points; rules are the village's to adopt, checked whole.
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "GY01", "note": "清理河道"}),
        )
        .await;
        assert_error(status, &body, 404, "not_found");
        let (status, template) = s.get("/api/v1/points/template", Some(&village)).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = post_json(
            &s,
            "/api/v1/points/rules",
            &worker,
            json!({"rules": template, "adopted_on": "2026-03-01", "adopted_by": "村民代表大会"}),
        )
        .await;
        assert_error(status, &body, 403, "forbidden");
        let mut broken = template.clone();
        broken["notice_days"] = json!(0);
        broken["items"][1]["points"] = json!(0);
        broken["items"][3]["awarders"] = json!(["resident"]);
        let (status, body) = post_json(
            &s,
            "/api/v1/points/rules",
            &village,
            json!({"rules": broken, "adopted_on": "2026-02-30", "adopted_by": "村民代表大会"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        for field in [
            "notice_days",
            "items[1].points",
            "items[3].awarders",
            "adopted_on",
        ] {
            assert!(body.to_string().contains(field), "{field}: {body}");
        }
        let book = adopt(&s, &village).await;
        assert_eq!(
            (
                book["version"].as_i64(),
                book["village_name"].as_str().is_some_and(|n| !n.is_empty())
            ),
            (Some(1), true),
            "{book}"
        );
        let (status, books) = s
            .get(
                &format!("/api/v1/points/rules?village_code={VILLAGE}"),
                Some(&other_town),
            )
            .await;
        assert_error(status, &books, 404, "not_found");
        let (status, books) = s.get("/api/v1/points/rules", Some(&admin)).await;
        assert_error(status, &books, 403, "forbidden");

        // Awards by who the rules allow, to people of the grid, within caps, once per key.
        let (status, e1) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "GY01", "note": "参加河道清理", "key": "k-1"}),
        )
        .await;
        assert_eq!(
            (status, e1["state"].as_str(), e1["points"].as_i64()),
            (StatusCode::CREATED, Some("pending"), Some(10)),
            "{e1}"
        );
        let (status, again) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "GY01", "note": "参加河道清理", "key": "k-1"}),
        )
        .await;
        assert_eq!(
            (status, again["id"].as_i64()),
            (StatusCode::CREATED, e1["id"].as_i64()),
            "one key, one entry"
        );
        for n in 0..3 {
            let (status, body) = award(
                &s,
                &worker,
                json!({"person_id": a, "item": "GY01", "note": format!("第{n}次")}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "GY01", "note": "第五次"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(
            body["message_zh"]
                .as_str()
                .unwrap_or_default()
                .contains("每月最多4次")
                || body.to_string().contains("capped"),
            "{body}"
        );
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": elsewhere, "item": "GY01", "note": "x"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "person_id", "{body}");
        let (status, body) = award(
            &s,
            &neighbour,
            json!({"person_id": a, "item": "GY01", "note": "x"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "ZJ02", "note": "违规"}),
        )
        .await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "NOPE", "note": "x"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "PA01", "note": "报告隐患"}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "event_id", "{body}");

        // The village approves; the notice runs; an appeal stops it until decided.
        let id = e1["id"].as_i64().unwrap();
        let (status, body) = decide(&s, &worker, id, json!({"decision": "approve"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = decide(&s, &village, id, json!({"decision": "reject"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, on) = decide(&s, &village, id, json!({"decision": "approve"})).await;
        assert_eq!(
            (status, on["state"].as_str()),
            (StatusCode::OK, Some("notice")),
            "{on}"
        );
        assert!(on["notice_ends"].as_str().is_some(), "{on}");
        let (status, body) = decide(&s, &village, id, json!({"decision": "approve"})).await;
        assert_error(status, &body, 409, "invalid_transition");
        let me = resident_token(&s, &admin, "13900003333").await;
        let (status, body) = post_json(
            &s,
            &format!("/api/v1/resident/points/entries/{id}/appeal"),
            &me,
            json!({"reason": "他那天没来"}),
        )
        .await;
        assert_error(status, &body, 403, "forbidden");
        let (status, linked) = post_json(
            &s,
            "/api/v1/resident/link",
            &me,
            json!({"id_number": id_for((1980, 3, 1), 502), "name": "李小梅"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        let (status, page) = s.get("/api/v1/resident/points", Some(&me)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let shown = &page["on_notice"][0];
        assert_eq!(
            (
                shown["id"].as_i64(),
                shown["person_name"].as_str(),
                shown["note"].as_str()
            ),
            (Some(id), Some("王*山"), Some("")),
            "masked: {page}"
        );
        assert!(
            page["claimable"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["awarders"].to_string().contains("resident")),
            "{page}"
        );
        let (status, body) = post_json(
            &s,
            &format!("/api/v1/resident/points/entries/{id}/appeal"),
            &me,
            json!({"reason": "他那天没来"}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        zhili::usecase::points::settle(&s.state, zhili::now_ms() + 8 * DAY_MS)
            .await
            .unwrap();
        assert_eq!(balance(&s, &village, a).await, 0, "an appealed entry waits");
        let (status, body) = decide(&s, &village, id, json!({"decision": "dismiss_appeal"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, back) = decide(
            &s,
            &village,
            id,
            json!({"decision": "dismiss_appeal", "reason": "签到表有其签名"}),
        )
        .await;
        assert_eq!(
            (status, back["state"].as_str()),
            (StatusCode::OK, Some("notice")),
            "{back}"
        );
        let settled = zhili::usecase::points::settle(&s.state, zhili::now_ms() + 8 * DAY_MS)
            .await
            .unwrap();
        assert_eq!(settled.credited, 1);
        let again = zhili::usecase::points::settle(&s.state, zhili::now_ms() + 8 * DAY_MS)
            .await
            .unwrap();
        assert_eq!(again.credited, 0, "credited once");
        assert_eq!(balance(&s, &village, a).await, 10);
        assert_eq!(balance(&s, &worker, a).await, 10);
        let (status, body) = s
            .get(&format!("/api/v1/points/accounts/{a}"), Some(&neighbour))
            .await;
        assert_error(status, &body, 404, "not_found");

        // A deduction takes no more than the balance holds.
        let (status, d) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "WM03", "note": "柴草堆放路边"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        let (status, d2) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "WM03", "note": "又一次"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{d2}");
        let (status, d3) = award(
            &s,
            &worker,
            json!({"person_id": a, "item": "WM03", "note": "第三次"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{d3}");
        for e in [&d, &d2, &d3] {
            let (status, body) = decide(
                &s,
                &village,
                e["id"].as_i64().unwrap(),
                json!({"decision": "approve"}),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        zhili::usecase::points::settle(&s.state, zhili::now_ms() + 8 * DAY_MS)
            .await
            .unwrap();
        let (_, detail) = s
            .get(&format!("/api/v1/points/accounts/{a}"), Some(&village))
            .await;
        assert_eq!(detail["account"]["balance"], 0, "{detail}");
        let last = &detail["ledger"][0];
        assert_eq!(
            (
                last["kind"].as_str(),
                last["amount"].as_i64(),
                last["asked"].as_i64()
            ),
            (Some("deduct"), Some(0), Some(-5)),
            "{detail}"
        );
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM point_ledger WHERE balance_after < 0")
                .fetch_one(s.store.pool())
                .await
                .unwrap();
        assert_eq!(rows, 0);

        // A rejected claim, a village's lists; a month not over is not posted.
        let (status, claimed) = post_json(
            &s,
            "/api/v1/resident/points/claims",
            &me,
            json!({"item": "CT02", "note": "帮邻居收稻谷", "key": "claim-1"}),
        )
        .await;
        assert_eq!(
            (
                status,
                claimed["origin"].as_str(),
                claimed["person_id"].as_i64()
            ),
            (StatusCode::CREATED, Some("claim"), Some(b)),
            "{claimed}"
        );
        let (status, body) = post_json(
            &s,
            "/api/v1/resident/points/claims",
            &me,
            json!({"item": "WM01", "note": "x"}),
        )
        .await;
        assert_error(status, &body, 403, "forbidden");
        let (status, r) = decide(
            &s,
            &village,
            claimed["id"].as_i64().unwrap(),
            json!({"decision": "reject", "reason": "无人证明"}),
        )
        .await;
        assert_eq!(
            (status, r["state"].as_str()),
            (StatusCode::OK, Some("rejected")),
            "{r}"
        );
        let (status, list) = s
            .get("/api/v1/points/entries?state=notice", Some(&village))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let (status, list) = s.get("/api/v1/points/entries", Some(&neighbour)).await;
        assert_eq!(
            (status, list.as_array().map(Vec::len)),
            (StatusCode::OK, Some(0)),
            "{list}"
        );
        let month = zhili_domain::points::period_key(
            zhili_domain::points::Period::Month,
            zhili::now_ms() + 8 * DAY_MS,
        );
        let (status, preview) = s
            .get(&format!("/api/v1/points/months/{month}"), Some(&village))
            .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert_eq!(
            (
                preview["published_at"].as_str(),
                preview["total_awarded"].as_i64()
            ),
            (None, Some(10)),
            "{preview}"
        );
        let (status, body) = post_json(
            &s,
            &format!("/api/v1/points/months/{month}/publication"),
            &village,
            json!({}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, posted) = post_json(
            &s,
            "/api/v1/points/months/2026-01/publication",
            &village,
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{posted}");
        let (status, body) = post_json(
            &s,
            "/api/v1/points/months/2026-01/publication",
            &village,
            json!({}),
        )
        .await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = s
            .get(
                &format!("/api/v1/resident/points/months/{month}"),
                Some(&me),
            )
            .await;
        assert_error(status, &body, 404, "not_found");
        // The quarter's ranking: earned less deducted (王大山's 10 and −10 rank him nowhere).
        credit(&s, b, 7).await;
        let quarter = zhili_domain::points::period_key(
            zhili_domain::points::Period::Quarter,
            zhili::now_ms() + 8 * DAY_MS,
        );
        let (status, ranking) = s
            .get(
                &format!("/api/v1/resident/points/rankings/{quarter}"),
                Some(&me),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{ranking}");
        assert_eq!(
            ranking["rows"].as_array().map(Vec::len),
            Some(1),
            "{ranking}"
        );
        assert_eq!(
            (
                ranking["rows"][0]["person_name"].as_str(),
                ranking["rows"][0]["points"].as_i64(),
                ranking["rows"][0]["rank"].as_i64()
            ),
            (Some("李小梅"), Some(7), Some(1)),
            "{ranking}"
        );
        let (status, body) = s.get("/api/v1/points/months/2026-13", Some(&village)).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // Every change is on the record.
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        for verb in [
            "points.catalogue",
            "points.request",
            "points.decide",
            "points.credit",
            "points.publish",
        ] {
            assert!(actions.iter().any(|x| x.action == verb), "{verb}");
        }
        s
    })
    .await;
}

#[tokio::test]
async fn a_verified_report_earns_its_reporter_points() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let admin = s.token("admin").await;
        adopt(&s, &village).await;
        let p = person(&s, GRID, 601, "陈明").await;
        let me = resident_token(&s, &admin, "13900004444").await;
        let (status, linked) = post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": id_for((1980, 3, 1), 601), "name": "陈明"})).await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        let at = deep_point(GRID);
        let (status, made) = post_json(&s, "/api/v1/resident/events", &me, json!({"category": "0602", "description": "桥边护栏断了", "location": {"lon": at.x, "lat": at.y}})).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_i64().unwrap();
        // A claim for it before verification waits for the event.
        let (status, early) = award(&s, &worker, json!({"person_id": p, "item": "PA01", "note": "报告护栏损坏", "event_id": id})).await;
        assert_eq!((status, early["state"].as_str()), (StatusCode::CREATED, Some("awaiting_event")), "{early}");
        let act = |token: String, body: Value| {
            let s = &s;
            async move { post_json(s, &format!("/api/v1/events/{id}/actions"), &token, body).await }
        };
        let (status, d) = act(village.clone(), json!({"action": "register"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(village.clone(), json!({"action": "dispatch", "version": d["version"]})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let lead = d["lead_unit"]["id"].as_str().or(d["lead_unit"].as_str()).unwrap_or("D09").to_string();
        let handler = s.token(&format!("dept-{lead}")).await;
        let (status, d) = act(handler.clone(), json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (status, d) = act(handler.clone(), json!({"action": "handle", "feedback": "已修复护栏"})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        let (_, pending) = s.get(&format!("/api/v1/points/entries?person_id={p}"), Some(&village)).await;
        assert!(pending.as_array().unwrap().iter().all(|e| e["state"] == "awaiting_event"), "{pending}");
        let (status, d) = act(worker.clone(), json!({"action": "verify", "passed": true})).await;
        assert_eq!(status, StatusCode::OK, "{d}");
        // The staff's entry is released; the system's own for the resident's report is refused
        // as a second entry for the same event and item (the report earns once).
        let (_, after) = s.get(&format!("/api/v1/points/entries?person_id={p}"), Some(&village)).await;
        let states: Vec<&str> = after.as_array().unwrap().iter().map(|e| e["state"].as_str().unwrap()).collect();
        assert_eq!(states, ["pending"], "{after}");
        let (status, body) = award(&s, &worker, json!({"person_id": p, "item": "PA01", "note": "再报", "event_id": id})).await;
        assert_error(status, &body, 409, "conflict");
        s
    })
    .await;
}

#[tokio::test]
async fn a_report_by_a_resident_alone_raises_its_entry_on_verification() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let admin = s.token("admin").await;
        adopt(&s, &village).await;
        let p = person(&s, GRID, 701, "周琴").await;
        let me = resident_token(&s, &admin, "13900005555").await;
        post_json(&s, "/api/v1/resident/link", &me, json!({"id_number": id_for((1980, 3, 1), 701), "name": "周琴"})).await;
        let at = deep_point(GRID);
        let (_, made) = post_json(&s, "/api/v1/resident/events", &me, json!({"category": "0602", "description": "井盖缺失", "location": {"lon": at.x, "lat": at.y}})).await;
        let id = made["id"].as_i64().unwrap();
        let walk = [
            (&village, json!({"action": "register"})),
            (&village, json!({"action": "dispatch"})),
        ];
        let mut last = Value::Null;
        for (token, body) in walk {
            let (status, d) = post_json(&s, &format!("/api/v1/events/{id}/actions"), token, body).await;
            assert_eq!(status, StatusCode::OK, "{d}");
            last = d;
        }
        let lead = last["lead_unit"]["id"].as_str().or(last["lead_unit"].as_str()).unwrap_or("D09").to_string();
        let handler = s.token(&format!("dept-{lead}")).await;
        for (token, body) in [
            (&handler, json!({"action": "accept"})),
            (&handler, json!({"action": "handle", "feedback": "已补装井盖"})),
            (&worker, json!({"action": "verify", "passed": true})),
        ] {
            let (status, d) = post_json(&s, &format!("/api/v1/events/{id}/actions"), token, body).await;
            assert_eq!(status, StatusCode::OK, "{d}");
        }
        let (_, page) = s.get("/api/v1/resident/points", Some(&me)).await;
        let own = &page["own"][0];
        assert_eq!((own["item_code"].as_str(), own["origin"].as_str(), own["state"].as_str(), own["event_id"].as_i64()),
            (Some("PA01"), Some("report"), Some("pending"), Some(id)), "{page}");
        let _ = p;
        s
    })
    .await;
}

#[tokio::test]
async fn a_redemption_is_paid_once_and_never_beyond_balance_or_stock() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let worker = s.token(&format!("grid-{GRID}")).await;
        let admin = s.token("admin").await;
        adopt(&s, &village).await;
        let rich = person(&s, GRID, 801, "富有").await;
        let poor = person(&s, GRID, 802, "贫乏").await;
        let elsewhere = person(&s, NEIGHBOUR_GRID, 803, "外村").await;
        credit(&s, rich, 1000).await;
        credit(&s, poor, 12).await;

        let (status, body) = post_json(
            &s,
            "/api/v1/points/goods",
            &worker,
            json!({"name": "洗衣粉", "price": 5, "stock": 100, "funding": "村集体经济"}),
        )
        .await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(
            &s,
            "/api/v1/points/goods",
            &village,
            json!({"name": "", "price": 0, "stock": -1, "funding": ""}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, soap) = post_json(
            &s,
            "/api/v1/points/goods",
            &village,
            json!({"name": "洗衣粉", "price": 5, "stock": 20, "funding": "村集体经济"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{soap}");
        let soap = soap["id"].as_i64().unwrap();

        // One key, one payment.
        let redeem = |person: i64, key: String| {
            let (s, village) = (&s, village.clone());
            async move {
                post_json(
                    s,
                    "/api/v1/points/redemptions",
                    &village,
                    json!({"person_id": person, "goods_id": soap, "key": key}),
                )
                .await
            }
        };
        let (status, first) = redeem(rich, "once-only-1".into()).await;
        assert_eq!(
            (status, first["replay"].as_bool(), first["balance"].as_i64()),
            (StatusCode::CREATED, Some(false), Some(995)),
            "{first}"
        );
        let (status, again) = redeem(rich, "once-only-1".into()).await;
        assert_eq!(
            (
                status,
                again["replay"].as_bool(),
                again["id"].as_i64(),
                again["balance"].as_i64()
            ),
            (
                StatusCode::CREATED,
                Some(true),
                first["id"].as_i64(),
                Some(995)
            ),
            "{again}"
        );
        let (status, body) = redeem(elsewhere, "elsewhere-1".into()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = redeem(rich, "short".into()).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // A crowd at once: 19 left, 60 asking with their own keys; the poor one asks 10 times
        // with 12 points.
        let mut asks = Vec::new();
        for n in 0..60 {
            asks.push(redeem(rich, format!("crowd-{n:04}")));
        }
        for n in 0..10 {
            asks.push(redeem(poor, format!("poor-{n:04}")));
        }
        let answers = futures_util::future::join_all(asks).await;
        let paid = answers
            .iter()
            .filter(|(st, _)| *st == StatusCode::CREATED)
            .count();
        assert!(
            answers.iter().all(|(st, b)| *st == StatusCode::CREATED
                || (st.as_u16() == 409 && b["code"] == "conflict")),
            "{answers:?}"
        );
        assert_eq!(paid, 19, "exactly the stock");
        let (_, shop) = s.get("/api/v1/points/goods", Some(&village)).await;
        assert_eq!(
            (shop[0]["stock"].as_i64(), shop[0]["redeemed"].as_i64()),
            (Some(0), Some(20)),
            "{shop}"
        );
        let poor_paid = answers[60..]
            .iter()
            .filter(|(st, _)| *st == StatusCode::CREATED)
            .count() as i64;
        assert!(poor_paid <= 2, "12 points buy two at most");
        assert_eq!(balance(&s, &village, poor).await, 12 - 5 * poor_paid);
        let rich_paid = 1 + answers[..60]
            .iter()
            .filter(|(st, _)| *st == StatusCode::CREATED)
            .count() as i64;
        assert_eq!(balance(&s, &village, rich).await, 1000 - 5 * rich_paid);
        let (status, body) = redeem(rich, "after-it-ran-out".into()).await;
        assert_error(status, &body, 409, "conflict");

        // Restocked, a resident redeems for themself; off the shelf, nobody does.
        let (status, g) = post_json(
            &s,
            &format!("/api/v1/points/goods/{soap}/stock"),
            &village,
            json!({"add": 5, "active": true}),
        )
        .await;
        assert_eq!(
            (status, g["stock"].as_i64()),
            (StatusCode::OK, Some(5)),
            "{g}"
        );
        let (status, body) = post_json(
            &s,
            &format!("/api/v1/points/goods/{soap}/stock"),
            &village,
            json!({"add": -6, "active": true}),
        )
        .await;
        assert_error(status, &body, 422, "invalid_parameter");
        let me = resident_token(&s, &admin, "13900006666").await;
        post_json(
            &s,
            "/api/v1/resident/link",
            &me,
            json!({"id_number": id_for((1980, 3, 1), 801), "name": "富有"}),
        )
        .await;
        let (status, mine) = post_json(
            &s,
            "/api/v1/resident/points/redemptions",
            &me,
            json!({"goods_id": soap, "key": "resident-own-1"}),
        )
        .await;
        assert_eq!(
            (status, mine["person_id"].as_i64()),
            (StatusCode::CREATED, Some(rich)),
            "{mine}"
        );
        post_json(
            &s,
            &format!("/api/v1/points/goods/{soap}/stock"),
            &village,
            json!({"add": 0, "active": false}),
        )
        .await;
        let (status, body) = post_json(
            &s,
            "/api/v1/resident/points/redemptions",
            &me,
            json!({"goods_id": soap, "key": "resident-own-2"}),
        )
        .await;
        assert_error(status, &body, 409, "conflict");
        let (_, page) = s.get("/api/v1/resident/points", Some(&me)).await;
        assert_eq!(page["goods"], json!([]), "off the shelf: {page}");

        // The engine holds the line too: no balance below zero, no redemption paid twice.
        let negative: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM point_accounts WHERE balance < 0")
                .fetch_one(s.store.pool())
                .await
                .unwrap();
        assert_eq!(negative, 0);
        let twice = sqlx::query("UPDATE point_accounts SET balance = -1 WHERE person_id = $1")
            .bind(poor)
            .execute(s.store.pool())
            .await;
        assert!(twice.is_err(), "the CHECK refuses a negative balance");
        s
    })
    .await;
}
