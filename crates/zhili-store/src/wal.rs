//! SQLite: the write-ahead log copied back into the database file by a task of its own, not by
//! the committing writer. SQLite's automatic checkpoint runs inside the commit that crosses
//! its threshold, so one report in every few hundred batches waited for pages to be copied and
//! the database file synced (a tenth of the writer's time under intake load). Here the pool's
//! connections never checkpoint (`wal_autocheckpoint = 0`) and this task does it in PASSIVE
//! mode — beside the writers, never waiting for them — several times a second.
//!
//! A log only starts again from its beginning when a writer finds all of it copied and no
//! reader in it, which a steady stream of writes never allows on its own: once the log passes
//! `RESTART_AT`, the task takes the writer's turn for a moment and checkpoints in RESTART mode
//! (the last few frames, then waiting for readers to leave the log), so the next write starts
//! the log over and it stays within about a hundred megabytes. (At 16 MB it restarted nearly
//! every round under intake load, and the event writer waited 0.7 ms a batch for its turn.)
//! Its wait for readers is capped (`READERS_WAIT`): a long report read must not stall every
//! writer; a RESTART that finds readers staying gives up and is tried again on the next round.

use sqlx::{Connection, Row};
use std::sync::Weak;
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(200);
/// Frames (4 KiB pages) in the log past which it is started over.
const RESTART_AT: i64 = 16384;
/// Frames left to copy under the writers' turn at most, when the copies beside them keep up.
const RESTART_LEFT: i64 = 256;
/// How long a RESTART, holding the writers' turn, waits for readers to leave the log.
const READERS_WAIT: Duration = Duration::from_millis(100);

/// Checkpoints `path` until `alive` — the writers' turn, held by every clone of the store — is
/// gone.
pub(crate) fn spawn_checkpointer(path: String, alive: Weak<tokio::sync::Mutex<()>>) {
    tokio::spawn(async move {
        let options = match path.parse::<sqlx::sqlite::SqliteConnectOptions>() {
            Ok(o) => o.busy_timeout(READERS_WAIT),
            Err(e) => {
                tracing::warn!(error = %e, "no WAL checkpointer: the database path is unreadable");
                return;
            }
        };
        let mut conn = match sqlx::sqlite::SqliteConnection::connect_with(&options).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "no WAL checkpointer: cannot open the database");
                return;
            }
        };
        loop {
            tokio::time::sleep(EVERY).await;
            let (log, mut left) = match checkpoint(&mut conn, "PASSIVE").await {
                Ok(frames) => frames,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                    continue;
                }
            };
            let Some(turn) = alive.upgrade() else { break };
            if log >= RESTART_AT {
                // What was written while the log was copied is copied too, beside the writers,
                // so the RESTART under their turn has little left to copy.
                for _ in 0..3 {
                    if left <= RESTART_LEFT {
                        break;
                    }
                    match checkpoint(&mut conn, "PASSIVE").await {
                        Ok((_, l)) => left = l,
                        Err(_) => break,
                    }
                }
                let _writers_wait = turn.lock().await;
                if let Err(e) = checkpoint(&mut conn, "RESTART").await {
                    tracing::warn!(error = %e, "WAL restart failed");
                }
            }
        }
        // The last copy, so the file stands complete without its log.
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
    });
}

/// One checkpoint in `mode`; answers the frames in the log and those not yet copied back.
async fn checkpoint(
    conn: &mut sqlx::sqlite::SqliteConnection,
    mode: &str,
) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query(&format!("PRAGMA wal_checkpoint({mode})"))
        .fetch_one(&mut *conn)
        .await?;
    let (log, copied): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
    Ok((log, (log - copied).max(0)))
}
