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

/// A 1×1 PNG: what a raster tile file holds.
const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Writes a small MBTiles file (TMS rows, as the format has them) with one tile at z1/x1/y0.
async fn mbtiles(format: &str) -> std::path::PathBuf {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let path = std::env::temp_dir().join(format!(
        "zhili-basemap-{}-{format}.mbtiles",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
    for sql in [
        "CREATE TABLE metadata (name TEXT, value TEXT)",
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
        "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    for (k, v) in [
        ("name", "test"),
        ("format", format),
        ("minzoom", "0"),
        ("maxzoom", "2"),
        ("bounds", "108.3,29.0,109.0,29.9"),
        ("attribution", "测试底图"),
    ] {
        sqlx::query("INSERT INTO metadata VALUES (?1, ?2)")
            .bind(k)
            .bind(v)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO tiles VALUES (1, 1, 1, ?1)")
        .bind(PNG_1X1)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    path
}

#[tokio::test]
async fn an_operators_basemap_is_served_from_its_file_or_named_as_a_service() {
    let db = TestDb::sqlite();
    let s = Server::start(&db).await;
    let token = s.token("district").await;
    let (_, none) = s.get("/api/v1/basemap", Some(&token)).await;
    assert_eq!(
        none["kind"], "none",
        "no basemap unless the operator gives one"
    );
    let (st, b) = s.get("/api/v1/basemap/tiles/1/1/0", Some(&token)).await;
    assert_error(st, &b, 404, "not_found");

    let path = mbtiles("png").await;
    let file = zhili::basemap::MbTiles::open(&path).await.unwrap();
    s.state
        .set_basemap(Some(zhili::basemap::Basemap::File(file)));
    let (_, described) = s.get("/api/v1/basemap", Some(&token)).await;
    assert_eq!(
        (
            described["kind"].as_str(),
            described["max_zoom"].as_i64(),
            described["attribution"].as_str()
        ),
        (Some("file"), Some(2), Some("测试底图"))
    );
    assert_eq!(described["tiles"], "/api/v1/basemap/tiles/{z}/{x}/{y}");
    let tile = s
        .http
        .get(format!("{}/api/v1/basemap/tiles/1/1/0", s.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(tile.status(), StatusCode::OK);
    assert_eq!(tile.headers()["content-type"], "image/png");
    assert_eq!(
        tile.bytes().await.unwrap().as_ref(),
        PNG_1X1,
        "XYZ y=0 is the file's TMS row 1"
    );
    let (st, _) = s.get("/api/v1/basemap/tiles/1/0/0", Some(&token)).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "a tile the file does not have");
    for bad in ["1/2/0", "1/0/2", "23/0/0", "a/0/0", "-1/0/0"] {
        let (st, b) = s
            .get(&format!("/api/v1/basemap/tiles/{bad}"), Some(&token))
            .await;
        assert_error(st, &b, 422, "invalid_parameter");
    }
    let (st, _) = s.get("/api/v1/basemap/tiles/1/1/0", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A vector file needs a style this server does not have: refused when opened, by name.
    let vector = mbtiles("pbf").await;
    let refused = zhili::basemap::MbTiles::open(&vector).await.err().unwrap();
    assert!(
        refused.contains("pbf") && refused.contains("raster"),
        "{refused}"
    );
    assert!(
        zhili::basemap::MbTiles::open(std::path::Path::new("/nonexistent.mbtiles"))
            .await
            .is_err()
    );

    // A tile service: the page may load from its origin, and only from it.
    let service = zhili::basemap::TileService::new(
        "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=k",
        Some("天地图"),
    )
    .unwrap();
    s.state
        .set_basemap(Some(zhili::basemap::Basemap::Service(service)));
    let (_, described) = s.get("/api/v1/basemap", Some(&token)).await;
    assert_eq!(described["kind"], "service");
    let page = s
        .http
        .get(format!("{}/command", s.base))
        .send()
        .await
        .unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("img-src 'self' blob: data: https://t0.tianditu.gov.cn;")
            && csp.contains("connect-src 'self' https://t0.tianditu.gov.cn"),
        "{csp}"
    );
    for p in [path, vector] {
        let _ = std::fs::remove_file(p);
    }
    s.stop().await;
    db.drop_database().await.unwrap();
}
