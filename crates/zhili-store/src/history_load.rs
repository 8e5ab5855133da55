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
use std::collections::HashMap;

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
///
/// On SQLite a chunk's rows are built and its record sealed on one thread while the chunk
/// before is written on another (the writer, alone, spent a third of its time on them): the
/// ids, the chain's head and the case counters are carried from chunk to chunk, and each
/// write checks that the database still stands where its rows were built from.
pub struct HistoryLoad<'a> {
    store: &'a SqlStore,
    /// Where the next chunk starts; none on PostgreSQL.
    next: Option<Start>,
    /// SQLite's own connection, between chunks.
    conn: Option<Connection>,
    /// The chunk being written, answering the connection back.
    writing: Option<tokio::task::JoinHandle<(Connection, Result<()>)>>,
}

/// What a chunk's rows are built from: the next event id, the chain's head, the case counters.
struct Start {
    id: i64,
    seq: i64,
    hash: String,
    counters: HashMap<String, i64>,
}

/// One table's rows: its name, columns, rows and what follows their values (`ON CONFLICT …`).
type TableRows = (
    &'static str,
    &'static [&'static str],
    Vec<Vec<Arg>>,
    &'static str,
);

/// A chunk's rows, built and sealed, with where they must be written.
struct Built {
    from: (i64, i64, String),
    tables: Vec<TableRows>,
    head: (i64, String),
    cases: usize,
}

impl SqlStore {
    /// Starts a bulk load of past cases. Meant for a database no one else is using (the demo's
    /// build): while it lasts the loaded tables' lookups go without their indexes, and live
    /// intake fails (its near-duplicate check names its index). A write by anyone else
    /// between two chunks makes the next chunk refuse to write (`conflict`).
    pub async fn begin_history_load(&self) -> Result<HistoryLoad<'_>> {
        let (conn, next) = match self.backend {
            Backend::Postgres => (None, None),
            Backend::Sqlite => {
                let file = self.sqlite_file()?;
                let _turn = self.writer_turn.clone().lock_owned().await;
                let (conn, next) = blocking(move || {
                    let conn = open_for_load(&file)?;
                    let next = start_of(&conn)?;
                    Ok((conn, next))
                })
                .await?;
                (Some(conn), Some(next))
            }
        };
        Ok(HistoryLoad {
            store: self,
            next,
            conn,
            writing: None,
        })
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
            let mut conn = open(&file)?;
            rebuild(&mut conn)
        })
        .await
    }
}

impl HistoryLoad<'_> {
    /// Writes one chunk of cases in one transaction, with their record and totals. On SQLite
    /// the write goes on behind the next chunk's building; a failure is answered by the next
    /// `load` or by `finish`.
    pub async fn load(&mut self, items: Vec<HistoryItem>) -> Result<()> {
        if self.store.backend == Backend::Postgres {
            return crate::history::load_history(self.store, &items).await;
        }
        let start = self
            .next
            .take()
            .ok_or_else(|| failed("an earlier chunk failed"))?;
        let (built, next) = blocking(move || build(&items, start)).await?;
        self.next = Some(next);
        let mut conn = self.written().await?;
        // The turn is taken here, so a load dropped mid-write still keeps this process's other
        // writers waiting until the write ends.
        let turn = self.store.writer_turn.clone().lock_owned().await;
        self.writing = Some(tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let started = std::time::Instant::now();
            let cases = built.cases;
            let written = write_chunk(&mut conn, built);
            tracing::debug!(
                cases,
                ms = started.elapsed().as_millis() as u64,
                "history chunk written"
            );
            (conn, written)
        }));
        Ok(())
    }

    /// The connection, once the chunk being written is written.
    async fn written(&mut self) -> Result<Connection> {
        if let Some(writing) = self.writing.take() {
            let (conn, written) = writing.await.map_err(failed)?;
            written?;
            return Ok(conn);
        }
        self.conn
            .take()
            .ok_or_else(|| failed("an earlier chunk failed"))
    }

    /// Waits for the last chunk and builds the indexes the load dropped.
    pub async fn finish(mut self) -> Result<()> {
        if self.store.backend == Backend::Postgres {
            return Ok(());
        }
        let mut conn = self.written().await?;
        if self.next.is_none() {
            return Err(failed("an earlier chunk failed"));
        }
        let _turn = self.store.writer_turn.clone().lock_owned().await;
        let started = std::time::Instant::now();
        blocking(move || rebuild(&mut conn)).await?;
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
    rebuild(&mut conn)?;
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
fn rebuild(conn: &mut Connection) -> Result<()> {
    // Immediate: a transaction that read first could not take the write lock once another
    // writer had committed meanwhile (a load's last chunk, still being written).
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
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

/// Where the first chunk starts, as the database stands.
fn start_of(conn: &Connection) -> Result<Start> {
    let (id, seq, hash) = now_at(conn)?;
    let mut st = conn
        .prepare("SELECT day, n FROM case_counters")
        .map_err(failed)?;
    let counters = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(failed)?
        .collect::<rusqlite::Result<_>>()
        .map_err(failed)?;
    Ok(Start {
        id,
        seq,
        hash,
        counters,
    })
}

/// The next event id and the chain's head.
fn now_at(conn: &Connection) -> Result<(i64, i64, String)> {
    let id: i64 = conn
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM events", [], |r| {
            r.get(0)
        })
        .map_err(failed)?;
    let (seq, hash) = conn
        .query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(failed)?;
    Ok((id, seq, hash))
}

