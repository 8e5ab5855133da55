//! End-to-end tests: the real server on a random port, on a fresh database loaded with the
//! demo city — SQLite always, PostgreSQL too when ZHILI_TEST_DATABASE_URL is given.

use geo::{Coord, InteriorPoint, MultiPolygon};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use zhili::demo::{self, city::CityPlan};
use zhili::state::AppState;
use zhili_domain::chain::{self, Actor};
use zhili_domain::user::LoginPolicy;
use zhili_spatial::geojson;
use zhili_store::testing::TestDb;
use zhili_store::{SqlStore, Store};

const PASSWORD: &str = "demo-password-2026";

fn plan() -> &'static CityPlan {
    static PLAN: OnceLock<CityPlan> = OnceLock::new();
    PLAN.get_or_init(|| demo::city::synthesize(2026, &mut |_, _| {}))
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| zhili::auth::hash_password(PASSWORD).unwrap())
}

struct Server {
    base: String,
    http: reqwest::Client,
    store: Arc<SqlStore>,
    state: Arc<AppState>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(db: &TestDb) -> Server {
        let store = Arc::new(db.open().await.unwrap());
        let load = demo::city_load(plan(), password_hash(), 2026, 1_790_000_000_000);
        store
            .load_city(&Actor::system(), &load, 1_790_000_000_000)
            .await
            .unwrap();
        let state = AppState::new(
            store.clone(),
            LoginPolicy::default(),
            zhili::crypto::DataKey::generate(),
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serving = state.clone();
        let task = tokio::spawn(async move {
            zhili::http::serve(serving, listener).await.unwrap();
        });
        Server {
            base,
            http: reqwest::Client::new(),
            store,
            state,
            task,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn post_put(&self, path: &str, token: Option<&str>, body: String) -> (StatusCode, Value) {
        let mut req = self
            .http
            .put(format!("{}{path}", self.base))
            .body(body)
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn login_as(&self, username: &str, password: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/auth/login",
            None,
            Some("application/json"),
            json!({"username": username, "password": password}).to_string(),
        )
        .await
    }

    async fn token(&self, username: &str) -> String {
        self.token_with(username, PASSWORD).await
    }

    async fn token_with(&self, username: &str, password: &str) -> String {
        let (status, body) = self.login_as(username, password).await;
        assert_eq!(status, StatusCode::OK, "{username}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn stop(self) {
        self.task.abort();
        let actions = self.store.actions(0, i64::MAX).await.unwrap();
        chain::verify(&actions).expect("the record stays intact through every test");
    }
}

/// Runs `test` against a fresh server on every backend.
async fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(Server) -> Fut,
    Fut: std::future::Future<Output = Server>,
{
    for db in TestDb::all().await {
        let server = Server::start(&db).await;
        let server = test(server).await;
        server.stop().await;
        db.drop_database().await.unwrap();
    }
}

fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["code"], want_code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body.get("details").is_some(), "{body}");
}

fn grid(code: &str) -> &'static demo::city::PlannedRegion {
    plan()
        .grids
        .iter()
        .find(|g| g.code.as_str() == code)
        .unwrap()
}

const M_PER_DEG: f64 = 111_195.0;

fn distance_to_edges_m(shape: &MultiPolygon<f64>, p: Coord<f64>) -> f64 {
    let kx = M_PER_DEG * p.y.to_radians().cos();
    let mut best = f64::INFINITY;
    for poly in &shape.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for w in ring.0.windows(2) {
                let (ax, ay) = ((w[0].x - p.x) * kx, (w[0].y - p.y) * M_PER_DEG);
                let (bx, by) = ((w[1].x - p.x) * kx, (w[1].y - p.y) * M_PER_DEG);
                let (dx, dy) = (bx - ax, by - ay);
                let t = (-(ax * dx + ay * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
                best = best.min(((ax + t * dx).powi(2) + (ay + t * dy).powi(2)).sqrt());
            }
        }
    }
    best
}

/// A point well inside a grid (more than 30 m from every edge).
/// The dashboard's running totals say what counting the events says, for the district
/// and a town, by child region and by lead unit.
async fn totals_agree(store: &SqlStore) {
    use zhili_domain::{RegionCode, Role, Scope};
    use zhili_store::{StatGroup, StatsQuery};
    let now = zhili::now_ms();
    for (root, group) in [
        ("500114", StatGroup::Town),
        ("500114", StatGroup::Department),
        ("500114001", StatGroup::Village),
        ("500114001", StatGroup::Department),
    ] {
        let scope = Scope::new(
            RegionCode::parse(root).unwrap(),
            Role::DistrictCommander,
            None,
        );
        let q = StatsQuery {
            region: None,
            group,
            now,
            today_start: now - 86_400_000,
            departments: (1..=26).map(|d| format!("D{d:02}")).collect(),
        };
        let mut totals = store.event_stats(&scope, &q).await.unwrap();
        let mut counted = store.event_stats_counted(&scope, &q).await.unwrap();
        for rows in [&mut totals, &mut counted] {
            rows.retain(|r| r.count != 0);
            rows.sort_by(|a, b| (&a.key, a.status.as_str()).cmp(&(&b.key, b.status.as_str())));
        }
        assert_eq!(totals, counted, "{root} {:?}", q.group);
    }
}

fn deep_point(code: &str) -> Coord<f64> {
    let g = grid(code);
    let p = g.shape.interior_point().unwrap().0;
    assert!(
        distance_to_edges_m(&g.shape, p) > 30.0,
        "interior point of {code} is too near an edge"
    );
    p
}

#[tokio::test]
async fn health_and_openapi() {
    on_every_backend(|s| async move {
        let (status, body) = s.get("/healthz", None).await;
        assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
        let (status, doc) = s.get("/api/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in [
            "/api/v1/auth/login",
            "/api/v1/regions",
            "/api/v1/regions/{code}",
            "/api/v1/locate",
            "/api/v1/units",
            "/api/v1/grids/import",
            "/healthz",
        ] {
            assert!(
                doc["paths"].get(path).is_some(),
                "{path} missing from the OpenAPI document"
            );
        }
        assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
        let (status, _) = s.get("/", None).await;
        assert_eq!(status, StatusCode::OK);
        s
    })
    .await;
}

#[tokio::test]
async fn every_demo_role_signs_in_and_sees_its_own_scope() {
    on_every_backend(|s| async move {
        let cases = [
            ("admin", "admin", "500114", 30),
            ("district", "district_commander", "500114", 30),
            ("district-operator", "district_operator", "500114", 30),
            ("leader", "leader", "500114", 30),
            ("dept-D09", "department_handler", "500114", 30),
            ("town-500114001", "town_operator", "500114001", 1),
            (
                "village-500114001001",
                "village_operator",
                "500114001001",
                0,
            ),
            ("grid-500114001001001", "grid_worker", "500114001001001", 0),
        ];
        for (username, role, region, towns) in cases {
            let (status, body) = s.login_as(username, PASSWORD).await;
            assert_eq!(status, StatusCode::OK, "{username}: {body}");
            assert_eq!(body["user"]["role"], role);
            assert_eq!(body["user"]["region_code"], region);
            let token = body["token"].as_str().unwrap();
            let (status, me) = s.get("/api/v1/auth/me", Some(token)).await;
            assert_eq!(
                (status, me["username"].as_str()),
                (StatusCode::OK, Some(username))
            );
            let (status, list) = s.get("/api/v1/regions?level=town", Some(token)).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(list.as_array().unwrap().len(), towns, "{username} towns");
            let (_, grids) = s.get("/api/v1/regions?level=grid", Some(token)).await;
            let grids = grids.as_array().unwrap();
            assert!(!grids.is_empty(), "{username} sees grids");
            assert!(
                grids
                    .iter()
                    .all(|g| g["code"].as_str().unwrap().starts_with(region)),
                "{username} sees only its subtree"
            );
        }
        let dept = s.token("dept-D01").await;
        let (_, me) = s.get("/api/v1/auth/me", Some(&dept)).await;
        assert_eq!(me["department"], "D01");
        s
    })
    .await;
}

#[tokio::test]
async fn regions_contract_and_out_of_scope_is_404() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let (status, towns) = s.get("/api/v1/regions?level=town", Some(&district)).await;
        assert_eq!(status, StatusCode::OK);
        let towns = towns.as_array().unwrap();
        assert_eq!(towns.len(), 30);
        let first = &towns[0];
        assert_eq!(first["code"], "500114001");
        assert_eq!(first["name"], "城东街道");
        assert_eq!(first["level"], "town");
        assert_eq!(first["kind"], "街道");
        assert_eq!(first["parent_code"], "500114");
        assert!(
            first.get("geometry").is_none(),
            "no boundaries unless asked"
        );
        let (_, villages) = s
            .get("/api/v1/regions?level=village", Some(&district))
            .await;
        assert_eq!(villages.as_array().unwrap().len(), 220);
        let (_, grids) = s.get("/api/v1/regions?level=grid", Some(&district)).await;
        assert_eq!(grids.as_array().unwrap().len(), 1662);
        let (_, children) = s
            .get(
                "/api/v1/regions?level=grid&parent=500114001001",
                Some(&district),
            )
            .await;
        let children = children.as_array().unwrap();
        assert!(
            !children.is_empty()
                && children.iter().all(|g| g["parent_code"] == "500114001001"
                    && g["code"].as_str().unwrap().len() == 15)
        );
        let (_, with_geo) = s
            .get(
                "/api/v1/regions?level=village&parent=500114001&geometry=true",
                Some(&district),
            )
            .await;
        for v in with_geo.as_array().unwrap() {
            let shape = geojson::parse_polygonal(&v["geometry"]).expect("geometry is GeoJSON");
            assert!(zhili_spatial::area_m2(&shape) > 1000.0);
        }

        let (status, detail) = s
            .get(
                "/api/v1/regions/500114001001001?geometry=true",
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["version"], 1);
        assert_eq!(
            detail["kind"].as_str().map(|k| k.ends_with("网格")),
            Some(true)
        );
        assert!(detail["valid_to"].is_null());
        assert!(detail["geometry"]["type"].is_string());

        // Out of scope answers exactly like a code that does not exist.
        let town = s.token("town-500114001").await;
        let (status_other, other) = s.get("/api/v1/regions/500114002001", Some(&town)).await;
        let (status_none, none) = s.get("/api/v1/regions/500114001399", Some(&town)).await;
        assert_error(status_other, &other, 404, "not_found");
        assert_error(status_none, &none, 404, "not_found");
        let (status, _) = s.get("/api/v1/regions/500114", Some(&town)).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "the district is above a town operator's scope"
        );
        let (status, _) = s.get("/api/v1/regions/500114001002", Some(&town)).await;
        assert_eq!(status, StatusCode::OK);
        let worker = s.token("grid-500114001001001").await;
        let (status, _) = s
            .get("/api/v1/regions/500114001001002", Some(&worker))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, versions) = s
            .get("/api/v1/regions/500114001001001/versions", Some(&worker))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(versions.as_array().unwrap().len(), 1);
        s
    })
    .await;
}

#[tokio::test]
async fn locate_resolves_the_chain_in_every_crs() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let code = "500114001001001";
        let p = deep_point(code);
        let (status, hit) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", p.x, p.y),
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{hit}");
        assert_eq!(hit["grid"]["code"], code);
        assert_eq!(
            hit["village"],
            json!({"code": "500114001001", "name": "文汇社区"})
        );
        assert_eq!(
            hit["town"],
            json!({"code": "500114001", "name": "城东街道"})
        );
        assert_eq!(hit["district"], json!({"code": "500114", "name": "黔江区"}));
        assert_eq!(hit["near_boundary"], false);
        assert!(hit["grid"]["name"].as_str().unwrap().contains("网格"));

        for crs in [zhili_spatial::Crs::Gcj02, zhili_spatial::Crs::Bd09] {
            let (x, y) = crs.from_wgs84(p.x, p.y);
            let name = if crs == zhili_spatial::Crs::Gcj02 {
                "gcj02"
            } else {
                "bd09"
            };
            let (status, hit) = s
                .get(
                    &format!("/api/v1/locate?lon={x}&lat={y}&crs={name}"),
                    Some(&district),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(hit["grid"]["code"], code, "{name}");
            assert!((hit["lon"].as_f64().unwrap() - p.x).abs() < 1e-7);
        }

        // 10 m from an edge of the grid, toward its inside.
        let g = grid(code);
        let ring = &g.shape.0[0].exterior().0;
        let (a, b) = (ring[0], ring[1]);
        let mid = Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        let toward = Coord {
            x: p.x - mid.x,
            y: p.y - mid.y,
        };
        let len_m = ((toward.x * M_PER_DEG * mid.y.to_radians().cos()).powi(2)
            + (toward.y * M_PER_DEG).powi(2))
        .sqrt();
        let near = Coord {
            x: mid.x + toward.x * 10.0 / len_m,
            y: mid.y + toward.y * 10.0 / len_m,
        };
        let (status, hit) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", near.x, near.y),
                Some(&district),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(hit["near_boundary"], true, "{hit}");

        let (status, body) = s
            .get("/api/v1/locate?lon=116.39&lat=39.9", Some(&district))
            .await;
        assert_error(status, &body, 404, "outside_coverage");

        // A grid worker's coverage is their grid.
        let worker = s.token("grid-500114001001001").await;
        let (status, _) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", p.x, p.y),
                Some(&worker),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let elsewhere = deep_point(
            &plan()
                .grids
                .iter()
                .find(|g| g.code.as_str().starts_with("500114002"))
                .unwrap()
                .code
                .to_string(),
        );
        let (status, body) = s
            .get(
                &format!("/api/v1/locate?lon={}&lat={}", elsewhere.x, elsewhere.y),
                Some(&worker),
            )
            .await;
        assert_error(status, &body, 404, "outside_coverage");
        s
    })
    .await;
}

#[tokio::test]
async fn units_are_scoped() {
    on_every_backend(|s| async move {
        let district = s.token("district").await;
        let (status, all) = s.get("/api/v1/units", Some(&district)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all.as_array().unwrap().len(), 1 + 30 + 220 + 26);
        let (_, depts) = s.get("/api/v1/units?kind=department", Some(&district)).await;
        let depts = depts.as_array().unwrap();
        assert_eq!(depts.len(), 26);
        assert_eq!(depts[0], json!({"id": "D01", "name": "黔江区公安分局", "kind": "department", "region_code": "500114"}));
        let (_, centres) = s.get("/api/v1/units?kind=centre", Some(&district)).await;
        assert_eq!(centres.as_array().unwrap().len(), 31);
        let village = s.token("village-500114001001").await;
        let (_, mine) = s.get("/api/v1/units", Some(&village)).await;
        let ids: Vec<&str> = mine.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 27);
        assert!(ids.contains(&"S500114001001") && !ids.contains(&"S500114001002") && !ids.contains(&"C500114001"));
        s
    })
    .await;
}

