//! Situation notes (社情民意).

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::Scope;

#[async_trait]
pub trait SituationStore: Send + Sync {
    /// Notes, each (author, note, recorded at), written in one transaction; their ids in order.
    async fn create_situations(&self, items: &[(Actor, NewSituation, i64)]) -> Result<Vec<i64>>;

    /// Notes in the scope up to the filter's sensitivity (and the reader's own), newest first.
    async fn list_situations(
        &self,
        scope: &Scope,
        filter: &SituationFilter,
    ) -> Result<(i64, Vec<SituationRecord>)>;

    /// One note with its links, if the reader may see it (the filter's reader and level).
    async fn get_situation(
        &self,
        scope: &Scope,
        filter: &SituationFilter,
        id: i64,
    ) -> Result<Option<SituationRecord>>;
}

#[async_trait]
impl SituationStore for SqlStore {
    async fn create_situations(
        &self,
        items: &[(Actor, crate::NewSituation, i64)],
    ) -> Result<Vec<i64>> {
        crate::situations::create_situations(self, items).await
    }

    async fn list_situations(
        &self,
        scope: &Scope,
        filter: &crate::SituationFilter,
    ) -> Result<(i64, Vec<crate::SituationRecord>)> {
        crate::situations::list_situations(self, scope, filter).await
    }

    async fn get_situation(
        &self,
        scope: &Scope,
        filter: &crate::SituationFilter,
        id: i64,
    ) -> Result<Option<crate::SituationRecord>> {
        crate::situations::get_situation(self, scope, filter, id).await
    }
}
