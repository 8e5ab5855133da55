use super::*;

#[tokio::test]
async fn boundaries_and_open_events_are_scoped_and_revalidated() {
    on_every_backend(|s| async move {
            let district = s.token("district").await;
            let worker = s.token("grid-500114001001001").await;
            let (st, towns) = s.get("/api/v1/map/boundaries?level=town", Some(&district)).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(towns["features"].as_array().unwrap().len(), 30);
            assert!(towns["features"][0]["properties"]["name"].is_string());
            let (_, grids) = s.get("/api/v1/map/boundaries?level=grid", Some(&worker)).await;
            assert_eq!(grids["features"].as_array().unwrap().len(), 1, "a grid worker's map is their grid");
            assert_eq!(grids["features"][0]["properties"]["code"], "500114001001001");
            // Revalidation: the same layer again with its ETag is a 304 without a body.
            let first = s.http.get(format!("{}/api/v1/map/boundaries?level=village", s.base)).bearer_auth(&district).send().await.unwrap();
            let etag = first.headers()["etag"].to_str().unwrap().to_string();
            let again = s.http.get(format!("{}/api/v1/map/boundaries?level=village", s.base)).bearer_auth(&district)
                .header("if-none-match", &etag).send().await.unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
            let zipped = s.http.get(format!("{}/api/v1/map/boundaries?level=grid", s.base)).bearer_auth(&district)
                .header("accept-encoding", "gzip").send().await.unwrap();
            assert_eq!(zipped.headers()["content-encoding"], "gzip", "layers travel compressed to clients that ask");
            let (st, b) = s.get("/api/v1/map/boundaries?level=district", Some(&district)).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // Open events: a new report appears with its warning; the caller's scope holds.
            let p = deep_point("500114001001001");
            let body = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let (st, created) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
            assert_eq!(st, StatusCode::CREATED);
            let (_, events) = s.get("/api/v1/map/events", Some(&district)).await;
            let features = events["features"].as_array().unwrap();
            assert_eq!(features.len(), 1);
            assert_eq!(features[0]["properties"]["id"], created["id"]);
            assert_eq!(features[0]["properties"]["warning"], "none");
            let other = s.token("town-500114002").await;
            let (_, none) = s.get("/api/v1/map/events", Some(&other)).await;
            assert!(none["features"].as_array().unwrap().is_empty());

            // A second server on the same database, as behind a load balancer: what it records
            // shows on this server's map at the next answer, and an event closed out leaves it.
            let second = AppState::new(s.store.clone(), LoginPolicy::default(), zhili::crypto::DataKey::generate()).await.unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base2 = format!("http://{}", listener.local_addr().unwrap());
            let task2 = tokio::spawn(async move { zhili::http::serve(second, listener).await.unwrap() });
            let mut live_here = s.http.get(format!("{}/api/v1/events/stream", s.base)).bearer_auth(&district).send().await.unwrap();
            let body = json!({"channel": "grid_patrol", "category": "0301", "description": "井盖缺失", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let there = s.http.post(format!("{base2}/api/v1/events")).bearer_auth(&worker).header("content-type", "application/json").body(body).send().await.unwrap();
            assert_eq!(there.status(), StatusCode::CREATED);
            let there: Value = there.json().await.unwrap();
            // Where servers can share the database (PostgreSQL), this server's live stream
            // tells of the other's report too.
            if s.store.listen("probe").await.unwrap().is_some() {
                let number = there["case_number"].as_str().unwrap();
                let seen = super::live::read_until(&mut live_here, number, std::time::Duration::from_secs(5)).await;
                assert!(seen.is_some(), "a report on another server streams here");
            }
            let village_token = s.token("village-500114001001").await;
            let rejected = s.http.post(format!("{base2}/api/v1/events/{}/actions", created["id"])).bearer_auth(&village_token)
                .header("content-type", "application/json").body(json!({"action": "reject", "reason": "重复上报"}).to_string()).send().await.unwrap();
            assert_eq!(rejected.status(), StatusCode::OK);
            let (_, events) = s.get("/api/v1/map/events", Some(&district)).await;
            let ids: Vec<i64> = events["features"].as_array().unwrap().iter().map(|f| f["properties"]["id"].as_i64().unwrap()).collect();
            assert_eq!(ids, vec![there["id"].as_i64().unwrap()]);
            let district_scope = zhili_domain::Scope::new(zhili_domain::RegionCode::parse("500114").unwrap(), zhili_domain::Role::DistrictCommander, None);
            let stored: Vec<i64> = s.store.open_event_points(&district_scope, 100).await.unwrap().iter().map(|p| p.id).collect();
            assert_eq!(ids, stored, "the kept layer and storage agree");
            task2.abort();
            let created = there;
            // The event page tells each user what they may do now, and only that.
            let id = created["id"].as_i64().unwrap();
            let village = s.token("village-500114001001").await;
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
            assert_eq!(d["allowed_actions"], json!(["register", "reject", "merge"]));
            let leader = s.token("leader").await;
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&leader)).await;
            assert_eq!(d["allowed_actions"], json!([]));
            // The web app is served for app routes; unknown API paths keep the error shape.
            let page = s.http.get(format!("{}/command", s.base)).send().await.unwrap();
            assert_eq!(page.status(), StatusCode::OK);
            assert!(page.text().await.unwrap().contains("<div id=\"app\">"));
            let (st, b) = s.get("/api/v1/nothing", Some(&district)).await;
            assert_error(st, &b, 404, "not_found");
            s
        })
        .await;
}
