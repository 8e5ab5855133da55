//! Deliberation meetings as written and read.

use crate::sql::{append_actions, corrupt, digit_prefix, word, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::deliberation::{Decision, Meeting, MeetingKind};

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

pub(crate) async fn record(
    store: &SqlStore,
    actor: &Actor,
    village: &str,
    m: &Meeting,
    now: i64,
) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliberations (village_code, kind, title, held_day, place, host, attendees, headcount, agenda, matters, minutes, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(village.to_string())
    .bind(m.kind.as_str())
    .bind(m.title.clone())
    .bind(m.held_day)
    .bind(m.place.clone())
    .bind(m.host.clone())
    .bind(json(&m.attendees)?)
    .bind(m.headcount)
    .bind(json(&m.agenda)?)
    .bind(json(&m.matters)?)
    .bind(m.minutes.clone())
    .bind(actor.username.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for (seq, d) in m.decisions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO deliberation_decisions (meeting_id, seq, text, carried_by, due_day, event_id, settles) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(seq as i64)
        .bind(d.text.clone())
        .bind(d.carried_by.clone())
        .bind(d.due_day)
        .bind(d.event_id)
        .bind(d.settles as i64)
        .execute(&mut *tx)
        .await?;
    }
    let mut a = actor.action(now, "deliberation.record", &format!("deliberation:{id}"));
    a.opinion = Some(format!("{} {}", m.kind.label_zh(), m.title));
    append_actions(&mut tx, vec![a]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn list(
    store: &SqlStore,
    prefix: Option<&str>,
    id: Option<i64>,
    limit: i64,
) -> Result<Vec<MeetingRecord>> {
    let mut sql = Sql::new("SELECT * FROM deliberations WHERE 1 = 1");
    if let Some(p) = prefix {
        digit_prefix(&mut sql, "village_code", p);
    }
    if let Some(id) = id {
        sql.push(" AND id = ").bind(Arg::Int(id));
    }
    sql.push(" ORDER BY held_day DESC, id DESC LIMIT ")
        .bind(Arg::Int(limit.clamp(1, 500)));
    let rows = sql.query().fetch_all(&store.pool).await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let mut decided: std::collections::HashMap<i64, Vec<sqlx::any::AnyRow>> = Default::default();
    if !ids.is_empty() {
        let mut q = Sql::new("SELECT * FROM deliberation_decisions WHERE meeting_id IN ");
        q.bind_list(ids.iter().map(|id| Arg::Int(*id)));
        q.push(" ORDER BY meeting_id, seq");
        for d in q.query().fetch_all(&store.pool).await? {
            decided.entry(d.try_get("meeting_id")?).or_default().push(d);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let text = |c: &str| -> Result<String> { Ok(r.try_get::<String, _>(c)?) };
        let list = |c: &str| -> Result<Vec<String>> {
            let raw = text(c)?;
            serde_json::from_str(&raw).map_err(|_| corrupt(c, &raw))
        };
        let matters_raw = text("matters")?;
        let matters: Vec<i64> =
            serde_json::from_str(&matters_raw).map_err(|_| corrupt("matters", &matters_raw))?;
        let mut decisions = Vec::new();
        let mut done = Vec::new();
        for d in decided.get(&id).map(Vec::as_slice).unwrap_or_default() {
            decisions.push(Decision {
                text: d.try_get("text")?,
                carried_by: d.try_get("carried_by")?,
                due_day: d.try_get("due_day")?,
                event_id: d.try_get("event_id")?,
                settles: d.try_get::<i64, _>("settles")? != 0,
            });
            done.push(DecisionRecord {
                seq: d.try_get("seq")?,
                done_at: d.try_get("done_at")?,
                done_by: d.try_get("done_by")?,
                done_note: d.try_get("done_note")?,
            });
        }
        out.push(MeetingRecord {
            id,
            village_code: text("village_code")?,
            meeting: Meeting {
                kind: word(r, "kind", MeetingKind::parse)?,
                title: text("title")?,
                held_day: r.try_get("held_day")?,
                place: text("place")?,
                host: text("host")?,
                attendees: list("attendees")?,
                headcount: r.try_get("headcount")?,
                agenda: list("agenda")?,
                matters,
                minutes: text("minutes")?,
                decisions,
            },
            done,
            recorded_by: text("recorded_by")?,
            recorded_at: r.try_get("recorded_at")?,
        });
    }
    Ok(out)
}

pub(crate) async fn complete(
    store: &SqlStore,
    actor: &Actor,
    meeting_id: i64,
    seq: i64,
    note: &str,
    now: i64,
) -> Result<bool> {
    let mut tx = store.write_tx().await?;
    let moved = sqlx::query(
        "UPDATE deliberation_decisions SET done_at = $1, done_by = $2, done_note = $3 \
         WHERE meeting_id = $4 AND seq = $5 AND done_at IS NULL",
    )
    .bind(now)
    .bind(actor.username.clone())
    .bind(note.to_string())
    .bind(meeting_id)
    .bind(seq)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 1 {
        let mut a = actor.action(
            now,
            "deliberation.decision_done",
            &format!("deliberation:{meeting_id}"),
        );
        a.opinion = Some(format!("#{seq} {note}"));
        append_actions(&mut tx, vec![a]).await?;
    }
    tx.commit().await?;
    Ok(moved == 1)
}
