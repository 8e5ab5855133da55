//! The change feed: JSON lines after a cursor, for a key that reads the feed, in its area,
//! resumable without loss, without the reporter's details.

use super::*;

async fn feed(s: &Server, key: &str, query: &str) -> (StatusCode, String, Option<i64>) {
    let r = s
        .http
        .get(format!("{}/api/v1/feed{query}", s.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let next = r
        .headers()
        .get("zhili-next-cursor")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, r.text().await.unwrap(), next)
}

fn lines(body: &str) -> Vec<Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn the_feed_streams_changes_after_a_cursor_in_the_keys_area() {
    on_every_backend(|s| async move {
        let admin = s.token("admin").await;
        let issue = |reads: Value, area: Value| {
            let (s, admin) = (&s, admin.clone());
            async move {
                let body = json!({"unit_id": "C500114", "name": "城市大脑", "channels": [], "reads": reads,
                    "area_code": area, "expires_at": zhili_domain::time::rfc3339(zhili::now_ms() + 86_400_000)});
                let (status, issued) = post_json(s, "/api/v1/api-keys", &admin, body).await;
                assert_eq!(status, StatusCode::CREATED, "{issued}");
                issued["key"].as_str().unwrap().to_string()
            }
        };
        let brain = issue(json!(["feed"]), Value::Null).await;
        let town = issue(json!(["feed"]), json!("500114002")).await;
        let no_feed = issue(json!(["own_events"]), Value::Null).await;
        let (status, _, _) = feed(&s, &no_feed, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body, _) = feed(&s, &admin, "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a staff token is no key: {body}");
        for bad in ["?after=-1", "?limit=0", "?limit=5001", "?cursor=3"] {
            let (status, _, _) = feed(&s, &brain, bad).await;
            assert!(status.is_client_error(), "{bad}: {status}");
        }

        // From the start: every step so far, in order, the cursor at the end of the record.
        let (status, body, next) = feed(&s, &brain, "?limit=5000").await;
        assert_eq!(status, StatusCode::OK);
        let first = lines(&body);
        let end = next.unwrap();
        let seqs: Vec<i64> = first.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]) && seqs.last() <= Some(&end));

        // A report and a step: the next page holds exactly those, in order.
        let worker = s.token("grid-500114001001001").await;
        let p = deep_point("500114001001001");
        let (status, e) = post_json(&s, "/api/v1/events", &worker, json!({"channel": "grid_patrol", "category": "0602",
            "description": "路灯不亮（数据共享测试）", "location": {"lon": p.x, "lat": p.y},
            "reporter": {"name": "赵六", "phone": "13800138006"}})).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        let id = e["id"].as_i64().unwrap();
        let village = s.token("village-500114001001").await;
        let (status, _) = post_json(&s, &format!("/api/v1/events/{id}/actions"), &village, json!({"action": "register"})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, body, next) = feed(&s, &brain, &format!("?after={end}")).await;
        let page = lines(&body);
        let mine: Vec<(&str, Option<&str>)> = page.iter().filter(|l| l["event_id"] == id)
            .map(|l| (l["action"].as_str().unwrap(), l["to_state"].as_str())).collect();
        assert_eq!(mine, [("report", Some("reported")), ("register", Some("registered"))], "{body}");
        assert_eq!(page[0]["status"], "registered", "each line holds the event as it is now");
        assert!(!body.contains("13800138006") && !body.contains("赵六") && !body.contains("路灯不亮"), "no reporter, no words: {body}");
        // Resumed at its cursor: nothing more.
        let (_, body, again) = feed(&s, &brain, &format!("?after={}", next.unwrap())).await;
        assert_eq!((body.as_str(), again), ("", next));
        // Another town's key does not see this village's steps.
        let (_, body, _) = feed(&s, &town, &format!("?after={end}")).await;
        assert!(lines(&body).iter().all(|l| l["event_id"] != id), "{body}");
        s
    })
    .await;
}
