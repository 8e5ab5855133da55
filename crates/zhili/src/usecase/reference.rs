//! The closed loop's reference data, changed by administrators: a category (a new version;
//! running cases keep the limits they were reported with), the ordered dispatch rules (a
//! replacement that keeps the old rows closed) and a year of the working calendar. Every
//! server of the database reloads what changed.

use super::{forbidden, invalid, not_found, Result};
use crate::state::AppState;
use std::collections::HashSet;
use zhili_domain::calendar::{DayKind, WorkingCalendar};
use zhili_domain::chain::Actor;
use zhili_domain::event::MatterClass;
use zhili_domain::reference::{Category, DispatchRule, Lead};
use zhili_domain::user::User;
use zhili_domain::{time, RegionCode, Role, Scope, UnitId};
use zhili_store::MovedDue;

/// Most dispatch rules in a district's list.
pub const MAX_RULES: usize = 1000;

fn admin(user: &User) -> Result<Actor> {
    if user.role == Role::Admin {
        Ok(user.actor())
    } else {
        Err(forbidden("only administrators change reference data"))
    }
}

/// The ids of the district's units (departments, centres, stations).
async fn unit_ids(state: &AppState) -> Result<HashSet<String>> {
    let root = state
        .index()
        .root
        .clone()
        .ok_or_else(|| not_found("region", "no district loaded".into()))?;
    let units = state.store.list_units(&Scope::whole(root), None).await?;
    Ok(units.into_iter().map(|u| u.id).collect())
}

/// A category as an administrator sets it.
#[derive(Clone, Debug)]
pub struct CategoryEdit {
    pub major: String,
    pub minor: String,
    /// 大事, 小事 or 私事.
    pub matter_class: String,
    pub urgent: bool,
    pub accept_hours: f64,
    pub handle_hours: f64,
    /// A department code (D09) or 属地.
    pub lead: String,
    pub opens_dispute: bool,
}

/// Writes the category's next version and answers it as stored.
pub async fn put_category(
    state: &AppState,
    user: &User,
    code: &str,
    edit: CategoryEdit,
) -> Result<Category> {
    let actor = admin(user)?;
    let class = MatterClass::parse(&edit.matter_class)
        .ok_or_else(|| invalid("matter_class", "matter_class is 大事, 小事 or 私事"))?;
    let lead = Lead::parse(&edit.lead)?;
    if let Lead::Unit(d) = &lead {
        if !unit_ids(state).await?.contains(d.as_str()) {
            return Err(not_found("lead", format!("no department {d}")));
        }
    }
    let category = Category {
        code: code.to_string(),
        major: edit.major.trim().to_string(),
        minor: edit.minor.trim().to_string(),
        class,
        urgent: edit.urgent,
        accept_hours: edit.accept_hours,
        handle_hours: edit.handle_hours,
        lead,
        opens_dispute: edit.opens_dispute,
        version: 0,
    };
    category.validate()?;
    let stored = state
        .store
        .put_categories(&actor, std::slice::from_ref(&category), crate::now_ms())
        .await?
        .pop()
        .ok_or_else(|| zhili_store::StoreError::Internal("the category was not written".into()))?;
    state.reference_changed().await?;
    Ok(stored)
}

/// A category's time limits as an administrator sets them in the time-limit table.
#[derive(Clone, Debug)]
pub struct TimeLimitEdit {
    pub code: String,
    pub accept_hours: f64,
    pub handle_hours: f64,
}

/// Sets many categories' limits with one save: each category whose limits change gets its
/// next version, all in one transaction (every limit is checked before anything is
/// written); running cases keep their deadlines. Answers the categories that changed.
pub async fn put_time_limits(
    state: &AppState,
    user: &User,
    edits: &[TimeLimitEdit],
) -> Result<Vec<Category>> {
    let actor = admin(user)?;
    let reference = state.reference();
    if edits.len() > reference.categories.len() {
        return Err(invalid(
            "limits",
            format!("at most {} categories", reference.categories.len()),
        ));
    }
    let mut seen = HashSet::new();
    let mut changed = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        let at = |f: &str| format!("[{i}].{f}");
        let current = reference
            .categories
            .get(&e.code)
            .ok_or_else(|| not_found(&at("code"), format!("no category {}", e.code)))?;
        if !seen.insert(e.code.as_str()) {
            return Err(invalid(&at("code"), format!("{} appears twice", e.code)));
        }
        let next = Category {
            accept_hours: e.accept_hours,
            handle_hours: e.handle_hours,
            ..current.clone()
        };
        next.validate().map_err(|mut err| {
            err.field = err.field.map(|f| at(&f));
            err
        })?;
        if next.accept_hours != current.accept_hours || next.handle_hours != current.handle_hours {
            changed.push(next);
        }
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    let stored = state
        .store
        .put_categories(&actor, &changed, crate::now_ms())
        .await?;
    state.reference_changed().await?;
    Ok(stored)
}

/// A dispatch rule as an administrator writes it.
#[derive(Clone, Debug)]
pub struct RuleEdit {
    /// "" for every category, two digits for a major class, four for one category.
    pub category_prefix: String,
    /// The region subtree the rule covers.
    pub region: String,
    /// A unit id or 属地.
    pub lead: String,
    pub assisting: Vec<String>,
}

