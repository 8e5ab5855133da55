//! The reception desk: a caller's earlier reports (by their number's blind index) and the
//! mediation cases opened from them, the reply to a caller when their case closes, and the
//! hotline's counts.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::desk::{DeskCounts, Reply};
use zhili_domain::Scope;

/// A mediation case opened from one of a caller's reports.
#[derive(Clone, Debug, PartialEq)]
pub struct CallerCase {
    pub id: i64,
    pub number: String,
    pub event_id: i64,
    pub status: String,
    pub title: String,
    pub registered_at: i64,
}

/// A reply as kept.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyRecord {
    pub event_id: i64,
    pub reply: Reply,
    pub replied_at: i64,
    pub replied_by: String,
    pub due_at: i64,
    pub on_time: bool,
}

/// A closed desk case, for the replies due: when it closed and whether (and when) it was
/// replied to.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosedDeskCase {
    pub id: i64,
    pub closed_at: i64,
    pub replied_at: Option<i64>,
}

#[async_trait]
pub trait DeskStore {
    /// A caller's reports in `scope`, newest first: those whose number's blind index is one
    /// of `phone_blinds` (the index under each key of the ring, while a rotation re-keys).
    async fn caller_events(
        &self,
        scope: &Scope,
        phone_blinds: &[String],
        limit: i64,
    ) -> Result<Vec<EventRecord>>;

    /// These events as `scope` sees them (the others left out), in id order.
    async fn events_by_ids(&self, scope: &Scope, ids: &[i64]) -> Result<Vec<EventRecord>>;

    /// The mediation cases opened from these reports.
    async fn cases_of_events(&self, event_ids: &[i64]) -> Result<Vec<CallerCase>>;

    /// Keeps the reply with its record; a second reply to the same case is refused (409).
    async fn record_reply(
        &self,
        actor: &Actor,
        event_id: i64,
        reply: &Reply,
        due_at: i64,
        now: i64,
    ) -> Result<ReplyRecord>;

    async fn reply_of(&self, event_id: i64) -> Result<Option<ReplyRecord>>;

    /// Counts of the desk's cases reported in [from, to) in `scope` (all but the replies).
    async fn desk_counts(&self, scope: &Scope, from: i64, to: i64) -> Result<DeskCounts>;

    /// The desk's closed cases reported in [from, to) in `scope`, with their replies.
    async fn closed_desk_cases(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
    ) -> Result<Vec<ClosedDeskCase>>;
}

#[async_trait]
impl DeskStore for SqlStore {
    async fn caller_events(
        &self,
        scope: &Scope,
        phone_blinds: &[String],
        limit: i64,
    ) -> Result<Vec<EventRecord>> {
        crate::desk::caller_events(self, scope, phone_blinds, limit).await
    }

    async fn events_by_ids(&self, scope: &Scope, ids: &[i64]) -> Result<Vec<EventRecord>> {
        crate::desk::events_by_ids(self, scope, ids).await
    }

    async fn cases_of_events(&self, event_ids: &[i64]) -> Result<Vec<CallerCase>> {
        crate::desk::cases_of_events(self, event_ids).await
    }

    async fn record_reply(
        &self,
        actor: &Actor,
        event_id: i64,
        reply: &Reply,
        due_at: i64,
        now: i64,
    ) -> Result<ReplyRecord> {
        crate::desk::record_reply(self, actor, event_id, reply, due_at, now).await
    }

    async fn reply_of(&self, event_id: i64) -> Result<Option<ReplyRecord>> {
        crate::desk::reply_of(self, event_id).await
    }

    async fn desk_counts(&self, scope: &Scope, from: i64, to: i64) -> Result<DeskCounts> {
        crate::desk::counts(self, scope, from, to).await
    }

    async fn closed_desk_cases(
        &self,
        scope: &Scope,
        from: i64,
        to: i64,
    ) -> Result<Vec<ClosedDeskCase>> {
        crate::desk::closed_cases(self, scope, from, to).await
    }
}
