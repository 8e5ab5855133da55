//! The pilot's tasks, targets, milestones and progress reports: each added or reported in one
//! transaction with its action; a target changed only at the version read.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::Row;
use std::collections::HashMap;
use zhili_domain::chain::NewAction;

fn task_row(r: &sqlx::any::AnyRow) -> Result<TaskRow> {
    Ok(TaskRow {
        id: r.try_get("id")?,
        year: r.try_get("year")?,
        code: r.try_get("code")?,
        title: r.try_get("title")?,
        task_force: r.try_get("task_force")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn add_task(store: &SqlStore, task: &TaskRow, action: NewAction) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = insert_task(&mut tx, store.backend, task).await?;
    let mut action = action;
    action.subject = format!("pilot_task:{id}");
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert_task(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    task: &TaskRow,
) -> Result<i64> {
    let mut q = Sql::new("SELECT COUNT(*) AS n FROM pilot_tasks WHERE year = ");
    q.bind(Arg::Int(task.year));
    q.push(" AND code = ").bind_text(task.code.clone());
    let n: i64 = q.query().fetch_one(&mut *tx).await?.try_get("n")?;
    if n > 0 {
        return Err(StoreError::conflict(format!(
            "{} already has a task {}",
            task.year, task.code
        )));
    }
    let id = next_id(tx, "pilot_tasks").await?;
    insert_rows(
        tx,
        "pilot_tasks",
        &[
            "id",
            "year",
            "code",
            "title",
            "task_force",
            "created_by",
            "created_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(task.year),
            Arg::Text(task.code.clone()),
            Arg::Text(task.title.clone()),
            Arg::Text(task.task_force.clone()),
            Arg::Text(task.created_by.clone()),
            Arg::Int(task.created_at),
        ]],
    )
    .await?;
    sync_sequence(tx, backend, "pilot_tasks").await?;
    Ok(id)
}

pub(crate) async fn tasks(store: &SqlStore, year: i64) -> Result<Vec<TaskRow>> {
    let mut q = Sql::new("SELECT * FROM pilot_tasks WHERE year = ");
    q.bind(Arg::Int(year));
    q.push(" ORDER BY code");
    q.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(task_row)
        .collect()
}

pub(crate) async fn task(store: &SqlStore, id: i64) -> Result<Option<TaskRow>> {
    let mut q = Sql::new("SELECT * FROM pilot_tasks WHERE id = ");
    q.bind(Arg::Int(id));
    q.query()
        .fetch_optional(&store.pool)
        .await?
        .map(|r| task_row(&r))
        .transpose()
}

pub(crate) async fn add_target(store: &SqlStore, t: &TargetRow, action: NewAction) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = insert_target(&mut tx, store.backend, t).await?;
    let mut action = action;
    action.subject = format!("pilot_target:{id}");
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

/// An inspection with its task and its rectifications, in one transaction; its id.
pub(crate) async fn add_inspection(
    store: &SqlStore,
    i: &InspectionRow,
    task: &TaskRow,
    rectifications: &[TargetRow],
    action: NewAction,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let task_id = insert_task(&mut tx, store.backend, task).await?;
    for r in rectifications {
        let mut r = r.clone();
        r.task_id = task_id;
        insert_target(&mut tx, store.backend, &r).await?;
    }
    let id = next_id(&mut tx, "pilot_inspections").await?;
    insert_rows(
        &mut tx,
        "pilot_inspections",
        &[
            "id",
            "year",
            "quarter",
            "title",
            "held_on",
            "inspectors",
            "summary",
            "task_id",
            "recorded_by",
            "recorded_at",
            "kind",
            "chair",
            "chair_username",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(i.year),
            Arg::Int(i.quarter),
            Arg::Text(i.title.clone()),
            Arg::Int(i.held_on),
            Arg::Text(i.inspectors.clone()),
            Arg::Text(i.summary.clone()),
            Arg::Int(task_id),
            Arg::Text(i.recorded_by.clone()),
            Arg::Int(i.recorded_at),
            Arg::Text(i.kind.clone()),
            Arg::Text(i.chair.clone()),
            i.chair_username.clone().into(),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "pilot_inspections").await?;
    let mut action = action;
    action.subject = format!("pilot_{}:{id}", i.kind);
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn inspections(store: &SqlStore, year: i64) -> Result<Vec<InspectionRow>> {
    let mut q = Sql::new("SELECT * FROM pilot_inspections WHERE year = ");
    q.bind(Arg::Int(year));
    q.push(" ORDER BY held_on DESC, id DESC");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(InspectionRow {
                id: r.try_get("id")?,
                year: r.try_get("year")?,
                quarter: r.try_get("quarter")?,
                title: r.try_get("title")?,
                held_on: r.try_get("held_on")?,
                inspectors: r.try_get("inspectors")?,
                summary: r.try_get("summary")?,
                task_id: r.try_get("task_id")?,
                recorded_by: r.try_get("recorded_by")?,
                recorded_at: r.try_get("recorded_at")?,
                kind: r.try_get("kind")?,
                chair: r.try_get("chair")?,
                chair_username: r.try_get("chair_username")?,
            })
        })
        .collect()
}

async fn insert_target(
    tx: &mut sqlx::AnyConnection,
    backend: Backend,
    t: &TargetRow,
) -> Result<i64> {
    let id = next_id(tx, "pilot_targets").await?;
    insert_rows(
        tx,
        "pilot_targets",
        &[
            "id",
            "task_id",
            "year",
            "title",
            "lead_unit",
            "weight",
            "due_day",
            "percent",
            "version",
            "created_by",
            "created_at",
            "updated_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(t.task_id),
            Arg::Int(t.year),
            Arg::Text(t.title.clone()),
            Arg::Text(t.lead_unit.clone()),
            Arg::Float(t.weight),
            Arg::Int(t.due_day),
            Arg::Float(t.percent),
            Arg::Int(1),
            Arg::Text(t.created_by.clone()),
            Arg::Int(t.created_at),
            Arg::Int(t.created_at),
        ]],
    )
    .await?;
    sync_sequence(tx, backend, "pilot_targets").await?;
    let units = std::iter::once((t.lead_unit.clone(), 1))
        .chain(t.partners.iter().map(|p| (p.clone(), 0)))
        .map(|(u, lead)| vec![Arg::Text(u), Arg::Int(id), Arg::Int(lead)])
        .collect();
    insert_rows(
        tx,
        "pilot_target_units",
        &["unit_id", "target_id", "lead"],
        units,
    )
    .await?;
    let milestones = t
        .milestones
        .iter()
        .map(|m| {
            vec![
                Arg::Int(id),
                Arg::Int(m.seq),
                Arg::Text(m.title.clone()),
                Arg::Int(m.due_day),
                Arg::Float(m.weight),
                m.done_on.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "pilot_milestones",
        &["target_id", "seq", "title", "due_day", "weight", "done_on"],
        milestones,
    )
    .await?;
    Ok(id)
}

fn scoped(q: &mut Sql, scope: &TargetScope) {
    if let TargetScope::Unit(u) = scope {
        q.push(" AND t.id IN (SELECT target_id FROM pilot_target_units WHERE unit_id = ")
            .bind_text(u.clone());
        q.push(")");
    }
}

/// Targets of a year or one target, in scope, with partners and milestones (three reads).
pub(crate) async fn targets(
    store: &SqlStore,
    scope: &TargetScope,
    year: Option<i64>,
    id: Option<i64>,
) -> Result<Vec<TargetRow>> {
    let mut filter = Sql::new("");
    if let Some(y) = year {
        filter.push(" AND t.year = ").bind(Arg::Int(y));
    }
    if let Some(id) = id {
        filter.push(" AND t.id = ").bind(Arg::Int(id));
    }
    scoped(&mut filter, scope);
    let q = Sql::with_filter(
        "SELECT t.id, t.task_id, k.code AS task_code, k.title AS task_title, k.task_force, \
         t.year, t.title, t.lead_unit, t.weight, t.due_day, t.percent, t.version, t.created_by, \
         t.created_at, t.updated_at \
         FROM pilot_targets t JOIN pilot_tasks k ON k.id = t.task_id WHERE 1 = 1",
        &filter,
    );
    let mut q = q;
    q.push(" ORDER BY k.code, t.id");
    let rows = q.query().fetch_all(&store.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(TargetRow {
            id: r.try_get("id")?,
            task_id: r.try_get("task_id")?,
            task_code: r.try_get("task_code")?,
            task_title: r.try_get("task_title")?,
            task_force: r.try_get("task_force")?,
            year: r.try_get("year")?,
            title: r.try_get("title")?,
            lead_unit: r.try_get("lead_unit")?,
            partners: Vec::new(),
            weight: r.try_get("weight")?,
            due_day: r.try_get("due_day")?,
            percent: r.try_get("percent")?,
            version: r.try_get("version")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            milestones: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    // Partners and milestones of the same targets: by the year (or the one id), filtered here.
    let (key, value) = match (year, id) {
        (_, Some(id)) => ("t.id = ", id),
        (Some(y), None) => ("t.year = ", y),
        (None, None) => ("1 = ", 1),
    };
    let mut q = Sql::new(
        "SELECT u.target_id, u.unit_id FROM pilot_target_units u \
         JOIN pilot_targets t ON t.id = u.target_id WHERE u.lead = 0 AND ",
    );
    q.push(key).bind(Arg::Int(value));
    q.push(" ORDER BY u.target_id, u.unit_id");
    for r in q.query().fetch_all(&store.pool).await? {
        let target: i64 = r.try_get("target_id")?;
        if let Some(i) = at.get(&target) {
            out[*i].partners.push(r.try_get("unit_id")?);
        }
    }
    let mut q = Sql::new(
        "SELECT m.target_id, m.seq, m.title, m.due_day, m.weight, m.done_on \
         FROM pilot_milestones m JOIN pilot_targets t ON t.id = m.target_id WHERE ",
    );
    q.push(key).bind(Arg::Int(value));
    q.push(" ORDER BY m.target_id, m.seq");
    for r in q.query().fetch_all(&store.pool).await? {
        let target: i64 = r.try_get("target_id")?;
        if let Some(i) = at.get(&target) {
            out[*i].milestones.push(MilestoneRow {
                seq: r.try_get("seq")?,
                title: r.try_get("title")?,
                due_day: r.try_get("due_day")?,
                weight: r.try_get("weight")?,
                done_on: r.try_get("done_on")?,
            });
        }
    }
    Ok(out)
}

pub(crate) async fn report(
    store: &SqlStore,
    p: &ProgressRow,
    version: i64,
    action: NewAction,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE pilot_targets SET version = version + 1, updated_at = ");
    q.bind(Arg::Int(p.reported_at));
    if let Some(pc) = p.percent {
        q.push(", percent = ").bind(Arg::Float(pc));
    }
    q.push(" WHERE id = ").bind(Arg::Int(p.target_id));
    q.push(" AND version = ").bind(Arg::Int(version));
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the target changed since it was read; read it again",
        ));
    }
    let day = zhili_domain::calendar::china_day(p.reported_at);
    for seq in &p.milestones_done {
        let mut q = Sql::new("UPDATE pilot_milestones SET done_on = ");
        q.bind(Arg::Int(day));
        q.push(" WHERE target_id = ").bind(Arg::Int(p.target_id));
        q.push(" AND seq = ").bind(Arg::Int(*seq));
        q.push(" AND done_on IS NULL");
        if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
            return Err(StoreError::conflict("the milestone is done already"));
        }
    }
    let id = next_id(&mut tx, "pilot_progress").await?;
    insert_rows(
        &mut tx,
        "pilot_progress",
        &[
            "id",
            "target_id",
            "unit_id",
            "percent",
            "milestones_done",
            "note",
            "photos",
            "links",
            "reported_by",
            "reported_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(p.target_id),
            Arg::Text(p.unit_id.clone()),
            p.percent.into(),
            Arg::Text(serde_json::to_string(&p.milestones_done).unwrap_or_else(|_| "[]".into())),
            Arg::Text(p.note.clone()),
            Arg::Text(p.photos.clone()),
            Arg::Text(p.links.clone()),
            Arg::Text(p.reported_by.clone()),
            Arg::Int(p.reported_at),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "pilot_progress").await?;
    let mut action = action;
    action.subject = format!("pilot_target:{}", p.target_id);
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn progress(store: &SqlStore, target_id: i64) -> Result<Vec<ProgressRow>> {
    let mut q = Sql::new("SELECT * FROM pilot_progress WHERE target_id = ");
    q.bind(Arg::Int(target_id));
    q.push(" ORDER BY reported_at DESC, id DESC LIMIT 500");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            let done: String = r.try_get("milestones_done")?;
            Ok(ProgressRow {
                id: r.try_get("id")?,
                target_id: r.try_get("target_id")?,
                unit_id: r.try_get("unit_id")?,
                percent: r.try_get("percent")?,
                milestones_done: serde_json::from_str(&done).unwrap_or_default(),
                note: r.try_get("note")?,
                photos: r.try_get("photos")?,
                links: r.try_get("links")?,
                reported_by: r.try_get("reported_by")?,
                reported_at: r.try_get("reported_at")?,
            })
        })
        .collect()
}

/// The targets whose progress reports hold a photo (64 hex digits: it cannot escape the
/// pattern).
pub(crate) async fn photo_targets(store: &SqlStore, sha256: &str) -> Result<Vec<i64>> {
    if !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT DISTINCT target_id FROM pilot_progress WHERE photos LIKE ");
    q.bind_text(format!("%\"{sha256}\"%"));
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter().map(|r| Ok(r.try_get("target_id")?)).collect()
}
