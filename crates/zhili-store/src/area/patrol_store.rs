//! "1+X" joint defence: compounds, patrol routes with their checkpoints' codes, shifts and the
//! check-ins made on them.

use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::patrol::{Flag, Route};

#[derive(Clone, Debug, PartialEq)]
pub struct CompoundRecord {
    pub id: i64,
    pub village_code: String,
    pub name: String,
    /// The "1": the unit that leads the compound's defence.
    pub lead_unit: String,
    /// The "X": member households and units.
    pub members: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteRecord {
    pub id: i64,
    pub compound_id: i64,
    pub route: Route,
    /// Each checkpoint's QR code, in order.
    pub codes: Vec<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ShiftRecord {
    pub id: i64,
    pub route_id: i64,
    pub village_code: String,
    pub team: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub ended_at: Option<i64>,
    /// Checkpoints missed, once ended.
    pub missed: Option<Vec<usize>>,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CheckInRecord {
    pub id: i64,
    pub shift_id: i64,
    pub checkpoint: usize,
    pub at: i64,
    pub received_at: i64,
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: f64,
    pub mock_hint: bool,
    pub scanned: bool,
    pub flags: Vec<Flag>,
    pub by: String,
    pub event_id: Option<i64>,
}

#[async_trait]
pub trait PatrolStore {
    async fn create_compound(&self, actor: &Actor, c: &CompoundRecord) -> Result<i64>;
    async fn compounds(&self, prefix: &str) -> Result<Vec<CompoundRecord>>;
    async fn compound(&self, id: i64) -> Result<Option<CompoundRecord>>;
    async fn create_route(&self, actor: &Actor, r: &RouteRecord) -> Result<i64>;
    async fn routes(&self, compound_id: Option<i64>, id: Option<i64>) -> Result<Vec<RouteRecord>>;
    async fn create_shift(&self, actor: &Actor, s: &ShiftRecord) -> Result<i64>;
    async fn shifts(&self, prefix: &str, id: Option<i64>, limit: i64) -> Result<Vec<ShiftRecord>>;
    /// Keeps a check-in with its record, while the shift has not ended (false otherwise).
    async fn record_check_in(&self, actor: &Actor, c: &CheckInRecord) -> Result<Option<i64>>;
    async fn check_ins(&self, shift_id: i64) -> Result<Vec<CheckInRecord>>;
    /// Ends a shift with what it missed, once (false when it had ended).
    async fn end_shift(&self, actor: &Actor, id: i64, missed: &[usize], now: i64) -> Result<bool>;
}

#[async_trait]
impl PatrolStore for SqlStore {
    async fn create_compound(&self, actor: &Actor, c: &CompoundRecord) -> Result<i64> {
        crate::patrols::create_compound(self, actor, c).await
    }
    async fn compounds(&self, prefix: &str) -> Result<Vec<CompoundRecord>> {
        crate::patrols::compounds(self, Some(prefix), None).await
    }
    async fn compound(&self, id: i64) -> Result<Option<CompoundRecord>> {
        Ok(crate::patrols::compounds(self, None, Some(id)).await?.pop())
    }
    async fn create_route(&self, actor: &Actor, r: &RouteRecord) -> Result<i64> {
        crate::patrols::create_route(self, actor, r).await
    }
    async fn routes(&self, compound_id: Option<i64>, id: Option<i64>) -> Result<Vec<RouteRecord>> {
        crate::patrols::routes(self, compound_id, id).await
    }
    async fn create_shift(&self, actor: &Actor, s: &ShiftRecord) -> Result<i64> {
        crate::patrols::create_shift(self, actor, s).await
    }
    async fn shifts(&self, prefix: &str, id: Option<i64>, limit: i64) -> Result<Vec<ShiftRecord>> {
        crate::patrols::shifts(self, prefix, id, limit).await
    }
    async fn record_check_in(&self, actor: &Actor, c: &CheckInRecord) -> Result<Option<i64>> {
        crate::patrols::record_check_in(self, actor, c).await
    }
    async fn check_ins(&self, shift_id: i64) -> Result<Vec<CheckInRecord>> {
        crate::patrols::check_ins(self, shift_id).await
    }
    async fn end_shift(&self, actor: &Actor, id: i64, missed: &[usize], now: i64) -> Result<bool> {
        crate::patrols::end_shift(self, actor, id, missed, now).await
    }
}
