use crate::*;
use async_trait::async_trait;
use zhili_domain::chain::{Actor, NewAction};

/// A key task as kept.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRow {
    pub id: i64,
    pub year: i64,
    pub code: String,
    pub title: String,
    pub task_force: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A milestone as kept (`seq` its place in day order).
#[derive(Clone, Debug, PartialEq)]
pub struct MilestoneRow {
    pub seq: i64,
    pub title: String,
    pub due_day: i64,
    pub weight: f64,
    pub done_on: Option<i64>,
}

/// A target as kept, with its task's code and task force, its partners and milestones.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetRow {
    pub id: i64,
    pub task_id: i64,
    pub task_code: String,
    pub task_title: String,
    pub task_force: String,
    pub year: i64,
    pub title: String,
    pub lead_unit: String,
    pub partners: Vec<String>,
    pub weight: f64,
    pub due_day: i64,
    pub percent: f64,
    pub version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub milestones: Vec<MilestoneRow>,
}

/// A progress report as kept (photos and links as their JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressRow {
    pub id: i64,
    pub target_id: i64,
    pub unit_id: String,
    pub percent: Option<f64>,
    /// The milestones (seq) it reported done.
    pub milestones_done: Vec<i64>,
    pub note: String,
    pub photos: String,
    pub links: String,
    pub reported_by: String,
    pub reported_at: i64,
}

/// An inspection as kept; `task_id` the task its rectifications are targets of.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectionRow {
    pub id: i64,
    pub year: i64,
    pub quarter: i64,
    pub title: String,
    pub held_on: i64,
    pub inspectors: String,
    pub summary: String,
    pub task_id: i64,
    pub recorded_by: String,
    pub recorded_at: i64,
    /// `inspection`, or `meeting` (a work meeting: `inspectors` its attendees, `summary` its
    /// minutes, the rectifications its decisions).
    pub kind: String,
    pub chair: String,
    pub chair_username: Option<String>,
}

/// A unit's monthly report as kept: its sections, the figures it was drafted from (JSON), its
/// state at a version, and who saved, submitted or returned it.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyRow {
    pub unit_id: String,
    pub year: i64,
    pub month: i64,
    pub state: String,
    pub done: String,
    pub problems: String,
    pub next_steps: String,
    pub figures: String,
    pub version: i64,
    pub saved_by: String,
    pub saved_by_name: String,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub returned_reason: Option<String>,
    pub returned_by_name: Option<String>,
    pub returned_at: Option<i64>,
}

/// A checklist requirement as the district answers it: the claim and the verdict, each with
/// its note and who, at a version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChecklistRow {
    pub code: String,
    pub claim: Option<String>,
    pub claim_note: Option<String>,
    pub photos: String,
    pub claimed_by_name: Option<String>,
    pub claimed_at: Option<i64>,
    pub verdict: Option<String>,
    pub verdict_note: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<i64>,
    pub version: i64,
}

/// A demonstration site as kept: its plan, where it stands, the host's application (note,
/// photos as JSON) and the office's decision, at a version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub programme: String,
    pub host_unit: String,
    pub region: Option<String>,
    pub due_day: i64,
    pub description: String,
    pub status: String,
    pub application_note: Option<String>,
    pub photos: String,
    pub applied_by_name: Option<String>,
    pub applied_at: Option<i64>,
    pub decision_note: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

/// A project of the ledger as kept: milestones and reports as JSON, at a version.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectRow {
    pub code: String,
    pub title: String,
    pub kind: String,
    pub programme: String,
    pub lead_unit: String,
    pub budget_yuan: i64,
    pub starts_on: i64,
    pub ends_on: i64,
    pub status: String,
    pub spent_yuan: i64,
    pub milestones: String,
    pub reports: String,
    pub created_at: i64,
    pub version: i64,
}

/// Which targets a read covers: all of them (the pilot office, leaders, the district), or a
/// unit's own (those it leads or partners).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetScope {
    All,
    Unit(String),
}

#[async_trait]
pub trait PilotStore: Send + Sync {
    /// The organisation in force: its version and JSON.
    async fn pilot_organisation(&self) -> Result<Option<(i64, String)>>;

    /// A new version of the organisation, with its action; its number.
    async fn put_pilot_organisation(&self, actor: &Actor, json: &str, now: i64) -> Result<i64>;

