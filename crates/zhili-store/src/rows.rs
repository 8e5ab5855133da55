//! Many rows written at once: multi-row `VALUES` in chunks whose shapes stay prepared.

use crate::exec::Exec;
use crate::sql::{Arg, Sql};
use crate::Result;

/// Inserts many rows with multi-row `VALUES`, in chunks that stay under both engines'
/// parameter limits. For bulk loads inside one transaction.
///
/// SQLite gets anonymous `?` placeholders: binding a named one (`$n`) makes SQLite search
/// its list of names, which turns a statement of thousands of parameters quadratic.
pub(crate) async fn insert_rows<C: Exec>(
    conn: &mut C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    upsert_rows(conn, table, columns, rows, "").await
}

/// As `insert_rows`, each chunk followed by `on_conflict` (an `ON CONFLICT …` clause).
pub(crate) async fn upsert_rows<C: Exec>(
    conn: &mut C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    on_conflict: &str,
) -> Result<()> {
    let positional = conn.sqlite();
    let per_chunk = (30_000 / columns.len()).max(1);
    let mut left = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        // On SQLite a chunk holds 64, 16, 4 or 1 rows and its NULLs are bound, so its text is
        // one of four per table and stays prepared in the connection's cache (parsing a new
        // multi-row statement for every batch was a tenth of the event writer's time).
        let size = if positional {
            [64, 16, 4, 1]
                .into_iter()
                .find(|&n| n <= left && n <= per_chunk)
                .unwrap_or(1)
        } else {
            per_chunk
        };
        left = left.saturating_sub(size);
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(size).collect();
        let mut text = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut args = Vec::with_capacity(chunk.len() * columns.len());
        for (i, row) in chunk.into_iter().enumerate() {
            debug_assert_eq!(row.len(), columns.len());
            text.push_str(if i == 0 { "(" } else { ", (" });
            for (j, arg) in row.into_iter().enumerate() {
                if j > 0 {
                    text.push_str(", ");
                }
                // As in `Sql::bind`: on PostgreSQL a NULL is written, not bound.
                if arg.is_null() && !positional {
                    text.push_str("NULL");
                    continue;
                }
                args.push(arg);
                if positional {
                    text.push('?');
                } else {
                    text.push_str(&format!("${}", args.len()));
                }
            }
            text.push(')');
        }
        text.push_str(on_conflict);
        conn.run(&Sql { text, args }).await?;
    }
    Ok(())
}
