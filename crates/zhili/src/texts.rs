//! Text messages out. Every message (a one-time code, a notice of a resident's report) is
//! queued in the database in the transaction of what it tells; this hands the queue to the
//! configured `TextSender` — the interface an SMS provider's adapter implements. Without a
//! provider the `Outbox` holds each message where staff (and tests) read it: nothing claims a
//! delivery that did not happen.

use crate::crypto::Sealed;
use crate::state::AppState;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use zhili_store::MessageOutcome;

/// Sends one text message to a mobile number.
#[async_trait::async_trait]
pub trait TextSender: Send + Sync {
    /// Recorded with each message it settled (`messages.via`).
    fn name(&self) -> &'static str;
    async fn send(&self, phone: &str, body: &str) -> MessageOutcome;
}

/// No provider configured: messages are held in the outbox, readable by administrators.
pub struct Outbox;

#[async_trait::async_trait]
impl TextSender for Outbox {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn send(&self, _phone: &str, _body: &str) -> MessageOutcome {
        MessageOutcome::Held
    }
}

/// Tries a provider gives a failing message before it stays failed.
pub const MAX_TRIES: i64 = 5;

/// Hands every queued message to the sender; answers how many it settled.
pub async fn deliver(state: &AppState) -> Result<usize, zhili_store::StoreError> {
    let sender = state.sender();
    let mut settled = 0;
    loop {
        let batch = state.store.queued_messages(200).await?;
        if batch.is_empty() {
            return Ok(settled);
        }
        let mut progressed = false;
        let mut outcomes = Vec::with_capacity(batch.len());
        for m in batch {
            let outcome = match state.key.open(&m.phone_sealed, Sealed::ResidentPhone) {
                Ok(phone) => sender.send(&phone, &m.body).await,
                Err(e) => MessageOutcome::Failed(format!("the number cannot be opened: {e}")),
            };
            progressed |= !matches!(outcome, MessageOutcome::Failed(_));
            outcomes.push((m.id, outcome));
        }
        settled += outcomes.len();
        state
            .store
            .settle_messages(&outcomes, sender.name(), MAX_TRIES, crate::now_ms())
            .await?;
        if !progressed {
            // Every message of the batch failed: try again on the next round, not now.
            return Ok(settled);
        }
    }
}

/// Delivers what is queued whenever something is queued here, and every few seconds for
/// what other servers queued or what failed.
pub async fn run_delivery(state: std::sync::Arc<AppState>) {
    loop {
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            state.messages_queued.notified(),
        )
        .await;
        if let Err(e) = deliver(&state).await {
            tracing::warn!(error = %e, "text messages could not be delivered");
        }
    }
}

/// How many requests of one kind an address may make in a window: a phone's code ration
/// stops one number being flooded, this stops one place asking for codes to many numbers.
pub struct AddressWindow {
    pub limit: u32,
    pub window_ms: i64,
    seen: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl AddressWindow {
    pub fn new(limit: u32, window_ms: i64) -> AddressWindow {
        AddressWindow {
            limit,
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `from` at `now`; the wait in ms when over the limit.
    pub fn take(&self, from: IpAddr, now: i64) -> Result<(), i64> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 100_000 {
            let window = self.window_ms;
            seen.retain(|_, (start, _)| now - *start < window);
        }
        let entry = seen.entry(from).or_insert((now, 0));
        if now - entry.0 >= self.window_ms {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err((entry.0 + self.window_ms - now).max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_limit_per_window_then_waits() {
        let w = AddressWindow::new(2, 1000);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(w.take(a, 0).is_ok());
        assert!(w.take(a, 10).is_ok());
        assert_eq!(w.take(a, 400), Err(600));
        assert!(w.take(b, 400).is_ok(), "another address has its own");
        assert!(w.take(a, 1000).is_ok(), "a new window");
    }
}
