//! `zhili sim`: replays realistic traffic through the HTTP API — grid workers reporting
//! events at points inside their own grids, village stations registering and dispatching
//! them — at a target rate with a number of concurrent clients, then prints throughput and
//! latency percentiles.

use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Clone)]
pub struct SimParams {
    /// Base URL of the server, or of several serving one database, comma-separated: the
    /// clients take turns among them.
    pub target: String,
    pub rate: f64,
    pub duration: Duration,
    pub concurrency: usize,
    pub password: String,
    /// How many distinct grid workers report.
    pub reporters: usize,
    /// Share of reports the station registers and dispatches at once (0 to 1).
    pub handling_share: f64,
    /// File the reports as a department's system does, through Open311 with this API key
    /// (a key with the hotline or department channel), instead of as grid workers; no handling.
    pub open311_key: Option<String>,
    /// Watch every target's live stream and count the reports each told of.
    pub watch_streams: bool,
}

#[derive(Default)]
pub struct SimReport {
    pub intake: Vec<Duration>,
    /// The events the server acknowledged (native intake), by id.
    pub created: Vec<i64>,
    pub actions: Vec<Duration>,
    pub reads: Vec<Duration>,
    pub errors: u64,
    /// The first few failures, as the server answered them.
    pub samples: Vec<String>,
    pub elapsed: Duration,
    /// The reports went through Open311 with a system's key.
    pub open311: bool,
    /// Each server's live stream: the acknowledged reports it told of (`--watch-streams`).
    pub streams: Vec<crate::sim_streams::StreamTally>,
}