#[tokio::test]
async fn sign_in_failures_lock_and_tokens_end() {
    on_every_backend(|s| async move {
        let (status, body) = s.login_as("nobody", PASSWORD).await;
        assert_error(status, &body, 401, "invalid_credentials");
        for _ in 0..4 {
            let (status, body) = s.login_as("town-500114002", "wrong password").await;
            assert_error(status, &body, 401, "invalid_credentials");
        }
        let (status, body) = s.login_as("town-500114002", "wrong password").await;
        assert_error(status, &body, 429, "account_locked");
        let (status, body) = s.login_as("town-500114002", PASSWORD).await;
        assert_error(status, &body, 429, "account_locked");
        // Other accounts are unaffected.
        let token = s.token("town-500114003").await;

        let (status, body) = s.get("/api/v1/regions", None).await;
        assert_error(status, &body, 401, "unauthenticated");
        let (status, body) = s.get("/api/v1/regions", Some("zl_not_a_real_token")).await;
        assert_error(status, &body, 401, "unauthenticated");
        let (status, _) = s.post("/api/v1/auth/logout", Some(&token), None, "").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = s.get("/api/v1/regions", Some(&token)).await;
        assert_error(status, &body, 401, "unauthenticated");

        let actions = s.store.actions(0, i64::MAX).await.unwrap();
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.locked" && a.subject == "user:town-500114002"));
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.logout" && a.subject == "user:town-500114003"));
        s
    })
    .await;
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_the_field_never_a_500() {
    on_every_backend(|s| async move {
        let json_ct = Some("application/json");
        let login = "/api/v1/auth/login";
        let (st, b) = s.post(login, None, json_ct, "{\"username\": ").await;
        assert_error(st, &b, 400, "invalid_json");
        let (st, b) = s
            .post(
                login,
                None,
                json_ct,
                r#"{"username":"a","password":"b","extra":1}"#,
            )
            .await;
        assert_error(st, &b, 400, "unknown_field");
        assert_eq!(b["details"]["field"], "extra");
        let (st, b) = s.post(login, None, json_ct, r#"{"username":"a"}"#).await;
        assert_error(st, &b, 400, "missing_field");
        assert_eq!(b["details"]["field"], "password");
        let (st, b) = s
            .post(login, None, json_ct, r#"{"username":7,"password":"b"}"#)
            .await;
        assert_error(st, &b, 422, "invalid_parameter");
        assert_eq!(b["details"]["field"], "username");
        let (st, b) = s.post(login, None, json_ct, "[]").await;
        assert_error(st, &b, 400, "invalid_json");
        // A path parameter that is not even text answers the one error shape too.
        let district = s.token("district").await;
        for path in [
            "/api/v1/regions/%00%ff",
            "/api/v1/events/%ff",
            "/api/v1/people/%c3%28",
        ] {
            let (st, b) = s.get(path, Some(&district)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "path", "{path}");
        }
        let (st, b) = s
            .post(login, None, None, r#"{"username":"a","password":"b"}"#)
            .await;
        assert_error(st, &b, 415, "unsupported_media_type");
        let huge = format!(r#"{{"username":"a","password":"{}"}}"#, "x".repeat(200_000));
        let (st, b) = s.post(login, None, json_ct, huge).await;
        assert_error(st, &b, 413, "payload_too_large");

        let t = s.token("district").await;
        let t = Some(t.as_str());
        for (path, status, code, field) in [
            (
                "/api/v1/regions?level=country",
                422,
                "invalid_parameter",
                Some("level"),
            ),
            (
                "/api/v1/regions?parent=12345",
                422,
                "invalid_parameter",
                Some("parent"),
            ),
            (
                "/api/v1/regions?geometry=maybe",
                422,
                "invalid_parameter",
                Some("geometry"),
            ),
            (
                "/api/v1/regions?bogus=1",
                400,
                "unknown_field",
                Some("bogus"),
            ),
            (
                "/api/v1/regions/abc",
                422,
                "invalid_parameter",
                Some("code"),
            ),
            (
                "/api/v1/regions/500114001001001/versions?x=1",
                400,
                "unknown_field",
                Some("x"),
            ),
            (
                "/api/v1/auth/me?verbose=1",
                400,
                "unknown_field",
                Some("verbose"),
            ),
            (
                "/api/v1/locate?lon=108.7&lat=95",
                422,
                "invalid_parameter",
                Some("lat"),
            ),
            (
                "/api/v1/locate?lon=200&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=abc&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=NaN&lat=29.5",
                422,
                "invalid_parameter",
                Some("lon"),
            ),
            (
                "/api/v1/locate?lon=108.7",
                400,
                "missing_field",
                Some("lat"),
            ),
            (
                "/api/v1/locate?lon=108.7&lat=29.5&crs=utm",
                422,
                "invalid_parameter",
                Some("crs"),
            ),
            (
                "/api/v1/units?kind=shop",
                422,
                "invalid_parameter",
                Some("kind"),
            ),
            ("/api/v1/nothing-here", 404, "not_found", None),
        ] {
            let (st, b) = s.get(path, t).await;
            assert_error(st, &b, status, code);
            if let Some(f) = field {
                assert_eq!(b["details"]["field"], f, "{path}: {b}");
            }
        }
        let (st, b) = s.post("/api/v1/regions", t, json_ct, "{}").await;
        assert_error(st, &b, 405, "method_not_allowed");
        s
    })
    .await;
}

fn feature(code: &str, name: &str, shape: &MultiPolygon<f64>) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name, "kind": "综合网格"}, "geometry": geojson::to_geometry(shape)})
}

#[tokio::test]
async fn grid_import_validates_everything_then_writes_all_or_nothing() {
    on_every_backend(|s| async move {
        use geo::BooleanOps;
        let village = "500114001001";
        let grids: Vec<&demo::city::PlannedRegion> = plan().grids.iter().filter(|g| g.code.as_str().starts_with(village)).collect();
        assert!(grids.len() >= 3);
        let admin = s.token("admin").await;
        let generation = s.store.regions_generation().await.unwrap();

        // Overlap: grid 2 also claims grid 1's area.
        let mut bad: Vec<Value> = grids.iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)).collect();
        bad[1] = feature(grids[1].code.as_str(), &grids[1].name, &grids[1].shape.union(&grids[0].shape));
        bad.push(json!({"type": "Feature", "properties": {"code": "500114001001x", "name": "坏"}, "geometry": null}));
        let body = json!({"type": "FeatureCollection", "features": bad}).to_string();
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), Some("application/geo+json"), body.clone()).await;
        assert_error(st, &b, 422, "invalid_geometry");
        let problems = b["details"]["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["problem"] == "invalid_code" && p["feature"] == grids.len()), "{b}");
        // Structural problems stop the file before geometry checks; fix them and see the overlap.
        let mut bad2: Vec<Value> = grids.iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)).collect();
        bad2[1] = feature(grids[1].code.as_str(), &grids[1].name, &grids[1].shape.union(&grids[0].shape));
        let body2 = json!({"type": "FeatureCollection", "features": bad2}).to_string();
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, body2).await;
        assert_error(st, &b, 422, "invalid_geometry");
        let problems = b["details"]["problems"].as_array().unwrap();
        assert!(problems.iter().any(|p| p["problem"] == "overlap"), "{b}");
        assert_eq!(s.store.regions_generation().await.unwrap(), generation, "nothing written");

        // Not an admin: refused.
        let district = s.token("district").await;
        let (st, b) = s.post("/api/v1/grids/import", Some(&district), None, body).await;
        assert_error(st, &b, 403, "forbidden");
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, "not json").await;
        assert_error(st, &b, 422, "invalid_geometry");

        // Merge grids 1 and 2 into one: valid. Dry run first, then for real.
        let merged = grids[0].shape.union(&grids[1].shape);
        let mut good: Vec<Value> = vec![feature(grids[0].code.as_str(), "合并后的第1网格", &merged)];
        good.extend(grids[2..].iter().map(|g| feature(g.code.as_str(), &g.name, &g.shape)));
        let body = json!({"type": "FeatureCollection", "features": good}).to_string();
        let (st, b) = s.post("/api/v1/grids/import?dry_run=true", Some(&admin), None, body.clone()).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["written"], false);
        assert_eq!(s.store.regions_generation().await.unwrap(), generation);
        let (st, b) = s.post("/api/v1/grids/import", Some(&admin), None, body).await;
        assert_eq!(st, StatusCode::OK, "{b}");
        assert_eq!(b["summary"], json!({"created": 0, "updated": 1, "unchanged": grids.len() - 2, "retired": 1}));

        // The old boundary is history, the new one is current, and locate follows at once.
        let (_, versions) = s.get(&format!("/api/v1/regions/{}/versions", grids[0].code), Some(&district)).await;
        let versions = versions.as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions[0]["valid_to"].is_string() && versions[1]["valid_to"].is_null());
        assert_eq!(versions[1]["name"], "合并后的第1网格");
        let (st, _) = s.get(&format!("/api/v1/regions/{}", grids[1].code), Some(&district)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "the absorbed grid is retired");
        let p = deep_point(grids[1].code.as_str());
        let (st, hit) = s.get(&format!("/api/v1/locate?lon={}&lat={}", p.x, p.y), Some(&district)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(hit["grid"]["code"], grids[0].code.as_str());
        s
    })
    .await;
}

fn zhili() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_zhili"))
}

