//! Grid postings and covers as written and read.

use crate::sql::{append_actions, word, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use zhili_domain::chain::Actor;
use zhili_domain::staffing::Post;

pub(crate) async fn add_posting(
    store: &SqlStore,
    actor: &Actor,
    user_id: i64,
    grid: &str,
    post: Post,
    party_branch_head: bool,
    now: i64,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    // Writers serialise here on PostgreSQL as on SQLite, so the check below holds until commit.
    crate::ids::lock_chain_head(&mut tx).await?;
    let running: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM grid_posts WHERE user_id = $1 AND grid_code = $2 AND ended_at IS NULL",
    )
    .bind(user_id)
    .bind(grid)
    .fetch_optional(&mut *tx)
    .await?;
    if running.is_some() {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO grid_posts (user_id, grid_code, post, party_branch_head, since, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(grid)
    .bind(post.as_str())
    .bind(i64::from(party_branch_head))
    .bind(now)
    .bind(actor.username.clone())
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(now, "staff.post", &format!("grid_post:{id}"));
    a.to_state = Some(post.as_str().into());
    a.opinion = Some(format!(
        "{grid} user:{user_id}{}",
        if party_branch_head {
            " 兼党支部书记"
        } else {
            ""
        }
    ));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub(crate) async fn end_posting(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<bool> {
    let sql = "UPDATE grid_posts SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL";
    close_once(
        store,
        actor,
        sql,
        id,
        now,
        "staff.end",
        &format!("grid_post:{id}"),
    )
    .await
}

/// Closes a posting or a cover once: the update names the row still open, and only a row that
/// changed is recorded.
async fn close_once(
    store: &SqlStore,
    actor: &Actor,
    update: &str,
    id: i64,
    now: i64,
    verb: &str,
    subject: &str,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let done = sqlx::query(update)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 1 {
        append_actions(&mut tx, vec![actor.action(now, verb, subject)]).await?;
    }
    tx.commit().await?;
    Ok(done == 1)
}

fn posting(r: &AnyRow) -> Result<PostingRecord> {
    Ok(PostingRecord {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        phone_masked: r.try_get("phone_masked")?,
        grid_code: r.try_get("grid_code")?,
        post: word(r, "post", Post::parse)?,
        party_branch_head: r.try_get::<i64, _>("party_branch_head")? != 0,
        since: r.try_get("since")?,
        ended_at: r.try_get("ended_at")?,
        created_by: r.try_get("created_by")?,
    })
}

pub(crate) async fn postings(
    store: &SqlStore,
    prefixes: &[&str],
    id: Option<i64>,
) -> Result<Vec<PostingRecord>> {
    let mut sql = Sql::new(
        "SELECT g.id, g.user_id, u.username, u.display_name, u.phone_masked, g.grid_code, g.post, g.party_branch_head, \
         g.since, g.ended_at, g.created_by FROM grid_posts g JOIN users u ON u.id = g.user_id WHERE ",
    );
    match id {
        Some(id) => {
            sql.push("g.id = ").bind(Arg::Int(id));
        }
        None => {
            sql.push("g.ended_at IS NULL AND u.disabled_at IS NULL");
            sql.push(" AND ");
            crate::scope_sql::under_any(&mut sql, "g.grid_code", prefixes);
        }
    }
    sql.push(" ORDER BY g.grid_code, g.post, g.id LIMIT 20000");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(posting)
        .collect()
}

pub(crate) async fn add_cover(
    store: &SqlStore,
    actor: &Actor,
    c: &NewCover,
    now: i64,
) -> Result<Option<i64>> {
    let mut tx = store.write_tx().await?;
    // Two stations arranging covers at once must not both pass the overlap check.
    crate::ids::lock_chain_head(&mut tx).await?;
    let overlapping: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM grid_covers WHERE grid_code = $1 AND absent_user_id = $2 AND cancelled_at IS NULL \
         AND starts_at < $3 AND ends_at > $4 LIMIT 1",
    )
    .bind(c.grid_code.clone())
    .bind(c.absent_user_id)
    .bind(c.ends_at)
    .bind(c.starts_at)
    .fetch_optional(&mut *tx)
    .await?;
    if overlapping.is_some() {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO grid_covers (grid_code, absent_user_id, cover_user_id, starts_at, ends_at, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(c.grid_code.clone())
    .bind(c.absent_user_id)
    .bind(c.cover_user_id)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(c.reason.clone())
    .bind(actor.username.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let mut a = actor.action(now, "staff.cover", &format!("grid_cover:{id}"));
    a.opinion = Some(format!(
        "{} user:{} → user:{} {}",
        c.grid_code, c.absent_user_id, c.cover_user_id, c.reason
    ));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(Some(id))
}

pub(crate) async fn cancel_cover(
    store: &SqlStore,
    actor: &Actor,
    id: i64,
    now: i64,
) -> Result<bool> {
    let sql = "UPDATE grid_covers SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL AND ends_at > $1";
    let subject = format!("grid_cover:{id}");
    close_once(store, actor, sql, id, now, "staff.cover_cancel", &subject).await
}

pub(crate) async fn covers(
    store: &SqlStore,
    prefixes: &[&str],
    after: i64,
    id: Option<i64>,
) -> Result<Vec<CoverRecord>> {
    let mut sql = Sql::new(
        "SELECT c.*, a.username AS absent_username, a.display_name AS absent_name, \
         v.username AS cover_username, v.display_name AS cover_name \
         FROM grid_covers c JOIN users a ON a.id = c.absent_user_id JOIN users v ON v.id = c.cover_user_id WHERE ",
    );
    match id {
        Some(id) => {
            sql.push("c.id = ").bind(Arg::Int(id));
        }
        None => {
            sql.push("c.cancelled_at IS NULL AND c.ends_at > ")
                .bind(Arg::Int(after));
            sql.push(" AND ");
            crate::scope_sql::under_any(&mut sql, "c.grid_code", prefixes);
        }
    }
    sql.push(" ORDER BY c.starts_at, c.id LIMIT 5000");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CoverRecord {
                id: r.try_get("id")?,
                grid_code: r.try_get("grid_code")?,
                absent_user_id: r.try_get("absent_user_id")?,
                absent_username: r.try_get("absent_username")?,
                absent_name: r.try_get("absent_name")?,
                cover_user_id: r.try_get("cover_user_id")?,
                cover_username: r.try_get("cover_username")?,
                cover_name: r.try_get("cover_name")?,
                starts_at: r.try_get("starts_at")?,
                ends_at: r.try_get("ends_at")?,
                reason: r.try_get("reason")?,
                cancelled_at: r.try_get("cancelled_at")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub(crate) async fn staffed_grids(pool: &AnyPool, user_id: i64, now: i64) -> Result<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT grid_code FROM grid_posts WHERE user_id = $1 AND ended_at IS NULL \
         UNION SELECT grid_code FROM grid_covers WHERE cover_user_id = $1 AND cancelled_at IS NULL \
         AND starts_at <= $2 AND ends_at > $2",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}
