//! Grid import, shared by `zhili import grids` and `POST /api/v1/grids/import`: validate the
//! whole file first (structure, codes, rings, containment, overlaps, gaps), then write all
//! of it in one transaction, or nothing.

use serde::Serialize;
use std::collections::HashMap;
use zhili_domain::chain::Actor;
use zhili_domain::{RegionCode, Scope};
use zhili_spatial::geojson;
use zhili_spatial::validate::{self, Problem};
use zhili_store::{ImportSummary, NewRegion, Store, StoreError};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = GridImportReport)]
pub struct ImportReport {
    /// True when the grids were written.
    pub written: bool,
    pub dry_run: bool,
    /// Grids in the file that passed parsing.
    pub grids: usize,
    /// Villages whose grid sets the file replaces.
    pub villages: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub summary: Option<ImportSummary>,
    /// The problems found, with the feature index and code at fault: the first
    /// `MAX_PROBLEMS_PER_KIND` of each kind.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<Problem>,
    /// How many of each kind were found and how many are listed.
    #[schema(value_type = Vec<Object>)]
    pub problem_counts: Vec<validate::ProblemCount>,
}

impl ImportReport {
    fn set_problems(&mut self, problems: Vec<Problem>, stopped: &[&'static str]) {
        let (kept, counts) =
            validate::cap_problems(problems, validate::MAX_PROBLEMS_PER_KIND, stopped);
        self.problems = kept;
        self.problem_counts = counts;
    }
}

pub async fn import_grids(
    store: &dyn Store,
    actor: &Actor,
    bytes: &[u8],
    dry_run: bool,
    now: i64,
) -> Result<ImportReport, StoreError> {
    let bytes = bytes.to_vec();
    let (grids, mut problems) =
        tokio::task::spawn_blocking(move || validate::read_grid_file(&bytes))
            .await
            .map_err(|e| StoreError::Internal(format!("validation failed: {e}")))?;
    let mut village_codes: Vec<RegionCode> = grids.iter().filter_map(|g| g.code.parent()).collect();
    village_codes.sort();
    village_codes.dedup();
    let mut report = ImportReport {
        written: false,
        dry_run,
        grids: grids.len(),
        villages: village_codes.iter().map(|c| c.to_string()).collect(),
        summary: None,
        problems: vec![],
        problem_counts: vec![],
    };
    if !problems.is_empty() {
        report.set_problems(problems, &[]);
        return Ok(report);
    }
    // Villages are looked up within the district this database governs.
    let root = crate::regions::root_region(store).await?;
    let mut villages = HashMap::new();
    if let Some(root) = root {
        let scope = Scope::whole(root);
        for code in &village_codes {
            if let Some(r) = store.get_region(&scope, code, true).await? {
                let shape = r
                    .geometry
                    .as_deref()
                    .and_then(|g| serde_json::from_str(g).ok())
                    .and_then(|v| geojson::parse_polygonal(&v).ok());
                if let Some(shape) = shape {
                    villages.insert(code.clone(), shape);
                }
            }
        }
    }
    let (grids, (found, stopped)) = tokio::task::spawn_blocking(move || {
        let found = validate::check_grids_within(
            &grids,
            &|code| villages.get(code).cloned(),
            validate::DEFAULT_TOLERANCE_M2,
            validate::MAX_PROBLEMS_PER_KIND,
        );
        (grids, found)
    })
    .await
    .map_err(|e| StoreError::Internal(format!("validation failed: {e}")))?;
    problems = found;
    if !problems.is_empty() || dry_run {
        let stopped: &[&'static str] = if stopped { &["overlap"] } else { &[] };
        report.set_problems(problems, stopped);
        return Ok(report);
    }
    let regions: Vec<NewRegion> = grids
        .into_iter()
        .map(|g| NewRegion {
            code: g.code,
            name: g.name,
            kind: g.kind,
            // Stored in the one canonical serialisation, so re-importing the same boundary
            // is recognised as unchanged.
            geometry: geojson::to_geometry(&g.shape).to_string(),
        })
        .collect();
    report.summary = Some(
        store
            .replace_grids(actor, &village_codes, &regions, now)
            .await?,
    );
    report.written = true;
    Ok(report)
}

/// Grid boundaries imported by a signed-in administrator: checked whole, then written in
/// one transaction (or, with `dry_run`, only checked); the server's locate index follows.
pub async fn import_grids_as(
    state: &crate::state::AppState,
    user: &zhili_domain::user::User,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, StoreError> {
    if !user.role.administers() {
        return Err(StoreError::Domain(zhili_domain::DomainError::new(
            zhili_domain::ErrorCode::Forbidden,
            "only administrators import boundaries",
        )));
    }
    let report = import_grids(
        state.store.as_ref(),
        &user.actor(),
        bytes,
        dry_run,
        crate::now_ms(),
    )
    .await?;
    if report.written {
        state.refresh_index().await?;
    }
    Ok(report)
}
