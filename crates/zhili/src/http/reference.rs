//! `/api/v1/reference/…`: the closed loop's reference data — categories with their limits
//! and lead units, the ordered dispatch rules, the working calendar. Everyone signed in may
//! read it; administrators change it. A change is a new version (categories) or a
//! replacement that keeps the old rows closed (rules); running cases keep their deadlines.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use crate::usecase::reference;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::reference::{Category, DispatchRule};
use zhili_domain::ErrorCode;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    #[schema(schema_with = super::schema::name)]
    pub major: String,
    #[schema(schema_with = super::schema::name)]
    pub minor: String,
    /// 大事, 小事 or 私事
    #[schema(schema_with = super::schema::matter_class)]
    pub matter_class: String,
    pub urgent: bool,
    /// Working hours to register (calendar hours when urgent).
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub accept_hours: f64,
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub handle_hours: f64,
    /// A department code (D09) or 属地.
    #[schema(pattern = "^(属地|D[0-9]{2})$")]
    pub lead: String,
    pub opens_dispute: bool,
}

/// A category as it stands: its code, its version and what an administrator sets.
#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub version: i64,
    pub major: String,
    pub minor: String,
    pub matter_class: String,
    pub urgent: bool,
    pub accept_hours: f64,
    pub handle_hours: f64,
    pub lead: String,
    pub opens_dispute: bool,
}

fn view(c: &Category) -> CategoryView {
    CategoryView {
        code: c.code.clone(),
        version: c.version,
        major: c.major.clone(),
        minor: c.minor.clone(),
        matter_class: c.class.as_str().into(),
        urgent: c.urgent,
        accept_hours: c.accept_hours,
        handle_hours: c.handle_hours,
        lead: c.lead.as_str().into(),
        opens_dispute: c.opens_dispute,
    }
}

#[utoipa::path(get, path = "/api/v1/reference/categories", tag = "reference", security(("bearer" = [])), responses((status = 200, body = [CategoryView])))]
pub async fn list_categories(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> axum::Json<Vec<CategoryView>> {
    let reference = state.reference();
    let mut all: Vec<&Category> = reference.categories.values().collect();
    all.sort_by(|a, b| a.code.cmp(&b.code));
    axum::Json(all.into_iter().map(view).collect())
}

#[utoipa::path(put, path = "/api/v1/reference/categories/{code}", tag = "reference", params(("code" = String, Path, pattern = "^[0-9]{4}$")), request_body = CategoryBody, security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: no such department"), (status = 200, body = CategoryView), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_category(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(code): Path<String>,
    Json(body): Json<CategoryBody>,
) -> ApiResult<axum::Json<CategoryView>> {
    let edit = reference::CategoryEdit {
        major: body.major,
        minor: body.minor,
        matter_class: body.matter_class,
        urgent: body.urgent,
        accept_hours: body.accept_hours,
        handle_hours: body.handle_hours,
        lead: body.lead,
        opens_dispute: body.opens_dispute,
    };
    let stored = reference::put_category(&state, &user.user, &code, edit).await?;
    Ok(axum::Json(view(&stored)))
}

/// One category's limits in the time-limit table.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeLimitBody {
    #[schema(pattern = "^[0-9]{4}$")]
    pub code: String,
    /// Working hours to register (calendar hours when urgent).
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub accept_hours: f64,
    #[schema(exclusive_minimum = 0, maximum = 10000)]
    pub handle_hours: f64,
}

