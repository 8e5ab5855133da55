//! `GET /api/v1/dashboard/summary`: the caller's area at a glance — totals by status,
//! overdue now, today's intake, and the evaluation rates of GB/T 30428.4 practice, for the
//! area, each child region and each department.
//!
//! 结案率 = closed / due-to-close, where due-to-close = cases handled (handled, verified,
//! closed, evaluated) + cases overdue before handling; deferred (挂账) cases leave the
//! denominator. 按期结案率 = closed with every handling step on time / due-to-close.
//! 返工率 = cases reworked at least once / due-to-close. 满意率 = ratings of 4–5 / ratings.

use super::error::{ApiError, ApiResult, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::{china_day, CHINA_OFFSET_MS, DAY_MS};
use zhili_domain::event::Status;
use zhili_domain::{time, ErrorCode, Level, RegionCode, UnitKind};
use zhili_store::{StatGroup, StatRow, StatsQuery};

#[derive(Serialize, ToSchema, Default, Clone)]
pub struct Metrics {
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub today_intake: i64,
    pub by_status: BTreeMap<String, i64>,
    pub due_to_close: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub reworked: i64,
    pub ratings: i64,
    pub satisfied: i64,
    /// 结案率
    pub closure_rate: Option<f64>,
    /// 按期结案率
    pub on_time_closure_rate: Option<f64>,
    /// 返工率
    pub rework_rate: Option<f64>,
    /// 满意率
    pub satisfaction_rate: Option<f64>,
}

impl Metrics {
    fn add(&mut self, r: &StatRow) {
        use Status as S;
        self.total += r.count;
        self.today_intake += r.today;
        *self
            .by_status
            .entry(r.status.as_str().to_string())
            .or_default() += r.count;
        if r.status.is_open() {
            self.open += r.count;
        }
        self.overdue += r.overdue;
        match r.status {
            S::Handled | S::Verified => self.due_to_close += r.count,
            S::Closed | S::Evaluated => {
                self.due_to_close += r.count;
                self.closed += r.count;
                self.closed_on_time += r.handled_on_time;
            }
            S::Reported | S::Registered | S::Dispatched | S::Accepted => {
                self.due_to_close += r.overdue
            }
            S::Rejected | S::Merged | S::Deferred => {}
        }
        if !matches!(r.status, S::Rejected | S::Merged) {
            self.reworked += r.reworked;
        }
        self.ratings += r.rated;
        self.satisfied += r.satisfied;
    }

    fn finish(mut self) -> Metrics {
        let ratio =
            |a: i64, b: i64| (b > 0).then(|| (a as f64 / b as f64 * 10_000.0).round() / 10_000.0);
        self.closure_rate = ratio(self.closed, self.due_to_close);
        self.on_time_closure_rate = ratio(self.closed_on_time, self.due_to_close);
        self.rework_rate = ratio(self.reworked, self.due_to_close);
        self.satisfaction_rate = ratio(self.satisfied, self.ratings);
        self
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupMetrics {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub metrics: Metrics,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    pub region: GroupMetrics,
    pub generated_at: String,
    /// The child regions (towns of the district, villages of a town, grids of a village).
    pub by_region: Vec<GroupMetrics>,
    /// The departments leading cases here.
    pub by_department: Vec<GroupMetrics>,
    /// Key people here whose visit is overdue (for roles that see key groups).
    pub overdue_visits: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// A region in the caller's scope (default: the scope's root).
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
}

fn group(rows: &[StatRow]) -> BTreeMap<String, Metrics> {
    let mut out: BTreeMap<String, Metrics> = BTreeMap::new();
    for r in rows {
        out.entry(r.key.clone()).or_default().add(r);
    }
    out
}

#[utoipa::path(get, path = "/api/v1/dashboard/summary", tag = "events", params(SummaryQuery), security(("bearer" = [])),
    responses((status = 200, body = Summary), (status = 404, body = super::error::ErrorBody, description = "region not in the caller's scope")))]
pub async fn summary(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<SummaryQuery>,
) -> ApiResult<Response> {
    let scope = user.user.scope();
    let region = region_in_scope(&scope, q.region.as_deref())?;
    let now = crate::now_ms();
    // The head is read before the figures: a change landing between the two is in the figures
    // but not in the version they are kept under, so the next reader counts again — an answer
    // is never kept as newer than it is.
    let (head, _) = state.lagging_reads().chain_head().await?;
    let key = format!("{}|{}|{}", scope.key(), user.user.role.as_str(), region);
    let version = format!("{head}-{}", now / 60_000);
    if let Some(body) = state.summaries.get(&key, &version) {
        return Ok(json_body(body));
    }
    let today_start = china_day(now) * DAY_MS - CHINA_OFFSET_MS;
    let child = match region.level() {
        Level::District => StatGroup::Town,
        Level::Town => StatGroup::Village,
        Level::Village | Level::Grid => StatGroup::Grid,
    };
    let departments = state
        .store
        .list_units(&scope, Some(UnitKind::Department))
        .await?;
    let query = StatsQuery {
        region: Some(region.clone()),
        group: child,
        now,
        today_start,
        departments: departments.iter().map(|d| d.id.clone()).collect(),
    };
    let by_department_query = StatsQuery {
        group: StatGroup::Department,
        ..query.clone()
    };
    let (by_child, by_lead) = tokio::try_join!(
        state.lagging_reads().event_stats(&scope, &query),
        state
            .lagging_reads()
            .event_stats(&scope, &by_department_query)
    )?;
    let (by_child, by_lead) = (group(&by_child), group(&by_lead));
    let overdue_visits = if zhili_domain::person::sees_key_groups(user.user.role) {
        Some(
            state
                .store
                .due_visits(&scope, Some(&region), now, 1)
                .await?
                .0,
        )
    } else {
        None
    };
    let index = state.index();
    let name_of = |code: &str| index.names.get(code).cloned().unwrap_or_default();
    let mut total = Metrics::default();
    for m in by_child.values() {
        total.total += m.total;
        total.open += m.open;
        total.overdue += m.overdue;
        total.today_intake += m.today_intake;
        for (k, v) in &m.by_status {
            *total.by_status.entry(k.clone()).or_default() += v;
        }
        total.due_to_close += m.due_to_close;
        total.closed += m.closed;
        total.closed_on_time += m.closed_on_time;
        total.reworked += m.reworked;
        total.ratings += m.ratings;
        total.satisfied += m.satisfied;
    }
    let by_department = departments
        .into_iter()
        .map(|d| GroupMetrics {
            metrics: by_lead.get(&d.id).cloned().unwrap_or_default().finish(),
            code: d.id,
            name: d.name,
        })
        .collect();
    let summary = Summary {
        region: GroupMetrics {
            code: region.to_string(),
            name: name_of(region.as_str()),
            metrics: total.finish(),
        },
        generated_at: time::rfc3339(now),
        by_region: by_child
            .into_iter()
            .map(|(code, m)| GroupMetrics {
                name: name_of(&code),
                code,
                metrics: m.finish(),
            })
            .collect(),
        by_department,
        overdue_visits,
    };
    // Strings, integers and finite ratios: serialising cannot fail, but is not assumed not to.
    let body = serde_json::to_vec(&summary)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let body = Bytes::from(body);
    state.summaries.put(key, version, body.clone());
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// A region in the caller's scope (default: the scope's root).
    #[param(schema_with = super::schema::region_code)]
    pub region: Option<String>,
    /// How many days back, today included: 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366)]
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryTrend {
    /// The major class: the category code's first two digits.
    pub code: String,
    pub name: String,
    /// Reports per day, aligned with `Trend::days`.
    pub reported: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Trend {
    pub region: String,
    /// The Beijing dates, oldest first (YYYY-MM-DD).
    pub days: Vec<String>,
    /// Reports per day.
    pub reported: Vec<i64>,
    /// Closures per day.
    pub closed: Vec<i64>,
    /// Reports per day by major class, the busiest first.
    pub categories: Vec<CategoryTrend>,
}

/// The region asked for, checked against the caller's scope.
fn region_in_scope(scope: &zhili_domain::Scope, raw: Option<&str>) -> ApiResult<RegionCode> {
    match raw {
        None => Ok(scope.root.clone()),
        Some(r) => {
            let code = RegionCode::parse(r)
                .map_err(|e| ApiError::field(ErrorCode::InvalidParameter, "region", e.message))?;
            if !scope.sees_region(&code) {
                return Err(ApiError::not_found(&format!("region {code}")));
            }
            Ok(code)
        }
    }
}

#[utoipa::path(get, path = "/api/v1/dashboard/trend", tag = "events", params(TrendQuery), security(("bearer" = [])),
    responses((status = 200, body = Trend), (status = 404, body = super::error::ErrorBody, description = "region not in the caller's scope"),
              (status = 400, body = super::error::ErrorBody)))]
pub async fn trend(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<TrendQuery>,
) -> ApiResult<axum::Json<Trend>> {
    let scope = user.user.scope();
    let region = region_in_scope(&scope, q.region.as_deref())?;
    let days = q.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "days",
            "from 1 to 366",
        ));
    }
    let now = crate::now_ms();
    let today = china_day(now);
    let first = today - days + 1;
    let from = first * DAY_MS - CHINA_OFFSET_MS;
    let to = (today + 1) * DAY_MS - CHINA_OFFSET_MS;
    let rows = state
        .lagging_reads()
        .event_trend(&scope, &region, from, to)
        .await?;
    let width = days as usize;
    let slot = |day: i64| usize::try_from(day - first).ok().filter(|&i| i < width);
    let mut reported = vec![0; width];
    let mut closed = vec![0; width];
    let mut by_major: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in &rows {
        let Some(i) = slot(r.day) else { continue };
        reported[i] += r.reported;
        closed[i] += r.closed;
        if r.reported > 0 {
            by_major
                .entry(r.major.clone())
                .or_insert_with(|| vec![0; width])[i] += r.reported;
        }
    }
    let reference = state.reference();
    let major_name = |code: &str| {
        reference
            .categories
            .values()
            .find(|c| c.code.starts_with(code))
            .map(|c| c.major.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let mut categories: Vec<CategoryTrend> = by_major
        .into_iter()
        .map(|(code, reported)| CategoryTrend {
            name: major_name(&code),
            code,
            reported,
        })
        .collect();
    categories.sort_by_key(|c| std::cmp::Reverse(c.reported.iter().sum::<i64>()));
    Ok(axum::Json(Trend {
        region: region.to_string(),
        days: (first..=today)
            .map(|d| {
                let (y, m, dd) = time::civil_from_days(d);
                format!("{y:04}-{m:02}-{dd:02}")
            })
            .collect(),
        reported,
        closed,
        categories,
    }))
}
