//! Risk early warning (风险研判预警): the indicator catalogue — the district's latest version, or
//! the shipped one until it keeps its own — edited by an administrator as a whole new version;
//! and the backtest of an indicator over the recorded history before it goes live: how often it
//! would have fired in each area, how many of those a serious event followed (escalated or
//! supervised), what it missed, and how far ahead it warned.

use super::{forbidden, Result};
use crate::state::AppState;
use std::collections::HashMap;
use zhili_domain::risk::{self, AreaLevel, Indicator, IndicatorSpec, Sector, SourceKind};
use zhili_domain::user::User;
use zhili_domain::{DomainError, Role};
use zhili_store::DayCount;

/// An alert warns of a serious event that comes within this many periods after it.
pub const HORIZON_PERIODS: usize = 3;

mod alerts;
mod backtest;
pub mod meetings;
mod minutes;
pub mod register;
pub mod report;
pub mod stability;
mod stability_report;

pub use alerts::{contributing, evaluate, handle, to_event, Contributing, Evaluated, Handle};
pub use backtest::{backtest, AreaResult, BacktestReport, MAX_BACKTEST_DAYS};
pub use minutes::minutes;
pub use stability_report::report as stability_report;

/// The catalogue in force: its version (0: the shipped one, never edited) and indicators.
#[derive(Clone, Debug)]
pub struct Catalogue {
    pub version: i64,
    pub indicators: Vec<Indicator>,
}

/// The catalogue in force.
pub async fn catalogue(state: &AppState) -> Result<Catalogue> {
    let Some((version, text)) = state.store.risk_catalogue().await? else {
        return Ok(Catalogue {
            version: 0,
            indicators: crate::reference::risk_indicators(),
        });
    };
    let specs: Vec<IndicatorSpec> = serde_json::from_str(&text).map_err(|e| {
        zhili_store::StoreError::Internal(format!("stored risk catalogue {version}: {e}"))
    })?;
    let indicators = risk::check_catalogue(specs)?;
    Ok(Catalogue {
        version,
        indicators,
    })
}

/// Checks every indicator and that the categories it counts exist.
pub(crate) fn checked(state: &AppState, specs: Vec<IndicatorSpec>) -> Result<Vec<Indicator>> {
    let indicators = risk::check_catalogue(specs)?;
    for (i, ind) in indicators.iter().enumerate() {
        categories_exist(state, ind, &format!("indicators[{i}]."))?;
    }
    Ok(indicators)
}

/// The categories `ind` counts exist (the field at fault named after `prefix`).
pub(crate) fn categories_exist(state: &AppState, ind: &Indicator, prefix: &str) -> Result<()> {
    let reference = state.reference();
    for (j, c) in ind.categories.iter().enumerate() {
        if !reference
            .categories
            .keys()
            .any(|k| k.starts_with(c.as_str()))
        {
            return Err(DomainError::invalid(
                &format!("{prefix}categories[{j}]"),
                format!("no category {c}"),
            )
            .zh("没有这个事件类别")
            .into());
        }
    }
    Ok(())
}

/// A new version of the whole catalogue, by an administrator.
pub async fn set_catalogue(
    state: &AppState,
    user: &User,
    specs: Vec<IndicatorSpec>,
) -> Result<Catalogue> {
    if user.role != Role::Admin {
        return Err(forbidden("only an administrator edits the risk indicators"));
    }
    let indicators = checked(state, specs)?;
    let specs: Vec<IndicatorSpec> = indicators.iter().map(Indicator::spec).collect();
    let text = serde_json::to_string(&specs)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let version = state
        .store
        .put_risk_catalogue(&user.actor(), &text, crate::now_ms())
        .await?;
    Ok(Catalogue {
        version,
        indicators,
    })
}