#[utoipa::path(put, path = "/api/v1/reference/time-limits", tag = "reference", request_body(content = Vec<TimeLimitBody>, description = "the limits of any number of categories, saved together"), security(("bearer" = [])),
    responses((status = 200, body = [CategoryView], description = "the categories whose limits changed, each at its new version"), (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody, description = "not_found: no such category"), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_time_limits(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<Vec<TimeLimitBody>>,
) -> ApiResult<axum::Json<Vec<CategoryView>>> {
    let edits: Vec<_> = body
        .into_iter()
        .map(|b| reference::TimeLimitEdit {
            code: b.code,
            accept_hours: b.accept_hours,
            handle_hours: b.handle_hours,
        })
        .collect();
    let stored = reference::put_time_limits(&state, &user.user, &edits).await?;
    Ok(axum::Json(stored.iter().map(view).collect()))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    /// "" for every category, two digits for a major class, four for one category.
    #[schema(pattern = "^([0-9]{2}([0-9]{2})?)?$")]
    pub category_prefix: String,
    /// The region subtree the rule covers.
    #[schema(schema_with = super::schema::region_code)]
    pub region: String,
    /// A unit id (D09, C500114001, S500114001001) or 属地.
    #[schema(schema_with = super::schema::lead)]
    pub lead: String,
    #[serde(default)]
    #[schema(schema_with = super::schema::unit_ids)]
    pub assisting: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/reference/dispatch-rules", tag = "reference", security(("bearer" = [])), responses((status = 200, body = [RuleBody], description = "in order; the first match wins")))]
pub async fn list_rules(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    _q: Query<super::handlers::NoParams>,
) -> axum::Json<Vec<RuleBody>> {
    let reference = state.reference();
    axum::Json(reference.rules.iter().map(rule_body).collect())
}

#[utoipa::path(put, path = "/api/v1/reference/dispatch-rules", tag = "reference", request_body(content = Vec<RuleBody>, description = "at most 1000 rules, in order"), security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: a region outside the district or a unit that does not exist"), (status = 200, body = [RuleBody]), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_rules(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<Vec<RuleBody>>,
) -> ApiResult<axum::Json<Vec<RuleBody>>> {
    let edits = body
        .into_iter()
        .map(|r| reference::RuleEdit {
            category_prefix: r.category_prefix,
            region: r.region,
            lead: r.lead,
            assisting: r.assisting,
        })
        .collect();
    let rules = reference::put_dispatch_rules(&state, &user.user, edits).await?;
    Ok(axum::Json(rules.iter().map(rule_body).collect()))
}

fn rule_body(r: &DispatchRule) -> RuleBody {
    RuleBody {
        category_prefix: r.category_prefix.clone(),
        region: r.region.to_string(),
        lead: r.lead.as_str().into(),
        assisting: r.assisting.iter().map(|u| u.to_string()).collect(),
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    /// YYYY-MM-DD, in the year named
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: String,
    /// holiday or workday (调休上班)
    #[schema(schema_with = super::schema::day_kind)]
    pub kind: String,
    #[schema(schema_with = super::schema::note_50)]
    pub name: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarBody {
    /// e.g. 08:30-12:00,14:00-17:30
    pub working_hours: String,
    pub days: Vec<CalendarDay>,
}

/// A year's calendar as saved, and how many running deadlines the change moved.
#[derive(Serialize, ToSchema)]
pub struct CalendarSaved {
    pub working_hours: String,
    pub days: Vec<CalendarDay>,
    /// Running cases whose working-time deadline moved (each move is on the case's record).
    pub moved_deadlines: i64,
}

#[utoipa::path(get, path = "/api/v1/reference/calendar/{year}", tag = "reference", params(("year" = i64, Path, minimum = 2000, maximum = 2100)), security(("bearer" = [])), responses((status = 200, body = CalendarBody)))]
pub async fn get_calendar(
    State(state): State<Arc<AppState>>,
    _user: CurrentUser,
    Path(year): Path<String>,
) -> ApiResult<axum::Json<CalendarBody>> {
    let year = parse_year(&year)?;
    let data = state.store.reference().await?;
    let days = data
        .days
        .into_iter()
        .filter(|(d, _, _)| d.starts_with(&format!("{year:04}-")))
        .map(|(date, kind, name)| CalendarDay {
            date,
            kind: kind.as_str().into(),
            name,
        })
        .collect();
    Ok(axum::Json(CalendarBody {
        working_hours: data.working_hours,
        days,
    }))
}

fn parse_year(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                "year",
                "a year from 2000 to 2100",
            )
        })
}

#[utoipa::path(put, path = "/api/v1/reference/calendar/{year}", tag = "reference", params(("year" = i64, Path, minimum = 2000, maximum = 2100)), request_body = CalendarBody, security(("bearer" = [])),
    responses((status = 200, body = CalendarSaved), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_calendar(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(year): Path<String>,
    Json(body): Json<CalendarBody>,
) -> ApiResult<axum::Json<CalendarSaved>> {
    let year = parse_year(&year)?;
    let days: Vec<_> = body
        .days
        .iter()
        .map(|d| reference::CalendarDayEdit {
            date: d.date.clone(),
            kind: d.kind.clone(),
            name: d.name.clone(),
        })
        .collect();
    let moved =
        reference::put_calendar(&state, &user.user, year, &body.working_hours, &days).await?;
    Ok(axum::Json(CalendarSaved {
        working_hours: body.working_hours,
        days: body.days,
        moved_deadlines: moved as i64,
    }))
}
