//! The record verified as a stream: one query from a checkpoint to the head, each row checked
//! as it arrives with its fields borrowed from the driver's own row (no copy into the `Any`
//! layer, nothing kept), so memory stays flat however long the record is.
//!
//! On SQLite the rows are stepped through SQLite's own API on a blocking thread (rusqlite, on
//! the same library sqlx links): sqlx copies every value of every row and hands each row across
//! threads, which cost five times the hashing itself (`perf`: malloc and futex wake-ups).

use crate::*;
use futures_util::TryStreamExt;
use sqlx::{Connection, Row};
use zhili_domain::chain::{ChainBreak, ChainCheck, RecordRef};

const QUERY: &str = "SELECT seq, at, actor, unit, action, subject, from_state, to_state, opinion, \
                     attachments, prev_hash, hash FROM actions WHERE seq > $1 AND seq <= $2 ORDER BY seq";

/// Checks one row; `Err(Ok(break))` for a broken chain, `Err(Err(e))` for an unreadable row.
fn check_row<'r, R>(
    check: &mut ChainCheck,
    row: &'r R,
) -> std::result::Result<(), Result<ChainBreak>>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    &'r str: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<&'r str>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let read = || -> std::result::Result<_, sqlx::Error> {
        Ok((
            row.try_get::<i64, _>(0)?,
            row.try_get::<&str, _>(10)?,
            row.try_get::<&str, _>(11)?,
            RecordRef {
                at: row.try_get(1)?,
                actor: row.try_get(2)?,
                unit: row.try_get(3)?,
                action: row.try_get(4)?,
                subject: row.try_get(5)?,
                from_state: row.try_get(6)?,
                to_state: row.try_get(7)?,
                opinion: row.try_get(8)?,
                attachments: row.try_get(9)?,
            },
        ))
    };
    let (seq, prev, hash, record) = read().map_err(|e| Err(e.into()))?;
    check.check(seq, prev, hash, &record).map_err(Ok)
}

/// Streams the records after the check's last one up to `upto`, checking each; answers the
/// check as it ends (its last record, how many) or where the chain breaks.
pub(crate) async fn verify(
    store: &SqlStore,
    mut check: ChainCheck,
    upto: i64,
) -> Result<std::result::Result<ChainCheck, ChainBreak>> {
    let after = check.last().0;
    match store.backend {
        Backend::Sqlite => {
            let file = store.sqlite_file()?;
            let (checked, broken) = tokio::task::spawn_blocking(move || {
                let mut check = check;
                let broken = verify_sqlite(&file, &mut check, after, upto);
                (check, broken)
            })
            .await
            .map_err(|e| StoreError::Internal(format!("the verification stopped: {e}")))?;
            check = checked;
            if let Some(broken) = broken? {
                return Ok(Err(broken));
            }
        }
        Backend::Postgres => {
            let mut conn = sqlx::postgres::PgConnection::connect(&store.url).await?;
            let mut rows = sqlx::query(QUERY).bind(after).bind(upto).fetch(&mut conn);
            while let Some(row) = rows.try_next().await? {
                match check_row(&mut check, &row) {
                    Ok(()) => {}
                    Err(Ok(broken)) => return Ok(Err(broken)),
                    Err(Err(e)) => return Err(e),
                }
            }
        }
    }
    // The records up to `upto` must all be there: a chain cut short is broken too.
    let (last, _) = check.last();
    if last < upto {
        return Ok(Err(ChainBreak {
            seq: last + 1,
            reason: format!("record {} is missing (the head names {upto})", last + 1),
        }));
    }
    Ok(Ok(check))
}

/// Steps the SQLite rows `after < seq <= upto` through `check`; answers where the chain breaks.
fn verify_sqlite(
    file: &std::path::Path,
    check: &mut ChainCheck,
    after: i64,
    upto: i64,
) -> Result<Option<ChainBreak>> {
    let unreadable =
        |e: rusqlite::Error| StoreError::Internal(format!("the record is unreadable: {e}"));
    let conn =
        crate::exec::open_read_only(file, std::time::Duration::from_secs(5)).map_err(unreadable)?;
    let mut statement = conn.prepare(QUERY).map_err(unreadable)?;
    let mut rows = statement.query((after, upto)).map_err(unreadable)?;
    while let Some(row) = rows.next().map_err(unreadable)? {
        let text = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
        let optional = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str_or_null()?));
        let read = || -> rusqlite::Result<_> {
            Ok((
                row.get::<_, i64>(0)?,
                text(10)?,
                text(11)?,
                RecordRef {
                    at: row.get(1)?,
                    actor: text(2)?,
                    unit: optional(3)?,
                    action: text(4)?,
                    subject: text(5)?,
                    from_state: optional(6)?,
                    to_state: optional(7)?,
                    opinion: optional(8)?,
                    attachments: text(9)?,
                },
            ))
        };
        let (seq, prev, hash, record) = read().map_err(unreadable)?;
        if let Err(broken) = check.check(seq, prev, hash, &record) {
            return Ok(Some(broken));
        }
    }
    Ok(None)
}
