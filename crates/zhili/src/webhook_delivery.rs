//! Sends the queued webhook deliveries: each signed as Standard Webhooks has it over the exact
//! body the writer stored (never serialised again), to an address checked when it is called —
//! the host resolved here and every address it names outside the network, unless in a range
//! the operator allowed (`ZHILI_WEBHOOK_ALLOW`, CIDRs, comma-separated) — and the connection
//! made to the addresses checked, so a name cannot be rebound between the check and the call.
//! Redirects are not followed. A 2xx is delivered; a 410 disables the subscription; anything
//! else is tried again on the day's schedule, `Retry-After` honoured.
//!
//! The courier keeps up to `IN_FLIGHT` deliveries on the wire at once, no more than
//! `PER_RECEIVER` of them to one subscription (a slow receiver cannot hold up the others),
//! claims more as soon as any finishes, reads each subscription and opens its secrets once per
//! claim, keeps one pooled HTTP client per checked host and writes the results in batches.
//! Delivery is at least once: a server killed mid-send leaves its claims leased, and they are
//! sent again when the lease lapses (receivers deduplicate by `webhook-id`, which is stable).

use crate::crypto::Sealed;
use crate::state::AppState;
use rand::Rng;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify, OwnedSemaphorePermit, Semaphore};
use zhili_domain::webhook::{self as rules, Outcome, Range};
use zhili_store::{AttemptResult, DeliveryRecord, SubscriptionRecord};

/// A receiver has this long to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is held from other claims: longer than any attempt can take,
/// short enough that a killed server's claims are sent again soon.
const LEASE_MS: i64 = 20_000;
/// Deliveries on the wire at once, all receivers together.
const IN_FLIGHT: usize = 256;
/// … and to any one subscription.
const PER_RECEIVER: usize = 64;
/// How often the cases just past their step deadline are looked for.
const OVERDUE_SWEEP: Duration = Duration::from_secs(30);
/// Results written in one transaction at most.
const RECORD_BATCH: usize = 512;
/// Pooled clients kept (one per checked host and its addresses) before the pool starts anew.
const CLIENTS_KEPT: usize = 512;

fn allowed_ranges() -> Vec<Range> {
    std::env::var("ZHILI_WEBHOOK_ALLOW")
        .unwrap_or_default()
        .split(',')
        .filter_map(Range::parse)
        .collect()
}

/// A subscription as one claim needs it: where to, over which checked addresses, with which
/// secrets — or why it cannot be called this time.
struct Route {
    url: reqwest::Url,
    client: reqwest::Client,
    secrets: Vec<Vec<u8>>,
}

struct Courier {
    state: Arc<AppState>,
    allowed: Vec<Range>,
    slots: Arc<Semaphore>,
    /// Deliveries on the wire per subscription.
    busy: Mutex<HashMap<i64, usize>>,
    clients: Mutex<HashMap<(String, Vec<SocketAddr>), reqwest::Client>>,
    finished: Notify,
    results: mpsc::UnboundedSender<(i64, AttemptResult)>,
}

