use super::*;

const VILLAGE: &str = "500114001001";

fn year() -> i64 {
    let day = (zhili::now_ms() + 8 * 3_600_000).div_euclid(86_400_000);
    zhili_domain::time::civil_from_days(day).0
}

async fn sheet(s: &Server, token: &str, points: i64) -> Value {
    let (status, scheme) = s.get("/api/v1/wule/scheme", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    let mut scores = Vec::new();
    for d in scheme["dimensions"].as_array().unwrap() {
        for i in d["items"].as_array().unwrap() {
            scores.push(json!({"item": i["key"], "points": points, "evidence": "活动台账与照片"}));
        }
    }
    json!(scores)
}

#[tokio::test]
async fn a_village_assesses_its_year_and_its_town_reviews_it() {
    on_every_backend(|s| async move {
        let village = s.token(&format!("village-{VILLAGE}")).await;
        let town = s.token("town-500114001").await;
        let other_town = s.token("town-500114002").await;
        let district = s.token("district").await;
        let worker = s.token("grid-500114001001001").await;
        let y = year();
        let path = format!("/api/v1/wule/evaluations/{VILLAGE}/{y}");
        let scores = sheet(&s, &village, 5).await;
        assert_eq!(scores.as_array().unwrap().len(), 20);

        // Only the station, its own village, this year or the last.
        let (status, body) = s.post_put(&path, Some(&worker), json!({"scores": scores, "submit": false}).to_string()).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = s.post_put(&format!("/api/v1/wule/evaluations/500114001002/{y}"), Some(&village), json!({"scores": scores, "submit": false}).to_string()).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = s.post_put(&format!("/api/v1/wule/evaluations/{VILLAGE}/2020"), Some(&village), json!({"scores": scores, "submit": false}).to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");

        // A draft may be incomplete; a submission may not.
        let partial = json!([scores[0].clone(), {"item": scores[1]["item"], "points": 3, "evidence": ""}]);
        let (status, draft) = s.post_put(&path, Some(&village), json!({"scores": partial, "submit": false}).to_string()).await;
        assert_eq!((status, draft["state"].as_str(), draft["self_total"].as_i64()), (StatusCode::OK, Some("draft"), Some(8)), "{draft}");
        let (status, body) = s.post_put(&path, Some(&village), json!({"scores": partial, "submit": true}).to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        assert!(body.to_string().contains("scores[1].evidence") && body.to_string().contains("scores.live_safety"), "{body}");
        let mut too_much = scores.clone();
        too_much[0]["points"] = json!(6);
        let (status, body) = s.post_put(&path, Some(&village), json!({"scores": too_much, "submit": false}).to_string()).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, sent) = s.post_put(&path, Some(&village), json!({"scores": scores, "submit": true}).to_string()).await;
        assert_eq!((status, sent["state"].as_str(), sent["self_total"].as_i64()), (StatusCode::OK, Some("submitted"), Some(100)), "{sent}");
        let (status, body) = s.post_put(&path, Some(&village), json!({"scores": scores, "submit": false}).to_string()).await;
        assert_error(status, &body, 409, "invalid_transition");

        // The town reviews: a change needs its reason; a return needs a note; another town
        // does not see it.
        let review = format!("{path}/review");
        let (status, body) = post_json(&s, &review, &other_town, json!({"decision": "approve"})).await;
        assert_error(status, &body, 404, "not_found");
        let (status, body) = post_json(&s, &review, &village, json!({"decision": "approve"})).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, body) = post_json(&s, &review, &town, json!({"decision": "return"})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, body) = post_json(&s, &review, &town, json!({"decision": "approve", "adjustments": [{"item": "learn_library", "points": 2, "reason": " "}]})).await;
        assert_error(status, &body, 422, "invalid_parameter");
        let (status, back) = post_json(&s, &review, &town, json!({"decision": "return", "note": "佐证材料请补充照片"})).await;
        assert_eq!((status, back["state"].as_str()), (StatusCode::OK, Some("returned")), "{back}");
        let (status, again) = s.post_put(&path, Some(&village), json!({"scores": scores, "submit": true}).to_string()).await;
        assert_eq!((status, again["state"].as_str()), (StatusCode::OK, Some("submitted")), "{again}");
        let (status, done) = post_json(&s, &review, &town, json!({"decision": "approve", "adjustments": [{"item": "learn_library", "points": 2, "reason": "书屋开放记录不全"}]})).await;
        assert_eq!((status, done["final_total"].as_i64(), done["grade"].as_str()), (StatusCode::OK, Some(97), Some("五乐示范社区")), "{done}");
        let (status, body) = post_json(&s, &review, &town, json!({"decision": "approve"})).await;
        assert_error(status, &body, 409, "invalid_transition");

        // Read and ranked above; not by a department.
        let (status, ranked) = s.get(&format!("/api/v1/wule/evaluations?year={y}"), Some(&district)).await;
        assert_eq!((status, ranked[0]["village_code"].as_str(), ranked[0]["village_name"].as_str().is_some_and(|n| !n.is_empty())), (StatusCode::OK, Some(VILLAGE), true), "{ranked}");
        let (status, body) = s.get(&format!("/api/v1/wule/evaluations?year={y}"), Some(&s.token("dept-D09").await)).await;
        assert_error(status, &body, 403, "forbidden");
        let (status, one) = s.get(&path, Some(&worker)).await;
        assert_eq!((status, one["evaluation"]["state"].as_str()), (StatusCode::OK, Some("reviewed")), "{one}");
        let (status, body) = s.get(&path, Some(&other_town)).await;
        assert_error(status, &body, 404, "not_found");
        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        for verb in ["wule.save", "wule.submit", "wule.return", "wule.review"] {
            assert!(actions.iter().any(|a| a.action == verb), "{verb}");
        }
        s
    })
    .await;
}
