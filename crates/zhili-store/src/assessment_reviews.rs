//! Reviewers' entries in a year's assessment and the units' appeals against a published one.

use crate::ids::{lock_chain_head, next_id, sync_sequence};
use crate::sql::{append_actions, append_sealed, insert_rows, Arg, Sql};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::Row;
use zhili_domain::chain::NewAction;

fn review_of(r: &AnyRow) -> Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        year: r.try_get("year")?,
        unit_group: r.try_get("unit_group")?,
        unit: r.try_get("unit")?,
        subject: r.try_get("subject")?,
        value: r.try_get("value")?,
        basis: r.try_get("basis")?,
        photos: r.try_get("photos")?,
        reviewer: r.try_get("reviewer")?,
        reviewer_name: r.try_get("reviewer_name")?,
        reviewed_at: r.try_get("reviewed_at")?,
        action_seq: r.try_get("action_seq")?,
        action_hash: r.try_get("action_hash")?,
    })
}

fn appeal_of(r: &AnyRow) -> Result<AppealRow> {
    let upheld: Option<i64> = r.try_get("upheld")?;
    Ok(AppealRow {
        id: r.try_get("id")?,
        year: r.try_get("year")?,
        unit_group: r.try_get("unit_group")?,
        unit: r.try_get("unit")?,
        item: r.try_get("item")?,
        published_score: r.try_get("published_score")?,
        reason: r.try_get("reason")?,
        photos: r.try_get("photos")?,
        filed_by: r.try_get("filed_by")?,
        filed_by_name: r.try_get("filed_by_name")?,
        filed_at: r.try_get("filed_at")?,
        upheld: upheld.map(|u| u != 0),
        corrected_score: r.try_get("corrected_score")?,
        decision_reason: r.try_get("decision_reason")?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get("decided_at")?,
    })
}

/// Writes a review and its action (the action's place in the chain kept as the signature);
/// refused as a conflict once the year's group is published.
pub(crate) async fn put_review(
    store: &SqlStore,
    review: &ReviewRow,
    action: NewAction,
) -> Result<ReviewRow> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let published: Option<i64> = sqlx::query_scalar(
        "SELECT year FROM assessment_results WHERE year = $1 AND unit_group = $2",
    )
    .bind(review.year)
    .bind(review.unit_group.clone())
    .fetch_optional(&mut *tx)
    .await?;
    if published.is_some() {
        return Err(StoreError::conflict(format!(
            "the {} assessment of {} is published: its scores are closed",
            review.unit_group, review.year
        )));
    }
    let id = next_id(&mut tx, "assessment_reviews").await?;
    let mut action = action;
    action.subject = format!("assessment_review:{id}");
    let (action_seq, action_hash) = append_sealed(&mut tx, vec![action]).await?;
    let row = ReviewRow {
        id,
        action_seq,
        action_hash,
        ..review.clone()
    };
    insert_rows(
        &mut tx,
        "assessment_reviews",
        &[
            "id",
            "year",
            "unit_group",
            "unit",
            "subject",
            "value",
            "basis",
            "photos",
            "reviewer",
            "reviewer_name",
            "reviewed_at",
            "action_seq",
            "action_hash",
        ],
        vec![vec![
            Arg::Int(row.id),
            Arg::Int(row.year),
            Arg::Text(row.unit_group.clone()),
            Arg::Text(row.unit.clone()),
            Arg::Text(row.subject.clone()),
            Arg::Float(row.value),
            Arg::Text(row.basis.clone()),
            Arg::Text(row.photos.clone()),
            Arg::Text(row.reviewer.clone()),
            Arg::Text(row.reviewer_name.clone()),
            Arg::Int(row.reviewed_at),
            Arg::Int(row.action_seq),
            Arg::Text(row.action_hash.clone()),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "assessment_reviews").await?;
    tx.commit().await?;
    Ok(row)
}

/// Every review of a year and group, oldest first (the last for a unit and subject stands).
pub(crate) async fn reviews(
    store: &SqlStore,
    year: i64,
    unit_group: &str,
) -> Result<Vec<ReviewRow>> {
    let mut q = Sql::new("SELECT * FROM assessment_reviews WHERE year = ");
    q.bind(Arg::Int(year));
    q.push(" AND unit_group = ").bind_text(unit_group);
    q.push(" ORDER BY id");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter().map(review_of).collect()
}

/// Files an appeal with its action; refused as a conflict while the same unit has one on the
/// same line undecided.
pub(crate) async fn file_appeal(
    store: &SqlStore,
    appeal: &AppealRow,
    action: NewAction,
) -> Result<AppealRow> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM assessment_appeals WHERE year = $1 AND unit_group = $2 AND unit = $3 \
         AND item = $4 AND upheld IS NULL",
    )
    .bind(appeal.year)
    .bind(appeal.unit_group.clone())
    .bind(appeal.unit.clone())
    .bind(appeal.item.clone())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(open) = open {
        return Err(StoreError::conflict(format!(
            "appeal {open} on this item is still awaiting its decision"
        )));
    }
    let id = next_id(&mut tx, "assessment_appeals").await?;
    let row = AppealRow {
        id,
        ..appeal.clone()
    };
    insert_rows(
        &mut tx,
        "assessment_appeals",
        &[
            "id",
            "year",
            "unit_group",
            "unit",
            "item",
            "published_score",
            "reason",
            "photos",
            "filed_by",
            "filed_by_name",
            "filed_at",
        ],
        vec![vec![
            Arg::Int(id),
            Arg::Int(row.year),
            Arg::Text(row.unit_group.clone()),
            Arg::Text(row.unit.clone()),
            Arg::Text(row.item.clone()),
            Arg::Float(row.published_score),
            Arg::Text(row.reason.clone()),
            Arg::Text(row.photos.clone()),
            Arg::Text(row.filed_by.clone()),
            Arg::Text(row.filed_by_name.clone()),
            Arg::Int(row.filed_at),
        ]],
    )
    .await?;
    sync_sequence(&mut tx, store.backend, "assessment_appeals").await?;
    let mut action = action;
    action.subject = format!("assessment_appeal:{id}");
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(row)
}

