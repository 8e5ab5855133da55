//! The star review's inputs and outputs: each case of a year with what the review counts, the
//! stars written per room and year, the criteria's versions.

use crate::sql::{append_actions, corrupt, insert_rows, word, Arg};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::{Actor, NewAction};
use zhili_domain::mediation::stars::CaseFacts;
use zhili_domain::mediation::{AgreementForm, Limits, Status};

/// The columns a case's review and statistics facts are read from (`facts_from_row`).
pub(crate) const FACT_COLUMNS: &str = "c.status, c.agreement_form, c.confirmation, c.closed_at, c.limits, \
    (SELECT MAX(s.at) FROM mediation_steps s WHERE s.case_id = c.id AND s.step = 'record_performance') AS performed_at, \
    CASE WHEN EXISTS (SELECT 1 FROM mediation_cases x WHERE x.repeat_of = c.id) THEN 1 ELSE 0 END AS repeated";

/// What the star review and the statistics count of one case, from `FACT_COLUMNS`.
pub(crate) fn facts_from_row(r: &AnyRow) -> Result<CaseFacts> {
    let form: Option<String> = r.try_get("agreement_form")?;
    let limits: String = r.try_get("limits")?;
    let confirmation: Option<String> = r.try_get("confirmation")?;
    Ok(CaseFacts {
        status: word(r, "status", Status::parse)?,
        agreement: form.as_deref().and_then(AgreementForm::parse),
        confirmation_applied: confirmation.is_some(),
        performed_at: r.try_get("performed_at")?,
        closed_at: r.try_get("closed_at")?,
        follow_up_ms: Limits::from_text(&limits)
            .ok_or_else(|| corrupt("limits", &limits))?
            .follow_up_ms,
        repeated: r.try_get::<i64, _>("repeated")? != 0,
    })
}

pub(crate) async fn review_facts(
    store: &SqlStore,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, CaseFacts)>> {
    let rows = sqlx::query(&format!(
        "SELECT c.room_id, {FACT_COLUMNS} FROM mediation_cases c \
         WHERE c.room_id IS NOT NULL AND c.registered_at >= $1 AND c.registered_at < $2"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("room_id")?, facts_from_row(r)?)))
        .collect()
}

/// Writes each room's stars for `year` (replacing the year's earlier review), sets each room's
/// level to its latest year's, and appends the actions — one transaction.
pub(crate) async fn write_stars(
    store: &SqlStore,
    year: i64,
    stars: &[(i64, StarRecord)],
    actions: Vec<NewAction>,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    for chunk in stars.chunks(500) {
        let ids: Vec<Arg> = chunk.iter().map(|(r, _)| Arg::Int(*r)).collect();
        let mut del = crate::sql::Sql::new("DELETE FROM mediation_room_stars WHERE year = ");
        del.bind(Arg::Int(year))
            .push(" AND room_id IN ")
            .bind_list(ids);
        del.query().execute(&mut *tx).await?;
        insert_rows(
            &mut tx,
            "mediation_room_stars",
            &[
                "room_id",
                "year",
                "stars",
                "score",
                "basis",
                "decided_by",
                "decided_at",
            ],
            chunk
                .iter()
                .map(|(room, s)| {
                    vec![
                        Arg::Int(*room),
                        Arg::Int(year),
                        Arg::Int(s.stars),
                        s.score.into(),
                        Arg::Text(s.basis.clone()),
                        Arg::Text(s.decided_by.clone()),
                        Arg::Int(s.decided_at),
                    ]
                })
                .collect(),
        )
        .await?;
    }
    sqlx::query(
        "UPDATE mediation_rooms SET stars = COALESCE((SELECT s.stars FROM mediation_room_stars s \
         WHERE s.room_id = mediation_rooms.id ORDER BY s.year DESC LIMIT 1), 0)",
    )
    .execute(&mut *tx)
    .await?;
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn mediation_limits(store: &SqlStore) -> Result<Option<(i64, String)>> {
    crate::versions::latest(store, "mediation_limits", "limits").await
}

pub(crate) async fn put_mediation_limits(
    store: &SqlStore,
    actor: &Actor,
    limits: &str,
    now: i64,
) -> Result<i64> {
    crate::versions::put_version(
        store,
        actor,
        "mediation_limits",
        "limits",
        limits,
        "mediation.limits",
        now,
    )
    .await
}

pub(crate) async fn star_criteria(store: &SqlStore) -> Result<Option<(i64, String)>> {
    crate::versions::latest(store, "mediation_criteria", "criteria").await
}

pub(crate) async fn put_star_criteria(
    store: &SqlStore,
    actor: &Actor,
    criteria: &str,
    now: i64,
) -> Result<i64> {
    crate::versions::put_version(
        store,
        actor,
        "mediation_criteria",
        "criteria",
        criteria,
        "mediation.criteria",
        now,
    )
    .await
}
