use super::*;

#[tokio::test]
async fn concurrent_reports_all_land_with_distinct_numbers() {
    on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let p = deep_point("500114001001001");
            let body = json!({"channel": "grid_patrol", "category": "0701", "description": "并发上报", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let mut tasks = Vec::new();
            for _ in 0..60 {
                let (http, base, worker, body) = (s.http.clone(), s.base.clone(), worker.clone(), body.clone());
                tasks.push(tokio::spawn(async move {
                    let resp = http.post(format!("{base}/api/v1/events")).bearer_auth(worker).header("content-type", "application/json").body(body).send().await.unwrap();
                    (resp.status(), resp.json::<Value>().await.unwrap())
                }));
            }
            let mut numbers = std::collections::HashSet::new();
            for t in tasks {
                let (status, e) = t.await.unwrap();
                assert_eq!(status, StatusCode::CREATED, "{e}");
                assert!(numbers.insert(e["case_number"].as_str().unwrap().to_string()), "case numbers are unique");
            }
            let (_, page) = s.get("/api/v1/events?page_size=1", Some(&worker)).await;
            assert_eq!(page["total"], 60);
            s
        })
        .await;
}
