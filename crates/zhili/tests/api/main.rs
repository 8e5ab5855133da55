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
use zhili_store::prelude::*;
use zhili_store::testing::TestDb;
use zhili_store::SqlStore;

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
        Server::start_with_key(db, zhili::crypto::DataKey::generate()).await
    }

    async fn start_with_key(db: &TestDb, key: zhili::crypto::DataKey) -> Server {
        let store = Arc::new(db.open().await.unwrap());
        let load = demo::city_load(plan(), password_hash(), &key, 2026, 1_790_000_000_000);
        store
            .load_city(&Actor::system(), &load, 1_790_000_000_000)
            .await
            .unwrap();
        let state = AppState::new(store.clone(), LoginPolicy::default(), key)
            .await
            .unwrap();
        // The tests load the doors far past a person's rate; `rate_limits.rs` tests the limits.
        state.rate_limits.set(zhili::rate_limit::RateLimits::OFF);
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
        self.send_json(reqwest::Method::PUT, path, token, body)
            .await
    }

    async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::PATCH, path, token, body.to_string())
            .await
    }

    /// A JSON body by `method`; the answer as JSON (or as a string when it is not JSON).
    async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: String,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
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
        // And streamed, as `zhili audit verify` reads it, on every backend.
        let (head, hash) = self.store.chain_head().await.unwrap();
        let check = self
            .store
            .verify_chain(chain::ChainCheck::new(), head)
            .await
            .unwrap()
            .expect("the streamed check agrees");
        assert_eq!(check.last(), (head, hash));
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

/// The web app's directory, its locked npm packages installed: the build installs them when
/// it builds the UI, but a warm build after `git clean` does not run again, so the tests that
/// run the packages' tools (openapi-typescript, playwright-core) install them themselves.
fn web_with_packages() -> &'static std::path::Path {
    static WEB: OnceLock<std::path::PathBuf> = OnceLock::new();
    WEB.get_or_init(|| {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let installed = web.join("node_modules/.package-lock.json");
        let stale = match (
            std::fs::metadata(&installed),
            std::fs::metadata(web.join("package-lock.json")),
        ) {
            (Ok(i), Ok(l)) => l.modified().ok() > i.modified().ok(),
            _ => true,
        };
        if stale {
            let status = std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&web)
                .status()
                .expect("npm installs the web app's packages");
            assert!(status.success(), "npm ci failed in {}", web.display());
        }
        web
    })
}

/// A JSON body posted with a bearer token.
async fn post_json(s: &Server, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    s.post(
        path,
        Some(token),
        Some("application/json"),
        body.to_string(),
    )
    .await
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

/// A point well inside a grid (more than 30 m from every edge).
fn deep_point(code: &str) -> Coord<f64> {
    let g = grid(code);
    let p = g.shape.interior_point().unwrap().0;
    assert!(
        distance_to_edges_m(&g.shape, p) > 30.0,
        "interior point of {code} is too near an edge"
    );
    p
}

fn feature(code: &str, name: &str, shape: &MultiPolygon<f64>) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name, "kind": "综合网格"}, "geometry": geojson::to_geometry(shape)})
}

/// A small city on the server's database: 3,000 events over 60 days, 5,000 residents in
/// their houses, the components, cameras and organisations, mediation committees and cases: enough for every page and every
/// operation to have something to show.
async fn small_city(s: &Server) {
    use zhili::demo::history::{generate, HistoryParams};
    let reference =
        zhili::reference::Reference::from_data(&s.store.reference().await.unwrap()).unwrap();
    let params = HistoryParams {
        events: 3000,
        days: 60,
        now: zhili::now_ms(),
        seed: 5,
    };
    // Sealed with the server's own key, so that revealing an identifier works.
    let key = &s.state.key;
    let (items, _) = generate(plan(), &reference, key, &params, &mut |_, _| {});
    s.store.load_history(&items).await.unwrap();
    // A town's rush before a quarter's end, as the demo has it, for the reviewers' flags.
    if let Some((_, rush)) =
        demo::history::quarter_end_rush(plan(), &reference, key, 150, zhili::now_ms(), 5)
    {
        s.store.load_history(&rush).await.unwrap();
    }
    // Components, cameras and organisations for the things page and the map layers;
    // houses and residents for the people pages.
    let actor = zhili_domain::chain::Actor::system();
    let population = demo::population::generate(
        plan(),
        key,
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
    let orgs = demo::things::orgs(plan(), key, 5);
    s.store
        .create_orgs(&actor, &orgs, zhili::now_ms())
        .await
        .unwrap();
    // Mediation committees and cases from the disputes among the events.
    demo::mediation::write(&s.store, plan(), key, 5, zhili::now_ms())
        .await
        .unwrap();
}

mod accounts;
mod api_keys;
mod assessment;
mod assessment_reviews;
mod auth;
mod backup;
mod browser;
mod cli;
mod contract;
mod contract_fuzz;
mod dashboard;
mod deliberations;
mod desk;
mod events;
mod feed;
mod group_commit;
mod history;
mod intake;
mod key_rotation;
mod live;
mod map_layers;
mod mediation;
mod open311;
mod partitions;
mod patrols;
mod people;
mod people_import;
mod photos;
mod pilot;
mod pilot_checklist;
mod pilot_ledger;
mod pilot_monthly;
mod points;
mod rate_limits;
mod reference_data;
mod regions;
mod replica;
mod residents;
mod risk;
mod risk_register;
mod security;
mod sim;
mod staffing;
mod surveys;
mod things;
mod tls;
mod video_alerts;
mod webhook_kill;
mod webhooks;
mod wule;
