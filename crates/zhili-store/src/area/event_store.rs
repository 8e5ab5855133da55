//! Events: the writer's batches, reads, the map's points, the dashboard's counts.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use sqlx::Row;
use zhili_domain::chain::{Action, Actor};
use zhili_domain::situation::LinkTarget;
use zhili_domain::{RegionCode, Scope};

#[async_trait]
pub trait EventStore: Send + Sync {
    /// Reports and changes in one transaction (one durable commit). Each change is written
    /// only if its event is still at the version it was computed from, else it is answered
    /// `invalid_transition`; any other failure writes nothing of the batch.
    async fn write_events(&self, batch: &EventBatch) -> Result<EventsWritten>;

    async fn get_event(&self, scope: &Scope, id: i64) -> Result<Option<EventRecord>>;

    async fn list_events(
        &self,
        scope: &Scope,
        filter: &EventFilter,
    ) -> Result<(Vec<EventRecord>, i64)>;

    /// Writes a change if the event is still at `expected_version`; else `invalid_transition`.
    async fn change_event(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        change: &EventChange,
        now: i64,
    ) -> Result<EventRecord> {
        let batch = EventBatch {
            reports: vec![],
            changes: vec![ChangeRequest {
                actor: actor.clone(),
                id,
                expected_version,
                change: change.clone(),
                now,
            }],
        };
        self.write_events(&batch)
            .await?
            .changed
            .pop()
            .ok_or_else(|| StoreError::Internal("the change was not written".into()))?
    }

    /// The open events in scope, newest first, at most `limit`.
    async fn open_event_points(&self, scope: &Scope, limit: i64) -> Result<Vec<EventPoint>>;

    /// The map points of these events in any status (no scope: for a server-side layer
    /// that is filtered per caller).
    async fn event_points(&self, ids: &[i64]) -> Result<Vec<EventPoint>>;

    /// The events changed by the recorded actions after `after_seq` (at most `limit`
    /// actions), and the last sequence number read. Sequence numbers are taken under the
    /// chain head's lock, so they become visible in order: nothing is skipped.
    async fn changed_events(&self, after_seq: i64, limit: i64) -> Result<(i64, Vec<i64>)>;

    /// An event's record and steps (nothing when the event is not in `scope`).
    async fn event_timeline(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<(Vec<Action>, Vec<StepRecord>)>;

    /// Events of `category` reported since `since` inside the bounding box (lon/lat), the latest
    /// 50 at most, newest first.
    async fn events_near(
        &self,
        category: &str,
        since: i64,
        bbox: [f64; 4],
    ) -> Result<Vec<(i64, f64, f64)>>;

    /// What an event was opened about (people, houses, …).
    /// What an event is linked to (nothing when the event is not in `scope`).
    async fn event_links(&self, scope: &Scope, id: i64) -> Result<Vec<(LinkTarget, i64)>>;

    /// Dashboard counts grouped by child region or lead unit and by status.
    async fn event_stats(&self, scope: &Scope, query: &StatsQuery) -> Result<Vec<StatRow>>;

    /// Reports and closures per day and major category under `region`, in [from, to).
    async fn event_trend(
        &self,
        scope: &Scope,
        region: &RegionCode,
        from: i64,
        to: i64,
    ) -> Result<Vec<TrendRow>>;
}

#[async_trait]
impl EventStore for SqlStore {
    async fn write_events(&self, batch: &crate::EventBatch) -> Result<crate::EventsWritten> {
        crate::events::write_events(self, batch).await
    }

    async fn get_event(&self, scope: &Scope, id: i64) -> Result<Option<crate::EventRecord>> {
        crate::events::get_event(self, scope, id).await
    }

    async fn list_events(
        &self,
        scope: &Scope,
        filter: &crate::EventFilter,
    ) -> Result<(Vec<crate::EventRecord>, i64)> {
        crate::events::list_events(self, scope, filter).await
    }

    async fn open_event_points(&self, scope: &Scope, limit: i64) -> Result<Vec<crate::EventPoint>> {
        crate::events::open_event_points(self, scope, limit).await
    }

    async fn event_points(&self, ids: &[i64]) -> Result<Vec<crate::EventPoint>> {
        crate::events::event_points(self, ids).await
    }

    async fn changed_events(&self, after_seq: i64, limit: i64) -> Result<(i64, Vec<i64>)> {
        let rows =
            sqlx::query("SELECT seq, subject FROM actions WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        let mut last = after_seq;
        let mut ids = Vec::new();
        for r in &rows {
            last = r.try_get("seq")?;
            let subject: String = r.try_get("subject")?;
            if let Some(id) = subject.strip_prefix("event:").and_then(|s| s.parse().ok()) {
                ids.push(id);
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok((last, ids))
    }

    async fn event_timeline(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<(Vec<Action>, Vec<crate::StepRecord>)> {
        if !crate::events::visible(self, scope, id).await? {
            return Ok((Vec::new(), Vec::new()));
        }
        let actions = self.actions_of(&format!("event:{id}")).await?;
        Ok((actions, crate::events::steps(self, id).await?))
    }

    async fn events_near(
        &self,
        category: &str,
        since: i64,
        bbox: [f64; 4],
    ) -> Result<Vec<(i64, f64, f64)>> {
        crate::events::events_near(self, category, since, bbox).await
    }

    async fn event_links(&self, scope: &Scope, id: i64) -> Result<Vec<(LinkTarget, i64)>> {
        if !crate::events::visible(self, scope, id).await? {
            return Ok(Vec::new());
        }
        crate::situations::links_from(self, "event", id).await
    }

    async fn event_stats(
        &self,
        scope: &Scope,
        query: &crate::StatsQuery,
    ) -> Result<Vec<crate::StatRow>> {
        crate::events::event_stats(self, scope, query).await
    }

    async fn event_trend(
        &self,
        scope: &Scope,
        region: &RegionCode,
        from: i64,
        to: i64,
    ) -> Result<Vec<crate::TrendRow>> {
        crate::trend::event_trend(self, scope, region, from, to).await
    }
}