/// A scratch folder holding a demo database built by the real binary.
fn demo_db(purpose: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("zhili_{purpose}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("demo.db");
    let out = zhili()
        .args([
            "demo",
            "--db",
            db.to_str().unwrap(),
            "--password",
            PASSWORD,
            "--no-serve",
            "--people",
            "3000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1662 grids"));
    (dir, db)
}

#[test]
fn cli_import_reports_every_problem_and_audit_names_the_broken_record() {
    let (dir, db) = demo_db("cli");

    let bad = dir.join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"500114001001001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[108,29],[109,30],[109,29],[108,30],[108,29]]]}},{"type":"Feature","properties":{"code":"123","name":"y"},"geometry":null}]}"#).unwrap();
    let out = zhili()
        .args([
            "import",
            "grids",
            bad.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("feature 0 (500114001001001)") && err.contains("self-intersection"),
        "{err}"
    );
    assert!(
        err.contains("feature 1 (123)") && err.contains("invalid_code"),
        "{err}"
    );

    let out = zhili()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = zhili()
        .args([
            "user",
            "add",
            "ops-1",
            "--role",
            "town_operator",
            "--region",
            "500114002",
            "--unit",
            "C500114002",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("ZHILI_USER_PASSWORD", "a long password")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhili()
        .args([
            "user",
            "add",
            "ops-2",
            "--role",
            "town_operator",
            "--region",
            "500114",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("ZHILI_USER_PASSWORD", "a long password")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("region"));
    let out = zhili()
        .args(["user", "passwd", "ops-1", "--db", db.to_str().unwrap()])
        .env("ZHILI_USER_PASSWORD", "another long one")
        .output()
        .unwrap();
    assert!(out.status.success());

    // Verify while another process keeps writing: records appended meanwhile never make an
    // intact chain look broken (the records and the head are read consistently).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, url) = (stop.clone(), format!("sqlite:{}", db.display()));
        rt.spawn(async move {
            let store = zhili_store::open(&url).await.unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let action = Actor::system().action(zhili::now_ms(), "test.write", "test:audit");
                store.record_read(action).await.unwrap();
                n += 1;
            }
            n
        })
    };
    for _ in 0..2 {
        let out = zhili()
            .args(["audit", "verify", "--db", db.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = rt.block_on(writer).unwrap();
    assert!(written > 0, "the writer wrote while verify ran");

    // Alter one record behind the system's back: verify names it and fails.
    rt.block_on(async {
        let store = zhili_store::open(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        sqlx::query("UPDATE actions SET actor = 'mallory' WHERE seq = 42")
            .execute(store.pool())
            .await
            .unwrap();
    });
    let out = zhili()
        .args(["audit", "verify", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("record 42"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let (dir, db) = demo_db("kill");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = zhili()
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let token = rt.block_on(async {
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let resp = http
            .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
            .json(&json!({"username": "leader", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    });
    // SIGKILL: no shutdown, no flush. What was acknowledged must be on disk.
    child.kill().unwrap();
    child.wait().unwrap();
    rt.block_on(async {
        let store = zhili_store::open(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let user = store
            .user_by_token(&zhili::auth::token_hash(&token), zhili::now_ms())
            .await
            .unwrap();
        assert_eq!(user.map(|u| u.username).as_deref(), Some("leader"));
        let actions = store.actions(0, i64::MAX).await.unwrap();
        chain::verify(&actions).unwrap();
        assert!(actions
            .iter()
            .any(|a| a.action == "auth.login" && a.subject == "user:leader"));
    });
    std::fs::remove_dir_all(&dir).ok();
}

mod events {
    use super::*;

    fn report_body(category: &str, p: Coord<f64>, phone: Option<&str>) -> String {
        let mut body = json!({
            "channel": "grid_patrol",
            "category": category,
            "description": "文汇社区路灯不亮",
            "location": {"lon": p.x, "lat": p.y},
            "occurred_at": "2026-11-27T08:00:00+08:00",
        });
        if let Some(phone) = phone {
            body["reporter"] = json!({"name": "张三", "phone": phone});
        }
        body.to_string()
    }

    async fn act(s: &Server, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
        s.post(
            &format!("/api/v1/events/{id}/actions"),
            Some(token),
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    #[tokio::test]
    async fn a_case_walks_the_whole_loop_through_the_api() {
        on_every_backend(|s| async move {
            let grid_code = "500114001001001";
            let p = deep_point(grid_code);
            let worker = s.token(&format!("grid-{grid_code}")).await;
            let (st, created) = s
                .post(
                    "/api/v1/events",
                    Some(&worker),
                    Some("application/json"),
                    report_body("0602", p, Some("+86 138-1234-5678")),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{created}");
            let id = created["id"].as_i64().unwrap();
            assert_eq!(created["status"], "reported");
            assert!(created["case_number"]
                .as_str()
                .unwrap()
                .starts_with("500114-"));
            assert_eq!(created["region"]["grid"]["code"], grid_code);
            assert_eq!(created["region"]["village"]["name"], "文汇社区");
            assert!(created["duplicate_of_suggestion"].is_null());

            // The same subcategory 30 m away within a day is suggested as a duplicate.
            let near = Coord {
                x: p.x + 30.0 / (111_195.0 * p.y.to_radians().cos()),
                y: p.y,
            };
            let (_, dup) = s
                .post(
                    "/api/v1/events",
                    Some(&worker),
                    Some("application/json"),
                    report_body("0602", near, None),
                )
                .await;
            assert_eq!(dup["duplicate_of_suggestion"], id, "{dup}");
            let dup_id = dup["id"].as_i64().unwrap();

            let village = s.token("village-500114001001").await;
            let (st, d) = act(&s, &village, dup_id, json!({"action": "merge", "into": id})).await;
            assert_eq!(
                (st, d["status"].as_str()),
                (StatusCode::OK, Some("merged")),
                "{d}"
            );
            assert_eq!(d["merged_into"], id);

            let (st, d) = act(&s, &village, id, json!({"action": "register"})).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert_eq!(d["status"], "registered");
            assert_eq!(d["matter_class"], "大事");
            assert_eq!(d["suggested_lead"], "D09", "路灯故障 is led by 城管");
            // Dispatch with the suggestion (no lead given).
            let (st, d) = act(
                &s,
                &village,
                id,
                json!({"action": "dispatch", "opinion": "请城管处置", "version": d["version"]}),
            )
            .await;
            assert_eq!(st, StatusCode::OK, "{d}");
            assert_eq!(
                (d["status"].as_str(), d["lead_unit"].as_str()),
                (Some("dispatched"), Some("D09"))
            );

            // Only the lead unit accepts.
            let d01 = s.token("dept-D01").await;
            let (st, b) = act(&s, &d01, id, json!({"action": "accept"})).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "D01 does not even see it: {b}");
            let d09 = s.token("dept-D09").await;
            let (st, b) = act(&s, &worker, id, json!({"action": "accept"})).await;
            assert_error(st, &b, 409, "invalid_transition");
            let (st, d) = act(&s, &d09, id, json!({"action": "accept"})).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let (st, d) = act(
                &s,
                &d09,
                id,
                json!({"action": "request_extension", "hours": 8, "reason": "等待配件"}),
            )
            .await;
            assert_eq!(
                (st, d["pending_extension_hours"].as_f64()),
                (StatusCode::OK, Some(8.0)),
                "{d}"
            );
            let due_before = d["due_at"].as_str().unwrap().to_string();
            let (st, d) = act(&s, &village, id, json!({"action": "approve_extension"})).await;
            assert_eq!(st, StatusCode::OK);
            assert!(
                d["due_at"].as_str().unwrap() > due_before.as_str(),
                "the extension moves the due time"
            );
            let (st, d) = act(
                &s,
                &d09,
                id,
                json!({"action": "handle", "feedback": "已更换灯泡"}),
            )
            .await;
            assert_eq!(
                (st, d["status"].as_str()),
                (StatusCode::OK, Some("handled"))
            );
            let (st, d) = act(
                &s,
                &worker,
                id,
                json!({"action": "verify", "passed": false, "opinion": "仍不亮"}),
            )
            .await;
            assert_eq!(
                (st, d["status"].as_str(), d["counters"]["reworks"].as_i64()),
                (StatusCode::OK, Some("accepted"), Some(1))
            );
            act(
                &s,
                &d09,
                id,
                json!({"action": "handle", "feedback": "已更换线路"}),
            )
            .await;
            let (_, d) = act(&s, &worker, id, json!({"action": "verify", "passed": true})).await;
            assert_eq!(d["status"], "verified");
            let (_, d) = act(&s, &village, id, json!({"action": "close"})).await;
            assert_eq!(d["status"], "closed");
            let (st, d) = act(
                &s,
                &village,
                id,
                json!({"action": "evaluate", "satisfaction": 5}),
            )
            .await;
            assert_eq!(
                (st, d["status"].as_str(), d["satisfaction"].as_i64()),
                (StatusCode::OK, Some("evaluated"), Some(5))
            );

            let (st, d) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
            assert_eq!(st, StatusCode::OK);
            let actions: Vec<&str> = d["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["action"].as_str().unwrap())
                .collect();
            assert_eq!(
                actions,
                [
                    "report",
                    "register",
                    "dispatch",
                    "accept",
                    "request_extension",
                    "approve_extension",
                    "handle",
                    "verify",
                    "handle",
                    "verify",
                    "close",
                    "evaluate"
                ]
            );
            let first = &d["timeline"][2];
            assert_eq!(
                (
                    first["actor"].as_str(),
                    first["unit"].as_str(),
                    first["opinion"].as_str()
                ),
                (
                    Some("village-500114001001"),
                    Some("S500114001001"),
                    Some("请城管处置")
                )
            );
            let steps: Vec<&str> = d["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["step"].as_str().unwrap())
                .collect();
            assert_eq!(
                steps,
                [
                    "register", "dispatch", "take_up", "handle", "verify", "handle", "verify",
                    "close"
                ]
            );
            assert!(d["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["on_time"].is_boolean() && t["due_at"].is_string()));
            assert_eq!(d["reporter_phone"], "138****5678");

            // Lists: scoped and filtered; the phone only masked.
            let (_, list) = s
                .get("/api/v1/events?status=evaluated", Some(&village))
                .await;
            assert_eq!(list["total"], 1);
            assert_eq!(list["items"][0]["reporter_phone"], "138****5678");
            let other_town = s.token("town-500114002").await;
            let (_, list) = s.get("/api/v1/events", Some(&other_town)).await;
            assert_eq!(list["total"], 0);
            let (st, _) = s
                .get(&format!("/api/v1/events/{id}"), Some(&other_town))
                .await;
            assert_eq!(st, StatusCode::NOT_FOUND);
            let district = s.token("district").await;
            let (_, list) = s
                .get("/api/v1/events?q=路灯&page_size=1", Some(&district))
                .await;
            assert_eq!(
                (
                    list["total"].as_i64(),
                    list["items"].as_array().unwrap().len()
                ),
                (Some(2), 1)
            );
            totals_agree(&s.store).await;
            s
        })
        .await;
    }

    #[tokio::test]
    async fn escalation_private_matters_and_concurrent_actions() {
        on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let village = s.token("village-500114001001").await;
            // 0110 债务纠纷 is a 私事: closed with guidance once the resident confirms.
            let (_, e) = s.post("/api/v1/events", Some(&village), Some("application/json"), report_body("0110", p, None)).await;
            let id = e["id"].as_i64().unwrap();
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, b) = act(&s, &village, id, json!({"action": "dispatch", "lead": "D04"})).await;
            assert_error(st, &b, 409, "invalid_transition");
            let (st, b) = act(&s, &village, id, json!({"action": "close"})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, d) = act(&s, &village, id, json!({"action": "close", "resident_confirmed": true, "opinion": "已告知可申请人民调解"})).await;
            assert_eq!((st, d["status"].as_str()), (StatusCode::OK, Some("closed")));

            // Escalation: village → town; the village no longer manages it; the town does.
            let (_, e) = s.post("/api/v1/events", Some(&village), Some("application/json"), report_body("0201", p, None)).await;
            let id = e["id"].as_i64().unwrap();
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, d) = act(&s, &village, id, json!({"action": "escalate", "reason": "村级无法处置"})).await;
            assert_eq!((st, d["owner"].as_str()), (StatusCode::OK, Some("C500114001")), "{d}");
            let (st, _) = act(&s, &village, id, json!({"action": "dispatch"})).await;
            assert_eq!(st, StatusCode::CONFLICT);
            let district = s.token("district").await;
            let (st, d) = act(&s, &district, id, json!({"action": "supervise", "level": 2})).await;
            assert_eq!((st, d["counters"]["supervision_level"].as_i64()), (StatusCode::OK, Some(2)));

            // Two dispatches at once: exactly one wins, the other is told 409.
            let town = s.token("town-500114001").await;
            let body = json!({"action": "dispatch", "lead": "D01"}).to_string();
            let path = format!("/api/v1/events/{id}/actions");
            let (a, b) = tokio::join!(
                s.post(&path, Some(&town), Some("application/json"), body.clone()),
                s.post(&path, Some(&town), Some("application/json"), body.clone())
            );
            let mut statuses = [a.0.as_u16(), b.0.as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&town)).await;
            let dispatches = d["timeline"].as_array().unwrap().iter().filter(|t| t["action"] == "dispatch").count();
            assert_eq!(dispatches, 1, "the loser wrote nothing");
            totals_agree(&s.store).await;
            s
        })
        .await;
    }

    #[tokio::test]
    async fn bad_event_input_is_a_clear_4xx() {
        on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let worker = s.token("grid-500114001001001").await;
            let ct = Some("application/json");
            let post = |body: Value| {
                let worker = worker.clone();
                let s = &s;
                async move { s.post("/api/v1/events", Some(&worker), ct, body.to_string()).await }
            };
            let base = json!({"channel": "grid_patrol", "category": "0602", "description": "x", "location": {"lon": p.x, "lat": p.y}});
            let with = |k: &str, v: Value| {
                let mut b = base.clone();
                b[k] = v;
                b
            };
            for (body, status, code, field) in [
                (with("category", json!("9999")), 422, "invalid_parameter", "category"),
                (with("channel", json!("pigeon")), 422, "invalid_parameter", "channel"),
                (with("description", json!("  ")), 422, "invalid_parameter", "description"),
                (with("location", json!({"lon": 200, "lat": 29.5})), 422, "invalid_parameter", "location.lon"),
                (with("location", json!({"lon": p.x})), 400, "missing_field", "location.lat"),
                (with("occurred_at", json!("yesterday")), 422, "invalid_parameter", "occurred_at"),
                (with("occurred_at", json!("2099-01-01T00:00:00Z")), 422, "invalid_parameter", "occurred_at"),
                (with("reporter", json!({"phone": "12"})), 422, "invalid_parameter", "reporter.phone"),
                (with("extra", json!(1)), 400, "unknown_field", "extra"),
            ] {
                let (st, b) = post(body.clone()).await;
                assert_error(st, &b, status, code);
                assert_eq!(b["details"]["field"], field, "{body}: {b}");
            }
            let (st, b) = post(with("location", json!({"lon": 116.39, "lat": 39.9}))).await;
            assert_error(st, &b, 404, "outside_coverage");
            // A grid worker reports in their own grid only.
            let other = deep_point("500114001001002");
            let (st, b) = post(with("location", json!({"lon": other.x, "lat": other.y}))).await;
            assert_error(st, &b, 404, "outside_coverage");
            let leader = s.token("leader").await;
            let (st, b) = s.post("/api/v1/events", Some(&leader), ct, base.to_string()).await;
            assert_error(st, &b, 403, "forbidden");

            let (_, e) = post(base.clone()).await;
            let id = e["id"].as_i64().unwrap();
            let village = s.token("village-500114001001").await;
            for (body, status, code, field) in [
                (json!({"action": "fly"}), 422, "invalid_parameter", Some("action")),
                (json!({"action": "reject"}), 400, "missing_field", Some("reason")),
                (json!({"action": "merge"}), 400, "missing_field", Some("into")),
                (json!({"action": "merge", "into": id}), 422, "invalid_parameter", Some("into")),
                (json!({"action": "register", "matter_class": "中事"}), 422, "invalid_parameter", Some("matter_class")),
                (json!({"action": "register", "version": 99}), 409, "invalid_transition", None),
                (json!({"action": "accept"}), 409, "invalid_transition", None),
                (json!({"action": "register", "bogus": true}), 400, "unknown_field", Some("bogus")),
            ] {
                let (st, b) = act(&s, &village, id, body.clone()).await;
                assert_error(st, &b, status, code);
                if let Some(f) = field {
                    assert_eq!(b["details"]["field"], f, "{body}: {b}");
                }
            }
            act(&s, &village, id, json!({"action": "register"})).await;
            let (st, b) = act(&s, &village, id, json!({"action": "dispatch", "lead": "D99"})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = s.get("/api/v1/events/abc", Some(&village)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = s.get("/api/v1/events/999999", Some(&village)).await;
            assert_error(st, &b, 404, "not_found");
            for q in ["status=lost", "page=0", "page_size=500", "channel=x", "category=abc", "region=1"] {
                let (st, b) = s.get(&format!("/api/v1/events?{q}"), Some(&village)).await;
                assert_error(st, &b, 422, "invalid_parameter");
            }
            s
        })
        .await;
    }

    #[tokio::test]
    async fn phones_are_never_stored_in_the_clear() {
        let db = TestDb::sqlite();
        let s = Server::start(&db).await;
        let worker = s.token("grid-500114001001001").await;
        let p = deep_point("500114001001001");
        let (st, _) = s
            .post(
                "/api/v1/events",
                Some(&worker),
                Some("application/json"),
                report_body("0602", p, Some("13987654321")),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        s.stop().await;
        let path = db.url.trim_start_matches("sqlite:").to_string();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let haystack = String::from_utf8_lossy(&bytes);
        assert!(
            !haystack.contains("13987654321"),
            "the plain phone is in the database file"
        );
        assert!(haystack.contains("139****4321"));
        db.drop_database().await.unwrap();
    }
}

mod dashboard {
    use super::*;

    #[tokio::test]
    async fn summary_counts_and_rates_for_the_callers_area() {
        on_every_backend(|s| async move {
            let p = deep_point("500114001001001");
            let village = s.token("village-500114001001").await;
            let worker = s.token("grid-500114001001001").await;
            let d09 = s.token("dept-D09").await;
            let new = |category: &'static str| {
                let s = &s;
                let worker = worker.clone();
                async move {
                    let body = json!({"channel": "grid_patrol", "category": category, "description": "测试", "location": {"lon": p.x, "lat": p.y}}).to_string();
                    let (_, e) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
                    e["id"].as_i64().unwrap()
                }
            };
            let act = |id: i64, token: String, body: Value| {
                let s = &s;
                async move {
                    let (st, b) = s.post(&format!("/api/v1/events/{id}/actions"), Some(&token), Some("application/json"), body.to_string()).await;
                    assert_eq!(st, StatusCode::OK, "{b}");
                }
            };
            let a = new("0602").await;
            for (token, body) in [
                (&village, json!({"action": "register"})),
                (&village, json!({"action": "dispatch"})),
                (&d09, json!({"action": "accept"})),
                (&d09, json!({"action": "handle", "feedback": "修好了"})),
                (&worker, json!({"action": "verify", "passed": true})),
                (&village, json!({"action": "close"})),
                (&village, json!({"action": "evaluate", "satisfaction": 5})),
            ] {
                act(a, token.clone(), body).await;
            }
            let b = new("0602").await;
            act(b, village.clone(), json!({"action": "register"})).await;
            let c = new("1301").await;
            act(c, village.clone(), json!({"action": "reject", "reason": "非本辖区事项"})).await;

            let district = s.token("district").await;
            let (st, sum) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            assert_eq!(st, StatusCode::OK, "{sum}");
            let r = &sum["region"];
            assert_eq!((r["code"].as_str(), r["name"].as_str()), (Some("500114"), Some("黔江区")));
            assert_eq!(r["total"], 3);
            assert_eq!(r["today_intake"], 3);
            assert_eq!(r["by_status"], json!({"evaluated": 1, "registered": 1, "rejected": 1}));
            assert_eq!(r["open"], 1);
            assert_eq!((r["due_to_close"].as_i64(), r["closed"].as_i64()), (Some(1), Some(1)));
            assert_eq!(r["closure_rate"], 1.0);
            assert_eq!(r["satisfaction_rate"], 1.0);
            assert_eq!(r["rework_rate"], 0.0);
            let towns = sum["by_region"].as_array().unwrap();
            assert_eq!(towns.len(), 1, "only towns with events");
            assert_eq!((towns[0]["code"].as_str(), towns[0]["name"].as_str(), towns[0]["total"].as_i64()), (Some("500114001"), Some("城东街道"), Some(3)));
            let depts = sum["by_department"].as_array().unwrap();
            assert_eq!(depts.len(), 26);
            let d09row = depts.iter().find(|d| d["code"] == "D09").unwrap();
            assert_eq!((d09row["total"].as_i64(), d09row["closed"].as_i64()), (Some(1), Some(1)));

            // A town sees its villages; a region outside the scope is not found.
            let town = s.token("town-500114001").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&town)).await;
            assert_eq!(sum["by_region"][0]["code"], "500114001001");
            let (st, b) = s.get("/api/v1/dashboard/summary?region=500114002", Some(&town)).await;
            assert_error(st, &b, 404, "not_found");
            let other = s.token("town-500114002").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&other)).await;
            assert_eq!(sum["region"]["total"], 0);
            assert!(sum["region"]["closure_rate"].is_null(), "no denominator, no rate");
            let (st, b) = s.get("/api/v1/dashboard/summary?region=x", Some(&town)).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The trend: today's three reports by major class, one closure; other days empty.
            let (st, tr) = s.get("/api/v1/dashboard/trend?days=7", Some(&district)).await;
            assert_eq!(st, StatusCode::OK, "{tr}");
            let days = tr["days"].as_array().unwrap();
            assert_eq!(days.len(), 7);
            assert_eq!(tr["reported"], json!([0, 0, 0, 0, 0, 0, 3]));
            assert_eq!(tr["closed"], json!([0, 0, 0, 0, 0, 0, 1]));
            let majors: Vec<(&str, i64)> = tr["categories"].as_array().unwrap().iter()
                .map(|c| (c["code"].as_str().unwrap(), c["reported"][6].as_i64().unwrap())).collect();
            assert_eq!(majors, vec![("06", 2), ("13", 1)], "the busiest class first");
            assert!(tr["categories"][0]["name"].as_str().is_some_and(|n| !n.is_empty() && n != "06"));
            let today = days[6].as_str().unwrap();
            assert_eq!(today, &zhili_domain::time::rfc3339(zhili::now_ms() + 8 * 3_600_000)[..10]);
            let (_, tr) = s.get("/api/v1/dashboard/trend", Some(&other)).await;
            assert_eq!(tr["reported"].as_array().unwrap().len(), 30);
            assert!(tr["reported"].as_array().unwrap().iter().all(|n| n == 0), "another town's events are not counted");
            let d01 = s.token("dept-D01").await;
            let (_, tr) = s.get("/api/v1/dashboard/trend?days=1", Some(&d01)).await;
            assert_eq!(tr["reported"], json!([0]), "a department sees only what it leads or assists");
            let (_, tr) = s.get("/api/v1/dashboard/trend?days=1", Some(&d09)).await;
            assert_eq!(tr["reported"], json!([1]));
            for bad in ["days=0", "days=367", "days=x", "region=500114002", "until=1"] {
                let (st, b) = s.get(&format!("/api/v1/dashboard/trend?{bad}"), Some(&town)).await;
                assert!(st.is_client_error(), "{bad}: {st} {b}");
            }
            totals_agree(&s.store).await;
            s
        })
        .await;
    }
}

mod live {
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
}

mod browser {
    use super::*;
    use zhili::demo::history::{generate, HistoryParams};

    /// The web app in Debian's headless Chromium, driven by playwright-core
    /// (web/tests/browser.mjs), against a real server with some history. Screenshots go to
    /// ZHILI_SCREENSHOTS (default target/tmp/screenshots).
    #[tokio::test]
    async fn the_web_app_in_headless_chromium() {
        if std::env::var_os("ZHILI_SKIP_BROWSER").is_some() {
            eprintln!("browser tests skipped: ZHILI_SKIP_BROWSER is set");
            return;
        }
        let db = TestDb::sqlite();
        let s = Server::start(&db).await;
        let reference =
            zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
        let params = HistoryParams {
            events: 3000,
            days: 60,
            now: zhili::now_ms(),
            seed: 5,
        };
        let key = zhili::crypto::DataKey::generate();
        let (items, _) = generate(plan(), &reference, &key, &params, &mut |_, _| {});
        s.store.load_history(&items).await.unwrap();
        // Components, cameras and organisations for the things page and the map layers;
        // houses and residents for the people pages.
        let actor = zhili_domain::chain::Actor::system();
        let population = demo::population::generate(
            plan(),
            &key,
            &demo::population::PopulationParams {
                seed: 5,
                now: zhili::now_ms(),
                people: 5_000,
            },
        );
        s.store
            .load_population(&actor, &population, zhili::now_ms())
            .await
            .unwrap();
        let things = demo::things::generate(plan(), 5, zhili::now_ms());
        s.store
            .create_things(&actor, &things, zhili::now_ms())
            .await
            .unwrap();
        let orgs = demo::things::orgs(plan(), &key, 5);
        s.store
            .create_orgs(&actor, &orgs, zhili::now_ms())
            .await
            .unwrap();
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let shots = std::env::var("ZHILI_SCREENSHOTS")
            .unwrap_or_else(|_| format!("{}/screenshots", env!("CARGO_TARGET_TMPDIR")));
        let out = tokio::process::Command::new("node")
            .arg("tests/browser.mjs")
            .current_dir(&web)
            .env("ZHILI_URL", &s.base)
            .env("ZHILI_PASSWORD", PASSWORD)
            .env("ZHILI_SCREENSHOTS", &shots)
            .output()
            .await
            .expect("node runs the browser tests (Node.js is needed to build the UI anyway)");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        println!("{log}");
        assert!(out.status.success(), "browser tests failed:\n{log}");
        s.stop().await;
        db.drop_database().await.unwrap();
    }
}

mod map_layers {
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
}

mod photos {
    use super::*;

    const JPEG: &[u8] = include_bytes!("../../zhili-domain/src/image/photo.jpg");
    const PNG: &[u8] = include_bytes!("../../zhili-domain/src/image/photo.png");
    const WEBP: &[u8] = include_bytes!("../../zhili-domain/src/image/photo.webp");

    async fn fetch(s: &Server, path: &str, token: &str, etag: Option<&str>) -> reqwest::Response {
        let mut req = s.http.get(format!("{}{path}", s.base)).bearer_auth(token);
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        req.send().await.unwrap()
    }

    #[tokio::test]
    async fn photos_are_checked_by_content_stored_once_and_seen_with_their_event() {
        on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let village = s.token("village-500114001001").await;
            let other_town = s.token("town-500114002").await;
            let leader = s.token("leader").await;
            let up = |token: String, bytes: Vec<u8>, ct: &'static str| {
                let s = &s;
                async move { s.post("/api/v1/attachments", Some(&token), Some(ct), bytes).await }
            };

            // Real photos of the three kinds; the declared type does not matter, the bytes do.
            let (st, jpeg) = up(worker.clone(), JPEG.to_vec(), "application/octet-stream").await;
            assert_eq!(st, StatusCode::CREATED, "{jpeg}");
            assert_eq!(jpeg["media_type"], "image/jpeg");
            assert_eq!((jpeg["width"].as_i64(), jpeg["height"].as_i64()), (Some(64), Some(48)));
            let id = jpeg["id"].as_str().unwrap().to_string();
            assert_eq!(id.len(), 64);
            // Stored once; another's upload of the same bytes is answered as a first upload
            // (it tells nothing of who sent them before), the uploader's own again as such.
            let (st, again) = up(village.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_eq!((st, &again["id"]), (StatusCode::CREATED, &jpeg["id"]), "stored once");
            let (st, again) = up(worker.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_eq!((st, &again["id"]), (StatusCode::OK, &jpeg["id"]));
            let (st, png) = up(worker.clone(), PNG.to_vec(), "image/jpeg").await;
            assert_eq!((st, png["media_type"].as_str()), (StatusCode::CREATED, Some("image/png")));
            let (st, webp) = up(worker.clone(), WEBP.to_vec(), "image/webp").await;
            assert_eq!((st, webp["media_type"].as_str()), (StatusCode::CREATED, Some("image/webp")));

            // Fakes, broken and oversized files: a clear 4xx, nothing stored.
            let (st, b) = up(worker.clone(), b"<html><script>alert(1)</script>".to_vec(), "image/jpeg").await;
            assert_error(st, &b, 415, "unsupported_media_type");
            let (st, b) = up(worker.clone(), PNG[..PNG.len() - 20].to_vec(), "image/png").await;
            assert_error(st, &b, 422, "invalid_image");
            let mut huge = JPEG.to_vec();
            huge.resize(10 * 1024 * 1024 + 1, 0);
            let (st, b) = up(worker.clone(), huge, "image/jpeg").await;
            assert_error(st, &b, 413, "payload_too_large");
            let (st, b) = up(leader.clone(), JPEG.to_vec(), "image/jpeg").await;
            assert_error(st, &b, 403, "forbidden");

            // Until an event shows it, only the uploader reads it.
            let path = format!("/api/v1/attachments/{id}");
            assert_eq!(fetch(&s, &path, &worker, None).await.status(), StatusCode::OK);
            let png_path = format!("/api/v1/attachments/{}", png["id"].as_str().unwrap());
            assert_eq!(fetch(&s, &png_path, &village, None).await.status(), StatusCode::NOT_FOUND);

            // A report with photos; unknown or malformed ids are refused and write nothing.
            let p = deep_point("500114001001001");
            let report = |photos: Value| {
                json!({"channel": "grid_patrol", "category": "0602", "description": "路灯倒伏", "location": {"lon": p.x, "lat": p.y}, "attachments": photos}).to_string()
            };
            let ct = Some("application/json");
            let unknown = "0".repeat(64);
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!([id, unknown]))).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "attachments[1]");
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!(["../../etc/passwd"]))).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = s.post("/api/v1/events", Some(&worker), ct, report(json!(vec![id.clone(); 10]))).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, list) = s.get("/api/v1/events?page_size=1", Some(&village)).await;
            assert_eq!(list["total"], 0, "refused reports wrote nothing");
            let (st, created) = s.post("/api/v1/events", Some(&worker), ct, report(json!([id, png["id"]]))).await;
            assert_eq!(st, StatusCode::CREATED, "{created}");
            let event = created["id"].as_i64().unwrap();

            // Now whoever sees the event sees its photos, with the right type and caching.
            let resp = fetch(&s, &png_path, &village, None).await;
            assert_eq!(resp.status(), StatusCode::OK);
            assert_eq!(resp.headers()["content-type"], "image/png");
            assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
            let etag = resp.headers()["etag"].to_str().unwrap().to_string();
            assert_eq!(resp.bytes().await.unwrap().as_ref(), PNG);
            assert_eq!(fetch(&s, &png_path, &village, Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);
            assert_eq!(fetch(&s, &png_path, &other_town, None).await.status(), StatusCode::NOT_FOUND, "out of scope");
            assert_eq!(fetch(&s, "/api/v1/attachments/nothex", &village, None).await.status(), StatusCode::NOT_FOUND);

            // Evidence with an action is kept on its step of the timeline; only one's own
            // uploads may be attached (the worker's photo is not the station's to attach).
            let (st, b) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "register", "attachments": [webp["id"]]}).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, _) = up(village.clone(), WEBP.to_vec(), "image/webp").await;
            assert_eq!(st, StatusCode::CREATED);
            let (st, d) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "register", "attachments": [webp["id"]]}).to_string()).await;
            assert_eq!(st, StatusCode::OK, "{d}");
            let timeline = d["timeline"].as_array().unwrap();
            assert_eq!(timeline[0]["attachments"], json!([id, png["id"]]));
            assert_eq!(timeline[1]["attachments"], json!([webp["id"]]));
            let (st, b) = s.post(&format!("/api/v1/events/{event}/actions"), Some(&village), ct,
                json!({"action": "dispatch", "attachments": [unknown]}).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, d) = s.get(&format!("/api/v1/events/{event}"), Some(&village)).await;
            assert_eq!(d["status"], "registered", "the refused action changed nothing");
            s
        })
        .await;
    }
}

