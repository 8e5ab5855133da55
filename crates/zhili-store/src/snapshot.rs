//! A consistent copy of a live SQLite database, taken while it serves and writes.
//!
//! `VACUUM INTO` reads the whole database inside one read transaction — one snapshot, as of
//! the last commit before it began, never half a batch — and writes it compacted to a new file
//! beside the writers (WAL readers do not block them). The copy's chain head is read back from
//! the copy itself, so the point a backup stands at is what the copy holds.

use crate::exec::open_read_only;
use crate::{Backend, Result, SqlStore, StoreError};

fn failed(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("the copy failed: {e}"))
}

impl SqlStore {
    /// Copies the database to `into` (which must not exist) and answers the copy's chain head.
    /// SQLite only: PostgreSQL is copied with its own tools (pg_basebackup, pg_dump).
    pub async fn copy_into(&self, into: &std::path::Path) -> Result<(i64, String)> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Internal(
                "a PostgreSQL database is backed up with pg_basebackup or pg_dump".into(),
            ));
        }
        if into.exists() {
            return Err(failed(format!("{} already exists", into.display())));
        }
        let file = self.sqlite_file()?;
        let into = into.to_path_buf();
        tokio::task::spawn_blocking(move || -> Result<(i64, String)> {
            let wait = std::time::Duration::from_secs(30);
            let conn = open_read_only(&file, wait).map_err(failed)?;
            let target = into
                .to_str()
                .ok_or_else(|| failed("the path is not UTF-8"))?;
            conn.execute("VACUUM INTO ?1", [target]).map_err(failed)?;
            let copy = open_read_only(&into, wait).map_err(failed)?;
            copy.query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(failed)
        })
        .await
        .map_err(failed)?
    }
}
