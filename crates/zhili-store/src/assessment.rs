//! The pilot's assessment schemes, a version per edit for each year and group of units.

use crate::ids::lock_chain_head;
use crate::sql::append_actions;
use crate::*;
use sqlx::Row;
use zhili_domain::chain::Actor;

pub(crate) async fn latest(
    store: &SqlStore,
    year: i64,
    unit_group: &str,
) -> Result<Option<SchemeVersion>> {
    let row = sqlx::query(
        "SELECT year, unit_group, version, scheme, set_by, set_at FROM assessment_schemes \
         WHERE year = $1 AND unit_group = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .fetch_optional(&store.pool)
    .await?;
    row.map(|r| {
        Ok(SchemeVersion {
            year: r.try_get("year")?,
            unit_group: r.try_get("unit_group")?,
            version: r.try_get("version")?,
            scheme: r.try_get("scheme")?,
            set_by: r.try_get("set_by")?,
            set_at: r.try_get("set_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn put(
    store: &SqlStore,
    actor: &Actor,
    year: i64,
    unit_group: &str,
    scheme: &str,
    now: i64,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    // The chain head's lock also serialises two edits of one scheme (one version each).
    lock_chain_head(&mut tx).await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM assessment_schemes \
         WHERE year = $1 AND unit_group = $2",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO assessment_schemes (year, unit_group, version, scheme, set_by, set_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(year)
    .bind(unit_group.to_string())
    .bind(version)
    .bind(scheme.to_string())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(
                now,
                "assessment.scheme",
                &format!("assessment_scheme:{year}:{unit_group}:{version}"),
            )
            .opinion(scheme.to_string())],
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}
