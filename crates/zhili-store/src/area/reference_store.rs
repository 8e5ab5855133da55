//! The loop's reference data: categories, dispatch rules, the calendar.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

#[async_trait]
pub trait ReferenceStore: Send + Sync {
    async fn reference(&self) -> Result<ReferenceData>;

    /// Stores reference data when none is stored yet (first start); false if some was.
    async fn seed_reference(&self, actor: &Actor, data: &ReferenceData, now: i64) -> Result<bool>;

    /// Writes a category as a new version (closing the current one); returns it as stored.
    async fn put_category(
        &self,
        actor: &Actor,
        category: &zhili_domain::reference::Category,
        now: i64,
    ) -> Result<zhili_domain::reference::Category>;

    /// Replaces the ordered dispatch rules (the old ones are kept, closed).
    async fn replace_dispatch_rules(
        &self,
        actor: &Actor,
        rules: &[zhili_domain::reference::DispatchRule],
        now: i64,
    ) -> Result<()>;

    /// Replaces one year's holidays and make-up days, and the daily working hours.
    async fn replace_calendar_year(
        &self,
        actor: &Actor,
        year: i64,
        days: &[(String, zhili_domain::calendar::DayKind, String)],
        working_hours: &str,
        now: i64,
    ) -> Result<()>;
}

#[async_trait]
impl ReferenceStore for SqlStore {
    async fn reference(&self) -> Result<crate::ReferenceData> {
        crate::events::reference(self).await
    }

    async fn seed_reference(
        &self,
        actor: &Actor,
        data: &crate::ReferenceData,
        now: i64,
    ) -> Result<bool> {
        crate::events::seed_reference(self, actor, data, now).await
    }

    async fn put_category(
        &self,
        actor: &Actor,
        category: &zhili_domain::reference::Category,
        now: i64,
    ) -> Result<zhili_domain::reference::Category> {
        crate::events::put_category(self, actor, category, now).await
    }

    async fn replace_dispatch_rules(
        &self,
        actor: &Actor,
        rules: &[zhili_domain::reference::DispatchRule],
        now: i64,
    ) -> Result<()> {
        crate::events::replace_dispatch_rules(self, actor, rules, now).await
    }

    async fn replace_calendar_year(
        &self,
        actor: &Actor,
        year: i64,
        days: &[(String, zhili_domain::calendar::DayKind, String)],
        working_hours: &str,
        now: i64,
    ) -> Result<()> {
        crate::events::replace_calendar_year(self, actor, year, days, working_hours, now).await
    }
}
