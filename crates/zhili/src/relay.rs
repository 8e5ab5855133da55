//! Live notices between the servers sharing one PostgreSQL database. Each server streams the
//! changes it writes to its own clients at once; the relay also publishes them (NOTIFY, a
//! batch per message) and hands what the other servers publish to this server's streams: events
//! changed and risk alerts raised. A reference-data edit is announced the same way, so every
//! server reloads it.
//! On SQLite one process serves and the relay does nothing.

use crate::state::{AlertNotice, AppState, EventNotice};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};
use tokio::sync::mpsc;

const CHANNEL: &str = "zhili_live";
/// NOTIFY payloads must stay under 8,000 bytes.
const MAX_PAYLOAD: usize = 7_000;

#[derive(Serialize, Deserialize)]
struct Message {
    /// The publishing server, which skips its own messages.
    from: String,
    #[serde(default)]
    notices: Vec<EventNotice>,
    #[serde(default)]
    alerts: Vec<AlertNotice>,
    #[serde(default)]
    reference_changed: bool,
}

impl Message {
    fn is_empty(&self) -> bool {
        self.notices.is_empty() && self.alerts.is_empty() && !self.reference_changed
    }
}

pub enum Outgoing {
    Notice(Box<EventNotice>),
    Alert(Box<AlertNotice>),
    ReferenceChanged,
}

/// Starts the relay if other servers can share the database; returns where to send what
/// this server writes.
pub async fn start(
    state: &Arc<AppState>,
) -> Result<Option<mpsc::Sender<Outgoing>>, zhili_store::StoreError> {
    let Some(mut incoming) = state.store.listen(CHANNEL).await? else {
        return Ok(None);
    };
    let me = format!("{:016x}", rand::random::<u64>());
    let weak: Weak<AppState> = Arc::downgrade(state);
    let own = me.clone();
    tokio::spawn(async move {
        while let Some(payload) = incoming.recv().await {
            let Ok(message) = serde_json::from_str::<Message>(&payload) else {
                tracing::warn!("unreadable live notice from another server");
                continue;
            };
            if message.from == own {
                continue;
            }
            let Some(state) = weak.upgrade() else { return };
            for notice in message.notices {
                state.notify_here(notice);
            }
            for alert in message.alerts {
                let _ = state.alert_notices.send(alert);
            }
            if message.reference_changed {
                if let Err(e) = state.reload_reference().await {
                    tracing::warn!(error = %e, "could not reload reference data");
                }
            }
        }
    });
    let (tx, mut rx) = mpsc::channel::<Outgoing>(4096);
    let store = state.store.clone();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            // What queued up meanwhile goes in the same message, within the size limit.
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
                if batch.len() >= 64 {
                    break;
                }
            }
            for payload in payloads(&me, batch) {
                if let Err(e) = store.publish(CHANNEL, &payload).await {
                    tracing::warn!(error = %e, "could not publish live notices");
                }
            }
        }
    });
    Ok(Some(tx))
}

/// Messages of at most `MAX_PAYLOAD` bytes (a notice is a few hundred).
fn payloads(from: &str, batch: Vec<Outgoing>) -> Vec<String> {
    let fresh = || Message {
        from: from.to_string(),
        notices: Vec::new(),
        alerts: Vec::new(),
        reference_changed: false,
    };
    let mut out = Vec::new();
    let mut message = fresh();
    let mut size = 0;
    for item in batch {
        let item_size = match &item {
            Outgoing::ReferenceChanged => 0,
            Outgoing::Notice(n) => serde_json::to_string(n).map_or(0, |s| s.len()),
            Outgoing::Alert(a) => serde_json::to_string(a).map_or(0, |s| s.len()),
        };
        if size + item_size > MAX_PAYLOAD && !message.is_empty() {
            out.extend(serde_json::to_string(&message).ok());
            message = fresh();
            size = 0;
        }
        size += item_size + 1;
        match item {
            Outgoing::ReferenceChanged => message.reference_changed = true,
            Outgoing::Notice(n) => message.notices.push(*n),
            Outgoing::Alert(a) => message.alerts.push(*a),
        }
    }
    if !message.is_empty() {
        out.extend(serde_json::to_string(&message).ok());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(id: i64) -> EventNotice {
        EventNotice {
            id,
            case_number: format!("500114-20261128-{id:05}"),
            action: "report".into(),
            status: "reported".into(),
            category: "0602".into(),
            grid_code: "500114001001001".into(),
            lon: 108.77,
            lat: 29.53,
            lead_unit: Some("D09".into()),
            assisting_units: vec!["D12".into()],
            at: "2026-11-28T01:00:00Z".into(),
        }
    }

    fn alert(id: i64) -> AlertNotice {
        AlertNotice {
            id,
            indicator_code: "DISPUTE_SPIKE".into(),
            indicator_name: "矛盾纠纷突增".into(),
            area_level: "village".into(),
            area_code: "500114001001".into(),
            area_name: "城东社区".into(),
            level: "orange".into(),
            level_name: "橙色".into(),
            observed: 8.0,
            expected: 1.5,
            raised_on: "2026-12-03".into(),
        }
    }

    #[test]
    fn batches_split_under_the_notify_limit_and_lose_nothing() {
        let batch: Vec<Outgoing> = (0..200)
            .map(|i| Outgoing::Notice(Box::new(notice(i))))
            .chain((0..30).map(|i| Outgoing::Alert(Box::new(alert(i)))))
            .chain([Outgoing::ReferenceChanged])
            .collect();
        let mut alerts = Vec::new();
        let messages = payloads("me", batch);
        assert!(messages.len() > 1);
        let mut ids = Vec::new();
        let mut reference = false;
        for m in &messages {
            assert!(m.len() <= 8_000, "{}", m.len());
            let parsed: Message = serde_json::from_str(m).unwrap();
            assert_eq!(parsed.from, "me");
            reference |= parsed.reference_changed;
            ids.extend(parsed.notices.iter().map(|n| n.id));
            if let Some(n) = parsed.notices.last() {
                assert_eq!(n.assisting_units, vec!["D12"]);
            }
            alerts.extend(parsed.alerts);
        }
        assert_eq!(ids, (0..200).collect::<Vec<_>>());
        assert_eq!(alerts, (0..30).map(alert).collect::<Vec<_>>());
        assert!(reference);
    }
}
