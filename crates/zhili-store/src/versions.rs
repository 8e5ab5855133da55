//! Settings kept as versions (a table of `version, <value>, set_by, set_at`): each edit a new
//! row with its action, the latest row in force; what used an earlier version names it.

use crate::sql::append_actions;
use crate::*;
use sqlx::Row;
use zhili_domain::chain::Actor;

/// The latest version of a versioned setting table (`mediation_criteria`, `mediation_limits`, `risk_catalogues`).
pub(crate) async fn latest(
    store: &SqlStore,
    table: &str,
    column: &str,
) -> Result<Option<(i64, String)>> {
    let row = sqlx::query(&format!(
        "SELECT version, {column} AS value FROM {table} ORDER BY version DESC LIMIT 1"
    ))
    .fetch_optional(&store.pool)
    .await?;
    row.map(|r| Ok((r.try_get("version")?, r.try_get("value")?)))
        .transpose()
}

/// A new version of a versioned setting, with its action.
pub(crate) async fn put_version(
    store: &SqlStore,
    actor: &Actor,
    table: &str,
    column: &str,
    value: &str,
    action: &str,
    now: i64,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    crate::ids::lock_chain_head(&mut tx).await?;
    let version: i64 = sqlx::query_scalar(&format!(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM {table}"
    ))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO {table} (version, {column}, set_by, set_at) VALUES ($1, $2, $3, $4)"
    ))
    .bind(version)
    .bind(value.to_string())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(now, action, &format!("{table}:{version}"))
            .opinion(value.to_string())],
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}
