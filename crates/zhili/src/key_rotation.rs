//! Rotating the data key without downtime. `zhili key rotate` puts a fresh key at the front
//! of the ring in the key file; every server reads the file again within seconds and seals
//! with the new key from then on, while the older keys still open what they sealed. In the
//! background each server then moves every stored value to the new key: a batch of rows at a
//! time, opened and sealed again in memory (no plain value is ever written), each written
//! only if unchanged meanwhile, the blind index recomputed under the new key, the table's
//! progress kept in the database so a restart resumes where it stopped. When a pass from the
//! start finds nothing left, the table is done; `zhili key retire` then drops the old keys.

use crate::crypto::{DataKey, Sealed};
use std::sync::Arc;
use zhili_store::{
    Resealed, SealedColumn, SealedRow, SealedTable, Store, StoreError, SEALED_TABLES,
};

/// Rows read per batch (each written in one transaction).
const BATCH: i64 = 500;
/// The pause between batches: the re-seal shares the writer with the day's work.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);
/// How often a server reads the key file again.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// What one step of a table's re-seal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Values sealed again (0 when a changed row was left to its new value).
    Wrote(u64),
    /// A pass reached the end with values left behind it (written meanwhile under an older
    /// key): the next pass starts again from the first row.
    Again,
    /// Nothing is under an older key (recorded now).
    Finished,
    /// Finished before.
    Done,
}

/// The plain value of a column's sealed value and its value sealed again under the current
/// key (with the blind index, if the column has one). A value no key of the ring opens is
/// left as it is, and said.
fn reseal_value(
    key: &DataKey,
    table: &SealedTable,
    column: &SealedColumn,
    sealed: &str,
) -> Option<(String, Option<String>)> {
    let field = Sealed::from_context(column.field)?;
    let plain = match key.open(sealed, field) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(
                table = table.table,
                column = column.column,
                "cannot re-seal a value: {e}"
            );
            return None;
        }
    };
    let blind = column.blind.map(|(_, context)| match context {
        "id_number" => crate::people::blind_id(key, &plain),
        other => key.blind(other, &plain),
    });
    Some((key.seal(&plain, field), blind))
}

/// A row's values not under the current key, sealed again.
fn resealed(key: &DataKey, table: &SealedTable, row: &SealedRow) -> Vec<Resealed> {
    let current = key.current_id();
    let mut out = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        let Some(old) = row.values.get(i).and_then(|v| v.as_deref()) else {
            continue;
        };
        if crate::keyring::key_id_of(old) == Ok(current) {
            continue;
        }
        if let Some((new, blind)) = reseal_value(key, table, column, old) {
            out.push(Resealed {
                key: row.key.clone(),
                column: i,
                old: old.to_string(),
                new,
                blind,
            });
        }
    }
    out
}

/// One batch of `table`'s re-seal under the ring's current key.
pub async fn reseal_step(
    store: &dyn Store,
    key: &DataKey,
    table: &SealedTable,
    now: i64,
) -> Result<Step, StoreError> {
    let current = key.current_id();
    let progress = store.reseal_progress(table, current).await?;
    if progress.done_at.is_some() {
        return Ok(Step::Done);
    }
    let rows = store
        .stale_sealed(table, current, progress.after.as_deref(), BATCH)
        .await?;
    let Some(last) = rows.last() else {
        // The end of a pass: done unless something under an older key is left behind the
        // cursor that this ring can move (a server that had not yet read the new ring may
        // have sealed with the old key; a value no key opens stays, and is counted by
        // `zhili key status`).
        let behind = match progress.after {
            None => Vec::new(),
            Some(_) => store.stale_sealed(table, current, None, 50).await?,
        };
        if behind
            .iter()
            .any(|row| !resealed(key, table, row).is_empty())
        {
            store.write_resealed(table, current, &[], None, now).await?;
            return Ok(Step::Again);
        }
        store.finish_reseal(table, current, now).await?;
        return Ok(Step::Finished);
    };
    let after = last.key.clone();
    let values: Vec<Resealed> = rows.iter().flat_map(|r| resealed(key, table, r)).collect();
    let written = store
        .write_resealed(table, current, &values, Some(&after), now)
        .await?;
    Ok(Step::Wrote(written))
}

/// Re-seals every table to the end (what a server does in the background, and the operator's
/// `zhili key retire` before it drops the old keys). Answers the values written.
pub async fn reseal_all(
    store: &dyn Store,
    key: &DataKey,
    pause: std::time::Duration,
) -> Result<u64, StoreError> {
    let mut written = 0;
    for table in SEALED_TABLES {
        loop {
            match reseal_step(store, key, table, crate::now_ms()).await? {
                Step::Wrote(n) => written += n,
                Step::Again => {}
                Step::Finished | Step::Done => break,
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    }
    Ok(written)
}

/// Per sealed column, how many values are not under the ring's current key.
pub async fn stale_counts(
    store: &dyn Store,
    key: &DataKey,
) -> Result<Vec<(&'static str, &'static str, i64)>, StoreError> {
    let mut out = Vec::new();
    for table in SEALED_TABLES {
        let counts = store.count_stale_sealed(table, key.current_id()).await?;
        for (column, n) in table.columns.iter().zip(counts) {
            out.push((table.table, column.column, n));
        }
    }
    Ok(out)
}

/// The server's part: reads the key file again every few seconds, and while the ring holds
/// older keys re-seals in the background until every table is done.
pub fn spawn(store: Arc<dyn Store>, key: DataKey) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(WATCH_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = key.reload() {
                tracing::warn!("{e}");
            }
            if key.ids().len() < 2 {
                continue;
            }
            match reseal_all(store.as_ref(), &key, BATCH_PAUSE).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    values = n,
                    key = key.current_id(),
                    "sealed again under the current data key"
                ),
                Err(e) => tracing::warn!(error = %e, "the re-seal stopped; it resumes shortly"),
            }
        }
    });
}
