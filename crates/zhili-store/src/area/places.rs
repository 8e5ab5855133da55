//! Houses and organisations, their codes, and the map's point layers.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::Actor;
use zhili_domain::org::OrgKind;
use zhili_domain::{RegionCode, Scope};

/// A house or building of a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct NewHouse {
    pub code: String,
    pub address: String,
    pub grid_code: RegionCode,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 住宅, 商铺, 厂房, 出租屋 …
    pub usage: String,
    pub rented: bool,
    pub hazards: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HouseRecord {
    pub id: i64,
    pub house: NewHouse,
    pub occupants: i64,
}

/// A map layer of places and things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceLayer {
    Houses,
    Orgs,
    Components,
    Cameras,
    /// Open mediation cases, where the dispute event that opened them was reported.
    Disputes,
}

/// One point of a place layer.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPoint {
    pub id: i64,
    pub lon: f64,
    pub lat: f64,
    pub label: String,
    /// Houses: their use; organisations: their kind; components: their class; cameras: coverage.
    pub kind: String,
    /// Houses: hazard, rented or normal; things: their state; organisations: empty.
    pub state: String,
}

/// Which houses a list shows.
#[derive(Clone, Debug, Default)]
pub struct HouseFilter {
    pub region: Option<RegionCode>,
    /// Text in the address or the house code.
    pub text: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The unique codes places and things are registered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    House,
    OrgCredit,
    Thing,
    /// A mediation committee's name.
    Committee,
    /// A mediator as `committee id|name`.
    Mediator,
}

/// An organisation or site.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrg {
    pub kind: OrgKind,
    pub name: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub grid_code: RegionCode,
    pub lon: f64,
    pub lat: f64,
    /// The responsible person.
    pub contact_name: String,
    pub contact_phone_sealed: Option<String>,
    pub contact_phone_masked: Option<String>,
    pub staff: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrgRecord {
    pub id: i64,
    pub org: NewOrg,
}

#[async_trait]
pub trait PlaceStore: Send + Sync {
    /// Houses in one transaction, all or none (409 when a code is registered already).
    async fn create_houses(&self, actor: &Actor, houses: &[NewHouse], now: i64)
        -> Result<Vec<i64>>;

    /// Which of `codes` are registered already (an import's dry run reports them by row).
    async fn taken_codes(&self, kind: CodeKind, codes: &[String]) -> Result<Vec<String>>;

    /// Houses in the scope, by code: the total and one page.
    async fn list_houses(
        &self,
        scope: &Scope,
        filter: &HouseFilter,
    ) -> Result<(i64, Vec<HouseRecord>)>;

    async fn get_house(&self, scope: &Scope, id: i64) -> Result<Option<HouseRecord>>;

    /// All or nothing; a credit code registered already is a conflict.
    async fn create_orgs(&self, actor: &Actor, orgs: &[NewOrg], now: i64) -> Result<Vec<i64>>;

    async fn get_org(&self, scope: &Scope, id: i64) -> Result<Option<OrgRecord>>;

    /// Organisations in scope, of one kind or all, under a region; and how many.
    async fn list_orgs(
        &self,
        scope: &Scope,
        kind: Option<OrgKind>,
        region: Option<&RegionCode>,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<OrgRecord>)>;

    /// Points of a place layer inside `bbox` (min lon, min lat, max lon, max lat), at most `limit`.
    async fn map_points(
        &self,
        scope: &Scope,
        layer: PlaceLayer,
        bbox: [f64; 4],
        limit: i64,
    ) -> Result<Vec<MapPoint>>;
}

#[async_trait]
impl PlaceStore for SqlStore {
    async fn create_houses(
        &self,
        actor: &Actor,
        houses: &[crate::NewHouse],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::people::create_houses(self, actor, houses, now).await
    }

    async fn taken_codes(&self, kind: crate::CodeKind, codes: &[String]) -> Result<Vec<String>> {
        let mut conn = self.pool.acquire().await?;
        crate::people::taken_in(&mut conn, kind, codes).await
    }

    async fn list_houses(
        &self,
        scope: &Scope,
        filter: &crate::HouseFilter,
    ) -> Result<(i64, Vec<crate::HouseRecord>)> {
        crate::people::list_houses(self, scope, filter).await
    }

    async fn get_house(&self, scope: &Scope, id: i64) -> Result<Option<crate::HouseRecord>> {
        crate::people::get_house(self, scope, id).await
    }

    async fn create_orgs(
        &self,
        actor: &Actor,
        orgs: &[crate::NewOrg],
        now: i64,
    ) -> Result<Vec<i64>> {
        crate::things::create_orgs(self, actor, orgs, now).await
    }

    async fn get_org(&self, scope: &Scope, id: i64) -> Result<Option<crate::OrgRecord>> {
        crate::things::get_org(self, scope, id).await
    }

    async fn list_orgs(
        &self,
        scope: &Scope,
        kind: Option<OrgKind>,
        region: Option<&RegionCode>,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<crate::OrgRecord>)> {
        crate::things::list_orgs(self, scope, kind, region, limit, offset).await
    }

    async fn map_points(
        &self,
        scope: &Scope,
        layer: crate::PlaceLayer,
        bbox: [f64; 4],
        limit: i64,
    ) -> Result<Vec<crate::MapPoint>> {
        crate::things::map_points(self, scope, layer, bbox, limit).await
    }
}