mod history {
    use super::*;
    use zhili::demo::history::{generate, HistoryParams};

    #[tokio::test]
    async fn the_demo_year_walks_every_path_through_the_real_state_machine() {
        on_every_backend(|s| async move {
            let reference = zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
            let key = zhili::crypto::DataKey::generate();
            let now = zhili::now_ms();
            let params = HistoryParams { events: 1500, days: 365, now, seed: 7 };
            let (items, stats) = generate(plan(), &reference, &key, &params, &mut |_, _| {});
            assert_eq!(stats.refused, 0, "the generator only takes actions the machine allows");
            assert!(stats.events > 1400);
            let last = |i: &zhili_store::HistoryItem| i.changes.last().map(|c| c.change.case.clone()).unwrap_or_else(|| i.event.case.clone());
            let count = |f: &dyn Fn(&zhili_domain::event::Case) -> bool| items.iter().filter(|i| f(&last(i))).count();
            assert!(count(&|c| c.returns > 0) > 0, "returns");
            assert!(count(&|c| c.reworks > 0) > 0, "rework");
            assert!(count(&|c| c.escalations > 0) > 0, "escalations");
            assert!(count(&|c| c.supervision_level > 0) > 0, "supervision");
            assert!(count(&|c| c.extensions > 0) > 0, "extensions");
            assert!(count(&|c| c.deferrals > 0) > 0, "deferrals");
            assert!(count(&|c| c.satisfaction.is_some()) > items.len() / 3, "ratings");
            assert!(count(&|c| c.status.is_open()) > 0, "some still open now");
            assert!(items.iter().all(|i| i.reported_at <= now && i.changes.iter().all(|c| c.at <= now)), "nothing happens after now");
            s.store.load_history(&items).await.unwrap();

            let district = s.token("district").await;
            let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
            assert_eq!(page["total"].as_u64(), Some(items.len() as u64));
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&district)).await;
            let closure = sum["region"]["closure_rate"].as_f64().unwrap();
            assert!((0.6..=1.0).contains(&closure), "closure rate {closure}");
            let urban: i64 = sum["by_region"].as_array().unwrap().iter().filter(|t| t["code"].as_str().unwrap() < "500114100").map(|t| t["total"].as_i64().unwrap()).sum();
            assert!(urban as f64 > 0.4 * items.len() as f64, "denser in the urban streets: {urban}");
            // A historic case reads like a live one, and new cases number on after history.
            let id = page["items"][0]["id"].as_i64().unwrap();
            let (st, d) = s.get(&format!("/api/v1/events/{id}"), Some(&district)).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(d["timeline"][0]["action"], "report");
            let worker = s.token("grid-500114001001001").await;
            let p = deep_point("500114001001001");
            let body = json!({"channel": "grid_patrol", "category": "0602", "description": "新报", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let (st, e) = s.post("/api/v1/events", Some(&worker), Some("application/json"), body).await;
            assert_eq!(st, StatusCode::CREATED, "{e}");
            assert!(e["id"].as_i64().unwrap() > items.len() as i64);
            totals_agree(&s.store).await;
            s
        })
        .await;
    }
}

