//! One change of an event inside the writer's batch: checked against the version read, the
//! event updated and read back in one statement, its share of the totals moved, its units and
//! step written; its record is appended with the batch's.

use crate::counts::{CountChanges, Share};
use crate::events::{event_from_row, EVENT_COLUMNS};
use crate::exec::{first_row, Cells, Exec};
use crate::sql::{Arg, Sql};
use crate::{EventRecord, Result, StoreError};
use zhili_domain::UnitId;

/// Applies one change; its record is pushed onto `recorded`, appended with the batch's.
pub(crate) async fn apply_change<C: Exec>(
    tx: &mut C,
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
    let mut read = Sql::new(
        "SELECT village_code, lead_unit, status, handle_late, reworks, satisfaction, version FROM events WHERE id = ",
    );
    read.bind(Arg::Int(id));
    let Some(before) = first_row(tx, &read).await? else {
        return conflict();
    };
    if before.cell::<i64>("version")? != *expected_version {
        return conflict();
    }
    let handle_late_before = before.cell::<i64>("handle_late")? != 0;
    let village: String = before.cell("village_code")?;
    let share_before = Share::new(
        village.clone(),
        before.cell::<Option<String>>("lead_unit")?.as_deref(),
        &before.cell::<String>("status")?,
        handle_late_before,
        before.cell("reworks")?,
        before.cell("satisfaction")?,
    );
    let late_now = ch
        .step_done
        .is_some_and(|d| d.step == zhili_domain::event::Step::Handle && !d.on_time);
    // The event as it now is comes back from the update itself.
    let mut update = Sql::new(
        "UPDATE events SET status = $1, matter_class = $2, owner = $3, lead_unit = $4, step_started = $5, step_due = $6, deferred_from = $7, \
         remaining_ms = $8, pending_extension_ms = $9, closed_at = $10, returns = $11, reworks = $12, escalations = $13, supervision_level = $14, \
         extensions = $15, deferrals = $16, reopens = $17, satisfaction = $18, merged_into = COALESCE($19, merged_into), version = version + 1, updated_at = $20, \
         handle_late = CASE WHEN $23 = 1 THEN 1 ELSE handle_late END \
         WHERE id = $21 AND version = $22 RETURNING ",
    );
    update.push(&EVENT_COLUMNS.replace("e.", ""));
    // Bound in place, NULLs too, so the text is one statement that stays prepared.
    update.args = [
        Arg::Text(c.status.as_str().into()),
        Arg::Text(c.class.as_str().into()),
        Arg::Text(c.owner.to_string()),
        c.lead_unit.as_ref().map(UnitId::to_string).into(),
    ]
    .into_iter()
    .chain(crate::history::case_progress(c))
    .chain([
        ch.merged_into.into(),
        Arg::Int(now),
        Arg::Int(id),
        Arg::Int(*expected_version),
        Arg::Int(late_now as i64),
    ])
    .collect();
    let updated = first_row(tx, &update).await?;
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
    let mut units = Sql::new("DELETE FROM event_units WHERE event_id = ");
    units.bind(Arg::Int(id));
    tx.run(&units).await?;
    for unit in &c.assisting_units {
        let mut insert = Sql::new("INSERT INTO event_units (event_id, unit_id) VALUES ($1, $2)");
        insert.args = vec![Arg::Int(id), Arg::Text(unit.to_string())];
        tx.run(&insert).await?;
    }
    if let Some(done) = ch.step_done {
        let mut step = Sql::new(
            "INSERT INTO event_steps (event_id, seq, step, unit, due, done_at, on_time) \
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM event_steps WHERE event_id = $1",
        );
        step.args = vec![
            Arg::Int(id),
            Arg::Text(done.step.as_str().into()),
            actor.unit.clone().into(),
            Arg::Int(done.due),
            Arg::Int(now),
            Arg::Int(done.on_time as i64),
        ];
        tx.run(&step).await?;
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
