//! Units' monthly reports on the pilot, one per unit and month, changed at the version read.

use crate::ids::{put_versioned, Kept};
use crate::sql::Arg;
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
    let stale = StoreError::conflict(format!(
        "the report of {} for {}-{:02} changed since version {read}; read it again",
        row.unit_id, row.year, row.month
    ));
    put_versioned(
        store,
        Kept {
            table: "pilot_monthly_reports",
            keys: 3,
            columns: &[
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
        },
        vec![
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
        ],
        read,
        action,
        stale,
    )
    .await
}
