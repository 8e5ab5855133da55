//! The reception desk's reads and its replies.

use crate::events::EVENT_COLUMNS;
use crate::sql::{append_actions, event_scope, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::desk::{DeskCounts, Reply, ReplyChannel};
use zhili_domain::Scope;

/// The channels of the desk's cases, as stored.
const DESK_CHANNELS: &str = "('hotline', 'walk_in')";

pub(crate) async fn caller_events(
    store: &SqlStore,
    scope: &Scope,
    phone_blinds: &[String],
    limit: i64,
) -> Result<Vec<EventRecord>> {
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.reporter_phone_blind IN "
    ));
    sql.bind_list(phone_blinds.iter().cloned().map(Arg::Text));
    event_scope(&mut sql, scope);
    sql.push(" ORDER BY e.id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 200)));
    crate::events::read_listed(store, sql).await
}

/// `(a, b, …)` of bound ids.
fn id_list(sql: &mut Sql, ids: &[i64]) {
    sql.push("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Arg::Int(*id));
    }
    sql.push(")");
}

pub(crate) async fn events_by_ids(
    store: &SqlStore,
    scope: &Scope,
    ids: &[i64],
) -> Result<Vec<EventRecord>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.id IN "
    ));
    id_list(&mut sql, ids);
    event_scope(&mut sql, scope);
    sql.push(" ORDER BY e.id");
    crate::events::read_listed(store, sql).await
}

pub(crate) async fn cases_of_events(store: &SqlStore, ids: &[i64]) -> Result<Vec<CallerCase>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(
        "SELECT id, number, event_id, status, title, registered_at FROM mediation_cases WHERE event_id IN ",
    );
    id_list(&mut sql, ids);
    sql.push(" ORDER BY id DESC");
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CallerCase {
                id: r.try_get("id")?,
                number: r.try_get("number")?,
                event_id: r.try_get("event_id")?,
                status: r.try_get("status")?,
                title: r.try_get("title")?,
                registered_at: r.try_get("registered_at")?,
            })
        })
        .collect()
}

fn reply_row(r: &AnyRow) -> Result<ReplyRecord> {
    let channel: String = r.try_get("channel")?;
    Ok(ReplyRecord {
        event_id: r.try_get("event_id")?,
        reply: Reply {
            channel: ReplyChannel::parse(&channel)
                .ok_or_else(|| crate::sql::corrupt("reply channel", &channel))?,
            reached: r.try_get::<i64, _>("reached")? != 0,
            said: r.try_get("said")?,
            satisfaction: r.try_get("satisfaction")?,
        },
        replied_at: r.try_get("replied_at")?,
        replied_by: r.try_get("replied_by")?,
        due_at: r.try_get("due_at")?,
        on_time: r.try_get::<i64, _>("on_time")? != 0,
    })
}

pub(crate) async fn record_reply(
    store: &SqlStore,
    actor: &Actor,
    event_id: i64,
    reply: &Reply,
    due_at: i64,
    now: i64,
) -> Result<ReplyRecord> {
    let mut tx = store.write_tx().await?;
    let done: Option<i64> =
        sqlx::query_scalar("SELECT event_id FROM event_replies WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&mut *tx)
            .await?;
    if done.is_some() {
        return Err(StoreError::Domain(
            zhili_domain::DomainError::new(
                zhili_domain::ErrorCode::Conflict,
                "the caller has been replied to already",
            )
            .zh("已答复过来电人"),
        ));
    }
    let on_time = now <= due_at;
    sqlx::query(
        "INSERT INTO event_replies (event_id, replied_at, replied_by, unit, channel, reached, said, satisfaction, due_at, on_time) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(event_id)
    .bind(now)
    .bind(actor.username.clone())
    .bind(actor.unit.clone())
    .bind(reply.channel.as_str())
    .bind(reply.reached as i64)
    .bind(reply.said.clone())
    .bind(reply.satisfaction)
    .bind(due_at)
    .bind(on_time as i64)
    .execute(&mut *tx)
    .await?;
    let mut action = actor.action(now, "reply", &format!("event:{event_id}"));
    action.opinion = Some(reply.said.clone());
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(ReplyRecord {
        event_id,
        reply: reply.clone(),
        replied_at: now,
        replied_by: actor.username.clone(),
        due_at,
        on_time,
    })
}

pub(crate) async fn reply_of(store: &SqlStore, event_id: i64) -> Result<Option<ReplyRecord>> {
    sqlx::query(
        "SELECT event_id, replied_at, replied_by, channel, reached, said, satisfaction, due_at, on_time FROM event_replies WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(&store.pool)
    .await?
    .as_ref()
    .map(reply_row)
    .transpose()
}

pub(crate) async fn counts(
    store: &SqlStore,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<DeskCounts> {
    let mut sql = Sql::new(&format!(
        "SELECT COUNT(*) AS answered, \
         COALESCE(SUM(CASE WHEN e.status <> 'reported' THEN 1 ELSE 0 END), 0) AS responded, \
         COALESCE(SUM(CASE WHEN e.status IN ('closed', 'evaluated') THEN 1 ELSE 0 END), 0) AS solved, \
         COALESCE(SUM(CASE WHEN e.satisfaction IS NOT NULL THEN 1 ELSE 0 END), 0) AS rated, \
         COALESCE(SUM(CASE WHEN e.satisfaction >= 4 THEN 1 ELSE 0 END), 0) AS satisfied \
         FROM events e WHERE e.channel IN {DESK_CHANNELS} AND e.merged_into IS NULL AND e.reported_at >= "
    ));
    sql.bind(Arg::Int(from));
    sql.push(" AND e.reported_at < ").bind(Arg::Int(to));
    event_scope(&mut sql, scope);
    let r = sql.query().fetch_one(&store.pool).await?;
    Ok(DeskCounts {
        answered: r.try_get("answered")?,
        responded: r.try_get("responded")?,
        solved: r.try_get("solved")?,
        rated: r.try_get("rated")?,
        satisfied: r.try_get("satisfied")?,
        reply_due: 0,
        replied_on_time: 0,
    })
}

pub(crate) async fn closed_cases(
    store: &SqlStore,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<ClosedDeskCase>> {
    let mut sql = Sql::new(&format!(
        "SELECT e.id, e.closed_at, r.replied_at FROM events e LEFT JOIN event_replies r ON r.event_id = e.id \
         WHERE e.channel IN {DESK_CHANNELS} AND e.status IN ('closed', 'evaluated') AND e.closed_at IS NOT NULL AND e.reported_at >= "
    ));
    sql.bind(Arg::Int(from));
    sql.push(" AND e.reported_at < ").bind(Arg::Int(to));
    event_scope(&mut sql, scope);
    sql.query()
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ClosedDeskCase {
                id: r.try_get("id")?,
                closed_at: r.try_get("closed_at")?,
                replied_at: r.try_get("replied_at")?,
            })
        })
        .collect()
}