mod sim {
    use super::*;

    #[tokio::test]
    async fn the_load_command_reports_and_everything_it_sends_succeeds() {
        let db = TestDb::sqlite();
        let s = Server::start(&db).await;
        let params = zhili::sim::SimParams {
            target: s.base.clone(),
            rate: 40.0,
            duration: std::time::Duration::from_secs(2),
            concurrency: 4,
            password: PASSWORD.into(),
            reporters: 4,
            handling_share: 0.25,
        };
        let report = zhili::sim::run(params).await.unwrap();
        assert_eq!(report.errors, 0, "{:?}", report.samples);
        assert!(report.intake.len() >= 20, "{} intakes", report.intake.len());
        let district = s.token("district").await;
        let (_, page) = s.get("/api/v1/events?page_size=1", Some(&district)).await;
        assert_eq!(page["total"].as_u64(), Some(report.intake.len() as u64));
        // The read load: the dashboard over and over, every answer a success.
        let reads = zhili::sim::run_reads(zhili::sim::ReadParams {
            target: s.base.clone(),
            path: "/api/v1/dashboard/summary".into(),
            username: "district".into(),
            password: PASSWORD.into(),
            duration: std::time::Duration::from_millis(500),
            concurrency: 2,
        })
        .await
        .unwrap();
        assert_eq!(reads.errors, 0, "{:?}", reads.samples);
        assert!(!reads.reads.is_empty());
        let wrong = zhili::sim::run_reads(zhili::sim::ReadParams {
            target: s.base.clone(),
            path: "/api/v1/nothing".into(),
            username: "district".into(),
            password: PASSWORD.into(),
            duration: std::time::Duration::from_millis(100),
            concurrency: 1,
        })
        .await;
        assert!(wrong.is_err(), "a wrong path fails at once");
        s.stop().await;
        db.drop_database().await.unwrap();
    }
}

mod reference_data {
    use super::*;

    #[tokio::test]
    async fn admins_edit_categories_rules_and_calendar_without_moving_running_deadlines() {
        on_every_backend(|s| async move {
            let admin = s.token("admin").await;
            let district = s.token("district").await;
            let worker = s.token("grid-500114001001001").await;
            let village = s.token("village-500114001001").await;
            let p = deep_point("500114001001001");
            let report = json!({"channel": "grid_patrol", "category": "0602", "description": "路灯", "location": {"lon": p.x, "lat": p.y}}).to_string();
            let ct = Some("application/json");

            let (st, cats) = s.get("/api/v1/reference/categories", Some(&worker)).await;
            assert_eq!(st, StatusCode::OK);
            assert_eq!(cats.as_array().unwrap().len(), 62);
            let lamp = cats.as_array().unwrap().iter().find(|c| c["code"] == "0602").unwrap().clone();
            assert_eq!((lamp["version"].as_i64(), lamp["lead"].as_str(), lamp["accept_hours"].as_f64()), (Some(1), Some("D09"), Some(4.0)));

            let (_, a) = s.post("/api/v1/events", Some(&worker), ct, report.clone()).await;
            let (_, a_before) = s.get(&format!("/api/v1/events/{}", a["id"]), Some(&district)).await;

            let mut body = lamp.clone();
            for k in ["code", "version"] {
                body.as_object_mut().unwrap().remove(k);
            }
            body["accept_hours"] = json!(1.0);
            let (st, b) = s.post_put("/api/v1/reference/categories/0602", Some(&district), body.to_string()).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, updated) = s.post_put("/api/v1/reference/categories/0602", Some(&admin), body.to_string()).await;
            assert_eq!(st, StatusCode::OK, "{updated}");
            assert_eq!((updated["version"].as_i64(), updated["accept_hours"].as_f64()), (Some(2), Some(1.0)));

            let (_, b_ev) = s.post("/api/v1/events", Some(&worker), ct, report.clone()).await;
            let (_, b_detail) = s.get(&format!("/api/v1/events/{}", b_ev["id"]), Some(&district)).await;
            let (_, a_after) = s.get(&format!("/api/v1/events/{}", a["id"]), Some(&district)).await;
            assert_eq!(a_after["due_at"], a_before["due_at"], "a running case keeps its deadline");
            assert!(b_detail["due_at"].as_str().unwrap() < a_after["due_at"].as_str().unwrap(), "a new case runs on the new limit");

            for (patch, field) in [(json!({"lead": "D99"}), "lead"), (json!({"matter_class": "中事"}), "matter_class"), (json!({"handle_hours": 0}), "handle_hours")] {
                let mut bad = body.clone();
                for (k, v) in patch.as_object().unwrap() {
                    bad[k] = v.clone();
                }
                let (st, b) = s.post_put("/api/v1/reference/categories/0602", Some(&admin), bad.to_string()).await;
                assert_error(st, &b, 422, "invalid_parameter");
                assert_eq!(b["details"]["field"], field);
            }

            // Dispatch rules: street lamps in 城东 go to 交通 with 城管 assisting.
            let rules = json!([{"category_prefix": "06", "region": "500114001", "lead": "D14", "assisting": ["D09"]}]);
            let (st, _) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), rules.to_string()).await;
            assert_eq!(st, StatusCode::OK);
            let id = b_ev["id"].as_i64().unwrap();
            s.post(&format!("/api/v1/events/{id}/actions"), Some(&village), ct, json!({"action": "register"}).to_string()).await;
            let (_, d) = s.get(&format!("/api/v1/events/{id}"), Some(&village)).await;
            assert_eq!((d["suggested_lead"].as_str(), d["suggested_assisting"][0].as_str()), (Some("D14"), Some("D09")));
            let (st, b) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), json!([{"category_prefix": "6", "region": "500114", "lead": "D14"}]).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "[0].category_prefix");
            let (st, b) = s.post_put("/api/v1/reference/dispatch-rules", Some(&admin), json!([{"category_prefix": "06", "region": "500114", "lead": "D77"}]).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The calendar of another year.
            let cal = json!({"working_hours": "09:00-12:00,13:30-17:30", "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]});
            let (st, _) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), cal.to_string()).await;
            assert_eq!(st, StatusCode::OK);
            let (_, got) = s.get("/api/v1/reference/calendar/2027", Some(&worker)).await;
            assert_eq!(got["days"].as_array().unwrap().len(), 1);
            assert_eq!(got["working_hours"], "09:00-12:00,13:30-17:30");
            let (_, y2026) = s.get("/api/v1/reference/calendar/2026", Some(&worker)).await;
            assert_eq!(y2026["days"].as_array().unwrap().len(), 39, "other years untouched");
            let bad = json!({"working_hours": "09:00-12:00", "days": [{"date": "2026-01-01", "kind": "holiday", "name": "x"}]});
            let (st, b) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), bad.to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "days[0].date");
            let (st, b) = s.post_put("/api/v1/reference/calendar/2027", Some(&admin), json!({"working_hours": "25:00-26:00", "days": []}).to_string()).await;
            assert_error(st, &b, 422, "invalid_parameter");
            s
        })
        .await;
    }
}

mod group_commit {
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
}

mod accounts {
    use super::*;

    #[tokio::test]
    async fn administrators_list_add_and_reset_accounts() {
        on_every_backend(|s| async move {
            let admin = s.token("admin").await;
            let (st, page) = s.get("/api/v1/users?q=grid-500114001001&limit=5", Some(&admin)).await;
            assert_eq!(st, StatusCode::OK, "{page}");
            assert!(page["total"].as_i64().unwrap() >= 5);
            assert_eq!(page["items"].as_array().unwrap().len(), 5);
            assert_eq!(page["items"][0]["role"], "grid_worker");
            assert!(page["items"][0].get("password_hash").is_none());
            let (_, commanders) = s.get("/api/v1/users?role=district_commander", Some(&admin)).await;
            assert!(commanders["items"].as_array().unwrap().iter().all(|u| u["role"] == "district_commander"));

            let new = json!({"username": "grid-new-1", "display_name": "新网格员", "role": "grid_worker",
                "region_code": "500114001001001", "unit_id": null, "department": null, "password": "a long secret"});
            let (st, made) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{made}");
            assert_eq!(made["role_label"], "网格员");
            let (st, b) = s.post("/api/v1/users", Some(&admin), Some("application/json"), new.to_string()).await;
            assert_error(st, &b, 409, "conflict");
            let fresh = s.token_with("grid-new-1", "a long secret").await;
            let (st, _) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!(st, StatusCode::OK);

            // Every bad field is named; nothing is written.
            for (field, value) in [
                ("role", json!("king")),
                ("region_code", json!("500114001001")),
                ("region_code", json!("500115001001001")),
                ("password", json!("short")),
                ("unit_id", json!("X99")),
                ("display_name", json!("  ")),
                ("username", json!("no spaces allowed")),
            ] {
                let mut body = new.clone();
                body["username"] = json!("grid-new-2");
                body[field] = value;
                let (st, b) = s.post("/api/v1/users", Some(&admin), Some("application/json"), body.to_string()).await;
                assert!(st == StatusCode::UNPROCESSABLE_ENTITY || st == StatusCode::BAD_REQUEST, "{field}: {st} {b}");
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            let (_, page) = s.get("/api/v1/users?q=grid-new-2", Some(&admin)).await;
            assert_eq!(page["total"], 0);

            // A reset ends the account's sessions at once.
            let (st, b) = s.post_put("/api/v1/users/grid-new-1/password", Some(&admin), json!({"password": "another secret"}).to_string()).await;
            assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
            let (st, _) = s.get("/api/v1/auth/me", Some(&fresh)).await;
            assert_eq!(st, StatusCode::UNAUTHORIZED);
            s.token_with("grid-new-1", "another secret").await;
            let (st, b) = s.post_put("/api/v1/users/nobody/password", Some(&admin), json!({"password": "another secret"}).to_string()).await;
            assert_error(st, &b, 404, "not_found");

            // Only administrators.
            let district = s.token("district").await;
            let (st, b) = s.get("/api/v1/users", Some(&district)).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, b) = s.post_put("/api/v1/users/grid-new-1/password", Some(&district), json!({"password": "hijacked!!"}).to_string()).await;
            assert_error(st, &b, 403, "forbidden");
            let actions = s.store.actions(0, 100_000).await.unwrap();
            assert!(actions.iter().any(|a| a.action == "user.passwd" && a.subject == "user:grid-new-1"));
            s
        })
        .await;
    }
}

mod people {
    use super::*;
    use sqlx::Row;

    fn id_for(birth: (i64, u32, u32), seq: u32) -> String {
        let day = zhili_domain::time::days_from_civil(birth.0, birth.1, birth.2);
        zhili_domain::id_number::compose("500114", day, seq)
    }

