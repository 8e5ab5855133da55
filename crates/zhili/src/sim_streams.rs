//! `zhili sim --watch-streams`: every server's live stream watched while the load runs, to
//! show that each server tells its readers of every report — those it took itself and those
//! the other servers of the database took (relayed through PostgreSQL's NOTIFY).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One server's stream as watched: the reports it told of, and how many notices it said its
/// reader missed (`lagged`).
pub struct StreamWatch {
    pub target: String,
    seen: Arc<Mutex<HashSet<i64>>>,
    lagged: Arc<Mutex<u64>>,
    task: tokio::task::JoinHandle<()>,
}

/// Opens the district's live stream on every target and starts reading them.
pub async fn watch(
    http: &reqwest::Client,
    targets: &[String],
    token: &str,
) -> Result<Vec<StreamWatch>, String> {
    let mut out = vec![];
    for target in targets {
        let mut resp = http
            .get(format!("{target}/api/v1/events/stream"))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| format!("stream of {target}: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("stream of {target} answered {}", resp.status()));
        }
        let seen = Arc::new(Mutex::new(HashSet::new()));
        let lagged = Arc::new(Mutex::new(0));
        let (s, l) = (seen.clone(), lagged.clone());
        let task = tokio::spawn(async move {
            let mut pending = String::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                pending.push_str(&String::from_utf8_lossy(&chunk));
                // Server-sent events end with a blank line; a partial one waits for more.
                while let Some(end) = pending.find("\n\n") {
                    let message: String = pending.drain(..end + 2).collect();
                    read_message(&message, &s, &l);
                }
            }
        });
        out.push(StreamWatch {
            target: target.clone(),
            seen,
            lagged,
            task,
        });
    }
    Ok(out)
}

fn read_message(message: &str, seen: &Mutex<HashSet<i64>>, lagged: &Mutex<u64>) {
    let field = |name: &str| {
        message
            .lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim_start().to_string()))
    };
    match field("event:").as_deref() {
        Some("event") => {
            let report = field("data:")
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .filter(|d| d["action"] == "report")
                .and_then(|d| d["id"].as_i64());
            if let Some(id) = report {
                seen.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
            }
        }
        Some("lagged") => {
            let n = field("data:").and_then(|d| d.parse().ok()).unwrap_or(0);
            *lagged.lock().unwrap_or_else(|e| e.into_inner()) += n;
        }
        _ => {}
    }
}

/// What each stream missed of the reports acknowledged.
pub struct StreamTally {
    pub target: String,
    pub seen: usize,
    pub missing: usize,
    pub lagged: u64,
}

/// Waits up to `drain` for every stream to have told of every report in `created`, then
/// stops reading them and tallies.
pub async fn tally(
    watches: Vec<StreamWatch>,
    created: &[i64],
    drain: Duration,
) -> Vec<StreamTally> {
    let deadline = Instant::now() + drain;
    let missing = |w: &StreamWatch| {
        let seen = w.seen.lock().unwrap_or_else(|e| e.into_inner());
        created.iter().filter(|id| !seen.contains(id)).count()
    };
    while Instant::now() < deadline && watches.iter().any(|w| missing(w) > 0) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    watches
        .into_iter()
        .map(|w| {
            w.task.abort();
            StreamTally {
                missing: missing(&w),
                seen: created.len() - missing(&w),
                lagged: *w.lagged.lock().unwrap_or_else(|e| e.into_inner()),
                target: w.target,
            }
        })
        .collect()
}
