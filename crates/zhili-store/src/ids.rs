//! Ids assigned by hand (batches write many rows with known ids in one statement): the
//! chain head's lock serialises the writers, the next id follows the largest, and
//! PostgreSQL's sequence is moved past what was written.

use crate::Result;
use sqlx::AnyConnection;

/// Takes the chain head's row lock for the rest of the transaction. Every writer that
/// assigns ids by hand (`next_id`) appends to the chain too, so passing here first
/// serialises them on PostgreSQL as SQLite's write lock does.
pub(crate) async fn lock_chain_head(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE chain_head SET seq = seq WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The next id of `table` (one of the store's own tables), under `lock_chain_head`.
pub(crate) async fn next_id(conn: &mut AnyConnection, table: &'static str) -> Result<i64> {
    Ok(
        sqlx::query_scalar(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// After ids written by hand, moves PostgreSQL's sequence of `table` past them (SQLite
/// needs nothing).
pub(crate) async fn sync_sequence(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    table: &'static str,
) -> Result<()> {
    if backend == crate::Backend::Postgres {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
