//! One change of an event inside the writer's batch: checked against the version read, the
//! event updated and read back in one statement, its share of the totals moved, its units and
//! step written; its record is appended with the batch's.

use crate::counts::{CountChanges, Share};
use crate::events::{event_from_row, EVENT_COLUMNS};
use crate::{EventRecord, Result, StoreError};
use sqlx::{AnyConnection, Row};
use zhili_domain::UnitId;

/// Applies one change; its record is pushed onto `recorded`, appended with the batch's.
pub(crate) async fn apply_change(
    tx: &mut AnyConnection,
    request: &crate::ChangeRequest,
    counts: &mut CountChanges,
    recorded: &mut Vec<zhili_domain::chain::NewAction>,
) -> Result<Result<EventRecord>> {
    let crate::ChangeRequest {
        actor,
        id,
        expected_version,
        change: ch,
        now,
    } = request;
    let (id, now) = (*id, *now);
    let c = &ch.case;
    let conflict = || {
        Ok(Err(StoreError::Domain(zhili_domain::DomainError::new(
            zhili_domain::ErrorCode::InvalidTransition,
            "the event changed while this action was being taken; reload it and try again",
        ))))
    };
    // Its share of the dashboard totals before the change (the version check below makes
    // sure no other change came in between).
    let Some(before) = sqlx::query(
        "SELECT village_code, lead_unit, status, handle_late, reworks, satisfaction, version FROM events WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return conflict();
    };
    if before.try_get::<i64, _>("version")? != *expected_version {
        return conflict();
    }
    let handle_late_before = before.try_get::<i64, _>("handle_late")? != 0;
    let village: String = before.try_get("village_code")?;
    let share_before = Share::new(
        village.clone(),
        before.try_get::<Option<String>, _>("lead_unit")?.as_deref(),
        &before.try_get::<String, _>("status")?,
        handle_late_before,
        before.try_get("reworks")?,
        before.try_get("satisfaction")?,
    );
    let late_now = ch
        .step_done
        .is_some_and(|d| d.step == zhili_domain::event::Step::Handle && !d.on_time);
    // The event as it now is comes back from the update itself.
    let updated = sqlx::query(&format!(
        "UPDATE events SET status = $1, matter_class = $2, owner = $3, lead_unit = $4, step_started = $5, step_due = $6, deferred_from = $7, \
         remaining_ms = $8, pending_extension_ms = $9, closed_at = $10, returns = $11, reworks = $12, escalations = $13, supervision_level = $14, \
         extensions = $15, deferrals = $16, reopens = $17, satisfaction = $18, merged_into = COALESCE($19, merged_into), version = version + 1, updated_at = $20, \
         handle_late = CASE WHEN $23 = 1 THEN 1 ELSE handle_late END \
         WHERE id = $21 AND version = $22 RETURNING {}",
        EVENT_COLUMNS.replace("e.", "")
    ))
    .bind(c.status.as_str())
    .bind(c.class.as_str())
    .bind(c.owner.to_string())
    .bind(c.lead_unit.as_ref().map(UnitId::to_string))
    .bind(c.step_started)
    .bind(c.step_due)
    .bind(c.deferred_from.map(|s| s.as_str()))
    .bind(c.remaining_ms)
    .bind(c.pending_extension_ms)
    .bind(c.closed_at)
    .bind(c.returns)
    .bind(c.reworks)
    .bind(c.escalations)
    .bind(c.supervision_level)
    .bind(c.extensions)
    .bind(c.deferrals)
    .bind(c.reopens)
    .bind(c.satisfaction)
    .bind(ch.merged_into)
    .bind(now)
    .bind(id)
    .bind(expected_version)
    .bind(late_now as i64)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(updated) = updated else {
        return conflict();
    };
    counts.add(&share_before, -1);
    counts.add(
        &Share::new(
            village,
            c.lead_unit.as_deref(),
            c.status.as_str(),
            handle_late_before || late_now,
            c.reworks,
            c.satisfaction,
        ),
        1,
    );
    sqlx::query("DELETE FROM event_units WHERE event_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for unit in &c.assisting_units {
        sqlx::query("INSERT INTO event_units (event_id, unit_id) VALUES ($1, $2)")
            .bind(id)
            .bind(unit.to_string())
            .execute(&mut *tx)
            .await?;
    }
    if let Some(done) = ch.step_done {
        sqlx::query(
            "INSERT INTO event_steps (event_id, seq, step, unit, due, done_at, on_time) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM event_steps WHERE event_id = $1",
        )
            .bind(id)
            .bind(done.step.as_str())
            .bind(actor.unit.clone())
            .bind(done.due)
            .bind(now)
            .bind(done.on_time as i64)
            .execute(&mut *tx)
            .await?;
    }
    let mut action = actor
        .action(now, &ch.action, &format!("event:{id}"))
        .states(Some(ch.from.as_str()), Some(c.status.as_str()));
    action.opinion = ch.opinion.clone();
    action.attachments = ch.attachments.clone();
    crate::attachments::link(tx, id, &crate::attachments::ids_of(&ch.attachments)?).await?;
    recorded.push(action);
    let mut assisting: Vec<String> = c.assisting_units.iter().map(UnitId::to_string).collect();
    assisting.sort();
    let record = event_from_row(&updated, assisting)?;
    if let Some(resident) = record.resident_id {
        if let Some(notice) = zhili_domain::resident::Notice::of(ch.from, c.status, c.class) {
            let body = notice.text(&record.case_number, ch.opinion.as_deref());
            crate::residents::queue_notice(tx, resident, id, notice, &body, now).await?;
        }
    }
    Ok(Ok(record))
}
