//! Reviewers' entries (评审评分) and the units' appeals (申诉). The pilot office scores what
//! the scheme leaves to review and enters the figures the system cannot count, each with its
//! basis and evidence, signed by its place in the hash chain; the latest entry for a unit and
//! subject stands and is traced on the sheet. Once a year's group is published a unit may
//! appeal a line of its own sheet; the office upholds it with a corrected score or rejects it,
//! and the decision stands beside the frozen result.

use super::{may_read_scores, scheme, units_of};
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use std::collections::HashMap;
use zhili_domain::assess::review::{AppealDraft, Decision, ReviewDraft, Reviewed};
use zhili_domain::assess::{Measured, UnitFigures, UnitGroup};
use zhili_domain::calendar::{china_day, date_string};
use zhili_domain::user::User;
use zhili_domain::Role;
use zhili_store::{AppealRow, ReviewRow, StoreError};

/// Who scores and decides: the pilot office, and the administrator who set the system up.
fn reviews(user: &User) -> bool {
    matches!(user.role, Role::PilotOffice | Role::Admin)
}

/// The group and key a unit's account is assessed under: a department by its id, a town by
/// its code (its centre's id less the C).
pub fn assessed_as(user: &User) -> Option<(UnitGroup, String)> {
    let unit = user.unit_id.as_deref()?;
    match user.role {
        Role::DepartmentHandler => Some((UnitGroup::Departments, unit.to_string())),
        Role::TownOperator => unit
            .strip_prefix('C')
            .filter(|c| c.len() == 9)
            .map(|c| (UnitGroup::Towns, c.to_string())),
        _ => None,
    }
}

/// A reviewer's entry as a client sends it.
#[derive(Clone, Debug)]
pub struct Review {
    pub year: i32,
    pub group: UnitGroup,
    pub unit: String,
    pub reviewed: Reviewed,
    pub value: f64,
    pub basis: String,
    pub photos: Vec<String>,
}

/// An entry scored into the sheet: the unit and item or figure, the value, its basis and
/// evidence, and the reviewer's signature (the recorded action's sequence and hash).
#[derive(Clone, Debug)]
pub struct ReviewEntry {
    pub row: ReviewRow,
    pub reviewed: Reviewed,
    pub unit_name: String,
    pub photos: Vec<String>,
}

fn entry(row: ReviewRow, names: &HashMap<String, String>) -> Option<ReviewEntry> {
    Some(ReviewEntry {
        reviewed: Reviewed::from_key(&row.subject)?,
        unit_name: names
            .get(&row.unit)
            .cloned()
            .unwrap_or_else(|| row.unit.clone()),
        photos: serde_json::from_str(&row.photos).unwrap_or_default(),
        row,
    })
}

/// A reviewer's entry, checked against the scheme in force; refused once the group's year is
/// published (409).
pub async fn review(state: &AppState, user: &User, r: Review) -> Result<ReviewEntry> {
    if !reviews(user) {
        return Err(forbidden(
            "the pilot office's reviewers score the assessment",
        ));
    }
    let scheme = scheme(state, r.year, r.group).await?;
    let names: HashMap<String, String> = units_of(state, r.group).await?.into_iter().collect();
    if !names.contains_key(&r.unit) {
        return Err(crate::usecase::invalid(
            "unit",
            format!("no unit {} among the {}", r.unit, r.group.label_zh()),
        ));
    }
    let draft = ReviewDraft {
        reviewed: r.reviewed,
        value: r.value,
        basis: r.basis,
    }
    .check(&scheme.scheme)?;
    let photos =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", &r.photos)
            .await?;
    let now = crate::now_ms();
    let row = ReviewRow {
        id: 0,
        year: r.year as i64,
        unit_group: r.group.as_str().into(),
        unit: r.unit.clone(),
        subject: draft.reviewed.key(),
        value: draft.value,
        basis: draft.basis.clone(),
        photos: photos.clone(),
        reviewer: user.username.clone(),
        reviewer_name: user.display_name.clone(),
        reviewed_at: now,
        action_seq: 0,
        action_hash: String::new(),
    };
    let opinion = serde_json::json!({
        "unit": r.unit, "subject": row.subject, "value": draft.value, "basis": draft.basis,
    });
    let action = user
        .actor()
        .action(now, "assessment.review", "assessment_review")
        .opinion(opinion.to_string())
        .attachments(photos);
    let row = state.store.put_assessment_review(&row, action).await?;
    entry(row, &names).ok_or_else(|| StoreError::Internal("review subject".into()).into())
}

