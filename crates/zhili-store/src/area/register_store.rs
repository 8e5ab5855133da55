use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::NewAction;

/// A registered risk as stored (`links` a JSON array of `{"kind", "id"}`).
#[derive(Clone, Debug, PartialEq)]
pub struct RiskRecord {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub level: String,
    pub area_code: String,
    pub owner_unit: String,
    pub measures: String,
    /// China day of the next review.
    pub review_on: i64,
    pub status: String,
    pub links: String,
    /// What closed or reopened it last.
    pub note: Option<String>,
    pub registered_by: String,
    pub registered_at: i64,
    pub version: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct RiskFilter {
    pub statuses: Vec<String>,
    /// Only those not closed whose review day is before this China day.
    pub review_before: Option<i64>,
    pub region: Option<zhili_domain::RegionCode>,
    pub owner_unit: Option<String>,
    /// Registered in [from, to) (ms).
    pub registered_in: Option<(i64, i64)>,
    /// Last changed in [from, to) (ms): with `statuses` closed, closed in it.
    pub changed_in: Option<(i64, i64)>,
    pub limit: i64,
    pub offset: i64,
}

/// The alert a risk is registered from, at the version read, and its handling after.
#[derive(Clone, Debug)]
pub struct AlertRegistered {
    pub alert_id: i64,
    pub expected_version: i64,
    pub handling: zhili_domain::risk::AlertHandling,
    pub action: NewAction,
}

/// An assessment meeting as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct MeetingRow {
    pub id: i64,
    pub kind: String,
    pub sector: Option<String>,
    pub area_code: String,
    pub title: String,
    pub scheduled_at: i64,
    pub status: String,
    pub held_at: Option<i64>,
    /// JSON array of names.
    pub attendees: Option<String>,
    pub minutes: Option<String>,
    /// JSON snapshot of what it looked at.
    pub material: Option<String>,
    pub convened_by: String,
    pub version: i64,
    pub updated_at: i64,
    pub decisions: Vec<DecisionRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRow {
    pub seq: i64,
    pub text: String,
    pub lead_unit: String,
    pub category: String,
    pub due_on: i64,
    pub event_id: Option<i64>,
}

/// Who reads meetings: the region they see, and a department's sector.
#[derive(Clone, Debug)]
pub struct MeetingReader<'a> {
    pub scope: &'a zhili_domain::Scope,
    pub sector: Option<&'a str>,
}

#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// Registers a risk (from an alert, which is marked in the same transaction); its id.
    async fn register_risk(
        &self,
        risk: &RiskRecord,
        action: NewAction,
        alert: Option<AlertRegistered>,
    ) -> Result<i64>;

    /// Risks in the scope's area (a department's: those it owns), soonest review first; the total.
    async fn risks(
        &self,
        scope: &zhili_domain::Scope,
        filter: &RiskFilter,
    ) -> Result<(i64, Vec<RiskRecord>)>;

    async fn risk(&self, scope: &zhili_domain::Scope, id: i64) -> Result<Option<RiskRecord>>;

    /// A risk changed (`risk.version` the one read), recorded.
    async fn update_risk(&self, risk: &RiskRecord, action: NewAction) -> Result<()>;

    /// A meeting scheduled; its id.
    async fn schedule_meeting(&self, meeting: &MeetingRow, action: NewAction) -> Result<i64>;

    /// Meetings the reader sees between two times, latest first.
    async fn meetings(
        &self,
        reader: &MeetingReader<'_>,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<MeetingRow>>;

    async fn meeting(&self, reader: &MeetingReader<'_>, id: i64) -> Result<Option<MeetingRow>>;

    /// A meeting held: its record and decisions (at the version read), recorded.
    async fn hold_meeting(&self, meeting: &MeetingRow, action: NewAction) -> Result<()>;

    /// A decision's task dispatched as `event_id`.
    async fn decision_dispatched(
        &self,
        meeting_id: i64,
        seq: i64,
        event_id: i64,
        action: NewAction,
    ) -> Result<()>;
}

#[async_trait]
impl RegisterStore for SqlStore {
    async fn register_risk(
        &self,
        risk: &RiskRecord,
        action: NewAction,
        alert: Option<AlertRegistered>,
    ) -> Result<i64> {
        crate::risk_register::register_risk(self, risk, action, alert).await
    }

    async fn risks(
        &self,
        scope: &zhili_domain::Scope,
        filter: &RiskFilter,
    ) -> Result<(i64, Vec<RiskRecord>)> {
        crate::risk_register::risks(self, scope, filter).await
    }

    async fn risk(&self, scope: &zhili_domain::Scope, id: i64) -> Result<Option<RiskRecord>> {
        crate::risk_register::risk(self, scope, id).await
    }

    async fn update_risk(&self, risk: &RiskRecord, action: NewAction) -> Result<()> {
        crate::risk_register::update_risk(self, risk, action).await
    }

    async fn schedule_meeting(&self, meeting: &MeetingRow, action: NewAction) -> Result<i64> {
        crate::risk_meetings::schedule(self, meeting, action).await
    }

    async fn meetings(
        &self,
        reader: &MeetingReader<'_>,
        from: i64,
        to: i64,
        limit: i64,
    ) -> Result<Vec<MeetingRow>> {
        crate::risk_meetings::meetings(self, reader, from, to, limit).await
    }

    async fn meeting(&self, reader: &MeetingReader<'_>, id: i64) -> Result<Option<MeetingRow>> {
        crate::risk_meetings::meeting(self, reader, id).await
    }

    async fn hold_meeting(&self, meeting: &MeetingRow, action: NewAction) -> Result<()> {
        crate::risk_meetings::hold(self, meeting, action).await
    }

    async fn decision_dispatched(
        &self,
        meeting_id: i64,
        seq: i64,
        event_id: i64,
        action: NewAction,
    ) -> Result<()> {
        crate::risk_meetings::decision_dispatched(self, meeting_id, seq, event_id, action).await
    }
}
