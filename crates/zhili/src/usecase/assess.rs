//! Target management and assessment (目标管理与考核): the year's assessment schemes, one for
//! the towns and one for the departments, kept as data the pilot office edits — each edit a new
//! recorded version, the shipped 2026 schemes in force until the district keeps its own.

use super::{forbidden, not_found, Result};
use crate::state::AppState;
use zhili_domain::assess::{self, Adjustment, FlatItem, Scheme, UnitGroup};
use zhili_domain::user::User;
use zhili_domain::Role;

/// A scheme in force and where it stands: its version (0: shipped, never edited), who set it
/// and when.
#[derive(Clone, Debug)]
pub struct SchemeInForce {
    pub scheme: Scheme,
    pub version: i64,
    pub set_by: Option<String>,
    pub set_at: Option<i64>,
}

/// The scheme for `year` and `group`: the district's latest version, or the shipped one.
pub async fn scheme(state: &AppState, year: i32, group: UnitGroup) -> Result<SchemeInForce> {
    if let Some(v) = state
        .store
        .assessment_scheme(year as i64, group.as_str())
        .await?
    {
        let scheme: Scheme = serde_json::from_str(&v.scheme).map_err(|e| {
            zhili_store::StoreError::Internal(format!(
                "stored assessment scheme {year} {group} {}: {e}",
                v.version
            ))
        })?;
        return Ok(SchemeInForce {
            scheme: scheme.check()?,
            version: v.version,
            set_by: Some(v.set_by),
            set_at: Some(v.set_at),
        });
    }
    crate::reference::assessment_schemes()
        .into_iter()
        .find(|s| s.year == year && s.group == group)
        .map(|scheme| SchemeInForce {
            scheme,
            version: 0,
            set_by: None,
            set_at: None,
        })
        .ok_or_else(|| {
            not_found(
                "year",
                format!("no assessment scheme for {year} ({})", group.label_zh()),
            )
        })
}

/// Who keeps the schemes: the administrator (the pilot office's own role comes with the
/// pilot's organisation).
fn may_set(user: &User) -> bool {
    user.role == Role::Admin
}

/// A year's scheme for a group as it is edited: its items as rows, each naming its parent.
#[derive(Clone, Debug)]
pub struct SetScheme {
    pub year: i32,
    pub group: UnitGroup,
    pub name: String,
    pub lead_share: f64,
    pub partner_share: f64,
    pub tie_break: Vec<String>,
    pub rows: Vec<FlatItem>,
    pub adjustments: Vec<Adjustment>,
}

/// A new version of a year's scheme for a group, checked whole; a fault in the items is
/// named by the row that holds it (`items[5].rule.cap`).
pub async fn set_scheme(state: &AppState, user: &User, s: SetScheme) -> Result<SchemeInForce> {
    if !may_set(user) {
        return Err(forbidden(
            "only the pilot office's administrator keeps the assessment schemes",
        ));
    }
    let (items, places) = assess::tree_of(s.rows)?;
    let scheme = Scheme {
        year: s.year,
        group: s.group,
        name: s.name,
        items,
        adjustments: s.adjustments,
        lead_share: s.lead_share,
        partner_share: s.partner_share,
        tie_break: s.tie_break,
    }
    .check()
    .map_err(|e| match e.field.clone() {
        Some(f) => e.with_field(&assess::row_field(&places, &f)),
        None => e,
    })?;
    let text = serde_json::to_string(&scheme)
        .map_err(|e| zhili_store::StoreError::Internal(e.to_string()))?;
    let now = crate::now_ms();
    let version = state
        .store
        .put_assessment_scheme(
            &user.actor(),
            scheme.year as i64,
            scheme.group.as_str(),
            &text,
            now,
        )
        .await?;
    Ok(SchemeInForce {
        scheme,
        version,
        set_by: Some(user.username.clone()),
        set_at: Some(now),
    })
}
