//! Where the plan stands for the reader: targets by state, the warnings (a milestone past its
//! day red, one near it yellow) that reach the owning units and the pilot office, each task
//! force's and each unit's progress by weight — the pilot office's overview, a unit's own page
//! and the wall chart all read it through the one target scope.

use super::{organisation, targets, TargetView};
use crate::state::AppState;
use crate::usecase::Result;
use std::collections::BTreeMap;
use zhili_domain::assess::target::{completion, roll_up, Share};
use zhili_domain::assess::{MilestoneState, TargetState};
use zhili_domain::user::User;

/// A milestone that warns.
#[derive(Clone, Debug)]
pub struct Warning {
    pub target_id: i64,
    pub target_title: String,
    pub task_code: String,
    pub seq: i64,
    pub milestone: String,
    pub due_day: i64,
    pub state: MilestoneState,
    pub lead_unit: String,
    pub lead_name: String,
}

/// A task force's or a unit's line.
#[derive(Clone, Debug, Default)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub leader: String,
    pub targets: usize,
    pub late: usize,
    pub done: usize,
    /// Weighted progress (0–100).
    pub percent: f64,
}

#[derive(Clone, Debug)]
pub struct Overview {
    pub year: i32,
    pub tasks: usize,
    pub targets: usize,
    pub by_state: Vec<(TargetState, usize)>,
    pub percent: f64,
    pub warnings: Vec<Warning>,
    pub task_forces: Vec<Line>,
    pub units: Vec<Line>,
}

/// Where the year's targets the reader sees stand today.
pub async fn overview(state: &AppState, user: &User, year: i32) -> Result<Overview> {
    let views = targets(state, user, year).await?;
    let org = organisation(state).await?.organisation;
    Ok(summarise(year, &views, org.as_ref()))
}

pub fn summarise(
    year: i32,
    views: &[TargetView],
    org: Option<&zhili_domain::assess::Organisation>,
) -> Overview {
    let by_state = TargetState::ALL
        .iter()
        .map(|s| (*s, views.iter().filter(|v| v.state == *s).count()))
        .collect();
    let mut warnings: Vec<Warning> = views
        .iter()
        .flat_map(|v| {
            v.milestones
                .iter()
                .filter(|m| matches!(m.state, MilestoneState::Late | MilestoneState::DueSoon))
                .map(|m| Warning {
                    target_id: v.row.id,
                    target_title: v.row.title.clone(),
                    task_code: v.row.task_code.clone(),
                    seq: m.row.seq,
                    milestone: m.row.title.clone(),
                    due_day: m.row.due_day,
                    state: m.state,
                    lead_unit: v.row.lead_unit.clone(),
                    lead_name: v.lead_name.clone(),
                })
        })
        .collect();
    // Red first, the longest late first; then yellow, the nearest first.
    warnings.sort_by_key(|w| (w.state != MilestoneState::Late, w.due_day, w.target_id));
    let mut forces: BTreeMap<String, (Line, Vec<(f64, f64)>)> = BTreeMap::new();
    let mut units: BTreeMap<String, (Line, Vec<Share>)> = BTreeMap::new();
    for v in views {
        let late = v.state == TargetState::Late;
        let done = v.state == TargetState::Done;
        let (line, parts) = forces.entry(v.row.task_force.clone()).or_default();
        line.targets += 1;
        line.late += late as usize;
        line.done += done as usize;
        parts.push((v.row.weight, v.row.percent));
        let mut count = |unit: &str, name: &str, lead: bool| {
            let (line, shares) = units.entry(unit.to_string()).or_default();
            line.name = name.to_string();
            line.targets += 1;
            line.late += late as usize;
            line.done += done as usize;
            shares.push(Share {
                weight: v.row.weight,
                percent: v.row.percent,
                lead,
            });
        };
        count(&v.row.lead_unit, &v.lead_name, true);
        for (p, name) in v.row.partners.iter().zip(&v.partner_names) {
            count(p, name, false);
        }
    }
    let task_forces = forces
        .into_iter()
        .map(|(code, (mut line, parts))| {
            if code.is_empty() {
                line.name = "督查整改与会议议定事项".into();
                line.leader = "试点办".into();
            } else if let Some(g) = org.and_then(|o| o.group(&code)) {
                line.name = g.name.clone();
                line.leader = format!("{}（{}）", g.leader.name, g.leader.title);
            } else {
                line.name = code.clone();
            }
            line.code = code;
            line.percent = roll_up(&parts);
            line
        })
        .collect();
    let mut units: Vec<Line> = units
        .into_iter()
        .map(|(code, (mut line, shares))| {
            line.code = code;
            // A partnered target weighs half a led one here; the assessment uses its scheme's shares.
            line.percent = completion(&shares, 1.0, 0.5).unwrap_or(0.0);
            line
        })
        .collect();
    units.sort_by(|a, b| b.late.cmp(&a.late).then(a.code.cmp(&b.code)));
    let parts: Vec<(f64, f64)> = views
        .iter()
        .map(|v| (v.row.weight, v.row.percent))
        .collect();
    let mut tasks: Vec<i64> = views.iter().map(|v| v.row.task_id).collect();
    tasks.sort_unstable();
    tasks.dedup();
    Overview {
        year,
        tasks: tasks.len(),
        targets: views.len(),
        by_state,
        percent: roll_up(&parts),
        warnings,
        task_forces,
        units,
    }
}
