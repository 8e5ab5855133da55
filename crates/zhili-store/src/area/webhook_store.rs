//! Outbound webhooks: subscriptions and their delivery queue.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

/// A unit's subscription as kept (secrets sealed).
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionRecord {
    pub id: i64,
    pub unit_id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret_enc: String,
    pub previous_secret_enc: Option<String>,
    pub previous_until: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
}

/// One message to one subscription, with the exact body signed and sent.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRecord {
    pub id: i64,
    pub subscription_id: i64,
    /// `webhook-id`: the same on every attempt and replay (the receiver's idempotency key).
    pub message_id: String,
    pub event_type: String,
    pub body: String,
    pub created_at: i64,
    pub attempts: i64,
    /// pending, delivered, failed (the day's attempts spent) or dropped (the endpoint gone).
    pub state: String,
    pub next_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// An attempt's result, to write.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptResult {
    pub status: Option<i64>,
    pub error: Option<String>,
    /// delivered, pending (again at `next_at`), failed or dropped.
    pub state: String,
    pub next_at: Option<i64>,
    /// The receiver answered 410: the subscription is disabled with this reason.
    pub disable: Option<String>,
}

#[async_trait]
pub trait WebhookStore {
    /// Keeps a subscription (id ignored), recorded; answers its id.
    async fn insert_subscription(&self, actor: &Actor, s: &SubscriptionRecord) -> Result<i64>;

    async fn subscriptions(&self, unit_id: Option<&str>) -> Result<Vec<SubscriptionRecord>>;

    async fn subscription(&self, id: i64) -> Result<Option<SubscriptionRecord>>;

    /// A new secret; the old one signs beside it until `previous_until`. Recorded.
    async fn rotate_subscription_secret(
        &self,
        actor: &Actor,
        id: i64,
        secret_enc: &str,
        previous_until: i64,
        now: i64,
    ) -> Result<bool>;

    /// Disables (with a reason) or enables a subscription; recorded. False when unchanged.
    async fn set_subscription_disabled(
        &self,
        actor: &Actor,
        id: i64,
        disabled: Option<&str>,
        now: i64,
    ) -> Result<bool>;

    /// The deliveries due at `now`, oldest first, except those of `skip_subscriptions` (whose
    /// receivers have enough in flight), each leased for `lease_ms` so no other server or
    /// later claim sends it meanwhile.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
        skip_subscriptions: &[i64],
    ) -> Result<Vec<DeliveryRecord>>;

    /// Writes a batch of attempts' results in one transaction (a 410 disables, recorded).
    async fn record_attempts(&self, attempts: &[(i64, AttemptResult)], now: i64) -> Result<()>;

    /// Queues `event.overdue` for the open cases whose step deadline passed since the last
    /// sweep, and moves the mark, in one transaction; how many cases it told of.
    async fn sweep_overdue(&self, now: i64) -> Result<usize>;

    /// A subscription's deliveries, newest first, those before the id `before` when given.
    async fn deliveries(
        &self,
        subscription_id: i64,
        state: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>>;

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>>;

    /// Sends a delivery again now, with its message id and body; recorded.
    async fn replay_delivery(&self, actor: &Actor, id: i64, now: i64) -> Result<bool>;
}
