//! Bulk loads for the demo city and the tests: whole datasets written straight, with their record.

use super::regions::{bump_generation, write_region};
use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::Unit;

/// A population written in bulk (the demo city's): people name their house, key roles and
/// visits their person, by position in these lists.
#[derive(Clone, Debug, Default)]
pub struct PopulationLoad {
    pub houses: Vec<NewHouse>,
    pub people: Vec<(NewPerson, Option<usize>)>,
    /// `person_id` is a position in `people`.
    pub roles: Vec<KeyRoleRecord>,
    /// `person_id` is a position in `people`; with the visitor's username.
    pub visits: Vec<(NewVisit, String)>,
}

/// Everything a new city starts with.
#[derive(Clone, Debug, Default)]
pub struct CityLoad {
    pub regions: Vec<NewRegion>,
    pub units: Vec<Unit>,
    pub users: Vec<NewUser>,
    pub meta: Vec<(String, String)>,
}

/// A whole past case, for loading history in bulk (the demo's year).
#[derive(Clone, Debug)]
pub struct HistoryItem {
    pub event: NewEvent,
    pub reported_at: i64,
    pub reporter: Actor,
    /// Every change in order; the last one's case is the event's state now.
    pub changes: Vec<HistoryChange>,
}

#[derive(Clone, Debug)]
pub struct HistoryChange {
    pub actor: Actor,
    pub at: i64,
    pub change: EventChange,
}

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
        crate::history::load_history(self, items).await
    }
}
