use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::{Actor, NewAction};

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

/// A unit's closures and ratings on one China day (days since 1970-01-01).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClosureDay {
    pub unit: String,
    pub day: i64,
    pub closed: i64,
    pub rated: i64,
    pub satisfied: i64,
}

/// A reviewer's entry as kept: `subject` an item's code or `figure:<name>`; `photos` the
/// evidence as JSON; `action_seq` and `action_hash` the reviewer's recorded action.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRow {
    pub id: i64,
    pub year: i64,
    pub unit_group: String,
    pub unit: String,
    pub subject: String,
    pub value: f64,
    pub basis: String,
    pub photos: String,
    pub reviewer: String,
    pub reviewer_name: String,
    pub reviewed_at: i64,
    pub action_seq: i64,
    pub action_hash: String,
}

/// An appeal as kept, with its decision once made.
#[derive(Clone, Debug, PartialEq)]
pub struct AppealRow {
    pub id: i64,
    pub year: i64,
    pub unit_group: String,
    pub unit: String,
    pub item: String,
    pub published_score: f64,
    pub reason: String,
    pub photos: String,
    pub filed_by: String,
    pub filed_by_name: String,
    pub filed_at: i64,
    pub upheld: Option<bool>,
    pub corrected_score: Option<f64>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
}

#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// A reviewer's entry written with its action, answered with its id and signature; a
    /// conflict once the year's group is published.
    async fn put_assessment_review(
        &self,
        review: &ReviewRow,
        action: NewAction,
    ) -> Result<ReviewRow>;

    /// Every reviewer's entry of a year and group, oldest first.
    async fn assessment_reviews(&self, year: i64, unit_group: &str) -> Result<Vec<ReviewRow>>;

    /// An appeal filed with its action; a conflict while the unit's last on the line is open.
    async fn file_assessment_appeal(
        &self,
        appeal: &AppealRow,
        action: NewAction,
    ) -> Result<AppealRow>;

    async fn assessment_appeal(&self, id: i64) -> Result<Option<AppealRow>>;

    /// An appeal's decision recorded with its action; a conflict if decided already.
    async fn decide_assessment_appeal(&self, decided: &AppealRow, action: NewAction) -> Result<()>;

    /// A year's appeals of a group, a unit's own when named, newest first.
    async fn assessment_appeals(
        &self,
        year: i64,
        unit_group: &str,
        unit: Option<&str>,
    ) -> Result<Vec<AppealRow>>;

    /// (year, group, unit) of each review or appeal holding the photo as evidence.
    async fn assessment_photo_units(&self, sha256: &str) -> Result<Vec<(i64, String, String)>>;

    /// Each unit's closures and ratings per day in [from, to) (ms), by the department that led
    /// them and by the town they happened in.
    async fn closure_days(&self, from: i64, to: i64) -> Result<Vec<ClosureDay>>;

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
    async fn put_assessment_review(
        &self,
        review: &ReviewRow,
        action: NewAction,
    ) -> Result<ReviewRow> {
        crate::assessment_reviews::put_review(self, review, action).await
    }

    async fn assessment_reviews(&self, year: i64, unit_group: &str) -> Result<Vec<ReviewRow>> {
        crate::assessment_reviews::reviews(self, year, unit_group).await
    }

    async fn file_assessment_appeal(
        &self,
        appeal: &AppealRow,
        action: NewAction,
    ) -> Result<AppealRow> {
        crate::assessment_reviews::file_appeal(self, appeal, action).await
    }

    async fn assessment_appeal(&self, id: i64) -> Result<Option<AppealRow>> {
        crate::assessment_reviews::appeal(self, id).await
    }

    async fn decide_assessment_appeal(&self, decided: &AppealRow, action: NewAction) -> Result<()> {
        crate::assessment_reviews::decide_appeal(self, decided, action).await
    }

    async fn assessment_appeals(
        &self,
        year: i64,
        unit_group: &str,
        unit: Option<&str>,
    ) -> Result<Vec<AppealRow>> {
        crate::assessment_reviews::appeals(self, year, unit_group, unit).await
    }

    async fn assessment_photo_units(&self, sha256: &str) -> Result<Vec<(i64, String, String)>> {
        crate::assessment_reviews::photo_units(self, sha256).await
    }

    async fn closure_days(&self, from: i64, to: i64) -> Result<Vec<ClosureDay>> {
        crate::assessment::closure_days(self, from, to).await
    }

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
