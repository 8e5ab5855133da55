//! Webhook subscriptions and deliveries as written and read; and the queueing of deliveries
//! inside the event writer's transaction, so a change that is durable has its deliveries
//! durable with it (a crash between the two cannot happen).

use crate::sql::{append_actions, Arg, Sql};
use crate::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;

fn subscription_from(r: &AnyRow) -> Result<SubscriptionRecord> {
    let types: String = r.try_get("event_types")?;
    Ok(SubscriptionRecord {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        url: r.try_get("url")?,
        event_types: types.split_whitespace().map(str::to_string).collect(),
        secret_enc: r.try_get("secret_enc")?,
        previous_secret_enc: r.try_get("previous_secret_enc")?,
        previous_until: r.try_get("previous_until")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        disabled_at: r.try_get("disabled_at")?,
        disabled_reason: r.try_get("disabled_reason")?,
    })
}

fn delivery_from(r: &AnyRow) -> Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: r.try_get("id")?,
        subscription_id: r.try_get("subscription_id")?,
        message_id: r.try_get("message_id")?,
        event_type: r.try_get("event_type")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
        state: r.try_get("state")?,
        next_at: r.try_get("next_at")?,
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

/// Disables (with a reason) or enables a subscription inside `tx`, recorded when it changed;
/// whether it did. The administrator's switch and a receiver's 410 both come here.
async fn set_disabled(
    tx: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    disabled: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = match disabled {
        Some(reason) => sqlx::query(
            "UPDATE webhook_subscriptions SET disabled_at = $1, disabled_reason = $2 WHERE id = $3 AND disabled_at IS NULL",
        )
        .bind(now)
        .bind(reason.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        None => sqlx::query(
            "UPDATE webhook_subscriptions SET disabled_at = NULL, disabled_reason = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
    };
    if done == 1 {
        let action = if disabled.is_some() {
            "webhook.disable"
        } else {
            "webhook.enable"
        };
        let mut a = actor.action(now, action, &format!("webhook:{id}"));
        a.opinion = disabled.map(str::to_string);
        append_actions(tx, vec![a]).await?;
    }
    Ok(done == 1)
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn insert_subscription(&self, actor: &Actor, s: &SubscriptionRecord) -> Result<i64> {
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_subscriptions (unit_id, url, event_types, secret_enc, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(s.unit_id.clone())
        .bind(s.url.clone())
        .bind(s.event_types.join(" "))
        .bind(s.secret_enc.clone())
        .bind(actor.username.clone())
        .bind(s.created_at)
        .fetch_one(&mut *tx)
        .await?;
        let mut a = actor.action(s.created_at, "webhook.subscribe", &format!("webhook:{id}"));
        a.opinion = Some(format!(
            "{} {} [{}]",
            s.unit_id,
            s.url,
            s.event_types.join(" ")
        ));
        append_actions(&mut tx, vec![a]).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn subscriptions(&self, unit_id: Option<&str>) -> Result<Vec<SubscriptionRecord>> {
        let mut sql = Sql::new("SELECT * FROM webhook_subscriptions");
        if let Some(u) = unit_id {
            sql.push(" WHERE unit_id = ").bind_text(u.to_string());
        }
        sql.push(" ORDER BY id DESC LIMIT 1000");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(subscription_from)
            .collect()
    }

    async fn subscription(&self, id: i64) -> Result<Option<SubscriptionRecord>> {
        sqlx::query("SELECT * FROM webhook_subscriptions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(subscription_from)
            .transpose()
    }

    async fn rotate_subscription_secret(
        &self,
        actor: &Actor,
        id: i64,
        secret_enc: &str,
        previous_until: i64,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE webhook_subscriptions SET previous_secret_enc = secret_enc, previous_until = $1, secret_enc = $2 WHERE id = $3",
        )
        .bind(previous_until)
        .bind(secret_enc.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 1 {
            let mut a = actor.action(now, "webhook.rotate_secret", &format!("webhook:{id}"));
            a.opinion = Some(format!("the previous secret signs until {previous_until}"));
            append_actions(&mut tx, vec![a]).await?;
        }
        tx.commit().await?;
        Ok(done == 1)
    }

    async fn set_subscription_disabled(
        &self,
        actor: &Actor,
        id: i64,
        disabled: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = set_disabled(&mut tx, actor, id, disabled, now).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
        skip_subscriptions: &[i64],
    ) -> Result<Vec<DeliveryRecord>> {
        // Most rounds find nothing due: a read says so without taking the writers' turn (a
        // claim every round held it a dozen times a second between the event writer's batches).
        let any_due: Option<i64> = sqlx::query_scalar(
            "SELECT d.id FROM webhook_deliveries d WHERE d.state = 'pending' AND d.next_at <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.write_tx().await?;
        let mut due = Sql::new(
            "SELECT d.* FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id \
             WHERE d.state = 'pending' AND d.next_at <= ",
        );
        due.bind(Arg::Int(now)).push(" AND s.disabled_at IS NULL");
        if !skip_subscriptions.is_empty() {
            due.push(" AND d.subscription_id NOT IN ")
                .bind_list(skip_subscriptions.iter().map(|&id| Arg::Int(id)));
        }
        due.push(" ORDER BY d.next_at, d.id LIMIT ")
            .bind(Arg::Int(limit));
        if self.backend == Backend::Postgres {
            // Several servers on one database: each claims rows no other is claiming.
            due.push(" FOR UPDATE OF d SKIP LOCKED");
        }
        let rows = due.query().fetch_all(&mut *tx).await?;
        let due = rows.iter().map(delivery_from).collect::<Result<Vec<_>>>()?;
        if !due.is_empty() {
            // One statement leases the whole batch.
            let mut lease = Sql::new("UPDATE webhook_deliveries SET next_at = ");
            lease.bind(Arg::Int(now + lease_ms));
            lease
                .push(" WHERE id IN ")
                .bind_list(due.iter().map(|d| Arg::Int(d.id)));
            lease.query().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(due)
    }

    async fn record_attempts(&self, attempts: &[(i64, AttemptResult)], now: i64) -> Result<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        // Most attempts of a batch end alike (delivered, the same status): one statement each
        // such group; the rest (retries with their own times, errors) one by one.
        let mut delivered: std::collections::BTreeMap<Option<i64>, Vec<i64>> = Default::default();
        for (id, r) in attempts {
            if r.state == "delivered" && r.error.is_none() && r.next_at.is_none() {
                delivered.entry(r.status).or_default().push(*id);
                continue;
            }
            let delivered_at = (r.state == "delivered").then_some(now);
            sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $1, next_at = $2, last_status = $3, \
                 last_error = $4, delivered_at = COALESCE($5, delivered_at) WHERE id = $6",
            )
            .bind(r.state.clone())
            .bind(r.next_at)
            .bind(r.status)
            .bind(r.error.clone())
            .bind(delivered_at)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        }
        for (status, ids) in delivered {
            for chunk in ids.chunks(500) {
                let mut sql = Sql::new(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, state = 'delivered', next_at = NULL, \
                     last_error = NULL, last_status = ",
                );
                sql.bind(Arg::from(status))
                    .push(", delivered_at = ")
                    .bind(Arg::Int(now))
                    .push(" WHERE id IN ")
                    .bind_list(chunk.iter().map(|&id| Arg::Int(id)));
                sql.query().execute(&mut *tx).await?;
            }
        }
        for (id, r) in attempts {
            let Some(reason) = &r.disable else {
                continue;
            };
            let sub: i64 =
                sqlx::query_scalar("SELECT subscription_id FROM webhook_deliveries WHERE id = $1")
                    .bind(*id)
                    .fetch_one(&mut *tx)
                    .await?;
            set_disabled(&mut tx, &Actor::system(), sub, Some(reason), now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sweep_overdue(&self, now: i64) -> Result<usize> {
        crate::webhook_queue::sweep_overdue(self, now).await
    }

    async fn deliveries(
        &self,
        subscription_id: i64,
        state: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>> {
        let mut sql = Sql::new("SELECT * FROM webhook_deliveries WHERE subscription_id = ");
        sql.bind(Arg::Int(subscription_id));
        if let Some(s) = state {
            sql.push(" AND state = ").bind_text(s.to_string());
        }
        if let Some(id) = before {
            sql.push(" AND id < ").bind(Arg::Int(id));
        }
        sql.push(" ORDER BY id DESC LIMIT ").bind(Arg::Int(limit));
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(delivery_from)
            .collect()
    }

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRecord>> {
        sqlx::query("SELECT * FROM webhook_deliveries WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(delivery_from)
            .transpose()
    }

    async fn replay_delivery(&self, actor: &Actor, id: i64, now: i64) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', next_at = $1, attempts = 0 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 1 {
            append_actions(
                &mut tx,
                vec![actor.action(now, "webhook.replay", &format!("delivery:{id}"))],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done == 1)
    }
}
