//! The acceptance checklist (对标清单, 17/41/88 + 14): every requirement with the lead unit's
//! claim and evidence and the pilot office's verdict, and how ready the district is for
//! acceptance (复核验收), by task and overall.

use super::{acts_for, runs_the_pilot, target_scope, units};
use crate::state::AppState;
use crate::usecase::{forbidden, not_found, Result};
use std::collections::HashMap;
use std::sync::OnceLock;
use zhili_domain::assess::checklist::{self, Checklist, Readiness, Standing};
use zhili_domain::user::User;
use zhili_store::{ChecklistRow, StoreError, TargetScope};

const SHIPPED: &str = include_str!("../../../data/checklist-2020.json");

/// The checklist shipped (its structure checked once; its units by a test).
pub fn shipped() -> &'static Checklist {
    static LIST: OnceLock<Checklist> = OnceLock::new();
    LIST.get_or_init(|| {
        serde_json::from_str::<Checklist>(SHIPPED)
            .and_then(|c| c.check(&|_| true).map_err(serde::de::Error::custom))
            .expect("the shipped checklist is well formed")
    })
}

/// A requirement as it stands.
#[derive(Clone, Debug)]
pub struct Item {
    pub code: String,
    pub text: String,
    pub task: String,
    pub lead_unit: String,
    pub entry: Option<ChecklistRow>,
}

/// The checklist as the reader sees it: every requirement (a unit: those it answers for), the
/// readiness overall and per task (the regional items as `CQ`).
#[derive(Clone, Debug)]
pub struct View {
    pub checklist: &'static Checklist,
    pub items: Vec<Item>,
    pub unit_names: HashMap<String, String>,
    pub readiness: Readiness,
    pub by_task: Vec<(String, Readiness)>,
}

fn standing(raw: &Option<String>) -> Option<Standing> {
    raw.as_deref().and_then(Standing::parse)
}

pub async fn view(state: &AppState, user: &User) -> Result<View> {
    let scope = target_scope(user)?;
    let list = shipped();
    let mut kept: HashMap<String, ChecklistRow> = state
        .store
        .checklist_entries()
        .await?
        .into_iter()
        .map(|e| (e.code.clone(), e))
        .collect();
    let items: Vec<Item> = list
        .requirements()
        .into_iter()
        .filter(|p| match &scope {
            TargetScope::All => true,
            TargetScope::Unit(u) => p.lead_unit == u,
        })
        .map(|p| Item {
            code: p.requirement.code.clone(),
            text: p.requirement.text.clone(),
            task: p.task.to_string(),
            lead_unit: p.lead_unit.to_string(),
            entry: kept.remove(&p.requirement.code),
        })
        .collect();
    let of = |i: &Item| {
        (
            i.entry.as_ref().is_some_and(|e| e.claim.is_some()),
            i.entry.as_ref().and_then(|e| standing(&e.verdict)),
        )
    };
    let readiness = checklist::readiness(items.iter().map(of));
    let mut tasks: Vec<String> = list.tasks.iter().map(|t| t.code.clone()).collect();
    tasks.push("CQ".into());
    let by_task = tasks
        .into_iter()
        .map(|t| {
            let r = checklist::readiness(items.iter().filter(|i| i.task == t).map(of));
            (t, r)
        })
        .filter(|(_, r)| r.total > 0)
        .collect();
    Ok(View {
        checklist: list,
        items,
        unit_names: units(state).await?,
        readiness,
        by_task,
    })
}

/// The requirement of `code` and its entry, for a change by `user`: the lead unit claims (or
/// the pilot office on its behalf), the pilot office gives the verdict.
async fn entry_for(
    state: &AppState,
    user: &User,
    code: &str,
    verdict: bool,
) -> Result<ChecklistRow> {
    let placed = shipped()
        .find(code)
        .ok_or_else(|| not_found("code", format!("no requirement {code}")))?;
    // Leaders read; they do not answer for a unit.
    let allowed = runs_the_pilot(user) || (!verdict && acts_for(user, placed.lead_unit));
    if !allowed {
        return Err(if verdict {
            forbidden("the pilot office gives the verdict")
        } else {
            forbidden("the unit leading the task assesses its requirements")
        });
    }
    Ok(state
        .store
        .checklist_entries()
        .await?
        .into_iter()
        .find(|e| e.code == code)
        .unwrap_or_else(|| ChecklistRow {
            code: code.to_string(),
            photos: "[]".into(),
            ..Default::default()
        }))
}

/// The lead unit's self-assessment with its note and evidence (a new claim clears a verdict:
/// it is to be reviewed again).
pub async fn claim(
    state: &AppState,
    user: &User,
    code: &str,
    version: i64,
    claim: Standing,
    note: &str,
    photos: &[String],
) -> Result<ChecklistRow> {
    let kept = entry_for(state, user, code, false).await?;
    let note = checklist::note("note", note)?;
    let photos =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", photos).await?;
    let now = crate::now_ms();
    let row = ChecklistRow {
        claim: Some(claim.as_str().into()),
        claim_note: Some(note.clone()),
        photos: photos.clone(),
        claimed_by_name: Some(user.display_name.clone()),
        claimed_at: Some(now),
        verdict: None,
        verdict_note: None,
        reviewed_by_name: None,
        reviewed_at: None,
        version: version + 1,
        ..kept
    };
    let action = user
        .actor()
        .action(now, "pilot.checklist.claim", &format!("checklist:{code}"))
        .states(None, Some(claim.as_str()))
        .opinion(note)
        .attachments(photos);
    state
        .store
        .put_checklist_entry(&row, version, action)
        .await?;
    Ok(row)
}

/// The pilot office's verdict on a claimed requirement.
pub async fn verdict(
    state: &AppState,
    user: &User,
    code: &str,
    version: i64,
    verdict: Standing,
    note: &str,
) -> Result<ChecklistRow> {
    let kept = entry_for(state, user, code, true).await?;
    if kept.claim.is_none() {
        return Err(
            StoreError::conflict(format!("requirement {code} is not self-assessed yet")).into(),
        );
    }
    let note = checklist::note("note", note)?;
    let now = crate::now_ms();
    let row = ChecklistRow {
        verdict: Some(verdict.as_str().into()),
        verdict_note: Some(note.clone()),
        reviewed_by_name: Some(user.display_name.clone()),
        reviewed_at: Some(now),
        version: version + 1,
        ..kept
    };
    let action = user
        .actor()
        .action(now, "pilot.checklist.verdict", &format!("checklist:{code}"))
        .states(None, Some(verdict.as_str()))
        .opinion(note);
    state
        .store
        .put_checklist_entry(&row, version, action)
        .await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_checklist_has_the_seeds_shape_and_units() {
        let list = super::shipped();
        assert_eq!(list.shape(), [17, 41, 88, 14]);
        let units = crate::demo::data::departments();
        let known = |u: &str| u == "C500114" || units.iter().any(|d| d.code == u);
        assert!(list.clone().check(&known).is_ok());
    }
}
