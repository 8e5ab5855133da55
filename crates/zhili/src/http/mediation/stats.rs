//! Mediation statistics of the caller's area for a period, by dispute type, area, committee,
//! mediator or outcome; as JSON and as the 矛盾纠纷排查化解 statistics sheet.

use super::{bad, day_start};
use crate::http::error::{ApiError, ApiResult, Query};
use crate::http::CurrentUser;
use crate::state::AppState;
use crate::usecase::mediation::stats::{self as uc, Group};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use zhili_domain::mediation::stats::Tally;
use zhili_domain::ErrorCode;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// category (default), town, village, committee, mediator, outcome
    #[param(schema_with = crate::http::schema::mediation_group)]
    pub group: Option<String>,
    /// The first day (`YYYY-MM-DD`, Beijing time); default: 1 January of this year.
    #[param(schema_with = crate::http::schema::date)]
    pub from: Option<String>,
    /// The last day, included; default: today.
    #[param(schema_with = crate::http::schema::date)]
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatsRow {
    pub key: String,
    pub name: String,
    pub cases: i64,
    /// Mediated to an end (not still open, not refused).
    pub ended: i64,
    pub settled: i64,
    /// Fractions; null where there is nothing to divide by.
    pub success_rate: Option<f64>,
    pub mean_days_to_settle: Option<f64>,
    pub written: i64,
    pub confirmations: i64,
    pub confirmation_rate: Option<f64>,
    pub performed: i64,
    pub performance_rate: Option<f64>,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatsView {
    pub group: String,
    pub group_label: String,
    pub from: String,
    pub to: String,
    pub rows: Vec<StatsRow>,
    pub total: StatsRow,
}

fn row(key: &str, name: &str, t: &Tally) -> StatsRow {
    let f = &t.figures;
    StatsRow {
        key: key.into(),
        name: name.into(),
        cases: f.cases,
        ended: f.ended,
        settled: f.settled,
        success_rate: f.value("success_rate"),
        mean_days_to_settle: t.mean_days_to_settle(),
        written: f.written,
        confirmations: f.confirmations,
        confirmation_rate: f.value("confirmation_rate"),
        performed: f.performed,
        performance_rate: f.value("performance_rate"),
        open: t.open,
        overdue: t.overdue,
    }
}

/// The period asked for, as [from, to) in Unix ms and as its two days.
fn period(q: &StatsQuery) -> ApiResult<(i64, i64, String, String)> {
    let today =
        zhili_domain::calendar::date_string(zhili_domain::calendar::china_day(crate::now_ms()));
    let from = q
        .from
        .clone()
        .unwrap_or_else(|| format!("{}-01-01", &today[..4]));
    let to = q.to.clone().unwrap_or(today);
    let start = day_start("from", &from)?;
    let end = day_start("to", &to)? + zhili_domain::calendar::DAY_MS;
    if end <= start {
        return Err(bad("to", "the last day is not before the first"));
    }
    Ok((start, end, from, to))
}

fn group_of(raw: Option<&str>) -> ApiResult<Group> {
    match raw {
        None => Ok(Group::Category),
        Some(g) => Group::parse(g).ok_or_else(|| {
            bad(
                "group",
                "category, town, village, committee, mediator or outcome",
            )
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/mediation/stats", tag = "mediation", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = StatsView, description = "the caller's area's cases registered in the period")))]
pub async fn stats(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<StatsQuery>,
) -> ApiResult<axum::Json<StatsView>> {
    let group = group_of(q.group.as_deref())?;
    let (start, end, from, to) = period(&q)?;
    let (rows, total) = uc::stats(&state, &user.user, group, start, end).await?;
    Ok(axum::Json(StatsView {
        group: Group::ALL
            .iter()
            .find(|(k, _)| Group::parse(k) == Some(group))
            .map(|(k, _)| k.to_string())
            .unwrap_or_default(),
        group_label: group.label().into(),
        from,
        to,
        rows: rows
            .iter()
            .map(|r| row(&r.key, &r.name, &r.tally))
            .collect(),
        total: row("total", "合计", &total),
    }))
}

#[utoipa::path(get, path = "/api/v1/mediation/stats/export", tag = "mediation", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, description = "the 矛盾纠纷排查化解 statistics sheet (.xlsx)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Query(q): Query<StatsQuery>,
) -> ApiResult<axum::response::Response> {
    let group = group_of(q.group.as_deref())?;
    let (start, end, from, to) = period(&q)?;
    let (rows, total) = uc::stats(&state, &user.user, group, start, end).await?;
    let area = state
        .index()
        .names
        .get(user.user.region_code.as_str())
        .cloned()
        .unwrap_or_default();
    let when = format!("{from} 至 {to}");
    let bytes = tokio::task::spawn_blocking(move || uc::sheet(&area, &when, group, &rows, &total))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    Ok(crate::http::export::download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("mediation-{from}-{to}.xlsx"),
    ))
}
