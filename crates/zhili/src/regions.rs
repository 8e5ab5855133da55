//! The region index the server holds in memory: the locate index over current grids, and
//! each grid's chain (village, town, district) with codes and names.

use geo::MultiPolygon;
use std::collections::HashMap;
use zhili_domain::{Level, RegionCode, Scope};
use zhili_spatial::{geojson, LocateIndex};
use zhili_store::{RegionFilter, Store, StoreError};

/// `near_boundary` means within this many metres of a grid edge.
pub const NEAR_BOUNDARY_M: f64 = 30.0;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct GridChain {
    pub grid: Named,
    pub grid_code: RegionCode,
    pub village: Named,
    pub town: Named,
    pub district: Named,
    /// A point well inside the grid (WGS84): where a report placed only by its grid is put.
    pub anchor: (f64, f64),
}

pub struct RegionIndex {
    pub generation: i64,
    pub locate: LocateIndex,
    pub grids: Vec<GridChain>,
    /// Position in `grids` by grid code.
    pub by_code: HashMap<String, usize>,
    /// Names of every current region by code.
    pub names: HashMap<String, String>,
    /// The district this database governs, if it has one yet.
    pub root: Option<RegionCode>,
}

impl RegionIndex {
    pub fn empty() -> RegionIndex {
        RegionIndex {
            generation: -1,
            locate: LocateIndex::build(vec![], NEAR_BOUNDARY_M),
            grids: vec![],
            by_code: HashMap::new(),
            names: HashMap::new(),
            root: None,
        }
    }

    /// Reads the current regions and builds the index. Boundaries are parsed here once;
    /// what fails to parse is skipped with a warning rather than taking the server down.
    pub async fn load(store: &dyn Store) -> Result<RegionIndex, StoreError> {
        let generation = store.regions_generation().await?;
        let root = root_region(store).await?;
        let Some(root) = root else {
            return Ok(RegionIndex {
                generation,
                ..RegionIndex::empty()
            });
        };
        let scope = Scope::whole(root.clone());
        let names: HashMap<String, String> = store
            .list_regions(&scope, &RegionFilter::default())
            .await?
            .into_iter()
            .filter(|r| r.region.level != Level::Grid)
            .map(|r| (r.region.code.to_string(), r.region.name))
            .collect();
        let grids = store
            .list_regions(
                &scope,
                &RegionFilter {
                    level: Some(Level::Grid),
                    with_geometry: true,
                    ..Default::default()
                },
            )
            .await?;
        tokio::task::spawn_blocking(move || {
            let mut shapes: Vec<MultiPolygon<f64>> = Vec::with_capacity(grids.len());
            let mut chains = Vec::with_capacity(grids.len());
            for g in grids {
                let Some(shape) = g.geometry.as_deref().and_then(|text| serde_json::from_str(text).ok()).and_then(|v| geojson::parse_polygonal(&v).ok()) else {
                    tracing::warn!(code = %g.region.code, "grid boundary unreadable; left out of the locate index");
                    continue;
                };
                let named = |level: Level| {
                    let code = g.region.code.ancestor_at(level).map(|c| c.to_string()).unwrap_or_default();
                    Named { name: names.get(&code).cloned().unwrap_or_default(), code }
                };
                let anchor = geo::InteriorPoint::interior_point(&shape).map_or((0.0, 0.0), |p| (p.x(), p.y()));
                chains.push(GridChain {
                    anchor,
                    grid: Named { code: g.region.code.to_string(), name: g.region.name.clone() },
                    grid_code: g.region.code.clone(),
                    village: named(Level::Village),
                    town: named(Level::Town),
                    district: named(Level::District),
                });
                shapes.push(shape);
            }
            let by_code = chains.iter().enumerate().map(|(i, c)| (c.grid.code.clone(), i)).collect();
            let mut names = names;
            names.extend(chains.iter().map(|c| (c.grid.code.clone(), c.grid.name.clone())));
            RegionIndex { generation, locate: LocateIndex::build(shapes, NEAR_BOUNDARY_M), grids: chains, by_code, names, root: Some(root) }
        })
        .await
        .map_err(|e| StoreError::Internal(format!("index build failed: {e}")))
    }
}

impl RegionIndex {
    pub fn chain(&self, grid_code: &str) -> Option<&GridChain> {
        self.by_code.get(grid_code).map(|&i| &self.grids[i])
    }
}

/// The district at the top of the tree (one district per database).
pub async fn root_region(store: &dyn Store) -> Result<Option<RegionCode>, StoreError> {
    // Every district code is its own root; listing districts needs a scope that covers them,
    // and the widest scope is a province prefix, which no RegionCode can express. So the
    // district is read from meta, written when the city is loaded.
    Ok(store
        .meta("district_code")
        .await?
        .and_then(|c| RegionCode::parse(&c).ok()))
}
