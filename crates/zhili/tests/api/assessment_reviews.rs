use super::*;

const TOWN: &str = "500114001";

fn line(scores: &Value, unit: &str, code: &str) -> Value {
    let sheet = scores["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == unit)
        .unwrap();
    sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == code)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn reviewers_score_with_a_signature_and_a_unit_appeals_its_published_line() {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    on_every_backend(|s| async move {
        let pilot = s.token("pilot").await;
        let town = s.token("town-500114001").await;
        let other_town = s.token("town-500114002").await;
        let d09 = s.token("dept-D09").await;
        let grid = s.token("grid-500114001001001").await;
        let scores_path = "/api/v1/assessment/scores?year=2026&group=towns";

        // The reviewer's evidence photo, uploaded by the reviewer.
        let (status, photo) = s.post("/api/v1/attachments", Some(&pilot), Some("image/jpeg"), super::pilot::PHOTO.to_vec()).await;
        assert_eq!(status, StatusCode::CREATED, "{photo}");
        let photo = photo["id"].as_str().unwrap().to_string();

        // A reviewer-scored item within its points, a figure the record does not hold; each
        // refusal names its field; only the pilot office reviews.
        let review = json!({"year": 2026, "group": "towns", "unit": TOWN, "item": "M1", "value": 8,
            "basis": "查阅制度汇编及会议纪要", "photos": [photo]});
        for (edit, status_code, field) in [
            (json!({"value": 10.5}), 422, "value"),
            (json!({"item": "E1"}), 422, "item"),
            (json!({"item": null, "figure": "on_time_rate", "value": 90}), 422, "figure"),
            (json!({"figure": "security_sense"}), 422, "item"),
            (json!({"unit": "500114999"}), 422, "unit"),
            (json!({"basis": "   "}), 422, "basis"),
        ] {
            let mut bad = review.clone();
            for (k, v) in edit.as_object().unwrap() {
                bad[k] = v.clone();
            }
            let (status, body) = post_json(&s, "/api/v1/assessment/reviews", &pilot, bad).await;
            assert_error(status, &body, status_code, "invalid_parameter");
            assert_eq!(body["details"]["field"], field, "{body}");
        }
        let (status, body) = post_json(&s, "/api/v1/assessment/reviews", &town, review.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, first) = post_json(&s, "/api/v1/assessment/reviews", &pilot, review.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let mut revised = review.clone();
        revised["value"] = json!(7.5);
        revised["basis"] = json!("复核：制度汇编缺少季度更新");
        let (status, signed) = post_json(&s, "/api/v1/assessment/reviews", &pilot, revised).await;
        assert_eq!(status, StatusCode::CREATED, "{signed}");
        assert_eq!(signed["unit_name"], "城东街道", "{signed}");
        let (status, figure) = post_json(&s, "/api/v1/assessment/reviews", &pilot,
            json!({"year": 2026, "group": "towns", "unit": TOWN, "figure": "security_sense", "value": 94,
                   "basis": "2026 年度群众安全感测评（区统计局）"})).await;
        assert_eq!(status, StatusCode::CREATED, "{figure}");

        // The signature is the reviewer's action in the chain.
        let actions = s.store.actions(0, 100_000).await.unwrap();
        let signing = actions.iter().find(|a| a.seq == signed["action_seq"].as_i64().unwrap()).unwrap();
        assert_eq!((signing.action.as_str(), signing.actor.as_str(), signing.hash.as_str()),
            ("assessment.review", "pilot", signed["action_hash"].as_str().unwrap()));

        // The latest entry stands on the sheet, traced to its reviewer, basis and signature.
        let (_, scores) = s.get(scores_path, Some(&pilot)).await;
        let m1 = line(&scores, TOWN, "M1");
        assert_eq!((m1["score"].as_f64(), m1["missing"].as_bool()), (Some(7.5), Some(false)), "{m1}");
        let source = m1["source"].as_str().unwrap();
        assert!(source.contains("复核：制度汇编缺少季度更新") && source.contains("签名：记录第"), "{source}");
        let r4 = line(&scores, TOWN, "R4");
        assert_eq!((r4["value"].as_f64(), r4["score"].as_f64()), (Some(94.0), Some(4.5)), "{r4}");
        assert_eq!(line(&scores, "500114002", "M1")["missing"], true);

        // A town reads its own sheet and entries, nothing of another's; a grid worker nothing.
        let (status, own) = s.get(scores_path, Some(&town)).await;
        assert_eq!(status, StatusCode::OK, "{own}");
        assert_eq!(own["units"].as_array().map(Vec::len), Some(1));
        assert_eq!(own["units"][0]["unit"], TOWN);
        let (_, entries) = s.get("/api/v1/assessment/reviews?year=2026&group=towns", Some(&other_town)).await;
        assert_eq!(entries.as_array().map(Vec::len), Some(0), "{entries}");
        let (_, entries) = s.get("/api/v1/assessment/reviews?year=2026&group=towns", Some(&town)).await;
        assert_eq!(entries.as_array().map(Vec::len), Some(3), "{entries}");
        assert_eq!(entries[0]["figure"], "security_sense", "newest first");
        for token in [&grid, &d09] {
            let (status, body) = s.get(scores_path, Some(token)).await;
            assert_error(status, &body, 403, "forbidden");
        }
        // The evidence photo: the office and the town it concerns, not another town.
        let see = |token: String| {
            let (s, photo) = (&s, &photo);
            async move { s.http.get(format!("{}/api/v1/attachments/{photo}", s.base)).bearer_auth(token).send().await.unwrap().status() }
        };
        assert_eq!(see(town.clone()).await, StatusCode::OK);
        assert_eq!(see(other_town.clone()).await, StatusCode::NOT_FOUND);

        // No appeal before publication; after it the town appeals its line, once at a time.
        let appeal = json!({"year": 2026, "group": "towns", "item": "M1", "reason": "制度汇编已于九月更新，附更新记录"});
        let (status, body) = post_json(&s, "/api/v1/assessment/appeals", &town, appeal.clone()).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, "/api/v1/assessment/publish", &pilot, json!({"year": 2026, "group": "towns"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = post_json(&s, "/api/v1/assessment/reviews", &pilot, review).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, "/api/v1/assessment/appeals", &d09, appeal.clone()).await;
        assert_error(status, &body, 403, "forbidden");
        let mut wrong = appeal.clone();
        wrong["item"] = json!("M");
        let (status, body) = post_json(&s, "/api/v1/assessment/appeals", &town, wrong).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "item");
        let (status, filed) = post_json(&s, "/api/v1/assessment/appeals", &town, appeal.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{filed}");
        assert_eq!((filed["published_score"].as_f64(), filed["item_name"].as_str(), filed["upheld"].clone()),
            (Some(7.5), Some("制度机制建设"), Value::Null), "{filed}");
        let (status, body) = post_json(&s, "/api/v1/assessment/appeals", &town, appeal).await;
        assert_error(status, &body, 409, "conflict");
        let (_, none) = s.get("/api/v1/assessment/appeals?year=2026&group=towns", Some(&other_town)).await;
        assert_eq!(none.as_array().map(Vec::len), Some(0));

        // The office decides once: upheld needs a score within the line's points.
        let decide = format!("/api/v1/assessment/appeals/{}/decision", filed["id"]);
        let (status, body) = post_json(&s, &decide, &town, json!({"upheld": false, "reason": "自己驳回"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, &decide, &pilot, json!({"upheld": true, "reason": "经复核属实"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert_eq!(body["details"]["field"], "score");
        let (status, body) = post_json(&s, &decide, &pilot, json!({"upheld": true, "score": 12, "reason": "经复核属实"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, decided) = post_json(&s, &decide, &pilot, json!({"upheld": true, "score": 9, "reason": "经复核属实，按更新后的制度汇编评分"})).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert_eq!((decided["upheld"].as_bool(), decided["corrected_score"].as_f64()), (Some(true), Some(9.0)));
        let (status, body) = post_json(&s, &decide, &pilot, json!({"upheld": false, "reason": "再议"})).await;
        assert_error(status, &body, 409, "conflict");
        let (status, body) = post_json(&s, "/api/v1/assessment/appeals/999999/decision", &pilot, json!({"upheld": false, "reason": "无"})).await;
        assert_error(status, &body, 404, "not_found");
        // The published result stays frozen beside the decision.
        let (_, frozen) = s.get(scores_path, Some(&pilot)).await;
        assert_eq!(line(&frozen, TOWN, "M1")["score"].as_f64(), Some(7.5));
        let (_, theirs) = s.get("/api/v1/assessment/appeals?year=2026&group=towns", Some(&town)).await;
        assert_eq!(theirs[0]["decided_by_name"].as_str().map(|n| !n.is_empty()), Some(true), "{theirs}");

        let actions = s.store.actions(0, 100_000).await.unwrap();
        let kinds: Vec<&str> = actions.iter().map(|a| a.action.as_str()).filter(|a| a.starts_with("assessment.")).collect();
        assert_eq!(kinds, ["assessment.review", "assessment.review", "assessment.review", "assessment.publish", "assessment.appeal", "assessment.appeal.decide"]);
        s
    })
    .await;
}

#[tokio::test]
async fn closures_bunched_before_a_quarter_ends_are_flagged_for_the_reviewers() {
    use zhili::demo::history::{generate, HistoryParams};
    use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS, HOUR_MS};
    on_every_backend(|s| async move {
        let reference =
            zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
        let at = |m: u32, d: u32| {
            zhili_domain::time::days_from_civil(2026, m, d) * DAY_MS - CHINA_OFFSET_MS
                + 18 * HOUR_MS
        };
        // A third quarter of steady work to 19 September, then a rush in its last days.
        for (events, days, now, seed) in [(900, 80, at(9, 19), 11), (1500, 4, at(9, 30), 12)] {
            let (items, _) = generate(
                plan(),
                &reference,
                &s.state.key,
                &HistoryParams {
                    events,
                    days,
                    now,
                    seed,
                },
                &mut |_, _| {},
            );
            s.store.load_history(&items).await.unwrap();
        }
        let commander = s.token("district").await;
        let (status, flags) = s
            .get(
                "/api/v1/assessment/gaming?year=2026&group=towns",
                Some(&commander),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{flags}");
        let flags = flags.as_array().unwrap();
        let burst = flags
            .iter()
            .find(|f| f["signal"] == "closure_burst")
            .unwrap_or_else(|| panic!("a burst is flagged: {flags:?}"));
        assert_eq!(
            (
                burst["quarter"].as_u64(),
                burst["from"].as_str(),
                burst["to"].as_str()
            ),
            (Some(3), Some("2026-09-21"), Some("2026-09-30")),
            "{burst}"
        );
        assert!(
            burst["observed"].as_f64().unwrap()
                >= 2.5 * burst["expected"].as_f64().unwrap().max(1.0),
            "{burst}"
        );
        assert!(
            burst["detail"].as_str().unwrap().contains("期末 10 天办结"),
            "{burst}"
        );
        assert!(
            flags.iter().all(|f| f["quarter"] == 3),
            "no work in the other quarters, no flag there: {flags:?}"
        );
        let (status, body) = s
            .get(
                "/api/v1/assessment/gaming?year=2026&group=towns",
                Some(&s.token("town-500114001").await),
            )
            .await;
        assert_error(status, &body, 403, "forbidden");
        s
    })
    .await;
}
