//! Photos, stored content-addressed, and which events show them.

use crate::sql::{append_actions, event_scope, Arg, Sql};
use crate::{AttachmentInfo, Result, SqlStore, StoreError};
use sqlx::Row;
use std::collections::BTreeSet;
use zhili_domain::chain::Actor;
use zhili_domain::Scope;

pub(crate) async fn put(
    store: &SqlStore,
    actor: &Actor,
    info: &AttachmentInfo,
    bytes: &[u8],
    now: i64,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    sqlx::query(
        "INSERT INTO attachments (sha256, media_type, size, width, height, uploaded_by, uploaded_at, bytes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(info.sha256.clone())
    .bind(info.media_type.clone())
    .bind(info.size)
    .bind(info.width)
    .bind(info.height)
    .bind(actor.username.clone())
    .bind(now)
    .bind(bytes.to_vec())
    .execute(&mut *tx)
    .await?;
    // New for this uploader, whether or not the bytes were stored before: the answer tells
    // nothing of anyone else's uploads.
    let inserted = sqlx::query(
        "INSERT INTO attachment_uploads (sha256, username, uploaded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256, username) DO NOTHING",
    )
    .bind(info.sha256.clone())
    .bind(actor.username.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        let action = actor
            .action(
                now,
                "attachment.upload",
                &format!("attachment:{}", info.sha256),
            )
            .opinion(format!(
                "{} {}×{} {} bytes",
                info.media_type, info.width, info.height, info.size
            ));
        append_actions(&mut tx, vec![action]).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

fn info_of(r: &sqlx::any::AnyRow) -> Result<AttachmentInfo> {
    Ok(AttachmentInfo {
        sha256: r.try_get("sha256")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
    })
}

/// The ones among `ids` that `uploader` uploaded, in the order asked.
pub(crate) async fn infos(
    store: &SqlStore,
    uploader: &str,
    ids: &[String],
) -> Result<Vec<AttachmentInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT a.sha256, a.media_type, a.size, a.width, a.height FROM attachments a \
         JOIN attachment_uploads u ON u.sha256 = a.sha256 AND u.username = ",
    );
    sql.bind_text(uploader);
    sql.push(" WHERE a.sha256 IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_text(id.clone());
    }
    sql.push(")");
    let found: Vec<AttachmentInfo> = sql
        .query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(info_of)
        .collect::<Result<_>>()?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|f| &f.sha256 == id).cloned())
        .collect())
}

/// A photo with its bytes, for someone who uploaded it or may see an event showing it.
pub(crate) async fn read(
    store: &SqlStore,
    scope: &Scope,
    username: &str,
    id: &str,
) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
    let mut sql = Sql::new(
        "SELECT a.sha256, a.media_type, a.size, a.width, a.height, a.bytes FROM attachments a WHERE a.sha256 = ",
    );
    sql.bind_text(id);
    sql.push(" AND (EXISTS (SELECT 1 FROM attachment_uploads u WHERE u.sha256 = a.sha256 AND u.username = ")
        .bind_text(username);
    sql.push(")");
    sql.push(" OR EXISTS (SELECT 1 FROM event_attachments ea JOIN events e ON e.id = ea.event_id WHERE ea.sha256 = a.sha256");
    event_scope(&mut sql, scope);
    sql.push("))");
    let Some(r) = sql.query().fetch_optional(&store.pool).await? else {
        return Ok(None);
    };
    Ok(Some((info_of(&r)?, r.try_get("bytes")?)))
}

/// A photo with its bytes, unchecked: the caller has checked who reads it.
pub(crate) async fn held(store: &SqlStore, id: &str) -> Result<Option<(AttachmentInfo, Vec<u8>)>> {
    let row = sqlx::query(
        "SELECT sha256, media_type, size, width, height, bytes FROM attachments WHERE sha256 = $1",
    )
    .bind(id.to_string())
    .fetch_optional(&store.pool)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    Ok(Some((info_of(&r)?, r.try_get("bytes")?)))
}

/// The ids in an action's attachment list (a JSON array of SHA-256 hex strings).
pub(crate) fn ids_of(json: &str) -> Result<BTreeSet<String>> {
    let ids: Vec<String> = serde_json::from_str(json)
        .map_err(|e| StoreError::Internal(format!("attachment list {json:?}: {e}")))?;
    Ok(ids.into_iter().collect())
}

/// Links photos to an event (a photo shown twice on one event is linked once).
pub(crate) async fn link<C: crate::exec::Exec>(
    conn: &mut C,
    event: i64,
    ids: &BTreeSet<String>,
) -> Result<()> {
    for id in ids {
        let mut insert = crate::sql::Sql::new(
            "INSERT INTO event_attachments (event_id, sha256) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        );
        insert.args = vec![Arg::Int(event), Arg::Text(id.clone())];
        conn.run(&insert).await?;
    }
    Ok(())
}

/// Rows for linking in bulk (history and intake batches).
pub(crate) fn rows(event: i64, ids: &BTreeSet<String>) -> Vec<Vec<Arg>> {
    ids.iter()
        .map(|id| vec![Arg::Int(event), Arg::Text(id.clone())])
        .collect()
}
