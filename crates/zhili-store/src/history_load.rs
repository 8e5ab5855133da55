//! A long history loaded in bulk: the demo's year of up to ten million cases.
//!
//! On SQLite the chunks are written through SQLite's own API (rusqlite, on the same library sqlx
//! links) on a blocking thread, one prepared insert per table, with the loaded tables'
//! secondary indexes dropped for the load and built once at its end: through sqlx every value
//! was copied three times and every statement handed between threads (a third of a 200,000-case
//! build was malloc), and every row went into a dozen indexes in turn (the rest of it). The
//! rows, the chain's seals and the totals are the ones `insert_history` writes.
//!
//! The dropped indexes are named in `meta` in the transaction that drops them and built again
//! in the one that clears the name, so a load cut short (kill, full disk) leaves them to be
//! built when the database is next opened, never a database without them.
//!
//! On PostgreSQL each chunk goes through `load_history` as before.

use crate::counts::{CountChanges, COUNT_COLUMNS, COUNT_CONFLICT};
use crate::history::{
    days_of, history_rows, EVENT_INSERT_COLUMNS, PHOTO_COLUMNS, STEP_COLUMNS, UNIT_COLUMNS,
};
use crate::sql::{sealed_rows, Arg, ACTION_INSERT_COLUMNS};
use crate::{Backend, HistoryItem, Result, SqlStore, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// The tables a history writes, whose own indexes wait for the load's end.
const LOADED_TABLES: [&str; 5] = [
    "events",
    "event_units",
    "event_attachments",
    "event_steps",
    "actions",
];

/// The `meta` key naming the indexes a load dropped (a JSON list of their statements).
const DROPPED: &str = "history_load_dropped_indexes";

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("the history load failed: {e}"))
}

/// A history being loaded; `finish` builds what the load left for its end.
pub struct HistoryLoad<'a> {
    store: &'a SqlStore,
    /// SQLite's own connection, between chunks; none on PostgreSQL.
    conn: Option<Connection>,
}

impl SqlStore {
    /// Starts a bulk load of past cases. Meant for a database no one else is writing to (the
    /// demo's build): while it lasts the loaded tables' lookups go without their indexes.
    pub async fn begin_history_load(&self) -> Result<HistoryLoad<'_>> {
        let conn = match self.backend {
            Backend::Postgres => None,
            Backend::Sqlite => {
                let file = self.sqlite_file()?;
                let _turn = self.writer_turn.clone().lock_owned().await;
                Some(blocking(move || open_for_load(&file)).await?)
            }
        };
        Ok(HistoryLoad { store: self, conn })
    }

    fn sqlite_file(&self) -> Result<std::path::PathBuf> {
        let path = self.url.split('?').next().unwrap_or(&self.url);
        Ok(path
            .parse::<sqlx::sqlite::SqliteConnectOptions>()?
            .get_filename()
            .to_path_buf())
    }

    /// Builds the indexes a history load dropped and did not live to build (SQLite).
    pub(crate) async fn rebuild_dropped_indexes(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        if crate::sql::meta_in(&mut conn, DROPPED).await?.is_none() {
            return Ok(());
        }
        drop(conn);
        let file = self.sqlite_file()?;
        let _turn = self.writer_turn.clone().lock_owned().await;
        blocking(move || {
            let conn = open(&file)?;
            rebuild(&conn)
        })
        .await
    }
}

impl HistoryLoad<'_> {
    /// Writes one chunk of cases in one transaction, with their record and totals.
    pub async fn load(&mut self, items: Vec<HistoryItem>) -> Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return crate::history::load_history(self.store, &items).await;
        };
        let _turn = self.store.writer_turn.clone().lock_owned().await;
        let (conn, written) = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let written = write_chunk(&mut conn, &items);
            tracing::debug!(
                cases = items.len(),
                ms = started.elapsed().as_millis() as u64,
                "history chunk written"
            );
            (conn, written)
        })
        .await
        .map_err(failed)?;
        self.conn = Some(conn);
        written
    }

    /// Builds the indexes the load dropped.
    pub async fn finish(mut self) -> Result<()> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        let _turn = self.store.writer_turn.clone().lock_owned().await;
        let started = std::time::Instant::now();
        blocking(move || rebuild(&conn)).await?;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            "the history's indexes built"
        );
        Ok(())
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(failed)?
}

fn open(file: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(file).map_err(failed)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(failed)?;
    // Sorting for the index builds in memory and on a second thread; synced at each checkpoint
    // (WAL): a machine that fails mid-build loses the last chunks, never the file.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; PRAGMA threads = 2; \
         PRAGMA wal_autocheckpoint = 0;",
    )
    .map_err(failed)?;
    Ok(conn)
}