    /// Every byte the database holds for people and the record, as text.
    async fn database_text(store: &SqlStore) -> String {
        let pool = store.pool();
        let mut out = String::new();
        let file: Option<String> =
            sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                .fetch_optional(pool)
                .await
                .unwrap_or(None);
        if let Some(file) = file.filter(|f| !f.is_empty()) {
            // SQLite: the file and its write-ahead log, byte for byte.
            for path in [file.clone(), format!("{file}-wal")] {
                if let Ok(bytes) = std::fs::read(&path) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
            return out;
        }
        for table in [
            "people",
            "actions",
            "visits",
            "key_roles",
            "houses",
            "events",
        ] {
            for row in sqlx::query(&format!(
                "SELECT CAST(t.* AS TEXT) AS r FROM (SELECT * FROM {table}) t"
            ))
            .fetch_all(pool)
            .await
            .unwrap()
            {
                let r: String = row.try_get("r").unwrap();
                out.push_str(&r);
            }
        }
        out
    }

    #[tokio::test]
    async fn the_demo_population_loads_and_its_overdue_visits_show() {
        on_every_backend(|s| async move {
            let key = zhili::crypto::DataKey::generate();
            let now = zhili::now_ms();
            let load = zhili::demo::population::generate(
                plan(),
                &key,
                &zhili::demo::population::PopulationParams {
                    seed: 3,
                    now,
                    people: 20_000,
                },
            );
            assert!(
                load.people.len() >= 15_000 && load.houses.len() > 5_000,
                "{} people",
                load.people.len()
            );
            assert!(!load.roles.is_empty() && !load.visits.is_empty());
            s.store
                .load_population(&Actor::system(), &load, now)
                .await
                .unwrap();
            let district = s.token("district-operator").await;
            let (_, all) = s.get("/api/v1/people?page_size=1", Some(&district)).await;
            assert_eq!(all["total"].as_u64(), Some(load.people.len() as u64));
            let overdue = load
                .roles
                .iter()
                .filter(|r| r.next_visit_due < zhili::now_ms())
                .count();
            assert!(overdue > 0, "some visits are missed in the demo");
            let (_, due) = s.get("/api/v1/visits/due?limit=1", Some(&district)).await;
            assert_eq!(due["total"].as_u64(), Some(overdue as u64));
            // Every demo ID number is valid, and found by its number.
            let first = &load.people[0].0;
            let number = key
                .open(&first.id_sealed, zhili::people::ID_CONTEXT)
                .unwrap();
            zhili_domain::id_number::parse(&number, (now + 8 * 3_600_000) / 86_400_000).unwrap();
            // (The server here holds another key, so the lookup goes to the store with this one.)
            let scope = zhili_domain::Scope::new(
                zhili_domain::RegionCode::parse("500114").unwrap(),
                zhili_domain::Role::DistrictOperator,
                None,
            );
            let filter = zhili_store::PeopleFilter {
                id_blind: Some(zhili::people::blind_id(&key, &number)),
                limit: 5,
                ..Default::default()
            };
            let (n, found) = s.store.list_people(&scope, &filter).await.unwrap();
            assert_eq!((n, found[0].person.name.as_str()), (1, first.name.as_str()));
            s
        })
        .await;
    }

    #[tokio::test]
    async fn a_grid_worker_registers_a_household_and_a_key_person_and_visits() {
        on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let post = |path: &'static str, token: String, body: Value| {
                let s = &s;
                async move { s.post(path, Some(&token), Some("application/json"), body.to_string()).await }
            };
            // A house in the worker's grid.
            let p = deep_point("500114001001001");
            let (st, house) = post("/api/v1/houses", worker.clone(), json!({"code": "H-001", "address": "城东街道文汇社区1号", "grid_code": "500114001001001",
                "lon": p.x, "lat": p.y, "usage": "住宅", "rented": true})).await;
            assert_eq!(st, StatusCode::CREATED, "{house}");
            let (st, b) = post("/api/v1/houses", worker.clone(), json!({"code": "H-002", "address": "x", "grid_code": "500114001001001",
                "lon": 100.0, "lat": 20.0, "usage": "住宅"})).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The contract: 201 with identifiers masked.
            let number = id_for((1986, 2, 28), 123);
            let (st, person) = post("/api/v1/people", worker.clone(), json!({"id_type": "111", "id_number": number, "name": "张三",
                "phone": "13800138000", "grid_code": "500114001001001", "population_type": "流动人口", "house_id": house["id"],
                "details": {"origin": "湖北省恩施州", "reason": "务工"}})).await;
            assert_eq!(st, StatusCode::CREATED, "{person}");
            assert_eq!(person["id_number"], format!("{}**************", &number[..4]));
            assert_eq!(person["phone"], "138****8000");
            // Unrevealed: the sex and a ten-year age band, never the birth date.
            assert_eq!((person["sex"].as_str(), person["birth_date"].as_str()), (Some("male"), None));
            assert!(person["age_band"].as_str().is_some_and(|b| b.ends_with('9')), "{person}");
            assert_eq!(person["population_type"], "floating");
            assert_eq!(person["house_address"], "城东街道文汇社区1号");
            let id = person["id"].as_i64().unwrap();

            // Refusals, each with its code and field.
            let mut wrong = number.clone().into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": String::from_utf8(wrong).unwrap(), "name": "李四", "grid_code": "500114001001001"})).await;
            assert_error(st, &b, 422, "invalid_id_number");
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": number, "name": "张三", "grid_code": "500114001001001"})).await;
            assert_error(st, &b, 409, "conflict");
            let (st, b) = post("/api/v1/people", worker.clone(), json!({"id_number": id_for((1990, 1, 1), 1), "name": "王五", "grid_code": "500114001001002"})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "grid_code");

            // Search: the exact number through the blind index, a name, an address; scoped.
            let (_, found) = s.get(&format!("/api/v1/people?q={number}"), Some(&worker)).await;
            assert_eq!((found["total"].as_i64(), found["items"][0]["id"].as_i64()), (Some(1), Some(id)));
            let (_, found) = s.get(&format!("/api/v1/people?q={}", number.to_lowercase()), Some(&worker)).await;
            assert_eq!(found["total"], 1, "an x check character is found in either case");
            let (_, found) = s.get("/api/v1/people?q=%E5%BC%A0", Some(&worker)).await;
            assert_eq!(found["total"], 1);
            let (_, found) = s.get("/api/v1/people?q=%E6%96%87%E6%B1%87", Some(&worker)).await;
            assert_eq!(found["total"], 1, "found by the house address");
            let other = s.token("town-500114002").await;
            let (_, none) = s.get(&format!("/api/v1/people?q={number}"), Some(&other)).await;
            assert_eq!(none["total"], 0);
            let (st, _) = s.get(&format!("/api/v1/people/{id}"), Some(&other)).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
            let dept = s.token("dept-D01").await;
            let (st, b) = s.get("/api/v1/people", Some(&dept)).await;
            assert_error(st, &b, 403, "forbidden");

            // A key role, a late visit that leaves the person overdue, then a visit now.
            let (st, role) = post("/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak(), worker.clone(),
                json!({"kind": "severe_mental_illness", "risk_level": 4})).await;
            assert_eq!(st, StatusCode::CREATED, "{role}");
            assert_eq!(role["visit_every_days"], 14);
            let (st, b) = post("/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak(), worker.clone(),
                json!({"kind": "drug_user", "risk_level": 2})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            // Each group's own fields: community correction needs its type and start.
            let roles = "/api/v1/people/{id}/key-roles".replace("{id}", &id.to_string()).leak();
            let (st, b) = post(roles, worker.clone(), json!({"kind": "community_correction", "details": {"correction_type": "罚款"}})).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let fields: Vec<&str> = b["details"]["problems"].as_array().unwrap().iter().map(|p| p["field"].as_str().unwrap()).collect();
            assert_eq!(fields, ["details.correction_type", "details.started_on"], "{b}");
            assert_eq!(b["message_zh"], "矫正类别应为管制、缓刑、假释、暂予监外执行之一");
            let (st, role) = post(roles, worker.clone(), json!({"kind": "community_correction", "details": {"correction_type": "缓刑", "started_on": "2026-01-05"}})).await;
            assert_eq!(st, StatusCode::CREATED, "{role}");
            let visits = format!("/api/v1/people/{id}/visits").leak();
            let twenty_days_ago = zhili_domain::time::rfc3339(zhili::now_ms() - 20 * 86_400_000);
            let (st, v) = post(visits, worker.clone(), json!({"kind": "severe_mental_illness", "at": twenty_days_ago, "place": "家中", "findings": "情绪稳定，按时服药"})).await;
            assert_eq!(st, StatusCode::CREATED, "{v}");
            let (_, due) = s.get("/api/v1/visits/due", Some(&worker)).await;
            assert_eq!(due["total"], 1, "{due}");
            assert_eq!((due["items"][0]["person_id"].as_i64(), due["items"][0]["days_overdue"].as_i64()), (Some(id), Some(6)), "due 6 days ago");
            let (_, none) = s.get("/api/v1/visits/due", Some(&other)).await;
            assert_eq!(none["total"], 0);
            let leader = s.token("leader").await;
            // The warning on the dashboard, and an event opened from it.
            let village = s.token("village-500114001001").await;
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&village)).await;
            assert_eq!(sum["overdue_visits"], 1);
            let (_, sum) = s.get("/api/v1/dashboard/summary", Some(&leader)).await;
            assert!(sum["overdue_visits"].is_null(), "not the leader's to see");
            let (st, ev) = post(format!("/api/v1/people/{id}/key-roles/severe_mental_illness/event").leak(), worker.clone(), json!({})).await;
            assert_eq!(st, StatusCode::CREATED, "{ev}");
            let (_, detail) = s.get(&format!("/api/v1/events/{}", ev["id"]), Some(&worker)).await;
            assert_eq!(detail["category"], "0904", "{detail}");
            assert!(detail["description"].as_str().unwrap().contains("走访超期6天"), "{detail}");
            assert_eq!((detail["links"][0]["kind"].as_str(), detail["links"][0]["id"].as_i64()), (Some("person"), Some(id)), "{detail}");
            assert!(detail["links"][0]["label"].as_str().unwrap().starts_with("张三 5001****"), "{detail}");
            // The person's events, through the link.
            let (_, theirs) = s.get(&format!("/api/v1/events?linked_kind=person&linked_id={id}"), Some(&worker)).await;
            assert_eq!((theirs["total"].as_i64(), theirs["items"][0]["id"].as_i64()), (Some(1), ev["id"].as_i64()), "{theirs}");
            let (_, none) = s.get(&format!("/api/v1/events?linked_kind=person&linked_id={}", id + 1), Some(&worker)).await;
            assert_eq!(none["total"], 0);
            let (st, b) = s.get("/api/v1/events?linked_kind=person", Some(&worker)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (st, b) = post(format!("/api/v1/people/{id}/key-roles/drug_user/event").leak(), worker.clone(), json!({})).await;
            assert_error(st, &b, 404, "not_found");
            let (st, b) = s.get("/api/v1/visits/due", Some(&leader)).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, _) = post(visits, worker.clone(), json!({"kind": "severe_mental_illness", "place": "家中", "findings": "复诊已预约"})).await;
            assert_eq!(st, StatusCode::CREATED);
            let (_, due) = s.get("/api/v1/visits/due", Some(&worker)).await;
            assert_eq!(due["total"], 0);
            let (st, b) = post(visits, worker.clone(), json!({"kind": "key_youth", "place": "家中", "findings": "x"})).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // The person's page: masked; the full values with a reason, recorded; not for a leader.
            let (_, page) = s.get(&format!("/api/v1/people/{id}"), Some(&worker)).await;
            assert_eq!((page["revealed"].as_bool(), page["visits"].as_array().unwrap().len()), (Some(false), 2));
            let kinds: Vec<&str> = page["key_roles"].as_array().unwrap().iter().map(|k| k["kind"].as_str().unwrap()).collect();
            assert_eq!(kinds, ["community_correction", "severe_mental_illness"]);
            let (st, b) = s.get(&format!("/api/v1/people/{id}?reveal=true"), Some(&worker)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, full) = s.get(&format!("/api/v1/people/{id}?reveal=true&reason=%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AF%B9"), Some(&worker)).await;
            assert_eq!((full["id_number"].as_str(), full["phone"].as_str()), (Some(number.as_str()), Some("13800138000")));
            assert_eq!(full["birth_date"], "1986-02-28", "the birth date with the number");
            let (st, b) = s.get(&format!("/api/v1/people/{id}?reveal=true&reason=look"), Some(&leader)).await;
            assert_error(st, &b, 403, "forbidden");
            let (_, lead_view) = s.get(&format!("/api/v1/people/{id}"), Some(&leader)).await;
            assert!(lead_view["key_roles"].as_array().unwrap().is_empty(), "key groups are not the leader's to see");
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            let reveal = actions.iter().find(|a| a.action == "person.reveal").expect("the reveal is recorded");
            assert_eq!((reveal.actor.as_str(), reveal.subject.clone(), reveal.opinion.as_deref()),
                ("grid-500114001001001", format!("person:{id}"), Some("入户核对")));

            // No plain identity number or phone anywhere in the database.
            let text = database_text(&s.store).await;
            assert!(text.contains("张三"), "the check reads the data at all");
            assert!(!text.contains(&number), "the plain ID number is stored nowhere");
            assert!(!text.contains("13800138000"), "nor the plain phone");
            s
        })
        .await;
    }

    #[tokio::test]
    async fn situations_are_read_up_to_each_roles_level_and_sensitive_reads_are_logged() {
        on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let post = |token: String, body: Value| {
                let s = &s;
                async move { s.post("/api/v1/situations", Some(&token), Some("application/json"), body.to_string()).await }
            };
            let (st, person) = s.post("/api/v1/people", Some(&worker), Some("application/json"), json!({"id_number": id_for((1970, 5, 1), 7),
                "name": "赵六", "grid_code": "500114001001001"}).to_string()).await;
            assert_eq!(st, StatusCode::CREATED, "{person}");
            let pid = person["id"].as_i64().unwrap();
            let (st, general) = post(worker.clone(), json!({"region_code": "500114001001001", "kind": "sentiment", "source": "visit",
                "title": "居民反映路灯不亮", "content": "文汇社区3栋门前路灯连续一周不亮，老人夜间出行不便。", "tags": ["民生诉求", " 民生诉求 "]})).await;
            assert_eq!(st, StatusCode::CREATED, "{general}");
            assert_eq!((general["tags"].as_array().unwrap().len(), general["sensitivity"].as_i64(), general["kind_label"].as_str()), (1, Some(1), Some("社情民意")));
            let (st, secret) = post(worker.clone(), json!({"region_code": "500114001001001", "kind": "stability", "source": "resident", "sensitivity": 3,
                "title": "拟集体上访苗头", "content": "赵六等人拟就征地补偿到区政府集体上访。", "tags": ["涉稳", "征地拆迁"],
                "links": [{"kind": "person", "id": pid}]})).await;
            assert_eq!(st, StatusCode::CREATED, "{secret}");
            assert_eq!(secret["links"][0]["label"].as_str().unwrap().split(' ').next(), Some("赵六"));
            let sid = secret["id"].as_i64().unwrap();

            // Refusals, each naming its field.
            for (body, field) in [
                (json!({"region_code": "500114002", "kind": "sentiment", "title": "t", "content": "c"}), "region_code"),
                (json!({"region_code": "500114001001001", "kind": "gossip", "title": "t", "content": "c"}), "kind"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "sensitivity": 4, "title": "t", "content": "c"}), "sensitivity"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": " ", "content": "c"}), "title"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "tags": ["a|b"]}), "tags"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "links": [{"kind": "person", "id": pid + 1000}]}), "links[0]"),
                (json!({"region_code": "500114001001001", "kind": "sentiment", "title": "t", "content": "c", "links": [{"kind": "planet", "id": 1}]}), "links[0]"),
            ] {
                let (st, b) = post(worker.clone(), body).await;
                assert_error(st, &b, 422, "invalid_parameter");
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            let leader = s.token("leader").await;
            let (st, b) = post(leader.clone(), json!({"region_code": "500114", "kind": "sentiment", "title": "t", "content": "c"})).await;
            assert_error(st, &b, 403, "forbidden");
            let (st, b) = s.get("/api/v1/situations", Some(&s.token("admin").await)).await;
            assert_error(st, &b, 403, "forbidden");

            // Who sees what: the village operator reads up to 内部, the commander everything
            // (the sensitive text only on the note's own page), the department only 一般, the
            // next town nothing; the author always their own.
            let list = |token: String, query: &'static str| {
                let s = &s;
                async move { s.get(&format!("/api/v1/situations{query}"), Some(&token)).await.1 }
            };
            let village = s.token("village-500114001001").await;
            assert_eq!(list(village.clone(), "").await["total"], 1);
            let mine = list(worker.clone(), "").await;
            assert_eq!(mine["total"], 2, "{mine}");
            let commander = s.token("district").await;
            let all = list(commander.clone(), "").await;
            assert_eq!(all["total"], 2);
            let listed = all["items"].as_array().unwrap().iter().find(|i| i["id"] == sid).unwrap();
            assert!(listed["content"].is_null(), "a sensitive note's text is not in lists: {listed}");
            assert_eq!(list(s.token("dept-D01").await, "").await["total"], 1);
            assert_eq!(list(s.token("town-500114002").await, "").await["total"], 0);
            assert_eq!(list(commander.clone(), "?tag=%E6%B6%89%E7%A8%B3").await["total"], 1, "by tag");
            assert_eq!(list(commander.clone(), "?q=%E8%B7%AF%E7%81%AF").await["total"], 1, "by text");
            assert_eq!(list(commander.clone(), "?kind=stability&sensitivity=3").await["total"], 1);
            let (st, b) = s.get("/api/v1/situations?linked_kind=person", Some(&commander)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, linked) = s.get(&format!("/api/v1/situations?linked_kind=person&linked_id={pid}"), Some(&commander)).await;
            assert_eq!((linked["total"].as_i64(), linked["items"][0]["id"].as_i64()), (Some(1), Some(sid)));
            let (st, b) = s.get(&format!("/api/v1/situations/{sid}"), Some(&village)).await;
            assert_error(st, &b, 404, "not_found");

            // Reading it in full is recorded: who, what, when — the author's own reads are not.
            let before = s.store.actions(0, 1_000_000).await.unwrap().iter().filter(|a| a.action == "situation.read").count();
            let (_, own) = s.get(&format!("/api/v1/situations/{sid}"), Some(&worker)).await;
            assert!(own["content"].as_str().unwrap().contains("集体上访"));
            let (st, full) = s.get(&format!("/api/v1/situations/{sid}"), Some(&commander)).await;
            assert_eq!(st, StatusCode::OK, "{full}");
            assert_eq!((full["content"].as_str().is_some(), full["links"].as_array().unwrap().len()), (true, 1));
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            let reads: Vec<_> = actions.iter().filter(|a| a.action == "situation.read").collect();
            assert_eq!((before, reads.len()), (0, 1));
            assert_eq!((reads[0].actor.as_str(), reads[0].subject.clone()), ("district", format!("situation:{sid}")));
            // The export withholds the sensitive text (read on the note's page, logged).
            let r = s.http.get(format!("{}/api/v1/export/situations?format=csv", s.base)).bearer_auth(&commander).send().await.unwrap();
            let text = r.text().await.unwrap();
            assert!(text.contains("拟集体上访苗头") && !text.contains("到区政府集体上访") && text.contains("路灯连续一周不亮"), "{text}");
            let (_, vocabulary) = s.get("/api/v1/situations/vocabulary", Some(&village)).await;
            assert_eq!((vocabulary["max_sensitivity"].as_i64(), vocabulary["kinds"].as_array().unwrap().len()), (Some(2), 5));
            s
        })
        .await;
    }
}

