//! Units' monthly reports on the pilot, one per unit and month, changed at the version read.

use crate::ids::lock_chain_head;
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::NewAction;

fn row_of(r: &AnyRow) -> Result<MonthlyRow> {
    Ok(MonthlyRow {
        unit_id: r.try_get("unit_id")?,
        year: r.try_get("year")?,
        month: r.try_get("month")?,
        state: r.try_get("state")?,
        done: r.try_get("done")?,
        problems: r.try_get("problems")?,
        next_steps: r.try_get("next_steps")?,
        figures: r.try_get("figures")?,
        version: r.try_get("version")?,
        saved_by: r.try_get("saved_by")?,
        saved_by_name: r.try_get("saved_by_name")?,
        saved_at: r.try_get("saved_at")?,
        submitted_at: r.try_get("submitted_at")?,
        returned_reason: r.try_get("returned_reason")?,
        returned_by_name: r.try_get("returned_by_name")?,
        returned_at: r.try_get("returned_at")?,
    })
}

pub(crate) async fn one(
    store: &SqlStore,
    unit: &str,
    year: i64,
    month: i64,
) -> Result<Option<MonthlyRow>> {
    let row = sqlx::query(
        "SELECT * FROM pilot_monthly_reports WHERE unit_id = $1 AND year = $2 AND month = $3",
    )
    .bind(unit.to_string())
    .bind(year)
    .bind(month)
    .fetch_optional(&store.pool)
    .await?;
    row.as_ref().map(row_of).transpose()
}

pub(crate) async fn of_month(store: &SqlStore, year: i64, month: i64) -> Result<Vec<MonthlyRow>> {
    let rows = sqlx::query(
        "SELECT * FROM pilot_monthly_reports WHERE year = $1 AND month = $2 ORDER BY unit_id",
    )
    .bind(year)
    .bind(month)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(row_of).collect()
}

/// Writes `row` (its version one past `read`) with its action: inserted when `read` is 0,
/// else only over the version read — a conflict when another change came first.
pub(crate) async fn put(
    store: &SqlStore,
    row: &MonthlyRow,
    read: i64,
    action: NewAction,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let stale = || {
        StoreError::conflict(format!(
            "the report of {} for {}-{:02} changed since version {read}; read it again",
            row.unit_id, row.year, row.month
        ))
    };
    if read == 0 {
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM pilot_monthly_reports WHERE unit_id = $1 AND year = $2 AND month = $3",
        )
        .bind(row.unit_id.clone())
        .bind(row.year)
        .bind(row.month)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_some() {
            return Err(stale());
        }
        insert_rows(
            &mut tx,
            "pilot_monthly_reports",
            &[
                "unit_id",
                "year",
                "month",
                "state",
                "done",
                "problems",
                "next_steps",
                "figures",
                "version",
                "saved_by",
                "saved_by_name",
                "saved_at",
                "submitted_at",
                "returned_reason",
                "returned_by_name",
                "returned_at",
            ],
            vec![vec![
                Arg::Text(row.unit_id.clone()),
                Arg::Int(row.year),
                Arg::Int(row.month),
                Arg::Text(row.state.clone()),
                Arg::Text(row.done.clone()),
                Arg::Text(row.problems.clone()),
                Arg::Text(row.next_steps.clone()),
                Arg::Text(row.figures.clone()),
                Arg::Int(row.version),
                Arg::Text(row.saved_by.clone()),
                Arg::Text(row.saved_by_name.clone()),
                Arg::Int(row.saved_at),
                row.submitted_at.into(),
                row.returned_reason.clone().into(),
                row.returned_by_name.clone().into(),
                row.returned_at.into(),
            ]],
        )
        .await?;
    } else {
        let mut q = Sql::new("UPDATE pilot_monthly_reports SET state = ");
        q.bind_text(&row.state);
        q.push(", done = ").bind_text(&row.done);
        q.push(", problems = ").bind_text(&row.problems);
        q.push(", next_steps = ").bind_text(&row.next_steps);
        q.push(", figures = ").bind_text(&row.figures);
        q.push(", version = ").bind(Arg::Int(row.version));
        q.push(", saved_by = ").bind_text(&row.saved_by);
        q.push(", saved_by_name = ").bind_text(&row.saved_by_name);
        q.push(", saved_at = ").bind(Arg::Int(row.saved_at));
        q.push(", submitted_at = ").bind(row.submitted_at.into());
        q.push(", returned_reason = ")
            .bind(row.returned_reason.clone().into());
        q.push(", returned_by_name = ")
            .bind(row.returned_by_name.clone().into());
        q.push(", returned_at = ").bind(row.returned_at.into());
        q.push(" WHERE unit_id = ").bind_text(&row.unit_id);
        q.push(" AND year = ").bind(Arg::Int(row.year));
        q.push(" AND month = ").bind(Arg::Int(row.month));
        q.push(" AND version = ").bind(Arg::Int(read));
        if q.query().execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(stale());
        }
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
