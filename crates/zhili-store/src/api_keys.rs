//! API keys as written and read.

use crate::sql::{append_actions, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhili_domain::chain::Actor;

async fn insert_row(conn: &mut AnyConnection, actor: &Actor, k: &ApiKeyRecord) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (unit_id, name, public_part, digest, channels, reads, area_code, created_by, \
         created_at, expires_at, rotated_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(k.unit_id.clone())
    .bind(k.name.clone())
    .bind(k.public_part.clone())
    .bind(k.digest.clone())
    .bind(k.channels.join(" "))
    .bind(k.reads.join(" "))
    .bind(k.area_code.clone())
    .bind(actor.username.clone())
    .bind(k.created_at)
    .bind(k.expires_at)
    .bind(k.rotated_from)
    .fetch_one(&mut *conn)
    .await?;
    let mut a = actor.action(k.created_at, "apikey.create", &format!("apikey:{id}"));
    a.opinion = Some(format!(
        "{} {} for {} [{}] [{}] in {}",
        k.public_part,
        k.name,
        k.unit_id,
        k.channels.join(" "),
        k.reads.join(" "),
        k.area_code
    ));
    append_actions(conn, vec![a]).await?;
    Ok(id)
}

pub(crate) async fn insert(store: &SqlStore, actor: &Actor, k: &ApiKeyRecord) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id = insert_row(&mut tx, actor, k).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn rotate(
    store: &SqlStore,
    actor: &Actor,
    old: i64,
    old_ends: i64,
    successor: &ApiKeyRecord,
    now: i64,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    let ended = sqlx::query(
        "UPDATE api_keys SET expires_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(old_ends)
    .bind(old)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if ended != 1 {
        return Ok(None);
    }
    let mut a = actor.action(now, "apikey.rotate", &format!("apikey:{old}"));
    a.opinion = Some(format!("works until {old_ends}"));
    append_actions(&mut tx, vec![a]).await?;
    let id = insert_row(&mut tx, actor, successor).await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub(crate) async fn revoke(store: &SqlStore, actor: &Actor, id: i64, now: i64) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if done == 1 {
        append_actions(
            &mut tx,
            vec![actor.action(now, "apikey.revoke", &format!("apikey:{id}"))],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

fn words(r: &AnyRow, column: &str) -> Result<Vec<String>> {
    let raw: String = r.try_get(column)?;
    Ok(raw.split_whitespace().map(str::to_string).collect())
}

pub(crate) async fn read(store: &SqlStore, by: Option<(&str, Arg)>) -> Result<Vec<ApiKeyRecord>> {
    let mut sql = Sql::new("SELECT * FROM api_keys");
    if let Some((column, arg)) = by {
        sql.push(" WHERE ").push(column).push(" = ").bind(arg);
    }
    sql.push(" ORDER BY id DESC LIMIT 1000");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ApiKeyRecord {
                id: r.try_get("id")?,
                unit_id: r.try_get("unit_id")?,
                name: r.try_get("name")?,
                public_part: r.try_get("public_part")?,
                digest: r.try_get("digest")?,
                channels: words(r, "channels")?,
                reads: words(r, "reads")?,
                area_code: r.try_get("area_code")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                revoked_at: r.try_get("revoked_at")?,
                last_used_at: r.try_get("last_used_at")?,
                rotated_from: r.try_get("rotated_from")?,
            })
        })
        .collect()
}
