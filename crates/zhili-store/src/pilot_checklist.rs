//! The acceptance checklist's entries, one per requirement, changed at the version read.

use crate::ids::{put_versioned, Kept};
use crate::sql::Arg;
use crate::*;
use sqlx::Row;
use zhili_domain::chain::NewAction;

pub(crate) async fn entries(store: &SqlStore) -> Result<Vec<ChecklistRow>> {
    let rows = sqlx::query("SELECT * FROM checklist_entries ORDER BY code")
        .fetch_all(&store.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ChecklistRow {
                code: r.try_get("code")?,
                claim: r.try_get("claim")?,
                claim_note: r.try_get("claim_note")?,
                photos: r.try_get("photos")?,
                claimed_by_name: r.try_get("claimed_by_name")?,
                claimed_at: r.try_get("claimed_at")?,
                verdict: r.try_get("verdict")?,
                verdict_note: r.try_get("verdict_note")?,
                reviewed_by_name: r.try_get("reviewed_by_name")?,
                reviewed_at: r.try_get("reviewed_at")?,
                version: r.try_get("version")?,
            })
        })
        .collect()
}

/// Writes an entry (its version one past `read`; `read` 0: none kept yet) with its action; a
/// conflict when it changed meanwhile.
pub(crate) async fn put(
    store: &SqlStore,
    e: &ChecklistRow,
    read: i64,
    action: NewAction,
) -> Result<()> {
    let stale = StoreError::conflict(format!(
        "requirement {} changed since version {read}; read it again",
        e.code
    ));
    put_versioned(
        store,
        Kept {
            table: "checklist_entries",
            keys: 1,
            columns: &[
                "code",
                "claim",
                "claim_note",
                "photos",
                "claimed_by_name",
                "claimed_at",
                "verdict",
                "verdict_note",
                "reviewed_by_name",
                "reviewed_at",
                "version",
            ],
        },
        vec![
            Arg::Text(e.code.clone()),
            e.claim.clone().into(),
            e.claim_note.clone().into(),
            Arg::Text(e.photos.clone()),
            e.claimed_by_name.clone().into(),
            e.claimed_at.into(),
            e.verdict.clone().into(),
            e.verdict_note.clone().into(),
            e.reviewed_by_name.clone().into(),
            e.reviewed_at.into(),
            Arg::Int(e.version),
        ],
        read,
        action,
        stale,
    )
    .await
}
