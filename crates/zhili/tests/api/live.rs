use super::*;

/// Reads the stream until a chunk mentions `needle`, or gives up after `wait`.
pub(crate) async fn read_until(
    resp: &mut reqwest::Response,
    needle: &str,
    wait: std::time::Duration,
) -> Option<String> {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if seen.contains(needle) {
            return Some(seen);
        }
    }
    eprintln!("stream gave up waiting for {needle}; saw: {seen}");
    None
}

#[tokio::test]
async fn the_stream_shows_new_and_changed_events_in_scope_only() {
    on_every_backend(|s| async move {
            let open = |token: String| {
                let s = &s;
                async move {
                    let resp = s.http.get(format!("{}/api/v1/events/stream", s.base)).bearer_auth(token).send().await.unwrap();
                    assert_eq!(resp.status(), StatusCode::OK);
                    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
                    resp
                }
            };
            let mut mine = open(s.token("town-500114001").await).await;
            let mut other = open(s.token("town-500114002").await).await;
            let mut d05 = open(s.token("dept-D05").await).await;
            let p = deep_point("500114001001001");
            let worker = s.token("grid-500114001001001").await;
            let body = json!({"channel": "grid_patrol", "category": "0602", "description": "直播测试", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let (_, e) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
            let number = e["case_number"].as_str().unwrap().to_string();
            let got = read_until(&mut mine, &number, std::time::Duration::from_secs(5)).await.expect("the town sees its new event live");
            assert!(got.contains("event: event") && got.contains("\"action\":\"report\""), "{got}");
            let village = s.token("village-500114001001").await;
            let (st, b) = s.post(&format!("/api/v1/events/{}/actions", e["id"]), Some(&village), Some("application/json"), json!({"action": "register"}).to_string()).await;
            assert_eq!(st, StatusCode::OK, "{b}");
            let got = read_until(&mut mine, "\"action\":\"register\"", std::time::Duration::from_secs(5)).await;
            assert!(got.is_some(), "changes stream too");
            assert!(read_until(&mut other, &number, std::time::Duration::from_millis(500)).await.is_none(), "another town does not");
            assert!(read_until(&mut d05, &number, std::time::Duration::from_millis(300)).await.is_none(), "nor an uninvolved department");
            s
        })
        .await;
}
