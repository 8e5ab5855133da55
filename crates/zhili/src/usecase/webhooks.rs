//! Outbound webhooks: an administrator subscribes a unit's endpoint to event types (the
//! secret shown once, kept sealed), rotates its secret without downtime (the old one signs
//! beside the new for a day), disables and enables it, reads its delivery log and replays a
//! delivery. The deliveries themselves are queued by the event writer in the change's own
//! transaction and sent by `crate::webhook_delivery`.

use super::{forbidden, not_found, Result};
use crate::crypto::Sealed;
use crate::state::AppState;
use rand::RngCore;
use zhili_domain::user::User;
use zhili_domain::webhook as rules;
use zhili_domain::{DomainError, ErrorCode, Scope};
use zhili_store::{DeliveryRecord, SubscriptionRecord};

/// How long a rotated-out secret still signs beside the new one.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3_600_000;

fn administers(user: &User) -> Result<()> {
    if user.role.administers() {
        Ok(())
    } else {
        Err(forbidden("administrators manage webhook subscriptions"))
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    rules::format_secret(&bytes)
}

/// What an administrator asks for.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub unit_id: String,
    pub url: String,
    pub event_types: Vec<String>,
}

/// Subscribes a unit's endpoint; answers the subscription and its secret, shown this once.
pub async fn subscribe(
    state: &AppState,
    user: &User,
    s: NewSubscription,
) -> Result<(SubscriptionRecord, String)> {
    administers(user)?;
    let url = s.url.trim().to_string();
    rules::check_url(&url)?;
    let mut types: Vec<String> = Vec::new();
    if s.event_types.len() > rules::EVENT_TYPES.len() {
        return Err(DomainError::invalid(
            "event_types",
            format!("at most {} types", rules::EVENT_TYPES.len()),
        )
        .into());
    }
    for (i, t) in s.event_types.iter().enumerate() {
        if !rules::EVENT_TYPES.contains(&t.as_str()) {
            return Err(DomainError::invalid(
                &format!("event_types[{i}]"),
                format!("one of {}", rules::EVENT_TYPES.join(", ")),
            )
            .zh("不是可订阅的事件类型")
            .into());
        }
        if !types.contains(t) {
            types.push(t.clone());
        }
    }
    if types.is_empty() {
        return Err(
            DomainError::invalid("event_types", "subscribe to at least one type")
                .zh("请至少选择一种事件类型")
                .into(),
        );
    }
    let root = state
        .index()
        .root
        .clone()
        .ok_or_else(|| DomainError::invalid("unit_id", "no district is loaded"))?;
    if state
        .store
        .get_unit(&Scope::whole(root), &s.unit_id)
        .await?
        .is_none()
    {
        return Err(not_found("unit_id", format!("no unit {}", s.unit_id)));
    }
    let secret = new_secret();
    let now = crate::now_ms();
    let mut rec = SubscriptionRecord {
        id: 0,
        unit_id: s.unit_id,
        url,
        event_types: types,
        secret_enc: state.key.seal(&secret, Sealed::WebhookSecret),
        previous_secret_enc: None,
        previous_until: None,
        created_by: user.username.clone(),
        created_at: now,
        disabled_at: None,
        disabled_reason: None,
    };
    rec.id = state.store.insert_subscription(&user.actor(), &rec).await?;
    Ok((rec, secret))
}

pub async fn list(state: &AppState, user: &User) -> Result<Vec<SubscriptionRecord>> {
    administers(user)?;
    Ok(state.store.subscriptions(None).await?)
}

async fn found(state: &AppState, id: i64) -> Result<SubscriptionRecord> {
    state
        .store
        .subscription(id)
        .await?
        .ok_or_else(|| not_found("id", format!("webhook subscription {id} not found")))
}

/// A new secret, shown once; the old one signs beside it for a day, so the receiver can
/// switch without losing a message.
pub async fn rotate_secret(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<(SubscriptionRecord, String)> {
    administers(user)?;
    found(state, id).await?;
    let secret = new_secret();
    let now = crate::now_ms();
    state
        .store
        .rotate_subscription_secret(
            &user.actor(),
            id,
            &state.key.seal(&secret, Sealed::WebhookSecret),
            now + ROTATION_OVERLAP_MS,
            now,
        )
        .await?;
    Ok((found(state, id).await?, secret))
}

/// Disables (with a reason) or enables a subscription.
pub async fn set_disabled(
    state: &AppState,
    user: &User,
    id: i64,
    reason: Option<String>,
) -> Result<SubscriptionRecord> {
    administers(user)?;
    found(state, id).await?;
    let reason = reason
        .map(|r| zhili_domain::text::line("reason", &r, 200))
        .transpose()?;
    if !state
        .store
        .set_subscription_disabled(&user.actor(), id, reason.as_deref(), crate::now_ms())
        .await?
    {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the subscription is so already")
                .zh("该订阅已是此状态")
                .into(),
        );
    }
    found(state, id).await
}

/// A subscription's delivery log, newest first.
pub async fn deliveries(
    state: &AppState,
    user: &User,
    id: i64,
    page: DeliveryPage<'_>,
) -> Result<Vec<DeliveryRecord>> {
    administers(user)?;
    found(state, id).await?;
    if let Some(s) = page.state {
        if !["pending", "delivered", "failed", "dropped"].contains(&s) {
            return Err(
                DomainError::invalid("state", "pending, delivered, failed or dropped").into(),
            );
        }
    }
    let limit = page.limit.unwrap_or(DELIVERY_PAGE);
    if !(1..=DELIVERY_PAGE_MAX).contains(&limit) {
        return Err(DomainError::invalid("limit", format!("1 to {DELIVERY_PAGE_MAX}")).into());
    }
    Ok(state
        .store
        .deliveries(id, page.state, page.before, limit)
        .await?)
}

/// Deliveries a page of the log holds unless asked, and at most.
pub const DELIVERY_PAGE: i64 = 50;
pub const DELIVERY_PAGE_MAX: i64 = 200;

/// Which part of a delivery log: one state, those older than a delivery (the last one read).
#[derive(Clone, Copy, Debug, Default)]
pub struct DeliveryPage<'a> {
    pub state: Option<&'a str>,
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Sends a delivery again now, with the same message id and body (the receiver dedupes).
pub async fn replay(state: &AppState, user: &User, delivery: i64) -> Result<DeliveryRecord> {
    administers(user)?;
    let d = state
        .store
        .delivery(delivery)
        .await?
        .ok_or_else(|| not_found("id", format!("delivery {delivery} not found")))?;
    if found(state, d.subscription_id).await?.disabled_at.is_some() {
        return Err(
            DomainError::new(ErrorCode::Conflict, "the subscription is disabled")
                .zh("该订阅已停用")
                .into(),
        );
    }
    state
        .store
        .replay_delivery(&user.actor(), delivery, crate::now_ms())
        .await?;
    Ok(state.store.delivery(delivery).await?.unwrap_or(d))
}