/// The district's units by id: its public structure, named whatever the reader's area.
pub async fn unit_names(state: &AppState) -> Result<HashMap<String, String>> {
    let Some(root) = state.index().root.clone() else {
        return Ok(Default::default());
    };
    let units = state
        .store
        .list_units(&zhili_domain::Scope::whole(root), None)
        .await?;
    Ok(units
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect())
}

/// The sector assessments in force: the district's latest grouping (its version), or the
/// shipped one (version 0) until it keeps its own.
pub async fn sectors(state: &AppState) -> Result<(i64, Vec<Sector>)> {
    let Some((version, text)) = state.store.risk_sectors().await? else {
        return Ok((0, crate::reference::risk_sectors()));
    };
    let stored: Vec<SectorSpec> = serde_json::from_str(&text).map_err(|e| {
        zhili_store::StoreError::Internal(format!("stored risk sectors {version}: {e}"))
    })?;
    Ok((version, stored.into_iter().map(Sector::from).collect()))
}

/// The sector a department assesses in, if any.
pub async fn sector_of(state: &AppState, department: &str) -> Result<Option<Sector>> {
    Ok(sectors(state)
        .await?
        .1
        .into_iter()
        .find(|s| s.departments.iter().any(|d| d == department)))
}

/// The scope risk work is read in: the user's, and for a department in a sector assessment
/// (行业研判) its sector's departments' alerts and risks too ("departments their sector's").
/// Handling stays with the department itself: the use cases that change an alert or a risk
/// read it through `user.scope()`.
pub async fn reading_scope(state: &AppState, user: &User) -> Result<zhili_domain::Scope> {
    let scope = user.scope();
    let Some(department) = scope.department.clone() else {
        return Ok(scope);
    };
    let peers = sector_of(state, &department)
        .await?
        .map(|s| s.departments)
        .unwrap_or_default();
    Ok(scope.with_sector(peers))
}

/// How a sector is kept (the stored JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct SectorSpec {
    code: String,
    name: String,
    departments: Vec<String>,
}

impl From<SectorSpec> for Sector {
    fn from(s: SectorSpec) -> Sector {
        Sector {
            code: s.code,
            name: s.name,
            departments: s.departments,
        }
    }
}

/// A new grouping of the departments into sectors, by an administrator: each department
/// that exists, in one sector at most. Meetings already held keep the sector code they had.
pub async fn set_sectors(
    state: &AppState,
    user: &User,
    sectors: Vec<Sector>,
) -> Result<(i64, Vec<Sector>)> {
    if user.role != Role::Admin {
        return Err(forbidden(
            "only an administrator groups the sector assessments",
        ));
    }
    let departments: std::collections::HashSet<String> = state
        .store
        .list_units(&user.scope(), Some(zhili_domain::UnitKind::Department))
        .await?
        .into_iter()
        .map(|u| u.id.to_string())
        .collect();
    let sectors = risk::check_sectors(sectors, &|d| departments.contains(d))?;
    let specs: Vec<SectorSpec> = sectors
        .iter()
        .map(|s| SectorSpec {
            code: s.code.clone(),
            name: s.name.clone(),
            departments: s.departments.clone(),
        })
        .collect();
    let text = serde_json::to_string(&specs)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let version = state
        .store
        .put_risk_sectors(&user.actor(), &text, crate::now_ms())
        .await?;
    Ok((version, sectors))
}

