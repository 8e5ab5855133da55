//! Assessment meetings' rows: scheduled, held with their decisions in one transaction, each
//! decision's event noted once it is dispatched.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, insert_rows, Arg, Sql};
use crate::*;
use sqlx::Row;
use zhili_domain::chain::NewAction;

const COLUMNS: &str = "m.id, m.kind, m.sector, m.area_code, m.title, m.scheduled_at, m.status, \
     m.held_at, m.attendees, m.minutes, m.material, m.convened_by, m.version, m.updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<MeetingRow> {
    Ok(MeetingRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        sector: r.try_get("sector")?,
        area_code: r.try_get("area_code")?,
        title: r.try_get("title")?,
        scheduled_at: r.try_get("scheduled_at")?,
        status: r.try_get("status")?,
        held_at: r.try_get("held_at")?,
        attendees: r.try_get("attendees")?,
        minutes: r.try_get("minutes")?,
        material: r.try_get("material")?,
        convened_by: r.try_get("convened_by")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        decisions: vec![],
    })
}

/// A department reads the district's meetings and its sector's; everyone else the meetings of
/// their area (the district's own centre all of them).
fn meeting_scope(sql: &mut Sql, reader: &MeetingReader<'_>) {
    if reader.scope.department.is_some() {
        sql.push(" AND (m.kind = 'district' OR (m.kind = 'sector' AND m.sector = ")
            .bind_text(reader.sector.unwrap_or("").to_string());
        sql.push("))");
    } else {
        crate::sql::scope_filter(sql, "m.area_code", reader.scope);
    }
}

async fn with_decisions(store: &SqlStore, mut rows: Vec<MeetingRow>) -> Result<Vec<MeetingRow>> {
    if rows.is_empty() {
        return Ok(rows);
    }
    let mut q = Sql::new(
        "SELECT meeting_id, seq, text, lead_unit, category, due_on, event_id \
         FROM risk_meeting_decisions WHERE meeting_id IN ",
    );
    q.bind_list(rows.iter().map(|m| Arg::Int(m.id)));
    q.push(" ORDER BY meeting_id, seq");
    for r in q.query().fetch_all(&store.pool).await? {
        let meeting: i64 = r.try_get("meeting_id")?;
        if let Some(m) = rows.iter_mut().find(|m| m.id == meeting) {
            m.decisions.push(DecisionRow {
                seq: r.try_get("seq")?,
                text: r.try_get("text")?,
                lead_unit: r.try_get("lead_unit")?,
                category: r.try_get("category")?,
                due_on: r.try_get("due_on")?,
                event_id: r.try_get("event_id")?,
            });
        }
    }
    Ok(rows)
}

pub(crate) async fn schedule(store: &SqlStore, m: &MeetingRow, action: NewAction) -> Result<i64> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let id = next_id(&mut tx, "risk_meetings").await?;
    insert_rows(
        &mut tx,
        "risk_meetings",
        &[
            "id",
            "kind",
            "sector",
            "area_code",
            "title",
            "scheduled_at",
            "status",
            "convened_by",
            "version",
            "updated_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Text(m.kind.clone()),
            m.sector.clone().into(),
            Arg::Text(m.area_code.clone()),
            Arg::Text(m.title.clone()),
            Arg::Int(m.scheduled_at),
            Arg::Text("scheduled".into()),
            Arg::Text(m.convened_by.clone()),
            Arg::Int(1),
            Arg::Int(m.updated_at),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "risk_meetings").await?;
    let mut action = action;
    action.subject = format!("risk_meeting:{id}");
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) async fn meetings(
    store: &SqlStore,
    reader: &MeetingReader<'_>,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<MeetingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM risk_meetings m WHERE m.scheduled_at >= "
    ));
    q.bind(Arg::Int(from));
    q.push(" AND m.scheduled_at < ").bind(Arg::Int(to));
    meeting_scope(&mut q, reader);
    q.push(" ORDER BY m.scheduled_at DESC, m.id DESC LIMIT ")
        .bind(Arg::Int(limit));
    let rows = q.query().fetch_all(&store.pool).await?;
    let rows = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    with_decisions(store, rows).await
}

pub(crate) async fn meeting(
    store: &SqlStore,
    reader: &MeetingReader<'_>,
    id: i64,
) -> Result<Option<MeetingRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM risk_meetings m WHERE m.id = "
    ));
    q.bind(Arg::Int(id));
    meeting_scope(&mut q, reader);
    let Some(row) = q.query().fetch_optional(&store.pool).await? else {
        return Ok(None);
    };
    Ok(with_decisions(store, vec![from_row(&row)?]).await?.pop())
}

pub(crate) async fn hold(store: &SqlStore, m: &MeetingRow, action: NewAction) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE risk_meetings SET status = 'held', held_at = ");
    q.bind(m.held_at.into());
    q.push(", attendees = ").bind(m.attendees.clone().into());
    q.push(", minutes = ").bind(m.minutes.clone().into());
    q.push(", material = ").bind(m.material.clone().into());
    q.push(", updated_at = ").bind(Arg::Int(m.updated_at));
    q.push(", version = version + 1 WHERE id = ")
        .bind(Arg::Int(m.id));
    q.push(" AND version = ").bind(Arg::Int(m.version));
    q.push(" AND status = 'scheduled'");
    if q.query().execute(&mut *tx).await?.rows_affected() != 1 {
        return Err(StoreError::conflict(
            "the meeting changed since it was read (or was held already); read it again",
        ));
    }
    if !m.decisions.is_empty() {
        insert_rows(
            &mut tx,
            "risk_meeting_decisions",
            &[
                "meeting_id",
                "seq",
                "text",
                "lead_unit",
                "category",
                "due_on",
            ],
            m.decisions
                .iter()
                .map(|d| {
                    vec![
                        Arg::Int(m.id),
                        Arg::Int(d.seq),
                        Arg::Text(d.text.clone()),
                        Arg::Text(d.lead_unit.clone()),
                        Arg::Text(d.category.clone()),
                        Arg::Int(d.due_on),
                    ]
                })
                .collect(),
        )
        .await?;
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn decision_dispatched(
    store: &SqlStore,
    meeting_id: i64,
    seq: i64,
    event_id: i64,
    action: NewAction,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let done = sqlx::query(
        "UPDATE risk_meeting_decisions SET event_id = $1 \
         WHERE meeting_id = $2 AND seq = $3 AND event_id IS NULL",
    )
    .bind(event_id)
    .bind(meeting_id)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::conflict("the decision was dispatched already"));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
