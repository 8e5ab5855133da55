//! Events: the writer's batches, reads, the map's points, the dashboard's counts.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use sqlx::Row;
use zhili_domain::chain::{Action, Actor};
use zhili_domain::situation::LinkTarget;
use zhili_domain::{RegionCode, Scope};

/// A report to file. The region chain comes from locating the point.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub channel: zhili_domain::event::Channel,
    pub category: String,
    pub category_version: i64,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: i64,
    pub reporter_name: Option<String>,
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_masked: Option<String>,
    /// The number's blind index: how the desk finds a caller's reports.
    pub reporter_phone_blind: Option<String>,
    pub duplicate_of: Option<i64>,
    /// The case as the state machine starts it.
    pub case: zhili_domain::event::Case,
    /// The opening record's attachments (JSON array).
    pub attachments: String,
    /// What the event concerns (the person a key-group event was opened for, …).
    pub links: Vec<(LinkTarget, i64)>,
    /// The resident account that reported it, if one did.
    pub resident_id: Option<i64>,
    /// The API key a system reported it with, if one did.
    pub api_key_id: Option<i64>,
}

/// An event as stored.
#[derive(Clone, Debug)]
pub struct EventRecord {
    pub id: i64,
    pub case_number: String,
    pub channel: zhili_domain::event::Channel,
    pub category: String,
    pub category_version: i64,
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub occurred_at: i64,
    pub reported_at: i64,
    pub reporter_name: Option<String>,
    pub reporter_phone_enc: Option<String>,
    pub reporter_phone_masked: Option<String>,
    pub duplicate_of: Option<i64>,
    pub merged_into: Option<i64>,
    pub case: zhili_domain::event::Case,
    pub version: i64,
    pub updated_at: i64,
    /// The resident account that reported it, if one did.
    pub resident_id: Option<i64>,
}

/// An open event as the map shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPoint {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub status: zhili_domain::event::Status,
    pub category: String,
    pub grid_code: String,
    pub step_started: Option<i64>,
    pub step_due: Option<i64>,
    pub clock: zhili_domain::calendar::Clock,
}

/// A change to write if the event is still at `expected_version`.
#[derive(Clone, Debug)]
pub struct ChangeRequest {
    pub actor: Actor,
    pub id: i64,
    pub expected_version: i64,
    pub change: EventChange,
    pub now: i64,
}

/// What one durable commit of the event writer carries.
#[derive(Clone, Debug, Default)]
pub struct EventBatch {
    /// (reporter, report, reported at)
    pub reports: Vec<(Actor, NewEvent, i64)>,
    pub changes: Vec<ChangeRequest>,
}

/// The batch as written: the created events in order, and each change's outcome in order.
#[derive(Debug, Default)]
pub struct EventsWritten {
    pub created: Vec<EventRecord>,
    pub changed: Vec<Result<EventRecord>>,
}

/// A state change decided by the state machine, to write with its record.
#[derive(Clone, Debug)]
pub struct EventChange {
    pub action: String,
    pub case: zhili_domain::event::Case,
    pub from: zhili_domain::event::Status,
    pub opinion: Option<String>,
    pub attachments: String,
    pub step_done: Option<zhili_domain::event::StepDone>,
    pub merged_into: Option<i64>,
}