impl SimReport {
    fn failed(&mut self, what: String) {
        self.errors += 1;
        if self.samples.len() < 5 {
            self.samples.push(what);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

impl SimReport {
    pub fn print(&mut self) {
        self.intake.sort();
        self.actions.sort();
        self.reads.sort();
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("ran {:.1} s; {} errors", secs, self.errors);
        for s in &self.samples {
            println!("  e.g. {s}");
        }
        for (name, list) in [
            (
                if self.open311 {
                    "intake (POST /open311/v2/requests.json)"
                } else {
                    "intake (POST /events)"
                },
                &self.intake,
            ),
            ("actions (register, dispatch)", &self.actions),
            ("reads", &self.reads),
        ] {
            // A read run has no intake, an intake run no reads: show what ran.
            let read_run = !self.reads.is_empty();
            if (name == "reads") != read_run {
                continue;
            }
            println!(
                "{name}: {} requests, {:.0}/s, latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                list.len(),
                list.len() as f64 / secs,
                ms(percentile(list, 0.50)),
                ms(percentile(list, 0.95)),
                ms(percentile(list, 0.99)),
                ms(list.last().copied().unwrap_or_default()),
            );
        }
        for t in &self.streams {
            println!(
                "stream of {}: told of {} of {} reports ({} missing, {} lagged)",
                t.target,
                t.seen,
                self.created.len(),
                t.missing,
                t.lagged
            );
        }
    }
}

struct Reporter {
    token: String,
    /// Points known to lie inside the worker's grid (its vertices pulled toward the centre).
    points: Vec<(f64, f64)>,
    village_token: String,
}

pub(crate) async fn login(
    http: &reqwest::Client,
    target: &str,
    username: &str,
    password: &str,
) -> Result<String, String> {
    // The server bounds its password checks: when it is busy, wait as it says and try again.
    let mut tries = 0;
    let resp = loop {
        let resp = http
            .post(format!("{target}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .map_err(|e| format!("cannot reach {target}: {e}"))?;
        tries += 1;
        if resp.status() != reqwest::StatusCode::SERVICE_UNAVAILABLE || tries >= 10 {
            break resp;
        }
        let wait = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .unwrap_or(1);
        tokio::time::sleep(std::time::Duration::from_secs(wait.min(10))).await;
    };
    let status = resp.status();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| format!("login answer unreadable: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("login as {username} failed ({status}): {body}"))
}

/// Places a grid worker reports from: this many random points in the grid's bounding box
/// that the server itself places in the grid, so reports spread over the grid as real
/// ones do (and duplicates are as rare as they are in life).
const POINTS_PER_REPORTER: usize = 48;

/// The bounding box of a Polygon or MultiPolygon's outer rings.
fn bbox(geometry: &Value) -> Option<[f64; 4]> {
    let polygons: Vec<&Value> = if geometry["type"] == "MultiPolygon" {
        geometry["coordinates"].as_array()?.iter().collect()
    } else {
        vec![&geometry["coordinates"]]
    };
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for p in polygons {
        for v in p[0].as_array()? {
            let (x, y) = (v[0].as_f64()?, v[1].as_f64()?);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
    }
    (b[0] < b[2] && b[1] < b[3]).then_some(b)
}

async fn points_in_grid(
    http: &reqwest::Client,
    target: &str,
    token: &str,
    code: &str,
    b: [f64; 4],
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Vec<(f64, f64)> {
    let mut inside = Vec::new();
    for _ in 0..POINTS_PER_REPORTER * 8 {
        if inside.len() == POINTS_PER_REPORTER {
            break;
        }
        let (lon, lat) = (rng.gen_range(b[0]..b[2]), rng.gen_range(b[1]..b[3]));
        let hit: Option<Value> = match http
            .get(format!("{target}/api/v1/locate?lon={lon}&lat={lat}"))
            .bearer_auth(token)
            .send()
            .await
        {
            Ok(resp) if resp.status().is_success() => resp.json().await.ok(),
            _ => None,
        };
        if hit.is_some_and(|h| h["grid"]["code"] == code) {
            inside.push((lon, lat));
        }
    }
    inside
}

pub async fn run(p: SimParams) -> Result<SimReport, String> {
    let http = client(p.concurrency)?;
    let targets: Vec<String> = p
        .target
        .split(',')
        .map(|t| t.trim().trim_end_matches('/').to_string())
        .filter(|t| !t.is_empty())
        .collect();
    // Sessions live in the database: signed in at the first server, valid at every one.
    let target = targets.first().cloned().ok_or("no target")?;
    let district = login(&http, &target, "district", &p.password).await?;
    let grids: Value = http
        .get(format!("{target}/api/v1/regions?level=grid&geometry=true"))
        .bearer_auth(&district)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let grids = grids.as_array().cloned().ok_or("no grids in the target")?;
    let categories: Value = http
        .get(format!("{target}/api/v1/reference/categories"))
        .bearer_auth(&district)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    // (code, whether the station dispatches it: 私事 are closed with guidance instead)
    let categories: Arc<Vec<(String, bool)>> = Arc::new(
        categories
            .as_array()
            .ok_or("no categories in the target")?
            .iter()
            .filter_map(|c| Some((c["code"].as_str()?.to_string(), c["matter_class"] != "私事")))
            .collect(),
    );
    if categories.is_empty() {
        return Err("the target has no event categories".into());
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut reporters = Vec::new();
    for _ in 0..p.reporters.max(1) {
        let g = &grids[rng.gen_range(0..grids.len())];
        let code = g["code"].as_str().unwrap_or_default();
        let Some(b) = bbox(&g["geometry"]) else {
            continue;
        };
        let token = login(&http, &target, &format!("grid-{code}"), &p.password).await?;
        let points = points_in_grid(&http, &target, &token, code, b, &mut rng).await;
        if points.is_empty() {
            continue;
        }
        let village_token = login(
            &http,
            &target,
            &format!("village-{}", &code[..12]),
            &p.password,
        )
        .await?;
        reporters.push(Reporter {
            token,
            points,
            village_token,
        });
    }
    let reporters = Arc::new(reporters);
    let report = Arc::new(Mutex::new(SimReport {
        open311: p.open311_key.is_some(),
        ..SimReport::default()
    }));
    let watches = if p.watch_streams {
        Some(crate::sim_streams::watch(&http, &targets, &district).await?)
    } else {
        None
    };
    let started = Instant::now();
    let interval = Duration::from_secs_f64(p.concurrency as f64 / p.rate.max(0.001));
    let mut workers = Vec::new();
    for w in 0..p.concurrency.max(1) {
        let (http, target, reporters, report, categories) = (
            http.clone(),
            targets[w % targets.len()].clone(),
            reporters.clone(),
            report.clone(),
            categories.clone(),
        );
        let duration = p.duration;
        let open311_key = p.open311_key.clone();
        let handling_share = p.handling_share.clamp(0.0, 1.0);
        workers.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + w as u64);
            // Spread the clients' schedules over one interval.
            let mut next = Instant::now() + interval.mul_f64(w as f64 / p.concurrency.max(1) as f64);
            while started.elapsed() < duration {
                tokio::time::sleep_until(next.into()).await;
                next += interval;
                let r = &reporters[rng.gen_range(0..reporters.len())];
                let (lon, lat) = r.points[rng.gen_range(0..r.points.len())];
                let (category, dispatchable) = &categories[rng.gen_range(0..categories.len())];
                let t = Instant::now();
                let resp = match &open311_key {
                    Some(key) => {
                        let form = form_urlencoded::Serializer::new(String::new())
                            .append_pair("api_key", key)
                            .append_pair("service_code", category)
                            .append_pair("lat", &lat.to_string())
                            .append_pair("long", &lon.to_string())
                            .append_pair("description", "模拟系统上报")
                            .finish();
                        http.post(format!("{target}/open311/v2/requests.json"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(form)
                            .send()
                            .await
                    }
                    None => {
                        let body = json!({"channel": "grid_patrol", "category": category, "description": "模拟上报", "location": {"lon": lon, "lat": lat}});
                        http.post(format!("{target}/api/v1/events")).bearer_auth(&r.token).json(&body).send().await
                    }
                };
                let took = t.elapsed();
                let created: Result<Value, String> = match resp {
                    Ok(resp) if resp.status().as_u16() == 201 => resp.json().await.map_err(|e| e.to_string()),
                    Ok(resp) => Err(format!("intake {}: {}", resp.status(), resp.text().await.unwrap_or_default())),
                    Err(e) => Err(format!("intake: {e}")),
                };
                let mut rep = report.lock().await;
                let created = match created {
                    Ok(c) => c,
                    Err(e) => {
                        rep.failed(e);
                        continue;
                    }
                };
                rep.intake.push(took);
                rep.created.extend(created["id"].as_i64());
                drop(rep);
                if open311_key.is_some() {
                    continue;
                }
                // One in four reports is taken up by the station at once: register, dispatch.
                if *dispatchable && rng.gen_bool(handling_share) {
                    let id = created["id"].as_i64().unwrap_or_default();
                    for action in ["register", "dispatch"] {
                        let t = Instant::now();
                        let resp = http.post(format!("{target}/api/v1/events/{id}/actions")).bearer_auth(&r.village_token).json(&json!({"action": action})).send().await;
                        let took = t.elapsed();
                        let failure = match resp {
                            Ok(resp) if resp.status().is_success() => None,
                            Ok(resp) => Some(format!("{action} {}: {}", resp.status(), resp.text().await.unwrap_or_default())),
                            Err(e) => Some(format!("{action}: {e}")),
                        };
                        let mut rep = report.lock().await;
                        match failure {
                            None => rep.actions.push(took),
                            Some(f) => rep.failed(f),
                        }
                    }
                }
            }
        }));
    }
    let mut out = finish(workers, &report, started).await?;
    if let Some(watches) = watches {
        out.streams =
            crate::sim_streams::tally(watches, &out.created, Duration::from_secs(10)).await;
    }
    Ok(out)
}

pub(crate) fn client(concurrency: usize) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency.max(1))
        .build()
        .map_err(|e| e.to_string())
}

/// Waits for every client and hands back what they recorded.
async fn finish(
    workers: Vec<tokio::task::JoinHandle<()>>,
    report: &Mutex<SimReport>,
    started: Instant,
) -> Result<SimReport, String> {
    for w in workers {
        w.await.map_err(|e| e.to_string())?;
    }
    let mut out = std::mem::take(&mut *report.lock().await);
    out.elapsed = started.elapsed();
    Ok(out)
}

pub struct ReadParams {
    pub target: String,
    pub path: String,
    pub username: String,
    pub password: String,
    pub duration: Duration,
    pub concurrency: usize,
}

/// Reads one path over and over from `concurrency` clients (each waits for its answer
/// before asking again) and records every latency.
pub async fn run_reads(p: ReadParams) -> Result<SimReport, String> {
    let http = client(p.concurrency)?;
    let target = p.target.trim_end_matches('/').to_string();
    let token = login(&http, &target, &p.username, &p.password).await?;
    let url = format!("{target}{}", p.path);
    // One read first, so a wrong path fails at once instead of after the whole run.
    let first = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !first.status().is_success() {
        return Err(format!("GET {} answered {}", p.path, first.status()));
    }
    let report = Arc::new(Mutex::new(SimReport::default()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..p.concurrency.max(1) {
        let (http, url, token, report) = (http.clone(), url.clone(), token.clone(), report.clone());
        let duration = p.duration;
        workers.push(tokio::spawn(async move {
            while started.elapsed() < duration {
                let t = Instant::now();
                let answer = match http.get(&url).bearer_auth(&token).send().await {
                    Ok(resp) if resp.status().is_success() => {
                        resp.bytes().await.map(|_| ()).map_err(|e| e.to_string())
                    }
                    Ok(resp) => Err(format!("GET {}", resp.status())),
                    Err(e) => Err(e.to_string()),
                };
                let took = t.elapsed();
                let mut rep = report.lock().await;
                match answer {
                    Ok(()) => rep.reads.push(took),
                    Err(e) => rep.failed(e),
                }
            }
        }));
    }
    finish(workers, &report, started).await
}
