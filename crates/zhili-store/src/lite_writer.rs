//! The event writer's batches on SQLite, through SQLite's own API.
//!
//! One `rusqlite` connection, opened at the first batch, writes every batch on a blocking
//! thread: BEGIN, the statements of `events::write_batch` (prepared once and kept in the
//! connection's cache), COMMIT, with no hand-off between threads per statement. It takes the
//! process's writer turn like every other write, so it never meets another writer of this
//! process inside SQLite's busy handler.

use crate::exec::{lite_failed, LiteTx};
use crate::{EventBatch, EventsWritten, Result, SqlStore, StoreError};
use rusqlite::Connection;
use std::time::Instant;

/// The connection between batches; none before the first batch, or after one that panicked.
pub(crate) type LiteWriter = std::sync::Arc<std::sync::Mutex<Option<Connection>>>;

/// Opens the writer's connection with the settings of the store's own (durable commits,
/// foreign keys checked, checkpoints left to the checkpointer).
fn open(file: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(file).map_err(lite_failed)?;
    conn.execute_batch(&crate::sql::SQLITE_SETTINGS.join(";"))
        .map_err(lite_failed)?;
    // The batch's statements: each chunk shape of each table, the change's half dozen, the
    // record and the totals.
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

pub(crate) async fn write_events(store: &SqlStore, batch: &EventBatch) -> Result<EventsWritten> {
    let started = Instant::now();
    let turn = store.writer_turn.clone().lock_owned().await;
    let turned = started.elapsed();
    let held = store
        .lite_writer
        .lock()
        .map_err(|_| StoreError::Internal("the SQLite writer's lock was poisoned".into()))?
        .take();
    let file = store.sqlite_file()?;
    let batch = batch.clone();
    let runtime = tokio::runtime::Handle::current();
    let (conn, written) = tokio::task::spawn_blocking(move || {
        // What a batch waited for before it began (`ZHILI_LOG=zhili_store::lite_writer=debug`):
        // the writers' turn (another writer, the checkpointer's restart) and a thread.
        tracing::debug!(
            turn_us = turned.as_micros() as u64,
            thread_us = (started.elapsed() - turned).as_micros() as u64,
            "event batch starting"
        );
        let mut conn = match held {
            Some(conn) => conn,
            None => match open(&file) {
                Ok(conn) => conn,
                Err(e) => return (None, Err(e)),
            },
        };
        let written = write_on(&mut conn, &runtime, &batch, started);
        // A connection left inside a transaction (its ROLLBACK failed too) is closed, which
        // rolls it back; the next batch opens another.
        (conn.is_autocommit().then_some(conn), written)
    })
    .await
    .map_err(|e| StoreError::Internal(format!("the SQLite writer stopped: {e}")))?;
    if let Some(conn) = conn {
        if let Ok(mut slot) = store.lite_writer.lock() {
            *slot = Some(conn);
        }
    }
    drop(turn);
    written
}

/// One batch in one transaction; rolled back whole when any part of it fails.
fn write_on(
    conn: &mut Connection,
    runtime: &tokio::runtime::Handle,
    batch: &EventBatch,
    started: Instant,
) -> Result<EventsWritten> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(lite_failed)?;
    let began = started.elapsed();
    // Every statement's future is ready when made (`LiteTx`), so this runs straight through.
    let outcome = runtime.block_on(crate::events::write_batch(
        &mut LiteTx(conn),
        crate::Backend::Sqlite,
        batch,
    ));
    match outcome {
        Ok((written, phases)) => {
            let before_commit = started.elapsed();
            if let Err(e) = conn.execute_batch("COMMIT") {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(lite_failed(e));
            }
            phases.log(batch, began, started.elapsed() - before_commit);
            Ok(written)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
