//! The units: departments, centres and stations.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::{Scope, Unit, UnitKind};

#[async_trait]
pub trait UnitStore: Send + Sync {
    async fn list_units(&self, scope: &Scope, kind: Option<UnitKind>) -> Result<Vec<Unit>>;

    async fn get_unit(&self, scope: &Scope, id: &str) -> Result<Option<Unit>>;

    async fn insert_units(&self, actor: &Actor, units: &[Unit], now: i64) -> Result<()>;
}

#[async_trait]
impl UnitStore for SqlStore {
    async fn list_units(&self, scope: &Scope, kind: Option<UnitKind>) -> Result<Vec<Unit>> {
        self.fetch_units(scope, kind, None).await
    }

    async fn get_unit(&self, scope: &Scope, id: &str) -> Result<Option<Unit>> {
        Ok(self.fetch_units(scope, None, Some(id)).await?.pop())
    }

    async fn insert_units(&self, actor: &Actor, units: &[Unit], now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let actions = insert_units_in(&mut tx, actor, units, now).await?;
        append_actions(&mut tx, actions).await?;
        tx.commit().await?;
        Ok(())
    }
}