/// One chunk's rows: its cases, their steps and units, the record sealed onto the chain, the
/// case counters, links and totals; and where the next chunk starts.
fn build(items: &[HistoryItem], start: Start) -> Result<(Built, Start)> {
    let from = (start.id, start.seq, start.hash.clone());
    let days = days_of(items);
    let counters = days
        .iter()
        .map(|d| (d.clone(), start.counters.get(d).copied().unwrap_or(0)))
        .collect();
    let mut counts = CountChanges::default();
    let rows = history_rows(items, start.id, counters, &mut counts)?;
    let last = start.seq + rows.actions.len() as i64;
    let (records, head) = sealed_rows(rows.actions, last, start.hash);
    let mut all_counters = start.counters;
    let counter_rows = rows
        .counters
        .into_iter()
        .map(|(day, n)| {
            all_counters.insert(day.clone(), n);
            vec![Arg::Text(day), Arg::Int(n)]
        })
        .collect();
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
    let built = Built {
        from,
        tables: vec![
            ("events", &EVENT_INSERT_COLUMNS, rows.events, ""),
            ("event_units", &UNIT_COLUMNS, rows.units, ""),
            ("event_attachments", &PHOTO_COLUMNS, rows.photos, ""),
            ("event_steps", &STEP_COLUMNS, rows.steps, ""),
            ("actions", &ACTION_INSERT_COLUMNS, records, ""),
            (
                "case_counters",
                &["day", "n"],
                counter_rows,
                " ON CONFLICT (day) DO UPDATE SET n = excluded.n",
            ),
            (
                "links",
                &["source", "source_id", "target", "target_id"],
                links,
                " ON CONFLICT DO NOTHING",
            ),
            (
                "event_counts",
                &COUNT_COLUMNS,
                counts.rows(),
                COUNT_CONFLICT,
            ),
        ],
        head: (last, head.clone()),
        cases: items.len(),
    };
    let next = Start {
        id: start.id + items.len() as i64,
        seq: last,
        hash: head,
        counters: all_counters,
    };
    Ok((built, next))
}

/// Writes a chunk's rows in one transaction, if the database still stands where they were
/// built from (nothing else wrote meanwhile). The store's checkpointer keeps the log short
/// between chunks, as it does for every writer.
fn write_chunk(conn: &mut Connection, built: Built) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    if now_at(&tx)? != built.from {
        return Err(StoreError::conflict(
            "the database was written to during the history load",
        ));
    }
    for (table, columns, rows, tail) in built.tables {
        insert(&tx, table, columns, rows, tail)?;
    }
    tx.execute(
        "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1",
        built.head,
    )
    .map_err(failed)?;
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
