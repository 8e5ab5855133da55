//! Risk early warning (风险研判预警): the indicator catalogue — the district's latest version, or
//! the shipped one until it keeps its own — edited by an administrator as a whole new version;
//! and the backtest of an indicator over the recorded history before it goes live: how often it
//! would have fired in each area, how many of those a serious event followed (escalated or
//! supervised), what it missed, and how far ahead it warned.

use super::{forbidden, Result};
use crate::state::AppState;
use std::collections::HashMap;
use zhili_domain::risk::{self, AreaLevel, Indicator, IndicatorSpec, SourceKind};
use zhili_domain::user::User;
use zhili_domain::{DomainError, Role};
use zhili_store::DayCount;

/// An alert warns of a serious event that comes within this many periods after it.
pub const HORIZON_PERIODS: usize = 3;

mod alerts;
mod backtest;
pub mod meetings;
pub mod register;
pub mod report;
pub mod stability;

pub use alerts::{contributing, evaluate, handle, to_event, Evaluated, Handle};
pub use backtest::{backtest, AreaResult, BacktestReport, MAX_BACKTEST_DAYS};

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

/// What an indicator's source counted per day and area from `from` to `to` (ms).
pub(crate) async fn source_counts(
    state: &AppState,
    source: SourceKind,
    from: i64,
    to: i64,
) -> Result<Vec<DayCount>> {
    Ok(match source {
        SourceKind::Events => state.store.event_day_counts(from, to).await?,
        other => {
            state
                .store
                .source_day_counts(other.as_str(), from, to)
                .await?
        }
    })
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

/// Each area's counts per period and the periods of its serious events, for the reports the
/// indicator counts (its categories and channels) in the grids `seen` admits (a source other
/// than reports: its rows by area, a standing count's highest reading in each period).
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
        let counted = (indicator.categories.is_empty()
            || indicator
                .categories
                .iter()
                .any(|k| c.category.starts_with(k.as_str())))
            && (indicator.channels.is_empty()
                || indicator.channels.iter().any(|ch| ch.as_str() == c.channel));
        if !counted || c.day < from_day {
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