mod people_import {
    use super::*;

    fn id_for(day: (i64, u32, u32), seq: u32) -> String {
        zhili_domain::id_number::compose(
            "500114",
            zhili_domain::time::days_from_civil(day.0, day.1, day.2),
            seq,
        )
    }

    #[derive(Clone)]
    enum Cell<'a> {
        Text(&'a str),
        Number(f64),
    }

    fn workbook(rows: &[Vec<Cell>]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(t) => sheet.write_string(r as u32, c as u16, *t).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(r as u32, c as u16, *n).map(|_| ()),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[tokio::test]
    async fn houses_organisations_and_components_import_with_the_same_checks_as_the_api() {
        on_every_backend(|s| async move {
            let village = s.token("village-500114001001").await;
            let upload = |sheet: &'static str, query: &'static str, bytes: Vec<u8>| {
                let s = &s;
                let village = village.clone();
                async move {
                    s.post(
                        &format!("/api/v1/import/{sheet}{query}"),
                        Some(&village),
                        Some("application/octet-stream"),
                        bytes,
                    )
                    .await
                }
            };
            // Each template's header is understood as it is downloaded (stars and all).
            for sheet in ["people", "houses", "orgs", "things"] {
                let t = s
                    .http
                    .get(format!(
                        "{}/api/v1/import/{sheet}/template?format=csv",
                        s.base
                    ))
                    .bearer_auth(&village)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(t.status(), StatusCode::OK);
                let header = t.bytes().await.unwrap().to_vec();
                let (st, report) = upload(sheet, "?dry_run=true", header).await;
                assert_eq!(
                    (
                        st,
                        report["rows"].as_i64(),
                        report["problems"].as_array().map(Vec::len)
                    ),
                    (StatusCode::OK, Some(0), Some(0)),
                    "{sheet}: {report}"
                );
                let t = s
                    .http
                    .get(format!("{}/api/v1/import/{sheet}/template", s.base))
                    .bearer_auth(&village)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    t.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
                    "{sheet}: an .xlsx workbook"
                );
            }
            let (st, b) = upload("planets", "", b"a,b\n".to_vec()).await;
            assert_error(st, &b, 422, "invalid_parameter");

            // Houses: a good one with its position, a duplicate code, another village's grid, a
            // position outside its grid, an unknown use and a rented cell that is neither.
            let (a, far) = (deep_point("500114001001001"), deep_point("500114001001002"));
            let csv = format!(
                "房屋编码*,地址*,网格编码*,经度,纬度,用途*,是否出租\n\
                 H-1,文汇路1号,500114001001001,{},{},住宅,是\n\
                 H-1,文汇路2号,500114001001001,,,商铺,否\n\
                 H-3,外村,500114002001001,,,住宅,\n\
                 H-4,文汇路4号,500114001001001,{},{},仓库,也许\n",
                a.x, a.y, far.x, far.y
            );
            let (st, b) = upload("houses", "", csv.clone().into_bytes()).await;
            assert_error(st, &b, 422, "invalid_rows");
            let problems: Vec<(i64, String)> = b["details"]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["row"].as_i64().unwrap(),
                        p["field"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(
                problems,
                vec![
                    (3, "code".into()),
                    (4, "grid_code".into()),
                    (5, "lon".into()),
                    (5, "usage".into()),
                    (5, "rented".into())
                ],
                "{b}"
            );
            let (_, houses) = s.get("/api/v1/houses", Some(&village)).await;
            assert_eq!(houses["total"], 0, "all or nothing: {houses}");
            let (st, report) = upload("houses", "?partial=true", csv.into_bytes()).await;
            assert_eq!(
                (st, report["written"].as_i64()),
                (StatusCode::OK, Some(1)),
                "{report}"
            );
            assert!(report["rejected_csv"].as_str().unwrap().contains("H-4"));
            let (_, houses) = s.get("/api/v1/houses", Some(&village)).await;
            assert_eq!(
                (
                    houses["total"].as_i64(),
                    houses["items"][0]["rented"].as_bool()
                ),
                (Some(1), Some(true)),
                "{houses}"
            );
            let (_, found) = s
                .get(
                    "/api/v1/houses?q=%E6%96%87%E6%B1%87%E8%B7%AF1",
                    Some(&village),
                )
                .await;
            assert_eq!(found["total"], 1, "by address: {found}");
            let (_, none) = s.get("/api/v1/houses?q=H-9", Some(&village)).await;
            assert_eq!(none["total"], 0);
            let (st, b) = s.get("/api/v1/houses?page_size=501", Some(&village)).await;
            assert_error(st, &b, 422, "invalid_parameter");
            // The same file again: registered already, by row.
            let (_, again) = upload(
                "houses",
                "?dry_run=true",
                "房屋编码,地址,网格编码,用途\nH-1,文汇路1号,500114001001001,住宅\n"
                    .to_string()
                    .into_bytes(),
            )
            .await;
            assert_eq!(
                (
                    again["problems"][0]["row"].as_i64(),
                    again["problems"][0]["reason"].as_str()
                ),
                (Some(2), Some("registered already")),
                "{again}"
            );

            // Organisations from .xlsx: a school with a valid credit code (its kind in Chinese),
            // a wrong check character, a position outside the village.
            let code = zhili_domain::org::compose_credit_code("52", "500114", "MJ0000077");
            let mut wrong = code.clone().into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let wrong = String::from_utf8(wrong).unwrap();
            let other = deep_point("500114002001001");
            let book = workbook(&[
                vec![
                    Cell::Text("类型"),
                    Cell::Text("名称"),
                    Cell::Text("统一社会信用代码"),
                    Cell::Text("地址"),
                    Cell::Text("经度"),
                    Cell::Text("纬度"),
                    Cell::Text("负责人"),
                    Cell::Text("联系电话"),
                ],
                vec![
                    Cell::Text("学校"),
                    Cell::Text("文汇小学"),
                    Cell::Text(&code),
                    Cell::Text("文汇路9号"),
                    Cell::Number(a.x),
                    Cell::Number(a.y),
                    Cell::Text("王校长"),
                    Cell::Text("13800138001"),
                ],
                vec![
                    Cell::Text("企业"),
                    Cell::Text("某公司"),
                    Cell::Text(&wrong),
                    Cell::Text("x"),
                    Cell::Number(a.x),
                    Cell::Number(a.y),
                    Cell::Text("李"),
                    Cell::Text(""),
                ],
                vec![
                    Cell::Text("企业"),
                    Cell::Text("外村公司"),
                    Cell::Text(""),
                    Cell::Text("x"),
                    Cell::Number(other.x),
                    Cell::Number(other.y),
                    Cell::Text("赵"),
                    Cell::Text(""),
                ],
            ]);
            let (st, report) = upload("orgs", "?partial=true", book).await;
            assert_eq!(st, StatusCode::OK, "{report}");
            let fields: Vec<&str> = report["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["column"].as_str().unwrap())
                .collect();
            assert_eq!(
                (report["written"].as_i64(), fields),
                (Some(1), vec!["统一社会信用代码", "经度"]),
                "{report}"
            );
            let (_, orgs) = s.get("/api/v1/orgs", Some(&village)).await;
            assert_eq!(
                (
                    orgs["items"][0]["kind"].as_str(),
                    orgs["items"][0]["contact_phone"].as_str()
                ),
                (Some("school"), Some("138****8001")),
                "{orgs}"
            );

            // Exports of the lists, masked, in the caller's area.
            let export = |path: String, token: String| {
                let s = &s;
                async move {
                    let r = s
                        .http
                        .get(format!("{}{path}", s.base))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    (r.status(), r.text().await.unwrap())
                }
            };
            let (st, text) = export("/api/v1/export/orgs?format=csv".into(), village.clone()).await;
            assert_eq!(st, StatusCode::OK);
            assert!(
                text.contains("文汇小学")
                    && text.contains("138****8001")
                    && !text.contains("13800138001"),
                "{text}"
            );
            let (_, text) =
                export("/api/v1/export/houses?format=csv".into(), village.clone()).await;
            assert!(
                text.starts_with("\u{feff}房屋编码")
                    && text.contains("H-1")
                    && text.contains(",是,"),
                "{text}"
            );
            let (_, text) = export(
                "/api/v1/export/houses?format=csv".into(),
                s.token("town-500114002").await,
            )
            .await;
            assert!(
                !text.contains("H-1"),
                "another town's export has none of it"
            );
            let (st, _) = export("/api/v1/export/planets".into(), village.clone()).await;
            assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
            let (st, _) = export("/api/v1/export/houses".into(), s.token("dept-D01").await).await;
            assert_eq!(st, StatusCode::FORBIDDEN);

            // Components and cameras: a wrong district in the code, an unknown department, a
            // camera with a coverage it cannot have.
            let csv = format!(
                "类型,编码,名称,经度,纬度,责任单位,状态,覆盖类型\n\
                 部件,5001140103000777,路灯,{x},{y},D09,damaged,\n\
                 部件,5002220103000001,路灯,{x},{y},,,\n\
                 摄像头,CAM-77,文汇路口,{x},{y},D99,online,sky\n",
                x = a.x,
                y = a.y
            );
            let (st, b) = upload("things", "", csv.into_bytes()).await;
            assert_error(st, &b, 422, "invalid_rows");
            let problems: Vec<(i64, &str)> = b["details"]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["row"].as_i64().unwrap(), p["field"].as_str().unwrap()))
                .collect();
            assert_eq!(
                problems,
                vec![(3, "code"), (4, "department"), (4, "coverage")],
                "{b}"
            );
            let zh: Vec<&str> = b["details"]["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["reason_zh"].as_str().unwrap_or(""))
                .collect();
            assert_eq!(
                zh,
                vec![
                    "前6位500222不是本区县代码（500114）",
                    "没有单位D99",
                    "覆盖类型应为road、community、school、market、river、other之一"
                ],
                "every reason in Chinese too"
            );
            let (_, things) = s
                .get("/api/v1/things?region=500114001001", Some(&village))
                .await;
            assert_eq!(things["total"], 0, "nothing written");
            s
        })
        .await;
    }

    #[tokio::test]
    async fn a_spreadsheet_with_bad_rows_is_explained_row_by_row_and_nothing_is_written() {
        on_every_backend(|s| async move {
            let village = s.token("village-500114001001").await;
            let upload = |query: &'static str, bytes: Vec<u8>| {
                let s = &s;
                let village = village.clone();
                async move {
                    s.post(
                        &format!("/api/v1/people/import{query}"),
                        Some(&village),
                        Some("application/octet-stream"),
                        bytes,
                    )
                    .await
                }
            };
            // The template.
            let t = s
                .http
                .get(format!("{}/api/v1/people/import/template", s.base))
                .bearer_auth(&village)
                .send()
                .await
                .unwrap();
            assert_eq!(t.status(), StatusCode::OK);
            assert!(
                t.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
                "an .xlsx workbook"
            );

            let (a, b, c) = (
                id_for((1980, 1, 2), 11),
                id_for((1992, 7, 8), 22),
                id_for((2001, 12, 30), 33),
            );
            let mut wrong = id_for((1975, 3, 4), 44).into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let wrong = String::from_utf8(wrong).unwrap();
            let d = id_for((1966, 6, 6), 55);
            use Cell::Text as T;
            let header = vec![
                T("证件类型"),
                T("证件号码"),
                T("姓名"),
                T("联系电话"),
                T("网格编码"),
                T("人口类型"),
                T("户籍地"),
                T("流入原因"),
            ];
            let file = workbook(&[
                header.clone(),
                vec![
                    T("111"),
                    T(&a),
                    T("赵一"),
                    T("13900000001"),
                    T("500114001001001"),
                    T("户籍人口"),
                ], // row 2: good
                vec![
                    T("111"),
                    T(&b),
                    T("钱二"),
                    Cell::Number(13900000002.0),
                    T("500114001001002"),
                    T("流动人口"),
                    T("湖北省恩施州"),
                    T("务工"),
                ], // row 3: good (a migrant with where from and why)
                vec![
                    T("111"),
                    T(&wrong),
                    T("孙三"),
                    T(""),
                    T("500114001001001"),
                    T(""),
                ], // row 4: check character
                vec![
                    T("111"),
                    T(&c),
                    T("李四"),
                    T(""),
                    T("500114002001001"),
                    T(""),
                ], // row 5: not this village's grid
                vec![
                    T("111"),
                    T(&a),
                    T("周五"),
                    T(""),
                    T("500114001001001"),
                    T(""),
                ], // row 6: same as row 2
                vec![
                    T("111"),
                    Cell::Number(d.parse::<f64>().unwrap_or(0.0)),
                    T("吴六"),
                    T(""),
                    T("500114001001001"),
                    T(""),
                ], // row 7: ID typed as a number
                vec![T("111"), T(&d), T(""), T(""), T("500114001001001"), T("")], // row 8: no name
                vec![
                    T("111"),
                    T(&c),
                    T("郑七"),
                    T("123"),
                    T("500114001001001"),
                    T("外星人"),
                ], // row 9: phone and type
                vec![
                    T("111"),
                    T(&id_for((1988, 8, 8), 66)),
                    T("王九"),
                    T(""),
                    T("500114001001001"),
                    T("流动人口"),
                    T(""),
                    T("旅游"),
                ], // row 10: a migrant without where from, and a reason not on the list
            ]);
            let (st, dry) = upload("?dry_run=true", file.clone()).await;
            assert_eq!(st, StatusCode::OK, "{dry}");
            assert_eq!(
                (
                    dry["rows"].as_i64(),
                    dry["valid"].as_i64(),
                    dry["written"].as_i64()
                ),
                (Some(9), Some(2), Some(0))
            );
            let got: Vec<(i64, String, String)> = dry["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["row"].as_i64().unwrap(),
                        p["column"].as_str().unwrap().to_string(),
                        p["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let want = [
                (4, "证件号码", "invalid_id_number"),
                (5, "网格编码", "invalid_parameter"),
                (6, "证件号码", "conflict"),
                (7, "证件号码", "invalid_id_number"),
                (8, "姓名", "invalid_parameter"),
                (9, "联系电话", "invalid_parameter"),
                (9, "人口类型", "invalid_parameter"),
                (10, "户籍地", "invalid_parameter"),
                (10, "流入原因", "invalid_parameter"),
            ];
            assert_eq!(
                got,
                want.iter()
                    .map(|(r, c, k)| (*r, c.to_string(), k.to_string()))
                    .collect::<Vec<_>>(),
                "{dry}"
            );
            let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
            assert_eq!(listed["total"], 0, "a dry run writes nothing");

            // All or nothing: refused as a whole, with the same report.
            let (st, b) = upload("", file.clone()).await;
            assert_error(st, &b, 422, "invalid_rows");
            assert_eq!(b["details"]["problems"].as_array().unwrap().len(), 9);
            let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
            assert_eq!(
                listed["total"], 0,
                "nothing is written while any row is bad"
            );

            // Only the good rows, on request, with the rejected rows handed back.
            let (st, part) = upload("?partial=true", file.clone()).await;
            assert_eq!(st, StatusCode::OK, "{part}");
            assert_eq!(part["written"], 2);
            let rejected = part["rejected_csv"].as_str().unwrap();
            assert!(
                rejected.contains("问题")
                    && rejected.contains("孙三")
                    && !rejected.contains("赵一"),
                "{rejected}"
            );
            let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
            assert_eq!(listed["total"], 2);
            // A second time, every row is registered already.
            let (_, again) = upload("?dry_run=true", file).await;
            assert!(again["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["row"] == 2 && p["reason"] == "registered already"));

            // CSV as Excel in China saves it (GB 18030) and an unknown column.
            let text = format!("证件号码,姓名,网格编码\n{d},王八,500114001001001\n");
            let csv = encoding_rs::GB18030.encode(&text).0.into_owned();
            assert!(std::str::from_utf8(&csv).is_err(), "really not UTF-8");
            let (st, r) = upload("", csv).await;
            assert_eq!(
                (st, r["written"].as_i64()),
                (StatusCode::OK, Some(1)),
                "{r}"
            );
            let (_, r) = upload(
                "?dry_run=true",
                "证件号码,姓名,网格编码,籍贯\n".as_bytes().to_vec(),
            )
            .await;
            assert_eq!(
                (
                    r["problems"][0]["row"].as_i64(),
                    r["problems"][0]["column"].as_str()
                ),
                (Some(1), Some("籍贯"))
            );
            let (st, b) = upload("", b"\x00\x01garbage".to_vec()).await;
            assert!(st.is_client_error(), "{st} {b}");

            // Export, masked.
            let out = s
                .http
                .get(format!("{}/api/v1/people/export?format=csv", s.base))
                .bearer_auth(&village)
                .send()
                .await
                .unwrap();
            assert_eq!(out.status(), StatusCode::OK);
            let text = out.text().await.unwrap();
            assert!(
                text.contains("赵一") && text.contains("************") && !text.contains(&a),
                "{text}"
            );
            let out = s
                .http
                .get(format!("{}/api/v1/people/export", s.base))
                .bearer_auth(&village)
                .send()
                .await
                .unwrap();
            assert!(out.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
            s
        })
        .await;
    }
}

mod things {
    use super::*;

    #[tokio::test]
    async fn components_and_cameras_with_states_and_uptime_per_area() {
        on_every_backend(|s| async move {
            let worker = s.token("grid-500114001001001").await;
            let p = deep_point("500114001001001");
            let post = |body: Value| {
                let s = &s;
                let worker = worker.clone();
                async move { s.post("/api/v1/things", Some(&worker), Some("application/json"), body.to_string()).await }
            };
            let (st, c) = post(json!({"kind": "component", "code": "5001140102000001", "name": "路灯", "lon": p.x, "lat": p.y, "department": "D09"})).await;
            assert_eq!(st, StatusCode::CREATED, "{c}");
            assert_eq!((c["class_name"].as_str(), c["state"].as_str(), c["grid_code"].as_str()), (Some("公用设施"), Some("normal"), Some("500114001001001")));
            let (st, b) = post(json!({"kind": "component", "code": "5001140102000001", "name": "路灯", "lon": p.x, "lat": p.y})).await;
            assert_error(st, &b, 409, "conflict");
            for (body, field) in [
                (json!({"kind": "component", "code": "5001150102000002", "name": "x", "lon": p.x, "lat": p.y}), "code"),
                (json!({"kind": "component", "code": "5001140102000003", "name": "x", "lon": 100.0, "lat": 20.0}), "lon"),
                (json!({"kind": "camera", "code": "CAM-1", "name": "x", "lon": p.x, "lat": p.y, "coverage": "sky"}), "coverage"),
                (json!({"kind": "robot", "code": "R", "name": "x", "lon": p.x, "lat": p.y}), "kind"),
            ] {
                let (st, b) = post(body).await;
                assert_error(st, &b, 422, "invalid_parameter");
                assert_eq!(b["details"]["field"], field, "{b}");
            }
            // Fifty cameras in the grid, one goes offline: 98 %, on target; two: below.
            let mut ids = Vec::new();
            for i in 0..50 {
                let (st, cam) = post(json!({"kind": "camera", "code": format!("CAM-{i:03}"), "name": format!("摄像头{i}"), "lon": p.x, "lat": p.y, "coverage": "road"})).await;
                assert_eq!(st, StatusCode::CREATED, "{cam}");
                ids.push(cam["id"].as_i64().unwrap());
            }
            // States are changed by the area's centres and the responsible unit.
            let station = s.token("village-500114001001").await;
            let put = |id: i64, state: &'static str| {
                let s = &s;
                let station = station.clone();
                async move { s.post_put(&format!("/api/v1/things/{id}/state"), Some(&station), json!({"state": state}).to_string()).await }
            };
            let (st, off) = put(ids[0], "offline").await;
            assert_eq!((st, off["state"].as_str()), (StatusCode::OK, Some("offline")));
            // The map layers: the box around the grid holds them, with their states; a box
            // elsewhere and another town hold none.
            let near = format!("{},{},{},{}", p.x - 0.01, p.y - 0.01, p.x + 0.01, p.y + 0.01);
            let (st, cams) = s.get(&format!("/api/v1/map/places?layer=cameras&bbox={near}"), Some(&worker)).await;
            assert_eq!(st, StatusCode::OK);
            let features = cams["features"].as_array().unwrap();
            assert_eq!((features.len(), cams["truncated"].as_bool()), (50, Some(false)));
            assert_eq!(features.iter().filter(|f| f["properties"]["state"] == "offline").count(), 1);
            let (_, parts) = s.get(&format!("/api/v1/map/places?layer=components&bbox={near}"), Some(&worker)).await;
            assert_eq!(parts["features"][0]["properties"]["label"], "路灯");
            let (_, none) = s.get("/api/v1/map/places?layer=cameras&bbox=100,20,100.1,20.1", Some(&worker)).await;
            assert_eq!(none["features"].as_array().map(Vec::len), Some(0));
            let (_, none) = s.get(&format!("/api/v1/map/places?layer=cameras&bbox={near}"), Some(&s.token("town-500114002").await)).await;
            assert_eq!(none["features"].as_array().map(Vec::len), Some(0));
            for bad in ["layer=cameras&bbox=1,2,3", "layer=cameras&bbox=3,2,1,4", "layer=planets&bbox=1,2,3,4"] {
                let (st, b) = s.get(&format!("/api/v1/map/places?{bad}"), Some(&worker)).await;
                assert_error(st, &b, 422, "invalid_parameter");
            }
            let (st, b) = s.get(&format!("/api/v1/map/places?layer=houses&bbox={near}"), Some(&s.token("dept-D01").await)).await;
            assert_error(st, &b, 403, "forbidden");
            let town = s.token("town-500114001").await;
            let (_, up) = s.get("/api/v1/things/uptime", Some(&town)).await;
            assert_eq!((up["region"]["total"].as_i64(), up["region"]["online"].as_i64(), up["region"]["rate"].as_f64()), (Some(50), Some(49), Some(0.98)));
            assert_eq!(up["region"]["below_target"], false);
            assert_eq!(up["by_region"][0]["code"], "500114001001");
            put(ids[1], "offline").await;
            let (_, up) = s.get("/api/v1/things/uptime", Some(&town)).await;
            assert_eq!(up["region"]["below_target"], true);
            let (st, b) = put(ids[2], "damaged").await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, listed) = s.get("/api/v1/things?kind=camera&state=offline", Some(&town)).await;
            assert_eq!(listed["total"], 2);
            let other = s.token("town-500114002").await;
            let (_, none) = s.get("/api/v1/things", Some(&other)).await;
            assert_eq!(none["total"], 0);
            let (st, _) = put(ids[3], "offline").await;
            assert_eq!(st, StatusCode::OK);
            let other_station = s.token("village-500114002001").await;
            let (st, _) = s.post_put(&format!("/api/v1/things/{}/state", ids[4]), Some(&other_station), json!({"state": "offline"}).to_string()).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "outside the area it does not exist");
            // Not a department that is not responsible for it, nor a grid worker; the
            // responsible department may.
            for who in ["dept-D14", "grid-500114001001001", "leader", "admin"] {
                let (st, b) = s.post_put(&format!("/api/v1/things/{}/state", c["id"]), Some(&s.token(who).await), json!({"state": "damaged"}).to_string()).await;
                assert_error(st, &b, 403, "forbidden");
            }
            let (st, b) = s.post_put(&format!("/api/v1/things/{}/state", c["id"]), Some(&s.token("dept-D09").await), json!({"state": "damaged"}).to_string()).await;
            assert_eq!((st, b["state"].as_str()), (StatusCode::OK, Some("damaged")), "{b}");
            let actions = s.store.actions(0, 1_000_000).await.unwrap();
            assert!(actions.iter().any(|a| a.action == "camera.state" && a.to_state.as_deref() == Some("offline")));
            s
        })
        .await;
    }

    #[tokio::test]
    async fn organisations_with_checked_credit_codes() {
        on_every_backend(|s| async move {
            let village = s.token("village-500114001001").await;
            let p = deep_point("500114001001001");
            let code = zhili_domain::org::compose_credit_code("52", "500114", "MJ0000001");
            let post = |body: Value| {
                let s = &s;
                let village = village.clone();
                async move { s.post("/api/v1/orgs", Some(&village), Some("application/json"), body.to_string()).await }
            };
            let school = json!({"kind": "school", "name": "文汇小学", "credit_code": code, "address": "城东街道文汇路1号",
                "lon": p.x, "lat": p.y, "contact_name": "校长", "contact_phone": "13900001111", "staff": 60});
            let (st, made) = post(school.clone()).await;
            assert_eq!(st, StatusCode::CREATED, "{made}");
            assert_eq!((made["kind_label"].as_str(), made["grid_code"].as_str(), made["contact_phone"].as_str()), (Some("学校"), Some("500114001001001"), Some("139****1111")));
            let (st, b) = post(school.clone()).await;
            assert_error(st, &b, 409, "conflict");
            let mut wrong = code.clone().into_bytes();
            wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
            let mut bad = school.clone();
            bad["credit_code"] = json!(String::from_utf8(wrong).unwrap());
            let (st, b) = post(bad).await;
            assert_error(st, &b, 422, "invalid_parameter");
            assert_eq!(b["details"]["field"], "credit_code");
            let mut far = school.clone();
            far["credit_code"] = Value::Null;
            far["lon"] = json!(108.5);
            far["lat"] = json!(29.0);
            let (st, b) = post(far).await;
            assert_error(st, &b, 422, "invalid_parameter");
            let (_, list) = s.get("/api/v1/orgs?kind=school", Some(&village)).await;
            assert_eq!(list["total"], 1);
            let (_, none) = s.get("/api/v1/orgs", Some(&s.token("town-500114002").await)).await;
            assert_eq!(none["total"], 0);
            s
        })
        .await;
    }
}

#[path = "api/security.rs"]
mod security;

#[path = "api/intake.rs"]
mod intake;
