//! The risk register's rows: registered (with the alert it came from, in one transaction),
//! listed in scope, changed at the version read.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::chain::NewAction;

const COLUMNS: &str = "r.id, r.title, r.description, r.level, r.area_code, r.owner_unit, \
     r.measures, r.review_on, r.status, r.links, r.note, r.registered_by, r.registered_at, \
     r.version, r.updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<RiskRecord> {
    Ok(RiskRecord {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        level: r.try_get("level")?,
        area_code: r.try_get("area_code")?,
        owner_unit: r.try_get("owner_unit")?,
        measures: r.try_get("measures")?,
        review_on: r.try_get("review_on")?,
        status: r.try_get("status")?,
        links: r.try_get("links")?,
        note: r.try_get("note")?,
        registered_by: r.try_get("registered_by")?,
        registered_at: r.try_get("registered_at")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A department sees the risks it owns (and, reading its sector's, those its sector's
/// departments own); everyone else those in their area.
fn risk_scope(sql: &mut Sql, scope: &zhili_domain::Scope) {
    match &scope.department {
        Some(_) => {
            sql.push(" AND r.owner_unit IN (");
            for (i, d) in scope.risk_departments().into_iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_text(d.to_string());
            }
            sql.push(")");
        }
        None => {
            crate::sql::scope_filter(sql, "r.area_code", scope);
        }
    };
}

pub(crate) async fn register_risk(
    store: &SqlStore,
    risk: &RiskRecord,
    action: NewAction,
    alert: Option<AlertRegistered>,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = next_id(&mut tx, "risk_register").await?;
    insert_rows(
        &mut tx,
        "risk_register",
        &[
            "id",
            "title",
            "description",
            "level",
            "area_code",
            "owner_unit",
            "measures",
            "review_on",
            "status",
            "links",
            "note",
            "registered_by",
            "registered_at",
            "version",
            "updated_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Text(risk.title.clone()),
            Arg::Text(risk.description.clone()),
            Arg::Text(risk.level.clone()),
            Arg::Text(risk.area_code.clone()),
            Arg::Text(risk.owner_unit.clone()),
            Arg::Text(risk.measures.clone()),
            Arg::Int(risk.review_on),
            Arg::Text(risk.status.clone()),
            Arg::Text(risk.links.clone()),
            risk.note.clone().into(),
            Arg::Text(risk.registered_by.clone()),
            Arg::Int(risk.registered_at),
            Arg::Int(1),
            Arg::Int(risk.updated_at),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "risk_register").await?;
    // The subject is the id the register gave it.
    let mut action = action;
    action.subject = format!("risk:{id}");
    let mut actions = vec![action];
    if let Some(a) = alert {
        let mut handling = a.handling;
        handling.risk_id = Some(id);
        let mut q = Sql::new("UPDATE risk_alerts SET state = ");
        q.bind_text(handling.state.as_str());
        q.push(", risk_id = ").bind(Arg::Int(id));
        q.push(", updated_at = ").bind(Arg::Int(risk.updated_at));
        q.push(", version = version + 1 WHERE id = ")
            .bind(Arg::Int(a.alert_id));
        q.push(" AND version = ").bind(Arg::Int(a.expected_version));
        q.push(" AND risk_id IS NULL");
        if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
            return Err(StoreError::conflict(
                "the alert changed since it was read; read it again",
            ));
        }
        actions.push(a.action.opinion(format!("risk:{id}")));
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn risks(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    f: &RiskFilter,
) -> Result<(i64, Vec<RiskRecord>)> {
    let mut filter = Sql::new("");
    risk_scope(&mut filter, scope);
    if !f.statuses.is_empty() {
        filter
            .push(" AND r.status IN ")
            .bind_list(f.statuses.iter().cloned().map(Arg::Text));
    }
    if let Some(day) = f.review_before {
        filter
            .push(" AND r.status <> 'closed' AND r.review_on < ")
            .bind(Arg::Int(day));
    }
    if let Some(r) = &f.region {
        filter
            .push(" AND r.area_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(u) = &f.owner_unit {
        filter.push(" AND r.owner_unit = ").bind_text(u.clone());
    }
    if let Some((from, to)) = f.registered_in {
        filter.push(" AND r.registered_at >= ").bind(Arg::Int(from));
        filter.push(" AND r.registered_at < ").bind(Arg::Int(to));
    }
    if let Some((from, to)) = f.changed_in {
        filter.push(" AND r.updated_at >= ").bind(Arg::Int(from));
        filter.push(" AND r.updated_at < ").bind(Arg::Int(to));
    }
    let count = Sql::with_filter(
        "SELECT COUNT(*) AS n FROM risk_register r WHERE 1 = 1",
        &filter,
    );
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {COLUMNS} FROM risk_register r WHERE 1 = 1"),
        &filter,
    );
    // Closed risks last; the rest by their review day, the most pressing first.
    page.push(
        " ORDER BY CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END, r.review_on, r.id DESC LIMIT ",
    )
    .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    Ok((total, rows.iter().map(from_row).collect::<Result<_>>()?))
}

pub(crate) async fn risk(
    store: &SqlStore,
    scope: &zhili_domain::Scope,
    id: i64,
) -> Result<Option<RiskRecord>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM risk_register r WHERE r.id = "
    ));
    q.bind(Arg::Int(id));
    risk_scope(&mut q, scope);
    q.query()
        .fetch_optional(&store.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub(crate) async fn update_risk(store: &SqlStore, r: &RiskRecord, action: NewAction) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE risk_register SET title = ");
    q.bind_text(r.title.clone());
    q.push(", description = ").bind_text(r.description.clone());
    q.push(", level = ").bind_text(r.level.clone());
    q.push(", owner_unit = ").bind_text(r.owner_unit.clone());
    q.push(", measures = ").bind_text(r.measures.clone());
    q.push(", review_on = ").bind(Arg::Int(r.review_on));
    q.push(", status = ").bind_text(r.status.clone());
    q.push(", links = ").bind_text(r.links.clone());
    q.push(", note = ").bind(r.note.clone().into());
    q.push(", updated_at = ").bind(Arg::Int(r.updated_at));
    q.push(", version = version + 1 WHERE id = ")
        .bind(Arg::Int(r.id));
    q.push(" AND version = ").bind(Arg::Int(r.version));
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the risk changed since it was read; read it again",
        ));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