pub(crate) async fn appeal(store: &SqlStore, id: i64) -> Result<Option<AppealRow>> {
    let row = sqlx::query("SELECT * FROM assessment_appeals WHERE id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.as_ref().map(appeal_of).transpose()
}

/// Records the decision of an undecided appeal with its action; a conflict if it was decided
/// meanwhile.
pub(crate) async fn decide_appeal(
    store: &SqlStore,
    decided: &AppealRow,
    action: NewAction,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    lock_chain_head(&mut tx).await?;
    let mut q = Sql::new("UPDATE assessment_appeals SET upheld = ");
    q.bind(Arg::Int(decided.upheld.map_or(0, i64::from)));
    q.push(", corrected_score = ")
        .bind(decided.corrected_score.into());
    q.push(", decision_reason = ")
        .bind(decided.decision_reason.clone().into());
    q.push(", decided_by = ")
        .bind(decided.decided_by.clone().into());
    q.push(", decided_by_name = ")
        .bind(decided.decided_by_name.clone().into());
    q.push(", decided_at = ").bind(decided.decided_at.into());
    q.push(" WHERE id = ").bind(Arg::Int(decided.id));
    q.push(" AND upheld IS NULL");
    let done = q.query().execute(&mut *tx).await?.rows_affected();
    if done == 0 {
        return Err(StoreError::conflict(format!(
            "appeal {} is decided already",
            decided.id
        )));
    }
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}

/// A year's appeals for a group (a unit's own when `unit` is given), newest first.
pub(crate) async fn appeals(
    store: &SqlStore,
    year: i64,
    unit_group: &str,
    unit: Option<&str>,
) -> Result<Vec<AppealRow>> {
    let mut q = Sql::new("SELECT * FROM assessment_appeals WHERE year = ");
    q.bind(Arg::Int(year));
    q.push(" AND unit_group = ").bind_text(unit_group);
    if let Some(u) = unit {
        q.push(" AND unit = ").bind_text(u);
    }
    q.push(" ORDER BY id DESC");
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter().map(appeal_of).collect()
}

/// Where a photo is held as assessment evidence: (year, group, unit) of each review or appeal
/// carrying it. A photo id is 64 hex digits, so it cannot escape the pattern.
pub(crate) async fn photo_units(
    store: &SqlStore,
    sha256: &str,
) -> Result<Vec<(i64, String, String)>> {
    if !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Vec::new());
    }
    let pattern = format!("%\"{sha256}\"%");
    let mut q =
        Sql::new("SELECT year, unit_group, unit FROM assessment_reviews WHERE photos LIKE ");
    q.bind_text(&pattern);
    q.push(" UNION SELECT year, unit_group, unit FROM assessment_appeals WHERE photos LIKE ");
    q.bind_text(&pattern);
    let rows = q.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("year")?,
                r.try_get("unit_group")?,
                r.try_get("unit")?,
            ))
        })
        .collect()
}
