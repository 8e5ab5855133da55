//! A PostgreSQL replica opened for the reads that tolerate lag (`zhili serve --read-database`).

use crate::{migrate, Backend, Result, SqlStore, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::sync::Arc;

fn refused(en: &str, zh: &str) -> StoreError {
    StoreError::Domain(zhili_domain::DomainError::new(zhili_domain::ErrorCode::Conflict, en).zh(zh))
}

impl SqlStore {
    /// Opens a PostgreSQL database for reads only — a streaming replica, or the primary
    /// itself — for the reads that tolerate lag (`zhili serve --read-database`). Every
    /// transaction on it is read-only, so nothing can be written through it by mistake, and
    /// it must hold this version's schema (a replica of an older primary is refused).
    pub async fn open_read_only(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(refused(
                "a read database is a PostgreSQL URL (postgres://…): a replica of the database served",
                "只读库须为 PostgreSQL 地址（postgres://…），即所服务数据库的流复制副本",
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
            let found = version.unwrap_or(0);
            let needed = migrate::LATEST;
            return Err(refused(
                &format!("the read database holds schema version {found} where this server needs {needed}: it is not a replica of the database served, or it has not caught up"),
                &format!("只读库的结构版本为 {found}，本服务需要 {needed}：它不是所服务数据库的副本，或尚未追上"),
            ));
        }
        Ok(SqlStore {
            writer: pool.clone(),
            pool,
            backend: Backend::Postgres,
            writer_turn: Arc::new(tokio::sync::Mutex::new(())),
            url: url.to_string(),
            lite_writer: Default::default(),
        })
    }
}