/// Runs for the life of the server: what is due, as soon as it is due.
pub async fn run(state: Arc<AppState>) {
    let (results, recorded) = mpsc::unbounded_channel();
    tokio::spawn(record(state.clone(), recorded));
    tokio::spawn(sweep_overdue(state.clone()));
    let courier = Arc::new(Courier {
        state,
        allowed: allowed_ranges(),
        slots: Arc::new(Semaphore::new(IN_FLIGHT)),
        busy: Mutex::new(HashMap::new()),
        clients: Mutex::new(HashMap::new()),
        finished: Notify::new(),
        results,
    });
    loop {
        let free = courier.slots.available_permits();
        let claimed = if free == 0 {
            Ok(0)
        } else {
            courier.claim(free).await
        };
        match claimed {
            // Room left and a full claim: there may be more due at once.
            Ok(n) if n > 0 && n == free => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook deliveries could not be read"),
        }
        // Nothing more due (or no room): wait for a send to finish, or poll again shortly.
        tokio::select! {
            _ = courier.finished.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

/// Every half minute, the cases whose step deadline has just passed are queued as
/// `event.overdue` (the store keeps where the sweep reached, so none is told of twice).
async fn sweep_overdue(state: Arc<AppState>) {
    loop {
        if let Err(e) = state.store.sweep_overdue(crate::now_ms()).await {
            tracing::warn!(error = %e, "overdue cases could not be swept for webhooks");
        }
        tokio::time::sleep(OVERDUE_SWEEP).await;
    }
}

/// Writes the attempts' results as they come, many to a transaction.
async fn record(state: Arc<AppState>, mut results: mpsc::UnboundedReceiver<(i64, AttemptResult)>) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    while results.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        if let Err(e) = state.store.record_attempts(&batch, crate::now_ms()).await {
            // Unrecorded attempts stay leased and are sent again when the lease lapses.
            tracing::warn!(error = %e, count = batch.len(), "webhook attempts could not be recorded");
        }
        batch.clear();
    }
}

impl Courier {
    /// Claims up to `room` due deliveries and puts each on the wire; answers how many.
    async fn claim(self: &Arc<Self>, room: usize) -> Result<usize, zhili_store::StoreError> {
        let full: Vec<i64> = {
            let busy = self.busy.lock().expect("courier lock");
            busy.iter()
                .filter(|(_, n)| **n >= PER_RECEIVER)
                .map(|(id, _)| *id)
                .collect()
        };
        let due = self
            .state
            .store
            .claim_deliveries(crate::now_ms(), LEASE_MS, room as i64, &full)
            .await?;
        let n = due.len();
        let mut by_subscription: HashMap<i64, Vec<DeliveryRecord>> = HashMap::new();
        for d in due {
            by_subscription
                .entry(d.subscription_id)
                .or_default()
                .push(d);
        }
        for (id, deliveries) in by_subscription {
            let route = match self.route(id).await {
                Ok(route) => Arc::new(route),
                Err(why) => {
                    for d in deliveries {
                        let _ = self.results.send((d.id, judged(&d, Err(why.clone()))));
                    }
                    continue;
                }
            };
            for d in deliveries {
                let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                    // Cannot happen (no more was claimed than there was room for); the lease
                    // lapses and the delivery is claimed again.
                    break;
                };
                *self
                    .busy
                    .lock()
                    .expect("courier lock")
                    .entry(id)
                    .or_default() += 1;
                let (courier, route) = (self.clone(), route.clone());
                tokio::spawn(async move { courier.deliver(d, &route, slot).await });
            }
        }
        Ok(n)
    }

    async fn deliver(
        self: Arc<Self>,
        d: DeliveryRecord,
        route: &Route,
        slot: OwnedSemaphorePermit,
    ) {
        let result = judged(&d, send(route, &d).await);
        let _ = self.results.send((d.id, result));
        {
            let mut busy = self.busy.lock().expect("courier lock");
            if let Some(n) = busy.get_mut(&d.subscription_id) {
                *n -= 1;
                if *n == 0 {
                    busy.remove(&d.subscription_id);
                }
            }
        }
        drop(slot);
        self.finished.notify_one();
    }

    /// Reads the subscription, opens its secrets, resolves and checks its host, and hands out
    /// the pooled client bound to the addresses checked.
    async fn route(&self, id: i64) -> Result<Route, String> {
        let sub = self
            .state
            .store
            .subscription(id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the subscription is gone")?;
        let secrets = self.secrets(&sub)?;
        let url = reqwest::Url::parse(&sub.url).map_err(|e| format!("address: {e}"))?;
        let host = url.host_str().ok_or("the address names no host")?;
        let port = url
            .port_or_known_default()
            .ok_or("the address names no port")?;
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let mut addrs: Vec<SocketAddr> = match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((bare.as_str(), port))
                .await
                .map_err(|e| format!("the host does not resolve: {e}"))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err("the host resolves to no address".into());
        }
        if let Some(bad) = addrs
            .iter()
            .find(|a| !rules::may_call(a.ip(), &self.allowed))
        {
            return Err(format!(
                "refused: {} is inside the network (allow its range with ZHILI_WEBHOOK_ALLOW)",
                bad.ip()
            ));
        }
        addrs.sort();
        let client = {
            let mut clients = self.clients.lock().expect("courier lock");
            if clients.len() >= CLIENTS_KEPT {
                clients.clear();
            }
            match clients.entry((bare.clone(), addrs.clone())) {
                std::collections::hash_map::Entry::Occupied(c) => c.get().clone(),
                std::collections::hash_map::Entry::Vacant(slot) => slot
                    .insert(
                        reqwest::Client::builder()
                            .redirect(reqwest::redirect::Policy::none())
                            .timeout(TIMEOUT)
                            .pool_max_idle_per_host(PER_RECEIVER)
                            .resolve_to_addrs(&bare, &addrs)
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                    .clone(),
            }
        };
        Ok(Route {
            url,
            client,
            secrets,
        })
    }

    /// The current secret, and the previous one while a rotation overlaps.
    fn secrets(&self, sub: &SubscriptionRecord) -> Result<Vec<Vec<u8>>, String> {
        let open = |sealed: &str| {
            self.state
                .key
                .open(sealed, Sealed::WebhookSecret)
                .ok()
                .and_then(|s| rules::secret_bytes(&s))
        };
        let mut secrets: Vec<Vec<u8>> = open(&sub.secret_enc).into_iter().collect();
        if sub
            .previous_until
            .is_some_and(|until| until > crate::now_ms())
        {
            secrets.extend(sub.previous_secret_enc.as_deref().and_then(open));
        }
        if secrets.is_empty() {
            return Err("the subscription's secret cannot be read".into());
        }
        Ok(secrets)
    }
}

/// An attempt's answer (status and any `Retry-After` seconds, or why none came) judged.
fn judged(d: &DeliveryRecord, answer: Result<(u16, Option<i64>), String>) -> AttemptResult {
    let now = crate::now_ms();
    let (status, error, retry_after) = match answer {
        Ok((status, retry_after)) => (Some(status), None, retry_after),
        Err(e) => (None, Some(e), None),
    };
    let mut result = AttemptResult {
        status: status.map(i64::from),
        error,
        state: "pending".into(),
        next_at: None,
        disable: None,
    };
    match rules::outcome(status, retry_after, now) {
        Outcome::Delivered => result.state = "delivered".into(),
        Outcome::Gone => {
            result.state = "dropped".into();
            result.disable = Some("the receiver answered 410 Gone".into());
        }
        Outcome::Retry { not_before } => {
            let jitter: f64 = rand::thread_rng().gen();
            match rules::attempt_due(d.attempts as usize + 1, d.created_at, jitter) {
                Some(at) => result.next_at = Some(at.max(not_before.unwrap_or(0)).max(now)),
                None => result.state = "failed".into(),
            }
        }
    }
    result
}

/// Signs and sends one delivery.
async fn send(route: &Route, d: &DeliveryRecord) -> Result<(u16, Option<i64>), String> {
    let timestamp = crate::now_ms() / 1000;
    let body = d.body.as_bytes().to_vec();
    let signature = rules::signature_header(&route.secrets, &d.message_id, timestamp, &body);
    let mut resp = route
        .client
        .post(route.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let status = resp.status().as_u16();
    // The answer's body is read (so the connection goes back to the pool) but never kept,
    // and no more of it than a receiver has reason to send.
    let mut read = 0;
    while let Ok(Some(chunk)) = resp.chunk().await {
        read += chunk.len();
        if read > 64 * 1024 {
            break;
        }
    }
    Ok((status, retry_after))
}