/// The entries of a year and group, newest first: the office, the district and the leaders
/// read all; a unit its own; nobody else.
pub async fn list(
    state: &AppState,
    user: &User,
    year: i32,
    group: UnitGroup,
) -> Result<Vec<ReviewEntry>> {
    let own = own_unit(user, group)?;
    let names: HashMap<String, String> = units_of(state, group).await?.into_iter().collect();
    let mut out: Vec<ReviewEntry> = state
        .store
        .assessment_reviews(year as i64, group.as_str())
        .await?
        .into_iter()
        .filter(|r| own.as_ref().is_none_or(|u| &r.unit == u))
        .filter_map(|r| entry(r, &names))
        .collect();
    out.reverse();
    Ok(out)
}

/// None when the user reads every unit of the group; the unit's key when they read only their
/// own; refused otherwise.
fn own_unit(user: &User, group: UnitGroup) -> Result<Option<String>> {
    if may_read_scores(user) {
        return Ok(None);
    }
    match assessed_as(user) {
        Some((g, unit)) if g == group => Ok(Some(unit)),
        _ => Err(forbidden(
            "a unit reads its own assessment; the district, the leaders and the pilot office all",
        )),
    }
}

/// What the reviewers entered for each unit of a year and group, the latest per subject, as
/// figures and scores with their signature: put into the units' figures before scoring.
pub(crate) async fn entered(
    state: &AppState,
    year: i32,
    group: UnitGroup,
) -> Result<HashMap<String, UnitFigures>> {
    let mut out: HashMap<String, UnitFigures> = HashMap::new();
    for r in state
        .store
        .assessment_reviews(year as i64, group.as_str())
        .await?
    {
        let Some(reviewed) = Reviewed::from_key(&r.subject) else {
            continue;
        };
        let source = format!(
            "评审录入：{}（{}），依据：{}；签名：记录第 {} 条 {}",
            r.reviewer_name,
            date_string(china_day(r.reviewed_at)),
            r.basis,
            r.action_seq,
            &r.action_hash[..r.action_hash.len().min(12)]
        );
        let m = Measured {
            value: r.value,
            source,
        };
        // Oldest first, so a later entry replaces an earlier one.
        let f = out.entry(r.unit).or_default();
        match reviewed {
            Reviewed::Item(code) => {
                f.manual.insert(code, m);
            }
            Reviewed::Figure(figure) => {
                f.figures.insert(figure, m);
            }
        }
    }
    Ok(out)
}

/// An appeal as a unit files it.
#[derive(Clone, Debug)]
pub struct Appeal {
    pub year: i32,
    pub group: UnitGroup,
    pub item: String,
    pub reason: String,
    pub photos: Vec<String>,
}

/// An appeal with its unit's name and evidence.
#[derive(Clone, Debug)]
pub struct AppealEntry {
    pub row: AppealRow,
    pub unit_name: String,
    pub item_name: String,
    pub photos: Vec<String>,
}

async fn appeal_entry(state: &AppState, row: AppealRow) -> Result<AppealEntry> {
    let group = UnitGroup::parse(&row.unit_group).unwrap_or(UnitGroup::Towns);
    let names: HashMap<String, String> = units_of(state, group).await?.into_iter().collect();
    let scheme = scheme(state, row.year as i32, group).await?;
    Ok(entry_of(row, &names, &scheme.scheme))
}

fn entry_of(
    row: AppealRow,
    names: &HashMap<String, String>,
    scheme: &zhili_domain::assess::Scheme,
) -> AppealEntry {
    let item_name = scheme
        .leaves()
        .find(|l| l.code == row.item)
        .map(|l| l.name.clone())
        .or_else(|| {
            scheme
                .adjustments
                .iter()
                .find(|a| a.code() == row.item)
                .map(|a| a.name().to_string())
        })
        .unwrap_or_else(|| row.item.clone());
    AppealEntry {
        unit_name: names
            .get(&row.unit)
            .cloned()
            .unwrap_or_else(|| row.unit.clone()),
        photos: serde_json::from_str(&row.photos).unwrap_or_default(),
        item_name,
        row,
    }
}

