//! Target management and assessment (目标管理与考核) of the pilot: its organisation
//! (`organisation`), the plan of tasks and targets with their checks (`plan`), targets broken into
//! reverse-scheduled milestones and their progress (`target`), and the year's assessment
//! scheme as data with the sheets and rankings it gives (`scheme`).

use crate::DomainError;

pub mod checklist;
pub mod gaming;
pub mod inspection;
pub mod meeting;
pub mod monthly;
pub mod organisation;
pub mod plan;
pub mod project;
pub mod review;
pub mod scheme;
pub mod sheet;
pub mod site;
pub mod target;

pub use organisation::{GroupKind, Organisation, GROUP_KINDS};
pub use plan::{Part, TargetState, TARGET_STATES};
pub use scheme::{
    row_field, rows_of, tree_of, Adjustment, FlatItem, Item, Rule, Scheme, UnitGroup, UNIT_GROUPS,
};
pub use sheet::{rank, score, Line, Measured, Sheet, UnitFigures};
pub use target::{
    back_from, completion, milestone_state, reverse_schedule, roll_up, MilestoneState, Share,
    MILESTONE_STATES,
};

crate::vocabulary!(
    /// What an assessment rule reads: figures the system computes from its record for a unit
    /// and a period, and those a reviewer enters with evidence until the system holds them.
    Figure, FIGURES {
        OnTimeRate = ("on_time_rate", "按期办结率"),
        SatisfactionRate = ("satisfaction_rate", "群众满意率"),
        MediationSuccessRate = ("mediation_success_rate", "调解成功率"),
        OverdueEvents = ("overdue_events", "超期未办结事件"),
        OverdueVisits = ("overdue_visits", "重点人员走访逾期"),
        OverdueReviews = ("overdue_reviews", "风险复核逾期"),
        TargetCompletion = ("target_completion", "目标任务完成率"),
        LateMilestones = ("late_milestones", "逾期节点"),
        SecuritySense = ("security_sense", "群众安全感"),
        MajorIncidents = ("major_incidents", "重大案事件"),
        Innovations = ("innovations", "创新项目"),
        RankChange = ("rank_change", "名次变化"),
    }
);

impl Figure {
    /// Computed from the record; the others are entered by a reviewer with evidence.
    pub fn automatic(self) -> bool {
        !matches!(
            self,
            Figure::SecuritySense
                | Figure::MajorIncidents
                | Figure::Innovations
                | Figure::RankChange
        )
    }
}

/// A refusal of the field at fault, in English and Chinese.
pub(crate) fn bad(field: &str, en: impl Into<String>, zh: impl Into<String>) -> DomainError {
    DomainError::invalid(field, en).zh(zh)
}

/// A line of text trimmed, 1 to `max` characters (`what_zh` names it in the refusal).
pub(crate) fn text(
    field: &str,
    value: &str,
    max: usize,
    what_zh: &str,
) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(bad(
            field,
            format!("1 to {max} characters"),
            format!("{what_zh}为 1 至 {max} 个字"),
        ));
    }
    Ok(v.to_string())
}

/// A code trimmed: 1 to 16 letters, digits or hyphens (groups, tasks).
pub(crate) fn code(field: &str, raw: &str) -> Result<String, DomainError> {
    let code = raw.trim();
    let well_formed = (1..=16).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !well_formed {
        return Err(bad(
            field,
            "1 to 16 letters, digits or hyphens",
            "编号为 1 至 16 个字母、数字或连字符",
        ));
    }
    Ok(code.to_string())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod plan_tests;
