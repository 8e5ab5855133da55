//! A PostgreSQL replica opened for the reads that tolerate lag (`zhili serve --read-database`).

use crate::{migrate, Backend, Result, SqlStore, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::sync::Arc;

impl SqlStore {
    /// Opens a PostgreSQL database for reads only — a streaming replica, or the primary
    /// itself — for the reads that tolerate lag (`zhili serve --read-database`). Every
    /// transaction on it is read-only, so nothing can be written through it by mistake, and
    /// it must hold this version's schema (a replica of an older primary is refused).
    pub async fn open_read_only(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Internal(
                "a read database is a PostgreSQL URL (postgres://…): a replica of the database served".into(),
            ));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET default_transaction_read_only = on")
                        .await?;
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&pool)
            .await?;
        if version != Some(migrate::LATEST) {
            return Err(StoreError::Internal(format!(
                "the read database holds schema version {} where this server needs {}: it is not a replica of the database served, or it has not caught up",
                version.unwrap_or(0),
                migrate::LATEST
            )));
        }
        Ok(SqlStore {
            pool,
            backend: Backend::Postgres,
            writer_turn: Arc::new(tokio::sync::Mutex::new(())),
            url: url.to_string(),
        })
    }
}
