//! `/api/v1/reference/…`: the closed loop's reference data — categories with their limits
//! and lead units, the ordered dispatch rules, the working calendar. Everyone signed in may
//! read it; administrators change it. A change is a new version (categories) or a
//! replacement that keeps the old rows closed (rules); running cases keep their deadlines.

use super::error::{ApiError, ApiResult, Json, Path, Query};
use super::CurrentUser;
use crate::state::AppState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use utoipa::ToSchema;
use zhili_domain::calendar::DayKind;
use zhili_domain::chain::Actor;
use zhili_domain::event::MatterClass;
use zhili_domain::reference::{Category, DispatchRule, Lead};
use zhili_domain::{ErrorCode, RegionCode, Role, Scope};

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

fn admin(user: &CurrentUser) -> ApiResult<Actor> {
    if user.user.role != Role::Admin {
        return Err(ApiError::forbidden(
            "only administrators change reference data",
        ));
    }
    Ok(user.user.actor())
}

async fn department_ids(state: &AppState) -> ApiResult<HashSet<String>> {
    let root = state
        .index()
        .root
        .clone()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no district loaded"))?;
    let units = state.store.list_units(&Scope::whole(root), None).await?;
    Ok(units.into_iter().map(|u| u.id).collect())
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
    let actor = admin(&user)?;
    let class = MatterClass::parse(&body.matter_class).ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidParameter,
            "matter_class",
            "matter_class is 大事, 小事 or 私事",
        )
    })?;
    let lead = Lead::parse(&body.lead)?;
    if let Lead::Unit(d) = &lead {
        if !department_ids(&state).await?.contains(d) {
            return Err(ApiError::field(
                ErrorCode::NotFound,
                "lead",
                format!("no department {d}"),
            ));
        }
    }
    let category = Category {
        code,
        major: body.major.trim().to_string(),
        minor: body.minor.trim().to_string(),
        class,
        urgent: body.urgent,
        accept_hours: body.accept_hours,
        handle_hours: body.handle_hours,
        lead,
        opens_dispute: body.opens_dispute,
        version: 0,
    };
    category.validate()?;
    let stored = state
        .store
        .put_category(&actor, &category, crate::now_ms())
        .await?;
    state.reference_changed().await?;
    Ok(axum::Json(view(&stored)))
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
    axum::Json(
        reference
            .rules
            .iter()
            .map(|r| RuleBody {
                category_prefix: r.category_prefix.clone(),
                region: r.region.to_string(),
                lead: r.lead.as_str().into(),
                assisting: r.assisting.clone(),
            })
            .collect(),
    )
}

#[utoipa::path(put, path = "/api/v1/reference/dispatch-rules", tag = "reference", request_body(content = Vec<RuleBody>, description = "at most 1000 rules, in order"), security(("bearer" = [])),
    responses((status = 404, body = super::error::ErrorBody, description = "not_found: a region outside the district or a unit that does not exist"), (status = 200, body = [RuleBody]), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_rules(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Json(body): Json<Vec<RuleBody>>,
) -> ApiResult<axum::Json<Vec<RuleBody>>> {
    let actor = admin(&user)?;
    if body.len() > 1000 {
        return Err(ApiError::field(
            ErrorCode::InvalidParameter,
            "rules",
            "at most 1000 rules",
        ));
    }
    let units = department_ids(&state).await?;
    let root = state.index().root.clone();
    let mut rules = Vec::with_capacity(body.len());
    for (i, r) in body.iter().enumerate() {
        let at = |f: &str| format!("[{i}].{f}");
        let prefix_ok = matches!(r.category_prefix.len(), 0 | 2 | 4)
            && r.category_prefix.bytes().all(|b| b.is_ascii_digit());
        if !prefix_ok {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &at("category_prefix"),
                "empty, two digits or four digits",
            ));
        }
        let region = RegionCode::parse(&r.region)
            .map_err(|e| ApiError::field(ErrorCode::InvalidParameter, &at("region"), e.message))?;
        if root.as_ref().is_some_and(|root| !root.contains(&region)) {
            return Err(ApiError::field(
                ErrorCode::NotFound,
                &at("region"),
                format!("{region} is not in this district"),
            ));
        }
        let lead = if r.lead == "属地" {
            Lead::Locality
        } else if units.contains(&r.lead) {
            // Any unit may lead by rule; `Lead` keeps department codes and centre/station ids alike.
            Lead::Unit(r.lead.clone())
        } else {
            return Err(ApiError::field(
                ErrorCode::NotFound,
                &at("lead"),
                format!("no unit {}", r.lead),
            ));
        };
        if r.assisting.len() > crate::usecase::act::MAX_ASSISTING {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &at("assisting"),
                format!(
                    "at most {} assisting units",
                    crate::usecase::act::MAX_ASSISTING
                ),
            ));
        }
        if let Some(bad) = r.assisting.iter().find(|a| !units.contains(*a)) {
            return Err(ApiError::field(
                ErrorCode::NotFound,
                &at("assisting"),
                format!("no unit {bad}"),
            ));
        }
        rules.push(DispatchRule {
            position: i as i64 + 1,
            category_prefix: r.category_prefix.clone(),
            region,
            lead,
            assisting: r.assisting.clone(),
        });
    }
    state
        .store
        .replace_dispatch_rules(&actor, &rules, crate::now_ms())
        .await?;
    state.reference_changed().await?;
    Ok(axum::Json(body))
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
    responses((status = 200, body = CalendarBody), (status = 403, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn put_calendar(
    State(state): State<Arc<AppState>>,
    user: CurrentUser,
    Path(year): Path<String>,
    Json(body): Json<CalendarBody>,
) -> ApiResult<axum::Json<CalendarBody>> {
    let actor = admin(&user)?;
    let year = parse_year(&year)?;
    crate::reference::parse_working_hours(&body.working_hours)
        .and_then(|w| {
            zhili_domain::calendar::WorkingCalendar::with_windows(&w).map_err(|e| e.message)
        })
        .map_err(|e| ApiError::field(ErrorCode::InvalidParameter, "working_hours", e))?;
    let mut seen = HashSet::new();
    let mut days = Vec::with_capacity(body.days.len());
    for (i, d) in body.days.iter().enumerate() {
        let at = |f: &str| format!("days[{i}].{f}");
        if zhili_domain::time::parse_date(&d.date).is_none()
            || !d.date.starts_with(&format!("{year:04}-"))
        {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &at("date"),
                format!("{:?} is not a date in {year}", d.date),
            ));
        }
        if !seen.insert(d.date.clone()) {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &at("date"),
                format!("{} appears twice", d.date),
            ));
        }
        let kind = DayKind::parse(&d.kind).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidParameter,
                &at("kind"),
                "holiday or workday",
            )
        })?;
        let name = d.name.trim();
        if name.is_empty() || d.name.chars().count() > 50 {
            return Err(ApiError::field(
                ErrorCode::InvalidParameter,
                &at("name"),
                "1 to 50 characters",
            ));
        }
        days.push((d.date.clone(), kind, name.to_string()));
    }
    state
        .store
        .replace_calendar_year(
            &actor,
            year,
            &days,
            body.working_hours.trim(),
            crate::now_ms(),
        )
        .await?;
    state.reference_changed().await?;
    Ok(axum::Json(body))
}
