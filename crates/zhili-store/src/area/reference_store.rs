//! The loop's reference data: categories, dispatch rules, the calendar.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

/// The reference data of the closed loop, as stored now.
#[derive(Clone, Debug, Default)]
pub struct ReferenceData {
    pub categories: Vec<zhili_domain::reference::Category>,
    pub rules: Vec<zhili_domain::reference::DispatchRule>,
    /// (YYYY-MM-DD, kind, name)
    pub days: Vec<(String, zhili_domain::calendar::DayKind, String)>,
    /// e.g. `08:30-12:00,14:00-17:30`
    pub working_hours: String,
}

/// A running step counted in working time: what a calendar change may move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunningStep {
    pub event_id: i64,
    pub started: i64,
    pub due: i64,
}

/// A deadline moved by a calendar change: written only if the step's deadline is still `from`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedDue {
    pub event_id: i64,
    pub from: i64,
    pub to: i64,
    /// What the event's record says of the move.
    pub note: String,
}

#[async_trait]
pub trait ReferenceStore: Send + Sync {
    async fn reference(&self) -> Result<ReferenceData>;

    /// Stores reference data when none is stored yet (first start); false if some was.
    async fn seed_reference(&self, actor: &Actor, data: &ReferenceData, now: i64) -> Result<bool>;

    /// Writes categories as new versions (closing the current ones), all in one transaction;
    /// returns them as stored.
    async fn put_categories(
        &self,
        actor: &Actor,
        categories: &[zhili_domain::reference::Category],
        now: i64,
    ) -> Result<Vec<zhili_domain::reference::Category>>;

    /// Replaces the ordered dispatch rules (the old ones are kept, closed).
    async fn replace_dispatch_rules(
        &self,
        actor: &Actor,
        rules: &[zhili_domain::reference::DispatchRule],
        now: i64,
    ) -> Result<()>;

    /// The open events whose current step runs in working time and is due after `after`.
    async fn running_working_steps(&self, after: i64) -> Result<Vec<RunningStep>>;

    /// Replaces one year's holidays and make-up days and the daily working hours, and moves
    /// the running deadlines the change moves, each move an action of its event — all in one
    /// transaction. A deadline that changed meanwhile is left (its step was recomputed by
    /// whoever moved it). Answers the moves written.
    async fn replace_calendar_year(
        &self,
        actor: &Actor,
        year: i64,
        days: &[(String, zhili_domain::calendar::DayKind, String)],
        working_hours: &str,
        moved: &[MovedDue],
        now: i64,
    ) -> Result<Vec<MovedDue>>;
}

#[async_trait]
impl ReferenceStore for SqlStore {
    async fn reference(&self) -> Result<crate::ReferenceData> {
        crate::reference_data::reference(self).await
    }

    async fn seed_reference(
        &self,
        actor: &Actor,
        data: &crate::ReferenceData,
        now: i64,
    ) -> Result<bool> {
        crate::reference_data::seed_reference(self, actor, data, now).await
    }

    async fn put_categories(
        &self,
        actor: &Actor,
        categories: &[zhili_domain::reference::Category],
        now: i64,
    ) -> Result<Vec<zhili_domain::reference::Category>> {
        crate::reference_data::put_categories(self, actor, categories, now).await
    }

    async fn replace_dispatch_rules(
        &self,
        actor: &Actor,
        rules: &[zhili_domain::reference::DispatchRule],
        now: i64,
    ) -> Result<()> {
        crate::reference_data::replace_dispatch_rules(self, actor, rules, now).await
    }

    async fn running_working_steps(&self, after: i64) -> Result<Vec<RunningStep>> {
        crate::reference_data::running_working_steps(self, after).await
    }

    async fn replace_calendar_year(
        &self,
        actor: &Actor,
        year: i64,
        days: &[(String, zhili_domain::calendar::DayKind, String)],
        working_hours: &str,
        moved: &[MovedDue],
        now: i64,
    ) -> Result<Vec<MovedDue>> {
        crate::reference_data::replace_calendar_year(
            self,
            actor,
            year,
            days,
            working_hours,
            moved,
            now,
        )
        .await
    }
}
