//! Progress on a target (进展报送): a unit's note with its evidence — its own photos and links
//! to the events, mediation cases and meetings it may read — and from the lead unit the new
//! percentage and the milestones now done, kept at the target's version read.

use super::{target, TargetView};
use crate::state::AppState;
use crate::usecase::Result;
use serde::{Deserialize, Serialize};
use zhili_domain::assess::plan::{check_progress, Part, ProgressDraft};
use zhili_domain::user::User;
use zhili_domain::{DomainError, ErrorCode};
use zhili_store::{ProgressRow, StoreError};

/// What progress evidence may link to.
pub const EVIDENCE_KINDS: [&str; 3] = ["event", "mediation_case", "meeting"];
/// Most links one report carries.
pub const MAX_EVIDENCE_LINKS: usize = 20;

/// A link as kept with a report: what it is and its label when it was linked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceLink {
    pub kind: String,
    pub id: i64,
    pub label: String,
}

/// A report as a unit sends it.
#[derive(Clone, Debug)]
pub struct Report {
    /// The target's version the reporter read.
    pub version: i64,
    pub note: String,
    pub percent: Option<f64>,
    /// Milestones (seq) now done.
    pub milestones_done: Vec<i64>,
    pub photos: Vec<String>,
    pub links: Vec<(String, i64)>,
}

/// The caller's part in a target: by their unit, and only for those who act (leaders and
/// the pilot office read).
pub fn part(user: &User, t: &zhili_store::TargetRow) -> Part {
    let Some(unit) = user.unit_id.as_deref() else {
        return Part::None;
    };
    if user.role.read_only() {
        Part::None
    } else if t.lead_unit == unit {
        Part::Lead
    } else if t.partners.iter().any(|p| p == unit) {
        Part::Partner
    } else {
        Part::None
    }
}

fn refuse(field: &str, en: String, zh: &str) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, en).zh(zh))
}

/// Each link names an event, a mediation case or a meeting the reporter reads; its label.
async fn checked_links(
    state: &AppState,
    user: &User,
    links: &[(String, i64)],
) -> Result<Vec<EvidenceLink>> {
    if links.len() > MAX_EVIDENCE_LINKS {
        return Err(refuse(
            "links",
            format!("at most {MAX_EVIDENCE_LINKS} links"),
            "最多 20 个关联",
        )
        .into());
    }
    let scope = user.scope();
    let mut out = Vec::with_capacity(links.len());
    for (i, (kind, id)) in links.iter().enumerate() {
        let field = format!("links[{i}]");
        let label = match kind.as_str() {
            "event" => state
                .store
                .get_event(&scope, *id)
                .await?
                .map(|e| format!("{} {}", e.case_number, e.category)),
            "mediation_case" => state
                .store
                .case(&scope, *id)
                .await?
                .map(|c| format!("{} {}", c.number, c.title)),
            "meeting" => match crate::usecase::risk::meetings::meeting(state, user, *id).await {
                Ok(m) => Some(m.title),
                Err(_) => None,
            },
            other => {
                return Err(refuse(
                    &format!("{field}.kind"),
                    format!("{other:?} is not event, mediation_case or meeting"),
                    "关联对象应为事件、调解案件或研判会议",
                )
                .into())
            }
        };
        let Some(label) = label else {
            return Err(StoreError::Domain(
                DomainError::new(ErrorCode::NotFound, format!("no {kind} {id} you may read"))
                    .with_field(&field)
                    .zh("没有您可查看的该关联对象"),
            )
            .into());
        };
        out.push(EvidenceLink {
            kind: kind.clone(),
            id: *id,
            label,
        });
    }
    Ok(out)
}

/// A report on a target by one of its units; the target as it now stands.
pub async fn report(state: &AppState, user: &User, id: i64, r: Report) -> Result<TargetView> {
    let t = target(state, user, id).await?;
    crate::usecase::assess::publish::refuse_if_closed(state, t.row.year).await?;
    let done: Vec<bool> = t
        .row
        .milestones
        .iter()
        .map(|m| m.done_on.is_some())
        .collect();
    // Milestones are named by seq; the domain checks them by their place in day order.
    let mut places = Vec::with_capacity(r.milestones_done.len());
    for (i, seq) in r.milestones_done.iter().enumerate() {
        match t.row.milestones.iter().position(|m| m.seq == *seq) {
            Some(p) => places.push(p),
            None => {
                return Err(refuse(
                    &format!("milestones_done[{i}]"),
                    format!("no milestone {seq}"),
                    "没有这个节点",
                )
                .into())
            }
        }
    }
    let draft = check_progress(
        ProgressDraft {
            note: r.note,
            percent: r.percent,
            milestones_done: places,
        },
        part(user, &t.row),
        &done,
    )?;
    let photos =
        crate::usecase::evidence::checked_photos(state, &user.username, "photos", &r.photos)
            .await?;
    let links = checked_links(state, user, &r.links).await?;
    let now = crate::now_ms();
    let row = ProgressRow {
        id: 0,
        target_id: id,
        unit_id: user.unit_id.clone().unwrap_or_default(),
        percent: draft.percent,
        milestones_done: draft
            .milestones_done
            .iter()
            .map(|p| t.row.milestones[*p].seq)
            .collect(),
        note: draft.note.clone(),
        photos,
        links: serde_json::to_string(&links).unwrap_or_else(|_| "[]".into()),
        reported_by: user.username.clone(),
        reported_at: now,
    };
    let mut said = draft.note.chars().take(200).collect::<String>();
    if let Some(p) = draft.percent {
        said = format!("进度 {p}%；{said}");
    }
    let action = user
        .actor()
        .action(now, "pilot.target.progress", &format!("pilot_target:{id}"))
        .opinion(said);
    state
        .store
        .report_pilot_progress(&row, r.version, action)
        .await?;
    target(state, user, id).await
}

/// A report as read back: its evidence parsed.
#[derive(Clone, Debug)]
pub struct ReportView {
    pub row: ProgressRow,
    pub unit_name: String,
    pub photos: Vec<String>,
    pub links: Vec<EvidenceLink>,
}

/// A target's reports, newest first, for whoever reads the target.
pub async fn reports(state: &AppState, user: &User, id: i64) -> Result<Vec<ReportView>> {
    let t = target(state, user, id).await?;
    let units = super::units(state).await?;
    Ok(state
        .store
        .pilot_progress(t.row.id)
        .await?
        .into_iter()
        .map(|row| ReportView {
            unit_name: units.get(&row.unit_id).cloned().unwrap_or_default(),
            photos: serde_json::from_str(&row.photos).unwrap_or_default(),
            links: serde_json::from_str(&row.links).unwrap_or_default(),
            row,
        })
        .collect())
}
