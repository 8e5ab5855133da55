//! Targets and their milestones: milestones are scheduled back from the target's due day on
//! the working calendar (倒排工期), warn as their day nears and turn red when it passes
//! undone; progress rolls up by weight (never a plain average), and a unit's completion counts
//! the targets it leads and, at the scheme's share, those it partners (捆绑考核).

use crate::calendar::WorkingCalendar;

crate::vocabulary!(
    /// Where a milestone stands on a day.
    MilestoneState, MILESTONE_STATES {
        Done = ("done", "按期完成"),
        DoneLate = ("done_late", "逾期完成"),
        OnTrack = ("on_track", "推进中"),
        DueSoon = ("due_soon", "临近到期"),
        Late = ("late", "已逾期"),
    }
);

/// The last working day on or before `day` (at most a year back; a calendar without working
/// days answers `day`).
fn working_on_or_before(day: i64, cal: &WorkingCalendar) -> i64 {
    (0..366)
        .map(|k| day - k)
        .find(|d| cal.is_working_day(*d))
        .unwrap_or(day)
}

/// The day `working_days` working days before `due` (`due` itself, or the last working day
/// before it, for 0).
pub fn back_from(due: i64, working_days: u32, cal: &WorkingCalendar) -> i64 {
    let mut day = working_on_or_before(due, cal);
    for _ in 0..working_days {
        day = working_on_or_before(day - 1, cal);
    }
    day
}

/// Milestone days for offsets in working days before `due` (as the plan gives them).
pub fn reverse_schedule(due: i64, offsets: &[u32], cal: &WorkingCalendar) -> Vec<i64> {
    offsets.iter().map(|o| back_from(due, *o, cal)).collect()
}

/// Working days from `from` (exclusive) to `to` (inclusive).
fn working_days_between(from: i64, to: i64, cal: &WorkingCalendar) -> i64 {
    (from + 1..=to).filter(|d| cal.is_working_day(*d)).count() as i64
}

/// A milestone due on `due`, done on `done_on` if it is, as it stands `today`: due soon when
/// at most `warn` working days are left.
pub fn milestone_state(
    due: i64,
    done_on: Option<i64>,
    today: i64,
    warn: u32,
    cal: &WorkingCalendar,
) -> MilestoneState {
    match done_on {
        Some(d) if d <= due => MilestoneState::Done,
        Some(_) => MilestoneState::DoneLate,
        None if today > due => MilestoneState::Late,
        None if working_days_between(today, due, cal) <= warn as i64 => MilestoneState::DueSoon,
        None => MilestoneState::OnTrack,
    }
}

/// Progress (0–100) of parts by their weights; nothing weighed, nothing done.
pub fn roll_up(parts: &[(f64, f64)]) -> f64 {
    let weight: f64 = parts.iter().map(|(w, _)| w.max(0.0)).sum();
    if weight <= 0.0 {
        return 0.0;
    }
    parts
        .iter()
        .map(|(w, p)| w.max(0.0) * p.clamp(0.0, 100.0))
        .sum::<f64>()
        / weight
}

/// A target as a unit's share of it: its weight, its progress (0–100), led or partnered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    pub weight: f64,
    pub percent: f64,
    pub lead: bool,
}

/// A unit's completion (0–100) of the targets it leads and partners, a partnered target
/// weighing `partner_share` of what a led one weighs (`lead_share`); None when it has none.
pub fn completion(shares: &[Share], lead_share: f64, partner_share: f64) -> Option<f64> {
    let parts: Vec<(f64, f64)> = shares
        .iter()
        .map(|s| {
            let k = if s.lead { lead_share } else { partner_share };
            (s.weight * k, s.percent)
        })
        .filter(|(w, _)| *w > 0.0)
        .collect();
    (!parts.is_empty()).then(|| roll_up(&parts))
}
