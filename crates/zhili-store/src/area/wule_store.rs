//! 五乐社区 evaluations: a village's year, self-assessed, submitted, reviewed by its town.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::wule::{Adjustment, Score, State};

#[derive(Clone, Debug, PartialEq)]
pub struct WuleRecord {
    pub village_code: String,
    pub year: i64,
    pub state: State,
    pub scores: Vec<Score>,
    pub self_total: i64,
    pub adjustments: Vec<Adjustment>,
    pub final_total: Option<i64>,
    pub review_note: Option<String>,
    pub updated_by: String,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
}

#[async_trait]
pub trait WuleStore {
    /// Writes the evaluation as it now is, if it was still in `from` (None: not there yet);
    /// false when someone moved it first. `verb` names the change in the record.
    async fn save_wule(
        &self,
        actor: &Actor,
        r: &WuleRecord,
        from: Option<State>,
        verb: &str,
    ) -> Result<bool>;

    async fn wule(&self, village: &str, year: i64) -> Result<Option<WuleRecord>>;

    /// A year's evaluations under a region prefix.
    async fn wules(&self, prefix: &str, year: i64) -> Result<Vec<WuleRecord>>;
}

#[async_trait]
impl WuleStore for SqlStore {
    async fn save_wule(
        &self,
        actor: &Actor,
        r: &WuleRecord,
        from: Option<State>,
        verb: &str,
    ) -> Result<bool> {
        crate::wule::save(self, actor, r, from, verb).await
    }

    async fn wule(&self, village: &str, year: i64) -> Result<Option<WuleRecord>> {
        Ok(crate::wule::list(self, village, year, true).await?.pop())
    }

    async fn wules(&self, prefix: &str, year: i64) -> Result<Vec<WuleRecord>> {
        crate::wule::list(self, prefix, year, false).await
    }
}
