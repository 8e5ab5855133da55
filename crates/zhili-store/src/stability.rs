//! Stability-risk assessments' rows: created, listed in scope, each step written at the
//! version read with its action.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::chain::NewAction;

const COLUMNS: &str = "s.id, s.title, s.description, s.area_code, s.decision_unit, s.track, \
     s.status, s.evidence, s.risks, s.level, s.conclusion_reason, s.signed_by, s.signed_at, \
     s.verdict, s.follow_ups, s.registered_by, s.registered_at, s.version, s.updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StabilityRecord> {
    Ok(StabilityRecord {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        area_code: r.try_get("area_code")?,
        decision_unit: r.try_get("decision_unit")?,
        track: r.try_get("track")?,
        status: r.try_get("status")?,
        evidence: r.try_get("evidence")?,
        risks: r.try_get("risks")?,
        level: r.try_get("level")?,
        conclusion_reason: r.try_get("conclusion_reason")?,
        signed_by: r.try_get("signed_by")?,
        signed_at: r.try_get("signed_at")?,
        verdict: r.try_get("verdict")?,
        follow_ups: r.try_get("follow_ups")?,
        registered_by: r.try_get("registered_by")?,
        registered_at: r.try_get("registered_at")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub(crate) async fn create(
    store: &SqlStore,
    a: &StabilityRecord,
    action: NewAction,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = next_id(&mut tx, "stability_assessments").await?;
    insert_rows(
        &mut tx,
        "stability_assessments",
        &[
            "id",
            "title",
            "description",
            "area_code",
            "decision_unit",
            "track",
            "status",
            "evidence",
            "risks",
            "follow_ups",
            "registered_by",
            "registered_at",
            "version",
            "updated_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Text(a.title.clone()),
            Arg::Text(a.description.clone()),
            Arg::Text(a.area_code.clone()),
            Arg::Text(a.decision_unit.clone()),
            Arg::Text(a.track.clone()),
            Arg::Text(a.status.clone()),
            Arg::Text(a.evidence.clone()),
            Arg::Text(a.risks.clone()),
            Arg::Text(a.follow_ups.clone()),
            Arg::Text(a.registered_by.clone()),
            Arg::Int(a.registered_at),
            Arg::Int(1),
            Arg::Int(a.updated_at),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "stability_assessments").await?;
    let mut action = action;
    action.subject = format!("stability:{id}");
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

/// A department reads the decisions it takes; everyone else those of their area.
pub(crate) async fn list(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    id: Option<i64>,
    limit: i64,
) -> Result<Vec<StabilityRecord>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM stability_assessments s WHERE 1 = 1"
    ));
    match &scope.department {
        Some(d) => {
            q.push(" AND s.decision_unit = ").bind_text(d.clone());
        }
        None => {
            crate::sql::scope_filter(&mut q, "s.area_code", scope);
        }
    };
    if let Some(id) = id {
        q.push(" AND s.id = ").bind(Arg::Int(id));
    }
    q.push(" ORDER BY s.id DESC LIMIT ").bind(Arg::Int(limit));
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn update(store: &SqlStore, a: &StabilityRecord, action: NewAction) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE stability_assessments SET status = ");
    q.bind_text(a.status.clone());
    q.push(", evidence = ").bind_text(a.evidence.clone());
    q.push(", risks = ").bind_text(a.risks.clone());
    q.push(", level = ").bind(a.level.clone().into());
    q.push(", conclusion_reason = ")
        .bind(a.conclusion_reason.clone().into());
    q.push(", signed_by = ").bind(a.signed_by.clone().into());
    q.push(", signed_at = ").bind(a.signed_at.into());
    q.push(", verdict = ").bind(a.verdict.clone().into());
    q.push(", follow_ups = ").bind_text(a.follow_ups.clone());
    q.push(", updated_at = ").bind(Arg::Int(a.updated_at));
    q.push(", version = version + 1 WHERE id = ")
        .bind(Arg::Int(a.id));
    q.push(" AND version = ").bind(Arg::Int(a.version));
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the assessment changed since it was read; read it again",
        ));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
