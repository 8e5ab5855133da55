//! Deliberation meetings (议事会, 坝坝会) as recorded, with their decisions and whether each
//! was carried out.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::deliberation::Meeting;

#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRecord {
    pub seq: i64,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
    pub done_note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MeetingRecord {
    pub id: i64,
    pub village_code: String,
    pub meeting: Meeting,
    /// Beside `meeting.decisions`, in the same order.
    pub done: Vec<DecisionRecord>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

#[async_trait]
pub trait DeliberationStore {
    /// Keeps a meeting held in a village with its decisions and its record; answers its id.
    async fn record_meeting(
        &self,
        actor: &Actor,
        village: &str,
        m: &Meeting,
        now: i64,
    ) -> Result<i64>;

    async fn deliberation(&self, id: i64) -> Result<Option<MeetingRecord>>;

    /// The meetings under a region prefix, latest held first.
    async fn deliberations(&self, prefix: &str, limit: i64) -> Result<Vec<MeetingRecord>>;

    /// Marks a decision carried out, once (false when it was already, or is not there).
    async fn complete_decision(
        &self,
        actor: &Actor,
        meeting_id: i64,
        seq: i64,
        note: &str,
        now: i64,
    ) -> Result<bool>;
}

#[async_trait]
impl DeliberationStore for SqlStore {
    async fn record_meeting(
        &self,
        actor: &Actor,
        village: &str,
        m: &Meeting,
        now: i64,
    ) -> Result<i64> {
        crate::deliberations::record(self, actor, village, m, now).await
    }

    async fn deliberation(&self, id: i64) -> Result<Option<MeetingRecord>> {
        Ok(crate::deliberations::list(self, None, Some(id), 1)
            .await?
            .pop())
    }

    async fn deliberations(&self, prefix: &str, limit: i64) -> Result<Vec<MeetingRecord>> {
        crate::deliberations::list(self, Some(prefix), None, limit).await
    }

    async fn complete_decision(
        &self,
        actor: &Actor,
        meeting_id: i64,
        seq: i64,
        note: &str,
        now: i64,
    ) -> Result<bool> {
        crate::deliberations::complete(self, actor, meeting_id, seq, note, now).await
    }
}
