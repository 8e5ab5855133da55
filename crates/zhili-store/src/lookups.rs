//! The per-account budget of exact identifier lookups. Each lookup is a guess an account
//! can make at someone's full number, so they are counted (by the hour, over the last 24
//! hours) and recorded in the chain in the same transaction.

use crate::sql::{append_actions, SqlStore};
use crate::Result;
use sqlx::Row;
use zhili_domain::chain::Actor;

const HOUR_MS: i64 = 3_600_000;

/// Charges `n` lookups to `actor`'s account if the last 24 hours leave room under `budget`, and
/// records them (`person.lookup` on `subject`, with `note`). Answers how long until there
/// is room when there is none (nothing is charged or recorded then).
pub(crate) async fn charge(
    store: &SqlStore,
    actor: &Actor,
    n: i64,
    budget: i64,
    subject: &str,
    note: &str,
    now: i64,
) -> Result<Option<i64>> {
    let hour = now.div_euclid(HOUR_MS);
    let mut tx = store.write_tx().await?;
    // Takes the hour's row lock first, so concurrent charges of one account add up.
    sqlx::query(
        "INSERT INTO id_lookups (username, hour, n) VALUES ($1, $2, 0) \
         ON CONFLICT (username, hour) DO UPDATE SET n = id_lookups.n",
    )
    .bind(&actor.username)
    .bind(hour)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(
        "SELECT hour, n FROM id_lookups WHERE username = $1 AND hour > $2 ORDER BY hour",
    )
    .bind(&actor.username)
    .bind(hour - 24)
    .fetch_all(&mut *tx)
    .await?;
    let mut by_hour = Vec::with_capacity(rows.len());
    for r in &rows {
        by_hour.push((r.try_get::<i64, _>("hour")?, r.try_get::<i64, _>("n")?));
    }
    let used: i64 = by_hour.iter().map(|(_, n)| n).sum();
    if used + n > budget {
        // Room comes back as the oldest hours leave the window.
        let mut freed = 0;
        let mut wait_until = now + 24 * HOUR_MS;
        for (h, k) in &by_hour {
            freed += k;
            if used - freed + n <= budget {
                wait_until = (h + 25) * HOUR_MS;
                break;
            }
        }
        tx.commit().await?;
        return Ok(Some((wait_until - now).max(1_000)));
    }
    sqlx::query("UPDATE id_lookups SET n = n + $1 WHERE username = $2 AND hour = $3")
        .bind(n)
        .bind(&actor.username)
        .bind(hour)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM id_lookups WHERE username = $1 AND hour <= $2")
        .bind(&actor.username)
        .bind(hour - 24)
        .execute(&mut *tx)
        .await?;
    append_actions(
        &mut tx,
        vec![actor
            .action(now, "person.lookup", subject)
            .opinion(format!("{n} ID number(s): {note}"))],
    )
    .await?;
    tx.commit().await?;
    Ok(None)
}