/// Whose to-do list (`zhili_domain::event::waits_for` in SQL): the events waiting for a unit,
/// as their owner or their lead, and those waiting for the grid worker of a grid.
#[derive(Clone, Debug, Default)]
pub struct Waiting {
    pub unit: Option<zhili_domain::UnitId>,
    /// The grids whose verifications wait for the user (their own, those they lead or cover).
    pub grids: Vec<RegionCode>,
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub status: Option<zhili_domain::event::Status>,
    /// Only events still being worked on (any open status).
    pub open: bool,
    pub category: Option<String>,
    pub region: Option<RegionCode>,
    pub channel: Option<zhili_domain::event::Channel>,
    /// Only events whose running step is past due at this instant.
    pub overdue_at: Option<i64>,
    /// Text in the description or case number.
    pub text: Option<String>,
    /// Only events linked to this person, house, organisation, thing.
    pub linked: Option<(LinkTarget, i64)>,
    /// Only events whose move it is (a to-do list), most urgent first.
    pub waiting_for: Option<Waiting>,
    /// Reported in [from, to) (ms).
    pub reported_from: Option<i64>,
    pub reported_to: Option<i64>,
    /// Not merged into another as its duplicate.
    pub unmerged: bool,
    /// Only events a system of this unit reported with one of its API keys.
    pub reported_by_keys_of: Option<String>,
    /// Only these case numbers.
    pub case_numbers: Option<Vec<String>>,
    /// Only these events.
    pub ids: Option<Vec<i64>>,
    /// Only these exact subcategories (any, when empty).
    pub categories: Vec<String>,
    /// Only events no longer being worked on (closed, evaluated, rejected, merged).
    pub finished: bool,
    /// Changed in [from, to) (ms).
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatGroup {
    Town,
    Village,
    Grid,
    /// By lead unit, for the units in `StatsQuery::departments`.
    Department,
}

#[derive(Clone, Debug)]
pub struct StatsQuery {
    pub region: Option<RegionCode>,
    pub group: StatGroup,
    pub now: i64,
    pub today_start: i64,
    /// The lead units counted when grouping by department.
    pub departments: Vec<String>,
}

/// Events reported and closed on one Beijing day in one major category.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendRow {
    /// Days since 1970-01-01 in Beijing time.
    pub day: i64,
    /// The category's first two digits.
    pub major: String,
    pub reported: i64,
    pub closed: i64,
}

/// Counts of the events of one group in one status.
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    pub key: String,
    pub status: zhili_domain::event::Status,
    pub count: i64,
    /// Whose running step is past due now.
    pub overdue: i64,
    /// Never handled late.
    pub handled_on_time: i64,
    pub reworked: i64,
    pub rated: i64,
    /// Rated 4 or 5.
    pub satisfied: i64,
    /// Reported since the start of today.
    pub today: i64,
}

/// A completed step of an event, for its timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub seq: i64,
    pub step: String,
    pub unit: Option<String>,
    pub due: i64,
    pub done_at: i64,
    pub on_time: bool,
}

#[async_trait]
pub trait EventStore: Send + Sync {
    /// Reports and changes in one transaction (one durable commit). Each change is written
    /// only if its event is still at the version it was computed from, else it is answered
    /// `invalid_transition`; any other failure writes nothing of the batch.
    async fn write_events(&self, batch: &EventBatch) -> Result<EventsWritten>;

    async fn get_event(&self, scope: &Scope, id: i64) -> Result<Option<EventRecord>>;

    /// Whether an event lies in `scope`, without reading it (the one event scope rule).
    async fn event_visible(&self, scope: &Scope, id: i64) -> Result<bool>;

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

    /// The recorded actions after `after_seq`, at most `limit`, in order (the change feed's
    /// page: sequence numbers become visible in order, so a cursor skips nothing).
    async fn actions_after(&self, after_seq: i64, limit: i64) -> Result<Vec<Action>>;

    /// An event's record and steps (nothing when the event is not in `scope`).
    async fn event_timeline(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<(Vec<Action>, Vec<StepRecord>)>;

    /// The recorded actions on these events taken in [from, to), oldest first, at most
    /// `limit` (no scope: the caller chose the events through a scoped read).
    async fn event_actions_between(
        &self,
        ids: &[i64],
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<Action>>;

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

    async fn event_visible(&self, scope: &Scope, id: i64) -> Result<bool> {
        crate::events::visible(self, scope, id).await
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

    async fn actions_after(&self, after_seq: i64, limit: i64) -> Result<Vec<Action>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM actions WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(action_from_row).collect()
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

    async fn event_actions_between(
        &self,
        ids: &[i64],
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<Action>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT {ACTION_COLUMNS} FROM actions WHERE subject IN (NULL"
        ));
        for id in ids {
            sql.push(", ").bind_text(format!("event:{id}"));
        }
        sql.push(") AND at >= ").bind(Arg::Int(from));
        sql.push(" AND at < ").bind(Arg::Int(to));
        sql.push(" ORDER BY seq LIMIT ").bind(Arg::Int(limit));
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter().map(action_from_row).collect()
    }

    async fn events_near(
        &self,
        category: &str,
        since: i64,
        bbox: [f64; 4],
    ) -> Result<Vec<(i64, f64, f64)>> {
        crate::event_near::events_near(self, category, since, bbox).await
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
