//! The re-seal's SQL: values not under the current key found by their prefix (`k<id>:`; the
//! first key's values have none, and base64 has no colon), rows walked in key order.

use crate::sql::{append_actions, Arg, Sql, SqlStore};
use crate::{ResealProgress, Resealed, Result, SealedRow, SealedTable};
use sqlx::Row;
use zhili_domain::chain::Actor;

/// `column` holds a value sealed under a key other than `current` (NULL is not).
fn stale_predicate(column: &str, current: u32) -> String {
    match current {
        0 => format!("{column} LIKE '%:%'"),
        n => format!("{column} NOT LIKE 'k{n}:%'"),
    }
}

fn any_stale(table: &SealedTable, current: u32) -> String {
    let parts: Vec<String> = table
        .columns
        .iter()
        .map(|c| stale_predicate(c.column, current))
        .collect();
    format!("({})", parts.join(" OR "))
}

/// `(a, b) > ($n, $m)` for the table's key.
fn after_key(sql: &mut Sql, table: &SealedTable, after: &[i64]) {
    sql.push(&format!(" AND ({}) > ", table.key.join(", ")));
    sql.bind_list(after.iter().map(|v| Arg::Int(*v)));
}

pub(crate) async fn stale_rows(
    store: &SqlStore,
    table: &SealedTable,
    current: u32,
    after: Option<&[i64]>,
    limit: i64,
) -> Result<Vec<SealedRow>> {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.column).collect();
    let mut sql = Sql::new(&format!(
        "SELECT {}, {} FROM {} WHERE {}",
        table.key.join(", "),
        columns.join(", "),
        table.table,
        any_stale(table, current)
    ));
    if let Some(after) = after {
        after_key(&mut sql, table, after);
    }
    sql.push(&format!(" ORDER BY {} LIMIT ", table.key.join(", ")))
        .bind(Arg::Int(limit.clamp(1, 10_000)));
    let rows = sql.query().fetch_all(&store.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut key = Vec::with_capacity(table.key.len());
        for i in 0..table.key.len() {
            key.push(r.try_get::<i64, _>(i)?);
        }
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(r.try_get::<Option<String>, _>(table.key.len() + i)?);
        }
        out.push(SealedRow { key, values });
    }
    Ok(out)
}

pub(crate) async fn count_stale(
    store: &SqlStore,
    table: &SealedTable,
    current: u32,
) -> Result<Vec<i64>> {
    let counts: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            format!(
                "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                stale_predicate(c.column, current)
            )
        })
        .collect();
    let row = sqlx::query(&format!(
        "SELECT {} FROM {}",
        counts.join(", "),
        table.table
    ))
    .fetch_one(&store.pool)
    .await?;
    (0..table.columns.len())
        .map(|i| Ok(row.try_get::<i64, _>(i)?))
        .collect()
}

pub(crate) async fn progress(
    store: &SqlStore,
    table: &SealedTable,
    current: u32,
) -> Result<ResealProgress> {
    let row = sqlx::query(
        "SELECT after_a, after_b, resealed, done_at FROM key_reseal WHERE key_id = $1 AND table_name = $2",
    )
    .bind(current as i64)
    .bind(table.table)
    .fetch_optional(&store.pool)
    .await?;
    let Some(r) = row else {
        return Ok(ResealProgress::default());
    };
    let a: Option<i64> = r.try_get("after_a")?;
    let b: Option<i64> = r.try_get("after_b")?;
    Ok(ResealProgress {
        after: a.map(|a| match b {
            Some(b) if table.key.len() == 2 => vec![a, b],
            _ => vec![a],
        }),
        resealed: r.try_get("resealed")?,
        done_at: r.try_get("done_at")?,
    })
}

pub(crate) async fn write(
    store: &SqlStore,
    table: &SealedTable,
    current: u32,
    values: &[Resealed],
    after: Option<&[i64]>,
    now: i64,
) -> Result<u64> {
    let mut tx = store.write_tx().await?;
    let mut written = 0u64;
    for v in values {
        let Some(column) = table.columns.get(v.column) else {
            continue;
        };
        let mut sql = Sql::new(&format!("UPDATE {} SET {} = ", table.table, column.column));
        sql.bind_text(v.new.clone());
        if let (Some((blind_column, _)), Some(blind)) = (column.blind, &v.blind) {
            sql.push(&format!(", {blind_column} = "))
                .bind_text(blind.clone());
        }
        sql.push(" WHERE ");
        for (i, k) in table.key.iter().enumerate() {
            sql.push(&format!("{k} = "))
                .bind(Arg::Int(v.key.get(i).copied().unwrap_or(-1)));
            sql.push(" AND ");
        }
        sql.push(&format!("{} = ", column.column))
            .bind_text(v.old.clone());
        written += sql.query().execute(&mut *tx).await?.rows_affected();
    }
    let (a, b) = match after {
        Some(k) => (k.first().copied(), k.get(1).copied()),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO key_reseal (key_id, table_name, after_a, after_b, resealed) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (key_id, table_name) DO UPDATE SET after_a = excluded.after_a, \
         after_b = excluded.after_b, resealed = key_reseal.resealed + excluded.resealed, done_at = NULL",
    )
    .bind(current as i64)
    .bind(table.table)
    .bind(a)
    .bind(b)
    .bind(written as i64)
    .execute(&mut *tx)
    .await?;
    if written > 0 {
        append_actions(
            &mut tx,
            vec![Actor::system()
                .action(now, "key.reseal", &format!("table:{}", table.table))
                .opinion(format!(
                    "{written} values sealed again under key k{current}"
                ))],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(written)
}

pub(crate) async fn finish(
    store: &SqlStore,
    table: &SealedTable,
    current: u32,
    now: i64,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    let done = sqlx::query(
        "UPDATE key_reseal SET done_at = $1 WHERE key_id = $2 AND table_name = $3 AND done_at IS NULL",
    )
    .bind(now)
    .bind(current as i64)
    .bind(table.table)
    .execute(&mut *tx)
    .await?;
    let mut finished = done.rows_affected();
    if finished == 0 {
        finished = sqlx::query(
            "INSERT INTO key_reseal (key_id, table_name, resealed, done_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (key_id, table_name) DO NOTHING",
        )
        .bind(current as i64)
        .bind(table.table)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    if finished > 0 {
        append_actions(
            &mut tx,
            vec![Actor::system()
                .action(now, "key.resealed", &format!("table:{}", table.table))
                .opinion(format!("every value under key k{current}"))],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
