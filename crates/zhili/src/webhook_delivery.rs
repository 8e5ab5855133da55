//! Sends the queued webhook deliveries: each signed as Standard Webhooks has it over the exact
//! body the writer stored (never serialised again), to an address checked when it is called —
//! the host resolved here and every address it names outside the network, unless in a range
//! the operator allowed (`ZHILI_WEBHOOK_ALLOW`, CIDRs, comma-separated) — and the connection
//! made to the addresses checked, so a name cannot be rebound between the check and the call.
//! Redirects are not followed. A 2xx is delivered; a 410 disables the subscription; anything
//! else is tried again on the day's schedule, `Retry-After` honoured.

use crate::crypto::Sealed;
use crate::state::AppState;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use zhili_domain::webhook::{self as rules, Outcome, Range};
use zhili_store::{AttemptResult, DeliveryRecord};

/// How long a claimed delivery is held from other servers while it is sent.
const LEASE_MS: i64 = 60_000;
/// A receiver has this long to answer.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Deliveries claimed at once; each sent concurrently.
const BATCH: i64 = 64;

fn allowed_ranges() -> Vec<Range> {
    std::env::var("ZHILI_WEBHOOK_ALLOW")
        .unwrap_or_default()
        .split(',')
        .filter_map(Range::parse)
        .collect()
}

/// Sends what is due; answers how many deliveries it attempted.
pub async fn deliver_due(state: &Arc<AppState>) -> Result<usize, zhili_store::StoreError> {
    let now = crate::now_ms();
    let due = state.store.claim_deliveries(now, LEASE_MS, BATCH).await?;
    let n = due.len();
    let allowed = Arc::new(allowed_ranges());
    let mut sends = Vec::with_capacity(n);
    for d in due {
        let (state, allowed) = (state.clone(), allowed.clone());
        sends.push(tokio::spawn(async move {
            let result = attempt(&state, &d, &allowed).await;
            if let Err(e) = state
                .store
                .record_attempt(d.id, &result, crate::now_ms())
                .await
            {
                tracing::warn!(error = %e, delivery = d.id, "a webhook attempt could not be recorded");
            }
        }));
    }
    for s in sends {
        let _ = s.await;
    }
    Ok(n)
}

/// Runs for the life of the server: what is due, as soon as it is due.
pub async fn run(state: Arc<AppState>) {
    loop {
        match deliver_due(&state).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook deliveries could not be read"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One attempt, judged.
async fn attempt(state: &AppState, d: &DeliveryRecord, allowed: &[Range]) -> AttemptResult {
    let now = crate::now_ms();
    let (status, error, retry_after) = match send(state, d, allowed).await {
        Ok((status, retry_after)) => (Some(status), None, retry_after),
        Err(e) => (None, Some(e), None),
    };
    let judged = rules::outcome(status, retry_after, now);
    let mut result = AttemptResult {
        status: status.map(i64::from),
        error,
        state: "pending".into(),
        next_at: None,
        disable: None,
    };
    match judged {
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

/// Signs and sends; answers the status and any `Retry-After` seconds, or why nothing came back.
async fn send(
    state: &AppState,
    d: &DeliveryRecord,
    allowed: &[Range],
) -> Result<(u16, Option<i64>), String> {
    let sub = state
        .store
        .subscription(d.subscription_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the subscription is gone")?;
    let now = crate::now_ms();
    let mut secrets = Vec::new();
    let open = |sealed: &str| {
        state
            .key
            .open(sealed, Sealed::WebhookSecret)
            .ok()
            .and_then(|s| rules::secret_bytes(&s))
    };
    secrets.extend(open(&sub.secret_enc));
    if sub.previous_until.is_some_and(|until| until > now) {
        if let Some(prev) = sub.previous_secret_enc.as_deref().and_then(open) {
            secrets.push(prev);
        }
    }
    if secrets.is_empty() {
        return Err("the subscription's secret cannot be read".into());
    }
    let url = reqwest::Url::parse(&sub.url).map_err(|e| format!("address: {e}"))?;
    let host = url
        .host_str()
        .ok_or("the address names no host")?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or("the address names no port")?;
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addrs: Vec<std::net::SocketAddr> = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare.as_str(), port))
            .await
            .map_err(|e| format!("the host does not resolve: {e}"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err("the host resolves to no address".into());
    }
    if let Some(bad) = addrs.iter().find(|a| !rules::may_call(a.ip(), allowed)) {
        return Err(format!(
            "refused: {} is inside the network (allow its range with ZHILI_WEBHOOK_ALLOW)",
            bad.ip()
        ));
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .resolve_to_addrs(&bare, &addrs)
        .build()
        .map_err(|e| e.to_string())?;
    let timestamp = now / 1000;
    let body = d.body.clone().into_bytes();
    let signature = rules::signature_header(&secrets, &d.message_id, timestamp, &body);
    let resp = client
        .post(url)
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
    Ok((resp.status().as_u16(), retry_after))
}
