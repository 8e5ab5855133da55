//! `zhili sim --webhooks N`: the intake load with N subscriptions of one unit to
//! `event.reported`, all pointing at a receiver this command runs on 127.0.0.1. The receiver
//! checks every delivery's Standard Webhooks signature and counts, for each acknowledged
//! report and each subscription, whether its delivery came: what arrived, how fast, what was
//! duplicated (at-least-once after a crash) and what was lost. The server must allow the
//! loopback range (`ZHILI_WEBHOOK_ALLOW=127.0.0.0/8`). The subscriptions are disabled at the end.

use crate::sim::{self, SimParams, SimReport};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use zhili_domain::webhook as rules;

#[derive(Clone)]
pub struct WebhookParams {
    pub sim: SimParams,
    /// Subscriptions made (each hears every report in the unit's area).
    pub subscriptions: usize,
    /// The unit subscribed: a centre's area covers all its reports.
    pub unit: String,
    /// After the load, how long to wait for the last deliveries.
    pub drain: Duration,
}

pub struct WebhookReport {
    pub intake: SimReport,
    pub subscriptions: usize,
    /// Acknowledged reports × subscriptions.
    pub expected: usize,
    /// Of those, delivered (each counted once).
    pub delivered: usize,
    pub lost: usize,
    /// Deliveries that came again (the same `webhook-id` to the same subscription).
    pub duplicates: usize,
    /// Deliveries whose signature or timestamp did not verify (refused with 401).
    pub bad_signatures: usize,
    /// Delivered before the load ended.
    pub during_load: usize,
    /// From the first delivery to the last.
    pub span: Duration,
    /// From the end of the load to the last expected delivery.
    pub drain: Duration,
}

impl WebhookReport {
    pub fn print(&mut self) {
        self.intake.print();
        println!(
            "webhooks: {} subscriptions; {} expected, {} delivered ({} lost, {} duplicates, {} bad signatures)",
            self.subscriptions,
            self.expected,
            self.delivered,
            self.lost,
            self.duplicates,
            self.bad_signatures
        );
        println!(
            "delivery: {:.0}/s from the first to the last ({:.1} s); {} during the load; the rest within {:.1} s after it",
            self.delivered as f64 / self.span.as_secs_f64().max(1e-9),
            self.span.as_secs_f64(),
            self.during_load,
            self.drain.as_secs_f64()
        );
    }
}

#[derive(Default)]
struct Received {
    /// (subscription index, event id) → when it first came.
    first: HashMap<(usize, i64), Instant>,
    ids: HashSet<(usize, String)>,
    duplicates: usize,
    bad: usize,
}

struct Receiver {
    secrets: RwLock<HashMap<usize, Vec<u8>>>,
    received: Mutex<Received>,
}

async fn hook(
    State(r): State<Arc<Receiver>>,
    Path(i): Path<usize>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let Some(secret) = r.secrets.read().expect("receiver lock").get(&i).cloned() else {
        // Not yet told the secret: ask for the delivery again.
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let id = header("webhook-id").unwrap_or_default().to_string();
    let timestamp = header("webhook-timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or_default();
    let expected = rules::sign(&secret, &id, timestamp, &body);
    let signed =
        header("webhook-signature").is_some_and(|s| s.split(' ').any(|one| one == expected));
    let fresh = (crate::now_ms() / 1000 - timestamp).abs() <= 300;
    let mut got = r.received.lock().expect("receiver lock");
    if !signed || !fresh {
        got.bad += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let event = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["data"]["event_id"].as_i64());
    if !got.ids.insert((i, id)) {
        got.duplicates += 1;
    }
    if let Some(event) = event {
        got.first.entry((i, event)).or_insert_with(Instant::now);
    }
    StatusCode::NO_CONTENT
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
) -> Result<Value, String> {
    let resp = http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        Ok(answer)
    } else {
        Err(format!("{url} answered {status}: {answer}"))
    }
}

pub async fn run(p: WebhookParams) -> Result<WebhookReport, String> {
    let receiver = Arc::new(Receiver {
        secrets: RwLock::new(HashMap::new()),
        received: Mutex::new(Received::default()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = axum::Router::new()
        .route("/hook/{i}", axum::routing::post(hook))
        .with_state(receiver.clone());
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let target = p.sim.target.trim_end_matches('/').to_string();
    let http = sim::client(4)?;
    let admin = sim::login(&http, &target, "admin", &p.sim.password).await?;
    let mut ids = Vec::new();
    for i in 0..p.subscriptions.max(1) {
        let made = post(
            &http,
            format!("{target}/api/v1/webhooks"),
            &admin,
            json!({"unit_id": p.unit, "url": format!("http://{addr}/hook/{i}"), "event_types": ["event.reported"]}),
        )
        .await?;
        let secret = made["secret"]
            .as_str()
            .and_then(rules::secret_bytes)
            .ok_or("the subscription came without a secret")?;
        receiver
            .secrets
            .write()
            .expect("receiver lock")
            .insert(i, secret);
        ids.extend(made["webhook"]["id"].as_i64());
    }

    let started = Instant::now();
    let intake = sim::run(p.sim.clone()).await;
    let load_end = Instant::now();
    let subscriptions = ids.len();
    let expected_pairs = |intake: &SimReport| -> Vec<(usize, i64)> {
        (0..subscriptions)
            .flat_map(|i| intake.created.iter().map(move |&e| (i, e)))
            .collect()
    };
    let (intake, pairs) = match intake {
        Ok(intake) => {
            let pairs = expected_pairs(&intake);
            (intake, pairs)
        }
        Err(e) => {
            serving.abort();
            return Err(e);
        }
    };
    // Wait for every expected delivery, or the drain time.
    loop {
        let done = {
            let got = receiver.received.lock().expect("receiver lock");
            pairs.iter().all(|k| got.first.contains_key(k))
        };
        if done || load_end.elapsed() >= p.drain {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Stop hearing, whatever happened above.
    for id in &ids {
        if let Err(e) = post(
            &http,
            format!("{target}/api/v1/webhooks/{id}/disable"),
            &admin,
            json!({"reason": "压测结束"}),
        )
        .await
        {
            tracing::warn!(error = %e, "a benchmark subscription could not be disabled");
        }
    }
    serving.abort();
    let got = receiver.received.lock().expect("receiver lock");
    let times: Vec<Instant> = pairs
        .iter()
        .filter_map(|k| got.first.get(k).copied())
        .collect();
    let during_load = times.iter().filter(|t| **t <= load_end).count();
    let first = times.iter().min().copied().unwrap_or(started);
    let last = times.iter().max().copied().unwrap_or(started);
    Ok(WebhookReport {
        subscriptions,
        expected: pairs.len(),
        delivered: times.len(),
        lost: pairs.len() - times.len(),
        duplicates: got.duplicates,
        bad_signatures: got.bad,
        during_load,
        span: last.saturating_duration_since(first),
        drain: last.saturating_duration_since(load_end),
        intake,
    })
}
