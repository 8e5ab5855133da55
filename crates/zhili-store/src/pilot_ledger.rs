//! Demonstration sites and the project ledger, each row kept at a version.

use crate::ids::{put_versioned, Kept};
use crate::sql::{Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::NewAction;

const SITE_COLUMNS: &[&str] = &[
    "code",
    "name",
    "level",
    "programme",
    "host_unit",
    "region",
    "due_day",
    "description",
    "status",
    "application_note",
    "photos",
    "applied_by_name",
    "applied_at",
    "decision_note",
    "decided_by_name",
    "decided_at",
    "created_at",
    "version",
];

const PROJECT_COLUMNS: &[&str] = &[
    "code",
    "title",
    "kind",
    "programme",
    "lead_unit",
    "budget_yuan",
    "starts_on",
    "ends_on",
    "status",
    "spent_yuan",
    "milestones",
    "reports",
    "created_at",
    "version",
];

fn site(r: &AnyRow) -> Result<SiteRow> {
    Ok(SiteRow {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        programme: r.try_get("programme")?,
        host_unit: r.try_get("host_unit")?,
        region: r.try_get("region")?,
        due_day: r.try_get("due_day")?,
        description: r.try_get("description")?,
        status: r.try_get("status")?,
        application_note: r.try_get("application_note")?,
        photos: r.try_get("photos")?,
        applied_by_name: r.try_get("applied_by_name")?,
        applied_at: r.try_get("applied_at")?,
        decision_note: r.try_get("decision_note")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
        version: r.try_get("version")?,
    })
}

fn project(r: &AnyRow) -> Result<ProjectRow> {
    Ok(ProjectRow {
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        kind: r.try_get("kind")?,
        programme: r.try_get("programme")?,
        lead_unit: r.try_get("lead_unit")?,
        budget_yuan: r.try_get("budget_yuan")?,
        starts_on: r.try_get("starts_on")?,
        ends_on: r.try_get("ends_on")?,
        status: r.try_get("status")?,
        spent_yuan: r.try_get("spent_yuan")?,
        milestones: r.try_get("milestones")?,
        reports: r.try_get("reports")?,
        created_at: r.try_get("created_at")?,
        version: r.try_get("version")?,
    })
}

/// Rows of `table` in code order: all, a unit's own (by `unit_column`), or the one of `code`.
async fn read<T>(
    store: &SqlStore,
    table: &str,
    unit_column: &str,
    scope: &TargetScope,
    code: Option<&str>,
    row: fn(&AnyRow) -> Result<T>,
) -> Result<Vec<T>> {
    let mut q = Sql::new(&format!("SELECT * FROM {table} WHERE 1 = 1"));
    if let TargetScope::Unit(u) = scope {
        q.push(&format!(" AND {unit_column} = "))
            .bind(Arg::Text(u.clone()));
    }
    if let Some(c) = code {
        q.push(" AND code = ").bind(Arg::Text(c.to_string()));
    }
    q.push(" ORDER BY code");
    q.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(row)
        .collect()
}

pub(crate) async fn sites(
    store: &SqlStore,
    scope: &TargetScope,
    code: Option<&str>,
) -> Result<Vec<SiteRow>> {
    read(store, "pilot_sites", "host_unit", scope, code, site).await
}

pub(crate) async fn projects(
    store: &SqlStore,
    scope: &TargetScope,
    code: Option<&str>,
) -> Result<Vec<ProjectRow>> {
    read(store, "pilot_projects", "lead_unit", scope, code, project).await
}

fn stale(what: &str, code: &str, read: i64) -> StoreError {
    if read == 0 {
        StoreError::conflict(format!("{what} {code} exists already"))
    } else {
        StoreError::conflict(format!(
            "{what} {code} changed since version {read}; read it again"
        ))
    }
}

pub(crate) async fn put_site(
    store: &SqlStore,
    s: &SiteRow,
    read: i64,
    action: NewAction,
) -> Result<()> {
    let values = vec![
        Arg::Text(s.code.clone()),
        Arg::Text(s.name.clone()),
        Arg::Text(s.level.clone()),
        Arg::Text(s.programme.clone()),
        Arg::Text(s.host_unit.clone()),
        s.region.clone().into(),
        Arg::Int(s.due_day),
        Arg::Text(s.description.clone()),
        Arg::Text(s.status.clone()),
        s.application_note.clone().into(),
        Arg::Text(s.photos.clone()),
        s.applied_by_name.clone().into(),
        s.applied_at.into(),
        s.decision_note.clone().into(),
        s.decided_by_name.clone().into(),
        s.decided_at.into(),
        Arg::Int(s.created_at),
        Arg::Int(s.version),
    ];
    let kept = Kept {
        table: "pilot_sites",
        keys: 1,
        columns: SITE_COLUMNS,
    };
    put_versioned(
        store,
        kept,
        values,
        read,
        action,
        stale("site", &s.code, read),
    )
    .await
}

pub(crate) async fn put_project(
    store: &SqlStore,
    p: &ProjectRow,
    read: i64,
    action: NewAction,
) -> Result<()> {
    let values = vec![
        Arg::Text(p.code.clone()),
        Arg::Text(p.title.clone()),
        Arg::Text(p.kind.clone()),
        Arg::Text(p.programme.clone()),
        Arg::Text(p.lead_unit.clone()),
        Arg::Int(p.budget_yuan),
        Arg::Int(p.starts_on),
        Arg::Int(p.ends_on),
        Arg::Text(p.status.clone()),
        Arg::Int(p.spent_yuan),
        Arg::Text(p.milestones.clone()),
        Arg::Text(p.reports.clone()),
        Arg::Int(p.created_at),
        Arg::Int(p.version),
    ];
    let kept = Kept {
        table: "pilot_projects",
        keys: 1,
        columns: PROJECT_COLUMNS,
    };
    put_versioned(
        store,
        kept,
        values,
        read,
        action,
        stale("project", &p.code, read),
    )
    .await
}

/// Whether a photo (its id, lower-case hex) is evidence on a site or a project report the
/// scope reads.
pub(crate) async fn holds_photo(store: &SqlStore, scope: &TargetScope, id: &str) -> Result<bool> {
    let pattern = format!("%\"{id}\"%");
    for (table, list, unit) in [
        ("pilot_sites", "photos", "host_unit"),
        ("pilot_projects", "reports", "lead_unit"),
    ] {
        let mut q = Sql::new(&format!("SELECT 1 AS held FROM {table} WHERE {list} LIKE "));
        q.bind(Arg::Text(pattern.clone()));
        if let TargetScope::Unit(u) = scope {
            q.push(&format!(" AND {unit} = "))
                .bind(Arg::Text(u.clone()));
        }
        q.push(" LIMIT 1");
        if q.query().fetch_optional(&store.pool).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}