    /// A task added with its action; its id (a year's code twice is a conflict).
    async fn add_pilot_task(&self, task: &TaskRow, action: NewAction) -> Result<i64>;

    /// A year's tasks in code order.
    async fn pilot_tasks(&self, year: i64) -> Result<Vec<TaskRow>>;

    /// One task, whatever its year.
    async fn pilot_task(&self, id: i64) -> Result<Option<TaskRow>>;

    /// A target added under its task with its milestones and units, with its action; its id.
    async fn add_pilot_target(&self, target: &TargetRow, action: NewAction) -> Result<i64>;

    /// A year's targets in scope, by task code and id, with their milestones.
    async fn pilot_targets(&self, scope: &TargetScope, year: i64) -> Result<Vec<TargetRow>>;

    /// One target in scope.
    async fn pilot_target(&self, scope: &TargetScope, id: i64) -> Result<Option<TargetRow>>;

    /// A progress report kept, the target's percentage and milestones moved (when the lead
    /// reports) only if the target is still at `version` (else a conflict); the report's id.
    async fn report_pilot_progress(
        &self,
        report: &ProgressRow,
        version: i64,
        action: NewAction,
    ) -> Result<i64>;

    /// A target's progress reports, newest first.
    async fn pilot_progress(&self, target_id: i64) -> Result<Vec<ProgressRow>>;

    /// The targets whose progress reports hold the photo as evidence.
    async fn pilot_photo_targets(&self, sha256: &str) -> Result<Vec<i64>>;

    /// Every checklist entry kept, by code.
    async fn checklist_entries(&self) -> Result<Vec<ChecklistRow>>;

    /// A checklist entry written over the version read (0: none kept yet) with its action.
    async fn put_checklist_entry(
        &self,
        entry: &ChecklistRow,
        read: i64,
        action: NewAction,
    ) -> Result<()>;

    /// Demonstration sites in code order: all, or those a unit hosts; `code`: that one only.
    async fn pilot_sites(&self, scope: &TargetScope, code: Option<&str>) -> Result<Vec<SiteRow>>;

    /// Whether a photo is evidence on a site or project report the scope reads.
    async fn pilot_ledger_holds_photo(&self, scope: &TargetScope, id: &str) -> Result<bool>;

    /// A site written over the version read (0: a new one) with its action.
    async fn put_pilot_site(&self, site: &SiteRow, read: i64, action: NewAction) -> Result<()>;

    /// The ledger's projects in code order: all, or those a unit leads; `code`: that one only.
    async fn pilot_projects(
        &self,
        scope: &TargetScope,
        code: Option<&str>,
    ) -> Result<Vec<ProjectRow>>;

    /// A project written over the version read (0: a new one) with its action.
    async fn put_pilot_project(
        &self,
        project: &ProjectRow,
        read: i64,
        action: NewAction,
    ) -> Result<()>;

    /// A unit's report on a month, if one is kept.
    async fn pilot_monthly_report(
        &self,
        unit: &str,
        year: i64,
        month: i64,
    ) -> Result<Option<MonthlyRow>>;

    /// Every unit's report kept on a month.
    async fn pilot_monthly_reports(&self, year: i64, month: i64) -> Result<Vec<MonthlyRow>>;

    /// A report written over the version read (0: none kept yet) with its action; a conflict
    /// when it changed meanwhile.
    async fn put_pilot_monthly_report(
        &self,
        row: &MonthlyRow,
        read: i64,
        action: NewAction,
    ) -> Result<()>;

    /// An inspection recorded with its task and rectifications (targets), with its action, in
    /// one transaction; its id.
    async fn add_pilot_inspection(
        &self,
        inspection: &InspectionRow,
        task: &TaskRow,
        rectifications: &[TargetRow],
        action: NewAction,
    ) -> Result<i64>;

    /// A year's inspections, the latest first.
    async fn pilot_inspections(&self, year: i64) -> Result<Vec<InspectionRow>>;
}

#[async_trait]
impl PilotStore for SqlStore {
    async fn pilot_organisation(&self) -> Result<Option<(i64, String)>> {
        crate::versions::latest(self, "pilot_organisations", "organisation").await
    }