/// Opens the database for the load and drops the loaded tables' own indexes, naming them.
fn open_for_load(file: &std::path::Path) -> Result<Connection> {
    let mut conn = open(file)?;
    // What an earlier load left unbuilt is built first: it would be named twice otherwise.
    rebuild(&conn)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    let indexes: Vec<(String, String)> = {
        let list = LOADED_TABLES.map(|t| format!("'{t}'")).join(", ");
        let mut st = tx
            .prepare(&format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ({list}) ORDER BY name"
            ))
            .map_err(failed)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(failed)?;
        rows.collect::<rusqlite::Result<_>>().map_err(failed)?
    };
    let statements: Vec<&str> = indexes.iter().map(|(_, sql)| sql.as_str()).collect();
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        (DROPPED, serde_json::to_string(&statements).map_err(failed)?),
    )
    .map_err(failed)?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))
            .map_err(failed)?;
    }
    tx.commit().map_err(failed)?;
    Ok(conn)
}

/// Builds the indexes named as dropped and clears their name, in one transaction.
fn rebuild(conn: &Connection) -> Result<()> {
    let tx = conn.unchecked_transaction().map_err(failed)?;
    let named: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [DROPPED], |r| {
            r.get(0)
        })
        .optional()
        .map_err(failed)?;
    let Some(named) = named else {
        return Ok(());
    };
    let statements: Vec<String> = serde_json::from_str(&named).map_err(failed)?;
    for statement in &statements {
        tx.execute_batch(statement).map_err(failed)?;
    }
    tx.execute("DELETE FROM meta WHERE key = ?1", [DROPPED])
        .map_err(failed)?;
    tx.commit().map_err(failed)
}

/// One chunk: its cases, their steps and units, the record sealed onto the chain, the case
/// counters and the totals, in one transaction.
fn write_chunk(conn: &mut Connection, items: &[HistoryItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    let first_id: i64 = tx
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
            r.get(0)
        })
        .map_err(failed)?;
    let mut counters = std::collections::HashMap::new();
    {
        let mut st = tx
            .prepare_cached("SELECT n FROM case_counters WHERE day = ?1")
            .map_err(failed)?;
        for day in days_of(items) {
            let n: Option<i64> = st
                .query_row([&day], |r| r.get(0))
                .optional()
                .map_err(failed)?;
            counters.insert(day, n.unwrap_or(0));
        }
    }
    let mut counts = CountChanges::default();
    let rows = history_rows(items, first_id, counters, &mut counts)?;
    insert(&tx, "events", &EVENT_INSERT_COLUMNS, rows.events, "")?;
    insert(&tx, "event_units", &UNIT_COLUMNS, rows.units, "")?;
    insert(&tx, "event_attachments", &PHOTO_COLUMNS, rows.photos, "")?;
    insert(&tx, "event_steps", &STEP_COLUMNS, rows.steps, "")?;
    let (seq, hash): (i64, String) = tx
        .query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(failed)?;
    let last = seq + rows.actions.len() as i64;
    let (records, head) = sealed_rows(rows.actions, last, hash);
    insert(&tx, "actions", &ACTION_INSERT_COLUMNS, records, "")?;
    tx.execute(
        "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1",
        (last, head),
    )
    .map_err(failed)?;
    let counters = rows
        .counters
        .into_iter()
        .map(|(day, n)| vec![Arg::Text(day), Arg::Int(n)])
        .collect();
    insert(
        &tx,
        "case_counters",
        &["day", "n"],
        counters,
        " ON CONFLICT (day) DO UPDATE SET n = excluded.n",
    )?;
    let links = items
        .iter()
        .zip(&rows.written)
        .flat_map(|(item, (id, _))| {
            item.event.links.iter().map(move |(target, target_id)| {
                vec![
                    Arg::Text("event".into()),
                    Arg::Int(*id),
                    Arg::Text(target.as_str().into()),
                    Arg::Int(*target_id),
                ]
            })
        })
        .collect();
    insert(
        &tx,
        "links",
        &["source", "source_id", "target", "target_id"],
        links,
        " ON CONFLICT DO NOTHING",
    )?;
    insert(
        &tx,
        "event_counts",
        &COUNT_COLUMNS,
        counts.rows(),
        COUNT_CONFLICT,
    )?;
    tx.commit().map_err(failed)
}

/// Inserts `rows` into `table` by one prepared single-row statement, `tail` after its values.
fn insert(
    tx: &rusqlite::Transaction,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    tail: &str,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let marks = vec!["?"; columns.len()].join(", ");
    let mut st = tx
        .prepare_cached(&format!(
            "INSERT INTO {table} ({}) VALUES ({marks}){tail}",
            columns.join(", ")
        ))
        .map_err(failed)?;
    for row in rows {
        for (i, arg) in row.iter().enumerate() {
            let bound = match arg {
                Arg::Text(t) => st.raw_bind_parameter(i + 1, t.as_str()),
                Arg::Int(n) => st.raw_bind_parameter(i + 1, n),
                Arg::Float(f) => st.raw_bind_parameter(i + 1, f),
                Arg::NullText | Arg::NullInt | Arg::NullFloat => {
                    st.raw_bind_parameter(i + 1, rusqlite::types::Null)
                }
            };
            bound.map_err(failed)?;
        }
        st.raw_execute().map_err(failed)?;
    }
    Ok(())
}