/// A unit's appeal against a line of its published sheet (409 before publication, or while
/// its last appeal on the line waits for a decision).
pub async fn file(state: &AppState, user: &User, a: Appeal) -> Result<AppealEntry> {
    let Some((group, unit)) = assessed_as(user).filter(|(g, _)| *g == a.group) else {
        return Err(forbidden("a department or a town appeals its own scores"));
    };
    let scores = super::scores(state, user, a.year, a.group).await?;
    if scores.published.is_none() {
        return Err(StoreError::conflict(format!(
            "the {} assessment of {} is not published: its scores are still under review",
            group, a.year
        ))
        .into());
    }
    let draft = AppealDraft {
        item: a.item,
        reason: a.reason,
    }
    .check(&scores.scheme.scheme)?;
    let published_score = scores
        .units
        .iter()
        .find(|u| u.unit == unit)
        .and_then(|u| u.sheet.line(&draft.item))
        .map(|l| l.score)
        .ok_or_else(|| not_found("item", format!("no line {} on your sheet", draft.item)))?;
    let photos =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", &a.photos)
            .await?;
    let now = crate::now_ms();
    let row = AppealRow {
        id: 0,
        year: a.year as i64,
        unit_group: group.as_str().into(),
        unit: unit.clone(),
        item: draft.item.clone(),
        published_score,
        reason: draft.reason.clone(),
        photos: photos.clone(),
        filed_by: user.username.clone(),
        filed_by_name: user.display_name.clone(),
        filed_at: now,
        upheld: None,
        corrected_score: None,
        decision_reason: None,
        decided_by: None,
        decided_by_name: None,
        decided_at: None,
    };
    let action = user
        .actor()
        .action(now, "assessment.appeal", "assessment_appeal")
        .opinion(
            serde_json::json!({"year": a.year, "group": group.as_str(), "item": draft.item, "reason": draft.reason})
                .to_string(),
        )
        .attachments(photos);
    let row = state.store.file_assessment_appeal(&row, action).await?;
    appeal_entry(state, row).await
}

/// An appeal decided by the pilot office: upheld with the corrected score, or rejected; once.
pub async fn decide(state: &AppState, user: &User, id: i64, d: Decision) -> Result<AppealEntry> {
    if !reviews(user) {
        return Err(forbidden("the pilot office decides appeals"));
    }
    let row = state
        .store
        .assessment_appeal(id)
        .await?
        .ok_or_else(|| not_found("id", format!("appeal {id} not found")))?;
    let group = UnitGroup::parse(&row.unit_group)
        .ok_or_else(|| StoreError::Internal(format!("appeal {id}: group {}", row.unit_group)))?;
    let scheme = scheme(state, row.year as i32, group).await?;
    let d = d.check(&scheme.scheme, &row.item)?;
    let now = crate::now_ms();
    let decided = AppealRow {
        upheld: Some(d.upheld),
        corrected_score: d.score,
        decision_reason: Some(d.reason.clone()),
        decided_by: Some(user.username.clone()),
        decided_by_name: Some(user.display_name.clone()),
        decided_at: Some(now),
        ..row
    };
    let action = user
        .actor()
        .action(
            now,
            "assessment.appeal.decide",
            &format!("assessment_appeal:{id}"),
        )
        .opinion(
            serde_json::json!({"upheld": d.upheld, "score": d.score, "reason": d.reason})
                .to_string(),
        );
    state
        .store
        .decide_assessment_appeal(&decided, action)
        .await?;
    appeal_entry(state, decided).await
}

/// A year's appeals of a group, newest first: all for the office, the district and the
/// leaders; a unit's own for the unit.
pub async fn appeals(
    state: &AppState,
    user: &User,
    year: i32,
    group: UnitGroup,
) -> Result<Vec<AppealEntry>> {
    let own = own_unit(user, group)?;
    let rows = state
        .store
        .assessment_appeals(year as i64, group.as_str(), own.as_deref())
        .await?;
    // An appeal is filed only on a published result, so a year with appeals has its scheme; a
    // year without a scheme has none to list.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<String, String> = units_of(state, group).await?.into_iter().collect();
    let scheme = scheme(state, year, group).await?;
    Ok(rows
        .into_iter()
        .map(|r| entry_of(r, &names, &scheme.scheme))
        .collect())
}

/// Whether a photo held as assessment evidence is the user's to see: the readers of every
/// unit's scores, or the unit it concerns.
pub(crate) async fn may_see_photo(state: &AppState, user: &User, sha256: &str) -> Result<bool> {
    let held = state.store.assessment_photo_units(sha256).await?;
    if held.is_empty() {
        return Ok(false);
    }
    if may_read_scores(user) {
        return Ok(true);
    }
    let mine = assessed_as(user);
    Ok(held.iter().any(|(_, g, u)| {
        mine.as_ref()
            .is_some_and(|(mg, mu)| mg.as_str() == g && mu == u)
    }))
}