    async fn put_pilot_organisation(&self, actor: &Actor, json: &str, now: i64) -> Result<i64> {
        crate::versions::put_version(
            self,
            actor,
            "pilot_organisations",
            "organisation",
            json,
            "pilot.organisation",
            now,
        )
        .await
    }

    async fn add_pilot_task(&self, task: &TaskRow, action: NewAction) -> Result<i64> {
        crate::pilot::add_task(self, task, action).await
    }

    async fn pilot_tasks(&self, year: i64) -> Result<Vec<TaskRow>> {
        crate::pilot::tasks(self, year).await
    }

    async fn pilot_task(&self, id: i64) -> Result<Option<TaskRow>> {
        crate::pilot::task(self, id).await
    }

    async fn add_pilot_target(&self, target: &TargetRow, action: NewAction) -> Result<i64> {
        crate::pilot::add_target(self, target, action).await
    }

    async fn pilot_targets(&self, scope: &TargetScope, year: i64) -> Result<Vec<TargetRow>> {
        crate::pilot::targets(self, scope, Some(year), None).await
    }

    async fn pilot_target(&self, scope: &TargetScope, id: i64) -> Result<Option<TargetRow>> {
        Ok(crate::pilot::targets(self, scope, None, Some(id))
            .await?
            .into_iter()
            .next())
    }

    async fn report_pilot_progress(
        &self,
        report: &ProgressRow,
        version: i64,
        action: NewAction,
    ) -> Result<i64> {
        crate::pilot::report(self, report, version, action).await
    }

    async fn pilot_progress(&self, target_id: i64) -> Result<Vec<ProgressRow>> {
        crate::pilot::progress(self, target_id).await
    }

    async fn pilot_photo_targets(&self, sha256: &str) -> Result<Vec<i64>> {
        crate::pilot::photo_targets(self, sha256).await
    }

    async fn checklist_entries(&self) -> Result<Vec<ChecklistRow>> {
        crate::pilot_checklist::entries(self).await
    }

    async fn put_checklist_entry(
        &self,
        entry: &ChecklistRow,
        read: i64,
        action: NewAction,
    ) -> Result<()> {
        crate::pilot_checklist::put(self, entry, read, action).await
    }

    async fn pilot_sites(&self, scope: &TargetScope, code: Option<&str>) -> Result<Vec<SiteRow>> {
        crate::pilot_ledger::sites(self, scope, code).await
    }

    async fn pilot_ledger_holds_photo(&self, scope: &TargetScope, id: &str) -> Result<bool> {
        crate::pilot_ledger::holds_photo(self, scope, id).await
    }

    async fn put_pilot_site(&self, site: &SiteRow, read: i64, action: NewAction) -> Result<()> {
        crate::pilot_ledger::put_site(self, site, read, action).await
    }

    async fn pilot_projects(
        &self,
        scope: &TargetScope,
        code: Option<&str>,
    ) -> Result<Vec<ProjectRow>> {
        crate::pilot_ledger::projects(self, scope, code).await
    }

    async fn put_pilot_project(
        &self,
        project: &ProjectRow,
        read: i64,
        action: NewAction,
    ) -> Result<()> {
        crate::pilot_ledger::put_project(self, project, read, action).await
    }

    async fn pilot_monthly_report(
        &self,
        unit: &str,
        year: i64,
        month: i64,
    ) -> Result<Option<MonthlyRow>> {
        crate::pilot_monthly::one(self, unit, year, month).await
    }

    async fn pilot_monthly_reports(&self, year: i64, month: i64) -> Result<Vec<MonthlyRow>> {
        crate::pilot_monthly::of_month(self, year, month).await
    }

    async fn put_pilot_monthly_report(
        &self,
        row: &MonthlyRow,
        read: i64,
        action: NewAction,
    ) -> Result<()> {
        crate::pilot_monthly::put(self, row, read, action).await
    }

    async fn add_pilot_inspection(
        &self,
        inspection: &InspectionRow,
        task: &TaskRow,
        rectifications: &[TargetRow],
        action: NewAction,
    ) -> Result<i64> {
        crate::pilot::add_inspection(self, inspection, task, rectifications, action).await
    }

    async fn pilot_inspections(&self, year: i64) -> Result<Vec<InspectionRow>> {
        crate::pilot::inspections(self, year).await
    }
}
