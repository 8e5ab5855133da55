use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

/// A scheme as kept: its year, group, version and JSON, and who set it when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeVersion {
    pub year: i64,
    pub unit_group: String,
    pub version: i64,
    pub scheme: String,
    pub set_by: String,
    pub set_at: i64,
}

#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// The scheme in force for a year and group of units, if the district set one.
    async fn assessment_scheme(&self, year: i64, unit_group: &str)
        -> Result<Option<SchemeVersion>>;

    /// A new version of a year's scheme for a group, with its action; its number.
    async fn put_assessment_scheme(
        &self,
        actor: &Actor,
        year: i64,
        unit_group: &str,
        scheme: &str,
        now: i64,
    ) -> Result<i64>;
}

#[async_trait]
impl AssessmentStore for SqlStore {
    async fn assessment_scheme(
        &self,
        year: i64,
        unit_group: &str,
    ) -> Result<Option<SchemeVersion>> {
        crate::assessment::latest(self, year, unit_group).await
    }

    async fn put_assessment_scheme(
        &self,
        actor: &Actor,
        year: i64,
        unit_group: &str,
        scheme: &str,
        now: i64,
    ) -> Result<i64> {
        crate::assessment::put(self, actor, year, unit_group, scheme, now).await
    }
}
