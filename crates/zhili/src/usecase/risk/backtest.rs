//! An indicator's backtest over the recorded reports before it goes live.

use super::{area_series, categories_exist, HORIZON_PERIODS};
use crate::state::AppState;
use crate::usecase::{forbidden, invalid, Result};
use std::collections::HashSet;
use zhili_domain::calendar::china_day;
use zhili_domain::risk::{self, AreaLevel, Day, Indicator, IndicatorSpec, SourceKind};
use zhili_domain::user::User;
use zhili_domain::{DomainError, Role};

/// A backtest looks back at most this many days (the figures to reach are over a year).
pub const MAX_BACKTEST_DAYS: i64 = 731;

/// One area's figures in a backtest.
#[derive(Clone, Debug)]
pub struct AreaResult {
    pub area_code: String,
    pub area_name: String,
    pub backtest: risk::Backtest,
}

/// How an indicator would have done over [from_day, to_day).
#[derive(Clone, Debug)]
pub struct BacktestReport {
    pub indicator: Indicator,
    pub from_day: i64,
    pub to_day: i64,
    pub periods: usize,
    pub areas: usize,
    pub fired: usize,
    pub hits: usize,
    pub missed: usize,
    /// The median of the leads (periods ahead of the serious event; negative: after it).
    pub median_lead: Option<f64>,
    /// The areas where it would have fired, most alerts first (at most 50).
    pub by_area: Vec<AreaResult>,
}

/// Who may backtest: the administrator and the district centre, who decide what goes live.
fn may_backtest(user: &User) -> bool {
    matches!(
        user.role,
        Role::Admin | Role::DistrictCommander | Role::DistrictOperator
    )
}

/// Backtests `spec` (checked as an edit would be) over the days [from, to) of recorded events
/// in the caller's area.
pub async fn backtest(
    state: &AppState,
    user: &User,
    spec: IndicatorSpec,
    from: i64,
    to: i64,
) -> Result<BacktestReport> {
    if !may_backtest(user) {
        return Err(forbidden(
            "only the administrator and the district centre backtest indicators",
        ));
    }
    // The body names it `indicator`: its fields are reported under that name.
    let indicator = Indicator::check(spec).map_err(|e| {
        let field = e.field.clone().unwrap_or_default();
        e.with_field(&format!("indicator.{field}"))
    })?;
    categories_exist(state, &indicator, "indicator.")?;
    // A department's counts are by unit: no area holds the incidents it would have foretold.
    if indicator.level == AreaLevel::Department {
        return Err(DomainError::invalid(
            "indicator.level",
            "a backtest replays counts by grid, village, town or district",
        )
        .zh("回测按网格、村（社区）、镇街或区统计的指标进行")
        .into());
    }
    let (from_day, to_day) = (china_day(from), china_day(to));
    if to_day <= from_day || to_day - from_day > MAX_BACKTEST_DAYS {
        return Err(invalid(
            "to",
            format!("the period is 1 to {MAX_BACKTEST_DAYS} days"),
        ));
    }
    let mut counts = super::indicator_counts(state, &indicator, from_day, to_day).await?;
    if indicator.source != SourceKind::Events {
        // Another source's alerts are judged by the same incidents: any report in the area
        // that was escalated or supervised. (A standing count has the history the evaluations
        // recorded, day by day, since they began.)
        let areas: HashSet<String> = counts
            .iter()
            .filter_map(|c| super::area_of(indicator.level, &c.grid_code))
            .map(str::to_string)
            .collect();
        let incidents = state
            .store
            .report_counts(&zhili_store::ReportCounts {
                from_day,
                to_day,
                area_digits: super::area_digits(indicator.level),
                ..Default::default()
            })
            .await?;
        counts.extend(
            incidents
                .into_iter()
                .filter(|c| c.serious > 0 && areas.contains(&c.grid_code))
                .map(|c| zhili_store::DayCount { n: 0, ..c }),
        );
    }
    let scope = user.scope();
    let period = indicator.period_days as i64;
    let periods = ((to_day - from_day) / period) as usize;
    if periods == 0 {
        return Err(invalid(
            "to",
            "the period is shorter than one of the indicator's",
        ));
    }
    let series = area_series(&indicator, &counts, from_day, periods, |grid| {
        zhili_domain::RegionCode::parse(grid).is_ok_and(|g| scope.sees_region(&g))
    });
    let calendar = &state.reference().calendar;
    let days: Vec<Day> = (0..periods)
        .map(|p| {
            let day = from_day + p as i64 * period;
            Day {
                weekday: (day + 3).rem_euclid(7) as u8,
                working: calendar.is_working_day(day),
            }
        })
        .collect();
    let names = state.index();
    let mut by_area = Vec::new();
    let (mut fired, mut hits, mut missed, mut leads) = (0, 0, 0, Vec::new());
    let areas = series.len();
    for (area, (counts, serious)) in series {
        let (_, episodes) = risk::watch(&indicator, &counts, &days);
        let b = risk::backtest(&episodes, &serious, HORIZON_PERIODS);
        fired += b.fired;
        hits += b.hits;
        missed += b.missed;
        leads.extend(b.leads.iter().copied());
        if b.fired > 0 {
            by_area.push(AreaResult {
                area_name: names.names.get(&area).cloned().unwrap_or_default(),
                area_code: area,
                backtest: b,
            });
        }
    }
    by_area.sort_by(|a, b| (b.backtest.fired, &a.area_code).cmp(&(a.backtest.fired, &b.area_code)));
    by_area.truncate(50);
    leads.sort_unstable();
    let median_lead = (!leads.is_empty()).then(|| {
        let mid = leads.len() / 2;
        if leads.len() % 2 == 1 {
            leads[mid] as f64
        } else {
            (leads[mid - 1] + leads[mid]) as f64 / 2.0
        }
    });
    Ok(BacktestReport {
        indicator,
        from_day,
        to_day,
        periods,
        areas,
        fired,
        hits,
        missed,
        median_lead,
        by_area,
    })
}
