//! Statements inside a write transaction, on either kind of connection the store has: sqlx's
//! (both engines, every use case) or SQLite's own API (the event writer on SQLite).
//!
//! The event writer's batch is one body of code over `Exec`. Through sqlx every statement and
//! every row crosses from the async task to the connection's own thread and back; under mixed
//! load that hand-off, not SQLite, was most of a batch's 13 ms (2 ms to BEGIN). On SQLite the
//! batch therefore runs on a blocking thread against a `rusqlite` connection whose statements
//! stay prepared, and its futures are ready the moment they are made.

use crate::sql::{Arg, Sql};
use crate::{Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use std::future::Future;
use std::sync::Arc;

/// A connection in a write transaction.
pub(crate) trait Exec: Send {
    type Row: Cells + Send;
    /// Whether the engine is SQLite (anonymous `?` placeholders for bulk inserts).
    fn sqlite(&mut self) -> bool;
    /// Runs a statement; answers the rows it changed.
    fn run<'a>(&'a mut self, sql: &'a Sql) -> impl Future<Output = Result<u64>> + Send + 'a;
    /// Runs a statement; answers its rows.
    fn rows<'a>(
        &'a mut self,
        sql: &'a Sql,
    ) -> impl Future<Output = Result<Vec<Self::Row>>> + Send + 'a;
}

/// The first row a statement answers, if any.
pub(crate) async fn first_row<C: Exec>(conn: &mut C, sql: &Sql) -> Result<Option<C::Row>> {
    Ok(conn.rows(sql).await?.into_iter().next())
}

/// The row a statement must answer.
pub(crate) async fn one_row<C: Exec>(conn: &mut C, sql: &Sql) -> Result<C::Row> {
    first_row(conn, sql)
        .await?
        .ok_or_else(|| StoreError::Internal(format!("no row from {}", sql.text)))
}

/// A value a column can be read as, on either kind of connection.
pub(crate) trait Cell:
    rusqlite::types::FromSql + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>
{
}
impl<T: rusqlite::types::FromSql + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>> Cell for T {}

/// A row whose columns are read by name.
pub(crate) trait Cells {
    fn cell<T: Cell>(&self, column: &str) -> Result<T>;
}

impl Cells for AnyRow {
    fn cell<T: Cell>(&self, column: &str) -> Result<T> {
        Ok(self.try_get::<T, _>(column)?)
    }
}

impl Exec for AnyConnection {
    type Row = AnyRow;
    fn sqlite(&mut self) -> bool {
        self.backend_name().eq_ignore_ascii_case("sqlite")
    }
    async fn run(&mut self, sql: &Sql) -> Result<u64> {
        Ok(sql.query().execute(&mut *self).await?.rows_affected())
    }
    async fn rows(&mut self, sql: &Sql) -> Result<Vec<AnyRow>> {
        Ok(sql.query().fetch_all(&mut *self).await?)
    }
}

impl Exec for crate::sql::WriteTx {
    type Row = AnyRow;
    fn sqlite(&mut self) -> bool {
        (**self).sqlite()
    }
    fn run<'a>(&'a mut self, sql: &'a Sql) -> impl Future<Output = Result<u64>> + Send + 'a {
        (**self).run(sql)
    }
    fn rows<'a>(
        &'a mut self,
        sql: &'a Sql,
    ) -> impl Future<Output = Result<Vec<AnyRow>>> + Send + 'a {
        (**self).rows(sql)
    }
}

/// A row read through SQLite's own API, its values copied out of the statement.
pub(crate) struct LiteRow {
    columns: Arc<[String]>,
    values: Vec<rusqlite::types::Value>,
}

impl Cells for LiteRow {
    fn cell<T: Cell>(&self, column: &str) -> Result<T> {
        let i = self
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| StoreError::Internal(format!("no column {column} in the row")))?;
        T::column_result(rusqlite::types::ValueRef::from(&self.values[i]))
            .map_err(|e| StoreError::Internal(format!("column {column}: {e}")))
    }
}

/// SQLite's own connection inside a transaction the caller began.
pub(crate) struct LiteTx<'c>(pub &'c mut rusqlite::Connection);

pub(crate) fn lite_failed(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("database error: {e}"))
}

/// A read-only connection through SQLite's own API, waiting up to `wait` for a writer's lock.
pub(crate) fn open_read_only(
    file: &std::path::Path,
    wait: std::time::Duration,
) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(wait)?;
    Ok(conn)
}

impl LiteTx<'_> {
    /// The statement prepared (or taken from the connection's cache) with its arguments bound
    /// as sqlx binds them: a parameter named `$n` or `?n` takes the n-th argument, an anonymous
    /// `?` the next.
    fn bound<'s>(&'s self, sql: &Sql) -> Result<rusqlite::CachedStatement<'s>> {
        let mut stmt = self.0.prepare_cached(&sql.text).map_err(lite_failed)?;
        for j in 1..=stmt.parameter_count() {
            let n = match stmt.parameter_name(j) {
                Some(name) if name.len() > 1 => name[1..].parse::<usize>().unwrap_or(j),
                _ => j,
            };
            let arg = sql.args.get(n - 1).ok_or_else(|| {
                StoreError::Internal(format!("parameter {j} unbound in {}", sql.text))
            })?;
            let bound = match arg {
                Arg::Text(t) => stmt.raw_bind_parameter(j, t.as_str()),
                Arg::Int(i) => stmt.raw_bind_parameter(j, *i),
                Arg::Float(f) => stmt.raw_bind_parameter(j, *f),
                Arg::NullText | Arg::NullInt | Arg::NullFloat => {
                    stmt.raw_bind_parameter(j, rusqlite::types::Null)
                }
            };
            bound.map_err(lite_failed)?;
        }
        Ok(stmt)
    }

    fn run_now(&self, sql: &Sql) -> Result<u64> {
        let mut stmt = self.bound(sql)?;
        Ok(stmt.raw_execute().map_err(lite_failed)? as u64)
    }

    fn rows_now(&self, sql: &Sql) -> Result<Vec<LiteRow>> {
        let mut stmt = self.bound(sql)?;
        let columns: Arc<[String]> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(lite_failed)? {
            let values = (0..columns.len())
                .map(|i| row.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(lite_failed)?;
            out.push(LiteRow {
                columns: columns.clone(),
                values,
            });
        }
        Ok(out)
    }
}

impl Exec for LiteTx<'_> {
    type Row = LiteRow;
    fn sqlite(&mut self) -> bool {
        true
    }
    fn run<'a>(&'a mut self, sql: &'a Sql) -> impl Future<Output = Result<u64>> + Send + 'a {
        std::future::ready(self.run_now(sql))
    }
    fn rows<'a>(
        &'a mut self,
        sql: &'a Sql,
    ) -> impl Future<Output = Result<Vec<LiteRow>>> + Send + 'a {
        std::future::ready(self.rows_now(sql))
    }
}
