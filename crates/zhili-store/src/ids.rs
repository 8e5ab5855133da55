//! Ids assigned by hand (batches write many rows with known ids in one statement): the
//! chain head's lock serialises the writers, the next id follows the largest, and
//! PostgreSQL's sequence is moved past what was written.

use crate::exec::{one_row, Cells, Exec};
use crate::sql::Sql;
use crate::Result;

/// Takes the chain head's row lock for the rest of the transaction. Every writer that
/// assigns ids by hand (`next_id`) appends to the chain too, so passing here first
/// serialises them on PostgreSQL as SQLite's write lock does.
pub(crate) async fn lock_chain_head<C: Exec>(conn: &mut C) -> Result<()> {
    conn.run(&Sql::new("UPDATE chain_head SET seq = seq WHERE id = 1"))
        .await?;
    Ok(())
}

/// The next id of `table` (one of the store's own tables), under `lock_chain_head`.
pub(crate) async fn next_id<C: Exec>(conn: &mut C, table: &'static str) -> Result<i64> {
    let sql = Sql::new(&format!(
        "SELECT COALESCE(MAX(id), 0) + 1 AS next FROM {table}"
    ));
    one_row(conn, &sql).await?.cell("next")
}

/// After ids written by hand, moves PostgreSQL's sequence of `table` past them (SQLite
/// needs nothing).
pub(crate) async fn sync_sequence<C: Exec>(
    conn: &mut C,
    backend: crate::Backend,
    table: &'static str,
) -> Result<()> {
    if backend == crate::Backend::Postgres {
        conn.rows(&Sql::new(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )))
        .await?;
    }
    Ok(())
}

/// Where a row kept at a version lives: its table, its columns, the first `keys` of them naming
/// it.
pub(crate) struct Kept<'a> {
    pub table: &'static str,
    pub keys: usize,
    pub columns: &'a [&'a str],
}

/// Writes a row kept at a version (`version` one of `columns`), with its action, in one
/// transaction: inserted when `read` is 0 (none kept yet), else updated only over the version
/// read. `keys` are the leading columns naming the row. A conflict (`stale`) when a row was
/// kept meanwhile or changed since `read`.
pub(crate) async fn put_versioned(
    store: &crate::SqlStore,
    kept: Kept<'_>,
    values: Vec<crate::sql::Arg>,
    read: i64,
    action: zhili_domain::chain::NewAction,
    stale: crate::StoreError,
) -> Result<()> {
    use crate::sql::{append_actions, insert_rows, Sql};
    let Kept {
        table,
        keys,
        columns,
    } = kept;
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let matching = |q: &mut Sql, values: &[crate::sql::Arg]| {
        for (i, (c, v)) in columns.iter().zip(values).take(keys).enumerate() {
            q.push(if i == 0 { " WHERE " } else { " AND " });
            q.push(c).push(" = ").bind(v.clone());
        }
    };
    if read == 0 {
        let mut q = Sql::new(&format!("SELECT 1 AS kept FROM {table}"));
        matching(&mut q, &values);
        if q.query().fetch_optional(&mut *tx).await?.is_some() {
            return Err(stale);
        }
        insert_rows(&mut tx, table, columns, vec![values]).await?;
    } else {
        let mut q = Sql::new(&format!("UPDATE {table} SET "));
        for (i, (c, v)) in columns.iter().zip(values.iter()).enumerate().skip(keys) {
            if i > keys {
                q.push(", ");
            }
            q.push(c).push(" = ").bind(v.clone());
        }
        matching(&mut q, &values);
        q.push(" AND version = ").bind(crate::sql::Arg::Int(read));
        if q.query().execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(stale);
        }
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