/// What an indicator's source counted per day and area over the China days [from_day,
/// to_day): reports of its categories and channels grouped by its area level in the store, any
/// other source by the finest area it knows.
pub(crate) async fn indicator_counts(
    state: &AppState,
    indicator: &Indicator,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<DayCount>> {
    use zhili_domain::calendar::{CHINA_OFFSET_MS, DAY_MS};
    Ok(match indicator.source {
        SourceKind::Events => {
            let area_digits = area_digits(indicator.level);
            state
                .store
                .report_counts(&zhili_store::ReportCounts {
                    from_day,
                    to_day,
                    area_digits,
                    categories: indicator.categories.clone(),
                    channels: indicator
                        .channels
                        .iter()
                        .map(|c| c.as_str().to_string())
                        .collect(),
                })
                .await?
        }
        other => {
            state
                .store
                .source_day_counts(
                    other.as_str(),
                    from_day * DAY_MS - CHINA_OFFSET_MS,
                    to_day * DAY_MS - CHINA_OFFSET_MS,
                )
                .await?
        }
    })
}

/// The digits of a grid code that name its area at `level` (reports are never counted by
/// department: the catalogue refuses it; the district's digits stand in).
pub(crate) fn area_digits(level: AreaLevel) -> usize {
    match level {
        AreaLevel::Grid => 15,
        AreaLevel::Village => 12,
        AreaLevel::Town => 9,
        AreaLevel::District | AreaLevel::Department => 6,
    }
}

/// The area an indicator counts a grid's reports in.
pub(crate) fn area_of(level: AreaLevel, grid: &str) -> Option<&str> {
    let len = match level {
        AreaLevel::Grid => 15,
        AreaLevel::Village => 12,
        AreaLevel::Town => 9,
        AreaLevel::District => 6,
        // A department's counts come by unit (its overdue events), never by grid.
        AreaLevel::Department => {
            return grid
                .starts_with(|c: char| !c.is_ascii_digit())
                .then_some(grid)
        }
    };
    grid.get(..len)
}

/// An area's counts per period and the periods in which a serious event was reported.
pub(crate) type AreaSeries = (Vec<f64>, Vec<usize>);

/// Each area's counts per period and the periods of its serious events, from the rows
/// `indicator_counts` read for the indicator, in the areas `seen` admits (a standing count's
/// value in a period is its highest reading).
pub(crate) fn area_series(
    indicator: &Indicator,
    counts: &[DayCount],
    from_day: i64,
    periods: usize,
    seen: impl Fn(&str) -> bool,
) -> Vec<(String, AreaSeries)> {
    let period = indicator.period_days as i64;
    let mut grid_seen: HashMap<&str, bool> = HashMap::new();
    let mut areas: HashMap<String, AreaSeries> = HashMap::new();
    for c in counts {
        if c.day < from_day {
            continue;
        }
        let p = ((c.day - from_day) / period) as usize;
        if p >= periods {
            continue;
        }
        if !*grid_seen
            .entry(c.grid_code.as_str())
            .or_insert_with(|| seen(&c.grid_code))
        {
            continue;
        }
        let Some(area) = area_of(indicator.level, &c.grid_code) else {
            continue;
        };
        let entry = areas
            .entry(area.to_string())
            .or_insert_with(|| (vec![0.0; periods], Vec::new()));
        // A standing count is read each day: its period's value is the highest reading.
        if indicator.source.is_stock() {
            entry.0[p] = entry.0[p].max(c.n as f64);
        } else {
            entry.0[p] += c.n as f64;
        }
        if c.serious > 0 && !entry.1.contains(&p) {
            entry.1.push(p);
        }
    }
    let mut out: Vec<_> = areas.into_iter().collect();
    for (_, (_, serious)) in &mut out {
        serious.sort_unstable();
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_placed_in_its_area_at_each_level() {
        let grid = "500114001001001";
        assert_eq!(area_of(AreaLevel::Grid, grid), Some(grid));
        assert_eq!(area_of(AreaLevel::Village, grid), Some("500114001001"));
        assert_eq!(area_of(AreaLevel::Town, grid), Some("500114001"));
        assert_eq!(area_of(AreaLevel::District, grid), Some("500114"));
        // A village's count (a mediation case's) is no grid's.
        assert_eq!(area_of(AreaLevel::Grid, "500114001001"), None);
        // A department's counts come by unit, never by grid.
        assert_eq!(area_of(AreaLevel::Department, "D04"), Some("D04"));
        assert_eq!(area_of(AreaLevel::Department, grid), None);
    }
}