/// Replaces the dispatch rules (in order; the first match wins). Answers them as stored.
pub async fn put_dispatch_rules(
    state: &AppState,
    user: &User,
    edits: Vec<RuleEdit>,
) -> Result<Vec<DispatchRule>> {
    let actor = admin(user)?;
    if edits.len() > MAX_RULES {
        return Err(invalid("rules", format!("at most {MAX_RULES} rules")));
    }
    let units = unit_ids(state).await?;
    let root = state.index().root.clone();
    let mut rules = Vec::with_capacity(edits.len());
    for (i, r) in edits.into_iter().enumerate() {
        let at = |f: &str| format!("[{i}].{f}");
        let prefix_ok = matches!(r.category_prefix.len(), 0 | 2 | 4)
            && r.category_prefix.bytes().all(|b| b.is_ascii_digit());
        if !prefix_ok {
            return Err(invalid(
                &at("category_prefix"),
                "empty, two digits or four digits",
            ));
        }
        let region = RegionCode::parse(&r.region).map_err(|e| invalid(&at("region"), e.message))?;
        if root.as_ref().is_some_and(|root| !root.contains(&region)) {
            return Err(not_found(
                &at("region"),
                format!("{region} is not in this district"),
            ));
        }
        // A unit of the district by its id; a name that is not one names no unit (404).
        let unit = |field: &str, raw: &str| {
            UnitId::parse(raw)
                .ok()
                .filter(|_| units.contains(raw))
                .ok_or_else(|| not_found(&at(field), format!("no unit {raw}")))
        };
        let lead = if r.lead == Lead::Locality.as_str() {
            Lead::Locality
        } else {
            // Any unit may lead by rule: departments, centres and stations alike.
            Lead::Unit(unit("lead", &r.lead)?)
        };
        if r.assisting.len() > super::act::MAX_ASSISTING {
            return Err(invalid(
                &at("assisting"),
                format!("at most {} assisting units", super::act::MAX_ASSISTING),
            ));
        }
        let assisting = r
            .assisting
            .iter()
            .map(|a| unit("assisting", a))
            .collect::<Result<Vec<_>>>()?;
        rules.push(DispatchRule {
            position: i as i64 + 1,
            category_prefix: r.category_prefix,
            region,
            lead,
            assisting,
        });
    }
    state
        .store
        .replace_dispatch_rules(&actor, &rules, crate::now_ms())
        .await?;
    state.reference_changed().await?;
    Ok(rules)
}

/// A holiday or a working weekend day (调休上班) as an administrator enters it.
#[derive(Clone, Debug)]
pub struct CalendarDayEdit {
    /// YYYY-MM-DD in the year being set.
    pub date: String,
    /// holiday or workday.
    pub kind: String,
    pub name: String,
}

/// Replaces a year's holidays and working weekend days and the working hours (e.g.
/// `08:30-12:00,14:00-17:30`), and moves the running working-time deadlines the change moves
/// (a case opened in December runs into January: entering January's holidays moves it),
/// each move recorded on its event. Answers how many deadlines moved.
pub async fn put_calendar(
    state: &AppState,
    user: &User,
    year: i64,
    working_hours: &str,
    edits: &[CalendarDayEdit],
) -> Result<usize> {
    let actor = admin(user)?;
    if !(2000..=2100).contains(&year) {
        return Err(invalid("year", "a year from 2000 to 2100"));
    }
    let windows = crate::reference::parse_working_hours(working_hours)
        .and_then(|w| {
            WorkingCalendar::with_windows(&w)
                .map(|_| w)
                .map_err(|e| e.message)
        })
        .map_err(|e| invalid("working_hours", e))?;
    let mut seen = HashSet::new();
    let mut days = Vec::with_capacity(edits.len());
    for (i, d) in edits.iter().enumerate() {
        let at = |f: &str| format!("days[{i}].{f}");
        if zhili_domain::time::parse_date(&d.date).is_none()
            || !d.date.starts_with(&format!("{year:04}-"))
        {
            return Err(invalid(
                &at("date"),
                format!("{:?} is not a date in {year}", d.date),
            ));
        }
        if !seen.insert(d.date.clone()) {
            return Err(invalid(&at("date"), format!("{} appears twice", d.date)));
        }
        let kind =
            DayKind::parse(&d.kind).ok_or_else(|| invalid(&at("kind"), "holiday or workday"))?;
        let name = zhili_domain::text::note(&at("name"), &d.name, 50)?;
        days.push((d.date.clone(), kind, name));
    }
    let now = crate::now_ms();
    let old = &state.reference().calendar;
    let kinds: Vec<(String, DayKind)> = days.iter().map(|(d, k, _)| (d.clone(), *k)).collect();
    let next = old.with_year(year, &windows, &kinds)?;
    let moved: Vec<MovedDue> = state
        .store
        .running_working_steps(now)
        .await?
        .into_iter()
        .filter_map(|s| {
            let to = old.moved_due(&next, now, s.started, s.due)?;
            Some(MovedDue {
                event_id: s.event_id,
                from: s.due,
                to,
                note: format!(
                    "{year}年工作日历调整，办理期限由 {} 改为 {}",
                    time::beijing_minute(s.due),
                    time::beijing_minute(to)
                ),
            })
        })
        .collect();
    let written = state
        .store
        .replace_calendar_year(&actor, year, &days, working_hours.trim(), &moved, now)
        .await?;
    state.reference_changed().await?;
    Ok(written.len())
}
