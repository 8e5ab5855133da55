//! Bulk loads for the demo city and the tests: whole datasets written straight, with their record.

use super::regions::{bump_generation, write_region};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;

#[async_trait]
pub trait Loads: EventStore + Send + Sync {
    /// Loads a whole city (regions, units, users, meta) in one transaction: all or nothing.
    async fn load_city(&self, actor: &Actor, city: &CityLoad, now: i64) -> Result<()>;

    /// Writes a whole population in one transaction, each object with its action.
    async fn load_population(&self, actor: &Actor, load: &PopulationLoad, now: i64) -> Result<()>;

    /// Loads past cases with their whole record in one transaction (chain in time order).
    async fn load_history(&self, items: &[HistoryItem]) -> Result<()>;

    async fn create_event(&self, actor: &Actor, event: &NewEvent, now: i64) -> Result<EventRecord> {
        let batch = EventBatch {
            reports: vec![(actor.clone(), event.clone(), now)],
            changes: vec![],
        };
        self.write_events(&batch)
            .await?
            .created
            .pop()
            .ok_or_else(|| StoreError::Internal("the report was not written".into()))
    }
}

#[async_trait]
impl Loads for SqlStore {
    async fn load_city(&self, actor: &Actor, city: &CityLoad, now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let mut summary = ImportSummary::default();
        let mut actions = Vec::new();
        for r in &city.regions {
            write_region(&mut tx, actor, r, now, &mut summary, &mut actions).await?;
        }
        bump_generation(&mut tx).await?;
        actions.extend(insert_units_in(&mut tx, actor, &city.units, now).await?);
        actions.extend(insert_users_in(&mut tx, actor, &city.users, now).await?);
        for (key, value) in &city.meta {
            set_meta_in(&mut tx, key, value).await?;
        }
        actions.push(actor.action(now, "city.load", "city").opinion(format!(
            "{} regions, {} units, {} users",
            city.regions.len(),
            city.units.len(),
            city.users.len()
        )));
        append_actions(&mut tx, actions).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn load_population(
        &self,
        actor: &Actor,
        load: &crate::PopulationLoad,
        now: i64,
    ) -> Result<()> {
        crate::people::load_population(self, actor, load, now).await
    }

    async fn load_history(&self, items: &[crate::HistoryItem]) -> Result<()> {
        crate::events::load_history(self, items).await
    }
}
