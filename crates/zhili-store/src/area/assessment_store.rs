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

/// What the record says of a unit (a department by its id, a town by its code) for an
/// assessment period: the counts its automatic figures are made of.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitCounts {
    pub unit: String,
    /// Events closed in the period (led by the department, or in the town).
    pub closed: i64,
    /// Of those, handled without passing the handling deadline.
    pub on_time: i64,
    /// Of those, rated by the resident, and rated 4 or 5.
    pub rated: i64,
    pub satisfied: i64,
    /// Open events past their step's deadline now.
    pub overdue_events: i64,
    /// Key people whose visit is overdue now (towns).
    pub overdue_visits: i64,
    /// Registered risks past their review day (owned, or in the town).
    pub overdue_reviews: i64,
    /// Mediation cases registered in the period mediated to an end, and settled (towns).
    pub mediation_ended: i64,
    pub mediation_settled: i64,
}

/// A year's result for a group as published: the scores frozen, who published them and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedResult {
    pub year: i64,
    pub unit_group: String,
    pub scheme_version: i64,
    pub results: String,
    pub published_by: String,
    pub published_at: i64,
}

#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// The published result of a year and group, if it is published.
    async fn assessment_result(
        &self,
        year: i64,
        unit_group: &str,
    ) -> Result<Option<PublishedResult>>;

    /// Which groups of a year are published.
    async fn published_groups(&self, year: i64) -> Result<Vec<String>>;

    /// A result published with its action (published already: a conflict).
    async fn publish_assessment(&self, actor: &Actor, result: &PublishedResult) -> Result<()>;

    /// Every unit's counts for the period [from, to) (ms), the standing ones at `now` (`today`
    /// its China day), in unit order.
    async fn assessment_counts(
        &self,
        from: i64,
        to: i64,
        now: i64,
        today: i64,
    ) -> Result<Vec<UnitCounts>>;

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
    async fn assessment_result(
        &self,
        year: i64,
        unit_group: &str,
    ) -> Result<Option<PublishedResult>> {
        crate::assessment::result(self, year, unit_group).await
    }

    async fn published_groups(&self, year: i64) -> Result<Vec<String>> {
        crate::assessment::published_groups(self, year).await
    }

    async fn publish_assessment(&self, actor: &Actor, result: &PublishedResult) -> Result<()> {
        crate::assessment::publish(self, actor, result).await
    }

    async fn assessment_counts(
        &self,
        from: i64,
        to: i64,
        now: i64,
        today: i64,
    ) -> Result<Vec<UnitCounts>> {
        crate::assessment::counts(self, from, to, now, today).await
    }

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
