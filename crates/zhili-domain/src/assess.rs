//! Target management and assessment (目标管理与考核) of the pilot: its organisation
//! (`organisation`), the plan of tasks and targets with their checks (`plan`), targets broken into
//! reverse-scheduled milestones and their progress (`target`), and the year's assessment
//! scheme as data with the sheets and rankings it gives (`scheme`).

pub mod inspection;
pub mod organisation;
pub mod plan;
pub mod scheme;
pub mod target;

pub use organisation::{GroupKind, Organisation, GROUP_KINDS};
pub use plan::{Part, TargetState, TARGET_STATES};
pub use scheme::{
    rank, row_field, rows_of, score, tree_of, Adjustment, FlatItem, Item, Line, Measured, Rule,
    Scheme, Sheet, UnitFigures, UnitGroup, UNIT_GROUPS,
};
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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod plan_tests;
