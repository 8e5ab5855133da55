use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::NewAction;

/// A stability-risk assessment as stored (`evidence`, `risks`, `follow_ups` JSON arrays).
#[derive(Clone, Debug, PartialEq)]
pub struct StabilityRecord {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub area_code: String,
    pub decision_unit: String,
    pub track: String,
    pub status: String,
    pub evidence: String,
    pub risks: String,
    pub level: Option<String>,
    pub conclusion_reason: Option<String>,
    pub signed_by: Option<String>,
    pub signed_at: Option<i64>,
    pub verdict: Option<String>,
    pub follow_ups: String,
    pub registered_by: String,
    pub registered_at: i64,
    pub version: i64,
    pub updated_at: i64,
}

#[async_trait]
pub trait StabilityStore: Send + Sync {
    /// A decision registered for assessment, recorded; its id.
    async fn create_assessment(&self, a: &StabilityRecord, action: NewAction) -> Result<i64>;

    /// The assessments in the scope's area (a department's: those it decides), newest first.
    async fn assessments(
        &self,
        scope: &zhili_domain::Scope,
        limit: i64,
    ) -> Result<Vec<StabilityRecord>>;

    async fn assessment(
        &self,
        scope: &zhili_domain::Scope,
        id: i64,
    ) -> Result<Option<StabilityRecord>>;

    /// A step taken (`a.version` the one read), recorded.
    async fn update_assessment(&self, a: &StabilityRecord, action: NewAction) -> Result<()>;
}

#[async_trait]
impl StabilityStore for SqlStore {
    async fn create_assessment(&self, a: &StabilityRecord, action: NewAction) -> Result<i64> {
        crate::stability::create(self, a, action).await
    }

    async fn assessments(
        &self,
        scope: &zhili_domain::Scope,
        limit: i64,
    ) -> Result<Vec<StabilityRecord>> {
        crate::stability::list(self, scope, None, limit).await
    }

    async fn assessment(
        &self,
        scope: &zhili_domain::Scope,
        id: i64,
    ) -> Result<Option<StabilityRecord>> {
        Ok(crate::stability::list(self, scope, Some(id), 1)
            .await?
            .pop())
    }

    async fn update_assessment(&self, a: &StabilityRecord, action: NewAction) -> Result<()> {
        crate::stability::update(self, a, action).await
    }
}
