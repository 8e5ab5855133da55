//! Migrations, written once with a placeholder for the one thing the engines spell
//! differently (auto-numbered keys), applied in order at start.

use crate::{Backend, Result};
use sqlx::AnyPool;
use sqlx::Executor;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_foundation.sql")),
    (2, include_str!("../migrations/0002_events.sql")),
];

pub async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    pool.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .await?;
    for &(version, text) in MIGRATIONS {
        let mut tx = match backend {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => pool.begin().await?,
        };
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        let id = match backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY",
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        // Comments go first: they may hold semicolons.
        let body: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for statement in body.replace("{id}", id).split(';') {
            if !statement.trim().is_empty() {
                tx.execute(statement).await?;
            }
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(0i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
