//! City components and cameras.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::thing::ThingKind;
use zhili_domain::thing::ThingState;
use zhili_domain::{RegionCode, Scope};

/// A city component or a camera.
#[derive(Clone, Debug, PartialEq)]
pub struct NewThing {
    pub kind: ThingKind,
    pub code: String,
    pub name: String,
    /// Components: major class and subclass codes; cameras: empty.
    pub class: String,
    pub subclass: String,
    pub grid_code: RegionCode,
    pub lon: f64,
    pub lat: f64,
    /// The responsible department (D01…), if any.
    pub department: Option<String>,
    /// One of the kind's states.
    pub state: ThingState,
    /// Cameras: road, community, school, market, river, other.
    pub coverage: Option<String>,
    pub last_seen: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThingRecord {
    pub id: i64,
    pub thing: NewThing,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct ThingFilter {
    pub kind: Option<ThingKind>,
    pub region: Option<RegionCode>,
    pub state: Option<ThingState>,
    /// Only the thing of this code.
    pub code: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Cameras under one region code prefix, and how many are online.
#[derive(Clone, Debug, PartialEq)]
pub struct CameraCount {
    pub prefix: String,
    pub total: i64,
    pub online: i64,
}

#[async_trait]
pub trait ThingStore: Send + Sync {
    /// All or nothing; a code already registered is a conflict naming its position.
    async fn create_things(&self, actor: &Actor, things: &[NewThing], now: i64)
        -> Result<Vec<i64>>;

    async fn list_things(
        &self,
        scope: &Scope,
        filter: &ThingFilter,
    ) -> Result<(i64, Vec<ThingRecord>)>;

    async fn get_thing(&self, scope: &Scope, id: i64) -> Result<Option<ThingRecord>>;

    /// A new state for one thing in scope (recorded); `None` when it is not there.
    async fn set_thing_state(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        state: ThingState,
        now: i64,
    ) -> Result<Option<ThingRecord>>;

    /// Cameras by the first `prefix_len` digits of their grid code, under `region`.
    async fn camera_counts(
        &self,
        scope: &Scope,
        region: &RegionCode,
        prefix_len: usize,
    ) -> Result<Vec<CameraCount>>;
}

#[async_trait]
impl ThingStore for SqlStore {
    async fn create_things(
        &self,
        actor: &Actor,
        things: &[crate::NewThing],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::things::create_things(self, actor, things, now).await
    }

    async fn list_things(
        &self,
        scope: &Scope,
        filter: &crate::ThingFilter,
    ) -> Result<(i64, Vec<crate::ThingRecord>)> {
        crate::things::list_things(self, scope, filter).await
    }

    async fn get_thing(&self, scope: &Scope, id: i64) -> Result<Option<crate::ThingRecord>> {
        crate::things::get_thing(self, scope, id).await
    }

    async fn set_thing_state(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        state: ThingState,
        now: i64,
    ) -> Result<Option<crate::ThingRecord>> {
        crate::things::set_thing_state(self, actor, scope, id, state, now).await
    }

    async fn camera_counts(
        &self,
        scope: &Scope,
        region: &RegionCode,
        prefix_len: usize,
    ) -> Result<Vec<crate::CameraCount>> {
        crate::things::camera_counts(self, scope, region, prefix_len).await
    }
}
